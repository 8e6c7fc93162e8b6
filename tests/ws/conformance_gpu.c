/*
 * conformance_gpu.c - the conformance suite's tests of what goes through the
 * GPU: submits and what the CP writes, fences, CPU access while the GPU
 * works, faults and context isolation, submit queues (see conformance.c).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "conformance_priv.h"
#include "msm_core.h"
#include "pm4.h"

void
test_submit_mem_write(void **state)
{
   NEEDS(WS_LACKS_EXEC);
   struct t *t = *state;
   struct ws_bo *dst = new_bo(t->dev, 4096, MSM_BO_WC);
   uint32_t f = write_value(t->dev, 0, dst, 64, 0xcafef00d, 0);

   assert_true(f > 0);
   assert_int_equal(ws_fence_wait(t->dev, 0, f, SEC), 0);
   assert_int_equal(read32(dst, 64), 0xcafef00d);
   assert_int_equal(read32(dst, 60), 0);
   ws_bo_free(dst);
}

void
test_submit_ib_chain(void **state)
{
   NEEDS(WS_LACKS_EXEC);
   struct t *t = *state;
   struct ws_bo *dst = new_bo(t->dev, 4096, MSM_BO_WC);
   struct ws_bo *ib2 = new_bo(t->dev, 4096, MSM_BO_WC);
   struct ws_bo *ib1 = new_bo(t->dev, 4096, MSM_BO_WC);
   struct ws_bo *targets[] = { dst, ib1, ib2 };
   uint32_t cs[16], buf[16], v = 0x1b2, fence;
   unsigned n;

   n = pm4_emit_mem_write(buf, dst->iova + 8, &v, 1);
   assert_int_equal(ws_bo_upload(ib2, 0, buf, n * 4), 0);
   n = pm4_emit_ib(buf, ib2->iova, n);
   assert_int_equal(ws_bo_upload(ib1, 0, buf, n * 4), 0);
   n = pm4_emit_ib(cs, ib1->iova, n);
   assert_int_equal(submit_cs(t->dev, 0, cs, n, targets, 3, &fence, NULL), 0);
   assert_int_equal(ws_fence_wait(t->dev, 0, fence, SEC), 0);
   assert_int_equal(read32(dst, 8), 0x1b2);
   ws_bo_free(dst);
   ws_bo_free(ib1);
   ws_bo_free(ib2);
}

void
test_submit_event_write_ts(void **state)
{
   NEEDS(WS_LACKS_EXEC);
   struct t *t = *state;
   struct ws_bo *dst = new_bo(t->dev, 4096, MSM_BO_WC);
   uint32_t cs[16], fence;
   unsigned n = pm4_emit_event_write_ts(cs, PM4_RB_DONE_TS, dst->iova + 16, 77);

   assert_int_equal(submit_cs(t->dev, 0, cs, n, &dst, 1, &fence, NULL), 0);
   assert_int_equal(ws_fence_wait(t->dev, 0, fence, SEC), 0);
   assert_int_equal(read32(dst, 16), 77);
   ws_bo_free(dst);
}

void
test_submit_two_cmds_in_order(void **state)
{
   NEEDS(WS_LACKS_EXEC);
   struct t *t = *state;
   struct ws_bo *dst = new_bo(t->dev, 4096, MSM_BO_WC);
   struct ws_bo *cs_bo = new_bo(t->dev, 4096, MSM_BO_WC);
   uint32_t cs[16], a = 1, b = 2;
   unsigned n1 = pm4_emit_mem_write(cs, dst->iova, &a, 1);
   unsigned n2 = pm4_emit_mem_write(cs + n1, dst->iova, &b, 1);
   struct ws_submit_bo bos[] = { { cs_bo, MSM_SUBMIT_BO_READ },
                                 { dst, MSM_SUBMIT_BO_WRITE } };
   struct ws_submit_cmd cmds[] = {
      { MSM_SUBMIT_CMD_BUF, 0, 0, n1 * 4 },
      { MSM_SUBMIT_CMD_BUF, 0, n1 * 4, n2 * 4 },
   };
   struct ws_submit s = { 0, 0, 2, bos, 2, cmds, 0 };

   assert_int_equal(ws_bo_upload(cs_bo, 0, cs, (n1 + n2) * 4), 0);
   assert_int_equal(ws_submit(t->dev, &s), 0);
   assert_int_equal(ws_fence_wait(t->dev, 0, s.fence, SEC), 0);
   assert_int_equal(read32(dst, 0), 2);
   ws_bo_free(dst);
   ws_bo_free(cs_bo);
}

void
test_fences_in_order(void **state)
{
   NEEDS(WS_LACKS_EXEC);
   struct t *t = *state;
   struct ws_bo *dst = new_bo(t->dev, 4096, MSM_BO_WC);
   uint32_t f[8];

   for (int i = 0; i < 8; i++) {
      f[i] = write_value(t->dev, 0, dst, 4 * i, 100 + i, 200000);
      if (i)
         assert_true((int32_t)(f[i] - f[i - 1]) > 0);
   }
   /* The last fence retiring means every earlier one did: same ring. */
   assert_int_equal(ws_fence_wait(t->dev, 0, f[7], SEC), 0);
   for (int i = 0; i < 8; i++) {
      assert_int_equal(ws_fence_wait(t->dev, 0, f[i], 0), 0);
      assert_int_equal(read32(dst, 4 * i), 100 + i);
   }
   ws_bo_free(dst);
}

