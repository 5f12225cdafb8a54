/* SPDX-License-Identifier: MIT
 * reflector.c -- the floor that bench/bench.sh measures the servers against: a UDP
 * "server" that turns every datagram around with the QR bit set and does nothing else.
 * One thread blocks in recvmmsg for a batch (returning as soon as one datagram is there,
 * as the servers' workers do) and sends the batch back with one sendmmsg. Its user-space
 * instructions per query and its queries per second are what the kernel and the C
 * library cost a DNS server before it reads a single byte of the question.
 *
 * Usage: reflector ADDRESS PORT (IPv4). Runs until killed. */
#include <config.h> /* first: _GNU_SOURCE for recvmmsg and sendmmsg */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#define BATCH   64u
#define MSG_MAX 4096u

static uint8_t buf[BATCH][MSG_MAX];
static struct sockaddr_in peer[BATCH];
static struct iovec iov[BATCH];
static struct mmsghdr msg[BATCH];

/* Makes entry i ready to receive again. */
static void arm(unsigned i)
{
	iov[i].iov_base = buf[i];
	iov[i].iov_len = MSG_MAX;
	msg[i].msg_hdr.msg_name = &peer[i];
	msg[i].msg_hdr.msg_namelen = sizeof(peer[i]);
	msg[i].msg_hdr.msg_iov = &iov[i];
	msg[i].msg_hdr.msg_iovlen = 1;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: reflector ADDRESS PORT\n");
		return 2;
	}
	char *end;
	unsigned long port = strtoul(argv[2], &end, 10);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	if (*end || port == 0 || port > 65535 || inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1) {
		fprintf(stderr, "reflector: bad address or port: %s %s\n", argv[1], argv[2]);
		return 2;
	}
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (const struct sockaddr *)&sa, sizeof(sa)) != 0) {
		fprintf(stderr, "reflector: %s:%lu: %s\n", argv[1], port, strerror(errno));
		return 1;
	}
	for (unsigned i = 0; i < BATCH; i++)
		arm(i);
	for (;;) {
		int n = recvmmsg(fd, msg, BATCH, MSG_WAITFORONE, NULL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "reflector: recvmmsg: %s\n", strerror(errno));
			return 1;
		}
		for (int i = 0; i < n; i++) {
			if (msg[i].msg_len > 2)
				buf[i][2] |= 0x80; /* QR: a response */
			iov[i].iov_len = msg[i].msg_len;
		}
		/* A datagram that cannot be sent now is dropped, as a server would. */
		(void)sendmmsg(fd, msg, (unsigned)n, 0);
		for (int i = 0; i < n; i++)
			arm((unsigned)i);
	}
}
