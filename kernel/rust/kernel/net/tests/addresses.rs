// SPDX-License-Identifier: GPL-2.0

//! Socket addresses: the C layouts of `sockaddr_in`, `sockaddr_in6` and
//! `sockaddr_un` built and read back, text forms, and the enum conversions.

use super::*;

#[macros::kunit_tests(rust_net_addresses)]
mod cases {
    use super::*;

    fn bytes_of(addr: &SockAddr) -> SockAddrStorage {
        SockAddrStorage::from(addr)
    }

    #[test]
    fn v4_storage_round_trip_and_port_byte_order() -> TestResult {
        let a = SockAddr::v4(Ipv4Addr::new(192, 0, 2, 7), 0x1234);
        let raw = bytes_of(&a);
        check_eq!(raw.len(), 16);
        check_eq!(raw.as_bytes()[..2], 2u16.to_ne_bytes());
        check_eq!(raw.as_bytes()[2..4], [0x12, 0x34]);
        check_eq!(raw.as_bytes()[4..8], [192, 0, 2, 7]);
        check_eq!(raw.to_sock_addr()?, a);
        Ok(())
    }

    #[test]
    fn v6_storage_round_trip_flowinfo_and_scope() -> TestResult {
        let ip = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1);
        let a = SockAddr::V6(SocketAddrV6::new(ip, 8080, 0x000a_bcde, 2));
        let raw = bytes_of(&a);
        check_eq!(raw.len(), 28);
        check_eq!(raw.as_bytes()[2..4], 8080u16.to_be_bytes());
        check_eq!(raw.as_bytes()[4..8], 0x000a_bcdeu32.to_be_bytes());
        check_eq!(raw.as_bytes()[8..24], ip.octets());
        check_eq!(raw.as_bytes()[24..28], 2u32.to_ne_bytes());
        check_eq!(raw.to_sock_addr()?, a);
        Ok(())
    }

    #[test]
    fn v4_mapped_v6_round_trip() -> TestResult {
        let mapped = Ipv4Addr::new(10, 0, 2, 15).to_ipv6_mapped();
        let a = SockAddr::v6(mapped, 53);
        check_eq!(bytes_of(&a).to_sock_addr()?, a);
        check_eq!(mapped.to_ipv4_mapped(), Some(Ipv4Addr::new(10, 0, 2, 15)));
        Ok(())
    }

    #[test]
    fn unix_addresses_round_trip() -> TestResult {
        let path = SockAddr::Unix(UnixAddr::pathname(b"/run/knet")?);
        let raw = bytes_of(&path);
        check_eq!(raw.len(), 2 + 9 + 1);
        check_eq!(raw.to_sock_addr()?, path);
        let abs = SockAddr::Unix(UnixAddr::abstract_name(b"knet\0x")?);
        check_eq!(bytes_of(&abs).len(), 2 + 1 + 6);
        check_eq!(bytes_of(&abs).to_sock_addr()?, abs);
        let unnamed = SockAddr::Unix(UnixAddr::unnamed());
        check_eq!(bytes_of(&unnamed).len(), 2);
        check_eq!(bytes_of(&unnamed).to_sock_addr()?, unnamed);
        // The longest path has no room for a NUL and is still read back whole.
        let longest = SockAddr::Unix(UnixAddr::pathname(&[b'p'; UNIX_PATH_MAX])?);
        check_eq!(bytes_of(&longest).len(), 110);
        check_eq!(bytes_of(&longest).to_sock_addr()?, longest);
        check!(UnixAddr::abstract_name(&[b'a'; UNIX_PATH_MAX]).is_err());
        check!(UnixAddr::pathname(b"").is_err());
        Ok(())
    }

    #[test]
    fn short_addresses_are_einval() -> TestResult {
        let v4 = bytes_of(&SockAddr::v4(Ipv4Addr::LOCALHOST, 1));
        check_eq!(SockAddr::from_bytes(&v4.as_bytes()[..15]), Err(EINVAL));
        let v6 = bytes_of(&SockAddr::v6(Ipv6Addr::LOCALHOST, 1));
        check_eq!(SockAddr::from_bytes(&v6.as_bytes()[..23]), Err(EINVAL));
        check_eq!(SockAddr::from_bytes(&[1]), Err(EINVAL));
        check_eq!(SockAddr::from_bytes(&[]), Err(EINVAL));
        let mut s = SockAddrStorage::new();
        // SAFETY: The length is rejected before anything is read.
        let too_long = unsafe { s.set_len(STORAGE_SIZE + 1) };
        check_eq!(too_long, Err(EINVAL));
        Ok(())
    }

    #[test]
    fn rfc2133_v6_length_has_no_scope() -> TestResult {
        let a = SockAddr::V6(SocketAddrV6::new(Ipv6Addr::LOCALHOST, 9, 0, 5));
        let raw = bytes_of(&a);
        let short = SockAddr::from_bytes(&raw.as_bytes()[..24])?;
        check_eq!(short, SockAddr::v6(Ipv6Addr::LOCALHOST, 9));
        Ok(())
    }

    #[test]
    fn unknown_family_is_eafnosupport() -> TestResult {
        let mut raw = [0u8; 32];
        raw[..2].copy_from_slice(&99u16.to_ne_bytes());
        check_eq!(SockAddr::from_bytes(&raw), Err(EAFNOSUPPORT));
        raw[..2].copy_from_slice(&(AddressFamily::Packet.as_raw()).to_ne_bytes());
        check_eq!(SockAddr::from_bytes(&raw), Err(EAFNOSUPPORT));
        Ok(())
    }

    #[test]
    fn text_round_trip() -> TestResult {
        for text in [
            "127.0.0.1:80",
            "[::1]:443",
            "[fe80::1%3]:22",
            "[::ffff:10.0.2.15]:7",
            "unix:/tmp/x",
            "unix:@abstract",
        ] {
            let a: SockAddr = text.parse()?;
            let printed = crate::str::CString::try_from_fmt(crate::prelude::fmt!("{}", a))?;
            let again: SockAddr = printed.to_str().map_err(|_| EINVAL)?.parse()?;
            check_eq!(again, a);
        }
        let scoped: SockAddr = "[fe80::1%3]:22".parse()?;
        check!(matches!(scoped, SockAddr::V6(a) if a.scope_id() == 3));
        Ok(())
    }

    #[test]
    fn text_garbage_is_einval() -> TestResult {
        for text in [
            "",
            "1.2.3.4",
            "1.2.3.4:99999",
            "[::1]",
            "::1:80",
            "unix:",
            "host:80",
        ] {
            check_eq!(text.parse::<SockAddr>(), Err(EINVAL));
        }
        Ok(())
    }

    #[test]
    fn unknown_enum_values_rejected() -> TestResult {
        check_eq!(AddressFamily::try_from(0xffffu16), Err(EAFNOSUPPORT));
        check_eq!(SocketType::try_from(0), Err(ESOCKTNOSUPPORT));
        check_eq!(IpProtocol::try_from(1000), Err(EPROTONOSUPPORT));
        check_eq!(AddressFamily::try_from(10u16), Ok(AddressFamily::Inet6));
        Ok(())
    }
}
