// SPDX-License-Identifier: GPL-2.0

//! API fuzzer for `kernel::net`: random sequences of safe calls.
//!
//! The promise of `kernel::net` is that code without `unsafe` cannot corrupt
//! memory, leak memory or references, or trip a kernel warning, whatever it
//! calls. This module tests that promise the way a careless user would break
//! it: every step picks a safe operation at random (create every family,
//! type and protocol in `init_net` or in a fresh namespace, bind, connect,
//! listen, accept, send and receive with random flags and lengths, every
//! option, shutdown, drop, and blocking calls from a second task while the
//! first shuts the socket down or drops it). Run it on a KASAN, lockdep and
//! kmemleak kernel: a report is a bug in `kernel::net`.
//!
//! Parameters: `seed` (the first seed), `seeds` (how many, one after the
//! other) and `ops` (operations per seed). Each seed is logged before it
//! runs, so a report is replayed with `seed=<that seed> seeds=1`. Loading
//! succeeds when every seed finished; the totals are logged.
//!
//! The module has no `unsafe`. Traffic stays on loopback: IP addresses are
//! loopback or unspecified, and raw, packet and netlink sockets only send in
//! the fuzzer's own namespaces (which have only a loopback device).

use core::{
    mem::MaybeUninit,
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};
use kernel::{
    net::{
        addr::{Ipv4Addr, Ipv6Addr, SockAddr, SockAddrStorage, UnixAddr},
        family::AddressFamily,
        ip::IpProtocol,
        message::{Datagram, IoSlice, IoSliceMut, MessageFlags, MessageHeader},
        namespace::Namespace,
        options::OptionLevel,
        socket::{Shutdown, Socket},
        socket_type::SocketType,
        tcp::{TcpListener, TcpStream},
        udp::UdpSocket,
        unix::{UnixDatagram, UnixListener, UnixStream},
    },
    prelude::*,
    sync::aref::ARef,
    sync::Arc,
    workqueue::{self, impl_has_work, new_work, Work, WorkItem},
};

module! {
    type: NetFuzz,
    name: "rust_net_fuzz",
    authors: ["knet developers"],
    description: "Random sequences of safe kernel::net calls",
    license: "GPL",
    params: {
        seed: u64 {
            default: 1,
            description: "first seed",
        },
        seeds: u32 {
            default: 8,
            description: "number of seeds to run",
        },
        ops: u32 {
            default: 500,
            description: "operations per seed",
        },
    },
}

/// Socket slots: small, so operations often meet the sockets others made.
const SLOTS: usize = 8;
/// Largest buffer: above 64 KiB, the largest datagram.
const MAX_LEN: usize = 70 * 1024;
/// How long the end of a seed waits for its background tasks.
const BACKGROUND_WAIT: Duration = Duration::from_secs(20);

/// Results that break a promise of the API (as opposed to errors, which are fine).
static VIOLATIONS: AtomicU64 = AtomicU64::new(0);

/// Records a broken promise; the load fails at the end.
fn violation(what: core::fmt::Arguments<'_>) {
    VIOLATIONS.fetch_add(1, Ordering::Relaxed);
    pr_err!("VIOLATION: {}\n", what);
}

/// A receive of `len` bytes may report more only when `MSG_TRUNC` asked for the real length.
fn check_received(got: usize, len: usize, flags: MessageFlags) {
    if got > len && !flags.contains(MessageFlags::TRUNC) {
        violation(format_args!("received {} bytes into {}", got, len));
    }
}

/// A datagram of `sent` bytes received into `cap` bytes: cut exactly when it did not fit.
fn check_datagram<A: core::fmt::Debug>(sent: usize, cap: usize, d: &Datagram<A>) {
    if d.len > cap || d.truncated != (sent > cap) {
        violation(format_args!("datagram of {} into {}: {:?}", sent, cap, d));
    }
}

/// xorshift64*: small and deterministic, so a seed replays.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    /// A length biased to the edges: 0, 1, small, around 64 KiB, the maximum.
    fn len(&mut self) -> usize {
        match self.below(6) {
            0 => 0,
            1 => 1,
            2 => self.below(64),
            3 => self.below(4096),
            4 => 65_507 + self.below(64),
            _ => self.below(MAX_LEN + 1),
        }
    }

    fn duration(&mut self) -> Duration {
        Duration::from_micros(1 + self.below(20_000) as u64)
    }
}

