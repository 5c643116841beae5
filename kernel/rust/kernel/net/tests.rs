// SPDX-License-Identifier: GPL-2.0

//! KUnit tests of the socket abstraction, on real sockets over loopback.
//!
//! They are built in with `CONFIG_RUST_KERNEL_DOCTESTS` and run at boot
//! together with the doctests, after `ip=` on the command line brought `lo`
//! up. They only use the public API, as a user of `kernel::net` would.
//!
//! The suite is declared with `#[kunit_tests]`; the cases are in `cases`
//! (and the soundness regressions in `soundness`), so that a failing check
//! prints where and what failed.

use crate::{
    bindings,
    error::{code::*, Error},
    net::{
        addr::*,
        family::AddressFamily,
        ip::IpProtocol,
        message::{ControlMessages, IoSlice, IoSliceMut, MessageFlags, MessageHeader},
        namespace::Namespace,
        options::OptionLevel,
        socket::{Shutdown, Socket},
        socket_type::SocketType,
    },
    sync::Arc,
    workqueue,
};
use core::time::Duration;

/// Why a test failed.
enum Failure {
    /// A `check!` did not hold.
    Check(&'static str, u32, &'static str),
    /// A kernel call returned an unexpected error.
    Kernel(Error),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Kernel(e)
    }
}

impl From<crate::alloc::AllocError> for Failure {
    fn from(_: crate::alloc::AllocError) -> Self {
        Failure::Kernel(ENOMEM)
    }
}

type TestResult = core::result::Result<(), Failure>;

macro_rules! check {
    ($cond:expr) => {
        if !$cond {
            return Err(Failure::Check(file!(), line!(), stringify!($cond)));
        }
    };
}

macro_rules! check_eq {
    ($left:expr, $right:expr) => {{
        let (l, r) = (&$left, &$right);
        if l != r {
            crate::kunit::err(format_args!("    # left:  {:?}\n", l));
            crate::kunit::err(format_args!("    # right: {:?}\n", r));
            return Err(Failure::Check(
                file!(),
                line!(),
                concat!(stringify!($left), " == ", stringify!($right)),
            ));
        }
    }};
}

/// The path of a source file relative to the tree, as the doctests print it.
fn tree_relative(file: &str) -> &str {
    file.find("rust/kernel/").map_or(file, |i| &file[i..])
}

/// Prints why a test failed, as KUnit prints a failed expectation, and passes the result on.
fn report(result: TestResult) -> TestResult {
    match &result {
        Ok(()) => {}
        Err(Failure::Check(file, line, expr)) => crate::kunit::err(format_args!(
            "    # EXPECTATION FAILED at {}:{}: {}\n",
            tree_relative(file),
            line,
            expr
        )),
        Err(Failure::Kernel(e)) => {
            crate::kunit::err(format_args!("    # unexpected error: {:?}\n", e))
        }
    }
    result
}

/// The suite: each case runs its body in `cases` and reports its failure.
#[macros::kunit_tests(rust_net)]
mod suite {
    use super::{cases, report, TestResult};

    #[test]
    fn v4_storage_round_trip_and_port_byte_order() -> TestResult {
        report(cases::v4_storage_round_trip_and_port_byte_order())
    }

    #[test]
    fn v6_storage_round_trip_flowinfo_and_scope() -> TestResult {
        report(cases::v6_storage_round_trip_flowinfo_and_scope())
    }

    #[test]
    fn v4_mapped_v6_round_trip() -> TestResult {
        report(cases::v4_mapped_v6_round_trip())
    }

    #[test]
    fn unix_addresses_round_trip() -> TestResult {
        report(cases::unix_addresses_round_trip())
    }

    #[test]
    fn short_addresses_are_einval() -> TestResult {
        report(cases::short_addresses_are_einval())
    }

    #[test]
    fn rfc2133_v6_length_has_no_scope() -> TestResult {
        report(cases::rfc2133_v6_length_has_no_scope())
    }

    #[test]
    fn unknown_family_is_eafnosupport() -> TestResult {
        report(cases::unknown_family_is_eafnosupport())
    }

    #[test]
    fn text_round_trip() -> TestResult {
        report(cases::text_round_trip())
    }

    #[test]
    fn text_garbage_is_einval() -> TestResult {
        report(cases::text_garbage_is_einval())
    }

    #[test]
    fn in_addr_conversions() -> TestResult {
        report(cases::in_addr_conversions())
    }

    #[test]
    fn unknown_enum_values_rejected() -> TestResult {
        report(cases::unknown_enum_values_rejected())
    }

    #[test]
    fn malformed_control_messages_end_iteration() -> TestResult {
        report(cases::malformed_control_messages_end_iteration())
    }

    #[test]
    fn tcp_v4_exchange() -> TestResult {
        report(cases::tcp_v4_exchange())
    }

    #[test]
    fn tcp_v6_exchange() -> TestResult {
        report(cases::tcp_v6_exchange())
    }

    #[test]
    fn tcp_v4_local_and_peer_addresses() -> TestResult {
        report(cases::tcp_v4_local_and_peer_addresses())
    }

    #[test]
    fn tcp_v6_local_and_peer_addresses() -> TestResult {
        report(cases::tcp_v6_local_and_peer_addresses())
    }

    #[test]
    fn tcp_eof_after_peer_shutdown() -> TestResult {
        report(cases::tcp_eof_after_peer_shutdown())
    }

    #[test]
    fn tcp_epipe_after_local_write_shutdown() -> TestResult {
        report(cases::tcp_epipe_after_local_write_shutdown())
    }

    #[test]
    fn tcp_blocked_recv_woken_by_shutdown() -> TestResult {
        report(cases::tcp_blocked_recv_woken_by_shutdown())
    }

    #[test]
    fn tcp_blocked_accept_woken_by_shutdown() -> TestResult {
        report(cases::tcp_blocked_accept_woken_by_shutdown())
    }

    #[test]
    fn tcp_nonblocking_accept_eagain() -> TestResult {
        report(cases::tcp_nonblocking_accept_eagain())
    }

    #[test]
    fn tcp_nonblocking_recv_eagain() -> TestResult {
        report(cases::tcp_nonblocking_recv_eagain())
    }

    #[test]
    fn tcp_dontwait_recv_eagain() -> TestResult {
        report(cases::tcp_dontwait_recv_eagain())
    }

