/*
 * cuse_trace.h - one record per forwarded ioctl, for `msmvirt-cuse --trace`.
 *
 * The daemon calls cuse_trace_ioctl() once per ioctl that reached the host
 * (or failed on the way), after the reply.  Today it writes one text line
 * per record; a replayable trace format (the evaluation's "ioctl trace
 * captured from unmodified mesa") only has to replace this file.
 */
#ifndef MSMVIRT_CUSE_TRACE_H
#define MSMVIRT_CUSE_TRACE_H

#include <stdint.h>

struct cuse_trace;

struct cuse_trace_rec {
   uint32_t session;      /* the fwd session (one per open()) */
   uint32_t cmd;          /* the table's canonical DRM_IOCTL_* number */
   const char *name;      /* the table's name */
   int result;            /* 0 or -errno, what the caller got */
   uint64_t t_start_ns;   /* CLOCK_MONOTONIC: first FUSE request of the ioctl
                             (or of its last round when unknown) */
   uint64_t t_end_ns;     /* after the reply was built */
   uint64_t t_host_ns;    /* of which: waiting for the host */
   uint32_t rounds;       /* FUSE_IOCTL requests it took, 0 if unknown */
   const void *args;      /* the struct sent, size bytes */
   const void *args_out;  /* the struct the host returned, or NULL */
   uint32_t size;
   uint64_t req_bytes, rsp_bytes; /* forward message payloads */
};

/* "-" is stderr.  Returns 0 or -errno. */
int cuse_trace_open(const char *path, struct cuse_trace **out);
void cuse_trace_close(struct cuse_trace *t);

/* Thread-safe; t may be NULL (no trace). */
void cuse_trace_ioctl(struct cuse_trace *t, const struct cuse_trace_rec *r);

#endif
