// The kernel tree: a pristine linux-source-<series> extraction in the cache, with
// the project's files laid on top. Files are only rewritten when their
// content changes, so kbuild rebuilds incrementally.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { CACHE, treeDir } from '../util/paths.js';
import { KernelTarget, target } from './target.js';
import { debianMirror } from './setup.js';
import { UserError, capture, listFilesUnder as listFiles, run } from '../util/run.js';

/** The kernel tarball of an installed linux-source package. */
function installedTarball(t: KernelTarget): string {
  return `/usr/src/${t.sourcePackage}.tar.xz`;
}

/** Where a downloaded source package is unpacked in the cache. */
function downloadDir(t: KernelTarget): string {
  return join(CACHE, 'debs', t.sourcePackage);
}

/**
 * Downloads the source package from `suite` with a private apt state in the
 * cache (its own sources list, package lists and archive), so the machine's
 * apt configuration is neither read for sources nor changed. Returns the version.
 */
async function downloadSource(t: KernelTarget, suite: string): Promise<string> {
  const dir = downloadDir(t);
  const versionFile = join(dir, 'VERSION');
  if (existsSync(versionFile) && existsSync(join(dir, 'tarball.tar.xz'))) return readFileSync(versionFile, 'utf8').trim();
  const apt = join(CACHE, 'apt', suite);
  for (const d of ['lists/partial', 'archives/partial']) mkdirSync(join(apt, d), { recursive: true });
  writeFileSync(join(apt, 'sources.list'), `deb ${debianMirror()} ${suite} main\n`);
  const opts = [
    '-o', `Dir::Etc::SourceList=${join(apt, 'sources.list')}`, '-o', 'Dir::Etc::SourceParts=/nonexistent',
    '-o', `Dir::State::Lists=${join(apt, 'lists')}`, '-o', `Dir::Cache=${apt}`, '-o', 'APT::Sandbox::User=root', '-q',
  ];
  console.log(`    downloading ${t.sourcePackage} from ${suite} into ${dir}`);
  await run('apt-get', [...opts, 'update'], { logFile: join(apt, 'update.log') });
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const got = capture('apt-get', [...opts, 'download', t.sourcePackage], { cwd: dir });
  const deb = readdirSync(dir).find((f) => f.endsWith('.deb'));
  if (got.code !== 0 || !deb) throw new UserError(`apt-get download ${t.sourcePackage} (suite ${suite}) failed:\n${got.stderr || got.stdout}\nfix: check that ${debianMirror()} is reachable and has ${suite}`);
  const version = capture('dpkg-deb', ['-f', join(dir, deb), 'Version']).stdout.trim();
  await run('dpkg-deb', ['-x', join(dir, deb), join(dir, 'x')]);
  renameSync(join(dir, 'x', 'usr', 'src', `${t.sourcePackage}.tar.xz`), join(dir, 'tarball.tar.xz'));
  rmSync(join(dir, 'x'), { recursive: true, force: true });
  rmSync(join(dir, deb), { force: true });
  writeFileSync(versionFile, `${version}\n`);
  return version;
}

/** The version of the target's source if it is already here (installed or downloaded), without side effects. */
export function knownSourceVersion(t: KernelTarget = target()): string | undefined {
  if (t.source.kind === 'download') {
    const f = join(downloadDir(t), 'VERSION');
    return existsSync(f) ? readFileSync(f, 'utf8').trim() : undefined;
  }
  const r = capture('dpkg-query', ['-W', '-f=${Version}', t.sourcePackage]);
  return r.code === 0 && r.stdout ? r.stdout.trim() : undefined;
}

/** Exact Debian version of the target's kernel source (the cache key); downloads it if needed. */
export async function sourceVersion(t: KernelTarget = target()): Promise<string> {
  if (t.source.kind === 'download') return downloadSource(t, t.source.suite);
  const r = capture('dpkg-query', ['-W', '-f=${Version}', t.sourcePackage]);
  if (r.code !== 0 || !r.stdout) throw new UserError(`${t.sourcePackage} is not installed; fix: make setup (or apt-get install ${t.sourcePackage})`);
  return r.stdout.trim();
}

