// SPDX-License-Identifier: GPL-2.0

//! UDP over loopback: datagrams with their sender, truncation, connected
//! sockets, vectored receives and control messages.

use super::*;
use crate::net::udp::UdpSocket;

#[macros::kunit_tests(rust_net_udp)]
mod cases {
    use super::*;

    fn datagram(v6: bool) -> TestResult {
        let (a, a_addr) = bound_udp(v6)?;
        let (b, b_addr) = bound_udp(v6)?;
        check_eq!(a.send_to(b"datagram", &b_addr, MessageFlags::NONE)?, 8);
        let mut buf = [0u8; 64];
        let got = b.recv_from(&mut buf, MessageFlags::NONE)?;
        check_eq!(got.len, 8);
        check!(!got.truncated());
        check_eq!(&buf[..8], b"datagram");
        check_eq!(got.peer, Some(a_addr));
        Ok(())
    }

    #[test]
    fn udp_v4_send_to_receive_from() -> TestResult {
        datagram(false)
    }

    #[test]
    fn udp_v6_send_to_receive_from() -> TestResult {
        datagram(true)
    }

    #[test]
    fn udp_truncation_reported() -> TestResult {
        let (a, _) = bound_udp(false)?;
        let (b, b_addr) = bound_udp(false)?;
        a.send_to(b"0123456789", &b_addr, MessageFlags::NONE)?;
        let mut small = [0u8; 4];
        let got = b.recv_from(&mut small, MessageFlags::NONE)?;
        check_eq!(got.len, 4);
        check!(got.truncated());
        check_eq!(&small, b"0123");
        Ok(())
    }

    #[test]
    fn udp_trunc_flag_returns_real_length() -> TestResult {
        let (a, _) = bound_udp(true)?;
        let (b, b_addr) = bound_udp(true)?;
        a.send_to(&[7u8; 300], &b_addr, MessageFlags::NONE)?;
        let mut small = [0u8; 10];
        let got = b.recv_from(&mut small, MessageFlags::TRUNC)?;
        check_eq!(got.len, 300);
        check!(got.truncated());
        Ok(())
    }

    #[test]
    fn udp_connected_send_and_receive() -> TestResult {
        let (a, a_addr) = bound_udp(false)?;
        let (b, b_addr) = bound_udp(false)?;
        a.connect(&b_addr)?;
        b.connect(&a_addr)?;
        check_eq!(a.send(b"hi", MessageFlags::NONE)?, 2);
        let mut buf = [0u8; 2];
        check_eq!(b.recv(&mut buf, MessageFlags::NONE)?, 2);
        check_eq!(&buf, b"hi");
        check_eq!(a.peer_addr()?, b_addr);
        Ok(())
    }

    #[test]
    fn udp_unconnected_send_edestaddrreq() -> TestResult {
        let (a, _) = bound_udp(false)?;
        check_eq!(a.send(b"x", MessageFlags::NONE), Err(EDESTADDRREQ));
        Ok(())
    }

    #[test]
    fn udp_nonblocking_recv_eagain() -> TestResult {
        let (a, _) = bound_udp(true)?;
        a.set_nonblocking(true);
        let mut buf = [0u8; 8];
        check_eq!(
            a.recv_from(&mut buf, MessageFlags::NONE).err(),
            Some(EAGAIN)
        );
        Ok(())
    }

    #[test]
    fn udp_vectored_receive_scatters() -> TestResult {
        let (a, _) = bound_udp(false)?;
        let (b, b_addr) = bound_udp(false)?;
        a.send_to(b"scatter!", &b_addr, MessageFlags::NONE)?;
        let (mut x, mut y) = ([0u8; 3], [0u8; 10]);
        let mut header = MessageHeader::new().with_peer();
        let got = b.recv_msg(
            &mut header,
            &mut [IoSliceMut::new(&mut x), IoSliceMut::new(&mut y)],
            MessageFlags::NONE,
        )?;
        check_eq!(got.len, 8);
        check_eq!(&x, b"sca");
        check_eq!(&y[..5], b"tter!");
        check_eq!(got.peer, Some(a.local_addr()?));
        Ok(())
    }

