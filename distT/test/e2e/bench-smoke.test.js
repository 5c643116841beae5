// A short run of the benchmark (one repetition, small sizes, wall clock), so
// `make bench` cannot silently break. It measures nothing worth keeping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { existsSync } from 'node:fs';
import { runBench, workloads, SERVERS } from '../../src/commands/bench.js';
import { worstLine } from '../../src/commands/benchreport.js';
import { artifacts as built, needKernel } from './fixture.js';
// The benchmark boots its own guests (and checks their consoles): only the kernel comes from the fixture.
test('make bench --smoke measures every workload against every server', { ...needKernel, timeout: 900_000 }, async () => {
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
//# sourceMappingURL=bench-smoke.test.js.map