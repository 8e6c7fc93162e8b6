/*
 * vgpu_ioctls.c - one handler per virtgpu ioctl of the virtio_gpu node,
 * errno as Linux 6.1's virtgpu_ioctl.c (table: vgpu_spec.c; the node's
 * state: vgpu_priv.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vgpu_priv.h"

static const char drv_name[] = "virtio_gpu";
static const char drv_date[] = "0";
static const char drv_desc[] = "virtio GPU (msmvirt native context)";

/* ----------------------------------------------------------- handlers */


static int
copy_str(struct vgpu_call *c, unsigned i, const char *s, uint64_t len_field)
{
   (void)len_field;
   if (c->regs[i].active && c->out[i])
      memcpy(c->out[i], s, strlen(s) < c->regs[i].count ? strlen(s)
                                                          : c->regs[i].count);
   return 0;
}

static int
h_version(struct vgpu_call *c)
{
   struct drm_version *v = c->args;

   copy_str(c, 0, drv_name, v->name_len);
   copy_str(c, 1, drv_date, v->date_len);
   copy_str(c, 2, drv_desc, v->desc_len);
   v->version_major = 0;
   v->version_minor = 1;
   v->version_patchlevel = 0;
   v->name_len = strlen(drv_name);
   v->date_len = strlen(drv_date);
   v->desc_len = strlen(drv_desc);
   return 0;
}

static int
h_get_cap(struct vgpu_call *c)
{
   struct drm_get_cap *a = c->args;

   /* virtio_gpu has PRIME and no SYNCOBJ in 6.1; our PRIME ioctls answer
    * ENOSYS (no fds over CUSE), so we do not claim it. */
   switch (a->capability) {
   case DRM_CAP_PRIME:
   case DRM_CAP_SYNCOBJ:
   case DRM_CAP_SYNCOBJ_TIMELINE:
      a->value = 0;
      return 0;
   case DRM_CAP_TIMESTAMP_MONOTONIC:
      a->value = 1;
      return 0;
   default:
      /* drm_getcap(): unknown capability. */
      return -EINVAL;
   }
}

/* What a closed BO's storage must wait for: its last EXECBUFFER's fence
 * when that was GPU work.  A BO never named with a GPU fence (a guest that
 * submits through ccmds on ring 0 without BO lists) may still be in use by
 * any submit queued so far: fence every GPU ring now (empty fenced
 * EXECBUFFERs: a ring's fence signals when its last submit retired) and
 * wait for all of them.  Under f->lock. */
static int
zombie_fences(struct vgpu_file *f, struct vgpu_bo *bo)
{
   uint32_t rings = f->vg->caps.capset.msm.priorities;
   int ret = 0;

   memset(bo->zombie_seq, 0, sizeof(bo->zombie_seq));
   if (bo->fence_seq && bo->fence_ring) {
      bo->zombie_seq[bo->fence_ring < ZOMBIE_RINGS ? bo->fence_ring : 0] =
         bo->fence_seq;
      return 0;
   }
   if (rings >= ZOMBIE_RINGS)
      rings = ZOMBIE_RINGS - 1;
   for (uint32_t r = 1; r <= rings && !ret; r++) {
      pthread_mutex_lock(&f->ev_lock);
      uint64_t seq = ++f->emitted[r];
      pthread_mutex_unlock(&f->ev_lock);
      ret = vg_execbuf(f->vg, NULL, 0, r, seq,
                       VG_EXECBUF_FENCE | VG_EXECBUF_DEFER);
      bo->zombie_seq[r] = seq;
   }
   return ret;
}

static int
h_gem_close(struct vgpu_call *c)
{
   struct drm_gem_close *a = c->args;
   struct vgpu_file *f = c->f;
   struct vgpu_bo *bo = vgpu_bo_get(f, a->handle);
   bool zombie = false;

   if (!bo)
      return -EINVAL;
   f->handles[a->handle - 1] = NULL;
   /* The last handle of the resource (no PRIME: there is one): the guest
    * kernel unrefs it on the host; virtio_gpu notifies the host per
    * command, so nothing waits in our transmit buffer for an EXECBUFFER
    * that may never come. */
   if (f->vg && !vg_resource_unref(f->vg, bo->res_id)) {
      zombie = bo->node_heap && !zombie_fences(f, bo);
      vg_flush(f->vg);
   }
   if (zombie && !vgpu_zombie_idle(f, bo)) {
      bo->next_zombie = f->zombies;
      f->zombies = bo;
   } else {
      vgpu_bo_free(f, bo);
   }
   return 0;
}

