/*
 * submit.c - submit queues, GEM_SUBMIT, fences and their retirement.
 *
 * Like msm_gem_submit.c: copy-in is done by the caller; here every count is
 * checked against a limit before anything is allocated, every handle is
 * looked up, every command range is checked against its BO, and failure
 * unwinds without side effects.  Fences are per queue; with
 * MSM_SUBMIT_FENCE_SN_IN userspace picks the seqno, which must not belong
 * to a submit that is still in flight on that queue.  Syncobjs
 * (MSM_SUBMIT_SYNCOBJ_IN/OUT) follow msm_parse_deps() /
 * msm_parse_post_deps(): in-fences are taken when the submit is made, and
 * the backend holds the submit until those on other rings have signalled
 * (a ring runs in order, so the same ring's own fences need no wait).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core_priv.h"

/* Wrap-safe seqno comparison, as the kernel's fence_after(). */
static bool
fence_after(uint32_t a, uint32_t b)
{
   return (int32_t)(a - b) > 0;
}

struct msm_queue *
msm_ctx_lookup_queue(struct msm_ctx *ctx, uint32_t id)
{
   for (uint32_t i = 0; i < ctx->queues_cap; i++) {
      struct msm_queue *q = ctx->queues[i];
      if (q && q->id == id)
         return q;
   }
   return NULL;
}

void
msm_queue_unref_locked(struct msm_queue *q)
{
   if (--q->refcount)
      return;
   q->ctx->core->nr_queues--;
   free(q);
}

int
model_submitqueue_new(struct msm_ctx *ctx, struct drm_msm_submitqueue *args)
{
   struct msm_core *core = ctx->core;
   uint32_t nr_prio = core->chip->nr_rings * MSM_NR_SCHED_PRIORITIES;
   struct msm_queue *q;
   uint32_t slot;

   if (args->flags & ~MSM_SUBMITQUEUE_FLAGS)
      return -EINVAL;
   if (args->prio >= nr_prio)
      return -EINVAL;

   pthread_mutex_lock(&core->lock);
   if (ctx->nr_queues >= core->cfg.limits.max_queues)
      goto enomem;
   if (!ctx->queues) {
      ctx->queues = calloc(core->cfg.limits.max_queues, sizeof(*ctx->queues));
      if (!ctx->queues)
         goto enomem;
      ctx->queues_cap = core->cfg.limits.max_queues;
   }
   for (slot = 0; slot < ctx->queues_cap && ctx->queues[slot]; slot++)
      ;
   q = calloc(1, sizeof(*q));
   if (!q)
      goto enomem;
   q->ctx = ctx;
   q->refcount = 1;
   q->id = ctx->next_queue_id++; /* ids are never reused */
   q->prio = args->prio;
   q->ring = args->prio / MSM_NR_SCHED_PRIORITIES;
   q->next_fence = 1;
   ctx->queues[slot] = q;
   ctx->nr_queues++;
   core->nr_queues++;
   args->id = q->id;
   pthread_mutex_unlock(&core->lock);
   return 0;

enomem:
   pthread_mutex_unlock(&core->lock);
   return -ENOMEM;
}

static void
queue_close_locked(struct msm_ctx *ctx, uint32_t slot)
{
   struct msm_queue *q = ctx->queues[slot];

   ctx->queues[slot] = NULL;
   ctx->nr_queues--;
   q->closed = true;
   msm_queue_unref_locked(q);
}

int
model_submitqueue_close(struct msm_ctx *ctx, uint32_t id)
{
   int ret = -ENOENT;

   /* msm_submitqueue_remove(): the default queue cannot be destroyed. */
   if (!id)
      return -ENOENT;
   pthread_mutex_lock(&ctx->core->lock);
   for (uint32_t i = 0; i < ctx->queues_cap; i++) {
      if (ctx->queues[i] && ctx->queues[i]->id == id) {
         queue_close_locked(ctx, i);
         ret = 0;
         break;
      }
   }
   pthread_mutex_unlock(&ctx->core->lock);
   return ret;
}

