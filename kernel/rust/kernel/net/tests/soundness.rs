// SPDX-License-Identifier: GPL-2.0

//! Regression tests of the soundness audit: each case drives only safe calls
//! that, before its fix, corrupted memory, tripped a kernel warning, handed
//! out uninitialised memory or let a reference go.

use super::*;
use crate::net::{tcp::TcpStream, unix::UnixDatagram};
use core::mem::MaybeUninit;

#[macros::kunit_tests(rust_net_soundness)]
mod cases {
    use super::*;

    /// Brings up the loopback device of a fresh namespace, so connections can be made in it.
    fn loopback_up(net: &Namespace) -> Result<(), Error> {
        // SAFETY: `net` is live, and so is its loopback device, which lives as long as the
        // namespace; `dev_open` is called under the RTNL as it requires.
        let ret = unsafe {
            bindings::rtnl_lock();
            let ret = bindings::dev_open((*net.as_ptr()).loopback_dev, core::ptr::null_mut());
            bindings::rtnl_unlock();
            ret
        };
        crate::error::to_result(ret)
    }

    /// `tcp_sock_set_*` cast `sk` to a `tcp_sock`. A raw socket whose protocol
    /// number is TCP passed the old check (family and protocol only) and
    /// `set_keepidle` wrote past its end (KASAN: slab-out-of-bounds).
    #[test]
    fn raw_socket_with_tcp_protocol_refuses_tcp_options() -> TestResult {
        for family in [AddressFamily::Inet, AddressFamily::Inet6] {
            let raw = Socket::new_kern(ns(), family, SocketType::Raw, IpProtocol::Tcp)?;
            check_eq!(raw.protocol()?, IpProtocol::Tcp);
            check_eq!(raw.set_keepidle(7200), Err(ENOPROTOOPT));
            check_eq!(raw.set_keepintvl(5), Err(ENOPROTOOPT));
            check_eq!(raw.set_keepcnt(4), Err(ENOPROTOOPT));
            check_eq!(raw.set_user_timeout(1000), Err(ENOPROTOOPT));
            // A raw socket is an `inet_sock`: the IP helpers apply to it.
            raw.set_tos(0x10)?;
            check!(TcpStream::try_from(raw).is_err());
        }
        let unix = Socket::new_kern(
            ns(),
            AddressFamily::Unix,
            SocketType::Stream,
            IpProtocol::Ip,
        )?;
        check_eq!(unix.set_tos(0x10), Err(ENOPROTOOPT));
        check_eq!(unix.set_keepidle(60), Err(ENOPROTOOPT));
        Ok(())
    }

    /// `kernel_sendmsg` does not strip the internal flags the syscalls strip:
    /// `MSG_SPLICE_PAGES` from a slab buffer tripped a WARN in
    /// `skb_splice_from_iter`, and took page references to a borrowed buffer.
    /// Every bit outside the allow-lists is refused in each direction.
    #[test]
    fn flags_outside_the_allow_lists_refused() -> TestResult {
        let (_l, c, s) = tcp_pair(false)?;
        let (u, u_addr) = bound_udp(false)?;
        let data = [0x33u8; 512];
        let splice = MessageFlags::from_raw(bindings::MSG_SPLICE_PAGES);
        check_eq!(c.send(&data, splice), Err(EINVAL));
        check_eq!(u.send_to(&data, &u_addr, splice), Err(EINVAL));
        let zerocopy = MessageFlags::from_raw(bindings::MSG_ZEROCOPY);
        check_eq!(c.send(&data, zerocopy), Err(EINVAL));
        let mut buf = [0u8; 16];
        for bit in 0..32 {
            let flag = MessageFlags::from_raw(1 << bit);
            if !MessageFlags::SEND_ALLOWED.contains(flag) {
                check_eq!(c.send(b"x", flag), Err(EINVAL));
                check_eq!(u.send_to(b"x", &u_addr, flag), Err(EINVAL));
            }
            if !MessageFlags::RECV_ALLOWED.contains(flag) {
                check_eq!(s.recv(&mut buf, flag | MessageFlags::DONTWAIT), Err(EINVAL));
                check_eq!(
                    u.recv_from(&mut buf, flag | MessageFlags::DONTWAIT).err(),
                    Some(EINVAL)
                );
            }
        }
        // Nothing was sent by the refused calls.
        check_eq!(s.recv(&mut buf, MessageFlags::DONTWAIT), Err(EAGAIN));
        Ok(())
    }

