// The host-side IPv4/UDP peer: checksums, fragmentation and reassembly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ipChecksum, ipv4Fragments, udpPacket, Reassembler, PEER_IP } from '../../src/guest/l2peer.js';
test('IPv4 header checksum matches a known header', () => {
    // RFC 1071 style example: a header whose checksum field is zeroed.
    const h = Buffer.from('450000730000400040110000c0a80001c0a800c7', 'hex');
    assert.equal(ipChecksum(h), 0xb861);
    h.writeUInt16BE(0xb861, 10);
    assert.equal(ipChecksum(h), 0);
});
test('a small datagram is one packet with a valid checksum', () => {
    const [p, ...rest] = ipv4Fragments(7, PEER_IP, Buffer.from([10, 0, 3, 15]), udpPacket(1, 2, Buffer.from('hi')));
    assert.equal(rest.length, 0);
    assert.equal(p.readUInt16BE(2), 20 + 8 + 2);
    assert.equal(ipChecksum(p.subarray(0, 20)), 0);
    assert.equal(p.readUInt16BE(6) & 0x3fff, 0);
});
test('a 65507-byte datagram fragments in 8-byte units and reassembles, in any order', () => {
    const data = randomBytes(65507);
    const frags = ipv4Fragments(9, PEER_IP, PEER_IP, udpPacket(1000, 7, data));
    assert.ok(frags.length > 40);
    for (const f of frags.slice(0, -1))
        assert.equal((f.readUInt16BE(2) - 20) % 8, 0);
    const r = new Reassembler();
    const shuffled = [...frags].reverse();
    const results = shuffled.map((f) => r.push(f)).filter(Boolean);
    assert.equal(results.length, 1);
    assert.equal(results[0].srcPort, 1000);
    assert.equal(results[0].dstPort, 7);
    assert.ok(results[0].data.equals(data));
});
test('an incomplete datagram is not delivered', () => {
    const frags = ipv4Fragments(3, PEER_IP, PEER_IP, udpPacket(1, 2, randomBytes(4000)));
    const r = new Reassembler();
    assert.equal(r.push(frags[0]), undefined);
    assert.equal(r.push(frags[2]), undefined);
});
//# sourceMappingURL=l2peer.test.js.map