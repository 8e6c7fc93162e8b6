/*
 * nc_guest_bo.c - BOs in the nativectx guest: the iova heap and hostmem
 * arenas the guest allocates from itself and what each BO's last fences
 * were (waiting on them: nc_guest_fence.c).
 *
 * Reuse rule: a freed BO's iova and storage go on a zombie list until every
 * fence that used the BO retired (the core still holds them until then) and,
 * when the host might still touch the bytes (a GEM_UPLOAD not yet run, a
 * DONTNEED object the shrinker may discard until its close is processed),
 * until the host has processed a request sent after the free.  Reused
 * storage is zeroed here: the host does not zero arena memory.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nc_guest_priv.h"

#define ZOMBIE_WAIT_NS (10ull * 1000000000ull)

/* ------------------------------------------------------------- tracking */

/* The fence a CPU access must wait for on one queue: writers for a read,
 * everyone for a write. */
static uint32_t
track_need(const struct nc_track *t, bool write)
{
   uint32_t f = t->wr;
   if (write && t->rd && (!f || nc_after(t->rd, f)))
      f = t->rd;
   return f;
}

static bool
track_idle(struct nc_guest_dev *d, const struct nc_track *t)
{
   return nc_fence_done(d, t->slot, t->queue_id, track_need(t, true));
}

/* Record that fence uses bo on q (flags: MSM_SUBMIT_BO_*); with fence 0,
 * only make sure there is room, so the submit itself cannot fail later. */
int
nc_bo_track(struct nc_bo *bo, const struct nc_guest_queue *q, uint32_t fence,
            uint32_t flags)
{
   struct nc_track *t = NULL;

   for (uint32_t i = 0; i < bo->nr_track; i++) {
      if (bo->track[i].queue_id == q->id) {
         t = &bo->track[i];
         break;
      }
   }
   if (!t) {
      if (bo->nr_track == bo->cap_track) {
         uint32_t cap = bo->cap_track ? bo->cap_track * 2 : 2;
         struct nc_track *n = realloc(bo->track, cap * sizeof(*n));
         if (!n)
            return -ENOMEM;
         bo->track = n;
         bo->cap_track = cap;
      }
      t = &bo->track[bo->nr_track++];
      *t = (struct nc_track){ .queue_id = q->id, .slot = q->slot };
   }
   if (fence && (flags & MSM_SUBMIT_BO_READ))
      t->rd = fence;
   if (fence && (flags & MSM_SUBMIT_BO_WRITE))
      t->wr = fence;
   return 0;
}

/* Forget fences that retired. */
static void
track_prune(struct nc_guest_dev *d, struct nc_bo *bo)
{
   for (uint32_t i = 0; i < bo->nr_track;) {
      if (track_idle(d, &bo->track[i]))
         bo->track[i] = bo->track[--bo->nr_track];
      else
         i++;
   }
}

/* ------------------------------------------------------------- arenas */

int
nc_arenas_init(struct nc_guest_dev *d)
{
   const struct nc_capset_ext *c = &d->caps.ext;
   const struct nc_capset_msm *m = &d->caps.capset.msm;
   struct nc_arena *a = &d->arenas[0];
   uint64_t start = c->arena_offset + NC_SHMEM_SIZE;
   int ret;

   ret = nc_heap_init(&d->iova, m->va_start, m->va_size);
   if (ret)
      return ret;
   /* The shmem is the first arena's head: never BO storage. */
   a->offset = c->arena_offset;
   a->size = c->arena_size;
   a->high = start;
   ret = nc_heap_init(&a->heap, start, c->arena_offset + c->arena_size - start);
   if (ret) {
      nc_heap_fini(&d->iova);
      return ret;
   }
   d->nr_arenas = 1;
   d->arena_total = c->arena_size;
   return 0;
}

/* At close: the host context takes the objects along, we take the structs
 * (a ws_bo is the implementation's, like the process's GEM handles). */
