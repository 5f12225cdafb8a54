/* SPDX-License-Identifier: MIT
 * test_daemon.c -- unit tests for the daemon's building blocks: snapshot_build (zones,
 * duplicates, failures), RCU publication (a swap waits for an online reader), listening
 * sockets (one per worker, port 0 resolved, an address in use detected despite
 * SO_REUSEPORT), sd_notify on path and abstract sockets, the worker count, and the
 * process facts of /metrics (procstat: /proc/PID/stat lines, this process's own). */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <urcu-qsbr.h>

#include "server/base/dname.h"
#include "server/base/err.h"
#include "server/config/config.h"
#include "server/ctl/procstat.h"
#include "server/daemon.h"
#include "server/listen.h"
#include "server/sdnotify.h"
#include "server/load/snapshot_build.h"
#include "server/query/snapshot.h"
#include "zones/zoneset.h"
#include "tests/unit/testlib.h"

static char *g_dir; /* a temporary folder for the whole group */

static char *write_file(const char *name, const char *text)
{
	return tl_write_file(g_dir, name, text);
}

static const char good_zone[] = "$ORIGIN t.example.\n"
                                "$TTL 60\n"
                                "@ SOA ns1 host 1 2 3 4 5\n"
                                "@ NS ns1\n"
                                "ns1 A 192.0.2.1\n"
                                "www A 192.0.2.2\n";
static const char bad_zone[] = "$ORIGIN u.example.\n"
                               "$TTL 60\n"
                               "@ SOA ns1 host 1 2 3 4 5\n"
                               "@ NS ns1\n"
                               "ns1 A 192.0.2.1\n"
                               "www A 999.0.2.2\n";

/* A configuration built by hand (cfg_load has its own tests): zones and identity. */
struct test_cfg {
	struct cfg c;
	struct cfg_zone zones[3];
};

static void add_zone(struct test_cfg *t, const char *origin, char *file, unsigned line)
{
	struct cfg_zone *z = &t->zones[t->c.n_zones++];
	assert_int_equal(dname_from_text(origin, NULL, z->name, &z->name_len), GS_OK);
	z->file = file;
	z->pos.file = "test.yaml";
	z->pos.line = line;
	t->c.zones = t->zones;
}

static void free_test_cfg(struct test_cfg *t)
{
	for (size_t i = 0; i < t->c.n_zones; i++)
		free(t->zones[i].file);
}

static void test_snapshot_build_ok(void **state)
{
	(void)state;
	struct test_cfg t = {0};
	add_zone(&t, "t.example.", write_file("t.zone", good_zone), 7);
	t.c.identity = "ns-test";
	struct diag d;
	diag_init(&d);
	struct snapshot *s = NULL;
	assert_int_equal(snapshot_build(&t.c, &d, &s), GS_OK);
	assert_non_null(s);
	assert_int_equal(d.n_errors, 0);
	assert_int_equal(s->zones.n, 1);
	assert_int_equal(s->identity_len, 7);
	assert_memory_equal(s->identity, "ns-test", 7);
	assert_true(s->loaded_at > 0);
	uint8_t q[DNAME_MAX];
	size_t qlen;
	assert_int_equal(dname_from_text("www.t.example.", NULL, q, &qlen), GS_OK);
	assert_non_null(zoneset_find(&s->zones, q));
	assert_int_equal(dname_from_text("www.other.example.", NULL, q, &qlen), GS_OK);
	assert_null(zoneset_find(&s->zones, q));
	snapshot_free(s);
	snapshot_free(NULL);
	diag_free(&d);
	free_test_cfg(&t);
}

static bool diag_contains(const struct diag *d, const char *needle)
{
	for (size_t i = 0; i < d->n; i++)
		if (strstr(d->v[i].text, needle))
			return true;
	return false;
}

