// Detection of kernel problem reports in a console log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findProblems, formatProblems } from '../../src/guest/console.js';
const lines = (...l) => l.join('\n') + '\n';
const BOOT = [
    '[    0.000000] Linux version 6.12.0 (gcc) #1 SMP PREEMPT_DYNAMIC',
    '[    0.100000] Command line: console=ttyS0 panic=-1',
    '[    0.200000] ACPI: PM-Timer IO Port: 0x608',
];
test('an oops (with the BUG line before it) is one problem', () => {
    const log = lines(...BOOT, '[    2.000000] BUG: kernel NULL pointer dereference, address: 0000000000000008', '[    2.000001] #PF: supervisor read access in kernel mode', '[    2.000002] Oops: Oops: 0000 [#1] PREEMPT SMP NOPTI', '[    2.000003] CPU: 0 UID: 0 PID: 1 Comm: init Tainted: G                 N 6.12.0 #1', '[    2.000004] RIP: 0010:knet_bind+0x12/0x40', '[    2.000005] Call Trace:', '[    2.000006]  <TASK>', '[    2.000007]  __sys_bind+0xe4/0x110', '[    2.000008]  </TASK>', '[    2.000009] ---[ end trace 0000000000000000 ]---', '[    2.000010] Kernel panic - not syncing: Fatal exception', '[    2.000011] ---[ end Kernel panic - not syncing: Fatal exception ]---');
    const p = findProblems(log);
    assert.deepEqual(p.map((x) => `${x.kind}@${x.line}`), ['bug@4', 'panic@14']);
    assert.equal(p[0].message, 'BUG: kernel NULL pointer dereference, address: 0000000000000008');
    const ex = p[0].excerpt.split('\n');
    assert.equal(ex[0], BOOT[0]); // context before, timestamps kept
    assert.equal(ex[ex.length - 1], '[    2.000009] ---[ end trace 0000000000000000 ]---');
    assert.ok(p[0].excerpt.includes('Oops: Oops: 0000 [#1]'));
    assert.ok(!p[1].excerpt.includes('end trace'), 'excerpts do not overlap');
});
test('an oops on its own', () => {
    const p = findProblems(lines(...BOOT, '[    3.1] Oops: general protection fault, probably for non-canonical address 0xdead: 0000 [#1] SMP', '[    3.2] RIP: 0010:foo+0x1/0x2'));
    assert.deepEqual(p.map((x) => `${x.kind}@${x.line}`), ['oops@4']);
});
test('a WARN stops at its end trace, and a later WARN is separate', () => {
    const warn = (t) => [
        `[    ${t}] ------------[ cut here ]------------`,
        `[    ${t}] WARNING: CPU: 1 PID: 42 at net/knet/socket.c:99 knet_release+0x5/0x10`,
        `[    ${t}] Modules linked in: knet`,
        `[    ${t}] Call Trace:`,
        `[    ${t}]  knet_release+0x5/0x10`,
        `[    ${t}] ---[ end trace 0000000000000000 ]---`,
    ];
    const log = lines(...BOOT, ...warn('4.0'), '[    4.5] knet: still alive', ...warn('5.0'));
    const p = findProblems(log);
    assert.deepEqual(p.map((x) => `${x.kind}@${x.line}`), ['warn@5', 'warn@12']);
    const ex = p[0].excerpt.split('\n');
    assert.ok(ex.includes('[    4.0] ------------[ cut here ]------------'));
    assert.equal(ex[ex.length - 1], '[    4.0] ---[ end trace 0000000000000000 ]---');
    assert.ok(!p[0].excerpt.includes('still alive'));
});
test('a KASAN report', () => {
    const log = lines(...BOOT, '[    6.000000] ==================================================================', '[    6.000001] BUG: KASAN: slab-use-after-free in knet_recv+0x20/0x80', '[    6.000002] Read of size 8 at addr ffff888003a1b2c8 by task kunit_try_catch/77', '[    6.000003] ==================================================================');
    const p = findProblems(log);
    assert.deepEqual(p.map((x) => `${x.kind}@${x.line}`), ['kasan@5']);
});
test('other report kinds are classified', () => {
    const log = lines('[    1.0] UBSAN: array-index-out-of-bounds in net/knet/buf.c:12:3', ...Array(40).fill('[    1.1] filler'), '[    2.0] WARNING: possible circular locking dependency detected', ...Array(40).fill('[    2.1] filler'), '[    3.0] INFO: task kworker/0:1:12 blocked for more than 120 seconds.', ...Array(40).fill('[    3.1] filler'), '[    4.0] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:', ...Array(40).fill('[    4.1] filler'), '[    5.0] watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [swapper/0:1]', ...Array(40).fill('[    5.1] filler'), 'unreferenced object 0xffff888004a2c000 (size 64):', ...Array(40).fill('[    6.1] filler'), '[    7.0] BUG: sleeping function called from invalid context at mm/slab.h:1', ...Array(40).fill('[    7.1] filler'), '[    8.0] kernel BUG at net/knet/sock.c:77!');
    assert.deepEqual(findProblems(log).map((x) => x.kind), ['ubsan', 'lockdep', 'hung', 'rcu-stall', 'soft-lockup', 'kmemleak', 'bug', 'bug']);
});
test('a Rust panic and the BUG/Oops it triggers are one panic', () => {
    const log = lines(...BOOT, '[    7.000000] rust_kernel: panicked at rust/kernel/net/knet.rs:120:9:', '[    7.000001] called `Option::unwrap()` on a `None` value', '[    7.000002] ------------[ cut here ]------------', '[    7.000003] kernel BUG at rust/helpers/bug.c:7!', '[    7.000004] Oops: invalid opcode: 0000 [#1] PREEMPT SMP NOPTI', '[    7.000005] ---[ end trace 0000000000000000 ]---');
    const p = findProblems(log);
    assert.deepEqual(p.map((x) => `${x.kind}@${x.line}`), ['panic@4']);
    assert.match(p[0].message, /^rust_kernel: panicked at rust\/kernel\/net\/knet.rs:120:9:$/);
});
test('a clean log with harmless "warning" words has no problems', () => {
    const log = lines(...BOOT, '[    0.300000] platform regulatory.0: Direct firmware load for regulatory.db failed with error -2', '[    0.400000] warning: `init\' uses legacy ethtool link settings API, link modes are only partially reported', '[    0.450000] ACPI Warning: SystemIO range 0x0000000000000B00-0x0000000000000B08 conflicts (20240322/utaddress-204)', '[    0.500000] kunit: debugfs: WARNING lines are not problems unless they are WARN() splats', '[    0.600000]     ok 1 handles_bugs_gracefully', '[    0.700000] reboot: Power down');
    assert.deepEqual(findProblems(log), []);
    assert.equal(formatProblems([]), '');
});
test('formatProblems names the kind and line and indents the excerpt', () => {
    const p = findProblems(lines('[    1.0] hello', '[    1.1] Kernel panic - not syncing: Attempted to kill init!'));
    const out = formatProblems(p);
    assert.match(out, /^1 kernel problem on the console:/);
    assert.match(out, /\[panic\] console line 2: Kernel panic - not syncing: Attempted to kill init!/);
    assert.match(out, /\n {4}\[ {4}1\.0\] hello\n/);
});
//# sourceMappingURL=console.test.js.map