void
nc_bos_fini(struct nc_guest_dev *d)
{
   while (d->bos) {
      struct nc_bo *bo = d->bos;
      d->bos = bo->next;
      free(bo->track);
      free(bo);
   }
}

void
nc_arenas_fini(struct nc_guest_dev *d)
{
   while (d->zombies) {
      struct nc_zombie *z = d->zombies;
      d->zombies = z->next;
      free(z->track);
      free(z);
   }
   for (uint32_t i = 0; i < d->nr_arenas; i++)
      nc_heap_fini(&d->arenas[i].heap);
   d->nr_arenas = 0;
   nc_heap_fini(&d->iova);
}

/* A rare sync call: another range of hostmem for BO storage. */
static int
arena_grow(struct nc_guest_dev *d, uint64_t need)
{
   struct nc_ccmd_arena_new_req *req;
   struct nc_ccmd_arena_new_rsp rsp;
   uint64_t size = need > d->arena_total ? need : d->arena_total;
   uint32_t rsp_off = 0;
   int ret;

   size = (size + (1ull << 20) - 1) & ~((1ull << 20) - 1);
   if (size > (256ull << 20))
      size = need;
   if (d->nr_arenas >= NC_MAX_ARENAS)
      return -ENOMEM;
   req = nc_req(d, NC_CCMD_ARENA_NEW, sizeof(*req), sizeof(rsp), &rsp_off);
   if (!req)
      return nc_req_error(d);
   req->size = size;
   ret = nc_sync_locked(d, rsp_off, &rsp, sizeof(rsp));
   if (ret)
      return ret;
   if (rsp.hdr.ret)
      return -ENOMEM; /* the host is full, or this context is */
   if (rsp.size < need || rsp.offset % NC_PAGE || rsp.size % NC_PAGE ||
       rsp.offset > d->vg->hostmem_size ||
       rsp.size > d->vg->hostmem_size - rsp.offset) {
      d->lost = -EIO;
      return -EIO;
   }
   struct nc_arena *a = &d->arenas[d->nr_arenas];
   ret = nc_heap_init(&a->heap, rsp.offset, rsp.size);
   if (ret)
      return ret;
   a->offset = rsp.offset;
   a->size = rsp.size;
   a->high = rsp.offset; /* a new arena is zero */
   d->nr_arenas++;
   d->arena_total += rsp.size;
   return 0;
}

static int
arena_alloc(struct nc_guest_dev *d, uint64_t size, uint32_t *arena, uint64_t *off)
{
   for (uint32_t i = 0; i < d->nr_arenas; i++) {
      if (!nc_heap_alloc(&d->arenas[i].heap, size, NC_PAGE, off)) {
         *arena = i;
         return 0;
      }
   }
   return -ENOSPC;
}

/* Fresh storage reads zero, as a new GEM object's pages do. */
static void
arena_zero(struct nc_guest_dev *d, uint32_t arena, uint64_t off, uint64_t size)
{
   struct nc_arena *a = &d->arenas[arena];

   if (off < a->high)
      memset(d->hostmem + off, 0, size < a->high - off ? size : a->high - off);
   if (off + size > a->high)
      a->high = off + size;
}

/* ------------------------------------------------------------ zombies */

static bool
zombie_idle(struct nc_guest_dev *d, const struct nc_zombie *z)
{
   for (uint32_t i = 0; i < z->nr_track; i++)
      if (!track_idle(d, &z->track[i]))
         return false;
   return !z->gated ||
          nc_after_eq(__atomic_load_n(&d->shmem->seqno, __ATOMIC_ACQUIRE),
                      z->gate_seqno);
}

static void
release_ranges(struct nc_guest_dev *d, uint64_t iova, uint64_t size, uint32_t arena,
               uint64_t hm_offset)
{
   nc_heap_free(&d->iova, iova, size);
   nc_heap_free(&d->arenas[arena].heap, hm_offset, size);
}

