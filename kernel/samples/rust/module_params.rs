// SPDX-License-Identifier: GPL-2.0

//! Module parameters for the network samples.
//!
//! The 6.12 `module!` macro has no parameters, so this declares them the way
//! C's `module_param()` does: a `struct kernel_param` in the `__param`
//! section pointing at a variable and the kernel's `param_ops_*`, plus the
//! `parmtype=`/`parm=` strings in `.modinfo` for `modinfo`.
//!
//! Parameters are read-only after load (mode 0444), so reading their
//! variables from module code is race-free.

use kernel::bindings;
use kernel::str::CStrExt as _;

/// A `struct kernel_param` that may live in a `static`.
#[repr(transparent)]
pub(crate) struct Param(pub(crate) bindings::kernel_param);

// SAFETY: The kernel only reads a parameter descriptor, and writes its variable only while
// parsing the module's arguments, before any module code runs.
unsafe impl Sync for Param {}

/// Converts a string into a NUL-terminated byte array for `.modinfo`.
pub(crate) const fn modinfo<const N: usize>(s: &str) -> [u8; N] {
    let bytes = s.as_bytes();
    let mut out = [0u8; N];
    let mut i = 0;
    while i < bytes.len() && i + 1 < N {
        out[i] = bytes[i];
        i += 1;
    }
    out
}

/// Declares a read-only module parameter backed by `static mut $var`.
///
/// `$ops` is the kernel's `param_ops_*` for the type and `$kind` its name in
/// `modinfo` (`ushort`, `uint`, `charp`, ...).
macro_rules! module_param {
    (
        $var:ident: $ty:ty = $default:expr,
        $name:literal,
        $ops:ident,
        $kind:literal,
        $desc:literal $(,)?
    ) => {
        static mut $var: $ty = $default;

        const _: () = {
            #[used(compiler)]
            // `addr_of!` on statics needed `unsafe` before Rust 1.82.
            #[allow(unused_unsafe)]
            #[link_section = "__param"]
            static PARAM: $crate::params::Param =
                $crate::params::Param(kernel::bindings::kernel_param {
                    name: kernel::str::as_char_ptr_in_const_context(kernel::c_str!($name)),
                    // A null module is allowed: it only selects the global parameter lock.
                    mod_: core::ptr::null_mut(),
                    // SAFETY: Only the address of the kernel's ops table is taken.
                    ops: unsafe { core::ptr::addr_of!(kernel::bindings::$ops) },
                    perm: 0o444,
                    level: -1,
                    flags: 0,
                    __bindgen_anon_1: kernel::bindings::kernel_param__bindgen_ty_1 {
                        // SAFETY: Only the address of the variable is taken.
                        arg: unsafe { core::ptr::addr_of_mut!($var) }.cast(),
                    },
                });

            const TYPE: &str = concat!("parmtype=", $name, ":", $kind);
            #[used(compiler)]
            #[link_section = ".modinfo"]
            static PARMTYPE: [u8; TYPE.len() + 1] = $crate::params::modinfo(TYPE);

            const DESC: &str = concat!("parm=", $name, ":", $desc);
            #[used(compiler)]
            #[link_section = ".modinfo"]
            static PARM: [u8; DESC.len() + 1] = $crate::params::modinfo(DESC);
        };
    };
}

pub(crate) use module_param;

/// The initial value of a string parameter (`charp`) whose default is `text`.
pub(crate) const fn charp_default(text: &'static kernel::str::CStr) -> *mut kernel::ffi::c_char {
    kernel::str::as_char_ptr_in_const_context(text).cast_mut()
}

/// Reads a string parameter (`charp`): it is never null after load.
///
/// # Safety
///
/// `ptr` must be the value of a `charp` parameter variable.
pub(crate) unsafe fn charp(ptr: *mut kernel::ffi::c_char) -> &'static kernel::str::CStr {
    if ptr.is_null() {
        return kernel::c_str!("");
    }
    // SAFETY: A `charp` parameter points to a NUL-terminated string that lives until the
    // module is unloaded, and modules do not outlive their own code.
    unsafe { kernel::str::CStr::from_char_ptr(ptr) }
}
