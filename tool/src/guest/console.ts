// Finds kernel problem reports (oopses, WARNs, sanitizer reports, stalls...)
// in a serial console log, so a test run that "passed" but splatted is not
// mistaken for a clean one.

export interface ConsoleProblem {
  kind: 'oops' | 'bug' | 'warn' | 'panic' | 'kasan' | 'ubsan' | 'lockdep' | 'kmemleak' | 'hung' | 'rcu-stall' | 'soft-lockup';
  /** 1-based line number of the line that matched. */
  line: number;
  /** The matching line with some context around it, as printed (timestamps kept). */
  excerpt: string;
  /** The matching line without its printk timestamp. */
  message: string;
}

type Kind = ConsoleProblem['kind'];

// First match wins, so specific patterns come before the generic ones they
// overlap with (e.g. "BUG: KASAN:" before "BUG:").
const PATTERNS: [Kind, RegExp][] = [
  ['kasan', /\bBUG: KASAN: /],
  ['soft-lockup', /\bwatchdog: BUG: soft lockup\b|\bBUG: soft lockup\b/],
  ['soft-lockup', /\bWatchdog detected hard LOCKUP\b/], // same detector, no separate kind
  ['lockdep', /\bWARNING: (?:possible circular locking dependency|possible recursive locking|inconsistent lock state|possible irq lock inversion|bad unlock balance|held lock freed|suspicious RCU usage|lock held when returning to user space|Nested lock was not taken|\S+-safe -> \S+-unsafe lock order)/],
  ['warn', /\bWARNING: CPU: \d+ PID: \d+/],
  ['ubsan', /\bUBSAN: /],
  ['kmemleak', /\bunreferenced object 0x[0-9a-f]+|\bkmemleak: \d+ new suspected memory leaks?/],
  ['hung', /\bINFO: task .* blocked for more than \d+ seconds/],
  ['rcu-stall', /\brcu: INFO: \S+ (?:self-)?detected (?:expedited )?stalls?\b/],
  ['panic', /\bKernel panic - not syncing\b/],
  ['panic', /\bpanicked at\b/], // Rust: "rust_kernel: panicked at rust/kernel/foo.rs:12:5:"
  ['bug', /\bkernel BUG at\b|\bBUG: /],
  ['oops', /\bOops\b:|\bInternal error: Oops\b/],
];

const TIMESTAMP = /^\[\s*\d+\.\d+\](?:\[\s*[A-Z]?\d+\])? ?/;
const END_MARKER = /---\[ end (?:trace|Kernel panic)/;
const CONTEXT_BEFORE = 5;
const CONTEXT_AFTER = 30;

export function findProblems(log: string): ConsoleProblem[] {
  const lines = log.split('\n').map((l) => l.replace(/\r$/, ''));
  const problems: ConsoleProblem[] = [];
  let coveredUntil = -1; // last line index already shown in an excerpt

  for (let i = 0; i < lines.length; i++) {
    const message = lines[i].replace(TIMESTAMP, '').trim();
    const hit = PATTERNS.find(([, re]) => re.test(message));
    if (!hit) continue;

    // A report's follow-up lines (e.g. the Oops after "BUG: kernel NULL
    // pointer dereference") are part of the same excerpt, not new problems.
    let end = Math.min(i + CONTEXT_AFTER, lines.length - 1);
    for (let j = i; j <= end; j++) {
      if (END_MARKER.test(lines[j])) {
        end = j;
        break;
      }
    }
    const start = Math.max(i - CONTEXT_BEFORE, coveredUntil + 1);
    problems.push({ kind: hit[0], line: i + 1, excerpt: lines.slice(start, end + 1).join('\n'), message });
    coveredUntil = end;
    i = end;
  }
  return problems;
}

/** A block for the terminal; empty string when there is nothing to report. */
export function formatProblems(p: ConsoleProblem[]): string {
  if (p.length === 0) return '';
  const blocks = p.map((prob) => {
    const body = prob.excerpt.split('\n').map((l) => `    ${l}`).join('\n');
    return `--- [${prob.kind}] console line ${prob.line}: ${prob.message}\n${body}`;
  });
  const noun = p.length === 1 ? 'problem' : 'problems';
  return `${p.length} kernel ${noun} on the console:\n${blocks.join('\n\n')}`;
}
