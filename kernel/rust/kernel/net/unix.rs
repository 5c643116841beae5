// SPDX-License-Identifier: GPL-2.0

//! Unix domain sockets: [`UnixListener`], [`UnixStream`], [`UnixDatagram`].
//!
//! The same shapes as [`tcp`](super::tcp) and [`udp`](super::udp), with
//! [`UnixAddr`] addresses (filesystem paths or abstract names).

use super::{
    addr::{SockAddr, UnixAddr},
    family::AddressFamily,
    ip::IpProtocol,
    message::{Datagram, MessageFlags},
    namespace::Namespace,
    socket::{Shutdown, Socket},
    socket_type::SocketType,
};
use crate::error::{code::*, Result};

fn unix_socket(ns: &Namespace, ty: SocketType) -> Result<Socket> {
    Socket::new_kern(ns, AddressFamily::Unix, ty, IpProtocol::Ip)
}

fn unix_addr(addr: SockAddr) -> Result<UnixAddr> {
    match addr {
        SockAddr::Unix(a) => Ok(a),
        _ => Err(EAFNOSUPPORT),
    }
}

/// A listening Unix stream socket.
///
/// # Invariants
///
/// `sock` is an `AF_UNIX` stream socket on which `listen` succeeded.
///
/// # Examples
///
/// ```
/// use kernel::net::{addr::UnixAddr, namespace::Namespace, unix::{UnixListener, UnixStream}};
///
/// let name = UnixAddr::abstract_name(b"knet-doc-unix")?;
/// let listener = UnixListener::bind(Namespace::init(), &name, 4)?;
/// let client = UnixStream::connect(Namespace::init(), &name)?;
/// let (server, _) = listener.accept()?;
/// client.write_all(b"local")?;
/// let mut buf = [0u8; 5];
/// assert_eq!(server.read(&mut buf)?, 5);
/// # Ok::<(), Error>(())
/// ```
pub struct UnixListener {
    sock: Socket,
}

impl UnixListener {
    /// Binds to `addr` and listens with a queue of `backlog`. May sleep.
    pub fn bind(ns: &Namespace, addr: &UnixAddr, backlog: u32) -> Result<Self> {
        let sock = unix_socket(ns, SocketType::Stream)?;
        sock.bind(&SockAddr::Unix(*addr))?;
        sock.listen(backlog)?;
        // INVARIANT: `unix_socket` created an `AF_UNIX` stream socket and `listen` just
        // succeeded on it.
        Ok(Self { sock })
    }

    /// Accepts a connection and returns it with the peer's (often unnamed) address. May sleep.
    pub fn accept(&self) -> Result<(UnixStream, UnixAddr)> {
        let sock = self.sock.accept()?;
        let peer = unix_addr(sock.peer_addr()?)?;
        // INVARIANT: `unix_accept` gives a stream listener's connections new sockets of the
        // listener's family and type.
        Ok((UnixStream { sock }, peer))
    }

    /// Stops listening and wakes tasks blocked in [`accept`](Self::accept).
    pub fn shutdown(&self) -> Result {
        self.sock.shutdown(Shutdown::Both)
    }

    /// The underlying socket.
    pub fn as_socket(&self) -> &Socket {
        &self.sock
    }
}

/// A connected Unix stream socket.
///
/// # Invariants
///
/// `sock` is an `AF_UNIX` stream socket.
pub struct UnixStream {
    sock: Socket,
}

impl UnixStream {
    /// Connects to `addr`. May sleep.
    pub fn connect(ns: &Namespace, addr: &UnixAddr) -> Result<Self> {
        let sock = unix_socket(ns, SocketType::Stream)?;
        sock.connect(&SockAddr::Unix(*addr))?;
        // INVARIANT: `unix_socket` created an `AF_UNIX` stream socket; connecting does not
        // change what it is.
        Ok(Self { sock })
    }

    /// Reads what is available; 0 at end of stream. May sleep.
    pub fn read(&self, buf: &mut [u8]) -> Result<usize> {
        self.sock.recv(buf, MessageFlags::NONE)
    }

    /// Writes some of `buf`. May sleep.
    pub fn write(&self, buf: &[u8]) -> Result<usize> {
        self.sock.send(buf, MessageFlags::NOSIGNAL)
    }

    /// Writes all of `buf`. May sleep.
    pub fn write_all(&self, buf: &[u8]) -> Result {
        self.sock.send_all(buf, MessageFlags::NOSIGNAL)
    }

    /// Shuts down one or both directions.
    pub fn shutdown(&self, how: Shutdown) -> Result {
        self.sock.shutdown(how)
    }

    /// The underlying socket.
    pub fn as_socket(&self) -> &Socket {
        &self.sock
    }
}

/// A Unix datagram socket.
///
/// # Invariants
///
/// `sock` is an `AF_UNIX` datagram socket.
///
/// # Examples
///
/// ```
/// use kernel::net::{addr::UnixAddr, namespace::Namespace, unix::UnixDatagram};
///
/// let a_name = UnixAddr::abstract_name(b"knet-doc-a")?;
/// let b_name = UnixAddr::abstract_name(b"knet-doc-b")?;
/// let a = UnixDatagram::bind(Namespace::init(), &a_name)?;
/// let b = UnixDatagram::bind(Namespace::init(), &b_name)?;
/// a.send_to(b"hi", &b_name)?;
/// let mut buf = [0u8; 8];
/// let d = b.recv_from(&mut buf)?;
/// assert_eq!((d.len, d.from, d.truncated), (2, a_name, false));
/// a.send_to(b"too long", &b_name)?;
/// let d = b.recv_from(&mut buf[..3])?;
/// assert_eq!((d.len, d.truncated, &buf[..3]), (3, true, &b"too"[..]));
/// # Ok::<(), Error>(())
/// ```
pub struct UnixDatagram {
    sock: Socket,
}

impl UnixDatagram {
    /// Binds a datagram socket to `addr`. May sleep.
    pub fn bind(ns: &Namespace, addr: &UnixAddr) -> Result<Self> {
        let sock = unix_socket(ns, SocketType::Datagram)?;
        sock.bind(&SockAddr::Unix(*addr))?;
        // INVARIANT: `unix_socket` created an `AF_UNIX` datagram socket.
        Ok(Self { sock })
    }

    /// Sends one datagram to `addr`. May sleep.
    pub fn send_to(&self, buf: &[u8], addr: &UnixAddr) -> Result<usize> {
        self.sock
            .send_to(buf, &SockAddr::Unix(*addr), MessageFlags::NONE)
    }

    /// Receives one datagram and its sender (unnamed if the sender is not
    /// bound). A datagram longer than `buf` is cut, consumed and reported as
    /// [`truncated`](Datagram::truncated). May sleep.
    pub fn recv_from(&self, buf: &mut [u8]) -> Result<Datagram<UnixAddr>> {
        let r = self.sock.recv_from(buf, MessageFlags::NONE)?;
        let from = r.peer.map_or(Ok(UnixAddr::unnamed()), unix_addr)?;
        Ok(Datagram {
            len: r.len,
            from,
            truncated: r.truncated(),
        })
    }

    /// The underlying socket.
    pub fn as_socket(&self) -> &Socket {
        &self.sock
    }
}
