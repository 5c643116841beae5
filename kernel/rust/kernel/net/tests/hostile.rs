// SPDX-License-Identifier: GPL-2.0

//! Hostile input: random address bytes and text, random control buffers,
//! calls in the wrong state and unknown flags all fail cleanly.

use super::*;

#[macros::kunit_tests(rust_net_hostile)]
mod cases {
    use super::*;

    #[test]
    fn malformed_control_messages_end_iteration() -> TestResult {
        // A control buffer filled by a "receive" with a header claiming more than exists.
        let mut control = [0xffu8; 40];
        let header = MessageHeader::new().control(&mut control);
        check_eq!(header.control_messages().count(), 0);
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

    #[test]
    fn random_address_bytes_never_misparse() -> TestResult {
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
            match SockAddr::from_bytes(&buf[..len]) {
                Ok(a) => {
                    parsed += 1;
                    // Whatever parses must survive a round trip through the C layout.
                    let again = SockAddrStorage::from(&a).to_sock_addr()?;
                    check_eq!(again, a);
                    let min = match a {
                        SockAddr::V4(_) => 16,
                        SockAddr::V6(_) => 24,
                        SockAddr::Unix(_) => 2,
                    };
                    check!(len >= min);
                }
                Err(e) => check!(e == EINVAL || e == EAFNOSUPPORT),
            }
        }
        check!(parsed > 1000);
        Ok(())
    }

    #[test]
    fn random_address_text_never_misparses() -> TestResult {
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
            if let Ok(a) = s.parse::<SockAddr>() {
                let printed = crate::str::CString::try_from_fmt(crate::prelude::fmt!("{}", a))?;
                let again: SockAddr = printed.to_str().map_err(|_| EINVAL)?.parse()?;
                check_eq!(again, a);
            }
        }
        Ok(())
    }

    #[test]
    fn random_control_buffers_stay_in_bounds() -> TestResult {
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

    #[test]
    fn wrong_state_operations_fail_cleanly() -> TestResult {
        // Accept on a socket that never listened.
        check_eq!(tcp_socket(false)?.accept().err(), Some(EINVAL));
        // Send on an unconnected stream socket.
        check_eq!(
            tcp_socket(false)?.send(b"x", MessageFlags::NOSIGNAL),
            Err(EPIPE)
        );
        // Listen and accept on a datagram socket.
        let u = udp_socket(false)?;
        check_eq!(u.listen(1), Err(EOPNOTSUPP));
        check_eq!(u.accept().err(), Some(EOPNOTSUPP));
        // Bind twice.
        let s = tcp_socket(false)?;
        s.bind(&loopback(false))?;
        check_eq!(s.bind(&loopback(false)), Err(EINVAL));
        // Double shutdown of a connection is harmless.
        let (_l, c, _s) = tcp_pair(false)?;
        c.shutdown(Shutdown::Both)?;
        c.shutdown(Shutdown::Both)?;
        // Connect to an address of another family.
        check_eq!(
            tcp_socket(true)?.connect(&SockAddr::Unix(UnixAddr::abstract_name(b"x")?)),
            Err(EINVAL)
        );
        // Wrappers refuse sockets of the wrong kind.
        check!(crate::net::tcp::TcpStream::try_from(udp_socket(false)?).is_err());
        check!(crate::net::udp::UdpSocket::try_from(tcp_socket(true)?).is_err());
        check!(crate::net::tcp::TcpListener::try_from(tcp_socket(false)?).is_err());
        Ok(())
    }

    #[test]
    fn empty_and_unknown_flag_messages() -> TestResult {
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
