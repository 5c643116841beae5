// `knet demo`: boot the guest and show, from the host, that it works.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:net';
import { OUT_DIR } from './paths.js';
import { prepare } from './pipeline.js';
import { stage, UserError } from './run.js';
import { Guest } from './guest.js';
import { parseKtap, summarize } from './ktap.js';
import { findProblems, formatProblems } from './console.js';
import { parseDotConfig } from './kconfig.js';

const ECHO_PORT = 7;

/** Sends `payload` to 127.0.0.1:`port` and reads back the same number of bytes. */
export function tcpRoundTrip(port: number, payload: Buffer, timeoutMs = 20_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
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

export async function demoCommand(): Promise<number> {
  const a = await prepare('test');
  mkdirSync(OUT_DIR, { recursive: true });
  const logFile = join(OUT_DIR, 'console-demo.log');
  const guest = await stage('boot guest', async () => {
    const g = await Guest.boot({ bzImage: a.bzImage, initrd: a.initrd, logFile, mode: 'demo', timeoutMs: 300_000,
      forwards: [{ proto: 'tcp', guestPort: ECHO_PORT }] });
    await g.waitFor(/KNET-READY/, 240_000).catch((e) => {
      throw new UserError(`guest did not come up: ${e.message}\n${g.console.split('\n').slice(-30).join('\n')}`);
    });
    return g;
  });
  try {
    const config = parseDotConfig(readFileSync(join(a.build, '.config'), 'utf8'));
    const uname = await guest.exec('uname -r');
    const kunit = summarize(parseKtap(guest.console));
    console.log('\n--- knet demo ---');
    console.log(`kernel source:  linux-source-6.12 ${a.version}`);
    console.log(`guest uname -r: ${uname.output.trim()}`);
    console.log(`CONFIG_RUST=${config.get('CONFIG_RUST') ?? 'n'}  CONFIG_KUNIT=${config.get('CONFIG_KUNIT') ?? 'n'}  CONFIG_RUST_KERNEL_DOCTESTS=${config.get('CONFIG_RUST_KERNEL_DOCTESTS') ?? 'n'}`);
    console.log(`boot-time KUnit (Rust doctests included): ${kunit.passed} passed, ${kunit.failed} failed, ${kunit.skipped} skipped`);

    // A userspace echo peer in the guest for now; the Rust echo server replaces it (issue 4).
    await guest.exec(`socat TCP-LISTEN:${ECHO_PORT},fork,reuseaddr EXEC:cat </dev/null >/dev/null 2>&1 &`);
    const port = guest.hostPort('tcp', ECHO_PORT);
    const msg = Buffer.from('hello from the host through a QEMU forward\n');
    const echoed = await retry(() => tcpRoundTrip(port, msg), 10);
    console.log(`TCP round trip host 127.0.0.1:${port} -> guest :${ECHO_PORT} -> host: ${echoed.equals(msg) ? 'ok' : 'MISMATCH'} (${JSON.stringify(echoed.toString().trim())})`);
    const problems = findProblems(guest.console);
    if (problems.length) console.log(formatProblems(problems));
    return echoed.equals(msg) && kunit.failed === 0 && problems.length === 0 ? 0 : 1;
  } finally {
    await guest.shutdown();
    console.log(`console log: ${logFile}`);
  }
}

async function retry<T>(fn: () => Promise<T>, times: number): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (e) {
      if (i >= times) throw e;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}
