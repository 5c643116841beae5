// SPDX-License-Identifier: GPL-2.0

//! Socket addresses.
//!
//! C headers: [`include/uapi/linux/in.h`](srctree/include/uapi/linux/in.h),
//! [`include/uapi/linux/in6.h`](srctree/include/uapi/linux/in6.h),
//! [`include/uapi/linux/un.h`](srctree/include/uapi/linux/un.h) and
//! [`include/uapi/linux/socket.h`](srctree/include/uapi/linux/socket.h).
//!
//! IP addresses reuse [`core::net`]. Conversions to and from the C
//! `sockaddr_*` layouts go through [`SockAddrStorage`], which is a
//! `sockaddr_storage` together with the length the kernel reports or expects.
//! Both directions check lengths, so malformed input gives an error, never a
//! read past the end.

use super::family::AddressFamily;
use crate::{
    bindings,
    error::{code::*, Error, Result},
    module_param::ModuleParam,
    str::BStr,
};
use core::{fmt, mem::offset_of, mem::size_of, mem::MaybeUninit, str::FromStr};

pub use core::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddrV4, SocketAddrV6};

/// An IPv4 or IPv6 socket address: the `core::net` type, which TCP and UDP use.
///
/// It parses from text (`"127.0.0.1:7".parse()?`, `"[::1]:7".parse()?`); a
/// parse error converts to `EINVAL`.
pub type InetSocketAddr = core::net::SocketAddr;

impl From<core::net::AddrParseError> for Error {
    fn from(_: core::net::AddrParseError) -> Self {
        EINVAL
    }
}

/// An IP address as a module parameter: `address=192.0.2.1` or
/// `address=2001:db8::1`. Anything else fails the module's load with
/// `EINVAL`, before its `init` runs.
///
/// # Examples
///
/// ```
/// use kernel::module_param::ModuleParam;
/// use kernel::net::addr::{IpAddr, Ipv6Addr};
/// use kernel::str::BStr;
///
/// let ip = IpAddr::try_from_param_arg(BStr::from_bytes(b"::1"))?;
/// assert_eq!(ip, IpAddr::V6(Ipv6Addr::LOCALHOST));
/// assert_eq!(IpAddr::try_from_param_arg(BStr::from_bytes(b"127.0.0.1:7")).err(), Some(EINVAL));
/// assert_eq!(IpAddr::try_from_param_arg(BStr::from_bytes(b"\xff")).err(), Some(EINVAL));
/// # Ok::<(), Error>(())
/// ```
impl ModuleParam for IpAddr {
    fn try_from_param_arg(arg: &BStr) -> Result<Self> {
        Ok(core::str::from_utf8(arg)?.parse()?)
    }
}

/// Size of `struct sockaddr_storage`, the largest socket address.
pub const STORAGE_SIZE: usize = size_of::<bindings::__kernel_sockaddr_storage>();

/// Size of `sun_path` in `struct sockaddr_un`.
pub const UNIX_PATH_MAX: usize = bindings::UNIX_PATH_MAX as usize;

const SIN_LEN: usize = size_of::<bindings::sockaddr_in>();
const SIN6_LEN: usize = size_of::<bindings::sockaddr_in6>();
/// The RFC 2133 `sockaddr_in6` without `sin6_scope_id`, which the kernel still accepts.
const SIN6_LEN_RFC2133: usize = offset_of!(bindings::sockaddr_in6, sin6_scope_id);
const SUN_PATH_OFFSET: usize = offset_of!(bindings::sockaddr_un, sun_path);

