// SPDX-License-Identifier: GPL-2.0

//! UDP: [`UdpSocket`].

use super::{
    addr::{InetSocketAddr, SockAddr, SockAddrStorage},
    family::AddressFamily,
    ip::IpProtocol,
    message::{Datagram, IoSliceMut, MessageFlags},
    namespace::Namespace,
    socket::{Shutdown, Socket},
    socket_type::SocketType,
};
use crate::error::{code::*, Result};
use core::time::Duration;

/// A UDP socket.
///
/// # Invariants
///
/// `sock` is a UDP socket (IPv4 or IPv6).
///
/// # Examples
///
/// ```
/// use kernel::net::{namespace::Namespace, udp::UdpSocket};
///
/// let ns = Namespace::init();
/// let a = UdpSocket::bind(ns, &"127.0.0.1:0".parse()?)?;
/// let b = UdpSocket::bind(ns, &"127.0.0.1:0".parse()?)?;
/// a.send_to(b"ping", &b.local_addr()?)?;
/// let mut buf = [0u8; 2];
/// let d = b.recv_from(&mut buf)?;
/// assert_eq!((d.len, d.truncated, d.from), (2, true, a.local_addr()?));
/// # Ok::<(), Error>(())
/// ```
pub struct UdpSocket {
    sock: Socket,
}

impl UdpSocket {
    /// Binds a UDP socket to `addr` in namespace `ns` (port 0 picks one). May sleep.
    pub fn bind(ns: &Namespace, addr: &InetSocketAddr) -> Result<Self> {
        let family = AddressFamily::from(addr);
        let sock = Socket::new_kern(ns, family, SocketType::Datagram, IpProtocol::Udp)?;
        sock.bind(&SockAddr::from(*addr))?;
        // INVARIANT: `sock` was just created as a datagram socket with protocol UDP.
        Ok(Self { sock })
    }

    /// Sends one datagram to `addr`; returns its length. `EMSGSIZE` if too
    /// big for UDP. May sleep.
    #[inline]
    pub fn send_to(&self, buf: &[u8], addr: &InetSocketAddr) -> Result<usize> {
        self.sock
            .send_to_storage(buf, &mut SockAddrStorage::from(addr), MessageFlags::NONE)
    }

    /// Receives one datagram into `buf`. Blocks until one arrives unless
    /// non-blocking (`EAGAIN`); a [`shutdown`](Self::shutdown) from another
    /// context ends the wait with `ESHUTDOWN`. May sleep.
    #[inline]
    pub fn recv_from(&self, buf: &mut [u8]) -> Result<Datagram<InetSocketAddr>> {
        let mut from = SockAddrStorage::new();
        let (len, _, flags) = self.sock.recv_raw(
            Some(&mut from),
            &mut [IoSliceMut::new(buf)],
            MessageFlags::NONE,
        )?;
        // Every datagram has a sender; only a shutdown wake-up comes without one.
        if from.is_empty() {
            return Err(ESHUTDOWN);
        }
        Ok(Datagram {
            len,
            from: from.to_inet_addr()?,
            truncated: flags.contains(MessageFlags::TRUNC),
        })
    }

    /// Sets the default destination and only receives from `addr`.
    pub fn connect(&self, addr: &InetSocketAddr) -> Result {
        self.sock.connect(&SockAddr::from(*addr))
    }

    /// Sends one datagram to the connected peer; `EDESTADDRREQ` if not connected.
    #[inline]
    pub fn send(&self, buf: &[u8]) -> Result<usize> {
        self.sock.send(buf, MessageFlags::NONE)
    }

    /// Receives one datagram from the connected peer; returns its length.
    #[inline]
    pub fn recv(&self, buf: &mut [u8]) -> Result<usize> {
        self.sock.recv(buf, MessageFlags::NONE)
    }

    /// The local address.
    pub fn local_addr(&self) -> Result<InetSocketAddr> {
        InetSocketAddr::try_from(self.sock.local_addr()?)
    }

    /// The connected peer; `ENOTCONN` if none.
    pub fn peer_addr(&self) -> Result<InetSocketAddr> {
        InetSocketAddr::try_from(self.sock.peer_addr()?)
    }

    /// Wakes tasks blocked in [`recv_from`](Self::recv_from) (which then fail
    /// with `ESHUTDOWN`) or [`recv`](Self::recv) (which returns 0).
    ///
    /// An unconnected socket still wakes its waiters but reports `ENOTCONN`,
    /// which is not an error here.
    pub fn shutdown(&self) -> Result {
        match self.sock.shutdown(Shutdown::Both) {
            Err(e) if e == ENOTCONN => Ok(()),
            r => r,
        }
    }

    /// Receives fail with `EAGAIN` after `timeout`; `None` waits forever.
    pub fn set_read_timeout(&self, timeout: Option<Duration>) -> Result {
        self.sock.set_read_timeout(timeout)
    }

    /// Makes sends and receives fail with `EAGAIN` instead of blocking.
    pub fn set_nonblocking(&self, nonblocking: bool) {
        self.sock.set_nonblocking(nonblocking)
    }

    /// The underlying socket, for options and calls not covered here.
    pub fn as_socket(&self) -> &Socket {
        &self.sock
    }
}

impl TryFrom<Socket> for UdpSocket {
    type Error = crate::error::Error;

    /// Accepts only a UDP socket (`EINVAL` otherwise).
    fn try_from(sock: Socket) -> Result<Self> {
        if !sock.is_udp() {
            return Err(EINVAL);
        }
        // INVARIANT: `is_udp` just returned true for `sock`.
        Ok(Self { sock })
    }
}
