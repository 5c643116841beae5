// SPDX-License-Identifier: GPL-2.0

//! Readiness: callbacks when a socket becomes readable or writable or changes
//! state, a query of what it is ready for, and a wait with a timeout.
//!
//! C header: [`include/net/sock.h`](srctree/include/net/sock.h).
//!
//! Event-driven kernel servers and clients (nvme-tcp, sunrpc, iscsi) do not
//! park a thread in `recv` per connection: they replace the socket's
//! `sk_data_ready`, `sk_write_space`, `sk_state_change` and `sk_error_report`
//! callbacks, find their context in `sk_user_data` under `sk_callback_lock`,
//! and run non-blocking I/O from a work item when the socket is ready.
//! [`Socket::set_events`] does that with a [`SocketEvents`] handler;
//! [`Socket::readiness`] and [`Socket::wait_ready`] tell what the socket is
//! ready for.
//!
//! # Examples
//!
//! A handler that counts arrivals; a real one queues a work item that reads
//! until `EAGAIN`.
//!
//! ```
//! use core::sync::atomic::{AtomicU32, Ordering};
//! use kernel::net::{events::{Readiness, SocketEvents}, namespace::Namespace};
//! use kernel::net::tcp::{TcpListener, TcpStream};
//! use kernel::sync::Arc;
//!
//! struct Arrivals(AtomicU32);
//!
//! impl SocketEvents for Arrivals {
//!     fn data_ready(&self) {
//!         self.0.fetch_add(1, Ordering::Relaxed);
//!     }
//! }
//!
//! let listener = TcpListener::bind(Namespace::init(), &"127.0.0.1:0".parse()?, 4)?;
//! let client = TcpStream::connect(Namespace::init(), &listener.local_addr()?)?;
//! let server = listener.accept_stream()?;
//! let arrivals = Arc::new(Arrivals(AtomicU32::new(0)), GFP_KERNEL)?;
//! server.as_socket().set_events(arrivals.clone())?;
//! server.as_socket().set_nonblocking(true);
//!
//! client.write_all(b"ping")?;
//! let five_seconds = Some(core::time::Duration::from_secs(5));
//! let ready = server.as_socket().wait_ready(Readiness::READABLE, five_seconds)?;
//! assert!(ready.is_readable());
//! assert!(arrivals.0.load(Ordering::Relaxed) >= 1);
//! let mut buf = [0u8; 8];
//! assert_eq!(server.read(&mut buf)?, 4);
//! assert_eq!(server.read(&mut buf), Err(EAGAIN));
//! assert!(server.as_socket().clear_events());
//! # Ok::<(), Error>(())
//! ```

use super::socket::Socket;
use crate::{
    alloc::{flags::GFP_KERNEL, KBox},
    bindings,
    error::{code::*, Result},
    ffi::c_long,
    sync::Arc,
};
use core::{mem::MaybeUninit, ops::BitOr, time::Duration};

/// What a socket is ready for, as its `poll` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Readiness(u32);

impl Readiness {
    /// Nothing.
    pub const NONE: Self = Self(0);
    /// Data (or a connection, on a listener) can be received without blocking.
    pub const READABLE: Self = Self(bindings::POLLIN | bindings::POLLRDNORM);
    /// Data can be sent without blocking.
    pub const WRITABLE: Self = Self(bindings::POLLOUT | bindings::POLLWRNORM);
    /// An error is pending (read it with [`Socket::take_error`]).
    pub const ERROR: Self = Self(bindings::POLLERR);
    /// The peer closed its side, or the connection is gone.
    pub const HANGUP: Self = Self(bindings::POLLHUP | bindings::POLLRDHUP);

    /// The poll mask as `poll` returns it, limited to the bits above.
    pub fn from_poll_mask(mask: u32) -> Self {
        Self(mask & (Self::READABLE.0 | Self::WRITABLE.0 | Self::ERROR.0 | Self::HANGUP.0))
    }

    /// Whether any bit of `other` is set in `self`.
    pub fn intersects(self, other: Self) -> bool {
        self.0 & other.0 != 0
    }

    /// Whether nothing is set.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether [`READABLE`](Self::READABLE).
    pub fn is_readable(self) -> bool {
        self.intersects(Self::READABLE)
    }

