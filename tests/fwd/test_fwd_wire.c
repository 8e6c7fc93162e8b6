/*
 * test_fwd_wire.c - the forward wire format under hostile input: the host
 * validating requests, the guest validating replies, every truncation;
 * plus concurrency and the ws stack over the forward client.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <cmocka.h>

#include "core/msm_core.h"
#include "core/pm4.h"
#include "env.h"
#include "fwd/fwd_guest.h"
#include "fwd/fwd_host.h"
#include "fwd/fwd_spec.h"
#include "fwd/fwd_wire.h"
#include "ws_ioctl.h"
#include "ws_util.h"

/* ------------------------------------------------- host-side validation */

static int
host_result(struct env *e, const void *msg, size_t len)
{
   uint8_t rsp[4096];
   struct fwd_wire_rsp hdr;
   size_t rsp_len = 0;
   void *copy = malloc(len ? len : 1);

   memcpy(copy, msg, len);
   assert_int_equal(fwd_host_handle(e->ctx, copy, len, rsp, sizeof(rsp),
                                    &rsp_len), 0);
   free(copy);
   assert_true(rsp_len >= sizeof(hdr) && rsp_len <= sizeof(rsp));
   memcpy(&hdr, rsp, sizeof(hdr));
   return hdr.result;
}

static size_t
marshal(unsigned long req, const void *arg, uint8_t *buf, size_t cap)
{
   size_t len = 0;
   assert_int_equal(fwd_marshal_request(req, arg, buf, cap, &len), 0);
   return len;
}

static void
test_host_validation(void **state)
{
   struct env *e = *state;
   struct drm_msm_gem_new gn = { .size = 4096, .flags = MSM_BO_WC };
   struct submit_setup s;
   struct msm_core_stats before, after;
   uint8_t msg[1024], bad[1032];
   size_t len;
   uint32_t v;

   submit_prepare(e, &s, 3);
   msm_core_get_stats(e->core, &before);

   len = marshal(DRM_IOCTL_MSM_GEM_NEW, &gn, msg, sizeof(msg));
   memcpy(bad, msg, len);
   bad[4]++; /* struct_size */
   assert_int_equal(host_result(e, bad, len), -EINVAL);
   memcpy(bad, msg, len);
   bad[8]++; /* nr_regions */
   assert_int_equal(host_result(e, bad, len), -EINVAL);
   memcpy(bad, msg, len);
   bad[12] = 1; /* flags */
   assert_int_equal(host_result(e, bad, len), -EINVAL);
   memcpy(bad, msg, len);
   v = DRM_IOCTL_MODE_GETRESOURCES;
   memcpy(bad, &v, 4);
   assert_int_equal(host_result(e, bad, len), -ENOTTY);
   memcpy(bad, msg, len);
   bad[len] = 0; /* a trailing byte */
   assert_int_equal(host_result(e, bad, len + 1), -EINVAL);

   /* Region lengths must be what the host's own copy of the struct says. */
   len = marshal(DRM_IOCTL_MSM_GEM_SUBMIT, &s.req, msg, sizeof(msg));
   memcpy(bad, msg, len);
   v = 16; /* bos[] claims one element, nr_bos says two */
   memcpy(bad + 16, &v, 4);
   assert_int_equal(host_result(e, bad, len), -EINVAL);
   memcpy(bad, msg, len);
   v = 3; /* nr_bos says three, the message carries two */
   memcpy(bad + 32 + offsetof(struct drm_msm_gem_submit, nr_bos), &v, 4);
   assert_int_equal(host_result(e, bad, len), -EINVAL);
   v = 5000;
   memcpy(bad + 32 + offsetof(struct drm_msm_gem_submit, nr_bos), &v, 4);
   assert_int_equal(host_result(e, bad, len), -E2BIG);
   memcpy(bad, msg, len);
   v = 0; /* a NULL bos pointer with nr_bos = 2 */
   memcpy(bad + 32 + offsetof(struct drm_msm_gem_submit, bos), &v, 4);
   memcpy(bad + 32 + offsetof(struct drm_msm_gem_submit, bos) + 4, &v, 4);
   assert_int_equal(host_result(e, bad, len), -EFAULT);

   msm_core_get_stats(e->core, &after);
   assert_int_equal(after.bos, before.bos);
   assert_int_equal(after.submits, before.submits);
}

