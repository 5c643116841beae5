// A booted QEMU guest: serial console captured to a log, user networking with
// host forwards on 127.0.0.1 only, and a control shell reached through one of them.
import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, createWriteStream, openSync, readSync, rmSync, WriteStream } from 'node:fs';
import { createServer, connect } from 'node:net';

export const GUEST_IP = '10.0.2.15';
export const CONTROL_PORT = 5555;

/** What guest/init prints (knet_ready in guest/lib/knet.sh) once the host can use the guest. */
export const READY = /KNET-READY/;

/** The guest's settings on the kernel command line, read in the guest with knet_arg (guest/lib/knet.sh). */
export type GuestArg = 'mode' | 'modules' | 'tests' | 'soak' | 'fuzz' | 'fuzz_seed' | 'eth1';

/** `knet.NAME=VALUE` for the kernel command line; a list is joined with commas. */
export function guestArg(name: GuestArg, value: string | number | string[]): string {
  return `knet.${name}=${Array.isArray(value) ? value.join(',') : value}`;
}

export interface Forward { proto: 'tcp' | 'udp'; guestPort: number }

export interface BootOptions {
  bzImage: string;
  initrd: string;
  logFile: string;
  /** knet.mode for the guest init: test, demo, shell or boot. */
  mode: 'test' | 'demo' | 'shell' | 'boot';
  /** Modules (names without .ko) the init loads before anything else. */
  modules?: string[];
  forwards?: Forward[];
  /** Hard limit for the whole guest lifetime. */
  timeoutMs: number;
  /**
   * Run the built-in KUnit suites at boot (default yes). `knet test` collects them from its
   * own guest; other guests skip them (`kunit.enable=0`), a good part of their boot.
   */
  kunit?: boolean;
  /** Guest time follows executed instructions (for stable benchmark ratios). */
  icount?: boolean;
  /** Console on this terminal (interactive shell). */
  interactive?: boolean;
  memoryMiB?: number;
  extraAppend?: string[];
  /** A second NIC (eth1, 10.0.3.15 unless knet.eth1= says otherwise) on this `-netdev` argument (see l2peer.ts). */
  l2Netdev?: string;
  /** MAC address of that NIC (default 52:54:00:00:03:0f). */
  l2Mac?: string;
}

/** Finds a free TCP or UDP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export function kernelCommandLine(o: BootOptions): string {
  return [
    'console=ttyS0', 'panic=-1', 'oops=panic', 'loglevel=7',
    // ipconfig brings lo and eth0 up before the boot-time KUnit run, so the
    // Rust doctests have a working loopback.
    `ip=${GUEST_IP}::10.0.2.2:255.255.255.0:knet:eth0:off`,
    guestArg('mode', o.mode),
    ...(o.kunit === false ? ['kunit.enable=0'] : []),
    ...(o.modules?.length ? [guestArg('modules', o.modules)] : []),
    ...(o.extraAppend ?? []),
  ].join(' ');
}

/**
 * Calls `take` with what is appended to `path` (created by the caller's
 * process later, or already there), every 20 ms and once more on `stop`.
 * A UTF-8 character split across two reads is kept for the next one.
 */
export function followFile(path: string, take: (chunk: Buffer) => void): { stop(): void } {
  let fd: number | undefined;
  let offset = 0;
  let pending = Buffer.alloc(0);
  const buf = Buffer.alloc(1 << 16);
  const poll = () => {
    if (fd === undefined) {
      try {
        fd = openSync(path, 'r');
      } catch {
        return; // QEMU has not created it yet
      }
    }
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, offset);
      if (n <= 0) break;
      offset += n;
      let chunk = Buffer.concat([pending, buf.subarray(0, n)]);
      // Keep an incomplete UTF-8 sequence at the end for the next read.
      let cut = chunk.length;
      for (let i = chunk.length - 1; i >= Math.max(0, chunk.length - 3); i--) {
        const b = chunk[i];
        if ((b & 0xc0) === 0x80) continue;
        const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
        if (i + need > chunk.length) cut = i;
        break;
      }
      pending = Buffer.from(chunk.subarray(cut));
      chunk = chunk.subarray(0, cut);
      if (chunk.length) take(chunk);
    }
  };
  const timer = setInterval(poll, 20);
  return {
    stop() {
      clearInterval(timer);
      poll();
      if (pending.length) take(pending);
      if (fd !== undefined) closeSync(fd);
      rmSync(path, { force: true });
    },
  };
}