/// What a Unix socket address names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnixAddrKind<'a> {
    /// No name (an unbound or autobind-pending socket).
    Unnamed,
    /// A filesystem path, without the terminating NUL.
    Pathname(&'a [u8]),
    /// A name in the abstract namespace, without the leading NUL.
    Abstract(&'a [u8]),
}

/// A Unix domain socket address (`struct sockaddr_un`).
///
/// # Invariants
///
/// `len <= UNIX_PATH_MAX`; `path[..len]` is the `sun_path` content: empty
/// (unnamed), starting with NUL (abstract), or a path without NUL bytes.
///
/// # Examples
///
/// ```
/// use kernel::net::addr::{UnixAddr, UnixAddrKind};
///
/// let a = UnixAddr::pathname(b"/run/knet.sock")?;
/// assert_eq!(a.kind(), UnixAddrKind::Pathname(b"/run/knet.sock"));
/// let b = UnixAddr::abstract_name(b"knet")?;
/// assert_eq!(b.kind(), UnixAddrKind::Abstract(b"knet"));
/// assert_eq!(UnixAddr::pathname(b"a\0b").err(), Some(EINVAL));
/// assert_eq!(UnixAddr::pathname(&[b'x'; 109]).err(), Some(EINVAL));
/// # Ok::<(), Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct UnixAddr {
    path: [u8; UNIX_PATH_MAX],
    len: usize,
}

impl UnixAddr {
    /// An unnamed Unix address.
    pub const fn unnamed() -> Self {
        // INVARIANT: Length zero is the unnamed address.
        Self {
            path: [0; UNIX_PATH_MAX],
            len: 0,
        }
    }

    /// A filesystem path: not empty, no NUL bytes, at most `UNIX_PATH_MAX` bytes.
    pub fn pathname(path: &[u8]) -> Result<Self> {
        if path.is_empty() || path.contains(&0) {
            return Err(EINVAL);
        }
        Self::from_sun_path(path)
    }

    /// A name in the abstract namespace (stored after a leading NUL byte).
    pub fn abstract_name(name: &[u8]) -> Result<Self> {
        let mut a = Self::unnamed();
        let total = name.len().checked_add(1).ok_or(EINVAL)?;
        let dest = a.path.get_mut(1..total).ok_or(EINVAL)?;
        dest.copy_from_slice(name);
        // INVARIANT: `total <= UNIX_PATH_MAX` (checked by `get_mut`) and it starts with NUL.
        a.len = total;
        Ok(a)
    }

    /// Builds an address from raw `sun_path` bytes as the kernel reports them.
    fn from_sun_path(sun_path: &[u8]) -> Result<Self> {
        let mut a = Self::unnamed();
        // A pathname may carry its terminating NUL and padding: keep what precedes it.
        let used = match sun_path.first() {
            Some(0) | None => sun_path,
            Some(_) => sun_path.split(|b| *b == 0).next().unwrap_or(sun_path),
        };
        a.path
            .get_mut(..used.len())
            .ok_or(EINVAL)?
            .copy_from_slice(used);
        // INVARIANT: `used.len() <= UNIX_PATH_MAX`, and a pathname has no NUL in it.
        a.len = used.len();
        Ok(a)
    }

    /// What this address names.
    pub fn kind(&self) -> UnixAddrKind<'_> {
        match self.path.get(..self.len) {
            None | Some([]) => UnixAddrKind::Unnamed,
            Some([0, name @ ..]) => UnixAddrKind::Abstract(name),
            Some(path) => UnixAddrKind::Pathname(path),
        }
    }

    /// The `sun_path` bytes in use.
    fn sun_path(&self) -> &[u8] {
        self.path.get(..self.len).unwrap_or(&[])
    }
}

impl fmt::Debug for UnixAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Writes name bytes as text: printable ASCII as is, other bytes as `\xNN`.
fn write_name(f: &mut fmt::Formatter<'_>, name: &[u8]) -> fmt::Result {
    for &b in name {
        if b.is_ascii_graphic() || b == b' ' {
            fmt::Write::write_char(f, char::from(b))?;
        } else {
            write!(f, "\\x{:02x}", b)?;
        }
    }
    Ok(())
}

impl fmt::Display for UnixAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind() {
            UnixAddrKind::Unnamed => f.write_str("unix:(unnamed)"),
            UnixAddrKind::Pathname(p) => {
                f.write_str("unix:")?;
                write_name(f, p)
            }
            UnixAddrKind::Abstract(n) => {
                f.write_str("unix:@")?;
                write_name(f, n)
            }
        }
    }
}