static int
h_map(struct vgpu_call *c)
{
   struct drm_virtgpu_map *a = c->args;
   struct vgpu_bo *bo = vgpu_bo_get(c->f, a->handle);

   if (!bo)
      return -ENOENT;
   /* The node's mmap offset is the hostmem offset (the preload maps the
    * BAR there). */
   a->offset = bo->hm_offset;
   return 0;
}

static uint64_t
getparam_value(const struct vgpu_node *n, uint64_t param, int *err)
{
   (void)n;
   *err = 0;
   switch (param) {
   case VIRTGPU_PARAM_3D_FEATURES:        return 1;
   case VIRTGPU_PARAM_CAPSET_QUERY_FIX:   return 1;
   case VIRTGPU_PARAM_RESOURCE_BLOB:      return 1;
   case VIRTGPU_PARAM_HOST_VISIBLE:       return 1;
   case VIRTGPU_PARAM_CROSS_DEVICE:       return 0; /* no resource uuids */
   case VIRTGPU_PARAM_CONTEXT_INIT:       return 1;
   case VIRTGPU_PARAM_SUPPORTED_CAPSET_IDs: return 1u << VGPU_CAPSET_DRM;
   default:
      *err = -EINVAL;
      return 0;
   }
}

static int
h_getparam(struct vgpu_call *c)
{
   struct drm_virtgpu_getparam *a = c->args;
   int err;
   int value = (int)getparam_value(c->f->node, a->param, &err);

   if (err)
      return err;
   if (!c->out[0])
      return -EFAULT;
   memcpy(c->out[0], &value, sizeof(value));
   return 0;
}

static int
h_resource_info(struct vgpu_call *c)
{
   struct drm_virtgpu_resource_info *a = c->args;
   struct vgpu_bo *bo = vgpu_bo_get(c->f, a->bo_handle);

   if (!bo)
      return -ENOENT;
   a->res_handle = bo->res_id;
   a->size = (uint32_t)bo->size;
   a->blob_mem = bo->blob_mem;
   return 0;
}

/* Runs without f->lock (see handlers[]): a sleeping WAIT must not hold up
 * the file's other ioctls, as it does not in the kernel. */
static int
h_wait(struct vgpu_call *c)
{
   struct drm_virtgpu_3d_wait *a = c->args;
   struct vgpu_file *f = c->f;
   struct vgpu_bo *bo;
   struct timespec ts;
   uint32_t ring;
   uint64_t seq;
   int ret = 0;

   pthread_mutex_lock(&f->lock);
   bo = vgpu_bo_get(f, a->handle);
   ring = bo ? bo->fence_ring : 0;
   seq = bo ? bo->fence_seq : 0;
   pthread_mutex_unlock(&f->lock);
   if (!bo)
      return -ENOENT;
   pthread_mutex_lock(&f->ev_lock);
   if (a->flags & VIRTGPU_WAIT_NOWAIT) {
      ret = f->completed[ring] < seq ? -EBUSY : 0;
   } else {
      clock_gettime(CLOCK_MONOTONIC, &ts);
      ts.tv_sec += WAIT_TIMEOUT_NS / 1000000000ull;
      while (f->completed[ring] < seq && !ret)
         if (pthread_cond_timedwait(&f->ev_cond, &f->ev_lock, &ts) == ETIMEDOUT)
            ret = f->completed[ring] < seq ? -EBUSY : 0;
   }
   pthread_mutex_unlock(&f->ev_lock);
   return ret;
}

/* The device capset: the guest kernel fetches it once per VM (a probe
 * context).  A file with a context answers its own context's: the anchor
 * bytes are the device's, the extension block names that context's arena
 * (an extended guest reads it past the anchor's 80 bytes). */
