// SPDX-License-Identifier: GPL-2.0

//! Rust echo server: TCP and UDP echo (RFC 862) served in the kernel with
//! `kernel::net`.
//!
//! Parameters: `address` (IPv4 or IPv6 to bind, default `0.0.0.0`),
//! `tcp_port` and `udp_port` (default 7), `backlog` (default 64),
//! `max_conns` (default 64) and `events` (default 0).
//!
//! Workers are work items on a workqueue of the module's own: one that
//! accepts, one per TCP connection and one for UDP. A blocked work item does
//! not hold up the others (the pool starts more workers), the workqueue
//! bounds and names them, and `destroy_workqueue` on unload waits for every
//! one of them to return, so no module code can run after unload. Kernel
//! threads would need the same bookkeeping by hand.
//!
//! With `events=1` TCP is event-driven, as nvmet-tcp serves its queues: the
//! listener and the connections are non-blocking, their readiness callbacks
//! ([`SocketEvents`]) queue the socket's work item, and the work item runs
//! until the socket would block and returns, on a per-CPU workqueue. Workers
//! are then bounded by the CPUs, not by the clients, and an idle connection
//! costs no thread.
//!
//! Connections over `max_conns` are accepted and closed at once (and
//! counted as refused): the client sees the connection end without data.
//! So are connections whose worker or buffer cannot be allocated (counted
//! as dropped). After an accept or receive error, which may repeat at once
//! when memory is short, a worker waits 100 ms instead of spinning.
//!
//! Unloading shuts down the listener, the UDP socket and every connection,
//! which wakes every blocked worker, then waits for them and logs the counters.

use core::{
    mem::MaybeUninit,
    sync::atomic::{AtomicBool, AtomicUsize, Ordering},
};
use kernel::{
    net::{
        addr::{InetSocketAddr, IpAddr, Ipv4Addr},
        events::SocketEvents,
        namespace::Namespace,
        socket::Shutdown,
        tcp::{TcpListener, TcpStream},
        udp::UdpSocket,
    },
    new_condvar, new_mutex,
    prelude::*,
    sync::{Arc, CondVar, Mutex},
    time::msecs_to_jiffies,
    workqueue::{
        impl_has_work, new_work, HasWork, OwnedQueue, QueueFlags, QueueHandle, Work, WorkItem,
    },
};

module! {
    type: EchoServer,
    name: "rust_echo_server",
    authors: ["knet developers"],
    description: "TCP and UDP echo server written with kernel::net",
    license: "GPL",
    params: {
        address: IpAddr {
            default: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            description: "IPv4 or IPv6 address to listen on",
        },
        tcp_port: u16 {
            default: 7,
            description: "TCP port",
        },
        udp_port: u16 {
            default: 7,
            description: "UDP port",
        },
        backlog: u32 {
            default: 64,
            description: "TCP listen backlog",
        },
        max_conns: usize {
            default: 64,
            description: "maximum concurrent TCP connections",
        },
        events: bool {
            default: false,
            description: "serve TCP event-driven (readiness callbacks, non-blocking sockets)",
        },
    },
}

const TCP_BUFFER: usize = 16 * 1024;
const UDP_BUFFER: usize = 65536;
const BACKOFF_MS: u32 = 100;
/// What an event-driven worker reads at once, on its stack: idle connections hold no buffer.
const EVENT_CHUNK: usize = 2048;

/// Counters, logged on unload.
#[derive(Default)]
struct Stats {
    connections: AtomicUsize,
    refused: AtomicUsize,
    tcp_bytes: AtomicUsize,
    datagrams: AtomicUsize,
    udp_bytes: AtomicUsize,
    truncated: AtomicUsize,
    /// Connections closed at once because memory for them ran out.
    dropped: AtomicUsize,
}

/// State shared by the module and its workers.
#[pin_data]
struct Shared {
    listener: TcpListener,
    udp: UdpSocket,
    /// One slot per allowed connection; a connection owns its slot until its worker ends.
    #[pin]
    conns: Mutex<KVec<Option<Arc<Connection>>>>,
    /// Where a worker waits after an error before it tries again; unload wakes it.
    #[pin]
    backoff: CondVar,
    stopping: AtomicBool,
    stats: Stats,
    /// The module's workqueue, which [`EchoServer`] owns and destroys on unload.
    queue: QueueHandle,
    /// TCP is served event-driven (`events=1`).
    events: bool,
}

