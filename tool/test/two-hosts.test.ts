// Two guests on a lossy link: the Rust client module in one guest checks an
// echo from the Rust server module in the other, over a QEMU dgram netdev on
// 127.0.0.1, with netem adding loss, delay, jitter and reordering.
// KNET_TWO_HOST_MIB sets the size: 64 MiB in make test-debug (about 5 minutes
// per family through 5% loss and 20 ms delay under TCG); make test uses 1 MiB
// to stay within its budget, and says so.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Guest, freePort } from '../src/guest/guest.js';
import { lastArtifacts, Artifacts } from '../src/kernel/pipeline.js';
import { findProblems, formatProblems } from '../src/guest/console.js';

const artifacts: Artifacts | undefined = process.env.KNET_ARTIFACTS ? JSON.parse(process.env.KNET_ARTIFACTS) : lastArtifacts();
const mib = Number(process.env.KNET_TWO_HOST_MIB ?? 1);
const needGuests = artifacts ? {} : { skip: 'no built kernel (run make build or make test)' };
const NETEM = 'netem loss 5% delay 20ms 10ms reorder 10% 50%';
let server: Guest;
let client: Guest;

before(async () => {
  if (!artifacts) return;
  const [ps, pc] = [await freePort(), await freePort()];
  const link = (local: number, remote: number) =>
    `dgram,id=n1,local.type=inet,local.host=127.0.0.1,local.port=${local},remote.type=inet,remote.host=127.0.0.1,remote.port=${remote}`;
  const boot = (name: string, local: number, remote: number, mac: string, addrs: string, modules: string[]) =>
    Guest.boot({ bzImage: artifacts.bzImage, initrd: artifacts.initrd, mode: 'demo', timeoutMs: 3 * 3600_000, modules,
      logFile: join(tmpdir(), `knet-two-hosts-${name}-${process.pid}.log`), l2Netdev: link(local, remote), l2Mac: mac,
      extraAppend: [`knet.eth1=${addrs}`] });
  [server, client] = await Promise.all([
    boot('server', ps, pc, '52:54:00:00:04:01', '10.0.4.1/24,fd00:4::1/64', ['rust_echo_server']),
    boot('client', pc, ps, '52:54:00:00:04:02', '10.0.4.2/24,fd00:4::2/64', []),
  ]);
  await Promise.all([server.waitFor(/KNET-READY/, 900_000), client.waitFor(/KNET-READY/, 900_000)]);
  // The server listens on both families.
  const r = await server.exec('rmmod rust_echo_server && insmod /lib/modules/knet/rust_echo_server.ko address=::');
  assert.equal(r.code, 0, r.output);
  const q = await client.exec(`/usr/sbin/tc qdisc add dev eth1 root ${NETEM} && /usr/sbin/tc qdisc show dev eth1`);
  assert.equal(q.code, 0, q.output);
});

after(async () => {
  await Promise.all([server?.shutdown(), client?.shutdown()]);
  for (const g of [server, client]) {
    if (!g) continue;
    const problems = findProblems(g.console);
    assert.equal(problems.length, 0, formatProblems(problems));
  }
});

for (const [family, address] of [['IPv4', '10.0.4.1'], ['IPv6', 'fd00:4::1']]) {
  test(`${mib} MiB echoed byte for byte across a lossy link (${NETEM}) over ${family}`, { ...needGuests, timeout: 3 * 3600_000 }, async () => {
    const bytes = mib << 20;
    const start = Date.now();
    const r = await client.exec(
      `insmod /lib/modules/knet/rust_echo_client.ko address=${address} port=7 size=${bytes} chunk=65536; s=$?; dmesg | grep rust_echo_client | tail -1; rmmod rust_echo_client 2>/dev/null; test $s -eq 0`,
      3 * 3600_000);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, new RegExp(`ok: ${bytes} bytes echoed by .* verified`));
    const secs = (Date.now() - start) / 1000;
    const stats = await client.exec('/usr/sbin/tc -s qdisc show dev eth1 | grep -o "dropped [0-9]*"');
    console.log(`# ${family}: ${mib} MiB ${mib === 64 ? '' : '(64 in make test-debug) '} in ${secs.toFixed(0)} s through netem (${stats.output.trim()})`);
    assert.match(stats.output, /dropped [1-9]/, 'netem dropped nothing: the link was not lossy');
  });
}
