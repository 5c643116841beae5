// SPDX-License-Identifier: GPL-2.0

//! TCP over loopback: exchange, addresses, shutdown and wake-ups,
//! non-blocking calls, errors of each state, and timeouts.

use super::*;
use crate::net::tcp::{TcpListener, TcpStream};

#[macros::kunit_tests(rust_net_tcp)]
mod cases {
    use super::*;

    fn exchange(v6: bool) -> TestResult {
        let (_l, c, s) = tcp_pair(v6)?;
        let msg = b"hello, kernel sockets";
        check_eq!(c.send(msg, MessageFlags::NONE)?, msg.len());
        let mut buf = [0u8; 21];
        recv_exact(&s, &mut buf)?;
        check_eq!(&buf, msg);
        check_eq!(s.send(b"pong", MessageFlags::NONE)?, 4);
        let mut back = [0u8; 4];
        recv_exact(&c, &mut back)?;
        check_eq!(&back, b"pong");
        Ok(())
    }

    #[test]
    fn tcp_v4_exchange() -> TestResult {
        exchange(false)
    }

    #[test]
    fn tcp_v6_exchange() -> TestResult {
        exchange(true)
    }

    fn addresses(v6: bool) -> TestResult {
        let (l, c, s) = tcp_pair(v6)?;
        let laddr = l.local_addr()?;
        check_eq!(laddr.is_ipv6(), v6);
        check!(laddr.port().unwrap_or(0) != 0);
        check_eq!(c.peer_addr()?, laddr);
        check_eq!(s.local_addr()?, laddr);
        check_eq!(s.peer_addr()?, c.local_addr()?);
        Ok(())
    }

    #[test]
    fn tcp_v4_local_and_peer_addresses() -> TestResult {
        addresses(false)
    }

    #[test]
    fn tcp_v6_local_and_peer_addresses() -> TestResult {
        addresses(true)
    }

    #[test]
    fn tcp_eof_after_peer_shutdown() -> TestResult {
        let (_l, c, s) = tcp_pair(false)?;
        c.send(b"last", MessageFlags::NONE)?;
        c.shutdown(Shutdown::Write)?;
        let mut buf = [0u8; 4];
        recv_exact(&s, &mut buf)?;
        check_eq!(s.recv(&mut buf, MessageFlags::NONE)?, 0);
        check_eq!(s.recv(&mut buf, MessageFlags::NONE)?, 0);
        Ok(())
    }

    #[test]
    fn tcp_epipe_after_local_write_shutdown() -> TestResult {
        let (_l, c, _s) = tcp_pair(false)?;
        c.shutdown(Shutdown::Write)?;
        check_eq!(c.send(b"x", MessageFlags::NOSIGNAL), Err(EPIPE));
        Ok(())
    }

    #[test]
    fn tcp_blocked_recv_woken_by_shutdown() -> TestResult {
        let (_l, c, s) = tcp_pair(false)?;
        let s = Arc::new(s, crate::alloc::flags::GFP_KERNEL)?;
        // A guard: if the wake-up never comes, fail instead of hanging.
        s.set_read_timeout(Some(Duration::from_secs(10)))?;
        later(100, s.clone(), Background::Shutdown(Shutdown::Both))?;
        let mut buf = [0u8; 8];
        // Nothing is ever sent: only the shutdown can end this receive.
        check_eq!(s.recv(&mut buf, MessageFlags::NONE)?, 0);
        drop(c);
        Ok(())
    }

    #[test]
    fn tcp_blocked_accept_woken_by_shutdown() -> TestResult {
        let (l, _addr) = listener(false)?;
        let l = Arc::new(l, crate::alloc::flags::GFP_KERNEL)?;
        l.set_read_timeout(Some(Duration::from_secs(10)))?;
        later(100, l.clone(), Background::Shutdown(Shutdown::Both))?;
        check_eq!(l.accept().err(), Some(EINVAL));
        Ok(())
    }

    #[test]
    fn tcp_nonblocking_accept_eagain() -> TestResult {
        let (l, _addr) = listener(true)?;
        l.set_nonblocking(true);
        check!(l.is_nonblocking());
        check_eq!(l.accept().err(), Some(EAGAIN));
        Ok(())
    }

    #[test]
    fn tcp_nonblocking_recv_eagain() -> TestResult {
        let (_l, _c, s) = tcp_pair(false)?;
        s.set_nonblocking(true);
        let mut buf = [0u8; 8];
        check_eq!(s.recv(&mut buf, MessageFlags::NONE), Err(EAGAIN));
        s.set_nonblocking(false);
        check!(!s.is_nonblocking());
        Ok(())
    }

