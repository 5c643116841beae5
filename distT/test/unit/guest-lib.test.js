// The guest's shell helpers (guest/lib/knet.sh), run with the host's busybox.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { GUEST_DIR } from '../../src/util/paths.js';
import { guestArg, kernelCommandLine } from '../../src/guest/guest.js';
import { findProblems } from '../../src/guest/console.js';
const BUSYBOX = '/bin/busybox';
const noBusybox = existsSync(BUSYBOX) ? false : `${BUSYBOX} not found (apt-get install busybox-static)`;
/** Runs `script` after sourcing knet.sh, with `cmdline` as the kernel command line and `input` on stdin. */
function guestSh(script, cmdline, input = '') {
    const file = join(mkdtempSync(join(tmpdir(), 'knet-cmdline-')), 'cmdline');
    writeFileSync(file, `${cmdline}\n`);
    const lib = join(GUEST_DIR, 'lib');
    // busybox's own applets, as in the guest (grep above all).
    const r = spawnSync(BUSYBOX, ['sh', '-c', `. ${join(lib, 'knet.sh')}; trap - EXIT; ${script}`], { encoding: 'utf8', input, env: { PATH: '/nonexistent', KNET_CMDLINE: file, KNET_LIB: lib } });
    assert.ok(r.status === 0 || r.status === 1, r.stderr);
    return r.stdout;
}
test('knet_arg reads what guestArg writes, and defaults', { skip: noBusybox }, () => {
    const cmdline = kernelCommandLine({ bzImage: '', initrd: '', logFile: '', timeoutMs: 0, mode: 'test', modules: ['a', 'b'],
        extraAppend: [guestArg('fuzz', 200000), guestArg('fuzz_seed', 7), guestArg('tests', ['soak', 'echo_udp'])] });
    const out = guestSh('for n in mode modules fuzz fuzz_seed tests soak; do echo "$n=$(knet_arg $n default)"; done', cmdline);
    assert.equal(out, 'mode=test\nmodules=a,b\nfuzz=200000\nfuzz_seed=7\ntests=soak,echo_udp\nsoak=default\n');
});
test('knet_arg without a default is empty', { skip: noBusybox }, () => {
    assert.equal(guestSh('echo "[$(knet_arg modules)]"', 'console=ttyS0 knet.mode=demo'), '[]\n');
});
test('the guest scripts and the console parser see the same kernel problems', { skip: noBusybox }, () => {
    const log = [
        '[    1.0] BUG: KASAN: slab-use-after-free in knet_recv+0x20/0x80',
        '[    1.0] watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [swapper/0:1]',
        '[    1.0] WARNING: possible circular locking dependency detected',
        '[    1.0] WARNING: HARDIRQ-safe -> HARDIRQ-unsafe lock order detected',
        '[    1.0] WARNING: CPU: 1 PID: 42 at net/knet/socket.c:99 knet_release+0x5/0x10',
        '[    1.0] UBSAN: array-index-out-of-bounds in net/knet/buf.c:12:3',
        '[    1.0] kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)',
        '[    1.0] INFO: task kworker/0:1:12 blocked for more than 120 seconds.',
        '[    1.0] rcu: INFO: rcu_preempt self-detected stall on CPU',
        '[    1.0] Kernel panic - not syncing: Fatal exception',
        '[    1.0] rust_kernel: panicked at rust/kernel/net/knet.rs:120:9:',
        '[    1.0] kernel BUG at net/knet/sock.c:77!',
        'BUG: sleeping function called from invalid context at mm/slab.h:1',
        '[    1.0] Oops: general protection fault, probably for non-canonical address 0xdead: 0000 [#1] SMP',
        // Not problems:
        '[    1.0] PM: DEBUG: not a bug',
        '[    1.0] warning: `init\' uses legacy ethtool link settings API',
        '[    1.0] kunit: debugfs: WARNING lines are not problems unless they are WARN() splats',
        '[    1.0]     ok 1 handles_bugs_gracefully',
    ];
    const host = log.filter((l) => findProblems(l).length > 0);
    assert.equal(host.length, 14);
    const guest = guestSh('kernel_problems', '', `${log.join('\n')}\n`).trimEnd().split('\n');
    assert.deepEqual(guest, host);
});
//# sourceMappingURL=guest-lib.test.js.map