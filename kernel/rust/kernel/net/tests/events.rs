// SPDX-License-Identifier: GPL-2.0

//! Readiness: each event reaches the handler, accepted sockets start without
//! their listener's handler, and clearing or dropping while events are being
//! delivered leaves nothing behind.

use super::*;
use crate::net::events::{Readiness, SocketEvents};
use core::sync::atomic::{AtomicU32, Ordering};

/// Counts each event.
#[derive(Default)]
struct Counts {
    data_ready: AtomicU32,
    write_space: AtomicU32,
    state_change: AtomicU32,
    error_report: AtomicU32,
}

impl SocketEvents for Counts {
    fn data_ready(&self) {
        self.data_ready.fetch_add(1, Ordering::Relaxed);
    }

    fn write_space(&self) {
        self.write_space.fetch_add(1, Ordering::Relaxed);
    }

    fn state_change(&self) {
        self.state_change.fetch_add(1, Ordering::Relaxed);
    }

    fn error_report(&self) {
        self.error_report.fetch_add(1, Ordering::Relaxed);
    }
}

fn counts() -> Result<Arc<Counts>, Error> {
    Ok(Arc::new(
        Counts::default(),
        crate::alloc::flags::GFP_KERNEL,
    )?)
}

fn get(c: &AtomicU32) -> u32 {
    c.load(Ordering::Relaxed)
}

const SECOND: Option<Duration> = Some(Duration::from_secs(1));

#[macros::kunit_tests(rust_net_events)]
mod cases {
    use super::*;

    #[test]
    fn events_data_arrives() -> TestResult {
        let (_l, c, s) = tcp_pair(false)?;
        let n = counts()?;
        s.set_events(n.clone())?;
        check!(!s.readiness().is_readable());
        c.send(b"data", MessageFlags::NONE)?;
        check!(s.wait_ready(Readiness::READABLE, SECOND)?.is_readable());
        check!(get(&n.data_ready) >= 1);
        let mut buf = [0u8; 4];
        recv_exact(&s, &mut buf)?;
        check!(!s.readiness().is_readable());
        check!(s.clear_events());
        check!(!s.clear_events());
        check!(Arc::into_unique_or_drop(n).is_some());
        Ok(())
    }

    #[test]
    fn events_write_space_after_peer_reads() -> TestResult {
        let (_l, c, s) = tcp_pair(false)?;
        s.set_send_buffer_size(4096)?;
        c.set_recv_buffer_size(4096)?;
        s.set_nonblocking(true);
        let n = counts()?;
        s.set_events(n.clone())?;
        let chunk = [7u8; 1024];
        let mut sent = 0;
        loop {
            match s.send(&chunk, MessageFlags::NONE) {
                Ok(k) => sent += k,
                Err(e) if e == EAGAIN => break,
                Err(e) => return Err(e.into()),
            }
        }
        check!(!s.readiness().is_writable());
        let mut buf = [0u8; 1024];
        let mut read = 0;
        while read < sent {
            read += c.recv(&mut buf, MessageFlags::NONE)?;
        }
        check!(s.wait_ready(Readiness::WRITABLE, SECOND)?.is_writable());
        check!(get(&n.write_space) >= 1);
        Ok(())
    }

    #[test]
    fn events_peer_closes() -> TestResult {
        let (_l, c, s) = tcp_pair(true)?;
        let n = counts()?;
        s.set_events(n.clone())?;
        drop(c);
        let ready = s.wait_ready(Readiness::READABLE, SECOND)?;
        check!(ready.is_readable());
        check!(get(&n.state_change) >= 1);
        let mut buf = [0u8; 1];
        check_eq!(s.recv(&mut buf, MessageFlags::NONE)?, 0);
        Ok(())
    }

    #[test]
    fn events_peer_resets_and_error_reported() -> TestResult {
        let (_l, c, s) = tcp_pair(false)?;
        let n = counts()?;
        s.set_events(n.clone())?;
        // Closing with unread data sends a reset.
        s.send(b"unread", MessageFlags::NONE)?;
        c.wait_ready(Readiness::READABLE, SECOND)?;
        drop(c);
        let ready = s.wait_ready(Readiness::NONE, SECOND)?;
        check!(ready.is_error() || ready.is_hangup());
        check!(get(&n.error_report) >= 1);
        check_eq!(s.take_error()?, Some(ECONNRESET));
        Ok(())
    }

