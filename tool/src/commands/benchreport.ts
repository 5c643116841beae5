// Benchmark statistics and reports: medians, spreads, ratios, a text table,
// an SVG chart of the ratios and the final worst-ratio line.

export interface Sample {
  mode: 'wall' | 'icount';
  rep: number;
  workload: string;
  server: string;
  /** Higher is better (MiB/s, req/s, datagram/s, conn/s). */
  rate: number;
  unit: string;
  ops: number;
  seconds: number;
  allocsPerOp: number;
  /** Only in the held-connections workload ({@link HOLD_WORKLOAD}). */
  hold?: HoldStats;
}

/** The workload of many held connections, few active: what event-driven servers are for. */
export const HOLD_WORKLOAD = 'tcp_rr_64B_10k';

/** What `loadgen hold` measures besides the rate. */
export interface HoldStats {
  conns: number;
  /** Connections that answered one round trip within the deadline. */
  served: number;
  /** Active connections that stopped early: a round trip timed out or the connection failed. */
  stalled: number;
  /** Kernel workers (kworker threads) that ran the server's workqueue while the connections were held. */
  kworkers: number;
  /** Growth of slab, kernel stacks and page tables per held connection (both ends of each). */
  bytesPerConn: number;
}

export interface Cell { median: number; min: number; max: number; spreadPct: number; allocsPerOp: number; n: number; hold?: HoldStats }

export interface WorkloadSummary {
  mode: string;
  workload: string;
  unit: string;
  servers: Record<string, Cell>;
  rustOverC: number;
  rustOverUser: number;
}

export interface BenchResult { ratioMode: string; rows: WorkloadSummary[] }

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function cell(samples: Sample[]): Cell {
  const rates = samples.map((s) => s.rate);
  const med = median(rates);
  const min = Math.min(...rates);
  const max = Math.max(...rates);
  const held = samples.flatMap((s) => (s.hold ? [s.hold] : []));
  // The worst repetition for workers, stalls and coverage; the median for memory.
  const hold = held.length ? {
    conns: held[0].conns,
    served: Math.min(...held.map((h) => h.served)),
    stalled: Math.max(...held.map((h) => h.stalled)),
    kworkers: Math.max(...held.map((h) => h.kworkers)),
    bytesPerConn: median(held.map((h) => h.bytesPerConn)),
  } : undefined;
  return { median: med, min, max, spreadPct: med ? ((max - min) / med) * 100 : 0, allocsPerOp: median(samples.map((s) => s.allocsPerOp)), n: samples.length, hold };
}

/** Groups samples by mode and workload; ratios are of median rates (above 1: Rust is faster). */
export function summarizeBench(samples: Sample[], ratioMode: string): BenchResult {
  const rows: WorkloadSummary[] = [];
  const modes = [...new Set(samples.map((s) => s.mode))];
  for (const mode of modes) {
    const inMode = samples.filter((s) => s.mode === mode);
    for (const workload of [...new Set(inMode.map((s) => s.workload))]) {
      const ws = inMode.filter((s) => s.workload === workload);
      const servers: Record<string, Cell> = {};
      for (const server of [...new Set(ws.map((s) => s.server))]) servers[server] = cell(ws.filter((s) => s.server === server));
      rows.push({ mode, workload, unit: ws[0].unit, servers,
        // The NBD rows compare two drivers: no userspace contender.
        rustOverC: servers.rust.median / servers.c.median, rustOverUser: servers.user ? servers.rust.median / servers.user.median : Number.NaN });
    }
  }
  return { ratioMode, rows };
}

const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

export function renderTable(r: BenchResult): string {
  const lines: string[] = [];
  for (const mode of [...new Set(r.rows.map((x) => x.mode))]) {
    lines.push(`${mode === 'icount' ? 'QEMU -icount (guest time = instructions executed; ratios come from here)' : 'wall clock (QEMU TCG)'}:`);
    lines.push(`  ${'workload'.padEnd(22)} ${'unit'.padEnd(11)} ${'rust median (spread)'.padEnd(22)} ${'c median (spread)'.padEnd(22)} ${'user median (spread)'.padEnd(22)} rust/c rust/user  allocs/op rust c user`);
    for (const row of r.rows.filter((x) => x.mode === mode)) {
      const c = (name: string) => {
        const v = row.servers[name];
        return (v ? `${fmt(v.median)} (±${v.spreadPct.toFixed(0)}%)` : '-').padEnd(22);
      };
      const allocs = ['rust', 'c', 'user'].map((s) => row.servers[s]?.allocsPerOp.toFixed(2) ?? '-').join(' ');
      const overUser = Number.isNaN(row.rustOverUser) ? '-' : row.rustOverUser.toFixed(2);
      lines.push(`  ${row.workload.padEnd(22)} ${row.unit.padEnd(11)} ${c('rust')} ${c('c')} ${c('user')} ${row.rustOverC.toFixed(2).padStart(6)} ${overUser.padStart(9)}  ${allocs}`);
    }
    for (const row of r.rows.filter((x) => x.mode === mode && x.servers.rust?.hold)) lines.push(...holdTable(row));
    lines.push('');
  }
  return lines.join('\n');
}

/** Which server design each name in the held-connections workload stands for. */
const HOLD_DESIGNS: Record<string, string> = {
  rust: 'rust, event-driven', c: 'c, event-driven', user: 'user, epoll', rust_blocking: 'rust, blocking',
};

