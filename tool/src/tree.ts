// The kernel tree: a pristine linux-source-6.12 extraction in the cache, with
// the project's files laid on top. Files are only rewritten when their
// content changes, so kbuild rebuilds incrementally.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { CACHE, treeDir } from './paths.js';
import { UserError, capture, listFilesUnder as listFiles, run } from './run.js';

export const SOURCE_TARBALL = '/usr/src/linux-source-6.12.tar.xz';

/** Exact Debian version of the kernel source (the cache key). */
export function sourceVersion(): string {
  const r = capture('dpkg-query', ['-W', '-f=${Version}', 'linux-source-6.12']);
  if (r.code !== 0 || !r.stdout) throw new UserError('linux-source-6.12 is not installed; fix: apt-get install linux-source-6.12');
  return r.stdout.trim();
}

/** Extracts the tarball once per version; returns the tree path. */
export async function ensureTree(version: string): Promise<string> {
  const dir = treeDir(version);
  if (existsSync(join(dir, 'Makefile'))) return dir;
  if (!existsSync(SOURCE_TARBALL)) throw new UserError(`${SOURCE_TARBALL} not found; fix: apt-get install --reinstall linux-source-6.12`);
  mkdirSync(dirname(dir), { recursive: true });
  const tmp = mkdtempSync(join(dirname(dir), '.extract-'));
  await run('tar', ['-xf', SOURCE_TARBALL, '-C', tmp]);
  const top = readdirSync(tmp);
  if (top.length !== 1) throw new UserError(`unexpected layout in ${SOURCE_TARBALL}: ${top.join(', ')}`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(join(tmp, top[0]), dir);
  rmSync(tmp, { recursive: true, force: true });
  return dir;
}

/** Files a unified diff touches (paths after the `b/` prefix). */
export function patchTargets(patch: string): string[] {
  const targets = new Set<string>();
  for (const m of patch.matchAll(/^\+\+\+ (?:b\/)?(\S+)/gm)) if (m[1] !== '/dev/null') targets.add(m[1]);
  return [...targets];
}

/** What the overlay manages in the tree, remembered between runs. */
interface OverlayState {
  /** Files added by the project (deleted from the tree when removed from the repo). */
  added: string[];
  /** Upstream files changed by the project, with their pristine content saved under `orig/`. */
  patched: string[];
}

export interface SyncResult { written: string[]; removed: string[]; restored: string[] }

/**
 * Makes `tree` equal to pristine + overlay files + patches. `stateDir` keeps
 * the pristine copies of patched files and the list of managed files.
 */
export async function syncOverlay(tree: string, overlayDir: string, patchesDir: string, stateDir: string): Promise<SyncResult> {
  mkdirSync(join(stateDir, 'orig'), { recursive: true });
  const stateFile = join(stateDir, 'state.json');
  const prev: OverlayState = existsSync(stateFile) ? JSON.parse(readFileSync(stateFile, 'utf8')) : { added: [], patched: [] };

  const overlay = listFiles(overlayDir);
  const patches = listFiles(patchesDir).filter((p) => p.endsWith('.patch'));
  const patchTexts = patches.map((p) => readFileSync(join(patchesDir, p), 'utf8'));
  const patched = [...new Set(patchTexts.flatMap(patchTargets))].sort();

  // The pristine content of every upstream file we touch or touched.
  const original = (rel: string): Buffer | undefined => {
    const saved = join(stateDir, 'orig', rel);
    if (existsSync(saved)) return readFileSync(saved);
    if (prev.added.includes(rel)) return undefined;
    const inTree = join(tree, rel);
    if (!existsSync(inTree)) return undefined;
    mkdirSync(dirname(saved), { recursive: true });
    copyFileSync(inTree, saved);
    return readFileSync(saved);
  };

  // Build the desired content in a scratch tree: originals, then overlay, then patches.
  const scratch = mkdtempSync(join(tmpdir(), 'knet-overlay-'));
  const desired = new Map<string, Buffer>();
  try {
    for (const rel of patched) {
      const orig = original(rel);
      if (orig === undefined) throw new UserError(`patch target ${rel} does not exist in the pristine tree`);
      mkdirSync(dirname(join(scratch, rel)), { recursive: true });
      writeFileSync(join(scratch, rel), orig);
    }
    for (const rel of overlay) {
      if (original(rel) !== undefined) throw new UserError(`kernel/${rel} would overwrite an upstream file; change upstream files with a patch in patches/ instead`);
      mkdirSync(dirname(join(scratch, rel)), { recursive: true });
      copyFileSync(join(overlayDir, rel), join(scratch, rel));
    }
    for (const [i, name] of patches.entries()) {
      const r = capture('patch', ['-p1', '--forward', '--batch', '--fuzz=0', '--no-backup-if-mismatch', '-r', '-', '-d', scratch, '-i', join(patchesDir, name)]);
      if (r.code !== 0) throw new UserError(`patch ${name} (#${i + 1}) does not apply to linux-source ${tree}:\n${r.stdout}${r.stderr}\nfix: regenerate it against the pristine file (pristine copies: ${join(stateDir, 'orig')})`);
    }
    for (const rel of new Set([...patched, ...overlay])) desired.set(rel, readFileSync(join(scratch, rel)));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }

  const result: SyncResult = { written: [], removed: [], restored: [] };
  for (const [rel, content] of desired) {
    const target = join(tree, rel);
    if (existsSync(target) && hash(readFileSync(target)) === hash(content)) continue;
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
    result.written.push(rel);
  }
  for (const rel of prev.added) {
    if (desired.has(rel)) continue;
    rmSync(join(tree, rel), { force: true });
    result.removed.push(rel);
  }
  for (const rel of prev.patched) {
    if (desired.has(rel)) continue;
    const saved = join(stateDir, 'orig', rel);
    if (existsSync(saved)) {
      copyFileSync(saved, join(tree, rel));
      result.restored.push(rel);
    }
  }
  const next: OverlayState = { added: overlay, patched };
  writeFileSync(stateFile, JSON.stringify(next, null, 2));
  return result;
}

function hash(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/** State directory for a tree (outside the tree so `make mrproper` cannot lose it). */
export function overlayStateDir(version: string): string {
  return join(CACHE, 'overlay-state', version);
}
