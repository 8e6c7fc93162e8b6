/*
 * nc_proto.h - the nativectx guest<->host protocol (DESIGN.md decision 4;
 * reference: docs/nativectx-protocol.md).
 *
 * The ANCHOR is the wire format of mesa 22.3.6's freedreno virtio backend
 * and virglrenderer 0.10.4's msm native context: capset 6 (80 bytes, wire
 * format 2), the shmem header {seqno, rsp_mem_offset, async_error}, ccmds
 * headed {cmd, len, seqno, rsp_off}, 4-byte aligned, and responses headed
 * {len, ret} at rsp_mem_offset + rsp_off.  An unmodified mesa guest speaks
 * exactly this; the definitions below are our own, and
 * tests/nativectx/test_nc_layout.c proves them byte-identical to mesa's
 * msm_proto.h and drm_hw.h.
 *
 * msmvirt's additions are EXTENSIONS (NC_EXT_*): the host offers them in a
 * struct nc_capset_ext that follows the 80 anchor bytes (a GET_CAPS of 80
 * bytes never sees it), a guest turns them on with NC_CCMD_EXT_ENABLE
 * before its shmem exists (normally as the cmd of the blob-0 create, so it
 * costs no message), and each one lives where an anchor guest never looks:
 * shmem areas between the anchor header and rsp_mem_offset, and ccmd
 * numbers from NC_CCMD_EXT_BASE on.  The host decodes both kinds through
 * one table; what differs between a plain and an extended guest is the
 * context's ext mask.
 *
 * Layout rules: little-endian; requests start 4-aligned inside a batch (the
 * host copies each one to aligned memory before decoding it).
 */
#ifndef MSMVIRT_NC_PROTO_H
#define MSMVIRT_NC_PROTO_H

#include <stdint.h>

#include "msm_drm.h"

#define NC_PROTO_NAME           "nativectx"
/* The anchor's wire format (mesa 22.3.6 refuses anything else). */
#define NC_WIRE_FORMAT_VERSION  2
/* virgl's capset id for DRM native contexts (VIRGL_RENDERER_CAPSET_DRM). */
#define NC_CAPSET_ID_DRM        6

/* The msm driver the context speaks for: Linux 6.1's msm (uapi 1.9.0, the
 * first with MSM_SUBMIT_FENCE_SN_IN and userspace-chosen iova; mesa 22.3.6
 * needs minor >= 4, FD_VERSION_SOFTPIN). */
#define NC_CONTEXT_MSM          1
#define NC_MSM_VERSION_MAJOR    1
#define NC_MSM_VERSION_MINOR    9
#define NC_MSM_VERSION_PATCH    0

/* ------------------------------------------------------------- capset */

/* The anchor's capset: 80 bytes, all a plain guest reads. */
struct nc_capset_msm {
   uint32_t has_cached_coherent;
   uint32_t priorities;          /* submitqueue prio < priorities */
   uint64_t va_start;            /* this context's GPU address space */
   uint64_t va_size;
   uint32_t gpu_id;
   uint32_t gmem_size;
   uint64_t gmem_base;
   uint64_t chip_id;
   uint32_t max_freq;
   uint32_t pad;
};

struct nc_capset {
   uint32_t wire_format_version; /* NC_WIRE_FORMAT_VERSION */
   uint32_t version_major;       /* the msm uapi version */
   uint32_t version_minor;
   uint32_t version_patchlevel;
   uint32_t context_type;        /* NC_CONTEXT_MSM */
   uint32_t pad;
   struct nc_capset_msm msm;
};

/* Extensions (bits of nc_capset_ext.offered and NC_CCMD_EXT_ENABLE). */
enum nc_ext {
   /* struct nc_shmem_state in the shmem: lost errno, global faults, each
    * submit queue's completed seqno with waiter hints (VG_EVENT_SHMEM wakes
    * a sleeper); and guest-chosen queue ids and shmem slots
    * (NC_CCMD_SUBMITQUEUE_NEW), so creating a queue is async. */
   NC_EXT_QUEUE_STATE = 1u << 0,
   /* Shared madvise words in the shmem (NC_CCMD_GEM_NEW_MADV names one per
    * BO) and NC_CCMD_GEM_MADVISE. */
   NC_EXT_MADV_WORDS  = 1u << 1,
   /* More hostmem arenas on demand (NC_CCMD_ARENA_NEW). */
   NC_EXT_ARENAS      = 1u << 2,
   /* Guest-chosen storage offsets: NC_CCMD_BLOB_AT in a blob create's cmd
    * asks the guest kernel to place that blob at an offset the guest
    * process picked in the arena (so it can map and write a new BO
    * without asking); the host checks the kernel did. */
   NC_EXT_BLOB_AT     = 1u << 3,
};
#define NC_EXT_ALL (NC_EXT_QUEUE_STATE | NC_EXT_MADV_WORDS | NC_EXT_ARENAS | \
                    NC_EXT_BLOB_AT)