void
msm_ctx_close_queues_locked(struct msm_ctx *ctx)
{
   for (uint32_t i = 0; i < ctx->queues_cap; i++)
      if (ctx->queues[i])
         queue_close_locked(ctx, i);
}

int
model_submitqueue_query(struct msm_ctx *ctx,
                        struct drm_msm_submitqueue_query *args, void *data)
{
   struct msm_queue *q;
   uint32_t faults, size;

   if (args->pad)
      return -EINVAL;
   pthread_mutex_lock(&ctx->core->lock);
   q = msm_ctx_lookup_queue(ctx, args->id);
   faults = q ? q->faults : 0;
   pthread_mutex_unlock(&ctx->core->lock);
   if (!q)
      return -ENOENT;
   if (args->param != MSM_SUBMITQUEUE_PARAM_FAULTS)
      return -EINVAL;
   /* A zero length asks for the size of the data. */
   if (!args->len) {
      args->len = sizeof(faults);
      return 0;
   }
   size = args->len < sizeof(faults) ? args->len : sizeof(faults);
   if (!data)
      return -EFAULT;
   memcpy(data, &faults, size);
   args->len = size;
   return 0;
}

int
model_queue_completed(struct msm_ctx *ctx, uint32_t id, uint32_t *fence)
{
   struct msm_queue *q;

   /* The kernel does not tell us; only the sim core knows. */
   pthread_mutex_lock(&ctx->core->lock);
   q = msm_ctx_lookup_queue(ctx, id);
   if (q)
      *fence = q->last_retired;
   pthread_mutex_unlock(&ctx->core->lock);
   return q ? 0 : -ENOENT;
}

uint32_t
model_submit_room(struct msm_ctx *ctx)
{
   struct msm_core *core = ctx->core;
   uint32_t room;

   pthread_mutex_lock(&core->lock);
   room = ctx->inflight >= core->cfg.limits.max_inflight
             ? 0 : core->cfg.limits.max_inflight - ctx->inflight;
   pthread_mutex_unlock(&core->lock);
   return room;
}

static struct msm_submit *
queue_find_inflight(struct msm_queue *q, uint32_t fence)
{
   for (struct msm_submit *s = q->inflight_head; s; s = s->queue_next)
      if (s->fence == fence)
         return s;
   return NULL;
}

/* idr_alloc_cyclic(1, INT_MAX): the next seqno not in flight. */
static uint32_t
queue_next_fence(struct msm_queue *q)
{
   for (;;) {
      uint32_t f = q->next_fence;
      q->next_fence = f >= INT_MAX ? 1 : f + 1;
      if (!queue_find_inflight(q, f))
         return f;
   }
}

static int
submit_check_args(struct msm_ctx *ctx, const struct drm_msm_gem_submit *args,
                  const struct drm_msm_gem_submit_bo *bos,
                  const struct drm_msm_gem_submit_cmd *cmds,
                  const struct drm_msm_gem_submit_syncobj *in,
                  const struct drm_msm_gem_submit_syncobj *out)
{
   struct msm_rules_caps caps = msm_core_rules_caps(ctx->core);
   struct msm_rule_submit rs = {
      .flags = args->flags, .pad = args->pad,
      .nr_bos = args->nr_bos, .nr_cmds = args->nr_cmds,
      .nr_in_syncobjs = args->nr_in_syncobjs,
      .nr_out_syncobjs = args->nr_out_syncobjs,
      .have_bos = bos, .have_cmds = cmds, .have_in = in, .have_out = out,
   };
   int ret = msm_rule_submit_args(&caps, &rs);

   for (uint32_t i = 0; !ret && i < args->nr_cmds; i++)
      ret = msm_rule_submit_cmd(cmds[i].type, cmds[i].size, cmds[i].nr_relocs,
                                cmds[i].submit_idx, args->nr_bos);
   return ret;
}

