/*
 * test_cuse_node.c - the daemon's ioctl path (plan -> fetch -> marshal from
 * buffers -> host -> reply scatter) against fwd_host_handle() on an
 * in-process sim core, with the kernel's side simulated (fake_cuse.c).
 *
 * The reference is fwd_guest.c, which marshals from real pointers: for the
 * same ioctl both must send the same request, byte for byte, and leave the
 * caller's memory in the same state.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include <cmocka.h>

#include "core/msm_core.h"
#include "core/pm4.h"
#include "cuse_node.h"
#include "fake_cuse.h"
#include "fwd_guest.h"
#include "fwd_host.h"
#include "ws_util.h"

struct side {
   struct msm_ctx *ctx;
   uint8_t last_req[64 * 1024 + 4096];
   size_t last_len;
   int fail; /* nonzero: the "transport" fails with it */
};

struct env {
   struct msm_core *core;
   uint8_t *hostmem;
   struct side a, b;           /* a: through cuse_node, b: fwd_ioctl */
   struct cuse_node *node;
   struct cuse_file *file;
   struct fwd_client *client;
};

static int
side_call(void *data, const void *req, size_t len, void *rsp, size_t cap,
          size_t *rsp_len)
{
   struct side *s = data;

   if (s->fail)
      return s->fail;
   assert_true(len <= sizeof(s->last_req));
   memcpy(s->last_req, req, len);
   s->last_len = len;
   return fwd_host_handle(s->ctx, s->last_req, len, rsp, cap, rsp_len);
}

static int
setup(void **state)
{
   struct env *e = calloc(1, sizeof(*e));
   struct msm_core_config cfg;
   struct msm_hostmem_info hm;

   msm_core_config_defaults(&cfg);
   cfg.hostmem_size = 16ull << 20;
   assert_int_equal(msm_core_create(&cfg, &e->core), 0);
   msm_core_hostmem(e->core, &hm);
   e->hostmem = hm.base;
   assert_int_equal(msm_ctx_create(e->core, &e->a.ctx), 0);
   assert_int_equal(msm_ctx_create(e->core, &e->b.ctx), 0);
   assert_int_equal(cuse_node_create(NULL, NULL, &e->node), 0);
   assert_int_equal(cuse_file_create(e->node, 1, side_call, &e->a, &e->file),
                    0);
   assert_int_equal(fwd_client_create(side_call, &e->b, &e->client), 0);
   *state = e;
   return 0;
}

static int
teardown(void **state)
{
   struct env *e = *state;
   struct msm_core_stats st;

   cuse_file_destroy(e->file);
   cuse_node_destroy(e->node);
   fwd_client_destroy(e->client);
   msm_ctx_destroy(e->a.ctx);
   msm_ctx_destroy(e->b.ctx);
   for (int i = 0; i < 1000; i++) {
      msm_core_get_stats(e->core, &st);
      if (!st.inflight)
         break;
      nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
   }
   assert_int_equal(st.contexts, 0);
   assert_int_equal(st.bos, 0);
   msm_core_destroy(e->core);
   free(e);
   return 0;
}

/* The same ioctl both ways on identical copies of the caller's memory
 * (arg_a/arg_b point at equal structs whose pointers point at equal
 * buffers).  Requests must match byte for byte except the guest addresses
 * inside the struct, which differ by construction: compare lengths and
 * everything after the struct. */
static int
both(struct env *e, unsigned long cmd, void *arg_a, void *arg_b,
     unsigned *requests)
{
   struct fake_cuse_stats fs;
   int ra, rb;

   e->a.last_len = e->b.last_len = 0;
   ra = fake_cuse_ioctl(e->file, cmd, arg_a, &fs);
   rb = fwd_ioctl(e->client, cmd, arg_b);
   assert_int_equal(ra, rb);
   assert_int_equal(e->a.last_len, e->b.last_len);
   if (e->a.last_len) {
      const struct fwd_ioctl_spec *s = fwd_spec_lookup(cmd);
      size_t skip = 16 + 4 * s->nr_regions;
      /* header and region lengths */
      assert_memory_equal(e->a.last_req, e->b.last_req, skip);
      /* region data */
      assert_memory_equal(e->a.last_req + skip + s->size,
                          e->b.last_req + skip + s->size,
                          e->a.last_len - skip - s->size);
   }
   if (requests)
      *requests = fs.requests;
   return ra;
}

