// SPDX-License-Identifier: GPL-2.0

//! Socket options: the typed setters and getters, what each protocol
//! accepts, and the allow-list of the generic setter.

use super::*;

#[macros::kunit_tests(rust_net_options)]
mod cases {
    use super::*;

    #[test]
    fn option_reuse_addr() -> TestResult {
        let s = tcp_socket(false)?;
        check!(!s.reuse_addr()?);
        s.set_reuse_addr(true)?;
        check!(s.reuse_addr()?);
        s.set_reuse_addr(false)?;
        check!(!s.reuse_addr()?);
        Ok(())
    }

    #[test]
    fn option_keepalive() -> TestResult {
        let s = tcp_socket(true)?;
        check!(!s.keepalive()?);
        s.set_keepalive(true)?;
        check!(s.keepalive()?);
        s.set_keepalive(false)?;
        check!(!s.keepalive()?);
        Ok(())
    }

    #[test]
    fn option_buffer_sizes() -> TestResult {
        let s = udp_socket(false)?;
        s.set_recv_buffer_size(65536)?;
        // The kernel doubles the value for its bookkeeping overhead.
        check_eq!(s.recv_buffer_size()?, 131072);
        s.set_send_buffer_size(32768)?;
        check_eq!(s.send_buffer_size()?, 65536);
        check_eq!(s.set_recv_buffer_size(usize::MAX), Err(EINVAL));
        Ok(())
    }

    #[test]
    fn option_timeouts_round_trip() -> TestResult {
        let s = tcp_socket(false)?;
        check_eq!(s.read_timeout()?, None);
        s.set_read_timeout(Some(Duration::from_millis(1500)))?;
        check_eq!(s.read_timeout()?, Some(Duration::from_millis(1500)));
        s.set_write_timeout(Some(Duration::from_secs(3)))?;
        check_eq!(s.write_timeout()?, Some(Duration::from_secs(3)));
        s.set_read_timeout(None)?;
        check_eq!(s.read_timeout()?, None);
        Ok(())
    }

    #[test]
    fn option_zero_timeout_einval() -> TestResult {
        let s = tcp_socket(false)?;
        check_eq!(s.set_read_timeout(Some(Duration::ZERO)), Err(EINVAL));
        check_eq!(s.set_write_timeout(Some(Duration::ZERO)), Err(EINVAL));
        Ok(())
    }

    #[test]
    fn option_priority_and_mark() -> TestResult {
        let s = udp_socket(false)?;
        s.set_priority(5);
        check_eq!(s.priority()?, 5);
        s.set_mark(0xdead);
        check_eq!(s.mark()?, 0xdead);
        Ok(())
    }

    #[test]
    fn option_tcp_on_udp_enoprotoopt() -> TestResult {
        let s = udp_socket(false)?;
        check_eq!(s.set_keepidle(10), Err(ENOPROTOOPT));
        check_eq!(s.set_keepcnt(3), Err(ENOPROTOOPT));
        check_eq!(s.set_user_timeout(100), Err(ENOPROTOOPT));
        check_eq!(s.set_nodelay(true), Err(ENOPROTOOPT));
        Ok(())
    }

    #[test]
    fn option_tcp_values_checked() -> TestResult {
        let s = tcp_socket(false)?;
        s.set_nodelay(true)?;
        s.set_keepidle(30)?;
        s.set_keepintvl(5)?;
        s.set_keepcnt(4)?;
        s.set_user_timeout(2000)?;
        check_eq!(s.set_keepidle(0), Err(EINVAL));
        check_eq!(s.set_keepcnt(1000), Err(EINVAL));
        check_eq!(s.set_keepidle(u32::MAX), Err(EINVAL));
        Ok(())
    }

    #[test]
    fn option_v6_only_rules() -> TestResult {
        check_eq!(tcp_socket(false)?.set_only_v6(true), Err(ENOPROTOOPT));
        let s = tcp_socket(true)?;
        s.bind(&loopback(true))?;
        check_eq!(s.set_only_v6(true), Err(EINVAL));
        Ok(())
    }

    #[test]
    fn option_unknown_eperm() -> TestResult {
        let s = tcp_socket(false)?;
        // Outside the allow-list: refused before the kernel sees it.
        check_eq!(s.set_option(OptionLevel::Socket, 12345, 1), Err(EPERM));
        check_eq!(s.set_option(OptionLevel::Tcp, 12345, 1), Err(EPERM));
        // Allowed, but not for this protocol.
        check_eq!(
            udp_socket(false)?.set_option(OptionLevel::Tcp, bindings::TCP_NODELAY, 1),
            Err(ENOPROTOOPT)
        );
        // Too short a value for an int option.
        // SAFETY: `SO_KEEPALIVE` is a plain integer option.
        let short =
            unsafe { s.set_option_bytes(OptionLevel::Socket, bindings::SO_KEEPALIVE, &[1u8]) };
        check_eq!(short, Err(EINVAL));
        Ok(())
    }
}
