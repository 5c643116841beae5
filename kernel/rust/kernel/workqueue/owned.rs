// SPDX-License-Identifier: GPL-2.0

//! Workqueues owned by their user.
//!
//! C header: [`include/linux/workqueue.h`](srctree/include/linux/workqueue.h).
//!
//! A driver or module that queues work of its own usually wants its own
//! workqueue: its work items then do not compete with the rest of the system
//! on the shared queues, they show up under the module's name, and dropping
//! the queue waits for all of them, which is what unloading needs.

use super::Queue;
use crate::{bindings, prelude::*};
use core::{ops, ptr::NonNull};

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
/// this object and destroyed on drop.
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
}

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
        // INVARIANT: A non-null result is a workqueue that nothing else refers to: we own it.
        Ok(Self {
            ptr: NonNull::new(ptr).ok_or(ENOMEM)?,
        })
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
        // SAFETY: We own the workqueue (type invariant). Work can only be queued on it through a
        // `&Queue` borrowed from `self`, so none is queued from outside during the drain that
        // `destroy_workqueue` starts with; work items running on it may still queue more, which
        // the drain waits for.
        unsafe { bindings::destroy_workqueue(self.ptr.as_ptr()) };
    }
}