static void
reclaim(struct nc_guest_dev *d)
{
   for (struct nc_zombie **p = &d->zombies; *p;) {
      struct nc_zombie *z = *p;
      if (zombie_idle(d, z)) {
         release_ranges(d, z->iova, z->size, z->arena, z->hm_offset);
         *p = z->next;
         free(z->track);
         free(z);
      } else {
         p = &z->next;
      }
   }
}

/* Out of space with frees pending: wait for them to become reusable. */
static void
reclaim_wait(struct nc_guest_dev *d)
{
   uint64_t deadline = nc_deadline(ZOMBIE_WAIT_NS);
   bool gated = false;

   for (struct nc_zombie *z = d->zombies; z; z = z->next) {
      gated |= z->gated;
      for (uint32_t i = 0; i < z->nr_track; i++) {
         const struct nc_track *t = &z->track[i];
         nc_wait_fence_slot(d, t->slot, t->queue_id, track_need(t, true),
                            deadline);
      }
   }
   if (gated) {
      /* Any answered request proves the host ran everything before it. */
      if (nc_req(d, NC_CCMD_NOP, sizeof(struct nc_ccmd_nop_req), 0, NULL))
         nc_sync_locked(d, 0, NULL, 0);
   }
   reclaim(d);
}

static int
alloc_ranges(struct nc_guest_dev *d, uint64_t size, uint64_t *iova, uint32_t *arena,
             uint64_t *hm_offset)
{
   bool have_iova = false, have_hm = false, waited = false, grown = false;

   reclaim(d);
   for (;;) {
      if (!have_iova)
         have_iova = !nc_heap_alloc(&d->iova, size, NC_PAGE, iova);
      if (!have_hm)
         have_hm = !arena_alloc(d, size, arena, hm_offset);
      if (have_iova && have_hm)
         return 0;
      if (!waited && d->zombies) {
         reclaim_wait(d);
         waited = true;
      } else if (!have_hm && !grown) {
         grown = true;
         if (arena_grow(d, size))
            break;
      } else {
         break;
      }
      if (d->lost)
         break;
   }
   if (have_iova)
      nc_heap_free(&d->iova, *iova, size);
   if (have_hm)
      nc_heap_free(&d->arenas[*arena].heap, *hm_offset, size);
   return d->lost ? -EIO : -ENOMEM;
}

/* ---------------------------------------------------------------- BOs */

/* gem_new_check(): what the kernel refuses before allocating (the core's
 * own rule, so the two cannot disagree). */
static int
bo_check_flags(const struct nc_guest_dev *d, uint64_t size, uint32_t flags)
{
   struct msm_rules_caps caps = nc_rules_caps(d);
   return msm_rule_gem_new(&caps, size, flags);
}

int
nc_bo_new(struct ws_dev *dev, uint64_t size, uint32_t flags,
          struct ws_bo **out)
{
   struct nc_guest_dev *d = nc_guest_dev(dev);
   uint64_t asize = (size + NC_PAGE - 1) & ~(NC_PAGE - 1);
   struct {
      struct nc_ccmd_gem_new_madv_req gem;
      struct nc_ccmd_blob_at_req at;
   } req;
   struct nc_bo *bo;
   int ret = bo_check_flags(d, size, flags);

   if (ret)
      return ret;
   bo = calloc(1, sizeof(*bo));
   if (!bo)
      return -ENOMEM;

   pthread_mutex_lock(&d->lock);
   if (nc_check_lost(d)) {
      ret = -EIO;
      goto fail;
   }
   ret = alloc_ranges(d, asize, &bo->base.iova, &bo->arena, &bo->hm_offset);
   if (ret)
      goto fail;
   arena_zero(d, bo->arena, bo->hm_offset, asize);
   nc_madv_pending_sweep(d);
   bo->madv_slot = nc_madv_slot_get(d);
   bo->madv_pending = -1;

