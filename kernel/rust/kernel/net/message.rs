// SPDX-License-Identifier: GPL-2.0

//! Messages: flags, I/O vectors, message headers and control messages.
//!
//! C headers: [`include/linux/socket.h`](srctree/include/linux/socket.h) and
//! [`include/linux/uio.h`](srctree/include/linux/uio.h).
//!
//! Nothing here allocates: vectors are borrowed slices laid out as C
//! `struct kvec`, and the address and control buffers belong to the caller.

use super::addr::{SockAddr, SockAddrStorage};
use crate::{
    bindings,
    error::{code::EINVAL, Result},
};
use core::{
    marker::PhantomData,
    mem::{align_of, size_of, MaybeUninit},
    ops,
};

/// Flags of a send or receive call, and those the kernel reports back (`MSG_*`).
///
/// # Examples
///
/// ```
/// use kernel::net::message::MessageFlags;
///
/// let f = MessageFlags::DONTWAIT | MessageFlags::PEEK;
/// assert!(f.contains(MessageFlags::PEEK));
/// assert!(!f.contains(MessageFlags::WAITALL));
/// assert_eq!(f.as_raw(), 0x40 | 0x2);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MessageFlags(u32);

impl MessageFlags {
    /// No flags.
    pub const NONE: Self = Self(0);
    /// `MSG_OOB`: out-of-band data.
    pub const OOB: Self = Self(bindings::MSG_OOB);
    /// `MSG_PEEK`: look at incoming data without consuming it.
    pub const PEEK: Self = Self(bindings::MSG_PEEK);
    /// `MSG_DONTROUTE`: send only to directly connected hosts.
    pub const DONTROUTE: Self = Self(bindings::MSG_DONTROUTE);
    /// `MSG_CTRUNC` (reported): control data was truncated.
    pub const CTRUNC: Self = Self(bindings::MSG_CTRUNC);
    /// `MSG_TRUNC`: on receive, return the real datagram length; reported when it was cut.
    pub const TRUNC: Self = Self(bindings::MSG_TRUNC);
    /// `MSG_DONTWAIT`: fail with `EAGAIN` instead of blocking.
    pub const DONTWAIT: Self = Self(bindings::MSG_DONTWAIT);
    /// `MSG_EOR` (reported): end of record.
    pub const EOR: Self = Self(bindings::MSG_EOR);
    /// `MSG_WAITALL`: block until the whole buffer is filled.
    pub const WAITALL: Self = Self(bindings::MSG_WAITALL);
    /// `MSG_CONFIRM`: the link layer made forward progress.
    pub const CONFIRM: Self = Self(bindings::MSG_CONFIRM);
    /// `MSG_ERRQUEUE`: receive from the error queue.
    pub const ERRQUEUE: Self = Self(bindings::MSG_ERRQUEUE);
    /// `MSG_NOSIGNAL`: do not raise `SIGPIPE` on a broken stream.
    pub const NOSIGNAL: Self = Self(bindings::MSG_NOSIGNAL);
    /// `MSG_MORE`: more data follows, hold back a partial frame.
    pub const MORE: Self = Self(bindings::MSG_MORE);

    /// The flags a send may carry.
    ///
    /// Everything else is refused with `EINVAL`: the kernel-internal flags
    /// (`MSG_SPLICE_PAGES` and the other `MSG_INTERNAL_SENDMSG_FLAGS`, which
    /// make the stack take page references to the caller's buffer and which
    /// the syscalls strip), `MSG_ZEROCOPY` (completion notifications for a
    /// buffer that is only borrowed for the call), `MSG_FASTOPEN`,
    /// `MSG_PROBE` and the compat and `CLOEXEC` bits.
    pub const SEND_ALLOWED: Self = Self(
        Self::OOB.0
            | Self::DONTROUTE.0
            | Self::DONTWAIT.0
            | Self::EOR.0
            | Self::CONFIRM.0
            | Self::NOSIGNAL.0
            | Self::MORE.0,
    );

    /// The flags a receive may carry; everything else is refused with `EINVAL`.
    pub const RECV_ALLOWED: Self = Self(
        Self::OOB.0
            | Self::PEEK.0
            | Self::TRUNC.0
            | Self::DONTWAIT.0
            | Self::WAITALL.0
            | Self::ERRQUEUE.0,
    );

