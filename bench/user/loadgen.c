// SPDX-License-Identifier: GPL-2.0
/*
 * Load generator for the echo server benchmark; runs in the guest and
 * prints one JSON line per run.
 *
 *   loadgen bulk    HOST PORT BYTES          one stream, BYTES echoed
 *   loadgen rr      HOST PORT COUNT CONNS    COUNT 64-byte round trips on each of CONNS connections
 *   loadgen udp     HOST PORT COUNT SIZE     COUNT datagram round trips of SIZE bytes
 *   loadgen connect HOST PORT COUNT          COUNT x (connect, one 64-byte exchange, close)
 *   loadgen hold    HOST PORT CONNS ACTIVE COUNT [WORKQUEUE]
 *                                            CONNS connections held open, each pinged once;
 *                                            ACTIVE of them then do COUNT 64-byte round trips;
 *                                            kworkers counted are those that ran WORKQUEUE's items
 *   loadgen blk     DEV PATTERN BS QD COUNT  COUNT direct I/Os of BS bytes on the block device
 *                                            DEV, QD at a time (one thread each); PATTERN is
 *                                            read, write, randread or randwrite
 *   loadgen mkfs    DEV                      one `mke2fs -t ext2` of DEV, timed
 */
#define _GNU_SOURCE
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
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <linux/fs.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_storage target;

/*
 * Slab allocations so far, from SLUB statistics (CONFIG_SLUB_STATS): the sum
 * of alloc_fastpath and alloc_slowpath over every cache (aliases skipped).
 * Returns -1 when unavailable.
 *
 * The counter files are opened once and then reread in place: opening a file
 * allocates (the file, and the dentries and inodes of a sysfs lookup, as many
 * as the dentry cache has dropped since), which would count as the driver's.
 */
#define MAX_COUNTERS 1024
static int counter_fds[MAX_COUNTERS];
static int counters = -1;

static void open_counters(void)
{
	static const char *const names[] = { "alloc_fastpath", "alloc_slowpath" };
	DIR *d = opendir("/sys/kernel/slab");
	struct dirent *e;

	counters = 0;
	if (!d)
		return;
	while ((e = readdir(d)) && counters + 2 <= MAX_COUNTERS) {
		if (e->d_name[0] == '.' || e->d_type == DT_LNK)
			continue;
		for (int i = 0; i < 2; i++) {
			char path[512];
			int fd;

			snprintf(path, sizeof(path), "/sys/kernel/slab/%s/%s", e->d_name, names[i]);
			fd = open(path, O_RDONLY);
			if (fd >= 0)
				counter_fds[counters++] = fd;
		}
	}
	closedir(d);
}

static long long slab_allocs(void)
{
	long long sum = 0;

	if (counters < 0)
		open_counters();
	if (counters == 0)
		return -1;
	for (int i = 0; i < counters; i++) {
		char buf[64];
		int n = pread(counter_fds[i], buf, sizeof(buf) - 1, 0);

		if (n > 0) {
			buf[n] = 0;
			sum += atoll(buf);
		}
	}
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

/* A connected socket, or -1 with errno set; hold reports how far it got instead of dying. */
static int try_dial(int type)
{
	int fd = socket(target.ss_family, type, 0), one = 1;

	if (fd < 0)
		return -1;
	if (type == SOCK_STREAM)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&target, target_len) < 0) {
		int err = errno;

		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

static int dial(int type)
{
	int fd = try_dial(type);

	if (fd < 0)
		die("connect");
	return fd;
}

/* 0 once len bytes are in; -1 on EOF, error or receive timeout. */
static int try_read_exact(int fd, char *buf, size_t len)
{
	while (len) {
		ssize_t n = recv(fd, buf, len, 0);

		if (n <= 0)
			return -1;
		buf += n;
		len -= n;
	}
	return 0;
}

static void read_exact(int fd, char *buf, size_t len)
{
	if (try_read_exact(fd, buf, len))
		die("recv");
}

static int try_write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n <= 0)
			return -1;
		buf += n;
		len -= n;
	}
	return 0;
}