    /// Whether [`WRITABLE`](Self::WRITABLE).
    pub fn is_writable(self) -> bool {
        self.intersects(Self::WRITABLE)
    }

    /// Whether [`ERROR`](Self::ERROR).
    pub fn is_error(self) -> bool {
        self.intersects(Self::ERROR)
    }

    /// Whether [`HANGUP`](Self::HANGUP).
    pub fn is_hangup(self) -> bool {
        self.intersects(Self::HANGUP)
    }
}

impl BitOr for Readiness {
    type Output = Self;

    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

/// Receives a socket's readiness events; see [`Socket::set_events`].
///
/// The methods run where the network stack raises the event: in softirq
/// context, or in a task that holds the socket's lock. They must not sleep
/// and must not call the socket (its lock may be held by their caller): they
/// note the event, queue a work item or wake a waiter. Each runs just before
/// the socket's own callback (which wakes tasks blocked on the socket).
/// The default methods do nothing.
pub trait SocketEvents: Send + Sync {
    /// Data arrived, or on a listener a connection is ready to be accepted
    /// (`sk_data_ready`).
    fn data_ready(&self) {}

    /// Send buffer space became free, e.g. after the peer acknowledged data
    /// (`sk_write_space`).
    fn write_space(&self) {}

    /// The connection changed state: established, closed or reset by the
    /// peer (`sk_state_change`).
    fn state_change(&self) {}

    /// An error was reported on the socket (`sk_error_report`).
    fn error_report(&self) {}
}

/// The `sk_user_data` flag that keeps a pointer out of sockets cloned from this one.
const NOCOPY: usize = bindings::SK_USER_DATA_NOCOPY as usize;

/// A socket callback as `struct sock` stores it.
type Callback = Option<unsafe extern "C" fn(*mut bindings::sock)>;

/// The four callbacks this module replaces, in the order of [`Event`]: `sk_data_ready`,
/// `sk_write_space`, `sk_state_change`, `sk_error_report`.
///
/// They are read and written by C helpers: bindgen's layout of `struct sock` is not reliable
/// that far into it (on a lockdep and KASAN configuration it was 64 bytes off).
#[derive(Clone, Copy)]
struct Callbacks([Callback; 4]);

impl Callbacks {
    /// Ours: they deliver to the handler in `sk_user_data`.
    const DELIVER: Self = Self([
        Some(deliver_data_ready),
        Some(deliver_write_space),
        Some(deliver_state_change),
        Some(deliver_error_report),
    ]);

    /// Reads the callbacks of `sk`.
    ///
    /// # Safety
    ///
    /// `sk` is valid and its `sk_callback_lock` is held.
    unsafe fn of(sk: *mut bindings::sock) -> Self {
        let mut cbs: [Callback; 4] = [None; 4];
        // SAFETY: `sk` is valid (caller guarantee) and `cbs` has room for the four; the
        // callbacks are only written under `sk_callback_lock`, which the caller holds.
        unsafe { bindings::sk_get_callbacks(sk, cbs.as_mut_ptr()) };
        Self(cbs)
    }

    /// Installs these callbacks on `sk`.
    ///
    /// # Safety
    ///
    /// `sk` is valid and its `sk_callback_lock` is held for writing.
    unsafe fn install(self, sk: *mut bindings::sock) {
        // SAFETY: `sk` is valid and the caller holds the lock that serialises writers.
        unsafe { bindings::sk_set_callbacks(sk, self.0.as_ptr()) };
    }

