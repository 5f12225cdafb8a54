/* SPDX-License-Identifier: MIT
 * check_exec.c -- exec probe: runs the check's argv ("%a" replaced by the address) in a
 * new process group; exit status 0 means up. At the timeout the whole group is killed
 * with SIGKILL; when the command exits, anything it left in its group is killed too.
 * The child is watched through a pidfd and reaped by pid, so no zombie stays behind.
 * Runs on the loop's thread (the monitor thread).
 *
 * A command can leave its process group (setsid, setpgid) and so escape that kill. With
 * check_exec_adopt_strays (monitor_start) the daemon is a child subreaper: whatever a
 * check command leaves behind becomes the daemon's child once its own parent is gone,
 * and check_exec_kill_strays kills and reaps every such child that is not a running
 * probe (after probes end, and at shutdown).
 *
 * The child is created with clone3(CLONE_PIDFD) and exit signal 0 rather than fork():
 * it then sends no SIGCHLD, and waitpid(-1) without __WALL does not see it, so a libev
 * default loop (which reaps every child with waitpid(-1) to serve ev_child) elsewhere
 * in the daemon cannot take its exit status away from us, and a SIGCHLD set to SIG_IGN
 * does not make it vanish. Between clone and execve the child only makes system calls
 * (no allocation, no locks), as after fork() in a threaded program. */
#include <config.h> /* first: _GNU_SOURCE for pipe2 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "server/base/err.h"
#include "server/base/log.h"
#include "server/base/xalloc.h"
#include "server/health/monitor.h"

/* check_exec_kill_strays: passes over /proc, and how long each waits for its kills. */
#define STRAY_PASSES  16u
#define STRAY_WAIT_MS 1000u

extern char **environ;

/* Set by check_exec_adopt_strays: orphans of our descendants become our children. */
static bool g_is_subreaper;

char **check_exec_argv(const struct health_check *c, const struct netaddr *addr)
{
	char a[NETADDR_TEXT_MAX];
	netaddr_format(addr, a);
	size_t alen = strlen(a);
	char **argv = xcalloc(c->n_command + 1, sizeof(char *));
	for (size_t i = 0; i < c->n_command; i++) {
		const char *s = c->command[i];
		size_t n = 0;
		for (const char *q = s; (q = strstr(q, "%a")) != NULL; q += 2)
			n++;
		char *out = xmalloc(strlen(s) + n * alen + 1);
		char *o = out;
		while (*s) {
			if (s[0] == '%' && s[1] == 'a') {
				memcpy(o, a, alen);
				o += alen;
				s += 2;
			} else {
				*o++ = *s++;
			}
		}
		*o = '\0';
		argv[i] = out;
	}
	return argv;
}