function holdTable(row: WorkloadSummary): string[] {
  const conns = row.servers.rust.hold!.conns;
  const lines = [`  ${row.workload}: ${conns} connections held; kworkers that ran the server's workqueue, kernel bytes per connection (both ends), connections served:`];
  for (const [name, v] of Object.entries(row.servers)) {
    if (!v.hold) continue;
    const h = v.hold;
    const stalls = h.stalled ? `, ${h.stalled} active stalled` : '';
    lines.push(`    ${(HOLD_DESIGNS[name] ?? name).padEnd(20)} ${fmt(v.median).padStart(8)} ${row.unit}  kworkers ${String(h.kworkers).padStart(4)}  bytes/conn ${h.bytesPerConn.toFixed(0).padStart(6)}  served ${h.served}/${h.conns}${stalls}`);
  }
  return lines;
}

/**
 * The event-driven summary: `events: N connections, worst rust/c ratio X
 * (workload), workers rust N c M, bytes/conn rust A c B`, then how the
 * blocking server coped. Undefined without the held-connections workload.
 */
export function eventsLine(r: BenchResult): string | undefined {
  const rows = r.rows.filter((x) => x.mode === r.ratioMode && x.servers.rust?.hold && x.servers.c?.hold);
  if (!rows.length) return undefined;
  const worst = rows.reduce((a, b) => (b.rustOverC < a.rustOverC ? b : a));
  const rust = worst.servers.rust.hold!, c = worst.servers.c.hold!;
  const line = `events: ${rust.conns} connections, worst rust/c ratio ${worst.rustOverC.toFixed(2)} (${worst.workload}), ` +
    `workers rust ${rust.kworkers} c ${c.kworkers}, bytes/conn rust ${rust.bytesPerConn.toFixed(0)} c ${c.bytesPerConn.toFixed(0)}`;
  const blocking = worst.servers.rust_blocking?.hold;
  if (!blocking) return line;
  return `${line}\nblocking rust server at ${blocking.conns} connections: served ${blocking.served}, ` +
    `${blocking.conns - blocking.served} accepted but never served, ${blocking.kworkers} kworkers`;
}

/** Workloads of the NBD client against nbd.ko (their own summary line). */
export const isNbd = (workload: string) => workload.startsWith('nbd_');

/**
 * The NBD summary: `nbd: worst rust/c ratio X (workload), allocs/request
 * rust A c B`, the allocations the mean over the I/O workloads (mkfs is one
 * run, not one request).
 */
export function nbdLine(r: BenchResult): string | undefined {
  const rows = r.rows.filter((x) => x.mode === r.ratioMode && isNbd(x.workload) && x.servers.rust && x.servers.c);
  if (!rows.length) return undefined;
  const worst = rows.reduce((a, b) => (b.rustOverC < a.rustOverC ? b : a));
  const io = rows.filter((x) => x.unit !== 'runs/s');
  const allocs = (server: string) => (io.reduce((sum, x) => sum + x.servers[server].allocsPerOp, 0) / io.length).toFixed(2);
  return `nbd: worst rust/c ratio ${worst.rustOverC.toFixed(2)} (${worst.workload}), allocs/request rust ${allocs('rust')} c ${allocs('c')}`;
}

/** The worst Rust/C ratio of the echo servers in the mode the ratios come from. */
export function worstLine(r: BenchResult): string | undefined {
  const rows = r.rows.filter((x) => x.mode === r.ratioMode && !isNbd(x.workload));
  if (!rows.length) return undefined;
  const worst = rows.reduce((a, b) => (b.rustOverC < a.rustOverC ? b : a));
  return `worst rust/c ratio: ${worst.rustOverC.toFixed(2)} (${worst.workload})`;
}

/** A horizontal bar chart of Rust/C and Rust/userspace ratios per workload. */
export function ratiosSvg(r: BenchResult): string {
  const rows = r.rows.filter((x) => x.mode === r.ratioMode);
  const barH = 14, gap = 10, left = 170, width = 420, top = 40;
  const maxRatio = Math.max(1.5, ...rows.flatMap((x) => [x.rustOverC, x.rustOverUser]).filter((v) => !Number.isNaN(v)));
  const scale = (v: number) => (v / maxRatio) * width;
  const height = top + rows.length * (2 * barH + gap) + 40;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${left + width + 80}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<text x="10" y="20" font-size="14">Rust throughput relative to C (blue) and userspace (grey), ${r.ratioMode} timing; above 1 = Rust faster</text>`,
  ];
  rows.forEach((row, i) => {
    const y = top + i * (2 * barH + gap);
    parts.push(`<text x="10" y="${y + barH + 4}">${row.workload}</text>`);
    parts.push(`<rect x="${left}" y="${y}" width="${scale(row.rustOverC).toFixed(1)}" height="${barH}" fill="#3b6fb6"/>`);
    parts.push(`<text x="${left + scale(row.rustOverC) + 4}" y="${y + barH - 3}">${row.rustOverC.toFixed(2)}</text>`);
    if (Number.isNaN(row.rustOverUser)) return;
    parts.push(`<rect x="${left}" y="${y + barH}" width="${scale(row.rustOverUser).toFixed(1)}" height="${barH}" fill="#9a9a9a"/>`);
    parts.push(`<text x="${left + scale(row.rustOverUser) + 4}" y="${y + 2 * barH - 3}">${row.rustOverUser.toFixed(2)}</text>`);
  });
  const one = left + scale(1);
  const target = left + scale(0.98);
  parts.push(`<line x1="${one}" y1="${top - 6}" x2="${one}" y2="${height - 30}" stroke="black"/>`);
  parts.push(`<line x1="${target}" y1="${top - 6}" x2="${target}" y2="${height - 30}" stroke="red" stroke-dasharray="4 3"/>`);
  parts.push(`<text x="${one - 8}" y="${height - 15}">1.0</text><text x="${target - 60}" y="${height - 15}" fill="red">0.98 target</text>`);
  parts.push('</svg>');
  return parts.join('\n');
}
