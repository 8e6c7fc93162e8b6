/*
 * wk_alloc.c - an allocation storm, as a game's level load produces it:
 * BOs of mixed sizes created one after another, each filled through a CPU
 * mapping or with ws_bo_upload, handed to the GPU in batches, and freed
 * (into the BO cache) once `live` newer ones exist.
 *
 * Every batch's submit copies the first dword of each of its BOs into a
 * check BO with CP_MEM_TO_MEM, so the run verifies that every byte the
 * CPU wrote reached the GPU's view of that BO, in every mode.
 *
 * At most `throttle` batches are in flight, as a loader that flushes per
 * frame is throttled at swap: without it a GPU that falls behind (a
 * descheduled GPU thread on a busy machine) would leave every BO of the
 * run busy, which no cache and no shrinker can give back.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pm4.h"
#include "workload.h"
#include "ws_pipe.h"

static inline uint32_t
alloc_magic(uint32_t i)
{
   return 0xa110c000u ^ (i * 0x9e3779b1u);
}

static uint64_t
pick_size(const struct size_mix *m, uint32_t *rng)
{
   uint32_t total = 0, x;

   for (unsigned i = 0; i < m->n; i++)
      total += m->weight[i];
   x = wk_rand(rng) % total;
   for (unsigned i = 0; i < m->n; i++) {
      if (x < m->weight[i])
         return m->size[i];
      x -= m->weight[i];
   }
   return m->size[m->n - 1];
}

/* One run's device, BOs and pipe. */
struct alloc_run {
   struct wk_run *r;
   const struct alloc_params *p;
   uint32_t live;               /* BOs kept alive (ring of live + 1) */
   uint32_t touch_max;          /* bytes the CPU writes per BO at most */
   struct ws_cache_bo **ring, **batch, *check;
   uint32_t head, count;        /* the ring's oldest entry, its length */
   uint32_t *flags, *cs, *data;
   uint32_t nr_batch, batch_first, nr_submitted;
   struct ws_pipe_fence *inflight;   /* throttle slots */
   volatile uint32_t *check_map;
   struct ws_bo_cache cache;
   struct ws_pipe pipe;
   struct ws_counters cnt;
   struct ws_dev *dev;
};

/* BO i: allocated, filled by map or upload, into the ring and the batch;
 * the oldest goes back to the cache once `live` newer ones exist. */
static int
alloc_one(struct alloc_run *ar, uint32_t i, uint32_t *rng)
{
   const struct alloc_params *p = ar->p;
   uint64_t size = pick_size(&p->sizes, rng);
   uint32_t touch = size < ar->touch_max ? (uint32_t)size : ar->touch_max;
   bool by_map = wk_rand(rng) % 100 < p->map_pct;
   struct ws_cache_bo *bo;
   int ret = ws_cache_bo_new(&ar->cache, size, MSM_BO_WC, &bo);

   if (ret)
      return wk_fail(ar->r, ret, "BO %u (%llu bytes): %s", i,
                     (unsigned long long)size, strerror(-ret));
   wk_fill(ar->data, touch, i);
   ar->data[0] = alloc_magic(i);
   if (by_map) {
      void *map;

      ret = ws_cache_bo_map(bo, &map);
      if (!ret)
         memcpy(map, ar->data, touch);
   } else {
      ret = ws_bo_upload(bo->bo, 0, ar->data, touch);
   }
   ar->ring[(ar->head + ar->count++) % (ar->live + 1)] = bo;
   ar->batch[ar->nr_batch++] = bo;
   if (ret)
      return wk_fail(ar->r, ret, "BO %u: %s: %s", i, by_map ? "map" : "upload",
                     strerror(-ret));
   if (ar->count > ar->live) {
      ws_cache_bo_free(&ar->cache, ar->ring[ar->head]);
      ar->ring[ar->head] = NULL;
      ar->head = (ar->head + 1) % (ar->live + 1);
      ar->count--;
   }
   return 0;
}

/* The batch ending at BO i to the GPU: it copies each BO's first dword
 * into the check BO, once the throttle slot's previous batch is done. */
static int
alloc_submit_batch(struct alloc_run *ar, uint32_t i)
{
   const struct alloc_params *p = ar->p;
   struct ws_pipe_fence *f = &ar->inflight[ar->nr_submitted % p->throttle];
   uint32_t n;
   int ret;

   if (ar->nr_submitted >= p->throttle) {
      ret = ws_pipe_wait(&ar->pipe, f, WK_TIMEOUT_NS);
      if (ret)
         return wk_fail(ar->r, ret, "batch at BO %u: throttle: %s", i,
                        strerror(-ret));
   }
   n = pm4_emit_delay(ar->cs, (uint64_t)p->gpu_us * 1000);
   for (uint32_t k = 0; k < ar->nr_batch; k++)
      n += pm4_emit_mem_to_mem(ar->cs + n, 0,
                               ar->check->bo->iova + 4ull * (ar->batch_first + k),
                               ar->batch[k]->bo->iova);
   ar->batch[ar->nr_batch] = ar->check;
   ar->flags[ar->nr_batch] = MSM_SUBMIT_BO_WRITE;
   ret = ws_pipe_submit(&ar->pipe, ar->cs, n, ar->batch, ar->flags,
                        ar->nr_batch + 1, f);
   ar->flags[ar->nr_batch] = MSM_SUBMIT_BO_READ;
   if (ret)
      return wk_fail(ar->r, ret, "batch at BO %u: submit: %s", i,
                     strerror(-ret));
   ar->nr_submitted++;
   ar->nr_batch = 0;
   ar->batch_first = i + 1;
   return 0;
}

