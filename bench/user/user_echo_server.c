// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace twin of the echo server samples, for the benchmark: TCP echo
 * with one thread per connection and UDP echo in one thread, like the
 * kernel servers' one work item per connection. With "epoll", TCP is
 * served instead from one thread with an epoll loop, like the kernel
 * servers' event-driven mode, for the held-connections workload.
 *
 * usage: user_echo_server PORT [epoll]   (TCP and UDP, IPv4 and IPv6 on [::])
 */
#define _GNU_SOURCE	/* accept4 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define TCP_BUFFER (16 * 1024)
#define UDP_BUFFER 65536
#define NOFILE 65536		/* room for 10,000 connections and then some */
#define EPOLL_BACKLOG 1024	/* the kernel servers' backlog in the same workload */

static void *conn_thread(void *arg)
{
	int fd = (int)(long)arg;
	static __thread char buf[TCP_BUFFER];
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) {
		for (ssize_t off = 0; off < n;) {
			ssize_t w = send(fd, buf + off, n - off, MSG_NOSIGNAL);
			if (w <= 0)
				goto out;
			off += w;
		}
	}
out:
	close(fd);
	return NULL;
}

static void *udp_thread(void *arg)
{
	int fd = (int)(long)arg;
	static char buf[UDP_BUFFER];

	for (;;) {
		struct sockaddr_storage from;
		socklen_t len = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len);

		if (n >= 0)
			sendto(fd, buf, n, 0, (struct sockaddr *)&from, len);
	}
	return NULL;
}

static int bound(int type, int port)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(port), .sin6_addr = in6addr_any };
	int fd = socket(AF_INET6, type, 0), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		return -1;
	return fd;
}

/*
 * Bytes a connection could not send yet, kept until EPOLLOUT; indexed by
 * descriptor. An idle connection costs its slot here and nothing else: the
 * read buffer is shared.
 */
struct unsent {
	char *buf;
	size_t off, len;
};

static struct unsent *unsent;
static int unsent_slots;

static struct unsent *unsent_of(int fd)
{
	if (fd >= unsent_slots) {
		int slots = unsent_slots ? unsent_slots : 1024;
		struct unsent *u;

		while (slots <= fd)
			slots *= 2;
		u = realloc(unsent, slots * sizeof(*u));
		if (!u) {
			perror("user_echo_server: realloc");
			exit(1);
		}
		memset(u + unsent_slots, 0, (slots - unsent_slots) * sizeof(*u));
		unsent = u;
		unsent_slots = slots;
	}
	return &unsent[fd];
}

/* Frees the slot's bytes: all sent, or the connection is gone. */
static void forget_unsent(struct unsent *u)
{
	free(u->buf);
	u->buf = NULL;
	u->off = u->len = 0;
}

static void drop(int fd)
{
	forget_unsent(unsent_of(fd));
	close(fd);	/* also leaves the epoll set: the descriptor is not shared */
}

/* Sends what can be sent without blocking; -1 when the connection failed. */
static ssize_t send_some(int fd, const char *buf, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t w = send(fd, buf + off, len - off, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (w < 0)
			return -1;
		off += w;
	}
	return off;
}

static void wait_for(int ep, int fd, unsigned int events)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };

	epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
}

/*
 * Echoes until the socket has nothing more to read. While bytes are unsent
 * the connection waits for EPOLLOUT and is not read: the peer's sends then
 * stall on TCP flow control rather than on our memory.
 */
static void serve(int ep, int fd)
{
	static char buf[TCP_BUFFER];
	struct unsent *u = unsent_of(fd);
	ssize_t n, w;

	if (u->len) {
		w = send_some(fd, u->buf + u->off, u->len - u->off);
		if (w < 0)
			goto out;
		u->off += w;
		if (u->off < u->len)
			return;
		forget_unsent(u);
		wait_for(ep, fd, EPOLLIN);
	}
	for (;;) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0)
			goto out;	/* EOF or error */
		w = send_some(fd, buf, n);
		if (w < 0)
			goto out;
		if (w < n) {
			u->buf = malloc(n - w);
			if (!u->buf)
				goto out;
			memcpy(u->buf, buf + w, n - w);
			u->len = n - w;
			wait_for(ep, fd, EPOLLOUT);
			return;
		}
	}
out:
	drop(fd);
}

static void accept_all(int ep, int lfd)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct epoll_event ev = { .events = EPOLLIN };

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			/*
			 * EAGAIN: the queue is empty. Anything else (EMFILE)
			 * leaves the listener readable; retry on the next event.
			 */
			return;
		}
		ev.data.fd = fd;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
			close(fd);
	}
}

static void epoll_loop(int lfd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = lfd }, events[256];
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0 || fcntl(lfd, F_SETFL, fcntl(lfd, F_GETFL) | O_NONBLOCK) < 0 ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) < 0) {
		perror("user_echo_server: epoll");
		exit(1);
	}
	for (;;) {
		int n = epoll_wait(ep, events, 256, -1);

		if (n < 0 && errno != EINTR) {
			perror("user_echo_server: epoll_wait");
			exit(1);
		}
		for (int i = 0; i < n; i++) {
			if (events[i].data.fd == lfd)
				accept_all(ep, lfd);
			else
				serve(ep, events[i].data.fd);
		}
	}
}

/*
 * The default soft limit (1024) would cap either mode far below 10,000
 * connections. Raising the hard limit needs root, as in the guest; without
 * it take what the hard limit allows.
 */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= NOFILE)
		return;
	if (rl.rlim_max < NOFILE) {
		struct rlimit want = { NOFILE, NOFILE };

		if (!setrlimit(RLIMIT_NOFILE, &want))
			return;
		rl.rlim_cur = rl.rlim_max;
	} else {
		rl.rlim_cur = NOFILE;
	}
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		perror("user_echo_server: setrlimit RLIMIT_NOFILE");
}

int main(int argc, char **argv)
{
	int port = argc > 1 ? atoi(argv[1]) : 9;
	int use_epoll = argc > 2 && !strcmp(argv[2], "epoll");
	int lfd = bound(SOCK_STREAM, port), ufd = bound(SOCK_DGRAM, port);
	pthread_attr_t attr;
	pthread_t t;

	if (argc > 2 && !use_epoll) {
		fprintf(stderr, "usage: user_echo_server PORT [epoll]\n");
		return 2;
	}
	raise_nofile();
	if (lfd < 0 || ufd < 0 || listen(lfd, use_epoll ? EPOLL_BACKLOG : 64) < 0) {
		perror("user_echo_server");
		return 1;
	}
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	pthread_create(&t, &attr, udp_thread, (void *)(long)ufd);
	printf("user_echo_server: listening on port %d\n", port);
	fflush(stdout);
	if (use_epoll)
		epoll_loop(lfd);
	for (;;) {
		int fd = accept(lfd, NULL, NULL);

		if (fd >= 0 && pthread_create(&t, &attr, conn_thread, (void *)(long)fd))
			close(fd);
	}
}
