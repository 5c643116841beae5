// SPDX-License-Identifier: GPL-2.0

//! TCP: [`TcpListener`] and [`TcpStream`].
//!
//! Shaped like `std::net`, over [`Socket`]. IPv4 or IPv6 is chosen by the
//! address given. Calls that block are marked "May sleep"; a stream's writes
//! never raise `SIGPIPE` (they fail with `EPIPE`).

use super::{
    addr::{InetSocketAddr, SockAddr},
    family::AddressFamily,
    ip::IpProtocol,
    message::{IoSlice, IoSliceMut, MessageFlags},
    namespace::Namespace,
    socket::{Shutdown, Socket},
    socket_type::SocketType,
};
use crate::error::{code::*, Result};
use core::{mem::MaybeUninit, time::Duration};

/// Creates a TCP socket of the family of `addr`.
fn tcp_socket(ns: &Namespace, addr: &InetSocketAddr) -> Result<Socket> {
    let family = AddressFamily::from(addr);
    Socket::new_kern(ns, family, SocketType::Stream, IpProtocol::Tcp)
}

/// The IP address of a TCP socket (never a Unix address).
fn inet(addr: SockAddr) -> Result<InetSocketAddr> {
    InetSocketAddr::try_from(addr)
}

/// A TCP socket listening for connections.
///
/// # Invariants
///
/// `sock` is a TCP socket on which `listen` succeeded.
///
/// # Examples
///
/// ```
/// use kernel::net::{namespace::Namespace, tcp::{TcpListener, TcpStream}};
///
/// let listener = TcpListener::bind(Namespace::init(), &"[::1]:0".parse()?, 8)?;
/// let addr = listener.local_addr()?;
/// let client = TcpStream::connect(Namespace::init(), &addr)?;
/// let (server, peer) = listener.accept()?;
/// assert_eq!(peer, client.local_addr()?);
/// client.write_all(b"hello")?;
/// let mut buf = [0u8; 5];
/// server.read_exact(&mut buf)?;
/// assert_eq!(&buf, b"hello");
/// # Ok::<(), Error>(())
/// ```
pub struct TcpListener {
    sock: Socket,
}

impl TcpListener {
    /// Binds to `addr` in namespace `ns` and listens with a queue of `backlog`.
    ///
    /// Like `std`, sets `SO_REUSEADDR` so a restarted server can bind again
    /// while old connections are in `TIME_WAIT`. Errors: `EADDRINUSE`,
    /// `EADDRNOTAVAIL`. May sleep.
    pub fn bind(ns: &Namespace, addr: &InetSocketAddr, backlog: u32) -> Result<Self> {
        let sock = tcp_socket(ns, addr)?;
        sock.set_reuse_addr(true)?;
        sock.bind(&SockAddr::from(*addr))?;
        sock.listen(backlog)?;
        // INVARIANT: `tcp_socket` created a TCP socket and `listen` just succeeded on it.
        Ok(Self { sock })
    }

    /// Accepts a connection and returns it with the peer's address.
    ///
    /// Blocks unless non-blocking (then `EAGAIN`); a
    /// [`shutdown`](Self::shutdown) from another context ends the wait with
    /// `EINVAL`. May sleep.
    pub fn accept(&self) -> Result<(TcpStream, InetSocketAddr)> {
        let sock = self.sock.accept()?;
        let peer = inet(sock.peer_addr()?)?;
        // INVARIANT: `self.sock` is a TCP listener, and the socket `accept` returns for it has
        // the listener's type and protocol, with an `sk` cloned from the listener's.
        Ok((TcpStream { sock }, peer))
    }

    /// Accepts a connection without looking up the peer's address: one call
    /// fewer per connection than [`accept`](Self::accept), for servers that
    /// do not need it. May sleep.
    #[inline]
    pub fn accept_stream(&self) -> Result<TcpStream> {
        // INVARIANT: As in `accept`: accepted from a TCP listener, so a TCP socket.
        Ok(TcpStream {
            sock: self.sock.accept()?,
        })
    }

    /// The address the listener is bound to (with the port chosen, if it was 0).
    pub fn local_addr(&self) -> Result<InetSocketAddr> {
        inet(self.sock.local_addr()?)
    }

    /// Makes [`accept`](Self::accept) fail with `EAGAIN` instead of blocking.
    pub fn set_nonblocking(&self, nonblocking: bool) {
        self.sock.set_nonblocking(nonblocking)
    }

    /// Stops listening and wakes every task blocked in [`accept`](Self::accept).
    pub fn shutdown(&self) -> Result {
        self.sock.shutdown(Shutdown::Both)
    }

    /// The underlying socket, for options and calls not covered here.
    pub fn as_socket(&self) -> &Socket {
        &self.sock
    }
}

impl TryFrom<Socket> for TcpListener {
    type Error = crate::error::Error;

    /// Accepts only a listening TCP socket (`EINVAL` otherwise).
    fn try_from(sock: Socket) -> Result<Self> {
        if !sock.is_tcp() || !sock.is_listening()? {
            return Err(EINVAL);
        }
        // INVARIANT: `is_tcp` and `is_listening` just returned true for `sock`, and only
        // `listen` makes a socket listen.
        Ok(Self { sock })
    }
}

