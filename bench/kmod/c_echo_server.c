// SPDX-License-Identifier: GPL-2.0
/*
 * C twin of samples/rust/rust_echo_server.rs, for the benchmark: the same
 * TCP and UDP echo with the same structure (a workqueue of its own, one
 * accept work item, one per connection, one for UDP; max_conns slots;
 * shutdown of every socket on unload, then destroy_workqueue), written
 * the way a kernel developer would write it in C. With events=1, TCP is
 * event-driven the way nvmet-tcp serves its queues: non-blocking sockets whose
 * sk_data_ready/sk_write_space/sk_state_change queue the connection's work
 * item, which runs until the socket would block.
 */

#include <linux/delay.h>
#include <linux/inet.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/sock.h>

static char *address = "0.0.0.0";
module_param(address, charp, 0444);
MODULE_PARM_DESC(address, "IPv4 or IPv6 address to listen on");
static ushort tcp_port = 8;
module_param(tcp_port, ushort, 0444);
MODULE_PARM_DESC(tcp_port, "TCP port");
static ushort udp_port = 8;
module_param(udp_port, ushort, 0444);
MODULE_PARM_DESC(udp_port, "UDP port");
static uint backlog = 64;
module_param(backlog, uint, 0444);
MODULE_PARM_DESC(backlog, "TCP listen backlog");
static uint max_conns = 64;
module_param(max_conns, uint, 0444);
MODULE_PARM_DESC(max_conns, "maximum concurrent TCP connections");
static uint events;
module_param(events, uint, 0444);
MODULE_PARM_DESC(events, "1: serve TCP event-driven (readiness callbacks, non-blocking sockets)");

#define TCP_BUFFER (16 * 1024)
#define UDP_BUFFER 65536
#define EVENT_CHUNK 2048

struct conn {
	struct work_struct work;
	struct socket *sock;
	unsigned int slot;
	/* Event-driven: the callbacks ours replaced, and what could not be sent yet. */
	void (*saved_data_ready)(struct sock *sk);
	void (*saved_write_space)(struct sock *sk);
	void (*saved_state_change)(struct sock *sk);
	char *unsent;
	size_t unsent_len;
};

static struct workqueue_struct *wq;
static struct socket *listener, *udp;
static struct conn **conns;
static DEFINE_MUTEX(conns_lock);
static bool stopping;
static atomic_long_t connections, refused, tcp_bytes, datagrams, udp_bytes, truncated, dropped;
static struct work_struct accept_work, udp_work;

static int make_addr(struct sockaddr_storage *ss, u16 port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (in4_pton(address, -1, (u8 *)&sin->sin_addr.s_addr, -1, NULL)) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		return sizeof(*sin);
	}
	if (in6_pton(address, -1, sin6->sin6_addr.s6_addr, -1, NULL)) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		return sizeof(*sin6);
	}
	pr_err("address=%s is not an IPv4 or IPv6 address\n", address);
	return -EINVAL;
}

static int send_all(struct socket *sock, void *buf, size_t len)
{
	while (len) {
		struct msghdr msg = { .msg_flags = MSG_NOSIGNAL };
		struct kvec iov = { .iov_base = buf, .iov_len = len };
		int n = kernel_sendmsg(sock, &msg, &iov, 1, len);

		if (n <= 0)
			return n ? n : -EPIPE;
		buf += n;
		len -= n;
	}
	return 0;
}

static void conn_work(struct work_struct *work)
{
	struct conn *c = container_of(work, struct conn, work);
	void *buf = kmalloc(TCP_BUFFER, GFP_KERNEL);

	if (!buf)
		atomic_long_inc(&dropped);
	while (buf) {
		struct msghdr msg = {};
		struct kvec iov = { .iov_base = buf, .iov_len = TCP_BUFFER };
		int n = kernel_recvmsg(c->sock, &msg, &iov, 1, TCP_BUFFER, 0);

		if (n <= 0 || send_all(c->sock, buf, n))
			break;
		atomic_long_add(n, &tcp_bytes);
	}
	kfree(buf);
	kernel_sock_shutdown(c->sock, SHUT_RDWR);
	mutex_lock(&conns_lock);
	conns[c->slot] = NULL;
	mutex_unlock(&conns_lock);
	sock_release(c->sock);
	kfree(c);
}