   /* GEM_NEW rides in the blob create (RESOURCE_CREATE_BLOB's cmd), after
    * whatever is batched, so the host sees requests in seqno order.  The
    * storage offset is ours (BLOB_AT tells whichever guest kernel carries
    * it); the madvise word is the extension's (GEM_NEW_MADV). */
   req.gem = (struct nc_ccmd_gem_new_madv_req){
      .gem = {
         .hdr = { .cmd = NC_CCMD_GEM_NEW_MADV, .len = sizeof(req.gem),
                  .seqno = ++d->seqno },
         .iova = bo->base.iova, .size = size, .flags = flags,
         .blob_id = ++d->blob_id,
      },
      .madv_slot = bo->madv_slot,
   };
   req.at = (struct nc_ccmd_blob_at_req){
      .hdr = { .cmd = NC_CCMD_BLOB_AT, .len = sizeof(req.at),
               .seqno = ++d->seqno },
      .blob_id = req.gem.gem.blob_id, .hm_offset = bo->hm_offset,
   };
   struct vg_blob_create blob = {
      .blob_id = req.gem.gem.blob_id, .size = asize,
      .hm_offset = bo->hm_offset, .cmd = &req, .cmd_len = sizeof(req),
   };
   ret = nc_flush_locked(d, VG_EXECBUF_DEFER);
   if (!ret && vg_blob_create(d->vg, &blob, &bo->res_id)) {
      d->lost = -EIO;
      ret = -EIO;
   }
   if (ret) {
      release_ranges(d, bo->base.iova, asize, bo->arena, bo->hm_offset);
      nc_madv_slot_put(d, bo->madv_slot, d->seqno + 1);
      goto fail;
   }

   bo->base.dev = dev;
   bo->base.handle = bo->res_id;
   bo->base.flags = flags;
   bo->base.size = asize;
   bo->madv = MSM_MADV_WILLNEED;
   bo->next = d->bos;
   if (d->bos)
      d->bos->prev = bo;
   d->bos = bo;
   pthread_mutex_unlock(&d->lock);
   *out = &bo->base;
   return 0;

fail:
   pthread_mutex_unlock(&d->lock);
   free(bo);
   return ret;
}

void
nc_bo_free(struct ws_bo *base)
{
   struct nc_bo *bo = nc_bo(base);
   struct nc_guest_dev *d = nc_guest_dev(base->dev);

   pthread_mutex_lock(&d->lock);
   if (bo->prev)
      bo->prev->next = bo->next;
   else
      d->bos = bo->next;
   if (bo->next)
      bo->next->prev = bo->prev;
   if (nc_check_lost(d)) {
      /* The host context is gone for good; so are its ranges. */
      goto out;
   }
   /* Requests already batched may name the BO: they go first. */
   if (nc_flush_locked(d, VG_EXECBUF_DEFER) ||
       vg_resource_unref(d->vg, bo->res_id)) {
      d->lost = -EIO;
      goto out;
   }
   nc_madv_pending_remove(d, bo);
   nc_madv_slot_put(d, bo->madv_slot, d->seqno + 1);
   track_prune(d, bo);
   bool gated = bo->madv != MSM_MADV_WILLNEED ||
                (bo->has_upload &&
                 !nc_after_eq(__atomic_load_n(&d->shmem->seqno,
                                              __ATOMIC_ACQUIRE),
                              bo->upload_seqno));
   if (!bo->nr_track && !gated) {
      release_ranges(d, base->iova, base->size, bo->arena, bo->hm_offset);
      goto out;
   }
   struct nc_zombie *z = calloc(1, sizeof(*z));
   if (!z)
      goto out; /* leak the ranges rather than risk reusing them early */
   *z = (struct nc_zombie){
      .next = d->zombies, .iova = base->iova, .size = base->size,
      .hm_offset = bo->hm_offset, .arena = bo->arena, .gated = gated,
      /* The next request's seqno: processed means our close was too. */
      .gate_seqno = d->seqno + 1,
      .nr_track = bo->nr_track, .track = bo->track,
   };
   bo->track = NULL;
   d->zombies = z;
out:
   pthread_mutex_unlock(&d->lock);
   free(bo->track);
   free(bo);
}

