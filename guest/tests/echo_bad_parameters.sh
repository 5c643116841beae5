# Bad parameters are refused with a clear error, not an oops.
. /knet/lib/knet.sh
if insmod $MODULES/rust_echo_server.ko address=not-an-address 2>/dev/null; then fail "loaded with a bad address"; fi
# 7.3 refuses it while parsing parameters (the kernel's message); 6.12's sample in init.
dmesg | grep -Eq "not-an-address' invalid for parameter .address'|address=not-an-address is not an IPv4 or IPv6 address" || fail "no message for the bad address"
if insmod $MODULES/rust_echo_server.ko address=192.0.2.1 2>/dev/null; then fail "loaded on a foreign address"; fi
load_server
if insmod $MODULES/rust_echo_server.ko 2>/dev/null; then fail "loaded twice"; fi
unload_server
load_server tcp_port=7007 udp_port=7007
tcp_echo 10 TCP4:127.0.0.1:7007 port || fail "no echo on tcp_port=7007"
unload_server
echo "bad address, foreign address and reload refused cleanly"
check_kernel_log