    /// Flags from their C value, as the kernel reports them in `msg_flags`.
    ///
    /// Any bit is kept; a send or receive refuses the bits it does not allow
    /// ([`SEND_ALLOWED`](Self::SEND_ALLOWED), [`RECV_ALLOWED`](Self::RECV_ALLOWED))
    /// with `EINVAL`, so unknown bits never reach the protocol.
    pub const fn from_raw(raw: u32) -> Self {
        Self(raw)
    }

    /// The C value.
    pub const fn as_raw(self) -> u32 {
        self.0
    }

    /// `self` if every flag in it is in `allowed`, `EINVAL` otherwise.
    #[inline]
    pub(crate) fn only(self, allowed: Self) -> Result<Self> {
        if self.0 & !allowed.0 == 0 {
            Ok(self)
        } else {
            Err(EINVAL)
        }
    }

    /// Whether every flag of `other` is set.
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }
}

impl ops::BitOr for MessageFlags {
    type Output = Self;

    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

impl ops::BitOrAssign for MessageFlags {
    fn bitor_assign(&mut self, rhs: Self) {
        self.0 |= rhs.0;
    }
}

/// A buffer to send, laid out as a C `struct kvec`.
///
/// # Invariants
///
/// `iov_base`/`iov_len` describe memory borrowed for `'a` and readable.
#[repr(transparent)]
pub struct IoSlice<'a>(bindings::kvec, PhantomData<&'a [u8]>);

impl<'a> IoSlice<'a> {
    /// Borrows `buf` for sending.
    #[inline]
    pub fn new(buf: &'a [u8]) -> Self {
        // INVARIANT: `buf` is borrowed for `'a`.
        Self(
            bindings::kvec {
                iov_base: buf.as_ptr().cast_mut().cast(),
                iov_len: buf.len(),
            },
            PhantomData,
        )
    }

    /// Length in bytes.
    #[inline]
    pub fn len(&self) -> usize {
        self.0.iov_len
    }

    /// Whether the buffer is empty.
    pub fn is_empty(&self) -> bool {
        self.0.iov_len == 0
    }
}

/// A buffer to receive into, laid out as a C `struct kvec`.
///
/// # Invariants
///
/// `iov_base`/`iov_len` describe memory mutably borrowed for `'a`.
#[repr(transparent)]
pub struct IoSliceMut<'a>(bindings::kvec, PhantomData<&'a mut [u8]>);

impl<'a> IoSliceMut<'a> {
    /// Borrows `buf` for receiving.
    #[inline]
    pub fn new(buf: &'a mut [u8]) -> Self {
        let len = buf.len();
        // SAFETY: `u8` and `MaybeUninit<u8>` have the same layout, and the kernel only writes
        // initialised bytes into a receive buffer.
        Self::uninit(unsafe {
            core::slice::from_raw_parts_mut(buf.as_mut_ptr().cast::<MaybeUninit<u8>>(), len)
        })
    }

    /// Borrows memory that need not be initialised for receiving: the kernel
    /// only writes into it.
    #[inline]
    pub fn uninit(buf: &'a mut [MaybeUninit<u8>]) -> Self {
        // INVARIANT: `buf` is mutably borrowed for `'a`.
        Self(
            bindings::kvec {
                iov_base: buf.as_mut_ptr().cast(),
                iov_len: buf.len(),
            },
            PhantomData,
        )
    }

    /// Length in bytes.
    #[inline]
    pub fn len(&self) -> usize {
        self.0.iov_len
    }

    /// Whether the buffer is empty.
    pub fn is_empty(&self) -> bool {
        self.0.iov_len == 0
    }
}

/// Total length of a set of vectors, failing with `EINVAL` on overflow.
#[inline]
pub(crate) fn total_len(mut lens: impl Iterator<Item = usize>) -> Result<usize> {
    lens.try_fold(0usize, |sum, len| sum.checked_add(len))
        .ok_or(EINVAL)
}

