/*
 * nc_renderer.c - one nativectx context on the host: lifecycle and capset,
 * the request loop and its response helper, submit queues, and the fence
 * state published to the guest.  The ccmd handlers and their dispatch
 * table live in nc_ccmd.c, blobs (the shmem among them) in nc_blob.c.
 *
 * Two threads touch a context: the connection thread (everything here but
 * the retire callback) and the core's GPU thread (retire_cb, with the core
 * lock held).  They share only ctx->lock's data; the connection thread never
 * calls into the core while holding ctx->lock, so the lock order is always
 * core lock -> ctx->lock.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nc_renderer_priv.h"
#include "vclock.h"


static void
emit(struct nc_host_ctx *ctx, uint32_t type, uint32_t ring_idx, uint64_t fence_id)
{
   struct vg_event ev = { .type = type, .ring_idx = ring_idx,
                          .fence_id = fence_id };
   if (ctx->emit)
      ctx->emit(ctx->emit_data, &ev);
}

/* ---------------------------------------------------------- lost state */

void
nc_host_ctx_lose(struct nc_host_ctx *ctx, int err)
{
   if (ctx->lost)
      return;
   ctx->lost = err < 0 ? err : -EIO;
   /* The anchor's signal (a guest treats it as context lost), and the
    * extension's errno. */
   __atomic_add_fetch(&ctx->shmem->async_error, 1, __ATOMIC_SEQ_CST);
   __atomic_store_n(&ctx->state->lost, (uint32_t)-ctx->lost, __ATOMIC_SEQ_CST);
   /* Sleepers would otherwise wait for fences that never come. */
   emit(ctx, VG_EVENT_SHMEM, NC_QUEUE_NONE, 0);
}

int
nc_host_ctx_lost(const struct nc_host_ctx *ctx)
{
   return ctx->lost;
}

struct nc_shmem *
nc_host_ctx_shmem(struct nc_host_ctx *ctx)
{
   return ctx->shmem;
}

struct nc_shmem_state *
nc_host_ctx_state(struct nc_host_ctx *ctx)
{
   return ctx->state;
}

struct msm_ctx *
nc_host_ctx_msm(struct nc_host_ctx *ctx)
{
   return ctx->mctx;
}

void
nc_publish_faults(struct nc_host_ctx *ctx, uint32_t faults)
{
   __atomic_store_n(&ctx->state->global_faults, faults, __ATOMIC_RELEASE);
}

/* ------------------------------------------------------------ queues */

static void
queue_publish_locked(struct nc_host_ctx *ctx, uint32_t slot, uint32_t id,
                     uint32_t core_id, uint32_t prio)
{
   struct nc_host_queue *q = &ctx->queues[slot];
   struct nc_shmem_queue *sq = &ctx->state->queues[slot];

   *q = (struct nc_host_queue){ .used = true, .id = id, .core_id = core_id,
                           .prio = prio };
   /* completed first: a guest that sees the id must see its fresh state. */
   __atomic_store_n(&sq->completed, 0, __ATOMIC_RELEASE);
   __atomic_store_n(&sq->queue_id, id, __ATOMIC_RELEASE);
}

static void
queue_free_locked(struct nc_host_ctx *ctx, uint32_t slot)
{
   ctx->queues[slot] = (struct nc_host_queue){ 0 };
   __atomic_store_n(&ctx->state->queues[slot].queue_id, NC_QUEUE_NONE,
                    __ATOMIC_RELEASE);
}

/* Claim a slot before the core queue exists, so a queue is never made that
 * cannot be published. */
int
nc_queue_reserve(struct nc_host_ctx *ctx, uint32_t *slot)
{
   int ret = -ENOMEM;

   pthread_mutex_lock(&ctx->lock);
   for (uint32_t i = 0; i < NC_MAX_QUEUES; i++) {
      if (*slot != NC_QUEUE_NONE && i != *slot)
         continue;
      if (!ctx->queues[i].used) {
         ctx->queues[i] = (struct nc_host_queue){ .used = true, .id = NC_QUEUE_NONE,
                                             .core_id = NC_QUEUE_NONE };
         *slot = i;
         ret = 0;
         break;
      }
      if (*slot != NC_QUEUE_NONE)
         ret = -EBUSY;
   }
   pthread_mutex_unlock(&ctx->lock);
   return ret;
}

