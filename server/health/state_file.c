/* SPDX-License-Identifier: MIT
 * state_file.c -- override persistence (state_file.h): the state file's format, its
 * crash-safe replacement, the clean-up of an interrupted write and the check of its
 * location, and the saver that orders racing writes. Called by health.c (rendering under
 * its mutex, writing after it), and by start-up and --check. */
#include <config.h> /* first: _GNU_SOURCE for open_memstream */

#include "server/health/state_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/base/err.h"
#include "server/base/hex.h"
#include "server/base/log.h"
#include "server/base/rfile.h"
#include "server/base/xalloc.h"

static bool must_encode(unsigned char c)
{
	return c <= 0x20 || c == 0x7f || c == '%';
}

bool state_file_encode(const char *text, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t k = 0;
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		size_t need = must_encode(*p) ? 3 : 1;
		if (k + need >= cap)
			return false;
		if (need == 1) {
			out[k++] = (char)*p;
		} else {
			out[k++] = '%';
			out[k++] = hex[*p >> 4];
			out[k++] = hex[*p & 15];
		}
	}
	if (k >= cap)
		return false;
	out[k] = '\0';
	return true;
}

bool state_file_decode(const char *text, char *out, size_t cap)
{
	size_t k = 0;
	for (const char *p = text; *p; p++) {
		int c = (unsigned char)*p;
		if (c == '%') {
			int hi = hex_digit_value(p[1]), lo = hi < 0 ? -1 : hex_digit_value(p[2]);
			if (lo < 0)
				return false;
			c = hi * 16 + lo;
			p += 2;
		}
		if (c == 0 || k + 1 >= cap)
			return false;
		out[k++] = (char)c;
	}
	if (k >= cap)
		return false;
	out[k] = '\0';
	return true;
}

/* Parses a whole number of at least min into *out. */
static bool parse_count(const char *text, long long min, long long *out)
{
	if (*text < '0' || *text > '9')
		return false;
	errno = 0;
	char *end;
	long long v = strtoll(text, &end, 10);
	if (errno || *end || v < min)
		return false;
	*out = v;
	return true;
}

/* Takes the optional KEY=VALUE field f into sf (reason decoded into rbuf). Returns NULL,
 * or why the line is ignored. Unknown keys are skipped. */
static const char *parse_field(char *f, struct state_force *sf, char *rbuf, size_t rcap)
{
	char *eq = strchr(f, '=');
	*eq = '\0';
	const char *v = eq + 1;
	if (strcmp(f, "until") == 0 && !parse_count(v, 1, &sf->until))
		return "bad until= (expected UNIX seconds)";
	if (strcmp(f, "at") == 0 && !parse_count(v, 1, &sf->at))
		return "bad at= (expected UNIX seconds)";
	if (strcmp(f, "by") == 0 && !parse_count(v, 0, &sf->by))
		return "bad by= (expected a uid)";
	if (strcmp(f, "reason") == 0) {
		if (!state_file_decode(v, rbuf, rcap))
			return "bad reason= (percent-encoding, or too long)";
		for (const char *p = rbuf; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				return "bad reason= (control character)";
		sf->reason = rbuf;
	}
	if (strcmp(f, "node") == 0) {
		size_t len = strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		                       "0123456789-_.");
		if (len == 0 || len > 63 || v[len])
			return "bad node= (expected a fleet node name)";
		sf->node = v; /* in the line, which outlives the callback */
	}
	return NULL;
}

