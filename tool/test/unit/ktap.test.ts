// KTAP parsing of KUnit console output and debugfs results files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseKtap, summarize, type KtapReport } from '../../src/guest/ktap.js';

const lines = (...l: string[]): string => l.join('\n') + '\n';
const fullName = (t: { path: string[]; name: string }): string => [...t.path, t.name].join('.');
const byName = (r: KtapReport, name: string) => {
  const t = r.leaves.find((l) => fullName(l) === name);
  assert.ok(t, `no leaf ${name} in ${r.leaves.map(fullName).join(', ')}`);
  return t;
};

// What KUnit prints at boot: one suite with a skip and a parameterized case.
const PASSING = lines(
  'KTAP version 1',
  '1..1',
  '    KTAP version 1',
  '    # Subtest: example',
  '    # module: kunit_example_test',
  '    1..3',
  '    # example_simple_test: initializing',
  '    ok 1 example_simple_test',
  '    ok 2 example_skip_test # SKIP this test should be skipped',
  '        KTAP version 1',
  '        # Subtest: example_params_test',
  '        ok 1 example value 3',
  '        ok 2 example value 2',
  '        ok 3 example value 0 # SKIP unsupported param value 0',
  '    # example_params_test: pass:2 fail:0 skip:1 total:3',
  '    ok 3 example_params_test',
  '# example: pass:2 fail:0 skip:0 total:3',
  '# Totals: pass:3 fail:0 skip:2 total:5',
  'ok 1 example',
);

test('a passing suite with a skip and parameterized cases', () => {
  const r = parseKtap(PASSING);
  assert.deepEqual(r.problems, []);
  assert.equal(r.suites.length, 1);
  assert.deepEqual({ ...r.suites[0], tests: r.suites[0].tests.length }, { name: 'example', status: 'pass', tests: 5, planned: 3 });
  assert.deepEqual(r.leaves.map(fullName), [
    'example.example_simple_test',
    'example.example_skip_test',
    'example.example_params_test.example value 3',
    'example.example_params_test.example value 2',
    'example.example_params_test.example value 0',
  ]);
  assert.deepEqual(summarize(r), { passed: 3, failed: 0, skipped: 2 });
  assert.deepEqual(byName(r, 'example.example_simple_test').diagnostics, ['# example_simple_test: initializing']);
  const skipped = byName(r, 'example.example_skip_test');
  assert.equal(skipped.status, 'skip');
  assert.equal(skipped.directive, 'SKIP this test should be skipped');
  assert.deepEqual(byName(r, 'example.example_params_test.example value 3').path, ['example', 'example_params_test']);
});

test('a failing test keeps the diagnostics printed before its result', () => {
  const r = parseKtap(lines(
    'KTAP version 1',
    '1..1',
    '    KTAP version 1',
    '    # Subtest: math',
    '    1..2',
    '    ok 1 adds',
    '    # multiplies: EXPECTATION FAILED at lib/math_test.c:30',
    '    Expected 2 * 2 == 5, but',
    '        2 * 2 == 4 (0x4)',
    '    not ok 2 multiplies',
    '# math: pass:1 fail:1 skip:0 total:2',
    'not ok 1 math',
  ));
  assert.deepEqual(r.problems, []);
  assert.equal(r.suites[0].status, 'fail');
  const t = byName(r, 'math.multiplies');
  assert.equal(t.name, 'multiplies');
  assert.deepEqual(t.path, ['math']);
  assert.equal(t.status, 'fail');
  assert.deepEqual(t.diagnostics, [
    '# multiplies: EXPECTATION FAILED at lib/math_test.c:30',
    'Expected 2 * 2 == 5, but',
    '    2 * 2 == 4 (0x4)',
  ]);
  assert.deepEqual(byName(r, 'math.adds').diagnostics, []);
  assert.deepEqual(summarize(r), { passed: 1, failed: 1, skipped: 0 });
});

test('a failing parameterized case counts its params, not itself', () => {
  const r = parseKtap(lines(
    'KTAP version 1',
    '1..1',
    '    KTAP version 1',
    '    # Subtest: p',
    '    1..1',
    '        KTAP version 1',
    '        # Subtest: by_size',
    '        ok 1 size 1',
    '    # by_size: EXPECTATION FAILED at p.c:9',
    '        not ok 2 size 2',
    '    not ok 1 by_size',
    'not ok 1 p',
  ));
  assert.deepEqual(r.leaves.map((l) => `${fullName(l)}=${l.status}`), ['p.by_size.size 1=pass', 'p.by_size.size 2=fail']);
  assert.deepEqual(byName(r, 'p.by_size.size 2').diagnostics, ['# by_size: EXPECTATION FAILED at p.c:9']);
});