/* Every proper prefix of a valid request is refused, without reading past
 * its end (the host gets an exact-size heap copy) or doing anything. */
static void
test_truncated(void **state)
{
   struct env *e = *state;
   struct submit_setup s;
   struct drm_msm_gem_new gn = { .size = 4096, .flags = MSM_BO_WC };
   char vname[8], label[] = "label";
   struct drm_version ver = { .name = vname, .name_len = sizeof(vname) };
   struct drm_msm_gem_info sn = { .info = MSM_INFO_SET_NAME,
                                  .value = (uintptr_t)label, .len = 5 };
   struct drm_msm_param comm = { .pipe = MSM_PIPE_3D0,
                                 .param = MSM_PARAM_COMM,
                                 .value = (uintptr_t)label, .len = 5 };
   uint32_t qid = 0;
   struct { unsigned long req; void *arg; } cases[] = {
      { DRM_IOCTL_MSM_GEM_SUBMIT, &s.req },
      { DRM_IOCTL_MSM_GEM_NEW, &gn },
      { DRM_IOCTL_VERSION, &ver },
      { DRM_IOCTL_MSM_GEM_INFO, &sn },
      { DRM_IOCTL_MSM_SET_PARAM, &comm },
      { DRM_IOCTL_MSM_SUBMITQUEUE_CLOSE, &qid },
   };
   struct msm_core_stats before, after;
   uint8_t msg[1024];

   submit_prepare(e, &s, 4);
   sn.handle = s.data;
   msm_core_get_stats(e->core, &before);
   for (unsigned c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
      size_t len = marshal(cases[c].req, cases[c].arg, msg, sizeof(msg));
      for (size_t l = 0; l < len; l++)
         assert_int_equal(host_result(e, msg, l), -EINVAL);
   }
   msm_core_get_stats(e->core, &after);
   assert_int_equal(after.bos, before.bos);
   assert_int_equal(after.submits, before.submits);
}

static void
test_host_small_cap(void **state)
{
   struct env *e = *state;
   struct drm_msm_gem_new gn = { .size = 4096, .flags = MSM_BO_WC };
   uint8_t msg[256], rsp[256];
   struct fwd_wire_rsp hdr;
   size_t len = marshal(DRM_IOCTL_MSM_GEM_NEW, &gn, msg, sizeof(msg));
   size_t rsp_len;

   assert_int_equal(fwd_host_handle(e->ctx, msg, len, rsp, 15, &rsp_len),
                    -ENOSPC);
   /* Room for a header only: refused before the ioctl runs. */
   assert_int_equal(fwd_host_handle(e->ctx, msg, len, rsp, 16, &rsp_len), 0);
   memcpy(&hdr, rsp, sizeof(hdr));
   assert_int_equal(hdr.result, -ENOSPC);
   assert_int_equal(bos_live(e), 0);
   assert_int_equal(fwd_host_handle(e->ctx, msg, len, rsp, 16 + 16,
                                    &rsp_len), 0);
   memcpy(&hdr, rsp, sizeof(hdr));
   assert_int_equal(hdr.result, 0);
   assert_int_equal(rsp_len, 32);
   assert_int_equal(bos_live(e), 1);
   memcpy(&gn, rsp + 16, sizeof(gn));
   assert_int_equal(fio(e, DRM_IOCTL_GEM_CLOSE,
                        &(struct drm_gem_close){ .handle = gn.handle }), 0);
}

