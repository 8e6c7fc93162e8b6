/*
 * test_nc_roundtrips.c - what nativectx's hot paths cost in messages and
 * round trips, counted by the transport (ws_get_stats per context).
 *
 * The claims: a steady-state frame loop (BOs from a small cache, upload,
 * submit, throttle on fence N-2) makes no synchronous round trip; neither
 * does a fence wait, creating a BO and using its iova in a submit, mapping
 * a new BO, or CPU access to an idle BO.  Timings at a modelled 100 us RTT
 * are printed next to host-direct's, never asserted.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "msm_core.h"
#include "nc_channel.h"
#include "nc_guest.h"
#include "nc_test_util.h"
#include "pm4.h"
#include "ws.h"

#define SEC 1000000000ll
#define CACHE 4
#define MAX_FRAMES 1024

struct env {
   struct msm_core *core;
   struct ws_dev *dev;
};

static int
env_open(struct env *e, uint32_t rtt_us, const struct nc_options *opts)
{
   struct msm_core_config cfg;
   struct nc_channel_config ccfg = { .rtt_us = rtt_us };

   msm_core_config_defaults(&cfg);
   if (msm_core_create(&cfg, &e->core))
      return -1;
   /* One device on its own channel: ws_close() closes both. */
   return ws_nativectx_open_loopback(e->core, &ccfg, opts, &e->dev);
}

static void
env_close(struct env *e)
{
   if (e->dev)
      ws_close(e->dev);
   msm_core_destroy(e->core);
}

static int
setup(void **state)
{
   static struct env e;
   memset(&e, 0, sizeof(e));
   if (env_open(&e, 0, NULL))
      return -1;
   *state = &e;
   return 0;
}

static int
teardown(void **state)
{
   env_close(*state);
   return 0;
}

static struct ws_bo *
new_bo(struct ws_dev *dev, uint64_t size)
{
   struct ws_bo *bo = NULL;
   assert_int_equal(ws_bo_new(dev, size, MSM_BO_WC, &bo), 0);
   return bo;
}

static struct ws_stats
stats(struct ws_dev *dev)
{
   struct ws_stats st;
   ws_get_stats(dev, &st);
   return st;
}

/* ---- the frame loop -------------------------------------------------- */

struct frames {
   struct ws_bo *cache[CACHE]; /* command buffers, reused round robin */
   struct ws_bo *dst;
   uint32_t fence[MAX_FRAMES];
   uint64_t gpu_ns;            /* modelled GPU time per frame */
};

static void
frames_init(struct ws_dev *dev, struct frames *f, uint64_t gpu_ns)
{
   memset(f, 0, sizeof(*f));
   for (int i = 0; i < CACHE; i++)
      f->cache[i] = new_bo(dev, 4096);
   f->dst = new_bo(dev, 4096);
   f->gpu_ns = gpu_ns;
}

static void
frames_fini(struct ws_dev *dev, struct frames *f, int last)
{
   uint32_t *p;
   assert_int_equal(ws_fence_wait(dev, 0, f->fence[last], 5 * SEC), 0);
   assert_int_equal(ws_bo_map(f->dst, (void **)&p), 0);
   assert_int_equal(p[last % 64], (uint32_t)last);
   for (int i = 0; i < CACHE; i++)
      ws_bo_free(f->cache[i]);
   ws_bo_free(f->dst);
}

/* One frame: upload a command buffer into a cached BO, submit it, and
 * throttle on the fence of two frames ago (what a GL driver does). */
