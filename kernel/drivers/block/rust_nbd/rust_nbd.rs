// SPDX-License-Identifier: GPL-2.0

//! A Network Block Device client written with `kernel::net`.
//!
//! `rust_nbd` connects to an NBD server over TCP when it loads, negotiates
//! an export with the newstyle handshake (`NBD_OPT_GO`, or
//! `NBD_OPT_EXPORT_NAME` where the server lacks it) and exposes it as the disk
//! `/dev/rust_nbd0`. Reads, writes (with FUA), flushes, trims and
//! write-zeroes become NBD commands; their data is sent from and received
//! straight into the requests' pages.
//!
//! Parameters: `address` and `port` of the server (default `127.0.0.1:10809`),
//! `export` (the export's name, default empty), `connections` (default 1;
//! more than one needs a server that allows it), `queue_depth` (requests in
//! flight per connection, default 64) and `timeout` (seconds a request may
//! wait for its reply before the connections are dropped and every pending
//! request fails, default 30).
//!
//! Protocol: [NBD protocol](https://github.com/NetworkBlockDevice/nbd/blob/master/doc/proto.md).
//! The C driver that does the same is
//! [`drivers/block/nbd.c`](srctree/drivers/block/nbd.c), set up from user
//! space by `nbd-client`; this one does the handshake itself.
//!
//! # Design
//!
//! - Each connection serves one hardware queue of the tag set ([`Connections`]):
//!   a request goes out on its queue's connection and is answered there.
//! - `queue_rq` blocks (the tag set is [`TagSetFlags::BLOCKING`]): it sends
//!   the command and its data under the send lock. A signal to the task it
//!   runs in may interrupt the send: the rest goes out from the module's
//!   workqueue ([`Unfinished`]).
//! - One work item per connection on the module's workqueue receives replies
//!   for as long as the connection lives. A reply names its request by
//!   cookie, which is the request's tag: [`Inflight`] maps tags to requests.
//! - When a connection ends (the server closed it, a reply was malformed,
//!   a request got no reply within `timeout`, or the module unloads), so do
//!   the others: every request in flight fails with `EIO`, and so does every
//!   new one.

use core::time::Duration;
use kernel::{
    block::{
        mq::{
            gen_disk::{GenDisk, GenDiskBuilder},
            Command, Operations, Request, TagSet, TagSetFlags, TimeoutAction,
        },
        SECTOR_SHIFT,
    },
    module_param::ModuleParam,
    net::{
        addr::{InetSocketAddr, IpAddr, Ipv4Addr},
        message::MessageFlags,
        namespace::Namespace,
        socket::Shutdown,
        tcp::TcpStream,
    },
    new_mutex,
    prelude::*,
    str::BStr,
    sync::{aref::ARef, new_condvar, Arc, ArcBorrow, CondVar, Mutex},
    time::Delta,
    workqueue::{impl_has_work, new_work, OwnedQueue, QueueFlags, QueueHandle, Work, WorkItem},
};

module! {
    type: RustNbd,
    name: "rust_nbd",
    authors: ["knet developers"],
    description: "NBD client block device written with kernel::net",
    license: "GPL",
    params: {
        address: IpAddr {
            default: IpAddr::V4(Ipv4Addr::LOCALHOST),
            description: "IPv4 or IPv6 address of the NBD server",
        },
        port: u16 {
            default: 10809,
            description: "TCP port of the NBD server",
        },
        export: ExportName {
            default: ExportName::DEFAULT,
            description: "name of the export (default: the server's default export)",
        },
        connections: u32 {
            default: 1,
            description: "connections to the server, one per hardware queue (1..16)",
        },
        queue_depth: u32 {
            default: 64,
            description: "requests in flight per connection (1..1024)",
        },
        timeout: u32 {
            default: 30,
            description: "seconds a request waits for its reply before the connection is dropped",
        },
    },
}

/// The protocol's numbers (`proto.md`).
mod proto {
    pub(crate) const NBDMAGIC: u64 = 0x4e42_444d_4147_4943;
    pub(crate) const IHAVEOPT: u64 = 0x4948_4156_454f_5054;
    pub(crate) const CLISERV_MAGIC: u64 = 0x0000_4202_8186_1253;
    pub(crate) const OPTION_REPLY_MAGIC: u64 = 0x0003_e889_0455_65a9;
    pub(crate) const REQUEST_MAGIC: u32 = 0x2560_9513;
    pub(crate) const SIMPLE_REPLY_MAGIC: u32 = 0x6744_6698;

    pub(crate) const FLAG_FIXED_NEWSTYLE: u16 = 1 << 0;
    pub(crate) const FLAG_NO_ZEROES: u16 = 1 << 1;

