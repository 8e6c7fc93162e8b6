/*
 * test_ws_count.c - the counting decorator over a scripted inner device:
 * every call reaches the inner device with the inner BOs, is counted once,
 * is charged exactly the inner device's stats delta around it (attribution),
 * and the caller's BOs mirror the inner ones.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ws_count.h"

/* ------------------------------------------------ a scripted inner device */

struct fake {
   struct ws_dev base;
   struct ws_stats st;          /* every call sends 1 message of 10 bytes,
                                 * and waits for a reply when it is sync */
   uint32_t next_handle;
   const struct ws_bo *seen[8]; /* the last submit's BO list */
   uint32_t seen_nr;
   bool closed;
   char map_mem[64];
};

static struct fake *to_fake(struct ws_dev *d) { return (struct fake *)d; }

static void
traffic(struct ws_dev *d, bool sync)
{
   to_fake(d)->st.messages++;
   to_fake(d)->st.bytes += 10;
   to_fake(d)->st.sync_round_trips += sync;
}

static void fake_close(struct ws_dev *d) { to_fake(d)->closed = true; }
static int fake_get_param(struct ws_dev *d, uint32_t p, uint64_t *v)
{ traffic(d, true); *v = p * 2; return 0; }
static int fake_set_debuginfo(struct ws_dev *d, const char *a, const char *b)
{ (void)a; (void)b; traffic(d, false); return 0; }

static int
fake_bo_new(struct ws_dev *d, uint64_t size, uint32_t flags, struct ws_bo **out)
{
   struct ws_bo *bo;

   traffic(d, true);
   if (size == 0)
      return -EINVAL;
   bo = calloc(1, sizeof(*bo));
   *bo = (struct ws_bo){ .dev = d, .handle = ++to_fake(d)->next_handle,
                         .flags = flags, .size = size };
   bo->iova = 0x100000ull * bo->handle;
   *out = bo;
   return 0;
}

static void fake_bo_free(struct ws_bo *bo) { traffic(bo->dev, false); free(bo); }
static int fake_bo_map(struct ws_bo *bo, void **ptr)
{ traffic(bo->dev, true); bo->map = to_fake(bo->dev)->map_mem; *ptr = bo->map; return 0; }
static int fake_bo_upload(struct ws_bo *bo, uint64_t o, const void *s, uint64_t l)
{ (void)o; (void)s; (void)l; traffic(bo->dev, false); return 0; }
static int fake_bo_cpu_prep(struct ws_bo *bo, uint32_t op, int64_t t)
{ (void)op; (void)t; traffic(bo->dev, true); return -EBUSY; }
static int fake_bo_cpu_fini(struct ws_bo *bo) { traffic(bo->dev, false); return 0; }
static int fake_bo_set_name(struct ws_bo *bo, const char *n)
{ (void)n; traffic(bo->dev, false); return 0; }
static int fake_bo_madvise(struct ws_bo *bo, uint32_t m, uint32_t *r)
{ (void)m; traffic(bo->dev, true); if (r) *r = 1; return 0; }
static int fake_queue_new(struct ws_dev *d, uint32_t p, uint32_t f, uint32_t *id)
{ (void)p; (void)f; traffic(d, true); *id = 7; return 0; }
static int fake_queue_close(struct ws_dev *d, uint32_t id)
{ (void)id; traffic(d, false); return 0; }
static int fake_queue_faults(struct ws_dev *d, uint32_t id, uint32_t *f)
{ (void)id; traffic(d, true); *f = 0; return 0; }

static int
fake_submit(struct ws_dev *d, struct ws_submit *s)
{
   struct fake *f = to_fake(d);

   traffic(d, true);
   f->seen_nr = s->nr_bos;
   for (uint32_t i = 0; i < s->nr_bos && i < 8; i++)
      f->seen[i] = s->bos[i].bo;
   s->fence = 42;
   return 0;
}

static int fake_fence_wait(struct ws_dev *d, uint32_t q, uint32_t f, int64_t t)
{ (void)q; (void)f; (void)t; traffic(d, true); return 0; }
static int fake_flush(struct ws_dev *d) { traffic(d, false); return 0; }
static void fake_get_stats(struct ws_dev *d, struct ws_stats *st)
{ *st = to_fake(d)->st; }

static const struct ws_ops fake_ops = {
   .name = "fake", .close = fake_close, .get_param = fake_get_param,
   .set_debuginfo = fake_set_debuginfo, .bo_new = fake_bo_new,
   .bo_free = fake_bo_free, .bo_map = fake_bo_map,
   .bo_upload = fake_bo_upload, .bo_cpu_prep = fake_bo_cpu_prep,
   .bo_cpu_fini = fake_bo_cpu_fini, .bo_set_name = fake_bo_set_name,
   .bo_madvise = fake_bo_madvise, .submitqueue_new = fake_queue_new,
   .submitqueue_close = fake_queue_close,
   .submitqueue_faults = fake_queue_faults, .submit = fake_submit,
   .fence_wait = fake_fence_wait, .flush = fake_flush,
   .get_stats = fake_get_stats,
};