    #[test]
    fn udp_pktinfo_control_message() -> TestResult {
        let (a, _) = bound_udp(false)?;
        let (b, b_addr) = bound_udp(false)?;
        b.set_pktinfo(true)?;
        a.send_to(b"x", &b_addr, MessageFlags::NONE)?;
        let mut control = [0u8; 64];
        let mut buf = [0u8; 4];
        let mut header = MessageHeader::new().control(&mut control);
        b.recv_msg(
            &mut header,
            &mut [IoSliceMut::new(&mut buf)],
            MessageFlags::NONE,
        )?;
        check!(header.control_len() > 0);
        let info = header
            .control_messages()
            .find(|m| m.level == bindings::SOL_IP as i32 && m.kind == bindings::IP_PKTINFO as i32);
        check!(info.is_some());
        // `struct in_pktinfo`: ifindex, spec_dst, addr; the destination was 127.0.0.1.
        check_eq!(
            info.map(|m| m.data.get(8..12) == Some(&[127, 0, 0, 1][..])),
            Some(true)
        );
        Ok(())
    }

    #[test]
    fn udp_oversized_datagram_emsgsize() -> TestResult {
        let (a, _) = bound_udp(false)?;
        let (_b, b_addr) = bound_udp(false)?;
        let big = crate::alloc::KVec::<u8>::from_elem(0u8, 70000, crate::alloc::flags::GFP_KERNEL)?;
        check_eq!(a.send_to(&big, &b_addr, MessageFlags::NONE), Err(EMSGSIZE));
        Ok(())
    }

    #[test]
    fn udp_zero_length_datagram() -> TestResult {
        let (a, a_addr) = bound_udp(false)?;
        let (b, b_addr) = bound_udp(false)?;
        check_eq!(a.send_to(&[], &b_addr, MessageFlags::NONE)?, 0);
        let mut buf = [0u8; 4];
        let got = b.recv_from(&mut buf, MessageFlags::NONE)?;
        check_eq!(got.len, 0);
        check_eq!(got.peer, Some(a_addr));
        Ok(())
    }

    #[test]
    fn udp_blocked_recv_woken_by_shutdown() -> TestResult {
        let (a, _) = bound_udp(false)?;
        let a = Arc::new(a, crate::alloc::flags::GFP_KERNEL)?;
        // An unconnected UDP socket reports ENOTCONN but still wakes its waiters.
        a.set_read_timeout(Some(Duration::from_secs(10)))?;
        later(100, a.clone(), Background::Shutdown(Shutdown::Read))?;
        let mut buf = [0u8; 4];
        check_eq!(a.recv(&mut buf, MessageFlags::NONE)?, 0);
        Ok(())
    }

    /// The `std::net`-shaped wrapper: `UdpSocket` reports the sender and truncation.
    #[test]
    fn udp_socket_wrapper() -> TestResult {
        for v6 in [false, true] {
            let a = UdpSocket::bind(ns(), &inet_loopback(v6))?;
            let b = UdpSocket::bind(ns(), &inet_loopback(v6))?;
            let b_addr = b.local_addr()?;
            check_eq!(a.send_to(b"datagram", &b_addr)?, 8);
            let mut buf = [0u8; 4];
            let d = b.recv_from(&mut buf)?;
            check_eq!(d.from, a.local_addr()?);
            check_eq!((d.len, d.truncated), (4, true));
            check_eq!(&buf, b"data");
            a.connect(&b_addr)?;
            check_eq!(a.peer_addr()?, b_addr);
            check_eq!(a.send(b"xy")?, 2);
            check_eq!(b.recv(&mut buf)?, 2);
            let (t, _) = listener(v6)?;
            check!(UdpSocket::try_from(t).is_err());
        }
        Ok(())
    }
}
