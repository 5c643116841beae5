// Benchmark statistics: medians, ratios and the worst-ratio line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { median, summarizeBench, worstLine, eventsLine, nbdLine, ratiosSvg, renderTable, Sample } from '../../src/commands/benchreport.js';

function sample(workload: string, server: string, rate: number, rep = 1, mode: 'wall' | 'icount' = 'icount'): Sample {
  return { mode, rep, workload, server, rate, unit: 'req/s', ops: 100, seconds: 1, allocsPerOp: 2 };
}

test('median of odd and even counts', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
});

test('ratios are of medians and the worst Rust/C workload is named', () => {
  const samples = [
    ...[100, 110, 90].flatMap((r, i) => [sample('rr', 'rust', r, i), sample('rr', 'c', 100, i), sample('rr', 'user', 50, i)]),
    ...[80, 81, 79].flatMap((r, i) => [sample('bulk', 'rust', r, i), sample('bulk', 'c', 100, i), sample('bulk', 'user', 40, i)]),
  ];
  const r = summarizeBench(samples, 'icount');
  const rr = r.rows.find((x) => x.workload === 'rr')!;
  assert.equal(rr.rustOverC, 1);
  assert.equal(rr.rustOverUser, 2);
  assert.equal(Math.round(rr.servers.rust.spreadPct), 20);
  assert.equal(worstLine(r), 'worst rust/c ratio: 0.80 (bulk)');
  assert.match(ratiosSvg(r), /^<svg[\s\S]*<\/svg>$/);
  assert.match(renderTable(r), /bulk .* 0\.80 /);
});

test('the worst line only looks at the ratio mode', () => {
  const samples = [
    sample('rr', 'rust', 10, 1, 'wall'), sample('rr', 'c', 100, 1, 'wall'), sample('rr', 'user', 100, 1, 'wall'),
    sample('rr', 'rust', 99, 1), sample('rr', 'c', 100, 1), sample('rr', 'user', 100, 1),
  ];
  assert.equal(worstLine(summarizeBench(samples, 'icount')), 'worst rust/c ratio: 0.99 (rr)');
});

test('the held-connections workload gives the events line and how the blocking server coped', () => {
  const held = (server: string, rate: number, kworkers: number, bytesPerConn: number, served = 10000): Sample => ({
    ...sample('tcp_rr_64B_10k', server, rate), hold: { conns: 10000, served, stalled: 0, kworkers, bytesPerConn } });
  const r = summarizeBench([
    held('rust', 99, 3, 2100), held('c', 100, 2, 2000), held('user', 120, 0, 1900), held('rust_blocking', 50, 258, 9000, 254),
  ], 'icount');
  assert.equal(eventsLine(r),
    'events: 10000 connections, worst rust/c ratio 0.99 (tcp_rr_64B_10k), workers rust 3 c 2, bytes/conn rust 2100 c 2000\n' +
    'blocking rust server at 10000 connections: served 254, 9746 accepted but never served, 258 kworkers');
  assert.match(renderTable(r), /rust, blocking .* kworkers  258 .* served 254\/10000/);
  assert.equal(eventsLine(summarizeBench([sample('rr', 'rust', 1), sample('rr', 'c', 1), sample('rr', 'user', 1)], 'icount')), undefined);
});

test('the NBD rows compare two drivers: their own line, allocations per request over the I/O workloads', () => {
  const io = (workload: string, server: string, rate: number, allocsPerOp: number): Sample =>
    ({ mode: 'icount', rep: 1, workload, server, rate, unit: 'IOPS', ops: 100, seconds: 1, allocsPerOp });
  const samples = [
    sample('rr', 'rust', 100), sample('rr', 'c', 100), sample('rr', 'user', 100),
    io('nbd_rand_read_4K', 'rust', 95, 2), io('nbd_rand_read_4K', 'c', 100, 3),
    io('nbd_seq_write_1M', 'rust', 101, 4), io('nbd_seq_write_1M', 'c', 100, 5),
    { ...io('nbd_mkfs_256M', 'rust', 1, 900), unit: 'runs/s' }, { ...io('nbd_mkfs_256M', 'c', 1, 1000), unit: 'runs/s' },
  ];
  const r = summarizeBench(samples, 'icount');
  assert.equal(nbdLine(r), 'nbd: worst rust/c ratio 0.95 (nbd_rand_read_4K), allocs/request rust 3.00 c 4.00');
  // The echo line ignores them, and the table and chart take rows without a userspace contender.
  assert.equal(worstLine(r), 'worst rust/c ratio: 1.00 (rr)');
  assert.match(renderTable(r), /nbd_rand_read_4K .* 0\.95 +- /);
  assert.doesNotMatch(ratiosSvg(r), /NaN/);
  assert.equal(nbdLine(summarizeBench(samples.slice(0, 3), 'icount')), undefined);
});
