// knet: build, boot, test and demo the knet kernel socket abstraction.
// One table of commands; the command line is checked against it before
// anything runs, so a typo costs one line on stderr, not a build.
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError, stage } from './util/run.js';
import { Flavor } from './util/paths.js';
import { testCommand } from './commands/test.js';
import { demoCommand } from './commands/demo.js';
import { shellCommand } from './commands/shell.js';
import { prepare } from './kernel/pipeline.js';
import { setup } from './kernel/setup.js';
import { fmtCommand } from './commands/fmt.js';
import { seriesCommand } from './commands/series.js';
import { seriesCheckCommand } from './commands/seriescheck.js';
import { benchCommand, Mode } from './commands/bench.js';
import { HOLD_WORKLOAD } from './commands/benchreport.js';
import { backportCommand } from './commands/backport.js';

/** A mistake in the command line: one line on stderr, exit status 2. */
export class UsageError extends Error {}

interface OptionSpec { type: 'boolean' | 'string'; short?: string; arg?: string; help: string }
type Options = Record<string, OptionSpec>;
type Values<O extends Options> = { [K in keyof O]?: O[K]['type'] extends 'string' ? string : boolean };

interface Command {
  name: string;
  summary: string;
  /** Name of the one positional argument the command takes, if any. */
  positional?: string;
  options: Options;
  /** Checks the parsed arguments (throws UsageError) and returns what runs the command. */
  start(values: Record<string, unknown>, positionals: string[]): () => Promise<number>;
}

/** Declares a command: `args` turns its typed options into what `run` takes, before anything runs. */
function command<const O extends Options, A = undefined>(c: {
  name: string; summary: string; positional?: string; options: O;
  args?: (values: Values<O>, positionals: string[]) => A;
  run: (args: A) => Promise<number>;
}): Command {
  const { args, run, ...rest } = c;
  return {
    ...rest,
    start: (values, positionals) => {
      const a = args ? args(values as Values<O>, positionals) : (undefined as A);
      return () => run(a);
    },
  };
}

const GLOBAL = {
  lts: { type: 'boolean', help: 'the 6.12 LTS backport instead of mainline 7.3 (or KNET_KERNEL=lts)' },
  help: { type: 'boolean', short: 'h', help: 'print this help' },
} as const satisfies Options;

const DEBUG = { debug: { type: 'boolean', help: 'the debug kernel (KASAN, lockdep, UBSAN, kmemleak, PREEMPT, fault injection)' } } as const satisfies Options;
const flavor = (v: { debug?: boolean }): Flavor => (v.debug ? 'debug' : 'test');

function regex(option: string, text: string | undefined): RegExp | undefined {
  if (text === undefined) return undefined;
  try {
    return new RegExp(text);
  } catch (e) {
    throw new UsageError(`${option} '${text}' is not a valid regular expression (${(e as Error).message})`);
  }
}

function positiveInt(option: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(text)) throw new UsageError(`${option} takes a positive whole number, not '${text}'`);
  return Number(text);
}

function modes(text: string | undefined): Mode[] | undefined {
  if (text === undefined) return undefined;
  const list = text.split(',');
  if (list.some((m) => m !== 'wall' && m !== 'icount')) throw new UsageError(`--modes takes wall and/or icount, not '${text}'`);
  return list as Mode[];
}