void
nc_queue_publish(struct nc_host_ctx *ctx, uint32_t slot, uint32_t id,
                 uint32_t core_id, uint32_t prio)
{
   pthread_mutex_lock(&ctx->lock);
   queue_publish_locked(ctx, slot, id, core_id, prio);
   pthread_mutex_unlock(&ctx->lock);
}

void
nc_queue_unreserve(struct nc_host_ctx *ctx, uint32_t slot)
{
   pthread_mutex_lock(&ctx->lock);
   ctx->queues[slot] = (struct nc_host_queue){ 0 };
   pthread_mutex_unlock(&ctx->lock);
}

void
nc_queue_close(struct nc_host_ctx *ctx, uint32_t id)
{
   pthread_mutex_lock(&ctx->lock);
   for (uint32_t i = 0; i < NC_MAX_QUEUES; i++) {
      struct nc_host_queue *q = &ctx->queues[i];
      if (q->used && !q->closed && q->id == id) {
         /* The slot stays until the queue's last submit retired. */
         q->closed = true;
         if (!q->inflight)
            queue_free_locked(ctx, i);
         break;
      }
   }
   pthread_mutex_unlock(&ctx->lock);
}

/* The live (not closed) queue the wire calls id. */
static int
queue_slot_locked(struct nc_host_ctx *ctx, uint32_t id)
{
   for (uint32_t i = 0; i < NC_MAX_QUEUES; i++)
      if (ctx->queues[i].used && !ctx->queues[i].closed &&
          ctx->queues[i].id == id)
         return (int)i;
   return -1;
}

/* The slot of the core's queue core_id (closed or not). */
static int
queue_slot_core_locked(struct nc_host_ctx *ctx, uint32_t core_id)
{
   for (uint32_t i = 0; i < NC_MAX_QUEUES; i++)
      if (ctx->queues[i].used && ctx->queues[i].core_id == core_id)
         return (int)i;
   return -1;
}

int
nc_queue_core_id(struct nc_host_ctx *ctx, uint32_t id, uint32_t *core_id)
{
   int ret = -ENOENT;

   if (id == NC_QUEUE_NONE)
      return ret;
   pthread_mutex_lock(&ctx->lock);
   int i = queue_slot_locked(ctx, id);
   if (i >= 0) {
      *core_id = ctx->queues[i].core_id;
      ret = 0;
   }
   pthread_mutex_unlock(&ctx->lock);
   return ret;
}

bool
nc_queue_id_used(struct nc_host_ctx *ctx, uint32_t id)
{
   bool used = false;

   pthread_mutex_lock(&ctx->lock);
   for (uint32_t i = 0; i < NC_MAX_QUEUES; i++)
      used |= ctx->queues[i].used && ctx->queues[i].id == id;
   pthread_mutex_unlock(&ctx->lock);
   return used;
}

int
nc_queue_submit_begin(struct nc_host_ctx *ctx, uint32_t id, uint32_t *slot)
{
   pthread_mutex_lock(&ctx->lock);
   int i = queue_slot_locked(ctx, id);
   if (i >= 0)
      ctx->queues[i].inflight++;
   *slot = i >= 0 ? (uint32_t)i : NC_QUEUE_NONE;
   pthread_mutex_unlock(&ctx->lock);
   return 0;
}

void
nc_queue_submit_end(struct nc_host_ctx *ctx, uint32_t slot, uint32_t fence, bool ok)
{
   if (slot >= NC_MAX_QUEUES)
      return;
   pthread_mutex_lock(&ctx->lock);
   struct nc_host_queue *q = &ctx->queues[slot];
   if (!ok) {
      if (q->inflight)
         q->inflight--;
      if (q->closed && !q->inflight)
         queue_free_locked(ctx, slot);
   } else if (q->prio + 1 < NC_MAX_RINGS) {
      ctx->ring_last[q->prio + 1] = (struct nc_ring_last){
         .valid = true, .slot = slot, .queue_id = q->id, .seqno = fence,
      };
   }
   pthread_mutex_unlock(&ctx->lock);
}