/// Raw kvec array pointer of a slice of send vectors.
#[inline]
pub(crate) fn kvecs(bufs: &[IoSlice<'_>]) -> *mut bindings::kvec {
    // The kernel only reads source kvecs (ITER_SOURCE), so handing out `*mut` is fine.
    bufs.as_ptr().cast::<bindings::kvec>().cast_mut()
}

/// Raw kvec array pointer of a slice of receive vectors.
#[inline]
pub(crate) fn kvecs_mut(bufs: &mut [IoSliceMut<'_>]) -> *mut bindings::kvec {
    bufs.as_mut_ptr().cast()
}

/// What a receive call got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Received {
    /// Bytes received (with [`MessageFlags::TRUNC`] passed in: the real datagram length,
    /// which may be larger than what was copied).
    pub len: usize,
    /// Flags the kernel reported (`msg_flags`).
    pub flags: MessageFlags,
    /// The sender, for protocols that report one (datagrams); `None` otherwise.
    pub peer: Option<SockAddr>,
}

impl Received {
    /// Whether the datagram did not fit the buffers and its tail was discarded.
    #[inline]
    pub fn truncated(&self) -> bool {
        self.flags.contains(MessageFlags::TRUNC)
    }
}

/// A received datagram: how long it was, who sent it, whether it was cut.
///
/// `A` is the address type of the protocol: [`InetSocketAddr`] for UDP,
/// [`UnixAddr`](super::addr::UnixAddr) for Unix datagram sockets. A datagram
/// that did not fit is consumed and reported as truncated, never as an error.
///
/// [`InetSocketAddr`]: super::addr::InetSocketAddr
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Datagram<A> {
    /// Bytes copied into the buffer.
    pub len: usize,
    /// The sender.
    pub from: A,
    /// The datagram was longer than the buffer; the rest is lost.
    pub truncated: bool,
}

/// The `struct msghdr` of one send or receive, built on the stack.
///
/// This is the only place a `msghdr` is built: an empty header, the address
/// and control buffers attached, and what the kernel wrote back read out.
///
/// # Invariants
///
/// `msg_name` is null or points to a [`SockAddrStorage`] (a full
/// `sockaddr_storage`) borrowed for `'a`, with `msg_namelen` its encoded
/// length when sending and 0 before a receive. `msg_control` is null or
/// `msg_controllen` writable bytes, aligned for a `struct cmsghdr`, borrowed
/// for `'a`. `msg_control_is_user` is false.
pub(crate) struct RawHeader<'a> {
    msg: bindings::msghdr,
    _borrows: PhantomData<&'a mut [u8]>,
}

impl<'a> RawHeader<'a> {
    /// An empty header.
    #[inline]
    fn empty() -> Self {
        // INVARIANT: All-zero is a header without name or control, with a kernel control
        // buffer (`msg_control_is_user` false).
        Self {
            // SAFETY: `msghdr` is plain data (pointers, integers, bitfields, an `iov_iter`
            // that the kernel call sets up); all-zero is a valid value.
            msg: unsafe { core::mem::zeroed() },
            _borrows: PhantomData,
        }
    }

    /// A header for sending, to `to` if given.
    #[inline]
    pub(crate) fn for_send(to: Option<&'a mut SockAddrStorage>) -> Self {
        let mut h = Self::empty();
        if let Some(to) = to {
            // The storage holds at most `STORAGE_SIZE` (128) bytes, so the length fits.
            h.msg.msg_namelen = i32::try_from(to.len()).unwrap_or(0);
            // INVARIANT: `to` is borrowed for `'a` and `msg_namelen` is its encoded length.
            h.msg.msg_name = to.as_mut_ptr().cast();
        }
        h
    }

    /// A header for receiving: room for the sender's address in `from` and
    /// for control messages in `control`, if given.
    #[inline]
    pub(crate) fn for_receive(
        from: Option<&'a mut SockAddrStorage>,
        control: Option<&'a mut [u8]>,
    ) -> Self {
        let mut h = Self::empty();
        if let Some(from) = from {
            // INVARIANT: Like the recvmsg syscall, the length starts at 0; a protocol that
            // reports a sender writes at most a `sockaddr_storage` and sets the length.
            h.msg.msg_name = from.as_mut_ptr().cast();
        }
        if let Some(control) = control.map(align_control) {
            h.msg.msg_controllen = control.len();
            // INVARIANT: `control` is aligned for `cmsghdr`, writable and borrowed for `'a`.
            h.msg.__bindgen_anon_1.msg_control = control.as_mut_ptr().cast();
        }
        h
    }

