/*
 * env.c - the fwd tests' fixture (env.h).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/pm4.h"
#include "env.h"
#include "fwd/fwd_host.h"
#include "ws_util.h"

static int
env_call(void *data, const void *req, size_t len, void *rsp, size_t cap,
         size_t *rsp_len)
{
   struct env *e = data;
   void *copy = malloc(len ? len : 1);
   int ret;

   e->calls++;
   memcpy(copy, req, len);
   ret = fwd_host_handle(e->ctx, copy, len, rsp, cap, rsp_len);
   free(copy);
   return ret;
}

int
env_setup(void **state)
{
   struct env *e = calloc(1, sizeof(*e));
   struct msm_core_config cfg;
   struct msm_hostmem_info hm;

   msm_core_config_defaults(&cfg);
   cfg.hostmem_size = 32ull << 20;
   assert_int_equal(msm_core_create(&cfg, &e->core), 0);
   assert_int_equal(msm_ctx_create(e->core, &e->ctx), 0);
   assert_int_equal(fwd_client_create(env_call, e, &e->client), 0);
   msm_core_hostmem(e->core, &hm);
   e->hostmem = hm.base;
   *state = e;
   return 0;
}

/* Everything the test made must be gone once its context is. */
int
env_teardown(void **state)
{
   struct env *e = *state;
   struct msm_core_stats st;

   fwd_client_destroy(e->client);
   msm_ctx_destroy(e->ctx);
   for (int i = 0; i < 1000; i++) {
      msm_core_get_stats(e->core, &st);
      if (!st.inflight)
         break;
      struct timespec ts = { 0, 1000000 };
      nanosleep(&ts, NULL);
   }
   assert_int_equal(st.contexts, 0);
   assert_int_equal(st.bos, 0);
   assert_int_equal(st.queues, 0);
   assert_int_equal(st.syncobjs, 0);
   msm_core_destroy(e->core);
   free(e);
   return 0;
}

int
fio(struct env *e, unsigned long req, void *arg)
{
   return fwd_ioctl(e->client, req, arg);
}

uint32_t
gem_new(struct env *e, uint64_t size)
{
   struct drm_msm_gem_new req = { .size = size, .flags = MSM_BO_WC };
   assert_int_equal(fio(e, DRM_IOCTL_MSM_GEM_NEW, &req), 0);
   return req.handle;
}

uint64_t
gem_info(struct env *e, uint32_t handle, uint32_t info)
{
   struct drm_msm_gem_info req = { .handle = handle, .info = info };
   assert_int_equal(fio(e, DRM_IOCTL_MSM_GEM_INFO, &req), 0);
   return req.value;
}

uint32_t
bos_live(struct env *e)
{
   struct msm_core_stats st;
   msm_core_get_stats(e->core, &st);
   return st.bos;
}

void
submit_prepare(struct env *e, struct submit_setup *s, uint32_t value)
{
   uint32_t cs[16];
   unsigned n;

   s->cmd = gem_new(e, 4096);
   s->data = gem_new(e, 4096);
   s->data_off = gem_info(e, s->data, MSM_INFO_GET_OFFSET);
   n = pm4_emit_mem_write(cs, gem_info(e, s->data, MSM_INFO_GET_IOVA),
                          &value, 1);
   memcpy(e->hostmem + gem_info(e, s->cmd, MSM_INFO_GET_OFFSET), cs, n * 4);
   memset(e->hostmem + s->data_off, 0, 4);

   s->bos[0] = (struct drm_msm_gem_submit_bo){ MSM_SUBMIT_BO_READ, s->cmd, 0 };
   s->bos[1] = (struct drm_msm_gem_submit_bo){ MSM_SUBMIT_BO_WRITE, s->data, 0 };
   s->cmds[0] = (struct drm_msm_gem_submit_cmd){
      .type = MSM_SUBMIT_CMD_BUF, .submit_idx = 0, .size = n * 4,
   };
   s->req = (struct drm_msm_gem_submit){
      .flags = MSM_PIPE_3D0,
      .nr_bos = 2, .bos = (uintptr_t)s->bos,
      .nr_cmds = 1, .cmds = (uintptr_t)s->cmds,
   };
}

void
wait_fence(struct env *e, uint32_t queue, uint32_t fence)
{
   struct drm_msm_wait_fence w = {
      .fence = fence, .queueid = queue, .timeout = ws_abs_timeout(5000000000),
   };
   assert_int_equal(fio(e, DRM_IOCTL_MSM_WAIT_FENCE, &w), 0);
}
