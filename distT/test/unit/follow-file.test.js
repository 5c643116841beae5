// followFile: the guest console is read from the file QEMU writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { followFile } from '../../src/guest/guest.js';
test('what is appended to the console file arrives whole, a UTF-8 character split across writes too', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'knet-follow-')), 'console.serial');
    const got = [];
    const f = followFile(path, (b) => got.push(Buffer.from(b)));
    await new Promise((r) => setTimeout(r, 50)); // before the file exists
    const text = Buffer.from('KTAP version 1\n    ok 1 a – b\n');
    const split = text.indexOf(0x80); // inside the 3-byte dash
    appendFileSync(path, text.subarray(0, split));
    await new Promise((r) => setTimeout(r, 60));
    appendFileSync(path, text.subarray(split));
    f.stop();
    assert.equal(Buffer.concat(got).toString('utf8'), text.toString('utf8'));
    for (const b of got)
        assert.doesNotThrow(() => new TextDecoder('utf-8', { fatal: true }).decode(b));
});
//# sourceMappingURL=follow-file.test.js.map