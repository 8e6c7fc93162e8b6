/*
 * wk_frame.c - a GLES-like frame loop, the way freedreno drives the GPU:
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

#include "pm4.h"
#include "workload.h"
#include "ws_pipe.h"

/* Persistent BO sizes cycle through these: textures, buffers, ... */
static const uint64_t persistent_sizes[] = {
   64 << 10, 256 << 10, 16 << 10, 1 << 20, 4 << 10, 128 << 10,
};

/* One run's device, BOs and pipe. */
struct frame_run {
   struct wk_run *r;
   const struct frame_params *p;
   uint32_t nr;                 /* bos[]: level, streaming, the target */
   uint32_t upload;             /* bytes uploaded per streaming BO */
   struct ws_cache_bo **bos, *target;
   uint32_t *flags;
   struct ws_pipe_fence *fences;     /* the last throttle + 1 frames */
   void *data;
   volatile uint32_t *target_map;
   struct ws_bo_cache cache;
   struct ws_pipe pipe;
   struct ws_counters cnt;
   struct ws_dev *dev;
};

/* Level data, loaded before the first frame (untimed), and the render
 * target every frame writes its number into. */
static int
frame_load_level(struct frame_run *fr)
{
   const struct frame_params *p = fr->p;
   int ret;

   for (uint32_t i = 0; i < p->bos; i++) {
      uint64_t size = persistent_sizes[i % (sizeof(persistent_sizes) /
                                            sizeof(persistent_sizes[0]))];
      uint32_t head[256];

      wk_fill(head, sizeof(head), i + 1);
      ret = ws_cache_bo_new(&fr->cache, size, MSM_BO_WC, &fr->bos[i]);
      if (!ret)
         ret = ws_bo_upload(fr->bos[i]->bo, 0, head, sizeof(head));
      if (ret)
         return wk_fail(fr->r, ret, "persistent BO %u: %s", i, strerror(-ret));
      fr->flags[i] = MSM_SUBMIT_BO_READ;
   }
   ret = ws_cache_bo_new(&fr->cache, 4096, MSM_BO_WC, &fr->target);
   if (!ret)
      ret = ws_cache_bo_map(fr->target, (void **)&fr->target_map);
   if (ret)
      return wk_fail(fr->r, ret, "render target: %s", strerror(-ret));
   fr->bos[fr->nr - 1] = fr->target;
   fr->flags[fr->nr - 1] = MSM_SUBMIT_BO_READ | MSM_SUBMIT_BO_WRITE;
   for (uint32_t s = 0; s < p->stream_bos; s++)
      fr->flags[p->bos + s] = MSM_SUBMIT_BO_READ;
   return 0;
}

/* Frame f: fresh streaming BOs, the submits (the last writes f + 1 into
 * the target), the streaming BOs back to the cache, busy until the
 * frame's fence passes. */
static int
frame_render(struct frame_run *fr, uint32_t f, struct ws_pipe_fence *fence)
{
   const struct frame_params *p = fr->p;
   int ret;

   for (uint32_t s = 0; s < p->stream_bos; s++) {
      struct ws_cache_bo **sb = &fr->bos[p->bos + s];

      ret = ws_cache_bo_new(&fr->cache, (uint64_t)p->stream_kib * 1024,
                            MSM_BO_WC, sb);
      if (!ret && fr->upload)
         ret = ws_bo_upload((*sb)->bo, 0, fr->data, fr->upload);
      if (ret)
         return wk_fail(fr->r, ret, "frame %u: streaming BO: %s", f,
                        strerror(-ret));
   }
   for (uint32_t k = 0; k < p->submits; k++) {
      uint32_t cs[PM4_DELAY_DWORDS + PM4_MEM_WRITE_DWORDS(1)], n, v = f + 1;

      n = pm4_emit_delay(cs, (uint64_t)p->gpu_us * 1000 / p->submits);
      if (k == p->submits - 1)
         n += pm4_emit_mem_write(cs + n, fr->target->bo->iova, &v, 1);
      ret = ws_pipe_submit(&fr->pipe, cs, n, fr->bos, fr->flags, fr->nr,
                           fence);
      if (ret)
         return wk_fail(fr->r, ret, "frame %u: submit %u: %s", f, k,
                        strerror(-ret));
   }
   for (uint32_t s = 0; s < p->stream_bos; s++) {
      ws_cache_bo_free(&fr->cache, fr->bos[p->bos + s]);
      fr->bos[p->bos + s] = NULL;
   }
   return 0;
}

