// The guest's shell helpers (guest/lib/knet.sh), run with the host's busybox.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { GUEST_DIR } from '../../src/util/paths.js';
import { guestArg, kernelCommandLine } from '../../src/guest/guest.js';

const BUSYBOX = '/bin/busybox';
const noBusybox = existsSync(BUSYBOX) ? false : `${BUSYBOX} not found (apt-get install busybox-static)`;

/** Runs `script` after sourcing knet.sh, with `cmdline` as the kernel command line. */
function guestSh(script: string, cmdline: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'knet-cmdline-')), 'cmdline');
  writeFileSync(file, `${cmdline}\n`);
  const r = spawnSync(BUSYBOX, ['sh', '-c', `. ${join(GUEST_DIR, 'lib', 'knet.sh')}; trap - EXIT; ${script}`],
    { encoding: 'utf8', env: { PATH: process.env.PATH, KNET_CMDLINE: file } });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test('knet_arg reads what guestArg writes, and defaults', { skip: noBusybox }, () => {
  const cmdline = kernelCommandLine({ bzImage: '', initrd: '', logFile: '', timeoutMs: 0, mode: 'test', modules: ['a', 'b'],
    extraAppend: [guestArg('fuzz', 200000), guestArg('fuzz_seed', 7), guestArg('tests', ['soak', 'echo_udp'])] });
  const out = guestSh('for n in mode modules fuzz fuzz_seed tests soak; do echo "$n=$(knet_arg $n default)"; done', cmdline);
  assert.equal(out, 'mode=test\nmodules=a,b\nfuzz=200000\nfuzz_seed=7\ntests=soak,echo_udp\nsoak=default\n');
});

test('knet_arg without a default is empty', { skip: noBusybox }, () => {
  assert.equal(guestSh('echo "[$(knet_arg modules)]"', 'console=ttyS0 knet.mode=demo'), '[]\n');
});