static void
frame(struct ws_dev *dev, struct frames *f, int i)
{
   struct ws_bo *cs = f->cache[i % CACHE];
   uint32_t buf[32], v = (uint32_t)i;
   unsigned n = 0;

   if (f->gpu_ns)
      n += pm4_emit_delay(buf + n, f->gpu_ns);
   n += pm4_emit_mem_write(buf + n, f->dst->iova + 4 * (i % 64), &v, 1);
   assert_int_equal(ws_bo_upload(cs, 0, buf, n * 4), 0);

   struct ws_submit_bo bos[] = { { cs, MSM_SUBMIT_BO_READ },
                                 { f->dst, MSM_SUBMIT_BO_WRITE } };
   struct ws_submit_cmd cmd = { MSM_SUBMIT_CMD_BUF, 0, 0, n * 4 };
   struct ws_submit s = { .queue = 0, .nr_bos = 2, .bos = bos,
                          .nr_cmds = 1, .cmds = &cmd };
   assert_int_equal(ws_submit(dev, &s), 0);
   f->fence[i] = s.fence;
   if (i >= 2)
      assert_int_equal(ws_fence_wait(dev, 0, f->fence[i - 2], 5 * SEC), 0);
}

static uint64_t
run_frames(struct ws_dev *dev, struct frames *f, int first, int n)
{
   uint64_t t0 = nc_now_ns();
   for (int i = first; i < first + n; i++)
      frame(dev, f, i);
   return nc_now_ns() - t0;
}

static void
test_frame_loop_no_round_trips(void **state)
{
   struct env *e = *state;
   struct frames f;

   frames_init(e->dev, &f, 20000);
   run_frames(e->dev, &f, 0, 10); /* warm-up */
   struct ws_stats a = stats(e->dev);
   run_frames(e->dev, &f, 10, 100);
   struct ws_stats b = stats(e->dev);

   printf("# nativectx frame loop: %.2f messages, %.2f events, %.0f bytes, "
          "%.2f sync round trips per frame\n",
          (b.messages - a.messages) / 100.0, (b.events - a.events) / 100.0,
          (b.bytes - a.bytes) / 100.0,
          (b.sync_round_trips - a.sync_round_trips) / 100.0);
   assert_int_equal(b.sync_round_trips - a.sync_round_trips, 0);
   /* One EXECBUFFER per frame: the submit. */
   assert_int_equal(b.messages - a.messages, 100);
   frames_fini(e->dev, &f, 109);
}

static void
test_fence_wait_no_round_trip(void **state)
{
   struct env *e = *state;
   struct frames f;

   frames_init(e->dev, &f, 2000000); /* 2 ms: the wait really sleeps */
   frame(e->dev, &f, 0);
   struct ws_stats a = stats(e->dev);
   assert_int_equal(ws_fence_wait(e->dev, 0, f.fence[0], 0), -ETIMEDOUT);
   assert_int_equal(ws_fence_wait(e->dev, 0, f.fence[0], 5 * SEC), 0);
   struct ws_stats b = stats(e->dev);

   assert_int_equal(b.sync_round_trips - a.sync_round_trips, 0);
   assert_int_equal(b.messages - a.messages, 0);
   /* It slept, so it asked for (exactly) the event that woke it. */
   assert_int_equal(b.events - a.events, 1);
   frames_fini(e->dev, &f, 0);
}

static void
test_new_bo_first_use_no_round_trip(void **state)
{
   struct env *e = *state;
   struct ws_stats a = stats(e->dev);
   struct ws_bo *cs = new_bo(e->dev, 4096), *dst = new_bo(e->dev, 8192);
   uint32_t buf[16], v = 0x600d, *p;
   unsigned n = pm4_emit_mem_write(buf, dst->iova + 4096, &v, 1);

   /* The iova is the guest's pick: usable before the host heard of it. */
   assert_int_equal(ws_bo_upload(cs, 0, buf, n * 4), 0);
   struct ws_submit_bo bos[] = { { cs, MSM_SUBMIT_BO_READ },
                                 { dst, MSM_SUBMIT_BO_WRITE } };
   struct ws_submit_cmd cmd = { MSM_SUBMIT_CMD_BUF, 0, 0, n * 4 };
   struct ws_submit s = { 0, 0, 2, bos, 1, &cmd, 0 };
   assert_int_equal(ws_submit(e->dev, &s), 0);
   assert_int_equal(ws_fence_wait(e->dev, 0, s.fence, 5 * SEC), 0);
   assert_int_equal(ws_bo_map(dst, (void **)&p), 0);
   assert_int_equal(p[1024], 0x600d);
   struct ws_stats b = stats(e->dev);

   assert_int_equal(b.sync_round_trips - a.sync_round_trips, 0);
   /* Both GEM_NEWs and the submit travel in one frame. */
   assert_int_equal(b.messages - a.messages, 1);
   ws_bo_free(cs);
   ws_bo_free(dst);
}