const LEVELS: [OptionLevel; 5] = [
    OptionLevel::Socket,
    OptionLevel::Ip,
    OptionLevel::Ipv6,
    OptionLevel::Tcp,
    OptionLevel::Udp,
];
const UNIX_NAMES: [&[u8]; 3] = [b"knet-fuzz-0", b"knet-fuzz-1", b"knet-fuzz-2"];

/// What a seed counts.
#[derive(Default)]
struct Totals {
    ops: u64,
    ok: u64,
    background: u64,
}

/// One seed's world: its sockets, its namespace, its background tasks.
struct Run {
    rng: Rng,
    slots: [Option<Arc<Socket>>; SLOTS],
    /// The fuzzer's own namespace (only loopback, brought up by nobody: down).
    own_ns: Option<ARef<Namespace>>,
    /// Background tasks report here when they finish.
    doorbell: Arc<UdpSocket>,
    doorbell_addr: kernel::net::addr::InetSocketAddr,
    pending: usize,
    data: KVec<u8>,
    buf: KVec<u8>,
    totals: Totals,
}

impl Run {
    fn new(seed: u64) -> Result<Self> {
        let doorbell = UdpSocket::bind(Namespace::init(), &"127.0.0.1:0".parse()?)?;
        let doorbell_addr = doorbell.local_addr()?;
        let mut rng = Rng::new(seed);
        let mut data = KVec::with_capacity(MAX_LEN, GFP_KERNEL)?;
        for _ in 0..MAX_LEN {
            data.push(rng.next() as u8, GFP_KERNEL)?;
        }
        Ok(Self {
            rng,
            slots: Default::default(),
            own_ns: Some(Namespace::create()?),
            doorbell: Arc::new(doorbell, GFP_KERNEL)?,
            doorbell_addr,
            pending: 0,
            data,
            buf: KVec::from_elem(0u8, MAX_LEN, GFP_KERNEL)?,
            totals: Totals::default(),
        })
    }

    fn namespace(&mut self) -> Result<ARef<Namespace>> {
        if self.rng.chance(2) {
            return Ok(Namespace::init().into());
        }
        if self.own_ns.is_none() {
            self.own_ns = Some(Namespace::create()?);
        }
        self.own_ns.clone().ok_or(ENOMEM)
    }

    fn slot(&mut self) -> Option<Arc<Socket>> {
        self.slots[self.rng.below(SLOTS)].clone()
    }

    fn store(&mut self, sock: Socket) {
        // Bounded waits, so no call of this thread can block for long.
        let _ = sock.set_read_timeout(Some(self.rng.duration()));
        let _ = sock.set_write_timeout(Some(self.rng.duration()));
        if let Ok(sock) = Arc::new(sock, GFP_KERNEL) {
            let i = self.rng.below(SLOTS);
            self.slots[i] = Some(sock);
        }
    }

    /// An address: mostly loopback or unspecified with ports in use, sometimes junk bytes.
    fn address(&mut self) -> SockAddr {
        let port = match self.slot().and_then(|s| s.local_addr().ok()) {
            Some(a) if !self.rng.chance(4) => a.port().unwrap_or(0),
            _ => self.rng.pick(&[0, 1, 7, 9, 65535]),
        };
        match self.rng.below(8) {
            0 => SockAddr::v4(Ipv4Addr::LOCALHOST, port),
            1 => SockAddr::v4(Ipv4Addr::new(127, 0, 0, self.rng.next() as u8), port),
            2 => SockAddr::v4(Ipv4Addr::UNSPECIFIED, port),
            3 => SockAddr::v6(Ipv6Addr::LOCALHOST, port),
            4 => SockAddr::v6(Ipv6Addr::UNSPECIFIED, port),
            5 => SockAddr::v6(Ipv4Addr::LOCALHOST.to_ipv6_mapped(), port),
            6 => self.junk_address(port),
            _ => {
                let name = self.rng.pick(&UNIX_NAMES);
                SockAddr::Unix(UnixAddr::abstract_name(name).unwrap_or(UnixAddr::unnamed()))
            }
        }
    }

