// Finds kernel problem reports (oopses, WARNs, sanitizer reports, stalls...)
// in a serial console log, so a test run that "passed" but splatted is not
// mistaken for a clean one. What counts as one is guest/lib/kernel-problems.txt,
// which the guest scripts grep the kernel log with too.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GUEST_DIR } from '../util/paths.js';
import { UserError } from '../util/run.js';
const KINDS = ['oops', 'bug', 'warn', 'panic', 'kasan', 'ubsan', 'lockdep', 'kmemleak', 'hung', 'rcu-stall', 'soft-lockup'];
/** The list of problems, shared with the guest (copied into it with guest/lib). */
export const PROBLEMS_FILE = join(GUEST_DIR, 'lib', 'kernel-problems.txt');
/**
 * Its patterns in order (first match wins), each with the kind of the
 * `# kind: NAME` line above it. Comments and blank lines are skipped exactly
 * as the guest's `grep -v -e '^#' -e '^$'` skips them.
 */
export function parseProblemPatterns(text, where = PROBLEMS_FILE) {
    const patterns = [];
    let kind;
    for (const [i, line] of text.split('\n').entries()) {
        const header = /^# kind: (.*)$/.exec(line);
        if (header) {
            kind = KINDS.find((k) => k === header[1]);
            if (!kind)
                throw new UserError(`${where}:${i + 1}: unknown kind '${header[1]}'; fix: one of ${KINDS.join(', ')}`);
        }
        else if (line !== '' && !line.startsWith('#')) {
            if (!kind)
                throw new UserError(`${where}:${i + 1}: a pattern before any '# kind:' line`);
            patterns.push([kind, new RegExp(line)]);
        }
    }
    return patterns;
}
let patterns;
const problemPatterns = () => (patterns ??= parseProblemPatterns(readFileSync(PROBLEMS_FILE, 'utf8')));
/**
 * The printk timestamp (and caller id) that starts a console line. The serial
 * console can drop a character under SMP load, the dot among them, so any
 * digits and dots are taken.
 */
export const TIMESTAMP = /^\[\s*[\d.]+\](?:\[\s*[A-Z]?\d+\])? ?/;
const END_MARKER = /---\[ end (?:trace|Kernel panic)/;
const CONTEXT_BEFORE = 5;
const CONTEXT_AFTER = 30;
export function findProblems(log) {
    const lines = log.split('\n').map((l) => l.replace(/\r$/, ''));
    const problems = [];
    let coveredUntil = -1; // last line index already shown in an excerpt
    for (let i = 0; i < lines.length; i++) {
        const message = lines[i].replace(TIMESTAMP, '').trim();
        const hit = problemPatterns().find(([, re]) => re.test(message));
        if (!hit)
            continue;
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
export function formatProblems(p) {
    if (p.length === 0)
        return '';
    const blocks = p.map((prob) => {
        const body = prob.excerpt.split('\n').map((l) => `    ${l}`).join('\n');
        return `--- [${prob.kind}] console line ${prob.line}: ${prob.message}\n${body}`;
    });
    const noun = p.length === 1 ? 'problem' : 'problems';
    return `${p.length} kernel ${noun} on the console:\n${blocks.join('\n\n')}`;
}
//# sourceMappingURL=console.js.map