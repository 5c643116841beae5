# The Rust NBD client against qemu-nbd: direct I/O checked against the
# server's image, a filesystem made, filled and checked, and the data
# cross-checked with the C driver (nbd.ko set up by nbd-client).
. /knet/lib/knet.sh
nbd_needs
mib_file /tmp/disk.img 64
qemu-nbd -f raw -b 127.0.0.1 -p 10809 -x disk --persistent --shared=4 /tmp/disk.img 2>/tmp/qemu-nbd.err &
wait_port 10809
nbd_attach port=10809 export=disk
[ "$(blockdev --getsize64 $NBD_DISK)" = 67108864 ] || fail "disk size $(blockdev --getsize64 $NBD_DISK), not 64 MiB"

# Direct writes and reads: 4 MiB at 8 MiB, in 1 MiB and 4 KiB requests.
mib_file /tmp/data 4 random
dd if=/tmp/data of=$NBD_DISK bs=1M seek=8 oflag=direct 2>/tmp/dd.err || fail "direct write: $(cat /tmp/dd.err)"
same_bytes /tmp/data 0 /tmp/disk.img 8 4 || fail "the server's image differs from what was written"
dd if=$NBD_DISK of=/tmp/back bs=4k skip=2048 count=1024 iflag=direct 2>/tmp/dd.err || fail "direct read: $(cat /tmp/dd.err)"
cmp -s /tmp/data /tmp/back || fail "direct read differs from what was written"
# A write the server makes directly to its image is what the disk reads (no stale cache).
mib_file /tmp/data2 1 random
dd if=/tmp/data2 of=/tmp/disk.img bs=1M seek=20 conv=notrunc 2>/dev/null
same_bytes /tmp/data2 0 $NBD_DISK 20 1 || fail "a direct read of what the server holds differs"

# A filesystem: made, a tree copied in, unmounted, checked clean.
/usr/sbin/mke2fs -q -F -t ext2 -b 4096 $NBD_DISK 2>/tmp/mkfs.err || fail "mke2fs: $(cat /tmp/mkfs.err)"
mkdir -p /mnt/nbd
mount -t ext2 $NBD_DISK /mnt/nbd || fail "mount"
cp -a /knet /lib /mnt/nbd/ || fail "copy into the filesystem"
cp /tmp/data /mnt/nbd/data
sync
# Mounted, the disk holds the module.
if rmmod rust_nbd 2>/dev/null; then fail "rust_nbd unloaded while its disk was mounted"; fi
umount /mnt/nbd || fail "umount"
/usr/sbin/e2fsck -fn $NBD_DISK >/tmp/fsck.out 2>&1 || fail "e2fsck after umount: $(tail -5 /tmp/fsck.out)"
mount -t ext2 -o ro $NBD_DISK /mnt/nbd || fail "mount again"
cmp -s /tmp/data /mnt/nbd/data || fail "a file read back through the filesystem differs"
diff -r /knet /mnt/nbd/knet >/dev/null || fail "the copied tree differs"
umount /mnt/nbd
rmmod rust_nbd || fail "rmmod rust_nbd"

# The same bytes through the C driver: what the Rust driver wrote reads back through nbd.ko,
# and the reverse.
insmod $MODULES/nbd.ko nbds_max=1 || fail "insmod nbd"
/usr/sbin/nbd-client -N disk 127.0.0.1 10809 /dev/nbd0 -b 4096 >/tmp/nbd-client.out 2>&1 || fail "nbd-client: $(cat /tmp/nbd-client.out)"
nbd_attach port=10809 export=disk
same_bytes /dev/nbd0 0 $NBD_DISK 0 64 || fail "nbd.ko and rust_nbd read different bytes"
mib_file /tmp/data3 2 random
dd if=/tmp/data3 of=/dev/nbd0 bs=1M seek=40 oflag=direct 2>/dev/null || fail "write through nbd.ko"
same_bytes /tmp/data3 0 $NBD_DISK 40 2 || fail "rust_nbd does not read what nbd.ko wrote"
dd if=/tmp/data of=$NBD_DISK bs=1M seek=50 oflag=direct 2>/dev/null || fail "write through rust_nbd"
same_bytes /tmp/data 0 /dev/nbd0 50 4 || fail "nbd.ko does not read what rust_nbd wrote"
rmmod rust_nbd || fail "rmmod rust_nbd"
/usr/sbin/nbd-client -d /dev/nbd0 >/dev/null 2>&1
echo "qemu-nbd: direct I/O, ext2 (mke2fs, copy, e2fsck clean) and nbd.ko cross-check agree"
check_kernel_log