/* Make sure the host ran every GEM_UPLOAD to bo (upload_ccmd mode). */
static int
bo_sync_uploads(struct nc_guest_dev *d, struct nc_bo *bo, bool force)
{
   int ret;

   if (!force && (!bo->has_upload ||
                  nc_after_eq(__atomic_load_n(&d->shmem->seqno,
                                              __ATOMIC_ACQUIRE),
                              bo->upload_seqno)))
      return 0;
   if (!nc_req(d, NC_CCMD_NOP, sizeof(struct nc_ccmd_nop_req), 0, NULL))
      return nc_req_error(d);
   ret = nc_sync_locked(d, 0, NULL, 0);
   if (!ret)
      bo->has_upload = false;
   return ret;
}

int
nc_bo_map(struct ws_bo *base, void **ptr)
{
   struct nc_bo *bo = nc_bo(base);
   struct nc_guest_dev *d = nc_guest_dev(base->dev);
   int ret = 0;

   pthread_mutex_lock(&d->lock);
   if (nc_check_lost(d))
      ret = -EIO;
   else if (bo->madv == __MSM_MADV_PURGED)
      ret = -EBUSY; /* its storage is gone for good */
   else
      /* The anchors pay VIRTGPU_MAP's round trip on first map. */
      ret = bo_sync_uploads(d, bo, d->opt.anchors_only && !bo->mapped_once);
   if (!ret) {
      bo->mapped_once = true;
      base->map = d->hostmem + bo->hm_offset;
      *ptr = base->map;
   }
   pthread_mutex_unlock(&d->lock);
   return ret;
}

int
nc_bo_upload(struct ws_bo *base, uint64_t offset, const void *src,
             uint64_t len)
{
   struct nc_bo *bo = nc_bo(base);
   struct nc_guest_dev *d = nc_guest_dev(base->dev);
   const uint8_t *p = src;
   int ret = 0;

   if (offset > base->size || len > base->size - offset)
      return -EINVAL;
   pthread_mutex_lock(&d->lock);
   if (nc_check_lost(d)) {
      ret = -EIO;
   } else if (bo->madv == __MSM_MADV_PURGED) {
      ret = -EBUSY;
   } else if (!d->opt.upload_ccmd || offset + len > UINT32_MAX) {
      /* The storage is mapped here already: no message at all (and the
       * anchor's GEM_UPLOAD offsets are 32 bits). */
      memcpy(d->hostmem + bo->hm_offset + offset, src, len);
   } else {
      while (len && !ret) {
         uint32_t n = len < NC_UPLOAD_CHUNK ? (uint32_t)len : NC_UPLOAD_CHUNK;
         struct nc_ccmd_gem_upload_req *req =
            nc_req(d, NC_CCMD_GEM_UPLOAD, sizeof(*req) + n, 0, NULL);
         if (!req) {
            ret = nc_req_error(d);
            break;
         }
         req->off = offset;
         req->res_id = bo->res_id;
         req->len = n;
         memcpy(req->payload, p, n);
         bo->has_upload = true;
         bo->upload_seqno = req->hdr.seqno;
         offset += n;
         p += n;
         len -= n;
      }
   }
   pthread_mutex_unlock(&d->lock);
   return ret;
}