void
test_fence_wait_timeout(void **state)
{
   NEEDS(WS_LACKS_EXEC);
   struct t *t = *state;
   struct ws_bo *dst = new_bo(t->dev, 4096, MSM_BO_WC);
   uint32_t f = write_value(t->dev, 0, dst, 0, 5, 300 * MS);

   assert_int_equal(ws_fence_wait(t->dev, 0, f, 0), -ETIMEDOUT);
   assert_int_equal(ws_fence_wait(t->dev, 0, f, 1 * MS), -ETIMEDOUT);
   assert_int_equal(ws_fence_wait(t->dev, 0, f, 5 * SEC), 0);
   assert_int_equal(read32(dst, 0), 5);
   ws_bo_free(dst);
}

void
test_fence_wait_invalid(void **state)
{
   NEEDS(WS_LACKS_ERRNO);
   struct t *t = *state;
   struct ws_bo *dst = new_bo(t->dev, 4096, MSM_BO_WC);
   uint32_t f = write_value(t->dev, 0, dst, 0, 5, 0);

   /* A fence not handed out yet. */
   assert_int_equal(ws_fence_wait(t->dev, 0, f + 1000, 0), -EINVAL);
   /* A queue that does not exist. */
   assert_int_equal(ws_fence_wait(t->dev, 4242, 1, 0), -ENOENT);
   assert_int_equal(ws_fence_wait(t->dev, 0, f, SEC), 0);
   ws_bo_free(dst);
}

void
test_cpu_prep(void **state)
{
   NEEDS(WS_LACKS_EXEC);
   struct t *t = *state;
   struct ws_bo *dst = new_bo(t->dev, 4096, MSM_BO_WC);
   uint32_t f;

   assert_int_equal(ws_bo_cpu_prep(dst, MSM_PREP_READ, 0), 0);
   f = write_value(t->dev, 0, dst, 0, 9, 300 * MS);
   /* The GPU is writing it: no time given -> EBUSY, too little -> ETIMEDOUT.
    * "Too little" must still be left when the request reaches the kernel
    * (or host): a deadline already past there is EBUSY, so give it more
    * than a loaded machine's round trip and less than the GPU's 300 ms. */
   assert_int_equal(ws_bo_cpu_prep(dst, MSM_PREP_READ | MSM_PREP_NOSYNC, 0), -EBUSY);
   assert_int_equal(ws_bo_cpu_prep(dst, MSM_PREP_READ, 100 * MS), -ETIMEDOUT);
   assert_int_equal(ws_bo_cpu_prep(dst, MSM_PREP_WRITE, 5 * SEC), 0);
   assert_int_equal(read32(dst, 0), 9);
   assert_int_equal(ws_bo_cpu_fini(dst), 0);
   assert_int_equal(ws_fence_wait(t->dev, 0, f, 0), 0);
   ws_bo_free(dst);
}