static void
submit_free_locked(struct msm_core *core, struct msm_submit *s,
                   uint32_t nr_referenced)
{
   for (uint32_t i = 0; i < nr_referenced; i++) {
      struct msm_bo *bo = s->bos[i].bo;
      if (s->bos[i].flags & MSM_SUBMIT_BO_READ)
         bo->active_reads--;
      if (s->bos[i].flags & MSM_SUBMIT_BO_WRITE)
         bo->active_writes--;
      msm_bo_unref_locked(core, bo);
   }
   free(s->wait_seqno);
   free(s->bos);
   free(s->cmds);
   free(s);
}

/* The syncobjs a submit resets (in, MSM_SUBMIT_SYNCOBJ_RESET) and signals
 * (out), referenced from validation until the submit is queued. */
struct submit_syncobjs {
   uint32_t nr_in, nr_out;
   struct msm_syncobj **resets; /* [nr_in], NULL: no reset */
   struct msm_syncobj **outs;   /* [nr_out] */
};

static void
syncobjs_put_locked(struct msm_core *core, struct submit_syncobjs *so)
{
   for (uint32_t i = 0; i < so->nr_in; i++)
      if (so->resets[i])
         msm_syncobj_unref_locked(core, so->resets[i]);
   for (uint32_t i = 0; i < so->nr_out; i++)
      if (so->outs[i])
         msm_syncobj_unref_locked(core, so->outs[i]);
   memset(so->resets, 0, so->nr_in * sizeof(*so->resets));
   memset(so->outs, 0, so->nr_out * sizeof(*so->outs));
}

/* msm_parse_deps(): each in-syncobj must hold a fence now (no waiting for
 * a submit here); that fence, not whatever the syncobj holds later, is
 * what the submit waits for. */
static int
parse_deps_locked(struct msm_ctx *ctx, struct msm_submit *s,
                  const struct msm_queue *q,
                  const struct drm_msm_gem_submit_syncobj *in,
                  struct submit_syncobjs *so)
{
   for (uint32_t i = 0; i < so->nr_in; i++) {
      struct msm_syncobj *obj;

      if (in[i].point)
         return -EOPNOTSUPP; /* no DRIVER_SYNCOBJ_TIMELINE */
      if (in[i].flags & ~MSM_SUBMIT_SYNCOBJ_FLAGS)
         return -EINVAL;
      obj = msm_ctx_lookup_syncobj(ctx, in[i].handle);
      if (!obj)
         return -ENOENT; /* drm_syncobj_find_fence() */
      if (!obj->has_fence)
         return -EINVAL;
      if (obj->fence.ring != q->ring &&
          !msm_fence_signalled_locked(ctx, &obj->fence) &&
          obj->fence.seqno > s->wait_seqno[obj->fence.ring])
         s->wait_seqno[obj->fence.ring] = obj->fence.seqno;
      if (in[i].flags & MSM_SUBMIT_SYNCOBJ_RESET) {
         obj->refcount++;
         so->resets[i] = obj;
      }
   }
   return 0;
}

/* msm_parse_post_deps(): no flags, an existing handle (else EINVAL). */
static int
parse_post_deps_locked(struct msm_ctx *ctx,
                       const struct drm_msm_gem_submit_syncobj *out,
                       struct submit_syncobjs *so)
{
   for (uint32_t i = 0; i < so->nr_out; i++) {
      struct msm_syncobj *obj;

      if (out[i].flags)
         return -EINVAL;
      if (out[i].point)
         return -EOPNOTSUPP;
      obj = msm_ctx_lookup_syncobj(ctx, out[i].handle);
      if (!obj)
         return -EINVAL;
      obj->refcount++;
      so->outs[i] = obj;
   }
   return 0;
}

/* After the submit is queued: msm_reset_syncobjs(), then
 * msm_process_post_deps() with the submit's fence. */
static void
syncobjs_commit_locked(struct msm_core *core, struct submit_syncobjs *so,
                       const struct msm_submit *s)
{
   const struct msm_fence f = { s->queue->ring, s->seqno };

   for (uint32_t i = 0; i < so->nr_in; i++)
      if (so->resets[i])
         msm_syncobj_replace_fence_locked(core, so->resets[i], NULL);
   for (uint32_t i = 0; i < so->nr_out; i++)
      msm_syncobj_replace_fence_locked(core, so->outs[i], &f);
   syncobjs_put_locked(core, so);
}

