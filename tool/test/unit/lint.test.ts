// The lint's inputs digest decides whether rustfmtcheck and rustdoc run again:
// it must move with every Rust source of the tree and the build, and with the
// configuration's cfgs, and stay put for anything else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lintInputsDigest } from '../../src/kernel/lint.js';

test('the lint inputs digest follows the Rust sources and cfgs, nothing else', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'knet-lint-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const tree = join(dir, 'tree'), build = join(dir, 'build');
  mkdirSync(join(tree, 'rust/kernel/net'), { recursive: true });
  mkdirSync(join(build, 'include/generated'), { recursive: true });
  mkdirSync(join(build, 'rust'), { recursive: true });
  writeFileSync(join(tree, 'rust/kernel/net/socket.rs'), 'pub struct Socket;\n');
  writeFileSync(join(build, 'rust/bindings_generated.rs'), 'pub const A: u32 = 1;\n');
  writeFileSync(join(build, 'include/generated/rustc_cfg'), '--cfg=CONFIG_NET\n');
  const first = lintInputsDigest(tree, build);

  assert.equal(lintInputsDigest(tree, build), first, 'the same inputs give the same digest');
  writeFileSync(join(tree, 'rust/kernel/net/socket.c'), 'int x;\n');
  writeFileSync(join(build, 'vmlinux.o'), 'object');
  assert.equal(lintInputsDigest(tree, build), first, 'files the lint does not read change nothing');

  writeFileSync(join(tree, 'rust/kernel/net/socket.rs'), 'pub struct Socket(u32);\n');
  const edited = lintInputsDigest(tree, build);
  assert.notEqual(edited, first, 'an edited source');
  writeFileSync(join(build, 'rust/bindings_generated.rs'), 'pub const A: u32 = 2;\n');
  const rebound = lintInputsDigest(tree, build);
  assert.notEqual(rebound, edited, 'regenerated bindings');
  writeFileSync(join(build, 'include/generated/rustc_cfg'), '--cfg=CONFIG_NET\n--cfg=CONFIG_INET\n');
  assert.notEqual(lintInputsDigest(tree, build), rebound, 'another configuration');
});
