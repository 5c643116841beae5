// SPDX-License-Identifier: GPL-2.0

#include <linux/net.h>
#include <linux/nsproxy.h>
#include <linux/sched.h>
#include <linux/sockptr.h>
#include <net/net_namespace.h>
#include <net/sock.h>

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

#endif /* CONFIG_NET */
