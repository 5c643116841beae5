// Runs the host-side node:test files and collects one result per test.
import { run } from 'node:test';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO } from '../util/paths.js';
import { listFilesUnder } from '../util/run.js';
/** Runs the compiled tests in dist/test (unit/ and e2e/) whose file names match `filter` (all by default). */
export async function runHostTests(filter, env = {}) {
    Object.assign(process.env, env);
    // The compiled tests of this build (dist/test beside dist/src; this file is dist/src/commands).
    const dir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test');
    const files = listFilesUnder(dir)
        .filter((f) => f.endsWith('.test.js'))
        .filter((f) => !filter || filter.test(basename(f)))
        .map((f) => join(dir, f));
    const results = [];
    const stream = run({ files, concurrency: 1 });
    const record = (status) => (data) => {
        if (data.details?.type === 'suite')
            return;
        const file = (data.file ?? '').replace(`${REPO}/`, '');
        if (data.name === file || data.name.endsWith('.test.js'))
            return; // the file itself on a load failure is reported below
        const s = data.skip || data.todo ? 'skip' : status;
        const err = data.details?.error;
        const details = err ? String(err.cause ?? err.message ?? err) : '';
        results.push({ name: data.name, file, status: s, details });
    };
    stream.on('test:pass', record('pass'));
    stream.on('test:fail', (data) => {
        if (data.name.endsWith('.test.js')) {
            // A file that failed to load or crashed outside any test.
            const err = data.details?.error;
            results.push({ name: `${data.name} (file)`, file: data.name, status: 'fail', details: String(err?.cause ?? err?.message ?? err) });
            return;
        }
        record('fail')(data);
    });
    for await (const _ of stream)
        void _;
    return results;
}
//# sourceMappingURL=hosttests.js.map