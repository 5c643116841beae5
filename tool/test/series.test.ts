// The patch series covers every project file and applies with git am.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { SERIES, uncovered, seriesCommand, seriesAuthor, coverLetter, withMaintainedFiles, PATCHES_DIR } from '../src/commands/series.js';
import { OVERLAY_DIR, treeDir } from '../src/util/paths.js';
import { TARGETS } from '../src/kernel/target.js';
import { listFilesUnder } from '../src/util/run.js';
import { knownSourceVersion, overlayStateDir, patchTargets } from '../src/kernel/tree.js';

test('every overlay file and patch is in the series exactly once', () => {
  const overlay = listFilesUnder(OVERLAY_DIR);
  const patches = listFilesUnder(PATCHES_DIR).filter((p) => p.endsWith('.patch'));
  assert.deepEqual(uncovered(overlay, patches), []);
  const all = SERIES.flatMap((e) => e.files ?? (e.patch ? [e.patch] : []));
  assert.equal(new Set(all).size, all.length, 'an entry appears twice');
});

test('uncovered names files missing from the series', () => {
  assert.deepEqual(uncovered(['a.rs', 'rust/kernel/net/addr.rs'], ['x.patch']), ['a.rs', 'x.patch']);
});

test('every subject is a rust: net: subject', () => {
  for (const e of SERIES) if (e.files) assert.match(e.subject, /^rust: (net|workqueue): /);
  for (const p of listFilesUnder(PATCHES_DIR).filter((f) => f.endsWith('.patch'))) {
    assert.match(readFileSync(join(PATCHES_DIR, p), 'utf8'), /^Subject: \[PATCH\] rust: (net|workqueue): /m, p);
  }
});

const orig = (() => {
  const version = knownSourceVersion(TARGETS.mainline);
  return version ? join(overlayStateDir(version), 'orig') : '';
})();

test('the series applies with git am onto the pristine files', { skip: existsSync(orig) ? false : 'tree not prepared (make build)' }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'knet-series-out-'));
  assert.equal(await seriesCommand(out), 0);
  const repo = mkdtempSync(join(tmpdir(), 'knet-series-am-'));
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', '-C', repo, ...args], { encoding: 'utf8' });
  git('init', '-q');
  for (const p of listFilesUnder(PATCHES_DIR).filter((f) => f.endsWith('.patch'))) {
    for (const t of patchTargets(readFileSync(join(PATCHES_DIR, p), 'utf8'))) {
      mkdirSync(dirname(join(repo, t)), { recursive: true });
      copyFileSync(join(orig, t), join(repo, t));
    }
  }
  copyFileSync(join(treeDir(knownSourceVersion(TARGETS.mainline)!), 'MAINTAINERS'), join(repo, 'MAINTAINERS'));
  git('add', '-A');
  git('commit', '-q', '-m', 'base');
  const patches = readdirSync(out).filter((f) => /^\d{4}-/.test(f) && !f.startsWith('0000')).sort().map((f) => join(out, f));
  git('am', '-q', ...patches);
  assert.equal(git('rev-list', '--count', 'HEAD').trim(), String(SERIES.length + 1));
  for (const f of listFilesUnder(OVERLAY_DIR)) {
    assert.equal(readFileSync(join(repo, f), 'utf8'), readFileSync(join(OVERLAY_DIR, f), 'utf8'), f);
  }
});

test('the series author comes from --author or git config, never made up', () => {
  assert.deepEqual(seriesAuthor('Ada Lovelace <ada@example.org>'), { name: 'Ada Lovelace', email: 'ada@example.org' });
  assert.throws(() => seriesAuthor('nobody'), /not "Name <email>".*\n.*fix: git config user.name/s);
});

test('the cover letter has no placeholder and names its base', () => {
  const c = coverLetter(14, 'Linux 7.3.4');
  assert.doesNotMatch(c.subject + c.body, /\*\*\*/);
  assert.match(c.body, /issue #1022/);
  assert.match(c.body, /Based on Linux 7\.3\.4\./);
});

test('each patch that adds files lists them in its MAINTAINERS section, in place', () => {
  const base = 'RUST [INTEROP]\nM:\tA <a@x>\nF:\trust/kernel/interop.rs\n\nRUST [NUM]\nM:\tB <b@x>\nF:\trust/kernel/num.rs\n';
  const who = { name: 'Ada', email: 'ada@example.org' };
  const one = withMaintainedFiles(base, ['rust/kernel/net/socket.rs'], who);
  const two = withMaintainedFiles(one, ['rust/kernel/net/addr.rs'], who);
  assert.match(two, /RUST \[INTEROP\][^]*\n\nRUST \[NET SOCKETS\]\nM:\tAda <ada@example.org>\n[^]*F:\trust\/kernel\/net\/addr.rs\nF:\trust\/kernel\/net\/socket.rs\n\nRUST \[NUM\]/);
});