    pub(crate) const OPT_EXPORT_NAME: u32 = 1;
    pub(crate) const OPT_GO: u32 = 7;
    pub(crate) const REP_ACK: u32 = 1;
    pub(crate) const REP_INFO: u32 = 3;
    pub(crate) const REP_ERR_UNSUP: u32 = (1 << 31) | 1;
    pub(crate) const REP_ERR_POLICY: u32 = (1 << 31) | 2;
    pub(crate) const REP_ERR_UNKNOWN: u32 = (1 << 31) | 6;
    pub(crate) const INFO_EXPORT: u16 = 0;
    pub(crate) const INFO_BLOCK_SIZE: u16 = 3;

    pub(crate) const TFLAG_READ_ONLY: u16 = 1 << 1;
    pub(crate) const TFLAG_SEND_FLUSH: u16 = 1 << 2;
    pub(crate) const TFLAG_SEND_FUA: u16 = 1 << 3;
    pub(crate) const TFLAG_ROTATIONAL: u16 = 1 << 4;
    pub(crate) const TFLAG_SEND_TRIM: u16 = 1 << 5;
    pub(crate) const TFLAG_SEND_WRITE_ZEROES: u16 = 1 << 6;
    pub(crate) const TFLAG_CAN_MULTI_CONN: u16 = 1 << 8;

    pub(crate) const CMD_READ: u16 = 0;
    pub(crate) const CMD_WRITE: u16 = 1;
    pub(crate) const CMD_DISC: u16 = 2;
    pub(crate) const CMD_FLUSH: u16 = 3;
    pub(crate) const CMD_TRIM: u16 = 4;
    pub(crate) const CMD_WRITE_ZEROES: u16 = 6;
    pub(crate) const CMD_FLAG_FUA: u16 = 1 << 0;
    pub(crate) const CMD_FLAG_NO_HOLE: u16 = 1 << 1;

    /// The longest export name the protocol allows.
    pub(crate) const MAX_NAME: usize = 4096;
}

/// The longest export name this module takes as a parameter.
const EXPORT_NAME_MAX: usize = 64;

/// The `export` parameter: a name of up to [`EXPORT_NAME_MAX`] bytes.
#[derive(Clone, Copy)]
struct ExportName {
    bytes: [u8; EXPORT_NAME_MAX],
    len: usize,
}

impl ExportName {
    const DEFAULT: Self = Self {
        bytes: [0; EXPORT_NAME_MAX],
        len: 0,
    };

    fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or(&[])
    }
}

impl ModuleParam for ExportName {
    fn try_from_param_arg(arg: &BStr) -> Result<Self> {
        let mut name = Self::DEFAULT;
        name.bytes
            .get_mut(..arg.len())
            .ok_or(ENAMETOOLONG)?
            .copy_from_slice(arg);
        name.len = arg.len();
        Ok(name)
    }
}

/// What the handshake learnt about the export.
struct Export {
    size: u64,
    flags: u16,
    /// The smallest block the server can address (`NBD_INFO_BLOCK_SIZE`).
    min_block: u32,
    /// The block size the server prefers.
    preferred_block: u32,
    /// The largest request the server takes.
    max_request: u32,
}

/// Reads `N` bytes of the handshake.
fn read_array<const N: usize>(stream: &TcpStream) -> Result<[u8; N]> {
    let mut buf = [0u8; N];
    stream.read_exact(&mut buf)?;
    Ok(buf)
}

fn read_u16(stream: &TcpStream) -> Result<u16> {
    Ok(u16::from_be_bytes(read_array(stream)?))
}

fn read_u32(stream: &TcpStream) -> Result<u32> {
    Ok(u32::from_be_bytes(read_array(stream)?))
}

fn read_u64(stream: &TcpStream) -> Result<u64> {
    Ok(u64::from_be_bytes(read_array(stream)?))
}

/// Reads and drops `len` bytes the handshake does not use.
fn skip(stream: &TcpStream, mut len: usize) -> Result {
    let mut buf = [0u8; 64];
    while len > 0 {
        let n = len.min(buf.len());
        stream.read_exact(&mut buf[..n])?;
        len -= n;
    }
    Ok(())
}

/// Sends an option request with its data.
fn send_option(stream: &TcpStream, option: u32, data: &[&[u8]]) -> Result {
    let len: usize = data.iter().map(|d| d.len()).sum();
    let mut head = [0u8; 16];
    head[..8].copy_from_slice(&proto::IHAVEOPT.to_be_bytes());
    head[8..12].copy_from_slice(&option.to_be_bytes());
    head[12..].copy_from_slice(&u32::try_from(len)?.to_be_bytes());
    stream.write_all(&head)?;
    for d in data {
        stream.write_all(d)?;
    }
    Ok(())
}