/** Extracts the tarball once per version; returns the tree path. */
export async function ensureTree(t: KernelTarget, version: string): Promise<string> {
  const dir = treeDir(version);
  if (existsSync(join(dir, 'Makefile'))) return dir;
  const tarball = t.source.kind === 'download' ? join(downloadDir(t), 'tarball.tar.xz') : installedTarball(t);
  if (!existsSync(tarball)) throw new UserError(`${tarball} not found; fix: ${t.source.kind === 'download' ? `rm -rf ${downloadDir(t)} and rerun` : `apt-get install --reinstall ${t.sourcePackage}`}`);
  mkdirSync(dirname(dir), { recursive: true });
  const tmp = mkdtempSync(join(dirname(dir), '.extract-'));
  await run('tar', ['-xf', tarball, '-C', tmp]);
  const top = readdirSync(tmp);
  if (top.length !== 1) throw new UserError(`unexpected layout in ${tarball}: ${top.join(', ')}`);
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

/**
 * The patch names of a `series` file (quilt's format: one per line, `#`
 * comments), checked against the patches present: each listed once and
 * present, each present one listed. `where` names the file in messages.
 */
export function parseSeries(text: string, present: string[], where: string): string[] {
  const listed: string[] = [];
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    if (/\s/.test(line)) throw new UserError(`${where}:${i + 1}: one patch file name per line, not "${line}" (quilt's patch options are not supported)`);
    if (listed.includes(line)) throw new UserError(`${where}:${i + 1}: ${line} is listed twice`);
    listed.push(line);
  }
  const missing = listed.filter((p) => !present.includes(p));
  if (missing.length) throw new UserError(`${where} lists ${missing.join(', ')}, not found beside it; fix: add the patch or remove the line`);
  const unlisted = present.filter((p) => !listed.includes(p));
  if (unlisted.length) throw new UserError(`${unlisted.join(', ')} ${unlisted.length === 1 ? 'is' : 'are'} not in ${where}; fix: add ${unlisted.length === 1 ? 'it' : 'them'} there, where ${unlisted.length === 1 ? 'it applies' : 'they apply'} in order (or delete ${unlisted.length === 1 ? 'it' : 'them'})`);
  return listed;
}

/** The patches of `dir` in the order its `series` file gives; none without patches. */
export function readSeries(dir: string): string[] {
  const present = listFiles(dir).filter((p) => p.endsWith('.patch'));
  const file = join(dir, 'series');
  if (!existsSync(file)) {
    if (present.length) throw new UserError(`${file} not found; fix: list the patches of ${dir} there, one per line, in the order they apply`);
    return [];
  }
  return parseSeries(readFileSync(file, 'utf8'), present, file);
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
 * Makes `tree` equal to pristine + overlay files + patches (which may also
 * create files, as the 6.12 backport does). `stateDir` keeps the pristine
 * copies of patched files and the list of managed files.
 */
export async function syncOverlay(tree: string, overlayDir: string, patchesDir: string, stateDir: string): Promise<SyncResult> {
  mkdirSync(join(stateDir, 'orig'), { recursive: true });
  const stateFile = join(stateDir, 'state.json');
  const prev: OverlayState = existsSync(stateFile) ? JSON.parse(readFileSync(stateFile, 'utf8')) : { added: [], patched: [] };

  const overlay = listFiles(overlayDir);
  const patches = readSeries(patchesDir);
  const patchTexts = patches.map((p) => readFileSync(join(patchesDir, p), 'utf8'));
  // Upstream files the patches change; a backport's patches may also change overlay files.
  const overlaySet = new Set(overlay);
  const patched = [...new Set(patchTexts.flatMap(patchTargets))].filter((f) => !overlaySet.has(f)).sort();

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
  const created: string[] = [];
  try {
    for (const rel of patched) {
      const orig = original(rel);
      // Not upstream and not an overlay file: a file the patch creates (patch says so if it does not).
      if (orig === undefined) { created.push(rel); continue; }
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
      if (r.code !== 0) throw new UserError(`patch ${name} (#${i + 1}) does not apply to ${tree}:\n${r.stdout}${r.stderr}\nfix: regenerate it against the pristine file (pristine copies: ${join(stateDir, 'orig')})`);
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
  // Files the patches create are removed like overlay files when they go.
  const next: OverlayState = { added: [...overlay, ...created], patched: patched.filter((f) => !created.includes(f)) };
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
