// `knet bench`: the Rust echo server against its C twin and a userspace
// server, measured side by side in one boot per timing mode, interleaved.
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE, OUT_DIR, REPO } from '../util/paths.js';
import { prepare, Artifacts } from '../kernel/pipeline.js';
import { kernelMake, logPath } from '../kernel/build.js';
import { buildInitramfs, ExtraFile } from '../kernel/initramfs.js';
import { Guest, READY } from '../guest/guest.js';
import { run, stage, UserError, listFilesUnder } from '../util/run.js';
import { findProblems, formatProblems } from '../guest/console.js';
import { Sample, summarizeBench, renderTable, ratiosSvg, worstLine, eventsLine, nbdLine, BenchResult, HOLD_WORKLOAD, HoldStats } from './benchreport.js';

export type Mode = 'wall' | 'icount';
export const SERVERS = [
  { name: 'rust', port: 7 },
  { name: 'c', port: 8 },
  { name: 'user', port: 9 },
] as const;

export interface Workload { name: string; args: (port: number) => string }

/** Workloads and their sizes; `smoke` keeps every path but makes it quick. */
export function workloads(smoke: boolean): Workload[] {
  const s = (full: number, small: number) => (smoke ? small : full);
  return [
    { name: 'tcp_bulk', args: (p) => `bulk 127.0.0.1 ${p} ${s(256 << 20, 1 << 20)}` },
    { name: 'tcp_rr_64B', args: (p) => `rr 127.0.0.1 ${p} ${s(20000, 100)} 1` },
    { name: 'tcp_rr_64B_16conns', args: (p) => `rr 127.0.0.1 ${p} ${s(1500, 20)} 16` },
    { name: 'udp_64B', args: (p) => `udp 127.0.0.1 ${p} ${s(20000, 100)} 64` },
    { name: 'udp_1400B', args: (p) => `udp 127.0.0.1 ${p} ${s(20000, 100)} 1400` },
    { name: 'tcp_connect', args: (p) => `connect 127.0.0.1 ${p} ${s(3000, 30)}` },
  ];
}

/** What loadgen prints last: one JSON object (`loadgen hold` adds its own fields). */
interface LoadgenResult { rate: number; unit: string; ops: number; seconds: number; allocs: number; [field: string]: number | string }

/** Runs loadgen in the guest with `args` and returns its result; `what` names the run in errors. */
async function loadgen(guest: Guest, args: string, what: string): Promise<LoadgenResult> {
  const r = await guest.exec(`loadgen ${args}`, 1800_000);
  if (r.code !== 0) throw new UserError(`loadgen ${what} failed:\n${r.output}`);
  return JSON.parse(r.output.trim().split('\n').pop() ?? '{}');
}

/** A sample of one loadgen run (allocations per operation unknown without SLUB statistics or operations). */
function sampleOf(mode: Mode, rep: number, workload: string, server: string, result: LoadgenResult): Sample {
  return { mode, rep, workload, server, rate: result.rate, unit: result.unit, ops: result.ops, seconds: result.seconds,
    allocsPerOp: result.allocs < 0 || !result.ops ? Number.NaN : result.allocs / result.ops };
}

/** `servers` in the order of repetition `rep`: each repetition starts with the next, so none always goes first. */
function inTurn<T>(servers: readonly T[], rep: number): T[] {
  return servers.map((_, k) => servers[(k + rep - 1) % servers.length]);
}

/** The held-connections workload: `conns` open, `active` of them doing `count` 64-byte round trips each. */
export function holdSize(smoke: boolean): { conns: number; active: number; count: number } {
  return smoke ? { conns: 200, active: 10, count: 10 } : { conns: 10000, active: 200, count: 100 };
}

/** A server of the held-connections workload, loaded for its run alone (the kernel memory per connection is then its own). */
export interface HoldServer { name: string; start: string; stop: string; workqueue?: string }

/**
 * The servers of the held-connections workload, all on port 7: the
 * event-driven Rust server, its C twin and a userspace epoll server, whose
 * runs are compared; then the blocking Rust server, run once at the end to
 * show how one worker per connection copes (its hundreds of idle kworkers
 * would otherwise still be around in the other servers' runs).
 */
