# Clients that vanish mid-transfer do not hurt the server: it keeps serving.
. /knet/lib/knet.sh
load_server
i=0
while [ $i -lt 8 ]; do
	# Sends 8 MiB but never reads the echo, and is killed after a moment.
	head -c 8388608 /dev/urandom | socat -u - TCP4:127.0.0.1:7 2>/dev/null &
	pids="$pids $!"
	i=$((i + 1))
done
sleep 1
kill -9 $pids 2>/dev/null
wait 2>/dev/null
tcp_echo 4096 TCP4:127.0.0.1:7 after || fail "no echo after the disconnects"
echo "server still echoes after 8 abrupt disconnects"
unload_server
check_kernel_log
