// SPDX-License-Identifier: GPL-2.0

//! Messages: flags, I/O vectors, message headers and control messages.
//!
//! C headers: [`include/linux/socket.h`](srctree/include/linux/socket.h) and
//! [`include/linux/uio.h`](srctree/include/linux/uio.h).
//!
//! Nothing here allocates: vectors are borrowed slices laid out as C
//! `struct kvec`, and the address and control buffers belong to the caller.

use super::addr::{SocketAddr, SocketAddrStorage};
use crate::{
    bindings,
    error::{code::EINVAL, Result},
};
use core::{marker::PhantomData, mem::size_of, mem::MaybeUninit, ops};

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

    /// Flags from their C value; unknown bits are kept and the kernel decides.
    pub const fn from_raw(raw: u32) -> Self {
        Self(raw)
    }

    /// The C value.
    pub const fn as_raw(self) -> u32 {
        self.0
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
    /// Bytes copied into the buffers (with [`MessageFlags::TRUNC`] passed in: the real
    /// datagram length, which may be larger).
    pub len: usize,
    /// Flags the kernel reported (`msg_flags`).
    pub flags: MessageFlags,
    /// The sender, for protocols that report one (datagrams); `None` otherwise.
    pub peer: Option<SocketAddr>,
}

impl Received {
    /// Whether the datagram did not fit the buffers and its tail was discarded.
    #[inline]
    pub fn truncated(&self) -> bool {
        self.flags.contains(MessageFlags::TRUNC)
    }
}

/// A message header (`struct msghdr`) for [`Socket::send_msg`] and
/// [`Socket::recv_msg`]: where to send to or the room for the sender's
/// address, and a control (ancillary data) buffer.
///
/// [`Socket::send_msg`]: super::socket::Socket::send_msg
/// [`Socket::recv_msg`]: super::socket::Socket::recv_msg
///
/// # Examples
///
/// ```
/// use kernel::net::{addr::SocketAddr, message::MessageHeader};
///
/// let mut control = [0u8; 64];
/// let to: SocketAddr = "127.0.0.1:9".parse()?;
/// let header = MessageHeader::new().to(&to).control(&mut control);
/// assert_eq!(header.control_len(), 0);
/// # Ok::<(), Error>(())
/// ```
pub struct MessageHeader<'a> {
    name: Option<SocketAddrStorage>,
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
    pub fn to(mut self, addr: &SocketAddr) -> Self {
        self.name = Some(SocketAddrStorage::from(addr));
        self
    }

    /// For receiving: ask for the sender's address.
    #[inline]
    pub fn with_peer(mut self) -> Self {
        self.want_name = true;
        self
    }

    /// A control buffer: control messages to send, or room for those received.
    #[inline]
    pub fn control(mut self, buf: &'a mut [u8]) -> Self {
        self.control = Some(buf);
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

    /// Builds the C header for one call. The result borrows `self`'s buffers.
    #[inline]
    pub(crate) fn raw(&mut self, receiving: bool) -> bindings::msghdr {
        // SAFETY: `msghdr` is plain data (pointers, integers, bitfields); all-zero is a valid,
        // empty header with a kernel (not user) control buffer.
        let mut msg: bindings::msghdr = unsafe { core::mem::zeroed() };
        if receiving && self.want_name {
            self.name = Some(SocketAddrStorage::new());
        }
        if let Some(name) = self.name.as_mut() {
            msg.msg_name = name.as_mut_ptr().cast();
            // Receiving: like the recvmsg syscall, start from 0; a protocol that reports a
            // sender writes it (the buffer is a full `sockaddr_storage`) and sets the length.
            // Sending: the encoded length, at most `STORAGE_SIZE` (128), so it fits a `c_int`.
            msg.msg_namelen = if receiving {
                0
            } else {
                i32::try_from(name.len()).unwrap_or(0)
            };
        }
        if let Some(control) = self.control.as_deref_mut() {
            msg.__bindgen_anon_1.msg_control = control.as_mut_ptr().cast();
            msg.msg_controllen = control.len();
        }
        msg
    }

    /// Reads back what the kernel wrote into `msg` after a receive.
    #[inline]
    pub(crate) fn finish_receive(&mut self, msg: &bindings::msghdr) -> Option<SocketAddr> {
        self.flags = MessageFlags::from_raw(msg.msg_flags);
        let capacity = self.control.as_deref().map_or(0, <[u8]>::len);
        // `put_cmsg` advances the buffer and shrinks `msg_controllen` as it writes.
        self.control_used = capacity.saturating_sub(msg.msg_controllen);
        let name = self.name.as_mut()?;
        let len = usize::try_from(msg.msg_namelen).ok()?;
        // SAFETY: After a receive, `msg_namelen` is the number of address bytes the
        // protocol wrote into the name buffer.
        unsafe { name.set_len(len) }.ok()?;
        if len == 0 {
            return None;
        }
        name.to_socket_addr().ok()
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
