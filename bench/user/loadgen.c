// SPDX-License-Identifier: GPL-2.0
/*
 * Load generator for the echo server benchmark; runs in the guest and
 * prints one JSON line per run.
 *
 *   loadgen bulk    HOST PORT BYTES          one stream, BYTES echoed
 *   loadgen rr      HOST PORT COUNT CONNS    COUNT 64-byte round trips on each of CONNS connections
 *   loadgen udp     HOST PORT COUNT SIZE     COUNT datagram round trips of SIZE bytes
 *   loadgen connect HOST PORT COUNT          COUNT x (connect, one 64-byte exchange, close)
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_storage target;

/*
 * Slab allocations so far, from SLUB statistics (CONFIG_SLUB_STATS): the sum
 * of alloc_fastpath and alloc_slowpath over every cache (aliases skipped).
 * Returns -1 when unavailable.
 */
static long long slab_allocs(void)
{
	static const char *const counters[] = { "alloc_fastpath", "alloc_slowpath" };
	DIR *d = opendir("/sys/kernel/slab");
	struct dirent *e;
	long long sum = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || e->d_type == DT_LNK)
			continue;
		for (int i = 0; i < 2; i++) {
			char path[512], buf[64];
			int fd, n;

			snprintf(path, sizeof(path), "/sys/kernel/slab/%s/%s", e->d_name, counters[i]);
			fd = open(path, O_RDONLY);
			if (fd < 0)
				continue;
			n = read(fd, buf, sizeof(buf) - 1);
			close(fd);
			if (n > 0) {
				buf[n] = 0;
				sum += atoll(buf);
			}
		}
	}
	closedir(d);
	return sum;
}

/* Allocations of the measured run: the delta minus what reading the counters costs. */
static long long allocs_start, allocs_overhead;

static void allocs_begin(void)
{
	long long a = slab_allocs(), b = slab_allocs();

	allocs_overhead = b - a;
	allocs_start = slab_allocs();
}

static long long allocs_end(void)
{
	long long end = slab_allocs();

	return allocs_start < 0 ? -1 : end - allocs_start - allocs_overhead;
}
static socklen_t target_len;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Seconds since start, at least one tick of the clock. Under plain TCG the
 * guest cannot calibrate its TSC (no HPET or PM timer without ACPI), so its
 * clock is jiffies (4 ms) and a smoke-sized run can end within one tick.
 */
static double elapsed(double start)
{
	struct timespec res;
	double secs = now() - start;

	clock_getres(CLOCK_MONOTONIC, &res);
	double tick = res.tv_sec + res.tv_nsec / 1e9;
	return secs > tick ? secs : tick;
}

static void die(const char *what)
{
	fprintf(stderr, "loadgen: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void resolve(const char *host, int port)
{
	struct sockaddr_in *a = (struct sockaddr_in *)&target;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&target;

	memset(&target, 0, sizeof(target));
	if (inet_pton(AF_INET, host, &a->sin_addr) == 1) {
		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		target_len = sizeof(*a);
	} else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		target_len = sizeof(*a6);
	} else {
		fprintf(stderr, "loadgen: bad address %s\n", host);
		exit(2);
	}
}

static int dial(int type)
{
	int fd = socket(target.ss_family, type, 0), one = 1;

	if (fd < 0)
		die("socket");
	if (type == SOCK_STREAM)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&target, target_len) < 0)
		die("connect");
	return fd;
}

static void read_exact(int fd, char *buf, size_t len)
{
	while (len) {
		ssize_t n = recv(fd, buf, len, 0);

		if (n <= 0)
			die("recv");
		buf += n;
		len -= n;
	}
}

static void write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n <= 0)
			die("send");
		buf += n;
		len -= n;
	}
}

struct bulk { int fd; long long bytes; };

static void *bulk_sender(void *arg)
{
	struct bulk *b = arg;
	static char buf[65536];

	for (long long left = b->bytes; left > 0; left -= sizeof(buf))
		write_all(b->fd, buf, left < (long long)sizeof(buf) ? left : sizeof(buf));
	shutdown(b->fd, SHUT_WR);
	return NULL;
}

