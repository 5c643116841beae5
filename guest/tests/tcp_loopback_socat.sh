# A TCP round trip over loopback between two real userspace peers (socat),
# proving the guest network stack works before knet's own tests rely on it.
socat -u TCP-LISTEN:7001,bind=127.0.0.1,reuseaddr OPEN:/tmp/recv,creat,trunc &
pid=$!
sleep 0.3
head -c 65536 /dev/urandom > /tmp/sent
socat -u OPEN:/tmp/sent TCP:127.0.0.1:7001 || { echo "socat client failed"; exit 1; }
wait $pid
cmp /tmp/sent /tmp/recv || { echo "payload differs"; exit 1; }
echo "64 KiB echoed byte for byte"