/// The newstyle handshake, up to the start of transmission.
fn handshake(stream: &TcpStream, name: &[u8]) -> Result<Export> {
    if read_u64(stream)? != proto::NBDMAGIC {
        pr_err!("the server did not greet with NBDMAGIC: not an NBD server\n");
        return Err(EPROTO);
    }
    match read_u64(stream)? {
        proto::IHAVEOPT => {}
        proto::CLISERV_MAGIC => {
            pr_err!("the server speaks the oldstyle protocol, which is not supported\n");
            return Err(EPROTONOSUPPORT);
        }
        _ => {
            pr_err!("the server's greeting has an unknown magic\n");
            return Err(EPROTO);
        }
    }
    let server_flags = read_u16(stream)?;
    let fixed = server_flags & proto::FLAG_FIXED_NEWSTYLE != 0;
    let no_zeroes = server_flags & proto::FLAG_NO_ZEROES != 0;
    let client_flags =
        u32::from(server_flags & (proto::FLAG_FIXED_NEWSTYLE | proto::FLAG_NO_ZEROES));
    stream.write_all(&client_flags.to_be_bytes())?;
    let mut export = Export {
        size: 0,
        flags: 0,
        min_block: 512,
        preferred_block: 4096,
        max_request: 32 << 20,
    };
    if !fixed {
        // Without fixed newstyle, a server may drop the connection on any other option.
        return export_name(stream, name, no_zeroes, export);
    }

    let name_len = u32::try_from(name.len())?.to_be_bytes();
    let info_requests = [0, 1, 0, proto::INFO_BLOCK_SIZE as u8];
    send_option(
        stream,
        proto::OPT_GO,
        &[&name_len[..], name, &info_requests[..]],
    )?;
    let mut have_export = false;
    loop {
        if read_u64(stream)? != proto::OPTION_REPLY_MAGIC || read_u32(stream)? != proto::OPT_GO {
            pr_err!("malformed option reply\n");
            return Err(EPROTO);
        }
        let reply = read_u32(stream)?;
        let len = usize::try_from(read_u32(stream)?)?;
        if len > proto::MAX_NAME + 64 {
            pr_err!("option reply of {} bytes is too long\n", len);
            return Err(EPROTO);
        }
        match reply {
            proto::REP_ACK if have_export => {
                skip(stream, len)?;
                return Ok(export);
            }
            proto::REP_INFO if len >= 2 => {
                let info = read_u16(stream)?;
                match info {
                    proto::INFO_EXPORT if len == 12 => {
                        export.size = read_u64(stream)?;
                        export.flags = read_u16(stream)?;
                        have_export = true;
                    }
                    proto::INFO_BLOCK_SIZE if len == 14 => {
                        export.min_block = read_u32(stream)?;
                        export.preferred_block = read_u32(stream)?;
                        export.max_request = read_u32(stream)?;
                    }
                    _ => skip(stream, len - 2)?,
                }
            }
            proto::REP_ERR_UNSUP => {
                skip(stream, len)?;
                return export_name(stream, name, no_zeroes, export);
            }
            proto::REP_ERR_UNKNOWN => {
                pr_err!("the server has no such export\n");
                return Err(ENOENT);
            }
            proto::REP_ERR_POLICY => {
                pr_err!("the server refused the export by policy\n");
                return Err(EACCES);
            }
            _ => {
                pr_err!("the server answered NBD_OPT_GO with {:#x}\n", reply);
                return Err(EPROTO);
            }
        }
    }
}

/// Chooses the export with `NBD_OPT_EXPORT_NAME`, which older servers and servers without
/// fixed newstyle take instead of `NBD_OPT_GO`: the answer is the export's size and flags, no
/// block sizes, and a server without the export closes the connection instead of answering.
fn export_name(
    stream: &TcpStream,
    name: &[u8],
    no_zeroes: bool,
    mut export: Export,
) -> Result<Export> {
    send_option(stream, proto::OPT_EXPORT_NAME, &[name])?;
    export.size = read_u64(stream).inspect_err(|&e| {
        if e == ECONNRESET {
            pr_err!("the server closed the connection at NBD_OPT_EXPORT_NAME: no such export?\n");
        }
    })?;
    export.flags = read_u16(stream)?;
    if !no_zeroes {
        skip(stream, 124)?;
    }
    Ok(export)
}

/// A send that took nothing: the stream no longer takes data.
fn nonzero(sent: usize) -> Result<usize> {
    if sent == 0 {
        Err(EPIPE)
    } else {
        Ok(sent)
    }
}

