// The guest's initramfs: static busybox, our init and guest tests, the kernel
// modules we built, and real peers (socat, the NBD servers) with their shared
// libraries.
import { chmodSync, copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CACHE, GUEST_DIR } from '../util/paths.js';
import { UserError, capture, listFilesUnder, run } from '../util/run.js';

/** Userspace programs copied into the guest with their libraries. */
export const GUEST_PROGRAMS = [
  '/usr/bin/socat', '/usr/sbin/tc',
  // NBD: three independent servers, the C driver's client, and a filesystem to put on the disks.
  '/usr/bin/qemu-nbd', '/usr/bin/nbdkit', '/usr/bin/nbd-server', '/usr/sbin/nbd-client',
  '/usr/sbin/mke2fs', '/usr/sbin/e2fsck',
  // GNU dd at /usr/bin/dd (busybox's is /bin/dd, first in PATH): oflag=dsync makes FUA writes.
  '/usr/bin/dd',
];

/** nbdkit loads its plugins and filters with dlopen, so ldd of nbdkit does not list them. */
const NBDKIT_DIR = '/usr/lib/x86_64-linux-gnu/nbdkit';
export const NBDKIT_MODULES = ['plugins/nbdkit-memory-plugin.so', 'filters/nbdkit-log-filter.so',
  'filters/nbdkit-error-filter.so', 'filters/nbdkit-delay-filter.so', 'filters/nbdkit-multi-conn-filter.so',
  'filters/nbdkit-blocksize-policy-filter.so',
].map((m) => join(NBDKIT_DIR, m));

/** Where the modules we build are, in a build directory: the samples and the block drivers. */
const MODULE_DIRS = ['samples', 'drivers/block'];

/** Shared libraries (and the dynamic loader) a program needs, from ldd. */
export function sharedLibraries(program: string): string[] {
  const r = capture('ldd', [program]);
  if (r.code !== 0) return [];
  const libs: string[] = [];
  for (const line of r.stdout.split('\n')) {
    const m = /=>\s+(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m) libs.push(m[1]);
  }
  return libs;
}

function copyInto(root: string, src: string, dest = src): void {
  const target = join(root, dest);
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(src, target);
  chmodSync(target, 0o755);
}

/** A file to add to the initramfs: host path and path in the guest. */
export interface ExtraFile { src: string; dest: string }

/** Builds the initramfs for a build directory; returns the cpio path. */
export async function buildInitramfs(build: string, flavor: string, extras: ExtraFile[] = []): Promise<string> {
  // One per build directory (kernel version and flavour), so targets do not overwrite each other.
  const root = join(CACHE, 'initramfs', basename(build), 'root');
  const cpio = join(CACHE, 'initramfs', basename(build), 'initramfs.cpio');
  rmSync(root, { recursive: true, force: true });
  for (const d of ['bin', 'dev', 'proc', 'sys', 'tmp', 'lib/modules/knet', 'knet/tests']) mkdirSync(join(root, d), { recursive: true });
  if (!existsSync('/bin/busybox')) throw new UserError('/bin/busybox not found; fix: apt-get install busybox-static');
  copyInto(root, '/bin/busybox');
  copyInto(root, join(GUEST_DIR, 'init'), 'init');
  for (const dir of ['tests', 'lib']) {
    for (const t of listFilesUnder(join(GUEST_DIR, dir))) copyInto(root, join(GUEST_DIR, dir, t), join('knet', dir, t));
  }
  for (const dir of MODULE_DIRS.map((d) => join(build, d)).filter((d) => existsSync(d))) {
    for (const ko of listFilesUnder(dir).filter((f) => f.endsWith('.ko'))) {
      copyInto(root, join(dir, ko), join('lib/modules/knet', basename(ko)));
    }
  }
  for (const prog of [...GUEST_PROGRAMS, ...NBDKIT_MODULES]) {
    if (!existsSync(prog)) throw new UserError(`${prog} not found for the guest; fix: make setup`);
    copyInto(root, prog);
    for (const lib of sharedLibraries(prog)) copyInto(root, lib);
  }
  for (const e of extras) copyInto(root, e.src, e.dest);
  await run('sh', ['-c', `cd "${root}" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet > "${cpio}"`]);
  return cpio;
}
