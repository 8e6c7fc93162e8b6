/*
 * mt_priv.h - transport internals shared by its files: the HELLO exchange
 * payloads, frame checks (pure, for fuzz targets), the stream reader and
 * writer, and the latency helpers.
 */
#ifndef MSMVIRT_MT_PRIV_H
#define MSMVIRT_MT_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "transport.h"
#include "vclock.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "the wire format is little-endian");
_Static_assert(sizeof(struct mt_frame_hdr) == 32, "wire header layout");

#define MT_MAGIC   0x564d534du /* "MSMV" */
#define MT_VERSION 1

/* HELLO payload, followed by the protocol's own bytes. */
struct mt_hello {
   uint32_t magic;
   uint32_t version;
   uint32_t delay_ns; /* one-way delay the host applies to guest frames */
   uint32_t flags;    /* 0 */
   char proto[MT_PROTO_NAME_MAX];
};

/* REPLY payload to a HELLO. */
struct mt_welcome {
   int32_t status;    /* 0 or the on_hello error */
   uint32_t version;
   uint64_t hostmem_size;
};

#define MT_HELLO_TAG 0 /* CALL tags start at 1 */

enum mt_side { MT_SIDE_HOST, MT_SIDE_GUEST };

/* Is hdr acceptable to a receiver on this side?  0, -EPROTO (type,
 * direction, flags) or -EMSGSIZE (len). */
int mt_frame_check(const struct mt_frame_hdr *hdr, enum mt_side receiver);

/* Parse a HELLO payload; *proto points into it (NUL-terminated), *extra at
 * the protocol bytes.  0 or -EPROTO. */
int mt_hello_parse(const void *payload, uint32_t len, const char **proto,
                   uint32_t *delay_ns, const void **extra,
                   uint32_t *extra_len);

/* When may a frame sent at remote time ts (mapped by offset) and received at
 * now be delivered with a one-way delay?  Never later than now + delay. */
static inline uint64_t
mt_deliver_at(uint64_t ts, int64_t offset, uint64_t now, uint64_t delay)
{
   uint64_t sent = ts + (uint64_t)offset;
   if (sent > now)
      sent = now;
   return sent + delay;
}

/* Which part of the critical path a frame's one-way delay is (vclock.h). */
enum vc_cat mt_delay_cat(uint32_t type);

/* Make this thread's sleeps precise (PR_SET_TIMERSLACK). */
void mt_thread_timing_init(void);

/* A buffered reader over a stream fd.  wake_fd >= 0 is polled beside fd so
 * another thread can interrupt a blocked read (char devices have no
 * shutdown()).  timeout_ms < 0: wait forever.  want_fd: use recvmsg and
 * keep one SCM_RIGHTS fd in got_fd. */
struct mt_reader {
   int fd;
   int wake_fd;
   int timeout_ms;
   uint64_t deadline_ns; /* 0: none; else reads past it fail -ETIMEDOUT */
   bool want_fd;
   int got_fd;
   uint8_t *buf;
   size_t cap, head, tail;
   uint64_t bytes; /* consumed */
};

int mt_reader_init(struct mt_reader *r, int fd, int wake_fd);
void mt_reader_fini(struct mt_reader *r);
/* Exactly n bytes into dst (dst NULL: skip them).  0, -ECONNRESET on EOF,
 * -ETIMEDOUT, -ECANCELED when woken, or the read errno. */
int mt_reader_get(struct mt_reader *r, void *dst, size_t n);
/* Wait until at least one byte is buffered (0 or as mt_reader_get). */
int mt_reader_wait_data(struct mt_reader *r);
/* Read and check one header. */
int mt_reader_hdr(struct mt_reader *r, struct mt_frame_hdr *hdr,
                  enum mt_side receiver);

/* Write all of iov (blocking).  Sockets use sendmsg(MSG_NOSIGNAL) so a dead
 * peer is -EPIPE rather than SIGPIPE; pass_fd >= 0 rides with the first byte. */
int mt_write_all(int fd, bool is_sock, struct iovec *iov, int iovcnt,
                 int pass_fd);
/* Total bytes of iov, or -EMSGSIZE if over max. */
int64_t mt_iov_len(const struct iovec *iov, int iovcnt, uint64_t max);

/* Guest-side constructor core (guest.c): fd is a connected stream, hostmem
 * already mapped (or to come with the welcome when want_hostmem_fd). */
struct mt_guest_hostmem {
   void *base;
   uint64_t size;
   bool owned;        /* munmap on close */
   bool from_welcome; /* map the fd the host passes with its welcome */
};
int mt_guest_start(int fd, const struct mt_guest_hostmem *hm, unsigned flags,
                   const struct mt_guest_config *cfg, struct mt_host *own_host,
                   struct mt_guest **out);

/* Host internals (server.c <-> conn.c). */
const struct mt_host_proto *mt_host_find_proto(struct mt_host *h,
                                               const char *name);
void mt_host_hostmem(struct mt_host *h, int *fd, uint64_t *size, void **base);
void mt_host_count(struct mt_host *h, uint64_t frames, uint64_t rx,
                   uint64_t tx);
void mt_host_fault(struct mt_host *h);
void mt_host_conn_gone(struct mt_host *h, struct mt_conn *c);
/* The host's connection limits, defaults filled in. */
struct mt_conn_limits {
   uint32_t hello_timeout_ms, frame_timeout_ms, idle_timeout_ms;
   uint64_t tx_max_bytes;
};
void mt_host_conn_limits(struct mt_host *h, struct mt_conn_limits *l);

struct mt_conn *mt_conn_create(struct mt_host *h, int fd, unsigned flags);
int mt_conn_start(struct mt_conn *c);
void mt_conn_destroy_unstarted(struct mt_conn *c);
void mt_conn_kill(struct mt_conn *c); /* make its thread end (shutdown) */
struct mt_conn **mt_conn_next(struct mt_conn *c); /* the host's list link */

void mt_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
