# Shared helpers for guest tests (sourced; init sources it too). Peers are
# socat and busybox nc.
MODULES=/lib/modules/knet
fail() { echo "FAIL: $*"; exit 1; }

# knet_arg NAME [DEFAULT]: the value of knet.NAME= on the kernel command line
# (the host writes it with guestArg in tool/src/guest/guest.ts), else DEFAULT.
# KNET_CMDLINE: another file to read, for the host's unit tests.
knet_arg() {
	local v="$2" a
	for a in $(cat "${KNET_CMDLINE:-/proc/cmdline}"); do
		case "$a" in "knet.$1="*) v=${a#knet.$1=} ;; esac
	done
	echo "$v"
}

# The line the host waits for (READY in tool/src/guest/guest.ts).
knet_ready() { echo "KNET-READY"; }

# Whatever a test leaves loaded is unloaded when it exits, so one failure
# does not cascade into the next test.
cleanup() {
	rmmod rust_echo_client 2>/dev/null
	rmmod rust_echo_server 2>/dev/null
	rmmod rust_net_fuzz 2>/dev/null
	umount /mnt/nbd 2>/dev/null
	rmmod rust_nbd 2>/dev/null
	/usr/sbin/nbd-client -d /dev/nbd0 >/dev/null 2>&1
	killall nbd-server 2>/dev/null
	kill $(jobs -p) 2>/dev/null
}
trap cleanup EXIT

load_server() { insmod $MODULES/rust_echo_server.ko "$@" || fail "insmod rust_echo_server $*"; }
unload_server() { rmmod rust_echo_server || fail "rmmod rust_echo_server"; }

# tcp_echo SIZE SOCAT-ADDRESS TAG: sends SIZE random bytes, checks the echo byte for byte.
tcp_echo() {
	head -c "$1" /dev/urandom > /tmp/in.$3
	socat -t 30 -T 60 - "$2" < /tmp/in.$3 > /tmp/out.$3 2>/tmp/err.$3 || { cat /tmp/err.$3; return 1; }
	cmp -s /tmp/in.$3 /tmp/out.$3 || { echo "echo of $1 bytes via $2 differs ($(wc -c < /tmp/out.$3) bytes back)"; return 1; }
	rm -f /tmp/in.$3 /tmp/out.$3 /tmp/err.$3
}

# udp_echo SIZE SOCAT-ADDRESS: one datagram of SIZE random bytes, checked.
udp_echo() {
	head -c "$1" /dev/urandom > /tmp/udp.in
	socat -b 65536 -t 1 - "$2" < /tmp/udp.in > /tmp/udp.out 2>/tmp/udp.err || { cat /tmp/udp.err; return 1; }
	cmp -s /tmp/udp.in /tmp/udp.out || { echo "UDP echo of $1 bytes via $2 differs ($(wc -c < /tmp/udp.out) bytes back)"; return 1; }
}

# kernel_log_mark TAG, then kernel_log_since TAG: the kernel log after the mark.
kernel_log_mark() { echo "knet-mark: $1" > /dev/kmsg; }
kernel_log_since() { dmesg | sed -n "/knet-mark: $1\$/,\$p"; }

# kernel_problems [GREP-OPTIONS] [FILE...]: the lines that report a kernel
# problem, by kernel-problems.txt (the host's console parser reads it too).
# KNET_LIB: where that is when the host's unit tests run this.
kernel_problems() {
	grep -v -e '^#' -e '^$' "${KNET_LIB:-/knet/lib}/kernel-problems.txt" > /tmp/kernel-problems.ere
	grep -E -f /tmp/kernel-problems.ere "$@"
}

# The kernel log since this test script started (the whole log outside the
# guest's test run) must have no warning, oops, BUG, sanitizer or leak report.
# The host's console parser still sees every report of the boot.
check_kernel_log() {
	if { if [ -n "$KNET_TEST" ]; then kernel_log_since "test $KNET_TEST"; else dmesg; fi; } | kernel_problems; then
		fail "kernel log shows a problem"
	fi
}

# NBD (drivers/block/rust_nbd). nbd_needs: skip (77) on a kernel without the driver.
NBD_DISK=/dev/rust_nbd0
nbd_needs() { [ -f $MODULES/rust_nbd.ko ] || { echo "no rust_nbd.ko in this kernel"; exit 77; }; }

# mib_file FILE MIB [random]: a file of MIB MiB, zeroes or random bytes (busybox's head takes no suffixes).
mib_file() {
	local src=/dev/zero
	[ "$3" = random ] && src=/dev/urandom
	dd if=$src of="$1" bs=1048576 count="$2" 2>/dev/null
}

# wait_port PORT: until a socket listens on PORT (servers start in the background). Read from
# /proc rather than by connecting, which some servers count as their one client.
wait_port() {
	local i hex
	hex=$(printf ':%04X ' "$1")
	for i in $(seq 100); do
		grep -q "$hex[0-9A-F:]* 0A " /proc/net/tcp /proc/net/tcp6 2>/dev/null && return 0
		sleep 0.1
	done
	fail "nothing listens on port $1"
}

# nbd_attach PARAMS...: loads rust_nbd with PARAMS and waits for its disk.
nbd_attach() {
	insmod $MODULES/rust_nbd.ko "$@" || fail "insmod rust_nbd $*: $(dmesg | grep rust_nbd | tail -2)"
	[ -b $NBD_DISK ] || fail "no $NBD_DISK after loading rust_nbd"
}

# same_bytes FILE-A SKIP-A FILE-B SKIP-B MIB: whether MIB MiB at the two offsets (MiB) match by
# sha256. Disks are read with O_DIRECT, past their page cache: two drivers on one export each
# have their own cache.
same_bytes() {
	[ "$(sha256_of "$1" "$2" "$5")" = "$(sha256_of "$3" "$4" "$5")" ]
}
sha256_of() {
	local direct=
	[ -b "$1" ] && direct=iflag=direct
	dd if="$1" bs=1M skip="$2" count="$3" $direct 2>/dev/null | sha256sum | cut -d' ' -f1
}
