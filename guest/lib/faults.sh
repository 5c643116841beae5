# Fault injection against knet code paths (sourced after knet.sh). The caller
# sets F to a fault attribute directory in debugfs (failslab or
# fail_page_alloc) and FAULTS to a name for messages. Debug kernel only.
[ -d "$F" ] || { echo "no $FAULTS in this kernel (make test-debug has it)"; exit 77; }
faults_off() { echo 0 > $F/probability; echo 1 > $F/interval; echo 7 > /proc/sys/kernel/printk; }
trap 'faults_off; cleanup' EXIT
# FAULTS_VERBOSE=2 prints the stack of every injected failure (to debug a script).
echo ${FAULTS_VERBOSE:-0} > $F/verbose
echo N > $F/ignore-gfp-wait
echo 0 > $F/space

# faults_on PROBABILITY [INTERVAL]: fail PROBABILITY % of every INTERVAL-th
# allocation. `times` counts down on each injected failure, which is how
# injected_failures counts them.
LIMIT=1000000
faults_on() { echo $LIMIT > $F/times; echo ${2:-1} > $F/interval; echo $1 > $F/probability; }
injected_failures() { echo $((LIMIT - $(cat $F/times))); }

# Module loads with failures aimed at the insmod task only: every load either
# works (and then serves) or fails with an error. At least 30 loads, more (up
# to 90) until one has worked and one has failed with ENOMEM: most failures
# land in insmod's own page faults, which the kernel retries, and a load makes
# few page allocations (vmalloc takes its pages in bulk, one check per bulk),
# so under fail_page_alloc 30 loads once gave no ENOMEM at all.
faults_on_module_load() {
	echo 1 > $F/task-filter
	ok=0; refused=0; userspace=0; i=0; injected=0
	while [ $i -lt 30 ] || { [ $i -lt 90 ] && { [ $ok -eq 0 ] || [ $refused -eq 0 ]; }; }; do
		faults_on "$@"
		sh -c 'echo 1 > /proc/self/make-it-fail; exec insmod /lib/modules/knet/rust_echo_server.ko' 2>/tmp/insmod.err
		rc=$?
		faults_off
		injected=$((injected + $(injected_failures)))
		# busybox insmod exits with the load's errno (or its negation): it
		# must be ENOMEM (12). When finit_module fails, busybox reads the
		# file itself and calls init_module; under injection its own page
		# faults can cut that read short, and the kernel then rightly
		# rejects the image (ENOEXEC 8, EFAULT 14). 126, 127 and signals:
		# insmod never ran. Neither is about our code.
		case $rc in
		0)
			ok=$((ok + 1))
			tcp_echo 1000 TCP4:127.0.0.1:7 fl$i || fail "a server loaded under $FAULTS does not echo"
			unload_server
			;;
		12|244) refused=$((refused + 1)) ;;
		8|14|248|242|126|127|1[3-9][0-9]) userspace=$((userspace + 1)) ;;
		*) fail "load failed with status $rc, not ENOMEM: $(cat /tmp/insmod.err)" ;;
		esac
		i=$((i + 1))
	done
	echo "under $FAULTS: of $i loads, $ok succeeded, $refused failed with ENOMEM, $userspace failed in insmod itself ($injected allocations failed)"
	[ $refused -gt 0 ] || fail "no load failed: the injection never reached our code"
	[ $ok -gt 0 ] || fail "no load succeeded: lower the probability so loaded servers are checked too"
}

# Failures in the kernel workers (where the server's work items run) while
# clients are being served; the shell and the clients are spared. Afterwards
# the server must serve again and unload.
faults_while_serving() {
	kernel_log_mark serving-$FAULTS
	load_server
	for p in /proc/[0-9]*; do
		case "$(cat $p/comm 2>/dev/null)" in kworker*) echo 1 > $p/make-it-fail 2>/dev/null ;; esac
	done
	echo 1 > $F/task-filter
	faults_on "$@"
	rm -f /tmp/served.*
	j=0
	while [ $j -lt 16 ]; do
		(tcp_echo 65536 TCP4:127.0.0.1:7 fs$j >/dev/null 2>&1 && touch /tmp/served.$j) &
		j=$((j + 1))
	done
	wait
	faults_off
	injected=$(injected_failures)
	served=$(ls /tmp/served.* 2>/dev/null | wc -l)
	[ $injected -gt 0 ] || fail "no allocation failed while serving: the injection never reached the workers"
	tcp_echo 65536 TCP4:127.0.0.1:7 after || fail "the server stopped serving after $FAULTS failures"
	unload_server
	echo "server kept serving through $injected $FAULTS failures ($served of 16 clients echoed in full meanwhile) and unloaded cleanly"
	kernel_log_since serving-$FAULTS > /tmp/served.log
	echo "server counters: $(grep 'unloaded:' /tmp/served.log | sed 's/.*unloaded: //')"
	accepts=$(grep -o 'accept failed: E[A-Z]*' /tmp/served.log | sort | uniq -c | tr -s ' \n' ' ')
	echo "failed accepts: ${accepts:-none}"
}