/* Event-driven: every event of a connection queues its work item. */
static void conn_event(struct sock *sk)
{
	struct conn *c;

	read_lock_bh(&sk->sk_callback_lock);
	c = sk->sk_user_data;
	if (c)
		queue_work(wq, &c->work);
	read_unlock_bh(&sk->sk_callback_lock);
}

static void watch_conn(struct conn *c)
{
	struct sock *sk = c->sock->sk;

	write_lock_bh(&sk->sk_callback_lock);
	sk->sk_user_data = c;
	c->saved_data_ready = sk->sk_data_ready;
	c->saved_write_space = sk->sk_write_space;
	c->saved_state_change = sk->sk_state_change;
	sk->sk_data_ready = conn_event;
	sk->sk_write_space = conn_event;
	sk->sk_state_change = conn_event;
	write_unlock_bh(&sk->sk_callback_lock);
}

static void unwatch_conn(struct conn *c)
{
	struct sock *sk = c->sock->sk;

	write_lock_bh(&sk->sk_callback_lock);
	if (sk->sk_user_data == c) {
		sk->sk_user_data = NULL;
		sk->sk_data_ready = c->saved_data_ready;
		sk->sk_write_space = c->saved_write_space;
		sk->sk_state_change = c->saved_state_change;
	}
	write_unlock_bh(&sk->sk_callback_lock);
}

/* Sends what the socket takes now; fewer than len bytes when it would block. */
static int send_some(struct socket *sock, char *buf, size_t len)
{
	size_t sent = 0;

	while (sent < len) {
		struct msghdr msg = { .msg_flags = MSG_NOSIGNAL | MSG_DONTWAIT };
		struct kvec iov = { .iov_base = buf + sent, .iov_len = len - sent };
		int n = kernel_sendmsg(sock, &msg, &iov, 1, len - sent);

		if (n == -EAGAIN)
			break;
		if (n <= 0)
			return n ? n : -EPIPE;
		sent += n;
	}
	return sent;
}

/* Echoes until the socket would block; false once the connection is over. */
static bool echo_ready(struct conn *c)
{
	char buf[EVENT_CHUNK];
	int n, sent;

	if (c->unsent_len) {
		sent = send_some(c->sock, c->unsent, c->unsent_len);
		if (sent < 0)
			return false;
		memmove(c->unsent, c->unsent + sent, c->unsent_len - sent);
		c->unsent_len -= sent;
		if (c->unsent_len)
			return true;
	}
	for (;;) {
		struct msghdr msg = { .msg_flags = MSG_DONTWAIT };
		struct kvec iov = { .iov_base = buf, .iov_len = sizeof(buf) };

		n = kernel_recvmsg(c->sock, &msg, &iov, 1, sizeof(buf), MSG_DONTWAIT);
		if (n == -EAGAIN)
			return true;
		if (n <= 0)
			return false;
		atomic_long_add(n, &tcp_bytes);
		sent = send_some(c->sock, buf, n);
		if (sent < 0)
			return false;
		if (sent < n) {
			char *more = krealloc(c->unsent, n - sent, GFP_KERNEL);

			if (!more)
				return false;
			c->unsent = more;
			memcpy(c->unsent, buf + sent, n - sent);
			c->unsent_len = n - sent;
			return true;
		}
	}
}

static void conn_event_work(struct work_struct *work)
{
	struct conn *c = container_of(work, struct conn, work);

	if (echo_ready(c))
		return;
	unwatch_conn(c);
	kernel_sock_shutdown(c->sock, SHUT_RDWR);
	mutex_lock(&conns_lock);
	conns[c->slot] = NULL;
	mutex_unlock(&conns_lock);
	sock_release(c->sock);
	kfree(c->unsent);
	kfree(c);
}

