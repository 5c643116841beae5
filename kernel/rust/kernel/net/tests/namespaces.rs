// SPDX-License-Identifier: GPL-2.0

//! Network namespaces: sockets live in the namespace they were created in
//! and hold it alive.

use super::*;

#[macros::kunit_tests(rust_net_namespaces)]
mod cases {
    use super::*;

    #[test]
    fn user_socket_in_current_namespace() -> TestResult {
        let s = Socket::new(AddressFamily::Inet, SocketType::Datagram, IpProtocol::Udp)?;
        check!(s.namespace().is_init());
        s.bind(&loopback(false))?;
        Ok(())
    }

    #[test]
    fn new_namespace_does_not_reach_init_net() -> TestResult {
        let (_l, addr) = listener(false)?;
        let other = Namespace::create()?;
        let c = Socket::new_kern(
            &other,
            AddressFamily::Inet,
            SocketType::Stream,
            IpProtocol::Tcp,
        )?;
        // The new namespace's loopback is down: no route to the listener.
        check_eq!(c.connect(&addr), Err(ENETUNREACH));
        check!(core::ptr::eq(c.namespace().as_ptr(), other.as_ptr()));
        Ok(())
    }

    #[test]
    fn kernel_socket_pins_its_namespace() -> TestResult {
        let other = Namespace::create()?;
        let before = refcount(&other);
        let s = Socket::new_kern(
            &other,
            AddressFamily::Inet6,
            SocketType::Datagram,
            IpProtocol::Udp,
        )?;
        check_eq!(refcount(&other), before + 1);
        drop(s);
        check_eq!(refcount(&other), before);
        Ok(())
    }

    #[test]
    fn accepted_socket_shares_listener_namespace() -> TestResult {
        let (l, _c, s) = tcp_pair(false)?;
        check!(core::ptr::eq(
            s.namespace().as_ptr(),
            l.namespace().as_ptr()
        ));
        Ok(())
    }
}
