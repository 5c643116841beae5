// SPDX-License-Identifier: GPL-2.0

#include <linux/net.h>
#include <linux/nsproxy.h>
#include <linux/sched/mm.h>
#include <linux/sched.h>
#include <linux/sockptr.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include <net/udp.h>

#ifdef CONFIG_NET

__rust_helper struct net *rust_helper_get_net(struct net *net)
{
	return get_net(net);
}

__rust_helper void rust_helper_put_net(struct net *net)
{
	put_net(net);
}

/*
 * The current task's network namespace with a reference taken, or NULL once
 * the task is exiting and has dropped its namespaces.
 */
__rust_helper struct net *rust_helper_get_current_net(void)
{
	struct nsproxy *nsproxy = current->nsproxy;

	return nsproxy ? get_net(nsproxy->net_ns) : NULL;
}

/* Socket options with kernel buffers: sockptr_t is built here, not in Rust. */
__rust_helper int
rust_helper_sock_setsockopt_kernel(struct socket *sock, int level, int optname,
				   void *optval, unsigned int optlen)
{
	return do_sock_setsockopt(sock, false, level, optname,
				  KERNEL_SOCKPTR(optval), optlen);
}

__rust_helper int
rust_helper_sock_getsockopt_kernel(struct socket *sock, int optname,
				   void *optval, int *optlen)
{
	return do_sock_getsockopt(sock, false, SOL_SOCKET, optname,
				  KERNEL_SOCKPTR(optval),
				  KERNEL_SOCKPTR(optlen));
}

__rust_helper bool rust_helper_sk_is_inet(const struct sock *sk)
{
	return sk_is_inet(sk);
}

__rust_helper bool rust_helper_sk_is_tcp(const struct sock *sk)
{
	return sk_is_tcp(sk);
}

__rust_helper struct net *rust_helper_sock_net(const struct sock *sk)
{
	return sock_net(sk);
}

__rust_helper size_t rust_helper_msg_data_left(struct msghdr *msg)
{
	return msg_data_left(msg);
}

/* A namespace's reference count, for the tests that check references are given back. */
__rust_helper int rust_helper_net_ref_read(const struct net *net)
{
	return ns_ref_read(net);
}

/*
 * What a kernel socket, which has no file, is ready for. Every proto_ops::poll
 * reachable from kernel::net ignores the file when given no poll table,
 * except udp_poll(), which reads the file's O_NONBLOCK to hide datagrams with
 * bad checksums from blocking readers: for UDP this is udp_poll()'s answer for
 * a non-blocking file.
 */
__rust_helper __poll_t rust_helper_kernel_sock_poll(struct socket *sock)
{
	struct sock *sk = sock->sk;
	__poll_t mask;

	if (sock->ops->poll != udp_poll)
		return sock->ops->poll(NULL, sock, NULL);

	mask = datagram_poll(NULL, sock, NULL);
	if (!skb_queue_empty_lockless(&udp_sk(sk)->reader_queue) ||
	    sk_is_readable(sk))
		mask |= EPOLLIN | EPOLLRDNORM;
	return mask;
}

/*
 * Fields of struct sock past its first cache lines are reached through these:
 * bindgen's layout of struct sock is not reliable there (on a lockdep and
 * KASAN configuration its idea of sk_callback_lock was 64 bytes off).
 */
__rust_helper u16 rust_helper_sk_protocol(const struct sock *sk)
{
	return sk->sk_protocol;
}

__rust_helper rwlock_t *rust_helper_sk_callback_lock(struct sock *sk)
{
	return &sk->sk_callback_lock;
}

/* The callbacks, in the order data_ready, write_space, state_change, error_report. */
__rust_helper void rust_helper_sk_get_callbacks(const struct sock *sk,
						void (*cbs[4])(struct sock *sk))
{
	cbs[0] = sk->sk_data_ready;
	cbs[1] = sk->sk_write_space;
	cbs[2] = sk->sk_state_change;
	cbs[3] = sk->sk_error_report;
}

__rust_helper void rust_helper_sk_set_callbacks(struct sock *sk,
						void (*const cbs[4])(struct sock *sk))
{
	sk->sk_data_ready = cbs[0];
	sk->sk_write_space = cbs[1];
	sk->sk_state_change = cbs[2];
	sk->sk_error_report = cbs[3];
}

__rust_helper wait_queue_head_t *rust_helper_sk_sleep(struct sock *sk)
{
	return sk_sleep(sk);
}

/* Wakes every waiter of the socket, if it still has one (sock_def_wakeup()). */
__rust_helper void rust_helper_sk_wake_up_all(struct sock *sk)
{
	struct socket_wq *wq;

	rcu_read_lock();
	wq = rcu_dereference(sk->sk_wq);
	if (wq)
		wake_up_interruptible_all(&wq->wait);
	rcu_read_unlock();
}

/* sk_callback_lock, which guards a socket's callbacks and sk_user_data. */
__rust_helper void rust_helper_read_lock_bh(rwlock_t *lock)
{
	read_lock_bh(lock);
}

__rust_helper void rust_helper_read_unlock_bh(rwlock_t *lock)
{
	read_unlock_bh(lock);
}

__rust_helper void rust_helper_write_lock_bh(rwlock_t *lock)
{
	write_lock_bh(lock);
}

__rust_helper void rust_helper_write_unlock_bh(rwlock_t *lock)
{
	write_unlock_bh(lock);
}

__rust_helper void *
rust_helper___locked_read_sk_user_data_with_flags(const struct sock *sk,
						  uintptr_t flags)
{
	return __locked_read_sk_user_data_with_flags(sk, flags);
}

__rust_helper void
rust_helper___rcu_assign_sk_user_data_with_flags(struct sock *sk, void *ptr,
						 uintptr_t flags)
{
	__rcu_assign_sk_user_data_with_flags(sk, ptr, flags);
}

/*
 * A socket that block I/O depends on (a network block device, swap over the
 * network) must make progress under memory pressure, as nbd.c sets it up: its
 * allocations do not recurse into I/O and may use the memalloc reserves, and
 * it does not use the task's page fragment, which reclaim may enter while the
 * task holds it. Under the socket lock, as the allocation flags are read with
 * it held.
 */
__rust_helper void rust_helper_sk_set_memalloc_noio(struct sock *sk)
{
	lock_sock(sk);
	sk->sk_allocation = GFP_NOIO;
	sk->sk_use_task_frag = false;
	sk_set_memalloc(sk);
	release_sock(sk);
}

/* Undoes the memalloc part, which counts in a static key, before the socket goes. */
__rust_helper void rust_helper_sk_clear_memalloc_locked(struct sock *sk)
{
	lock_sock(sk);
	sk_clear_memalloc(sk);
	release_sock(sk);
}

__rust_helper unsigned int rust_helper_memalloc_noreclaim_save(void)
{
	return memalloc_noreclaim_save();
}

__rust_helper void rust_helper_memalloc_noreclaim_restore(unsigned int flags)
{
	memalloc_noreclaim_restore(flags);
}

#endif /* CONFIG_NET */