static int
node_caps(struct vgpu_file *f, struct nc_caps *out)
{
   struct vgpu_node *n = f->node;
   struct vg_dev *probe;
   int ret = 0;

   if (f->vg) {
      *out = f->vg->caps;
      return 0;
   }
   pthread_mutex_lock(&n->lock);
   if (!n->have_caps) {
      ret = n->cfg.open_ctx(n->cfg.open_data, &probe);
      if (!ret) {
         n->caps = probe->caps;
         n->have_caps = true;
         struct vg_stats s;
         vg_get_stats(probe, &s);
         vgpu_stats_add(&n->closed_stats, &s);
         vg_destroy(probe);
      }
   }
   *out = n->caps;
   pthread_mutex_unlock(&n->lock);
   return ret ? -EIO : 0;
}

static int
h_get_caps(struct vgpu_call *c)
{
   struct drm_virtgpu_get_caps *a = c->args;
   struct nc_caps caps;
   int ret;

   /* virtio_gpu_get_caps_ioctl(): size 0, an unknown id or a version
    * above the capset's max (0) are EINVAL. */
   if (!a->size || a->cap_set_id != VGPU_CAPSET_DRM || a->cap_set_ver > 0)
      return -EINVAL;
   ret = node_caps(c->f, &caps);
   if (ret)
      return ret;
   if (!c->out[0])
      return -EFAULT;
   memcpy(c->out[0], &caps,
          c->regs[0].count < sizeof(caps) ? c->regs[0].count : sizeof(caps));
   return 0;
}

/* The context's hostmem arena (the capset's extension block, which the
 * host gives the guest kernel): the node places every blob in it, as
 * virtio_gpu places mappable blobs in its host-visible region. */
static int
init_heap(struct vgpu_file *f)
{
   const struct nc_capset_ext *x = &f->vg->caps.ext;

   if (x->magic != NC_CAPSET_EXT_MAGIC || !x->arena_size ||
       nc_heap_init(&f->heap, x->arena_offset, x->arena_size))
      return 0; /* no storage: blob creates fail with ENOSPC */
   f->heap_ready = true;
   f->heap_high = x->arena_offset;
   return 0;
}

static int
h_context_init(struct vgpu_call *c)
{
   struct drm_virtgpu_context_init *a = c->args;
   struct vgpu_file *f = c->f;
   uint32_t capset = 0, rings = 0;
   uint64_t mask = 0;
   bool seen[VGPU_CTX_PARAMS_MAX + 1] = { false };
   struct vg_dev *vg;
   int ret;

   if (!a->num_params)
      return -EINVAL;
   if (f->vg)
      return -EEXIST;
   for (uint32_t i = 0; i < a->num_params; i++) {
      struct drm_virtgpu_context_set_param p;

      memcpy(&p, c->in[0] + i * sizeof(p), sizeof(p));
      if (!p.param || p.param > VGPU_CTX_PARAMS_MAX || seen[p.param])
         return -EINVAL;
      seen[p.param] = true;
      switch (p.param) {
      case VIRTGPU_CONTEXT_PARAM_CAPSET_ID:
         if (p.value != VGPU_CAPSET_DRM)
            return -EINVAL;
         capset = (uint32_t)p.value;
         break;
      case VIRTGPU_CONTEXT_PARAM_NUM_RINGS:
         if (p.value > VGPU_MAX_RINGS)
            return -EINVAL;
         rings = (uint32_t)p.value;
         break;
      case VIRTGPU_CONTEXT_PARAM_POLL_RINGS_MASK:
         mask = p.value;
         break;
      }
   }
   /* No virgl: a context is a DRM native context or nothing. */
   if (!capset)
      return -EINVAL;
   if (rings < VGPU_MAX_RINGS && (mask >> rings))
      return -EINVAL;
   ret = f->node->cfg.open_ctx(f->node->cfg.open_data, &vg);
   if (ret)
      return ret == -ENOMEM ? -ENOMEM : -EIO;
   pthread_mutex_lock(&f->ev_lock);
   f->num_rings = rings;
   f->poll_rings_mask = mask;
   pthread_mutex_unlock(&f->ev_lock);
   pthread_mutex_lock(&f->node->lock);
   f->vg = vg;
   pthread_mutex_unlock(&f->node->lock);
   vg_set_event_cb(vg, vgpu_on_event, f);
   return init_heap(f);
}

/* Where the blob's storage lives in hostmem: the node's pick, in the
 * context's arena, as virtio_gpu places a mappable blob in its
 * host-visible region.  The arena is the guest kernel's: storage it hands
 * out again is cleared first, as a kernel clears pages (a fresh arena is
 * zero). */
