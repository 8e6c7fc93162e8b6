/*
 * conformance.c - the ws conformance suite (see conformance.h).
 *
 * Every test goes through the ws API only, so it runs unchanged on every
 * implementation; what a test observes (values landing in BOs, fences,
 * errno values) is what a guest driver would observe.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "conformance.h"
#include "conformance_priv.h"
#include "msm_core.h"
#include "pm4.h"


const struct ws_factory *F;

void *fixture;


static int
t_setup(void **state)
{
   static struct t t;
   memset(&t, 0, sizeof(t));
   if (F->open(fixture, &t.dev))
      return -1;
   /* A device may hold back its first requests (nativectx makes its
    * shared page with its first message): a call that needs an answer
    * pushes them through, so the baseline below includes them. */
   uint64_t ts;
   if (ws_get_param(t.dev, MSM_PARAM_TIMESTAMP, &ts))
      return -1;
   /* After the open: a device may own host memory from the start (a
    * nativectx context's arena and shared page).  Closes are asynchronous
    * in some implementations, so wait until only this device is left. */
   if (F->core) {
      for (int i = 0; i < 400; i++) {
         msm_core_get_stats(F->core(fixture), &t.before);
         if (t.before.contexts == 1 && !t.before.inflight)
            break;
         struct timespec ts = { 0, 5 * MS };
         nanosleep(&ts, NULL);
      }
   }
   *state = &t;
   return 0;
}

static int
t_teardown(void **state)
{
   struct t *t = *state;
   ws_close(t->dev);
   return 0;
}

struct ws_bo *
new_bo(struct ws_dev *dev, uint64_t size, uint32_t flags)
{
   struct ws_bo *bo = NULL;
   assert_int_equal(ws_bo_new(dev, size, flags, &bo), 0);
   assert_non_null(bo);
   return bo;
}

void *
map_bo(struct ws_bo *bo)
{
   void *p = NULL;
   assert_int_equal(ws_bo_map(bo, &p), 0);
   assert_non_null(p);
   return p;
}

/* Submit ndw dwords of cmdstream (uploaded into a fresh BO) on queue, with
 * targets[] in the BO list as written; returns the fence via *fence. */
int
submit_cs(struct ws_dev *dev, uint32_t queue, const uint32_t *cs, unsigned ndw,
          struct ws_bo **targets, unsigned ntargets, uint32_t *fence,
          struct ws_bo **cs_bo_out)
{
   struct ws_bo *cs_bo = new_bo(dev, ndw * 4, MSM_BO_WC);
   struct ws_submit_bo bos[8];
   struct ws_submit_cmd cmd = {
      .type = MSM_SUBMIT_CMD_BUF, .bo_idx = 0, .offset = 0, .size = ndw * 4,
   };
   struct ws_submit s = { .queue = queue, .nr_bos = 1 + ntargets, .bos = bos,
                          .nr_cmds = 1, .cmds = &cmd };
   int ret;

   assert_true(ntargets < 8);
   assert_int_equal(ws_bo_upload(cs_bo, 0, cs, ndw * 4), 0);
   bos[0] = (struct ws_submit_bo){ cs_bo, MSM_SUBMIT_BO_READ };
   for (unsigned i = 0; i < ntargets; i++)
      bos[1 + i] = (struct ws_submit_bo){ targets[i],
                                          MSM_SUBMIT_BO_READ | MSM_SUBMIT_BO_WRITE };
   ret = ws_submit(dev, &s);
   if (fence)
      *fence = s.fence;
   if (cs_bo_out)
      *cs_bo_out = cs_bo;
   else
      ws_bo_free(cs_bo); /* freeing a busy BO is legal: it lives until retired */
   return ret;
}

/* Write value at target's iova + off, optionally after a modelled delay. */
uint32_t
write_value(struct ws_dev *dev, uint32_t queue, struct ws_bo *target,
            uint64_t off, uint32_t value, uint64_t delay_ns)
{
   uint32_t cs[32], fence = 0;
   unsigned n = 0;

   if (delay_ns)
      n += pm4_emit_delay(cs + n, delay_ns);
   n += pm4_emit_mem_write(cs + n, target->iova + off, &value, 1);
   assert_int_equal(submit_cs(dev, queue, cs, n, &target, 1, &fence, NULL), 0);
   return fence;
}

uint32_t
read32(struct ws_bo *bo, uint64_t off)
{
   uint32_t v;
   memcpy(&v, (char *)map_bo(bo) + off, 4);
   return v;
}

/* ---- params ---------------------------------------------------------- */

