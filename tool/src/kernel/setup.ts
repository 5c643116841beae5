// Setup: Debian packages, bindgen in the cache, and a check of every tool the
// kernel build needs. Idempotent and quiet when everything is already there.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE } from '../util/paths.js';
import { KernelTarget, bindgenBin, target } from './target.js';
import { UserError, capture, run } from '../util/run.js';
import { libclangDir } from './build.js';

/** Debian packages the build, the guest and the tests need, besides the target's toolchain. */
export const PACKAGES = [
  'rustc-web', 'rust-web-src', 'rust-web-clippy', 'rustfmt-web',
  'flex', 'bison', 'bc', 'libelf-dev', 'libssl-dev',
  'cpio', 'xz-utils', 'patch', 'make', 'gcc', 'libc6-dev', 'busybox-static', 'socat', 'iproute2', 'qemu-system-x86',
  // NBD peers for the Rust NBD client's tests (guest programs, see kernel/initramfs.ts).
  'qemu-utils', 'nbdkit', 'nbd-server', 'nbd-client', 'e2fsprogs',
];

/** The Rust toolchain the kernel is built with: Debian's, never rustup's. */
export const RUST_TOOLS = {
  RUSTC: '/usr/bin/rustc',
  RUSTDOC: '/usr/bin/rustdoc',
  RUSTFMT: '/usr/bin/rustfmt',
  CLIPPY_DRIVER: '/usr/bin/clippy-driver',
};

function installed(pkg: string): boolean {
  const r = capture('dpkg-query', ['-W', '-f=${Status}', pkg]);
  return r.code === 0 && r.stdout.includes('install ok installed');
}

function hasCandidate(pkg: string): boolean {
  const r = capture('apt-cache', ['policy', pkg]);
  return /Candidate: (?!\(none\))/.test(r.stdout);
}

/** The mirror apt already uses for Debian, so added suites come from the same place. */
export function debianMirror(): string {
  const files = ['/etc/apt/sources.list', ...listDir('/etc/apt/sources.list.d').map((f) => join('/etc/apt/sources.list.d', f))];
  for (const f of files) {
    const text = existsSync(f) ? readFileSync(f, 'utf8') : '';
    const m = /(?:URIs:\s*|deb\s+(?:\[[^\]]*\]\s+)?)(\S+\/debian)\/?\s/m.exec(text);
    if (m) return m[1];
  }
  return 'http://deb.debian.org/debian';
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function addSuite(name: string, uri: string, suite: string): void {
  const file = `/etc/apt/sources.list.d/knet-${name}.list`;
  if (existsSync(file)) return;
  writeFileSync(file, `deb ${uri} ${suite} main\n`);
  console.log(`    added apt suite ${suite} (${file})`);
}

/** qemu-utils may come from backports: take qemu-system-x86 from the same suite so versions do not mix. */
function qemuSuite(): string | undefined {
  const r = capture('dpkg-query', ['-W', '-f=${Version}', 'qemu-utils']);
  return r.code === 0 && r.stdout.includes('~bpo12') ? 'bookworm-backports' : undefined;
}

async function aptInstall(pkgs: string[], suite?: string): Promise<void> {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const target = suite ? ['-t', suite] : [];
  await run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...target, ...pkgs], { env });
}

export async function ensurePackages(t: KernelTarget = target()): Promise<void> {
  const missing = [...PACKAGES, ...t.packages].filter((p) => !installed(p));
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new UserError(`missing Debian packages: ${missing.join(' ')}\nfix: sudo apt-get install ${missing.join(' ')}`);
  }
  console.log(`    installing: ${missing.join(' ')}`);
  const mirror = debianMirror();
  const qsuite = qemuSuite();
  if (qsuite) addSuite('backports', mirror, qsuite);
  await run('apt-get', ['update', '-q']);
  if (t.source.kind === 'install' && !hasCandidate(t.sourcePackage)) {
    // linux-source-6.12 is only in bookworm-security.
    addSuite('security', mirror.replace(/\/debian$/, '/debian-security'), 'bookworm-security');
    await run('apt-get', ['update', '-q']);
  }
  const qemu = missing.filter((p) => p === 'qemu-system-x86');
  const rest = missing.filter((p) => p !== 'qemu-system-x86');
  if (rest.length) await aptInstall(rest);
  if (qemu.length) await aptInstall(qemu, qsuite);
}