/* The submit and its syncobj scratch, sized from the (checked) args. */
static struct msm_submit *
submit_alloc(const struct msm_core *core, const struct drm_msm_gem_submit *args,
             struct submit_syncobjs *so)
{
   struct msm_submit *s = calloc(1, sizeof(*s));

   if (!s)
      return NULL;
   s->bos = calloc(args->nr_bos ? args->nr_bos : 1, sizeof(*s->bos));
   s->cmds = calloc(args->nr_cmds ? args->nr_cmds : 1, sizeof(*s->cmds));
   so->resets = calloc(so->nr_in ? so->nr_in : 1, sizeof(*so->resets));
   so->outs = calloc(so->nr_out ? so->nr_out : 1, sizeof(*so->outs));
   if (so->nr_in)
      s->wait_seqno = calloc(core->chip->nr_rings, sizeof(*s->wait_seqno));
   s->nr_bos = args->nr_bos;
   s->nr_cmds = args->nr_cmds;
   return s;
}

/* A submit that never reached the queue. */
static void
submit_discard(struct msm_submit *s, struct submit_syncobjs *so)
{
   free(so->resets);
   free(so->outs);
   if (!s)
      return;
   free(s->wait_seqno);
   free(s->bos);
   free(s->cmds);
   free(s);
}

/* submit_lookup_objects(): flags, handles, no object twice. */
static int
submit_lookup_objects_locked(struct msm_ctx *ctx, struct msm_submit *s,
                             const struct drm_msm_gem_submit_bo *bos)
{
   for (uint32_t i = 0; i < s->nr_bos; i++) {
      uint32_t flags = bos[i].flags;
      struct msm_bo *bo;

      if ((flags & ~MSM_SUBMIT_BO_FLAGS) ||
          !(flags & (MSM_SUBMIT_BO_READ | MSM_SUBMIT_BO_WRITE)))
         return -EINVAL;
      bo = msm_ctx_lookup_bo(ctx, bos[i].handle);
      if (!bo)
         return -EINVAL;
      for (uint32_t j = 0; j < i; j++)
         if (s->bos[j].bo == bo)
            return -EINVAL;
      s->bos[i].bo = bo;
      s->bos[i].flags = flags;
   }
   return 0;
}

/* submit_lookup_cmds(): each range must lie inside its BO. */
static int
submit_lookup_cmds_locked(struct msm_submit *s,
                          const struct drm_msm_gem_submit_cmd *cmds)
{
   for (uint32_t i = 0; i < s->nr_cmds; i++) {
      struct msm_bo *bo = s->bos[cmds[i].submit_idx].bo;
      uint64_t off_dw = cmds[i].submit_offset / 4;
      uint64_t size_dw = cmds[i].size / 4;

      if (!size_dw || off_dw + size_dw > bo->size / 4)
         return -EINVAL;
      s->cmds[i].type = cmds[i].type;
      s->cmds[i].ndwords = (uint32_t)size_dw;
   }
   return 0;
}

/* submit_pin_objects(): storage must be there, every object gets its iova,
 * and the cmds their addresses. */
static int
submit_pin_locked(struct msm_submit *s,
                  const struct drm_msm_gem_submit_cmd *cmds)
{
   for (uint32_t i = 0; i < s->nr_bos; i++) {
      struct msm_bo *bo = s->bos[i].bo;
      uint64_t iova;
      /* A BO whose madvise word the guest keeps: this request may have
       * been sent long before the guest let go of the BO (nativectx is
       * asynchronous), so only storage that is really gone is refused;
       * the guest enforces WILLNEED at submit itself. */
      bool usable = bo->madv_word ? bo->madv != __MSM_MADV_PURGED
                                  : bo->madv == MSM_MADV_WILLNEED;
      int ret;

      if (!usable)
         return -EBUSY;
      ret = msm_bo_get_iova_locked(bo, &iova);
      if (ret)
         return ret;
   }
   for (uint32_t i = 0; i < s->nr_cmds; i++) {
      struct msm_bo *bo = s->bos[cmds[i].submit_idx].bo;
      s->cmds[i].iova = bo->iova + (uint64_t)(cmds[i].submit_offset / 4) * 4;
   }
   return 0;
}

