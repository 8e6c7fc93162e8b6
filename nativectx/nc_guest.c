/*
 * nc_guest.c - the nativectx guest library: the device (and its shmem, with
 * the extensions turned on), request batching, params and submits.  Submit
 * queues live in nc_guest_queue.c, BOs and heaps in nc_guest_bo.c, fence
 * waits in nc_guest_fence.c.  See nc_guest.h for what is async and why.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nc_channel.h"
#include "nc_guest_priv.h"

/* ----------------------------------------------------------- requests */

/* Has the host lost the context?  The shmem says so without asking (the
 * anchor's async_error counter, which the host bumps when it loses it). */
bool
nc_check_lost(struct nc_guest_dev *d)
{
   if (!d->lost && (__atomic_load_n(&d->shmem->async_error, __ATOMIC_ACQUIRE) ||
                    __atomic_load_n(&d->state->lost, __ATOMIC_ACQUIRE)))
      d->lost = -EIO;
   return d->lost != 0;
}

/* Send the batch (an EXECBUFFER on the CPU ring).  Under d->lock. */
int
nc_flush_locked(struct nc_guest_dev *d, uint32_t vg_flags)
{
   int ret;

   if (!d->batch_len && (vg_flags & VG_EXECBUF_DEFER))
      return 0;
   if (!d->batch_len)
      ret = vg_flush(d->vg); /* records the vg layer holds (unrefs) */
   else
      ret = vg_execbuf(d->vg, d->batch, d->batch_len, 0, 0, vg_flags);
   d->batch_len = 0;
   if (ret) {
      /* The host said the context is lost, or the channel broke. */
      d->lost = -EIO;
      return -EIO;
   }
   return 0;
}

/* Append a request of len bytes (header included) and return it, header
 * filled, the rest zeroed.  rsp_len: bytes of response room (0: a command
 * without a response; the host ignores its rsp_off); *rsp_off says where
 * it will be.  NULL if it cannot be queued. */
void *
nc_req(struct nc_guest_dev *d, uint32_t cmd, uint32_t len, uint32_t rsp_len,
       uint32_t *rsp_off)
{
   struct nc_ccmd_req *hdr;

   len = NC_ALIGN4(len);
   if (len > NC_BATCH_MAX || rsp_len > NC_RSP_MAX || rsp_len > d->rsp_size)
      return NULL;
   if (d->batch_len + len > d->batch_cap) {
      if (d->batch_len && nc_flush_locked(d, 0))
         return NULL;
      if (len > d->batch_cap) {
         uint8_t *b = realloc(d->batch, len);
         if (!b)
            return NULL;
         d->batch = b;
         d->batch_cap = len;
      }
   }
   hdr = (struct nc_ccmd_req *)(d->batch + d->batch_len);
   memset(hdr, 0, len);
   hdr->cmd = cmd;
   hdr->len = len;
   hdr->seqno = ++d->seqno;
   if (rsp_len) {
      /* A ring, like mesa's: one sync request is in flight at a time
       * (d->lock), and answers nobody waits for are written in order. */
      if (d->rsp_head + rsp_len > d->rsp_size)
         d->rsp_head = 0;
      hdr->rsp_off = d->rsp_head;
      *rsp_off = d->rsp_head;
      d->rsp_head += NC_ALIGN8(rsp_len);
      /* An answer that never comes reads as len 0. */
      memset(d->rsp_area + hdr->rsp_off, 0, sizeof(struct nc_ccmd_rsp));
   }
   d->batch_len += len;
   return hdr;
}

/* Why nc_req() returned NULL. */
int
nc_req_error(const struct nc_guest_dev *d)
{
   return d->lost ? -EIO : -ENOMEM;
}

/* Send everything and wait for the host to have run it; copy the response
 * out of shared memory (the host could still scribble on it).  rsp_len 0:
 * only wait (a NOP). */
int
nc_sync_locked(struct nc_guest_dev *d, uint32_t rsp_off, void *rsp, uint32_t rsp_len)
{
   struct nc_ccmd_rsp *hdr = rsp;

   if (nc_flush_locked(d, VG_EXECBUF_SYNC))
      return -EIO;
   if (!rsp_len)
      return nc_check_lost(d) ? -EIO : 0;
   memcpy(rsp, d->rsp_area + rsp_off, rsp_len);
   if (hdr->len < sizeof(*hdr) || nc_check_lost(d)) {
      d->lost = -EIO;
      return -EIO;
   }
   return 0;
}