    /// TCP with `MSG_TRUNC` discards data without copying it and returns the
    /// count: `recv_uninit` handed that many uninitialised bytes out as `&mut [u8]`.
    #[test]
    fn recv_uninit_hands_out_only_copied_bytes() -> TestResult {
        let (_l, c, s) = tcp_pair(false)?;
        c.send(&[0x5a; 64], MessageFlags::NONE)?;
        let mut buf = [MaybeUninit::<u8>::uninit(); 128];
        check_eq!(
            s.recv_uninit(&mut buf, MessageFlags::TRUNC).err(),
            Some(EINVAL)
        );
        let got = s.recv_uninit(&mut buf[..64], MessageFlags::WAITALL)?;
        check_eq!(got.len(), 64);
        check!(got.iter().all(|&b| b == 0x5a));
        // A datagram longer than the buffer: only the copied part comes back.
        let (a, _) = bound_udp(false)?;
        let (b, b_addr) = bound_udp(false)?;
        a.send_to(&[0xa5; 100], &b_addr, MessageFlags::NONE)?;
        let got = b.recv_uninit(&mut buf[..10], MessageFlags::NONE)?;
        check_eq!(got.len(), 10);
        check!(got.iter().all(|&b| b == 0xa5));
        Ok(())
    }

    /// A kernel socket held no reference on its namespace in C; the wrapper's own
    /// reference went with the `Socket`, while an orphaned TCP connection (here in
    /// `FIN_WAIT2`, with its timers) lived on in a namespace that could be
    /// dismantled. Now the `sk` holds the reference until it is destructed.
    #[test]
    fn orphaned_connection_keeps_its_namespace() -> TestResult {
        let other = Namespace::create()?;
        loopback_up(&other)?;
        let base = refcount(&other);
        let tcp_in = || {
            Socket::new_kern(
                &other,
                AddressFamily::Inet,
                SocketType::Stream,
                IpProtocol::Tcp,
            )
        };
        let l = tcp_in()?;
        l.bind(&SockAddr::v4(Ipv4Addr::LOCALHOST, 0))?;
        l.listen(1)?;
        let c = tcp_in()?;
        c.connect(&l.local_addr()?)?;
        let s = l.accept()?;
        drop(l);
        // The client closes first and is orphaned in FIN_WAIT2 while the server side stays open.
        drop(c);
        check!(refcount(&other) >= base + 2);
        drop(s);
        // `other` goes once the orphan is gone; the KASAN runs check that nothing touches it after.
        Ok(())
    }

    /// A control buffer on a Unix receive let a peer's `SCM_RIGHTS` reach
    /// `scm_detach_fds` (a WARN, and the files leaked) and `SO_PASSPIDFD` install
    /// a descriptor into the calling task. Sending control data is refused too.
    #[test]
    fn unix_control_buffers_refused() -> TestResult {
        let new = || unix_socket(SocketType::Datagram);
        let b_addr = SockAddr::Unix(UnixAddr::abstract_name(b"knet-kunit-scm")?);
        let (a, b) = (new()?, new()?);
        b.bind(&b_addr)?;
        a.send_to(b"x", &b_addr, MessageFlags::NONE)?;
        let mut control = [0u8; 64];
        let mut buf = [0u8; 8];
        let mut header = MessageHeader::new().control(&mut control);
        check_eq!(
            b.recv_msg(
                &mut header,
                &mut [IoSliceMut::new(&mut buf)],
                MessageFlags::NONE
            )
            .err(),
            Some(EOPNOTSUPP)
        );
        // Without one, the datagram is received.
        let got = b.recv_msg(
            &mut MessageHeader::new(),
            &mut [IoSliceMut::new(&mut buf)],
            MessageFlags::NONE,
        )?;
        check_eq!(got.len, 1);
        let mut control = [0u8; 64];
        let mut header = MessageHeader::new().to(&b_addr).control(&mut control);
        check_eq!(
            a.send_msg(&mut header, &[IoSlice::new(b"y")], MessageFlags::NONE)
                .err(),
            Some(EINVAL)
        );
        Ok(())
    }

