/*
 * fwd_wire.h - the forward protocol: one ioctl per transport CALL/REPLY.
 *
 * Request (guest -> host), the payload of one CALL:
 *
 *    struct fwd_wire_req               16 bytes
 *    uint32_t region_len[nr_regions]   bytes of each region carried below
 *    struct bytes                      struct_size bytes (the uapi struct,
 *                                      pointer fields left as guest addresses)
 *    region data                       in table order, in/inout regions only
 *
 * Reply (host -> guest), the payload of the REPLY:
 *
 *    struct fwd_wire_rsp               16 bytes
 *    uint32_t region_len[nr_regions]   bytes written to each region
 *    struct bytes                      struct_size bytes: the table's size for
 *                                      _IOC_READ ioctls, 0 otherwise (or when
 *                                      the request was refused undecoded)
 *    region data                       out/inout regions, table order, only
 *                                      when result == 0
 *
 * There is no padding: both sides copy fields out, never cast in place.
 * Everything is little-endian host order (guest and host share a machine).
 * The region lengths are redundant with the count fields in the struct; the
 * host recomputes them from its own copy of the struct and rejects any
 * mismatch, so a length is a consistency check, never trusted.
 */
#ifndef MSMVIRT_FWD_WIRE_H
#define MSMVIRT_FWD_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fwd_spec.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "the forward wire format is little-endian");

struct fwd_wire_req {
   uint32_t cmd;         /* the table's canonical DRM_IOCTL_* number */
   uint32_t struct_size; /* == the table's size */
   uint32_t nr_regions;  /* == the table's nr_regions */
   uint32_t flags;       /* 0 */
};

struct fwd_wire_rsp {
   int32_t result;       /* 0 or -errno: what the ioctl returns */
   uint32_t struct_size;
   uint32_t nr_regions;
   uint32_t flags;       /* 0 */
};

_Static_assert(sizeof(struct fwd_wire_req) == 16, "wire layout");
_Static_assert(sizeof(struct fwd_wire_rsp) == 16, "wire layout");

/* Bytes before the struct, for a message with nr region lengths. */
#define FWD_WIRE_HDR_SIZE(nr) (16u + 4u * (uint32_t)(nr))

/* The two message sizes of one ioctl whose regions are resolved: the
 * request, and the largest valid reply.  Every side sizes its buffers with
 * this (the marshaller, the CUSE planner, the host). */
void fwd_wire_sizes(const struct fwd_ioctl_spec *spec,
                    const struct fwd_region *regs, size_t *req_len,
                    size_t *rsp_max);

/* The request for spec with the caller's struct (args) and regions
 * (fwd_spec_regions() on args); src[i]: region i's bytes in the caller's
 * layout (ustride apart).  out: room for the request's exact length. */
void fwd_wire_build_request(const struct fwd_ioctl_spec *spec, const void *args,
                            const struct fwd_region *regs,
                            const void *const src[FWD_MAX_REGIONS], void *out);

/* A reply checked against the request it answers, its parts located. */
struct fwd_wire_reply {
   int32_t result;          /* the ioctl's 0 or -errno */
   bool refused;            /* refused before decoding: nothing to write */
   const uint8_t *st;       /* the struct to copy back, or NULL */
   const uint8_t *region[FWD_MAX_REGIONS];
   uint32_t len[FWD_MAX_REGIONS]; /* wire bytes of each out region */
};
/* 0, or -EPROTO for a reply that does not fit the request. */
int fwd_wire_parse_reply(const struct fwd_ioctl_spec *spec,
                         const struct fwd_region *regs, const void *rsp,
                         size_t rsp_len, struct fwd_wire_reply *out);
/* Region r's len wire bytes into the caller's layout at dst; returns the
 * caller bytes written (from dst to the end of the last element). */
uint64_t fwd_wire_scatter(const struct fwd_region *r, const void *data,
                          uint32_t len, void *dst);

/* ---- the host's side: the request in, the reply out ---- */

/* A request as the host holds it: everything copied out of the message
 * (which may sit in memory the guest still writes). */
struct fwd_wire_request {
   const struct fwd_ioctl_spec *spec;
   _Alignas(8) uint8_t args[FWD_MAX_STRUCT]; /* spec->size bytes, rest 0 */
   uint32_t lens[FWD_MAX_REGIONS];  /* region lengths the message claims */
   const uint8_t *data;             /* the region bytes in the message */
   size_t data_len;
};
/* The header and the struct: 0, -ENOTTY for a command the table does not
 * know (req->spec NULL), -EINVAL for anything malformed. */
int fwd_wire_parse_request(const void *msg, size_t len,
                           struct fwd_wire_request *req);
/* The regions, resolved from the host's own copy of the struct: the claimed
 * lengths must be exactly those, and the message exactly that long; then
 * each active in-region's bytes go to bufs[i] (allocated by the caller,
 * regs[i].wire_bytes each).  0 or -EINVAL. */
int fwd_wire_take_regions(const struct fwd_wire_request *req,
                          const struct fwd_region *regs,
                          void *const bufs[FWD_MAX_REGIONS]);
/* A reply carrying only result: refused before (or instead of) decoding,
 * nothing written back.  Returns its length (cap must hold a header). */
size_t fwd_wire_build_refusal(int result, void *rsp);
/* The full reply: the struct for _IOC_READ ioctls and, when result is 0,
 * what the ioctl wrote to each active out-region (its updated count field,
 * never more than the buffer).  rsp holds fwd_wire_sizes()'s rsp_max.
 * Returns its length. */
size_t fwd_wire_build_reply(const struct fwd_ioctl_spec *spec,
                            const struct fwd_region *regs, int result,
                            const void *args,
                            void *const bufs[FWD_MAX_REGIONS], void *rsp);

#endif
