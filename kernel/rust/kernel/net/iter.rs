// SPDX-License-Identifier: GPL-2.0

//! Sending from and receiving into `iov_iter`s.
//!
//! A [`Socket`] sends the bytes an [`IovIterSource`] reads and receives into
//! the memory an [`IovIterDest`] writes, with `sock_sendmsg()` and
//! `sock_recvmsg()`. This is how data that is not a Rust slice crosses a
//! socket: the pages of a block request (see
//! `kernel::block::mq::Bio`), or user memory in a
//! `read_iter`/`write_iter`. The bytes are only ever copied by the network
//! stack, never seen as a Rust reference, so memory that changes underneath
//! (direct I/O from user space) is no data race in Rust's sense.
//!
//! Both calls advance the iterator past what they moved, including on a
//! partial send or receive that a signal or a timeout cut short, so a
//! caller continues with the same iterator.
//!
//! C header: [`include/linux/net.h`](srctree/include/linux/net.h)

use super::{
    message::{MessageFlags, RawHeader},
    socket::{to_len, Socket},
};
use crate::{
    bindings,
    iov::{IovIterDest, IovIterSource},
    prelude::*,
};
use core::ptr;

impl Socket {
    /// Sends the bytes `data` reads (`sock_sendmsg`) on a connected socket;
    /// returns the bytes sent, which may be fewer, and advances `data` past
    /// them.
    ///
    /// Flags are those of [`Socket::send`] ([`MessageFlags::MORE`] to say
    /// more data follows); `MSG_NOSIGNAL` is always added. May sleep unless
    /// non-blocking.
    pub fn send_iter(&self, data: &mut IovIterSource<'_>, flags: MessageFlags) -> Result<usize> {
        let flags = self.send_flags(flags)?;
        let mut msg = RawHeader::for_send(None);
        msg.set_flags(flags);
        let header = msg.as_mut_ptr();
        let _scope = self.io_scope();
        // SAFETY: `header` is a valid kernel header without name or control (`RawHeader`'s
        // invariant). Its iterator becomes a copy of `data`'s, a valid source whose memory may
        // be read for the call (`IovIterSource`'s invariant); the copy is written back before
        // `data` is used again, so the position is never used twice. The flags are
        // allow-listed, so no kernel-internal flag (`MSG_SPLICE_PAGES`) makes the stack keep
        // references to the memory after the call.
        let ret = unsafe {
            (*header).msg_iter = ptr::read(data.as_raw());
            let ret = bindings::sock_sendmsg(self.as_ptr(), header);
            ptr::copy_nonoverlapping(&raw const (*header).msg_iter, data.as_raw(), 1);
            ret
        };
        to_len(ret)
    }

    /// Sends all the bytes `data` reads on a connected stream, in as many
    /// sends as it takes.
    ///
    /// `EPIPE` if the stream stops taking data. On an error, `data` is
    /// advanced past what was sent. May sleep unless non-blocking.
    pub fn send_iter_all(&self, data: &mut IovIterSource<'_>, flags: MessageFlags) -> Result {
        while !data.is_empty() {
            if self.send_iter(data, flags)? == 0 {
                return Err(EPIPE);
            }
        }
        Ok(())
    }

    /// Receives into the memory `data` writes (`sock_recvmsg`); returns the
    /// bytes received (0: the peer shut down its side of a stream) and
    /// advances `data` past them.
    ///
    /// Flags are those of [`Socket::recv`]; with [`MessageFlags::WAITALL`] a
    /// stream fills all of `data` unless a signal, a timeout or the peer's
    /// shutdown stops it first. May sleep unless non-blocking.
    pub fn recv_iter(&self, data: &mut IovIterDest<'_>, flags: MessageFlags) -> Result<usize> {
        let flags = self.recv_flags(flags)?;
        let mut msg = RawHeader::for_receive(None, None);
        let header = msg.as_mut_ptr();
        let _scope = self.io_scope();
        // SAFETY: `header` is a valid kernel header without name or control (`RawHeader`'s
        // invariant). Its iterator becomes a copy of `data`'s, a valid destination whose
        // memory may be written for the call (`IovIterDest`'s invariant); the copy is
        // written back before `data` is used again. The flags are allow-listed.
        let ret = unsafe {
            (*header).msg_iter = ptr::read(data.as_raw());
            let ret = bindings::sock_recvmsg(self.as_ptr(), header, flags.as_raw() as i32);
            ptr::copy_nonoverlapping(&raw const (*header).msg_iter, data.as_raw(), 1);
            ret
        };
        to_len(ret)
    }