/// A socket address of any family the abstraction supports.
///
/// Text form: `1.2.3.4:80`, `[::1]:80`, `[fe80::1%2]:80`, `unix:/path`,
/// `unix:@abstract`; it parses back with [`str::parse`].
///
/// # Examples
///
/// ```
/// use kernel::net::addr::{Ipv4Addr, SockAddr};
///
/// let a: SockAddr = "127.0.0.1:8080".parse()?;
/// assert_eq!(a, SockAddr::v4(Ipv4Addr::LOCALHOST, 8080));
/// assert_eq!(a.port(), Some(8080));
/// let b: SockAddr = "[::1]:7".parse()?;
/// assert!(b.is_ipv6());
/// assert_eq!("nonsense".parse::<SockAddr>().err(), Some(EINVAL));
/// # Ok::<(), Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SockAddr {
    /// An IPv4 address and port (`sockaddr_in`).
    V4(SocketAddrV4),
    /// An IPv6 address, port, flow info and scope id (`sockaddr_in6`).
    V6(SocketAddrV6),
    /// A Unix domain address (`sockaddr_un`).
    Unix(UnixAddr),
}

impl SockAddr {
    /// An IPv4 socket address.
    pub const fn v4(ip: Ipv4Addr, port: u16) -> Self {
        Self::V4(SocketAddrV4::new(ip, port))
    }

    /// An IPv6 socket address with no flow info and no scope.
    pub const fn v6(ip: Ipv6Addr, port: u16) -> Self {
        Self::V6(SocketAddrV6::new(ip, port, 0, 0))
    }

    /// The address family.
    pub fn family(&self) -> AddressFamily {
        match self {
            Self::V4(_) => AddressFamily::Inet,
            Self::V6(_) => AddressFamily::Inet6,
            Self::Unix(_) => AddressFamily::Unix,
        }
    }

    /// The port of an IP address, `None` for Unix addresses.
    pub fn port(&self) -> Option<u16> {
        match self {
            Self::V4(a) => Some(a.port()),
            Self::V6(a) => Some(a.port()),
            Self::Unix(_) => None,
        }
    }

    /// Whether this is an IPv4 address.
    pub fn is_ipv4(&self) -> bool {
        matches!(self, Self::V4(_))
    }

    /// Whether this is an IPv6 address.
    pub fn is_ipv6(&self) -> bool {
        matches!(self, Self::V6(_))
    }

    /// Decodes a C socket address from its bytes (`len` bytes as the kernel reported them).
    ///
    /// Fails with `EINVAL` when the bytes are too short for their family and
    /// `EAFNOSUPPORT` for a family this type cannot hold.
    ///
    /// # Examples
    ///
    /// ```
    /// use kernel::net::addr::{Ipv4Addr, SockAddr};
    ///
    /// let mut raw = [0u8; 16];
    /// raw[..2].copy_from_slice(&2u16.to_ne_bytes());
    /// raw[2..4].copy_from_slice(&80u16.to_be_bytes());
    /// raw[4..8].copy_from_slice(&[10, 0, 2, 15]);
    /// assert_eq!(SockAddr::from_bytes(&raw)?, SockAddr::v4(Ipv4Addr::new(10, 0, 2, 15), 80));
    /// assert_eq!(SockAddr::from_bytes(&raw[..15]).err(), Some(EINVAL));
    /// assert_eq!(SockAddr::from_bytes(&[]).err(), Some(EINVAL));
    /// raw[..2].copy_from_slice(&99u16.to_ne_bytes());
    /// assert_eq!(SockAddr::from_bytes(&raw).err(), Some(EAFNOSUPPORT));
    /// # Ok::<(), Error>(())
    /// ```
    #[inline]
    pub fn from_bytes(raw: &[u8]) -> Result<Self> {
        let family = u16::from_ne_bytes(read(raw, 0)?);
        match AddressFamily::try_from(family)? {
            AddressFamily::Inet => Ok(Self::V4(decode_v4(raw)?)),
            AddressFamily::Inet6 => Ok(Self::V6(decode_v6(raw)?)),
            AddressFamily::Unix => {
                let path = raw.get(SUN_PATH_OFFSET..).ok_or(EINVAL)?;
                Ok(Self::Unix(UnixAddr::from_sun_path(path)?))
            }
            _ => Err(EAFNOSUPPORT),
        }
    }
}