void
test_cpu_prep_read_of_gpu_read(void **state)
{
   NEEDS(WS_LACKS_EXEC);
   struct t *t = *state;
   struct ws_bo *src = new_bo(t->dev, 4096, MSM_BO_WC);
   struct ws_bo *dst = new_bo(t->dev, 4096, MSM_BO_WC);
   struct ws_bo *cs_bo = new_bo(t->dev, 4096, MSM_BO_WC);
   uint32_t cs[16], v = 3;
   unsigned n = pm4_emit_delay(cs, 300 * MS);
   n += pm4_emit_mem_write(cs + n, dst->iova, &v, 1);
   struct ws_submit_bo bos[] = { { cs_bo, MSM_SUBMIT_BO_READ },
                                 { src, MSM_SUBMIT_BO_READ },
                                 { dst, MSM_SUBMIT_BO_WRITE } };
   struct ws_submit_cmd cmd = { MSM_SUBMIT_CMD_BUF, 0, 0, n * 4 };
   struct ws_submit s = { 0, 0, 3, bos, 1, &cmd, 0 };

   assert_int_equal(ws_bo_upload(cs_bo, 0, cs, n * 4), 0);
   assert_int_equal(ws_submit(t->dev, &s), 0);
   /* Readers don't block CPU reads; they do block CPU writes. */
   assert_int_equal(ws_bo_cpu_prep(src, MSM_PREP_READ | MSM_PREP_NOSYNC, 0), 0);
   assert_int_equal(ws_bo_cpu_prep(src, MSM_PREP_WRITE | MSM_PREP_NOSYNC, 0), -EBUSY);
   assert_int_equal(ws_fence_wait(t->dev, 0, s.fence, 5 * SEC), 0);
   assert_int_equal(ws_bo_cpu_prep(src, MSM_PREP_WRITE | MSM_PREP_NOSYNC, 0), 0);
   ws_bo_free(src);
   ws_bo_free(dst);
   ws_bo_free(cs_bo);
}

void
test_cpu_prep_bad_op(void **state)
{
   NEEDS(WS_LACKS_ERRNO);
   struct t *t = *state;
   struct ws_bo *bo = new_bo(t->dev, 4096, MSM_BO_WC);
   assert_int_equal(ws_bo_cpu_prep(bo, 0x80, 0), -EINVAL);
   ws_bo_free(bo);
}

void
test_submit_bad_cmds(void **state)
{
   NEEDS(WS_LACKS_ERRNO);
   struct t *t = *state;
   struct ws_bo *cs_bo = new_bo(t->dev, 4096, MSM_BO_WC);
   struct ws_submit_bo bos[] = { { cs_bo, MSM_SUBMIT_BO_READ } };
   struct ws_submit_cmd cmd;
   struct ws_submit s = { 0, 0, 1, bos, 1, &cmd, 0 };
   uint32_t nop[4];
   unsigned n = pm4_emit_nop(nop, NULL, 0);

   assert_int_equal(ws_bo_upload(cs_bo, 0, nop, n * 4), 0);
   cmd = (struct ws_submit_cmd){ MSM_SUBMIT_CMD_BUF, 0, 4096 - 4, 8 };
   assert_int_equal(ws_submit(t->dev, &s), -EINVAL); /* past the BO's end */
   cmd = (struct ws_submit_cmd){ MSM_SUBMIT_CMD_BUF, 0, 0, 0 };
   assert_int_equal(ws_submit(t->dev, &s), -EINVAL); /* empty */
   cmd = (struct ws_submit_cmd){ MSM_SUBMIT_CMD_BUF, 0, 0, 6 };
   assert_int_equal(ws_submit(t->dev, &s), -EINVAL); /* not dwords */
   cmd = (struct ws_submit_cmd){ 0x99, 0, 0, 4 };
   assert_int_equal(ws_submit(t->dev, &s), -EINVAL); /* unknown type */
   cmd = (struct ws_submit_cmd){ MSM_SUBMIT_CMD_BUF, 0, 0, 4 };
   bos[0].flags = 0;
   assert_int_equal(ws_submit(t->dev, &s), -EINVAL); /* neither READ nor WRITE */
   bos[0].flags = MSM_SUBMIT_BO_READ | 0x100;
   assert_int_equal(ws_submit(t->dev, &s), -EINVAL); /* unknown BO flag */
   bos[0].flags = MSM_SUBMIT_BO_READ;
   s.queue = 999;
   assert_int_equal(ws_submit(t->dev, &s), -ENOENT);
   s.queue = 0;
   s.flags = 0x00001000; /* not an MSM_SUBMIT_ flag */
   assert_int_equal(ws_submit(t->dev, &s), -EINVAL);
   s.flags = 0;
   cmd.type = MSM_SUBMIT_CMD_IB_TARGET_BUF;
   assert_int_equal(ws_submit(t->dev, &s), 0);
   assert_int_equal(ws_fence_wait(t->dev, 0, s.fence, SEC), 0);
   ws_bo_free(cs_bo);
}

