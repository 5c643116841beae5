# The Rust client module against peers: busybox nc running cat, and the Rust server over IPv6.
. /knet/lib/knet.sh
nc -ll -p 9000 -e /bin/cat &
nc_pid=$!
sleep 0.3
insmod $MODULES/rust_echo_client.ko address=127.0.0.1 port=9000 size=1048576 || fail "client against nc: $(dmesg | grep rust_echo_client | tail -1)"
dmesg | grep -q 'rust_echo_client: ok: 1048576 bytes echoed by 127.0.0.1:9000 verified' || fail "no success line"
rmmod rust_echo_client
kill $nc_pid
load_server address=::
insmod $MODULES/rust_echo_client.ko address=::1 port=7 size=262144 || fail "client against the Rust server: $(dmesg | grep rust_echo_client | tail -1)"
rmmod rust_echo_client
# Nothing listens here: loading fails with the connection error.
if insmod $MODULES/rust_echo_client.ko address=127.0.0.1 port=9 2>/dev/null; then fail "loaded without a server"; fi
dmesg | grep -q 'rust_echo_client: not ok: .*ECONNREFUSED' || fail "no refused line: $(dmesg | grep rust_echo_client | tail -1)"
unload_server
echo "client verified echoes from nc and from the Rust server; refused is reported"
check_kernel_log
