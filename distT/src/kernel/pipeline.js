// The shared first half of every command: setup, tree, config, build, initramfs.
import { mkdirSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE, OVERLAY_DIR } from '../util/paths.js';
import { target } from './target.js';
import { stage } from '../util/run.js';
import { setup } from './setup.js';
import { ensureTree, overlayStateDir, sourceVersion, syncOverlay } from './tree.js';
import { buildKernel, configureKernel } from './build.js';
import { buildInitramfs } from './initramfs.js';
/** Where the last successful preparation is recorded, for tests run on their own. */
export function artifactsFile(flavor) {
    return join(CACHE, `artifacts-${target().name}-${flavor}.json`);
}
export function lastArtifacts(flavor = 'test') {
    const f = artifactsFile(flavor);
    return existsSync(f) ? JSON.parse(readFileSync(f, 'utf8')) : undefined;
}
/** Setup, tree and configuration: enough to run make targets in the tree. */
export async function prepareTree(flavor) {
    await stage('setup (packages, bindgen, toolchain check)', setup);
    const kt = target();
    const version = await sourceVersion(kt);
    const tree = await stage(`kernel tree ${kt.sourcePackage} ${version} (${kt.name})`, async () => {
        const t = await ensureTree(kt, version);
        const r = await syncOverlay(t, OVERLAY_DIR, kt.patchesDir, overlayStateDir(version));
        const changed = [...r.written, ...r.removed.map((f) => `${f} (removed)`), ...r.restored.map((f) => `${f} (restored)`)];
        console.log(`    tree ${t}; overlay: ${changed.length ? changed.join(', ') : 'unchanged'}`);
        return t;
    });
    const { build } = await stage(`configure (${flavor})`, () => configureKernel(tree, flavor));
    return { version, tree, build };
}
export async function prepare(flavor) {
    const { version, tree, build } = await prepareTree(flavor);
    const kernel = await stage(`build (${flavor}, LLVM=${target().llvm}, clippy)`, () => buildKernel(tree, build, flavor));
    const initrd = await stage('initramfs', () => buildInitramfs(build, flavor));
    const a = { version, tree, build, bzImage: kernel.bzImage, initrd, flavor };
    mkdirSync(CACHE, { recursive: true });
    writeFileSync(artifactsFile(flavor), JSON.stringify(a, null, 2));
    return a;
}
//# sourceMappingURL=pipeline.js.map