static void admit(struct socket *sock)
{
	struct conn *c = kzalloc(sizeof(*c), GFP_KERNEL);
	unsigned int i;

	if (!c) {
		atomic_long_inc(&dropped);
		sock_release(sock);
		return;
	}
	mutex_lock(&conns_lock);
	for (i = 0; i < max_conns && conns[i]; i++)
		;
	if (stopping || i == max_conns) {
		mutex_unlock(&conns_lock);
		if (!stopping)
			atomic_long_inc(&refused);
		sock_release(sock);
		kfree(c);
		return;
	}
	c->sock = sock;
	c->slot = i;
	conns[i] = c;
	INIT_WORK(&c->work, events ? conn_event_work : conn_work);
	if (events)
		watch_conn(c);	/* under conns_lock, which unload takes to unwatch */
	mutex_unlock(&conns_lock);
	atomic_long_inc(&connections);
	queue_work(wq, &c->work);
}

/* Event-driven accept: the listener's sk_data_ready queues it. */
static void listen_data_ready(struct sock *sk)
{
	read_lock_bh(&sk->sk_callback_lock);
	/* Accepted sockets inherit this callback until watch_conn() replaces it. */
	if (sk->sk_state == TCP_LISTEN && !READ_ONCE(stopping))
		queue_work(wq, &accept_work);
	read_unlock_bh(&sk->sk_callback_lock);
}

static void (*saved_listen_data_ready)(struct sock *sk);

static void accept_ready_fn(struct work_struct *work)
{
	for (;;) {
		struct socket *sock;
		int err = kernel_accept(listener, &sock, O_NONBLOCK);

		if (err) {
			if (err != -EAGAIN && !READ_ONCE(stopping))
				pr_warn("accept failed: %d\n", err);
			return;
		}
		admit(sock);
	}
}

static void accept_fn(struct work_struct *work)
{
	while (!READ_ONCE(stopping)) {
		struct socket *sock;
		int err = kernel_accept(listener, &sock, 0);

		if (err) {
			if (READ_ONCE(stopping))
				break;
			pr_warn("accept failed: %d\n", err);
			msleep(100);	/* as the Rust server: do not spin on a repeating error */
			continue;
		}
		admit(sock);
	}
}

static void udp_fn(struct work_struct *work)
{
	void *buf = kmalloc(UDP_BUFFER, GFP_KERNEL);

	while (buf && !READ_ONCE(stopping)) {
		struct sockaddr_storage from;
		struct msghdr msg = { .msg_name = &from, .msg_namelen = sizeof(from) };
		struct kvec iov = { .iov_base = buf, .iov_len = UDP_BUFFER };
		int n = kernel_recvmsg(udp, &msg, &iov, 1, UDP_BUFFER, 0);

		if (n < 0 && !READ_ONCE(stopping))
			msleep(100);	/* as the Rust server: do not spin on a repeating error */
		if (n < 0 || (n == 0 && !msg.msg_namelen))
			continue;
		if (msg.msg_flags & MSG_TRUNC)
			atomic_long_inc(&truncated);
		{
			struct msghdr out = { .msg_name = &from, .msg_namelen = msg.msg_namelen };
			struct kvec oiov = { .iov_base = buf, .iov_len = n };

			if (kernel_sendmsg(udp, &out, &oiov, 1, n) >= 0) {
				atomic_long_inc(&datagrams);
				atomic_long_add(n, &udp_bytes);
			}
		}
	}
	kfree(buf);
}