    #[test]
    fn tcp_dontwait_recv_eagain() -> TestResult {
        let (_l, c, _s) = tcp_pair(true)?;
        let mut buf = [0u8; 8];
        check_eq!(c.recv(&mut buf, MessageFlags::DONTWAIT), Err(EAGAIN));
        Ok(())
    }

    #[test]
    fn tcp_nonblocking_connect_einprogress() -> TestResult {
        let (l, addr) = listener(false)?;
        let c = tcp_socket(false)?;
        c.set_nonblocking(true);
        let r = c.connect(&addr);
        // Loopback may complete at once; otherwise the connect is in progress.
        check!(r.is_ok() || r == Err(EINPROGRESS));
        let s = l.accept()?;
        check_eq!(c.take_error()?, None);
        check_eq!(c.peer_addr()?, addr);
        check_eq!(s.peer_addr()?, c.local_addr()?);
        Ok(())
    }

    #[test]
    fn tcp_nonblocking_connect_refused_via_so_error() -> TestResult {
        let target = closed_port(false)?;
        let c = tcp_socket(false)?;
        c.set_nonblocking(true);
        let r = c.connect(&target);
        if r == Err(EINPROGRESS) {
            sleep_ms(50);
            check_eq!(c.take_error()?, Some(ECONNREFUSED));
        } else {
            check_eq!(r, Err(ECONNREFUSED));
        }
        Ok(())
    }

    #[test]
    fn tcp_bind_in_use_eaddrinuse() -> TestResult {
        let (_l, addr) = listener(false)?;
        let other = tcp_socket(false)?;
        check_eq!(other.bind(&addr), Err(EADDRINUSE));
        Ok(())
    }

    #[test]
    fn tcp_bind_foreign_address_eaddrnotavail() -> TestResult {
        let s = tcp_socket(false)?;
        check_eq!(s.bind(&"192.0.2.1:0".parse()?), Err(EADDRNOTAVAIL));
        Ok(())
    }

    #[test]
    fn tcp_connect_refused() -> TestResult {
        let target = closed_port(true)?;
        check_eq!(tcp_socket(true)?.connect(&target), Err(ECONNREFUSED));
        Ok(())
    }

    #[test]
    fn tcp_connect_twice_eisconn() -> TestResult {
        let (l, addr) = listener(false)?;
        let c = tcp_socket(false)?;
        c.connect(&addr)?;
        let _s = l.accept()?;
        check_eq!(c.connect(&addr), Err(EISCONN));
        Ok(())
    }

    #[test]
    fn tcp_unconnected_recv_enotconn() -> TestResult {
        let mut buf = [0u8; 4];
        check_eq!(
            tcp_socket(false)?.recv(&mut buf, MessageFlags::NONE),
            Err(ENOTCONN)
        );
        Ok(())
    }

    #[test]
    fn tcp_unconnected_peer_addr_enotconn() -> TestResult {
        check_eq!(tcp_socket(true)?.peer_addr(), Err(ENOTCONN));
        Ok(())
    }

    #[test]
    fn tcp_unconnected_shutdown_enotconn() -> TestResult {
        check_eq!(tcp_socket(false)?.shutdown(Shutdown::Both), Err(ENOTCONN));
        Ok(())
    }

    #[test]
    fn tcp_bind_wrong_family_eafnosupport() -> TestResult {
        let s = tcp_socket(false)?;
        check_eq!(s.bind(&loopback(true)), Err(EAFNOSUPPORT));
        Ok(())
    }

    #[test]
    fn tcp_vectored_send_and_receive() -> TestResult {
        let (_l, c, s) = tcp_pair(false)?;
        let parts: [&[u8]; 3] = [b"abc", b"", b"defgh"];
        let iov = [
            IoSlice::new(parts[0]),
            IoSlice::new(parts[1]),
            IoSlice::new(parts[2]),
        ];
        check_eq!(c.send_vectored(&iov, MessageFlags::NONE)?, 8);
        let (mut a, mut b) = ([0u8; 5], [0u8; 3]);
        let mut into = [IoSliceMut::new(&mut a), IoSliceMut::new(&mut b)];
        check_eq!(s.recv_vectored(&mut into, MessageFlags::WAITALL)?, 8);
        check_eq!(&a, b"abcde");
        check_eq!(&b, b"fgh");
        Ok(())
    }