    #[test]
    fn tcp_nonblocking_connect_einprogress() -> TestResult {
        report(cases::tcp_nonblocking_connect_einprogress())
    }

    #[test]
    fn tcp_nonblocking_connect_refused_via_so_error() -> TestResult {
        report(cases::tcp_nonblocking_connect_refused_via_so_error())
    }

    #[test]
    fn tcp_bind_in_use_eaddrinuse() -> TestResult {
        report(cases::tcp_bind_in_use_eaddrinuse())
    }

    #[test]
    fn tcp_bind_foreign_address_eaddrnotavail() -> TestResult {
        report(cases::tcp_bind_foreign_address_eaddrnotavail())
    }

    #[test]
    fn tcp_connect_refused() -> TestResult {
        report(cases::tcp_connect_refused())
    }

    #[test]
    fn tcp_connect_twice_eisconn() -> TestResult {
        report(cases::tcp_connect_twice_eisconn())
    }

    #[test]
    fn tcp_unconnected_recv_enotconn() -> TestResult {
        report(cases::tcp_unconnected_recv_enotconn())
    }

    #[test]
    fn tcp_unconnected_peer_addr_enotconn() -> TestResult {
        report(cases::tcp_unconnected_peer_addr_enotconn())
    }

    #[test]
    fn tcp_unconnected_shutdown_enotconn() -> TestResult {
        report(cases::tcp_unconnected_shutdown_enotconn())
    }

    #[test]
    fn tcp_bind_wrong_family_eafnosupport() -> TestResult {
        report(cases::tcp_bind_wrong_family_eafnosupport())
    }

    #[test]
    fn tcp_vectored_send_and_receive() -> TestResult {
        report(cases::tcp_vectored_send_and_receive())
    }

    #[test]
    fn tcp_peek_leaves_data() -> TestResult {
        report(cases::tcp_peek_leaves_data())
    }

    #[test]
    fn tcp_one_mib_transfer_checked() -> TestResult {
        report(cases::tcp_one_mib_transfer_checked())
    }

    #[test]
    fn tcp_dual_stack_listener_sees_v4_mapped_peer() -> TestResult {
        report(cases::tcp_dual_stack_listener_sees_v4_mapped_peer())
    }

    #[test]
    fn tcp_v6_only_listener_refuses_v4() -> TestResult {
        report(cases::tcp_v6_only_listener_refuses_v4())
    }

    #[test]
    fn tcp_read_timeout_expires() -> TestResult {
        report(cases::tcp_read_timeout_expires())
    }

    #[test]
    fn udp_v4_send_to_receive_from() -> TestResult {
        report(cases::udp_v4_send_to_receive_from())
    }

    #[test]
    fn udp_v6_send_to_receive_from() -> TestResult {
        report(cases::udp_v6_send_to_receive_from())
    }

    #[test]
    fn udp_truncation_reported() -> TestResult {
        report(cases::udp_truncation_reported())
    }

    #[test]
    fn udp_trunc_flag_returns_real_length() -> TestResult {
        report(cases::udp_trunc_flag_returns_real_length())
    }

    #[test]
    fn udp_connected_send_and_receive() -> TestResult {
        report(cases::udp_connected_send_and_receive())
    }

    #[test]
    fn udp_unconnected_send_edestaddrreq() -> TestResult {
        report(cases::udp_unconnected_send_edestaddrreq())
    }

    #[test]
    fn udp_nonblocking_recv_eagain() -> TestResult {
        report(cases::udp_nonblocking_recv_eagain())
    }

    #[test]
    fn udp_vectored_receive_scatters() -> TestResult {
        report(cases::udp_vectored_receive_scatters())
    }

    #[test]
    fn udp_pktinfo_control_message() -> TestResult {
        report(cases::udp_pktinfo_control_message())
    }

    #[test]
    fn udp_oversized_datagram_emsgsize() -> TestResult {
        report(cases::udp_oversized_datagram_emsgsize())
    }

    #[test]
    fn udp_zero_length_datagram() -> TestResult {
        report(cases::udp_zero_length_datagram())
    }

    #[test]
    fn udp_blocked_recv_woken_by_shutdown() -> TestResult {
        report(cases::udp_blocked_recv_woken_by_shutdown())
    }

    #[test]
    fn option_reuse_addr() -> TestResult {
        report(cases::option_reuse_addr())
    }

    #[test]
    fn option_keepalive() -> TestResult {
        report(cases::option_keepalive())
    }

    #[test]
    fn option_buffer_sizes() -> TestResult {
        report(cases::option_buffer_sizes())
    }

    #[test]
    fn option_timeouts_round_trip() -> TestResult {
        report(cases::option_timeouts_round_trip())
    }

    #[test]
    fn option_zero_timeout_einval() -> TestResult {
        report(cases::option_zero_timeout_einval())
    }

    #[test]
    fn option_priority_and_mark() -> TestResult {
        report(cases::option_priority_and_mark())
    }

    #[test]
    fn option_tcp_on_udp_enoprotoopt() -> TestResult {
        report(cases::option_tcp_on_udp_enoprotoopt())
    }

    #[test]
    fn option_tcp_values_checked() -> TestResult {
        report(cases::option_tcp_values_checked())
    }

    #[test]
    fn option_v6_only_rules() -> TestResult {
        report(cases::option_v6_only_rules())
    }

    #[test]
    fn option_unknown_eperm() -> TestResult {
        report(cases::option_unknown_eperm())
    }

    #[test]
    fn socket_reports_family_type_protocol() -> TestResult {
        report(cases::socket_reports_family_type_protocol())
    }

    #[test]
    fn create_rejects_bad_combinations() -> TestResult {
        report(cases::create_rejects_bad_combinations())
    }

    #[test]
    fn user_socket_in_current_namespace() -> TestResult {
        report(cases::user_socket_in_current_namespace())
    }

    #[test]
    fn unix_stream_exchange_abstract() -> TestResult {
        report(cases::unix_stream_exchange_abstract())
    }

    #[test]
    fn unix_datagram_sender_address() -> TestResult {
        report(cases::unix_datagram_sender_address())
    }

    #[test]
    fn new_namespace_does_not_reach_init_net() -> TestResult {
        report(cases::new_namespace_does_not_reach_init_net())
    }

    #[test]
    fn kernel_socket_pins_its_namespace() -> TestResult {
        report(cases::kernel_socket_pins_its_namespace())
    }

