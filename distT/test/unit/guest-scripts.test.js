// Which guest scripts `knet test --filter RE` sends to the guest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { guestTestNames } from '../../src/commands/test.js';
test('no filter selects every guest script, sorted like the guest runs them', () => {
    const all = guestTestNames();
    assert.ok(all.includes('fault_failslab') && all.includes('soak'), all.join(','));
    assert.deepEqual(all, [...all].sort());
});
test('a filter selects by script name without .sh', () => {
    assert.deepEqual(guestTestNames(/^fault_/), ['fault_failslab', 'fault_page_alloc']);
    assert.deepEqual(guestTestNames(/no-such-script/), []);
});
//# sourceMappingURL=guest-scripts.test.js.map