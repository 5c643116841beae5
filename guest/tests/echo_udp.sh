# UDP echo of datagrams from 1 B to 65507 B (IPv4 maximum), content checked.
. /knet/lib/knet.sh
load_server address=::
for size in 1 100 1400 8192 65507; do
	udp_echo $size UDP4:127.0.0.1:7 || fail "IPv4 datagram of $size"
done
udp_echo 1400 UDP6:[::1]:7 || fail "IPv6 datagram"
echo "datagrams of 1..65507 bytes echoed"
unload_server
dmesg | grep 'unloaded:' | tail -1 | grep -q 'datagrams=6 ' || fail "counters: $(dmesg | grep 'unloaded:' | tail -1)"
check_kernel_log
