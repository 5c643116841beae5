// SPDX-License-Identifier: GPL-2.0

//! Sockets.
//!
//! C header: [`include/linux/net.h`](srctree/include/linux/net.h).
//!
//! [`Socket`] owns a `struct socket` and releases it when dropped. Calls that
//! may block are marked "May sleep": they must only be made from process
//! context (a kernel thread, a workqueue item, a module's init or exit).
//! Use [`Socket::set_nonblocking`] or [`MessageFlags::DONTWAIT`] to get
//! `EAGAIN` instead of blocking.

use super::{
    addr::{SockAddr, SockAddrStorage},
    family::AddressFamily,
    ip::IpProtocol,
    message::{
        kvecs, kvecs_mut, total_len, IoSlice, IoSliceMut, MessageFlags, MessageHeader, RawHeader,
        Received,
    },
    namespace::Namespace,
    socket_type::SocketType,
};
use crate::{
    bindings,
    error::{code::*, to_result, Error, Result},
};
use core::{
    marker::PhantomData,
    mem::MaybeUninit,
    ptr::NonNull,
    sync::atomic::{AtomicBool, Ordering},
};

/// Which direction [`Socket::shutdown`] closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shutdown {
    /// No more receiving (`SHUT_RD`).
    Read,
    /// No more sending (`SHUT_WR`); the peer sees end of stream.
    Write,
    /// Both (`SHUT_RDWR`).
    Both,
}

impl Shutdown {
    fn as_raw(self) -> bindings::sock_shutdown_cmd {
        match self {
            Self::Read => bindings::sock_shutdown_cmd_SHUT_RD,
            Self::Write => bindings::sock_shutdown_cmd_SHUT_WR,
            Self::Both => bindings::sock_shutdown_cmd_SHUT_RDWR,
        }
    }
}

/// Converts the return value of a C call that returns a length or a negative errno.
#[inline]
pub(crate) fn to_len(ret: core::ffi::c_int) -> Result<usize> {
    if ret < 0 {
        return Err(Error::from_errno(ret));
    }
    Ok(usize::try_from(ret)?)
}

/// Lengths the C API takes as `int`.
fn to_c_len(len: usize) -> Result<i32> {
    Ok(i32::try_from(len)?)
}

/// An owned socket (`struct socket`).
///
/// Every socket holds a reference on its network namespace for as long as
/// its `struct sock` lives, which for TCP can be after the `Socket` is
/// dropped (an orphaned connection finishing its close). A kernel socket
/// (`sock_create_kern`) does not do that in C; [`Socket::new_kern`] upgrades
/// it (`sk_net_refcnt_upgrade`) unless it lives in `init_net`, which is never
/// freed. So no timer or packet of a socket created here can reach a
/// dismantled namespace, and a namespace with sockets stays alive until they
/// are gone.
///
/// # Invariants
///
/// `sock` points to a valid `struct socket` with a protocol attached (`sk`
/// and `ops` set), owned by this object and released on drop. Its `sk`
/// holds a reference on its namespace (`sk_net_refcnt`), or the namespace
/// is `init_net`. Its `proto_ops::poll` ignores the file when given no poll
/// table, or is `udp_poll` (as for every family [`AddressFamily`] names).
///
/// # Examples
///
/// A TCP exchange over loopback:
///
/// ```
/// use kernel::net::{addr::SockAddr, message::MessageFlags, namespace::Namespace};
/// use kernel::net::{family::AddressFamily, ip::IpProtocol};
/// use kernel::net::{socket::Socket, socket_type::SocketType};
///
/// let ns = Namespace::init();
/// let listener = Socket::new_kern(ns, AddressFamily::Inet, SocketType::Stream, IpProtocol::Tcp)?;
/// listener.bind(&"127.0.0.1:0".parse()?)?;
/// listener.listen(8)?;
/// let addr = listener.local_addr()?;
///
/// let client = Socket::new_kern(ns, AddressFamily::Inet, SocketType::Stream, IpProtocol::Tcp)?;
/// client.connect(&addr)?;
/// let server = listener.accept()?;
/// assert_eq!(client.send(b"ping", MessageFlags::NONE)?, 4);
/// let mut buf = [0u8; 4];
/// assert_eq!(server.recv(&mut buf, MessageFlags::WAITALL)?, 4);
/// assert_eq!(&buf, b"ping");
/// assert_eq!(server.peer_addr()?, client.local_addr()?);
/// # Ok::<(), Error>(())
/// ```
pub struct Socket {
    sock: NonNull<bindings::socket>,
    nonblocking: AtomicBool,
    /// [`Socket::set_memalloc`] was called: calls run in a [`NoReclaim`] scope, and the drop
    /// undoes `sk_set_memalloc()`.
    memalloc: AtomicBool,
}