static int __init c_echo_init(void)
{
	struct sockaddr_storage ss;
	int len, err;

	conns = kcalloc(max_conns, sizeof(*conns), GFP_KERNEL);
	if (!conns)
		return -ENOMEM;
	len = make_addr(&ss, tcp_port);
	err = len < 0 ? len : sock_create_kern(&init_net, ss.ss_family, SOCK_STREAM, IPPROTO_TCP, &listener);
	if (err)
		goto free_conns;
	sock_set_reuseaddr(listener->sk);
	/*
	 * kernel_bind() takes a struct sockaddr_unsized in mainline and a
	 * struct sockaddr in 6.12: the storage converts to either.
	 */
	err = kernel_bind(listener, (void *)&ss, len);
	if (!err)
		err = kernel_listen(listener, backlog);
	if (err)
		goto release_listener;
	len = make_addr(&ss, udp_port);
	err = sock_create_kern(&init_net, ss.ss_family, SOCK_DGRAM, IPPROTO_UDP, &udp);
	if (err)
		goto release_listener;
	err = kernel_bind(udp, (void *)&ss, len);
	if (err)
		goto release_udp;
	/*
	 * Event-driven work items do not block: a per-CPU queue runs them one
	 * at a time per CPU and starts another worker only when one sleeps, as
	 * for nvmet-tcp's io_work. Blocking workers are not tied to a CPU.
	 * Named by mode: ps then shows which design a worker served.
	 */
	wq = events ? alloc_workqueue("c_echo_events", 0, 0) :
		      alloc_workqueue("c_echo_server", WQ_UNBOUND, 0);
	if (!wq) {
		err = -ENOMEM;
		goto release_udp;
	}
	INIT_WORK(&accept_work, events ? accept_ready_fn : accept_fn);
	if (events) {
		write_lock_bh(&listener->sk->sk_callback_lock);
		saved_listen_data_ready = listener->sk->sk_data_ready;
		listener->sk->sk_data_ready = listen_data_ready;
		write_unlock_bh(&listener->sk->sk_callback_lock);
	}
	INIT_WORK(&udp_work, udp_fn);
	queue_work(wq, &accept_work);
	queue_work(wq, &udp_work);
	pr_info("listening on %s port %u (tcp) and port %u (udp), max %u connections\n",
		address, tcp_port, udp_port, max_conns);
	return 0;

release_udp:
	sock_release(udp);
release_listener:
	sock_release(listener);
free_conns:
	kfree(conns);
	return err;
}

static void __exit c_echo_exit(void)
{
	unsigned int i;

	WRITE_ONCE(stopping, true);	/* listen_data_ready() queues nothing from now on */
	if (events) {
		write_lock_bh(&listener->sk->sk_callback_lock);
		listener->sk->sk_data_ready = saved_listen_data_ready;
		write_unlock_bh(&listener->sk->sk_callback_lock);
	}
	mutex_lock(&conns_lock);
	WRITE_ONCE(stopping, true);
	for (i = 0; i < max_conns; i++) {
		if (!conns[i])
			continue;
		if (events)
			unwatch_conn(conns[i]);
		kernel_sock_shutdown(conns[i]->sock, SHUT_RDWR);
	}
	mutex_unlock(&conns_lock);
	kernel_sock_shutdown(listener, SHUT_RDWR);
	kernel_sock_shutdown(udp, SHUT_RDWR);
	destroy_workqueue(wq);
	/* Event-driven connections whose work item did not run again. */
	for (i = 0; i < max_conns; i++) {
		if (!conns[i])
			continue;
		sock_release(conns[i]->sock);
		kfree(conns[i]->unsent);
		kfree(conns[i]);
	}
	sock_release(udp);
	sock_release(listener);
	kfree(conns);
	pr_info("unloaded: connections=%ld refused=%ld tcp_bytes=%ld datagrams=%ld udp_bytes=%ld truncated=%ld dropped=%ld\n",
		atomic_long_read(&connections), atomic_long_read(&refused),
		atomic_long_read(&tcp_bytes), atomic_long_read(&datagrams),
		atomic_long_read(&udp_bytes), atomic_long_read(&truncated),
		atomic_long_read(&dropped));
}

module_init(c_echo_init);
module_exit(c_echo_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("knet developers");
MODULE_DESCRIPTION("C twin of the Rust echo server sample, for benchmarks");
