// The guest's initramfs: static busybox, our init and guest tests, the kernel
// modules we built, and real peers (socat) with their shared libraries.
import { chmodSync, copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CACHE, GUEST_DIR } from '../util/paths.js';
import { UserError, capture, listFilesUnder, run } from '../util/run.js';
/** Userspace programs copied into the guest with their libraries. */
export const GUEST_PROGRAMS = ['/usr/bin/socat', '/usr/sbin/tc'];
/** Shared libraries (and the dynamic loader) a program needs, from ldd. */
export function sharedLibraries(program) {
    const r = capture('ldd', [program]);
    if (r.code !== 0)
        return [];
    const libs = [];
    for (const line of r.stdout.split('\n')) {
        const m = /=>\s+(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
        if (m)
            libs.push(m[1]);
    }
    return libs;
}
function copyInto(root, src, dest = src) {
    const target = join(root, dest);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(src, target);
    chmodSync(target, 0o755);
}
/** Builds the initramfs for a build directory; returns the cpio path. */
export async function buildInitramfs(build, flavor, extras = []) {
    // One per build directory (kernel version and flavour), so targets do not overwrite each other.
    const root = join(CACHE, 'initramfs', basename(build), 'root');
    const cpio = join(CACHE, 'initramfs', basename(build), 'initramfs.cpio');
    rmSync(root, { recursive: true, force: true });
    for (const d of ['bin', 'dev', 'proc', 'sys', 'tmp', 'lib/modules/knet', 'knet/tests'])
        mkdirSync(join(root, d), { recursive: true });
    if (!existsSync('/bin/busybox'))
        throw new UserError('/bin/busybox not found; fix: apt-get install busybox-static');
    copyInto(root, '/bin/busybox');
    copyInto(root, join(GUEST_DIR, 'init'), 'init');
    for (const dir of ['tests', 'lib']) {
        for (const t of listFilesUnder(join(GUEST_DIR, dir)))
            copyInto(root, join(GUEST_DIR, dir, t), join('knet', dir, t));
    }
    for (const ko of listFilesUnder(join(build, 'samples')).filter((f) => f.endsWith('.ko'))) {
        copyInto(root, join(build, 'samples', ko), join('lib/modules/knet', basename(ko)));
    }
    for (const prog of GUEST_PROGRAMS) {
        if (!existsSync(prog))
            throw new UserError(`${prog} not found for the guest; fix: make setup`);
        copyInto(root, prog);
        for (const lib of sharedLibraries(prog))
            copyInto(root, lib);
    }
    for (const e of extras)
        copyInto(root, e.src, e.dest);
    await run('sh', ['-c', `cd "${root}" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet > "${cpio}"`]);
    return cpio;
}
//# sourceMappingURL=initramfs.js.map