/* Every zone is loaded even after one fails, so that one run reports every problem. */
static void test_snapshot_build_errors(void **state)
{
	(void)state;
	struct test_cfg t = {0};
	add_zone(&t, "u.example.", write_file("u.zone", bad_zone), 3);
	add_zone(&t, "t.example.", write_file("t.zone", good_zone), 5);
	add_zone(&t, "t.example.", write_file("t2.zone", good_zone), 9);
	struct diag d;
	diag_init(&d);
	struct snapshot *s = (struct snapshot *)&t; /* must be reset to NULL */
	assert_int_equal(snapshot_build(&t.c, &d, &s), GS_EPARSE);
	assert_null(s);
	assert_true(diag_contains(&d, "u.zone:6:"));
	assert_true(
	        diag_contains(&d, "test.yaml:9: zone t.example. is already configured at line 5"));
	diag_free(&d);
	free_test_cfg(&t);

	struct test_cfg m = {0};
	add_zone(&m, "t.example.", write_file("missing.zone", ""), 4);
	unlink(m.zones[0].file);
	diag_init(&d);
	assert_int_equal(snapshot_build(&m.c, &d, &s), GS_EIO);
	assert_null(s);
	assert_true(diag_has_errors(&d));
	diag_free(&d);
	free_test_cfg(&m);
}

static struct snapshot *build_one(void)
{
	struct test_cfg t = {0};
	add_zone(&t, "t.example.", write_file("t.zone", good_zone), 1);
	struct diag d;
	diag_init(&d);
	struct snapshot *s = NULL;
	assert_int_equal(snapshot_build(&t.c, &d, &s), GS_OK);
	diag_free(&d);
	free_test_cfg(&t);
	return s;
}

struct reader {
	/* 1: holds the old snapshot; 2: saw the new one published while still holding the
	 * old one, and is about to pass its quiescent state; -1: the swap never came. */
	atomic_int stage;
	const struct snapshot *seen;
	uint64_t seen_generation; /* read from seen after the swap */
	atomic_bool stop;
};

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	rcu_register_thread();
	r->seen = snapshot_current();
	atomic_store(&r->stage, 1);
	/* Stay online, holding the old pointer, until the writer has swapped in the new
	 * snapshot: from then on it is inside snapshot_publish, which must not return (nor
	 * free the old one) before this thread passes a quiescent state. Bounded: 10 s. */
	int i = 0;
	while (snapshot_current() == r->seen && i < 10000) {
		usleep(1000);
		i++;
	}
	if (snapshot_current() == r->seen) {
		atomic_store(&r->stage, -1);
	} else {
		/* Still readable: the writer has not freed it (ASan would catch it). */
		r->seen_generation = r->seen->generation;
		usleep(50 * 1000); /* gives a writer that does not wait time to return early */
		atomic_store(&r->stage, 2);
	}
	rcu_quiescent_state();
	while (!atomic_load(&r->stop)) {
		rcu_quiescent_state();
		usleep(1000);
	}
	rcu_unregister_thread();
	return NULL;
}

/* snapshot_publish frees the old snapshot only after every online reader has passed a
 * quiescent state: the reader below holds the old one until it sees the new one
 * published, so publish returns only after the reader's stage 2. */
static void test_snapshot_publish(void **state)
{
	(void)state;
	struct snapshot *a = build_one();
	snapshot_publish(a);
	assert_ptr_equal(snapshot_current(), a);
	assert_int_equal(snapshot_current()->generation, 1);

	struct snapshot *b = build_one();
	assert_int_equal(b->generation, 2);
	struct reader r = {0};
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, reader_main, &r), 0);
	for (int i = 0; atomic_load(&r.stage) < 1 && i < 10000; i++)
		usleep(1000);
	assert_int_equal(atomic_load(&r.stage), 1);
	assert_ptr_equal(r.seen, a);

	snapshot_publish(b); /* must wait for the reader */
	assert_int_equal(atomic_load(&r.stage), 2);
	assert_int_equal(r.seen_generation, 1);
	assert_ptr_equal(snapshot_current(), b);

	atomic_store(&r.stop, true);
	pthread_join(th, NULL);
	snapshot_publish(NULL);
	assert_null(snapshot_current());
}