static uint32_t
gem_new(struct env *e, struct side *s, uint64_t size)
{
   struct drm_msm_gem_new gn = { .size = size, .flags = MSM_BO_WC };
   int ret = s == &e->a ? fake_cuse_ioctl(e->file, DRM_IOCTL_MSM_GEM_NEW, &gn,
                                          NULL)
                        : fwd_ioctl(e->client, DRM_IOCTL_MSM_GEM_NEW, &gn);
   assert_int_equal(ret, 0);
   return gn.handle;
}

static uint64_t
gem_info(struct env *e, uint32_t handle, uint32_t info)
{
   struct drm_msm_gem_info gi = { .handle = handle, .info = info };
   assert_int_equal(fake_cuse_ioctl(e->file, DRM_IOCTL_MSM_GEM_INFO, &gi,
                                    NULL), 0);
   return gi.value;
}

static void
test_version(void **state)
{
   struct env *e = *state;
   char na[64], da[64], de[64], nb[64], db[64], deb[64];
   struct drm_version va = {
      .name_len = 64, .name = na, .date_len = 64, .date = da,
      .desc_len = 64, .desc = de,
   }, vb = va;
   unsigned requests;

   vb.name = nb;
   vb.date = db;
   vb.desc = deb;
   /* The bytes the kernel leaves alone must survive the padding. */
   memset(na, 'X', 64); memset(nb, 'X', 64);
   memset(da, 'Y', 64); memset(db, 'Y', 64);
   memset(de, 'Z', 64); memset(deb, 'Z', 64);
   assert_int_equal(both(e, DRM_IOCTL_VERSION, &va, &vb, &requests), 0);
   assert_int_equal(requests, 3);
   assert_memory_equal(na, nb, 64);
   assert_memory_equal(da, db, 64);
   assert_memory_equal(de, deb, 64);
   assert_memory_equal(na, "msm", 3);
   assert_int_equal(na[3], 'X');
   assert_int_equal(va.name_len, 3);
   assert_int_equal(va.version_major, 1);
   assert_int_equal(va.date_len, vb.date_len);

   /* libdrm's first call: lengths only, NULL buffers. */
   struct drm_version qa = { 0 }, qb = { 0 };
   assert_int_equal(both(e, DRM_IOCTL_VERSION, &qa, &qb, &requests), 0);
   assert_int_equal(requests, 2);
   assert_int_equal(qa.name_len, 3);
   assert_int_equal(qa.desc_len, qb.desc_len);
}

static void
test_params_and_errors(void **state)
{
   struct env *e = *state;
   static const uint32_t params[] = {
      MSM_PARAM_GPU_ID, MSM_PARAM_GMEM_SIZE, MSM_PARAM_CHIP_ID,
      MSM_PARAM_MAX_FREQ, MSM_PARAM_NR_RINGS, MSM_PARAM_VA_START,
      MSM_PARAM_VA_SIZE, MSM_PARAM_FAULTS, 0x7777,
   };
   unsigned requests;

   for (unsigned i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
      struct drm_msm_param a = { .pipe = MSM_PIPE_3D0, .param = params[i] };
      struct drm_msm_param b = a;
      int ret = both(e, DRM_IOCTL_MSM_GET_PARAM, &a, &b, &requests);
      assert_int_equal(requests, 2);
      assert_memory_equal(&a, &b, sizeof(a));
      if (params[i] == 0x7777)
         assert_int_equal(ret, -EINVAL);
      else
         assert_int_equal(ret, 0);
   }

   /* Bad handle: the core's (the kernel's) ENOENT, struct copied back. */
   struct drm_msm_gem_info ia = { .handle = 999, .info = MSM_INFO_GET_IOVA };
   struct drm_msm_gem_info ib = ia;
   assert_int_equal(both(e, DRM_IOCTL_MSM_GEM_INFO, &ia, &ib, NULL), -ENOENT);
   /* Bad flags. */
   struct drm_msm_gem_new na = { .size = 4096, .flags = 0x80000000 };
   struct drm_msm_gem_new nb = na;
   assert_int_equal(both(e, DRM_IOCTL_MSM_GEM_NEW, &na, &nb, NULL), -EINVAL);
   /* Unknown request: one FUSE request, nothing sent. */
   uint64_t junk = 0;
   assert_int_equal(both(e, _IOWR('x', 3, uint64_t), &junk, &junk, &requests),
                    -ENOTTY);
   assert_int_equal(requests, 1);
   /* PRIME: ENOSYS as the 6.1 kernel says, after the struct copy. */
   struct drm_prime_handle pa = { .handle = 1 }, pb = pa;
   assert_int_equal(both(e, DRM_IOCTL_PRIME_HANDLE_TO_FD, &pa, &pb, &requests),
                    -ENOSYS);
   assert_int_equal(requests, 2);
   /* GET_CAP: binary syncobjs are served, timelines are not (as 6.1 msm). */
   struct drm_get_cap ca = { .capability = DRM_CAP_SYNCOBJ, .value = 5 }, cb = ca;
   assert_int_equal(both(e, DRM_IOCTL_GET_CAP, &ca, &cb, NULL), 0);
   assert_int_equal(ca.value, 1);
   ca = (struct drm_get_cap){ .capability = DRM_CAP_SYNCOBJ_TIMELINE, .value = 5 };
   cb = ca;
   assert_int_equal(both(e, DRM_IOCTL_GET_CAP, &ca, &cb, NULL), 0);
   assert_int_equal(ca.value, 0);
}

