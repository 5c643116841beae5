// The kernels knet is built and tested on: mainline (the default, where the
// series is submitted) and the 6.12 LTS backport. One record each says where
// the source comes from, which toolchain builds it and which patches apply.
import { join } from 'node:path';
import { CACHE, REPO } from '../util/paths.js';
export const TARGETS = {
    mainline: {
        name: 'mainline',
        series: '7.3',
        sourcePackage: 'linux-source-7.3',
        source: { kind: 'download', suite: 'trixie-backports' },
        // 7.3 needs LLVM >= 17 and bindgen >= 0.71.1.
        llvm: '-19',
        clang: 'clang-19',
        packages: ['clang-19', 'lld-19', 'llvm-19', 'libclang-19-dev'],
        bindgenVersion: '0.72.1',
        patchesDir: join(REPO, 'patches', 'mainline'),
    },
    lts: {
        name: 'lts',
        series: '6.12',
        sourcePackage: 'linux-source-6.12',
        source: { kind: 'install' },
        llvm: '1',
        clang: 'clang',
        packages: ['linux-source-6.12', 'clang', 'lld', 'llvm', 'libclang-dev'],
        bindgenVersion: '0.69.5',
        patchesDir: join(REPO, 'patches', 'lts-6.12'),
    },
};
/** The target of this run: `KNET_KERNEL=lts` (set by `--lts`) or mainline. */
export function target() {
    const name = process.env.KNET_KERNEL ?? 'mainline';
    if (name !== 'mainline' && name !== 'lts') {
        throw new Error(`KNET_KERNEL=${name} is not a kernel target; use mainline or lts`);
    }
    return TARGETS[name];
}
export function bindgenBin(t = target()) {
    return join(CACHE, `bindgen-${t.bindgenVersion}`, 'bin', 'bindgen');
}
//# sourceMappingURL=target.js.map