#define NC_CAPSET_EXT_MAGIC 0x6e637831u /* "ncx1" */

/*
 * What the host tells the guest KERNEL (the vg layer) beyond the anchor:
 * the context's first hostmem arena, inside which the kernel picks every
 * blob's storage offset (as a virtio-gpu kernel picks offsets in its
 * host-visible BAR), the extensions on offer, and the host's limits, which
 * an extended guest checks itself so a request that would fail is refused
 * synchronously instead of losing the context.
 */
struct nc_capset_ext {
   uint32_t magic;               /* NC_CAPSET_EXT_MAGIC */
   uint32_t offered;             /* enum nc_ext bits */
   uint64_t arena_offset;        /* hostmem offset, page aligned */
   uint64_t arena_size;
   uint64_t max_bo_size;
   uint32_t max_submit_bos;
   uint32_t max_submit_cmds;
   uint32_t max_queues;          /* shmem queue slots */
   uint32_t madv_slots;          /* shared madvise words */
};

/* What CTX_CREATE answers: the anchor capset, then the extension block. */
struct nc_caps {
   struct nc_capset capset;
   struct nc_capset_ext ext;
};

/* -------------------------------------------------------------- shmem */

/* The anchor's shmem header, at the start of blob 0. */
struct nc_shmem {
   uint32_t seqno;          /* last request seqno the host processed */
   uint32_t rsp_mem_offset; /* where the response area starts (host's) */
   uint32_t async_error;    /* failed requests nobody could be told of */
};

/* mesa allocates a 16 KiB shmem; the host accepts sizes in this range. */
#define NC_SHMEM_MIN_SIZE   4096u
#define NC_SHMEM_MAX_SIZE   (1u << 20)
/* What msmvirt's guest allocates: room for every extension area. */
#define NC_SHMEM_SIZE       (128u * 1024)
#define NC_RSP_MIN          1024u      /* response room the host insists on */

#define NC_MAX_QUEUES       64         /* shmem queue slots */
#define NC_QUEUE_NONE       0xffffffffu

/*
 * One submit queue's published state (NC_EXT_QUEUE_STATE).  The host owns
 * queue_id/completed, the guest owns wait_fence/waiters (a hint: the host
 * reads but never trusts them).  A slot keeps its queue until the queue is
 * closed AND its last submit retired; then queue_id goes to NC_QUEUE_NONE
 * and the slot may be reused.  Queue ids are never reused by the guest, so
 * "the slot no longer names my queue" means "all of its work retired".
 */
struct nc_shmem_queue {
   uint32_t queue_id;   /* host */
   uint32_t completed;  /* host: last retired fence (seqno) */
   uint32_t wait_fence; /* guest: wake me when completed reaches this */
   uint32_t waiters;    /* guest: nonzero while someone sleeps on it */
};

/* NC_EXT_QUEUE_STATE's shmem area; accessed with atomics on both sides. */
struct nc_shmem_state {
   uint32_t lost;          /* 0, or the errno (positive) that lost the ctx */
   uint32_t global_faults; /* MSM_PARAM_FAULTS after the last batch */
   uint32_t nr_queues;     /* = NC_MAX_QUEUES */
   uint32_t pad;
   struct nc_shmem_queue queues[NC_MAX_QUEUES];
};

/* NC_EXT_MADV_WORDS: one 32-bit madvise word per slot, which the guest
 * flips WILLNEED <-> DONTNEED with compare-and-swap and the host's shrinker
 * flips DONTNEED -> PURGED: madvise costs no message either way (see
 * msm_ctx_bo_share_madv()). */
#define NC_MADV_SLOTS       16384u
#define NC_MADV_SLOT_NONE   0xffffffffu

/* Where each extension's shmem area lives (fixed, so both sides know it
 * without asking); rsp_mem_offset follows the last enabled one. */
#define NC_SHMEM_STATE_OFFSET 64u
#define NC_SHMEM_MADV_OFFSET  4096u

static const struct nc_shmem_area {
   uint32_t ext;
   uint32_t offset, size;
} nc_shmem_areas[] = {
   { NC_EXT_QUEUE_STATE, NC_SHMEM_STATE_OFFSET, sizeof(struct nc_shmem_state) },
   { NC_EXT_MADV_WORDS, NC_SHMEM_MADV_OFFSET, NC_MADV_SLOTS * 4 },
};

/* rsp_mem_offset for a context with extensions ext: what the host writes
 * into the shmem and an extended guest computes itself.  A plain guest gets
 * the anchor's (right after the header). */
