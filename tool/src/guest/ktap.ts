// KTAP parser for KUnit output (Documentation/dev-tools/ktap.rst).
//
// Input is either a raw serial console log (printk timestamps, other kernel
// messages interleaved) or a plain KTAP document such as
// /sys/kernel/debug/kunit/<suite>/results. Parsing happens in two passes:
// first the lines are turned into a tree per KTAP document, then the trees
// are flattened into suites, leaf results and problems.

import { TIMESTAMP } from './console.js';

export type Status = 'pass' | 'fail' | 'skip';

export interface TestResult {
  name: string;
  /** Names of the enclosing suite/test cases, outermost first (without `name` itself). */
  path: string[];
  status: Status;
  /** Diagnostic lines printed before the result line, dedented. */
  diagnostics: string[];
  /** Text after `#` on the result line, e.g. "SKIP not supported". */
  directive?: string;
}

export interface SuiteResult {
  name: string;
  status: Status | 'crashed';
  tests: TestResult[];
  planned?: number;
}

export interface KtapReport {
  suites: SuiteResult[];
  leaves: TestResult[];
  problems: string[];
}

/** A test in the tree: a leaf result, a suite, or a parameterized case. */
interface Node {
  name: string;
  indent: number;
  planned?: number;
  children: Node[];
  /** Set by the result line; a node without it never finished. */
  status?: Status;
  directive?: string;
  /** Lines belonging to this node itself (header lines, or what preceded a leaf's result). */
  diagnostics: string[];
  /** Lines seen since the last child finished; they belong to the next result. */
  pending: string[];
}

