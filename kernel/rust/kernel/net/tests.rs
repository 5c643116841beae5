// SPDX-License-Identifier: GPL-2.0

//! KUnit tests of the socket abstraction, on real sockets over loopback.
//!
//! They are built in with `CONFIG_RUST_KERNEL_DOCTESTS` and run at boot
//! together with the doctests, after `ip=` on the command line brought `lo`
//! up. They only use the public API, as a user of `kernel::net` would.
//!
//! One suite per subject, each declared with `#[kunit_tests]` in its own
//! file; this file holds what they share: the checks, which print where and
//! what failed as KUnit prints a failed expectation, and the fixtures.

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
use core::{panic::Location, time::Duration};

/// A failed case. What failed has been printed already, where it happened.
struct Failure;

impl From<Error> for Failure {
    #[track_caller]
    fn from(e: Error) -> Self {
        let at = Location::caller();
        crate::kunit::err(format_args!(
            "    # {}:{}: unexpected error: {:?}\n",
            tree_relative(at.file()),
            at.line(),
            e
        ));
        Failure
    }
}

impl From<crate::alloc::AllocError> for Failure {
    #[track_caller]
    fn from(_: crate::alloc::AllocError) -> Self {
        Failure::from(ENOMEM)
    }
}

type TestResult = core::result::Result<(), Failure>;

/// Prints a failed check the way KUnit prints a failed expectation.
fn expectation_failed(file: &str, line: u32, expr: &str) -> Failure {
    crate::kunit::err(format_args!(
        "    # EXPECTATION FAILED at {}:{}: {}\n",
        tree_relative(file),
        line,
        expr
    ));
    Failure
}

macro_rules! check {
    ($cond:expr) => {
        if !$cond {
            return Err(expectation_failed(file!(), line!(), stringify!($cond)));
        }
    };
}

macro_rules! check_eq {
    ($left:expr, $right:expr) => {{
        let (l, r) = (&$left, &$right);
        if l != r {
            crate::kunit::err(format_args!("    # left:  {:?}\n", l));
            crate::kunit::err(format_args!("    # right: {:?}\n", r));
            return Err(expectation_failed(
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

mod addresses;
mod events;
mod hostile;
mod namespaces;
mod options;
mod sockets;
mod soundness;
mod tcp;
mod udp;
mod unix;

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
/// Not generic, and outside the suites, on purpose: closures inside tests
/// give exported symbols too long for modpost.
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
///
/// After an error (an allocation failed, under fault injection) it shuts the
/// sending side down: the receiver then sees the stream end short, where it
/// would otherwise wait for the rest until KUnit's timeout.
fn send_pattern(sock: &Socket, total: usize) {
    let mut chunk = [0u8; 4096];
    let mut sent = 0;
    while sent < total {
        for (i, b) in chunk.iter_mut().enumerate() {
            *b = pattern(sent + i);
        }
        match sock.send(&chunk, MessageFlags::NONE) {
            Ok(n) if n == chunk.len() => sent += n,
            _ => {
                let _ = sock.shutdown(Shutdown::Write);
                break;
            }
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

fn ns() -> &'static Namespace {
    Namespace::init()
}

fn inet_family(v6: bool) -> AddressFamily {
    if v6 {
        AddressFamily::Inet6
    } else {
        AddressFamily::Inet
    }
}

fn tcp_socket(v6: bool) -> Result<Socket, Error> {
    Socket::new_kern(ns(), inet_family(v6), SocketType::Stream, IpProtocol::Tcp)
}

fn udp_socket(v6: bool) -> Result<Socket, Error> {
    Socket::new_kern(ns(), inet_family(v6), SocketType::Datagram, IpProtocol::Udp)
}

fn unix_socket(ty: SocketType) -> Result<Socket, Error> {
    Socket::new_kern(ns(), AddressFamily::Unix, ty, IpProtocol::Ip)
}

fn loopback(v6: bool) -> SockAddr {
    if v6 {
        SockAddr::v6(Ipv6Addr::LOCALHOST, 0)
    } else {
        SockAddr::v4(Ipv4Addr::LOCALHOST, 0)
    }
}

/// The loopback address of IPv4 or IPv6 with port 0, as TCP and UDP take it.
fn inet_loopback(v6: bool) -> InetSocketAddr {
    if v6 {
        InetSocketAddr::from((Ipv6Addr::LOCALHOST, 0))
    } else {
        InetSocketAddr::from((Ipv4Addr::LOCALHOST, 0))
    }
}

/// A bound, listening socket on an ephemeral loopback port.
fn listener(v6: bool) -> Result<(Socket, SockAddr), Error> {
    let l = tcp_socket(v6)?;
    l.bind(&loopback(v6))?;
    l.listen(16)?;
    let addr = l.local_addr()?;
    Ok((l, addr))
}

/// A connected pair: (listener, client, server side).
fn tcp_pair(v6: bool) -> Result<(Socket, Socket, Socket), Error> {
    let (l, addr) = listener(v6)?;
    let c = tcp_socket(v6)?;
    c.connect(&addr)?;
    let s = l.accept()?;
    Ok((l, c, s))
}

/// A bound UDP socket on an ephemeral loopback port.
fn bound_udp(v6: bool) -> Result<(Socket, SockAddr), Error> {
    let u = udp_socket(v6)?;
    u.bind(&loopback(v6))?;
    let addr = u.local_addr()?;
    Ok((u, addr))
}

/// An address nothing listens on: bound then closed.
fn closed_port(v6: bool) -> Result<SockAddr, Error> {
    let s = tcp_socket(v6)?;
    s.bind(&loopback(v6))?;
    s.local_addr()
}

fn recv_exact(s: &Socket, buf: &mut [u8]) -> Result<(), Error> {
    let n = s.recv(buf, MessageFlags::WAITALL)?;
    if n == buf.len() {
        Ok(())
    } else {
        Err(EIO)
    }
}

fn refcount(ns: &Namespace) -> i32 {
    // SAFETY: `ns` is live; the helper reads its reference count.
    unsafe { bindings::net_ref_read(ns.as_ptr()) }
}