/* The guest checks replies as strictly as the host checks requests. */
static void
test_unmarshal_validation(void **state)
{
   struct env *e = *state;
   uint32_t h = gem_new(e, 4096);
   char label[] = "abc", name[16];
   struct drm_msm_gem_info sn = { .handle = h, .info = MSM_INFO_SET_NAME,
                                  .value = (uintptr_t)label, .len = 3 };
   struct drm_msm_gem_info gn = { .handle = h, .info = MSM_INFO_GET_NAME,
                                  .value = (uintptr_t)name, .len = 4 };
   uint8_t msg[256], rsp[256], bad[256];
   size_t len, rsp_len;
   uint32_t v;
   int32_t r;

   assert_int_equal(fio(e, DRM_IOCTL_MSM_GEM_INFO, &sn), 0);
   len = marshal(DRM_IOCTL_MSM_GEM_INFO, &gn, msg, sizeof(msg));
   assert_int_equal(fwd_host_handle(e->ctx, msg, len, rsp, sizeof(rsp),
                                    &rsp_len), 0);
   /* header 16 + 2 lens + struct 24 + "abc" */
   assert_int_equal(rsp_len, 16 + 8 + 24 + 3);

   for (size_t l = 0; l < rsp_len; l++) {
      memcpy(bad, rsp, l);
      assert_int_equal(fwd_unmarshal_reply(DRM_IOCTL_MSM_GEM_INFO, &gn, bad,
                                           l), -EPROTO);
   }
   memcpy(bad, rsp, rsp_len);
   bad[rsp_len] = 0;
   assert_int_equal(fwd_unmarshal_reply(DRM_IOCTL_MSM_GEM_INFO, &gn, bad,
                                        rsp_len + 1), -EPROTO);
   memcpy(bad, rsp, rsp_len);
   bad[12] = 1; /* flags */
   assert_int_equal(fwd_unmarshal_reply(DRM_IOCTL_MSM_GEM_INFO, &gn, bad,
                                        rsp_len), -EPROTO);
   memcpy(bad, rsp, rsp_len);
   r = 1; /* a positive result */
   memcpy(bad, &r, 4);
   assert_int_equal(fwd_unmarshal_reply(DRM_IOCTL_MSM_GEM_INFO, &gn, bad,
                                        rsp_len), -EPROTO);
   r = -EINVAL; /* data written despite a failure */
   memcpy(bad, &r, 4);
   assert_int_equal(fwd_unmarshal_reply(DRM_IOCTL_MSM_GEM_INFO, &gn, bad,
                                        rsp_len), -EPROTO);
   /* More bytes than the caller's buffer (len 4) holds. */
   memcpy(bad, rsp, rsp_len);
   v = 5;
   memcpy(bad + 16 + 4, &v, 4);
   memcpy(bad + rsp_len, "de", 2);
   assert_int_equal(fwd_unmarshal_reply(DRM_IOCTL_MSM_GEM_INFO, &gn, bad,
                                        rsp_len + 2), -EPROTO);
   /* Data for a region that is in-only. */
   memcpy(bad, rsp, rsp_len);
   v = 3;
   memcpy(bad + 16, &v, 4);
   memset(bad + 16 + 4, 0, 4);
   assert_int_equal(fwd_unmarshal_reply(DRM_IOCTL_MSM_GEM_INFO, &gn, bad,
                                        rsp_len), -EPROTO);

   memset(name, 'X', sizeof(name));
   assert_int_equal(fwd_unmarshal_reply(DRM_IOCTL_MSM_GEM_INFO, &gn, rsp,
                                        rsp_len), 0);
   assert_memory_equal(name, "abcX", 4);
   assert_int_equal(gn.len, 3);
}

static void
test_stats(void **state)
{
   struct env *e = *state;
   struct drm_msm_param p = { .pipe = MSM_PIPE_3D0, .param = MSM_PARAM_GPU_ID };
   struct fwd_stats st;

   assert_int_equal(fio(e, DRM_IOCTL_MSM_GET_PARAM, &p), 0);
   assert_int_equal(fio(e, DRM_IOCTL_MSM_GET_PARAM, &p), 0);
   assert_int_equal(fio(e, DRM_IOCTL_GEM_OPEN, &(struct drm_gem_open){ .name = 0 }),
                    -EACCES);
   fwd_client_get_stats(e->client, &st);
   assert_int_equal(st.ioctls, 3);
   assert_int_equal(st.answered_local, 1);
   assert_int_equal(st.messages, 2);
   assert_int_equal(e->calls, 2);
   assert_int_equal(st.bytes_sent, 2 * (16 + 24));
   assert_int_equal(st.bytes_received, 2 * (16 + 24));
}

/* -------------------------------------------------------- concurrency */

struct waiter {
   struct env *e;
   uint32_t fence;
   volatile int done;
   int ret;
};

static void *
waiter_main(void *data)
{
   struct waiter *w = data;
   struct drm_msm_wait_fence req = {
      .fence = w->fence, .timeout = ws_abs_timeout(5000000000),
   };

   w->ret = fio(w->e, DRM_IOCTL_MSM_WAIT_FENCE, &req);
   w->done = 1;
   return NULL;
}

