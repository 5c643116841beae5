// Benchmark statistics and reports: medians, spreads, ratios, a text table,
// an SVG chart of the ratios and the final worst-ratio line.
export function median(xs) {
    const s = [...xs].sort((a, b) => a - b);
    if (s.length === 0)
        return Number.NaN;
    const m = Math.floor(s.length / 2);
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
function cell(samples) {
    const rates = samples.map((s) => s.rate);
    const med = median(rates);
    const min = Math.min(...rates);
    const max = Math.max(...rates);
    return { median: med, min, max, spreadPct: med ? ((max - min) / med) * 100 : 0, allocsPerOp: median(samples.map((s) => s.allocsPerOp)), n: samples.length };
}
/** Groups samples by mode and workload; ratios are of median rates (above 1: Rust is faster). */
export function summarizeBench(samples, ratioMode) {
    const rows = [];
    const modes = [...new Set(samples.map((s) => s.mode))];
    for (const mode of modes) {
        const inMode = samples.filter((s) => s.mode === mode);
        for (const workload of [...new Set(inMode.map((s) => s.workload))]) {
            const ws = inMode.filter((s) => s.workload === workload);
            const servers = {};
            for (const server of [...new Set(ws.map((s) => s.server))])
                servers[server] = cell(ws.filter((s) => s.server === server));
            rows.push({ mode, workload, unit: ws[0].unit, servers,
                rustOverC: servers.rust.median / servers.c.median, rustOverUser: servers.rust.median / servers.user.median });
        }
    }
    return { ratioMode, rows };
}
const fmt = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
export function renderTable(r) {
    const lines = [];
    for (const mode of [...new Set(r.rows.map((x) => x.mode))]) {
        lines.push(`${mode === 'icount' ? 'QEMU -icount (guest time = instructions executed; ratios come from here)' : 'wall clock (QEMU TCG)'}:`);
        lines.push(`  ${'workload'.padEnd(20)} ${'unit'.padEnd(11)} ${'rust median (spread)'.padEnd(22)} ${'c median (spread)'.padEnd(22)} ${'user median (spread)'.padEnd(22)} rust/c rust/user  allocs/op rust c user`);
        for (const row of r.rows.filter((x) => x.mode === mode)) {
            const c = (name) => {
                const v = row.servers[name];
                return `${fmt(v.median)} (±${v.spreadPct.toFixed(0)}%)`.padEnd(22);
            };
            const allocs = ['rust', 'c', 'user'].map((s) => row.servers[s].allocsPerOp.toFixed(2)).join(' ');
            lines.push(`  ${row.workload.padEnd(20)} ${row.unit.padEnd(11)} ${c('rust')} ${c('c')} ${c('user')} ${row.rustOverC.toFixed(2).padStart(6)} ${row.rustOverUser.toFixed(2).padStart(9)}  ${allocs}`);
        }
        lines.push('');
    }
    return lines.join('\n');
}
/** The worst Rust/C ratio in the mode the ratios come from. */
export function worstLine(r) {
    const rows = r.rows.filter((x) => x.mode === r.ratioMode);
    const worst = rows.reduce((a, b) => (b.rustOverC < a.rustOverC ? b : a));
    return `worst rust/c ratio: ${worst.rustOverC.toFixed(2)} (${worst.workload})`;
}
/** A horizontal bar chart of Rust/C and Rust/userspace ratios per workload. */
export function ratiosSvg(r) {
    const rows = r.rows.filter((x) => x.mode === r.ratioMode);
    const barH = 14, gap = 10, left = 170, width = 420, top = 40;
    const maxRatio = Math.max(1.5, ...rows.flatMap((x) => [x.rustOverC, x.rustOverUser]));
    const scale = (v) => (v / maxRatio) * width;
    const height = top + rows.length * (2 * barH + gap) + 40;
    const parts = [
        `<svg xmlns="http://www.w3.org/2000/svg" width="${left + width + 80}" height="${height}" font-family="sans-serif" font-size="12">`,
        `<text x="10" y="20" font-size="14">Rust echo server throughput relative to C (blue) and userspace (grey), ${r.ratioMode} timing; above 1 = Rust faster</text>`,
    ];
    rows.forEach((row, i) => {
        const y = top + i * (2 * barH + gap);
        parts.push(`<text x="10" y="${y + barH + 4}">${row.workload}</text>`);
        parts.push(`<rect x="${left}" y="${y}" width="${scale(row.rustOverC).toFixed(1)}" height="${barH}" fill="#3b6fb6"/>`);
        parts.push(`<text x="${left + scale(row.rustOverC) + 4}" y="${y + barH - 3}">${row.rustOverC.toFixed(2)}</text>`);
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
//# sourceMappingURL=benchreport.js.map