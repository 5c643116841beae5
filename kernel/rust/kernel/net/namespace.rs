// SPDX-License-Identifier: GPL-2.0

//! Network namespaces.
//!
//! C header: [`include/net/net_namespace.h`](srctree/include/net/net_namespace.h).
//!
//! A kernel socket (`sock_create_kern`) does not hold a reference on its
//! namespace in C. [`Socket::new_kern`](super::socket::Socket::new_kern)
//! upgrades it to a full reference held by the `struct sock`, so no socket
//! made here, not even an orphaned TCP connection still closing after its
//! `Socket` was dropped, can outlive the namespace it lives in.

use crate::{
    bindings,
    error::{code::ENOMEM, code::ESRCH, from_err_ptr, Result},
    sync::aref::{ARef, AlwaysRefCounted},
    types::Opaque,
};
use core::ptr::NonNull;

/// A network namespace (`struct net`).
///
/// # Invariants
///
/// Instances of this type are always refcounted: a `&Namespace` is only
/// created from a pointer to a live `struct net`, and an [`ARef<Namespace>`]
/// owns one reference (`get_net`/`put_net`).
///
/// # Examples
///
/// ```
/// use kernel::net::namespace::Namespace;
///
/// let init = Namespace::init();
/// let current = Namespace::current()?;
/// // Kernel threads and the boot-time test runner live in the initial namespace.
/// assert!(core::ptr::eq(init.as_ptr(), current.as_ptr()));
/// # Ok::<(), Error>(())
/// ```
#[repr(transparent)]
pub struct Namespace(Opaque<bindings::net>);

impl Namespace {
    /// The initial network namespace, which is never freed.
    pub fn init() -> &'static Namespace {
        // SAFETY: `init_net` is a static that lives for the whole kernel lifetime; taking its
        // address does not read or write it.
        unsafe { Self::from_raw(core::ptr::addr_of_mut!(bindings::init_net)) }
    }

    /// The network namespace of the current task, with a reference held.
    ///
    /// Fails with `ESRCH` once the task is exiting and has dropped its namespaces.
    pub fn current() -> Result<ARef<Namespace>> {
        // SAFETY: The helper only reads `current`'s nsproxy and takes a reference if present.
        let net = NonNull::new(unsafe { bindings::get_current_net() }).ok_or(ESRCH)?;
        // SAFETY: `get_current_net` took a reference, which the `ARef` now owns.
        Ok(unsafe { ARef::from_raw(net.cast()) })
    }

    /// Creates a new, empty network namespace (only its loopback device, down).
    ///
    /// It is owned by the initial user namespace. May sleep.
    ///
    /// # Examples
    ///
    /// ```
    /// use kernel::net::namespace::Namespace;
    ///
    /// let ns = Namespace::create()?;
    /// assert!(!core::ptr::eq(ns.as_ptr(), Namespace::init().as_ptr()));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn create() -> Result<ARef<Namespace>> {
        // SAFETY: `init_user_ns` is static, `init_net` is static and `CLONE_NEWNET` asks for a
        // fresh namespace; `copy_net_ns` returns a new reference or an error pointer.
        let net = from_err_ptr(unsafe {
            bindings::copy_net_ns(
                u64::from(bindings::CLONE_NEWNET),
                core::ptr::addr_of_mut!(bindings::init_user_ns),
                core::ptr::addr_of_mut!(bindings::init_net),
            )
        })?;
        let net = NonNull::new(net).ok_or(ENOMEM)?;
        // SAFETY: `copy_net_ns` returned a new reference, which the `ARef` now owns.
        Ok(unsafe { ARef::from_raw(net.cast()) })
    }

    /// Creates a reference to a namespace from a raw pointer.
    ///
    /// # Safety
    ///
    /// `ptr` must point to a live `struct net` that stays alive for `'a`.
    pub unsafe fn from_raw<'a>(ptr: *mut bindings::net) -> &'a Namespace {
        // SAFETY: `Namespace` is `repr(transparent)` over `Opaque<net>`, and the caller
        // guarantees the pointee lives for `'a`.
        unsafe { &*ptr.cast() }
    }

    /// Whether this is the initial namespace (`init_net`), which is never freed.
    pub fn is_init(&self) -> bool {
        core::ptr::eq(self.as_ptr(), Self::init().as_ptr())
    }

    /// The raw `struct net` pointer, for C APIs not covered by this abstraction.
    pub fn as_ptr(&self) -> *mut bindings::net {
        self.0.get()
    }
}

// SAFETY: The namespace's refcount is what `get_net`/`put_net` maintain; taking and dropping
// references is allowed from any context that may hold a reference.
unsafe impl AlwaysRefCounted for Namespace {
    fn inc_ref(&self) {
        // SAFETY: The existence of `&self` means the refcount is non-zero.
        unsafe { bindings::get_net(self.as_ptr()) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: The caller owns a reference, which is given back here.
        unsafe { bindings::put_net(obj.cast().as_ptr()) }
    }
}

// SAFETY: A `struct net` is not tied to the task that took a reference on it.
unsafe impl Send for Namespace {}

// SAFETY: Everything reachable through `&Namespace` is internally synchronised by the C side.
unsafe impl Sync for Namespace {}
