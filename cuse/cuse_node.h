/*
 * cuse_node.h - the forward render node's ioctl path, without libfuse.
 *
 * msmvirt-cuse.c hands every FUSE_IOCTL request of an open file to
 * cuse_file_ioctl() and sends back what it decides: a FUSE_IOCTL_RETRY
 * (fetch these segments, prepare those), or the final result with the
 * bytes to scatter over the out segments.  Keeping libfuse out of this
 * layer lets the tests drive the exact daemon path with a simulated kernel
 * on a machine without CUSE.
 *
 * The host is reached through a fwd_call_fn (fwd_guest.h): fwd_session_call
 * in the daemon, fwd_host_handle() on an in-process core in tests.
 */
#ifndef MSMVIRT_CUSE_NODE_H
#define MSMVIRT_CUSE_NODE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/uio.h>

#include "cuse_plan.h"
#include "cuse_trace.h"
#include "fwd_guest.h"

struct cuse_node;
struct cuse_file;

/* What to answer one FUSE_IOCTL request with. */
struct cuse_step {
   bool retry;
   /* retry: the caller memory to fetch / to prepare for the reply. */
   struct iovec in_iov[CUSE_PLAN_SEGS], out_iov[CUSE_PLAN_SEGS];
   unsigned nr_in, nr_out;
   /* final: the ioctl's result and len bytes for the out segments. */
   int result;
   void *data;
   size_t len;
};

/* Per request type (fwd_id; FWD_ID_COUNT counts unknown requests). */
struct cuse_cmd_stats {
   uint64_t ioctls;     /* finished ioctls */
   uint64_t requests;   /* FUSE_IOCTL requests seen (= ioctls + retries) */
   uint64_t forwarded;  /* host round trips */
   uint64_t failed;     /* finished with an errno */
   uint64_t timed;      /* ioctls whose first request was seen: */
   uint64_t rounds;     /*   FUSE_IOCTL requests they took */
   uint64_t total_ns;   /*   first request to reply */
   uint64_t host_ns;    /* waiting for the host (all forwarded) */
   uint64_t req_bytes, rsp_bytes;
};

/* lim NULL: the kernel's (cuse_kernel_limits).  trace may be NULL. */
int cuse_node_create(const struct cuse_limits *lim, struct cuse_trace *trace,
                     struct cuse_node **out);
void cuse_node_destroy(struct cuse_node *n);

/* One open(): a host session the caller already opened. */
int cuse_file_create(struct cuse_node *n, uint32_t session, fwd_call_fn call,
                     void *call_data, struct cuse_file **out);
void cuse_file_destroy(struct cuse_file *f);
void *cuse_file_call_data(struct cuse_file *f);

/* One FUSE_IOCTL request: tid is the calling thread (fuse_req_ctx()->pid),
 * only used to tell the requests of one ioctl apart for the statistics
 * (0: unknown).  Thread-safe: the requests of different ioctls of one file
 * may run at once.  Release st with cuse_step_fini(). */
void cuse_file_ioctl(struct cuse_file *f, uint32_t tid, unsigned long cmd,
                     uint64_t arg, const void *in_buf, size_t in_bufsz,
                     size_t out_bufsz, struct cuse_step *st);
void cuse_step_fini(struct cuse_step *st);
/* A RETRY step asking for p's segments (any personality's plan). */
void cuse_step_retry(struct cuse_step *st, const struct cuse_plan *p);

void cuse_node_get_stats(struct cuse_node *n, unsigned id,
                         struct cuse_cmd_stats *st);
/* A table of the counters of every request type that was seen. */
void cuse_node_print_stats(struct cuse_node *n, FILE *f);

#endif
