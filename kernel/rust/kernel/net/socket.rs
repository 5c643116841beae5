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
    addr::{SocketAddr, SocketAddrStorage},
    family::AddressFamily,
    ip::IpProtocol,
    message::{
        kvecs, kvecs_mut, total_len, IoSlice, IoSliceMut, MessageFlags, MessageHeader, Received,
    },
    namespace::Namespace,
    socket_type::SocketType,
};
use crate::{
    bindings,
    error::{code::EINVAL, code::EPIPE, to_result, Error, Result},
    types::ARef,
};
use core::{
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
    usize::try_from(ret).map_err(|_| EINVAL)
}

/// Lengths the C API takes as `int`.
fn to_c_len(len: usize) -> Result<i32> {
    i32::try_from(len).map_err(|_| EINVAL)
}

/// An owned socket (`struct socket`).
///
/// A socket created with [`Socket::new_kern`] holds a reference on its
/// network namespace for its whole life (kernel sockets do not pin their
/// namespace in C), so the namespace cannot go away underneath it.
///
/// # Invariants
///
/// `sock` points to a valid `struct socket` with a protocol attached (`sk`
/// and `ops` set), owned by this object and released on drop. `ns`, when
/// set, is the namespace of the socket.
///
/// # Examples
///
/// A TCP exchange over loopback:
///
/// ```
/// use kernel::net::{addr::SocketAddr, message::MessageFlags, namespace::Namespace};
/// use kernel::net::{family::AddressFamily, ip::IpProtocol, socket::Socket, socket_type::SocketType};
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
    ns: Option<ARef<Namespace>>,
    nonblocking: AtomicBool,
}

// SAFETY: A `struct socket` is not tied to the task that created it; any task may use or
// release it.
unsafe impl Send for Socket {}

// SAFETY: The kernel socket calls used through `&Socket` (send, receive, bind, connect,
// shutdown, options, ...) each lock the socket (`lock_sock`) or are otherwise safe to call
// concurrently, as they are for a socket shared by several user-space threads. The only
// Rust-side state is an atomic.
unsafe impl Sync for Socket {}

impl Socket {
    /// Creates a kernel socket in namespace `ns` (`sock_create_kern`).
    ///
    /// The socket keeps `ns` alive until it is dropped. May sleep.
    pub fn new_kern(
        ns: &Namespace,
        family: AddressFamily,
        ty: SocketType,
        proto: IpProtocol,
    ) -> Result<Self> {
        let mut sock = core::ptr::null_mut();
        // SAFETY: `ns` is a live namespace and `sock` is a valid out-pointer.
        to_result(unsafe {
            bindings::sock_create_kern(
                ns.as_ptr(),
                family.as_raw().into(),
                ty.as_raw(),
                proto.as_raw(),
                &mut sock,
            )
        })?;
        // SAFETY: On success `sock_create_kern` returned a full socket that we now own.
        unsafe { Self::from_raw(sock, Some(ARef::from(ns))) }
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
        // SAFETY: On success `sock_create` returned a full socket that we now own.
        unsafe { Self::from_raw(sock, None) }
    }

    /// Takes ownership of a raw socket.
    ///
    /// Fails with `EINVAL` (and releases nothing) if `sock` is null or has no protocol
    /// attached, such as a socket from `sock_create_lite`.
    ///
    /// # Safety
    ///
    /// `sock` must be null or a valid `struct socket` that the caller owns and hands over; it
    /// is released when the returned object is dropped. If it is a kernel socket, `ns` must
    /// be its namespace (or the caller keeps that namespace alive some other way).
    pub unsafe fn from_raw(
        sock: *mut bindings::socket,
        ns: Option<ARef<Namespace>>,
    ) -> Result<Self> {
        let sock = NonNull::new(sock).ok_or(EINVAL)?;
        // SAFETY: The caller guarantees `sock` is valid.
        let (sk, ops) = unsafe { ((*sock.as_ptr()).sk, (*sock.as_ptr()).ops) };
        if sk.is_null() || ops.is_null() {
            return Err(EINVAL);
        }
        // INVARIANT: `sock` is valid and full (checked above), and ownership is handed over.
        Ok(Self {
            sock,
            ns,
            nonblocking: AtomicBool::new(false),
        })
    }