static void
test_params(void **state)
{
   struct t *t = *state;
   uint64_t v = 0, start = 0, size = 0;

   assert_int_equal(ws_get_param(t->dev, MSM_PARAM_GPU_ID, &v), 0);
   assert_int_equal(v, F->gpu_id);
   assert_int_equal(ws_get_param(t->dev, MSM_PARAM_CHIP_ID, &v), 0);
   assert_int_equal((v >> 24) & 0xff, 6); /* an a6xx */
   assert_int_equal(ws_get_param(t->dev, MSM_PARAM_GMEM_SIZE, &v), 0);
   assert_true(v >= 512 * 1024);
   assert_int_equal(ws_get_param(t->dev, MSM_PARAM_PRIORITIES, &v), 0);
   assert_true(v >= 1);
   if (F->lacks & WS_LACKS_VM)
      return;
   /* A 6.1 a6xx: one ring, three scheduler priorities, a per-process VM. */
   assert_int_equal(v, 3);
   assert_int_equal(ws_get_param(t->dev, MSM_PARAM_VA_START, &start), 0);
   assert_int_equal(ws_get_param(t->dev, MSM_PARAM_VA_SIZE, &size), 0);
   assert_true(start > 0 && size >= (1ull << 32));
   assert_int_equal(ws_get_param(t->dev, MSM_PARAM_FAULTS, &v), 0);
   assert_int_equal(v, 0);
}

static void
test_param_invalid(void **state)
{
   NEEDS(WS_LACKS_ERRNO);
   struct t *t = *state;
   uint64_t v;
   assert_int_equal(ws_get_param(t->dev, 0x7777, &v), -EINVAL);
   assert_int_equal(ws_get_param(t->dev, MSM_PARAM_COMM, &v), -EINVAL);
}

static void
test_timestamp_advances(void **state)
{
   NEEDS(WS_LACKS_EXEC);
   struct t *t = *state;
   uint64_t a = 0, b = 0;
   assert_int_equal(ws_get_param(t->dev, MSM_PARAM_TIMESTAMP, &a), 0);
   /* Any submit+wait takes time on the GPU clock. */
   struct ws_bo *bo = new_bo(t->dev, 4096, MSM_BO_WC);
   uint32_t f = write_value(t->dev, 0, bo, 0, 1, 100000);
   assert_int_equal(ws_fence_wait(t->dev, 0, f, SEC), 0);
   assert_int_equal(ws_get_param(t->dev, MSM_PARAM_TIMESTAMP, &b), 0);
   assert_true(b > a);
   ws_bo_free(bo);
}

static void
test_debuginfo(void **state)
{
   struct t *t = *state;
   assert_int_equal(ws_set_debuginfo(t->dev, "conformance", "conformance --x"), 0);
}

/* ---- BOs ------------------------------------------------------------- */

static void
test_bo_new_basic(void **state)
{
   struct t *t = *state;
   uint64_t start, size;
   struct ws_bo *bo = new_bo(t->dev, 100, MSM_BO_WC);

   assert_int_equal(bo->size, 4096);
   assert_int_equal(bo->iova & 4095, 0);
   if (!(F->lacks & WS_LACKS_VM)) {
      ws_get_param(t->dev, MSM_PARAM_VA_START, &start);
      ws_get_param(t->dev, MSM_PARAM_VA_SIZE, &size);
      assert_true(bo->iova >= start && bo->iova + bo->size <= start + size);
   }
   ws_bo_free(bo);
}

static void
test_bo_iovas_disjoint(void **state)
{
   struct t *t = *state;
   struct ws_bo *bos[16];

   for (int i = 0; i < 16; i++)
      bos[i] = new_bo(t->dev, 4096 * (1 + i % 3), i % 2 ? MSM_BO_WC : MSM_BO_CACHED);
   for (int i = 0; i < 16; i++)
      for (int j = 0; j < i; j++)
         assert_true(bos[i]->iova + bos[i]->size <= bos[j]->iova ||
                     bos[j]->iova + bos[j]->size <= bos[i]->iova);
   for (int i = 0; i < 16; i++)
      ws_bo_free(bos[i]);
}

static void
test_bo_new_bad_flags(void **state)
{
   NEEDS(WS_LACKS_ERRNO);
   struct t *t = *state;
   struct ws_bo *bo = NULL;
   assert_int_equal(ws_bo_new(t->dev, 4096, 0x100, &bo), -EINVAL);
   assert_int_equal(ws_bo_new(t->dev, 4096, 0, &bo), -EINVAL); /* no cache mode */
   assert_int_equal(ws_bo_new(t->dev, 4096, MSM_BO_CACHED | MSM_BO_WC, &bo), -EINVAL);
   assert_int_equal(ws_bo_new(t->dev, 0, MSM_BO_WC, &bo), -EINVAL);
   assert_null(bo);
}