/* Has the submit (slot, queue_id, seqno) retired?  Under ctx->lock. */
static bool
submit_retired_locked(struct nc_host_ctx *ctx, uint32_t slot, uint32_t queue_id,
                      uint32_t seqno)
{
   const struct nc_host_queue *q = &ctx->queues[slot];
   /* A slot no longer naming the queue means it drained. */
   if (!q->used || q->id != queue_id)
      return true;
   return nc_fence_after_eq(q->completed, seqno);
}

/* The core's retire callback: GPU thread, core lock held.  Only stores and
 * queued events here. */
static void
retire_cb(void *data, uint32_t queue_id, uint32_t fence, uint32_t faults)
{
   struct nc_host_ctx *ctx = data;

   pthread_mutex_lock(&ctx->lock);
   /* Before the fence: a guest that sees the fence sees its faults too. */
   nc_publish_faults(ctx, faults);
   int i = queue_slot_core_locked(ctx, queue_id);
   if (i >= 0) {
      struct nc_host_queue *q = &ctx->queues[i];
      struct nc_shmem_queue *sq = &ctx->state->queues[i];

      q->completed = fence;
      /* Publish, then look for a sleeper; the guest arms, then re-reads
       * completed: one of the two sees the other (both seq_cst). */
      __atomic_store_n(&sq->completed, fence, __ATOMIC_SEQ_CST);
      uint32_t waiters = __atomic_load_n(&sq->waiters, __ATOMIC_SEQ_CST);
      uint32_t want = __atomic_load_n(&sq->wait_fence, __ATOMIC_SEQ_CST);
      if (waiters && nc_fence_after_eq(fence, want))
         emit(ctx, VG_EVENT_SHMEM, (uint32_t)i, fence);

      for (struct nc_fence **p = &ctx->fences; *p;) {
         struct nc_fence *f = *p;
         if (f->slot == (uint32_t)i && f->queue_id == q->id &&
             nc_fence_after_eq(fence, f->seqno)) {
            emit(ctx, VG_EVENT_FENCE, f->ring_idx, f->fence_id);
            *p = f->next;
            ctx->nr_fences--;
            free(f);
         } else {
            p = &f->next;
         }
      }
      if (q->inflight)
         q->inflight--;
      if (q->closed && !q->inflight)
         queue_free_locked(ctx, (uint32_t)i);
   }
   pthread_mutex_unlock(&ctx->lock);
}

int
nc_host_ctx_submit_fence(struct nc_host_ctx *ctx, uint32_t ring_idx, uint64_t fence_id)
{
   struct nc_fence *f;

   if (ctx->lost)
      return -EIO;
   if (ring_idx == 0) {
      /* The host CPU ring: the batch before this fence has run. */
      emit(ctx, VG_EVENT_FENCE, 0, fence_id);
      return 0;
   }
   if (ring_idx > ctx->caps.capset.msm.priorities || ring_idx >= NC_MAX_RINGS) {
      nc_host_ctx_lose(ctx, -EINVAL);
      return -EIO;
   }
   if (ctx->nr_fences >= NC_MAX_FENCES) {
      nc_host_ctx_lose(ctx, -ENOMEM);
      return -EIO;
   }
   f = calloc(1, sizeof(*f));
   if (!f) {
      nc_host_ctx_lose(ctx, -ENOMEM);
      return -EIO;
   }
   pthread_mutex_lock(&ctx->lock);
   struct nc_ring_last rl = ctx->ring_last[ring_idx];
   if (!rl.valid || submit_retired_locked(ctx, rl.slot, rl.queue_id, rl.seqno)) {
      emit(ctx, VG_EVENT_FENCE, ring_idx, fence_id);
      free(f);
   } else {
      *f = (struct nc_fence){
         .next = ctx->fences, .fence_id = fence_id, .ring_idx = ring_idx,
         .slot = rl.slot, .queue_id = rl.queue_id, .seqno = rl.seqno,
      };
      ctx->fences = f;
      ctx->nr_fences++;
   }
   pthread_mutex_unlock(&ctx->lock);
   return 0;
}