    /// Whether these are [`Callbacks::DELIVER`]. Function addresses are compared as numbers:
    /// the four are non-generic functions of this crate, each with one address.
    ///
    /// A plain loop: iterator adapters over these types make exported symbols too long for
    /// modpost.
    fn are_ours(&self) -> bool {
        fn addr(c: Callback) -> usize {
            match c {
                Some(f) => f as usize,
                None => 0,
            }
        }
        for i in 0..self.0.len() {
            if addr(self.0[i]) != addr(Self::DELIVER.0[i]) {
                return false;
            }
        }
        true
    }
}

/// What `sk_user_data` points to while a handler is set.
struct Registration {
    handler: Arc<dyn SocketEvents>,
    /// The callbacks that were installed before, restored on [`Socket::clear_events`].
    original: Callbacks,
}

/// Holds `sk_callback_lock` of a socket for reading or writing, with bottom halves off.
///
/// # Invariants
///
/// `sk` is valid for the guard's lifetime and its `sk_callback_lock` is held as `write` says.
struct CallbackLock {
    sk: *mut bindings::sock,
    write: bool,
}

impl CallbackLock {
    /// Takes the lock.
    ///
    /// # Safety
    ///
    /// `sk` stays valid until the guard is dropped.
    unsafe fn new(sk: *mut bindings::sock, write: bool) -> Self {
        // SAFETY: `sk` is valid (caller guarantee) and its lock is initialised with it.
        unsafe {
            let lock = bindings::sk_callback_lock(sk);
            if write {
                bindings::write_lock_bh(lock)
            } else {
                bindings::read_lock_bh(lock)
            }
        };
        // INVARIANT: The lock was just taken, and the caller keeps `sk` valid.
        Self { sk, write }
    }

    /// Whether `sk_user_data` holds anything, with whatever flags.
    fn user_data_is_set(&self) -> bool {
        // SAFETY: `sk` is valid and its callback lock held (type invariant).
        !unsafe { bindings::__locked_read_sk_user_data_with_flags(self.sk, 0) }.is_null()
    }