static void
test_bo_flags_accepted(void **state)
{
   struct t *t = *state;
   const uint32_t ok[] = { MSM_BO_CACHED, MSM_BO_WC, MSM_BO_UNCACHED,
                           MSM_BO_WC | MSM_BO_GPU_READONLY,
                           MSM_BO_WC | MSM_BO_SCANOUT };
   for (unsigned i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
      ws_bo_free(new_bo(t->dev, 8192, ok[i]));
}

static void
test_bo_map_zeroed_and_persistent(void **state)
{
   NEEDS(WS_LACKS_ZERO);
   struct t *t = *state;
   struct ws_bo *bo = new_bo(t->dev, 16384, MSM_BO_CACHED);
   uint8_t *p = map_bo(bo), zero[16384] = { 0 };

   assert_memory_equal(p, zero, sizeof(zero));
   memset(p, 0xab, 16384);
   assert_ptr_equal(map_bo(bo), p);
   assert_int_equal(p[16383], 0xab);
   ws_bo_free(bo);
   /* A new BO never shows a previous one's contents. */
   bo = new_bo(t->dev, 16384, MSM_BO_CACHED);
   assert_memory_equal(map_bo(bo), zero, sizeof(zero));
   ws_bo_free(bo);
}

static void
test_bo_upload(void **state)
{
   struct t *t = *state;
   struct ws_bo *bo = new_bo(t->dev, 8192, MSM_BO_WC);
   const char msg[] = "hello, adreno";

   assert_int_equal(ws_bo_upload(bo, 4000, msg, sizeof(msg)), 0);
   assert_memory_equal((char *)map_bo(bo) + 4000, msg, sizeof(msg));
   assert_int_equal(ws_bo_upload(bo, 8190, msg, sizeof(msg)), -EINVAL);
   assert_int_equal(ws_bo_upload(bo, 1ull << 40, msg, 1), -EINVAL);
   ws_bo_free(bo);
}

static void
test_bo_set_name(void **state)
{
   NEEDS(WS_LACKS_ERRNO);
   struct t *t = *state;
   struct ws_bo *bo = new_bo(t->dev, 4096, MSM_BO_WC);
   assert_int_equal(ws_bo_set_name(bo, "vertex-buffer"), 0);
   assert_int_equal(ws_bo_set_name(bo, "0123456789012345678901234567890123"), -EINVAL);
   ws_bo_free(bo);
}

static void
test_bo_many(void **state)
{
   struct t *t = *state;
   struct ws_bo *bos[300];
   for (int i = 0; i < 300; i++)
      bos[i] = new_bo(t->dev, 4096 << (i % 4), MSM_BO_WC);
   for (int i = 299; i >= 0; i -= 2)
      ws_bo_free(bos[i]);
   for (int i = 1; i < 300; i += 2)
      bos[i] = new_bo(t->dev, 4096, MSM_BO_WC);
   for (int i = 0; i < 300; i++)
      ws_bo_free(bos[i]);
}

/* ---- submits and the CP ---------------------------------------------- */

static void
test_madvise(void **state)
{
   NEEDS(WS_LACKS_ERRNO);
   struct t *t = *state;
   struct ws_bo *bo = new_bo(t->dev, 4096, MSM_BO_WC);
   uint32_t retained = 0;

   assert_int_equal(ws_bo_madvise(bo, MSM_MADV_DONTNEED, &retained), 0);
   assert_int_equal(retained, 1);
   assert_int_equal(ws_bo_madvise(bo, MSM_MADV_WILLNEED, &retained), 0);
   assert_int_equal(retained, 1);
   assert_int_equal(ws_bo_madvise(bo, 5, &retained), -EINVAL);
   ws_bo_free(bo);
}

static void
test_madvise_dontneed_not_submittable(void **state)
{
   NEEDS(WS_LACKS_ERRNO);
   struct t *t = *state;
   struct ws_bo *dst = new_bo(t->dev, 4096, MSM_BO_WC);
   uint32_t cs[8], v = 1, f;
   unsigned n = pm4_emit_mem_write(cs, dst->iova, &v, 1);

   assert_int_equal(ws_bo_madvise(dst, MSM_MADV_DONTNEED, NULL), 0);
   assert_int_equal(submit_cs(t->dev, 0, cs, n, &dst, 1, &f, NULL), -EBUSY);
   assert_int_equal(ws_bo_madvise(dst, MSM_MADV_WILLNEED, NULL), 0);
   assert_int_equal(submit_cs(t->dev, 0, cs, n, &dst, 1, &f, NULL), 0);
   assert_int_equal(ws_fence_wait(t->dev, 0, f, SEC), 0);
   ws_bo_free(dst);
}

static void
test_madvise_purge(void **state)
{
   NEEDS(WS_LACKS_PURGE);
   struct t *t = *state;
   struct ws_bo *bo, *keep;
   uint32_t retained = 1;
   void *p;

   if (!F->core)
      skip();
   bo = new_bo(t->dev, 65536, MSM_BO_WC);
   keep = new_bo(t->dev, 4096, MSM_BO_WC);
   memset(map_bo(keep), 1, 4096);
   assert_int_equal(ws_bo_madvise(bo, MSM_MADV_DONTNEED, NULL), 0);
   /* DONTNEED may travel asynchronously: push it and let the host see it. */
   assert_int_equal(ws_flush(t->dev), 0);
   int purged = 0;
   for (int i = 0; i < 200 && purged < 1; i++) {
      purged += msm_core_shrink(F->core(fixture));
      struct timespec ts = { 0, 5 * MS };
      if (!purged)
         nanosleep(&ts, NULL);
   }
   assert_true(purged >= 1);
   assert_int_equal(ws_bo_madvise(bo, MSM_MADV_WILLNEED, &retained), 0);
   assert_int_equal(retained, 0);
   /* Gone for good: no mapping, no submits. */
   if (!bo->map)
      assert_int_equal(ws_bo_map(bo, &p), -EBUSY);
   assert_int_equal(((uint8_t *)map_bo(keep))[4095], 1);
   ws_bo_free(bo);
   ws_bo_free(keep);
}

/* ---- lifetime -------------------------------------------------------- */

static void
test_free_busy_bo(void **state)
{
   struct t *t = *state;
   struct ws_bo *dst = new_bo(t->dev, 4096, MSM_BO_WC);
   uint32_t f = write_value(t->dev, 0, dst, 0, 1, 50 * MS);

   ws_bo_free(dst); /* while the GPU still writes it */
   assert_int_equal(ws_fence_wait(t->dev, 0, f, 5 * SEC), 0);
}

static void
test_close_with_work_in_flight(void **state)
{
   (void)state;
   struct ws_dev *dev;
   struct ws_bo *dst;
   struct msm_core_stats st;

   assert_int_equal(F->open(fixture, &dev), 0);
   dst = new_bo(dev, 4096, MSM_BO_WC);
   write_value(dev, 0, dst, 0, 1, 30 * MS);
   ws_bo_free(dst);
   ws_close(dev); /* a process exiting mid-frame */
   if (F->core) {
      /* Everything it owned goes once the GPU is done with it. */
      for (int i = 0; i < 500; i++) {
         msm_core_get_stats(F->core(fixture), &st);
         if (!st.inflight)
            break;
         struct timespec ts = { 0, 10 * MS };
         nanosleep(&ts, NULL);
      }
      assert_int_equal(st.inflight, 0);
   }
}

static void
test_no_leaks(void **state)
{
   struct t *t = *state;
   struct msm_core_stats st;
   struct ws_bo *bo[4];

   if (!F->core)
      skip();
   for (int i = 0; i < 4; i++) {
      bo[i] = new_bo(t->dev, 8192, MSM_BO_WC);
      uint32_t f = write_value(t->dev, 0, bo[i], 0, i, 0);
      assert_int_equal(ws_fence_wait(t->dev, 0, f, SEC), 0);
   }
   for (int i = 0; i < 4; i++)
      ws_bo_free(bo[i]);
   /* Frees may be batched (nativectx): push them, give the host a moment. */
   assert_int_equal(ws_flush(t->dev), 0);
   for (int i = 0; i < 200; i++) {
      msm_core_get_stats(F->core(fixture), &st);
      if (st.bos == t->before.bos)
         break;
      struct timespec ts = { 0, 5 * MS };
      nanosleep(&ts, NULL);
   }
   /* The device itself is still open; all its BOs are gone. */
   assert_int_equal(st.bos, t->before.bos);
   assert_int_equal(st.hostmem_used, t->before.hostmem_used);
}

struct thread_arg {
   int iters;
   int result;
};

static void *
worker(void *p)
{
   struct thread_arg *a = p;
   struct ws_dev *dev;
   struct ws_bo *dst;

   a->result = -1;
   if (F->open(fixture, &dev))
      return NULL;
   if (ws_bo_new(dev, 4096, MSM_BO_WC, &dst))
      return NULL;
   for (int i = 0; i < a->iters; i++) {
      uint32_t cs[8], v = (uint32_t)i, f;
      struct ws_bo *cs_bo;
      unsigned n = pm4_emit_mem_write(cs, dst->iova, &v, 1);
      struct ws_submit_bo bos[2];
      struct ws_submit_cmd cmd = { MSM_SUBMIT_CMD_BUF, 0, 0, n * 4 };
      struct ws_submit s = { 0, 0, 2, bos, 1, &cmd, 0 };
      void *m;

      if (ws_bo_new(dev, 4096, MSM_BO_WC, &cs_bo) ||
          ws_bo_upload(cs_bo, 0, cs, n * 4))
         return NULL;
      bos[0] = (struct ws_submit_bo){ cs_bo, MSM_SUBMIT_BO_READ };
      bos[1] = (struct ws_submit_bo){ dst, MSM_SUBMIT_BO_WRITE };
      if (ws_submit(dev, &s))
         return NULL;
      f = s.fence;
      if (ws_fence_wait(dev, 0, f, 5 * SEC) || ws_bo_map(dst, &m) ||
          *(uint32_t *)m != (uint32_t)i)
         return NULL;
      ws_bo_free(cs_bo);
   }
   ws_bo_free(dst);
   ws_close(dev);
   a->result = 0;
   return NULL;
}

static void
test_concurrent_devices(void **state)
{
   NEEDS(WS_LACKS_EXEC);
   (void)state;
   pthread_t th[4];
   struct thread_arg args[4];

   for (int i = 0; i < 4; i++) {
      args[i].iters = 50;
      pthread_create(&th[i], NULL, worker, &args[i]);
   }
   for (int i = 0; i < 4; i++) {
      pthread_join(th[i], NULL);
      assert_int_equal(args[i].result, 0);
   }
}

int
ws_conformance_core_setup(void **fixture)
{
   struct msm_core_config cfg;
   struct msm_core *core;

   msm_core_config_defaults(&cfg);
   if (msm_core_create(&cfg, &core))
      return -1;
   *fixture = core;
   return 0;
}

void
ws_conformance_core_teardown(void *fixture)
{
   msm_core_destroy(fixture);
}

struct msm_core *
ws_conformance_core(void *fixture)
{
   return fixture;
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, t_setup, t_teardown)

int
ws_conformance_run(const struct ws_factory *factory)
{
   const struct CMUnitTest tests[] = {
      T(test_params),
      T(test_param_invalid),
      T(test_timestamp_advances),
      T(test_debuginfo),
      T(test_bo_new_basic),
      T(test_bo_iovas_disjoint),
      T(test_bo_new_bad_flags),
      T(test_bo_flags_accepted),
      T(test_bo_map_zeroed_and_persistent),
      T(test_bo_upload),
      T(test_bo_set_name),
      T(test_bo_many),
      T(test_submit_mem_write),
      T(test_submit_ib_chain),
      T(test_submit_event_write_ts),
      T(test_submit_two_cmds_in_order),
      T(test_fences_in_order),
      T(test_fence_wait_timeout),
      T(test_fence_wait_invalid),
      T(test_cpu_prep),
      T(test_cpu_prep_read_of_gpu_read),
      T(test_cpu_prep_bad_op),
      T(test_submit_bad_cmds),
      T(test_submit_duplicate_bo),
      T(test_submit_empty),
      T(test_fault_unmapped),
      T(test_fault_readonly),
      T(test_contexts_isolated),
      T(test_submitqueues),
      T(test_submitqueue_errors),
      T(test_submit_closed_queue),
      T(test_queue_close_with_work_in_flight),
      T(test_madvise),
      T(test_madvise_dontneed_not_submittable),
      T(test_madvise_purge),
      T(test_free_busy_bo),
      T(test_close_with_work_in_flight),
      T(test_no_leaks),
      T(test_concurrent_devices),
   };
   char name[64];
   int ret;

   F = factory;
   if (F->setup(&fixture))
      return 1;
   snprintf(name, sizeof(name), "ws-conformance/%s", F->name);
   ret = _cmocka_run_group_tests(name, tests, sizeof(tests) / sizeof(tests[0]),
                                 NULL, NULL);
   F->teardown(fixture);
   return ret;
}