static int
blob_storage(struct vgpu_file *f, uint64_t size, uint64_t *off)
{
   uint8_t *hm = f->vg->hostmem;

   vgpu_reap_zombies(f);
   if (!f->heap_ready || nc_heap_alloc(&f->heap, size, PAGE, off))
      return -ENOSPC;
   if (*off < f->heap_high) {
      uint64_t n = size < f->heap_high - *off ? size : f->heap_high - *off;
      if (!hm || *off + n > f->vg->hostmem_size) {
         nc_heap_free(&f->heap, *off, size);
         return -ENOSPC;
      }
      memset(hm + *off, 0, n);
   }
   if (*off + size > f->heap_high)
      f->heap_high = *off + size;
   return 0;
}

/* NC_EXT_BLOB_AT: the process names the blob's storage in the create's
 * cmd (a BLOB_AT ccmd for the same blob_id); the guest kernel follows it.
 * 1: found, *off set; 0: none; -EINVAL: one that is not in the arena. */
static int
blob_at(struct vgpu_file *f, const uint8_t *cmd, uint32_t len,
        uint64_t blob_id, uint64_t size, uint64_t *off)
{
   const struct nc_capset_ext *x = &f->vg->caps.ext;
   uint32_t pos = 0;

   if (!(x->offered & NC_EXT_BLOB_AT))
      return 0;
   while (len - pos >= sizeof(struct nc_ccmd_req)) {
      struct nc_ccmd_req hdr;
      struct nc_ccmd_blob_at_req at;

      memcpy(&hdr, cmd + pos, sizeof(hdr));
      if (hdr.len < sizeof(hdr) || hdr.len > len - pos)
         return 0; /* not ours to judge: the host decodes the batch */
      if (hdr.cmd == NC_CCMD_BLOB_AT && hdr.len >= sizeof(at)) {
         memcpy(&at, cmd + pos, sizeof(at));
         if (at.blob_id == blob_id) {
            if (at.hm_offset % PAGE || at.hm_offset < x->arena_offset ||
                at.hm_offset > x->arena_offset + x->arena_size ||
                size > x->arena_offset + x->arena_size - at.hm_offset)
               return -EINVAL;
            *off = at.hm_offset;
            return 1;
         }
      }
      pos += hdr.len;
   }
   return 0;
}

static int
h_resource_create_blob(struct vgpu_call *c)
{
   struct drm_virtgpu_resource_create_blob *a = c->args;
   struct vgpu_file *f = c->f;
   struct vgpu_bo *bo;
   uint32_t handle;
   int ret;

   /* verify_blob(): HOST3D only (GUEST blobs need guest pages the host
    * cannot see here), known flags, a page-aligned nonzero size. */
   if (a->blob_mem != VIRTGPU_BLOB_MEM_HOST3D ||
       (a->blob_flags & ~(VIRTGPU_BLOB_FLAG_USE_MAPPABLE |
                          VIRTGPU_BLOB_FLAG_USE_SHAREABLE |
                          VIRTGPU_BLOB_FLAG_USE_CROSS_DEVICE)) ||
       !a->size || a->size % PAGE)
      return -EINVAL;
   if (!f->vg)
      return -EINVAL;
   bo = calloc(1, sizeof(*bo));
   if (!bo)
      return -ENOMEM;
   bo->blob_mem = a->blob_mem;
   bo->blob_flags = a->blob_flags;
   bo->size = a->size;
   /* The process's pick (and its storage to clear and recycle), else ours. */
   ret = blob_at(f, c->in[0], a->cmd_size, a->blob_id, a->size,
                 &bo->hm_offset);
   if (!ret) {
      ret = blob_storage(f, a->size, &bo->hm_offset);
      bo->node_heap = !ret;
   } else if (ret == 1) {
      ret = 0;
   }
   if (!ret) {
      struct vg_blob_create args = {
         .blob_id = a->blob_id, .size = a->size, .hm_offset = bo->hm_offset,
         .cmd = c->in[0], .cmd_len = a->cmd_size,
      };
      ret = vg_blob_create(f->vg, &args, &bo->res_id);
      if (!ret)
         ret = vg_flush(f->vg); /* notified at once, as virtio_gpu does */
   }
   if (!ret)
      ret = vgpu_handle_put(f, bo, &handle);
   if (ret) {
      vgpu_bo_free(f, bo);
      return ret == -E2BIG ? -ENOMEM : ret;
   }
   a->bo_handle = handle;
   a->res_handle = bo->res_id;
   return 0;
}