# The rust_net_* KUnit suites rerun with failures in the kernel threads they
# start (each case runs in a fresh kthread, which inherits make-it-fail from
# kthreadd): failures allowed, crashes not. Then a clean rerun must pass.
# KUnit prints reruns on the console too: keep them off it, so only the
# boot-time results are counted; these are read from debugfs.
faults_in_rust_net() {
	suites=$(ls -d /sys/kernel/debug/kunit/rust_net_*)
	[ -n "$suites" ] || fail "no rust_net_* KUnit suite in debugfs"
	echo 1 > /proc/sys/kernel/printk
	kernel_log_mark rust_net-$FAULTS
	echo 1 > /proc/2/make-it-fail
	echo 1 > $F/task-filter
	faults_on "$@"
	for R in $suites; do echo go > $R/run; done
	faults_off
	echo 0 > /proc/2/make-it-fail
	injected=$(injected_failures)
	[ $injected -gt 0 ] || fail "no allocation failed in the rust_net_* reruns"
	failed=$(cat $(for R in $suites; do echo $R/results; done) | grep -c '^    not ok')
	echo "rust_net_* under $FAULTS: $injected allocations failed, $failed case(s) failed on them"
	# A case that blocks is ended by KUnit's timeout; the hung task detector
	# reports the shell waiting for it first.
	hung=$(cat $(for R in $suites; do echo $R/results; done) | grep 'timed out' | sed 's/^ *# *//' | tr '\n' ' ')
	echo "cases that timed out: ${hung:-none}"
	# The cases' diagnostics are in the kernel log (kept off the console).
	reported=$(kernel_log_since rust_net-$FAULTS | grep -o 'unexpected error: E[A-Z]*\|EXPECTATION FAILED' | sort | uniq -c | tr -s ' \n' ' ')
	echo "what they reported: ${reported:-none in the kernel log}"
	for R in $suites; do echo go > $R/run; done
	echo 7 > /proc/sys/kernel/printk
	for R in $suites; do
		grep -q "^ok .* ${R##*/}\$" $R/results || fail "${R##*/} does not pass again after $FAULTS: $(grep 'not ok' $R/results)"
	done
	echo "rust_net_* pass again once $FAULTS is off"
}

# within SECONDS COMMAND...: runs COMMAND and waits at most SECONDS for it;
# returns its status.
within() {
	local limit=$1
	shift
	"$@" &
	finish_within $limit $!
}

# finish_within SECONDS PID...: waits at most SECONDS for the background jobs
# PID... (a plain `wait` would also wait for a server started in the
# background). A job still running then is stuck in the kernel (no timeout can
# kill a task in uninterruptible sleep): fails with the kernel stacks of the
# tasks that are. Returns the status of the last job that failed, else 0.
finish_within() {
	local limit=$1 pid start now state rest status=0
	shift
	# Builtins only: a fork per poll is slow on the debug kernel.
	read start rest < /proc/uptime
	for pid in "$@"; do
		while read -r rest rest state rest 2>/dev/null < /proc/$pid/stat && [ "$state" != Z ]; do
			read now rest < /proc/uptime
			if [ $((${now%.*} - ${start%.*})) -ge $limit ]; then
				blocked_stacks
				fail "still running after $limit s under $FAULTS: $(tr '\0' ' ' < /proc/$pid/cmdline)"
			fi
			sleep 0.2
		done
		wait $pid || status=$?
	done
	return $status
}

# The kernel stacks of the tasks in uninterruptible sleep, on the console.
blocked_stacks() {
	local p
	for p in /proc/[0-9]*; do
		[ "$(cut -d' ' -f3 $p/stat 2>/dev/null)" = D ] || continue
		echo "blocked: $(cat $p/comm) (${p#/proc/})"
		cat $p/stack
	done > /dev/console 2>&1
}

# nbd_fault_server: starts the nbdkit memory export the NBD fault runs use, its
# pid in `server`; fails (and says the run is skipped) without rust_nbd.ko.
nbd_fault_server() {
	[ -f $MODULES/rust_nbd.ko ] || { echo "no rust_nbd.ko in this kernel: its $FAULTS run skipped"; return 1; }
	nbdkit -f -i 127.0.0.1 -p 10816 memory 64M 2>/dev/null &
	server=$!
	wait_port 10816
}