    /// Random bytes through the parser; only loopback results are kept.
    fn junk_address(&mut self, port: u16) -> SockAddr {
        let mut raw = [0u8; 128];
        for b in raw.iter_mut() {
            *b = self.rng.next() as u8;
        }
        let family = self.rng.pick(&[1u16, 2, 10]);
        raw[..2].copy_from_slice(&family.to_ne_bytes());
        let len = self.rng.below(raw.len() + 1);
        match SockAddr::from_bytes(&raw[..len]) {
            Ok(SockAddr::V4(a)) if a.ip().is_loopback() => SockAddr::V4(a),
            Ok(SockAddr::V6(a)) if a.ip().is_loopback() => SockAddr::V6(a),
            Ok(a @ SockAddr::Unix(_)) => a,
            _ => SockAddr::v4(Ipv4Addr::LOCALHOST, port),
        }
    }

    /// Flags: a subset of the allowed ones, or any bits at all.
    fn flags(&mut self, allowed: MessageFlags) -> MessageFlags {
        let bits = self.rng.next() as u32;
        let mut f = if self.rng.chance(3) {
            MessageFlags::from_raw(bits)
        } else {
            MessageFlags::from_raw(bits & allowed.as_raw())
        };
        // Mostly without waiting: the bounded timeouts still cap the rest.
        if !self.rng.chance(4) {
            f |= MessageFlags::DONTWAIT;
        }
        f
    }

    /// Whether `sock` may send: raw, packet and netlink sockets only in the fuzzer's namespace.
    fn may_send(sock: &Socket) -> bool {
        let contained = matches!(
            sock.socket_type(),
            Ok(SocketType::Stream | SocketType::Datagram)
        ) && matches!(
            sock.family(),
            Ok(AddressFamily::Inet | AddressFamily::Inet6 | AddressFamily::Unix)
        );
        contained || !sock.namespace().is_init()
    }

    fn step(&mut self) -> Result {
        self.totals.ops += 1;
        match self.rng.below(20) {
            0 | 1 => self.create(),
            2 => self.with_slot(|r, s| s.bind(&r.address())),
            3 => self.with_slot(|r, s| s.listen(r.rng.pick(&[0, 1, 8, 4096, u32::MAX]))),
            4 => self.accept(),
            5 => self.with_slot(|r, s| s.connect(&r.address())),
            6 => self.with_slot(|_, s| s.local_addr().and(s.peer_addr()).map(|_| ())),
            7 => self.with_slot(|r, s| {
                s.shutdown(
                    r.rng
                        .pick(&[Shutdown::Read, Shutdown::Write, Shutdown::Both]),
                )
            }),
            8 | 9 => self.send(),
            10 | 11 => self.receive(),
            12 | 13 => self.options(),
            14 => self.with_slot(|r, s| {
                s.set_nonblocking(r.rng.chance(2));
                Ok(())
            }),
            15 => {
                let i = self.rng.below(SLOTS);
                self.slots[i] = None;
                Ok(())
            }
            16 => self.background(),
            17 => {
                // Dropped while its sockets (maybe orphaned connections) still live in it.
                self.own_ns = None;
                Ok(())
            }
            18 => self.wrappers(),
            _ => self.with_slot(|_, s| {
                let _ = (s.family(), s.socket_type(), s.protocol(), s.namespace());
                s.take_error().map(|_| ())
            }),
        }
    }

    fn with_slot(&mut self, f: impl FnOnce(&mut Self, &Socket) -> Result) -> Result {
        let Some(s) = self.slot() else {
            return self.create();
        };
        f(self, &s)
    }

    fn create(&mut self) -> Result {
        let family = self.rng.pick(&AddressFamily::ALL);
        let ty = self.rng.pick(&SocketType::ALL);
        let proto = self.rng.pick(&IpProtocol::ALL);
        let sock = if self.rng.chance(5) {
            Socket::new(family, ty, proto)?
        } else {
            let ns = self.namespace()?;
            Socket::new_kern(&ns, family, ty, proto)?
        };
        self.store(sock);
        Ok(())
    }

    fn accept(&mut self) -> Result {
        let Some(s) = self.slot() else {
            return self.create();
        };
        let new = s.accept()?;
        self.store(new);
        Ok(())
    }