/// A TCP connection.
///
/// # Invariants
///
/// `sock` is a TCP socket.
///
/// # Examples
///
/// ```
/// use kernel::net::{namespace::Namespace, tcp::{TcpListener, TcpStream}};
///
/// let ns = Namespace::init();
/// let listener = TcpListener::bind(ns, &"127.0.0.1:0".parse()?, 8)?;
/// let client = TcpStream::connect(ns, &listener.local_addr()?)?;
/// let (server, _) = listener.accept()?;
/// client.set_nodelay(true)?;
/// client.write_all(b"abc")?;
/// client.shutdown(kernel::net::socket::Shutdown::Write)?;
/// let mut buf = [0u8; 8];
/// assert_eq!(server.read(&mut buf)?, 3);
/// assert_eq!(server.read(&mut buf)?, 0); // end of stream
/// # Ok::<(), Error>(())
/// ```
pub struct TcpStream {
    sock: Socket,
}

impl TcpStream {
    /// Connects to `addr` from namespace `ns`.
    ///
    /// Errors: `ECONNREFUSED`, `ENETUNREACH`, `ETIMEDOUT`. May sleep.
    pub fn connect(ns: &Namespace, addr: &InetSocketAddr) -> Result<Self> {
        let sock = tcp_socket(ns, addr)?;
        sock.connect(&SockAddr::from(*addr))?;
        // INVARIANT: `tcp_socket` created a TCP socket; connecting does not change what it is.
        Ok(Self { sock })
    }

    /// Reads what is available into `buf` (at least one byte, blocking until
    /// then); returns 0 at end of stream. May sleep.
    #[inline]
    pub fn read(&self, buf: &mut [u8]) -> Result<usize> {
        self.sock.recv(buf, MessageFlags::NONE)
    }

    /// Fills all of `buf`; `ECONNRESET` if the stream ends first. May sleep.
    #[inline]
    pub fn read_exact(&self, buf: &mut [u8]) -> Result {
        let mut done = 0;
        while let Some(rest) = buf.get_mut(done..).filter(|r| !r.is_empty()) {
            match self.sock.recv(rest, MessageFlags::WAITALL)? {
                0 => return Err(ECONNRESET),
                n => done = done.saturating_add(n),
            }
        }
        Ok(())
    }

    /// Reads into memory that need not be initialised (saving clearing a
    /// large buffer); returns the filled part, empty at end of stream. May sleep.
    #[inline]
    pub fn read_uninit<'b>(&self, buf: &'b mut [MaybeUninit<u8>]) -> Result<&'b mut [u8]> {
        self.sock.recv_uninit(buf, MessageFlags::NONE)
    }

    /// Reads into several buffers; returns the total read. May sleep.
    #[inline]
    pub fn read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> Result<usize> {
        self.sock.recv_vectored(bufs, MessageFlags::NONE)
    }

    /// Writes some of `buf`; returns how much. May sleep.
    #[inline]
    pub fn write(&self, buf: &[u8]) -> Result<usize> {
        self.sock.send(buf, MessageFlags::NOSIGNAL)
    }

    /// Writes all of `buf`. May sleep.
    #[inline]
    pub fn write_all(&self, buf: &[u8]) -> Result {
        self.sock.send_all(buf, MessageFlags::NOSIGNAL)
    }

    /// Writes several buffers as one; returns the total written. May sleep.
    #[inline]
    pub fn write_vectored(&self, bufs: &[IoSlice<'_>]) -> Result<usize> {
        self.sock.send_vectored(bufs, MessageFlags::NOSIGNAL)
    }

    /// Shuts down reading, writing (the peer reads end of stream) or both;
    /// wakes tasks blocked on this stream.
    pub fn shutdown(&self, how: Shutdown) -> Result {
        self.sock.shutdown(how)
    }

    /// The local address.
    pub fn local_addr(&self) -> Result<InetSocketAddr> {
        inet(self.sock.local_addr()?)
    }

    /// The peer's address.
    pub fn peer_addr(&self) -> Result<InetSocketAddr> {
        inet(self.sock.peer_addr()?)
    }

    /// `TCP_NODELAY`: send small writes at once.
    pub fn set_nodelay(&self, on: bool) -> Result {
        self.sock.set_nodelay(on)
    }

    /// `SO_KEEPALIVE`.
    pub fn set_keepalive(&self, on: bool) -> Result {
        self.sock.set_keepalive(on)
    }

    /// Reads fail with `EAGAIN` after `timeout`; `None` waits forever.
    pub fn set_read_timeout(&self, timeout: Option<Duration>) -> Result {
        self.sock.set_read_timeout(timeout)
    }

    /// Writes fail with `EAGAIN` after `timeout`; `None` waits forever.
    pub fn set_write_timeout(&self, timeout: Option<Duration>) -> Result {
        self.sock.set_write_timeout(timeout)
    }

    /// Makes reads and writes fail with `EAGAIN` instead of blocking.
    pub fn set_nonblocking(&self, nonblocking: bool) {
        self.sock.set_nonblocking(nonblocking)
    }

    /// The underlying socket, for options and calls not covered here.
    pub fn as_socket(&self) -> &Socket {
        &self.sock
    }
}

impl TryFrom<Socket> for TcpStream {
    type Error = crate::error::Error;

    /// Accepts only a TCP socket (`EINVAL` otherwise).
    fn try_from(sock: Socket) -> Result<Self> {
        if !sock.is_tcp() {
            return Err(EINVAL);
        }
        // INVARIANT: `is_tcp` just returned true for `sock`.
        Ok(Self { sock })
    }
}