/* A WAIT_FENCE blocked on one thread must not hold up other ioctls: each
 * fwd_ioctl() has its own buffers and the client no lock. */
static void
test_concurrent_wait(void **state)
{
   struct env *e = *state;
   struct submit_setup s;
   struct waiter w = { .e = e };
   pthread_t thread;
   uint32_t cs[8];
   unsigned n;

   /* A submit the sim keeps busy for 300 ms of modelled GPU time. */
   submit_prepare(e, &s, 0x600d);
   n = pm4_emit_delay(cs, 300000000);
   memcpy(e->hostmem + gem_info(e, s.cmd, MSM_INFO_GET_OFFSET) + 64, cs,
          n * 4);
   s.cmds[0].submit_offset = 64;
   s.cmds[0].size = n * 4;
   assert_int_equal(fio(e, DRM_IOCTL_MSM_GEM_SUBMIT, &s.req), 0);
   w.fence = s.req.fence;
   assert_int_equal(pthread_create(&thread, NULL, waiter_main, &w), 0);

   for (int i = 0; i < 100; i++) {
      struct drm_msm_param p = { .pipe = MSM_PIPE_3D0,
                                 .param = MSM_PARAM_GPU_ID };
      assert_int_equal(fio(e, DRM_IOCTL_MSM_GET_PARAM, &p), 0);
   }
   assert_false(w.done);
   pthread_join(thread, NULL);
   assert_int_equal(w.ret, 0);
}

/* ------------------------------------------------ ws over the forwarder */

static void
test_ws_fwd_stats(void **state)
{
   struct env *e = *state;
   struct ws_dev *dev;
   struct ws_bo *bo;
   struct ws_stats st;
   uint64_t gpu_id;
   uint32_t faults = 9, q;
   void *map;

   assert_int_equal(ws_fwd_inproc_open(e->core, &dev), 0);
   assert_string_equal(dev->ops->name, "msm-ioctl");
   assert_int_equal(ws_get_param(dev, MSM_PARAM_GPU_ID, &gpu_id), 0);
   assert_int_equal(gpu_id, msm_core_chip(e->core)->gpu_id);
   assert_int_equal(ws_set_debuginfo(dev, "comm", "cmd line"), 0);
   assert_int_equal(ws_bo_new(dev, 100, MSM_BO_WC, &bo), 0);
   assert_int_equal(bo->size, 4096);
   assert_int_not_equal(bo->iova, 0);
   assert_int_equal(ws_bo_map(bo, &map), 0);
   assert_int_equal(ws_bo_upload(bo, 8, "xyz", 3), 0);
   assert_memory_equal((char *)map + 8, "xyz", 3);
   assert_int_equal(ws_bo_upload(bo, 4095, "xy", 2), -EINVAL);
   assert_int_equal(ws_bo_set_name(bo, "a-name"), 0);
   assert_int_equal(ws_bo_cpu_prep(bo, MSM_PREP_READ, 0), 0);
   assert_int_equal(ws_bo_cpu_fini(bo), 0);
   assert_int_equal(ws_submitqueue_new(dev, 1, 0, &q), 0);
   assert_int_equal(ws_submitqueue_faults(dev, q, &faults), 0);
   assert_int_equal(faults, 0);
   assert_int_equal(ws_submitqueue_close(dev, q), 0);
   ws_get_stats(dev, &st);
   /* Every ws call above is one or two synchronous messages; the map,
    * upload and flush are none. */
   assert_true(st.messages >= 12);
   assert_int_equal(st.sync_round_trips, st.messages);
   assert_true(st.bytes > st.messages * 32);
   assert_int_equal(st.events, 0);
   ws_bo_free(bo);
   ws_close(dev);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, env_setup, env_teardown)
   const struct CMUnitTest tests[] = {
      T(test_host_validation),
      T(test_truncated),
      T(test_host_small_cap),
      T(test_unmarshal_validation),
      T(test_stats),
      T(test_concurrent_wait),
      T(test_ws_fwd_stats),
   };
#undef T
   return cmocka_run_group_tests(tests, NULL, NULL);
}