/* Splits one line into its fields and hands a well-formed force to fn. */
static void parse_line(struct srcpos pos, char *line, state_file_force_fn fn, void *arg,
                       struct diag *d)
{
	char *fields[3 + STATE_FILE_FIELDS_MAX];
	size_t n = 0;
	char *save = NULL;
	for (char *tok = strtok_r(line, " \t\r", &save); tok;
	     tok = strtok_r(NULL, " \t\r", &save)) {
		if (n == GS_ARRAY_LEN(fields)) {
			n++;
			break;
		}
		fields[n++] = tok;
	}
	if (n == 0 || fields[0][0] == '#')
		return;
	bool extra_ok = n >= 3 && n <= GS_ARRAY_LEN(fields);
	for (size_t i = 3; extra_ok && i < n; i++)
		extra_ok = strchr(fields[i], '=') != NULL && fields[i][0] != '=';
	if (!extra_ok) {
		diag_warn(d, pos,
		          "state file: expected 'dc NAME up|down' or 'addr ADDRESS up|down', "
		          "line ignored");
		return;
	}
	struct state_force sf = {.is_down = strcmp(fields[2], "down") == 0, .by = -1};
	if (!sf.is_down && strcmp(fields[2], "up") != 0) {
		diag_warn(d, pos, "state file: bad state '%s' (expected up or down), line ignored",
		          fields[2]);
		return;
	}
	if (strcmp(fields[0], "dc") == 0) {
		sf.dc = fields[1];
	} else if (strcmp(fields[0], "addr") == 0) {
		if (netaddr_parse(fields[1], &sf.addr) != GS_OK) {
			diag_warn(d, pos, "state file: bad address '%s', line ignored", fields[1]);
			return;
		}
	} else {
		diag_warn(d, pos,
		          "state file: unknown keyword '%s' (expected dc or addr), line ignored",
		          fields[0]);
		return;
	}
	char reason[STATE_FILE_REASON_MAX];
	for (size_t i = 3; i < n; i++) {
		const char *why = parse_field(fields[i], &sf, reason, sizeof(reason));
		if (why) {
			diag_warn(d, pos, "state file: %s, line ignored", why);
			return;
		}
	}
	const char *why = fn(arg, &sf);
	if (why)
		diag_warn(d, pos, "state file: %s, line ignored", why);
}

void state_file_parse(const char *file, const char *text, state_file_force_fn fn, void *arg,
                      struct diag *d)
{
	char *copy = xstrdup(text);
	unsigned lineno = 0;
	char *p = copy;
	while (*p) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		lineno++;
		parse_line((struct srcpos){file, lineno}, p, fn, arg, d);
		if (!nl)
			break;
		p = nl + 1;
	}
	free(copy);
}

char *state_file_render(const struct state_force *v, size_t n, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);
	fputs("# geosteer state file: admin overrides, rewritten by geosteerd on every change.\n"
	      "# One per line: 'dc NAME up|down' or 'addr ADDRESS up|down'.\n",
	      f);
	bool has_info = false;
	for (size_t i = 0; i < n; i++)
		has_info = has_info || v[i].by >= 0 || v[i].at || v[i].until ||
		           (v[i].reason && v[i].reason[0]);
	/* Files without any of the optional fields stay in the first format. */
	if (has_info)
		fputs("# Then: until=UNIX_SECONDS (reverts then) by=UID at=UNIX_SECONDS "
		      "reason=PERCENT-ENCODED.\n",
		      f);
	for (size_t i = 0; i < n; i++) {
		if (v[i].dc) {
			fprintf(f, "dc %s %s", v[i].dc, v[i].is_down ? "down" : "up");
		} else {
			char a[NETADDR_TEXT_MAX];
			netaddr_format(&v[i].addr, a);
			fprintf(f, "addr %s %s", a, v[i].is_down ? "down" : "up");
		}
		if (v[i].until)
			fprintf(f, " until=%lld", v[i].until);
		if (v[i].by >= 0)
			fprintf(f, " by=%lld", v[i].by);
		if (v[i].at)
			fprintf(f, " at=%lld", v[i].at);
		char enc[3 * STATE_FILE_REASON_MAX];
		if (v[i].reason && v[i].reason[0] &&
		    state_file_encode(v[i].reason, enc, sizeof(enc)))
			fprintf(f, " reason=%s", enc);
		if (v[i].node && v[i].node[0])
			fprintf(f, " node=%s", v[i].node);
		fputc('\n', f);
	}
	fclose(f);
	return text;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return GS_EIO;
		p += w;
		len -= (size_t)w;
	}
	return GS_OK;
}

