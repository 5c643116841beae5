// SPDX-License-Identifier: GPL-2.0

//! IP protocol numbers.
//!
//! C header: [`include/uapi/linux/in.h`](srctree/include/uapi/linux/in.h).

use crate::{bindings, error::code::EPROTONOSUPPORT, error::Error};

/// An IP protocol number (`IPPROTO_*`), as given to socket creation.
///
/// # Examples
///
/// ```
/// use kernel::net::ip::IpProtocol;
///
/// assert_eq!(IpProtocol::Tcp.as_raw(), 6);
/// assert_eq!(IpProtocol::try_from(17), Ok(IpProtocol::Udp));
/// assert_eq!(IpProtocol::try_from(-1), Err(kernel::error::code::EPROTONOSUPPORT));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i32)]
pub enum IpProtocol {
    /// `IPPROTO_IP`: the default protocol for the socket type (also the IPv4 option level).
    Ip = bindings::IPPROTO_IP as i32,
    /// `IPPROTO_ICMP`.
    Icmp = bindings::IPPROTO_ICMP as i32,
    /// `IPPROTO_TCP`.
    Tcp = bindings::IPPROTO_TCP as i32,
    /// `IPPROTO_UDP`.
    Udp = bindings::IPPROTO_UDP as i32,
    /// `IPPROTO_IPV6`: IPv6 header (also the IPv6 option level).
    Ipv6 = bindings::IPPROTO_IPV6 as i32,
    /// `IPPROTO_ICMPV6`.
    Icmpv6 = bindings::IPPROTO_ICMPV6 as i32,
    /// `IPPROTO_SCTP`.
    Sctp = bindings::IPPROTO_SCTP as i32,
    /// `IPPROTO_UDPLITE`.
    UdpLite = bindings::IPPROTO_UDPLITE as i32,
    /// `IPPROTO_RAW`.
    Raw = bindings::IPPROTO_RAW as i32,
}

impl IpProtocol {
    /// Every protocol, in the order of their values.
    pub const ALL: [Self; 9] = [
        Self::Ip,
        Self::Icmp,
        Self::Tcp,
        Self::Udp,
        Self::Ipv6,
        Self::Icmpv6,
        Self::Sctp,
        Self::UdpLite,
        Self::Raw,
    ];

    /// The `IPPROTO_*` value as the C API takes it.
    pub const fn as_raw(self) -> i32 {
        self as i32
    }
}

impl TryFrom<i32> for IpProtocol {
    type Error = Error;

    fn try_from(raw: i32) -> Result<Self, Error> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_raw() == raw)
            .ok_or(EPROTONOSUPPORT)
    }
}