// SAFETY: A `struct socket` is not tied to the task that created it; any task may use or
// release it.
unsafe impl Send for Socket {}

// SAFETY: Every kernel call made through `&Socket` (bind, listen, accept, connect, names,
// shutdown, send, receive, options) is one user space can make on a socket shared by several
// threads: each takes the socket lock (`lock_sock`) or the protocol's own locks, so they may
// run concurrently on several CPUs. The only Rust-side state is atomics. Release needs
// `&mut Socket` (drop), so it never runs while another call is in progress.
unsafe impl Sync for Socket {}

impl Socket {
    /// Creates a kernel socket in namespace `ns` (`sock_create_kern`).
    ///
    /// The socket keeps `ns` alive for as long as its `struct sock` lives
    /// (see the type's documentation). May sleep.
    pub fn new_kern(
        ns: &Namespace,
        family: AddressFamily,
        ty: SocketType,
        proto: IpProtocol,
    ) -> Result<Self> {
        let mut sock = core::ptr::null_mut();
        // SAFETY: `ns` is a live namespace (it is borrowed for the call) and `sock` is a
        // valid out-pointer.
        to_result(unsafe {
            bindings::sock_create_kern(
                ns.as_ptr(),
                family.as_raw().into(),
                ty.as_raw(),
                proto.as_raw(),
                &mut sock,
            )
        })?;
        // SAFETY: On success `sock_create_kern` returned a full socket that we now own, of a
        // family `AddressFamily` names. Its namespace reference is seen to below.
        let sock = unsafe { Self::from_raw(sock) }?;
        // SAFETY: `sk` is valid by the type invariant; nothing else has seen it yet.
        let holds_ref = unsafe { (*sock.sk()).__sk_common.skc_net_refcnt() } != 0;
        if !holds_ref && !ns.is_init() {
            // SAFETY: The `sk` was just allocated for a kernel socket (`sk_net_refcnt == 0`,
            // checked above) and nothing else has seen it yet, as the helper requires; it
            // takes a reference on `ns`, dropped when the `sk` is destructed.
            unsafe { bindings::sk_net_refcnt_upgrade(sock.sk()) };
        }
        // INVARIANT: The `sk` now holds a reference on its namespace, or that is `init_net`.
        Ok(sock)
    }

    /// Creates a socket in the current task's namespace, as if user space
    /// created it (`sock_create`): LSM checks apply and the socket holds its
    /// own namespace reference. May sleep.
    pub fn new(family: AddressFamily, ty: SocketType, proto: IpProtocol) -> Result<Self> {
        let mut sock = core::ptr::null_mut();
        // SAFETY: `sock` is a valid out-pointer.
        to_result(unsafe {
            bindings::sock_create(
                family.as_raw().into(),
                ty.as_raw(),
                proto.as_raw(),
                &mut sock,
            )
        })?;
        // SAFETY: On success `sock_create` returned a full socket that we now own, of a family
        // `AddressFamily` names; as a user socket its `sk` holds a namespace reference.
        unsafe { Self::from_raw(sock) }
    }

