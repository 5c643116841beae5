// SPDX-License-Identifier: GPL-2.0

//! Socket options.
//!
//! C headers: [`include/net/sock.h`](srctree/include/net/sock.h),
//! [`include/linux/tcp.h`](srctree/include/linux/tcp.h) and
//! [`include/net/ip.h`](srctree/include/net/ip.h).
//!
//! Setters use the kernel's own `sock_set_*`, `tcp_sock_set_*` and
//! `ip_sock_set_*` helpers where they exist, after checking that the socket
//! is of the kind the helper casts `sk` to (`sk_is_tcp`, `sk_is_inet`), and
//! `do_sock_setsockopt` with a kernel buffer otherwise, which dispatches on
//! the socket's own operations as for user space. The generic setter only
//! takes allow-listed integer options; the rest is `unsafe`. Getters read
//! `SOL_SOCKET` options through `do_sock_getsockopt`, which accepts kernel
//! buffers for that level only: protocol-level getters are not offered.

use super::socket::Socket;
use crate::{
    bindings,
    error::{code::*, to_result, Error, Result},
    net::family::AddressFamily,
};
use core::{ffi::c_void, mem::size_of, time::Duration};

/// Option levels for [`Socket::set_option`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionLevel {
    /// `SOL_SOCKET`: generic socket options.
    Socket,
    /// `SOL_IP`: IPv4.
    Ip,
    /// `SOL_IPV6`: IPv6.
    Ipv6,
    /// `SOL_TCP`: TCP.
    Tcp,
    /// `SOL_UDP`: UDP.
    Udp,
}

impl OptionLevel {
    fn as_raw(self) -> i32 {
        (match self {
            Self::Socket => bindings::SOL_SOCKET,
            Self::Ip => bindings::SOL_IP,
            Self::Ipv6 => bindings::SOL_IPV6,
            Self::Tcp => bindings::SOL_TCP,
            Self::Udp => bindings::SOL_UDP,
        }) as i32
    }
}

/// Read and write timeouts: `None` blocks forever.
fn timeval(timeout: Option<Duration>) -> Result<bindings::__kernel_sock_timeval> {
    let d = timeout.unwrap_or(Duration::ZERO);
    if timeout == Some(Duration::ZERO) {
        // Like std: a zero timeout is a mistake, not "forever".
        return Err(EINVAL);
    }
    Ok(bindings::__kernel_sock_timeval {
        tv_sec: i64::try_from(d.as_secs())?,
        tv_usec: i64::from(d.subsec_micros()),
    })
}

/// The integer options [`Socket::set_option`] may set: plain values that
/// tune the protocol, none of which changes what the socket is (its family,
/// operations or upper-layer protocol: `IPV6_ADDRFORM`, `TCP_ULP`,
/// `TCP_REPAIR`), makes it hand out file descriptors (`SO_PASSCRED`,
/// `SO_PASSPIDFD`), keeps references to sent buffers (`SO_ZEROCOPY`), or
/// takes pointers (filters, `TCP_MD5SIG`).
const INT_OPTIONS: &[(OptionLevel, u32)] = &[
    (OptionLevel::Socket, bindings::SO_REUSEADDR),
    (OptionLevel::Socket, bindings::SO_REUSEPORT),
    (OptionLevel::Socket, bindings::SO_KEEPALIVE),
    (OptionLevel::Socket, bindings::SO_BROADCAST),
    (OptionLevel::Socket, bindings::SO_DONTROUTE),
    (OptionLevel::Socket, bindings::SO_OOBINLINE),
    (OptionLevel::Socket, bindings::SO_SNDBUF),
    (OptionLevel::Socket, bindings::SO_RCVBUF),
    (OptionLevel::Socket, bindings::SO_PRIORITY),
    (OptionLevel::Socket, bindings::SO_MARK),
    (OptionLevel::Socket, bindings::SO_RCVLOWAT),
    (OptionLevel::Ip, bindings::IP_TOS),
    (OptionLevel::Ip, bindings::IP_TTL),
    (OptionLevel::Ip, bindings::IP_FREEBIND),
    (OptionLevel::Ip, bindings::IP_PKTINFO),
    (OptionLevel::Ip, bindings::IP_RECVTOS),
    (OptionLevel::Ip, bindings::IP_RECVTTL),
    (OptionLevel::Ip, bindings::IP_RECVERR),
    (OptionLevel::Ip, bindings::IP_MTU_DISCOVER),
    (OptionLevel::Ip, bindings::IP_MULTICAST_TTL),
    (OptionLevel::Ip, bindings::IP_MULTICAST_LOOP),
    (OptionLevel::Ip, bindings::IP_BIND_ADDRESS_NO_PORT),
    (OptionLevel::Ipv6, bindings::IPV6_V6ONLY),
    (OptionLevel::Ipv6, bindings::IPV6_UNICAST_HOPS),
    (OptionLevel::Ipv6, bindings::IPV6_MULTICAST_HOPS),
    (OptionLevel::Ipv6, bindings::IPV6_MULTICAST_LOOP),
    (OptionLevel::Ipv6, bindings::IPV6_RECVPKTINFO),
    (OptionLevel::Ipv6, bindings::IPV6_TCLASS),
    (OptionLevel::Ipv6, bindings::IPV6_RECVERR),
    (OptionLevel::Ipv6, bindings::IPV6_MTU_DISCOVER),
    (OptionLevel::Tcp, bindings::TCP_NODELAY),
    (OptionLevel::Tcp, bindings::TCP_CORK),
    (OptionLevel::Tcp, bindings::TCP_KEEPIDLE),
    (OptionLevel::Tcp, bindings::TCP_KEEPINTVL),
    (OptionLevel::Tcp, bindings::TCP_KEEPCNT),
    (OptionLevel::Tcp, bindings::TCP_USER_TIMEOUT),
    (OptionLevel::Tcp, bindings::TCP_QUICKACK),
    (OptionLevel::Tcp, bindings::TCP_MAXSEG),
    (OptionLevel::Tcp, bindings::TCP_NOTSENT_LOWAT),
    (OptionLevel::Tcp, bindings::TCP_SYNCNT),
    (OptionLevel::Tcp, bindings::TCP_LINGER2),
    (OptionLevel::Tcp, bindings::TCP_DEFER_ACCEPT),
    (OptionLevel::Tcp, bindings::TCP_WINDOW_CLAMP),
];