/* ---------------------------------------------------------- requests */

/* The one writer of the response area: bounds-checks the guest's offset
 * (relative to rsp_mem_offset, like the anchor's). */
static int
rsp_write(struct nc_host_ctx *ctx, uint32_t rsp_off, const struct nc_rsp *rsp)
{
   uint32_t len = rsp->u.hdr.len;

   if (len < sizeof(struct nc_ccmd_rsp) || len > NC_RSP_MAX ||
       rsp_off > ctx->rsp_size || len > ctx->rsp_size - rsp_off)
      return -EINVAL;
   memcpy(ctx->rsp_area + rsp_off, rsp->u.bytes, len);
   return 0;
}

static int
scratch_reserve(struct nc_host_ctx *ctx, size_t len)
{
   if (len <= ctx->scratch_cap)
      return 0;
   size_t cap = ctx->scratch_cap ? ctx->scratch_cap : 4096;
   while (cap < len)
      cap *= 2;
   /* Requests come out of one transport frame, so len is bounded. */
   void *p = aligned_alloc(16, cap);
   if (!p)
      return -ENOMEM;
   free(ctx->scratch);
   ctx->scratch = p;
   ctx->scratch_cap = cap;
   return 0;
}

/* The table's row for a command this context may send, or NULL. */
static const struct nc_ccmd_desc *
ccmd_desc(const struct nc_host_ctx *ctx, uint32_t cmd)
{
   const struct nc_ccmd_desc *d = cmd < NC_CCMD_COUNT ? &nc_ccmd_table[cmd]
                                                      : NULL;
   if (!d || !d->handler || (d->ext & ~ctx->ext))
      return NULL;
   return d;
}

static void
run_one(struct nc_host_ctx *ctx, const struct nc_ccmd_req *hdr, const uint8_t *src)
{
   const struct nc_ccmd_desc *d = ccmd_desc(ctx, hdr->cmd);
   bool want_rsp = d && d->has_rsp;
   struct nc_rsp rsp;
   int ret = 0;

   rsp.u.hdr.ret = 0;
   rsp.u.hdr.len = sizeof(rsp.u.hdr);

   if (!ctx->lost) {
      if (!d || hdr->len < d->min_size)
         ret = -EINVAL;
      else if (want_rsp && (hdr->rsp_off % 4 || hdr->rsp_off > ctx->rsp_size ||
                            ctx->rsp_size - hdr->rsp_off <
                               sizeof(struct nc_ccmd_rsp)))
         ret = -EINVAL; /* refuse before acting, not after */
      else
         ret = scratch_reserve(ctx, hdr->len);
      if (!ret) {
         /* Decode a private, aligned copy: src may be guest-visible.  Its
          * header is the one checked above, not whatever the guest wrote
          * there since (handlers trust hdr.len). */
         memcpy(ctx->scratch, src, hdr->len);
         memcpy(ctx->scratch, hdr, sizeof(*hdr));
         vclock_charge(VC_HOST_CPU, vclock_costs.host_op_ns); /* cost model */
         ret = d->handler(ctx, ctx->scratch, &rsp);
      }
      if (ret)
         nc_host_ctx_lose(ctx, ret);
      else if (rsp.u.hdr.ret && !want_rsp)
         nc_host_ctx_lose(ctx, rsp.u.hdr.ret); /* an async request failed */
      if (ctx->lost && getenv("MSMVIRT_NC_DEBUG"))
         fprintf(stderr, "nativectx: context lost at ccmd %u (%s) seqno %u: %s\n",
                 hdr->cmd, d ? d->name : "?", hdr->seqno,
                 strerror(-ctx->lost));
   }
   if (ctx->lost) {
      rsp.u.hdr.ret = -EIO;
      rsp.u.hdr.len = sizeof(rsp.u.hdr);
   }
   if (want_rsp && rsp_write(ctx, hdr->rsp_off, &rsp)) {
      nc_host_ctx_lose(ctx, -EINVAL);
      /* Still answer if the header fits, so the guest is not left guessing. */
      rsp.u.hdr.ret = -EIO;
      rsp.u.hdr.len = sizeof(rsp.u.hdr);
      rsp_write(ctx, hdr->rsp_off, &rsp);
   }
   __atomic_store_n(&ctx->shmem->seqno, hdr->seqno, __ATOMIC_RELEASE);
}