// printk prefixes: "[    1.234567] " and, with CONFIG_PRINTK_CALLER, "[    1.234567][    T1] ".
const VERSION = /^K?TAP version \d+$/;
const SUBTEST = /^# Subtest: (.*)$/;
const PLAN = /^1\.\.(\d+)\b/;
// "ok 1 name", "not ok 2 - name # SKIP reason"; a name cannot contain '#'.
const RESULT = /^(ok|not ok) (\d+)(?: -)?(?: ([^#]*))?(?:#\s*(.*))?$/;

function newNode(name: string, indent: number): Node {
  return { name, indent, children: [], diagnostics: [], pending: [] };
}

function indentOf(text: string): number {
  let n = 0;
  for (const ch of text) {
    if (ch === ' ') n += 1;
    else if (ch === '\t') n += 4;
    else break;
  }
  return n;
}

function statusOf(result: string, directive: string | undefined): Status {
  // TODO means "not expected to work yet", so it neither passes nor fails.
  if (directive !== undefined && /^(SKIP|TODO)\b/i.test(directive)) return 'skip';
  return result === 'ok' ? 'pass' : 'fail';
}

/** Pass 1: build one tree per KTAP document found in the text. */
function buildTrees(text: string): Node[] {
  const docs: Node[] = [];
  let stack: Node[] = []; // open nodes; stack[0] is the document root
  // Whether the open document's lines carry printk timestamps. The kernel's
  // KTAP (KUnit) does and the guest's own (printed by init) does not; kernel
  // messages interleaved into the guest's document, such as KUnit suites a
  // test reruns, are not part of it. (The other way round a timestamp may be
  // garbled by two CPUs writing at once, so a kernel document keeps all.)
  let docTimestamped = false;

  const top = (): Node => stack[stack.length - 1];
  const startDoc = (indent: number, timestamped: boolean): void => {
    docTimestamped = timestamped;
    const root = newNode('', indent);
    docs.push(root);
    stack = [root];
  };
  const openChild = (name: string, indent: number): void => {
    const parent = top();
    const child = newNode(name, indent);
    // Lines before a nested header belong to that header, not to the next leaf.
    child.diagnostics.push(...parent.pending);
    parent.pending = [];
    parent.children.push(child);
    stack.push(child);
  };
  // A document with a plan ends with its last planned result, so later
  // unrelated "ok"/"not ok" lines on the console are not swallowed.
  const endDocIfComplete = (): void => {
    const root = stack[0];
    if (stack.length === 1 && root.planned !== undefined && root.children.length >= root.planned) {
      stack = [];
    }
  };

  for (const rawLine of text.split('\n')) {
    const unterminated = rawLine.replace(/\r$/, '');
    const timestamped = TIMESTAMP.test(unterminated);
    const line = unterminated.replace(TIMESTAMP, '').trimEnd();
    const body = line.trimStart();
    const indent = indentOf(line);
    if (body === '') continue;
    if (stack.length > 0 && timestamped && !docTimestamped) continue;

    if (VERSION.test(body)) {
      // A version line at (or left of) the document's own indent starts a new
      // document, e.g. a KUnit module loaded after the boot-time run.
      if (stack.length === 0 || indent <= stack[0].indent) startDoc(indent, timestamped);
      else openChild('', indent);
      continue;
    }

    const subtest = SUBTEST.exec(body);
    if (subtest) {
      const name = subtest[1].trim();
      if (stack.length === 0) startDoc(0, timestamped);
      const cur = top();
      // "KTAP version 1" followed by "# Subtest: name" describe the same test.
      if (stack.length > 1 && cur.name === '' && cur.planned === undefined && cur.children.length === 0) {
        cur.name = name;
        cur.diagnostics.push(...cur.pending);
        cur.pending = [];
      } else {
        openChild(name, indent);
      }
      continue;
    }

    if (stack.length === 0) continue; // outside any KTAP document
    const cur = top();

    const plan = PLAN.exec(body);
    if (plan && cur.planned === undefined && cur.children.length === 0) {
      cur.planned = Number(plan[1]);
      cur.diagnostics.push(...cur.pending);
      cur.pending = [];
      endDocIfComplete(); // "1..0"
      continue;
    }

    const result = RESULT.exec(body);
    if (result) {
      const num = Number(result[2]);
      const name = (result[3] ?? '').trim() || `#${num}`;
      const directive = result[4]?.trim() || undefined;
      const status = statusOf(result[1], directive);
      if (stack.length > 1 && closesNode(cur, indent, name, num)) {
        if (cur.name === '') cur.name = name;
        cur.status = status;
        cur.directive = directive;
        cur.diagnostics.push(...cur.pending);
        cur.pending = [];
        stack.pop();
      } else {
        const leaf = newNode(name, indent);
        leaf.status = status;
        leaf.directive = directive;
        leaf.diagnostics = cur.pending;
        cur.pending = [];
        cur.children.push(leaf);
      }
      endDocIfComplete();
      continue;
    }

    // Diagnostics start with '#'; indented lines are kept too because KUnit
    // prints expectation details ("Expected 1 + 1 == 3, but") without '#'.
    // Unindented non-KTAP lines are unrelated kernel messages.
    if (body.startsWith('#') || indent > stack[0].indent) cur.pending.push(line);
  }
  return docs;
}

/** Does this result line finish the open node `cur` (rather than add a child to it)? */
function closesNode(cur: Node, indent: number, name: string, num: number): boolean {
  // KTAP indents subtests, so a parent's result is printed further left, by a
  // whole level (4 columns). On an SMP guest two CPUs writing the console at
  // once can drop a character: a result a column or two left of its siblings
  // that is the next one the plan expects is still a sibling.
  if (indent !== cur.indent) {
    const nextPlanned = cur.planned !== undefined && cur.children.length < cur.planned && num === cur.children.length + 1;
    if (nextPlanned && indent < cur.indent && cur.indent - indent < 4) return false;
    return indent < cur.indent;
  }
  // Flat (unindented) output: fall back to the plan and the name.
  if (cur.planned !== undefined && cur.children.length >= cur.planned) return true;
  if (cur.name === '' || name !== cur.name) return false;
  return cur.planned === undefined || num !== cur.children.length + 1;
}

/** Remove the indentation common to all lines, keeping relative indentation. */
function dedent(lines: string[]): string[] {
  const widths = lines.filter((l) => l.trim() !== '').map((l) => l.length - l.trimStart().length);
  const cut = widths.length ? Math.min(...widths) : 0;
  return lines.map((l) => l.slice(cut));
}

/** Pass 2 helper: collect leaves below `node` and record truncation problems. */
function collect(node: Node, path: string[], problems: string[], label: string): { leaves: TestResult[]; crashed: boolean; crashContext: string[] } {
  const finished = node.status !== undefined;
  // A finished test without children (and without a plan promising some) is a leaf.
  if (finished && node.children.length === 0 && !node.planned) {
    const leaf: TestResult = { name: node.name, path, status: node.status!, diagnostics: dedent(node.diagnostics) };
    if (node.directive !== undefined) leaf.directive = node.directive;
    return { leaves: [leaf], crashed: false, crashContext: [] };
  }

  const leaves: TestResult[] = [];
  let crashed = false;
  let crashContext = node.pending; // what was printed after the last result
  const childPath = [...path, node.name];
  node.children.forEach((child, i) => {
    if (child.name === '') child.name = `#${i + 1}`;
    const sub = collect(child, childPath, problems, `test ${[...childPath, child.name].join('.')}`);
    leaves.push(...sub.leaves);
    if (sub.crashed) {
      crashed = true;
      crashContext = sub.crashContext;
    }
  });

  const saw = node.children.length;
  if (!finished) {
    crashed = true;
    const plan = node.planned !== undefined ? `planned ${node.planned} tests, ` : '';
    problems.push(`${label}: no result line, ${plan}saw ${saw} (crashed or truncated)`);
  } else if (node.planned !== undefined && saw < node.planned) {
    crashed = true;
    problems.push(`${label}: planned ${node.planned} tests, saw ${saw} (crashed or truncated)`);
  } else if (node.status === 'fail' && !leaves.some((l) => l.status === 'fail')) {
    // The parent failed without a failing child (e.g. suite init failed):
    // keep that failure visible in the counts.
    leaves.push({ name: `${node.name}: reported failure`, path, status: 'fail', diagnostics: dedent(node.diagnostics) });
  }
  return { leaves, crashed, crashContext };
}

export function parseKtap(text: string): KtapReport {
  const report: KtapReport = { suites: [], leaves: [], problems: [] };
  const docs = buildTrees(text);
  if (docs.length === 0) {
    report.problems.push('no KTAP found');
    return report;
  }

  docs.forEach((root, d) => {
    const where = docs.length > 1 ? `KTAP document ${d + 1}` : 'KTAP document';
    for (const [i, node] of root.children.entries()) {
      if (node.name === '') node.name = `suite #${i + 1}`;
      const name = node.name;
      const { leaves, crashed, crashContext } = collect(node, [], report.problems, `suite ${name}`);
      if (crashed) {
        // A crash must never look like success: count it as one failure.
        leaves.push({
          name: `${name}: missing results (crashed or truncated)`,
          path: [], // the name already says which suite
          status: 'fail',
          diagnostics: dedent(crashContext),
        });
      }
      let status: SuiteResult['status'];
      if (crashed) status = 'crashed';
      else if (leaves.some((l) => l.status === 'fail')) status = 'fail';
      else status = node.status!;
      const suite: SuiteResult = { name, status, tests: leaves };
      if (node.planned !== undefined) suite.planned = node.planned;
      report.suites.push(suite);
      report.leaves.push(...leaves);
    }

    const saw = root.children.length;
    if (root.planned !== undefined && saw < root.planned) {
      const msg = `planned ${root.planned} suites, saw ${saw} (crashed or truncated)`;
      report.problems.push(`${where}: ${msg}`);
      report.leaves.push({ name: `missing suites: ${msg}`, path: [], status: 'fail', diagnostics: [] });
    }
  });

  return report;
}

export function summarize(r: KtapReport): { passed: number; failed: number; skipped: number } {
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for (const leaf of r.leaves) {
    if (leaf.status === 'pass') counts.passed++;
    else if (leaf.status === 'fail') counts.failed++;
    else counts.skipped++;
  }
  return counts;
}