static int
h_execbuffer(struct vgpu_call *c)
{
   struct drm_virtgpu_execbuffer *a = c->args;
   struct vgpu_file *f = c->f;
   uint32_t ring = 0;
   uint64_t seq;
   int efd = -1, ret;

   if (a->flags & ~VIRTGPU_EXECBUF_FLAGS)
      return -EINVAL;
   /* 6.1 sets it before anything can fail; FENCE_FD_OUT's fd replaces it
    * on success (ours: the caller's eventfd it named, see below). */
   int named_fd = a->fence_fd;
   a->fence_fd = -1;
   if (a->flags & VIRTGPU_EXECBUF_RING_IDX) {
      if (a->ring_idx >= f->num_rings)
         return -EINVAL;
      ring = a->ring_idx;
   }
   if (!f->vg)
      return -EINVAL;
   /* An in-fence the preload did not resolve is not one we can see. */
   if (a->flags & VIRTGPU_EXECBUF_FENCE_FD_IN)
      return -EINVAL;
   for (uint32_t i = 0; i < a->num_bo_handles; i++) {
      uint32_t h;
      memcpy(&h, c->in[1] + 4 * i, 4);
      if (!vgpu_bo_get(f, h))
         return -ENOENT;
   }
   if (a->flags & VIRTGPU_EXECBUF_FENCE_FD_OUT) {
      efd = f->node->cfg.import_fd(f->node->cfg.import_data, c->tid,
                                   named_fd);
      if (efd < 0)
         return -EINVAL;
   }

   pthread_mutex_lock(&f->ev_lock);
   seq = ++f->emitted[ring];
   pthread_mutex_unlock(&f->ev_lock);
   ret = vg_execbuf(f->vg, a->size ? c->in[0] : NULL, a->size, ring, seq,
                    VG_EXECBUF_FENCE);
   if (ret) {
      if (efd >= 0)
         close(efd);
      return ret == -EIO ? -EIO : ret;
   }
   atomic_fetch_add(ring ? &f->node->exec_gpu : &f->node->exec_ring0, 1);
   if (efd >= 0)
      atomic_fetch_add(ring ? &f->node->exec_fence_out
                            : &f->node->exec_ring0_fence, 1);
   for (uint32_t i = 0; i < a->num_bo_handles; i++) {
      uint32_t h;
      memcpy(&h, c->in[1] + 4 * i, 4);
      struct vgpu_bo *bo = vgpu_bo_get(f, h);
      bo->fence_ring = ring;
      bo->fence_seq = seq;
   }
   if (efd >= 0) {
      struct pending_fd *p = calloc(1, sizeof(*p));
      pthread_mutex_lock(&f->ev_lock);
      if (f->completed[ring] >= seq || !p) {
         /* Signalled already (or no memory to wait: signal early rather
          * than never). */
         vgpu_signal_fd(efd);
         free(p);
      } else {
         *p = (struct pending_fd){ f->pending, ring, seq, efd };
         f->pending = p;
      }
      pthread_mutex_unlock(&f->ev_lock);
      a->fence_fd = named_fd;
   }
   return 0;
}

/* unlocked: the handler takes f->lock itself (it may sleep). */
const struct vgpu_handler vgpu_handlers[VGPU_ID_COUNT] = {
   [VGPU_ID_VERSION] = { h_version },
   [VGPU_ID_GET_CAP] = { h_get_cap },
   [VGPU_ID_GEM_CLOSE] = { h_gem_close },
   [VGPU_ID_MAP] = { h_map },
   [VGPU_ID_EXECBUFFER] = { h_execbuffer },
   [VGPU_ID_GETPARAM] = { h_getparam },
   [VGPU_ID_RESOURCE_INFO] = { h_resource_info },
   [VGPU_ID_WAIT] = { h_wait, true },
   [VGPU_ID_GET_CAPS] = { h_get_caps },
   [VGPU_ID_RESOURCE_CREATE_BLOB] = { h_resource_create_blob },
   [VGPU_ID_CONTEXT_INIT] = { h_context_init },
};
