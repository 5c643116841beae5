// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace twin of the echo server samples, for the benchmark: TCP echo
 * with one thread per connection and UDP echo in one thread, like the
 * kernel servers' one work item per connection.
 *
 * usage: user_echo_server PORT   (TCP and UDP, IPv4 and IPv6 on [::])
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define TCP_BUFFER (16 * 1024)
#define UDP_BUFFER 65536

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

int main(int argc, char **argv)
{
	int port = argc > 1 ? atoi(argv[1]) : 9;
	int lfd = bound(SOCK_STREAM, port), ufd = bound(SOCK_DGRAM, port);
	pthread_attr_t attr;
	pthread_t t;

	if (lfd < 0 || ufd < 0 || listen(lfd, 64) < 0) {
		perror("user_echo_server");
		return 1;
	}
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	pthread_create(&t, &attr, udp_thread, (void *)(long)ufd);
	printf("user_echo_server: listening on port %d\n", port);
	fflush(stdout);
	for (;;) {
		int fd = accept(lfd, NULL, NULL);

		if (fd >= 0 && pthread_create(&t, &attr, conn_thread, (void *)(long)fd))
			close(fd);
	}
}
