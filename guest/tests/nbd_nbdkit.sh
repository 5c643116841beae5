# The Rust NBD client against nbdkit: flush, FUA, trim and write-zeroes seen by the server
# (log filter), error replies failing exactly those requests (error filter),
# requests that split pages, two connections (and their refusal by a server that does not
# allow them),
# and handshake variants (--mask-handshake, oldstyle).
. /knet/lib/knet.sh
nbd_needs
nbdkit -f -i 127.0.0.1 -p 10810 --filter=log --filter=error memory 64M \
	logfile=/tmp/nbdkit.log error=EIO error-rate=1 error-file=/tmp/inject 2>/tmp/nbdkit.err &
server=$!
wait_port 10810
nbd_attach port=10810

# Flush, FUA and trim reach the server as NBD commands.
mib_file /tmp/data 1 random
/usr/bin/dd if=/tmp/data of=$NBD_DISK bs=64k seek=16 oflag=direct,dsync status=none || fail "O_DSYNC write: $(tail -4 /tmp/nbdkit.log; dmesg | grep rust_nbd | tail -3)"
grep -q 'Write .*fua=1' /tmp/nbdkit.log || fail "no FUA write in the server's log: $(grep Write /tmp/nbdkit.log | tail -2)"
dd if=/tmp/data of=$NBD_DISK bs=64k seek=64 conv=fsync 2>/dev/null || fail "write + fsync"
grep -q 'Flush' /tmp/nbdkit.log || fail "no flush in the server's log"
blkdiscard -o 1048576 -l 1048576 $NBD_DISK || fail "blkdiscard"
grep -q 'Trim .*offset=0x100000 count=0x100000' /tmp/nbdkit.log || fail "no trim in the server's log: $(grep Trim /tmp/nbdkit.log)"
same_bytes /tmp/data 0 $NBD_DISK 4 1 || fail "data written with FUA reads back different"

# Error replies fail those requests with EIO; the connection goes on.
touch /tmp/inject
if dd if=$NBD_DISK of=/dev/null bs=4k skip=100 count=1 iflag=direct 2>/tmp/dd.err; then fail "a read the server failed succeeded"; fi
grep -q 'Input/output error' /tmp/dd.err || fail "a failed read gave: $(cat /tmp/dd.err)"
if dd if=/tmp/data of=$NBD_DISK bs=4k seek=100 count=1 oflag=direct 2>/tmp/dd.err; then fail "a write the server failed succeeded"; fi
rm /tmp/inject
same_bytes /tmp/data 0 $NBD_DISK 4 1 || fail "reads fail after the server's errors stopped"
# mke2fs zeroes with write-zeroes commands, not pages of zeroes.
/usr/sbin/mke2fs -q -F -t ext2 $NBD_DISK 2>/tmp/mkfs.err || fail "mke2fs: $(cat /tmp/mkfs.err)"
grep -q ' Zero id=' /tmp/nbdkit.log || fail "no write-zeroes in the server's log"
rmmod rust_nbd || fail "rmmod rust_nbd"
kill $server; wait $server

# Requests that end mid-page: with 512-byte blocks and 5 KiB requests, the block layer splits
# a 1 MiB bio at 5 KiB steps, so most requests' bios start part-way into a bio_vec
# (bvec_iter.bi_offset), which the driver's iov_iter must skip. Written in 5 KiB requests, read
# back in whole pages, then read in 5 KiB requests; the disk's write count shows the split.
nbdkit -f -i 127.0.0.1 -p 10816 --filter=blocksize-policy memory 16M \
	blocksize-minimum=512 blocksize-preferred=512 2>/dev/null &