    /// The C header for the kernel call.
    #[inline]
    pub(crate) fn as_mut_ptr(&mut self) -> *mut bindings::msghdr {
        &mut self.msg
    }

    /// Sets the flags of a send (`kernel_sendmsg` takes them from the header).
    #[inline]
    pub(crate) fn set_flags(&mut self, flags: MessageFlags) {
        self.msg.msg_flags = flags.as_raw();
    }

    /// Bytes of the data buffers the last call did not reach (`msg_data_left`).
    ///
    /// After a receive, the data buffers' total length minus this is what was
    /// really copied into them, whatever length the protocol returned.
    #[inline]
    pub(crate) fn data_left(&mut self) -> usize {
        // SAFETY: `msg` is a valid header; the helper only reads its iterator's count.
        unsafe { bindings::msg_data_left(&mut self.msg) }
    }

    /// Flags the kernel reported.
    #[inline]
    pub(crate) fn flags(&self) -> MessageFlags {
        MessageFlags::from_raw(self.msg.msg_flags)
    }

    /// Bytes of address the protocol wrote into the name buffer (0 if none).
    #[inline]
    pub(crate) fn name_len(&self) -> usize {
        usize::try_from(self.msg.msg_namelen).unwrap_or(0)
    }

    /// Bytes of the control buffer left unused: `put_cmsg` advances the
    /// buffer and shrinks `msg_controllen` as it writes.
    #[inline]
    pub(crate) fn control_left(&self) -> usize {
        self.msg.msg_controllen
    }
}

/// The part of `buf` aligned for a `struct cmsghdr`, which `put_cmsg` stores
/// to directly (a fault on strict-alignment architectures otherwise).
fn align_control(buf: &mut [u8]) -> &mut [u8] {
    let skip = buf.as_ptr().align_offset(align_of::<bindings::cmsghdr>());
    let len = buf.len();
    buf.get_mut(skip.min(len)..).unwrap_or_default()
}

/// A message header for [`Socket::send_msg`] and [`Socket::recv_msg`]: the
/// destination of a send, or room for the sender's address and for control
/// (ancillary) messages of a receive.
///
/// Sending control messages is not supported: a control buffer on a send is
/// refused with `EINVAL` (on Unix sockets it would let `SCM_RIGHTS` take
/// files from the calling task's descriptor table). Unix sockets refuse a
/// control buffer on receive too (`EOPNOTSUPP`): file descriptors passed by a
/// peer would be installed into the calling task; without a buffer the kernel
/// drops them and reports [`MessageFlags::CTRUNC`].
///
/// [`Socket::send_msg`]: super::socket::Socket::send_msg
/// [`Socket::recv_msg`]: super::socket::Socket::recv_msg
///
/// # Examples
///
/// ```
/// use kernel::net::{addr::SockAddr, message::MessageHeader};
///
/// let mut control = [0u8; 64];
/// let header = MessageHeader::new().with_peer().control(&mut control);
/// assert_eq!(header.control_len(), 0);
/// assert!(header.control_messages().next().is_none());
/// # Ok::<(), Error>(())
/// ```
pub struct MessageHeader<'a> {
    name: Option<SockAddrStorage>,
    control: Option<&'a mut [u8]>,
    control_used: usize,
    flags: MessageFlags,
    want_name: bool,
}

impl<'a> MessageHeader<'a> {
    /// An empty header: no address, no control buffer.
    #[inline]
    pub fn new() -> Self {
        Self {
            name: None,
            control: None,
            control_used: 0,
            flags: MessageFlags::NONE,
            want_name: false,
        }
    }

    /// For sending: the destination address (`msg_name`).
    #[inline]
    pub fn to(mut self, addr: &SockAddr) -> Self {
        self.name = Some(SockAddrStorage::from(addr));
        self
    }

    /// For receiving: ask for the sender's address.
    #[inline]
    pub fn with_peer(mut self) -> Self {
        self.want_name = true;
        self
    }