static void argv_free(char **argv)
{
	for (size_t i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}

/* The program to execute: argv[0] itself when it has a slash, else found on PATH.
 * NULL when there is none. Owned by the caller. */
static char *find_program(const char *name)
{
	if (strchr(name, '/'))
		return access(name, X_OK) == 0 ? xstrdup(name) : NULL;
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	size_t nlen = strlen(name);
	while (*path) {
		const char *end = strchr(path, ':');
		size_t dlen = end ? (size_t)(end - path) : strlen(path);
		char *full = xmalloc(dlen + nlen + 2);
		memcpy(full, path, dlen);
		full[dlen] = '/';
		memcpy(full + dlen + 1, name, nlen + 1);
		if (dlen > 0 && access(full, X_OK) == 0)
			return full;
		free(full);
		path += dlen + (end ? 1 : 0);
	}
	return NULL;
}

/* In the child: system calls only, then execve. Never returns. */
static void child_exec(const char *prog, char **argv, int null_fd, int out_fd, pid_t parent)
{
	setpgid(0, 0);
	/* Die with the monitor thread rather than outlive a crashed daemon. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (int s = 1; s < NSIG; s++)
		sigaction(s, &sa, NULL); /* fails harmlessly for SIGKILL, SIGSTOP */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (dup2(null_fd, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 ||
	    dup2(out_fd, STDERR_FILENO) < 0)
		_exit(127);
	syscall(SYS_close_range, 3u, ~0u, 0u);
	execve(prog, argv, environ);
	_exit(127);
}

/* Kills everything in the child's process group (the group id is the child's pid and
 * stays reserved while the child is unreaped) and the child itself, in case it has not
 * reached setpgid yet. */
static void kill_group(pid_t pid)
{
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
}

static void exec_cleanup(struct monitor_probe *p)
{
	struct ev_loop *loop = p->ml->loop;
	ev_io_stop(loop, &p->io);
	ev_io_stop(loop, &p->pid_io);
	ev_timer_stop(loop, &p->timer);
	if (p->fd >= 0)
		close(p->fd);
	if (p->pidfd >= 0)
		close(p->pidfd);
	p->fd = -1;
	p->pidfd = -1;
	p->pid = 0;
	p->running = false;
}

/* Keeps the first bytes of output, discards the rest so the child never blocks. */
static void drain_output(struct monitor_probe *p)
{
	char buf[4096];
	for (;;) {
		ssize_t n = read(p->fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0 || errno != EAGAIN) {
				ev_io_stop(p->ml->loop, &p->io);
			}
			return;
		}
		size_t room = sizeof(p->out) - 1 - p->out_len;
		size_t take = (size_t)n < room ? (size_t)n : room;
		memcpy(p->out + p->out_len, buf, take);
		p->out_len += take;
	}
}

static void on_exec_output(struct ev_loop *loop, ev_io *w, int revents)
{
	drain_output(w->data);
}

/* The first line of the output, printable characters only, into out. */
static void first_line(const struct monitor_probe *p, char *out, size_t cap)
{
	size_t k = 0;
	for (size_t i = 0; i < p->out_len && k + 1 < cap; i++) {
		char ch = p->out[i];
		if (ch == '\n' || ch == '\r')
			break;
		out[k++] = (ch >= 0x20 && ch < 0x7f) ? ch : '?';
	}
	out[k] = '\0';
}

static void on_exec_exit(struct ev_loop *loop, ev_io *w, int revents)
{
	struct monitor_probe *p = w->data;
	/* The child is a zombie now: its group id cannot be reused until it is reaped. */
	kill(-p->pid, SIGKILL);
	int status = 0;
	pid_t r;
	do {
		r = waitpid(p->pid, &status, __WALL | WNOHANG);
	} while (r < 0 && errno == EINTR);
	if (r == 0)
		return; /* spurious wake-up */
	drain_output(p);
	char line[sizeof(p->out)], text[HEALTH_RESULT_MAX];
	first_line(p, line, sizeof(line));
	const char *sep = line[0] ? ": " : "";
	bool ok = false;
	if (r < 0)
		snprintf(text, sizeof(text), "cannot wait for the command: %s", strerror(errno));
	else if (p->timed_out)
		snprintf(text, sizeof(text), "timeout after %u ms (killed with its process group)",
		         p->check->timeout_ms);
	else if (WIFEXITED(status)) {
		ok = WEXITSTATUS(status) == 0;
		snprintf(text, sizeof(text), "exit status %d%s%s", WEXITSTATUS(status), sep, line);
	} else if (WIFSIGNALED(status)) {
		snprintf(text, sizeof(text), "killed by signal %d (%s)%s%s", WTERMSIG(status),
		         strsignal(WTERMSIG(status)), sep, line);
	} else {
		snprintf(text, sizeof(text), "unexpected wait status %#x", (unsigned)status);
	}
	exec_cleanup(p);
	p->done(p, ok, text);
}

static void on_exec_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct monitor_probe *p = w->data;
	/* libev runs the timers that are due before the I/O callbacks of the same loop
	 * turn. When this thread itself was late (a loaded host, a wait for the health
	 * mutex), the command may have ended in time and its exit be waiting on the
	 * pidfd: the timeout bounds a command that hangs, not our own lateness, so an
	 * ended command counts by its exit status. */
	struct pollfd pf = {.fd = p->pidfd, .events = POLLIN};
	if (poll(&pf, 1, 0) == 1 && (pf.revents & POLLIN)) {
		on_exec_exit(loop, &p->pid_io, EV_READ);
		return;
	}
	p->timed_out = true;
	kill_group(p->pid);
	/* on_exec_exit reaps the child and reports the timeout. */
}

int check_exec_start(struct monitor_probe *p, char *text, size_t cap)
{
	int rc = GS_EIO;
	int pipefd[2] = {-1, -1}, null_fd = -1, pidfd = -1;
	char **argv = check_exec_argv(p->check, &p->addr);
	char *prog = find_program(argv[0]);
	if (!prog) {
		snprintf(text, cap, "command not found or not executable: %s", argv[0]);
		goto out;
	}
	null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null_fd < 0 || pipe2(pipefd, O_CLOEXEC) != 0) {
		snprintf(text, cap, "cannot set up the command's input/output: %s",
		         strerror(errno));
		goto out;
	}
	/* Only our end is nonblocking: the child writes to a normal, blocking pipe. */
	fcntl(pipefd[0], F_SETFL, fcntl(pipefd[0], F_GETFL) | O_NONBLOCK);
	struct clone_args args;
	memset(&args, 0, sizeof(args));
	args.flags = CLONE_PIDFD;
	args.pidfd = (uint64_t)(uintptr_t)&pidfd;
	args.exit_signal = 0; /* no SIGCHLD; invisible to waitpid(-1) */
	pid_t parent = getpid();
	long pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid == 0)
		child_exec(prog, argv, null_fd, pipefd[1], parent);
	if (pid < 0) {
		snprintf(text, cap, "cannot start the command: %s", strerror(errno));
		goto out;
	}
	/* Also from this side, so the group exists before anyone signals it. */
	setpgid((pid_t)pid, (pid_t)pid);
	p->pid = (pid_t)pid;
	p->pidfd = pidfd;
	p->fd = pipefd[0];
	pipefd[0] = -1;
	p->out_len = 0;
	p->timed_out = false;
	ev_io_init(&p->io, on_exec_output, p->fd, EV_READ);
	p->io.data = p;
	ev_io_init(&p->pid_io, on_exec_exit, p->pidfd, EV_READ);
	p->pid_io.data = p;
	ev_timer_init(&p->timer, on_exec_timeout, p->check->timeout_ms / 1000.0, 0.);
	p->timer.data = p;
	ev_io_start(p->ml->loop, &p->io);
	ev_io_start(p->ml->loop, &p->pid_io);
	ev_timer_start(p->ml->loop, &p->timer);
	p->running = true;
	rc = GS_OK;
