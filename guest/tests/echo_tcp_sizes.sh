# The Rust echo server echoes 1 B to 16 MiB byte for byte over IPv4 and IPv6 (socat peer).
. /knet/lib/knet.sh
load_server address=::
for size in 1 1024 65536 1048576 16777216; do
	tcp_echo $size TCP4:127.0.0.1:7 v4 || fail "IPv4 $size"
	tcp_echo $size TCP6:[::1]:7 v6 || fail "IPv6 $size"
	echo "$size bytes ok over IPv4 and IPv6"
done
unload_server
dmesg | grep 'rust_echo_server: unloaded:' | tail -1 | grep -q 'connections=10 .* dropped=0$' || fail "unload counters: $(dmesg | grep 'unloaded:' | tail -1)"
check_kernel_log