/* The frames, the window around all but the warmup, and the check that
 * the last frame's write landed. */
static int
frame_loop(struct frame_run *fr, struct wk_sample *out)
{
   struct wk_run *r = fr->r;
   const struct frame_params *p = fr->p;
   uint32_t frames = r->warmup + r->iters;
   struct wk_window win;
   int ret;

   for (uint32_t f = 0; f < frames; f++) {
      struct ws_pipe_fence fence = { 0 };

      if (f == r->warmup) {
         /* The window starts with the GPU idle, as it ends: work the
          * warmup left queued must not count for (or against) a mode. */
         ret = ws_pipe_idle(&fr->pipe, WK_TIMEOUT_NS);
         if (ret)
            return wk_fail(r, ret, "warmup drain: %s", strerror(-ret));
         wk_window_start(&win, &fr->cnt);
      }
      cpu_work_us(p->cpu_us);
      if ((ret = frame_render(fr, f, &fence)))
         return ret;
      /* Throttle on the fence of frame f - throttle, as a GL driver does. */
      fr->fences[f % (p->throttle + 1)] = fence;
      if (f >= p->throttle) {
         ret = ws_pipe_wait(&fr->pipe,
                         &fr->fences[(f - p->throttle) % (p->throttle + 1)],
                         WK_TIMEOUT_NS);
         if (ret)
            return wk_fail(r, ret, "frame %u: throttle: %s", f, strerror(-ret));
      }
   }
   /* A frame is done when the GPU is: the drain belongs to the run. */
   ret = ws_pipe_idle(&fr->pipe, WK_TIMEOUT_NS);
   if (ret)
      return wk_fail(r, ret, "final wait: %s", strerror(-ret));
   wk_window_stop(&win, r->iters, out);
   if (*fr->target_map != frames)
      return wk_fail(r, -EIO, "the last frame wrote %u, expected %u",
                     *fr->target_map, frames);
   return 0;
}

int
wk_frame_run(struct wk_run *r, struct wk_sample *out)
{
   const struct frame_params *p = &r->prof->frame;
   struct frame_run fr = {
      .r = r, .p = p, .nr = p->bos + p->stream_bos + 1,
      .upload = (p->upload_kib < p->stream_kib ? p->upload_kib
                                               : p->stream_kib) * 1024,
   };
   int ret;

   wk_counters_init(r, &fr.cnt);
   ret = wk_open(r, &fr.cnt, &fr.dev);
   if (ret)
      return wk_fail(r, ret, "open: %s", strerror(-ret));
   ws_bo_cache_init(&fr.cache, fr.dev, true);
   fr.bos = calloc(fr.nr, sizeof(*fr.bos));
   fr.flags = calloc(fr.nr, sizeof(*fr.flags));
   fr.fences = calloc(p->throttle + 1, sizeof(*fr.fences));
   fr.data = malloc(fr.upload ? fr.upload : 1);
   if (!fr.bos || !fr.flags || !fr.fences || !fr.data) {
      ret = wk_fail(r, -ENOMEM, "out of memory");
   } else {
      wk_fill(fr.data, fr.upload, 7);
      ret = ws_pipe_init(&fr.pipe, &fr.cache, true, 1);
      if (ret)
         ret = wk_fail(r, ret, "pipe: %s", strerror(-ret));
   }
   if (!ret)
      ret = frame_load_level(&fr);
   if (!ret)
      ret = frame_loop(&fr, out);

   ws_pipe_idle(&fr.pipe, WK_TIMEOUT_NS);
   for (uint32_t i = 0; fr.bos && i < fr.nr; i++)
      if (fr.bos[i])
         ws_cache_bo_free(&fr.cache, fr.bos[i]);
   out->cache = fr.cache.st;
   ws_bo_cache_fini(&fr.cache);
   ws_pipe_fini(&fr.pipe);
   ws_close(fr.dev);
   free(fr.bos);
   free(fr.flags);
   free(fr.fences);
   free(fr.data);
   return ret;
}
