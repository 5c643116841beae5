# The event-driven server (events=1): 200 clients (50 on the debug kernel)
# connect and stay idle, then each sends 1000 bytes; all are echoed while the
# number of kworkers stays bounded (the blocking server parks one per
# connection), then a 1 MiB echo.
. /knet/lib/knet.sh
CLIENTS=200
# 50 on the debug kernel (kmemleak is only there), where 200 socats take many
# minutes; 50 idle connections still show what the test looks for.
[ -e /sys/kernel/debug/kmemleak ] && CLIENTS=50
kworkers() { ps -o comm | grep -c '^kworker'; }
# Each client's input waits in a `sleep 601` until the clients are let go by
# killing those sleeps. (A loop per client polling a flag file forked a sleep
# per client every second: most of this test's minute under TCG.)
holds() { ps -o pid,args | awk '$2 == "sleep" && $3 == "601" { print $1 }'; }
let_go() { holds | xargs -r kill 2>/dev/null; }
# On failure too, let the clients go and end them.
trap 'let_go; killall socat 2>/dev/null; cleanup' EXIT
load_server events=1 max_conns=1000 backlog=1024
before=$(kworkers)
rm -f /tmp/ok.*
i=0
while [ $i -lt $CLIENTS ]; do
	(
		head -c 1000 /dev/urandom > /tmp/in.e$i
		(sleep 601; cat /tmp/in.e$i) | socat -t 30 -T 600 - TCP4:127.0.0.1:7 > /tmp/out.e$i 2>/tmp/err.e$i &&
			cmp -s /tmp/in.e$i /tmp/out.e$i && touch /tmp/ok.$i
		rm -f /tmp/in.e$i /tmp/out.e$i /tmp/err.e$i
	) &
	i=$((i + 1))
done
# Wait until all are connected and idle (starting 200 socats takes a while
# under TCG, minutes on the debug kernel: hence socat's long idle timeout).
open_conns() { awk '$2 ~ /:0007$/ && $4 == "01"' /proc/net/tcp | wc -l; }
t=0
held() { holds | wc -l; }
while { [ "$(open_conns)" -lt $CLIENTS ] || [ "$(held)" -lt $CLIENTS ]; } && [ $t -lt 400 ]; do sleep 1; t=$((t + 1)); done
during=$(kworkers)
open=$(open_conns)
echo "$open connections open to port 7; kworkers: $before before, $during with them idle"
[ "$open" -ge $CLIENTS ] || fail "only $open of $CLIENTS clients connected"
[ $((during - before)) -lt 32 ] || fail "kworkers grew by $((during - before)) for $open idle connections"
[ "$(held)" -ge $CLIENTS ] || fail "only $(held) of $CLIENTS clients are waiting to send"
let_go
wait
n=$(ls /tmp/ok.* 2>/dev/null | wc -l)
[ "$n" -eq $CLIENTS ] || fail "only $n of $CLIENTS clients got their echo"
echo "$n of $CLIENTS clients ok"
tcp_echo 1048576 TCP4:127.0.0.1:7 bulk || fail "1 MiB echo"
echo "1 MiB echoed byte for byte"
unload_server
dmesg | grep 'rust_echo_server: unloaded' | tail -1
check_kernel_log