test('printk timestamps and interleaved kernel messages are ignored', () => {
  const r = parseKtap(lines(
    '[    0.512000] Run /init as init process',
    '[    0.601234] KTAP version 1',
    '[    0.601240] 1..1',
    '[    0.601300] virtio_net virtio0 eth0: renamed from eth1',
    '[    0.601310]     KTAP version 1',
    '[    0.601320]     # Subtest: net',
    '[    0.601330]     1..2',
    '[    0.601400] random: crng init done',
    '[    0.601500]     ok 1 - bind',
    '[    0.601700]     not ok 2 - connect # TIMEOUT 30 seconds',
    '[    0.601800] not ok 1 - net',
    '[    0.601900] EXT4-fs (vda): mounted filesystem',
    '[    0.602000] ok 2 unrelated userspace line after the document',
  ));
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.leaves.map((l) => `${fullName(l)}=${l.status}`), ['net.bind=pass', 'net.connect=fail']);
  assert.equal(byName(r, 'net.connect').directive, 'TIMEOUT 30 seconds');
  assert.deepEqual(r.suites.map((s) => s.name), ['net']);
});

test('printk caller ids ([T1]) and CRLF line ends are handled', () => {
  const text = PASSING.split('\n').map((l) => (l ? `[    1.000000][    T1] ${l}\r` : l)).join('\n');
  const r = parseKtap(text);
  assert.deepEqual(r.problems, []);
  assert.deepEqual(summarize(r), { passed: 3, failed: 0, skipped: 2 });
});

test('a run that stops mid-suite reports the suite as crashed', () => {
  const r = parseKtap(lines(
    '[    1.000000] KTAP version 1',
    '[    1.000001] 1..2',
    '[    1.000002]     KTAP version 1',
    '[    1.000003]     # Subtest: first',
    '[    1.000004]     1..1',
    '[    1.000005]     ok 1 a',
    '[    1.000006] ok 1 first',
    '[    1.000007]     KTAP version 1',
    '[    1.000008]     # Subtest: sock',
    '[    1.000009]     1..3',
    '[    1.000010]     ok 1 open',
    '[    1.000011]     # close: about to close',
    '[    1.000012] BUG: kernel NULL pointer dereference, address: 0000000000000000',
    '[    1.000013] Oops: 0000 [#1] PREEMPT SMP NOPTI',
  ));
  assert.deepEqual(r.suites.map((s) => `${s.name}=${s.status}`), ['first=pass', 'sock=crashed']);
  assert.equal(r.suites[1].planned, 3);
  assert.deepEqual(r.problems, ['suite sock: no result line, planned 3 tests, saw 1 (crashed or truncated)']);
  const crash = r.leaves.find((l) => l.name === 'sock: missing results (crashed or truncated)');
  assert.ok(crash);
  assert.equal(crash.status, 'fail');
  assert.deepEqual(crash.diagnostics, ['# close: about to close']);
  assert.deepEqual(summarize(r), { passed: 2, failed: 1, skipped: 0 });
});

test('a suite with fewer results than its plan is crashed even if it finished', () => {
  const r = parseKtap(lines('KTAP version 1', '1..1', '    KTAP version 1', '    # Subtest: s', '    1..3', '    ok 1 a', 'ok 1 s'));
  assert.equal(r.suites[0].status, 'crashed');
  assert.deepEqual(r.problems, ['suite s: planned 3 tests, saw 1 (crashed or truncated)']);
  assert.deepEqual(summarize(r), { passed: 1, failed: 1, skipped: 0 });
});

test('suites missing from the top-level plan are a problem and a failure', () => {
  const r = parseKtap(lines('KTAP version 1', '1..3', '    # Subtest: s', '    1..1', '    ok 1 a', 'ok 1 s'));
  assert.deepEqual(r.problems, ['KTAP document: planned 3 suites, saw 1 (crashed or truncated)']);
  assert.deepEqual(r.suites.map((s) => s.status), ['pass']);
  assert.deepEqual(summarize(r), { passed: 1, failed: 1, skipped: 0 });
});

test('two documents in one log (boot run, then a module) are both collected', () => {
  const r = parseKtap(lines(
    '[    0.700000] KTAP version 1',
    '[    0.700001] 1..1',
    '[    0.700002]     KTAP version 1',
    '[    0.700003]     # Subtest: builtin',
    '[    0.700004]     1..1',
    '[    0.700005]     ok 1 t',
    '[    0.700006] ok 1 builtin',
    '[    5.000000] knet: loading out-of-tree module taints kernel.',
    '[    5.100000] KTAP version 1',
    '[    5.100001] 1..1',
    '[    5.100002]     KTAP version 1',
    '[    5.100003]     # Subtest: knet_mod',
    '[    5.100004]     1..2',
    '[    5.100005]     ok 1 x',
    '[    5.100006]     ok 2 y # SKIP no ipv6',
    '[    5.100007] ok 2 knet_mod',
    // A later module whose document has no top-level plan.
    '[    6.000000] KTAP version 1',
    '[    6.000002]     KTAP version 1',
    '[    6.000003]     # Subtest: other_mod',
    '[    6.000004]     1..1',
    '[    6.000005]     not ok 1 z',
    '[    6.000006] not ok 3 other_mod',
  ));
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.suites.map((s) => `${s.name}=${s.status}`), ['builtin=pass', 'knet_mod=pass', 'other_mod=fail']);
  assert.deepEqual(summarize(r), { passed: 2, failed: 1, skipped: 1 });
});