export function holdServers(conns: number): { compared: HoldServer[]; blocking: HoldServer } {
  const kernel = `tcp_port=7 udp_port=7 max_conns=${conns + 100} backlog=1024`;
  // The servers name their workqueue by mode.
  const rust = (events: boolean) => ({ start: `insmod /lib/modules/knet/rust_echo_server.ko ${kernel}${events ? ' events=1' : ''}`,
    stop: 'rmmod rust_echo_server', workqueue: events ? 'rust_echo_events' : 'rust_echo_server' });
  return {
    compared: [
      { name: 'rust', ...rust(true) },
      { name: 'c', start: `insmod /lib/modules/knet/c_echo_server.ko ${kernel} events=1`, stop: 'rmmod c_echo_server', workqueue: 'c_echo_events' },
      { name: 'user', start: '(user_echo_server 7 epoll > /tmp/user_epoll.log 2>&1 & echo $! > /tmp/user_epoll.pid) && sleep 0.5 && grep -q listening /tmp/user_epoll.log',
        stop: 'kill $(cat /tmp/user_epoll.pid) && while kill -0 $(cat /tmp/user_epoll.pid) 2>/dev/null; do sleep 0.1; done' },
    ],
    blocking: { name: 'rust_blocking', ...rust(false) },
  };
}

/** Runs the held-connections workload against each server in turn, loading and unloading it around the run. */
async function runHold(guest: Guest, mode: Mode, reps: number, smoke: boolean): Promise<Sample[]> {
  const size = holdSize(smoke);
  const { compared, blocking } = holdServers(size.conns);
  const once = async (server: HoldServer, conns: number, active: number, count: number) => {
    const load = await guest.exec(server.start);
    if (load.code !== 0) throw new UserError(`starting ${server.name} for ${HOLD_WORKLOAD} failed:\n${load.output}`);
    try {
      return await loadgen(guest, `hold 127.0.0.1 7 ${conns} ${active} ${count} ${server.workqueue ?? ''}`, `${HOLD_WORKLOAD} against ${server.name}`);
    } finally {
      const stop = await guest.exec(server.stop, 300_000);
      if (stop.code !== 0) throw new UserError(`stopping ${server.name} failed:\n${stop.output}`);
    }
  };
  const samples: Sample[] = [];
  const measure = async (server: HoldServer, rep: number) => {
    const result = await once(server, size.conns, size.active, size.count);
    const n = (field: string) => Number(result[field]);
    const hold: HoldStats = { conns: n('conns'), served: n('served'), stalled: n('stalled'), kworkers: n('kworkers'), bytesPerConn: n('bytes_per_conn') };
    samples.push({ ...sampleOf(mode, rep, HOLD_WORKLOAD, server.name, result), hold });
    process.stdout.write(`    ${mode} #${rep} ${HOLD_WORKLOAD.padEnd(20)} ${server.name.padEnd(13)} ${result.rate.toFixed(1)} ${result.unit}, ` +
      `kworkers ${hold.kworkers}, bytes/conn ${hold.bytesPerConn.toFixed(0)}, served ${hold.served}/${hold.conns}\n`);
  };
  // Warm-up, as for the other workloads.
  for (const server of compared) await once(server, 20, 2, 2);
  for (let rep = 1; rep <= reps; rep++) {
    for (const server of inTurn(compared, rep)) await measure(server, rep);
  }
  await measure(blocking, 1);
  return samples;
}

/**
 * The NBD workloads: `loadgen blk`/`mkfs` on a disk `dev` of `NBD_DISK_MIB`
 * MiB. Under -icount the counts need not be large: guest time is
 * instructions, the same in every run.
 */
export const NBD_DISK_MIB = 256;
export function nbdWorkloads(smoke: boolean): { name: string; args: (dev: string) => string }[] {
  const s = (full: number, small: number) => (smoke ? small : full);
  return [
    { name: 'nbd_seq_read_1M', args: (d) => `blk ${d} read 1048576 1 ${s(64, 4)}` },
    { name: 'nbd_seq_write_1M', args: (d) => `blk ${d} write 1048576 1 ${s(64, 4)}` },
    { name: 'nbd_rand_read_4K', args: (d) => `blk ${d} randread 4096 1 ${s(1000, 40)}` },
    { name: 'nbd_rand_write_4K', args: (d) => `blk ${d} randwrite 4096 1 ${s(1000, 40)}` },
    { name: 'nbd_rand_read_4K_qd16', args: (d) => `blk ${d} randread 4096 16 ${s(2000, 64)}` },
    { name: 'nbd_rand_write_4K_qd16', args: (d) => `blk ${d} randwrite 4096 16 ${s(2000, 64)}` },
    { name: 'nbd_mkfs_256M', args: (d) => `mkfs ${d}` },
  ];
}

/**
 * The two NBD clients on one nbdkit memory export, with the same settings:
 * one connection, 512-byte logical blocks, the server's flush/FUA flags,
 * scheduler none (the tree has no other), TCP_NODELAY (both set it).
 */