    /// Takes ownership of a raw socket.
    ///
    /// Fails with `EINVAL` (and releases nothing) if `sock` is null or has no protocol
    /// attached, such as a socket from `sock_create_lite`.
    ///
    /// # Safety
    ///
    /// `sock` must be null or a valid `struct socket` that the caller owns and hands over; it
    /// is released when the returned object is dropped. Its `sk` must hold a reference on its
    /// namespace (`sk_net_refcnt`), or that namespace must be `init_net`, or the caller must
    /// keep it alive until the `sk` is destructed. Its `proto_ops::poll` must ignore the file
    /// when given no poll table, or be `udp_poll` (true of every family [`AddressFamily`]
    /// names). C code must not change its callbacks or `sk_user_data` while it is owned.
    pub unsafe fn from_raw(sock: *mut bindings::socket) -> Result<Self> {
        let sock = NonNull::new(sock).ok_or(EINVAL)?;
        // SAFETY: The caller guarantees `sock` is valid.
        let (sk, ops) = unsafe { ((*sock.as_ptr()).sk, (*sock.as_ptr()).ops) };
        if sk.is_null() || ops.is_null() {
            return Err(EINVAL);
        }
        // INVARIANT: `sock` is valid and full (checked above), ownership is handed over, and
        // the caller guarantees the namespace reference and what its `poll` does.
        Ok(Self {
            sock,
            nonblocking: AtomicBool::new(false),
            memalloc: AtomicBool::new(false),
        })
    }

    /// The raw `struct socket`, for C APIs this abstraction does not cover.
    ///
    /// It stays owned by `self` and valid while `self` is.
    #[inline]
    pub fn as_ptr(&self) -> *mut bindings::socket {
        self.sock.as_ptr()
    }

    /// The underlying `struct sock`, which is always set by the type invariant.
    pub(crate) fn sk(&self) -> *mut bindings::sock {
        // SAFETY: `sock` is valid by the type invariant.
        unsafe { (*self.sock.as_ptr()).sk }
    }

    /// The address family the socket was created with.
    pub fn family(&self) -> Result<AddressFamily> {
        // SAFETY: `sk` is valid by the type invariant; the family is fixed at creation.
        AddressFamily::try_from(unsafe { (*self.sk()).__sk_common.skc_family })
    }

    /// The socket type the socket was created with.
    pub fn socket_type(&self) -> Result<SocketType> {
        // SAFETY: `sock` is valid by the type invariant; the type is fixed at creation.
        SocketType::try_from(i32::from(unsafe { (*self.as_ptr()).type_ }))
    }

    /// The protocol the socket was created with (`IPPROTO_IP` for Unix sockets).
    pub fn protocol(&self) -> Result<IpProtocol> {
        // SAFETY: `sk` is valid by the type invariant; the protocol is fixed at creation.
        IpProtocol::try_from(i32::from(unsafe { bindings::sk_protocol(self.sk()) }))
    }

    /// Whether this is an IPv4 or IPv6 socket (`sk_is_inet`), so its `sk` is an
    /// `inet_sock` (every `AF_INET`/`AF_INET6` socket is created by
    /// `inet_create`/`inet6_create` with a protocol whose socket starts with one).
    pub(crate) fn is_inet(&self) -> bool {
        // SAFETY: `sk` is valid by the type invariant; the helper reads its family.
        unsafe { bindings::sk_is_inet(self.sk()) }
    }

    /// Whether this is a TCP socket (`sk_is_tcp`: an inet stream socket of
    /// protocol TCP), so its `sk` is a `tcp_sock`. A raw or MPTCP socket is not,
    /// whatever its protocol number.
    pub(crate) fn is_tcp(&self) -> bool {
        // SAFETY: `sk` is valid by the type invariant; the helper reads family, type and
        // protocol.
        unsafe { bindings::sk_is_tcp(self.sk()) }
    }

    /// Whether this is a UDP socket (an inet datagram socket of protocol UDP).
    pub(crate) fn is_udp(&self) -> bool {
        self.is_inet()
            && self.socket_type() == Ok(SocketType::Datagram)
            && self.protocol() == Ok(IpProtocol::Udp)
    }

