// Where everything lives: the checkout (read-only inputs) and the cache (all
// generated state, outside the checkout so a clean clone stays clean).
import { homedir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
/** Root of the knet checkout (dist/src/util/paths.js -> ../../..). */
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** Cache root, `KNET_CACHE` or ~/.cache/knet. */
export const CACHE = process.env.KNET_CACHE ?? join(homedir(), '.cache', 'knet');
/** Project inputs inside the checkout. */
export const OVERLAY_DIR = join(REPO, 'kernel');
export const CONFIGS_DIR = join(REPO, 'configs');
export const GUEST_DIR = join(REPO, 'guest');
/** Run outputs (console logs, JSON reports), kept in the checkout but ignored by git. */
export const OUT_DIR = process.env.KNET_OUT ?? join(REPO, 'out');
export const FLAVOR_FRAGMENTS = {
    test: ['base.config', 'tests.config'],
    debug: ['base.config', 'tests.config', 'debug.config'],
};
export function treeDir(version) {
    return join(CACHE, 'src', `linux-${version}`);
}
export function buildDir(version, flavor) {
    return join(CACHE, 'build', `${version}-${flavor}`);
}
//# sourceMappingURL=paths.js.map