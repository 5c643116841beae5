// Overlay sync: project files and patches laid onto a pristine tree, incrementally.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, existsSync, statSync, utimesSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { syncOverlay, patchTargets, parseSeries } from '../../src/kernel/tree.js';

function write(root: string, rel: string, text: string): void {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), text);
}

function fixture() {
  const base = mkdtempSync(join(tmpdir(), 'knet-tree-test-'));
  const tree = join(base, 'tree'), overlay = join(base, 'overlay'), patches = join(base, 'patches'), state = join(base, 'state');
  write(tree, 'rust/kernel/net.rs', 'pub mod phy;\n');
  write(tree, 'Makefile', 'all:\n');
  mkdirSync(overlay, { recursive: true });
  mkdirSync(patches, { recursive: true });
  return { tree, overlay, patches, state };
}

/** Writes a patch and lists it last in the series file, as a developer adds one. */
function addPatch(patches: string, name: string, text: string): void {
  writeFileSync(join(patches, name), text);
  const series = join(patches, 'series');
  const listed = existsSync(series) ? readFileSync(series, 'utf8') : '# test series\n';
  if (!listed.split('\n').includes(name)) writeFileSync(series, `${listed}${name}\n`);
}

/** Deletes a patch and its line in the series file. */
function removePatch(patches: string, name: string): void {
  rmSync(join(patches, name));
  const series = join(patches, 'series');
  writeFileSync(series, readFileSync(series, 'utf8').split('\n').filter((l) => l !== name).join('\n'));
}

const NET_PATCH = `From: knet
Subject: [PATCH] rust: net: add socket module

--- a/rust/kernel/net.rs
+++ b/rust/kernel/net.rs
@@ -1 +1,2 @@
 pub mod phy;
+pub mod socket;
`;

test('adds overlay files and applies patches', async () => {
  const f = fixture();
  write(f.overlay, 'rust/kernel/net/socket.rs', '// socket\n');
  addPatch(f.patches, '0001-net.patch', NET_PATCH);
  const r = await syncOverlay(f.tree, f.overlay, f.patches, f.state);
  assert.deepEqual(r.written.sort(), ['rust/kernel/net.rs', 'rust/kernel/net/socket.rs']);
  assert.equal(readFileSync(join(f.tree, 'rust/kernel/net.rs'), 'utf8'), 'pub mod phy;\npub mod socket;\n');
  assert.equal(readFileSync(join(f.tree, 'rust/kernel/net/socket.rs'), 'utf8'), '// socket\n');
});

test('a second sync with nothing changed writes nothing and keeps mtimes', async () => {
  const f = fixture();
  write(f.overlay, 'rust/kernel/net/socket.rs', '// socket\n');
  addPatch(f.patches, '0001-net.patch', NET_PATCH);
  await syncOverlay(f.tree, f.overlay, f.patches, f.state);
  const old = new Date(2000, 1, 1);
  utimesSync(join(f.tree, 'rust/kernel/net/socket.rs'), old, old);
  const r = await syncOverlay(f.tree, f.overlay, f.patches, f.state);
  assert.deepEqual(r, { written: [], removed: [], restored: [] });
  assert.equal(statSync(join(f.tree, 'rust/kernel/net/socket.rs')).mtime.getTime(), old.getTime());
});

test('editing one overlay file rewrites only that file', async () => {
  const f = fixture();
  write(f.overlay, 'a.rs', 'a\n');
  write(f.overlay, 'b.rs', 'b\n');
  await syncOverlay(f.tree, f.overlay, f.patches, f.state);
  write(f.overlay, 'b.rs', 'b2\n');
  const r = await syncOverlay(f.tree, f.overlay, f.patches, f.state);
  assert.deepEqual(r.written, ['b.rs']);
});

test('removing files and patches from the repo removes them from the tree and restores upstream files', async () => {
  const f = fixture();
  write(f.overlay, 'rust/kernel/net/socket.rs', '// socket\n');
  addPatch(f.patches, '0001-net.patch', NET_PATCH);
  await syncOverlay(f.tree, f.overlay, f.patches, f.state);
  rmSync(join(f.overlay, 'rust/kernel/net/socket.rs'));
  removePatch(f.patches, '0001-net.patch');
  const r = await syncOverlay(f.tree, f.overlay, f.patches, f.state);
  assert.deepEqual(r.removed, ['rust/kernel/net/socket.rs']);
  assert.deepEqual(r.restored, ['rust/kernel/net.rs']);
  assert.equal(existsSync(join(f.tree, 'rust/kernel/net/socket.rs')), false);
  assert.equal(readFileSync(join(f.tree, 'rust/kernel/net.rs'), 'utf8'), 'pub mod phy;\n');
});

test('changing a patch re-applies it to the pristine file, not on top of the old result', async () => {
  const f = fixture();
  addPatch(f.patches, '0001-net.patch', NET_PATCH);
  await syncOverlay(f.tree, f.overlay, f.patches, f.state);
  addPatch(f.patches, '0001-net.patch', NET_PATCH.replace('+pub mod socket;', '+pub mod addr;'));
  await syncOverlay(f.tree, f.overlay, f.patches, f.state);
  assert.equal(readFileSync(join(f.tree, 'rust/kernel/net.rs'), 'utf8'), 'pub mod phy;\npub mod addr;\n');
});