    /// The namespace the socket lives in (`sock_net`).
    pub fn namespace(&self) -> &Namespace {
        // SAFETY: `sk` is valid by the type invariant, and its namespace is kept alive by the
        // `sk`'s own reference or is `init_net` (type invariant), so for as long as `self`.
        unsafe { Namespace::from_raw(bindings::sock_net(self.sk())) }
    }

    /// Binds to a local address (`kernel_bind`).
    ///
    /// Errors: `EADDRINUSE` if taken, `EADDRNOTAVAIL` if not a local address,
    /// `EINVAL` if already bound, `EAFNOSUPPORT` for another family's address.
    pub fn bind(&self, addr: &SockAddr) -> Result {
        let mut raw = SockAddrStorage::from(addr);
        let len = to_c_len(raw.len())?;
        // SAFETY: The socket is valid; `raw` holds `len` initialised address bytes.
        to_result(unsafe { bindings::kernel_bind(self.as_ptr(), raw.as_mut_ptr().cast(), len) })
    }

    /// Starts listening for connections with a queue of `backlog` (`kernel_listen`).
    pub fn listen(&self, backlog: u32) -> Result {
        let backlog = i32::try_from(backlog)?;
        // SAFETY: The socket is valid.
        to_result(unsafe { bindings::kernel_listen(self.as_ptr(), backlog) })
    }

    /// Accepts a connection (`kernel_accept`).
    ///
    /// Blocks until one arrives unless the socket is non-blocking, in which
    /// case it fails with `EAGAIN`. A [`shutdown`](Self::shutdown) of the
    /// listener from another context wakes it with `EINVAL`. May sleep.
    pub fn accept(&self) -> Result<Socket> {
        let mut new = core::ptr::null_mut();
        let flags = if self.is_nonblocking() {
            bindings::O_NONBLOCK as i32
        } else {
            0
        };
        // SAFETY: The socket is valid and `new` is a valid out-pointer.
        to_result(unsafe { bindings::kernel_accept(self.as_ptr(), &mut new, flags) })?;
        // SAFETY: On success `kernel_accept` returned a full socket we own. Its `sk` was cloned
        // from ours with our `sk_net_refcnt`, and `sk_clone_lock` takes its own namespace
        // reference when that is set; otherwise the namespace is `init_net` (type invariant).
        // It has our `proto_ops`, so the same `poll`. The callbacks it inherited are put
        // right below.
        let accepted = unsafe { Self::from_raw(new) }?;
        self.restore_accepted_callbacks(&accepted);
        Ok(accepted)
    }

    /// Connects to `addr` (`kernel_connect`).
    ///
    /// Blocks until connected unless the socket is non-blocking, in which
    /// case it fails with `EINPROGRESS` and the result is read later with
    /// [`take_error`](Self::take_error). Errors: `ECONNREFUSED`,
    /// `ENETUNREACH`, `ETIMEDOUT`, `EISCONN`, `EALREADY`. May sleep.
    pub fn connect(&self, addr: &SockAddr) -> Result {
        let mut raw = SockAddrStorage::from(addr);
        let len = to_c_len(raw.len())?;
        let flags = if self.is_nonblocking() {
            bindings::O_NONBLOCK as i32
        } else {
            0
        };
        // SAFETY: The socket is valid; `raw` holds `len` initialised address bytes.
        to_result(unsafe {
            bindings::kernel_connect(self.as_ptr(), raw.as_mut_ptr().cast(), len, flags)
        })
    }

    /// The local address (`kernel_getsockname`).
    pub fn local_addr(&self) -> Result<SockAddr> {
        let mut raw = SockAddrStorage::new();
        // SAFETY: The socket is valid; `raw` is a full `sockaddr_storage` the kernel may fill.
        let len = to_len(unsafe { bindings::kernel_getsockname(self.as_ptr(), raw.as_mut_ptr()) })?;
        // SAFETY: `kernel_getsockname` wrote the `len` bytes it returned.
        unsafe { raw.set_len(len) }?;
        raw.to_sock_addr()
    }