out:
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	if (null_fd >= 0)
		close(null_fd);
	free(prog);
	argv_free(argv);
	return rc;
}

void check_exec_cancel(struct monitor_probe *p)
{
	if (!p->running)
		return;
	kill_group(p->pid);
	int status;
	while (waitpid(p->pid, &status, __WALL) < 0 && errno == EINTR)
		;
	exec_cleanup(p);
}

/* ---- Processes a check left behind. ---- */

/* Reads the parent and the process group of process pid from /proc. */
static bool read_parent(const char *pid, pid_t *ppid, pid_t *pgrp)
{
	char path[300], buf[512];
	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	/* "pid (comm) state ppid pgrp ...": comm may hold anything, ')' included. */
	const char *p = strrchr(buf, ')');
	char state;
	int pp, pg;
	if (!p || sscanf(p + 1, " %c %d %d", &state, &pp, &pg) != 3)
		return false;
	*ppid = (pid_t)pp;
	*pgrp = (pid_t)pg;
	return true;
}

static bool is_kept(pid_t pid, pid_t pgrp, const pid_t *keep, size_t n_keep)
{
	for (size_t i = 0; i < n_keep; i++)
		if (keep[i] == pid || keep[i] == pgrp)
			return true;
	return false;
}

/* One pass: SIGKILL to every child of ours not kept; their pids go to out[0 .. cap).
 * Returns how many were found (may exceed cap; the rest are found next pass). */
static size_t kill_children(const pid_t *keep, size_t n_keep, pid_t *out, size_t cap)
{
	DIR *dir = opendir("/proc");
	if (!dir)
		return 0;
	pid_t self = getpid(), own_group = getpgrp();
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(dir)) != NULL) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		pid_t ppid, pgrp;
		if (!read_parent(e->d_name, &ppid, &pgrp) || ppid != self)
			continue;
		pid_t pid = (pid_t)atoi(e->d_name);
		/* A child in our own process group is not from a check (each runs in a group
		 * of its own): one the process forked itself, say a test's server. */
		if (pgrp == own_group || is_kept(pid, pgrp, keep, n_keep))
			continue;
		kill(pid, SIGKILL);
		if (n < cap)
			out[n] = pid;
		n++;
	}
	closedir(dir);
	return n;
}

void check_exec_kill_strays(const pid_t *keep, size_t n_keep)
{
	if (!g_is_subreaper)
		return;
	/* Each pass kills our children; what they leave becomes ours as they die, and is
	 * found by the next pass. Bounded: a fork bomb outrunning us is not chased forever. */
	for (unsigned pass = 0; pass < STRAY_PASSES; pass++) {
		pid_t killed[64];
		size_t n = kill_children(keep, n_keep, killed, GS_ARRAY_LEN(killed));
		if (n == 0)
			return;
		size_t m = n < GS_ARRAY_LEN(killed) ? n : GS_ARRAY_LEN(killed);
		/* Reap them (SIGKILL is prompt; bounded in case one is stuck in the kernel). */
		for (unsigned wait_ms = 0; wait_ms < STRAY_WAIT_MS; wait_ms++) {
			size_t left = 0;
			for (size_t i = 0; i < m; i++) {
				if (!killed[i])
					continue;
				pid_t r = waitpid(killed[i], NULL, __WALL | WNOHANG);
				if (r == killed[i] || (r < 0 && errno == ECHILD))
					killed[i] = 0; /* reaped (here or by someone else) */
				else
					left++;
			}
			if (!left)
				break;
			struct timespec ms = {0, 1000000};
			nanosleep(&ms, NULL);
		}
		log_info("health: killed %zu process%s an exec check left behind", n,
		         n == 1 ? "" : "es");
	}
}

int check_exec_adopt_strays(void)
{
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
		return GS_EIO;
	g_is_subreaper = true;
	return GS_OK;
}