    /// Receives exactly as many bytes as `data` can take on a connected
    /// stream.
    ///
    /// `ECONNRESET` if the peer shuts down first; other errors (a timeout,
    /// a signal) as the receive gives them, with `data` advanced past what
    /// arrived. May sleep unless non-blocking.
    pub fn recv_iter_exact(&self, data: &mut IovIterDest<'_>, flags: MessageFlags) -> Result {
        while !data.is_empty() {
            if self.recv_iter(data, flags | MessageFlags::WAITALL)? == 0 {
                return Err(ECONNRESET);
            }
        }
        Ok(())
    }
}

#[cfg(CONFIG_RUST_KERNEL_DOCTESTS)]
#[macros::kunit_tests(rust_net_iter)]
mod tests {
    use super::*;
    use crate::net::{namespace::Namespace, tcp::TcpListener, tcp::TcpStream};
    use core::mem::MaybeUninit;

    /// An `iov_iter` in `direction` over the one buffer `kvec` describes.
    fn kvec_iter(kvec: &bindings::kvec, direction: u32) -> bindings::iov_iter {
        let mut iter = MaybeUninit::<bindings::iov_iter>::uninit();
        // SAFETY: `iov_iter_kvec` initialises `iter` over `kvec`, which the caller keeps alive
        // while it uses the iterator.
        unsafe { bindings::iov_iter_kvec(iter.as_mut_ptr(), direction, kvec, 1, kvec.iov_len) };
        // SAFETY: Initialised just above.
        unsafe { iter.assume_init() }
    }

    #[test]
    fn iterators_cross_a_connection_and_keep_their_place() -> Result {
        let ns = Namespace::init();
        let listener = TcpListener::bind(ns, &"127.0.0.1:0".parse()?, 1)?;
        let client = TcpStream::connect(ns, &listener.local_addr()?)?;
        let (server, _) = listener.accept()?;

        let out = *b"the pages of a block request";
        let out_kvec = bindings::kvec {
            iov_base: out.as_ptr().cast_mut().cast(),
            iov_len: out.len(),
        };
        let mut raw = kvec_iter(&out_kvec, bindings::ITER_SOURCE);
        // SAFETY: `raw` is a source over `out`, which is only read and outlives it.
        let source = unsafe { IovIterSource::from_raw(&mut raw) };
        client
            .as_socket()
            .send_iter_all(source, MessageFlags::MORE)?;
        assert!(source.is_empty());

        let mut back = [0u8; 28];
        let back_kvec = bindings::kvec {
            iov_base: back.as_mut_ptr().cast(),
            iov_len: back.len(),
        };
        let socket = server.as_socket();
        // A peek fills the iterator and moves it; the data stays queued.
        let mut raw = kvec_iter(&back_kvec, bindings::ITER_DEST);
        // SAFETY: `raw` is a destination over `back`, which nothing else uses while it lives.
        let dest = unsafe { IovIterDest::from_raw(&mut raw) };
        assert_eq!(socket.recv_iter(dest, MessageFlags::PEEK)?, 28);
        assert!(dest.is_empty());
        let mut raw = kvec_iter(&back_kvec, bindings::ITER_DEST);
        // SAFETY: As above; the previous iterator is no longer used.
        let dest = unsafe { IovIterDest::from_raw(&mut raw) };
        socket.recv_iter_exact(dest, MessageFlags::NONE)?;
        assert_eq!(&back, &out);
        // Nothing is queued: a receive that may not wait fails, and the iterator keeps its place.
        let mut raw = kvec_iter(&back_kvec, bindings::ITER_DEST);
        // SAFETY: As above.
        let dest = unsafe { IovIterDest::from_raw(&mut raw) };
        dest.advance(20);
        assert_eq!(socket.recv_iter(dest, MessageFlags::DONTWAIT), Err(EAGAIN));
        assert_eq!(dest.len(), 8);
        Ok(())
    }
}