/// A TCP connection and its work item, in one allocation (as in C, where the
/// `work_struct` is embedded in the connection).
#[pin_data]
struct Connection {
    stream: TcpStream,
    /// Its place in `Shared::conns`. (Not `slot`: `pin_init!` uses that name for the
    /// memory it initialises, and a field of that name would shadow it.)
    index: usize,
    shared: Arc<Shared>,
    /// Event-driven: what could not be sent yet (the peer reads slower than it writes).
    #[pin]
    unsent: Mutex<KVec<u8>>,
    #[pin]
    work: Work<Connection>,
}

impl_has_work! {
    impl HasWork<Self> for Connection { self.work }
}

impl WorkItem for Connection {
    type Pointer = Arc<Connection>;

    fn run(this: Arc<Connection>) {
        if this.shared.events {
            if echo_ready(&this) {
                // Runs again when the socket is ready.
                return;
            }
            // Breaks the cycle socket -> handler -> connection.
            this.stream.as_socket().clear_events();
        } else {
            echo_stream(&this.shared, &this.stream);
        }
        // Frees the slot; the socket is released when the last reference goes.
        this.shared.conns.lock()[this.index] = None;
    }
}

/// Queues `work` on the module's workqueue whenever its socket is ready: the
/// readiness callbacks run in softirq context, where queueing is all they do.
struct Ready<T> {
    work: Arc<T>,
    queue: QueueHandle,
}

impl<T> SocketEvents for Ready<T>
where
    T: WorkItem<Pointer = Arc<T>> + HasWork<T> + Send + Sync + 'static,
{
    fn data_ready(&self) {
        // Already queued (and not yet running) is fine: it will see this event.
        let _ = self.queue.enqueue(self.work.clone());
    }

    fn write_space(&self) {
        self.data_ready();
    }

    fn state_change(&self) {
        self.data_ready();
    }

    fn error_report(&self) {
        self.data_ready();
    }
}

/// A long-running loop (accept or UDP) as a work item of this module.
///
/// Not `Queue::try_spawn`: its lock class key lives in the kernel crate while
/// the name comes from the module, so lockdep warns when the module is
/// reloaded. `new_work!` here keeps both in the module.
#[pin_data]
struct Loop {
    shared: Arc<Shared>,
    body: fn(&Arc<Shared>),
    #[pin]
    work: Work<Loop>,
}

impl_has_work! {
    impl HasWork<Self> for Loop { self.work }
}

impl WorkItem for Loop {
    type Pointer = Arc<Loop>;

    fn run(this: Arc<Loop>) {
        (this.body)(&this.shared);
    }
}

struct EchoServer {
    shared: Arc<Shared>,
    queue: Option<OwnedQueue>,
}

impl kernel::Module for EchoServer {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let address = module_parameters::address.value();
        let udp_port = module_parameters::udp_port.value();
        let max_conns = module_parameters::max_conns.value();
        let events = module_parameters::events.value();
        let ns = Namespace::init();
        let tcp_addr = InetSocketAddr::new(address, module_parameters::tcp_port.value());
        let listener = TcpListener::bind(ns, &tcp_addr, module_parameters::backlog.value())?;
        let udp = UdpSocket::bind(ns, &InetSocketAddr::new(address, udp_port))?;
        let mut slots = KVec::with_capacity(max_conns, GFP_KERNEL)?;
        for _ in 0..max_conns {
            slots.push(None, GFP_KERNEL)?;
        }
        // Event-driven work items do not block, so they go on a per-CPU queue: its pools run
        // them one at a time per CPU and start another worker only when one sleeps, which
        // keeps the workers to about one per CPU (nvmet-tcp's io_work does the same). Blocking
        // workers sleep for a connection's lifetime, and are not tied to a CPU.
        // Named by mode: `ps` then shows which design a worker served.
        let (name, flags) = if events {
            (c"rust_echo_events", QueueFlags::NONE)
        } else {
            (c"rust_echo_server", QueueFlags::UNBOUND)
        };
        let queue = OwnedQueue::new(name, flags, 0)?;
        // Taken before `pin_init!`, whose initialiser would move `queue`.
        let handle = queue.handle();
        let shared = Arc::pin_init(
            pin_init!(Shared {
                listener,
                udp,
                conns <- new_mutex!(slots, "rust_echo_server::conns"),
                backoff <- new_condvar!("rust_echo_server::backoff"),
                stopping: AtomicBool::new(false),
                stats: Stats::default(),
                queue: handle,
                events,
            }),
            GFP_KERNEL,
        )?;
        let server = EchoServer {
            shared: shared.clone(),
            queue: Some(queue),
        };
        if events {
            let accept = new_loop(&shared, accept_ready)?;
            shared.listener.set_nonblocking(true);
            let ready = Ready {
                work: accept.clone(),
                queue: shared.queue.clone(),
            };
            shared
                .listener
                .as_socket()
                .set_events(Arc::new(ready, GFP_KERNEL)?)?;
            // For connections that came before the handler.
            let _ = shared.queue.enqueue(accept);
        } else {
            spawn(&shared, accept_loop)?;
        }
        spawn(&shared, udp_loop)?;
        pr_info!(
            "listening on {} (tcp{}) and port {} (udp), max {} connections\n",
            tcp_addr,
            if events { ", event-driven" } else { "" },
            udp_port,
            max_conns
        );
        Ok(server)
    }
}