    fn send(&mut self) -> Result {
        let Some(s) = self.slot() else {
            return self.create();
        };
        if !Self::may_send(&s) {
            return Ok(());
        }
        let flags = self.flags(MessageFlags::SEND_ALLOWED);
        let len = self.rng.len();
        let data = &self.data[..len];
        match self.rng.below(6) {
            0 => s.send(data, flags).map(|_| ()),
            1 => s.send_all(&data[..len.min(4096)], flags),
            2 => {
                let (a, b) = data.split_at(len / 3);
                let (b, c) = b.split_at(b.len() / 2);
                let v = [IoSlice::new(a), IoSlice::new(b), IoSlice::new(c)];
                s.send_vectored(&v[..1 + self.rng.below(3)], flags)
                    .map(|_| ())
            }
            3 => {
                let to = self.address();
                s.send_to(&self.data[..len], &to, flags).map(|_| ())
            }
            4 => {
                let to = self.address();
                let mut storage = SockAddrStorage::from(&to);
                s.send_to_storage(&self.data[..len], &mut storage, flags)
                    .map(|_| ())
            }
            _ => {
                let to = self.address();
                let mut control = [0u8; 64];
                let mut header = MessageHeader::new().to(&to);
                if self.rng.chance(4) {
                    header = header.control(&mut control);
                }
                let data = &self.data[..len];
                s.send_msg(&mut header, &[IoSlice::new(data)], flags)
                    .map(|_| ())
            }
        }
    }

    fn receive(&mut self) -> Result {
        let Some(s) = self.slot() else {
            return self.create();
        };
        let flags = self.flags(MessageFlags::RECV_ALLOWED);
        let len = self.rng.len();
        let choice = self.rng.below(5);
        let offset = self.rng.below(16);
        let buf = &mut self.buf[..len];
        match choice {
            0 => check_received(s.recv(buf, flags)?, len, flags),
            1 => {
                let mut uninit = [MaybeUninit::<u8>::uninit(); 2048];
                let n = len.min(uninit.len());
                let got = s.recv_uninit(&mut uninit[..n], flags)?;
                // Every byte handed out is read: KMSAN would see uninitialised ones.
                let _sum = got.iter().fold(0u8, |a, &b| a.wrapping_add(b));
                if got.len() > n {
                    violation(format_args!(
                        "recv_uninit handed out {} of {} bytes",
                        got.len(),
                        n
                    ));
                }
            }
            2 => {
                let (a, b) = buf.split_at_mut(len / 2);
                let got = s.recv_vectored(&mut [IoSliceMut::new(a), IoSliceMut::new(b)], flags)?;
                check_received(got, len, flags);
            }
            3 => check_received(s.recv_from(buf, flags)?.len, len, flags),
            _ => {
                let mut control = [0u8; 160];
                let room = control.len() - offset;
                let mut header = MessageHeader::new()
                    .with_peer()
                    .control(&mut control[offset..]);
                let r = s.recv_msg(&mut header, &mut [IoSliceMut::new(buf)], flags)?;
                check_received(r.len, len, flags);
                if header.control_len() > room {
                    violation(format_args!(
                        "{} bytes of control data in {}",
                        header.control_len(),
                        room
                    ));
                }
                let _ = header.control_messages().count();
            }
        }
        Ok(())
    }