const COMMANDS: Command[] = [
  command({
    name: 'setup', summary: 'install packages and bindgen, check the toolchain', options: {},
    run: async () => {
      await stage('setup (packages, bindgen, toolchain check)', setup);
      return 0;
    },
  }),
  command({
    name: 'build', summary: 'setup, extract and overlay the tree, configure, build', options: DEBUG, args: flavor,
    run: async (f) => {
      await prepare(f);
      return 0;
    },
  }),
  command({
    name: 'test', summary: 'everything above, then boot and run every test',
    options: {
      filter: { type: 'string', arg: 'RE', help: 'only the guest scripts and host test files whose names match RE (KUnit always runs)' },
      'no-lint': { type: 'boolean', help: 'skip rustfmtcheck and rustdoc' },
      ...DEBUG,
    },
    args: (v) => ({ flavor: flavor(v), filter: regex('--filter', v.filter), skipLint: v['no-lint'] ?? false }),
    run: testCommand,
  }),
  command({ name: 'demo', summary: 'build, boot and show the system working', options: {}, run: () => demoCommand() }),
  command({
    name: 'bench', summary: 'Rust vs C vs userspace echo servers, side by side in one boot per timing mode',
    options: {
      smoke: { type: 'boolean', help: 'small sizes, one repetition, wall clock only (a quick check that it works)' },
      reps: { type: 'string', arg: 'N', help: 'repetitions (default 5, 1 with --smoke)' },
      modes: { type: 'string', arg: 'wall,icount', help: 'timing modes (default both, wall with --smoke)' },
      'wall-only': { type: 'boolean', help: 'same as --modes wall' },
      workloads: { type: 'string', arg: 'RE', help: `only the workloads whose names match RE (e.g. ${HOLD_WORKLOAD}, the held connections)` },
    },
    args: (v) => {
      const smoke = v.smoke ?? false;
      return {
        smoke,
        reps: positiveInt('--reps', v.reps) ?? (smoke ? 1 : 5),
        modes: modes(v.modes) ?? (v['wall-only'] || smoke ? ['wall'] : ['wall', 'icount']),
        only: regex('--workloads', v.workloads),
      };
    },
    run: benchCommand,
  }),
  command({
    name: 'series', positional: 'DIR',
    summary: 'write a git am-able patch series against mainline (default out/series);\n' +
      'author and Signed-off-by from git config user.name/user.email unless given',
    options: { author: { type: 'string', arg: '"Name <email>"', help: 'author of the patches' } },
    args: (v, [dir]) => ({ dir, author: v.author }),
    run: (a) => seriesCommand(a.dir, a.author),
  }),
  command({
    name: 'series-check', summary: 'apply the series with git am onto a pristine 7.3 tree, build after each patch,\n' +
      'then rustfmtcheck and rustdoc (slow: not part of test)',
    options: {}, run: () => seriesCheckCommand(),
  }),
  command({
    name: 'backport', summary: 'rebase the 6.12 backport patch onto the mainline files as they are now\n' +
      '(a three-way merge per file from REV; new test files get 6.12\'s KUnit suite form)',
    options: {
      from: { type: 'string', arg: 'REV', help: 'the commit whose mainline files the backport patch fits (default: the last commit that changed it)' },
      diff: { type: 'string', arg: 'DIR', help: 'after resolving conflicts in DIR/new612: write the patch from it' },
    },
    args: (v) => ({ from: v.from, diff: v.diff }),
    run: backportCommand,
  }),
  command({ name: 'fmt', summary: "format the project's Rust code with the kernel's rustfmt settings", options: {}, run: () => fmtCommand() }),
  command({ name: 'shell', summary: 'build and boot the guest with a shell on this terminal', options: DEBUG, args: flavor, run: shellCommand }),
];

const optionText = (name: string, o: OptionSpec) => `--${name}${o.arg ? ` ${o.arg}` : ''}`;

export function usage(): string {
  const col = 21;
  const indent = (text: string) => text.split('\n').map((l) => `${' '.repeat(col)}${l}`).join('\n');
  const lines = ['usage: knet <command> [options] [--lts]', `  --lts: ${GLOBAL.lts.help}`];
  for (const c of COMMANDS) {
    const head = `  ${[c.name, ...(c.positional ? [`[${c.positional}]`] : []), ...Object.entries(c.options).map(([n, o]) => `[${optionText(n, o)}]`)].join(' ')}`;
    const body = indent(c.summary);
    lines.push(head.length < col - 1 ? head.padEnd(col) + body.slice(col) : `${head}\n${body}`);
    for (const [n, o] of Object.entries(c.options)) lines.push(indent(`  ${optionText(n, o)}: ${o.help}`));
  }
  lines.push('  help, --help       this text');
  return lines.join('\n');
}

/** Parses the command line against the table; throws UsageError on anything it does not declare. */
export function parseCommandLine(argv: string[]): { help: true } | { help: false; lts: boolean; start: () => Promise<number> } {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') return { help: true };
  const c = COMMANDS.find((x) => x.name === name);
  if (!c) throw new UsageError(name.startsWith('-') ? `the command comes first: knet <command> [options]` : `unknown command '${name}'`);
  const declared: Options = { ...GLOBAL, ...c.options };
  const options = Object.fromEntries(Object.entries(declared).map(([n, o]) => [n, { type: o.type, ...(o.short ? { short: o.short } : {}) }]));
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options, strict: true, allowPositionals: true });
  } catch (e) {
    // node's messages run on with advice about '--': keep the first sentence.
    const first = (e as Error).message.split(/\.\s/)[0].replace(/\.$/, '');
    throw new UsageError(`${first.charAt(0).toLowerCase()}${first.slice(1)} (knet ${name})`);
  }
  if (parsed.values.help) return { help: true };
  const max = c.positional ? 1 : 0;
  if (parsed.positionals.length > max) throw new UsageError(`unexpected argument '${parsed.positionals[max]}' (knet ${name})`);
  return { help: false, lts: parsed.values.lts === true, start: c.start(parsed.values, parsed.positionals) };
}

async function main(argv: string[]): Promise<number> {
  const p = parseCommandLine(argv);
  if (p.help) {
    console.log(usage());
    return 0;
  }
  // The 6.12 LTS backport instead of mainline; child processes (host tests) inherit it.
  if (p.lts) process.env.KNET_KERNEL = 'lts';
  return p.start();
}

// Only as the program: tests import the table without running anything.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    if (e instanceof UsageError) {
      console.error(`knet: ${e.message}; fix: knet --help`);
      process.exit(2);
    }
    if (e instanceof UserError) console.error(`\nknet: ${e.message}`);
    else console.error(e);
    // The summary line CI sums up, also when the run failed before its end.
    if (process.argv[2] === 'test') console.log('0 passed, 1 failed');
    process.exit(1);
  },
);
