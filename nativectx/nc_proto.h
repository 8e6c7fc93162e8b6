/*
 * nc_proto.h - the nativectx guest<->host protocol (DESIGN.md decision 4).
 *
 * The shape follows virglrenderer's msm native context (msm_proto.h): the
 * guest batches "ccmds" into one EXECBUFFER payload; every ccmd starts with
 * struct nc_ccmd_req; a request that wants an answer names an offset in the
 * context's response area (in shared memory) and the host writes a
 * struct nc_ccmd_rsp-headed answer there.  Everything else is fire and
 * forget: an async request that fails marks the context LOST (the uapi's
 * errno would have no one to go to), so the guest validates what it can
 * before queueing.
 *
 * Beyond the anchors: the shared page also carries, per submit queue, the
 * last retired fence, so a guest waits on fences without asking the host;
 * the host only sends an event when a guest says it is sleeping.
 *
 * Layout rules: little-endian; every request is a multiple of 8 bytes long
 * and starts 8-aligned inside the batch, so 64-bit fields are aligned.
 */
#ifndef MSMVIRT_NC_PROTO_H
#define MSMVIRT_NC_PROTO_H

#include <stdint.h>

#include "msm_drm.h"

#define NC_PROTO_NAME           "nativectx"
#define NC_WIRE_FORMAT_VERSION  1

/* The msm driver the context speaks for: Linux 6.1's msm (uapi 1.9.0, the
 * first with MSM_SUBMIT_FENCE_SN_IN and userspace-chosen iova). */
#define NC_CONTEXT_MSM          1
#define NC_MSM_VERSION_MAJOR    1
#define NC_MSM_VERSION_MINOR    9
#define NC_MSM_VERSION_PATCH    0

/* ------------------------------------------------------------- capset */

/* What a guest needs to start without a single GET_PARAM round trip. */
struct nc_capset_msm {
   uint32_t gpu_id;
   uint32_t gmem_size;
   uint32_t priorities;          /* submitqueue prio < priorities */
   uint32_t has_cached_coherent;
   uint64_t chip_id;
   uint64_t gmem_base;
   uint64_t max_freq;
   uint64_t va_start;            /* this context's GPU address space */
   uint64_t va_size;
   /* The context's shared page(s) (struct nc_shmem), hostmem offsets. */
   uint64_t shmem_offset;
   uint64_t shmem_size;
   /* The first hostmem arena: BO storage offsets here are the guest's pick.
    * It contains the shmem, which the guest must not allocate over. */
   uint64_t arena_offset;
   uint64_t arena_size;
   /* Host limits the guest checks itself, so a request that would fail
    * is refused synchronously instead of losing the context. */
   uint64_t max_bo_size;
   uint32_t max_submit_bos;
   uint32_t max_submit_cmds;
   uint32_t max_queues;          /* shmem queue slots */
   uint32_t pad;
};

struct nc_capset {
   uint32_t wire_format_version;
   uint32_t version_major;
   uint32_t version_minor;
   uint32_t version_patchlevel;
   uint32_t context_type;        /* NC_CONTEXT_MSM */
   uint32_t pad;
   struct nc_capset_msm msm;
};

/* -------------------------------------------------------------- shmem */

#define NC_SHMEM_SIZE       (128u * 1024)
#define NC_SHMEM_RSP_OFFSET 4096u      /* the response area */
#define NC_SHMEM_RSP_SIZE   (60u * 1024)
/* Beyond the anchors: one 32-bit madvise word per BO (slot), which the
 * guest flips WILLNEED <-> DONTNEED with compare-and-swap and the host's
 * shrinker flips DONTNEED -> PURGED: madvise costs no message either way
 * (see msm_ctx_bo_share_madv()). */
#define NC_SHMEM_MADV_OFFSET (64u * 1024)
#define NC_MADV_SLOTS       ((NC_SHMEM_SIZE - NC_SHMEM_MADV_OFFSET) / 4)
#define NC_MADV_SLOT_NONE   0xffffffffu
#define NC_MAX_QUEUES       64         /* shmem queue slots */
#define NC_QUEUE_NONE       0xffffffffu

/*
 * One submit queue's published state.  The host owns queue_id/completed,
 * the guest owns wait_fence/waiters (a hint: the host reads but never trusts
 * them).  A slot keeps its queue until the queue is closed AND its last
 * submit retired; then queue_id goes to NC_QUEUE_NONE and may be reused.
 * Queue ids are never reused, so "the slot no longer names my queue" means
 * "all of its work retired".
 */
struct nc_shmem_queue {
   uint32_t queue_id;   /* host */
   uint32_t completed;  /* host: last retired fence (seqno) */
   uint32_t wait_fence; /* guest: wake me when completed reaches this */
   uint32_t waiters;    /* guest: nonzero while someone sleeps on it */
};

/* At the start of the shmem; accessed with atomics on both sides. */
struct nc_shmem {
   uint32_t seqno;         /* last request seqno the host processed */
   uint32_t async_error;   /* failed async requests (counter) */
   uint32_t lost;          /* 0, or the errno (positive) that lost the ctx */
   uint32_t global_faults; /* MSM_PARAM_FAULTS after the last batch */
   uint32_t rsp_offset;    /* = NC_SHMEM_RSP_OFFSET */
   uint32_t rsp_size;
   uint32_t nr_queues;     /* = NC_MAX_QUEUES */
   uint32_t pad;
   struct nc_shmem_queue queues[NC_MAX_QUEUES];
};

