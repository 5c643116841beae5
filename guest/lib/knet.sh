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

# The kernel log must have no warning, oops, BUG, sanitizer or leak report.
check_kernel_log() {
	if dmesg | kernel_problems; then
		fail "kernel log shows a problem"
	fi
}