int
nc_host_ctx_execute(struct nc_host_ctx *ctx, const void *cmd, size_t len)
{
   const uint8_t *p = cmd;
   size_t off = 0;

   while (off < len) {
      struct nc_ccmd_req hdr;
      size_t left = len - off;

      if (left < sizeof(hdr)) {
         nc_host_ctx_lose(ctx, -EINVAL);
         break;
      }
      memcpy(&hdr, p + off, sizeof(hdr));
      /* A bad length breaks the framing: nothing after it can be trusted. */
      if (hdr.len < sizeof(hdr) || hdr.len > left || hdr.len % NC_CCMD_ALIGN) {
         nc_host_ctx_lose(ctx, -EINVAL);
         break;
      }
      run_one(ctx, &hdr, p + off);
      off += hdr.len;
   }

   /* Only a guest that reads it pays for the fault counter. */
   if (!ctx->lost && len && (ctx->ext & NC_EXT_QUEUE_STATE)) {
      struct drm_msm_param fp = { .pipe = MSM_PIPE_3D0,
                                  .param = MSM_PARAM_FAULTS };
      if (!msm_ctx_get_param(ctx->mctx, &fp))
         nc_publish_faults(ctx, (uint32_t)fp.value);
   }
   return ctx->lost ? -EIO : 0;
}

/* --------------------------------------------------------- lifecycle */

static int
query(struct nc_host_ctx *ctx, uint32_t param, uint64_t *value)
{
   struct drm_msm_param p = { .pipe = MSM_PIPE_3D0, .param = param };
   int ret = msm_ctx_get_param(ctx->mctx, &p);
   if (!ret)
      *value = p.value;
   return ret;
}

static int
fill_caps(struct nc_host_ctx *ctx, uint64_t arena_offset, uint64_t arena_size)
{
   struct nc_capset *c = &ctx->caps.capset;
   struct nc_capset_ext *x = &ctx->caps.ext;
   uint64_t gpu_id, gmem_size, prio, max_freq;
   int ret;

   memset(&ctx->caps, 0, sizeof(ctx->caps));
   *c = (struct nc_capset){
      .wire_format_version = NC_WIRE_FORMAT_VERSION,
      .version_major = NC_MSM_VERSION_MAJOR,
      .version_minor = NC_MSM_VERSION_MINOR,
      .version_patchlevel = NC_MSM_VERSION_PATCH,
      .context_type = NC_CONTEXT_MSM,
   };
   if ((ret = query(ctx, MSM_PARAM_GPU_ID, &gpu_id)) ||
       (ret = query(ctx, MSM_PARAM_GMEM_SIZE, &gmem_size)) ||
       (ret = query(ctx, MSM_PARAM_PRIORITIES, &prio)) ||
       (ret = query(ctx, MSM_PARAM_CHIP_ID, &c->msm.chip_id)) ||
       (ret = query(ctx, MSM_PARAM_GMEM_BASE, &c->msm.gmem_base)) ||
       (ret = query(ctx, MSM_PARAM_MAX_FREQ, &max_freq)) ||
       (ret = query(ctx, MSM_PARAM_VA_START, &c->msm.va_start)) ||
       (ret = query(ctx, MSM_PARAM_VA_SIZE, &c->msm.va_size)))
      return ret;
   c->msm.gpu_id = (uint32_t)gpu_id;
   c->msm.gmem_size = (uint32_t)gmem_size;
   c->msm.priorities = (uint32_t)prio;
   c->msm.max_freq = (uint32_t)max_freq; /* the anchor's field is 32 bits */
   c->msm.has_cached_coherent = msm_core_chip(ctx->core)->has_cached_coherent;

   x->magic = NC_CAPSET_EXT_MAGIC;
   x->offered = NC_EXT_ALL;
   x->arena_offset = arena_offset;
   x->arena_size = arena_size;
   /* The host's real limits: an extended guest refuses what would fail
    * here synchronously, instead of losing the context on an async
    * request. */
   struct msm_limits lim;
   msm_core_limits(ctx->core, &lim);
   x->max_bo_size = lim.max_bo_size;
   x->max_submit_bos = lim.max_submit_bos;
   x->max_submit_cmds = lim.max_submit_cmds;
   x->max_queues = NC_MAX_QUEUES;
   x->madv_slots = NC_MADV_SLOTS;
   return 0;
}

