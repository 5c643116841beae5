// Picking our leaks out of a kmemleak report.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ourLeaks } from '../../src/commands/test.js';
const REPORT = `unreferenced object 0xffff888003a1c000 (size 64):
  comm "swapper/0", pid 1, jiffies 4294892296
  backtrace (crc 0):
    kmalloc_trace+0x25/0x90
    some_driver_init+0x10/0x30
unreferenced object 0xffff888003a1d000 (size 2048):
  comm "kworker/u4:1", pid 40, jiffies 4294899999
  backtrace (crc 1):
    __kmalloc+0x1a/0x50
    _RNvMNtNtCs1234_6kernel3net6socketNtB2_6Socket6accept+0x44/0x90
    rust_echo_server+0x10/0x20
`;
test('only reports with knet code in the backtrace are ours', () => {
    const ours = ourLeaks(REPORT);
    assert.equal(ours.length, 1);
    assert.match(ours[0], /0xffff888003a1d000/);
});
test('an empty report has no leaks', () => {
    assert.deepEqual(ourLeaks(''), []);
});
//# sourceMappingURL=kmemleak.test.js.map