/// A command's header (a "request" in the protocol's words).
fn command_header(cmd: u16, flags: u16, cookie: u64, offset: u64, len: u32) -> [u8; 28] {
    let mut header = [0u8; 28];
    header[..4].copy_from_slice(&proto::REQUEST_MAGIC.to_be_bytes());
    header[4..6].copy_from_slice(&flags.to_be_bytes());
    header[6..8].copy_from_slice(&cmd.to_be_bytes());
    header[8..16].copy_from_slice(&cookie.to_be_bytes());
    header[16..24].copy_from_slice(&offset.to_be_bytes());
    header[24..].copy_from_slice(&len.to_be_bytes());
    header
}

/// Where a request in flight is, by tag.
enum Slot {
    /// No request has this tag.
    Free,
    /// A write whose data is still being sent: the sender owns the request.
    Sending,
    /// Sent; the reply ends it.
    Waiting(ARef<Request<NbdDevice>>),
    /// A write whose reply came before its sender was done with it: the
    /// sender ends it with this status.
    Answered(Result),
}

/// The requests in flight on the connection.
struct Inflight {
    slots: KVec<Slot>,
    /// The connection is gone: new requests fail, none is waiting.
    dead: bool,
}

impl Inflight {
    /// `depth` free slots.
    fn new(depth: u32) -> Result<Self> {
        let mut slots = KVec::with_capacity(depth as usize, GFP_KERNEL)?;
        for _ in 0..depth {
            slots.push(Slot::Free, GFP_KERNEL)?;
        }
        Ok(Inflight { slots, dead: false })
    }

    /// The slot of the request whose tag is `cookie`, if there is one.
    fn slot(&mut self, cookie: u64) -> Option<&mut Slot> {
        usize::try_from(cookie)
            .ok()
            .and_then(|tag| self.slots.get_mut(tag))
    }
}

/// A command that a signal interrupted part way through its sending.
///
/// `queue_rq` may run in the task that submitted the I/O, and a signal to
/// that task ends a send that waits for room in the socket. The rest of the
/// command goes out from the module's workqueue, where no signal comes
/// (`Connection::run`); until it has, no other command may, as the server
/// would read it as the rest of this one.
struct Unfinished {
    tag: u32,
    header: [u8; 28],
    /// A write's request, whose pages are the rest of the command.
    write: Option<ARef<Request<NbdDevice>>>,
    /// Bytes of the header and then the data already on the stream.
    sent: usize,
}

/// A connection to the server, shared by `queue_rq`, its receive work item
/// and the module.
#[pin_data]
struct Connection {
    stream: TcpStream,
    timeout: Duration,
    /// Held while a command and its data go out, so commands do not
    /// interleave; holds the command a signal interrupted, if any.
    #[pin]
    sending: Mutex<Option<Unfinished>>,
    /// Signalled when the rest of an unfinished command went out.
    #[pin]
    finished: CondVar,
    /// Sends the rest of an unfinished command.
    #[pin]
    finisher: Work<Connection>,
    /// The module's queue, which `finisher` runs on.
    queue: QueueHandle,
    #[pin]
    inflight: Mutex<Inflight>,
}

impl_has_work! {
    impl HasWork<Self> for Connection { self.finisher }
}

impl WorkItem for Connection {
    type Pointer = Arc<Connection>;

    /// Sends the rest of the command a signal interrupted, then lets the next
    /// command go out.
    fn run(conn: Arc<Connection>) {
        let mut sending = conn.sending.lock();
        let Some(mut unfinished) = sending.take() else {
            return;
        };
        let result = conn.send_command(
            &unfinished.header,
            unfinished.write.as_deref(),
            &mut unfinished.sent,
        );
        let done = conn.after_send(unfinished.tag, unfinished.write, result);
        drop(sending);
        conn.finished.notify_all();
        if let Some((rq, status)) = done {
            end(rq, status);
        }
    }
}

impl Connection {
    /// Sends a command's header, then a write's data from the request's
    /// pages, from byte `sent` of the two on (0 unless it resumes a command a
    /// signal interrupted); `sent` counts what goes out, so that an interrupted
    /// send can resume where it stopped.
    fn send_command(
        &self,
        header: &[u8; 28],
        write: Option<&Request<NbdDevice>>,
        sent: &mut usize,
    ) -> Result {
        let socket = self.stream.as_socket();
        let more = if write.is_some() {
            MessageFlags::MORE
        } else {
            MessageFlags::NONE
        };
        while let Some(rest) = header.get(*sent..).filter(|rest| !rest.is_empty()) {
            *sent += nonzero(socket.send(rest, more)?)?;
        }
        let Some(rq) = write else {
            return Ok(());
        };
        let mut skip = *sent - header.len();
        let mut bios = rq.bio_iter().peekable();
        while let Some(bio) = bios.next() {
            let flags = if bios.peek().is_some() {
                MessageFlags::MORE
            } else {
                MessageFlags::NONE
            };
            if skip >= bio.len() {
                skip -= bio.len();
                continue;
            }
            bio.with_source(|data| -> Result {
                data.advance(skip);
                skip = 0;
                while !data.is_empty() {
                    *sent += nonzero(socket.send_iter(data, flags)?)?;
                }
                Ok(())
            })?;
        }
        Ok(())
    }