/// A work item that runs `body` with the shared state.
fn new_loop(shared: &Arc<Shared>, body: fn(&Arc<Shared>)) -> Result<Arc<Loop>> {
    Arc::pin_init(
        pin_init!(Loop {
            shared: shared.clone(),
            body,
            work <- new_work!("rust_echo_server::loop"),
        }),
        GFP_KERNEL,
    )
}

/// Runs `body` with the shared state on the module's workqueue.
fn spawn(shared: &Arc<Shared>, body: fn(&Arc<Shared>)) -> Result {
    // A new work item is never already queued.
    let _ = shared.queue.enqueue(new_loop(shared, body)?);
    Ok(())
}

/// Event-driven accept: takes every pending connection, then returns until
/// the listener's handler queues it again.
fn accept_ready(shared: &Arc<Shared>) {
    loop {
        match shared.listener.accept_stream() {
            Ok(stream) => admit(shared, stream),
            Err(e) if e == EAGAIN => return,
            Err(e) => {
                if !shared.stopping.load(Ordering::Relaxed) {
                    pr_warn!("accept failed: {:?}\n", e);
                }
                return;
            }
        }
    }
}

fn accept_loop(shared: &Arc<Shared>) {
    while !shared.stopping.load(Ordering::Relaxed) {
        match shared.listener.accept_stream() {
            Ok(stream) => admit(shared, stream),
            // A shutdown (unload) ends accept with an error; anything else is retried.
            Err(_) if shared.stopping.load(Ordering::Relaxed) => break,
            Err(e) => {
                pr_warn!("accept failed: {:?}\n", e);
                back_off(shared);
            }
        }
    }
}

/// Waits a little after an error that may repeat at once (no memory, no
/// file), so a worker does not spin on it; unload cuts the wait short.
fn back_off(shared: &Shared) {
    let mut conns = shared.conns.lock();
    // Checked under the lock unload sets it under, so its wake-up is not missed.
    if !shared.stopping.load(Ordering::Relaxed) {
        let _ = shared
            .backoff
            .wait_interruptible_timeout(&mut conns, msecs_to_jiffies(BACKOFF_MS));
    }
}

