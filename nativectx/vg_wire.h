/*
 * vg_wire.h - the virtgpu-style layer on the transport: what one frame of a
 * nativectx session carries (vg_channel.c writes it, nc_host.c reads it).
 *
 * A frame's payload is a run of records, each a struct vg_rec_hdr followed
 * by its body, 4-byte aligned (the anchor's ccmd streams are multiples of 4
 * bytes, and records carry them as they are; the host copies every record
 * before decoding it): held-back async operations travel together
 * with the one that finally notifies the host.  A SEND carries async
 * records; a CALL carries the same and is answered with struct vg_reply
 * once every record in it was processed.  Events (host->guest) carry one
 * struct vg_event.
 */
#ifndef MSMVIRT_NC_VG_WIRE_H
#define MSMVIRT_NC_VG_WIRE_H

#include <stdint.h>

#include "nc_proto.h"
#include "vg.h"

/* HELLO protocol bytes. */
struct vg_wire_hello {
   uint32_t wire_format_version; /* NC_WIRE_FORMAT_VERSION */
   uint32_t pad;
};

enum vg_rec_type {
   VG_REC_CTX_CREATE = 1,  /* in a CALL: the reply carries the capset */
   VG_REC_CTX_DESTROY,
   VG_REC_EXECBUF,
   VG_REC_BLOB_CREATE,
   VG_REC_RESOURCE_UNREF,
   VG_REC_COUNT
};

#define VG_REC_ALIGN 4u

struct vg_rec_hdr {
   uint32_t type;  /* enum vg_rec_type */
   uint32_t len;   /* bytes, header included, multiple of VG_REC_ALIGN */
};

struct vg_rec_ctx_create {
   struct vg_rec_hdr hdr;
   uint32_t context_type; /* NC_CONTEXT_MSM */
   uint32_t pad;
   uint64_t arena_size;   /* 0: the host's default */
};

struct vg_rec_ctx_destroy {
   struct vg_rec_hdr hdr;
};

struct vg_rec_execbuf {
   struct vg_rec_hdr hdr;
   uint32_t ring_idx;
   uint32_t flags;        /* VG_EXECBUF_FENCE or 0 */
   uint64_t fence_id;
   uint8_t cmd[];         /* hdr.len - sizeof(*this) bytes of ccmds */
};

struct vg_rec_blob_create {
   struct vg_rec_hdr hdr;
   uint32_t res_id;
   uint32_t cmd_len;      /* ccmd bytes at cmd[], run before the lookup */
   uint64_t blob_id;      /* 0: the shmem */
   uint64_t size;
   uint64_t hm_offset;    /* the guest kernel's pick, in the ctx's arenas */
   uint8_t cmd[];
};

struct vg_rec_resource_unref {
   struct vg_rec_hdr hdr;
   uint32_t res_id;
   uint32_t pad;
};

/* The answer to every CALL. */
struct vg_reply {
   int32_t ret;           /* 0, or the first failure (-EIO: context lost) */
   uint32_t pad;
   /* Filled by a CTX_CREATE in the CALL: the anchor's 80-byte capset 6 (all
    * GET_CAPS hands a plain guest), then the extension block the guest
    * kernel needs (arena) and an extended guest reads. */
   struct nc_caps caps;
};

#endif