test('a patch that does not apply names the patch', async () => {
  const f = fixture();
  addPatch(f.patches, '0001-bad.patch', NET_PATCH.replace(' pub mod phy;', ' pub mod nothing_like_this;'));
  await assert.rejects(syncOverlay(f.tree, f.overlay, f.patches, f.state), /0001-bad\.patch.*does not apply/s);
});

test('an overlay file may not shadow an upstream file', async () => {
  const f = fixture();
  write(f.overlay, 'Makefile', 'changed\n');
  await assert.rejects(syncOverlay(f.tree, f.overlay, f.patches, f.state), /would overwrite an upstream file/);
});

test('patchTargets lists the files a diff changes', () => {
  assert.deepEqual(patchTargets(NET_PATCH), ['rust/kernel/net.rs']);
});

test('a backport patch may change overlay files: it applies after them, and they stay project files', async () => {
  const f = fixture();
  write(f.overlay, 'rust/kernel/net/socket.rs', 'use crate::sync::aref::ARef;\n');
  addPatch(f.patches, '0001-net.patch', NET_PATCH);
  addPatch(f.patches, '0002-backport.patch', `From: knet
Subject: [PATCH] rust: net: backport

--- a/rust/kernel/net/socket.rs
+++ b/rust/kernel/net/socket.rs
@@ -1 +1 @@
-use crate::sync::aref::ARef;
+use crate::types::ARef;
`);
  await syncOverlay(f.tree, f.overlay, f.patches, f.state);
  assert.equal(readFileSync(join(f.tree, 'rust/kernel/net/socket.rs'), 'utf8'), 'use crate::types::ARef;\n');
  // Removing the overlay file removes it from the tree: it was never an upstream file.
  rmSync(join(f.overlay, 'rust/kernel/net/socket.rs'));
  removePatch(f.patches, '0002-backport.patch');
  const r = await syncOverlay(f.tree, f.overlay, f.patches, f.state);
  assert.deepEqual(r.removed, ['rust/kernel/net/socket.rs']);
  assert.equal(existsSync(join(f.tree, 'rust/kernel/net/socket.rs')), false);
});

test('patches apply in the order of the series file, not of their names', async () => {
  const f = fixture();
  // 0001 changes the line 0002 adds: it only applies after it.
  addPatch(f.patches, '0002-add.patch', NET_PATCH);
  addPatch(f.patches, '0001-rename.patch', `--- a/rust/kernel/net.rs
+++ b/rust/kernel/net.rs
@@ -1,2 +1,2 @@
 pub mod phy;
-pub mod socket;
+pub mod sockets;
`);
  await syncOverlay(f.tree, f.overlay, f.patches, f.state);
  assert.equal(readFileSync(join(f.tree, 'rust/kernel/net.rs'), 'utf8'), 'pub mod phy;\npub mod sockets;\n');
});

test('a patch missing from the series file, or a listed one missing, stops the sync with a fix', async () => {
  const f = fixture();
  writeFileSync(join(f.patches, '0001-net.patch'), NET_PATCH);
  await assert.rejects(syncOverlay(f.tree, f.overlay, f.patches, f.state), /series not found; fix: list the patches/);
  writeFileSync(join(f.patches, 'series'), '');
  await assert.rejects(syncOverlay(f.tree, f.overlay, f.patches, f.state), /0001-net\.patch is not in .*series; fix: add it there/);
  writeFileSync(join(f.patches, 'series'), '0001-net.patch\n0002-gone.patch\n');
  await assert.rejects(syncOverlay(f.tree, f.overlay, f.patches, f.state), /series lists 0002-gone\.patch, not found beside it/);
});

test('a series file is one patch name a line, with # comments and blank lines', () => {
  const text = '# the order they apply\n\n0002-b.patch  # first\n0001-a.patch\n';
  assert.deepEqual(parseSeries(text, ['0001-a.patch', '0002-b.patch'], 'series'), ['0002-b.patch', '0001-a.patch']);
  assert.throws(() => parseSeries('0001-a.patch -p0\n', ['0001-a.patch'], 'series'), /series:1: one patch file name per line/);
  assert.throws(() => parseSeries('a.patch\n# x\na.patch\n', ['a.patch'], 'series'), /series:3: a\.patch is listed twice/);
  assert.deepEqual(parseSeries('', [], 'series'), []);
});

test('a patch may create a file (the backport does); it goes when the patch stops creating it', async () => {
  const f = fixture();
  addPatch(f.patches, '0001-new.patch', `From: knet
Subject: [PATCH] add a file

--- a/samples/rust/module_params.rs
+++ b/samples/rust/module_params.rs
@@ -0,0 +1 @@
+// params
`);
  const r = await syncOverlay(f.tree, f.overlay, f.patches, f.state);
  assert.deepEqual(r.written, ['samples/rust/module_params.rs']);
  assert.equal(readFileSync(join(f.tree, 'samples/rust/module_params.rs'), 'utf8'), '// params\n');
  removePatch(f.patches, '0001-new.patch');
  const again = await syncOverlay(f.tree, f.overlay, f.patches, f.state);
  assert.deepEqual(again.removed, ['samples/rust/module_params.rs']);
  assert.equal(existsSync(join(f.tree, 'samples/rust/module_params.rs')), false);
});