void
test_submit_duplicate_bo(void **state)
{
   NEEDS(WS_LACKS_ERRNO);
   struct t *t = *state;
   struct ws_bo *cs_bo = new_bo(t->dev, 4096, MSM_BO_WC);
   struct ws_submit_bo bos[] = { { cs_bo, MSM_SUBMIT_BO_READ },
                                 { cs_bo, MSM_SUBMIT_BO_WRITE } };
   struct ws_submit_cmd cmd = { MSM_SUBMIT_CMD_BUF, 0, 0, 4 };
   struct ws_submit s = { 0, 0, 2, bos, 1, &cmd, 0 };
   uint32_t nop[2];
   pm4_emit_nop(nop, NULL, 0);
   assert_int_equal(ws_bo_upload(cs_bo, 0, nop, 4), 0);
   assert_int_equal(ws_submit(t->dev, &s), -EINVAL);
   ws_bo_free(cs_bo);
}

void
test_submit_empty(void **state)
{
   struct t *t = *state;
   struct ws_submit s = { 0 };
   /* A submit with no commands is a plain fence. */
   assert_int_equal(ws_submit(t->dev, &s), 0);
   assert_int_equal(ws_fence_wait(t->dev, 0, s.fence, SEC), 0);
}

void
test_fault_unmapped(void **state)
{
   NEEDS(WS_LACKS_FAULT);
   struct t *t = *state;
   struct ws_bo *dst = new_bo(t->dev, 4096, MSM_BO_WC);
   uint32_t cs[16], v = 1, fence, faults = 99;
   uint64_t start, gfaults;
   unsigned n;

   ws_get_param(t->dev, MSM_PARAM_VA_START, &start);
   n = pm4_emit_mem_write(cs, start + (3ull << 30), &v, 1); /* nothing there */
   assert_int_equal(submit_cs(t->dev, 0, cs, n, &dst, 1, &fence, NULL), 0);
   /* A fault is the GPU's problem, not the host's: the fence still signals. */
   assert_int_equal(ws_fence_wait(t->dev, 0, fence, SEC), 0);
   assert_int_equal(ws_submitqueue_faults(t->dev, 0, &faults), 0);
   assert_int_equal(faults, 1);
   assert_int_equal(ws_get_param(t->dev, MSM_PARAM_FAULTS, &gfaults), 0);
   assert_int_equal(gfaults, 1);
   /* The GPU still works afterwards. */
   fence = write_value(t->dev, 0, dst, 0, 42, 0);
   assert_int_equal(ws_fence_wait(t->dev, 0, fence, SEC), 0);
   assert_int_equal(read32(dst, 0), 42);
   ws_bo_free(dst);
}

void
test_fault_readonly(void **state)
{
   NEEDS(WS_LACKS_FAULT);
   struct t *t = *state;
   struct ws_bo *ro = new_bo(t->dev, 4096, MSM_BO_WC | MSM_BO_GPU_READONLY);
   uint32_t f = write_value(t->dev, 0, ro, 0, 0x5555, 0), faults = 0;

   assert_int_equal(ws_fence_wait(t->dev, 0, f, SEC), 0);
   assert_int_equal(read32(ro, 0), 0);
   assert_int_equal(ws_submitqueue_faults(t->dev, 0, &faults), 0);
   assert_int_equal(faults, 1);
   ws_bo_free(ro);
}