    #[test]
    fn tcp_peek_leaves_data() -> TestResult {
        let (_l, c, s) = tcp_pair(false)?;
        c.send(b"peekaboo", MessageFlags::NONE)?;
        let mut buf = [0u8; 8];
        check_eq!(
            s.recv(&mut buf, MessageFlags::PEEK | MessageFlags::WAITALL)?,
            8
        );
        let mut again = [0u8; 8];
        recv_exact(&s, &mut again)?;
        check_eq!(buf, again);
        check_eq!(&again, b"peekaboo");
        Ok(())
    }

    #[test]
    fn tcp_one_mib_transfer_checked() -> TestResult {
        const TOTAL: usize = 1 << 20;
        let (_l, c, s) = tcp_pair(false)?;
        let c = Arc::new(c, crate::alloc::flags::GFP_KERNEL)?;
        s.set_read_timeout(Some(Duration::from_secs(10)))?;
        later(0, c.clone(), Background::SendPattern(TOTAL))?;
        let mut got = 0;
        let mut buf = [0u8; 1000];
        while got < TOTAL {
            let n = s.recv(&mut buf, MessageFlags::NONE)?;
            check!(n > 0);
            for (i, b) in buf[..n].iter().enumerate() {
                if *b != pattern(got + i) {
                    return Err(expectation_failed(
                        file!(),
                        line!(),
                        "byte differs from pattern",
                    ));
                }
            }
            got += n;
        }
        check_eq!(got, TOTAL);
        Ok(())
    }

    #[test]
    fn tcp_dual_stack_listener_sees_v4_mapped_peer() -> TestResult {
        let l = tcp_socket(true)?;
        l.bind(&SockAddr::v6(Ipv6Addr::UNSPECIFIED, 0))?;
        l.listen(4)?;
        let port = l.local_addr()?.port().unwrap_or(0);
        let c = tcp_socket(false)?;
        c.connect(&SockAddr::v4(Ipv4Addr::LOCALHOST, port))?;
        let s = l.accept()?;
        let peer = s.peer_addr()?;
        let mapped = Ipv4Addr::LOCALHOST.to_ipv6_mapped();
        check!(matches!(peer, SockAddr::V6(a) if *a.ip() == mapped));
        check_eq!(peer.port(), c.local_addr()?.port());
        Ok(())
    }

    #[test]
    fn tcp_v6_only_listener_refuses_v4() -> TestResult {
        let l = tcp_socket(true)?;
        l.set_only_v6(true)?;
        l.bind(&SockAddr::v6(Ipv6Addr::UNSPECIFIED, 0))?;
        l.listen(4)?;
        let port = l.local_addr()?.port().unwrap_or(0);
        let c = tcp_socket(false)?;
        check_eq!(
            c.connect(&SockAddr::v4(Ipv4Addr::LOCALHOST, port)),
            Err(ECONNREFUSED)
        );
        Ok(())
    }

    #[test]
    fn tcp_read_timeout_expires() -> TestResult {
        let (_l, _c, s) = tcp_pair(false)?;
        s.set_read_timeout(Some(Duration::from_millis(50)))?;
        let mut buf = [0u8; 1];
        check_eq!(s.recv(&mut buf, MessageFlags::NONE), Err(EAGAIN));
        Ok(())
    }

    /// The `std::net`-shaped wrappers: the same exchange through `TcpListener` and `TcpStream`.
    #[test]
    fn tcp_listener_and_stream_wrappers() -> TestResult {
        for v6 in [false, true] {
            let listener = TcpListener::bind(ns(), &inet_loopback(v6), 4)?;
            let addr = listener.local_addr()?;
            check_eq!(addr.is_ipv6(), v6);
            let client = TcpStream::connect(ns(), &addr)?;
            let (server, peer) = listener.accept()?;
            check_eq!(peer, client.local_addr()?);
            check_eq!(server.peer_addr()?, client.local_addr()?);
            client.set_nodelay(true)?;
            client.write_all(b"wrapped")?;
            let mut buf = [0u8; 7];
            server.read_exact(&mut buf)?;
            check_eq!(&buf, b"wrapped");
            client.shutdown(Shutdown::Write)?;
            check_eq!(server.read(&mut buf)?, 0);
            // A wrapper only takes the socket it is named after.
            let (u, _) = bound_udp(v6)?;
            check!(TcpStream::try_from(u).is_err());
            check!(TcpListener::try_from(tcp_socket(v6)?).is_err());
        }
        Ok(())
    }
}