static void bulk(long long bytes)
{
	static char buf[65536];
	struct bulk b = { dial(SOCK_STREAM), bytes };
	long long got = 0;
	pthread_t t;
	ssize_t n;

	allocs_begin();
	double start = now();
	pthread_create(&t, NULL, bulk_sender, &b);
	while (got < bytes && (n = recv(b.fd, buf, sizeof(buf), 0)) > 0)
		got += n;
	pthread_join(t, NULL);
	double secs = elapsed(start);
	long long allocs = allocs_end();
	if (got != bytes) {
		fprintf(stderr, "loadgen: bulk echoed %lld of %lld bytes\n", got, bytes);
		exit(1);
	}
	close(b.fd);
	/* One operation is one 64 KiB chunk each way. */
	printf("{\"workload\":\"bulk\",\"ops\":%lld,\"seconds\":%.6f,\"rate\":%.3f,\"unit\":\"MiB/s\",\"allocs\":%lld}\n",
	       bytes / 65536, secs, bytes / secs / (1 << 20), allocs);
}

struct rr { long count; };

static void *rr_conn(void *arg)
{
	struct rr *r = arg;
	char out[64] = "knet", in[64];
	int fd = dial(SOCK_STREAM);

	for (long i = 0; i < r->count; i++) {
		write_all(fd, out, sizeof(out));
		read_exact(fd, in, sizeof(in));
	}
	close(fd);
	return NULL;
}

static void rr(long count, int conns)
{
	pthread_t t[256];
	struct rr r = { count };

	allocs_begin();
	double start = now();

	if (conns < 1 || conns > 256)
		conns = 1;
	for (int i = 0; i < conns; i++)
		pthread_create(&t[i], NULL, rr_conn, &r);
	for (int i = 0; i < conns; i++)
		pthread_join(t[i], NULL);
	double secs = elapsed(start);
	long long allocs = allocs_end();
	long ops = count * conns;
	printf("{\"workload\":\"rr\",\"conns\":%d,\"ops\":%ld,\"seconds\":%.6f,\"rate\":%.3f,\"unit\":\"req/s\",\"latency_us\":%.3f,\"allocs\":%lld}\n",
	       conns, ops, secs, ops / secs, secs / count * 1e6, allocs);
}

static void udp(long count, int size)
{
	static char out[65536], in[65536];
	int fd = dial(SOCK_DGRAM);
	struct timeval tv = { .tv_sec = 5 };
	long lost = 0;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	allocs_begin();
	double start = now();
	for (long i = 0; i < count; i++) {
		if (send(fd, out, size, 0) != size)
			die("send");
		if (recv(fd, in, sizeof(in), 0) != size)
			lost++;
	}
	double secs = elapsed(start);
	long long allocs = allocs_end();
	printf("{\"workload\":\"udp\",\"size\":%d,\"ops\":%ld,\"seconds\":%.6f,\"rate\":%.3f,\"unit\":\"datagram/s\",\"lost\":%ld,\"allocs\":%lld}\n",
	       size, count, secs, count / secs, lost, allocs);
	if (lost)
		exit(1);
}

static void connect_rate(long count)
{
	char out[64] = "knet", in[64];
	struct linger l = { 1, 0 };

	allocs_begin();
	double start = now();

	for (long i = 0; i < count; i++) {
		int fd = dial(SOCK_STREAM);

		write_all(fd, out, sizeof(out));
		read_exact(fd, in, sizeof(in));
		/* Reset on close: no TIME_WAIT pile-up over thousands of connections. */
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
		close(fd);
	}
	double secs = elapsed(start);
	long long allocs = allocs_end();
	printf("{\"workload\":\"connect\",\"ops\":%ld,\"seconds\":%.6f,\"rate\":%.3f,\"unit\":\"conn/s\",\"allocs\":%lld}\n",
	       count, secs, count / secs, allocs);
}

int main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr, "usage: loadgen bulk|rr|udp|connect HOST PORT N [M]\n");
		return 2;
	}
	resolve(argv[2], atoi(argv[3]));
	long n = atol(argv[4]);
	int m = argc > 5 ? atoi(argv[5]) : 1;

	if (!strcmp(argv[1], "bulk"))
		bulk(n);
	else if (!strcmp(argv[1], "rr"))
		rr(n, m);
	else if (!strcmp(argv[1], "udp"))
		udp(n, m);
	else if (!strcmp(argv[1], "connect"))
		connect_rate(n);
	else
		return 2;
	return 0;
}
