// The series applies with git am onto the pristine upstream files (kept in
// the cache once a tree was prepared, so this needs make build).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { seriesEntries, seriesCommand, PATCHES_DIR } from '../../src/commands/series.js';
import { OVERLAY_DIR, treeDir } from '../../src/util/paths.js';
import { TARGETS } from '../../src/kernel/target.js';
import { listFilesUnder } from '../../src/util/run.js';
import { knownSourceVersion, overlayStateDir, patchTargets } from '../../src/kernel/tree.js';
const orig = (() => {
    const version = knownSourceVersion(TARGETS.mainline);
    return version ? join(overlayStateDir(version), 'orig') : '';
})();
test('the series applies with git am onto the pristine files', { skip: existsSync(orig) ? false : 'tree not prepared (make build)' }, async () => {
    const out = mkdtempSync(join(tmpdir(), 'knet-series-out-'));
    assert.equal(await seriesCommand(out), 0);
    const repo = mkdtempSync(join(tmpdir(), 'knet-series-am-'));
    const git = (...args) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', '-C', repo, ...args], { encoding: 'utf8' });
    git('init', '-q');
    for (const p of listFilesUnder(PATCHES_DIR).filter((f) => f.endsWith('.patch'))) {
        for (const t of patchTargets(readFileSync(join(PATCHES_DIR, p), 'utf8'))) {
            mkdirSync(dirname(join(repo, t)), { recursive: true });
            copyFileSync(join(orig, t), join(repo, t));
        }
    }
    copyFileSync(join(treeDir(knownSourceVersion(TARGETS.mainline)), 'MAINTAINERS'), join(repo, 'MAINTAINERS'));
    git('add', '-A');
    git('commit', '-q', '-m', 'base');
    const patches = readdirSync(out).filter((f) => /^\d{4}-/.test(f) && !f.startsWith('0000')).sort().map((f) => join(out, f));
    git('am', '-q', ...patches);
    assert.equal(git('rev-list', '--count', 'HEAD').trim(), String(seriesEntries().length + 1));
    for (const f of listFilesUnder(OVERLAY_DIR)) {
        assert.equal(readFileSync(join(repo, f), 'utf8'), readFileSync(join(OVERLAY_DIR, f), 'utf8'), f);
    }
});
//# sourceMappingURL=series-am.test.js.map