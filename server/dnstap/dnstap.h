/* SPDX-License-Identifier: MIT
 * dnstap.h -- every answer as a dnstap message (AUTH_RESPONSE, with its query and the
 * steering decision as text in the `extra` field), written in Frame Streams to a
 * collector's Unix socket or to a file by one writer thread.
 *
 * Each answering thread (a worker's UDP threads and its TCP thread) has a struct
 * dnstap_thread: its own ring (a single-producer single-consumer queue, no lock) that
 * the frames are encoded into by hand (dnstap_enc.h, no protobuf library), already
 * framed as Frame Streams sends them. The writer thread sends what the rings hold and
 * gives the bytes back; libfstrm's fstrm_writer writes the handshake and control
 * frames. Nothing on the query path blocks, locks or allocates. When a ring is full
 * (the collector or the writer is behind) the message is dropped and counted; while no
 * collector is connected the writer discards what it takes and counts that too; it
 * tries to connect again every second. */
#ifndef GS_DNSTAP_H
#define GS_DNSTAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "server/base/compiler.h"
#include "server/config/config.h"

struct answer_ctx;
struct dnstap;
struct dnstap_thread;

/* Starts the writer thread writing to cfg's socket or file, for n_threads rings.
 * identity: the dnstap identity (NULL: none). Returns NULL, logged, when the file
 * cannot be opened or the thread not started; a socket with no collector yet is not an
 * error. Main thread. */
struct dnstap *dnstap_open(const struct cfg_dnstap *cfg, const char *identity,
                           unsigned n_threads) GS_WUR;
/* The state of answering thread number idx (< n_threads), whose answers come from
 * ctx: makes ctx record steering decisions and count messages. Main thread, before
 * the answering thread starts. Never NULL. */
struct dnstap_thread *dnstap_thread_new(struct dnstap *d, unsigned idx,
                                        struct answer_ctx *ctx) GS_NONNULL GS_WUR;
/* Call when answer_packet gave no answer (dnstap_log not called): forgets the steering
 * decision it may have noted, so that the next message does not carry it. dnstap_log
 * forgets the decision of the answer it logs itself. */
void dnstap_skip(struct dnstap_thread *t) GS_NONNULL;
/* Reads the clock for the messages that follow: once per batch of queries (a
 * recvmmsg batch, a TCP read); every answer of the batch carries that response time. */
void dnstap_tick(struct dnstap_thread *t) GS_NONNULL;
/* Hands the message for one answer to the writer: query q[0..qlen), response
 * r[0..rlen) to client src over UDP or TCP; DNS messages, at most 65,535 bytes each.
 * The answering thread only. */
void dnstap_log(struct dnstap_thread *t, const uint8_t *q, size_t qlen, const uint8_t *r,
                size_t rlen, const struct sockaddr *src, bool tcp) GS_NONNULL;
/* Stops the writer thread (what the rings hold is written if it can be) and frees d;
 * accepts NULL. After every answering thread has stopped, before dnstap_thread_free. */
void dnstap_close(struct dnstap *d);
/* Frees a thread's state; accepts NULL. After dnstap_close. */
void dnstap_thread_free(struct dnstap_thread *t);

#endif
