// Two guests on a lossy link: the Rust client module in one guest checks an
// echo from the Rust server module in the other, over a QEMU dgram netdev on
// 127.0.0.1, with netem adding loss, delay, jitter and reordering.
// KNET_TWO_HOST_MIB sets the size: 64 MiB in make test-debug (about 5 minutes
// per family through 5% loss and 20 ms delay under TCG); make test uses 1 MiB
// to stay within its budget, and says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, guestArg } from '../../src/guest/guest.js';
import { withGuest, needKernel as needGuests } from './fixture.js';
const mib = Number(process.env.KNET_TWO_HOST_MIB ?? 1);
const NETEM = 'netem loss 5% delay 20ms 10ms reorder 10% 50%';
const f = withGuest(async () => {
    const [ps, pc] = [await freePort(), await freePort()];
    const link = (local, remote) => `dgram,id=n1,local.type=inet,local.host=127.0.0.1,local.port=${local},remote.type=inet,remote.host=127.0.0.1,remote.port=${remote}`;
    const spec = (name, local, remote, mac, addrs, modules) => ({ name: `two-hosts-${name}`, mode: 'demo', timeoutMs: 3 * 3600_000, readyMs: 900_000, modules,
        l2Netdev: link(local, remote), l2Mac: mac, extraAppend: [guestArg('eth1', addrs)] });
    return [
        spec('server', ps, pc, '52:54:00:00:04:01', '10.0.4.1/24,fd00:4::1/64', ['rust_echo_server']),
        spec('client', pc, ps, '52:54:00:00:04:02', '10.0.4.2/24,fd00:4::2/64', []),
    ];
}, {
    ready: async ([server, client]) => {
        // The server listens on both families.
        const r = await server.exec('rmmod rust_echo_server && insmod /lib/modules/knet/rust_echo_server.ko address=::');
        assert.equal(r.code, 0, r.output);
        const q = await client.exec(`/usr/sbin/tc qdisc add dev eth1 root ${NETEM} && /usr/sbin/tc qdisc show dev eth1`);
        assert.equal(q.code, 0, q.output);
    },
});
for (const [family, address] of [['IPv4', '10.0.4.1'], ['IPv6', 'fd00:4::1']]) {
    test(`${mib} MiB echoed byte for byte across a lossy link (${NETEM}) over ${family}`, { ...needGuests, timeout: 3 * 3600_000 }, async () => {
        const bytes = mib << 20;
        const start = Date.now();
        const client = f.all[1];
        const r = await client.exec(`insmod /lib/modules/knet/rust_echo_client.ko address=${address} port=7 size=${bytes} chunk=65536; s=$?; dmesg | grep rust_echo_client | tail -1; rmmod rust_echo_client 2>/dev/null; test $s -eq 0`, 3 * 3600_000);
        assert.equal(r.code, 0, r.output);
        assert.match(r.output, new RegExp(`ok: ${bytes} bytes echoed by .* verified`));
        const secs = (Date.now() - start) / 1000;
        const stats = await client.exec('/usr/sbin/tc -s qdisc show dev eth1 | grep -o "dropped [0-9]*"');
        console.log(`# ${family}: ${mib} MiB ${mib === 64 ? '' : '(64 in make test-debug) '} in ${secs.toFixed(0)} s through netem (${stats.output.trim()})`);
        assert.match(stats.output, /dropped [1-9]/, 'netem dropped nothing: the link was not lossy');
    });
}
//# sourceMappingURL=two-hosts.test.js.map