    #[test]
    fn accepted_socket_shares_listener_namespace() -> TestResult {
        report(cases::accepted_socket_shares_listener_namespace())
    }

    #[test]
    fn no_leaks_after_many_sockets() -> TestResult {
        report(cases::no_leaks_after_many_sockets())
    }

    #[test]
    fn random_address_bytes_never_misparse() -> TestResult {
        report(cases::random_address_bytes_never_misparse())
    }

    #[test]
    fn random_address_text_never_misparses() -> TestResult {
        report(cases::random_address_text_never_misparses())
    }

    #[test]
    fn random_control_buffers_stay_in_bounds() -> TestResult {
        report(cases::random_control_buffers_stay_in_bounds())
    }

    #[test]
    fn wrong_state_operations_fail_cleanly() -> TestResult {
        report(cases::wrong_state_operations_fail_cleanly())
    }

    #[test]
    fn empty_and_unknown_flag_messages() -> TestResult {
        report(cases::empty_and_unknown_flag_messages())
    }

    #[test]
    fn raw_socket_with_tcp_protocol_refuses_tcp_options() -> TestResult {
        report(cases::raw_socket_with_tcp_protocol_refuses_tcp_options())
    }

    #[test]
    fn flags_outside_the_allow_lists_refused() -> TestResult {
        report(cases::flags_outside_the_allow_lists_refused())
    }

    #[test]
    fn recv_uninit_hands_out_only_copied_bytes() -> TestResult {
        report(cases::recv_uninit_hands_out_only_copied_bytes())
    }

    #[test]
    fn orphaned_connection_keeps_its_namespace() -> TestResult {
        report(cases::orphaned_connection_keeps_its_namespace())
    }

    #[test]
    fn unix_control_buffers_refused() -> TestResult {
        report(cases::unix_control_buffers_refused())
    }

    #[test]
    fn options_outside_the_allow_list_refused() -> TestResult {
        report(cases::options_outside_the_allow_list_refused())
    }

    #[test]
    fn unix_datagram_truncation_reported() -> TestResult {
        report(cases::unix_datagram_truncation_reported())
    }

    #[test]
    fn misaligned_control_buffer_is_aligned() -> TestResult {
        report(cases::misaligned_control_buffer_is_aligned())
    }
}

/// What a background work item does to a shared socket.
#[derive(Clone, Copy)]
enum Background {
    /// Shut it down.
    Shutdown(Shutdown),
    /// Send this many bytes of `pattern`.
    SendPattern(usize),
}

/// Runs `action` on `sock` from the system workqueue after `ms` milliseconds.
///
/// Not generic, and outside `cases`, on purpose: closures inside tests give
/// exported symbols too long for modpost.
fn later(ms: u32, sock: Arc<Socket>, action: Background) -> TestResult {
    workqueue::system().try_spawn(crate::alloc::flags::GFP_KERNEL, move || {
        sleep_ms(ms);
        match action {
            Background::Shutdown(how) => {
                let _ = sock.shutdown(how);
            }
            Background::SendPattern(total) => send_pattern(&sock, total),
        }
    })?;
    Ok(())
}

/// Sends `total` bytes of [`pattern`] on `sock`, stopping at the first error.
fn send_pattern(sock: &Socket, total: usize) {
    let mut chunk = [0u8; 4096];
    let mut sent = 0;
    while sent < total {
        for (i, b) in chunk.iter_mut().enumerate() {
            *b = pattern(sent + i);
        }
        match sock.send(&chunk, MessageFlags::NONE) {
            Ok(n) if n == chunk.len() => sent += n,
            _ => break,
        }
    }
}

/// The byte at offset `i` of a pattern transfer.
fn pattern(i: usize) -> u8 {
    (i.wrapping_mul(31) % 251) as u8
}

fn sleep_ms(ms: u32) {
    // SAFETY: `msleep` may be called from any context that may sleep, as tests and work
    // items can.
    unsafe { bindings::msleep(ms) };
}

mod soundness;

mod cases {
    pub(super) use super::soundness::{
        flags_outside_the_allow_lists_refused, misaligned_control_buffer_is_aligned,
        options_outside_the_allow_list_refused, orphaned_connection_keeps_its_namespace,
        raw_socket_with_tcp_protocol_refuses_tcp_options, recv_uninit_hands_out_only_copied_bytes,
        unix_control_buffers_refused, unix_datagram_truncation_reported,
    };
    use super::*;

