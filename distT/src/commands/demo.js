// `knet demo`: boot the guest and show, from the host, that it works.
import { target } from '../kernel/target.js';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { L2Peer, GUEST_L2_IP } from '../guest/l2peer.js';
import { OUT_DIR } from '../util/paths.js';
import { prepare } from '../kernel/pipeline.js';
import { stage, UserError } from '../util/run.js';
import { Guest, READY, freePort } from '../guest/guest.js';
import { parseKtap, summarize } from '../guest/ktap.js';
import { findProblems, formatProblems } from '../guest/console.js';
import { parseDotConfig } from '../kernel/kconfig.js';
const ECHO_PORT = 7;
/** Sends `payload` to 127.0.0.1:`port` and reads back the same number of bytes. */
export function tcpRoundTrip(port, payload, timeoutMs = 20_000) {
    return new Promise((resolve, reject) => {
        const chunks = [];
        let got = 0;
        const sock = connect(port, '127.0.0.1', () => sock.write(payload));
        const timer = setTimeout(() => {
            sock.destroy();
            reject(new Error(`no complete echo after ${timeoutMs} ms (${got}/${payload.length} bytes)`));
        }, timeoutMs);
        sock.on('data', (d) => {
            chunks.push(d);
            got += d.length;
            if (got >= payload.length) {
                clearTimeout(timer);
                sock.end();
                resolve(Buffer.concat(chunks));
            }
        });
        sock.on('error', (e) => {
            clearTimeout(timer);
            reject(e);
        });
        sock.on('close', () => {
            if (got < payload.length) {
                clearTimeout(timer);
                reject(new Error(`connection closed after ${got}/${payload.length} bytes`));
            }
        });
    });
}
export async function demoCommand() {
    const a = await prepare('test');
    mkdirSync(OUT_DIR, { recursive: true });
    const logFile = join(OUT_DIR, 'console-demo.log');
    const peer = await L2Peer.open(await freePort());
    const guest = await stage('boot guest with the Rust echo server', async () => {
        const g = await Guest.boot({ bzImage: a.bzImage, initrd: a.initrd, logFile, mode: 'demo', timeoutMs: 600_000,
            modules: ['rust_echo_server'], forwards: [{ proto: 'tcp', guestPort: ECHO_PORT }], l2Netdev: peer.netdev('n1') });
        await g.waitFor(READY, 240_000).catch((e) => {
            throw new UserError(`guest did not come up: ${e.message}\n${g.console.split('\n').slice(-30).join('\n')}`);
        });
        return g;
    });
    let ok = true;
    const check = (cond, what) => {
        console.log(`  ${cond ? 'ok ' : 'BAD'} ${what}`);
        ok &&= cond;
    };
    try {
        const config = parseDotConfig(readFileSync(join(a.build, '.config'), 'utf8'));
        const uname = await guest.exec('uname -r');
        const kunit = summarize(parseKtap(guest.console));
        console.log('\n--- knet demo ---');
        console.log(`kernel source:  ${target().sourcePackage} ${a.version} (${target().name})`);
        console.log(`guest uname -r: ${uname.output.trim()}`);
        console.log(`CONFIG_RUST=${config.get('CONFIG_RUST') ?? 'n'}  CONFIG_KUNIT=${config.get('CONFIG_KUNIT') ?? 'n'}  CONFIG_RUST_KERNEL_DOCTESTS=${config.get('CONFIG_RUST_KERNEL_DOCTESTS') ?? 'n'}`);
        console.log(`boot-time KUnit (rust_net_* suites and Rust doctests): ${kunit.passed} passed, ${kunit.failed} failed, ${kunit.skipped} skipped`);
        console.log(`guest: ${(guest.console.match(/rust_echo_server: listening[^\n]*/) ?? ['rust_echo_server did not start'])[0]}`);
        const port = guest.hostPort('tcp', ECHO_PORT);
        console.log(`\nTCP echo through 127.0.0.1:${port} -> guest:${ECHO_PORT}`);
        for (const text of ['hello, kernel', 'Rust sockets in the kernel', 'bye']) {
            const echoed = await retry(() => tcpRoundTrip(port, Buffer.from(text)), 10);
            check(echoed.toString() === text, `sent ${JSON.stringify(text)}, got ${JSON.stringify(echoed.toString())}`);
        }
        const big = randomBytes(16 << 20);
        const t0 = process.hrtime.bigint();
        const back = await tcpRoundTrip(port, big, 300_000);
        const secs = Number(process.hrtime.bigint() - t0) / 1e9;
        check(back.equals(big), `16 MiB echoed byte for byte in ${secs.toFixed(2)} s (${((2 * 16) / secs).toFixed(1)} MiB/s both ways, QEMU TCG + slirp)`);
        console.log(`\nUDP echo over a direct link to the guest (${GUEST_L2_IP}:${ECHO_PORT})`);
        for (const [i, text] of ['ping', 'a datagram', 'x'.repeat(1400)].entries()) {
            let reply;
            for (let attempt = 0; attempt < 5 && !reply; attempt++) {
                peer.sendUdp(41000 + i, ECHO_PORT, Buffer.from(text));
                reply = await peer.receive(3000).catch(() => undefined);
            }
            check(reply?.data.toString() === text, `datagram of ${text.length} bytes echoed from port ${reply?.srcPort ?? '-'}`);
        }
        const unload = await guest.exec('rmmod rust_echo_server && dmesg | grep "rust_echo_server: unloaded"');
        check(unload.code === 0, `rmmod rust_echo_server`);
        console.log(`  counters: ${unload.output.trim().replace(/^\[[^\]]*\] /, '')}`);
        const problems = findProblems(guest.console);
        check(problems.length === 0, 'no oops, WARN or BUG in the kernel log');
        if (problems.length)
            console.log(formatProblems(problems));
        return ok && kunit.failed === 0 ? 0 : 1;
    }
    finally {
        await guest.shutdown();
        peer.close();
        console.log(`console log: ${logFile}`);
    }
}
async function retry(fn, times) {
    for (let i = 1;; i++) {
        try {
            return await fn();
        }
        catch (e) {
            if (i >= times)
                throw e;
            await new Promise((r) => setTimeout(r, 300));
        }
    }
}
//# sourceMappingURL=demo.js.map