_Static_assert(sizeof(struct nc_shmem) <= NC_SHMEM_RSP_OFFSET,
               "shmem header overlaps the response area");
_Static_assert(NC_SHMEM_RSP_OFFSET + NC_SHMEM_RSP_SIZE <= NC_SHMEM_MADV_OFFSET,
               "the response area overlaps the madvise words");

/* --------------------------------------------------------------- ccmds */

enum nc_ccmd {
   NC_CCMD_NOP = 1,
   NC_CCMD_IOCTL_SIMPLE,      /* GET_PARAM, SUBMITQUEUE_NEW, SUBMITQUEUE_CLOSE */
   NC_CCMD_GEM_NEW,           /* async; also rides in BLOB_CREATE */
   NC_CCMD_GEM_SET_IOVA,      /* async */
   NC_CCMD_GEM_CPU_PREP,      /* sync, never blocks the host */
   NC_CCMD_GEM_SET_NAME,      /* async */
   NC_CCMD_GEM_SUBMIT,        /* async, guest-assigned fence */
   NC_CCMD_GEM_UPLOAD,        /* async */
   NC_CCMD_SUBMITQUEUE_QUERY, /* sync */
   NC_CCMD_WAIT_FENCE,        /* sync, never blocks the host */
   NC_CCMD_SET_DEBUGINFO,     /* async */
   NC_CCMD_GEM_MADVISE,       /* sync (async for DONTNEED) */
   NC_CCMD_ARENA_NEW,         /* sync, rare: more hostmem for BO storage */
   NC_CCMD_COUNT
};

#define NC_CCMD_ALIGN  8u
#define NC_RSP_NONE    0xffffffffu /* rsp_off of a request with no answer */
#define NC_RSP_MAX     1024u       /* largest response */

struct nc_ccmd_req {
   uint32_t cmd;     /* enum nc_ccmd */
   uint32_t len;     /* bytes, this header included; multiple of 8 */
   uint32_t seqno;   /* the guest's request counter */
   uint32_t rsp_off; /* into the response area, or NC_RSP_NONE */
};

struct nc_ccmd_rsp {
   int32_t ret;      /* 0 or a negative errno (-EIO once the ctx is lost) */
   uint32_t len;     /* bytes written, this header included */
};

struct nc_ccmd_nop_req {
   struct nc_ccmd_req hdr;
};

/* The uapi struct of an allow-listed msm ioctl; payload is _IOC_SIZE(cmd)
 * bytes, padded to 8.  The response repeats it (for _IOC_READ ioctls). */
struct nc_ccmd_ioctl_simple_req {
   struct nc_ccmd_req hdr;
   uint32_t cmd;     /* DRM_IOCTL_MSM_* */
   uint32_t pad;
   uint8_t payload[];
};
struct nc_ccmd_ioctl_simple_rsp {
   struct nc_ccmd_rsp hdr;
   uint32_t slot;    /* SUBMITQUEUE_NEW: the queue's nc_shmem slot */
   uint32_t pad;
   uint8_t payload[];
};
#define NC_IOCTL_PAYLOAD_MAX 64

struct nc_ccmd_gem_new_req {
   struct nc_ccmd_req hdr;
   uint64_t iova;      /* the guest's pick, inside va_start/va_size */
   uint64_t size;
   uint64_t hm_offset; /* the guest's pick, inside one of its arenas */
   uint32_t flags;     /* MSM_BO_* */
   uint32_t blob_id;   /* > every earlier blob_id of the context */
   uint32_t madv_slot; /* its shared madvise word, or NC_MADV_SLOT_NONE */
   uint32_t pad;
};

struct nc_ccmd_gem_set_iova_req {
   struct nc_ccmd_req hdr;
   uint64_t iova;      /* 0: release the iova */
   uint32_t res_id;
   uint32_t pad;
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
   uint32_t len;
   uint8_t payload[];
};

/* Followed by nr_bos struct drm_msm_gem_submit_bo (handle = res_id), then
 * nr_cmds struct drm_msm_gem_submit_cmd. */
struct nc_ccmd_gem_submit_req {
   struct nc_ccmd_req hdr;
   uint32_t flags;     /* MSM_PIPE_3D0 | MSM_SUBMIT_*; host adds FENCE_SN_IN */
   uint32_t queue_id;
   uint32_t fence;     /* the guest-assigned seqno */
   uint32_t nr_bos;
   uint32_t nr_cmds;
   uint32_t pad;
   uint8_t payload[];
};

struct nc_ccmd_gem_upload_req {
   struct nc_ccmd_req hdr;
   uint64_t off;
   uint32_t res_id;
   uint32_t len;
   uint8_t payload[];
};

struct nc_ccmd_submitqueue_query_req {
   struct nc_ccmd_req hdr;
   uint32_t queue_id;
   uint32_t param;
   uint32_t len;
   uint32_t pad;
};
struct nc_ccmd_submitqueue_query_rsp {
   struct nc_ccmd_rsp hdr;
   uint32_t out_len;
   uint32_t pad;
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

#define NC_DEBUGINFO_COMM    (1u << 0)
#define NC_DEBUGINFO_CMDLINE (1u << 1)
struct nc_ccmd_set_debuginfo_req {
   struct nc_ccmd_req hdr;
   uint32_t flags;       /* which of the two strings to set */
   uint32_t comm_len;
   uint32_t cmdline_len;
   uint32_t pad;
   uint8_t payload[];    /* comm, then cmdline */
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

#define NC_ALIGN8(x) (((x) + 7u) & ~7u)

#endif
