// SPDX-License-Identifier: GPL-2.0

//! Socket creation and lifetime: what a socket reports about itself, the
//! combinations creation refuses, memalloc sockets, and that many sockets
//! leave nothing behind.

use super::*;

#[macros::kunit_tests(rust_net_sockets)]
mod cases {
    use super::*;

    #[test]
    fn socket_reports_family_type_protocol() -> TestResult {
        let s = udp_socket(true)?;
        check_eq!(s.family()?, AddressFamily::Inet6);
        check_eq!(s.socket_type()?, SocketType::Datagram);
        check_eq!(s.protocol()?, IpProtocol::Udp);
        let (l, _) = listener(false)?;
        check!(l.is_listening()?);
        check!(!tcp_socket(false)?.is_listening()?);
        Ok(())
    }

    #[test]
    fn create_rejects_bad_combinations() -> TestResult {
        let bad = Socket::new_kern(
            ns(),
            AddressFamily::Inet,
            SocketType::Stream,
            IpProtocol::Udp,
        );
        check_eq!(bad.err(), Some(EPROTONOSUPPORT));
        let bad = Socket::new_kern(
            ns(),
            AddressFamily::Inet,
            SocketType::SeqPacket,
            IpProtocol::Ip,
        );
        check_eq!(bad.err(), Some(ESOCKTNOSUPPORT));
        let bad = Socket::new_kern(
            ns(),
            AddressFamily::Unspec,
            SocketType::Stream,
            IpProtocol::Ip,
        );
        check_eq!(bad.err(), Some(EAFNOSUPPORT));
        // SAFETY: A null pointer is explicitly allowed and rejected.
        let null = unsafe { Socket::from_raw(core::ptr::null_mut()) };
        check_eq!(null.err(), Some(EINVAL));
        Ok(())
    }

    #[test]
    fn memalloc_sockets_move_data_and_give_back_the_reserves() -> TestResult {
        // How many sockets may use the memalloc reserves (`sk_memalloc_socks()`).
        fn memalloc_sockets() -> i32 {
            // SAFETY: The static key lives forever; this reads its count.
            unsafe {
                core::ptr::read_volatile(
                    &raw const bindings::memalloc_socks_key.key.enabled.counter,
                )
            }
        }
        let before = memalloc_sockets();
        let (_l, c, s) = tcp_pair(false)?;
        c.set_memalloc();
        c.set_memalloc();
        check_eq!(memalloc_sockets(), before + 1);
        check_eq!(c.send(b"ping", MessageFlags::NONE)?, 4);
        let mut buf = [0u8; 4];
        check_eq!(s.recv(&mut buf, MessageFlags::WAITALL)?, 4);
        check_eq!(s.send(&buf, MessageFlags::NONE)?, 4);
        check_eq!(c.recv(&mut buf, MessageFlags::WAITALL)?, 4);
        check_eq!(&buf, b"ping");
        drop(c);
        check_eq!(memalloc_sockets(), before);
        Ok(())
    }

    #[test]
    fn no_leaks_after_many_sockets() -> TestResult {
        let init = ns();
        let refs = refcount(init);
        // SAFETY: `init_net` is live; this only sums per-CPU counters.
        let user_sockets = unsafe { bindings::sock_inuse_get(init.as_ptr()) };
        for _ in 0..200 {
            let (_l, c, s) = tcp_pair(false)?;
            c.send(b"x", MessageFlags::NONE)?;
            drop(s);
            let (u, _) = bound_udp(true)?;
            drop(u);
            let user = Socket::new(AddressFamily::Inet, SocketType::Datagram, IpProtocol::Udp)?;
            drop(user);
        }
        check_eq!(refcount(init), refs);
        // SAFETY: As above.
        let user_sockets_after = unsafe { bindings::sock_inuse_get(init.as_ptr()) };
        check_eq!(user_sockets_after, user_sockets);
        Ok(())
    }
}
