// Style and documentation checks on the kernel's Rust code: the stock tree is
// clean, so any finding is ours. Each check is one counted test.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { capture, listFilesUnder } from '../util/run.js';
import { BUILD_FLAGS, kernelMake, logPath, rustWarnings } from './build.js';
import { RUST_TOOLS } from './setup.js';

export interface CheckResult { name: string; status: 'pass' | 'fail'; details: string }

async function check(name: string, fn: () => Promise<string | undefined>): Promise<CheckResult> {
  try {
    const problem = await fn();
    return { name, status: problem ? 'fail' : 'pass', details: problem ?? '' };
  } catch (e) {
    return { name, status: 'fail', details: (e as Error).message };
  }
}

/**
 * A digest of everything the two checks read: every Rust source of the tree and
 * every generated one of the build (the bindings follow the C headers), the
 * configuration's cfgs, rustfmt's settings, the tools' versions and this file.
 */
export function lintInputsDigest(tree: string, build: string): string {
  const h = createHash('sha256');
  // [name, path]: names that do not depend on where the tree, the build or the tool are.
  const under = (label: string, dir: string, files: string[]) => files.map((f) => [`${label}/${f}`, join(dir, f)]);
  const rust = (f: string) => f.endsWith('.rs');
  const files = [
    ...under('tree', tree, [...listFilesUnder(tree).filter(rust), '.rustfmt.toml']),
    ...under('build', build, [...listFilesUnder(build).filter(rust), 'include/generated/rustc_cfg']),
    ['lint.js', fileURLToPath(import.meta.url)],
  ];
  for (const [name, path] of files) {
    h.update(`${name}\0`);
    if (existsSync(path)) h.update(readFileSync(path));
    h.update('\0');
  }
  for (const tool of [RUST_TOOLS.RUSTDOC, RUST_TOOLS.RUSTFMT]) h.update(capture(tool, ['--version']).stdout);
  return h.digest('hex');
}

/**
 * rustfmtcheck and rustdoc, or, when nothing they read has changed since they
 * last passed on this build, their earlier passes: with nothing changed they
 * were three minutes of a warm `make test` and cannot come out otherwise.
 */
export async function lintChecks(tree: string, build: string): Promise<CheckResult[]> {
  const stamp = join(build, '.knet-lint-passed');
  const digest = lintInputsDigest(tree, build);
  if (existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === digest) {
    const details = `unchanged since it passed (inputs ${digest.slice(0, 12)})`;
    return ['lint: make rustfmtcheck', 'lint: make rustdoc (no warnings)'].map((name) => ({ name, status: 'pass', details }));
  }
  rmSync(stamp, { force: true });
  const results = await runLint(tree, build);
  if (results.every((r) => r.status === 'pass')) writeFileSync(stamp, `${digest}\n`);
  return results;
}

async function runLint(tree: string, build: string): Promise<CheckResult[]> {
  const fmtLog = logPath('rustfmtcheck.log');
  const docLog = logPath('rustdoc.log');
  writeFileSync(fmtLog, '');
  writeFileSync(docLog, '');
  return [
    await check('lint: make rustfmtcheck', async () => {
      await kernelMake(tree, build, fmtLog)([...BUILD_FLAGS, 'rustfmtcheck']);
      return undefined;
    }),
    await check('lint: make rustdoc (no warnings)', async () => {
      await kernelMake(tree, build, docLog)([...BUILD_FLAGS, 'rustdoc']);
      const w = rustWarnings(readFileSync(docLog, 'utf8'));
      return w.length ? w.join('\n\n') : undefined;
    }),
  ];
}