export const NBD_DRIVERS = [
  { name: 'rust', dev: '/dev/rust_nbd0', attach: 'insmod /lib/modules/knet/rust_nbd.ko port=10809 queue_depth=64', detach: 'rmmod rust_nbd' },
  { name: 'c', dev: '/dev/nbd0', attach: '/usr/sbin/nbd-client 127.0.0.1 10809 /dev/nbd0 -b 512 -C 1', detach: '/usr/sbin/nbd-client -d /dev/nbd0' },
] as const;

/** Runs the NBD workloads on the Rust driver and on nbd.ko in turn, attaching and detaching around each. */
async function runNbd(guest: Guest, mode: Mode, reps: number, smoke: boolean, only?: RegExp): Promise<Sample[]> {
  const chosen = nbdWorkloads(smoke).filter((w) => !only || only.test(w.name));
  const server = await guest.exec(`insmod /lib/modules/knet/nbd.ko nbds_max=1 && nbdkit -i 127.0.0.1 -p 10809 memory ${NBD_DISK_MIB}M && sleep 0.5`);
  if (server.code !== 0) throw new UserError(`starting nbdkit and nbd.ko failed:\n${server.output}`);
  const withDriver = async (driver: (typeof NBD_DRIVERS)[number], body: () => Promise<void>) => {
    const up = await guest.exec(driver.attach);
    if (up.code !== 0) throw new UserError(`attaching ${driver.name} failed:\n${up.output}`);
    try {
      await body();
    } finally {
      const down = await guest.exec(driver.detach, 300_000);
      if (down.code !== 0) throw new UserError(`detaching ${driver.name} failed:\n${down.output}`);
    }
  };
  // Warm-up, as for the echo workloads.
  for (const driver of NBD_DRIVERS) {
    await withDriver(driver, async () => {
      for (const w of nbdWorkloads(true).filter((x) => chosen.some((c) => c.name === x.name))) await loadgen(guest, w.args(driver.dev), `${w.name} warm-up on ${driver.name}`);
    });
  }
  const samples: Sample[] = [];
  for (let rep = 1; rep <= reps; rep++) {
    for (const driver of inTurn(NBD_DRIVERS, rep)) {
      await withDriver(driver, async () => {
        for (const w of chosen) {
          const result = await loadgen(guest, w.args(driver.dev), `${w.name} on ${driver.name}`);
          samples.push(sampleOf(mode, rep, w.name, driver.name, result));
          process.stdout.write(`    ${mode} #${rep} ${w.name.padEnd(22)} ${driver.name.padEnd(5)} ${result.rate.toFixed(1)} ${result.unit}\n`);
        }
      });
    }
  }
  return samples;
}

/** Builds the C module out of tree and the static userspace programs. */
async function buildContenders(a: Artifacts): Promise<ExtraFile[]> {
  const dir = join(CACHE, 'bench');
  const kmod = join(dir, 'kmod');
  mkdirSync(kmod, { recursive: true });
  for (const f of listFilesUnder(join(REPO, 'bench', 'kmod'))) copyFileSync(join(REPO, 'bench', 'kmod', f), join(kmod, f));
  await kernelMake(a.tree, a.build, logPath('bench-kmod.log'))([`M=${kmod}`, 'modules']);
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  for (const prog of ['loadgen', 'user_echo_server']) {
    await run('gcc', ['-static', '-O2', '-Wall', '-Werror', '-pthread', '-o', join(bin, prog), join(REPO, 'bench', 'user', `${prog}.c`)]);
  }
  return [
    { src: join(kmod, 'c_echo_server.ko'), dest: 'lib/modules/knet/c_echo_server.ko' },
    { src: join(bin, 'loadgen'), dest: 'usr/bin/loadgen' },
    { src: join(bin, 'user_echo_server'), dest: 'usr/bin/user_echo_server' },
  ];
}

async function startServers(g: Guest): Promise<void> {
  const r = await g.exec([
    'insmod /lib/modules/knet/rust_echo_server.ko tcp_port=7 udp_port=7 max_conns=64',
    'insmod /lib/modules/knet/c_echo_server.ko tcp_port=8 udp_port=8 max_conns=64',
    '(user_echo_server 9 > /tmp/user_echo_server.log 2>&1 &)',
    'sleep 0.5',
    'grep -q listening /tmp/user_echo_server.log',
  ].join(' && '));
  if (r.code !== 0) throw new UserError(`starting the echo servers failed:\n${r.output}`);
}

