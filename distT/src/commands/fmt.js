// `knet fmt`: format the project's Rust files with the kernel's rustfmt
// settings, then copy the results back into the checkout.
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OVERLAY_DIR } from '../util/paths.js';
import { prepareTree } from '../kernel/pipeline.js';
import { kernelMake, logPath } from '../kernel/build.js';
import { listFilesUnder, UserError } from '../util/run.js';
import { target } from '../kernel/target.js';
export async function fmtCommand() {
    // The LTS tree holds the backport's versions of these files: copying them back would
    // put 6.12 code into the mainline files.
    if (target().name !== 'mainline')
        throw new UserError('fmt formats the mainline files; fix: run it without --lts');
    const { tree, build } = await prepareTree('test');
    await kernelMake(tree, build, logPath('rustfmt.log'))(['rustfmt']);
    let changed = 0;
    for (const rel of listFilesUnder(OVERLAY_DIR).filter((f) => f.endsWith('.rs'))) {
        const formatted = join(tree, rel);
        const mine = join(OVERLAY_DIR, rel);
        if (readFileSync(formatted, 'utf8') !== readFileSync(mine, 'utf8')) {
            copyFileSync(formatted, mine);
            console.log(`    formatted kernel/${rel}`);
            changed++;
        }
    }
    console.log(`${changed} file(s) reformatted`);
    return 0;
}
//# sourceMappingURL=fmt.js.map