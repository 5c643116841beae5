// KTAP parsing of the real logs from the kernel's own kunit_tool tests, in an
// extracted kernel tree (make build prepares one).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseKtap, summarize } from '../../src/guest/ktap.js';
import { CACHE } from '../../src/util/paths.js';
const fullName = (t) => [...t.path, t.name].join('.');
// Real logs from the kernel's own kunit_tool tests, when a kernel tree is around.
// KNET_KERNEL_TREE wins; otherwise try the usual cache location, whose
// directory name depends on the kernel package version.
function findTestData() {
    const sub = 'tools/testing/kunit/test_data';
    if (process.env.KNET_KERNEL_TREE)
        return join(process.env.KNET_KERNEL_TREE, sub);
    const cache = join(CACHE, 'src');
    const trees = existsSync(cache) ? readdirSync(cache).filter((d) => d.startsWith('linux-')).sort() : [];
    const found = trees.map((d) => join(cache, d, sub)).find((p) => existsSync(p));
    return found ?? join(cache, 'linux-source', sub);
}
const testData = findTestData();
test('real kunit_tool test logs from the kernel tree', (t) => {
    if (!existsSync(testData)) {
        t.skip(`${testData} not found (set KNET_KERNEL_TREE)`);
        return;
    }
    const parse = (f) => parseKtap(readFileSync(join(testData, f), 'utf8'));
    const passed = parse('test_is_test_passed-all_passed.log');
    assert.deepEqual(passed.problems, []);
    assert.deepEqual(passed.suites.map((s) => `${s.name}=${s.status}`), ['sysctl_test=pass', 'example=pass']);
    assert.deepEqual(summarize(passed), { passed: 10, failed: 0, skipped: 0 });
    const nested = parse('test_is_test_passed-all_passed_nested.log');
    assert.deepEqual(nested.problems, []);
    assert.deepEqual(summarize(nested), { passed: 7, failed: 0, skipped: 0 });
    assert.ok(nested.leaves.some((l) => fullName(l) === 'sysctl_test.example.example_simple_test'));
    const failure = parse('test_is_test_passed-failure.log');
    assert.deepEqual(failure.problems, []);
    assert.deepEqual(summarize(failure), { passed: 9, failed: 1, skipped: 0 });
    const failed = failure.leaves.find((l) => l.status === 'fail');
    assert.equal(failed && fullName(failed), 'example.example_simple_test');
    assert.ok(failed?.diagnostics.some((d) => d.includes('EXPECTATION FAILED at lib/kunit/example-test.c:30')));
    const crash = parse('test_kernel_panic_interrupt.log');
    assert.deepEqual(crash.suites.map((s) => s.status), ['pass', 'pass', 'crashed']);
    assert.equal(crash.problems.length, 1);
    assert.match(crash.problems[0], /string-stream-test.*planned 3 tests, saw 1/);
    assert.deepEqual(summarize(crash), { passed: 8, failed: 1, skipped: 0 });
    const interleaved = parse('test_interrupted_tap_output.log');
    assert.deepEqual(interleaved.problems, []);
    assert.deepEqual(summarize(interleaved), { passed: 10, failed: 0, skipped: 0 });
    const skips = parse('test_skip_tests.log');
    assert.deepEqual(summarize(skips), { passed: 4, failed: 0, skipped: 1 });
    const noPrefix = parse('test_pound_no_prefix.log');
    assert.deepEqual(noPrefix.problems, []);
    assert.deepEqual(summarize(noPrefix), { passed: 10, failed: 0, skipped: 0 });
    const callerIds = parse('test_multiple_prefixes.log');
    assert.deepEqual(callerIds.problems, []);
    assert.deepEqual(summarize(callerIds), { passed: 10, failed: 0, skipped: 0 });
    assert.deepEqual(parse('test_is_test_passed-no_tests_run_no_header.log').problems, ['no KTAP found']);
});
//# sourceMappingURL=ktap-kernel-logs.test.js.map