    /// Gives up ownership: the caller must eventually `sock_release` the returned socket.
    ///
    /// The namespace reference of a kernel socket is dropped: from here on the
    /// caller keeps the namespace alive.
    pub fn into_raw(self) -> *mut bindings::socket {
        let this = core::mem::ManuallyDrop::new(self);
        // SAFETY: `this` is never used or dropped again, so moving `ns` out is sound; dropping
        // it gives back the namespace reference.
        drop(unsafe { core::ptr::read(&this.ns) });
        this.sock.as_ptr()
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
        // SAFETY: `sk` is valid by the type invariant; the type is fixed at creation.
        SocketType::try_from(i32::from(unsafe { (*self.sk()).sk_type }))
    }

    /// The protocol the socket was created with (`IPPROTO_IP` for Unix sockets).
    pub fn protocol(&self) -> Result<IpProtocol> {
        // SAFETY: `sk` is valid by the type invariant; the protocol is fixed at creation.
        IpProtocol::try_from(i32::from(unsafe { (*self.sk()).sk_protocol }))
    }

    /// Whether this is an IPv4 or IPv6 socket of protocol `proto`.
    pub(crate) fn is_inet(&self, proto: Option<IpProtocol>) -> bool {
        matches!(
            self.family(),
            Ok(AddressFamily::Inet | AddressFamily::Inet6)
        ) && proto.map_or(true, |p| self.protocol() == Ok(p))
    }

    /// The namespace this socket keeps alive, if it is a kernel socket.
    pub fn namespace(&self) -> Option<&Namespace> {
        self.ns.as_deref()
    }

    /// Binds to a local address (`kernel_bind`).
    ///
    /// Errors: `EADDRINUSE` if taken, `EADDRNOTAVAIL` if not a local address,
    /// `EINVAL` if already bound, `EAFNOSUPPORT` for another family's address.
    pub fn bind(&self, addr: &SocketAddr) -> Result {
        let mut raw = SocketAddrStorage::from(addr);
        let len = to_c_len(raw.len())?;
        // SAFETY: The socket is valid; `raw` holds `len` initialised address bytes.
        to_result(unsafe { bindings::kernel_bind(self.as_ptr(), raw.as_mut_ptr(), len) })
    }

    /// Starts listening for connections with a queue of `backlog` (`kernel_listen`).
    pub fn listen(&self, backlog: u32) -> Result {
        let backlog = i32::try_from(backlog).map_err(|_| EINVAL)?;
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
        // SAFETY: On success `kernel_accept` returned a full socket we own, in our namespace.
        unsafe { Self::from_raw(new, self.ns.clone()) }
    }

    /// Connects to `addr` (`kernel_connect`).
    ///
    /// Blocks until connected unless the socket is non-blocking, in which
    /// case it fails with `EINPROGRESS` and the result is read later with
    /// [`take_error`](Self::take_error). Errors: `ECONNREFUSED`,
    /// `ENETUNREACH`, `ETIMEDOUT`, `EISCONN`, `EALREADY`. May sleep.
    pub fn connect(&self, addr: &SocketAddr) -> Result {
        let mut raw = SocketAddrStorage::from(addr);
        let len = to_c_len(raw.len())?;
        let flags = if self.is_nonblocking() {
            bindings::O_NONBLOCK as i32
        } else {
            0
        };
        // SAFETY: The socket is valid; `raw` holds `len` initialised address bytes.
        to_result(unsafe { bindings::kernel_connect(self.as_ptr(), raw.as_mut_ptr(), len, flags) })
    }

    /// The local address (`kernel_getsockname`).
    pub fn local_addr(&self) -> Result<SocketAddr> {
        let mut raw = SocketAddrStorage::new();
        // SAFETY: The socket is valid; `raw` is a full `sockaddr_storage` the kernel may fill.
        let len = to_len(unsafe { bindings::kernel_getsockname(self.as_ptr(), raw.as_mut_ptr()) })?;
        // SAFETY: `kernel_getsockname` wrote the `len` bytes it returned.
        unsafe { raw.set_len(len) }?;
        raw.to_socket_addr()
    }