/* The storm, the window around all but the warmup, and the check that the
 * GPU saw every BO's CPU-written dword. */
static int
alloc_loop(struct alloc_run *ar, struct wk_sample *out)
{
   struct wk_run *r = ar->r;
   uint32_t total = r->warmup + r->iters, rng = 1;
   struct wk_window win;
   int ret;

   for (uint32_t i = 0; i < total; i++) {
      if (i == r->warmup) {
         /* The window starts with the GPU idle, as it ends: work the
          * warmup left queued must not count for (or against) a mode. */
         ret = ws_pipe_idle(&ar->pipe, WK_TIMEOUT_NS);
         if (ret)
            return wk_fail(r, ret, "warmup drain: %s", strerror(-ret));
         wk_window_start(&win, &ar->cnt);
      }
      if ((ret = alloc_one(ar, i, &rng)))
         return ret;
      if ((ar->nr_batch == ar->p->batch || i == total - 1) &&
          (ret = alloc_submit_batch(ar, i)))
         return ret;
   }
   ret = ws_pipe_idle(&ar->pipe, WK_TIMEOUT_NS);
   if (ret)
      return wk_fail(r, ret, "final wait: %s", strerror(-ret));
   wk_window_stop(&win, r->iters, out);
   for (uint32_t i = 0; i < total; i++)
      if (ar->check_map[i] != alloc_magic(i))
         return wk_fail(r, -EIO, "BO %u: the GPU read 0x%x, the CPU wrote "
                        "0x%x", i, ar->check_map[i], alloc_magic(i));
   return 0;
}

static int
alloc_setup(struct alloc_run *ar)
{
   const struct alloc_params *p = ar->p;
   uint32_t total = ar->r->warmup + ar->r->iters;
   int ret;

   ar->ring = calloc(ar->live + 1, sizeof(*ar->ring));
   ar->batch = calloc(p->batch + 1, sizeof(*ar->batch));
   ar->flags = calloc(p->batch + 1, sizeof(*ar->flags));
   ar->cs = malloc((PM4_DELAY_DWORDS +
                    (size_t)p->batch * PM4_MEM_TO_MEM_DWORDS) * 4);
   ar->data = malloc(ar->touch_max);
   ar->inflight = calloc(p->throttle, sizeof(*ar->inflight));
   if (!ar->ring || !ar->batch || !ar->flags || !ar->cs || !ar->data ||
       !ar->inflight)
      return wk_fail(ar->r, -ENOMEM, "out of memory");
   ret = ws_pipe_init(&ar->pipe, &ar->cache, true, 1);
   if (!ret)
      ret = ws_cache_bo_new(&ar->cache, (uint64_t)total * 4, MSM_BO_WC,
                            &ar->check);
   if (!ret)
      ret = ws_cache_bo_map(ar->check, (void **)&ar->check_map);
   if (ret)
      return wk_fail(ar->r, ret, "setup: %s", strerror(-ret));
   for (uint32_t i = 0; i < p->batch; i++)
      ar->flags[i] = MSM_SUBMIT_BO_READ;
   return 0;
}

int
wk_alloc_run(struct wk_run *r, struct wk_sample *out)
{
   const struct alloc_params *p = &r->prof->alloc;
   struct alloc_run ar = {
      .r = r, .p = p, .live = p->live > p->batch ? p->live : p->batch,
      .touch_max = p->touch_kib ? p->touch_kib * 1024 : 4,
   };
   int ret;

   wk_counters_init(r, &ar.cnt);
   ret = wk_open(r, &ar.cnt, &ar.dev);
   if (ret)
      return wk_fail(r, ret, "open: %s", strerror(-ret));
   ws_bo_cache_init(&ar.cache, ar.dev, p->cache);
   ret = alloc_setup(&ar);
   if (!ret)
      ret = alloc_loop(&ar, out);

   ws_pipe_idle(&ar.pipe, WK_TIMEOUT_NS);
   for (uint32_t k = 0; ar.ring && k < ar.count; k++)
      ws_cache_bo_free(&ar.cache, ar.ring[(ar.head + k) % (ar.live + 1)]);
   if (ar.check)
      ws_cache_bo_free(&ar.cache, ar.check);
   out->cache = ar.cache.st;
   ws_bo_cache_fini(&ar.cache);
   ws_pipe_fini(&ar.pipe);
   ws_close(ar.dev);
   free(ar.ring);
   free(ar.batch);
   free(ar.flags);
   free(ar.cs);
   free(ar.data);
   free(ar.inflight);
   return ret;
}
