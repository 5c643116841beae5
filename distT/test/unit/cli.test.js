// The command line: checked against the command table before anything runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from '../../src/util/paths.js';
import { parseCommandLine, usage, UsageError } from '../../src/cli.js';
const CLI = join(REPO, 'dist', 'src', 'cli.js');
test('a bad command line is one line on stderr and status 2', () => {
    // Only an unknown command here: it can never start a build.
    const r = spawnSync(process.execPath, [CLI, 'bogus'], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.equal(r.stderr, "knet: unknown command 'bogus'; fix: knet --help\n");
    assert.equal(r.stdout, '');
});
test('help and --help print the usage and succeed', () => {
    for (const args of [['help'], ['--help'], ['test', '--help']]) {
        const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
        assert.equal(r.status, 0, args.join(' '));
        assert.equal(r.stdout.trimEnd(), usage());
    }
});
test('mistakes are usage errors, found before anything runs', () => {
    const bad = [
        [['bogus'], /^unknown command 'bogus'$/],
        [['test', '--bogus'], /^unknown option '--bogus' \(knet test\)$/],
        [['test', '--filter', '('], /^--filter '\(' is not a valid regular expression/],
        [['test', '--filter'], /--filter/],
        [['bench', '--reps', '0'], /--reps takes a positive whole number/],
        [['bench', '--modes', 'wall,cpu'], /--modes takes wall and\/or icount/],
        [['setup', 'extra'], /unexpected argument 'extra'/],
        [['--lts', 'test'], /the command comes first/],
    ];
    for (const [args, re] of bad) {
        assert.throws(() => parseCommandLine(args), (e) => e instanceof UsageError && re.test(e.message) && !e.message.includes('\n'), args.join(' '));
    }
});
test('good command lines parse, --lts anywhere after the command', () => {
    const p = parseCommandLine(['bench', '--smoke', '--lts', '--reps', '3']);
    assert.equal(p.help, false);
    assert.equal(p.help === false && p.lts, true);
    assert.equal(parseCommandLine(['series', 'out/x', '--author', 'A <a@b>']).help, false);
});
test('the usage names every option of every command', () => {
    const text = usage();
    for (const o of ['--lts', '--filter RE', '--no-lint', '--debug', '--smoke', '--reps N', '--modes', '--author'])
        assert.ok(text.includes(o), o);
    for (const c of ['setup', 'build', 'test', 'demo', 'bench', 'series', 'series-check', 'fmt', 'shell'])
        assert.match(text, new RegExp(`^  ${c}\\b`, 'm'), c);
});
//# sourceMappingURL=cli.test.js.map