/* The anchors' way: ask the host, which never blocks, until idle. */
static int
poll_cpu_prep(struct nc_guest_dev *d, struct nc_bo *bo, uint32_t op,
              int64_t timeout_ns)
{
   uint64_t deadline = nc_deadline(timeout_ns);
   struct nc_ccmd_gem_cpu_prep_rsp rsp;

   for (;;) {
      struct nc_ccmd_gem_cpu_prep_req *req;
      uint32_t rsp_off = 0;
      int ret;

      pthread_mutex_lock(&d->lock);
      req = nc_req(d, NC_CCMD_GEM_CPU_PREP, sizeof(*req), sizeof(rsp),
                   &rsp_off);
      if (req) {
         req->res_id = bo->res_id;
         req->op = op & ~MSM_PREP_NOSYNC;
         ret = nc_sync_locked(d, rsp_off, &rsp, sizeof(rsp));
      } else {
         ret = nc_req_error(d);
      }
      pthread_mutex_unlock(&d->lock);
      if (!ret)
         ret = rsp.hdr.ret;
      if (ret != -EBUSY || (op & MSM_PREP_NOSYNC) || !timeout_ns)
         return ret;
      if (nc_deadline(0) >= deadline)
         return -ETIMEDOUT;
      nanosleep(&(struct timespec){ 0, 20000 }, NULL);
   }
}

int
nc_bo_cpu_prep(struct ws_bo *base, uint32_t op, int64_t timeout_ns)
{
   struct nc_bo *bo = nc_bo(base);
   struct nc_guest_dev *d = nc_guest_dev(base->dev);
   struct nc_track waits[8], *w = waits;
   uint32_t n = 0;
   int ret = 0;

   if (op & ~MSM_PREP_FLAGS)
      return -EINVAL;
   if (d->opt.anchors_only)
      return poll_cpu_prep(d, bo, op, timeout_ns);

   pthread_mutex_lock(&d->lock);
   if (nc_check_lost(d)) {
      pthread_mutex_unlock(&d->lock);
      return -EIO;
   }
   /* Every fence that used the BO was assigned here: no need to ask. */
   track_prune(d, bo);
   if (bo->nr_track > 8)
      w = malloc(bo->nr_track * sizeof(*w));
   if (!w) {
      pthread_mutex_unlock(&d->lock);
      return -ENOMEM;
   }
   for (uint32_t i = 0; i < bo->nr_track; i++) {
      const struct nc_track *t = &bo->track[i];
      uint32_t f = track_need(t, op & MSM_PREP_WRITE);
      if (!nc_fence_done(d, t->slot, t->queue_id, f)) {
         w[n] = *t;
         w[n++].wr = f;
      }
   }
   pthread_mutex_unlock(&d->lock);

   if (n && ((op & MSM_PREP_NOSYNC) || !timeout_ns)) {
      ret = -EBUSY; /* busy and no time to wait (msm_gem_cpu_prep) */
   } else if (n) {
      uint64_t deadline = nc_deadline(timeout_ns);
      for (uint32_t i = 0; i < n && !ret; i++)
         ret = nc_wait_fence_slot(d, w[i].slot, w[i].queue_id, w[i].wr,
                                  deadline);
   }
   if (w != waits)
      free(w);
   return ret;
}

int
nc_bo_cpu_fini(struct ws_bo *base)
{
   struct nc_guest_dev *d = nc_guest_dev(base->dev);
   int ret;

   pthread_mutex_lock(&d->lock);
   ret = nc_check_lost(d) ? -EIO : 0;
   pthread_mutex_unlock(&d->lock);
   return ret;
}

int
nc_bo_set_name(struct ws_bo *base, const char *name)
{
   struct nc_bo *bo = nc_bo(base);
   struct nc_guest_dev *d = nc_guest_dev(base->dev);
   size_t len = strlen(name);
   struct nc_ccmd_gem_set_name_req *req;
   int ret = 0;

   if (len >= MSM_BO_NAME_LEN)
      return -EINVAL;
   pthread_mutex_lock(&d->lock);
   if (nc_check_lost(d)) {
      ret = -EIO;
   } else {
      req = nc_req(d, NC_CCMD_GEM_SET_NAME, sizeof(*req) + len, 0, NULL);
      if (req) {
         req->res_id = bo->res_id;
         req->len = (uint32_t)len;
         memcpy(req->payload, name, len);
      } else {
         ret = nc_req_error(d);
      }
   }
   pthread_mutex_unlock(&d->lock);
   return ret;
}