/* Opening costs one sync round trip, like HELLO. */
static int
fake_open(void *arg, struct ws_dev **out)
{
   struct fake *f = arg;

   if (!f)
      return -ENODEV;
   memset(f, 0, sizeof(*f));
   f->base.ops = &fake_ops;
   traffic(&f->base, true);
   *out = &f->base;
   return 0;
}

static unsigned hook_calls;
static void hook(void *arg) { assert_ptr_equal(arg, &hook_calls); hook_calls++; }

/* ------------------------------------------------------------------ tests */

static void
test_forwards_and_counts(void **state)
{
   struct ws_counters c;
   struct fake f;
   struct ws_dev *dev;
   struct ws_bo *a, *b;
   uint64_t v;
   uint32_t u;
   void *map;

   (void)state;
   hook_calls = 0;
   ws_counters_init(&c, false, hook, &hook_calls);
   assert_int_equal(ws_count_open(&c, fake_open, &f, &dev), 0);
   assert_ptr_not_equal(dev, &f.base);
   assert_int_equal(c.op[WS_OP_OPEN].calls, 1);
   assert_int_equal(hook_calls, 0); /* open is not a driver call */

   assert_int_equal(ws_get_param(dev, 21, &v), 0);
   assert_int_equal(v, 42);
   assert_int_equal(ws_bo_new(dev, 4096, MSM_BO_WC, &a), 0);
   assert_int_equal(ws_bo_new(dev, 0, 0, &b), -EINVAL); /* errors pass */
   assert_int_equal(ws_bo_new(dev, 8192, MSM_BO_CACHED, &b), 0);
   /* The caller's BOs are the decorator's, with the inner fields. */
   assert_ptr_equal(a->dev, dev);
   assert_int_equal(a->handle, 1);
   assert_int_equal(b->handle, 2);
   assert_int_equal(a->iova, 0x100000);
   assert_int_equal(b->size, 8192);
   assert_int_equal(b->flags, MSM_BO_CACHED);
   assert_null(a->map);
   assert_int_equal(ws_bo_map(a, &map), 0);
   assert_ptr_equal(map, f.map_mem);
   assert_ptr_equal(a->map, f.map_mem);

   {
      struct ws_submit_bo list[2] = { { b, MSM_SUBMIT_BO_READ },
                                      { a, MSM_SUBMIT_BO_WRITE } };
      struct ws_submit_cmd cmd = { MSM_SUBMIT_CMD_BUF, 0, 0, 16 };
      struct ws_submit s = { .nr_bos = 2, .bos = list, .nr_cmds = 1,
                             .cmds = &cmd };

      assert_int_equal(ws_submit(dev, &s), 0);
      assert_int_equal(s.fence, 42);
      assert_int_equal(f.seen_nr, 2);
      /* The inner device got its own BOs, in order. */
      assert_ptr_equal(f.seen[0]->dev, &f.base);
      assert_int_equal(f.seen[0]->handle, 2);
      assert_int_equal(f.seen[1]->handle, 1);
      assert_ptr_equal(list[0].bo, b); /* the caller's list is untouched */
   }
   assert_int_equal(ws_bo_cpu_prep(a, MSM_PREP_READ, 0), -EBUSY);
   assert_int_equal(ws_bo_cpu_fini(a), 0);
   assert_int_equal(ws_bo_madvise(a, MSM_MADV_WILLNEED, &u), 0);
   assert_int_equal(u, 1);
   assert_int_equal(ws_submitqueue_new(dev, 1, 0, &u), 0);
   assert_int_equal(u, 7);
   assert_int_equal(ws_flush(dev), 0);
   ws_bo_free(a);
   ws_bo_free(b);

   assert_int_equal(c.op[WS_OP_GET_PARAM].calls, 1);
   assert_int_equal(c.op[WS_OP_BO_NEW].calls, 3);
   assert_int_equal(c.op[WS_OP_BO_MAP].calls, 1);
   assert_int_equal(c.op[WS_OP_SUBMIT].calls, 1);
   assert_int_equal(c.op[WS_OP_CPU_PREP].calls, 1);
   assert_int_equal(c.op[WS_OP_BO_FREE].calls, 2);
   assert_int_equal(c.op[WS_OP_FLUSH].calls, 1);
   /* Counting only: nothing attributed. */
   assert_int_equal(c.op[WS_OP_SUBMIT].messages, 0);
   /* One hook call per driver call. */
   assert_int_equal(hook_calls, 13);

   ws_close(dev);
   assert_true(f.closed);
   assert_int_equal(c.op[WS_OP_CLOSE].calls, 1);
   assert_null(c.live);
}

