# The kernel::net API fuzzer (rust_net_fuzz): random sequences of safe calls
# on a kernel that reports what they break. The budget comes from
# knet.fuzz=OPERATIONS (short in make test, 200,000 or more in make
# test-debug); knet.fuzz_seed=S starts from seed S (to replay one).
. /knet/lib/knet.sh
total=$(knet_arg fuzz 4000); first=$(knet_arg fuzz_seed 1); per=500
seeds=$(((total + per - 1) / per))
# wait_for_exit PID SECONDS: true once PID has exited, false after SECONDS.
wait_for_exit() {
	i=0
	while [ $i -lt $(($2 * 10)) ]; do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
# Kernel problems, and the fuzzer's own report of a broken promise of the API.
fuzz_reports() { kernel_problems -e VIOLATION "$@" /tmp/fuzz.log; }
kernel_log_mark fuzz
# Seed lines (info) stay off the slow serial console; reports (errors) still reach it.
level=$(cut -f1 /proc/sys/kernel/printk)
echo 4 > /proc/sys/kernel/printk
start=$(date +%s)
insmod $MODULES/rust_net_fuzz.ko seed=$first seeds=$seeds ops=$per &
pid=$!
# Progress every minute on the console (this script's output is only shown
# when it ends), so a run on a slow debug kernel shows it is moving.
while ! wait_for_exit $pid 60; do
	last=$(dmesg | sed -n 's/.*rust_net_fuzz: seed \(0x[0-9a-f]*\):.*/\1/p' | tail -1)
	echo "api fuzz: at seed $last of $(printf '0x%x' $((first + seeds - 1))) after $(($(date +%s) - start)) s" > /dev/console
done
wait $pid
rc=$?
echo "$level" > /proc/sys/kernel/printk
secs=$(($(date +%s) - start))
kernel_log_since fuzz > /tmp/fuzz.log
reports=$(fuzz_reports -c)
ops=$(sed -n 's/.*rust_net_fuzz: \([0-9]*\) operations (.*/\1/p' /tmp/fuzz.log | tail -1)
if [ "$rc" -ne 0 ] || [ "$reports" -ne 0 ] || [ -z "$ops" ]; then
	line=$(fuzz_reports -n -e failed | head -1 | cut -d: -f1)
	seed=$(head -n "${line:-999999}" /tmp/fuzz.log | sed -n 's/.*rust_net_fuzz: seed \(0x[0-9a-f]*\):.*/\1/p' | tail -1)
	fuzz_reports -e rust_net_fuzz | grep -v 'rust_net_fuzz: seed' | head -20
	fail "api fuzz: insmod exit $rc, $reports report(s), first under seed ${seed:-?}; replay: insmod rust_net_fuzz.ko seed=${seed:-?} seeds=1 ops=$per"
fi
rmmod rust_net_fuzz || fail "rmmod rust_net_fuzz"
grep 'rust_net_fuzz: .* operations (' /tmp/fuzz.log | sed 's/^.*rust_net_fuzz: //'
echo "api fuzz: $ops operations, $seeds seeds, 0 reports ($secs s, $((ops / (secs + 1))) operations/s)"
check_kernel_log
