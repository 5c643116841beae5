// Style and documentation checks on the kernel's Rust code: the stock tree is
// clean, so any finding is ours. Each check is one counted test.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { capture } from '../util/run.js';
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

/** The `.rs` files under `dir`, `.git` left out, as absolute paths, sorted. */
function rustFilesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory() && e.name !== '.git') walk(join(d, e.name));
      else if (e.isFile() && e.name.endsWith('.rs')) out.push(join(d, e.name));
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * A digest of everything the two checks read: every Rust source of the tree and
 * every generated one of the build (the bindings follow the C headers), the
 * configuration's cfgs, rustfmt's settings, the tools' versions and this file.
 */
export function lintInputsDigest(tree: string, build: string): string {
  const h = createHash('sha256');
  // Each file by a name that does not depend on where the tool is compiled to.
  const files: [string, string][] = [
    ...rustFilesUnder(tree).map((f): [string, string] => [f, f]),
    ...rustFilesUnder(build).map((f): [string, string] => [f, f]),
    ...[join(tree, '.rustfmt.toml'), join(build, 'include/generated/rustc_cfg')].map((f): [string, string] => [f, f]),
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
