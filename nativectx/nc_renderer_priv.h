/*
 * nc_renderer_priv.h - what nc_renderer.c (context, tables, fences) and
 * nc_ccmd.c (the ccmd handlers and their dispatch table) share.
 */
#ifndef MSMVIRT_NC_RENDERER_PRIV_H
#define MSMVIRT_NC_RENDERER_PRIV_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "msm_core.h"
#include "nc_renderer.h"
#include "nc_table.h"

/* A GEM object of the context.  GEM_NEW records what the guest asked for;
 * the blob create that names the same blob_id makes the core object at the
 * storage offset its kernel picked (handle != 0 from then on) and gives it
 * its res_id.  Live objects stay in ctx->blobs under their blob_id, so a
 * blob_id is never used twice at once. */
struct nc_obj {
   uint32_t handle;    /* core GEM handle, 0 until attached */
   uint32_t res_id;    /* 0 until attached */
   uint32_t blob_id;
   uint32_t flags;
   uint64_t size;      /* page aligned */
   uint64_t iova;
   uint32_t madv_slot; /* NC_MADV_SLOT_NONE unless NC_CCMD_GEM_NEW_MADV */
   bool shmem;         /* blob 0: the shared page, never a GPU buffer */
   bool has_at;        /* NC_CCMD_BLOB_AT named its storage: hm_at */
   uint64_t hm_at;
};

/* A submit queue and its shmem slot (same index).  Guarded by ctx->lock:
 * the core's retire callback uses it too. */
struct nc_host_queue {
   bool used;          /* the slot belongs to a queue */
   bool closed;        /* closed, still draining */
   uint32_t id;        /* the id on the wire (the guest's pick, or core_id) */
   uint32_t core_id;   /* the core's submitqueue id */
   uint32_t prio;
   uint32_t inflight;  /* our submits not yet retired */
   uint32_t completed; /* host copy of what shmem says (never read back) */
};

/* An EXECBUFFER fence waiting on GPU work. */
struct nc_fence {
   struct nc_fence *next;
   uint64_t fence_id;
   uint32_t ring_idx;
   uint32_t slot, queue_id, seqno; /* signals when this submit retired */
};

/* The last submit at each priority, for EXECBUFFER fences. */
struct nc_ring_last {
   bool valid;
   uint32_t slot, queue_id, seqno;
};

#define NC_MAX_RINGS 16
/* Unsignalled EXECBUFFER fences a context may hold (guest memory use). */
#define NC_MAX_FENCES 4096

struct nc_host_ctx {
   struct msm_core *core;
   struct msm_ctx *mctx;
   uint8_t *hostmem;
   uint64_t hostmem_size;

   /* Guest-writable: only written through atomics, never trusted.  Until
    * the guest's blob 0 exists they point at ctx->dummy, so writers need no
    * "is there a shmem yet" test; the response area is empty until then. */
   struct nc_shmem *shmem;
   struct nc_shmem_state *state; /* NC_EXT_QUEUE_STATE's area */
   uint8_t *rsp_area;
   uint32_t rsp_size;
   struct nc_obj *shmem_obj;     /* blob 0, once created */
   bool shmem_has_at;            /* NC_CCMD_BLOB_AT for blob 0 */
   uint64_t shmem_hm_at;
   struct {
      struct nc_shmem hdr;
      struct nc_shmem_state state;
   } dummy;
   struct nc_caps caps;
   uint32_t ext;          /* enabled extensions (enum nc_ext) */

   int lost;              /* 0 or negative errno */
   struct nc_table blobs; /* blob_id -> nc_obj, every live object */
   struct nc_table res;   /* res_id -> nc_obj, attached ones */

   nc_emit_fn emit;
   void *emit_data;

   pthread_mutex_t lock;  /* queues, fences, ring_last (retire callback) */
   struct nc_host_queue queues[NC_MAX_QUEUES];
   struct nc_fence *fences;
   uint32_t nr_fences;
   struct nc_ring_last ring_last[NC_MAX_RINGS];

