# Page allocation failures (fail_page_alloc, order 0 and up) aimed at our
# paths: module memory, large kmalloc buffers and the socket buffer page
# fragments TCP sends from. Same checks as the failslab script.
. /knet/lib/knet.sh
F=/sys/kernel/debug/fail_page_alloc FAULTS=fail_page_alloc
. /knet/lib/faults.sh
echo 0 > $F/min-order
echo N > $F/ignore-gfp-highmem
# Module memory comes from vmalloc's bulk page allocator (one check per bulk,
# page by page when that fails), so loads make few checked page allocations.
faults_on_module_load 20
# Sends refill a 32 KiB page fragment only now and then: few checks.
faults_while_serving 40
faults_in_rust_net 5
faults_in_nbd 20
faults_in_nbd_io 20
check_kernel_log