/// `IFNAMSIZ`: the longest interface name is one byte shorter (the C string's NUL).
const IFNAMSIZ: usize = bindings::IFNAMSIZ as usize;

impl Socket {
    /// The `tcp_sock_set_*` helpers cast `sk` to a `tcp_sock`: only call them on one.
    fn require_tcp(&self) -> Result {
        if self.is_tcp() {
            Ok(())
        } else {
            Err(ENOPROTOOPT)
        }
    }

    /// The `ip_sock_set_*` helpers cast `sk` to an `inet_sock`: only call them on one.
    fn require_inet(&self) -> Result {
        if self.is_inet() {
            Ok(())
        } else {
            Err(ENOPROTOOPT)
        }
    }

    /// Sets an integer option that has no typed setter (`setsockopt` with an `int`).
    ///
    /// Only the plain tuning options in the allow-list are accepted; others fail
    /// with `EPERM`, even where the kernel knows them, because some change what
    /// the socket is or what it hands out (see [`set_option_bytes`]). The
    /// protocol checks the value (`EINVAL`) and whether the option applies to
    /// it (`ENOPROTOOPT`, `EOPNOTSUPP`).
    ///
    /// [`set_option_bytes`]: Self::set_option_bytes
    ///
    /// # Examples
    ///
    /// ```
    /// use kernel::net::{family::AddressFamily, ip::IpProtocol, namespace::Namespace};
    /// use kernel::net::{options::OptionLevel, socket::Socket, socket_type::SocketType};
    ///
    /// let (family, ty) = (AddressFamily::Inet, SocketType::Datagram);
    /// let s = Socket::new_kern(Namespace::init(), family, ty, IpProtocol::Udp)?;
    /// s.set_option(OptionLevel::Ip, 2 /* IP_TTL */, 7)?;
    /// assert_eq!(s.set_option(OptionLevel::Ip, 2, 1000), Err(EINVAL));
    /// assert_eq!(s.set_option(OptionLevel::Socket, 60 /* SO_ZEROCOPY */, 1), Err(EPERM));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn set_option(&self, level: OptionLevel, name: u32, value: i32) -> Result {
        if !INT_OPTIONS.contains(&(level, name)) {
            return Err(EPERM);
        }
        // SAFETY: The option is in the allow-list: a plain integer that only tunes the
        // protocol (see `INT_OPTIONS`).
        unsafe { self.set_option_bytes(level, name, &value.to_ne_bytes()) }
    }

    /// Sets any option from its bytes (`setsockopt` with a kernel buffer).
    ///
    /// The protocol checks the length and the value as for user space.
    ///
    /// # Safety
    ///
    /// The option must not change the socket's family, operations or
    /// upper-layer protocol (`IPV6_ADDRFORM`, `TCP_ULP`, `TCP_REPAIR`), must
    /// not make receives install file descriptors (`SO_PASSCRED`,
    /// `SO_PASSPIDFD`, `SO_PASSSEC` on Unix sockets) or sends keep references
    /// to the caller's buffers (`SO_ZEROCOPY`), and `value` must not contain
    /// pointers (filters, `TCP_MD5SIG` keys and the like take user pointers,
    /// which the kernel would read in the calling task's address space).
    pub unsafe fn set_option_bytes(&self, level: OptionLevel, name: u32, value: &[u8]) -> Result {
        let len = u32::try_from(value.len())?;
        let name = i32::try_from(name)?;
        // SAFETY: The socket is valid; `value` is `len` readable bytes that the kernel only
        // copies from (a kernel sockptr); the caller guarantees the option itself is sound.
        to_result(unsafe {
            bindings::sock_setsockopt_kernel(
                self.as_ptr(),
                level.as_raw(),
                name,
                value.as_ptr().cast_mut().cast::<c_void>(),
                len,
            )
        })
    }

    /// `SO_BINDTODEVICE`: send and receive only through interface `name`, or
    /// any interface if `None`.
    ///
    /// `EINVAL` for a name of `IFNAMSIZ` bytes or more, `ENODEV` for an
    /// interface that does not exist in the socket's namespace.
    pub fn set_bind_to_device(&self, name: Option<&[u8]>) -> Result {
        let name = name.unwrap_or(&[]);
        if name.len() >= IFNAMSIZ || name.contains(&0) {
            return Err(EINVAL);
        }
        // SAFETY: `SO_BINDTODEVICE` takes an interface name (bytes, no pointer) and only
        // restricts routing.
        unsafe { self.set_option_bytes(OptionLevel::Socket, bindings::SO_BINDTODEVICE, name) }
    }

    /// `SO_LINGER`: with `Some(t)`, closing waits up to `t` for unsent data
    /// (whole seconds, rounded down; `Some(ZERO)` resets the connection on
    /// close); with `None`, closing returns at once and the data is sent in the
    /// background.
    pub fn set_linger(&self, linger: Option<Duration>) -> Result {
        let secs = linger.map_or(Ok(0), |d| i32::try_from(d.as_secs()))?;
        let onoff = i32::from(linger.is_some());
        let mut bytes = [0u8; 8];
        bytes[..4].copy_from_slice(&onoff.to_ne_bytes());
        bytes[4..].copy_from_slice(&secs.to_ne_bytes());
        // SAFETY: `SO_LINGER` takes a `struct linger` (two `int`s, no padding, no pointer)
        // and only changes how the socket closes.
        unsafe { self.set_option_bytes(OptionLevel::Socket, bindings::SO_LINGER, &bytes) }
    }

    /// Reads an integer `SOL_SOCKET` option.
    fn socket_option_int(&self, name: u32) -> Result<i32> {
        let mut value: i32 = 0;
        let mut len = size_of::<i32>() as i32;
        // SAFETY: The socket is valid; `value` and `len` are writable kernel buffers of the
        // sizes given.
        to_result(unsafe {
            bindings::sock_getsockopt_kernel(
                self.as_ptr(),
                name as i32,
                core::ptr::from_mut(&mut value).cast(),
                &mut len,
            )
        })?;
        Ok(value)
    }

    /// `SO_REUSEADDR`: allow binding to an address in `TIME_WAIT`.
    pub fn set_reuse_addr(&self, on: bool) -> Result {
        if on {
            // SAFETY: The socket's `sk` is valid by the `Socket` invariant.
            unsafe { bindings::sock_set_reuseaddr(self.sk()) };
            return Ok(());
        }
        self.set_option(OptionLevel::Socket, bindings::SO_REUSEADDR, 0)
    }

    /// Whether `SO_REUSEADDR` is set.
    pub fn reuse_addr(&self) -> Result<bool> {
        Ok(self.socket_option_int(bindings::SO_REUSEADDR)? != 0)
    }

    /// `SO_REUSEPORT`: let several sockets bind the same port.
    pub fn set_reuse_port(&self, on: bool) -> Result {
        self.set_option(OptionLevel::Socket, bindings::SO_REUSEPORT, i32::from(on))
    }

    /// `SO_KEEPALIVE`: send keepalive probes on idle connections.
    pub fn set_keepalive(&self, on: bool) -> Result {
        if on {
            // SAFETY: The socket's `sk` is valid by the `Socket` invariant.
            unsafe { bindings::sock_set_keepalive(self.sk()) };
            return Ok(());
        }
        self.set_option(OptionLevel::Socket, bindings::SO_KEEPALIVE, 0)
    }

    /// Whether `SO_KEEPALIVE` is set.
    pub fn keepalive(&self) -> Result<bool> {
        Ok(self.socket_option_int(bindings::SO_KEEPALIVE)? != 0)
    }

    /// `SO_PRIORITY`: the queueing priority of sent packets.
    pub fn set_priority(&self, priority: u32) {
        // SAFETY: The socket's `sk` is valid by the `Socket` invariant.
        unsafe { bindings::sock_set_priority(self.sk(), priority) };
    }

    /// The `SO_PRIORITY` value.
    pub fn priority(&self) -> Result<u32> {
        Ok(u32::try_from(
            self.socket_option_int(bindings::SO_PRIORITY)?,
        )?)
    }

    /// `SO_MARK`: the packet mark used by routing and filtering.
    pub fn set_mark(&self, mark: u32) {
        // SAFETY: The socket's `sk` is valid by the `Socket` invariant.
        unsafe { bindings::sock_set_mark(self.sk(), mark) };
    }

    /// The `SO_MARK` value.
    pub fn mark(&self) -> Result<u32> {
        Ok(self.socket_option_int(bindings::SO_MARK)? as u32)
    }

    /// `SO_RCVBUF`: receive buffer size in bytes (the kernel doubles it for bookkeeping).
    pub fn set_recv_buffer_size(&self, size: usize) -> Result {
        let size = i32::try_from(size)?;
        // SAFETY: The socket's `sk` is valid by the `Socket` invariant.
        unsafe { bindings::sock_set_rcvbuf(self.sk(), size) };
        Ok(())
    }

    /// The `SO_RCVBUF` value as the kernel reports it.
    pub fn recv_buffer_size(&self) -> Result<usize> {
        Ok(usize::try_from(
            self.socket_option_int(bindings::SO_RCVBUF)?,
        )?)
    }

    /// `SO_SNDBUF`: send buffer size in bytes (the kernel doubles it for bookkeeping).
    pub fn set_send_buffer_size(&self, size: usize) -> Result {
        let size = i32::try_from(size)?;
        self.set_option(OptionLevel::Socket, bindings::SO_SNDBUF, size)
    }

    /// The `SO_SNDBUF` value as the kernel reports it.
    pub fn send_buffer_size(&self) -> Result<usize> {
        Ok(usize::try_from(
            self.socket_option_int(bindings::SO_SNDBUF)?,
        )?)
    }

    /// `SO_RCVTIMEO`: a blocking receive or accept fails with `EAGAIN` after
    /// `timeout`; `None` waits forever, `Some(ZERO)` is `EINVAL`.
    pub fn set_read_timeout(&self, timeout: Option<Duration>) -> Result {
        self.set_timeout(bindings::SO_RCVTIMEO_NEW, timeout)
    }

    /// `SO_SNDTIMEO`: a blocking send (or connect) fails with `EAGAIN` after `timeout`.
    pub fn set_write_timeout(&self, timeout: Option<Duration>) -> Result {
        self.set_timeout(bindings::SO_SNDTIMEO_NEW, timeout)
    }

    fn set_timeout(&self, name: u32, timeout: Option<Duration>) -> Result {
        let tv = timeval(timeout)?;
        let mut bytes = [0u8; size_of::<bindings::__kernel_sock_timeval>()];
        bytes[..8].copy_from_slice(&tv.tv_sec.to_ne_bytes());
        bytes[8..].copy_from_slice(&tv.tv_usec.to_ne_bytes());
        // SAFETY: `SO_RCVTIMEO_NEW`/`SO_SNDTIMEO_NEW` take a `__kernel_sock_timeval` (two
        // 64-bit integers, no padding, no pointer) and only bound how long calls block.
        unsafe { self.set_option_bytes(OptionLevel::Socket, name, &bytes) }
    }

    fn timeout(&self, name: u32) -> Result<Option<Duration>> {
        let mut tv = bindings::__kernel_sock_timeval {
            tv_sec: 0,
            tv_usec: 0,
        };
        let mut len = size_of::<bindings::__kernel_sock_timeval>() as i32;
        // SAFETY: The socket is valid; `tv` and `len` are writable kernel buffers.
        to_result(unsafe {
            bindings::sock_getsockopt_kernel(
                self.as_ptr(),
                name as i32,
                core::ptr::from_mut(&mut tv).cast::<c_void>(),
                &mut len,
            )
        })?;
        let secs = u64::try_from(tv.tv_sec)?;
        let micros = u32::try_from(tv.tv_usec)?;
        let d = Duration::new(secs, 0).saturating_add(Duration::from_micros(micros.into()));
        Ok(if d.is_zero() { None } else { Some(d) })
    }

    /// The receive timeout; `None` if receives wait forever.
    pub fn read_timeout(&self) -> Result<Option<Duration>> {
        self.timeout(bindings::SO_RCVTIMEO_NEW)
    }

    /// The send timeout; `None` if sends wait forever.
    pub fn write_timeout(&self) -> Result<Option<Duration>> {
        self.timeout(bindings::SO_SNDTIMEO_NEW)
    }

    /// Takes the pending socket error (`SO_ERROR`), e.g. the outcome of a
    /// non-blocking connect: `Ok(None)` if there was none.
    pub fn take_error(&self) -> Result<Option<Error>> {
        let err = self.socket_option_int(bindings::SO_ERROR)?;
        Ok((err != 0).then(|| Error::from_errno(-err)))
    }

    /// Whether the socket is listening (`SO_ACCEPTCONN`).
    pub fn is_listening(&self) -> Result<bool> {
        Ok(self.socket_option_int(bindings::SO_ACCEPTCONN)? != 0)
    }

    /// Disables lingering on close: a close with unsent data resets the connection.
    pub fn set_no_linger(&self) {
        // SAFETY: The socket's `sk` is valid by the `Socket` invariant.
        unsafe { bindings::sock_no_linger(self.sk()) };
    }

    /// `TCP_NODELAY`: send small segments immediately (disable Nagle).
    pub fn set_nodelay(&self, on: bool) -> Result {
        self.set_option(OptionLevel::Tcp, bindings::TCP_NODELAY, i32::from(on))
    }

    /// `TCP_KEEPIDLE`: seconds of idleness before keepalive probes start.
    pub fn set_keepidle(&self, secs: u32) -> Result {
        self.require_tcp()?;
        let secs = i32::try_from(secs)?;
        // SAFETY: `sk` is valid by the `Socket` invariant and is a TCP socket (checked above);
        // the helper checks the range.
        to_result(unsafe { bindings::tcp_sock_set_keepidle(self.sk(), secs) })
    }

    /// `TCP_KEEPINTVL`: seconds between keepalive probes.
    pub fn set_keepintvl(&self, secs: u32) -> Result {
        self.require_tcp()?;
        let secs = i32::try_from(secs)?;
        // SAFETY: As for `set_keepidle`.
        to_result(unsafe { bindings::tcp_sock_set_keepintvl(self.sk(), secs) })
    }

    /// `TCP_KEEPCNT`: unanswered probes before the connection is dropped.
    pub fn set_keepcnt(&self, count: u32) -> Result {
        self.require_tcp()?;
        let count = i32::try_from(count)?;
        // SAFETY: As for `set_keepidle`.
        to_result(unsafe { bindings::tcp_sock_set_keepcnt(self.sk(), count) })
    }

    /// `TCP_USER_TIMEOUT`: milliseconds sent data may stay unacknowledged.
    pub fn set_user_timeout(&self, millis: u32) -> Result {
        self.require_tcp()?;
        let millis = i32::try_from(millis)?;
        // SAFETY: As for `set_keepidle`.
        to_result(unsafe { bindings::tcp_sock_set_user_timeout(self.sk(), millis) })
    }

    /// `IP_TOS`: the type-of-service byte of sent IPv4 packets.
    pub fn set_tos(&self, tos: u8) -> Result {
        self.require_inet()?;
        // SAFETY: `sk` is valid by the `Socket` invariant and an inet socket (checked above).
        unsafe { bindings::ip_sock_set_tos(self.sk(), tos.into()) };
        Ok(())
    }

    /// `IP_FREEBIND`: allow binding to addresses not (yet) configured.
    pub fn set_freebind(&self, on: bool) -> Result {
        self.set_option(OptionLevel::Ip, bindings::IP_FREEBIND, i32::from(on))
    }

    /// `IP_PKTINFO`: deliver an `IP_PKTINFO` control message with each datagram.
    pub fn set_pktinfo(&self, on: bool) -> Result {
        self.set_option(OptionLevel::Ip, bindings::IP_PKTINFO, i32::from(on))
    }

    /// `IPV6_V6ONLY`: an IPv6 socket does not accept IPv4-mapped traffic.
    ///
    /// `ENOPROTOOPT` on a socket that is not IPv6; `EINVAL` once it is bound.
    pub fn set_only_v6(&self, on: bool) -> Result {
        if self.family() != Ok(AddressFamily::Inet6) {
            return Err(ENOPROTOOPT);
        }
        self.set_option(OptionLevel::Ipv6, bindings::IPV6_V6ONLY, i32::from(on))
    }
}
