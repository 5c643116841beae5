// A short run of the benchmark (one repetition, small sizes, wall clock), so
// `make bench` cannot silently break. It measures nothing worth keeping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { existsSync } from 'node:fs';
import { runBench, workloads, SERVERS } from '../src/commands/bench.js';
import { lastArtifacts } from '../src/kernel/pipeline.js';
import { worstLine } from '../src/commands/benchreport.js';

const built = process.env.KNET_ARTIFACTS ? JSON.parse(process.env.KNET_ARTIFACTS) : lastArtifacts();

test('make bench --smoke measures every workload against every server', { skip: built ? false : 'no built kernel (run make build or make test)', timeout: 900_000 }, async () => {
  const out = join(tmpdir(), `knet-bench-smoke-${process.pid}`);
  const r = await runBench({ smoke: true, reps: 1, modes: ['wall'], outDir: out, artifacts: built });
  assert.equal(r.rows.length, workloads(true).length);
  for (const row of r.rows) {
    for (const s of SERVERS) {
      const c = row.servers[s.name];
      assert.ok(c && c.median > 0, `${row.workload}/${s.name} has no rate`);
      assert.ok(Number.isFinite(c.allocsPerOp), `${row.workload}/${s.name} has no allocation count`);
    }
    assert.ok(Number.isFinite(row.rustOverC) && row.rustOverC > 0);
  }
  assert.match(worstLine(r), /^worst rust\/c ratio: \d+\.\d\d \(\w+\)$/);
  assert.ok(existsSync(join(out, 'bench.json')) && existsSync(join(out, 'ratios.svg')));
});
