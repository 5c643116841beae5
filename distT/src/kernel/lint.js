// Style and documentation checks on the kernel's Rust code: the stock tree is
// clean, so any finding is ours. Each check is one counted test.
import { readFileSync, writeFileSync } from 'node:fs';
import { BUILD_FLAGS, kernelMake, logPath, rustWarnings } from './build.js';
async function check(name, fn) {
    try {
        const problem = await fn();
        return { name, status: problem ? 'fail' : 'pass', details: problem ?? '' };
    }
    catch (e) {
        return { name, status: 'fail', details: e.message };
    }
}
export async function lintChecks(tree, build) {
    const fmtLog = logPath('rustfmtcheck.log');
    const docLog = logPath('rustdoc.log');
    writeFileSync(fmtLog, '');
    writeFileSync(docLog, '');
    return [
        await check('lint: make rustfmtcheck', async () => {
            await kernelMake(tree, build, fmtLog)([...BUILD_FLAGS, 'rustfmtcheck']);
            return undefined;
        }),
        await check('lint: make rustdoc (no warnings)', async () => {
            await kernelMake(tree, build, docLog)([...BUILD_FLAGS, 'rustdoc']);
            const w = rustWarnings(readFileSync(docLog, 'utf8'));
            return w.length ? w.join('\n\n') : undefined;
        }),
    ];
}
//# sourceMappingURL=lint.js.map