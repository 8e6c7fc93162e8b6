/*
 * ws_pipe.c - see ws_pipe.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ws_pipe.h"
#include "pm4.h"

int
ws_pipe_init(struct ws_pipe *p, struct ws_bo_cache *c, bool new_queue,
             uint32_t prio)
{
   void *map;
   int ret;

   memset(p, 0, sizeof(*p));
   p->dev = c->dev;
   p->cache = c;
   if (new_queue) {
      ret = ws_submitqueue_new(p->dev, prio, 0, &p->queue);
      if (ret)
         return ret;
      p->own_queue = true;
   }
   ret = ws_bo_new(p->dev, 4096, MSM_BO_WC, &p->control);
   if (ret)
      goto fail_queue;
   ret = ws_bo_map(p->control, &map);
   if (ret)
      goto fail_bo;
   p->fence = map;
   *p->fence = 0;
   return 0;

fail_bo:
   ws_bo_free(p->control);
fail_queue:
   if (p->own_queue)
      ws_submitqueue_close(p->dev, p->queue);
   return ret;
}

void
ws_pipe_fini(struct ws_pipe *p)
{
   if (!p->dev)
      return;
   ws_bo_free(p->control);
   if (p->own_queue)
      ws_submitqueue_close(p->dev, p->queue);
   p->dev = NULL;
}

int
ws_pipe_submit(struct ws_pipe *p, const uint32_t *cs, unsigned ndw,
               struct ws_cache_bo *const *bos, const uint32_t *bo_flags,
               unsigned nr_bos, struct ws_pipe_fence *out)
{
   struct ws_submit_bo list_stack[66], *list = list_stack;
   uint64_t bytes = ((uint64_t)ndw + PM4_EVENT_WRITE_TS_DWORDS) * 4;
   uint32_t ufence = p->last_ufence + 1;
   struct ws_submit_cmd cmd;
   struct ws_submit s;
   struct ws_cache_bo *ring;
   uint32_t *map;
   int ret;

   if (nr_bos + 2 > sizeof(list_stack) / sizeof(list_stack[0])) {
      list = calloc(nr_bos + 2, sizeof(*list));
      if (!list)
         return -ENOMEM;
   }
   ret = ws_cache_bo_new(p->cache, bytes, MSM_BO_WC, &ring);
   if (ret)
      goto out;
   ret = ws_cache_bo_map(ring, (void **)&map);
   if (ret) {
      ws_cache_bo_free(p->cache, ring);
      goto out;
   }
   memcpy(map, cs, (size_t)ndw * 4);
   pm4_emit_event_write_ts(map + ndw, PM4_CACHE_FLUSH_TS, p->control->iova,
                           ufence);

   list[0] = (struct ws_submit_bo){ ring->bo, MSM_SUBMIT_BO_READ };
   list[1] = (struct ws_submit_bo){ p->control, MSM_SUBMIT_BO_WRITE };
   for (unsigned i = 0; i < nr_bos; i++)
      list[2 + i] = (struct ws_submit_bo){ bos[i]->bo, bo_flags[i] };
   cmd = (struct ws_submit_cmd){ MSM_SUBMIT_CMD_BUF, 0, 0, (uint32_t)bytes };
   s = (struct ws_submit){
      .queue = p->queue, .nr_bos = nr_bos + 2, .bos = list,
      .nr_cmds = 1, .cmds = &cmd,
   };
   ret = ws_submit(p->dev, &s);
   if (!ret) {
      p->last_ufence = ufence;
      p->last_kfence = s.fence;
      p->submits++;
      ring->fence_ptr = p->fence;
      ring->ufence = ufence;
      for (unsigned i = 0; i < nr_bos; i++) {
         bos[i]->fence_ptr = p->fence;
         bos[i]->ufence = ufence;
      }
      out->ufence = ufence;
      out->kfence = s.fence;
   }
   /* Busy until ufence passes: the cache will not hand it out before. */
   ws_cache_bo_free(p->cache, ring);
out:
   if (list != list_stack)
      free(list);
   return ret;
}

int
ws_pipe_wait(struct ws_pipe *p, const struct ws_pipe_fence *f,
             int64_t timeout_ns)
{
   if (ws_pipe_passed(p, f->ufence))
      return 0;
   return ws_fence_wait(p->dev, p->queue, f->kfence, timeout_ns);
}

int
ws_pipe_idle(struct ws_pipe *p, int64_t timeout_ns)
{
   struct ws_pipe_fence f;

   if (!p->dev || !p->submits)
      return 0;
   f = (struct ws_pipe_fence){ p->last_ufence, p->last_kfence };
   return ws_pipe_wait(p, &f, timeout_ns);
}