export class Guest {
  /** Host port for each forwarded guest port, keyed `tcp:7`. */
  readonly ports = new Map<string, number>();
  console = '';
  exitCode: number | null = null;
  timedOut = false;
  private proc!: ChildProcess;
  private log!: WriteStream;
  private exited!: Promise<void>;
  private watchers: (() => void)[] = [];

  private constructor(readonly opts: BootOptions) {}

  static async boot(opts: BootOptions): Promise<Guest> {
    const g = new Guest(opts);
    await g.start();
    return g;
  }

  hostPort(proto: 'tcp' | 'udp', guestPort: number): number {
    const p = this.ports.get(`${proto}:${guestPort}`);
    if (p === undefined) throw new Error(`guest ${proto} port ${guestPort} is not forwarded`);
    return p;
  }

  private async start(): Promise<void> {
    const o = this.opts;
    const forwards: Forward[] = [{ proto: 'tcp', guestPort: CONTROL_PORT }, ...(o.forwards ?? [])];
    const hostfwd: string[] = [];
    for (const f of forwards) {
      const hp = await freePort();
      this.ports.set(`${f.proto}:${f.guestPort}`, hp);
      hostfwd.push(`hostfwd=${f.proto}:127.0.0.1:${hp}-:${f.guestPort}`);
    }
    const args = [
      // No LA57: 7.3's identify_cpu clears the CPU's feature words while it rereads them, and
      // an interrupt in that window took the five-level direct map for a wild address
      // (a KASAN report at 0.007 s of a debug boot, which turns lockdep off for the run).
      '-machine', 'q35', '-cpu', 'max,la57=off', '-m', String(o.memoryMiB ?? 1024), '-smp', '2',
      '-kernel', o.bzImage, '-initrd', o.initrd, '-append', kernelCommandLine(o),
      '-no-reboot',
      '-netdev', ['user', 'id=n0', 'restrict=on', ...hostfwd].join(','),
      '-device', 'e1000,netdev=n0',
      ...(o.l2Netdev ? ['-netdev', o.l2Netdev, '-device', `e1000,netdev=n1,mac=${o.l2Mac ?? '52:54:00:00:03:0f'}`] : []),
      ...(o.icount ? ['-icount', 'shift=0'] : []),
      // The serial console goes to a file, which never makes QEMU wait: through a pipe,
      // a busy host left the guest's UART full long enough for the kernel's console to
      // drop characters (a KTAP result line lost its "k").
      ...(o.interactive ? ['-nographic'] : ['-display', 'none', '-monitor', 'none',
        '-chardev', `file,id=console,path=${o.logFile}.serial`, '-serial', 'chardev:console']),
    ];
    this.log = createWriteStream(o.logFile);
    rmSync(`${o.logFile}.serial`, { force: true }); // never a previous boot's console
    this.proc = spawn('qemu-system-x86_64', args, { stdio: o.interactive ? 'inherit' : ['ignore', 'pipe', 'pipe'] });
    const take = (chunk: Buffer) => {
      const text = chunk.toString('utf8').replace(/\r/g, '');
      this.console += text;
      this.log.write(text);
      for (const w of this.watchers) w();
    };
    this.proc.stdout?.on('data', take);
    this.proc.stderr?.on('data', take);
    const follow = o.interactive ? undefined : followFile(`${o.logFile}.serial`, take);
    const timer = setTimeout(() => {
      this.timedOut = true;
      this.proc.kill('SIGKILL');
    }, o.timeoutMs);
    this.exited = new Promise((resolve) => {
      this.proc.on('close', (code) => {
        clearTimeout(timer);
        follow?.stop();
        this.exitCode = code ?? -1;
        this.log.end(() => resolve());
        for (const w of this.watchers) w();
      });
      this.proc.on('error', (e) => {
        this.console += `\nknet: failed to start qemu-system-x86_64: ${e.message}\n`;
      });
    });
  }

