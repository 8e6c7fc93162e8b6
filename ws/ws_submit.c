/*
 * ws_submit.c - a ws_submit as the msm uapi's GEM_SUBMIT arguments.
 *
 * Shared by every ws implementation that ends in the real ioctl (direct,
 * msm-ioctl), so the BO list and commands reach the core identically.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ws_util.h"

int
ws_submit_to_uapi(const struct ws_submit *s, struct ws_uapi_submit *u)
{
   memset(&u->req, 0, sizeof(u->req));
   u->bos = s->nr_bos <= WS_SUBMIT_STACK_BOS ? u->bos_stack
                                             : calloc(s->nr_bos, sizeof(*u->bos));
   u->cmds = s->nr_cmds <= WS_SUBMIT_STACK_CMDS
                ? u->cmds_stack : calloc(s->nr_cmds, sizeof(*u->cmds));
   if (!u->bos || !u->cmds) {
      ws_uapi_submit_fini(u);
      return -ENOMEM;
   }
   for (uint32_t i = 0; i < s->nr_bos; i++) {
      u->bos[i] = (struct drm_msm_gem_submit_bo){
         .flags = s->bos[i].flags,
         .handle = s->bos[i].bo->handle,
         .presumed = s->bos[i].bo->iova,
      };
   }
   for (uint32_t i = 0; i < s->nr_cmds; i++) {
      /* Caught here: the uapi has no way to name a BO outside the list. */
      if (s->cmds[i].bo_idx >= s->nr_bos) {
         ws_uapi_submit_fini(u);
         return -EINVAL;
      }
      u->cmds[i] = (struct drm_msm_gem_submit_cmd){
         .type = s->cmds[i].type,
         .submit_idx = s->cmds[i].bo_idx,
         .submit_offset = s->cmds[i].offset,
         .size = s->cmds[i].size,
      };
   }
   u->req = (struct drm_msm_gem_submit){
      .flags = MSM_PIPE_3D0 | s->flags,
      .fence = s->fence, /* only read with MSM_SUBMIT_FENCE_SN_IN */
      .nr_bos = s->nr_bos,
      .nr_cmds = s->nr_cmds,
      .bos = (uintptr_t)u->bos,
      .cmds = (uintptr_t)u->cmds,
      .queueid = s->queue,
   };
   return 0;
}

void
ws_uapi_submit_fini(struct ws_uapi_submit *u)
{
   if (u->bos && u->bos != u->bos_stack)
      free(u->bos);
   if (u->cmds && u->cmds != u->cmds_stack)
      free(u->cmds);
   u->bos = NULL;
   u->cmds = NULL;
}
