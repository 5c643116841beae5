// `knet test`: build, boot, collect every KUnit and guest result, run the
// host tests against the built kernel, and print one summary line.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GUEST_DIR, OUT_DIR, Flavor } from '../util/paths.js';
import { listFilesUnder } from '../util/run.js';
import { prepare, Artifacts } from '../kernel/pipeline.js';
import { stage, stageSummary } from '../util/run.js';
import { Guest, READY, guestArg } from '../guest/guest.js';
import { parseKtap, KtapReport } from '../guest/ktap.js';
import { findProblems, formatProblems, ConsoleProblem } from '../guest/console.js';
import { lintChecks, CheckResult } from '../kernel/lint.js';
import { runHostTests, HostResult } from './hosttests.js';

export interface TestOptions { flavor: Flavor; filter?: RegExp; skipLint?: boolean; guestTimeoutMs?: number }

export interface GuestRun { ktap: KtapReport; problems: ConsoleProblem[]; logFile: string; failure?: string; checks: CheckResult[] }

/** Leak reports whose backtrace is in our code (Rust `kernel::net`, the samples). */
export function ourLeaks(report: string): string[] {
  return report.split(/(?=^unreferenced object)/m)
    .filter((block) => /^unreferenced object/.test(block))
    .filter((block) => /kernel3net|rust_echo|rust_net|c_echo_server|_RN\w*3net/.test(block));
}

/** Debug kernels: scan for leaks once everything ran (objects must age a few seconds first). */
async function kmemleakCheck(guest: Guest): Promise<CheckResult> {
  const name = 'kmemleak: no leaks from knet code after the whole run';
  const r = await guest.exec('echo scan > /sys/kernel/debug/kmemleak && sleep 6 && echo scan > /sys/kernel/debug/kmemleak && cat /sys/kernel/debug/kmemleak', 600_000);
  if (r.code !== 0) return { name, status: 'fail', details: `kmemleak is not available: ${r.output}` };
  const ours = ourLeaks(r.output);
  const all = (r.output.match(/^unreferenced object/gm) ?? []).length;
  console.log(`    kmemleak: ${all} suspected leak(s) in the whole kernel, ${ours.length} in knet code`);
  return ours.length ? { name, status: 'fail', details: ours.join('\n') } : { name, status: 'pass', details: '' };
}

/** Guest test scripts (names without .sh) whose names match `filter`; all when there is none. */
export function guestTestNames(filter?: RegExp): string[] {
  return listFilesUnder(join(GUEST_DIR, 'tests')).filter((f) => f.endsWith('.sh'))
    .map((f) => f.replace(/\.sh$/, '')).filter((n) => !filter || filter.test(n)).sort();
}

/** Boots the guest in test mode and returns its parsed console. */
export async function runGuest(a: Artifacts, timeoutMs: number, filter?: RegExp): Promise<GuestRun> {
  mkdirSync(OUT_DIR, { recursive: true });
  const logFile = join(OUT_DIR, `console-${a.flavor}.log`);
  // The debug kernel soaks for 10 minutes; the normal run only briefly.
  const soak = Number(process.env.KNET_SOAK ?? (a.flavor === 'debug' ? 600 : 15));
  // API fuzzer operations: the debug kernel's KASAN/lockdep run is the proof, the normal run a smoke test.
  const fuzz = Number(process.env.KNET_FUZZ ?? (a.flavor === 'debug' ? 200000 : 4000));
  const guest = await Guest.boot({ bzImage: a.bzImage, initrd: a.initrd, logFile, mode: 'test', timeoutMs,
    extraAppend: [guestArg('soak', soak), guestArg('fuzz', fuzz), ...(filter ? [guestArg('tests', guestTestNames(filter).join(',') || 'none')] : [])], memoryMiB: a.flavor === 'debug' ? 2048 : 1024 });
  let failure: string | undefined;
  try {
    await guest.waitFor(READY, timeoutMs);
  } catch (e) {
    failure = guest.timedOut ? `guest timed out after ${timeoutMs / 1000} s` : (e as Error).message;
  }
  const checks: CheckResult[] = [];
  if (!failure && a.flavor === 'debug') checks.push(await kmemleakCheck(guest));
  await guest.shutdown(30_000);
  if (guest.timedOut && !failure) failure = 'guest did not power off within 30 s';
  return { ktap: parseKtap(guest.console), problems: findProblems(guest.console), logFile, failure, checks };
}

