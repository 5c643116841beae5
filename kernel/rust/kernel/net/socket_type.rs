// SPDX-License-Identifier: GPL-2.0

//! Socket types.
//!
//! C header: [`include/linux/net.h`](srctree/include/linux/net.h).

use crate::{bindings, error::code::ESOCKTNOSUPPORT, error::Error};

/// The communication semantics of a socket (`SOCK_*`).
///
/// # Examples
///
/// ```
/// use kernel::net::socket_type::SocketType;
///
/// assert_eq!(SocketType::Datagram.as_raw(), 2);
/// assert_eq!(SocketType::try_from(1), Ok(SocketType::Stream));
/// assert_eq!(SocketType::try_from(42), Err(kernel::error::code::ESOCKTNOSUPPORT));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i32)]
pub enum SocketType {
    /// `SOCK_STREAM`: reliable, ordered byte stream (TCP).
    Stream = bindings::sock_type_SOCK_STREAM as i32,
    /// `SOCK_DGRAM`: unreliable datagrams with boundaries (UDP).
    Datagram = bindings::sock_type_SOCK_DGRAM as i32,
    /// `SOCK_RAW`: raw protocol access.
    Raw = bindings::sock_type_SOCK_RAW as i32,
    /// `SOCK_SEQPACKET`: reliable, ordered datagrams.
    SeqPacket = bindings::sock_type_SOCK_SEQPACKET as i32,
}

impl SocketType {
    /// Every socket type, in the order of their values.
    pub const ALL: [Self; 4] = [Self::Stream, Self::Datagram, Self::Raw, Self::SeqPacket];

    /// The `SOCK_*` value as the C API takes it.
    pub const fn as_raw(self) -> i32 {
        self as i32
    }
}

impl TryFrom<i32> for SocketType {
    type Error = Error;

    fn try_from(raw: i32) -> Result<Self, Error> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_raw() == raw)
            .ok_or(ESOCKTNOSUPPORT)
    }
}