    fn options(&mut self) -> Result {
        let Some(s) = self.slot() else {
            return self.create();
        };
        let v = self.rng.next() as u32;
        let on = self.rng.chance(2);
        match self.rng.below(24) {
            0 => s.set_reuse_addr(on),
            1 => s.set_reuse_port(on),
            2 => s.set_keepalive(on),
            3 => {
                s.set_priority(v % 16);
                s.priority().map(|_| ())
            }
            4 => {
                s.set_mark(v);
                s.mark().map(|_| ())
            }
            5 => s.set_recv_buffer_size(v as usize % (1 << 22)),
            6 => s.set_send_buffer_size(v as usize % (1 << 22)),
            7 => {
                let d = self.rng.duration();
                s.set_read_timeout(Some(d))?;
                s.read_timeout().map(|_| ())
            }
            8 => {
                // Never `None` (forever): no call of the fuzzer may block for good.
                s.set_write_timeout(Some(self.rng.duration()))?;
                s.write_timeout().map(|_| ())
            }
            9 => s.set_read_timeout(Some(Duration::ZERO)),
            10 => {
                s.set_no_linger();
                Ok(())
            }
            11 => s.set_nodelay(on),
            12 => s.set_keepidle(v % 40000),
            13 => s.set_keepintvl(v % 40000),
            14 => s.set_keepcnt(v % 200),
            15 => s.set_user_timeout(v),
            16 => s.set_tos(v as u8),
            17 => s.set_freebind(on),
            18 => s.set_pktinfo(on),
            19 => s.set_only_v6(on),
            20 => {
                let secs = self.rng.pick(&[0u64, 1, 2, u64::MAX]);
                s.set_linger(if on {
                    Some(Duration::from_secs(secs))
                } else {
                    None
                })
            }
            21 => {
                let name: &[u8] = self
                    .rng
                    .pick(&[b"lo".as_slice(), b"eth0", b"", b"no-such0"]);
                s.set_bind_to_device(if on { Some(name) } else { None })
            }
            22 => {
                let level = self.rng.pick(&LEVELS);
                // Mostly real option numbers (below 100), some far out.
                let name = if self.rng.chance(4) { v } else { v % 100 };
                s.set_option(level, name, self.rng.next() as i32)
            }
            _ => s
                .reuse_addr()
                .and(s.keepalive())
                .and(s.recv_buffer_size().map(|_| true))
                .and(s.send_buffer_size().map(|_| true))
                .and(s.is_listening())
                .map(|_| ()),
        }
    }

    /// A blocking call from a work item on a shared socket, while this
    /// thread goes on: it may shut the socket down, or drop its reference,
    /// so the last reference can go in the work item.
    fn background(&mut self) -> Result {
        let Some(s) = self.slot() else {
            return self.create();
        };
        let what = self.rng.below(4);
        let len = self.rng.len().min(4096);
        let to = self.address();
        let (doorbell, bell) = (self.doorbell.clone(), self.doorbell_addr);
        let work = Arc::pin_init(
            pin_init!(Background {
                sock: Some(s),
                what,
                len,
                to,
                doorbell,
                bell,
                work <- new_work!("rust_net_fuzz::background"),
            }),
            GFP_KERNEL,
        )?;
        // A new work item is never already queued.
        let _ = workqueue::system().enqueue(work);
        self.pending += 1;
        self.totals.background += 1;
        // Often, act on it right away from this side.
        match self.rng.below(3) {
            0 => {
                let i = self.rng.below(SLOTS);
                if let Some(s) = self.slots[i].as_ref() {
                    let _ = s.shutdown(Shutdown::Both);
                }
            }
            1 => {
                let i = self.rng.below(SLOTS);
                self.slots[i] = None;
            }
            _ => {}
        }
        Ok(())
    }

    /// The typed wrappers, end to end on loopback.
    fn wrappers(&mut self) -> Result {
        let ns = self.namespace()?;
        match self.rng.below(3) {
            0 => {
                let v6 = self.rng.chance(2);
                let any = if v6 { "[::1]:0" } else { "127.0.0.1:0" };
                let l = TcpListener::bind(&ns, &any.parse()?, 4)?;
                l.set_nonblocking(self.rng.chance(2));
                let c = TcpStream::connect(&ns, &l.local_addr()?)?;
                let (s, _) = l.accept()?;
                let len = self.rng.len().min(8192);
                c.set_write_timeout(Some(self.rng.duration()))?;
                s.set_read_timeout(Some(self.rng.duration()))?;
                c.write_all(&self.data[..len])?;
                let mut uninit = [MaybeUninit::<u8>::uninit(); 512];
                let got = s.read_uninit(&mut uninit)?;
                if got.len() > len || got[..] != self.data[..got.len()] {
                    violation(format_args!(
                        "TCP read_uninit returned bytes that were not sent"
                    ));
                }
                if self.rng.chance(2) {
                    c.shutdown(Shutdown::Both)?;
                }
                Ok(())
            }
            1 => {
                let a = UdpSocket::bind(&ns, &"127.0.0.1:0".parse()?)?;
                let len = self.rng.len();
                a.set_read_timeout(Some(self.rng.duration()))?;
                a.send_to(&self.data[..len], &a.local_addr()?)?;
                let cap = self.rng.len();
                let d = a.recv_from(&mut self.buf[..cap])?;
                check_datagram(len, cap, &d);
                Ok(())
            }
            _ => {
                let name = UnixAddr::abstract_name(self.rng.pick(&UNIX_NAMES))?;
                if self.rng.chance(2) {
                    let l = UnixListener::bind(&ns, &name, 2)?;
                    let c = UnixStream::connect(&ns, &name)?;
                    let (s, _) = l.accept()?;
                    c.write_all(b"unix")?;
                    let mut buf = [0u8; 4];
                    s.read(&mut buf).map(|_| ())
                } else {
                    let d = UnixDatagram::bind(&ns, &name)?;
                    d.as_socket().set_read_timeout(Some(self.rng.duration()))?;
                    let len = self.rng.len().min(4096);
                    d.send_to(&self.data[..len], &name)?;
                    let cap = self.rng.len().min(4096);
                    let got = d.recv_from(&mut self.buf[..cap])?;
                    check_datagram(len, cap, &got);
                    Ok(())
                }
            }
        }
    }