static inline uint32_t
nc_shmem_rsp_offset(uint32_t ext)
{
   uint32_t end = sizeof(struct nc_shmem);

   for (unsigned i = 0; i < sizeof(nc_shmem_areas) / sizeof(nc_shmem_areas[0]);
        i++) {
      const struct nc_shmem_area *a = &nc_shmem_areas[i];
      if ((ext & a->ext) && a->offset + a->size > end)
         end = a->offset + a->size;
   }
   return end == sizeof(struct nc_shmem) ? end : (end + 4095u) & ~4095u;
}

_Static_assert(NC_SHMEM_STATE_OFFSET + sizeof(struct nc_shmem_state) <=
               NC_SHMEM_MADV_OFFSET, "shmem areas overlap");

/* --------------------------------------------------------------- ccmds */

enum nc_ccmd {
   /* The anchor's commands, numbered as mesa 22.3.6 numbers them. */
   NC_CCMD_NOP = 1,
   NC_CCMD_IOCTL_SIMPLE,      /* rsp: GET_PARAM, SUBMITQUEUE_NEW/CLOSE */
   NC_CCMD_GEM_NEW,           /* async; rides in the blob create */
   NC_CCMD_GEM_SET_IOVA,      /* async */
   NC_CCMD_GEM_CPU_PREP,      /* rsp, never blocks the host */
   NC_CCMD_GEM_SET_NAME,      /* async */
   NC_CCMD_GEM_SUBMIT,        /* async, guest-assigned fence */
   NC_CCMD_GEM_UPLOAD,        /* async */
   NC_CCMD_SUBMITQUEUE_QUERY, /* rsp */
   NC_CCMD_WAIT_FENCE,        /* rsp, never blocks the host */
   NC_CCMD_SET_DEBUGINFO,     /* async */
   NC_CCMD_ANCHOR_END,        /* the anchor's MSM_CCMD_LAST */

   /* msmvirt's extension commands, far from the anchor's so a newer
    * anchor's commands never collide with them. */
   NC_CCMD_EXT_BASE = 64,
   NC_CCMD_EXT_ENABLE = NC_CCMD_EXT_BASE, /* async, before the shmem */
   NC_CCMD_GEM_NEW_MADV,      /* async: GEM_NEW + its madvise word */
   NC_CCMD_GEM_MADVISE,       /* rsp */
   NC_CCMD_ARENA_NEW,         /* rsp, rare: more hostmem for BO storage */
   NC_CCMD_SUBMITQUEUE_NEW,   /* async: the guest picks id and slot */
   NC_CCMD_BLOB_AT,           /* async: where the guest wants a blob */
   NC_CCMD_COUNT
};

#define NC_CCMD_ALIGN  4u
#define NC_RSP_MAX     1024u  /* largest response the host writes */

struct nc_ccmd_req {
   uint32_t cmd;     /* enum nc_ccmd */
   uint32_t len;     /* bytes, this header included; multiple of 4 */
   uint32_t seqno;   /* the guest's request counter */
   uint32_t rsp_off; /* into the response area; ignored without a rsp */
};

/* Every response starts so (the anchor's {len} then each one's ret). */
struct nc_ccmd_rsp {
   uint32_t len;     /* bytes written, this header included */
   int32_t ret;      /* 0 or a negative errno (-EIO once the ctx is lost) */
};

struct nc_ccmd_nop_req {
   struct nc_ccmd_req hdr;
};

/* The uapi struct of an allow-listed msm ioctl: payload is _IOC_SIZE(cmd)
 * bytes (at offset 20: copy it out before use).  The response repeats it
 * for _IOC_READ ioctls. */
struct nc_ccmd_ioctl_simple_req {
   struct nc_ccmd_req hdr;
   uint32_t cmd;     /* DRM_IOCTL_MSM_* */
   uint8_t payload[];
};
struct nc_ccmd_ioctl_simple_rsp {
   struct nc_ccmd_rsp hdr;
   uint8_t payload[];
};
#define NC_IOCTL_PAYLOAD_MAX 64

struct nc_ccmd_gem_new_req {
   struct nc_ccmd_req hdr;
   uint64_t iova;      /* the guest's pick, inside va_start/va_size */
   uint64_t size;
   uint32_t flags;     /* MSM_BO_* */
   uint32_t blob_id;   /* the blob create that backs it names the same */
};

struct nc_ccmd_gem_set_iova_req {
   struct nc_ccmd_req hdr;
   uint64_t iova;      /* 0: release the iova */
   uint32_t res_id;
};