static void write_all(int fd, const char *buf, size_t len)
{
	if (try_write_all(fd, buf, len))
		die("send");
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

/*
 * Held connections: how a server copes with many open connections of which
 * few are busy. A server that gives every connection a thread or a work item
 * pays a stack for each, idle or not; an event-driven one pays a socket.
 */
#define HOLD_PING_SECONDS 20	/* for every connection's first round trip */
#define HOLD_RCVTIMEO 10	/* per round trip of the active phase */

/*
 * Every connection needs a descriptor, and so does every slab counter file;
 * the default soft limit is 1024.
 */
static void raise_nofile(rlim_t want)
{
	struct rlimit rl;

	want += MAX_COUNTERS;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0) {
		perror("loadgen: getrlimit RLIMIT_NOFILE");
		exit(1);
	}
	if (rl.rlim_cur >= want && rl.rlim_max >= want)
		return;
	if (rl.rlim_cur < want)
		rl.rlim_cur = want;
	if (rl.rlim_max < want)
		rl.rlim_max = want;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
		fprintf(stderr, "loadgen: cannot raise RLIMIT_NOFILE to %llu: %s\n",
			(unsigned long long)want, strerror(errno));
		exit(1);
	}
}

/*
 * Kernel memory that grows with connections, in kB: slab (sockets, work
 * items), kernel stacks (one per thread or kernel worker) and page tables.
 * Loopback puts both ends in this kernel; the client's share is the same
 * whatever the server. -1 when /proc/meminfo is unreadable.
 */
static long long kernel_kb(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256], key[64];
	long long sum = 0, kb;
	int found = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63[^:]: %lld", key, &kb) != 2)
			continue;
		if (!strcmp(key, "Slab") || !strcmp(key, "KernelStack") || !strcmp(key, "PageTables")) {
			sum += kb;
			found++;
		}
	}
	fclose(f);
	return found == 3 ? sum : -1;
}

/*
 * Kernel workers that ran work items of workqueue `wq`: a kworker's comm
 * ends in "+wq" while it runs one of its items and "-wq" after, until it
 * runs another queue's. This counts the workers a server needed, not the
 * idle ones other runs left behind. 0 without a workqueue name, -1 without
 * /proc.
 */
static int kworkers(const char *wq)
{
	DIR *d;
	struct dirent *e;
	size_t len = wq ? strlen(wq) : 0;
	int count = 0;

	if (!len)
		return 0;
	d = opendir("/proc");
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char path[300], comm[64];
		int fd, n;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", e->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;	/* exited meanwhile */
		n = read(fd, comm, sizeof(comm) - 1);
		close(fd);
		if (n <= 0)
			continue;
		comm[n] = 0;
		if (comm[n - 1] == '\n')
			comm[--n] = 0;
		if (!strncmp(comm, "kworker", 7) && (size_t)n > len &&
		    !strcmp(comm + n - len, wq) && strchr("+-", comm[n - len - 1]))
			count++;
	}
	closedir(d);
	return count;
}

/*
 * One 64-byte round trip on every connection, all in flight at once and
 * collected with epoll in this thread. Returns how many answered by the
 * deadline; got[i] == 64 marks connection i served. A server that accepts
 * but parks connections behind busy workers leaves them unanswered.
 */
static int ping_all(const int *fds, unsigned char *got, int conns)
{
	struct epoll_event ev, events[256];
	char out[64] = "knet", in[64];
	int ep = epoll_create1(EPOLL_CLOEXEC), pending = 0, served = 0;

	if (ep < 0)
		die("epoll_create1");
	for (int i = 0; i < conns; i++) {
		got[i] = 0;
		/*
		 * MSG_DONTWAIT, not O_NONBLOCK: the active phase wants these
		 * sockets blocking. 64 bytes always fit a fresh socket's
		 * buffer; a failed send means the connection is already gone.
		 */
		if (send(fds[i], out, sizeof(out), MSG_DONTWAIT | MSG_NOSIGNAL) != sizeof(out))
			continue;
		ev.events = EPOLLIN;
		ev.data.u32 = i;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev) < 0)
			die("epoll_ctl");
		pending++;
	}

	double deadline = now() + HOLD_PING_SECONDS;

	while (pending) {
		double left = deadline - now();
		int n;

		if (left <= 0)
			break;
		n = epoll_wait(ep, events, 256, (int)(left * 1000) + 1);
		if (n < 0 && errno != EINTR)
			die("epoll_wait");
		for (int k = 0; k < n; k++) {
			int i = events[k].data.u32;
			ssize_t r = recv(fds[i], in, sizeof(in) - got[i], MSG_DONTWAIT);

			if (r < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (r > 0) {
				got[i] += r;
				if (got[i] < sizeof(in))
					continue;	/* partial reply */
				served++;
			}
			/* Answered in full, or EOF or error: no more to wait for. */
			epoll_ctl(ep, EPOLL_CTL_DEL, fds[i], NULL);
			pending--;
		}
	}
	close(ep);
	return served;
}

struct active {
	int fd;
	long count;
	long done;	/* round trips completed */
	int stalled;	/* stopped early: timed out, or the connection failed */
};