int
nc_host_ctx_create(struct msm_core *core, uint64_t arena_size, nc_emit_fn emit_fn,
              void *emit_data, struct nc_host_ctx **out)
{
   return nc_host_ctx_create_vm(core, NULL, arena_size, emit_fn, emit_data, out);
}

int
nc_host_ctx_create_vm(struct msm_core *core, struct msm_vm *vm, uint64_t arena_size,
                 nc_emit_fn emit_fn, void *emit_data, struct nc_host_ctx **out)
{
   struct msm_hostmem_info hm;
   struct nc_host_ctx *ctx;
   uint64_t arena_offset;
   int ret;

   if (!arena_size)
      arena_size = NC_DEFAULT_ARENA_SIZE;
   if (arena_size < 2 * NC_SHMEM_SIZE || arena_size > NC_MAX_ARENA_SIZE)
      return -EINVAL;
   arena_size = MSM_PAGE_ALIGN(arena_size);

   ctx = calloc(1, sizeof(*ctx));
   if (!ctx)
      return -ENOMEM;
   ctx->core = core;
   ctx->emit = emit_fn;
   ctx->emit_data = emit_data;
   nc_table_init(&ctx->blobs);
   nc_table_init(&ctx->res);
   pthread_mutex_init(&ctx->lock, NULL);
   /* No shmem until the guest makes blob 0: publish into our own page. */
   ctx->shmem = &ctx->dummy.hdr;
   ctx->state = &ctx->dummy.state;

   ret = msm_ctx_create_vm(core, vm, &ctx->mctx);
   if (ret)
      goto fail_free;
   /* The first arena: the guest kernel places every blob (the shmem too)
    * inside it. */
   ret = msm_ctx_arena_new(ctx->mctx, arena_size, &arena_offset);
   if (ret)
      goto fail_ctx;
   msm_core_hostmem(core, &hm);
   ctx->hostmem = hm.base;
   ctx->hostmem_size = hm.size;
   ret = fill_caps(ctx, arena_offset, arena_size);
   if (ret)
      goto fail_ctx;

   /* msm_ctx_create() made queue 0 at the middle priority, like the
    * kernel's msm_submitqueue_init(). */
   for (uint32_t i = 0; i < NC_MAX_QUEUES; i++)
      ctx->dummy.state.queues[i].queue_id = NC_QUEUE_NONE;
   pthread_mutex_lock(&ctx->lock);
   queue_publish_locked(ctx, 0, 0, 0, ctx->caps.capset.msm.priorities / 2);
   pthread_mutex_unlock(&ctx->lock);
   msm_ctx_set_retire_cb(ctx->mctx, retire_cb, ctx);
   *out = ctx;
   return 0;

fail_ctx:
   msm_ctx_destroy(ctx->mctx);
fail_free:
   pthread_mutex_destroy(&ctx->lock);
   free(ctx);
   return ret;
}

void
nc_host_ctx_destroy(struct nc_host_ctx *ctx)
{
   if (!ctx)
      return;
   /* Closes every handle, queue and (once idle) arena; after it returns
    * the retire callback cannot run for this context any more. */
   msm_ctx_destroy(ctx->mctx);
   nc_blobs_free(ctx);
   while (ctx->fences) {
      struct nc_fence *f = ctx->fences;
      ctx->fences = f->next;
      free(f);
   }
   free(ctx->scratch);
   pthread_mutex_destroy(&ctx->lock);
   free(ctx);
}

void
nc_host_ctx_caps(const struct nc_host_ctx *ctx, struct nc_caps *caps)
{
   *caps = ctx->caps;
}