void
test_contexts_isolated(void **state)
{
   NEEDS(WS_LACKS_EXEC | WS_LACKS_FAULT);
   struct t *t = *state;
   struct ws_dev *other;
   struct ws_bo *mine = new_bo(t->dev, 4096, MSM_BO_WC);
   struct ws_bo *theirs;
   uint32_t f, faults = 0;

   assert_int_equal(F->open(fixture, &other), 0);
   theirs = new_bo(other, 4096, MSM_BO_WC);
   /* Same iova in another address space is another BO, or nothing. */
   uint32_t cs[8], v = 0xbad;
   unsigned n = pm4_emit_mem_write(cs, mine->iova, &v, 1);
   assert_int_equal(submit_cs(other, 0, cs, n, &theirs, 1, &f, NULL), 0);
   assert_int_equal(ws_fence_wait(other, 0, f, SEC), 0);
   assert_int_equal(read32(mine, 0), 0);
   /* Our queue saw no fault. */
   assert_int_equal(ws_submitqueue_faults(t->dev, 0, &faults), 0);
   assert_int_equal(faults, 0);
   ws_bo_free(theirs);
   ws_close(other);
   ws_bo_free(mine);
}

/* ---- submit queues --------------------------------------------------- */

void
test_submitqueues(void **state)
{
   NEEDS(WS_LACKS_EXEC);
   struct t *t = *state;
   uint32_t q1, q2, f, faults = 7;
   struct ws_bo *dst = new_bo(t->dev, 4096, MSM_BO_WC);

   assert_int_equal(ws_submitqueue_new(t->dev, 0, 0, &q1), 0);
   assert_int_equal(ws_submitqueue_new(t->dev, 2, 0, &q2), 0);
   assert_int_not_equal(q1, q2);
   assert_int_equal(ws_submitqueue_faults(t->dev, q1, &faults), 0);
   assert_int_equal(faults, 0);
   f = write_value(t->dev, q2, dst, 0, 11, 0);
   assert_int_equal(ws_fence_wait(t->dev, q2, f, SEC), 0);
   assert_int_equal(read32(dst, 0), 11);
   assert_int_equal(ws_submitqueue_close(t->dev, q1), 0);
   assert_int_equal(ws_submitqueue_close(t->dev, q1), -ENOENT);
   assert_int_equal(ws_submitqueue_faults(t->dev, q1, &faults), -ENOENT);
   assert_int_equal(ws_submitqueue_close(t->dev, q2), 0);
   ws_bo_free(dst);
}

void
test_submitqueue_errors(void **state)
{
   NEEDS(WS_LACKS_ERRNO);
   struct t *t = *state;
   uint32_t id;
   assert_int_equal(ws_submitqueue_new(t->dev, 3, 0, &id), -EINVAL);
   assert_int_equal(ws_submitqueue_new(t->dev, 0, 1, &id), -EINVAL);
   assert_int_equal(ws_submitqueue_close(t->dev, 0), -ENOENT); /* default queue */
   assert_int_equal(ws_submitqueue_close(t->dev, 12345), -ENOENT);
}

void
test_submit_closed_queue(void **state)
{
   NEEDS(WS_LACKS_ERRNO);
   struct t *t = *state;
   struct ws_bo *dst = new_bo(t->dev, 4096, MSM_BO_WC);
   uint32_t q, cs[8], v = 1, f;
   unsigned n = pm4_emit_mem_write(cs, dst->iova, &v, 1);

   assert_int_equal(ws_submitqueue_new(t->dev, 1, 0, &q), 0);
   assert_int_equal(ws_submitqueue_close(t->dev, q), 0);
   assert_int_equal(submit_cs(t->dev, q, cs, n, &dst, 1, &f, NULL), -ENOENT);
   ws_bo_free(dst);
}

void
test_queue_close_with_work_in_flight(void **state)
{
   NEEDS(WS_LACKS_EXEC);
   struct t *t = *state;
   struct ws_bo *dst = new_bo(t->dev, 4096, MSM_BO_WC);
   uint32_t q;

   assert_int_equal(ws_submitqueue_new(t->dev, 1, 0, &q), 0);
   write_value(t->dev, q, dst, 0, 66, 50 * MS);
   assert_int_equal(ws_submitqueue_close(t->dev, q), 0);
   /* The work still runs to completion. */
   assert_int_equal(ws_bo_cpu_prep(dst, MSM_PREP_READ, 5 * SEC), 0);
   assert_int_equal(read32(dst, 0), 66);
   ws_bo_free(dst);
}

/* ---- madvise --------------------------------------------------------- */

