// SPDX-License-Identifier: GPL-2.0

//! Workqueues owned by their user.
//!
//! C header: [`include/linux/workqueue.h`](srctree/include/linux/workqueue.h).
//!
//! A driver or module that queues work of its own usually wants its own
//! workqueue: its work items then do not compete with the rest of the system
//! on the shared queues, they show up under the module's name, and dropping
//! the queue waits for all of them, which is what unloading needs.
//!
//! Work items and readiness callbacks that queue more work cannot borrow the
//! owner (it may be dropped while they run), so they hold a [`QueueHandle`]:
//! it reaches the queue under RCU, and refuses work once the owner has begun
//! to destroy the queue.

use super::{Queue, RawWorkItem};
use crate::{
    bindings,
    prelude::*,
    sync::{rcu, Arc},
};
use core::{
    ops,
    ptr::{self, NonNull},
    sync::atomic::{AtomicPtr, Ordering},
};

/// Flags of a new workqueue (`WQ_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QueueFlags(u32);

impl QueueFlags {
    /// No flags: a per-CPU workqueue.
    pub const NONE: Self = Self(0);
    /// `WQ_UNBOUND`: work items are not bound to the CPU that queued them.
    pub const UNBOUND: Self = Self(bindings::wq_flags_WQ_UNBOUND);
    /// `WQ_MEM_RECLAIM`: the queue keeps a rescuer, so it makes progress under memory pressure.
    pub const MEM_RECLAIM: Self = Self(bindings::wq_flags_WQ_MEM_RECLAIM);
    /// `WQ_HIGHPRI`: work items run on high-priority workers.
    pub const HIGHPRI: Self = Self(bindings::wq_flags_WQ_HIGHPRI);
    /// `WQ_FREEZABLE`: the queue is frozen during suspend.
    pub const FREEZABLE: Self = Self(bindings::wq_flags_WQ_FREEZABLE);
}

impl ops::BitOr for QueueFlags {
    type Output = Self;

    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

/// A workqueue allocated for its owner (`alloc_workqueue()`) and destroyed
/// when dropped (`destroy_workqueue()`), which first waits for every work
/// item queued on it.
///
/// It dereferences to [`Queue`], so work is queued on it as on the system
/// queues.
///
/// # Invariants
///
/// `ptr` points to a workqueue allocated by [`OwnedQueue::new`], owned by
/// this object and destroyed on drop. Until then, `published` holds the same
/// pointer.
///
/// # Examples
///
/// ```
/// use kernel::workqueue::{OwnedQueue, Queue, QueueFlags};
///
/// let queue = OwnedQueue::new(c"rust_doc_wq", QueueFlags::UNBOUND, 0)?;
/// // Work items are queued on it as on any `Queue` (`enqueue`); dropping it
/// // waits for them.
/// let _: &Queue = &queue;
/// drop(queue);
/// assert_eq!(
///     OwnedQueue::new(c"rust_doc_wq", QueueFlags::NONE, 100_000).err(),
///     Some(EINVAL)
/// );
/// # Ok::<(), Error>(())
/// ```
pub struct OwnedQueue {
    ptr: NonNull<bindings::workqueue_struct>,
    published: Arc<Published>,
}

/// The queue as its handles see it: null once its owner has begun to destroy it.
struct Published(AtomicPtr<bindings::workqueue_struct>);

// SAFETY: A workqueue may be used and destroyed from any task.
unsafe impl Send for OwnedQueue {}

// SAFETY: Queueing work is thread-safe; `&OwnedQueue` only gives access to a `&Queue`.
unsafe impl Sync for OwnedQueue {}

impl OwnedQueue {
    /// Allocates a workqueue called `name` (copied) with `flags`, running at
    /// most `max_active` work items at once per CPU (per node for unbound
    /// queues); 0 is the default. `EINVAL` above `WQ_MAX_ACTIVE`. May sleep.
    pub fn new(name: &CStr, flags: QueueFlags, max_active: u32) -> Result<Self> {
        if max_active > bindings::wq_consts_WQ_MAX_ACTIVE {
            return Err(EINVAL);
        }
        let max_active = i32::try_from(max_active)?;
        // Allocated first: nothing to undo if it fails.
        let published = Arc::new(Published(AtomicPtr::new(ptr::null_mut())), GFP_KERNEL)?;
        // SAFETY: The format is a literal `%s` and `name` a NUL-terminated string for it, which
        // the workqueue copies; flags and the bounded `max_active` are plain values.
        let ptr = unsafe {
            bindings::alloc_workqueue_noprof(
                c"%s".as_char_ptr(),
                flags.0,
                max_active,
                name.as_char_ptr(),
            )
        };
        // INVARIANT: A non-null result is a workqueue that nothing else refers to: we own it,
        // and `published` is set to it.
        let ptr = NonNull::new(ptr).ok_or(ENOMEM)?;
        published.0.store(ptr.as_ptr(), Ordering::Relaxed);
        Ok(Self { ptr, published })
    }