/// Gives a new connection a slot and a worker, or closes it if full or stopping.
fn admit(shared: &Arc<Shared>, stream: TcpStream) {
    let conn = {
        let mut conns = shared.conns.lock();
        // Checked under the lock that unload takes to shut every connection down.
        if shared.stopping.load(Ordering::Relaxed) {
            return;
        }
        let Some(free) = conns.iter().position(Option::is_none) else {
            shared.stats.refused.fetch_add(1, Ordering::Relaxed);
            return;
        };
        let init = pin_init!(Connection {
            stream,
            index: free,
            shared: shared.clone(),
            unsent <- new_mutex!(KVec::new(), "rust_echo_server::unsent"),
            work <- new_work!("rust_echo_server::conn"),
        });
        let Ok(conn) = Arc::pin_init(init, GFP_KERNEL) else {
            shared.stats.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        };
        if shared.events && watch(shared, &conn).is_err() {
            shared.stats.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        conns[free] = Some(conn.clone());
        conn
    };
    shared.stats.connections.fetch_add(1, Ordering::Relaxed);
    // A new work item is never already queued.
    let _ = shared.queue.enqueue(conn);
}

/// Makes `conn` non-blocking and queues its work item whenever it is ready.
///
/// Called under `Shared::conns`, which unload takes to clear every handler,
/// so no handler is set after that.
fn watch(shared: &Shared, conn: &Arc<Connection>) -> Result {
    conn.stream.set_nonblocking(true);
    let ready = Ready {
        work: conn.clone(),
        queue: shared.queue.clone(),
    };
    conn.stream
        .as_socket()
        .set_events(Arc::new(ready, GFP_KERNEL)?)
}

/// Echoes until the connection would block; `false` once it is over.
///
/// Bytes the peer is not ready to take wait in `unsent`, and nothing more is
/// read until they are sent: the peer's reading paces its writing.
fn echo_ready(conn: &Connection) -> bool {
    let stats = &conn.shared.stats;
    let mut unsent = conn.unsent.lock();
    if !unsent.is_empty() {
        match send_some(&conn.stream, &unsent) {
            Ok(n) if n == unsent.len() => *unsent = KVec::new(),
            Ok(n) => {
                let mut rest = KVec::new();
                return rest.extend_from_slice(&unsent[n..], GFP_KERNEL).is_ok() && {
                    *unsent = rest;
                    true
                };
            }
            Err(_) => return false,
        }
    }
    let mut buf = [MaybeUninit::<u8>::uninit(); EVENT_CHUNK];
    loop {
        let data = match conn.stream.read_uninit(&mut buf) {
            Ok([]) => return false,
            Ok(data) => data,
            Err(e) => return e == EAGAIN,
        };
        stats.tcp_bytes.fetch_add(data.len(), Ordering::Relaxed);
        match send_some(&conn.stream, data) {
            Ok(n) if n == data.len() => {}
            Ok(n) => return unsent.extend_from_slice(&data[n..], GFP_KERNEL).is_ok(),
            Err(_) => return false,
        }
    }
}

/// Sends what the socket takes now: `Ok(n)` with `n < data.len()` when it would block.
fn send_some(stream: &TcpStream, data: &[u8]) -> Result<usize> {
    let mut sent = 0;
    while sent < data.len() {
        match stream.write(&data[sent..]) {
            Ok(n) => sent += n,
            Err(e) if e == EAGAIN => break,
            Err(e) => return Err(e),
        }
    }
    Ok(sent)
}

fn echo_stream(shared: &Shared, stream: &TcpStream) {
    // Never cleared: reads fill it and only what they filled is echoed.
    let Ok(mut buf) = KVec::<u8>::with_capacity(TCP_BUFFER, GFP_KERNEL) else {
        shared.stats.dropped.fetch_add(1, Ordering::Relaxed);
        return;
    };
    loop {
        let data = match stream.read_uninit(buf.spare_capacity_mut()) {
            Ok([]) | Err(_) => break,
            Ok(data) => data,
        };
        if stream.write_all(data).is_err() {
            break;
        }
        shared
            .stats
            .tcp_bytes
            .fetch_add(data.len(), Ordering::Relaxed);
    }
    let _ = stream.shutdown(Shutdown::Both);
}

fn udp_loop(shared: &Arc<Shared>) {
    let Ok(mut buf) = KVec::from_elem(0u8, UDP_BUFFER, GFP_KERNEL) else {
        return;
    };
    while !shared.stopping.load(Ordering::Relaxed) {
        match shared.udp.recv_from(&mut buf) {
            Ok(d) => {
                if d.truncated {
                    shared.stats.truncated.fetch_add(1, Ordering::Relaxed);
                }
                if shared.udp.send_to(&buf[..d.len], &d.from).is_ok() {
                    shared.stats.datagrams.fetch_add(1, Ordering::Relaxed);
                    shared.stats.udp_bytes.fetch_add(d.len, Ordering::Relaxed);
                }
            }
            Err(e) if e == ESHUTDOWN => break,
            Err(_) => back_off(shared),
        }
    }
}

impl Drop for EchoServer {
    fn drop(&mut self) {
        let shared = &self.shared;
        // No handler queues anything once the queue is being destroyed.
        shared.listener.as_socket().clear_events();
        {
            let conns = shared.conns.lock();
            shared.stopping.store(true, Ordering::Relaxed);
            shared.backoff.notify_all();
            for conn in conns.iter().flatten() {
                conn.stream.as_socket().clear_events();
                let _ = conn.stream.shutdown(Shutdown::Both);
            }
        }
        let _ = shared.listener.shutdown();
        let _ = shared.udp.shutdown();
        // Waits for every worker to return.
        drop(self.queue.take());
        // Event-driven connections whose work item did not run again still hold their
        // slot, and through it the shared state: let them go.
        for conn in shared.conns.lock().iter_mut() {
            *conn = None;
        }
        let s = &shared.stats;
        pr_info!(
            "unloaded: connections={} refused={} tcp_bytes={} datagrams={} udp_bytes={} truncated={} dropped={}\n",
            s.connections.load(Ordering::Relaxed),
            s.refused.load(Ordering::Relaxed),
            s.tcp_bytes.load(Ordering::Relaxed),
            s.datagrams.load(Ordering::Relaxed),
            s.udp_bytes.load(Ordering::Relaxed),
            s.truncated.load(Ordering::Relaxed),
            s.dropped.load(Ordering::Relaxed),
        );
    }
}