    /// What follows the sending of a command: a failed send ends the
    /// connection. Returns a write's request with its status if the sender is
    /// to end it (failed, or already answered); any other request is the
    /// receive loop's, which ends it on its reply or on the connection's end.
    fn after_send(
        &self,
        tag: u32,
        write: Option<ARef<Request<NbdDevice>>>,
        result: Result,
    ) -> Option<(ARef<Request<NbdDevice>>, Result)> {
        if result.is_err() {
            self.shut_down();
        }
        let rq = write?;
        let mut inflight = self.inflight.lock();
        let dead = inflight.dead;
        let Some(slot) = inflight.slot(u64::from(tag)) else {
            return Some((rq, Err(EIO)));
        };
        let status = match core::mem::replace(slot, Slot::Free) {
            Slot::Answered(status) => status,
            _ if result.is_err() || dead => Err(EIO),
            _ => {
                *slot = Slot::Waiting(rq);
                return None;
            }
        };
        Some((rq, status))
    }

    /// Ends the connection: the receive loop sees it, fails what is in flight
    /// and ends the other connections.
    fn shut_down(&self) {
        let _ = self.stream.shutdown(Shutdown::Both);
    }

    /// Tells the server the client goes (`NBD_CMD_DISC`), then ends the
    /// connection. Called once the disk is gone.
    fn disconnect(&self) {
        {
            // No command is unfinished once the disk is gone: removing it waited for every
            // request, the one the finisher sends included.
            let sending = self.sending.lock();
            if sending.is_none() {
                let disc = command_header(proto::CMD_DISC, 0, 0, 0, 0);
                let _ = self.stream.as_socket().send_all(&disc, MessageFlags::NONE);
            }
        }
        self.shut_down();
    }

    /// Marks the connection dead and fails every request waiting for a reply.
    ///
    /// Requests are ended one at a time outside the lock: ending one runs
    /// its bios' completions, which may queue new I/O, and so `queue_rq`.
    fn fail_all(&self) {
        loop {
            let rq = {
                let mut inflight = self.inflight.lock();
                inflight.dead = true;
                let waiting = inflight
                    .slots
                    .iter_mut()
                    .find(|slot| matches!(slot, Slot::Waiting(_)));
                match waiting.map(|slot| core::mem::replace(slot, Slot::Free)) {
                    Some(Slot::Waiting(rq)) => rq,
                    _ => return,
                }
            };
            end(rq, Err(EIO));
        }
    }

    /// Receives a read's data into the request's pages.
    fn recv_data(&self, rq: &Request<NbdDevice>) -> Result {
        let socket = self.stream.as_socket();
        for mut bio in rq.bio_iter() {
            bio.with_dest(|data| socket.recv_iter_exact(data, MessageFlags::WAITALL))??;
        }
        Ok(())
    }

    /// Receives one reply and ends its request; `Err` ends the connection.
    ///
    /// The read waits for as long as it takes: a request whose reply does not
    /// come within `timeout` shuts the connection down (`NbdDevice::timeout`),
    /// which ends the read.
    fn receive_one(&self) -> Result {
        let mut reply = [0u8; 16];
        self.stream.read_exact(&mut reply)?;
        let magic = u32::from_be_bytes([reply[0], reply[1], reply[2], reply[3]]);
        let error = u32::from_be_bytes([reply[4], reply[5], reply[6], reply[7]]);
        let mut cookie = [0u8; 8];
        cookie.copy_from_slice(&reply[8..]);
        let cookie = u64::from_be_bytes(cookie);
        if magic != proto::SIMPLE_REPLY_MAGIC {
            pr_err!("reply with bad magic {:#x}\n", magic);
            return Err(EPROTO);
        }
        let status = if error == 0 { Ok(()) } else { Err(EIO) };
        let rq = {
            let mut inflight = self.inflight.lock();
            let Some(slot) = inflight.slot(cookie) else {
                pr_err!("reply for unknown cookie {:#x}\n", cookie);
                return Err(EPROTO);
            };
            match slot {
                Slot::Sending => {
                    *slot = Slot::Answered(status);
                    return Ok(());
                }
                Slot::Waiting(_) => {}
                _ => {
                    pr_err!("reply for cookie {:#x}, which is not in flight\n", cookie);
                    return Err(EPROTO);
                }
            }
            match core::mem::replace(slot, Slot::Free) {
                Slot::Waiting(rq) => rq,
                _ => return Err(EPROTO),
            }
        };
        if status.is_ok() && rq.command() == Command::Read {
            if let Err(e) = self.recv_data(&rq) {
                end(rq, Err(EIO));
                return Err(e);
            }
        }
        end(rq, status);
        Ok(())
    }
}