uint64_t
nc_deadline(int64_t timeout_ns)
{
   struct timespec now;

   /* Negative: forever, which an hour is here (as ws_abs_timeout()). */
   if (timeout_ns < 0)
      timeout_ns = INT64_C(3600) * 1000000000;
   clock_gettime(CLOCK_MONOTONIC, &now);
   return (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec +
          (uint64_t)timeout_ns;
}

/* IOCTL_SIMPLE always has a response (the anchor's rule); an async one's
 * answer lands in the ring unread. */
int
nc_ioctl_simple(struct nc_guest_dev *d, uint32_t cmd, void *payload, bool sync)
{
   uint32_t size = _IOC_SIZE(cmd);
   uint32_t rsp_len = sizeof(struct nc_ccmd_ioctl_simple_rsp) +
                      ((cmd & IOC_OUT) ? size : 0);
   uint64_t buf[(sizeof(struct nc_ccmd_ioctl_simple_rsp) +
                 NC_IOCTL_PAYLOAD_MAX) / 8];
   struct nc_ccmd_ioctl_simple_rsp *rsp = (void *)buf;
   struct nc_ccmd_ioctl_simple_req *req;
   uint32_t rsp_off = 0;
   int ret;

   req = nc_req(d, NC_CCMD_IOCTL_SIMPLE, sizeof(*req) + size, rsp_len,
                &rsp_off);
   if (!req)
      return nc_req_error(d);
   req->cmd = cmd;
   memcpy(req->payload, payload, size);
   if (!sync)
      return 0;
   ret = nc_sync_locked(d, rsp_off, rsp, rsp_len);
   if (ret)
      return ret;
   if (rsp->hdr.ret)
      return rsp->hdr.ret;
   if (cmd & IOC_OUT)
      memcpy(payload, rsp->payload, size);
   return 0;
}

/* ------------------------------------------------------------- params */

static int
nc_get_param(struct ws_dev *dev, uint32_t param, uint64_t *value)
{
   struct nc_guest_dev *d = nc_guest_dev(dev);
   const struct nc_capset_msm *c = &d->caps.capset.msm;
   struct drm_msm_param p = { .pipe = MSM_PIPE_3D0, .param = param };
   int ret = 0;

   pthread_mutex_lock(&d->lock);
   if (nc_check_lost(d)) {
      ret = -EIO;
      goto out;
   }
   /* Fixed for the context's life: the capset has them. */
   switch (param) {
   case MSM_PARAM_GPU_ID:     *value = c->gpu_id; goto out;
   case MSM_PARAM_GMEM_SIZE:  *value = c->gmem_size; goto out;
   case MSM_PARAM_GMEM_BASE:  *value = c->gmem_base; goto out;
   case MSM_PARAM_CHIP_ID:    *value = c->chip_id; goto out;
   case MSM_PARAM_MAX_FREQ:   *value = c->max_freq; goto out;
   case MSM_PARAM_PRIORITIES: *value = c->priorities; goto out;
   case MSM_PARAM_VA_START:   *value = c->va_start; goto out;
   case MSM_PARAM_VA_SIZE:    *value = c->va_size; goto out;
   case MSM_PARAM_PP_PGTABLE: *value = 0; goto out; /* uapi: always 0 */
   case MSM_PARAM_FAULTS:
      /* The host publishes it with every retired submit (before the fence),
       * so it is current for all work this guest saw complete. */
      *value = __atomic_load_n(&d->state->global_faults, __ATOMIC_ACQUIRE);
      goto out;
   default:
      break;
   }
   /* TIMESTAMP and SUSPENDS change; anything else gets the host's exact
    * answer (the errno for an unknown param included). */
   ret = nc_ioctl_simple(d, DRM_IOCTL_MSM_GET_PARAM, &p, true);
   if (!ret)
      *value = p.value;
out:
   pthread_mutex_unlock(&d->lock);
   return ret;
}

static int
nc_set_debuginfo(struct ws_dev *dev, const char *comm, const char *cmdline)
{
   struct nc_guest_dev *d = nc_guest_dev(dev);
   size_t comm_len = comm ? strlen(comm) : 0;
   size_t cmdline_len = cmdline ? strlen(cmdline) : 0;
   struct nc_ccmd_set_debuginfo_req *req;
   int ret = 0;

   if (comm_len > NC_PARAM_STR_MAX || cmdline_len > NC_PARAM_STR_MAX)
      return -EINVAL;
   if (!comm && !cmdline)
      return 0;
   pthread_mutex_lock(&d->lock);
   if (nc_check_lost(d)) {
      ret = -EIO;
      goto out;
   }
   req = nc_req(d, NC_CCMD_SET_DEBUGINFO,
                sizeof(*req) + comm_len + cmdline_len, 0, NULL);
   if (!req) {
      ret = nc_req_error(d);
      goto out;
   }
   /* An empty string leaves that one as it was (the anchor's rule). */
   req->comm_len = comm_len;
   req->cmdline_len = cmdline_len;
   memcpy(req->payload, comm, comm_len);
   memcpy(req->payload + comm_len, cmdline, cmdline_len);
out:
   pthread_mutex_unlock(&d->lock);
   return ret;
}

/* ------------------------------------------------------------ submits */

struct msm_rules_caps
nc_rules_caps(const struct nc_guest_dev *d)
{
   return (struct msm_rules_caps){
      .has_cached_coherent = d->caps.capset.msm.has_cached_coherent,
      .max_bo_size = d->caps.ext.max_bo_size,
      .max_submit_bos = d->caps.ext.max_submit_bos,
      .max_submit_cmds = d->caps.ext.max_submit_cmds,
   };
}

/* What the kernel checks before looking anything up: the core's own rules
 * (msm_rules.h), on the host's limits from the capset. */
static int
submit_check(const struct nc_guest_dev *d, const struct ws_submit *s,
             uint32_t flags)
{
   struct msm_rules_caps caps = nc_rules_caps(d);
   struct msm_rule_submit rs = {
      .flags = flags, .nr_bos = s->nr_bos, .nr_cmds = s->nr_cmds,
      .have_bos = s->bos, .have_cmds = s->cmds,
   };
   int ret = msm_rule_submit_args(&caps, &rs);

   for (uint32_t i = 0; !ret && i < s->nr_cmds; i++)
      ret = msm_rule_submit_cmd(s->cmds[i].type, s->cmds[i].size, 0,
                                s->cmds[i].bo_idx, s->nr_bos);
   return ret;
}

/* What the kernel checks against its objects (submit_lookup_*). */
static int
submit_check_bos(struct nc_guest_dev *d, const struct ws_submit *s)
{
   uint32_t gen = ++d->submit_gen ? d->submit_gen : ++d->submit_gen;

   for (uint32_t i = 0; i < s->nr_bos; i++) {
      uint32_t flags = s->bos[i].flags;
      struct nc_bo *bo = s->bos[i].bo ? nc_bo(s->bos[i].bo) : NULL;

      if ((flags & ~MSM_SUBMIT_BO_FLAGS) ||
          !(flags & (MSM_SUBMIT_BO_READ | MSM_SUBMIT_BO_WRITE)))
         return -EINVAL;
      if (!bo || bo->base.dev != &d->base || bo->submit_mark == gen)
         return -EINVAL; /* not ours, or twice in one submit */
      bo->submit_mark = gen;
   }
   for (uint32_t i = 0; i < s->nr_cmds; i++) {
      const struct nc_bo *bo = nc_bo(s->bos[s->cmds[i].bo_idx].bo);
      uint64_t off_dw = s->cmds[i].offset / 4, size_dw = s->cmds[i].size / 4;
      if (!size_dw || off_dw + size_dw > bo->base.size / 4)
         return -EINVAL;
   }
   for (uint32_t i = 0; i < s->nr_bos; i++)
      if (nc_bo(s->bos[i].bo)->madv != MSM_MADV_WILLNEED)
         return -EBUSY;
   return 0;
}

static int
nc_submit(struct ws_dev *dev, struct ws_submit *s)
{
   struct nc_guest_dev *d = nc_guest_dev(dev);
   uint32_t flags = MSM_PIPE_3D0 | s->flags;
   struct nc_ccmd_gem_submit_req *req;
   struct drm_msm_gem_submit_bo *bos;
   struct drm_msm_gem_submit_cmd *cmds;
   struct nc_guest_queue *q;
   uint64_t len;
   uint32_t fence;
   int ret;

   ret = submit_check(d, s, flags);
   if (ret)
      return ret;
   len = sizeof(*req) + (uint64_t)s->nr_bos * sizeof(*bos) +
         (uint64_t)s->nr_cmds * sizeof(*cmds);
   if (len > NC_BATCH_MAX)
      return -E2BIG;

   pthread_mutex_lock(&d->lock);
   if (nc_check_lost(d)) {
      ret = -EIO;
      goto out;
   }
   q = nc_find_queue(d, s->queue);
   if (!q) {
      ret = -ENOENT;
      goto out;
   }
   ret = submit_check_bos(d, s);
   if (ret)
      goto out;
   /* Make room to track every BO now: past this point nothing fails. */
   for (uint32_t i = 0; i < s->nr_bos; i++) {
      ret = nc_bo_track(nc_bo(s->bos[i].bo), q, 0, 0);
      if (ret)
         goto out;
   }
   req = nc_req(d, NC_CCMD_GEM_SUBMIT, (uint32_t)len, 0, NULL);
   if (!req) {
      ret = nc_req_error(d);
      goto out;
   }

   /* Our seqno, never 0 (0 means "no fence" in our tracking). */
   fence = q->last_fence + 1 ? q->last_fence + 1 : 1;
   req->flags = flags;
   req->queue_id = q->id;
   req->fence = fence;
   req->nr_bos = s->nr_bos;
   req->nr_cmds = s->nr_cmds;
   /* The arrays start at offset 36 (not 8-aligned): copy each in. */
   bos = (void *)req->payload;
   cmds = (void *)(req->payload + s->nr_bos * sizeof(*bos));
   for (uint32_t i = 0; i < s->nr_bos; i++) {
      struct nc_bo *bo = nc_bo(s->bos[i].bo);
      struct drm_msm_gem_submit_bo b = {
         .flags = s->bos[i].flags, .handle = bo->res_id,
         .presumed = bo->base.iova,
      };
      memcpy(&bos[i], &b, sizeof(b));
      nc_bo_track(bo, q, fence, s->bos[i].flags);
      bo->submit_seqno = req->hdr.seqno;
   }
   for (uint32_t i = 0; i < s->nr_cmds; i++) {
      struct drm_msm_gem_submit_cmd c = {
         .type = s->cmds[i].type, .submit_idx = s->cmds[i].bo_idx,
         .submit_offset = s->cmds[i].offset, .size = s->cmds[i].size,
      };
      memcpy(&cmds[i], &c, sizeof(c));
   }
   q->last_fence = fence;
   s->fence = fence;
   /* The GPU should start now; nothing waits for an answer. */
   ret = nc_flush_locked(d, 0);
out:
   pthread_mutex_unlock(&d->lock);
   return ret;
}

/* virglrenderer's way: ask the host, which polls the kernel for us. */
static int
poll_wait_fence(struct nc_guest_dev *d, uint32_t queue, uint32_t fence,
                int64_t timeout_ns)
{
   uint64_t deadline = nc_deadline(timeout_ns);
   struct nc_ccmd_wait_fence_rsp rsp;

   for (;;) {
      struct nc_ccmd_wait_fence_req *req;
      uint32_t rsp_off = 0;
      int ret;

      pthread_mutex_lock(&d->lock);
      req = nc_req(d, NC_CCMD_WAIT_FENCE, sizeof(*req), sizeof(rsp),
                   &rsp_off);
      if (req) {
         req->queue_id = queue;
         req->fence = fence;
         ret = nc_sync_locked(d, rsp_off, &rsp, sizeof(rsp));
      } else {
         ret = nc_req_error(d);
      }
      pthread_mutex_unlock(&d->lock);
      if (!ret)
         ret = rsp.hdr.ret;
      if (ret != -ETIMEDOUT || !timeout_ns || nc_deadline(0) >= deadline)
         return ret;
      nanosleep(&(struct timespec){ 0, 20000 }, NULL);
   }
}

static int
nc_fence_wait(struct ws_dev *dev, uint32_t queue, uint32_t fence,
              int64_t timeout_ns)
{
   struct nc_guest_dev *d = nc_guest_dev(dev);
   struct nc_guest_queue *q;
   uint32_t slot = 0;
   int ret = 0;

   pthread_mutex_lock(&d->lock);
   q = nc_find_queue(d, queue);
   if (nc_check_lost(d))
      ret = -EIO;
   else if (!q)
      ret = -ENOENT;
   else if (nc_after(fence, q->last_fence))
      ret = -EINVAL; /* a fence we never handed out */
   else
      slot = q->slot;
   pthread_mutex_unlock(&d->lock);
   if (ret)
      return ret;

   if (d->opt.anchors_only)
      return poll_wait_fence(d, queue, fence, timeout_ns);
   if (nc_fence_done(d, slot, queue, fence))
      return 0;
   if (!timeout_ns)
      return -ETIMEDOUT;
   return nc_wait_fence_slot(d, slot, queue, fence, nc_deadline(timeout_ns));
}

/* ------------------------------------------------------------ device */

static int
nc_flush(struct ws_dev *dev)
{
   struct nc_guest_dev *d = nc_guest_dev(dev);
   int ret;

   pthread_mutex_lock(&d->lock);
   ret = nc_check_lost(d) ? -EIO : nc_flush_locked(d, 0);
   pthread_mutex_unlock(&d->lock);
   return ret;
}

static void
nc_get_stats(struct ws_dev *dev, struct ws_stats *st)
{
   struct vg_stats vs;

   vg_get_stats(nc_guest_dev(dev)->vg, &vs);
   st->messages = vs.messages;
   st->bytes = vs.bytes;
   st->sync_round_trips = vs.sync_round_trips;
   st->events = vs.events;
}

static void
nc_free(struct nc_guest_dev *d)
{
   while (d->queues) {
      struct nc_guest_queue *q = d->queues;
      d->queues = q->next;
      free(q);
   }
   nc_bos_fini(d);
   nc_arenas_fini(d);
   free(d->madv_free);
   free(d->madv_pending);
   free(d->madv_gated);
   free(d->batch);
   pthread_cond_destroy(&d->ev_cond);
   pthread_mutex_destroy(&d->ev_lock);
   pthread_mutex_destroy(&d->lock);
   free(d);
}

static void
nc_close(struct ws_dev *dev)
{
   struct nc_guest_dev *d = nc_guest_dev(dev);

   pthread_mutex_lock(&d->lock);
   if (!nc_check_lost(d))
      nc_flush_locked(d, VG_EXECBUF_DEFER);
   pthread_mutex_unlock(&d->lock);
   /* No event may reach d once it is gone. */
   vg_set_event_cb(d->vg, NULL, NULL);
   vg_destroy(d->vg);
   if (d->owned_ch)
      nc_channel_close(d->owned_ch);
   nc_free(d);
}

static const struct ws_ops nc_ws_ops = {
   .name = "nativectx",
   .close = nc_close,
   .get_param = nc_get_param,
   .set_debuginfo = nc_set_debuginfo,
   .bo_new = nc_bo_new,
   .bo_free = nc_bo_free,
   .bo_map = nc_bo_map,
   .bo_upload = nc_bo_upload,
   .bo_cpu_prep = nc_bo_cpu_prep,
   .bo_cpu_fini = nc_bo_cpu_fini,
   .bo_set_name = nc_bo_set_name,
   .bo_madvise = nc_bo_madvise,
   .submitqueue_new = nc_submitqueue_new,
   .submitqueue_close = nc_submitqueue_close,
   .submitqueue_faults = nc_submitqueue_faults,
   .submit = nc_submit,
   .fence_wait = nc_fence_wait,
   .flush = nc_flush,
   .get_stats = nc_get_stats,
};

/* What this library needs of the host beyond the anchor. */
#define NC_GUEST_EXT NC_EXT_ALL

/* Is the capset one we can build on, and is its memory mapped here? */
static int
check_capset(const struct vg_dev *vg)
{
   const struct nc_capset *c = &vg->caps.capset;
   const struct nc_capset_ext *x = &vg->caps.ext;

   if (c->wire_format_version != NC_WIRE_FORMAT_VERSION ||
       c->context_type != NC_CONTEXT_MSM || !c->msm.va_size ||
       !c->msm.priorities)
      return -EPROTONOSUPPORT;
   if (x->magic != NC_CAPSET_EXT_MAGIC ||
       (x->offered & NC_GUEST_EXT) != NC_GUEST_EXT ||
       x->max_queues < NC_MAX_QUEUES || x->madv_slots < NC_MADV_SLOTS)
      return -EPROTONOSUPPORT; /* a host without msmvirt's extensions */
   if (!vg->hostmem)
      return -ENODEV; /* responses and fence state live in hostmem */
   if (x->arena_size <= NC_SHMEM_SIZE || (x->arena_offset % NC_PAGE) ||
       (x->arena_size % NC_PAGE) || x->arena_offset > vg->hostmem_size ||
       x->arena_size > vg->hostmem_size - x->arena_offset)
      return -EPROTO;
   return 0;
}

/* Blob 0, the shmem, at the head of the first arena, with the extensions
 * turned on in its cmd: the host lays it out for them before anything
 * else runs.  Async: held back until the first flush. */
static int
shmem_create(struct nc_guest_dev *d)
{
   struct {
      struct nc_ccmd_ext_enable_req ext;
      struct nc_ccmd_blob_at_req at;
   } req = {
      .ext = { .hdr = { .cmd = NC_CCMD_EXT_ENABLE, .len = sizeof(req.ext),
                        .seqno = ++d->seqno },
               .ext = d->ext },
      /* Where we will read it: a guest kernel other than our own (the
       * virtio_gpu node) learns it here. */
      .at = { .hdr = { .cmd = NC_CCMD_BLOB_AT, .len = sizeof(req.at),
                       .seqno = ++d->seqno },
              .blob_id = 0, .hm_offset = d->caps.ext.arena_offset },
   };
   struct vg_blob_create blob = {
      .blob_id = 0, .size = NC_SHMEM_SIZE,
      .hm_offset = d->caps.ext.arena_offset,
      .cmd = &req, .cmd_len = sizeof(req),
   };
   uint8_t *base = d->hostmem + d->caps.ext.arena_offset;
   uint32_t rsp_off = nc_shmem_rsp_offset(d->ext);

   d->shmem = (struct nc_shmem *)base;
   d->state = (struct nc_shmem_state *)(base + NC_SHMEM_STATE_OFFSET);
   /* The layout follows from what we enabled, not from what the page
    * says (the host writes the same rsp_mem_offset). */
   d->rsp_area = base + rsp_off;
   d->rsp_size = NC_SHMEM_SIZE - rsp_off;
   d->madv_words = (uint32_t *)(base + NC_SHMEM_MADV_OFFSET);
   /* Our queues' slots start out unused; the host publishes queue 0 in
    * slot 0 (made with the context, so born at seqno 0). */
   for (uint32_t i = 0; i < NC_MAX_QUEUES; i++)
      d->slot_queue[i] = NC_QUEUE_NONE;
   d->slot_queue[0] = 0;
   return vg_blob_create(d->vg, &blob, &d->shmem_res);
}

int
ws_nativectx_open(struct vg_dev *vg, const struct nc_options *opts,
                  struct ws_dev **out)
{
   pthread_condattr_t attr;
   struct nc_guest_dev *d;
   struct nc_guest_queue *q0;
   int ret = check_capset(vg);

   if (ret) {
      vg_destroy(vg);
      return ret;
   }
   d = calloc(1, sizeof(*d));
   q0 = calloc(1, sizeof(*q0));
   if (!d || !q0) {
      free(d);
      free(q0);
      vg_destroy(vg);
      return -ENOMEM;
   }
   d->base.ops = &nc_ws_ops;
   d->vg = vg;
   if (opts)
      d->opt = *opts;
   if (d->opt.anchors_only)
      d->opt.upload_ccmd = true;
   d->caps = vg->caps;
   d->ext = NC_GUEST_EXT;
   d->hostmem = vg->hostmem;
   pthread_mutex_init(&d->lock, NULL);
   pthread_mutex_init(&d->ev_lock, NULL);
   pthread_condattr_init(&attr);
   pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
   pthread_cond_init(&d->ev_cond, &attr);
   pthread_condattr_destroy(&attr);

   /* The host made queue 0 in slot 0 at the middle priority. */
   q0->prio = d->caps.capset.msm.priorities / 2;
   d->queues = q0;
   d->batch = malloc(NC_BATCH_CAP);
   d->batch_cap = NC_BATCH_CAP;
   ret = d->batch ? shmem_create(d) : -ENOMEM;
   if (!ret)
      ret = nc_arenas_init(d);
   if (ret) {
      nc_free(d);
      vg_destroy(vg);
      return ret;
   }
   vg_set_event_cb(vg, nc_on_event, d);
   *out = &d->base;
   return 0;
}

int
ws_nativectx_open_channel(struct nc_channel *ch, const struct nc_options *opts,
                          struct ws_dev **out)
{
   struct vg_dev *vg;
   int ret = vg_channel_open(ch, opts ? opts->arena_size : 0, &vg);

   if (ret)
      return ret;
   return ws_nativectx_open(vg, opts, out);
}

int
ws_nativectx_open_owning(struct nc_channel *ch, const struct nc_options *opts,
                         struct ws_dev **out)
{
   int ret = ws_nativectx_open_channel(ch, opts, out);

   if (ret)
      return ret;
   nc_guest_dev(*out)->owned_ch = ch;
   return 0;
}
