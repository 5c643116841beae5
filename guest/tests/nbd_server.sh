# The Rust NBD client against nbd-server (the reference implementation):
# a named export, an unknown one refused, direct I/O checked against the image.
. /knet/lib/knet.sh
nbd_needs
mib_file /tmp/export.img 32
mkdir -p /tmp/nbd-server
cat > /tmp/nbd-server/config <<END
[generic]
	listenaddr = 127.0.0.1
	port = 10816
	allowlist = true
[images]
	exportname = /tmp/export.img
	flush = true
	fua = true
	trim = true
END
# It forks into the background (one process per client); cleanup stops it.
nbd-server -C /tmp/nbd-server/config 2>/tmp/nbd-server.err || fail "nbd-server: $(cat /tmp/nbd-server.err)"
wait_port 10816
if insmod $MODULES/rust_nbd.ko port=10816 export=nope 2>/tmp/insmod.err; then fail "loaded an export the server does not have"; fi
dmesg | grep -q 'rust_nbd: the server has no such export' || fail "no reason for the unknown export: $(dmesg | grep rust_nbd | tail -2; cat /tmp/nbd-server.err /tmp/insmod.err)"
nbd_attach port=10816 export=images
[ "$(blockdev --getsize64 $NBD_DISK)" = 33554432 ] || fail "disk size $(blockdev --getsize64 $NBD_DISK), not 32 MiB"
mib_file /tmp/data 3 random
dd if=/tmp/data of=$NBD_DISK bs=1M seek=5 oflag=direct 2>/tmp/dd.err || fail "direct write: $(cat /tmp/dd.err)"
dd if=/dev/null of=$NBD_DISK conv=fsync 2>/dev/null
same_bytes /tmp/data 0 /tmp/export.img 5 3 || fail "the server's image differs from what was written"
same_bytes /tmp/data 0 $NBD_DISK 5 3 || fail "a direct read differs from what was written"
rmmod rust_nbd || fail "rmmod rust_nbd"
killall nbd-server
echo "nbd-server: named export, unknown export refused, direct I/O matches the image"
check_kernel_log