/// Ends a request the caller holds the only reference to.
fn end(rq: ARef<Request<NbdDevice>>, status: Result) {
    if Request::end(rq, status).is_err() {
        pr_err!("a request to end was still referenced\n");
    }
}

/// The disk's connections, one per hardware queue of its tag set.
///
/// When one ends, the others are shut down too. The requests of its queue
/// could only fail from then on (a request is not moved to another queue), so
/// the disk would answer some requests and fail others by the queue they
/// were submitted on; failing all is what a user of the disk can reason about.
struct Connections(KVec<Arc<Connection>>);

impl Connections {
    /// The connection of hardware queue `hw_queue`.
    fn get(&self, hw_queue: u32) -> Option<&Arc<Connection>> {
        self.0.get(usize::try_from(hw_queue).ok()?)
    }

    /// Ends every connection (each receive loop then fails what it has in flight).
    fn shut_down(&self) {
        for conn in self.0.iter() {
            conn.shut_down();
        }
    }
}

/// A connection's receive loop, as a work item of the module's queue.
#[pin_data]
struct Receiver {
    conn: Arc<Connection>,
    /// All of the disk's connections, which end with this one.
    all: Arc<Connections>,
    #[pin]
    work: Work<Receiver>,
}

impl_has_work! {
    impl HasWork<Self> for Receiver { self.work }
}

impl WorkItem for Receiver {
    type Pointer = Arc<Receiver>;

    fn run(this: Arc<Receiver>) {
        let result = loop {
            if let Err(e) = this.conn.receive_one() {
                break e;
            }
        };
        if result != ECONNRESET {
            pr_warn!("connection ended: {:?}\n", result);
        }
        this.all.shut_down();
        this.conn.fail_all();
    }
}

struct NbdDevice;

#[vtable]
impl Operations for NbdDevice {
    type QueueData = Arc<Connections>;

    fn queue_rq(
        conns: ArcBorrow<'_, Connections>,
        rq: ARef<Request<Self>>,
        _is_last: bool,
    ) -> Result {
        let conn = conns.get(rq.hw_queue()).ok_or(EIO)?;
        let cmd = match rq.command() {
            Command::Read => proto::CMD_READ,
            Command::Write => proto::CMD_WRITE,
            Command::Flush => proto::CMD_FLUSH,
            Command::Discard => proto::CMD_TRIM,
            Command::WriteZeroes => proto::CMD_WRITE_ZEROES,
            _ => return Err(EOPNOTSUPP),
        };
        // A flush covers the whole export: the protocol wants offset and length 0 (a flush
        // request has no position of its own).
        let (offset, len) = if cmd == proto::CMD_FLUSH {
            (0, 0)
        } else {
            (rq.sector() << SECTOR_SHIFT, rq.bytes())
        };
        let mut flags = 0;
        if rq.is_fua() && matches!(cmd, proto::CMD_WRITE | proto::CMD_WRITE_ZEROES) {
            flags |= proto::CMD_FLAG_FUA;
        }
        if cmd == proto::CMD_WRITE_ZEROES && rq.is_no_unmap() {
            flags |= proto::CMD_FLAG_NO_HOLE;
        }
        let write = cmd == proto::CMD_WRITE;
        let tag = rq.tag();
        let header = command_header(cmd, flags, u64::from(tag), offset, len);
        let mut sending = conn.sending.lock();
        while sending.is_some() {
            conn.finished.wait(&mut sending);
        }
        // A write keeps its request while its pages are sent; any other command is handed
        // to the receive loop before its header goes out, as the reply may come at once.
        let write_rq = {
            let mut inflight = conn.inflight.lock();
            if inflight.dead {
                return Err(EIO);
            }
            let slot = inflight.slot(u64::from(tag)).ok_or(EIO)?;
            if write {
                *slot = Slot::Sending;
                Some(rq)
            } else {
                *slot = Slot::Waiting(rq);
                None
            }
        };
        let mut sent = 0;
        let result = conn.send_command(&header, write_rq.as_deref(), &mut sent);
        let done = match result {
            Err(e) if e == ERESTARTSYS || e == EINTR => {
                *sending = Some(Unfinished {
                    tag,
                    header,
                    write: write_rq,
                    sent,
                });
                match conn.queue.enqueue(conn.clone()) {
                    // The finisher runs (or is about to): it owns the rest.
                    Ok(_) => return Ok(()),
                    // The queue is going away, which it only does after the disk.
                    Err(_) => match sending.take() {
                        Some(unfinished) => conn.after_send(tag, unfinished.write, Err(EIO)),
                        None => None,
                    },
                }
            }
            result => conn.after_send(tag, write_rq, result),
        };
        // Ending a request runs its completions, which may queue more I/O here: not under
        // the send lock (as `fail_all` ends requests outside the slot lock).
        drop(sending);
        if let Some((rq, status)) = done {
            end(rq, status);
        }
        Ok(())
    }

