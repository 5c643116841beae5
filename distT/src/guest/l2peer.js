// A minimal IPv4/UDP host on a QEMU `-netdev dgram` link, so host tests can
// exchange UDP datagrams with the guest without slirp (whose restrict=on
// mode drops UDP replies to forwarded ports). It answers ARP, sends IPv4
// UDP (fragmented above the MTU) and reassembles what the guest sends back.
import { createSocket } from 'node:dgram';
export const PEER_MAC = Buffer.from([0x52, 0x54, 0x00, 0x00, 0x03, 0x02]);
export const GUEST_MAC = Buffer.from([0x52, 0x54, 0x00, 0x00, 0x03, 0x0f]);
export const PEER_IP = Buffer.from([10, 0, 3, 2]);
export const GUEST_L2_IP = '10.0.3.15';
const GUEST_IP = Buffer.from([10, 0, 3, 15]);
const MTU = 1500;
/** The Internet checksum of an IPv4 header. */
export function ipChecksum(header) {
    let sum = 0;
    for (let i = 0; i < header.length; i += 2)
        sum += header.readUInt16BE(i);
    while (sum > 0xffff)
        sum = (sum & 0xffff) + (sum >>> 16);
    return ~sum & 0xffff;
}
function ethernet(dst, type, payload) {
    const h = Buffer.alloc(14);
    dst.copy(h, 0);
    PEER_MAC.copy(h, 6);
    h.writeUInt16BE(type, 12);
    return Buffer.concat([h, payload]);
}
/** IPv4 packets (one per fragment) carrying `udp` (header and data). */
export function ipv4Fragments(id, src, dst, udp) {
    const maxData = Math.floor((MTU - 20) / 8) * 8;
    const out = [];
    for (let off = 0; off < udp.length || off === 0; off += maxData) {
        const chunk = udp.subarray(off, off + maxData);
        const more = off + maxData < udp.length;
        const h = Buffer.alloc(20);
        h[0] = 0x45;
        h.writeUInt16BE(20 + chunk.length, 2);
        h.writeUInt16BE(id, 4);
        h.writeUInt16BE((more ? 0x2000 : 0) | (off / 8), 6);
        h[8] = 64;
        h[9] = 17;
        src.copy(h, 12);
        dst.copy(h, 16);
        h.writeUInt16BE(ipChecksum(h), 10);
        out.push(Buffer.concat([h, chunk]));
        if (!more)
            break;
    }
    return out;
}
export function udpPacket(sport, dport, data) {
    const h = Buffer.alloc(8);
    h.writeUInt16BE(sport, 0);
    h.writeUInt16BE(dport, 2);
    h.writeUInt16BE(8 + data.length, 4);
    // A zero checksum means "none" for UDP over IPv4.
    return Buffer.concat([h, data]);
}
/** Reassembles IPv4 fragments into whole UDP datagrams. */
export class Reassembler {
    parts = new Map();
    /** Feeds one IPv4 packet; returns a datagram when one is complete. */
    push(ip) {
        const ihl = (ip[0] & 0x0f) * 4;
        if (ip[9] !== 17)
            return undefined;
        const id = ip.readUInt16BE(4);
        const flags = ip.readUInt16BE(6);
        const offset = (flags & 0x1fff) * 8;
        const more = (flags & 0x2000) !== 0;
        const payload = ip.subarray(ihl, ip.readUInt16BE(2));
        const entry = this.parts.get(id) ?? { chunks: new Map() };
        entry.chunks.set(offset, Buffer.from(payload));
        if (!more)
            entry.total = offset + payload.length;
        this.parts.set(id, entry);
        if (entry.total === undefined)
            return undefined;
        const have = [...entry.chunks.values()].reduce((n, c) => n + c.length, 0);
        if (have < entry.total)
            return undefined;
        this.parts.delete(id);
        const udp = Buffer.alloc(entry.total);
        for (const [off, c] of entry.chunks)
            c.copy(udp, off);
        return { srcPort: udp.readUInt16BE(0), dstPort: udp.readUInt16BE(2), data: udp.subarray(8, udp.readUInt16BE(4)) };
    }
}
/** The Node end of a QEMU dgram netdev: a host at 10.0.3.2 on the guest's eth1. */
export class L2Peer {
    port;
    qemuPort;
    sock;
    reasm = new Reassembler();
    nextId = 1;
    waiters = [];
    received = [];
    constructor(sock, port, qemuPort) {
        this.port = port;
        this.qemuPort = qemuPort;
        this.sock = sock;
        sock.on('message', (frame) => this.onFrame(frame));
    }
    /** Binds the host side on 127.0.0.1; QEMU binds `qemuPort`. */
    static async open(qemuPort) {
        const sock = createSocket('udp4');
        await new Promise((resolve) => sock.bind(0, '127.0.0.1', resolve));
        return new L2Peer(sock, sock.address().port, qemuPort);
    }
    /** The QEMU `-netdev` argument for the guest side of this link. */
    netdev(id) {
        return `dgram,id=${id},local.type=inet,local.host=127.0.0.1,local.port=${this.qemuPort},remote.type=inet,remote.host=127.0.0.1,remote.port=${this.port}`;
    }
    send(frame) {
        this.sock.send(frame, this.qemuPort, '127.0.0.1');
    }
    onFrame(frame) {
        const type = frame.readUInt16BE(12);
        const body = frame.subarray(14);
        if (type === 0x0806 && body.readUInt16BE(6) === 1 && body.subarray(24, 28).equals(PEER_IP)) {
            // ARP request for us: reply with our MAC.
            const reply = Buffer.alloc(28);
            body.copy(reply, 0, 0, 6);
            reply.writeUInt16BE(2, 6);
            PEER_MAC.copy(reply, 8);
            PEER_IP.copy(reply, 14);
            body.copy(reply, 18, 8, 14);
            body.copy(reply, 24, 14, 18);
            this.send(ethernet(body.subarray(8, 14), 0x0806, reply));
            return;
        }
        if (type === 0x0800) {
            const d = this.reasm.push(body);
            if (!d)
                return;
            const w = this.waiters.shift();
            if (w)
                w(d);
            else
                this.received.push(d);
        }
    }
    /** Sends one UDP datagram from 10.0.3.2:`srcPort` to the guest's `dstPort`. */
    sendUdp(srcPort, dstPort, data) {
        const id = this.nextId++ & 0xffff;
        for (const ip of ipv4Fragments(id, PEER_IP, GUEST_IP, udpPacket(srcPort, dstPort, data))) {
            this.send(ethernet(GUEST_MAC, 0x0800, ip));
        }
    }
    /** The next datagram from the guest. */
    receive(timeoutMs) {
        const ready = this.received.shift();
        if (ready)
            return Promise.resolve(ready);
        return new Promise((resolve, reject) => {
            const timer = setTimeout(() => {
                this.waiters = this.waiters.filter((w) => w !== done);
                reject(new Error(`no datagram from the guest within ${timeoutMs} ms`));
            }, timeoutMs);
            const done = (d) => {
                clearTimeout(timer);
                resolve(d);
            };
            this.waiters.push(done);
        });
    }
    close() {
        this.sock.close();
    }
}
//# sourceMappingURL=l2peer.js.map