/*
 * wl_alloc.c - an allocation storm, as a game's level load produces it:
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

#include "pipe.h"
#include "pm4.h"
#include "workload.h"

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
   x = wl_rand(rng) % total;
   for (unsigned i = 0; i < m->n; i++) {
      if (x < m->weight[i])
         return m->size[i];
      x -= m->weight[i];
   }
   return m->size[m->n - 1];
}

int
wl_alloc_run(struct wl_run *r, struct wl_sample *out)
{
   const struct alloc_params *p = &r->prof->alloc;
   uint32_t total = r->warmup + r->iters;
   uint32_t live = p->live > p->batch ? p->live : p->batch;
   uint32_t touch_max = p->touch_kib ? p->touch_kib * 1024 : 4;
   struct wbo **ring = NULL, **batch = NULL, *check = NULL;
   struct wl_fence *inflight = NULL;
   uint32_t nr_submitted = 0;
   uint32_t *flags = NULL, *cs = NULL, *data = NULL, nr_batch = 0;
   uint32_t head = 0, count = 0, rng = 1, batch_first = 0;
   volatile uint32_t *check_map;
   struct wl_window win;
   struct bo_cache cache;
   struct pipe pipe = { 0 };
   struct wdev w;
   int ret;

   wdev_init(&w, r->mode, r->attribute);
   ret = wdev_open(&w);
   if (ret)
      return wl_fail(r, ret, "open: %s", strerror(-ret));
   bo_cache_init(&cache, &w, p->cache);
   ring = calloc(live + 1, sizeof(*ring));
   batch = calloc(p->batch + 1, sizeof(*batch));
   flags = calloc(p->batch + 1, sizeof(*flags));
   cs = malloc((PM4_DELAY_DWORDS + (size_t)p->batch * PM4_MEM_TO_MEM_DWORDS) *
               4);
   data = malloc(touch_max);
   inflight = calloc(p->throttle, sizeof(*inflight));
   if (!ring || !batch || !flags || !cs || !data || !inflight) {
      ret = wl_fail(r, -ENOMEM, "out of memory");
      goto out;
   }
   ret = pipe_init(&pipe, &cache, true, 1);
   if (!ret)
      ret = wbo_new(&cache, (uint64_t)total * 4, MSM_BO_WC, &check);
   if (!ret)
      ret = wbo_map(&cache, check, (void **)&check_map);
   if (ret) {
      ret = wl_fail(r, ret, "setup: %s", strerror(-ret));
      goto out;
   }
   for (uint32_t i = 0; i < p->batch; i++)
      flags[i] = MSM_SUBMIT_BO_READ;

   for (uint32_t i = 0; i < total; i++) {
      uint64_t size = pick_size(&p->sizes, &rng);
      uint32_t touch = size < touch_max ? (uint32_t)size : touch_max;
      bool by_map = wl_rand(&rng) % 100 < p->map_pct;
      struct wbo *bo;

      if (i == r->warmup) {
         /* The window starts with the GPU idle, as it ends: work the
          * warmup left queued must not count for (or against) a mode. */
         ret = pipe_idle(&pipe, WL_TIMEOUT_NS);
         if (ret) {
            ret = wl_fail(r, ret, "warmup drain: %s", strerror(-ret));
            goto out;
         }
         wl_window_start(&win, &w);
      }
      ret = wbo_new(&cache, size, MSM_BO_WC, &bo);
      if (ret) {
         ret = wl_fail(r, ret, "BO %u (%llu bytes): %s", i,
                       (unsigned long long)size, strerror(-ret));
         goto out;
      }
      wl_fill(data, touch, i);
      data[0] = alloc_magic(i);
      if (by_map) {
         void *map;

         ret = wbo_map(&cache, bo, &map);
         if (!ret)
            memcpy(map, data, touch);
      } else {
         ret = w_bo_upload(&w, bo->bo, 0, data, touch);
      }
      ring[(head + count++) % (live + 1)] = bo;
      batch[nr_batch++] = bo;
      if (ret) {
         ret = wl_fail(r, ret, "BO %u: %s: %s", i, by_map ? "map" : "upload",
                       strerror(-ret));
         goto out;
      }
      if (count > live) {
         wbo_free(&cache, ring[head]);
         ring[head] = NULL;
         head = (head + 1) % (live + 1);
         count--;
      }

      if (nr_batch == p->batch || i == total - 1) {
         struct wl_fence *f = &inflight[nr_submitted % p->throttle];
         uint32_t n;

         /* The slot's previous batch must be done before this one goes. */
         if (nr_submitted >= p->throttle) {
            ret = pipe_wait(&pipe, f, WL_TIMEOUT_NS);
            if (ret) {
               ret = wl_fail(r, ret, "batch at BO %u: throttle: %s", i,
                             strerror(-ret));
               goto out;
            }
         }
         n = pm4_emit_delay(cs, (uint64_t)p->gpu_us * 1000);
         for (uint32_t k = 0; k < nr_batch; k++)
            n += pm4_emit_mem_to_mem(cs + n, 0,
                                     check->bo->iova + 4ull * (batch_first + k),
                                     batch[k]->bo->iova);
         batch[nr_batch] = check;
         flags[nr_batch] = MSM_SUBMIT_BO_WRITE;
         ret = pipe_submit(&pipe, cs, n, batch, flags, nr_batch + 1, f);
         flags[nr_batch] = MSM_SUBMIT_BO_READ;
         if (ret) {
            ret = wl_fail(r, ret, "batch at BO %u: submit: %s", i,
                          strerror(-ret));
            goto out;
         }
         nr_submitted++;
         nr_batch = 0;
         batch_first = i + 1;
      }
   }
   ret = pipe_idle(&pipe, WL_TIMEOUT_NS);
   if (ret) {
      ret = wl_fail(r, ret, "final wait: %s", strerror(-ret));
      goto out;
   }
   wl_window_stop(&win, r->iters, out);
   for (uint32_t i = 0; i < total; i++) {
      if (check_map[i] != alloc_magic(i)) {
         ret = wl_fail(r, -EIO, "BO %u: the GPU read 0x%x, the CPU wrote "
                       "0x%x", i, check_map[i], alloc_magic(i));
         break;
      }
   }

out:
   pipe_idle(&pipe, WL_TIMEOUT_NS);
   for (uint32_t k = 0; ring && k < count; k++)
      wbo_free(&cache, ring[(head + k) % (live + 1)]);
   if (check)
      wbo_free(&cache, check);
   out->cache = cache.st;
   bo_cache_fini(&cache);
   pipe_fini(&pipe);
   wdev_close(&w);
   free(ring);
   free(batch);
   free(flags);
   free(cs);
   free(data);
   free(inflight);
   return ret;
}
