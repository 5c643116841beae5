# The Rust NBD client when the server fails: killed mid-I/O, or no longer
# answering. Pending and new I/O fail with EIO within the timeout, nothing
# hangs, and the module unloads with the server gone.
. /knet/lib/knet.sh
nbd_needs
# Killed while a read waits (the delay filter holds each read 2 s).
nbdkit -f -i 127.0.0.1 -p 10814 --filter=delay memory 64M rdelay=2 2>/dev/null &
server=$!
wait_port 10814
nbd_attach port=10814 timeout=5
timeout 30 dd if=$NBD_DISK of=/dev/null bs=64k count=4 iflag=direct 2>/tmp/dd.err &
reader=$!
sleep 1
kill -9 $server
wait $reader
rc=$?
[ $rc -ne 0 ] || fail "a read survived the server's death"
[ $rc -ne 124 ] || fail "a read hung after the server died"
grep -q 'Input/output error' /tmp/dd.err || fail "the pending read gave: $(cat /tmp/dd.err)"
if timeout 10 dd if=$NBD_DISK of=/dev/null bs=4k count=1 skip=1000 iflag=direct 2>/tmp/dd.err; then fail "a new read succeeded with the server gone"; fi
grep -q 'Input/output error' /tmp/dd.err || fail "a new read gave: $(cat /tmp/dd.err)"
timeout 20 rmmod rust_nbd || fail "rmmod with the server gone"

# A server that stops answering (SIGSTOP): the request times out after timeout=2 (the block
# layer's timer, to the next second), which drops the connection.
nbdkit -f -i 127.0.0.1 -p 10815 memory 8M 2>/dev/null &
server=$!
wait_port 10815
nbd_attach port=10815 timeout=2
kill -STOP $server
kernel_log_mark stopped
if timeout 30 dd if=$NBD_DISK of=/dev/null bs=4k count=1 skip=10 iflag=direct 2>/tmp/dd.err; then fail "a read succeeded from a stopped server"; fi
grep -q 'Input/output error' /tmp/dd.err || fail "a read from a stopped server gave: $(cat /tmp/dd.err)"
kernel_log_since stopped | grep -q 'rust_nbd: request [0-9]* of queue [0-9]* got no reply in 2 s' || fail "no timeout in the log"
kill -9 $server
timeout 20 rmmod rust_nbd || fail "rmmod after the timeout"
# A stopped server with writes in flight: once the socket buffers are full, queue_rq blocks
# sending, until the send timeout (SO_SNDTIMEO, also timeout=2) ends it with EIO.
nbdkit -f -i 127.0.0.1 -p 10817 memory 64M 2>/dev/null &
server=$!
wait_port 10817
nbd_attach port=10817 timeout=2
kill -STOP $server
mib_file /tmp/big 24 random
if timeout 30 dd if=/tmp/big of=$NBD_DISK bs=8M oflag=direct 2>/tmp/dd.err; then fail "24 MiB written to a stopped server"; fi
grep -q 'Input/output error' /tmp/dd.err || fail "a write to a stopped server gave: $(cat /tmp/dd.err)"
kill -9 $server
timeout 20 rmmod rust_nbd || fail "rmmod after a blocked send"
# A signal to a writer whose send waits for room in the socket (the server is stopped) interrupts
# queue_rq in the writer's task: the command is finished later, from where it stopped, and the
# connection lives on.
nbdkit -f -i 127.0.0.1 -p 10818 memory 64M 2>/dev/null &
server=$!
wait_port 10818
nbd_attach port=10818
mib_file /tmp/data 1 random
kill -STOP $server
kernel_log_mark interrupted
dd if=/tmp/big of=$NBD_DISK bs=8M oflag=direct 2>/dev/null &
writer=$!
# The writer sleeping interruptibly means its send waits for room: its waits for the I/O itself
# are uninterruptible.
state() { cut -d' ' -f3 /proc/$writer/stat 2>/dev/null; }
for i in $(seq 50); do
	[ "$(state)" = S ] && sleep 0.2 && [ "$(state)" = S ] && break
	sleep 0.1
done
[ "$(state)" = S ] || fail "the writer never waited in a send (state $(state))"
# Not SIGINT, which a non-interactive shell makes its background jobs ignore.
kill -TERM $writer
kill -CONT $server
wait $writer
# The first 8 MiB were in flight when the signal came: they are all there, resumed byte for byte.
same_bytes /tmp/big 0 $NBD_DISK 0 8 || fail "the interrupted write's data differs"
dd if=/tmp/data of=$NBD_DISK bs=1M seek=40 oflag=direct 2>/tmp/dd.err || fail "a write after an interrupted one: $(cat /tmp/dd.err)"
same_bytes /tmp/data 0 $NBD_DISK 40 1 || fail "a read after an interrupted write differs"
! kernel_log_since interrupted | grep 'rust_nbd: ' || fail "the driver reported a problem after the signal"
timeout 20 rmmod rust_nbd || fail "rmmod after an interrupted send"
kill $server
rm /tmp/big
echo "server killed mid-I/O, stopped server, send blocked on a stopped server: EIO within the timeout; a signal to a blocked writer leaves the connection working; unload finishes"
check_kernel_log
