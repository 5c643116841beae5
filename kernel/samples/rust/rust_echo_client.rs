// SPDX-License-Identifier: GPL-2.0

//! Rust echo client: connects to an echo server, sends a pattern and checks
//! that every byte comes back, using `kernel::net`.
//!
//! Parameters: `address` and `port` of the server (default `127.0.0.1:7`)
//! and `size`, the number of bytes to send (default 65536). The check runs
//! when the module loads: loading fails with the error if the echo is wrong
//! or the connection fails, and the result is logged either way.

use kernel::{
    net::{
        addr::{InetSocketAddr, IpAddr, Ipv4Addr},
        namespace::Namespace,
        socket::Shutdown,
        tcp::TcpStream,
    },
    prelude::*,
};

module! {
    type: EchoClient,
    name: "rust_echo_client",
    authors: ["knet developers"],
    description: "Echo client written with kernel::net: checks an echo byte for byte",
    license: "GPL",
    params: {
        address: IpAddr {
            default: IpAddr::V4(Ipv4Addr::LOCALHOST),
            description: "IPv4 or IPv6 address of the echo server",
        },
        port: u16 {
            default: 7,
            description: "TCP port of the echo server",
        },
        size: usize {
            default: 65536,
            description: "bytes to send and check",
        },
        chunk: usize {
            default: 16384,
            description: "bytes in flight at a time (1..65536)",
        },
    },
}

/// Largest chunk. One chunk is sent, then read back: the whole echo of a
/// chunk must fit in the socket buffers of both sides, or both block in
/// their sends forever; 64 KiB fits the default buffers.
const MAX_CHUNK: usize = 64 * 1024;

struct EchoClient;

/// The byte at offset `i` of the pattern: not periodic in any power of two.
fn pattern(i: usize) -> u8 {
    (i.wrapping_mul(7).wrapping_add(i >> 9) % 253) as u8
}

/// Sends `size` pattern bytes and checks the echo; returns the first mismatch offset as `EIO`.
fn check_echo(stream: &TcpStream, size: usize, chunk: usize) -> Result {
    let mut out = KVec::from_elem(0u8, chunk, GFP_KERNEL)?;
    let mut back = KVec::from_elem(0u8, chunk, GFP_KERNEL)?;
    let mut done = 0;
    while done < size {
        let n = chunk.min(size - done);
        for (i, b) in out[..n].iter_mut().enumerate() {
            *b = pattern(done + i);
        }
        stream.write_all(&out[..n])?;
        stream.read_exact(&mut back[..n])?;
        if let Some(i) = (0..n).find(|&i| back[i] != out[i]) {
            pr_err!("echo differs at byte {}\n", done + i);
            return Err(EIO);
        }
        done += n;
    }
    // The server closes after our end of stream: nothing more may arrive.
    stream.shutdown(Shutdown::Write)?;
    if stream.read(&mut back[..1])? != 0 {
        pr_err!("extra data after the echo\n");
        return Err(EIO);
    }
    Ok(())
}

impl kernel::Module for EchoClient {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let addr = InetSocketAddr::new(
            module_parameters::address.value(),
            module_parameters::port.value(),
        );
        let size = module_parameters::size.value();
        let chunk = module_parameters::chunk.value();
        if chunk == 0 || chunk > MAX_CHUNK {
            pr_err!("chunk={} is out of range (1..{})\n", chunk, MAX_CHUNK);
            return Err(EINVAL);
        }
        let result =
            TcpStream::connect(Namespace::init(), &addr).and_then(|s| check_echo(&s, size, chunk));
        match result {
            Ok(()) => pr_info!("ok: {} bytes echoed by {} verified\n", size, addr),
            Err(e) => pr_err!(
                "not ok: echo of {} bytes from {} failed: {:?}\n",
                size,
                addr,
                e
            ),
        }
        result.map(|()| EchoClient)
    }
}