static void
test_names(void **state)
{
   struct env *e = *state;
   uint32_t ha = gem_new(e, &e->a, 4096), hb = gem_new(e, &e->b, 4096);
   char name[] = "cuse-bo";
   struct drm_msm_gem_info sa = {
      .handle = ha, .info = MSM_INFO_SET_NAME, .value = (uintptr_t)name,
      .len = 7,
   }, sb = sa;
   char ga[32], gb[32];
   struct drm_msm_gem_info qa = {
      .handle = ha, .info = MSM_INFO_GET_NAME, .value = (uintptr_t)ga,
      .len = 32,
   }, qb = qa;
   unsigned requests;

   sb.handle = hb;
   qb.handle = hb;
   qb.value = (uintptr_t)gb;
   assert_int_equal(both(e, DRM_IOCTL_MSM_GEM_INFO, &sa, &sb, &requests), 0);
   assert_int_equal(requests, 3);
   memset(ga, '#', 32);
   memset(gb, '#', 32);
   assert_int_equal(both(e, DRM_IOCTL_MSM_GEM_INFO, &qa, &qb, &requests), 0);
   assert_int_equal(requests, 3);
   assert_memory_equal(ga, gb, 32);
   assert_memory_equal(ga, "cuse-bo", 7);
   assert_int_equal(ga[7], '#'); /* the kernel writes no NUL */
   assert_int_equal(qa.len, 7);

   struct drm_gem_close ca = { .handle = ha }, cb = { .handle = hb };
   assert_int_equal(both(e, DRM_IOCTL_GEM_CLOSE, &ca, &cb, NULL), 0);
   assert_int_equal(both(e, DRM_IOCTL_GEM_CLOSE, &ca, &cb, NULL), -EINVAL);
}

/* A submit whose CP_MEM_WRITE lands in a BO, seen through hostmem at the
 * BO's mmap offset: the preload helper's view. */
static void
test_submit(void **state)
{
   struct env *e = *state;
   uint32_t cmd = gem_new(e, &e->a, 4096), data = gem_new(e, &e->a, 4096);
   uint64_t data_iova = gem_info(e, data, MSM_INFO_GET_IOVA);
   uint64_t data_off = gem_info(e, data, MSM_INFO_GET_OFFSET);
   uint64_t cmd_off = gem_info(e, cmd, MSM_INFO_GET_OFFSET);
   uint32_t cs[16], value = 0xc05e0001;
   unsigned n = pm4_emit_mem_write(cs, data_iova, &value, 1), requests;
   struct drm_msm_gem_submit_bo bos[2] = {
      { .flags = MSM_SUBMIT_BO_READ, .handle = cmd },
      { .flags = MSM_SUBMIT_BO_WRITE, .handle = data },
   };
   struct drm_msm_gem_submit_cmd cmds[1] = {
      { .type = MSM_SUBMIT_CMD_BUF, .submit_idx = 0, .size = n * 4 },
   };
   struct drm_msm_gem_submit req = {
      .flags = MSM_PIPE_3D0, .nr_bos = 2, .bos = (uintptr_t)bos,
      .nr_cmds = 1, .cmds = (uintptr_t)cmds,
   };
   struct fake_cuse_stats fs;

   memcpy(e->hostmem + cmd_off, cs, n * 4);
   memset(e->hostmem + data_off, 0, 4);
   assert_int_equal(fake_cuse_ioctl(e->file, DRM_IOCTL_MSM_GEM_SUBMIT, &req,
                                    &fs), 0);
   requests = fs.requests;
   assert_int_equal(requests, 3);
   assert_int_equal(fs.in_bytes, sizeof(req) + sizeof(bos) + sizeof(cmds));
   assert_int_not_equal(req.fence, 0);

   struct drm_msm_wait_fence w = {
      .fence = req.fence, .queueid = 0, .timeout = ws_abs_timeout(5000000000),
   };
   assert_int_equal(fake_cuse_ioctl(e->file, DRM_IOCTL_MSM_WAIT_FENCE, &w,
                                    &fs), 0);
   assert_int_equal(fs.requests, 2);
   uint32_t got;
   memcpy(&got, e->hostmem + data_off, 4);
   assert_int_equal(got, value);

   /* Over the table's limit: E2BIG before anything is fetched beyond the
    * struct. */
   req.nr_cmds = 257;
   assert_int_equal(fake_cuse_ioctl(e->file, DRM_IOCTL_MSM_GEM_SUBMIT, &req,
                                    &fs), -E2BIG);
   assert_int_equal(fs.requests, 2);

   struct drm_gem_close c = { .handle = cmd };
   assert_int_equal(fake_cuse_ioctl(e->file, DRM_IOCTL_GEM_CLOSE, &c, NULL), 0);
   c.handle = data;
   assert_int_equal(fake_cuse_ioctl(e->file, DRM_IOCTL_GEM_CLOSE, &c, NULL), 0);

   /* Per-request-type accounting saw all of it. */
   struct cuse_cmd_stats st;
   cuse_node_get_stats(e->node, FWD_ID_MSM_GEM_SUBMIT, &st);
   assert_int_equal(st.ioctls, 2);
   assert_int_equal(st.requests, 5);
   assert_int_equal(st.forwarded, 1);
   assert_int_equal(st.rounds, 5);
}