/// Decodes a `sockaddr_in` (the family is already checked).
#[inline]
fn decode_v4(raw: &[u8]) -> Result<SocketAddrV4> {
    if raw.len() < SIN_LEN {
        return Err(EINVAL);
    }
    let port = u16::from_be_bytes(read(raw, offset_of!(bindings::sockaddr_in, sin_port))?);
    let ip: [u8; 4] = read(raw, offset_of!(bindings::sockaddr_in, sin_addr))?;
    Ok(SocketAddrV4::new(Ipv4Addr::from(ip), port))
}

/// Decodes a `sockaddr_in6` (the family is already checked).
#[inline]
fn decode_v6(raw: &[u8]) -> Result<SocketAddrV6> {
    if raw.len() < SIN6_LEN_RFC2133 {
        return Err(EINVAL);
    }
    let port = u16::from_be_bytes(read(raw, offset_of!(bindings::sockaddr_in6, sin6_port))?);
    let flowinfo = u32::from_be_bytes(read(
        raw,
        offset_of!(bindings::sockaddr_in6, sin6_flowinfo),
    )?);
    let ip: [u8; 16] = read(raw, offset_of!(bindings::sockaddr_in6, sin6_addr))?;
    // Short (RFC 2133) addresses have no scope id: it reads as zero, as in the kernel.
    let scope_id = read(raw, SIN6_LEN_RFC2133).map_or(0, u32::from_ne_bytes);
    Ok(SocketAddrV6::new(
        Ipv6Addr::from(ip),
        port,
        flowinfo,
        scope_id,
    ))
}

/// Reads `N` bytes at `offset`, failing with `EINVAL` when `raw` is too short.
#[inline]
fn read<const N: usize>(raw: &[u8], offset: usize) -> Result<[u8; N]> {
    let end = offset.checked_add(N).ok_or(EINVAL)?;
    let mut out = [0u8; N];
    out.copy_from_slice(raw.get(offset..end).ok_or(EINVAL)?);
    Ok(out)
}

impl From<SocketAddrV4> for SockAddr {
    fn from(a: SocketAddrV4) -> Self {
        Self::V4(a)
    }
}

impl From<SocketAddrV6> for SockAddr {
    fn from(a: SocketAddrV6) -> Self {
        Self::V6(a)
    }
}

impl From<core::net::SocketAddr> for SockAddr {
    fn from(a: core::net::SocketAddr) -> Self {
        match a {
            core::net::SocketAddr::V4(a) => Self::V4(a),
            core::net::SocketAddr::V6(a) => Self::V6(a),
        }
    }
}

impl From<UnixAddr> for SockAddr {
    fn from(a: UnixAddr) -> Self {
        Self::Unix(a)
    }
}

impl fmt::Display for SockAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::V4(a) => fmt::Display::fmt(a, f),
            Self::V6(a) => fmt::Display::fmt(a, f),
            Self::Unix(a) => fmt::Display::fmt(a, f),
        }
    }
}

// The kernel's formatting macros (`pr_info!` and the others) take `crate::fmt::Display`, which
// the kernel crate implements for foreign types too: forward it to `core::fmt::Display` for the
// address types of this module and of `core::net`, so addresses print as they parse.
macro_rules! impl_kernel_display {
    ($($ty:ty),* $(,)?) => {
        $(
            impl crate::fmt::Display for $ty {
                fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    fmt::Display::fmt(self, f)
                }
            }
        )*
    };
}

impl_kernel_display!(
    UnixAddr,
    SockAddr,
    InetSocketAddr,
    SocketAddrV4,
    SocketAddrV6,
    core::net::IpAddr,
    Ipv4Addr,
    Ipv6Addr,
);

