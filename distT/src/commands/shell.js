// `knet shell`: boot the guest with its console on this terminal.
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { OUT_DIR } from '../util/paths.js';
import { prepare } from '../kernel/pipeline.js';
import { Guest } from '../guest/guest.js';
export async function shellCommand(flavor) {
    const a = await prepare(flavor);
    mkdirSync(OUT_DIR, { recursive: true });
    console.log('booting; leave the guest with: reboot -f');
    const g = await Guest.boot({ bzImage: a.bzImage, initrd: a.initrd, logFile: join(OUT_DIR, 'console-shell.log'),
        mode: 'shell', timeoutMs: 24 * 3600_000, interactive: true });
    await g.wait();
    return 0;
}
//# sourceMappingURL=shell.js.map