    pub(super) fn ns() -> &'static Namespace {
        Namespace::init()
    }

    pub(super) fn tcp(v6: bool) -> Result<Socket, Error> {
        let family = if v6 {
            AddressFamily::Inet6
        } else {
            AddressFamily::Inet
        };
        Socket::new_kern(ns(), family, SocketType::Stream, IpProtocol::Tcp)
    }

    pub(super) fn udp(v6: bool) -> Result<Socket, Error> {
        let family = if v6 {
            AddressFamily::Inet6
        } else {
            AddressFamily::Inet
        };
        Socket::new_kern(ns(), family, SocketType::Datagram, IpProtocol::Udp)
    }

    pub(super) fn loopback(v6: bool) -> SocketAddr {
        if v6 {
            SocketAddr::v6(Ipv6Addr::LOCALHOST, 0)
        } else {
            SocketAddr::v4(Ipv4Addr::LOCALHOST, 0)
        }
    }

    /// A bound, listening socket on an ephemeral loopback port.
    pub(super) fn listener(v6: bool) -> Result<(Socket, SocketAddr), Error> {
        let l = tcp(v6)?;
        l.bind(&loopback(v6))?;
        l.listen(16)?;
        let addr = l.local_addr()?;
        Ok((l, addr))
    }

    /// A connected pair: (listener, client, server side).
    pub(super) fn tcp_pair(v6: bool) -> Result<(Socket, Socket, Socket), Error> {
        let (l, addr) = listener(v6)?;
        let c = tcp(v6)?;
        c.connect(&addr)?;
        let s = l.accept()?;
        Ok((l, c, s))
    }

    /// A bound UDP socket on an ephemeral loopback port.
    pub(super) fn bound_udp(v6: bool) -> Result<(Socket, SocketAddr), Error> {
        let u = udp(v6)?;
        u.bind(&loopback(v6))?;
        let addr = u.local_addr()?;
        Ok((u, addr))
    }

    /// An address nothing listens on: bound then closed.
    pub(super) fn closed_port(v6: bool) -> Result<SocketAddr, Error> {
        let s = tcp(v6)?;
        s.bind(&loopback(v6))?;
        s.local_addr()
    }

    pub(super) fn recv_exact(s: &Socket, buf: &mut [u8]) -> Result<(), Error> {
        let n = s.recv(buf, MessageFlags::WAITALL)?;
        if n == buf.len() {
            Ok(())
        } else {
            Err(EIO)
        }
    }

    fn bytes_of(addr: &SocketAddr) -> SocketAddrStorage {
        SocketAddrStorage::from(addr)
    }

    pub(super) fn v4_storage_round_trip_and_port_byte_order() -> TestResult {
        let a = SocketAddr::v4(Ipv4Addr::new(192, 0, 2, 7), 0x1234);
        let raw = bytes_of(&a);
        check_eq!(raw.len(), 16);
        check_eq!(raw.as_bytes()[..2], 2u16.to_ne_bytes());
        check_eq!(raw.as_bytes()[2..4], [0x12, 0x34]);
        check_eq!(raw.as_bytes()[4..8], [192, 0, 2, 7]);
        check_eq!(raw.to_socket_addr()?, a);
        Ok(())
    }

    pub(super) fn v6_storage_round_trip_flowinfo_and_scope() -> TestResult {
        let ip = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1);
        let a = SocketAddr::V6(SocketAddrV6::new(ip, 8080, 0x000a_bcde, 2));
        let raw = bytes_of(&a);
        check_eq!(raw.len(), 28);
        check_eq!(raw.as_bytes()[2..4], 8080u16.to_be_bytes());
        check_eq!(raw.as_bytes()[4..8], 0x000a_bcdeu32.to_be_bytes());
        check_eq!(raw.as_bytes()[8..24], ip.octets());
        check_eq!(raw.as_bytes()[24..28], 2u32.to_ne_bytes());
        check_eq!(raw.to_socket_addr()?, a);
        Ok(())
    }

    pub(super) fn v4_mapped_v6_round_trip() -> TestResult {
        let mapped = Ipv4Addr::new(10, 0, 2, 15).to_ipv6_mapped();
        let a = SocketAddr::v6(mapped, 53);
        check_eq!(bytes_of(&a).to_socket_addr()?, a);
        check_eq!(mapped.to_ipv4_mapped(), Some(Ipv4Addr::new(10, 0, 2, 15)));
        Ok(())
    }

    pub(super) fn unix_addresses_round_trip() -> TestResult {
        let path = SocketAddr::Unix(UnixAddr::pathname(b"/run/knet")?);
        let raw = bytes_of(&path);
        check_eq!(raw.len(), 2 + 9 + 1);
        check_eq!(raw.to_socket_addr()?, path);
        let abs = SocketAddr::Unix(UnixAddr::abstract_name(b"knet\0x")?);
        check_eq!(bytes_of(&abs).len(), 2 + 1 + 6);
        check_eq!(bytes_of(&abs).to_socket_addr()?, abs);
        let unnamed = SocketAddr::Unix(UnixAddr::unnamed());
        check_eq!(bytes_of(&unnamed).len(), 2);
        check_eq!(bytes_of(&unnamed).to_socket_addr()?, unnamed);
        // The longest path has no room for a NUL and is still read back whole.
        let longest = SocketAddr::Unix(UnixAddr::pathname(&[b'p'; UNIX_PATH_MAX])?);
        check_eq!(bytes_of(&longest).len(), 110);
        check_eq!(bytes_of(&longest).to_socket_addr()?, longest);
        check!(UnixAddr::abstract_name(&[b'a'; UNIX_PATH_MAX]).is_err());
        check!(UnixAddr::pathname(b"").is_err());
        Ok(())
    }

    pub(super) fn short_addresses_are_einval() -> TestResult {
        let v4 = bytes_of(&SocketAddr::v4(Ipv4Addr::LOCALHOST, 1));
        check_eq!(SocketAddr::from_bytes(&v4.as_bytes()[..15]), Err(EINVAL));
        let v6 = bytes_of(&SocketAddr::v6(Ipv6Addr::LOCALHOST, 1));
        check_eq!(SocketAddr::from_bytes(&v6.as_bytes()[..23]), Err(EINVAL));
        check_eq!(SocketAddr::from_bytes(&[1]), Err(EINVAL));
        check_eq!(SocketAddr::from_bytes(&[]), Err(EINVAL));
        let mut s = SocketAddrStorage::new();
        // SAFETY: The length is rejected before anything is read.
        let too_long = unsafe { s.set_len(STORAGE_SIZE + 1) };
        check_eq!(too_long, Err(EINVAL));
        Ok(())
    }

    pub(super) fn rfc2133_v6_length_has_no_scope() -> TestResult {
        let a = SocketAddr::V6(SocketAddrV6::new(Ipv6Addr::LOCALHOST, 9, 0, 5));
        let raw = bytes_of(&a);
        let short = SocketAddr::from_bytes(&raw.as_bytes()[..24])?;
        check_eq!(short, SocketAddr::v6(Ipv6Addr::LOCALHOST, 9));
        Ok(())
    }

    pub(super) fn unknown_family_is_eafnosupport() -> TestResult {
        let mut raw = [0u8; 32];
        raw[..2].copy_from_slice(&99u16.to_ne_bytes());
        check_eq!(SocketAddr::from_bytes(&raw), Err(EAFNOSUPPORT));
        raw[..2].copy_from_slice(&(AddressFamily::Packet.as_raw()).to_ne_bytes());
        check_eq!(SocketAddr::from_bytes(&raw), Err(EAFNOSUPPORT));
        Ok(())
    }

    pub(super) fn text_round_trip() -> TestResult {
        for text in [
            "127.0.0.1:80",
            "[::1]:443",
            "[fe80::1%3]:22",
            "[::ffff:10.0.2.15]:7",
            "unix:/tmp/x",
            "unix:@abstract",
        ] {
            let a: SocketAddr = text.parse()?;
            let printed = crate::str::CString::try_from_fmt(crate::prelude::fmt!("{}", a))?;
            let again: SocketAddr = printed.to_str().map_err(|_| EINVAL)?.parse()?;
            check_eq!(again, a);
        }
        let scoped: SocketAddr = "[fe80::1%3]:22".parse()?;
        check!(matches!(scoped, SocketAddr::V6(a) if a.scope_id() == 3));
        Ok(())
    }

    pub(super) fn text_garbage_is_einval() -> TestResult {
        for text in [
            "",
            "1.2.3.4",
            "1.2.3.4:99999",
            "[::1]",
            "::1:80",
            "unix:",
            "host:80",
        ] {
            check_eq!(text.parse::<SocketAddr>(), Err(EINVAL));
        }
        Ok(())
    }

    pub(super) fn in_addr_conversions() -> TestResult {
        let ip = Ipv4Addr::new(1, 2, 3, 4);
        check_eq!(InAddr::from(ip).as_raw().s_addr.to_ne_bytes(), [1, 2, 3, 4]);
        check_eq!(Ipv4Addr::from(InAddr::from(ip)), ip);
        let ip6 = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x42);
        check_eq!(In6Addr::from(ip6).octets(), ip6.octets());
        check_eq!(Ipv6Addr::from(In6Addr::from(ip6)), ip6);
        Ok(())
    }

    pub(super) fn unknown_enum_values_rejected() -> TestResult {
        check_eq!(AddressFamily::try_from(0xffffu16), Err(EAFNOSUPPORT));
        check_eq!(SocketType::try_from(0), Err(ESOCKTNOSUPPORT));
        check_eq!(IpProtocol::try_from(1000), Err(EPROTONOSUPPORT));
        check_eq!(AddressFamily::try_from(10u16), Ok(AddressFamily::Inet6));
        Ok(())
    }

    pub(super) fn malformed_control_messages_end_iteration() -> TestResult {
        // A control buffer filled by a "receive" with a header claiming more than exists.
        let mut control = [0xffu8; 40];
        let header = MessageHeader::new().control(&mut control);
        check_eq!(header.control_messages().count(), 0);
        Ok(())
    }

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

    pub(super) fn tcp_v4_exchange() -> TestResult {
        exchange(false)
    }

    pub(super) fn tcp_v6_exchange() -> TestResult {
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

    pub(super) fn tcp_v4_local_and_peer_addresses() -> TestResult {
        addresses(false)
    }

    pub(super) fn tcp_v6_local_and_peer_addresses() -> TestResult {
        addresses(true)
    }

    pub(super) fn tcp_eof_after_peer_shutdown() -> TestResult {
        let (_l, c, s) = tcp_pair(false)?;
        c.send(b"last", MessageFlags::NONE)?;
        c.shutdown(Shutdown::Write)?;
        let mut buf = [0u8; 4];
        recv_exact(&s, &mut buf)?;
        check_eq!(s.recv(&mut buf, MessageFlags::NONE)?, 0);
        check_eq!(s.recv(&mut buf, MessageFlags::NONE)?, 0);
        Ok(())
    }

    pub(super) fn tcp_epipe_after_local_write_shutdown() -> TestResult {
        let (_l, c, _s) = tcp_pair(false)?;
        c.shutdown(Shutdown::Write)?;
        check_eq!(c.send(b"x", MessageFlags::NOSIGNAL), Err(EPIPE));
        Ok(())
    }

    pub(super) fn tcp_blocked_recv_woken_by_shutdown() -> TestResult {
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

    pub(super) fn tcp_blocked_accept_woken_by_shutdown() -> TestResult {
        let (l, _addr) = listener(false)?;
        let l = Arc::new(l, crate::alloc::flags::GFP_KERNEL)?;
        l.set_read_timeout(Some(Duration::from_secs(10)))?;
        later(100, l.clone(), Background::Shutdown(Shutdown::Both))?;
        check_eq!(l.accept().err(), Some(EINVAL));
        Ok(())
    }

    pub(super) fn tcp_nonblocking_accept_eagain() -> TestResult {
        let (l, _addr) = listener(true)?;
        l.set_nonblocking(true);
        check!(l.is_nonblocking());
        check_eq!(l.accept().err(), Some(EAGAIN));
        Ok(())
    }

    pub(super) fn tcp_nonblocking_recv_eagain() -> TestResult {
        let (_l, _c, s) = tcp_pair(false)?;
        s.set_nonblocking(true);
        let mut buf = [0u8; 8];
        check_eq!(s.recv(&mut buf, MessageFlags::NONE), Err(EAGAIN));
        s.set_nonblocking(false);
        check!(!s.is_nonblocking());
        Ok(())
    }

    pub(super) fn tcp_dontwait_recv_eagain() -> TestResult {
        let (_l, c, _s) = tcp_pair(true)?;
        let mut buf = [0u8; 8];
        check_eq!(c.recv(&mut buf, MessageFlags::DONTWAIT), Err(EAGAIN));
        Ok(())
    }

    pub(super) fn tcp_nonblocking_connect_einprogress() -> TestResult {
        let (l, addr) = listener(false)?;
        let c = tcp(false)?;
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

    pub(super) fn tcp_nonblocking_connect_refused_via_so_error() -> TestResult {
        let target = closed_port(false)?;
        let c = tcp(false)?;
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

    pub(super) fn tcp_bind_in_use_eaddrinuse() -> TestResult {
        let (_l, addr) = listener(false)?;
        let other = tcp(false)?;
        check_eq!(other.bind(&addr), Err(EADDRINUSE));
        Ok(())
    }

    pub(super) fn tcp_bind_foreign_address_eaddrnotavail() -> TestResult {
        let s = tcp(false)?;
        check_eq!(s.bind(&"192.0.2.1:0".parse()?), Err(EADDRNOTAVAIL));
        Ok(())
    }

    pub(super) fn tcp_connect_refused() -> TestResult {
        let target = closed_port(true)?;
        check_eq!(tcp(true)?.connect(&target), Err(ECONNREFUSED));
        Ok(())
    }

    pub(super) fn tcp_connect_twice_eisconn() -> TestResult {
        let (l, addr) = listener(false)?;
        let c = tcp(false)?;
        c.connect(&addr)?;
        let _s = l.accept()?;
        check_eq!(c.connect(&addr), Err(EISCONN));
        Ok(())
    }

    pub(super) fn tcp_unconnected_recv_enotconn() -> TestResult {
        let mut buf = [0u8; 4];
        check_eq!(
            tcp(false)?.recv(&mut buf, MessageFlags::NONE),
            Err(ENOTCONN)
        );
        Ok(())
    }

    pub(super) fn tcp_unconnected_peer_addr_enotconn() -> TestResult {
        check_eq!(tcp(true)?.peer_addr(), Err(ENOTCONN));
        Ok(())
    }

    pub(super) fn tcp_unconnected_shutdown_enotconn() -> TestResult {
        check_eq!(tcp(false)?.shutdown(Shutdown::Both), Err(ENOTCONN));
        Ok(())
    }

    pub(super) fn tcp_bind_wrong_family_eafnosupport() -> TestResult {
        let s = tcp(false)?;
        check_eq!(s.bind(&loopback(true)), Err(EAFNOSUPPORT));
        Ok(())
    }

    pub(super) fn tcp_vectored_send_and_receive() -> TestResult {
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

    pub(super) fn tcp_peek_leaves_data() -> TestResult {
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

    pub(super) fn tcp_one_mib_transfer_checked() -> TestResult {
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
                    return Err(Failure::Check(
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

    pub(super) fn tcp_dual_stack_listener_sees_v4_mapped_peer() -> TestResult {
        let l = tcp(true)?;
        l.bind(&SocketAddr::v6(Ipv6Addr::UNSPECIFIED, 0))?;
        l.listen(4)?;
        let port = l.local_addr()?.port().unwrap_or(0);
        let c = tcp(false)?;
        c.connect(&SocketAddr::v4(Ipv4Addr::LOCALHOST, port))?;
        let s = l.accept()?;
        let peer = s.peer_addr()?;
        let mapped = Ipv4Addr::LOCALHOST.to_ipv6_mapped();
        check!(matches!(peer, SocketAddr::V6(a) if *a.ip() == mapped));
        check_eq!(peer.port(), c.local_addr()?.port());
        Ok(())
    }

    pub(super) fn tcp_v6_only_listener_refuses_v4() -> TestResult {
        let l = tcp(true)?;
        l.set_only_v6(true)?;
        l.bind(&SocketAddr::v6(Ipv6Addr::UNSPECIFIED, 0))?;
        l.listen(4)?;
        let port = l.local_addr()?.port().unwrap_or(0);
        let c = tcp(false)?;
        check_eq!(
            c.connect(&SocketAddr::v4(Ipv4Addr::LOCALHOST, port)),
            Err(ECONNREFUSED)
        );
        Ok(())
    }

    pub(super) fn tcp_read_timeout_expires() -> TestResult {
        let (_l, _c, s) = tcp_pair(false)?;
        s.set_read_timeout(Some(Duration::from_millis(50)))?;
        let mut buf = [0u8; 1];
        check_eq!(s.recv(&mut buf, MessageFlags::NONE), Err(EAGAIN));
        Ok(())
    }

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

    pub(super) fn udp_v4_send_to_receive_from() -> TestResult {
        datagram(false)
    }

    pub(super) fn udp_v6_send_to_receive_from() -> TestResult {
        datagram(true)
    }

    pub(super) fn udp_truncation_reported() -> TestResult {
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

    pub(super) fn udp_trunc_flag_returns_real_length() -> TestResult {
        let (a, _) = bound_udp(true)?;
        let (b, b_addr) = bound_udp(true)?;
        a.send_to(&[7u8; 300], &b_addr, MessageFlags::NONE)?;
        let mut small = [0u8; 10];
        let got = b.recv_from(&mut small, MessageFlags::TRUNC)?;
        check_eq!(got.len, 300);
        check!(got.truncated());
        Ok(())
    }

    pub(super) fn udp_connected_send_and_receive() -> TestResult {
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

    pub(super) fn udp_unconnected_send_edestaddrreq() -> TestResult {
        let (a, _) = bound_udp(false)?;
        check_eq!(a.send(b"x", MessageFlags::NONE), Err(EDESTADDRREQ));
        Ok(())
    }

    pub(super) fn udp_nonblocking_recv_eagain() -> TestResult {
        let (a, _) = bound_udp(true)?;
        a.set_nonblocking(true);
        let mut buf = [0u8; 8];
        check_eq!(
            a.recv_from(&mut buf, MessageFlags::NONE).err(),
            Some(EAGAIN)
        );
        Ok(())
    }

    pub(super) fn udp_vectored_receive_scatters() -> TestResult {
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

    pub(super) fn udp_pktinfo_control_message() -> TestResult {
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

    pub(super) fn udp_oversized_datagram_emsgsize() -> TestResult {
        let (a, _) = bound_udp(false)?;
        let (_b, b_addr) = bound_udp(false)?;
        let big = crate::alloc::KVec::<u8>::from_elem(0u8, 70000, crate::alloc::flags::GFP_KERNEL)?;
        check_eq!(a.send_to(&big, &b_addr, MessageFlags::NONE), Err(EMSGSIZE));
        Ok(())
    }

    pub(super) fn udp_zero_length_datagram() -> TestResult {
        let (a, a_addr) = bound_udp(false)?;
        let (b, b_addr) = bound_udp(false)?;
        check_eq!(a.send_to(&[], &b_addr, MessageFlags::NONE)?, 0);
        let mut buf = [0u8; 4];
        let got = b.recv_from(&mut buf, MessageFlags::NONE)?;
        check_eq!(got.len, 0);
        check_eq!(got.peer, Some(a_addr));
        Ok(())
    }

    pub(super) fn udp_blocked_recv_woken_by_shutdown() -> TestResult {
        let (a, _) = bound_udp(false)?;
        let a = Arc::new(a, crate::alloc::flags::GFP_KERNEL)?;
        // An unconnected UDP socket reports ENOTCONN but still wakes its waiters.
        a.set_read_timeout(Some(Duration::from_secs(10)))?;
        later(100, a.clone(), Background::Shutdown(Shutdown::Read))?;
        let mut buf = [0u8; 4];
        check_eq!(a.recv(&mut buf, MessageFlags::NONE)?, 0);
        Ok(())
    }

    pub(super) fn option_reuse_addr() -> TestResult {
        let s = tcp(false)?;
        check!(!s.reuse_addr()?);
        s.set_reuse_addr(true)?;
        check!(s.reuse_addr()?);
        s.set_reuse_addr(false)?;
        check!(!s.reuse_addr()?);
        Ok(())
    }

    pub(super) fn option_keepalive() -> TestResult {
        let s = tcp(true)?;
        check!(!s.keepalive()?);
        s.set_keepalive(true)?;
        check!(s.keepalive()?);
        s.set_keepalive(false)?;
        check!(!s.keepalive()?);
        Ok(())
    }

    pub(super) fn option_buffer_sizes() -> TestResult {
        let s = udp(false)?;
        s.set_recv_buffer_size(65536)?;
        // The kernel doubles the value for its bookkeeping overhead.
        check_eq!(s.recv_buffer_size()?, 131072);
        s.set_send_buffer_size(32768)?;
        check_eq!(s.send_buffer_size()?, 65536);
        check_eq!(s.set_recv_buffer_size(usize::MAX), Err(EINVAL));
        Ok(())
    }

    pub(super) fn option_timeouts_round_trip() -> TestResult {
        let s = tcp(false)?;
        check_eq!(s.read_timeout()?, None);
        s.set_read_timeout(Some(Duration::from_millis(1500)))?;
        check_eq!(s.read_timeout()?, Some(Duration::from_millis(1500)));
        s.set_write_timeout(Some(Duration::from_secs(3)))?;
        check_eq!(s.write_timeout()?, Some(Duration::from_secs(3)));
        s.set_read_timeout(None)?;
        check_eq!(s.read_timeout()?, None);
        Ok(())
    }

    pub(super) fn option_zero_timeout_einval() -> TestResult {
        let s = tcp(false)?;
        check_eq!(s.set_read_timeout(Some(Duration::ZERO)), Err(EINVAL));
        check_eq!(s.set_write_timeout(Some(Duration::ZERO)), Err(EINVAL));
        Ok(())
    }

    pub(super) fn option_priority_and_mark() -> TestResult {
        let s = udp(false)?;
        s.set_priority(5);
        check_eq!(s.priority()?, 5);
        s.set_mark(0xdead);
        check_eq!(s.mark()?, 0xdead);
        Ok(())
    }

    pub(super) fn option_tcp_on_udp_enoprotoopt() -> TestResult {
        let s = udp(false)?;
        check_eq!(s.set_keepidle(10), Err(ENOPROTOOPT));
        check_eq!(s.set_keepcnt(3), Err(ENOPROTOOPT));
        check_eq!(s.set_user_timeout(100), Err(ENOPROTOOPT));
        check_eq!(s.set_nodelay(true), Err(ENOPROTOOPT));
        Ok(())
    }

    pub(super) fn option_tcp_values_checked() -> TestResult {
        let s = tcp(false)?;
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

    pub(super) fn option_v6_only_rules() -> TestResult {
        check_eq!(tcp(false)?.set_only_v6(true), Err(ENOPROTOOPT));
        let s = tcp(true)?;
        s.bind(&loopback(true))?;
        check_eq!(s.set_only_v6(true), Err(EINVAL));
        Ok(())
    }

    pub(super) fn option_unknown_eperm() -> TestResult {
        let s = tcp(false)?;
        // Outside the allow-list: refused before the kernel sees it.
        check_eq!(s.set_option(OptionLevel::Socket, 12345, 1), Err(EPERM));
        check_eq!(s.set_option(OptionLevel::Tcp, 12345, 1), Err(EPERM));
        // Allowed, but not for this protocol.
        check_eq!(
            udp(false)?.set_option(OptionLevel::Tcp, bindings::TCP_NODELAY, 1),
            Err(ENOPROTOOPT)
        );
        // Too short a value for an int option.
        // SAFETY: `SO_KEEPALIVE` is a plain integer option.
        let short =
            unsafe { s.set_option_bytes(OptionLevel::Socket, bindings::SO_KEEPALIVE, &[1u8]) };
        check_eq!(short, Err(EINVAL));
        Ok(())
    }

    pub(super) fn socket_reports_family_type_protocol() -> TestResult {
        let s = udp(true)?;
        check_eq!(s.family()?, AddressFamily::Inet6);
        check_eq!(s.socket_type()?, SocketType::Datagram);
        check_eq!(s.protocol()?, IpProtocol::Udp);
        let (l, _) = listener(false)?;
        check!(l.is_listening()?);
        check!(!tcp(false)?.is_listening()?);
        Ok(())
    }

    pub(super) fn create_rejects_bad_combinations() -> TestResult {
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

    pub(super) fn user_socket_in_current_namespace() -> TestResult {
        let s = Socket::new(AddressFamily::Inet, SocketType::Datagram, IpProtocol::Udp)?;
        check!(s.namespace().is_init());
        s.bind(&loopback(false))?;
        Ok(())
    }

    pub(super) fn unix_stream_exchange_abstract() -> TestResult {
        let addr = SocketAddr::Unix(UnixAddr::abstract_name(b"knet-kunit-stream")?);
        let new = || {
            Socket::new_kern(
                ns(),
                AddressFamily::Unix,
                SocketType::Stream,
                IpProtocol::Ip,
            )
        };
        let l = new()?;
        l.bind(&addr)?;
        l.listen(2)?;
        check_eq!(l.local_addr()?, addr);
        let c = new()?;
        c.connect(&addr)?;
        let s = l.accept()?;
        c.send(b"unix", MessageFlags::NONE)?;
        let mut buf = [0u8; 4];
        recv_exact(&s, &mut buf)?;
        check_eq!(&buf, b"unix");
        check_eq!(c.peer_addr()?, addr);
        Ok(())
    }

    pub(super) fn unix_datagram_sender_address() -> TestResult {
        let new = || {
            Socket::new_kern(
                ns(),
                AddressFamily::Unix,
                SocketType::Datagram,
                IpProtocol::Ip,
            )
        };
        let a_addr = SocketAddr::Unix(UnixAddr::abstract_name(b"knet-kunit-a")?);
        let b_addr = SocketAddr::Unix(UnixAddr::abstract_name(b"knet-kunit-b")?);
        let (a, b) = (new()?, new()?);
        a.bind(&a_addr)?;
        b.bind(&b_addr)?;
        a.send_to(b"dgram", &b_addr, MessageFlags::NONE)?;
        let mut buf = [0u8; 16];
        let got = b.recv_from(&mut buf, MessageFlags::NONE)?;
        check_eq!(got.len, 5);
        check_eq!(got.peer, Some(a_addr));
        Ok(())
    }

    pub(super) fn new_namespace_does_not_reach_init_net() -> TestResult {
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

    pub(super) fn refcount(ns: &Namespace) -> i32 {
        // SAFETY: `ns` is live; the helper reads its reference count.
        unsafe { bindings::net_ref_read(ns.as_ptr()) }
    }

    pub(super) fn kernel_socket_pins_its_namespace() -> TestResult {
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

    pub(super) fn accepted_socket_shares_listener_namespace() -> TestResult {
        let (l, _c, s) = tcp_pair(false)?;
        check!(core::ptr::eq(
            s.namespace().as_ptr(),
            l.namespace().as_ptr()
        ));
        Ok(())
    }

    pub(super) fn no_leaks_after_many_sockets() -> TestResult {
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

    /// A small deterministic generator (xorshift64*), so failures reproduce from the seed.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }

        fn fill(&mut self, buf: &mut [u8]) {
            for b in buf.iter_mut() {
                *b = self.next() as u8;
            }
        }
    }

    const SEED: u64 = 0x6b6e_6574_2d72_7573;

    pub(super) fn random_address_bytes_never_misparse() -> TestResult {
        crate::kunit::info(format_args!("    # seed {:#x}, 20000 inputs\n", SEED));
        let mut rng = Rng(SEED);
        let families = [0u16, 1, 2, 10, 16, 17, 99, 0xffff];
        let mut buf = [0u8; STORAGE_SIZE];
        let mut parsed = 0;
        for _ in 0..20000 {
            rng.fill(&mut buf);
            // Mostly real families, so the length checks are what gets exercised.
            let family = families[rng.below(families.len())];
            buf[..2].copy_from_slice(&family.to_ne_bytes());
            let len = rng.below(STORAGE_SIZE + 1);
            match SocketAddr::from_bytes(&buf[..len]) {
                Ok(a) => {
                    parsed += 1;
                    // Whatever parses must survive a round trip through the C layout.
                    let again = SocketAddrStorage::from(&a).to_socket_addr()?;
                    check_eq!(again, a);
                    let min = match a {
                        SocketAddr::V4(_) => 16,
                        SocketAddr::V6(_) => 24,
                        SocketAddr::Unix(_) => 2,
                    };
                    check!(len >= min);
                }
                Err(e) => check!(e == EINVAL || e == EAFNOSUPPORT),
            }
        }
        check!(parsed > 1000);
        Ok(())
    }

    pub(super) fn random_address_text_never_misparses() -> TestResult {
        let mut rng = Rng(SEED ^ 1);
        let alphabet = b"0123456789abcdef:.[]%@/unix ";
        let mut text = [0u8; 48];
        for _ in 0..20000 {
            let len = rng.below(text.len());
            for c in text[..len].iter_mut() {
                *c = alphabet[rng.below(alphabet.len())];
            }
            let Ok(s) = core::str::from_utf8(&text[..len]) else {
                continue;
            };
            if let Ok(a) = s.parse::<SocketAddr>() {
                let printed = crate::str::CString::try_from_fmt(crate::prelude::fmt!("{}", a))?;
                let again: SocketAddr = printed.to_str().map_err(|_| EINVAL)?.parse()?;
                check_eq!(again, a);
            }
        }
        Ok(())
    }

    pub(super) fn random_control_buffers_stay_in_bounds() -> TestResult {
        let mut rng = Rng(SEED ^ 2);
        let mut control = [0u8; 256];
        for _ in 0..5000 {
            rng.fill(&mut control);
            // Plausible lengths in the first header so iteration goes further.
            let first = rng.below(64) as u64;
            control[..8].copy_from_slice(&first.to_ne_bytes());
            let total = rng.below(control.len() + 1);
            let mut seen = 0usize;
            for m in ControlMessages::new(&control[..total]) {
                seen += 16 + m.data.len();
                check!(m.data.len() <= total);
            }
            check!(seen <= total + 8 * 32);
        }
        Ok(())
    }

    pub(super) fn wrong_state_operations_fail_cleanly() -> TestResult {
        // Accept on a socket that never listened.
        check_eq!(tcp(false)?.accept().err(), Some(EINVAL));
        // Send on an unconnected stream socket.
        check_eq!(tcp(false)?.send(b"x", MessageFlags::NOSIGNAL), Err(EPIPE));
        // Listen and accept on a datagram socket.
        let u = udp(false)?;
        check_eq!(u.listen(1), Err(EOPNOTSUPP));
        check_eq!(u.accept().err(), Some(EOPNOTSUPP));
        // Bind twice.
        let s = tcp(false)?;
        s.bind(&loopback(false))?;
        check_eq!(s.bind(&loopback(false)), Err(EINVAL));
        // Double shutdown of a connection is harmless.
        let (_l, c, _s) = tcp_pair(false)?;
        c.shutdown(Shutdown::Both)?;
        c.shutdown(Shutdown::Both)?;
        // Connect to an address of another family.
        check_eq!(
            tcp(true)?.connect(&SocketAddr::Unix(UnixAddr::abstract_name(b"x")?)),
            Err(EINVAL)
        );
        // Wrappers refuse sockets of the wrong kind.
        check!(crate::net::tcp::TcpStream::try_from(udp(false)?).is_err());
        check!(crate::net::udp::UdpSocket::try_from(tcp(true)?).is_err());
        check!(crate::net::tcp::TcpListener::try_from(tcp(false)?).is_err());
        Ok(())
    }

    pub(super) fn empty_and_unknown_flag_messages() -> TestResult {
        let (_l, c, s) = tcp_pair(false)?;
        // Zero-length sends and receives are fine and move nothing.
        check_eq!(c.send(&[], MessageFlags::NONE)?, 0);
        check_eq!(c.send_vectored(&[], MessageFlags::NONE)?, 0);
        c.send(b"z", MessageFlags::NONE)?;
        let mut one = [0u8; 1];
        check_eq!(
            s.recv(&mut one, MessageFlags::PEEK | MessageFlags::WAITALL)?,
            1
        );
        check_eq!(s.recv(&mut [], MessageFlags::NONE)?, 0);
        recv_exact(&s, &mut one)?;
        check_eq!(&one, b"z");
        // Out-of-band data is a TCP notion: UDP refuses it.
        let (u, u_addr) = bound_udp(false)?;
        check_eq!(u.send_to(b"x", &u_addr, MessageFlags::OOB), Err(EOPNOTSUPP));
        // Unknown high flag bits are ignored or refused, never fatal.
        let r = c.send(
            b"y",
            MessageFlags::from_raw(0x4000_0000) | MessageFlags::NOSIGNAL,
        );
        check!(r == Ok(1) || r.is_err());
        Ok(())
    }
}