static void
test_map_new_bo_no_message(void **state)
{
   struct env *e = *state;
   struct ws_stats a = stats(e->dev);
   struct ws_bo *bo = new_bo(e->dev, 65536);
   uint8_t *p;

   assert_int_equal(ws_bo_map(bo, (void **)&p), 0);
   memset(p, 0x5a, 65536); /* ours to write before the host saw GEM_NEW */
   struct ws_stats b = stats(e->dev);
   assert_int_equal(b.sync_round_trips - a.sync_round_trips, 0);
   assert_int_equal(b.messages - a.messages, 0);
   ws_bo_free(bo);
}

static void
test_cpu_prep_idle_no_message(void **state)
{
   struct env *e = *state;
   struct frames f;

   frames_init(e->dev, &f, 0);
   frame(e->dev, &f, 0);
   assert_int_equal(ws_fence_wait(e->dev, 0, f.fence[0], 5 * SEC), 0);
   struct ws_stats a = stats(e->dev);
   /* The guest knows the BO's fences retired: nothing to ask. */
   assert_int_equal(ws_bo_cpu_prep(f.dst, MSM_PREP_WRITE, SEC), 0);
   assert_int_equal(ws_bo_cpu_prep(f.cache[0], MSM_PREP_READ | MSM_PREP_NOSYNC,
                                   0), 0);
   assert_int_equal(ws_bo_cpu_fini(f.dst), 0);
   struct ws_stats b = stats(e->dev);
   assert_int_equal(b.messages - a.messages, 0);
   assert_int_equal(b.sync_round_trips - a.sync_round_trips, 0);
   frames_fini(e->dev, &f, 0);
}