    fn commit_rqs(_conns: ArcBorrow<'_, Connections>) {}

    fn complete(rq: ARef<Request<Self>>) {
        end(rq, Ok(()));
    }

    /// A request got no reply within `timeout`: the server is taken to be gone, as `nbd.c`
    /// does with one connection. Shutting the request's connection down ends its receive loop,
    /// which fails every request in flight there, this one included, and ends the other
    /// connections; until then the request waits another period.
    fn timeout(conns: ArcBorrow<'_, Connections>, hw_queue: u32, tag: u32) -> TimeoutAction {
        let Some(conn) = conns.get(hw_queue) else {
            return TimeoutAction::ResetTimer;
        };
        if !conn.inflight.lock().dead {
            pr_err!(
                "request {} of queue {} got no reply in {} s: dropping the connections\n",
                tag,
                hw_queue,
                conn.timeout.as_secs()
            );
            conn.shut_down();
        }
        TimeoutAction::ResetTimer
    }
}

struct RustNbd {
    disk: Option<GenDisk<NbdDevice>>,
    conns: Arc<Connections>,
    /// Runs the receive loops; dropping it waits for them to end.
    _queue: OwnedQueue,
}

/// Connects to the server and negotiates the export on a new connection.
fn connect(server: &InetSocketAddr, timeout: Duration, name: &[u8]) -> Result<(TcpStream, Export)> {
    let stream = TcpStream::connect(Namespace::init(), server)?;
    // Writeback of this disk depends on the socket: it must not wait for that writeback when
    // it allocates, under memory pressure.
    stream.as_socket().set_memalloc();
    stream.set_nodelay(true)?;
    // A send that finds no room for `timeout` fails, as in `nbd.c`: the block layer's timer
    // cannot end it, as its handler waits for every `queue_rq` of a blocking tag set to
    // return first.
    stream.set_write_timeout(Some(timeout))?;
    // A server that stops answering during the handshake fails the load; after it, each
    // request has the block layer's timer instead.
    stream.set_read_timeout(Some(timeout))?;
    let export = handshake(&stream, name)?;
    stream.set_read_timeout(None)?;
    Ok((stream, export))
}

impl kernel::Module for RustNbd {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let server = InetSocketAddr::new(
            module_parameters::address.value(),
            module_parameters::port.value(),
        );
        let count = module_parameters::connections.value();
        if !(1..=16).contains(&count) {
            pr_err!("connections={} is not in 1..16\n", count);
            return Err(EINVAL);
        }
        let depth = module_parameters::queue_depth.value();
        if !(1..=1024).contains(&depth) {
            pr_err!("queue_depth={} is not in 1..1024\n", depth);
            return Err(EINVAL);
        }
        let timeout_secs = module_parameters::timeout.value();
        if timeout_secs == 0 {
            pr_err!("timeout=0: a request must be allowed some seconds\n");
            return Err(EINVAL);
        }
        let timeout = Duration::from_secs(u64::from(timeout_secs));

        let name = module_parameters::export.value();
        let (first, export) = connect(&server, timeout, name.as_bytes())?;
        // Without the flag, a flush on one connection need not cover writes completed on
        // another (proto.md, "Multi-connection"): the disk's flushes would not be flushes.
        if count > 1 && export.flags & proto::TFLAG_CAN_MULTI_CONN == 0 {
            pr_err!(
                "connections={}: the server allows one (no NBD_FLAG_CAN_MULTI_CONN)\n",
                count
            );
            return Err(EOPNOTSUPP);
        }
        let mut streams = KVec::with_capacity(count as usize, GFP_KERNEL)?;
        streams.push(first, GFP_KERNEL)?;
        for i in 1..count {
            let (stream, other) = connect(&server, timeout, name.as_bytes())?;
            if (other.size, other.flags) != (export.size, export.flags) {
                pr_err!(
                    "connection {}: {} bytes, flags {:#x}: not the export of the first\n",
                    i,
                    other.size,
                    other.flags
                );
                return Err(EPROTO);
            }
            streams.push(stream, GFP_KERNEL)?;
        }
        pr_info!(
            "{}: export of {} bytes, flags {:#x}, blocks {}/{}/{}, {} connection(s)\n",
            server,
            export.size,
            export.flags,
            export.min_block,
            export.preferred_block,
            export.max_request,
            count
        );