    /// The address of the connected peer (`kernel_getpeername`); `ENOTCONN` if none.
    pub fn peer_addr(&self) -> Result<SockAddr> {
        let mut raw = SockAddrStorage::new();
        // SAFETY: The socket is valid; `raw` is a full `sockaddr_storage` the kernel may fill.
        let len = to_len(unsafe { bindings::kernel_getpeername(self.as_ptr(), raw.as_mut_ptr()) })?;
        // SAFETY: `kernel_getpeername` wrote the `len` bytes it returned.
        unsafe { raw.set_len(len) }?;
        raw.to_sock_addr()
    }

    /// Shuts down one or both directions (`kernel_sock_shutdown`).
    ///
    /// Wakes tasks blocked in [`accept`](Self::accept) or a receive on this
    /// socket. `ENOTCONN` on an unconnected stream socket.
    pub fn shutdown(&self, how: Shutdown) -> Result {
        // SAFETY: The socket is valid.
        to_result(unsafe { bindings::kernel_sock_shutdown(self.as_ptr(), how.as_raw()) })
    }

    /// Makes every later call fail with `EAGAIN` (or `EINPROGRESS` for
    /// connect) instead of blocking, or blocking again.
    ///
    /// Kernel sockets have no file, so this is a property of this object
    /// rather than an `O_NONBLOCK` file flag.
    pub fn set_nonblocking(&self, nonblocking: bool) {
        self.nonblocking.store(nonblocking, Ordering::Relaxed);
    }

    /// Whether the socket is in non-blocking mode.
    #[inline]
    pub fn is_nonblocking(&self) -> bool {
        self.nonblocking.load(Ordering::Relaxed)
    }

    /// Makes the socket usable by block I/O under memory pressure, for a
    /// network block device or swap over the network, as `nbd.c` does.
    ///
    /// Its allocations become `GFP_NOIO`, so they never wait for the I/O the
    /// socket itself carries, and may use the memalloc reserves
    /// (`sk_set_memalloc()`); it stops using the task's page fragment
    /// (`sk_use_task_frag`), which reclaim may enter while the task holds it.
    /// From then on its sends and receives run with reclaim disabled for the
    /// task (`memalloc_noreclaim_save()`). Calling it again does nothing; the
    /// drop undoes the memalloc accounting. May sleep.
    pub fn set_memalloc(&self) {
        if !self.memalloc.swap(true, Ordering::Relaxed) {
            // SAFETY: The socket is valid and its `sk` is set (type invariant).
            unsafe { bindings::sk_set_memalloc_noio(self.sk()) };
        }
    }

    /// A [`NoReclaim`] scope if the socket carries block I/O ([`Socket::set_memalloc`]).
    #[inline]
    pub(crate) fn io_scope(&self) -> Option<NoReclaim> {
        self.memalloc.load(Ordering::Relaxed).then(NoReclaim::enter)
    }

    /// `flags`, with `MSG_DONTWAIT` on a non-blocking socket.
    #[inline]
    fn effective(&self, flags: MessageFlags) -> MessageFlags {
        if self.is_nonblocking() {
            flags | MessageFlags::DONTWAIT
        } else {
            flags
        }
    }

    /// The flags of a send as the stack gets them: flags outside
    /// [`MessageFlags::SEND_ALLOWED`] are refused, and `MSG_NOSIGNAL` is always
    /// added, since a kernel task must not get `SIGPIPE` (`EPIPE` is returned
    /// as for any caller).
    #[inline]
    pub(crate) fn send_flags(&self, flags: MessageFlags) -> Result<MessageFlags> {
        Ok(self.effective(flags.only(MessageFlags::SEND_ALLOWED)?) | MessageFlags::NOSIGNAL)
    }

