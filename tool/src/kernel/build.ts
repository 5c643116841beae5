// Building the kernel out of tree with LLVM and Debian's Rust toolchain.
import { cpus } from 'node:os';
import { mkdirSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE, Flavor, FLAVOR_FRAGMENTS, buildDir } from '../util/paths.js';
import { bindgenBin, target } from './target.js';
import { RUST_TOOLS } from './setup.js';
import { UserError, capture, run } from '../util/run.js';
import { configure } from './kconfig.js';

export interface Kernel { tree: string; build: string; flavor: Flavor; bzImage: string }

/**
 * The libclang of the LLVM that builds the tree. bindgen loads whichever
 * libclang it finds first, and with two LLVM versions installed it may pick
 * one that does not know the flags the kernel passes to this clang
 * (`unknown argument: '-enable-trivial-auto-var-init-zero-...'`).
 */
export function libclangDir(clang = 'clang'): string {
  const r = capture(clang, ['--version']);
  const major = /clang version (\d+)\./.exec(r.stdout)?.[1];
  if (r.code !== 0 || !major) throw new UserError(`${clang} --version failed: ${r.stderr || r.stdout}\nfix: make setup`);
  const dir = `/usr/lib/llvm-${major}/lib`;
  if (!existsSync(dir)) throw new UserError(`${dir} (libclang for ${clang} ${major}) not found; fix: apt-get install libclang-${major}-dev`);
  return dir;
}

/** Variables every kernel make invocation gets (command-line variables reach bindgen's environment). */
export function makeVars(build: string): string[] {
  const t = target();
  return [
    `O=${build}`, `LLVM=${t.llvm}`, `LIBCLANG_PATH=${libclangDir(t.clang)}`,
    `RUSTC=${RUST_TOOLS.RUSTC}`, `RUSTDOC=${RUST_TOOLS.RUSTDOC}`, `RUSTFMT=${RUST_TOOLS.RUSTFMT}`,
    `CLIPPY_DRIVER=${RUST_TOOLS.CLIPPY_DRIVER}`, `BINDGEN=${bindgenBin(t)}`,
  ];
}

/**
 * Flags of the build proper. Every make call in the build directory passes
 * them: `rustdoc` and the others build the Rust crates first, and with other
 * flags they would rebuild them without clippy (and the next build again with).
 */
export const BUILD_FLAGS = ['CLIPPY=1', 'KRUSTFLAGS=-Dwarnings'];

export function logPath(name: string): string {
  mkdirSync(join(CACHE, 'logs'), { recursive: true });
  return join(CACHE, 'logs', name);
}

export function kernelMake(tree: string, build: string, log: string) {
  return (args: string[]) => run('make', ['-C', tree, ...makeVars(build), ...args], { logFile: log });
}

export function rustAvailable(tree: string, build: string): string {
  const r = capture('make', ['-s', '-C', tree, ...makeVars(build), 'rustavailable']);
  return (r.stdout + r.stderr).trim();
}

export async function configureKernel(tree: string, flavor: Flavor): Promise<{ build: string; changed: boolean }> {
  const build = buildDir(treeVersionTag(tree), flavor);
  mkdirSync(build, { recursive: true });
  const avail = rustAvailable(tree, build);
  if (!/Rust is available/.test(avail)) {
    throw new UserError(`make rustavailable failed:\n${avail}\nfix: run 'make setup' (installs rustc-web, rust-web-src, bindgen)`);
  }
  const changed = await configure(kernelMake(tree, build, logPath(`config-${target().name}-${flavor}.log`)), tree, build,
    [...FLAVOR_FRAGMENTS[flavor], ...target().fragments], () => avail);
  return { build, changed };
}

function treeVersionTag(tree: string): string {
  return tree.split('/').pop()!.replace(/^linux-/, '');
}

/** Warnings from Rust code in a build log (the stock tree has none, so any is ours). */
export function rustWarnings(log: string): string[] {
  const out: string[] = [];
  const lines = log.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (/^(warning|error)(\[\w+\])?: /.test(lines[i]) && !/warning: \d+ warnings? emitted/.test(lines[i])) {
      out.push(lines.slice(i, i + 8).join('\n'));
    }
  }
  return out;
}

/** Builds bzImage and modules with clippy; fails on any Rust warning. */
export async function buildKernel(tree: string, build: string, flavor: Flavor): Promise<Kernel> {
  const log = logPath(`build-${target().name}-${flavor}.log`);
  const jobs = String(cpus().length + 1);
  await run('sh', ['-c', `: > "${log}"`]);
  await kernelMake(tree, build, log)([`-j${jobs}`, ...BUILD_FLAGS, 'bzImage', 'modules']);
  const warnings = rustWarnings(existsSync(log) ? readFileSync(log, 'utf8') : '');
  if (warnings.length) {
    throw new UserError(`the build emitted ${warnings.length} Rust warning(s) (the stock tree has none, so they are ours):\n${warnings.join('\n\n')}\n(full log: ${log})`);
  }
  return { tree, build, flavor, bzImage: join(build, 'arch/x86/boot/bzImage') };
}
