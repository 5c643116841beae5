// A short run of the benchmark (one repetition, small sizes, wall clock), so
// `make bench` cannot silently break. It measures nothing worth keeping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { existsSync } from 'node:fs';
import { runBench, workloads, nbdWorkloads, SERVERS, NBD_DRIVERS } from '../../src/commands/bench.js';
import { worstLine, eventsLine, nbdLine, isNbd, HOLD_WORKLOAD } from '../../src/commands/benchreport.js';
import { target } from '../../src/kernel/target.js';
import { artifacts as built, needKernel } from './fixture.js';

// The benchmark boots its own guests (and checks their consoles): only the kernel comes from the fixture.
test('make bench --smoke measures every workload against every server, the held connections and, on mainline, the NBD drivers', { ...needKernel, timeout: 900_000 }, async () => {
  const out = join(tmpdir(), `knet-bench-smoke-${process.pid}`);
  const r = await runBench({ smoke: true, reps: 1, modes: ['wall'], outDir: out, artifacts: built });
  const nbd = target().name === 'mainline' ? nbdWorkloads(true).length : 0;
  assert.equal(r.rows.length, workloads(true).length + 1 + nbd);
  for (const row of r.rows) {
    const contenders = isNbd(row.workload) ? NBD_DRIVERS : SERVERS;
    for (const s of contenders) {
      const c = row.servers[s.name];
      assert.ok(c && c.median > 0, `${row.workload}/${s.name} has no rate`);
      assert.ok(Number.isFinite(c.allocsPerOp), `${row.workload}/${s.name} has no allocation count`);
    }
    assert.ok(Number.isFinite(row.rustOverC) && row.rustOverC > 0);
  }
  assert.match(worstLine(r) ?? '', /^worst rust\/c ratio: \d+\.\d\d \(\w+\)$/);
  // The held connections: every server served all of them (few enough for the blocking one too).
  const hold = r.rows.find((row) => row.workload === HOLD_WORKLOAD);
  for (const name of ['rust', 'c', 'user', 'rust_blocking']) {
    const h = hold?.servers[name]?.hold;
    assert.ok(h && h.served === h.conns && h.stalled === 0, `${HOLD_WORKLOAD}/${name}: ${JSON.stringify(h)}`);
  }
  assert.match(eventsLine(r) ?? '', /^events: \d+ connections, worst rust\/c ratio \d+\.\d\d \(\w+\), workers rust \d+ c \d+, bytes\/conn rust -?\d+ c -?\d+\n/);
  if (nbd) assert.match(nbdLine(r) ?? '', /^nbd: worst rust\/c ratio \d+\.\d\d \(\w+\), allocs\/request rust \d+\.\d\d c \d+\.\d\d$/);
  assert.ok(existsSync(join(out, 'bench.json')) && existsSync(join(out, 'ratios.svg')));
});