static void
test_queues(void **state)
{
   struct env *e = *state;
   struct drm_msm_submitqueue qa = { .prio = 1 }, qb = qa;
   uint32_t fa = 0xaaaaaaaa, fb = 0xaaaaaaaa;
   unsigned requests;

   assert_int_equal(both(e, DRM_IOCTL_MSM_SUBMITQUEUE_NEW, &qa, &qb, NULL), 0);
   assert_int_equal(qa.id, qb.id);
   struct drm_msm_submitqueue_query ya = {
      .data = (uintptr_t)&fa, .id = qa.id, .param = MSM_SUBMITQUEUE_PARAM_FAULTS,
      .len = 4,
   }, yb = ya;
   yb.data = (uintptr_t)&fb;
   assert_int_equal(both(e, DRM_IOCTL_MSM_SUBMITQUEUE_QUERY, &ya, &yb,
                         &requests), 0);
   assert_int_equal(requests, 3);
   assert_int_equal(fa, fb);
   assert_int_equal(fa, 0);
   uint32_t ida = qa.id, idb = qb.id;
   assert_int_equal(both(e, DRM_IOCTL_MSM_SUBMITQUEUE_CLOSE, &ida, &idb, NULL),
                    0);
   assert_int_equal(both(e, DRM_IOCTL_MSM_SUBMITQUEUE_CLOSE, &ida, &idb, NULL),
                    -ENOENT);

   /* SET_PARAM COMM: an in string. */
   char comm[] = "glmark2";
   struct drm_msm_param pa = {
      .pipe = MSM_PIPE_3D0, .param = MSM_PARAM_COMM, .value = (uintptr_t)comm,
      .len = 7,
   }, pb = pa;
   assert_int_equal(both(e, DRM_IOCTL_MSM_SET_PARAM, &pa, &pb, &requests), 0);
   assert_int_equal(requests, 3);
   const char *c, *cl;
   assert_int_equal(msm_ctx_debuginfo(e->a.ctx, &c, &cl), 0);
   assert_string_equal(c, "glmark2");
}

/* The host is unreachable: the caller sees EIO, nothing is written. */
static void
test_transport_failure(void **state)
{
   struct env *e = *state;
   struct drm_msm_param gp = { .pipe = MSM_PIPE_3D0, .param = MSM_PARAM_GPU_ID,
                               .value = 77 };

   e->a.fail = -ECONNRESET;
   assert_int_equal(fake_cuse_ioctl(e->file, DRM_IOCTL_MSM_GET_PARAM, &gp,
                                    NULL), -EIO);
   assert_int_equal(gp.value, 77);
   e->a.fail = 0;
}

int
main(void)
{
   const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_version, setup, teardown),
      cmocka_unit_test_setup_teardown(test_params_and_errors, setup, teardown),
      cmocka_unit_test_setup_teardown(test_names, setup, teardown),
      cmocka_unit_test_setup_teardown(test_submit, setup, teardown),
      cmocka_unit_test_setup_teardown(test_queues, setup, teardown),
      cmocka_unit_test_setup_teardown(test_transport_failure, setup, teardown),
   };
   return cmocka_run_group_tests(tests, NULL, NULL);
}