static void
test_params_from_capset(void **state)
{
   struct env *e = *state;
   const uint32_t fixed[] = { MSM_PARAM_GPU_ID, MSM_PARAM_CHIP_ID,
                              MSM_PARAM_GMEM_SIZE, MSM_PARAM_GMEM_BASE,
                              MSM_PARAM_MAX_FREQ, MSM_PARAM_PRIORITIES,
                              MSM_PARAM_VA_START, MSM_PARAM_VA_SIZE };
   uint64_t v;

   struct ws_stats a = stats(e->dev);
   for (unsigned i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
      assert_int_equal(ws_get_param(e->dev, fixed[i], &v), 0);
   struct ws_stats b = stats(e->dev);
   assert_int_equal(b.messages - a.messages, 0);

   /* The GPU clock needs the host: one round trip. */
   assert_int_equal(ws_get_param(e->dev, MSM_PARAM_TIMESTAMP, &v), 0);
   struct ws_stats c = stats(e->dev);
   assert_int_equal(c.sync_round_trips - b.sync_round_trips, 1);
   assert_int_equal(c.messages - b.messages, 1);
}

/* A new guest process on a VM whose channel is up: what it pays before its
 * first submit.  Context creation is one call (the host makes the
 * context's hostmem arena and says where); the shmem, the extensions, a
 * new submit queue (our id, our slot), the BOs (our iova, our storage) and
 * the submit itself then go together in one message, with no answer
 * awaited. */
static void
test_startup_round_trips(void **state)
{
   struct msm_core *core;
   struct msm_core_config cfg;
   struct nc_channel *ch;
   struct ws_dev *dev;
   struct ws_bo *cs, *dst;
   uint32_t q, buf[16], v = 0x57a7, *p;

   (void)state;
   msm_core_config_defaults(&cfg);
   assert_int_equal(msm_core_create(&cfg, &core), 0);
   assert_int_equal(nc_channel_loopback(core, NULL, &ch), 0);

   assert_int_equal(ws_nativectx_open_channel(ch, NULL, &dev), 0);
   struct ws_stats opened = stats(dev);
   assert_int_equal(ws_submitqueue_new(dev, 0, 0, &q), 0);
   cs = new_bo(dev, 4096);
   dst = new_bo(dev, 4096);
   unsigned n = pm4_emit_mem_write(buf, dst->iova, &v, 1);
   assert_int_equal(ws_bo_map(cs, (void **)&p), 0);
   memcpy(p, buf, n * 4);
   struct ws_submit_bo bos[] = { { cs, MSM_SUBMIT_BO_READ },
                                 { dst, MSM_SUBMIT_BO_WRITE } };
   struct ws_submit_cmd cmd = { MSM_SUBMIT_CMD_BUF, 0, 0, n * 4 };
   struct ws_submit s = { .queue = q, .nr_bos = 2, .bos = bos, .nr_cmds = 1,
                          .cmds = &cmd };
   assert_int_equal(ws_submit(dev, &s), 0);
   struct ws_stats submitted = stats(dev);

   printf("# startup: %llu sync round trips to open, %llu more before the "
          "first submit; %llu messages in all\n",
          (unsigned long long)opened.sync_round_trips,
          (unsigned long long)(submitted.sync_round_trips -
                               opened.sync_round_trips),
          (unsigned long long)submitted.messages);
   assert_int_equal(opened.sync_round_trips, 1);
   assert_int_equal(submitted.sync_round_trips, 1);
   assert_int_equal(submitted.messages - opened.messages, 1);

   /* And it all happened, in order, on the queue we named ourselves. */
   assert_int_equal(ws_fence_wait(dev, q, s.fence, 5 * SEC), 0);
   assert_int_equal(ws_bo_map(dst, (void **)&p), 0);
   assert_int_equal(p[0], 0x57a7);
   ws_bo_free(cs);
   ws_bo_free(dst);
   ws_close(dev);
   nc_channel_close(ch);
   msm_core_destroy(core);
}

/* Uploads as GEM_UPLOAD ccmds ride in the submit's batch: still one
 * message and no round trip per frame, just more bytes. */
static void
test_upload_ccmd_frame_loop(void **state)
{
   (void)state;
   struct nc_options opts = { .upload_ccmd = true };
   struct env e = { 0 };
   struct frames f;

   assert_int_equal(env_open(&e, 0, &opts), 0);
   frames_init(e.dev, &f, 20000);
   run_frames(e.dev, &f, 0, 10);
   struct ws_stats a = stats(e.dev);
   run_frames(e.dev, &f, 10, 100);
   struct ws_stats b = stats(e.dev);
   printf("# GEM_UPLOAD frame loop: %.2f messages, %.0f bytes, %.2f sync "
          "round trips per frame\n", (b.messages - a.messages) / 100.0,
          (b.bytes - a.bytes) / 100.0,
          (b.sync_round_trips - a.sync_round_trips) / 100.0);
   assert_int_equal(b.sync_round_trips - a.sync_round_trips, 0);
   assert_int_equal(b.messages - a.messages, 100);
   frames_fini(e.dev, &f, 109);
   env_close(&e);
}

/* The anchors poll the host for every fence wait: round trips per frame. */
static void
test_anchors_pay_round_trips(void **state)
{
   (void)state;
   struct nc_options opts = { .anchors_only = true };
   struct env e = { 0 };
   struct frames f;

   assert_int_equal(env_open(&e, 0, &opts), 0);
   frames_init(e.dev, &f, 20000);
   run_frames(e.dev, &f, 0, 10);
   struct ws_stats a = stats(e.dev);
   run_frames(e.dev, &f, 10, 100);
   struct ws_stats b = stats(e.dev);
   printf("# anchors-only frame loop: %.2f messages, %.2f sync round trips "
          "per frame\n", (b.messages - a.messages) / 100.0,
          (b.sync_round_trips - a.sync_round_trips) / 100.0);
   assert_true(b.sync_round_trips - a.sync_round_trips >= 100);
   frames_fini(e.dev, &f, 109);
   env_close(&e);
}

/* Per-frame time of the frame loop on dev, GPU time gpu_ns per frame. */
static uint64_t
frame_time(struct ws_dev *dev, uint64_t gpu_ns, struct ws_stats *delta)
{
   struct frames f;

   frames_init(dev, &f, gpu_ns);
   run_frames(dev, &f, 0, 10);
   struct ws_stats a = stats(dev);
   uint64_t t = run_frames(dev, &f, 10, 200);
   struct ws_stats b = stats(dev);
   frames_fini(dev, &f, 209);
   delta->messages = b.messages - a.messages;
   delta->sync_round_trips = b.sync_round_trips - a.sync_round_trips;
   delta->events = b.events - a.events;
   return t / 200;
}

/* With a modelled 100 us RTT a frame costs what it costs on host-direct
 * once the GPU work per frame exceeds the notification latency the N-2
 * throttle must hide (submit one way, completion back); one sync
 * GET_PARAM costs the RTT.  Only counts are asserted; times are printed. */
static void
test_latency_100us(void **state)
{
   (void)state;
   const uint64_t gpu[] = { 20000, 200000 };
   struct nc_options spin = { .spin_ns = 200000 };
   struct env e = { 0 }, es = { 0 };
   struct ws_dev *direct;
   struct ws_stats d;
   uint64_t v;

   assert_int_equal(env_open(&e, 100, NULL), 0);
   assert_int_equal(env_open(&es, 100, &spin), 0);
   assert_int_equal(ws_direct_open(e.core, &direct), 0);

   /* (On a 2-core machine the spinning guest competes with the host's
    * threads; the figure is for the evaluation to sweep, not a claim.) */
   for (unsigned i = 0; i < 2; i++) {
      uint64_t t_direct = frame_time(direct, gpu[i], &d);
      uint64_t t_spin = frame_time(es.dev, gpu[i], &d);
      assert_int_equal(d.sync_round_trips, 0);
      uint64_t t_nc = frame_time(e.dev, gpu[i], &d);
      assert_int_equal(d.sync_round_trips, 0);
      printf("# rtt 100 us, gpu %3lu us/frame: nativectx %.1f us/frame "
             "(%.2f events), with spin %.1f, host-direct %.1f\n",
             (unsigned long)(gpu[i] / 1000), t_nc / 1e3, d.events / 200.0,
             t_spin / 1e3, t_direct / 1e3);
   }

   struct ws_stats a = stats(e.dev);
   uint64_t t0 = nc_now_ns();
   assert_int_equal(ws_get_param(e.dev, MSM_PARAM_TIMESTAMP, &v), 0);
   uint64_t t_ts = nc_now_ns() - t0;
   struct ws_stats b = stats(e.dev);
   printf("# rtt 100 us: sync GET_PARAM(TIMESTAMP) %.1f us\n", t_ts / 1e3);
   assert_int_equal(b.sync_round_trips - a.sync_round_trips, 1);
   ws_close(direct);
   env_close(&es);
   env_close(&e);
}

int
main(void)
{
   const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_frame_loop_no_round_trips, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_fence_wait_no_round_trip, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_new_bo_first_use_no_round_trip,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_map_new_bo_no_message, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_cpu_prep_idle_no_message, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_params_from_capset, setup,
                                      teardown),
      cmocka_unit_test(test_startup_round_trips),
      cmocka_unit_test(test_upload_ccmd_frame_loop),
      cmocka_unit_test(test_anchors_pay_round_trips),
      cmocka_unit_test(test_latency_100us),
   };
   return cmocka_run_group_tests_name("nativectx-roundtrips", tests, NULL,
                                      NULL);
}