static void *active_conn(void *arg)
{
	struct active *a = arg;
	char out[64] = "knet", in[64];

	for (; a->done < a->count; a->done++) {
		if (try_write_all(a->fd, out, sizeof(out)) || try_read_exact(a->fd, in, sizeof(in))) {
			a->stalled = 1;
			break;
		}
	}
	return NULL;
}

static void hold(int conns, int active, long count, const char *wq)
{
	struct timeval tv = { .tv_sec = HOLD_RCVTIMEO };
	struct linger l = { 1, 0 };
	int *fds = calloc(conns, sizeof(*fds));
	unsigned char *got = calloc(conns, 1);
	long long before, after, bytes_per_conn = -1, allocs = 0, ops = 0;
	int served, workers, w, stalled = 0, i, k;
	struct active *a;
	pthread_attr_t attr;
	pthread_t *t;
	double secs = 0;

	if (!fds || !got)
		die("calloc");
	raise_nofile((rlim_t)conns + 64);

	before = kernel_kb();
	for (i = 0; i < conns; i++) {
		fds[i] = try_dial(SOCK_STREAM);
		if (fds[i] < 0) {
			fprintf(stderr, "loadgen: hold: connect failed after %d of %d connections: %s\n",
				i, conns, strerror(errno));
			exit(1);
		}
	}
	served = ping_all(fds, got, conns);
	/* Before anything walks /proc, whose inodes and dentries are slab too. */
	after = kernel_kb();
	if (before >= 0 && after >= 0)
		bytes_per_conn = (after - before) * 1024 / conns;
	workers = kworkers(wq);

	if (active > served)
		active = served;
	a = calloc(active ? active : 1, sizeof(*a));
	t = calloc(active ? active : 1, sizeof(*t));
	if (!a || !t)
		die("calloc");
	/* Each thread its own served connection, one that answered its ping. */
	for (i = 0, k = 0; k < active; i++) {
		if (got[i] != 64)
			continue;
		a[k].fd = fds[i];
		a[k].count = count;
		/* A stuck server must not hang the run: the thread gives up and counts as stalled. */
		if (setsockopt(fds[i], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
			die("setsockopt SO_RCVTIMEO");
		k++;
	}
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	if (active) {
		allocs_begin();
		double start = now();

		for (k = 0; k < active; k++) {
			errno = pthread_create(&t[k], &attr, active_conn, &a[k]);
			if (errno)
				die("pthread_create");
		}
		for (k = 0; k < active; k++)
			pthread_join(t[k], NULL);
		secs = elapsed(start);
		allocs = allocs_end();
	}
	for (k = 0; k < active; k++) {
		ops += a[k].done;
		stalled += a[k].stalled;
	}
	/* Again while every connection is still open: workers may have grown with the load. */
	w = kworkers(wq);
	if (w > workers)
		workers = w;

	/* Reset on close: no TIME_WAIT pile-up over repeated runs. */
	for (i = 0; i < conns; i++) {
		setsockopt(fds[i], SOL_SOCKET, SO_LINGER, &l, sizeof(l));
		close(fds[i]);
	}
	printf("{\"workload\":\"hold\",\"conns\":%d,\"served\":%d,\"unserved\":%d,\"active\":%d,\"stalled\":%d,"
	       "\"ops\":%lld,\"seconds\":%.6f,\"rate\":%.3f,\"unit\":\"req/s\",\"allocs\":%lld,"
	       "\"kworkers\":%d,\"bytes_per_conn\":%lld}\n",
	       conns, served, conns - served, active, stalled, ops, secs,
	       ops && secs > 0 ? ops / secs : 0, allocs, workers, bytes_per_conn);
	pthread_attr_destroy(&attr);
	free(t);
	free(a);
	free(got);
	free(fds);
}

/* One thread of `loadgen blk`: its share of the I/Os, on its own descriptor. */
struct blk_worker {
	pthread_t thread;
	const char *dev;
	int write, random;
	long long bs, size, first, count;
	unsigned long long seed;
	int failed;
};

static void *blk_thread(void *arg)
{
	struct blk_worker *w = arg;
	int fd = open(w->dev, (w->write ? O_WRONLY : O_RDONLY) | O_DIRECT);
	void *buf;
	long long blocks = w->size / w->bs;

	if (fd < 0 || posix_memalign(&buf, 4096, w->bs)) {
		w->failed = 1;
		return NULL;
	}
	memset(buf, 0x5a, w->bs);
	for (long long i = 0; i < w->count; i++) {
		long long block;

		if (w->random) {
			/* xorshift64: the same offsets for every driver. */
			w->seed ^= w->seed << 13;
			w->seed ^= w->seed >> 7;
			w->seed ^= w->seed << 17;
			block = w->seed % blocks;
		} else {
			block = (w->first + i) % blocks;
		}
		ssize_t n = w->write ? pwrite(fd, buf, w->bs, block * w->bs) : pread(fd, buf, w->bs, block * w->bs);
		if (n != w->bs) {
			w->failed = 1;
			break;
		}
	}
	free(buf);
	close(fd);
	return NULL;
}

/* COUNT direct I/Os of BS bytes, QD threads at once; one JSON line. */
static int blk(const char *dev, const char *pattern, long long bs, int qd, long long count)
{
	int write = !strcmp(pattern, "write") || !strcmp(pattern, "randwrite");
	int random = !strncmp(pattern, "rand", 4);
	struct blk_worker w[64];
	long long size;
	int fd = open(dev, O_RDONLY);

	if (fd < 0 || ioctl(fd, BLKGETSIZE64, &size) || qd < 1 || qd > 64 || bs < 512 || size < bs * qd) {
		fprintf(stderr, "loadgen: blk needs a block device larger than QD x BS, 1 <= QD <= 64 (%s)\n", dev);
		return 1;
	}
	close(fd);
	allocs_begin();
	double t0 = now();
	for (int i = 0; i < qd; i++) {
		w[i] = (struct blk_worker){ .dev = dev, .write = write, .random = random, .bs = bs, .size = size,
					    .first = i * (size / bs / qd), .count = count / qd + (i < count % qd),
					    .seed = 0x9e3779b97f4a7c15ULL * (i + 1) };
		pthread_create(&w[i].thread, NULL, blk_thread, &w[i]);
	}
	int failed = 0;
	for (int i = 0; i < qd; i++) {
		pthread_join(w[i].thread, NULL);
		failed |= w[i].failed;
	}
	double secs = now() - t0;
	long long allocs = allocs_end();
	if (failed) {
		fprintf(stderr, "loadgen: an I/O on %s failed\n", dev);
		return 1;
	}
	printf("{\"workload\":\"blk\",\"ops\":%lld,\"seconds\":%.6f,\"rate\":%.3f,\"unit\":\"%s\",\"allocs\":%lld}\n",
	       count, secs, bs >= (1 << 20) ? count * bs / secs / (1 << 20) : count / secs,
	       bs >= (1 << 20) ? "MiB/s" : "IOPS", allocs);
	return 0;
}

/* One mke2fs of DEV: its rate is runs per second, its operations the one run. */
static int mkfs(const char *dev)
{
	allocs_begin();
	double t0 = now();
	pid_t pid = fork();
	if (pid == 0) {
		execl("/usr/sbin/mke2fs", "mke2fs", "-q", "-F", "-t", "ext2", dev, (char *)NULL);
		_exit(127);
	}
	int status;
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "loadgen: mke2fs %s failed\n", dev);
		return 1;
	}
	double secs = now() - t0;
	long long allocs = allocs_end();
	printf("{\"workload\":\"mkfs\",\"ops\":1,\"seconds\":%.6f,\"rate\":%.3f,\"unit\":\"runs/s\",\"allocs\":%lld}\n",
	       secs, 1 / secs, allocs);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 7 && !strcmp(argv[1], "blk"))
		return blk(argv[2], argv[3], atoll(argv[4]), atoi(argv[5]), atoll(argv[6]));
	if (argc == 3 && !strcmp(argv[1], "mkfs"))
		return mkfs(argv[2]);
	if (argc < 5 || (!strcmp(argv[1], "hold") && argc < 7)) {
		fprintf(stderr, "usage: loadgen bulk|rr|udp|connect HOST PORT N [M]\n"
				"       loadgen hold HOST PORT CONNS ACTIVE COUNT [WORKQUEUE]\n"
				"       loadgen blk DEV read|write|randread|randwrite BS QD COUNT\n"
				"       loadgen mkfs DEV\n");
		return 2;
	}
	resolve(argv[2], atoi(argv[3]));
	long n = atol(argv[4]);
	int m = argc > 5 ? atoi(argv[5]) : 1;

	if (!strcmp(argv[1], "hold")) {
		int active = atoi(argv[5]);
		long count = atol(argv[6]);

		if (n < 1 || n > 1000000 || active < 0 || count < 0) {
			fprintf(stderr, "loadgen: hold needs 1 <= CONNS <= 1000000, ACTIVE >= 0, COUNT >= 0\n");
			return 2;
		}
		hold(n, active, count, argc > 7 ? argv[7] : NULL);
	} else if (!strcmp(argv[1], "bulk"))
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
