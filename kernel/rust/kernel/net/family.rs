// SPDX-License-Identifier: GPL-2.0

//! Address families.
//!
//! C header: [`include/linux/socket.h`](srctree/include/linux/socket.h).

use crate::{bindings, error::code::EAFNOSUPPORT, error::Error};

/// A socket address family (`AF_*`).
///
/// Only the families the socket abstraction can name addresses for, plus
/// `AF_UNSPEC` and `AF_PACKET`. Unknown values are rejected with `EAFNOSUPPORT`.
///
/// # Examples
///
/// ```
/// use kernel::net::family::AddressFamily;
///
/// assert_eq!(AddressFamily::Inet6.as_raw(), 10);
/// assert_eq!(AddressFamily::try_from(2u16), Ok(AddressFamily::Inet));
/// assert_eq!(AddressFamily::try_from(255u16), Err(kernel::error::code::EAFNOSUPPORT));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u16)]
pub enum AddressFamily {
    /// `AF_UNSPEC`: no particular family.
    Unspec = bindings::AF_UNSPEC as u16,
    /// `AF_UNIX`: local sockets named by a path or an abstract name.
    Unix = bindings::AF_UNIX as u16,
    /// `AF_INET`: IPv4.
    Inet = bindings::AF_INET as u16,
    /// `AF_INET6`: IPv6.
    Inet6 = bindings::AF_INET6 as u16,
    /// `AF_NETLINK`: kernel/user-space messaging.
    Netlink = bindings::AF_NETLINK as u16,
    /// `AF_PACKET`: raw link-level packets.
    Packet = bindings::AF_PACKET as u16,
}

impl AddressFamily {
    /// Every family, in the order of their values.
    pub const ALL: [Self; 6] = [
        Self::Unspec,
        Self::Unix,
        Self::Inet,
        Self::Inet6,
        Self::Netlink,
        Self::Packet,
    ];

    /// The `AF_*` value as the C API takes it.
    pub const fn as_raw(self) -> u16 {
        self as u16
    }
}

impl From<&core::net::SocketAddr> for AddressFamily {
    /// `Inet` or `Inet6`, by the address.
    fn from(addr: &core::net::SocketAddr) -> Self {
        if addr.is_ipv4() {
            Self::Inet
        } else {
            Self::Inet6
        }
    }
}

impl TryFrom<u16> for AddressFamily {
    type Error = Error;

    fn try_from(raw: u16) -> Result<Self, Error> {
        Self::ALL
            .into_iter()
            .find(|f| f.as_raw() == raw)
            .ok_or(EAFNOSUPPORT)
    }
}