    /// The address of the connected peer (`kernel_getpeername`); `ENOTCONN` if none.
    pub fn peer_addr(&self) -> Result<SocketAddr> {
        let mut raw = SocketAddrStorage::new();
        // SAFETY: The socket is valid; `raw` is a full `sockaddr_storage` the kernel may fill.
        let len = to_len(unsafe { bindings::kernel_getpeername(self.as_ptr(), raw.as_mut_ptr()) })?;
        // SAFETY: `kernel_getpeername` wrote the `len` bytes it returned.
        unsafe { raw.set_len(len) }?;
        raw.to_socket_addr()
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

    #[inline]
    fn effective(&self, flags: MessageFlags) -> MessageFlags {
        if self.is_nonblocking() {
            flags | MessageFlags::DONTWAIT
        } else {
            flags
        }
    }

    /// `kernel_sendmsg` of `bufs` with the header `msg`.
    #[inline]
    fn sendmsg(
        &self,
        msg: &mut bindings::msghdr,
        bufs: &[IoSlice<'_>],
        flags: MessageFlags,
    ) -> Result<usize> {
        let size = total_len(bufs.iter().map(IoSlice::len))?;
        msg.msg_flags = self.effective(flags).as_raw();
        // SAFETY: The socket is valid; the caller built `msg` over buffers that outlive the
        // call, and the kvec array describes `bufs.len()` readable buffers of `size` bytes.
        to_len(unsafe {
            bindings::kernel_sendmsg(self.as_ptr(), msg, kvecs(bufs), bufs.len(), size)
        })
    }

    /// `kernel_recvmsg` into `bufs` with the header `msg`.
    #[inline]
    fn recvmsg(
        &self,
        msg: &mut bindings::msghdr,
        bufs: &mut [IoSliceMut<'_>],
        flags: MessageFlags,
    ) -> Result<usize> {
        let size = total_len(bufs.iter().map(IoSliceMut::len))?;
        let count = bufs.len();
        // SAFETY: The socket is valid; the caller built `msg` over buffers (a full
        // `sockaddr_storage` for the name) that outlive the call, and the kvec array describes
        // `count` writable buffers of `size` bytes in total.
        to_len(unsafe {
            bindings::kernel_recvmsg(
                self.as_ptr(),
                msg,
                kvecs_mut(bufs),
                count,
                size,
                self.effective(flags).as_raw() as i32,
            )
        })
    }

    /// Sends from several buffers (`kernel_sendmsg`); returns the bytes sent.
    ///
    /// The message header gives the destination for unconnected datagram
    /// sockets. May sleep unless non-blocking.
    #[inline]
    pub fn send_msg(
        &self,
        header: &mut MessageHeader<'_>,
        bufs: &[IoSlice<'_>],
        flags: MessageFlags,
    ) -> Result<usize> {
        self.sendmsg(&mut header.raw(false), bufs, flags)
    }

    /// Receives into several buffers (`kernel_recvmsg`).
    ///
    /// Returns the length, the flags the kernel reported (truncation) and the
    /// sender if the header asked for it. A length of zero on a stream means
    /// the peer shut down its side. May sleep unless non-blocking.
    #[inline]
    pub fn recv_msg(
        &self,
        header: &mut MessageHeader<'_>,
        bufs: &mut [IoSliceMut<'_>],
        flags: MessageFlags,
    ) -> Result<Received> {
        let mut msg = header.raw(true);
        let len = self.recvmsg(&mut msg, bufs, flags)?;
        let peer = header.finish_receive(&msg);
        Ok(Received {
            len,
            flags: header.flags(),
            peer,
        })
    }

    /// Sends with a header built in place: the destination, if any, and no control data.
    #[inline]
    fn send_raw(
        &self,
        to: Option<&mut SocketAddrStorage>,
        bufs: &[IoSlice<'_>],
        flags: MessageFlags,
    ) -> Result<usize> {
        // SAFETY: `msghdr` is plain data; all-zero is an empty header.
        let mut msg: bindings::msghdr = unsafe { core::mem::zeroed() };
        if let Some(to) = to {
            msg.msg_namelen = to_c_len(to.len())?;
            msg.msg_name = to.as_mut_ptr().cast();
        }
        self.sendmsg(&mut msg, bufs, flags)
    }

    /// Receives with a header built in place; fills `from` with the sender if
    /// the protocol reports one. Returns the length and the reported flags.
    #[inline]
    pub(crate) fn recv_raw(
        &self,
        mut from: Option<&mut SocketAddrStorage>,
        bufs: &mut [IoSliceMut<'_>],
        flags: MessageFlags,
    ) -> Result<(usize, MessageFlags)> {
        // SAFETY: `msghdr` is plain data; all-zero is an empty header.
        let mut msg: bindings::msghdr = unsafe { core::mem::zeroed() };
        if let Some(from) = from.as_deref_mut() {
            // Like the recvmsg syscall: length 0 in, the protocol sets it if it writes a name.
            msg.msg_name = from.as_mut_ptr().cast();
        }
        let len = self.recvmsg(&mut msg, bufs, flags)?;
        if let Some(from) = from {
            let name_len = usize::try_from(msg.msg_namelen).unwrap_or(0);
            // SAFETY: After a receive, `msg_namelen` is the number of name bytes written.
            unsafe { from.set_len(name_len) }?;
        }
        Ok((len, MessageFlags::from_raw(msg.msg_flags)))
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
    pub fn send_to(&self, buf: &[u8], addr: &SocketAddr, flags: MessageFlags) -> Result<usize> {
        self.send_raw(
            Some(&mut SocketAddrStorage::from(addr)),
            &[IoSlice::new(buf)],
            flags,
        )
    }

    /// Sends `buf` to an already encoded address (datagram sockets).
    #[inline]
    pub fn send_to_storage(
        &self,
        buf: &[u8],
        addr: &mut SocketAddrStorage,
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
    /// For large buffers this saves clearing them first.
    #[inline]
    pub fn recv_uninit<'b>(
        &self,
        buf: &'b mut [MaybeUninit<u8>],
        flags: MessageFlags,
    ) -> Result<&'b mut [u8]> {
        let (len, _) = self.recv_raw(None, &mut [IoSliceMut::uninit(buf)], flags)?;
        let filled = buf.get_mut(..len).ok_or(EINVAL)?;
        // SAFETY: The kernel wrote the `len` bytes it reported receiving into `buf`, so they
        // are initialised; `MaybeUninit<u8>` has the layout of `u8`.
        Ok(unsafe { &mut *(filled as *mut [MaybeUninit<u8>] as *mut [u8]) })
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
        let mut from = SocketAddrStorage::new();
        let (len, flags) = self.recv_raw(Some(&mut from), &mut [IoSliceMut::new(buf)], flags)?;
        let peer = if from.is_empty() {
            None
        } else {
            Some(from.to_socket_addr()?)
        };
        Ok(Received { len, flags, peer })
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        // SAFETY: By the type invariant we own the socket; nothing uses it after this.
        unsafe { bindings::sock_release(self.sock.as_ptr()) };
    }
}

/// A socket from `sock_create_lite`: allocated, typed, but with no protocol
/// attached, so no socket operation can be called on it.
///
/// This is the building block protocols use for sockets whose operations
/// they install themselves (as `kernel_accept` does); it is released on drop.
///
/// # Invariants
///
/// `sock` points to a valid `struct socket` owned by this object.
///
/// # Examples
///
/// ```
/// use kernel::net::{family::AddressFamily, ip::IpProtocol, socket::LiteSocket};
/// use kernel::net::socket_type::SocketType;
///
/// let lite = LiteSocket::new(AddressFamily::Inet, SocketType::Stream, IpProtocol::Tcp)?;
/// assert!(!lite.as_ptr().is_null());
/// # Ok::<(), Error>(())
/// ```
pub struct LiteSocket {
    sock: NonNull<bindings::socket>,
}

impl LiteSocket {
    /// Allocates a socket without a protocol (`sock_create_lite`). May sleep.
    pub fn new(family: AddressFamily, ty: SocketType, proto: IpProtocol) -> Result<Self> {
        let mut sock = core::ptr::null_mut();
        // SAFETY: `sock` is a valid out-pointer.
        to_result(unsafe {
            bindings::sock_create_lite(
                family.as_raw().into(),
                ty.as_raw(),
                proto.as_raw(),
                &mut sock,
            )
        })?;
        let sock = NonNull::new(sock).ok_or(EINVAL)?;
        // INVARIANT: `sock_create_lite` returned a socket we own.
        Ok(Self { sock })
    }

    /// The raw socket; it stays owned by `self`.
    #[inline]
    pub fn as_ptr(&self) -> *mut bindings::socket {
        self.sock.as_ptr()
    }
}

impl Drop for LiteSocket {
    fn drop(&mut self) {
        // SAFETY: We own the socket; `sock_release` handles sockets without ops.
        unsafe { bindings::sock_release(self.sock.as_ptr()) };
    }
}

// SAFETY: As for `Socket`; a lite socket has no operations to race on.
unsafe impl Send for LiteSocket {}