impl FromStr for SockAddr {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        if let Some(rest) = s.strip_prefix("unix:") {
            return Ok(Self::Unix(match rest.strip_prefix('@') {
                Some(name) => UnixAddr::abstract_name(name.as_bytes())?,
                None => UnixAddr::pathname(rest.as_bytes())?,
            }));
        }
        Ok(Self::from(core::net::SocketAddr::from_str(s)?))
    }
}

/// A C `struct sockaddr_storage` and the number of bytes of it in use.
///
/// This is what goes to and comes from the kernel's socket calls. The buffer
/// is always big enough for any address, so the kernel never writes past it.
/// It is not zeroed: only the bytes in use are ever read, and those were
/// written by us or by the kernel.
///
/// # Invariants
///
/// `len <= STORAGE_SIZE`, and the first `len` bytes of `storage` are initialised.
///
/// # Examples
///
/// ```
/// use kernel::net::addr::{Ipv6Addr, SockAddr, SockAddrStorage, SocketAddrV6};
///
/// let v6 = SockAddr::V6(SocketAddrV6::new(Ipv6Addr::LOCALHOST, 443, 0x12345, 3));
/// let raw = SockAddrStorage::from(&v6);
/// assert_eq!(raw.len(), 28);
/// assert_eq!(raw.as_bytes()[2..4], 443u16.to_be_bytes());
/// assert_eq!(raw.to_sock_addr()?, v6);
/// # Ok::<(), Error>(())
/// ```
#[repr(C)]
pub struct SockAddrStorage {
    storage: MaybeUninit<bindings::__kernel_sockaddr_storage>,
    len: usize,
}

impl SockAddrStorage {
    /// Storage with no bytes in use, ready for the kernel to fill.
    #[inline]
    pub fn new() -> Self {
        // INVARIANT: No bytes are in use.
        Self {
            storage: MaybeUninit::uninit(),
            len: 0,
        }
    }

    /// Number of bytes in use (the `addrlen` of the C API).
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no bytes are in use.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Records how many bytes the kernel filled in.
    ///
    /// Fails with `EINVAL` if `len` is larger than the storage.
    ///
    /// # Safety
    ///
    /// The first `len` bytes must have been written, for example by a C call
    /// given [`as_mut_ptr`](Self::as_mut_ptr) that reported writing `len` bytes.
    #[inline]
    pub unsafe fn set_len(&mut self, len: usize) -> Result {
        if len > STORAGE_SIZE {
            return Err(EINVAL);
        }
        // INVARIANT: `len` fits (checked above) and the caller guarantees the bytes were written.
        self.len = len;
        Ok(())
    }

    /// The bytes in use.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        // SAFETY: By the type invariant the first `len <= STORAGE_SIZE` bytes are
        // initialised, and the borrow of `self` keeps them alive and unchanged.
        unsafe { core::slice::from_raw_parts(self.storage.as_ptr().cast::<u8>(), self.len) }
    }

    /// Pointer for C calls taking a `struct sockaddr *`.
    #[inline]
    pub fn as_mut_ptr(&mut self) -> *mut bindings::sockaddr {
        self.storage.as_mut_ptr().cast()
    }

    /// Decodes the address in use.
    #[inline]
    pub fn to_sock_addr(&self) -> Result<SockAddr> {
        SockAddr::from_bytes(self.as_bytes())
    }

    /// Decodes the IPv4 or IPv6 address in use; `EAFNOSUPPORT` for other families.
    #[inline]
    pub fn to_inet_addr(&self) -> Result<InetSocketAddr> {
        let raw = self.as_bytes();
        let family = u16::from_ne_bytes(read(raw, 0)?);
        match AddressFamily::try_from(family)? {
            AddressFamily::Inet => Ok(InetSocketAddr::V4(decode_v4(raw)?)),
            AddressFamily::Inet6 => Ok(InetSocketAddr::V6(decode_v6(raw)?)),
            _ => Err(EAFNOSUPPORT),
        }
    }

    /// Writes `value` at `offset` (within the storage; out-of-range writes are dropped).
    #[inline]
    fn put(&mut self, offset: usize, value: &[u8]) {
        let fits = offset
            .checked_add(value.len())
            .is_some_and(|end| end <= STORAGE_SIZE);
        if fits {
            // SAFETY: `offset + value.len() <= STORAGE_SIZE`, so the destination is inside
            // `storage`; `value` cannot overlap it since we hold `&mut self`.
            unsafe {
                core::ptr::copy_nonoverlapping(
                    value.as_ptr(),
                    self.storage.as_mut_ptr().cast::<u8>().add(offset),
                    value.len(),
                )
            };
        }
    }

    /// Zeroes the first `len` bytes and makes them the bytes in use.
    #[inline]
    fn zeroed_prefix(len: usize) -> Self {
        let mut s = Self::new();
        let len = len.min(STORAGE_SIZE);
        // SAFETY: `len <= STORAGE_SIZE` bytes are written inside `storage`.
        unsafe { core::ptr::write_bytes(s.storage.as_mut_ptr().cast::<u8>(), 0, len) };
        // INVARIANT: The first `len` bytes were just written.
        s.len = len;
        s
    }
}