    /// For receiving: room for control messages.
    ///
    /// The kernel writes them from the first byte of `buf` aligned for a
    /// `struct cmsghdr`.
    #[inline]
    pub fn control(mut self, buf: &'a mut [u8]) -> Self {
        self.control = Some(align_control(buf));
        self
    }

    /// Bytes of control data the kernel filled in on the last receive.
    pub fn control_len(&self) -> usize {
        self.control_used
    }

    /// The control messages received by the last receive.
    pub fn control_messages(&self) -> ControlMessages<'_> {
        let buf = self.control.as_deref().unwrap_or(&[]);
        ControlMessages {
            rest: buf.get(..self.control_used).unwrap_or(&[]),
        }
    }

    /// Flags the kernel reported on the last receive.
    #[inline]
    pub fn flags(&self) -> MessageFlags {
        self.flags
    }

    /// Whether a control buffer is attached.
    #[inline]
    pub(crate) fn has_control(&self) -> bool {
        self.control.is_some()
    }

    /// The C header for a send.
    #[inline]
    pub(crate) fn raw_send(&mut self) -> RawHeader<'_> {
        RawHeader::for_send(self.name.as_mut())
    }

    /// The C header for a receive.
    #[inline]
    pub(crate) fn raw_receive(&mut self) -> RawHeader<'_> {
        if self.want_name {
            self.name = Some(SockAddrStorage::new());
        }
        RawHeader::for_receive(self.name.as_mut(), self.control.as_deref_mut())
    }

    /// Records what the kernel wrote into the header of a receive: flags,
    /// control length and the name length, given as numbers read out of `raw`.
    #[inline]
    pub(crate) fn finish_receive(
        &mut self,
        flags: MessageFlags,
        control_left: usize,
        name_len: usize,
    ) -> Option<SockAddr> {
        self.flags = flags;
        let capacity = self.control.as_deref().map_or(0, <[u8]>::len);
        self.control_used = capacity.saturating_sub(control_left);
        let name = self.name.as_mut()?;
        // SAFETY: After a receive, `msg_namelen` is the number of address bytes the
        // protocol wrote into the name buffer, a full `sockaddr_storage`.
        unsafe { name.set_len(name_len) }.ok()?;
        if name_len == 0 {
            return None;
        }
        name.to_sock_addr().ok()
    }
}

impl Default for MessageHeader<'_> {
    fn default() -> Self {
        Self::new()
    }
}

/// One control message (`struct cmsghdr` and its data).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ControlMessage<'a> {
    /// `cmsg_level`, e.g. `SOL_IP`.
    pub level: i32,
    /// `cmsg_type`, e.g. `IP_PKTINFO`.
    pub kind: i32,
    /// The payload.
    pub data: &'a [u8],
}

/// Iterator over the control messages in a received control buffer.
///
/// Malformed headers end the iteration instead of reading out of bounds.
pub struct ControlMessages<'a> {
    rest: &'a [u8],
}

const CMSG_HDR_LEN: usize = size_of::<bindings::cmsghdr>();

/// `CMSG_ALIGN`: control messages are aligned to `long`.
fn cmsg_align(len: usize) -> Option<usize> {
    let a = size_of::<core::ffi::c_long>();
    Some(len.checked_add(a - 1)? & !(a - 1))
}

impl<'a> ControlMessages<'a> {
    /// Iterates over the control messages in the first bytes of a control buffer.
    pub fn new(filled: &'a [u8]) -> Self {
        Self { rest: filled }
    }
}

impl<'a> Iterator for ControlMessages<'a> {
    type Item = ControlMessage<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        let hdr = self.rest.get(..CMSG_HDR_LEN)?;
        let (len, rest) = hdr.split_at(size_of::<usize>());
        let len = usize::from_ne_bytes(len.try_into().ok()?);
        let level = i32::from_ne_bytes(rest.get(..4)?.try_into().ok()?);
        let kind = i32::from_ne_bytes(rest.get(4..8)?.try_into().ok()?);
        let data = self.rest.get(cmsg_align(CMSG_HDR_LEN)?..len)?;
        self.rest = self.rest.get(cmsg_align(len)?..).unwrap_or(&[]);
        Some(ControlMessage { level, kind, data })
    }
}
