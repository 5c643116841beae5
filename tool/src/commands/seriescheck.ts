// `knet series-check`: what a maintainer does with the series. Writes it,
// applies it with git am onto a pristine mainline tree of its own, patch
// by patch, and builds after each one (incrementally, with clippy and
// -Dwarnings); at the end rustfmtcheck and rustdoc must be clean too.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cpus } from 'node:os';
import { CACHE, OUT_DIR, buildDir } from '../util/paths.js';
import { TARGETS } from '../kernel/target.js';
import { UserError, run, stage } from '../util/run.js';
import { setup } from '../kernel/setup.js';
import { ensureTree, sourceVersion } from '../kernel/tree.js';
import { BUILD_FLAGS, logPath, makeVars, rustWarnings } from '../kernel/build.js';
import { loadFragments, verifyConfig } from '../kernel/kconfig.js';
import { FLAVOR_FRAGMENTS } from '../util/paths.js';
import { seriesCommand } from './series.js';

export async function seriesCheckCommand(): Promise<number> {
  process.env.KNET_KERNEL = 'mainline';
  const t = TARGETS.mainline;
  await stage('setup (packages, bindgen, toolchain check)', setup);
  const version = await sourceVersion(t);
  const out = join(OUT_DIR, 'series');
  await stage('series', () => seriesCommand(out));
  const patches = readdirSync(out).filter((f) => /^\d{4}-/.test(f) && !f.startsWith('0000')).sort();

  // A tree of its own, pristine, in git: the overlay never touches it.
  const tree = join(CACHE, 'series-check', `linux-${version}`);
  await stage('pristine tree for the series', async () => {
    rmSync(tree, { recursive: true, force: true });
    // The cache's tree carries the overlay: extract the pristine tarball again.
    await ensureTree(t, version);
    mkdirSync(join(CACHE, 'series-check'), { recursive: true });
    await run('tar', ['-xf', join(CACHE, 'debs', t.sourcePackage, 'tarball.tar.xz'), '-C', join(CACHE, 'series-check')]);
    const top = readdirSync(join(CACHE, 'series-check')).find((d) => d.startsWith('linux-source'));
    if (!top) throw new UserError('the mainline tarball did not extract to linux-source-*');
    await run('mv', [join(CACHE, 'series-check', top), tree]);
    const git = (...args: string[]) => run('git', ['-c', 'user.name=knet series-check', '-c', 'user.email=series-check@localhost', '-C', tree, ...args], { logFile: logPath('series-check-git.log') });
    await git('init', '-q');
    // Forced: the Debian tarball's top-level .gitignore ignores everything (`/*`).
    await git('add', '-A', '-f');
    await git('commit', '-q', '-m', `pristine ${t.sourcePackage} ${version}`);
  });

  const build = buildDir(`series-check-${version}`, 'test');
  mkdirSync(build, { recursive: true });
  const log = logPath('series-check-build.log');
  const make = (args: string[]) => run('make', ['-C', tree, ...makeVars(build), ...args], { logFile: log });
  const jobs = `-j${cpus().length + 1}`;
  // The configuration is written again after every patch (tinyconfig and the fragments): the
  // options of a later patch (the samples) only exist once it is applied. Unchanged content
  // rebuilds nothing.
  const fragments = loadFragments([...FLAVOR_FRAGMENTS.test, ...TARGETS.mainline.fragments]);
  const writeConfig = async () => {
    await make(['tinyconfig']);
    await run(join(tree, 'scripts/kconfig/merge_config.sh'), ['-m', '-O', build, join(build, '.config'), ...fragments.paths], { cwd: tree, logFile: log });
    await make(['olddefconfig']);
  };
  for (const [i, p] of patches.entries()) {
    await stage(`patch ${i + 1}/${patches.length}: ${p}`, async () => {
      await run('git', ['-c', 'user.name=knet series-check', '-c', 'user.email=series-check@localhost', '-C', tree, 'am', '-q', join(out, p)], { logFile: logPath('series-check-git.log') });
      await run('sh', ['-c', `: > "${log}"`]);
      await writeConfig();
      await make([jobs, ...BUILD_FLAGS, 'bzImage', 'modules']);
      const warnings = rustWarnings(existsSync(log) ? readFileSync(log, 'utf8') : '');
      if (warnings.length) throw new UserError(`patch ${p} builds with ${warnings.length} Rust warning(s):\n${warnings.join('\n\n')}`);
    });
  }
  const bad = verifyConfig(fragments.options, readFileSync(join(build, '.config'), 'utf8'));
  if (bad.length) throw new UserError(`after the whole series, config options did not take effect: ${bad.map((b) => b.option.name).join(', ')}`);
  await stage('rustfmtcheck and rustdoc', async () => {
    await make([...BUILD_FLAGS, 'rustfmtcheck']);
    await make([...BUILD_FLAGS, 'rustdoc']);
  });
  console.log(`series-check: ${patches.length} patches applied with git am and built one by one; rustfmtcheck and rustdoc clean`);
  return 0;
}
