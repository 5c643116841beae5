// The kernels knet is built and tested on: mainline (the default, where the
// series is submitted) and the 6.12 LTS backport. One record each says where
// the source comes from, which toolchain builds it and which patches apply.
import { join } from 'node:path';
import { CACHE, REPO } from '../util/paths.js';

export type TargetName = 'mainline' | 'lts';

export interface KernelTarget {
  name: TargetName;
  /** Kernel series, as in linux-source-<series>. */
  series: string;
  /** The Debian source package with the kernel tarball. */
  sourcePackage: string;
  /**
   * Where the package comes from: `install` (apt-get install, the machine's
   * suites) or a suite that is only downloaded from, with a private apt state
   * in the cache, so the machine's apt configuration is never touched.
   */
  source: { kind: 'install' } | { kind: 'download'; suite: string };
  /** `LLVM=` of every make call, and the clang it selects (whose libclang bindgen must load). */
  llvm: string;
  clang: string;
  /** Toolchain packages beyond the common ones. */
  packages: string[];
  /** bindgen-cli version installed into the cache (the tree's minimum or newer). */
  bindgenVersion: string;
  /** Patches applied after the overlay, in the order of its `series` file: upstream files, and for a backport our files too. */
  patchesDir: string;
  /** Config fragments for code only this target has, after the flavour's (configs/). */
  fragments: string[];
}

export const TARGETS: Record<TargetName, KernelTarget> = {
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
    // The NBD client needs 7.3's kernel::iov and the block::mq patch.
    fragments: ['nbd.config'],
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
    fragments: [],
  },
};

/** The target of this run: `KNET_KERNEL=lts` (set by `--lts`) or mainline. */
export function target(): KernelTarget {
  const name = process.env.KNET_KERNEL ?? 'mainline';
  if (name !== 'mainline' && name !== 'lts') {
    throw new Error(`KNET_KERNEL=${name} is not a kernel target; use mainline or lts`);
  }
  return TARGETS[name];
}

export function bindgenBin(t: KernelTarget = target()): string {
  return join(CACHE, `bindgen-${t.bindgenVersion}`, 'bin', 'bindgen');
}