    /// Returns a handle that queues work on this queue from anywhere, for
    /// as long as the queue exists.
    pub fn handle(&self) -> QueueHandle {
        QueueHandle {
            published: self.published.clone(),
        }
    }
}

impl ops::Deref for OwnedQueue {
    type Target = Queue;

    fn deref(&self) -> &Queue {
        // SAFETY: By the type invariant the workqueue is valid until `self` is dropped, which
        // cannot happen while the returned reference (borrowing `self`) lives.
        unsafe { Queue::from_raw(self.ptr.as_ptr()) }
    }
}

impl Drop for OwnedQueue {
    fn drop(&mut self) {
        // Handles refuse work from here on. The store is ordered before the grace period below,
        // so a handle that still sees the queue is in a read-side section the wait covers.
        self.published.0.store(ptr::null_mut(), Ordering::Relaxed);
        // SAFETY: No requirements; dropping a workqueue sleeps anyway.
        unsafe { bindings::synchronize_rcu() };
        // SAFETY: We own the workqueue (type invariant). Outside work can only be queued on it
        // through a `&Queue` borrowed from `self` or through a handle, and every handle has
        // finished with it (the grace period above), so none is queued from outside during the
        // drain that `destroy_workqueue` starts with; work items running on it may still queue
        // more through a `&Queue` they were given, which the drain waits for.
        unsafe { bindings::destroy_workqueue(self.ptr.as_ptr()) };
    }
}

/// Queues work on an [`OwnedQueue`] without borrowing it: what work items
/// and readiness callbacks (softirq context) hold to queue more work.
///
/// A handle may outlive its queue. Once the owner drops the queue, the
/// handle refuses work and gives it back, so nothing is queued on a queue
/// that is being or has been destroyed.
///
/// # Examples
///
/// ```
/// use kernel::sync::Arc;
/// use kernel::workqueue::{impl_has_work, new_work, OwnedQueue, QueueFlags, Work, WorkItem};
///
/// #[pin_data]
/// struct Tick {
///     #[pin]
///     work: Work<Tick>,
/// }
///
/// impl_has_work! {
///     impl HasWork<Self> for Tick { self.work }
/// }
///
/// impl WorkItem for Tick {
///     type Pointer = Arc<Tick>;
///
///     fn run(_this: Arc<Tick>) {}
/// }
///
/// let queue = OwnedQueue::new(c"rust_doc_wq", QueueFlags::UNBOUND, 0)?;
/// let handle = queue.handle();
/// let tick = Arc::pin_init(pin_init!(Tick { work <- new_work!("Tick::work") }), GFP_KERNEL)?;
/// assert!(matches!(handle.enqueue(tick.clone()), Ok(Ok(()))));
/// // Waits for `tick` to run, then destroys the queue.
/// drop(queue);
/// // The handle outlived the queue: the work comes back.
/// assert!(handle.enqueue(tick).is_err());
/// # Ok::<(), Error>(())
/// ```
#[derive(Clone)]
pub struct QueueHandle {
    published: Arc<Published>,
}

impl QueueHandle {
    /// Queues `w` as [`Queue::enqueue`] does, or gives it back in `Err` if
    /// the queue's owner has begun to destroy it. Does not sleep: callable
    /// in atomic context.
    pub fn enqueue<W, const ID: u64>(&self, w: W) -> Result<W::EnqueueOutput, W>
    where
        W: RawWorkItem<ID> + Send + 'static,
    {
        let _read = rcu::read_lock();
        let queue = self.published.0.load(Ordering::Relaxed);
        if queue.is_null() {
            return Err(w);
        }
        // SAFETY: The owner nulls `published` and waits for an RCU grace period before it
        // destroys the queue. We saw the queue inside a read-side section that lasts until
        // `_read` is dropped, after the reference below is gone, so the queue lives that long.
        Ok(unsafe { Queue::from_raw(queue) }.enqueue(w))
    }
}
