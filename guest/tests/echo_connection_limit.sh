# Over max_conns, a connection is accepted and closed at once (counted as refused).
. /knet/lib/knet.sh
load_server max_conns=2
(sleep 4) | socat -t 6 - TCP4:127.0.0.1:7 > /dev/null &
(sleep 4) | socat -t 6 - TCP4:127.0.0.1:7 > /dev/null &
sleep 1
out=$(echo "over the limit" | socat -t 3 - TCP4:127.0.0.1:7 2>&1)
[ -z "$out" ] || fail "third connection got an echo: $out"
wait
tcp_echo 100 TCP4:127.0.0.1:7 again || fail "no echo once connections were free again"
unload_server
dmesg | grep 'unloaded:' | tail -1 | grep -q 'refused=1 ' || fail "counters: $(dmesg | grep 'unloaded:' | tail -1)"
echo "third connection refused, later ones served"
check_kernel_log