        let block = export.min_block.clamp(512, 4096).next_power_of_two();
        let physical = export
            .preferred_block
            .clamp(block, 4096)
            .next_power_of_two();
        let max_sectors = (export.max_request >> SECTOR_SHIFT).clamp(block >> SECTOR_SHIFT, 65536);
        let builder = GenDiskBuilder::new()
            .capacity_sectors(export.size >> SECTOR_SHIFT)
            .logical_block_size(block)?
            .physical_block_size(physical)?
            .rotational(export.flags & proto::TFLAG_ROTATIONAL != 0)
            .read_only(export.flags & proto::TFLAG_READ_ONLY != 0)
            .write_cache(export.flags & proto::TFLAG_SEND_FLUSH != 0)
            .forced_unit_access(export.flags & proto::TFLAG_SEND_FUA != 0)
            .max_hw_sectors(max_sectors)
            .request_timeout(Delta::from_secs(i64::from(timeout_secs)))?
            // The data is copied onto the socket: no DMA limits to split requests for.
            .max_segments(u16::MAX)
            .max_segment_size(u32::MAX)
            .max_write_zeroes_sectors(if export.flags & proto::TFLAG_SEND_WRITE_ZEROES != 0 {
                u32::MAX >> SECTOR_SHIFT
            } else {
                0
            })
            .max_hw_discard_sectors(if export.flags & proto::TFLAG_SEND_TRIM != 0 {
                u32::MAX >> SECTOR_SHIFT
            } else {
                0
            });

        // The receive loops block for the connections' lifetime, so each gets a worker of its
        // own; the disk's writeback may wait on them and on the finishers, so the queue keeps
        // a rescuer.
        let queue = OwnedQueue::new(
            c"rust_nbd",
            QueueFlags::UNBOUND | QueueFlags::MEM_RECLAIM,
            0,
        )?;
        let mut conns = KVec::with_capacity(streams.len(), GFP_KERNEL)?;
        for stream in streams {
            let inflight = Inflight::new(depth)?;
            // Taken before `pin_init!`, whose initialiser would move `queue`.
            let handle = queue.handle();
            let conn = Arc::pin_init(
                pin_init!(Connection {
                    stream,
                    timeout,
                    sending <- new_mutex!(None),
                    finished <- new_condvar!(),
                    finisher <- new_work!("rust_nbd::finisher"),
                    queue: handle,
                    inflight <- new_mutex!(inflight),
                }),
                GFP_KERNEL,
            )?;
            conns.push(conn, GFP_KERNEL)?;
        }
        let conns = Arc::new(Connections(conns), GFP_KERNEL)?;
        let tagset = Arc::pin_init(
            TagSet::with_flags(count, depth, 1, TagSetFlags::BLOCKING),
            GFP_KERNEL,
        )?;
        let mut receivers = KVec::with_capacity(conns.0.len(), GFP_KERNEL)?;
        for conn in conns.0.iter() {
            // Taken before `pin_init!`, whose initialiser would move them.
            let (conn, all) = (conn.clone(), conns.clone());
            let receiver = Arc::pin_init(
                pin_init!(Receiver {
                    conn,
                    all,
                    work <- new_work!("rust_nbd::receiver"),
                }),
                GFP_KERNEL,
            )?;
            receivers.push(receiver, GFP_KERNEL)?;
        }
        // A new work item is never already queued. Once the receive loops run, a failure must
        // shut the connections down before `queue` drops, as dropping it waits for the loops,
        // which wait for the server: all that can fail is done above, but the disk's build.
        for receiver in receivers {
            let _ = queue.enqueue(receiver);
        }

        let disk = match builder.build(fmt!("rust_nbd0"), tagset, conns.clone()) {
            Ok(disk) => disk,
            Err(e) => {
                conns.shut_down();
                return Err(e);
            }
        };
        Ok(RustNbd {
            disk: Some(disk),
            conns,
            _queue: queue,
        })
    }
}

impl Drop for RustNbd {
    fn drop(&mut self) {
        // The disk goes first, while the connection still works: removing it writes back
        // what is cached for it.
        drop(self.disk.take());
        for conn in self.conns.0.iter() {
            conn.disconnect();
        }
        // `_queue` drops next, which waits for the receive loops to see the end.
    }
}