struct nc_ccmd_gem_cpu_prep_req {
   struct nc_ccmd_req hdr;
   uint32_t res_id;
   uint32_t op;        /* MSM_PREP_*; the host adds NOSYNC */
};
struct nc_ccmd_gem_cpu_prep_rsp {
   struct nc_ccmd_rsp hdr;
};

struct nc_ccmd_gem_set_name_req {
   struct nc_ccmd_req hdr;
   uint32_t res_id;
   uint32_t len;       /* name bytes; the request is padded to 4 */
   uint8_t payload[];
};

/* Followed (at offset 36) by nr_bos struct drm_msm_gem_submit_bo
 * (handle = res_id), then nr_cmds struct drm_msm_gem_submit_cmd. */
struct nc_ccmd_gem_submit_req {
   struct nc_ccmd_req hdr;
   uint32_t flags;     /* MSM_PIPE_3D0 | MSM_SUBMIT_*; host adds FENCE_SN_IN */
   uint32_t queue_id;
   uint32_t nr_bos;
   uint32_t nr_cmds;
   uint32_t fence;     /* the guest-assigned seqno */
   uint8_t payload[];
};

struct nc_ccmd_gem_upload_req {
   struct nc_ccmd_req hdr;
   uint32_t res_id;
   uint32_t pad;
   uint32_t off;
   uint32_t len;       /* data bytes; the request is padded to 4 */
   uint8_t payload[];
};

struct nc_ccmd_submitqueue_query_req {
   struct nc_ccmd_req hdr;
   uint32_t queue_id;
   uint32_t param;
   uint32_t len;       /* payload bytes wanted in the response */
};
struct nc_ccmd_submitqueue_query_rsp {
   struct nc_ccmd_rsp hdr;
   uint32_t out_len;
   uint8_t payload[];
};

struct nc_ccmd_wait_fence_req {
   struct nc_ccmd_req hdr;
   uint32_t queue_id;
   uint32_t fence;
};
struct nc_ccmd_wait_fence_rsp {
   struct nc_ccmd_rsp hdr;
};

/* comm, then cmdline, padded to 4; a length of 0 leaves that one alone. */
struct nc_ccmd_set_debuginfo_req {
   struct nc_ccmd_req hdr;
   uint32_t comm_len;
   uint32_t cmdline_len;
   uint8_t payload[];
};

/* ------------------------------------------------- extension commands */

/* Turn on extensions (a subset of nc_capset_ext.offered).  Only before the
 * shmem (blob 0) exists: its layout follows from them. */
struct nc_ccmd_ext_enable_req {
   struct nc_ccmd_req hdr;
   uint32_t ext;       /* enum nc_ext bits */
   uint32_t pad;
};

/* NC_EXT_MADV_WORDS: a GEM_NEW whose BO keeps its madvise state in a
 * shared word. */
struct nc_ccmd_gem_new_madv_req {
   struct nc_ccmd_gem_new_req gem;
   uint32_t madv_slot; /* index into the madvise words, or _NONE */
   uint32_t pad;
};

struct nc_ccmd_gem_madvise_req {
   struct nc_ccmd_req hdr;
   uint32_t res_id;
   uint32_t madv;
};
struct nc_ccmd_gem_madvise_rsp {
   struct nc_ccmd_rsp hdr;
   uint32_t retained;
   uint32_t pad;
};

struct nc_ccmd_arena_new_req {
   struct nc_ccmd_req hdr;
   uint64_t size;
};
struct nc_ccmd_arena_new_rsp {
   struct nc_ccmd_rsp hdr;
   uint64_t offset;
   uint64_t size;
};

/* NC_EXT_QUEUE_STATE: a submit queue with the guest's id (never reused,
 * never 0: the default queue's) in the guest's shmem slot (free: not one of
 * the guest's queues, and the shmem says NC_QUEUE_NONE). */
struct nc_ccmd_submitqueue_new_req {
   struct nc_ccmd_req hdr;
   uint32_t flags;     /* MSM_SUBMITQUEUE_* */
   uint32_t prio;
   uint32_t queue_id;
   uint32_t slot;
};

/* NC_EXT_BLOB_AT: blob blob_id's storage is at hm_offset (inside the
 * context's arenas, page aligned).  In a blob create's cmd, after the
 * GEM_NEW naming the same blob_id (or alone, for blob 0): the guest kernel
 * reads it to place the blob, and the host loses the context if the blob
 * arrives anywhere else. */
struct nc_ccmd_blob_at_req {
   struct nc_ccmd_req hdr;
   uint32_t blob_id;
   uint32_t pad;
   uint64_t hm_offset;
};

#define NC_ALIGN4(x) (((x) + 3u) & ~3u)
#define NC_ALIGN8(x) (((x) + 7u) & ~7u)

#endif
