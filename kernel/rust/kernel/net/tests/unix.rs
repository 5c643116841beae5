// SPDX-License-Identifier: GPL-2.0

//! Unix sockets: streams over abstract addresses and datagrams with their
//! sender.

use super::*;
use crate::net::unix::{UnixDatagram, UnixListener, UnixStream};

#[macros::kunit_tests(rust_net_unix)]
mod cases {
    use super::*;

    #[test]
    fn unix_stream_exchange_abstract() -> TestResult {
        let addr = SockAddr::Unix(UnixAddr::abstract_name(b"knet-kunit-stream")?);
        let new = || unix_socket(SocketType::Stream);
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

    #[test]
    fn unix_datagram_sender_address() -> TestResult {
        let new = || unix_socket(SocketType::Datagram);
        let a_addr = SockAddr::Unix(UnixAddr::abstract_name(b"knet-kunit-a")?);
        let b_addr = SockAddr::Unix(UnixAddr::abstract_name(b"knet-kunit-b")?);
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

    /// The wrappers: `UnixListener`, `UnixStream` and `UnixDatagram`.
    #[test]
    fn unix_wrappers() -> TestResult {
        let addr = UnixAddr::abstract_name(b"knet-kunit-wrappers")?;
        let listener = UnixListener::bind(ns(), &addr, 2)?;
        let client = UnixStream::connect(ns(), &addr)?;
        let (server, peer) = listener.accept()?;
        check_eq!(peer, UnixAddr::unnamed());
        client.write_all(b"stream")?;
        let mut buf = [0u8; 6];
        check_eq!(server.read(&mut buf)?, 6);
        check_eq!(&buf, b"stream");
        server.shutdown(Shutdown::Both)?;
        check_eq!(client.read(&mut buf)?, 0);

        let a_addr = UnixAddr::abstract_name(b"knet-kunit-dgram-a")?;
        let a = UnixDatagram::bind(ns(), &a_addr)?;
        let b = UnixDatagram::bind(ns(), &UnixAddr::abstract_name(b"knet-kunit-dgram-b")?)?;
        check_eq!(
            a.send_to(b"dgram", &UnixAddr::abstract_name(b"knet-kunit-dgram-b")?)?,
            5
        );
        let mut small = [0u8; 2];
        let d = b.recv_from(&mut small)?;
        check_eq!((d.len, d.truncated, d.from), (2, true, a_addr));
        Ok(())
    }
}
