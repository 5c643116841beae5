// End-to-end from the host: Node's net and dgram modules against the Rust
// echo server module in the guest, through QEMU forwards on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, createHash } from 'node:crypto';
import { connect } from 'node:net';
import { freePort } from '../../src/guest/guest.js';
import { tcpRoundTrip } from '../../src/commands/demo.js';
import { L2Peer } from '../../src/guest/l2peer.js';
import { withGuest, needKernel as needGuest } from './fixture.js';
const ECHO = 7;
let peer;
const f = withGuest(async () => {
    peer = await L2Peer.open(await freePort());
    return [{ name: 'echo-e2e', l2Netdev: peer.netdev('n1'), mode: 'demo', timeoutMs: 600_000, modules: ['rust_echo_server'],
            forwards: [{ proto: 'tcp', guestPort: ECHO }, { proto: 'udp', guestPort: ECHO }] }];
}, {
    ready: async ([g]) => void await g.waitFor(/rust_echo_server: listening/, 10_000),
    cleanup: () => peer?.close(),
});
const sha = (b) => createHash('sha256').update(b).digest('hex');
const tcpPort = () => f.guest.hostPort('tcp', ECHO);
for (const size of [1, 1000, 65536, 1 << 20, 16 << 20]) {
    test(`TCP echo of ${size} random bytes is byte for byte`, { ...needGuest, timeout: 300_000 }, async () => {
        const payload = randomBytes(size);
        const echoed = await tcpRoundTrip(tcpPort(), payload, 240_000);
        assert.equal(echoed.length, size);
        assert.equal(sha(echoed), sha(payload));
    });
}
/** A connected host client that checks each exchange's echo. */
class EchoClient {
    sock;
    pending = Buffer.alloc(0);
    wanted = 0;
    done;
    failed;
    constructor(sock) {
        this.sock = sock;
        sock.on('data', (d) => {
            this.pending = Buffer.concat([this.pending, d]);
            if (this.pending.length >= this.wanted)
                this.done?.();
        });
        sock.on('error', (e) => this.failed?.(e));
    }
    static open(port) {
        return new Promise((resolve, reject) => {
            const sock = connect(port, '127.0.0.1', () => resolve(new EchoClient(sock)));
            sock.once('error', reject);
        });
    }
    /** Sends `payload` and resolves when exactly it has come back. */
    exchange(payload, timeoutMs = 120_000) {
        this.wanted = this.pending.length + payload.length;
        const start = this.pending.length;
        return new Promise((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error('echo timed out')), timeoutMs);
            this.failed = (e) => {
                clearTimeout(timer);
                reject(e);
            };
            this.done = () => {
                clearTimeout(timer);
                const back = this.pending.subarray(start, start + payload.length);
                if (back.equals(payload))
                    resolve();
                else
                    reject(new Error('echo differs'));
            };
            this.sock.write(payload);
        });
    }
    close() {
        this.sock.end();
    }
}
test('32 host clients connected at the same time each get their own echo', { ...needGuest, timeout: 300_000 }, async () => {
    // Connect one by one (slirp's forward accepts with a backlog of 1), each
    // proven served by a first exchange; then all 32 transfer concurrently.
    const clients = [];
    for (let i = 0; i < 32; i++) {
        const c = await EchoClient.open(tcpPort());
        await c.exchange(randomBytes(1024));
        clients.push(c);
    }
    await Promise.all(clients.map((c) => c.exchange(randomBytes(128 * 1024))));
    clients.forEach((c) => c.close());
});
// UDP from the host goes over a direct link (a QEMU dgram netdev to a Node
// peer), because slirp with restrict=on drops UDP replies to forwarded ports.
for (const [i, size] of [1, 512, 1472, 8192, 65507].entries()) {
    test(`UDP echo of a ${size}-byte datagram comes back whole, from the server port`, needGuest, async () => {
        const payload = randomBytes(size);
        const srcPort = 40000 + i;
        // The first datagram may race the guest's ARP for us: retry a few times.
        let reply;
        for (let attempt = 0; attempt < 5 && !reply; attempt++) {
            peer.sendUdp(srcPort, ECHO, payload);
            reply = await peer.receive(3000).catch(() => undefined);
        }
        assert.ok(reply, 'no echo');
        assert.equal(reply.srcPort, ECHO);
        assert.equal(reply.dstPort, srcPort);
        assert.ok(reply.data.equals(payload), `echo of ${size} bytes differs (${reply.data.length} bytes back)`);
    });
}
test('a client that connects, sends and vanishes does not disturb the server', { ...needGuest, timeout: 120_000 }, async () => {
    await new Promise((resolve, reject) => {
        const sock = connect(tcpPort(), '127.0.0.1', () => {
            sock.write(randomBytes(512 * 1024));
            // Gone without reading the echo or closing properly: a reset.
            setTimeout(() => {
                sock.resetAndDestroy();
                resolve();
            }, 200);
        });
        sock.on('error', reject);
    });
    const payload = randomBytes(4096);
    assert.ok((await tcpRoundTrip(tcpPort(), payload)).equals(payload));
});
test('the module unloads cleanly after all that and reports its counters', needGuest, async () => {
    const r = await f.guest.exec('rmmod rust_echo_server && dmesg | grep "rust_echo_server: unloaded"');
    assert.equal(r.code, 0, r.output);
    const m = /connections=(\d+) refused=(\d+) tcp_bytes=(\d+) datagrams=(\d+)/.exec(r.output);
    assert.ok(m, r.output);
    assert.ok(Number(m[1]) >= 5 + 32 + 2, `connections=${m[1]}`);
    assert.equal(Number(m[2]), 0);
    assert.ok(Number(m[3]) >= (16 << 20) + (1 << 20), `tcp_bytes=${m[3]}`);
    assert.ok(Number(m[4]) >= 5, `datagrams=${m[4]}`);
});
//# sourceMappingURL=echo-e2e.test.js.map