server=$!
wait_port 10816
nbd_attach port=10816
disk=/sys/block/${NBD_DISK##*/}
queue=$disk/queue
whole=$(cat $queue/max_sectors_kb)
echo 5 > $queue/max_sectors_kb || fail "max_sectors_kb 5 refused"
writes=$(awk '{print $5}' $disk/stat)
dd if=/tmp/data of=$NBD_DISK bs=1M seek=2 oflag=direct 2>/tmp/dd.err || fail "write in 5 KiB requests: $(cat /tmp/dd.err)"
split=$(( $(awk '{print $5}' $disk/stat) - writes ))
[ $split -ge 205 ] || fail "a 1 MiB write became $split requests, not 205 or more"
echo $whole > $queue/max_sectors_kb
same_bytes /tmp/data 0 $NBD_DISK 2 1 || fail "what was written in 5 KiB requests reads back different"
echo 5 > $queue/max_sectors_kb
same_bytes /tmp/data 0 $NBD_DISK 2 1 || fail "a read in 5 KiB requests differs from what was written"
rmmod rust_nbd || fail "rmmod after 5 KiB requests"
kill $server; wait $server

# Two connections, one per hardware queue: nbdkit's memory plugin allows them
# (NBD_FLAG_CAN_MULTI_CONN). Each of the guest's two CPUs submits on its own
# queue, so both connections carry writes, and the data reads back.
nbdkit -f -i 127.0.0.1 -p 10814 --filter=log memory 16M logfile=/tmp/multi.log 2>/dev/null &
server=$!
wait_port 10814
nbd_attach port=10814 connections=2
for cpu in 0 1; do
	taskset -c $cpu dd if=/tmp/data of=$NBD_DISK bs=64k seek=$((cpu * 16)) count=16 oflag=direct 2>/dev/null ||
		fail "write from CPU $cpu over two connections"
	same_bytes /tmp/data 0 $NBD_DISK $cpu 1 || fail "data written from CPU $cpu over two connections reads back different"
done
for c in 1 2; do
	grep -q "connection=$c Write" /tmp/multi.log ||
		fail "connection $c carried no write ($(grep -c ' Connect ' /tmp/multi.log) connected)"
done
rmmod rust_nbd || fail "rmmod with two connections"
kill $server; wait $server
# Without the flag, a second connection is refused.
nbdkit -f -i 127.0.0.1 -p 10815 --filter=multi-conn memory 8M multi-conn-mode=disable 2>/dev/null &
server=$!
wait_port 10815
if insmod $MODULES/rust_nbd.ko port=10815 connections=2 2>/dev/null; then fail "two connections to a server without NBD_FLAG_CAN_MULTI_CONN"; fi
dmesg | grep -q 'rust_nbd: connections=2: the server allows one' || fail "no reason for refusing a second connection"
kill $server; wait $server

# Handshake variants. Without NO_ZEROES the client works as before.
nbdkit -f -i 127.0.0.1 -p 10811 --mask-handshake=1 memory 8M 2>/dev/null &
server=$!
wait_port 10811
nbd_attach port=10811
dd if=/tmp/data of=$NBD_DISK bs=1M oflag=direct 2>/dev/null || fail "write without NO_ZEROES"
same_bytes /tmp/data 0 $NBD_DISK 0 1 || fail "read without NO_ZEROES"
rmmod rust_nbd
kill $server; wait $server
# Without fixed newstyle, the export is chosen with NBD_OPT_EXPORT_NAME (the older reply, with
# its 124 zero bytes).
nbdkit -f -i 127.0.0.1 -p 10812 --mask-handshake=0 memory 8M 2>/dev/null &
server=$!
wait_port 10812
nbd_attach port=10812
[ "$(blockdev --getsize64 $NBD_DISK)" = 8388608 ] || fail "disk size $(blockdev --getsize64 $NBD_DISK) through NBD_OPT_EXPORT_NAME, not 8 MiB"
dd if=/tmp/data of=$NBD_DISK bs=1M oflag=direct 2>/dev/null || fail "write after NBD_OPT_EXPORT_NAME"
same_bytes /tmp/data 0 $NBD_DISK 0 1 || fail "read after NBD_OPT_EXPORT_NAME"
rmmod rust_nbd
kill $server; wait $server
# Oldstyle: refused, with the reason in the log.
nbdkit -f -i 127.0.0.1 -p 10813 --oldstyle memory 8M 2>/dev/null &
server=$!
wait_port 10813
if insmod $MODULES/rust_nbd.ko port=10813 2>/dev/null; then fail "loaded against an oldstyle server"; fi
dmesg | grep -q 'rust_nbd: the server speaks the oldstyle protocol' || fail "no reason for the oldstyle refusal"
kill $server; wait $server
# Nothing listening: the connection error.
if insmod $MODULES/rust_nbd.ko port=10899 2>/dev/null; then fail "loaded without a server"; fi
echo "nbdkit: flush, FUA, trim and write-zeroes reach the server; error replies fail just those requests; 5 KiB requests split pages and read back the same; two connections both carry writes (refused without multi-conn); handshake variants (NBD_OPT_EXPORT_NAME without fixed newstyle; oldstyle refused)"
check_kernel_log