export async function ensureBindgen(t: KernelTarget = target()): Promise<void> {
  if (existsSync(bindgenBin(t))) return;
  const cargo = capture('cargo', ['--version']);
  if (cargo.code !== 0) {
    throw new UserError('cargo not found: it is needed once to install bindgen-cli into the cache.\nfix: install rustup/cargo, or apt-get install cargo');
  }
  console.log(`    installing bindgen-cli ${t.bindgenVersion} into ${CACHE}`);
  await run('cargo', ['install', '--locked', '--version', t.bindgenVersion, 'bindgen-cli', '--root', join(CACHE, `bindgen-${t.bindgenVersion}`)],
    { logFile: join(CACHE, `bindgen-${t.bindgenVersion}-install.log`), env: { ...process.env, LIBCLANG_PATH: libclangDir(t.clang) } });
}

interface ToolCheck { name: string; cmd: string; args: string[]; want?: RegExp; fix: string }

function toolChecks(t: KernelTarget): ToolCheck[] {
  // `LLVM=-19` selects clang-19, ld.lld-19, llvm-ar-19...; `LLVM=1` the unversioned tools.
  const v = t.llvm.startsWith('-') ? t.llvm : '';
  const bindgenDir = join(CACHE, 'bindgen-' + t.bindgenVersion);
  return [
  { name: 'rustc (Debian)', cmd: RUST_TOOLS.RUSTC, args: ['--version'], want: /^rustc 1\.\d+/, fix: 'apt-get install rustc-web' },
  { name: 'rustdoc (Debian)', cmd: RUST_TOOLS.RUSTDOC, args: ['--version'], fix: 'apt-get install rustc-web' },
  { name: 'rustfmt (Debian)', cmd: RUST_TOOLS.RUSTFMT, args: ['--version'], fix: 'apt-get install rustfmt-web' },
  { name: 'clippy-driver (Debian)', cmd: RUST_TOOLS.CLIPPY_DRIVER, args: ['--version'], fix: 'apt-get install rust-web-clippy' },
  { name: 'bindgen', cmd: bindgenBin(t), args: ['--version'], want: new RegExp(`bindgen ${t.bindgenVersion.replace(/\./g, '\\.')}`), fix: `rm -rf ${bindgenDir} and rerun (reinstalls bindgen-cli)` },
  { name: t.clang, cmd: t.clang, args: ['--version'], want: /clang version (1[3-9]|[2-9]\d)\./, fix: `apt-get install ${t.packages.join(' ')}` },
  { name: `ld.lld${v}`, cmd: `ld.lld${v}`, args: ['--version'], fix: `apt-get install lld${v}` },
  { name: `llvm-ar${v}`, cmd: `llvm-ar${v}`, args: ['--version'], fix: `apt-get install llvm${v}` },
  { name: 'qemu-system-x86_64', cmd: 'qemu-system-x86_64', args: ['--version'], fix: 'apt-get install qemu-system-x86' },
  { name: 'busybox (static)', cmd: '/bin/busybox', args: ['true'], fix: 'apt-get install busybox-static' },
  { name: 'cpio', cmd: 'cpio', args: ['--version'], fix: 'apt-get install cpio' },
  { name: 'flex', cmd: 'flex', args: ['--version'], fix: 'apt-get install flex' },
  { name: 'bison', cmd: 'bison', args: ['--version'], fix: 'apt-get install bison' },
  { name: 'bc', cmd: 'bc', args: ['--version'], fix: 'apt-get install bc' },
  ];
}

export function checkTools(kt: KernelTarget = target()): void {
  const problems: string[] = [];
  for (const t of toolChecks(kt)) {
    const r = capture(t.cmd, t.args);
    const out = r.stdout + r.stderr;
    if (r.code !== 0) problems.push(`${t.name}: not found or not working (${t.cmd}); fix: ${t.fix}`);
    else if (t.want && !t.want.test(out)) problems.push(`${t.name}: unexpected version "${out.split('\n')[0]}"; fix: ${t.fix}`);
  }
  const rustSrc = '/usr/lib/rustlib/src/rust/library/core/src/lib.rs';
  if (!existsSync(rustSrc)) problems.push(`rust-src for Debian's rustc is missing (${rustSrc}); fix: apt-get install rust-web-src`);
  const busybox = capture('file', ['-L', '/bin/busybox']);
  if (busybox.code === 0 && /dynamically linked/.test(busybox.stdout)) problems.push('/bin/busybox is dynamically linked; fix: apt-get install busybox-static');
  if (problems.length) throw new UserError(`toolchain check failed:\n  ${problems.join('\n  ')}`);
}

export async function setup(): Promise<void> {
  await ensurePackages();
  await ensureBindgen();
  checkTools();
}
