/*
 * test_vm.c - per-VM quotas: one guest's contexts together cannot take
 * more than their share, the errors are the documented ones, another VM is
 * untouched, and the counters return to zero.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "msm_core.h"
#include "pm4.h"

static struct msm_core *
core_with_quota(void)
{
   struct msm_core_config cfg;
   struct msm_core *core;

   msm_core_config_defaults(&cfg);
   cfg.hostmem_size = 16u << 20;
   cfg.vm_quota = (struct msm_vm_quota){
      .max_contexts = 2, .max_bo_bytes = 1u << 20, .max_bos = 3,
      .max_inflight = 2, .max_waits = 1,
   };
   assert_int_equal(msm_core_create(&cfg, &core), 0);
   return core;
}

static int
gem_new(struct msm_ctx *ctx, uint64_t size, uint32_t *handle)
{
   struct drm_msm_gem_new req = { .size = size, .flags = MSM_BO_WC };
   int ret = msm_ctx_gem_new(ctx, &req);
   *handle = req.handle;
   return ret;
}

static void
test_defaults(void **state)
{
   (void)state;
   struct msm_core_config cfg;
   struct msm_core *core;
   struct msm_vm_quota q;
   struct msm_limits lim;

   msm_core_config_defaults(&cfg);
   assert_int_equal(msm_core_create(&cfg, &core), 0);
   msm_core_vm_quota(core, &q);
   msm_core_limits(core, &lim);
   /* MSM_VM_SERVICEABLE guests at their quota leave a share for one more. */
   assert_true(q.max_bo_bytes * (MSM_VM_SERVICEABLE + 1) <= cfg.hostmem_size);
   assert_true(q.max_contexts * (MSM_VM_SERVICEABLE + 1) <= lim.max_contexts);
   /* One context is never promised more than there is. */
   assert_true(lim.max_bo_bytes <= cfg.hostmem_size);
   msm_core_destroy(core);
}

static void
test_contexts_and_bos(void **state)
{
   (void)state;
   struct msm_core *core = core_with_quota();
   struct msm_vm *a, *b;
   struct msm_ctx *c1, *c2, *c3, *other;
   struct msm_vm_stats st;
   uint32_t h, h2;

   assert_int_equal(msm_vm_create(core, &a), 0);
   assert_int_equal(msm_vm_create(core, &b), 0);
   assert_int_equal(msm_ctx_create_vm(core, a, &c1), 0);
   assert_int_equal(msm_ctx_create_vm(core, a, &c2), 0);
   assert_int_equal(msm_ctx_create_vm(core, a, &c3), -ENOMEM);
   assert_int_equal(msm_ctx_create_vm(core, b, &other), 0);

   /* Bytes: 1 MiB for the VM, however its contexts split it. */
   assert_int_equal(gem_new(c1, 512 << 10, &h), 0);
   assert_int_equal(gem_new(c2, 512 << 10, &h2), 0);
   assert_int_equal(gem_new(c2, 4096, &h), -ENOMEM);
   assert_int_equal(msm_ctx_gem_close(c2, h2), 0);
   assert_int_equal(gem_new(c2, 4096, &h), 0);
   assert_int_equal(gem_new(c2, 4096, &h), 0);
   /* Count: 3 objects. */
   assert_int_equal(gem_new(c1, 4096, &h), -ENOMEM);
   /* Arenas count as bytes. */
   uint64_t off;
   assert_int_equal(msm_ctx_arena_new(c1, 1 << 20, &off), -ENOMEM);
   /* The other VM is untouched. */
   assert_int_equal(gem_new(other, 512 << 10, &h), 0);

   msm_vm_get_stats(a, &st);
   assert_int_equal(st.contexts, 2);
   assert_int_equal(st.bos, 3);
   msm_ctx_destroy(c1);
   msm_ctx_destroy(c2);
   msm_vm_get_stats(a, &st);
   assert_int_equal(st.contexts, 0);
   assert_int_equal(st.bos, 0);
   assert_int_equal(st.bo_bytes, 0);
   /* Room again. */
   assert_int_equal(msm_ctx_create_vm(core, a, &c1), 0);
   msm_ctx_destroy(c1);
   msm_ctx_destroy(other);
   msm_vm_destroy(a);
   msm_vm_destroy(b);
   msm_core_destroy(core);
}

/* A submit of ~delay_ns writing nothing. */
static int
long_submit(struct msm_core *core, struct msm_ctx *ctx, uint64_t delay_ns)
{
   struct msm_hostmem_info hm;
   uint32_t h, cs[8];
   unsigned n = pm4_emit_delay(cs, delay_ns);
   struct drm_msm_gem_info gi = { .info = MSM_INFO_GET_OFFSET };

   msm_core_hostmem(core, &hm);
   assert_int_equal(gem_new(ctx, 4096, &h), 0);
   gi.handle = h;
   assert_int_equal(msm_ctx_gem_info(ctx, &gi, NULL), 0);
   memcpy((char *)hm.base + gi.value, cs, n * 4);
   struct drm_msm_gem_submit_bo bo = { .flags = MSM_SUBMIT_BO_READ, .handle = h };
   struct drm_msm_gem_submit_cmd cmd = { .type = MSM_SUBMIT_CMD_BUF, .size = n * 4 };
   struct drm_msm_gem_submit req = { .flags = MSM_PIPE_3D0, .nr_bos = 1, .nr_cmds = 1 };
   int ret = msm_ctx_gem_submit(ctx, &req, &bo, &cmd);
   msm_ctx_gem_close(ctx, h);
   return ret;
}

static void
test_inflight_and_waits(void **state)
{
   (void)state;
   struct msm_core *core = core_with_quota();
   struct msm_vm *a;
   struct msm_ctx *c1, *c2;
   struct msm_vm_stats st;

   assert_int_equal(msm_vm_create(core, &a), 0);
   assert_int_equal(msm_ctx_create_vm(core, a, &c1), 0);
   assert_int_equal(msm_ctx_create_vm(core, a, &c2), 0);
   /* Two in flight for the VM; the third fails instead of waiting. */
   assert_int_equal(long_submit(core, c1, 300000000), 0);
   assert_int_equal(long_submit(core, c2, 300000000), 0);
   assert_int_equal(long_submit(core, c2, 1000), -EAGAIN);
   msm_vm_get_stats(a, &st);
   assert_int_equal(st.inflight, 2);

   assert_int_equal(msm_vm_wait_get(a), 0);
   assert_int_equal(msm_vm_wait_get(a), -EAGAIN);
   msm_vm_wait_put(a);
   assert_int_equal(msm_vm_wait_get(a), 0);
   msm_vm_wait_put(a);

   /* Closing cancels what has not started; nothing stays counted. */
   msm_ctx_destroy(c1);
   msm_ctx_destroy(c2);
   msm_vm_destroy(a); /* busy objects keep it alive until they retire */
   msm_core_destroy(core);
}

int
main(void)
{
   const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_defaults),
      cmocka_unit_test(test_contexts_and_bos),
      cmocka_unit_test(test_inflight_and_waits),
   };
   return cmocka_run_group_tests_name("vm", tests, NULL, NULL);
}
