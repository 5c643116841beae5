// knet: build, boot, test and demo the knet kernel socket abstraction.
import { UserError } from './util/run.js';
import { testCommand } from './commands/test.js';
import { demoCommand } from './commands/demo.js';
import { shellCommand } from './commands/shell.js';
import { prepare } from './kernel/pipeline.js';
import { stage } from './util/run.js';
import { setup } from './kernel/setup.js';
import { fmtCommand } from './commands/fmt.js';
import { seriesCommand } from './commands/series.js';
import { seriesCheckCommand } from './commands/seriescheck.js';
import { benchCommand } from './commands/bench.js';

const USAGE = `usage: knet <command> [options] [--lts]
  (--lts, or KNET_KERNEL=lts: the 6.12 LTS backport instead of mainline 7.3)
  setup              install packages and bindgen, check the toolchain
  build              setup, extract and overlay the tree, configure, build
  test [--filter RE] [--no-lint] [--debug]
                     everything above, then boot and run every test
  demo               build, boot and show the system working
  bench [--smoke] [--reps N] [--modes wall,icount]
                     Rust vs C vs userspace echo servers, side by side in one boot per timing mode
  series [DIR] [--author "Name <email>"]
                     write a git am-able patch series against mainline (default out/series);
                     author and Signed-off-by from git config user.name/user.email unless given
  series-check       apply the series with git am onto a pristine 7.3 tree, build after each patch,
                     then rustfmtcheck and rustdoc (slow: not part of test)
  fmt                format the project's Rust code with the kernel's rustfmt settings
  shell              build and boot the guest with a shell on this terminal`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  // The 6.12 LTS backport instead of mainline; child processes (host tests) inherit it.
  if (rest.includes('--lts')) process.env.KNET_KERNEL = 'lts';
  const flag = (name: string) => rest.includes(name);
  const value = (name: string) => {
    const i = rest.indexOf(name);
    return i >= 0 ? rest[i + 1] : undefined;
  };
  const flavor = flag('--debug') ? 'debug' : 'test';
  switch (cmd) {
    case 'setup':
      await stage('setup (packages, bindgen, toolchain check)', setup);
      return 0;
    case 'build':
      await prepare(flavor);
      return 0;
    case 'test': {
      const f = value('--filter');
      return testCommand({ flavor, filter: f ? new RegExp(f) : undefined, skipLint: flag('--no-lint') });
    }
    case 'demo':
      return demoCommand();
    case 'bench':
      return benchCommand(rest);
    case 'series':
      return seriesCommand(rest.find((a) => !a.startsWith('--') && a !== value('--author')), value('--author'));
    case 'series-check':
      return seriesCheckCommand();
    case 'fmt':
      return fmtCommand();
    case 'shell':
      return shellCommand(flavor);
    default:
      console.error(USAGE);
      return cmd === undefined || cmd === 'help' ? 0 : 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    if (e instanceof UserError) console.error(`\nknet: ${e.message}`);
    else console.error(e);
    if (process.argv[2] === 'test') console.log('0 passed, 1 failed');
    process.exit(1);
  },
);
