# Slab allocation failures (failslab) aimed at our paths: loads fail cleanly
# with an error, the server keeps serving while allocations fail around it,
# and the socket tests rerun under failslab give errors, not oopses.
. /knet/lib/knet.sh
F=/sys/kernel/debug/failslab FAULTS=failslab
. /knet/lib/faults.sh
# A load (exec of insmod included) makes hundreds of slab allocations:
# 1 % of every third one fails about half of the loads.
faults_on_module_load 1 3
faults_while_serving 3
faults_in_rust_net 1
faults_in_nbd 1 3
faults_in_nbd_io 10
check_kernel_log