    #[test]
    fn events_listener_has_a_connection() -> TestResult {
        let (l, addr) = listener(false)?;
        let n = counts()?;
        l.set_events(n.clone())?;
        let c = tcp_socket(false)?;
        c.connect(&addr)?;
        check!(l.wait_ready(Readiness::READABLE, SECOND)?.is_readable());
        check!(get(&n.data_ready) >= 1);
        // The accepted socket inherited the listener's callbacks; accept gave it its own.
        let s = l.accept()?;
        let before = get(&n.data_ready);
        c.send(b"to the child", MessageFlags::NONE)?;
        check!(s.wait_ready(Readiness::READABLE, SECOND)?.is_readable());
        check_eq!(get(&n.data_ready), before);
        // It can have a handler of its own.
        let m = counts()?;
        s.set_events(m.clone())?;
        c.send(b"again", MessageFlags::NONE)?;
        s.wait_ready(Readiness::READABLE, SECOND)?;
        check_eq!(get(&n.data_ready), before);
        check!(l.clear_events());
        Ok(())
    }

    #[test]
    fn events_udp_datagram_arrives() -> TestResult {
        let (a, _) = bound_udp(true)?;
        let (b, b_addr) = bound_udp(true)?;
        let n = counts()?;
        b.set_events(n.clone())?;
        a.send_to(b"dgram", &b_addr, MessageFlags::NONE)?;
        check!(b.wait_ready(Readiness::READABLE, SECOND)?.is_readable());
        check!(get(&n.data_ready) >= 1);
        Ok(())
    }

    #[test]
    fn events_second_handler_ebusy() -> TestResult {
        let (u, _) = bound_udp(false)?;
        u.set_events(counts()?)?;
        check_eq!(u.set_events(counts()?), Err(EBUSY));
        check!(u.clear_events());
        u.set_events(counts()?)?;
        Ok(())
    }

    #[test]
    fn events_wait_times_out() -> TestResult {
        let (u, _) = bound_udp(false)?;
        check_eq!(
            u.wait_ready(Readiness::READABLE, Some(Duration::from_millis(20))),
            Err(ETIMEDOUT)
        );
        check!(u.wait_ready(Readiness::WRITABLE, SECOND)?.is_writable());
        Ok(())
    }

    /// 1,000 set/clear cycles while another task sends: every delivery either
    /// finds the registration or none, never a freed one (KASAN would say).
    #[test]
    fn events_cycles_while_traffic_flows() -> TestResult {
        let (_l, c, s) = tcp_pair(false)?;
        let c = Arc::new(c, crate::alloc::flags::GFP_KERNEL)?;
        later(0, c.clone(), Background::SendPattern(4 << 20))?;
        s.set_nonblocking(true);
        let mut buf = [0u8; 4096];
        let mut received = 0;
        for i in 0..1000 {
            s.set_events(counts()?)?;
            if i % 50 == 0 {
                // Let the sender (a work item) run now and then.
                let _ = s.wait_ready(Readiness::READABLE, Some(Duration::from_millis(100)));
            }
            match s.recv(&mut buf, MessageFlags::NONE) {
                Ok(n) => received += n,
                Err(e) if e == EAGAIN => {}
                Err(e) => return Err(e.into()),
            }
            check!(s.clear_events());
        }
        check!(received > 0);
        c.shutdown(Shutdown::Both)?;
        Ok(())
    }

    /// Sockets dropped with a handler set while the peer keeps sending: drop
    /// clears the handler before the release.
    #[test]
    fn events_drop_during_delivery() -> TestResult {
        for _ in 0..50 {
            let (_l, c, s) = tcp_pair(false)?;
            let c = Arc::new(c, crate::alloc::flags::GFP_KERNEL)?;
            let n = counts()?;
            s.set_events(n.clone())?;
            later(0, c.clone(), Background::SendPattern(256 << 10))?;
            drop(s);
            // The peer may have reset the connection already.
            let _ = c.shutdown(Shutdown::Both);
            // Only this test holds the handler now: the socket gave its reference back.
            check!(Arc::into_unique_or_drop(n).is_some());
        }
        Ok(())
    }
}