function lastLines(text: string, n: number): string {
  return text.split('\n').slice(-n).join('\n');
}

export async function testCommand(o: TestOptions): Promise<number> {
  const started = Date.now();
  const a = await prepare(o.flavor);
  // Lint is make on one core while the guest is QEMU on the other: run them side by side.
  // The host tests boot guests of their own: beside the guest they starved each other
  // (boots past three minutes), so they come after it.
  const linting: Promise<CheckResult[]> = o.skipLint ? Promise.resolve([]) : stage('lint (rustfmtcheck, rustdoc; beside the guest)', () => lintChecks(a.tree, a.build));
  const g = await stage('boot guest and run KUnit + guest tests', () => runGuest(a, o.guestTimeoutMs ?? (o.flavor === 'debug' ? 6000_000 : 600_000), o.filter));
  const host: HostResult[] = await stage('host tests (node:test)', () =>
    runHostTests(o.filter, { KNET_ARTIFACTS: JSON.stringify(a), KNET_TWO_HOST_MIB: o.flavor === 'debug' ? '64' : '1' }));

  const lint = await linting;

  // Print what failed, then the counts.
  let passed = 0, failed = 0, skipped = 0;
  const failures: string[] = [];
  for (const l of [...lint, ...g.checks]) {
    if (l.status === 'pass') passed++;
    else { failed++; failures.push(`${l.name}\n${l.details}`); }
  }
  for (const t of g.ktap.leaves) {
    const name = [...t.path, t.name].join('.');
    if (t.status === 'pass') passed++;
    else if (t.status === 'skip') skipped++;
    else { failed++; failures.push(`kunit: ${name}\n${t.diagnostics.join('\n')}`); }
  }
  for (const t of host) {
    if (t.status === 'pass') passed++;
    else if (t.status === 'skip') skipped++;
    else { failed++; failures.push(`host: ${t.file}: ${t.name}\n${t.details}`); }
  }
  const runProblems: string[] = [...g.ktap.problems];
  if (g.failure) runProblems.push(g.failure);
  if (g.ktap.leaves.length === 0) runProblems.push('no KUnit results found on the guest console');
  if (g.problems.length) runProblems.push(`kernel reported problems:\n${formatProblems(g.problems)}`);
  if (runProblems.length) {
    failed++;
    failures.unshift(`guest run (${g.logFile})\n${runProblems.join('\n')}${g.problems.length ? '' : `\nlast console lines:\n${lastLines(readConsole(g), 25)}`}`);
  }
  writeReport(o.flavor, { artifacts: a, lint, guestChecks: g.checks, kunit: g.ktap, consoleProblems: g.problems, host, runProblems, stages: stageSummary(), passed, failed, skipped });

  console.log('\n==> stage times');
  for (const s of stageSummary()) console.log(`    ${s.name.padEnd(48)} ${s.seconds.toFixed(1).padStart(7)} s`);
  console.log(`    total ${((Date.now() - started) / 1000).toFixed(1)} s; console log ${g.logFile}; report ${join(OUT_DIR, `report-${o.flavor}.json`)}`);
  if (failures.length) {
    console.log('\n==> failures');
    for (const f of failures) console.log(`--- ${f.trimEnd()}\n`);
  }
  console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

function readConsole(g: GuestRun): string {
  return existsSync(g.logFile) ? readFileSync(g.logFile, 'utf8') : '';
}

function writeReport(flavor: Flavor, data: unknown): void {
  mkdirSync(OUT_DIR, { recursive: true });
  writeFileSync(join(OUT_DIR, `report-${flavor}.json`), JSON.stringify(data, null, 2));
}