impl Default for SockAddrStorage {
    fn default() -> Self {
        Self::new()
    }
}

impl SockAddrStorage {
    #[inline]
    fn from_v4(a: &SocketAddrV4) -> Self {
        let mut s = Self::zeroed_prefix(SIN_LEN);
        s.put(0, &AddressFamily::Inet.as_raw().to_ne_bytes());
        s.put(
            offset_of!(bindings::sockaddr_in, sin_port),
            &a.port().to_be_bytes(),
        );
        s.put(
            offset_of!(bindings::sockaddr_in, sin_addr),
            &a.ip().octets(),
        );
        s
    }

    #[inline]
    fn from_v6(a: &SocketAddrV6) -> Self {
        let mut s = Self::zeroed_prefix(SIN6_LEN);
        s.put(0, &AddressFamily::Inet6.as_raw().to_ne_bytes());
        s.put(
            offset_of!(bindings::sockaddr_in6, sin6_port),
            &a.port().to_be_bytes(),
        );
        s.put(
            offset_of!(bindings::sockaddr_in6, sin6_flowinfo),
            &a.flowinfo().to_be_bytes(),
        );
        s.put(
            offset_of!(bindings::sockaddr_in6, sin6_addr),
            &a.ip().octets(),
        );
        s.put(SIN6_LEN_RFC2133, &a.scope_id().to_ne_bytes());
        s
    }

    #[inline]
    fn from_unix(a: &UnixAddr) -> Self {
        let path = a.sun_path();
        // Pathnames are NUL-terminated when there is room; the NUL comes from the zeroing.
        let nul = usize::from(
            matches!(a.kind(), UnixAddrKind::Pathname(_)) && path.len() < UNIX_PATH_MAX,
        );
        let len = SUN_PATH_OFFSET
            .saturating_add(path.len())
            .saturating_add(nul);
        let mut s = Self::zeroed_prefix(len);
        s.put(0, &AddressFamily::Unix.as_raw().to_ne_bytes());
        s.put(SUN_PATH_OFFSET, path);
        s
    }
}

impl From<&SockAddr> for SockAddrStorage {
    #[inline]
    fn from(addr: &SockAddr) -> Self {
        match addr {
            SockAddr::V4(a) => Self::from_v4(a),
            SockAddr::V6(a) => Self::from_v6(a),
            SockAddr::Unix(a) => Self::from_unix(a),
        }
    }
}

impl From<&InetSocketAddr> for SockAddrStorage {
    #[inline]
    fn from(addr: &InetSocketAddr) -> Self {
        match addr {
            InetSocketAddr::V4(a) => Self::from_v4(a),
            InetSocketAddr::V6(a) => Self::from_v6(a),
        }
    }
}

impl TryFrom<SockAddr> for InetSocketAddr {
    type Error = Error;

    /// An IP socket address; `EAFNOSUPPORT` for a Unix address.
    fn try_from(addr: SockAddr) -> Result<Self> {
        match addr {
            SockAddr::V4(a) => Ok(Self::V4(a)),
            SockAddr::V6(a) => Ok(Self::V6(a)),
            SockAddr::Unix(_) => Err(EAFNOSUPPORT),
        }
    }
}
