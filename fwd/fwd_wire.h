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

#include <stdint.h>

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

#endif
