// The patch series covers every project file (git am of it: e2e/series-am.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { seriesEntries, uncovered, seriesAuthor, coverLetter, withMaintainedFiles, PATCHES_DIR } from '../../src/commands/series.js';
import { OVERLAY_DIR } from '../../src/util/paths.js';
import { listFilesUnder } from '../../src/util/run.js';
import { TARGETS } from '../../src/kernel/target.js';
import { readSeries } from '../../src/kernel/tree.js';

test('every overlay file and patch is in the series exactly once', () => {
  const overlay = listFilesUnder(OVERLAY_DIR);
  const patches = listFilesUnder(PATCHES_DIR).filter((p) => p.endsWith('.patch'));
  assert.deepEqual(uncovered(overlay, patches), []);
  const all = seriesEntries().flatMap((e) => [...(e.files ?? []), ...(e.patch ? [e.patch] : [])]);
  assert.equal(new Set(all).size, all.length, 'an entry appears twice');
});

test('uncovered names files missing from the series', () => {
  assert.deepEqual(uncovered(['a.rs', 'rust/kernel/net/addr.rs'], ['x.patch']), ['a.rs', 'x.patch']);
});

test('every subject names its subsystem as the tree does (rust: net:, rust: block:, block: rust_nbd:, ...)', () => {
  const subsystem = /^(rust: (net|workqueue|module_param|block)|block: rust_nbd): /;
  for (const e of seriesEntries()) if (e.files) assert.match(e.subject, subsystem);
  for (const p of listFilesUnder(PATCHES_DIR).filter((f) => f.endsWith('.patch'))) {
    const subject = /^Subject: \[PATCH\] (.*)$/m.exec(readFileSync(join(PATCHES_DIR, p), 'utf8'))?.[1] ?? '';
    assert.match(subject, subsystem, p);
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

test('each target applies exactly the patches its series file lists', () => {
  for (const t of Object.values(TARGETS)) {
    const present = listFilesUnder(t.patchesDir).filter((p) => p.endsWith('.patch')).sort();
    assert.deepEqual([...readSeries(t.patchesDir)].sort(), present, t.name);
  }
});

test('the upstream series follows the series file, each file commit before its patch', () => {
  const dir = mkdtempSync(join(tmpdir(), 'knet-series-order-'));
  for (const p of ['0001-a.patch', '0002-b.patch']) writeFileSync(join(dir, p), `Subject: [PATCH] rust: net: ${p}\n\nwhy\n---\n`);
  const commits = [
    { subject: 'x', body: '', files: ['x.rs'], before: '0001-a.patch' },
    { subject: 'y', body: '', files: ['y.rs'] },
    { subject: 'z', body: '', files: ['z.rs'], before: '0002-b.patch' },
  ];
  const order = (patches: string[]) => seriesEntries(patches, commits, { '0001-a.patch': ['a.rs'] }, dir).map((e) => e.patch ?? e.subject);
  assert.deepEqual(order(['0002-b.patch', '0001-a.patch']), ['z', '0002-b.patch', 'x', '0001-a.patch', 'y']);
  assert.deepEqual(seriesEntries(['0001-a.patch', '0002-b.patch'], commits, { '0001-a.patch': ['a.rs'] }, dir)[1],
    { subject: 'rust: net: 0001-a.patch', body: 'why', patch: '0001-a.patch', files: ['a.rs'] });
  assert.throws(() => order(['0001-a.patch']), /names 0002-b\.patch, not in .*series/);
});