static uint16_t bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

/* text without a port; the port is 0 (the config never says 0, but listen_open handles
 * it, which lets this test pick free ports). */
static void set_listen(struct cfg_listen *l, const char *text)
{
	const char *why;
	memset(l, 0, sizeof(*l));
	assert_int_equal(netaddr_parse_endpoint(text, 53, &l->ss, &l->ss_len, &why), GS_OK);
	if (l->ss.ss_family == AF_INET)
		((struct sockaddr_in *)&l->ss)->sin_port = 0;
	else
		((struct sockaddr_in6 *)&l->ss)->sin6_port = 0;
	l->pos.file = "test.yaml";
	l->pos.line = 1;
}

/* listen_open on port 0 with a few tries: the port the kernel picks for UDP may be
 * taken for TCP (another test's client connections use the ephemeral range too), which
 * a configuration naming its port never meets. */
static int listen_open_any_port(struct listen_set *ls, const struct cfg_listen *addrs, size_t n,
                                unsigned threads)
{
	int rc = GS_EIO;
	for (int i = 0; i < 20 && rc != GS_OK; i++)
		rc = listen_open(ls, addrs, n, threads);
	return rc;
}

static void test_listen(void **state)
{
	(void)state;
	struct cfg_listen addrs[2];
	set_listen(&addrs[0], "127.0.0.1");
	set_listen(&addrs[1], "[::1]");
	struct listen_set ls;
	assert_int_equal(listen_open_any_port(&ls, addrs, 2, 3), GS_OK);
	assert_int_equal(ls.n_addrs, 2);
	for (size_t i = 0; i < 2; i++) {
		assert_false(ls.addrs[i].is_wildcard);
		uint16_t port = ntohs(((struct sockaddr_in *)&ls.addrs[i].ss)->sin_port);
		assert_int_not_equal(port, 0);
		/* Every worker's sockets share the resolved port. */
		for (unsigned w = 0; w < 3; w++) {
			assert_true(ls.udp_fds[w * 2 + i] >= 0);
			assert_true(ls.tcp_fds[w * 2 + i] >= 0);
			assert_int_equal(bound_port(ls.udp_fds[w * 2 + i]), port);
			assert_int_equal(bound_port(ls.tcp_fds[w * 2 + i]), port);
		}
	}
	char text[256];
	listen_describe(&ls, text, sizeof(text));
	assert_non_null(strstr(text, "127.0.0.1:"));
	assert_non_null(strstr(text, "[::1]:"));

	/* A second set on the same address: the probe refuses it, although both would set
	 * SO_REUSEPORT as the same user. */
	struct cfg_listen again;
	memcpy(&again, &addrs[0], sizeof(again));
	memcpy(&again.ss, &ls.addrs[0].ss, sizeof(again.ss));
	struct listen_set ls2;
	assert_int_equal(listen_open(&ls2, &again, 1, 1), GS_EIO);
	listen_close(&ls);

	set_listen(&addrs[0], "0.0.0.0");
	assert_int_equal(listen_open_any_port(&ls, addrs, 1, 1), GS_OK);
	assert_true(ls.addrs[0].is_wildcard);
	listen_close(&ls);
}

static void notify_roundtrip(const char *env, const struct sockaddr_un *sun, socklen_t len)
{
	int srv = socket(AF_UNIX, SOCK_DGRAM, 0);
	assert_true(srv >= 0);
	assert_int_equal(bind(srv, (const struct sockaddr *)sun, len), 0);
	setenv("NOTIFY_SOCKET", env, 1);
	assert_int_equal(sdnotify_open(), GS_OK);
	assert_null(getenv("NOTIFY_SOCKET")); /* not passed on to children */
	assert_int_equal(sdnotify_send("READY=1\nSTATUS=test"), GS_OK);
	char buf[64] = {0};
	assert_int_equal(recv(srv, buf, sizeof(buf) - 1, MSG_DONTWAIT), 19);
	assert_string_equal(buf, "READY=1\nSTATUS=test");
	sdnotify_close();
	close(srv);
}

