// `knet backport`: carries the 6.12 backport patch over to the mainline files
// as they are now. The patch holds what 6.12 needs done differently; after a
// change to the mainline files it is rebased by a three-way merge per file
// (mainline at REV -> 6.12 at REV, onto mainline now), and test files that
// are new since REV get 6.12's form of their KUnit suite.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { OVERLAY_DIR, REPO } from '../util/paths.js';
import { capture, listFilesUnder, run, UserError } from '../util/run.js';
import { TARGETS } from '../kernel/target.js';
import { patchTargets, readSeries } from '../kernel/tree.js';

const LTS_PATCHES = TARGETS.lts.patchesDir;
const LTS_PATCHES_IN_GIT = relative(REPO, LTS_PATCHES);

/** The backport patch: the last in the LTS series, by convention. */
function backportPatch(): string {
  const series = readSeries(LTS_PATCHES);
  const name = series[series.length - 1];
  if (!/backport/.test(name)) throw new UserError(`the last patch of ${LTS_PATCHES}/series is not the backport patch (${name})`);
  return name;
}

function git(...args: string[]): string {
  const r = capture('git', ['-C', REPO, ...args]);
  if (r.code !== 0) throw new UserError(`git ${args.join(' ')} failed: ${r.stderr.trim()}`);
  return r.stdout;
}

/**
 * 6.12 has no `#[kunit_tests]`: the suite is listed for the `kunit_suite!`
 * macro of its tests.rs, and the cases lose `#[test]` (which would compile
 * them out). Returns the text unchanged if it declares no suite.
 */
export function kunitSuiteFor612(text: string): string {
  const m = /#\[macros::kunit_tests\((\w+)\)\]\n/.exec(text);
  if (!m) return text;
  const cases = [...text.matchAll(/#\[test\]\n\s*fn (\w+)/g)].map((x) => x[1]);
  let out = text.replace(m[0], '').replace(/^ *#\[test\]\n/gm, '').replaceAll('crate::prelude::fmt!', 'crate::fmt!');
  const end = out.trimEnd();
  if (!end.endsWith('}')) throw new UserError(`a KUnit suite module must end the file (${m[1]})`);
  const list = cases.map((c) => `            ${c},\n`).join('');
  out = `${end.slice(0, -1).trimEnd()}\n\n    kunit_suite!(\n        b"${m[1]}",\n        [\n${list}        ]\n    );\n}\n`;
  return out;
}

/** Writes the patch: its header as it is, its body the diff of the mainline files and `dir`. */
function writePatch(file: string, dir: string): void {
  const old = readFileSync(file, 'utf8');
  const header = old.slice(0, old.indexOf('\n--- a/') + 1);
  const r = capture('diff', ['-ruN', OVERLAY_DIR, dir]);
  if (r.code > 1) throw new UserError(`diff failed: ${r.stderr.trim()}`);
  const strip = (prefix: string, root: string) => (l: string) =>
    l.startsWith(`${prefix} ${root}/`) ? `${prefix} ${prefix === '---' ? 'a' : 'b'}/${l.slice(prefix.length + root.length + 2).split('\t')[0]}` : l;
  const body = r.stdout.split('\n').filter((l) => !l.startsWith('diff -ruN')).map(strip('---', OVERLAY_DIR)).map(strip('+++', dir)).join('\n');
  writeFileSync(file, header + body);
}

/** rustfmt as the kernel's `.rustfmt.toml` sets it up: edition 2021, defaults otherwise. */
async function rustfmt(files: string[]): Promise<void> {
  if (files.length) await run('/usr/bin/rustfmt', ['--edition', '2021', ...files]);
}

export async function backportCommand(o: { from?: string; diff?: string }): Promise<number> {
  const name = backportPatch();
  const file = join(LTS_PATCHES, name);
  if (o.diff) {
    writePatch(file, join(o.diff, 'new612'));
    console.log(`wrote ${file} from ${o.diff}/new612`);
    return 0;
  }
  // By default the last commit that wrote the patch: it fits that commit's mainline files.
  const rev = o.from ?? git('log', '-1', '--format=%H', '--', `${LTS_PATCHES_IN_GIT}/${name}`).trim();
  const work = mkdtempSync(join(tmpdir(), 'knet-backport-'));
  const patchAtRev = git('show', `${rev}:${LTS_PATCHES_IN_GIT}/${name}`);
  const files = patchTargets(patchAtRev);
  // Files the patch creates (6.12-only ones) are not in mainline at REV: the patch makes them.
  const inMainline = new Set(git('ls-tree', '-r', '--name-only', rev, '--', 'kernel').split('\n').map((p) => p.replace(/^kernel\//, '')));
  const created = files.filter((f) => !inMainline.has(f));
  const merged = files.filter((f) => inMainline.has(f));
  for (const side of ['old', 'old612']) {
    for (const f of merged) {
      mkdirSync(dirname(join(work, side, f)), { recursive: true });
      writeFileSync(join(work, side, f), git('show', `${rev}:kernel/${f}`));
    }
  }
  writeFileSync(join(work, 'backport.patch'), patchAtRev);
  await run('patch', ['-s', '-p1', '-d', join(work, 'old612'), '-i', join(work, 'backport.patch'), '--no-backup-if-mismatch']);
  const next = join(work, 'new612');
  cpSync(OVERLAY_DIR, next, { recursive: true });
  const conflicts: string[] = [];
  for (const f of created) {
    if (existsSync(join(next, f))) { conflicts.push(f); continue; } // mainline has it now too
    mkdirSync(dirname(join(next, f)), { recursive: true });
    cpSync(join(work, 'old612', f), join(next, f));
  }
  for (const f of merged) {
    if (!existsSync(join(next, f))) continue; // gone from mainline: nothing to carry
    const merge = await run('git', ['merge-file', '-L', 'mainline now', '-L', `mainline at ${rev}`, '-L', `6.12 at ${rev}`,
      join(next, f), join(work, 'old', f), join(work, 'old612', f)]).then(() => true, () => false);
    if (!merge) conflicts.push(f);
  }
  // Test files new since REV: 6.12's form of their suite.
  const newTests = listFilesUnder(next).filter((p) => p.startsWith('rust/kernel/net/tests/') && !files.includes(p));
  for (const f of newTests) writeFileSync(join(next, f), kunitSuiteFor612(readFileSync(join(next, f), 'utf8')));
  await rustfmt(newTests.map((f) => join(next, f)));
  // 6.12 has no __rust_helper annotation, also on helpers added since REV.
  for (const f of listFilesUnder(join(next, 'rust/helpers')).map((p) => join(next, 'rust/helpers', p))) {
    writeFileSync(f, readFileSync(f, 'utf8').replace(/^__rust_helper /gm, ''));
  }
  if (conflicts.length) {
    throw new UserError(`the backport does not carry over cleanly: conflicts in ${conflicts.join(', ')}.\n` +
      `fix: resolve them in ${next}, then run: node dist/src/cli.js backport --diff ${work}`);
  }
  writePatch(file, next);
  console.log(`rebased ${name} from ${rev} onto the mainline files (${files.length} files); build with: make build-lts`);
  return 0;
}