/** Runs every workload against every server, interleaved, `reps` times, in one boot. */
async function runMode(a: Artifacts, initrd: string, mode: Mode, reps: number, smoke: boolean, only?: RegExp): Promise<Sample[]> {
  const chosen = workloads(smoke).filter((w) => !only || only.test(w.name));
  mkdirSync(OUT_DIR, { recursive: true });
  const logFile = join(OUT_DIR, `console-bench-${mode}.log`);
  const guest = await Guest.boot({ bzImage: a.bzImage, initrd, logFile, mode: 'demo', timeoutMs: 3 * 3600_000,
    icount: mode === 'icount', kunit: false, extraAppend: ['slab_nomerge'] });
  const samples: Sample[] = [];
  try {
    await guest.waitFor(READY, mode === 'icount' ? 900_000 : 240_000);
    await startServers(guest);
    // Warm-up: QEMU translates guest code on first use, which would penalise
    // whichever server runs a code path first.
    for (const w of workloads(true).filter((x) => chosen.some((c) => c.name === x.name))) {
      for (const server of SERVERS) await guest.exec(`loadgen ${w.args(server.port)} > /dev/null`, 600_000);
    }
    for (let rep = 1; rep <= reps; rep++) {
      for (const w of chosen) {
        for (const server of inTurn(SERVERS, rep)) {
          const result = await loadgen(guest, w.args(server.port), `${w.name} against ${server.name}`);
          samples.push(sampleOf(mode, rep, w.name, server.name, result));
          process.stdout.write(`    ${mode} #${rep} ${w.name.padEnd(20)} ${server.name.padEnd(5)} ${result.rate.toFixed(1)} ${result.unit}\n`);
        }
      }
    }
    const unload = await guest.exec('rmmod rust_echo_server && rmmod c_echo_server');
    if (unload.code !== 0) throw new UserError(`unloading the servers failed:\n${unload.output}`);
    if (!only || only.test(HOLD_WORKLOAD)) samples.push(...await runHold(guest, mode, reps, smoke));
    // The NBD client exists on mainline only.
    const nbd = nbdWorkloads(smoke).some((w) => !only || only.test(w.name));
    if (nbd && (await guest.exec('[ -f /lib/modules/knet/rust_nbd.ko ]')).code === 0) samples.push(...await runNbd(guest, mode, reps, smoke, only));
  } finally {
    await guest.shutdown();
  }
  const problems = findProblems(guest.console);
  if (problems.length) throw new UserError(`kernel problems during the benchmark (${logFile}):\n${formatProblems(problems)}`);
  return samples;
}

export interface BenchOptions {
  smoke: boolean;
  reps: number;
  modes: Mode[];
  outDir?: string;
  /** Only the workloads whose names match. */
  only?: RegExp;
  /** An already built kernel (the smoke test in make test); built here otherwise. */
  artifacts?: Artifacts;
}

export async function runBench(o: BenchOptions): Promise<BenchResult> {
  const a = o.artifacts ?? await prepare('test');
  const extras = await stage('benchmark contenders (C module, userspace server, load generator)', () => buildContenders(a));
  const initrd = await stage('benchmark initramfs', () => buildInitramfs(a.build, 'bench', extras));
  const samples: Sample[] = [];
  for (const mode of o.modes) {
    samples.push(...await stage(`benchmark, ${mode} timing, ${o.reps} repetition(s)`, () => runMode(a, initrd, mode, o.reps, o.smoke, o.only)));
  }
  const result = summarizeBench(samples, o.modes.includes('icount') ? 'icount' : 'wall');
  const out = o.outDir ?? join(OUT_DIR, 'bench');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'bench.json'), JSON.stringify({ options: o, samples, summary: result }, null, 2));
  writeFileSync(join(out, 'ratios.svg'), ratiosSvg(result));
  return result;
}

/** `knet bench`: options come checked from the command line. */
export async function benchCommand(o: { smoke: boolean; reps: number; modes: Mode[]; only?: RegExp }): Promise<number> {
  const result = await runBench(o);
  console.log(`\n${renderTable(result)}`);
  console.log(`samples: ${join(OUT_DIR, 'bench', 'bench.json')}; chart: ${join(OUT_DIR, 'bench', 'ratios.svg')}`);
  if (!existsSync(join(OUT_DIR, 'bench', 'ratios.svg'))) return 1;
  const worst = worstLine(result);
  if (worst) console.log(worst);
  const events = eventsLine(result);
  if (events) console.log(events);
  const nbd = nbdLine(result);
  if (nbd) console.log(nbd);
  return 0;
}
