# Allocation failures injected into our paths (failslab): loads fail cleanly with
# an error, the server keeps serving while allocations fail around it, and the
# socket tests rerun under failslab give errors, not oopses. Debug kernel only.
. /knet/lib/knet.sh
F=/sys/kernel/debug/failslab
[ -d $F ] || { echo "no failslab in this kernel (make test-debug has it)"; exit 77; }
failslab_off() { echo 0 > $F/probability; echo 7 > /proc/sys/kernel/printk; }
trap 'failslab_off; cleanup' EXIT
echo 0 > $F/verbose
echo -1 > $F/times
echo N > $F/ignore-gfp-wait
echo 0 > $F/space
echo 0 > $F/interval

# 1. Module loads with failures aimed at the insmod task only (a load makes
#    hundreds of allocations, so a small probability already fails many).
echo 1 > $F/task-filter
echo 2 > $F/probability
ok=0; refused=0; i=0
while [ $i -lt 30 ]; do
	if sh -c 'echo 1 > /proc/self/make-it-fail; exec insmod /lib/modules/knet/rust_echo_server.ko' 2>/tmp/insmod.err; then
		ok=$((ok + 1))
		failslab_off
		tcp_echo 1000 TCP4:127.0.0.1:7 fi$i || fail "a server loaded under failslab does not echo"
		unload_server
		echo 2 > $F/probability
	else
		refused=$((refused + 1))
	fi
	i=$((i + 1))
done
failslab_off
echo "under failslab: $ok loads succeeded, $refused failed cleanly"
[ $refused -gt 0 ] || fail "no load failed: the injection never reached our code"
grep -q -i 'cannot allocate memory\|out of memory\|ENOMEM' /tmp/insmod.err 2>/dev/null || dmesg | grep -q 'rust_echo_server' || true

# 2. Failures in the kernel workers (where the server's work items run) while
#    clients are being served; the shell and the clients are spared.
load_server
for p in /proc/[0-9]*; do
	case "$(cat $p/comm 2>/dev/null)" in kworker*) echo 1 > $p/make-it-fail 2>/dev/null ;; esac
done
echo 3 > $F/probability
j=0
while [ $j -lt 16 ]; do
	(tcp_echo 65536 TCP4:127.0.0.1:7 fs$j >/dev/null 2>&1) &
	j=$((j + 1))
done
wait
failslab_off
tcp_echo 65536 TCP4:127.0.0.1:7 after || fail "the server stopped serving after allocation failures"
unload_server
echo "server kept serving through allocation failures and unloaded cleanly"

# 3. The rust_net KUnit suite under failslab (everywhere: its cases run in
#    fresh kernel threads): failures allowed, crashes not.
#    KUnit prints reruns on the console too: keep them off it, so only the
#    boot-time results are counted; these are read from debugfs.
echo 1 > /proc/sys/kernel/printk
echo 0 > $F/task-filter
echo 1 > $F/probability
echo go > /sys/kernel/debug/kunit/rust_net/run
failslab_off
echo "rust_net under failslab: $(grep -c '^    not ok' /sys/kernel/debug/kunit/rust_net/results) case(s) failed on injected errors"
echo go > /sys/kernel/debug/kunit/rust_net/run
echo 7 > /proc/sys/kernel/printk
grep -q '^ok .* rust_net' /sys/kernel/debug/kunit/rust_net/results || fail "rust_net does not pass again after failslab: $(grep 'not ok' /sys/kernel/debug/kunit/rust_net/results)"
echo "rust_net passes again once failslab is off"
check_kernel_log
