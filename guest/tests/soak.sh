# Soak: mixed TCP and UDP load from many clients, every byte checked, while
# the server is unloaded and reloaded every few seconds. The duration comes
# from knet.soak=SECONDS (short in make test, 10 minutes in make test-debug).
. /knet/lib/knet.sh
duration=$(knet_arg soak 15)
end=$(($(date +%s) + duration))
reloads=0; conns=0; bytes=0; datagrams=0; errors=0; round=0
while [ $(date +%s) -lt $end ]; do
	load_server address=::
	rm -f /tmp/soak.ok.* /tmp/soak.bad.*
	c=0
	for size in 1 1000 65536 300000 1048576 4096 77 20000; do
		(tcp_echo $size TCP4:127.0.0.1:7 s$round.$c > /tmp/soak.bad.$c 2>&1 && echo $size > /tmp/soak.ok.$c && rm /tmp/soak.bad.$c) &
		c=$((c + 1))
	done
	(tcp_echo 500000 TCP6:[::1]:7 v6.$round > /tmp/soak.bad.v6 2>&1 && echo 500000 > /tmp/soak.ok.v6 && rm /tmp/soak.bad.v6) &
	for size in 1 512 1400 9000; do
		udp_echo $size UDP4:127.0.0.1:7 > /dev/null 2>&1 && datagrams=$((datagrams + 1))
	done
	wait
	for f in /tmp/soak.ok.*; do
		[ -e "$f" ] || continue
		conns=$((conns + 1)); bytes=$((bytes + $(cat $f)))
	done
	for f in /tmp/soak.bad.*; do
		[ -e "$f" ] || continue
		errors=$((errors + 1)); echo "round $round: $(cat $f)"
	done
	# Unload with clients still connected half of the time.
	if [ $((round % 2)) -eq 1 ]; then
		(head -c 2000000 /dev/urandom | socat -t 0.2 - TCP4:127.0.0.1:7 > /dev/null 2>&1) &
		sleep 0.2
	fi
	unload_server
	wait
	reloads=$((reloads + 1)); round=$((round + 1))
done
echo "soak ${duration}s: $reloads reloads, $conns connections checked, $bytes bytes echoed, $datagrams datagrams, $errors errors"
[ $errors -eq 0 ] || fail "$errors transfers failed"
[ $reloads -gt 0 ] || fail "no round completed"
check_kernel_log