static void test_sdnotify(void **state)
{
	(void)state;
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/notify", g_dir);
	notify_roundtrip(sun.sun_path, &sun, sizeof(sun));
	unlink(sun.sun_path);

	char name[64];
	snprintf(name, sizeof(name), "@geosteer-test-%d", (int)getpid());
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path + 1, name + 1, strlen(name) - 1);
	notify_roundtrip(name, &sun,
	                 (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(name)));

	/* Not run by systemd: nothing to do, and that is not an error. */
	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(sdnotify_open(), GS_OK);
	assert_int_equal(sdnotify_send("READY=1"), GS_OK);
	setenv("NOTIFY_SOCKET", "relative/path", 1);
	assert_int_equal(sdnotify_open(), GS_EINVAL);
	unsetenv("NOTIFY_SOCKET");
}

static void test_thread_count(void **state)
{
	(void)state;
	struct cfg c;
	memset(&c, 0, sizeof(c));
	c.threads = 5;
	assert_int_equal(daemon_thread_count(&c), 5);
	c.threads = 0; /* auto */
	unsigned n = daemon_thread_count(&c);
	assert_true(n >= 1 && n <= DAEMON_MAX_AUTO_THREADS);
}

static void test_procstat(void **state)
{
	(void)state;
	unsigned long long cpu, start, vsize, rss;
	/* A command name with blanks and a ')' of its own: the last ')' ends it. */
	static const char line[] =
	        "4242 (a) b (c) S 1 4242 4242 0 -1 4194560 100 0 0 0 7 5 0 0 20 0 3 0 "
	        "123456 34567890 2345 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 "
	        "0 0 0 0\n";
	assert_true(procstat_parse_stat(line, &cpu, &start, &vsize, &rss));
	assert_int_equal(cpu, 12);
	assert_int_equal(start, 123456);
	assert_int_equal(vsize, 34567890);
	assert_int_equal(rss, 2345);
	/* Cut before the resident size, without a command name, a word for a number. */
	assert_false(procstat_parse_stat("4242 (x) S 1 2 3 0 -1 0 0 0 0 0 7 5 0 0 20 0 3 0 1 2\n",
	                                 &cpu, &start, &vsize, &rss));
	assert_false(procstat_parse_stat("4242 x S 1 2 3", &cpu, &start, &vsize, &rss));
	assert_false(procstat_parse_stat("4242 (x) S 1 2 x 0 -1 0 0 0 0 0 7 5 0 0 20 0 3 0 1 2 3\n",
	                                 &cpu, &start, &vsize, &rss));

	/* This process: a descriptor opened here is counted, and closed, no longer. */
	struct procstat ps;
	procstat_read(&ps);
	assert_true(ps.have_stat && ps.have_start && ps.have_fds && ps.have_max_fds);
	assert_true(ps.rss_bytes > 0 && ps.vsize_bytes >= ps.rss_bytes && ps.cpu_s >= 0);
	assert_true(ps.open_fds >= 3 && ps.open_fds <= ps.max_fds);
	time_t now = time(NULL);
	assert_true(ps.start_s <= (double)now + 1 && ps.start_s > (double)now - 3600);
	FILE *f = fopen("/dev/null", "r");
	assert_non_null(f);
	struct procstat more;
	procstat_read(&more);
	assert_int_equal(more.open_fds, ps.open_fds + 1);
	fclose(f);
	procstat_read(&more);
	assert_int_equal(more.open_fds, ps.open_fds);
}

static int group_setup(void **state)
{
	(void)state;
	g_dir = tl_tmpdir("test_daemon");
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	tl_rmtree(g_dir);
	free(g_dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_snapshot_build_ok),
	        cmocka_unit_test(test_snapshot_build_errors),
	        cmocka_unit_test(test_snapshot_publish),
	        cmocka_unit_test(test_listen),
	        cmocka_unit_test(test_sdnotify),
	        cmocka_unit_test(test_thread_count),
	        cmocka_unit_test(test_procstat),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