  /** Resolves when the console matches `re`; rejects on exit or timeout. */
  waitFor(re: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const m = this.console.match(re);
        if (m) return done(() => resolve(m));
        if (this.exitCode !== null) return done(() => reject(new Error(`guest exited before ${re} appeared`)));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${re}`))), timeoutMs);
      const done = (f: () => void) => {
        clearTimeout(timer);
        this.watchers = this.watchers.filter((w) => w !== check);
        f();
      };
      this.watchers.push(check);
      check();
    });
  }

  /** Runs a shell command in the guest through the control port. */
  async exec(command: string, timeoutMs = 60_000): Promise<{ code: number; output: string }> {
    const port = this.hostPort('tcp', CONTROL_PORT);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        return await execOnce(port, command, Math.max(1000, deadline - Date.now()));
      } catch (e) {
        // Only retry when the command cannot have started: never run it twice.
        if (!(e instanceof NotStarted) || Date.now() > deadline || this.exitCode !== null) throw e;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  /** Ends the guest (reboot -f, which exits QEMU thanks to -no-reboot). */
  async shutdown(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    // Retry: the control shell may not be listening yet, or a connection may be reset.
    while (this.exitCode === null && Date.now() < deadline) {
      await execOnce(this.hostPort('tcp', CONTROL_PORT), 'sync; reboot -f', 3000).catch(() => undefined);
      await Promise.race([this.exited, new Promise((r) => setTimeout(r, 500))]);
    }
    await this.wait(Math.max(1000, deadline - Date.now()));
  }

  /** Waits for QEMU to exit, killing it after `timeoutMs`. */
  async wait(timeoutMs?: number): Promise<void> {
    if (timeoutMs !== undefined) {
      const t = setTimeout(() => {
        if (this.exitCode === null) {
          this.timedOut = true;
          this.proc.kill('SIGKILL');
        }
      }, timeoutMs);
      await this.exited;
      clearTimeout(t);
    } else {
      await this.exited;
    }
  }

  kill(): void {
    if (this.exitCode === null) this.proc.kill('SIGKILL');
  }
}

const RC_MARK = '__KNET_RC=';

/** A failure before the guest saw the command, which is safe to retry. */
class NotStarted extends Error {}

function execOnce(port: number, command: string, timeoutMs: number): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    let out = '';
    let settled = false;
    const finish = (f: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      f();
    };
    const timer = setTimeout(() => {
      sock.destroy();
      finish(() => reject(new Error(`guest command timed out after ${timeoutMs} ms: ${command}`)));
    }, timeoutMs);
    // stderr too: the control shell's own stderr goes to the console.
    sock.on('connect', () => sock.write(`{ ${command}\n} 2>&1\necho ${RC_MARK}$?\nexit\n`));
    sock.on('data', (d) => (out += d.toString('utf8')));
    // A reset after the result arrived (nc closing) is not a failure: 'close' follows.
    sock.on('error', () => undefined);
    sock.on('close', () => {
      const i = out.lastIndexOf(RC_MARK);
      if (i >= 0) {
        finish(() => resolve({ code: Number.parseInt(out.slice(i + RC_MARK.length), 10), output: out.slice(0, i) }));
      } else if (out === '') {
        // Slirp accepts before the guest listens: nothing ran yet.
        finish(() => reject(new NotStarted(`guest control connection closed before the command ran: ${command}`)));
      } else {
        finish(() => reject(new Error(`guest control connection closed without a result for: ${command}\n${out}`)));
      }
    });
  });
}
