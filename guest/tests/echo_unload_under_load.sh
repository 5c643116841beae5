# rmmod while clients transfer: prompt, wakes every worker, and a reload works; 20 times.
. /knet/lib/knet.sh
n=0
while [ $n -lt 20 ]; do
	load_server
	for c in 1 2 3 4; do
		head -c 4194304 /dev/urandom | socat -t 0.2 -T 10 - TCP4:127.0.0.1:7 > /dev/null 2>&1 &
	done
	(head -c 1000 /dev/urandom | socat -t 0.2 - UDP4:127.0.0.1:7 > /dev/null 2>&1) &
	# A client that never sends, leaving its worker blocked in a receive;
	# it ends when the unload closes its connection.
	socat -u TCP4:127.0.0.1:7 - > /dev/null 2>&1 &
	sleep 0.3
	start=$(date +%s)
	unload_server
	took=$(($(date +%s) - start))
	[ $took -le 3 ] || fail "rmmod took $took s under load (round $n)"
	wait
	n=$((n + 1))
done
load_server
tcp_echo 1024 TCP4:127.0.0.1:7 final || fail "no echo after 20 reloads"
unload_server
echo "20 unloads under load, each prompt; reload works"
check_kernel_log