   /* Each request is copied here (aligned) before it is decoded. */
   uint8_t *scratch;
   size_t scratch_cap;
};

/* A response being built; the dispatcher writes it to the guest's slot. */
struct nc_rsp {
   union {
      struct nc_ccmd_rsp hdr;
      uint64_t align;
      uint8_t bytes[NC_RSP_MAX];
   } u;
};

/* The typed response (header included) of size bytes, zeroed: nothing of
 * the host's stack reaches the guest. */
static inline void *
nc_rsp_body(struct nc_rsp *rsp, uint32_t size)
{
   int32_t ret = rsp->u.hdr.ret;

   if (size < sizeof(struct nc_ccmd_rsp) || size > NC_RSP_MAX)
      return NULL;
   memset(rsp->u.bytes, 0, size);
   rsp->u.hdr.ret = ret;
   rsp->u.hdr.len = size;
   return rsp->u.bytes;
}

/*
 * A handler returns a negative errno for a malformed request (the context
 * is lost whatever the request), else 0 with the operation's result in
 * rsp->u.hdr.ret: that goes to the guest if it asked for a response, and
 * loses the context if it failed and nobody asked.  req is the context's
 * private aligned copy of the request: handlers may rewrite it in place.
 */
typedef int (*nc_ccmd_fn)(struct nc_host_ctx *ctx, void *req,
                          struct nc_rsp *rsp);

/* One row per command: anchor and extension commands alike.  ext: the
 * extension a context must have enabled for it (0: anchor).  has_rsp: it
 * answers at rsp_off (anchor rule: everything else ignores rsp_off, and a
 * failure nobody can be told of loses the context). */
struct nc_ccmd_desc {
   const char *name;
   nc_ccmd_fn handler;
   uint32_t min_size;
   uint32_t ext;
   bool has_rsp;
};

extern const struct nc_ccmd_desc nc_ccmd_table[NC_CCMD_COUNT];

/* Helpers the handlers use (nc_renderer.c). */
/* The attached GPU object named res_id (never the shmem), or NULL. */
struct nc_obj *nc_host_ctx_obj(struct nc_host_ctx *ctx, uint32_t res_id);
/* Claim slot (NC_QUEUE_NONE: any free one) for a queue about to be made;
 * -EBUSY if taken, -ENOMEM if none is free. */
int nc_queue_reserve(struct nc_host_ctx *ctx, uint32_t *slot);
void nc_queue_publish(struct nc_host_ctx *ctx, uint32_t slot, uint32_t id,
                      uint32_t core_id, uint32_t prio);
void nc_queue_unreserve(struct nc_host_ctx *ctx, uint32_t slot);
/* The core's id of the queue the wire calls id (-ENOENT: none). */
int nc_queue_core_id(struct nc_host_ctx *ctx, uint32_t id, uint32_t *core_id);
/* Does a queue (open, or closed and still draining) have this wire id? */
bool nc_queue_id_used(struct nc_host_ctx *ctx, uint32_t id);
void nc_queue_close(struct nc_host_ctx *ctx, uint32_t id);
/* Around msm_ctx_gem_submit: count the submit before it can retire. */
int nc_queue_submit_begin(struct nc_host_ctx *ctx, uint32_t id, uint32_t *slot);
void nc_queue_submit_end(struct nc_host_ctx *ctx, uint32_t slot, uint32_t fence,
                         bool ok);
void nc_publish_faults(struct nc_host_ctx *ctx, uint32_t faults);
/* nc_blob.c: the context's object records, after msm_ctx_destroy(). */
void nc_blobs_free(struct nc_host_ctx *ctx);

/* Wrap-safe seqno order. */
static inline bool
nc_fence_after_eq(uint32_t a, uint32_t b)
{
   return (int32_t)(a - b) >= 0;
}

#endif