    /// The registration in `sk_user_data`, if a handler is set.
    fn registration(&self) -> *mut Registration {
        // SAFETY: `sk` is valid and its callback lock held (type invariant). Only
        // `set_events` stores a pointer with the no-copy flag, and always a `Registration`;
        // other users of `sk_user_data` (C code of a `from_raw` socket) are refused by
        // `set_events`, and this is only called on sockets whose callbacks are ours.
        unsafe { bindings::__locked_read_sk_user_data_with_flags(self.sk, NOCOPY) }.cast()
    }
}

impl Drop for CallbackLock {
    fn drop(&mut self) {
        // SAFETY: The lock is held in this mode (type invariant).
        unsafe {
            let lock = bindings::sk_callback_lock(self.sk);
            if self.write {
                bindings::write_unlock_bh(lock)
            } else {
                bindings::read_unlock_bh(lock)
            }
        }
    }
}

/// One of the four events, numbered as [`Callbacks`] orders them.
#[derive(Clone, Copy)]
enum Event {
    DataReady = 0,
    WriteSpace = 1,
    StateChange = 2,
    ErrorReport = 3,
}

/// Delivers `event` of `sk`: the handler, then the socket's own callback.
///
/// # Safety
///
/// Called by the network stack as one of `sk`'s callbacks, so `sk` is valid.
unsafe fn deliver(sk: *mut bindings::sock, event: Event) {
    let original = {
        // SAFETY: `sk` is valid for the duration of a callback.
        let lock = unsafe { CallbackLock::new(sk, false) };
        let reg = lock.registration();
        if reg.is_null() {
            None
        } else {
            // SAFETY: A registration stays allocated while it is in `sk_user_data`, and it
            // only leaves it, to be freed, under the write lock, which our read lock excludes.
            let reg = unsafe { &*reg };
            let handler = &*reg.handler;
            match event {
                Event::DataReady => handler.data_ready(),
                Event::WriteSpace => handler.write_space(),
                Event::StateChange => handler.state_change(),
                Event::ErrorReport => handler.error_report(),
            }
            Some(reg.original.0[event as usize])
        }
    };
    match original {
        // The original runs without our read lock held: some take `sk_callback_lock`
        // themselves, and a nested read lock can deadlock behind a waiting writer.
        // SAFETY: It is the socket's own callback, called as the stack calls it.
        Some(Some(f)) => unsafe { f(sk) },
        Some(None) => {}
        // Our callbacks without a registration: a socket accepted from a listener with a
        // handler (it inherited the callbacks, but not `sk_user_data`, which is no-copy)
        // before `Socket::accept` restored them, or a call that began before
        // `clear_events`. Wake every waiter, as the original would have: waking too much
        // is harmless, missing a wake-up is not.
        // SAFETY: `sk` is valid; the helper reads its RCU-protected wait queue under the RCU
        // read lock, as `sock_def_wakeup` does.
        None => unsafe { bindings::sk_wake_up_all(sk) },
    }
}

/// The `sk_data_ready` of sockets with a handler.
///
/// # Safety
///
/// Only the network stack calls it, as a socket's callback, with that socket's valid `sk`.
unsafe extern "C" fn deliver_data_ready(sk: *mut bindings::sock) {
    // SAFETY: The stack calls a socket's callbacks with a valid `sk`.
    unsafe { deliver(sk, Event::DataReady) }
}

/// The `sk_write_space` of sockets with a handler.
///
/// # Safety
///
/// Only the network stack calls it, as a socket's callback, with that socket's valid `sk`.
unsafe extern "C" fn deliver_write_space(sk: *mut bindings::sock) {
    // SAFETY: As for `deliver_data_ready`.
    unsafe { deliver(sk, Event::WriteSpace) }
}

/// The `sk_state_change` of sockets with a handler.
///
/// # Safety
///
/// Only the network stack calls it, as a socket's callback, with that socket's valid `sk`.
unsafe extern "C" fn deliver_state_change(sk: *mut bindings::sock) {
    // SAFETY: As for `deliver_data_ready`.
    unsafe { deliver(sk, Event::StateChange) }
}

/// The `sk_error_report` of sockets with a handler.
///
/// # Safety
///
/// Only the network stack calls it, as a socket's callback, with that socket's valid `sk`.
unsafe extern "C" fn deliver_error_report(sk: *mut bindings::sock) {
    // SAFETY: As for `deliver_data_ready`.
    unsafe { deliver(sk, Event::ErrorReport) }
}

impl Socket {
    /// Sets `handler` to receive this socket's readiness events until
    /// [`clear_events`](Self::clear_events) or drop.
    ///
    /// The socket's own callbacks keep running after the handler's, so blocking calls and
    /// [`wait_ready`](Self::wait_ready) still work. The socket holds
    /// `handler` until then: a handler that holds the socket itself forms a
    /// cycle that `clear_events` breaks. Sockets accepted from this one start
    /// without it. `EBUSY` if a handler (or C code's `sk_user_data`) is
    /// already set. May sleep (it allocates).
    pub fn set_events<T: SocketEvents + 'static>(&self, handler: Arc<T>) -> Result {
        let reg = KBox::new(
            Registration {
                handler,
                original: Callbacks::DELIVER,
            },
            GFP_KERNEL,
        )?;
        let sk = self.sk();
        // SAFETY: `sk` is valid while `self` is (type invariant of `Socket`).
        let lock = unsafe { CallbackLock::new(sk, true) };
        // SAFETY: `sk` is valid and we hold its callback lock for writing.
        let current = unsafe { Callbacks::of(sk) };
        if current.are_ours() || lock.user_data_is_set() {
            drop(lock);
            return Err(EBUSY);
        }
        let reg = KBox::into_raw(reg);
        // SAFETY: `reg` is ours until the write below publishes it, and the socket's previous
        // callbacks are what `clear_events` must restore.
        unsafe { (*reg).original = current };
        // SAFETY: `sk` is valid and we hold its callback lock for writing. From here the
        // registration belongs to `sk_user_data` until `clear_events` takes it back; the
        // no-copy flag keeps it out of sockets cloned from this one.
        unsafe {
            bindings::__rcu_assign_sk_user_data_with_flags(sk, reg.cast(), NOCOPY);
            Callbacks::DELIVER.install(sk);
        }
        drop(lock);
        Ok(())
    }

    /// Stops delivering events to the handler set by
    /// [`set_events`](Self::set_events), restores the socket's callbacks
    /// and drops its reference to the handler. When it returns, no method of
    /// the handler runs or will run. Returns whether a handler was set.
    pub fn clear_events(&self) -> bool {
        let sk = self.sk();
        let reg = {
            // SAFETY: `sk` is valid while `self` is.
            let lock = unsafe { CallbackLock::new(sk, true) };
            // SAFETY: `sk` is valid and we hold its callback lock.
            if !unsafe { Callbacks::of(sk) }.are_ours() {
                return false;
            }
            let reg = lock.registration();
            if reg.is_null() {
                return false;
            }
            // SAFETY: `reg` is the registration `set_events` stored (our callbacks are
            // installed with it); the lock is held for writing, so no delivery reads it now
            // and none will find it after this.
            unsafe {
                (*reg).original.install(sk);
                bindings::__rcu_assign_sk_user_data_with_flags(sk, core::ptr::null_mut(), 0);
            }
            reg
        };
        // SAFETY: `set_events` made `reg` with `KBox::into_raw`, and it is no longer reachable
        // from the socket: deliveries only use it under the read lock, which they took before
        // our write lock or will find `sk_user_data` empty.
        drop(unsafe { KBox::from_raw(reg) });
        true
    }

