/*
 * wl_frame.c - a GLES-like frame loop, the way freedreno drives the GPU:
 *
 *  - the application works on the CPU for cpu_us (modelled);
 *  - streaming BOs (vertex/uniform data) come from the BO cache and are
 *    filled with ws_bo_upload, like u_upload_mgr's buffers;
 *  - `submits` submits per frame (e.g. a shadow pass and the main pass),
 *    each referencing the persistent BOs (textures, vertex buffers, ...),
 *    the streaming BOs and the render target, with gpu_us of modelled GPU
 *    time spread over them;
 *  - the swap throttles on the fence of frame N - throttle, as the gallium
 *    frontends do, so the CPU runs at most `throttle` frames ahead.
 *
 * The last submit of each frame writes the frame number into the render
 * target; the run checks the final one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pipe.h"
#include "pm4.h"
#include "workload.h"

/* Persistent BO sizes cycle through these: textures, buffers, ... */
static const uint64_t persistent_sizes[] = {
   64 << 10, 256 << 10, 16 << 10, 1 << 20, 4 << 10, 128 << 10,
};

int
wl_frame_run(struct wl_run *r, struct wl_sample *out)
{
   const struct frame_params *p = &r->prof->frame;
   uint32_t nr = p->bos + p->stream_bos + 1;
   uint32_t upload = (p->upload_kib < p->stream_kib ? p->upload_kib
                                                    : p->stream_kib) * 1024;
   uint32_t frames = r->warmup + r->iters;
   struct wbo **bos = NULL, *target = NULL;
   struct wl_fence *fences = NULL;
   uint32_t *flags = NULL;
   void *data = NULL;
   volatile uint32_t *target_map = NULL;
   struct wl_window win;
   struct bo_cache cache;
   struct pipe pipe = { 0 };
   struct wdev w;
   int ret;

   wdev_init(&w, r->mode, r->attribute);
   ret = wdev_open(&w);
   if (ret)
      return wl_fail(r, ret, "open: %s", strerror(-ret));
   bo_cache_init(&cache, &w, true);
   bos = calloc(nr, sizeof(*bos));
   flags = calloc(nr, sizeof(*flags));
   fences = calloc(p->throttle + 1, sizeof(*fences));
   data = malloc(upload ? upload : 1);
   if (!bos || !flags || !fences || !data) {
      ret = wl_fail(r, -ENOMEM, "out of memory");
      goto out;
   }
   wl_fill(data, upload, 7);
   ret = pipe_init(&pipe, &cache, true, 1);
   if (ret) {
      ret = wl_fail(r, ret, "pipe: %s", strerror(-ret));
      goto out;
   }

   /* Level data, loaded before the first frame (untimed). */
   for (uint32_t i = 0; i < p->bos; i++) {
      uint64_t size = persistent_sizes[i % (sizeof(persistent_sizes) /
                                            sizeof(persistent_sizes[0]))];
      uint32_t head[256];

      wl_fill(head, sizeof(head), i + 1);
      ret = wbo_new(&cache, size, MSM_BO_WC, &bos[i]);
      if (!ret)
         ret = w_bo_upload(&w, bos[i]->bo, 0, head, sizeof(head));
      if (ret) {
         ret = wl_fail(r, ret, "persistent BO %u: %s", i, strerror(-ret));
         goto out;
      }
      flags[i] = MSM_SUBMIT_BO_READ;
   }
   ret = wbo_new(&cache, 4096, MSM_BO_WC, &target);
   if (!ret)
      ret = wbo_map(&cache, target, (void **)&target_map);
   if (ret) {
      ret = wl_fail(r, ret, "render target: %s", strerror(-ret));
      goto out;
   }
   bos[nr - 1] = target;
   flags[nr - 1] = MSM_SUBMIT_BO_READ | MSM_SUBMIT_BO_WRITE;
   for (uint32_t s = 0; s < p->stream_bos; s++)
      flags[p->bos + s] = MSM_SUBMIT_BO_READ;

   for (uint32_t f = 0; f < frames; f++) {
      struct wl_fence fence = { 0 };

      if (f == r->warmup) {
         /* The window starts with the GPU idle, as it ends: work the
          * warmup left queued must not count for (or against) a mode. */
         ret = pipe_idle(&pipe, WL_TIMEOUT_NS);
         if (ret) {
            ret = wl_fail(r, ret, "warmup drain: %s", strerror(-ret));
            goto out;
         }
         wl_window_start(&win, &w);
      }
      cpu_work_us(p->cpu_us);

      for (uint32_t s = 0; s < p->stream_bos; s++) {
         struct wbo **sb = &bos[p->bos + s];

         ret = wbo_new(&cache, (uint64_t)p->stream_kib * 1024, MSM_BO_WC, sb);
         if (!ret && upload)
            ret = w_bo_upload(&w, (*sb)->bo, 0, data, upload);
         if (ret) {
            ret = wl_fail(r, ret, "frame %u: streaming BO: %s", f,
                          strerror(-ret));
            goto out;
         }
      }
      for (uint32_t k = 0; k < p->submits; k++) {
         uint32_t cs[PM4_DELAY_DWORDS + PM4_MEM_WRITE_DWORDS(1)], n, v = f + 1;

         n = pm4_emit_delay(cs, (uint64_t)p->gpu_us * 1000 / p->submits);
         if (k == p->submits - 1)
            n += pm4_emit_mem_write(cs + n, target->bo->iova, &v, 1);
         ret = pipe_submit(&pipe, cs, n, bos, flags, nr, &fence);
         if (ret) {
            ret = wl_fail(r, ret, "frame %u: submit %u: %s", f, k,
                          strerror(-ret));
            goto out;
         }
      }
      /* Back to the cache: busy until this frame's fence passes. */
      for (uint32_t s = 0; s < p->stream_bos; s++) {
         wbo_free(&cache, bos[p->bos + s]);
         bos[p->bos + s] = NULL;
      }
      fences[f % (p->throttle + 1)] = fence;
      if (f >= p->throttle) {
         ret = pipe_wait(&pipe, &fences[(f - p->throttle) % (p->throttle + 1)],
                         WL_TIMEOUT_NS);
         if (ret) {
            ret = wl_fail(r, ret, "frame %u: throttle: %s", f, strerror(-ret));
            goto out;
         }
      }
   }
   /* A frame is done when the GPU is: the drain belongs to the run. */
   ret = pipe_idle(&pipe, WL_TIMEOUT_NS);
   if (ret) {
      ret = wl_fail(r, ret, "final wait: %s", strerror(-ret));
      goto out;
   }
   wl_window_stop(&win, r->iters, out);
   if (*target_map != frames)
      ret = wl_fail(r, -EIO, "the last frame wrote %u, expected %u",
                    *target_map, frames);

out:
   pipe_idle(&pipe, WL_TIMEOUT_NS);
   for (uint32_t i = 0; bos && i < nr; i++)
      if (bos[i])
         wbo_free(&cache, bos[i]);
   out->cache = cache.st;
   bo_cache_fini(&cache);
   pipe_fini(&pipe);
   wdev_close(&w);
   free(bos);
   free(flags);
   free(fences);
   free(data);
   return ret;
}