    /// The flags of a receive as the stack gets them: flags outside
    /// [`MessageFlags::RECV_ALLOWED`] are refused.
    #[inline]
    pub(crate) fn recv_flags(&self, flags: MessageFlags) -> Result<MessageFlags> {
        Ok(self.effective(flags.only(MessageFlags::RECV_ALLOWED)?))
    }

    /// `kernel_sendmsg` of `bufs` with the header `msg` and [`Socket::send_flags`].
    #[inline]
    fn sendmsg(
        &self,
        mut msg: RawHeader<'_>,
        bufs: &[IoSlice<'_>],
        flags: MessageFlags,
    ) -> Result<usize> {
        let flags = self.send_flags(flags)?;
        let size = total_len(bufs.iter().map(IoSlice::len))?;
        msg.set_flags(flags);
        let _scope = self.io_scope();
        // SAFETY: The socket is valid. `msg` is a kernel header (no control buffer, a name of
        // its encoded length, by `RawHeader`'s invariant) over buffers that outlive the call.
        // The kvec array describes `bufs.len()` readable buffers of `size` bytes; the flags
        // are allow-listed, so no kernel-internal flag makes the stack keep references to
        // them after the call (`kernel_sendmsg` does not strip those, the syscalls do).
        to_len(unsafe {
            bindings::kernel_sendmsg(
                self.as_ptr(),
                msg.as_mut_ptr(),
                kvecs(bufs),
                bufs.len(),
                size,
            )
        })
    }

    /// `kernel_recvmsg` into `bufs` with the header `msg` and [`Socket::recv_flags`].
    ///
    /// Returns what the protocol returned (with [`MessageFlags::TRUNC`], a
    /// datagram's real length or, on TCP, bytes discarded without copying)
    /// and the bytes actually copied into `bufs`, from the header's iterator.
    #[inline]
    fn recvmsg(
        &self,
        msg: &mut RawHeader<'_>,
        bufs: &mut [IoSliceMut<'_>],
        flags: MessageFlags,
    ) -> Result<(usize, usize)> {
        let flags = self.recv_flags(flags)?;
        let size = total_len(bufs.iter().map(IoSliceMut::len))?;
        let count = bufs.len();
        let _scope = self.io_scope();
        // SAFETY: The socket is valid. `msg` is a kernel header whose name buffer, if any, is
        // a full `sockaddr_storage` and whose control buffer is aligned and writable (by
        // `RawHeader`'s invariant), borrowed for the call; the kvec array describes `count`
        // writable buffers of `size` bytes in total. The flags are allow-listed.
        let len = to_len(unsafe {
            bindings::kernel_recvmsg(
                self.as_ptr(),
                msg.as_mut_ptr(),
                kvecs_mut(bufs),
                count,
                size,
                flags.as_raw() as i32,
            )
        })?;
        // `kernel_recvmsg` set the iterator up over `size` bytes; what is left was not copied.
        Ok((len, size.saturating_sub(msg.data_left())))
    }

    /// Sends from several buffers (`kernel_sendmsg`); returns the bytes sent.
    ///
    /// The message header gives the destination for unconnected datagram
    /// sockets; a control buffer is refused with `EINVAL`. May sleep unless
    /// non-blocking.
    #[inline]
    pub fn send_msg(
        &self,
        header: &mut MessageHeader<'_>,
        bufs: &[IoSlice<'_>],
        flags: MessageFlags,
    ) -> Result<usize> {
        if header.has_control() {
            return Err(EINVAL);
        }
        self.sendmsg(header.raw_send(), bufs, flags)
    }

    /// Receives into several buffers (`kernel_recvmsg`).
    ///
    /// Returns the length, the flags the kernel reported (truncation) and the
    /// sender if the header asked for it. A length of zero on a stream means
    /// the peer shut down its side. A control buffer on a Unix socket is
    /// refused with `EOPNOTSUPP` (see [`MessageHeader`]). May sleep unless
    /// non-blocking.
    #[inline]
    pub fn recv_msg(
        &self,
        header: &mut MessageHeader<'_>,
        bufs: &mut [IoSliceMut<'_>],
        flags: MessageFlags,
    ) -> Result<Received> {
        if header.has_control() && self.family() == Ok(AddressFamily::Unix) {
            return Err(EOPNOTSUPP);
        }
        let mut msg = header.raw_receive();
        let (len, _) = self.recvmsg(&mut msg, bufs, flags)?;
        let (reported, control_left, name_len) = (msg.flags(), msg.control_left(), msg.name_len());
        let peer = header.finish_receive(reported, control_left, name_len);
        Ok(Received {
            len,
            flags: reported,
            peer,
        })
    }

    /// Sends with a header built in place: the destination, if any, and no control data.
    #[inline]
    fn send_raw(
        &self,
        to: Option<&mut SockAddrStorage>,
        bufs: &[IoSlice<'_>],
        flags: MessageFlags,
    ) -> Result<usize> {
        self.sendmsg(RawHeader::for_send(to), bufs, flags)
    }

    /// Receives with a header built in place; fills `from` with the sender if
    /// the protocol reports one. Returns the length, the bytes actually copied
    /// and the reported flags.
    #[inline]
    pub(crate) fn recv_raw(
        &self,
        mut from: Option<&mut SockAddrStorage>,
        bufs: &mut [IoSliceMut<'_>],
        flags: MessageFlags,
    ) -> Result<(usize, usize, MessageFlags)> {
        let mut msg = RawHeader::for_receive(from.as_deref_mut(), None);
        let (len, copied) = self.recvmsg(&mut msg, bufs, flags)?;
        let (reported, name_len) = (msg.flags(), msg.name_len());
        if let Some(from) = from {
            // SAFETY: After a receive, `msg_namelen` is the number of name bytes written.
            unsafe { from.set_len(name_len) }?;
        }
        Ok((len, copied, reported))
    }

    /// Sends all of `buf` on a connected stream, in as many sends as it takes.
    ///
    /// `EPIPE` if the stream stops taking data. May sleep unless non-blocking.
    #[inline]
    pub fn send_all(&self, buf: &[u8], flags: MessageFlags) -> Result {
        let mut done = 0;
        while let Some(rest) = buf.get(done..).filter(|r| !r.is_empty()) {
            match self.send(rest, flags)? {
                0 => return Err(EPIPE),
                n => done = done.saturating_add(n),
            }
        }
        Ok(())
    }

    /// Sends `buf` on a connected socket; returns the bytes sent, which may be fewer.
    #[inline]
    pub fn send(&self, buf: &[u8], flags: MessageFlags) -> Result<usize> {
        self.send_raw(None, &[IoSlice::new(buf)], flags)
    }

    /// Sends several buffers as one message on a connected socket.
    #[inline]
    pub fn send_vectored(&self, bufs: &[IoSlice<'_>], flags: MessageFlags) -> Result<usize> {
        self.send_raw(None, bufs, flags)
    }

    /// Sends `buf` to `addr` (datagram sockets).
    #[inline]
    pub fn send_to(&self, buf: &[u8], addr: &SockAddr, flags: MessageFlags) -> Result<usize> {
        self.send_raw(
            Some(&mut SockAddrStorage::from(addr)),
            &[IoSlice::new(buf)],
            flags,
        )
    }

    /// Sends `buf` to an already encoded address (datagram sockets).
    #[inline]
    pub fn send_to_storage(
        &self,
        buf: &[u8],
        addr: &mut SockAddrStorage,
        flags: MessageFlags,
    ) -> Result<usize> {
        self.send_raw(Some(addr), &[IoSlice::new(buf)], flags)
    }

    /// Receives into `buf`; returns the bytes received (0: end of stream).
    #[inline]
    pub fn recv(&self, buf: &mut [u8], flags: MessageFlags) -> Result<usize> {
        Ok(self.recv_raw(None, &mut [IoSliceMut::new(buf)], flags)?.0)
    }

    /// Receives into memory that need not be initialised, and returns the
    /// part that was filled (empty: end of stream).
    ///
    /// For large buffers this saves clearing them first. [`MessageFlags::TRUNC`]
    /// is refused with `EINVAL`: it asks the protocol to discard data rather
    /// than copy it, so there would be nothing to hand back.
    #[inline]
    pub fn recv_uninit<'b>(
        &self,
        buf: &'b mut [MaybeUninit<u8>],
        flags: MessageFlags,
    ) -> Result<&'b mut [u8]> {
        if flags.contains(MessageFlags::TRUNC) {
            return Err(EINVAL);
        }
        let (len, copied, _) = self.recv_raw(None, &mut [IoSliceMut::uninit(buf)], flags)?;
        // The protocol's length and the iterator agree; if one ever said more than the other,
        // only what both count as copied is handed out.
        let filled = buf.get_mut(..len.min(copied)).ok_or(EINVAL)?;
        // SAFETY: The iterator over `buf` advanced by `copied` bytes, which the kernel copied
        // into the start of `buf`, so the first `min(len, copied)` bytes are initialised;
        // `MaybeUninit<u8>` has the layout of `u8`.
        Ok(unsafe {
            core::slice::from_raw_parts_mut(filled.as_mut_ptr().cast::<u8>(), filled.len())
        })
    }

    /// Receives into several buffers; returns the bytes received.
    #[inline]
    pub fn recv_vectored(&self, bufs: &mut [IoSliceMut<'_>], flags: MessageFlags) -> Result<usize> {
        Ok(self.recv_raw(None, bufs, flags)?.0)
    }

    /// Receives one datagram and its sender.
    ///
    /// [`Received::truncated`] tells whether it was cut to fit `buf`.
    #[inline]
    pub fn recv_from(&self, buf: &mut [u8], flags: MessageFlags) -> Result<Received> {
        let mut from = SockAddrStorage::new();
        let (len, _, flags) = self.recv_raw(Some(&mut from), &mut [IoSliceMut::new(buf)], flags)?;
        let peer = if from.is_empty() {
            None
        } else {
            Some(from.to_sock_addr()?)
        };
        Ok(Received { len, flags, peer })
    }
}

/// The current task's allocations neither reclaim memory nor wait for I/O
/// while this lives (`memalloc_noreclaim_save()`): around the sends and
/// receives of a socket that writeback depends on, reclaim must not recurse
/// into that same writeback.
///
/// Not `Send`: the scope belongs to the task that entered it.
pub(crate) struct NoReclaim {
    flags: u32,
    _task: PhantomData<*mut ()>,
}

impl NoReclaim {
    fn enter() -> Self {
        Self {
            // SAFETY: Sets `PF_MEMALLOC` on the current task and returns its previous state,
            // which the drop restores on the same task.
            flags: unsafe { bindings::memalloc_noreclaim_save() },
            _task: PhantomData,
        }
    }
}

impl Drop for NoReclaim {
    fn drop(&mut self) {
        // SAFETY: `flags` came from `memalloc_noreclaim_save()` on this task (`NoReclaim` is
        // not `Send`), and scopes end in the reverse order they began (they are locals).
        unsafe { bindings::memalloc_noreclaim_restore(self.flags) };
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        // An `sk` that outlives the release must not deliver to a handler nobody can clear.
        self.clear_events();
        if *self.memalloc.get_mut() {
            // SAFETY: The socket is valid; `set_memalloc` did `sk_set_memalloc()` once.
            unsafe { bindings::sk_clear_memalloc_locked(self.sk()) };
        }
        // SAFETY: By the type invariant we own the socket, and `&mut self` means no other call
        // on it is in progress; nothing uses it after this. An `sk` that outlives the release
        // (an orphaned TCP connection) holds its own namespace reference.
        unsafe { bindings::sock_release(self.sock.as_ptr()) };
    }
}