    /// Gives a socket just accepted from this listener its own callbacks back.
    ///
    /// `sk_clone_lock` copies the listener's callbacks into the new socket but
    /// not `sk_user_data` (no-copy): without this, a socket accepted from a
    /// listener with a handler would keep delivering to nobody.
    pub(crate) fn restore_accepted_callbacks(&self, accepted: &Socket) {
        let child = accepted.sk();
        let original = {
            let sk = self.sk();
            // SAFETY: `sk` is valid while `self` is.
            let lock = unsafe { CallbackLock::new(sk, false) };
            let reg = lock.registration();
            // SAFETY: We hold the read lock: a registration stays allocated and the
            // callbacks stay as they are until we release it.
            unsafe {
                if !reg.is_null() && Callbacks::of(sk).are_ours() {
                    (*reg).original
                } else {
                    Callbacks::of(sk)
                }
            }
        };
        // SAFETY: `child` is valid while `accepted` is.
        let lock = unsafe { CallbackLock::new(child, true) };
        // SAFETY: `child` is valid and we hold its callback lock for writing.
        unsafe {
            if Callbacks::of(child).are_ours() && !lock.user_data_is_set() {
                original.install(child);
            }
        }
    }

    /// What the socket is ready for now.
    pub fn readiness(&self) -> Readiness {
        // SAFETY: The socket is valid and has protocol operations (type invariant of
        // `Socket`), and its protocol is one whose `poll` works without a file (type
        // invariant, see `from_raw`), the only condition `kernel_sock_poll` has.
        Readiness::from_poll_mask(unsafe { bindings::kernel_sock_poll(self.as_ptr()) })
    }

    /// Waits until the socket is ready for any of `interest` (or has an
    /// error or hang-up), for at most `timeout` (`None`: no limit).
    ///
    /// Returns what it is ready for; `ETIMEDOUT` when the time ran out and
    /// `EINTR` on a signal. May sleep.
    pub fn wait_ready(&self, interest: Readiness, timeout: Option<Duration>) -> Result<Readiness> {
        let wanted = interest | Readiness::ERROR | Readiness::HANGUP;
        let mut left: c_long = match timeout {
            None => c_long::MAX,
            Some(d) => {
                let ms = u32::try_from(d.as_millis()).unwrap_or(u32::MAX);
                c_long::try_from(crate::time::msecs_to_jiffies(ms)).unwrap_or(c_long::MAX)
            }
        };
        let mut entry = MaybeUninit::<bindings::wait_queue_entry>::uninit();
        // SAFETY: `entry` is writable; `init_wait` initialises it for the current task.
        unsafe { bindings::init_wait(entry.as_mut_ptr()) };
        // SAFETY: `sk` is valid (type invariant), and while the `Socket` owns it its wait
        // queue is the one embedded in the `struct socket`, on which the socket's own
        // callbacks wake waiters.
        let head = unsafe { bindings::sk_sleep(self.sk()) };
        let result = loop {
            // SAFETY: `head` and `entry` are valid; `prepare_to_wait` queues `entry` (once)
            // and sets the task state, so a wake-up after the check below is not lost.
            unsafe {
                bindings::prepare_to_wait(
                    head,
                    entry.as_mut_ptr(),
                    bindings::TASK_INTERRUPTIBLE as i32,
                )
            };
            let ready = self.readiness();
            if ready.intersects(wanted) {
                break Ok(ready);
            }
            if left == 0 {
                break Err(ETIMEDOUT);
            }
            if crate::current!().signal_pending() {
                break Err(EINTR);
            }
            // SAFETY: The task state was set by `prepare_to_wait`.
            left = unsafe { bindings::schedule_timeout(left) };
        };
        // SAFETY: `entry` was initialised and prepared on `head`; `finish_wait` dequeues it
        // if a wake-up did not, before `entry` goes out of scope.
        unsafe { bindings::finish_wait(head, entry.as_mut_ptr()) };
        result
    }
}