/* Room in flight: the context's limit throttles like a full ring would
 * (wait, not fail); the VM's quota is not a ring: it fails rather than
 * waits, so no context waits on another's work. */
static int
submit_wait_room_locked(struct msm_ctx *ctx, struct msm_queue *q)
{
   struct msm_core *core = ctx->core;

   while (ctx->inflight >= core->cfg.limits.max_inflight && !q->closed &&
          !ctx->aborted)
      pthread_cond_wait(&core->retire_cond, &core->lock);
   if (ctx->aborted)
      return -ENODEV;
   if (q->closed)
      return -ENOENT;
   if (ctx->vm && ctx->vm->inflight >= core->cfg.vm_quota.max_inflight)
      return -EAGAIN;
   return 0;
}

/* msm_job_run(): references, the fence, the queue, the backend. */
static void
submit_queue_locked(struct msm_ctx *ctx, struct msm_queue *q,
                    struct msm_submit *s, struct drm_msm_gem_submit *args)
{
   struct msm_core *core = ctx->core;

   for (uint32_t i = 0; i < s->nr_bos; i++) {
      struct msm_bo *bo = s->bos[i].bo;
      bo->refcount++;
      if (s->bos[i].flags & MSM_SUBMIT_BO_READ)
         bo->active_reads++;
      if (s->bos[i].flags & MSM_SUBMIT_BO_WRITE)
         bo->active_writes++;
   }
   s->fence = (args->flags & MSM_SUBMIT_FENCE_SN_IN) ? args->fence
                                                     : queue_next_fence(q);
   args->fence = s->fence;
   q->last_fence = s->fence;
   s->ctx = ctx;
   s->queue = q;
   ctx->refcount++;
   q->refcount++;
   if (q->inflight_tail)
      q->inflight_tail->queue_next = s;
   else
      q->inflight_head = s;
   q->inflight_tail = s;
   ctx->inflight++;
   if (ctx->vm)
      ctx->vm->inflight++;
   core->inflight++;
   core->submits++;
   s->seqno = ++core->seqno;
   if (s->wait_seqno && msm_submit_ready_locked(s)) {
      free(s->wait_seqno); /* nothing to wait for after all */
      s->wait_seqno = NULL;
   }
   core->backend->submit(core, s);
}

/* msm_ioctl_gem_submit(), in the kernel's phases. */
int
model_gem_submit_syncobjs(struct msm_ctx *ctx,
                          struct drm_msm_gem_submit *args,
                          const struct drm_msm_gem_submit_bo *bos,
                          const struct drm_msm_gem_submit_cmd *cmds,
                          const struct drm_msm_gem_submit_syncobj *in,
                          const struct drm_msm_gem_submit_syncobj *out)
{
   struct msm_core *core = ctx->core;
   struct submit_syncobjs so = { 0 };
   struct msm_submit *s;
   struct msm_queue *q;
   int ret = submit_check_args(ctx, args, bos, cmds, in, out);

   if (ret)
      return ret;
   if (args->flags & MSM_SUBMIT_SYNCOBJ_IN)
      so.nr_in = args->nr_in_syncobjs;
   if (args->flags & MSM_SUBMIT_SYNCOBJ_OUT)
      so.nr_out = args->nr_out_syncobjs;
   s = submit_alloc(core, args, &so);
   if (!s || !s->bos || !s->cmds || !so.resets || !so.outs ||
       (so.nr_in && !s->wait_seqno)) {
      submit_discard(s, &so);
      return -ENOMEM;
   }

   pthread_mutex_lock(&core->lock);
   q = msm_ctx_lookup_queue(ctx, args->queueid);
   ret = q ? 0 : -ENOENT;
   /* The kernel parses syncobjs before it looks at any object. */
   if (!ret)
      ret = parse_deps_locked(ctx, s, q, in, &so);
   if (!ret)
      ret = parse_post_deps_locked(ctx, out, &so);
   if (!ret)
      ret = submit_lookup_objects_locked(ctx, s, bos);
   if (!ret)
      ret = submit_lookup_cmds_locked(s, cmds);
   if (!ret && (args->flags & MSM_SUBMIT_FENCE_SN_IN) &&
       queue_find_inflight(q, args->fence))
      ret = -EINVAL;
   if (!ret)
      ret = submit_pin_locked(s, cmds);
   if (!ret)
      ret = submit_wait_room_locked(ctx, q);
   if (ret) {
      syncobjs_put_locked(core, &so);
      pthread_mutex_unlock(&core->lock);
      submit_discard(s, &so);
      return ret;
   }
   submit_queue_locked(ctx, q, s, args);
   syncobjs_commit_locked(core, &so, s);
   pthread_mutex_unlock(&core->lock);
   free(so.resets);
   free(so.outs);
   return 0;
}