# The Rust NBD client (drivers/block/rust_nbd) under failures, against nbdkit:
# attaches with failures aimed at insmod (the handshake, the socket's setup,
# the disk's and its first reads run there) either work, and then the disk
# reads what it writes and unloads, or fail with an error; none hangs.
faults_in_nbd() {
	local server
	nbd_fault_server || return 0
	echo 1 > $F/task-filter
	ok=0; i=0; injected=0; errors=
	while [ $i -lt 10 ]; do
		faults_on "$@"
		within 90 sh -c 'echo 1 > /proc/self/make-it-fail; exec insmod /lib/modules/knet/rust_nbd.ko port=10816' 2>/tmp/insmod.err
		rc=$?
		faults_off
		injected=$((injected + $(injected_failures)))
		echo "rust_nbd attach $i under $FAULTS: status $rc" > /dev/console
		if [ $rc -eq 0 ]; then
			ok=$((ok + 1))
			mib_file /tmp/nbd.in 1 random
			within 60 dd if=/tmp/nbd.in of=$NBD_DISK bs=64k seek=$i oflag=direct 2>/dev/null || fail "a disk attached under $FAULTS does not write"
			within 60 dd if=$NBD_DISK of=/tmp/nbd.out bs=64k skip=$i count=16 iflag=direct 2>/dev/null || fail "a disk attached under $FAULTS does not read"
			cmp -s /tmp/nbd.in /tmp/nbd.out || fail "a disk attached under $FAULTS reads other bytes than it wrote"
			within 60 rmmod rust_nbd || fail "rmmod of a disk attached under $FAULTS"
		else
			errors="$errors $rc"
		fi
		i=$((i + 1))
	done
	echo "rust_nbd under $FAULTS: $ok of 10 attaches worked, the others failed with status:${errors:- none} ($injected allocations failed)"
	[ $injected -gt 0 ] || fail "no allocation failed in the rust_nbd attaches"
	[ $ok -gt 0 ] || fail "no rust_nbd attach worked: lower the probability"
	kill $server
}

# Direct I/O to a rust_nbd disk with failures in the tasks that submit it
# (the blocking queue_rq, and so the driver's sends, run there) and in the
# kernel workers (its receive loop): requests may fail, and the connection
# may end, but nothing hangs, the module unloads, and attached again the disk
# reads what was written before the failures. The dd tasks are marked once
# they run, so the failures land in their I/O, not in their fork and exec.
faults_in_nbd_io() {
	local server pids= p j
	nbd_fault_server || return 0
	nbd_attach port=10816 timeout=5
	mib_file /tmp/nbd.before 4 random
	dd if=/tmp/nbd.before of=$NBD_DISK bs=1M oflag=direct 2>/dev/null || fail "a write before $FAULTS"
	rm -f /tmp/nbdio.*
	# Reads of the first 4 MiB, writes past them.
	for j in 0 1 2 3; do
		(dd if=$NBD_DISK of=/dev/null bs=64k count=512 iflag=direct 2>/dev/null && touch /tmp/nbdio.r$j) &
		pids="$pids $!"
		(dd if=/dev/zero of=$NBD_DISK bs=64k count=256 seek=$((64 + j * 256)) oflag=direct 2>/dev/null && touch /tmp/nbdio.w$j) &
		pids="$pids $!"
	done
	sleep 1
	for p in /proc/[0-9]*; do
		case "$(cat $p/comm 2>/dev/null)" in kworker*|dd) echo 1 > $p/make-it-fail 2>/dev/null ;; esac
	done
	echo 1 > $F/task-filter
	faults_on "$@"
	finish_within 120 $pids
	faults_off
	injected=$(injected_failures)
	[ $injected -gt 0 ] || fail "no allocation failed during rust_nbd I/O"
	if same_bytes /tmp/nbd.before 0 $NBD_DISK 0 4; then
		state="kept its connection"
	else
		state="lost its connection"
	fi
	within 60 rmmod rust_nbd || fail "rmmod after I/O under $FAULTS"
	nbd_attach port=10816
	same_bytes /tmp/nbd.before 0 $NBD_DISK 0 4 || fail "what was written before the $FAULTS failures reads back differently"
	within 60 rmmod rust_nbd || fail "rmmod after reattaching"
	kill $server
	echo "rust_nbd I/O under $FAULTS: $(ls /tmp/nbdio.* 2>/dev/null | wc -l) of 8 dd runs completed, $injected allocations failed, the disk $state, unloaded, and reattached reads what was written before"
}