/* The one temporary file next to path: path + ".tmp" (owned by the caller). A fixed
 * name rather than a random one, so that a crash (kill -9) between creating it and the
 * rename leaves at most this one file, which the next write overwrites and the next
 * start removes (state_file_remove_temp). */
static char *temp_name(const char *path)
{
	size_t plen = strlen(path);
	char *tmp = xmalloc(plen + sizeof(STATE_FILE_TEMP_SUFFIX));
	memcpy(tmp, path, plen);
	memcpy(tmp + plen, STATE_FILE_TEMP_SUFFIX, sizeof(STATE_FILE_TEMP_SUFFIX));
	return tmp;
}

/* The folder of path (owned by the caller). */
static char *folder_of(const char *path)
{
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	return dir;
}

/* Replaces path with text so that a crash leaves either the old or the new file: write
 * the temporary file in the same folder, fsync it, rename it over path, fsync the
 * folder so the rename itself is durable. */
int state_file_write(const char *path, const char *text, size_t len)
{
	int rc = GS_EIO;
	char *tmp = temp_name(path);
	char *dir = folder_of(path);
	/* O_NOFOLLOW, O_NONBLOCK and the fstat: never write through a symbolic link, never
	 * wait on a FIFO put there. */
	int fd =
	        open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
	if (fd < 0) {
		log_err("state file: cannot write state file %s: %s", tmp, strerror(errno));
		goto out;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		log_err("state file: cannot write state file %s: not a regular file", tmp);
		close(fd);
		goto out;
	}
	if (fchmod(fd, 0644) != 0 || write_all(fd, text, len) != GS_OK || fsync(fd) != 0) {
		log_err("state file: cannot write state file %s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		goto out;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		log_err("state file: cannot replace state file %s: %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) != 0) {
		log_err("state file: cannot sync folder %s: %s", dir, strerror(errno));
		if (dfd >= 0)
			close(dfd);
		goto out;
	}
	close(dfd);
	rc = GS_OK;
out:
	free(dir);
	free(tmp);
	return rc;
}

void state_file_saver_init(struct state_file_saver *s)
{
	pthread_mutex_init(&s->mu, NULL);
	s->gen = 0;
	s->rc = GS_OK;
}

void state_file_saver_destroy(struct state_file_saver *s)
{
	pthread_mutex_destroy(&s->mu);
}

int state_file_save(struct state_file_saver *s, const char *path, const char *text, size_t len,
                    uint64_t gen)
{
	pthread_mutex_lock(&s->mu);
	if (gen > s->gen) {
		s->rc = state_file_write(path, text, len);
		s->gen = gen;
	}
	int rc = s->rc;
	pthread_mutex_unlock(&s->mu);
	return rc;
}

void state_file_remove_temp(const char *path)
{
	char *tmp = temp_name(path);
	if (unlink(tmp) == 0)
		log_info("state file: removed %s, left by an interrupted state file write", tmp);
	free(tmp);
}

int state_file_check(const char *path, struct srcpos pos, struct diag *d)
{
	int rc = GS_OK;
	const char *why;
	int fd = rfile_open(path, NULL, &why);
	if (fd >= 0) {
		close(fd);
	} else if (errno != ENOENT) {
		diag_err(d, pos, "state_file: cannot use %s: %s", path, why);
		rc = GS_EPARSE;
	}
	/* Forces are saved by renaming a new file into this folder. */
	char *dir = folder_of(path);
	struct stat st;
	if (stat(dir, &st) != 0) {
		diag_err(d, pos, "state_file: cannot use the folder %s: %s", dir, strerror(errno));
		rc = GS_EPARSE;
	} else if (!S_ISDIR(st.st_mode)) {
		diag_err(d, pos, "state_file: %s is not a folder", dir);
		rc = GS_EPARSE;
	} else if (access(dir, W_OK | X_OK) != 0) {
		diag_err(
		        d, pos,
		        "state_file: the folder %s is not writable (%s): forces could not be saved",
		        dir, strerror(errno));
		rc = GS_EPARSE;
	}
	free(dir);
	return rc;
}
