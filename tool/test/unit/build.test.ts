// bindgen must load the libclang of the clang that builds the tree, whatever
// other LLVM versions are installed (issue 11: libclang 19 against clang 14
// fails with "unknown argument").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { capture } from '../../src/util/run.js';
import { libclangDir, makeVars } from '../../src/kernel/build.js';
import { target } from '../../src/kernel/target.js';

function major(clang: string): string | undefined {
  return /clang version (\d+)\./.exec(capture(clang, ['--version']).stdout)?.[1];
}

test('LIBCLANG_PATH follows the clang that builds the tree', { skip: !major(target().clang) && `no ${target().clang} installed` }, () => {
  const clang = target().clang;
  assert.equal(libclangDir(clang), `/usr/lib/llvm-${major(clang)}/lib`);
  assert.ok(makeVars('/tmp/knet-build').includes(`LIBCLANG_PATH=/usr/lib/llvm-${major(clang)}/lib`));
});

test('a second LLVM installed beside it gets its own libclang', { skip: !(existsSync('/usr/bin/clang-19') && existsSync('/usr/bin/clang')) && 'clang-19 and clang (14) not both installed' }, () => {
  assert.equal(libclangDir('clang-19'), '/usr/lib/llvm-19/lib');
  assert.notEqual(libclangDir('clang'), libclangDir('clang-19'));
});

test('a clang that does not exist is a clear error', () => {
  assert.throws(() => libclangDir('clang-knet-none'), /clang-knet-none --version failed.*\n.*fix:/s);
});