static void
test_attribution(void **state)
{
   struct ws_counters c;
   struct ws_stats st;
   struct fake f;
   struct ws_dev *dev;
   struct ws_bo *a;
   uint64_t v;

   (void)state;
   ws_counters_init(&c, true, NULL, NULL);
   assert_int_equal(ws_count_open(&c, fake_open, &f, &dev), 0);
   /* The open's own traffic is the open's. */
   assert_int_equal(c.op[WS_OP_OPEN].sync_round_trips, 1);
   assert_int_equal(c.op[WS_OP_OPEN].messages, 1);
   assert_int_equal(ws_get_param(dev, 1, &v), 0);
   assert_int_equal(ws_get_param(dev, 2, &v), 0);
   assert_int_equal(ws_bo_new(dev, 4096, 0, &a), 0);
   assert_int_equal(ws_bo_upload(a, 0, "x", 1), 0);
   ws_bo_free(a);
   assert_int_equal(c.op[WS_OP_GET_PARAM].sync_round_trips, 2);
   assert_int_equal(c.op[WS_OP_GET_PARAM].messages, 2);
   assert_int_equal(c.op[WS_OP_GET_PARAM].bytes, 20);
   assert_int_equal(c.op[WS_OP_BO_UPLOAD].sync_round_trips, 0);
   assert_int_equal(c.op[WS_OP_BO_UPLOAD].messages, 1);
   assert_int_equal(c.op[WS_OP_BO_FREE].messages, 1);

   /* Stats add up over devices, closed ones included. */
   ws_counters_stats(&c, &st);
   assert_int_equal(st.messages, 6);
   ws_close(dev);
   assert_int_equal(ws_count_open(&c, fake_open, &f, &dev), 0);
   assert_int_equal(ws_get_param(dev, 1, &v), 0);
   ws_counters_stats(&c, &st);
   assert_int_equal(st.messages, 6 + 2);
   assert_int_equal(st.sync_round_trips, 4 + 2);
   assert_int_equal(c.op[WS_OP_OPEN].calls, 2);
   assert_int_equal(c.op[WS_OP_OPEN].sync_round_trips, 2);
   ws_close(dev);
   ws_counters_stats(&c, &st);
   assert_int_equal(st.messages, 8);
}

static void
test_failed_open_counted(void **state)
{
   struct ws_counters c;
   struct ws_dev *dev = NULL;

   (void)state;
   ws_counters_init(&c, true, NULL, NULL);
   assert_int_equal(ws_count_open(&c, fake_open, NULL, &dev), -ENODEV);
   assert_null(dev);
   assert_int_equal(c.op[WS_OP_OPEN].calls, 1);
   assert_null(c.live);
}

/* A BO of another device has no inner BO here: refused, never forwarded. */
static void
test_foreign_bo_refused(void **state)
{
   struct ws_counters c1, c2;
   struct fake f1, f2;
   struct ws_dev *d1, *d2;
   struct ws_bo *mine, *theirs;

   (void)state;
   ws_counters_init(&c1, false, NULL, NULL);
   ws_counters_init(&c2, false, NULL, NULL);
   assert_int_equal(ws_count_open(&c1, fake_open, &f1, &d1), 0);
   assert_int_equal(ws_count_open(&c2, fake_open, &f2, &d2), 0);
   assert_int_equal(ws_bo_new(d1, 4096, 0, &mine), 0);
   assert_int_equal(ws_bo_new(d2, 4096, 0, &theirs), 0);
   {
      struct ws_submit_bo list[2] = { { mine, 0 }, { theirs, 0 } };
      struct ws_submit s = { .nr_bos = 2, .bos = list };
      uint64_t before = f1.st.messages;

      assert_int_equal(ws_submit(d1, &s), -EINVAL);
      assert_int_equal(f1.st.messages, before);
      list[1].bo = NULL;
      assert_int_equal(ws_submit(d1, &s), -EINVAL);
      assert_int_equal(f1.st.messages, before);
      assert_int_equal(c1.op[WS_OP_SUBMIT].calls, 2);
   }
   ws_bo_free(mine);
   ws_bo_free(theirs);
   ws_close(d1);
   ws_close(d2);
}

static void
test_op_names(void **state)
{
   (void)state;
   assert_string_equal(ws_op_name(WS_OP_BO_NEW), "bo_new");
   assert_string_equal(ws_op_name(WS_OP_QUEUE_FAULTS), "submitqueue_faults");
   assert_string_equal(ws_op_name(WS_OP_COUNT), "?");
   for (unsigned i = 0; i < WS_OP_COUNT; i++)
      assert_non_null(ws_op_info(i)->name);
}

int
main(void)
{
   const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_forwards_and_counts),
      cmocka_unit_test(test_attribution),
      cmocka_unit_test(test_failed_open_counted),
      cmocka_unit_test(test_foreign_bo_refused),
      cmocka_unit_test(test_op_names),
   };
   return cmocka_run_group_tests(tests, NULL, NULL);
}