void
msm_submit_retire(struct msm_core *core, struct msm_submit *s, bool faulted)
{
   pthread_mutex_lock(&core->lock);
   msm_submit_retire_locked(core, s, faulted, false);
   pthread_mutex_unlock(&core->lock);
}

void
msm_submit_retire_locked(struct msm_core *core, struct msm_submit *s,
                         bool faulted, bool cancelled)
{
   struct msm_queue *q = s->queue;
   struct msm_ctx *ctx = s->ctx;

   if (cancelled)
      core->cancelled++;
   if (faulted) {
      ctx->faults++;
      q->faults++;
      core->faults++;
   }
   /* Unlink from the queue's in-flight list (normally the head). */
   for (struct msm_submit **p = &q->inflight_head; *p; p = &(*p)->queue_next) {
      if (*p == s) {
         *p = s->queue_next;
         break;
      }
   }
   q->inflight_tail = NULL;
   for (struct msm_submit *t = q->inflight_head; t; t = t->queue_next)
      q->inflight_tail = t;
   q->last_retired = s->fence;
   /* A context's work on a ring retires in submission order: this is its
    * new horizon there. */
   ctx->ring_retired[q->ring] = s->seqno;
   ctx->inflight--;
   if (ctx->vm)
      ctx->vm->inflight--;
   core->inflight--;
   core->retired++;
   if (ctx->retire_cb && !ctx->closed)
      ctx->retire_cb(ctx->retire_data, q->id, s->fence,
                     core->global_faults + ctx->faults);
   submit_free_locked(core, s, s->nr_bos);
   msm_queue_unref_locked(q);
   msm_ctx_unref_locked(ctx);
   pthread_cond_broadcast(&core->retire_cond);
}

int
model_wait_fence(struct msm_ctx *ctx, const struct drm_msm_wait_fence *args)
{
   struct msm_core *core = ctx->core;
   struct msm_queue *q;
   struct timespec deadline = msm_ktime_to_abstime(
      msm_timespec_to_ktime(&args->timeout));
   int ret = 0;

   if (args->pad)
      return -EINVAL;
   /* Any deadline is valid (to_ktime()); a past one polls: an unsignalled
    * fence is ETIMEDOUT at once, a signalled one 0. */

   pthread_mutex_lock(&core->lock);
   q = msm_ctx_lookup_queue(ctx, args->queueid);
   if (!q) {
      ret = -ENOENT;
      goto out;
   }
   /* Waiting on a fence that was never handed out. */
   if (fence_after(args->fence, q->last_fence)) {
      ret = -EINVAL;
      goto out;
   }
   /* The queue may close while we sleep: hold it. */
   q->refcount++;
   while (queue_find_inflight(q, args->fence)) {
      if (ctx->aborted) {
         ret = -ENODEV;
         break;
      }
      if (pthread_cond_timedwait(&core->retire_cond, &core->lock,
                                 &deadline) == ETIMEDOUT) {
         if (queue_find_inflight(q, args->fence))
            ret = -ETIMEDOUT;
         break;
      }
   }
   msm_queue_unref_locked(q);
out:
   pthread_mutex_unlock(&core->lock);
   return ret;
}