test('a new document after an unfinished one reports the unfinished suite', () => {
  const r = parseKtap(lines(
    'KTAP version 1', '1..1', '    KTAP version 1', '    # Subtest: a', '    1..2', '    ok 1 x',
    'KTAP version 1', '1..1', '    KTAP version 1', '    # Subtest: b', '    1..1', '    ok 1 y', 'ok 1 b',
  ));
  assert.deepEqual(r.suites.map((s) => `${s.name}=${s.status}`), ['a=crashed', 'b=pass']);
  assert.equal(r.problems.length, 1);
  assert.match(r.problems[0], /^suite a: /);
});

test('a plain debugfs results file', () => {
  const r = parseKtap(lines(
    'KTAP version 1',
    '1..1',
    '    KTAP version 1',
    '    # Subtest: knet_socket',
    '    1..2',
    '    ok 1 create_tcp',
    '    # create_udp: ASSERTION FAILED at net/knet/socket_test.rs:42',
    '    not ok 2 create_udp',
    '# knet_socket: pass:1 fail:1 skip:0 total:2',
    '# Totals: pass:1 fail:1 skip:0 total:2',
    'not ok 1 knet_socket',
  ));
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.suites.map((s) => `${s.name}=${s.status}`), ['knet_socket=fail']);
  assert.deepEqual(byName(r, 'knet_socket.create_udp').diagnostics, ['# create_udp: ASSERTION FAILED at net/knet/socket_test.rs:42']);
  assert.deepEqual(summarize(r), { passed: 1, failed: 1, skipped: 0 });
});

test('TAP version 14 with "# Subtest" headers and "- " before names', () => {
  const r = parseKtap(lines(
    'TAP version 14',
    '1..1',
    '\t# Subtest: old',
    '\t1..2',
    '\tok 1 - a',
    '\tnot ok 2 - b # SKIP nope',
    'ok 1 - old',
  ));
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.leaves.map((l) => `${fullName(l)}=${l.status}`), ['old.a=pass', 'old.b=skip']);
});

test('a suite that failed without any failing test still counts as a failure', () => {
  const r = parseKtap(lines('KTAP version 1', '1..1', '    # failed to initialize (-12)', 'not ok 1 broken'));
  assert.deepEqual(r.suites.map((s) => `${s.name}=${s.status}`), ['broken=fail']);
  assert.deepEqual(r.leaves[0].diagnostics, ['# failed to initialize (-12)']);
  assert.deepEqual(summarize(r), { passed: 0, failed: 1, skipped: 0 });
});

test('no KTAP at all is a problem', () => {
  const r = parseKtap('[    0.000000] Linux version 6.12.0\n[    1.000000] reboot: Power down\n');
  assert.deepEqual(r.problems, ['no KTAP found']);
  assert.deepEqual(summarize(r), { passed: 0, failed: 0, skipped: 0 });
});

test('a result that lost a column of indentation (SMP console interleaving) stays in its suite', () => {
  const text = [
    'KTAP version 1',
    '1..1',
    '    KTAP version 1',
    '    # Subtest: s',
    '    1..3',
    '    ok 1 a',
    '   ok 2 b',
    '    ok 3 c',
    'ok 1 s',
  ].join('\n');
  const r = parseKtap(text);
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.suites.map((s) => [s.name, s.status, s.tests.length]), [['s', 'pass', 3]]);
});

test('a result whose timestamp lost its dot (serial console under SMP load) is still counted', () => {
  const text = [
    '[    6.3] KTAP version 1',
    '[    6.3] 1..1',
    '[    6.3]     KTAP version 1',
    '[    6.3]     # Subtest: s',
    '[    6.3]     1..2',
    '[    7.433736]     ok 1 a',
    '[    7434495]     ok 2 b',
    '[    7.5] ok 1 s',
  ].join('\n');
  const r = parseKtap(text);
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.suites.map((s) => [s.name, s.status, s.tests.length]), [['s', 'pass', 2]]);
});

// The guest's own KTAP (printed by init, no timestamps) with the kernel's output of a KUnit
// suite that a test reran interleaved: the rerun's results are not the guest's.
test("kernel lines inside the guest's document are not its results", () => {
  const r = parseKtap(lines(
    'KTAP version 1',
    '1..1',
    '    KTAP version 1',
    '    # Subtest: knet_guest',
    '    1..2',
    '[   41.48]     KTAP version 1',
    '[   41.48]     # Subtest: rust_net_tcp',
    '[   41.49]     1..1',
    '[   41.49]         ok 1 tcp_case',
    '[   41.50]     ok 7 rust_net_tcp',
    '    ok 1 fault_failslab',
    '    # FAIL: no load failed',
    '    not ok 2 fault_page_alloc',
    'not ok 1 knet_guest',
  ));
  const guest = r.suites.find((s) => s.name === 'knet_guest');
  assert.ok(guest);
  assert.equal(guest.status, 'fail');
  assert.deepEqual(guest.tests.map((t) => `${t.name} ${t.status}`), ['fault_failslab pass', 'fault_page_alloc fail']);
});
