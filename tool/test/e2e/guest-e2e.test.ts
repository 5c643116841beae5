// End-to-end: boot the built kernel and talk to the guest from Node through
// QEMU host forwards on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { target } from '../../src/kernel/target.js';
import { tcpRoundTrip } from '../../src/commands/demo.js';
import { withGuest, needKernel as needGuest } from './fixture.js';

const ECHO_PORT = 7;

const f = withGuest(async () => [{ name: 'e2e', mode: 'demo', timeoutMs: 240_000, forwards: [{ proto: 'tcp', guestPort: ECHO_PORT }] }], {
  ready: async ([g]) => void await g.exec(`socat TCP-LISTEN:${ECHO_PORT},fork,reuseaddr EXEC:cat </dev/null >/dev/null 2>&1 &`),
});

test('the guest control shell runs commands and reports their status', needGuest, async () => {
  const ok = await f.guest.exec('uname -s');
  assert.equal(ok.code, 0);
  assert.equal(ok.output.trim(), 'Linux');
  const bad = await f.guest.exec('false');
  assert.equal(bad.code, 1);
});

test('the guest runs a Rust-enabled kernel', needGuest, async () => {
  // A Rust module loads and runs (on ports of its own: 7 is the fixture's socat).
  const r = await f.guest.exec('cat /proc/version && insmod /lib/modules/knet/rust_echo_server.ko tcp_port=17 udp_port=17 && rmmod rust_echo_server && dmesg | grep rust_echo_server');
  assert.equal(r.code, 0, r.output);
  // The kernel of the target under test: 7.3 for mainline, 6.12 for --lts.
  assert.match(r.output, new RegExp(`Linux version ${target().series.replace('.', '\\.')}\\.`));
  assert.match(r.output, /rust_echo_server: listening on .*:17/);
});

test('a TCP payload goes host -> guest -> host byte for byte through a forwarded port', needGuest, async () => {
  const payload = randomBytes(256 * 1024);
  let echoed: Buffer | undefined;
  for (let i = 0; i < 20 && !echoed; i++) {
    echoed = await tcpRoundTrip(f.guest.hostPort('tcp', ECHO_PORT), payload).catch(() => undefined);
    if (!echoed) await new Promise((r) => setTimeout(r, 250));
  }
  assert.ok(echoed, 'no echo from the guest');
  assert.equal(echoed.length, payload.length);
  assert.ok(echoed.equals(payload), 'echoed bytes differ');
});

test('the guest has no route out of the machine', needGuest, async () => {
  // restrict=on: slirp drops everything not explicitly forwarded.
  const r = await f.guest.exec('nc -w 2 10.0.2.2 22 </dev/null; echo status=$?');
  assert.match(r.output, /status=[1-9]/);
});
