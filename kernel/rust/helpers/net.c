// SPDX-License-Identifier: GPL-2.0

#include <linux/net.h>
#include <linux/nsproxy.h>
#include <linux/sched.h>
#include <linux/sockptr.h>
#include <net/ipv6.h>
#include <net/net_namespace.h>
#include <net/sock.h>

struct net *rust_helper_get_net(struct net *net)
{
	return get_net(net);
}

void rust_helper_put_net(struct net *net)
{
	put_net(net);
}

/*
 * The current task's network namespace with a reference taken, or NULL once
 * the task is exiting and has dropped its namespaces.
 */
struct net *rust_helper_get_current_net(void)
{
	struct nsproxy *nsproxy = current->nsproxy;

	return nsproxy ? get_net(nsproxy->net_ns) : NULL;
}

/* Socket options with kernel buffers: sockptr_t is built here, not in Rust. */
int rust_helper_sock_setsockopt_kernel(struct socket *sock, int level,
				       int optname, void *optval,
				       unsigned int optlen)
{
	return do_sock_setsockopt(sock, false, level, optname,
				  KERNEL_SOCKPTR(optval), optlen);
}

int rust_helper_sock_getsockopt_kernel(struct socket *sock, int optname,
				       void *optval, int *optlen)
{
	return do_sock_getsockopt(sock, false, SOL_SOCKET, optname,
				  KERNEL_SOCKPTR(optval),
				  KERNEL_SOCKPTR(optlen));
}

bool rust_helper_sk_is_inet(const struct sock *sk)
{
	return sk_is_inet(sk);
}

bool rust_helper_sk_is_tcp(const struct sock *sk)
{
	return sk_is_tcp(sk);
}

struct net *rust_helper_sock_net(const struct sock *sk)
{
	return sock_net(sk);
}

size_t rust_helper_msg_data_left(struct msghdr *msg)
{
	return msg_data_left(msg);
}