    /// Ends the seed: wakes and waits for every background task, drops everything.
    fn finish(mut self) -> Result<Totals> {
        for s in self.slots.iter().flatten() {
            let _ = s.shutdown(Shutdown::Both);
        }
        self.slots = Default::default();
        self.own_ns = None;
        self.doorbell.set_read_timeout(Some(BACKGROUND_WAIT))?;
        let mut bell = [0u8; 4];
        while self.pending > 0 {
            if self.doorbell.recv_from(&mut bell).is_err() {
                pr_err!(
                    "{} background task(s) still blocked after {:?}\n",
                    self.pending,
                    BACKGROUND_WAIT
                );
                return Err(ETIMEDOUT);
            }
            self.pending -= 1;
        }
        Ok(self.totals)
    }
}

/// A blocking call on a shared socket, run by a work item while the fuzzer
/// goes on.
///
/// Not `Queue::try_spawn`: its lock class key lives in the kernel crate while
/// the class name is instantiated in the module, so lockdep warns ("same key,
/// different name"). `new_work!` here keeps both in this module.
#[pin_data]
struct Background {
    sock: Option<Arc<Socket>>,
    what: usize,
    len: usize,
    to: SockAddr,
    doorbell: Arc<UdpSocket>,
    bell: kernel::net::addr::InetSocketAddr,
    #[pin]
    work: Work<Background>,
}

impl_has_work! {
    impl HasWork<Self> for Background { self.work }
}

impl WorkItem for Background {
    type Pointer = Arc<Background>;

    fn run(this: Arc<Background>) {
        let mut buf = [0u8; 4096];
        let len = this.len;
        if let Some(s) = this.sock.as_ref() {
            let _ = match this.what {
                0 => s.accept().map(|_| ()),
                1 => s.recv(&mut buf[..len], MessageFlags::WAITALL).map(|_| ()),
                2 if Run::may_send(s) => s.send(&buf[..len], MessageFlags::NONE).map(|_| ()),
                2 => Ok(()),
                _ => s.connect(&this.to),
            };
        }
        let (doorbell, bell) = (this.doorbell.clone(), this.bell);
        // The last reference to the socket may go here, in the work item.
        drop(this);
        let _ = doorbell.send_to(b"done", &bell);
    }
}

struct NetFuzz;

impl kernel::Module for NetFuzz {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let first = module_parameters::seed.value();
        let seeds = module_parameters::seeds.value();
        let ops = module_parameters::ops.value();
        let mut total = Totals::default();
        for seed in first..first.saturating_add(seeds.into()) {
            pr_info!("seed {:#x}: {} operations\n", seed, ops);
            let mut run = Run::new(seed)?;
            for _ in 0..ops {
                if run.step().is_ok() {
                    run.totals.ok += 1;
                }
            }
            let t = run
                .finish()
                .inspect_err(|e| pr_err!("seed {:#x} failed: {:?}\n", seed, e))?;
            total.ops += t.ops;
            total.ok += t.ok;
            total.background += t.background;
        }
        let violations = VIOLATIONS.load(Ordering::Relaxed);
        pr_info!(
            "{} operations ({} succeeded, {} from a second task), \
             {} seeds from {:#x}, {} violations\n",
            total.ops,
            total.ok,
            total.background,
            seeds,
            first,
            violations
        );
        if violations > 0 {
            return Err(EIO);
        }
        Ok(NetFuzz)
    }
}
