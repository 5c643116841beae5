// What every end-to-end test file needs once: the built kernel (or a skip
// without one), guests booted before its tests and shut down after them,
// and no kernel problem on their consoles.
import { before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Guest, BootOptions, READY } from '../../src/guest/guest.js';
import { lastArtifacts, Artifacts } from '../../src/kernel/pipeline.js';
import { findProblems, formatProblems } from '../../src/guest/console.js';

/** The kernel under test: the one `knet test` just built, else the last one built. */
export const artifacts: Artifacts | undefined = process.env.KNET_ARTIFACTS ? JSON.parse(process.env.KNET_ARTIFACTS) : lastArtifacts();

/** Spread into a test's options: skips it when there is no built kernel. */
export const needKernel: { skip?: string } = artifacts ? {} : { skip: 'no built kernel (run make build or make test)' };

/** One guest to boot: its options but the kernel's, and a name for its console log. */
export interface GuestSpec extends Omit<BootOptions, 'bzImage' | 'initrd' | 'logFile'> {
  name: string;
  /** How long it may take to print the ready marker (default 180 s). */
  readyMs?: number;
}

export interface GuestFixture {
  /** The booted guests, in the order of their specs. */
  readonly all: Guest[];
  /** The first (or only) one. */
  readonly guest: Guest;
}

/**
 * Boots one guest per spec (side by side) before the file's tests and runs
 * `ready` once they are all up; shuts them down after, then runs `cleanup`.
 * After each test and at the end, a kernel problem that appeared on a
 * console since the last look fails (so it is reported once, where it appeared).
 * Without a built kernel nothing boots, and the tests skip with `needKernel`.
 */
export function withGuest(specs: () => Promise<GuestSpec[]>, o: { ready?: (guests: Guest[]) => Promise<void>; cleanup?: () => void } = {}): GuestFixture {
  const all: Guest[] = [];
  const seen = new Map<Guest, number>();
  const checkConsoles = () => {
    for (const g of all.filter(Boolean)) {
      const problems = findProblems(g.console).slice(seen.get(g) ?? 0);
      seen.set(g, (seen.get(g) ?? 0) + problems.length);
      assert.equal(problems.length, 0, `${g.opts.logFile}: ${formatProblems(problems)}`);
    }
  };

  before(async () => {
    if (!artifacts) return;
    const a = artifacts;
    const list = await specs();
    // Each guest is kept as soon as it starts, so a failed boot of another still gets it shut down.
    await Promise.all(list.map(async ({ name, readyMs, ...s }, i) => {
      all[i] = await Guest.boot({ kunit: false, ...s, bzImage: a.bzImage, initrd: a.initrd, logFile: join(tmpdir(), `knet-${name}-${process.pid}.log`) });
      await all[i].waitFor(READY, readyMs ?? 180_000);
    }));
    await o.ready?.(all);
  });

  afterEach(checkConsoles);

  after(async () => {
    await Promise.all(all.map((g) => g?.shutdown()));
    o.cleanup?.();
    checkConsoles();
  });

  return {
    all,
    get guest() {
      return all[0];
    },
  };
}
