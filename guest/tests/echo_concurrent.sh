# 64 concurrent clients, each echoing 64 KiB, all checked.
. /knet/lib/knet.sh
load_server max_conns=64 backlog=128
rm -f /tmp/ok.*
i=0
while [ $i -lt 64 ]; do
	(tcp_echo 65536 TCP4:127.0.0.1:7 c$i && touch /tmp/ok.$i) &
	i=$((i + 1))
done
wait
n=$(ls /tmp/ok.* 2>/dev/null | wc -l)
[ "$n" -eq 64 ] || fail "only $n of 64 clients got their echo"
echo "64 of 64 clients ok"
unload_server
check_kernel_log
