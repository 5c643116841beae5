# lo is up with 127.0.0.1 and ::1, and eth0 has the user-net address.
ip addr show lo | grep -q 'inet 127.0.0.1/8' || { echo "lo has no 127.0.0.1"; exit 1; }
ip addr show lo | grep -q 'inet6 ::1/128' || { echo "lo has no ::1"; exit 1; }
ip addr show eth0 | grep -q 'inet 10.0.2.15/24' || { echo "eth0 has no 10.0.2.15"; exit 1; }