    /// `set_option` reached every option with any bytes: `IPV6_ADDRFORM` turned
    /// an IPv6 socket into an IPv4 one under the wrappers, `TCP_ULP` swapped its
    /// operations, `SO_PASSPIDFD` made receives install descriptors.
    #[test]
    fn options_outside_the_allow_list_refused() -> TestResult {
        let s = tcp_socket(true)?;
        for (level, name) in [
            (OptionLevel::Socket, bindings::SO_ZEROCOPY),
            (OptionLevel::Socket, bindings::SO_PASSCRED),
            (OptionLevel::Socket, bindings::SO_PASSPIDFD),
            (OptionLevel::Socket, bindings::SO_ATTACH_FILTER),
            (OptionLevel::Ipv6, bindings::IPV6_ADDRFORM),
            (OptionLevel::Tcp, bindings::TCP_ULP),
            (OptionLevel::Tcp, bindings::TCP_REPAIR),
        ] {
            check_eq!(s.set_option(level, name, 1), Err(EPERM));
        }
        check_eq!(s.family()?, AddressFamily::Inet6);
        // The typed setters for what drivers commonly need instead.
        s.set_linger(Some(Duration::from_secs(3)))?;
        s.set_linger(Some(Duration::ZERO))?;
        s.set_linger(None)?;
        s.set_bind_to_device(Some(b"lo"))?;
        s.set_bind_to_device(None)?;
        check_eq!(s.set_bind_to_device(Some(b"knet-no-such")), Err(ENODEV));
        check_eq!(s.set_bind_to_device(Some(b"0123456789abcdef")), Err(EINVAL));
        check_eq!(s.set_bind_to_device(Some(b"l\0o")), Err(EINVAL));
        Ok(())
    }

    /// `UnixDatagram::recv_from` consumed a datagram longer than the buffer and
    /// then failed with `EMSGSIZE`; it now reports the truncation as UDP does.
    #[test]
    fn unix_datagram_truncation_reported() -> TestResult {
        let a_name = UnixAddr::abstract_name(b"knet-kunit-trunc-a")?;
        let b_name = UnixAddr::abstract_name(b"knet-kunit-trunc-b")?;
        let a = UnixDatagram::bind(ns(), &a_name)?;
        let b = UnixDatagram::bind(ns(), &b_name)?;
        a.send_to(b"0123456789", &b_name)?;
        a.send_to(b"next", &b_name)?;
        let mut buf = [0u8; 4];
        let d = b.recv_from(&mut buf)?;
        check_eq!((d.len, d.truncated, d.from), (4, true, a_name));
        check_eq!(&buf, b"0123");
        let d = b.recv_from(&mut buf)?;
        check_eq!((d.len, d.truncated), (4, false));
        check_eq!(&buf, b"next");
        Ok(())
    }

    /// `put_cmsg` stores to the control buffer as a `struct cmsghdr`: a buffer at
    /// an odd address is used from its first aligned byte.
    #[test]
    fn misaligned_control_buffer_is_aligned() -> TestResult {
        let (a, _) = bound_udp(false)?;
        let (b, b_addr) = bound_udp(false)?;
        b.set_pktinfo(true)?;
        a.send_to(b"pkt", &b_addr, MessageFlags::NONE)?;
        let mut raw = [0u8; 129];
        let odd = if raw.as_ptr().align_offset(2) == 0 {
            1
        } else {
            0
        };
        let mut buf = [0u8; 8];
        let mut header = MessageHeader::new().control(&mut raw[odd..]);
        let got = b.recv_msg(
            &mut header,
            &mut [IoSliceMut::new(&mut buf)],
            MessageFlags::NONE,
        )?;
        check_eq!(got.len, 3);
        let pktinfo = header
            .control_messages()
            .find(|m| m.level == bindings::SOL_IP as i32 && m.kind == bindings::IP_PKTINFO as i32);
        check!(pktinfo.is_some());
        Ok(())
    }
}
