/*
 * cuse_plan.h - which caller memory a CUSE daemon must ask the kernel for,
 * round by round, to serve one forwarded ioctl (DESIGN.md decisions 5, 6).
 *
 * A CUSE_UNRESTRICTED_IOCTL daemon first sees an ioctl with no data at all:
 * only the request number and the caller's arg.  It answers
 * FUSE_IOCTL_RETRY with iovecs naming the caller memory to copy in (in_iov)
 * and the memory it will write back (out_iov); the kernel copies and calls
 * again with the bytes.  The plan is derived from the spec table alone
 * (fwd_spec_regions()), never from a per-ioctl switch:
 *
 *   request 1: nothing fetched           -> retry: in  = struct
 *                                                   out = struct (_IOC_READ)
 *   request 2: the struct                -> regions from the struct bytes:
 *              none with bytes           -> ready
 *              otherwise                 -> retry: in  = struct + regions
 *                                                   out = struct + out regions
 *   request 3: struct + regions          -> ready (or another retry when the
 *                                           caller rewrote its struct between
 *                                           requests, see below)
 *
 * Planning is a pure function of (cmd, arg, fetched bytes, sizes): the
 * daemon keeps no state between the requests of one ioctl.  A request is
 * "ready" when the kernel delivered exactly the bytes the plan computed from
 * the struct it delivered; a caller that changes a count between requests
 * gets one more retry with the new plan.
 *
 * Out regions other than the last one are fetched too: the kernel writes
 * the reply into out_iov back to back, so a region the host fills only
 * partly (a 3-byte driver name in a 64-byte buffer) must be padded with the
 * caller's own bytes to keep the next region in place.
 *
 * All functions return negative errno values for failures.
 */
#ifndef MSMVIRT_CUSE_PLAN_H
#define MSMVIRT_CUSE_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fwd_spec.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The kernel's bounds (fs/fuse/ioctl.c): each direction of one ioctl fits in
 * fc->max_pages pages (FUSE_DEFAULT_MAX_PAGES_PER_REQ = 32 for CUSE), and
 * in_iovs + out_iovs <= FUSE_IOCTL_MAX_IOV.  Beyond them the kernel fails
 * the ioctl with ENOMEM; we answer E2BIG before asking. */
#define CUSE_MAX_BYTES (32u * 4096u)
#define CUSE_MAX_IOV   256u

/* Segments per direction: the struct and one per region. */
#define CUSE_PLAN_SEGS (1 + FWD_MAX_REGIONS)

struct cuse_limits {
   uint32_t max_bytes; /* per direction */
   uint32_t max_iov;   /* in + out */
};

extern const struct cuse_limits cuse_kernel_limits;

/* One stretch of caller memory. */
struct cuse_seg {
   uint64_t addr;
   uint64_t len;
};

#define CUSE_PLAN_READY 0 /* in_buf holds everything: forward it */
#define CUSE_PLAN_RETRY 1 /* ask the kernel for in[]/out[] and come back */

#define CUSE_NO_OFFSET UINT64_MAX

struct cuse_plan {
   const struct fwd_ioctl_spec *spec;
   uint32_t in_size, out_size;  /* bytes of the caller's struct read / written */
   bool full;                   /* regions resolved (not the struct-only round) */
   _Alignas(8) uint8_t args[FWD_MAX_STRUCT]; /* the struct, spec->size bytes */
   struct fwd_region regs[FWD_MAX_REGIONS];
   /* Where region i's span sits in the fetched bytes / in the reply data,
    * CUSE_NO_OFFSET when it is not fetched / not written. */
   uint64_t reg_in_off[FWD_MAX_REGIONS];
   uint64_t reg_out_off[FWD_MAX_REGIONS];
   struct cuse_seg in[CUSE_PLAN_SEGS], out[CUSE_PLAN_SEGS];
   unsigned nr_in, nr_out;
   uint64_t in_bytes, out_bytes; /* sums of in[] / out[] */
   size_t req_len;              /* the forward request (fwd_wire.h) */
   size_t rsp_max;              /* the largest valid reply */
};

/*
 * Plan one FUSE_IOCTL request of an unrestricted ioctl: cmd and arg as the
 * caller passed them, in_buf/in_bufsz what the kernel fetched for the last
 * retry (nothing on the first request), out_bufsz the out space it prepared.
 * Returns CUSE_PLAN_READY, CUSE_PLAN_RETRY (p->in/p->out say what to ask
 * for), or the ioctl's errno: -ENOTTY unknown request, an answered entry's
 * errno, a table limit, -EFAULT for a NULL struct or array, -E2BIG when the
 * data does not fit lim.
 */
int cuse_plan_ioctl(unsigned long cmd, uint64_t arg, const void *in_buf,
                    size_t in_bufsz, size_t out_bufsz,
                    const struct cuse_limits *lim, struct cuse_plan *p);

/* The same planner over another personality's table (same entry type, e.g.
 * the virtio_gpu node's, cuse_vgpu_spec.c): lookup maps a request number to
 * its entry or NULL (ENOTTY).  p->req_len / p->rsp_max are the forward
 * wire's sizes and mean nothing to a node that serves ioctls itself. */
typedef const struct fwd_ioctl_spec *(*cuse_spec_lookup_fn)(unsigned long req);
int cuse_plan_ioctl_in(cuse_spec_lookup_fn lookup, unsigned long cmd,
                       uint64_t arg, const void *in_buf, size_t in_bufsz,
                       size_t out_bufsz, const struct cuse_limits *lim,
                       struct cuse_plan *p);

/* The forward request for a READY plan: p->req_len bytes into req. */
void cuse_marshal_request(const struct cuse_plan *p, const void *in_buf,
                          void *req);

/* Turn the host's reply into the bytes the kernel scatters over p->out:
 * at most p->out_bytes into out, *out_len of them valid.  Returns the
 * ioctl's result (0 or -errno), or -EPROTO for a reply that does not match
 * the request. */
int cuse_unmarshal_reply(const struct cuse_plan *p, const void *in_buf,
                         const void *rsp, size_t rsp_len, void *out,
                         size_t *out_len);

#ifdef __cplusplus
}
#endif

#endif
