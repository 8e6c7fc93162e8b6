/*
 * workloads.c - the workload table, shared helpers, and the three small
 * workloads (dispatch, readback, startup).  frame, alloc and trace have
 * files of their own.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "modes.h"
#include "pm4.h"
#include "workload.h"
#include "ws_pipe.h"

static const struct workload workloads[] = {
   { "frame", "frame",
     "GLES-like frame loop: per-frame streaming BOs from the BO cache, "
     "uploads, submits with a realistic BO list, throttled on frame N-2",
     0, wk_frame_run },
   { "alloc", "BO",
     "Allocation storm (level load): mixed-size BOs created, filled by "
     "mapping or upload, read back by the GPU, freed to the cache",
     0, wk_alloc_run },
   { "dispatch", "dispatch",
     "Compute-style: many small submits, each waited before the next",
     1, wk_dispatch_run },
   { "readback", "readback",
     "GPU writes a buffer, the CPU waits with CPU_PREP and reads it back "
     "through the mapping",
     1, wk_readback_run },
   { "startup", "start",
     "Fresh device: open, params, debuginfo, submitqueue, first BOs, "
     "first submit waited (time to first frame)",
     0, wk_startup_run },
   { "trace", "replay",
     "Replay of a recorded ws-level op trace (format: see "
     "'Trace format' in docs/evaluation.md)",
     0, wk_trace_run },
};

const struct workload *
workload_table(unsigned *count)
{
   *count = sizeof(workloads) / sizeof(workloads[0]);
   return workloads;
}

const struct workload *
workload_find(const char *name)
{
   for (unsigned i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++)
      if (!strcmp(workloads[i].name, name))
         return &workloads[i];
   return NULL;
}

/* The guest driver's own work per ws call (the virtual clock's cost model). */
static void
charge_guest_op(void *arg)
{
   (void)arg;
   vclock_charge(VC_GUEST_CPU, vclock_costs.guest_op_ns);
}

void
wk_counters_init(struct wk_run *r, struct ws_counters *c)
{
   ws_counters_init(c, r->attribute, charge_guest_op, NULL);
}

static int
open_mode(void *mode, struct ws_dev **out)
{
   return mode_open(mode, out);
}

int
wk_open(struct wk_run *r, struct ws_counters *c, struct ws_dev **out)
{
   return ws_count_open(c, open_mode, r->mode, out);
}

uint64_t
wk_now_ns(void)
{
   return vclock_now_ns();
}

void
wk_window_start(struct wk_window *win, struct ws_counters *c)
{
   win->c = c;
   ws_counters_stats(c, &win->st0);
   memcpy(win->op0, c->op, sizeof(win->op0));
   vclock_path_mark();
   win->t0 = wk_now_ns();
}

void
wk_window_stop(struct wk_window *win, uint64_t iters, struct wk_sample *out)
{
   uint64_t t1 = wk_now_ns();
   uint64_t path[VC_NCAT];
   struct ws_stats st;

   vclock_path(path);
   memcpy(out->path_ns, path, sizeof(out->path_ns));

   ws_counters_stats(win->c, &st);
   out->iters = iters;
   out->elapsed_ns = t1 - win->t0;
   out->st.messages = st.messages - win->st0.messages;
   out->st.bytes = st.bytes - win->st0.bytes;
   out->st.sync_round_trips = st.sync_round_trips -
                              win->st0.sync_round_trips;
   out->st.events = st.events - win->st0.events;
   for (unsigned i = 0; i < WS_OP_COUNT; i++) {
      const struct ws_op_count *a = &win->op0[i], *b = &win->c->op[i];

      out->op[i].calls = b->calls - a->calls;
      out->op[i].sync_round_trips = b->sync_round_trips - a->sync_round_trips;
      out->op[i].messages = b->messages - a->messages;
      out->op[i].bytes = b->bytes - a->bytes;
   }
}

void
wk_sample_add(struct wk_sample *acc, const struct wk_sample *s)
{
   acc->iters += s->iters;
   acc->elapsed_ns += s->elapsed_ns;
   acc->st.messages += s->st.messages;
   acc->st.bytes += s->st.bytes;
   acc->st.sync_round_trips += s->st.sync_round_trips;
   acc->st.events += s->st.events;
   for (unsigned c = 0; c < VC_NCAT; c++)
      acc->path_ns[c] += s->path_ns[c];
   for (unsigned i = 0; i < WS_OP_COUNT; i++) {
      acc->op[i].calls += s->op[i].calls;
      acc->op[i].sync_round_trips += s->op[i].sync_round_trips;
      acc->op[i].messages += s->op[i].messages;
      acc->op[i].bytes += s->op[i].bytes;
   }
}

int
wk_fail(struct wk_run *r, int ret, const char *fmt, ...)
{
   va_list ap;

   if (!r->err[0]) { /* the first failure is the interesting one */
      va_start(ap, fmt);
      vsnprintf(r->err, sizeof(r->err), fmt, ap);
      va_end(ap);
   }
   return ret < 0 ? ret : -EIO;
}

void
cpu_work_us(uint32_t us)
{
   /* Modelled application time.  Slept, not spun: on a small machine a
    * spinning thread steals the CPU of the sim's GPU thread (which the
    * scheduler tends to place next to its waker), and the evaluation would
    * measure that contention instead of the protocols. */
   if (us)
      vclock_wait_until(vclock_now_ns() + (uint64_t)us * 1000,
                        VC_GUEST_CPU);
}

void
wk_fill(void *dst, size_t len, uint32_t seed)
{
   uint32_t *d = dst, s = seed | 1;
   size_t n = len / 4;

   for (size_t i = 0; i < n; i++)
      d[i] = wk_rand(&s);
   if (len % 4) {
      uint32_t last = wk_rand(&s);
      memcpy((char *)dst + n * 4, &last, len % 4);
   }
}

/* ------------------------------------------------------------ dispatch */

#define RESULT_SLOTS 1024

int
wk_dispatch_run(struct wk_run *r, struct wk_sample *out)
{
   const struct dispatch_params *p = &r->prof->dispatch;
   struct ws_cache_bo **bos = NULL, *res = NULL;
   uint32_t *flags = NULL;
   volatile uint32_t *res_map;
   struct wk_window win;
   struct ws_bo_cache cache;
   struct ws_pipe pipe = { 0 };
   struct ws_counters cnt;
   struct ws_dev *dev;
   uint32_t nr = p->bos + 1;
   int ret;

   wk_counters_init(r, &cnt);
   ret = wk_open(r, &cnt, &dev);
   if (ret)
      return wk_fail(r, ret, "open: %s", strerror(-ret));
   ws_bo_cache_init(&cache, dev, true);
   bos = calloc(nr, sizeof(*bos));
   flags = calloc(nr, sizeof(*flags));
   if (!bos || !flags) {
      ret = wk_fail(r, -ENOMEM, "out of memory");
      goto out;
   }
   ret = ws_pipe_init(&pipe, &cache, false, 0);
   if (ret) {
      ret = wk_fail(r, ret, "pipe: %s", strerror(-ret));
      goto out;
   }
   /* The dispatch's inputs: uploaded once, read by every submit. */
   for (uint32_t i = 0; i < p->bos; i++) {
      static uint32_t data[1024];

      ret = ws_cache_bo_new(&cache, 65536, MSM_BO_WC, &bos[i]);
      if (!ret)
         ret = ws_bo_upload(bos[i]->bo, 0, data, sizeof(data));
      if (ret) {
         ret = wk_fail(r, ret, "input BO: %s", strerror(-ret));
         goto out;
      }
      flags[i] = MSM_SUBMIT_BO_READ;
   }
   ret = ws_cache_bo_new(&cache, RESULT_SLOTS * 4, MSM_BO_WC, &res);
   if (!ret)
      ret = ws_cache_bo_map(res, (void **)&res_map);
   if (ret) {
      ret = wk_fail(r, ret, "result BO: %s", strerror(-ret));
      goto out;
   }
   bos[p->bos] = res;
   flags[p->bos] = MSM_SUBMIT_BO_WRITE;

   for (uint32_t i = 0; i < r->warmup + r->iters; i++) {
      uint32_t cs[PM4_DELAY_DWORDS + PM4_MEM_WRITE_DWORDS(1)], n, v = i + 1;
      uint32_t slot = i % RESULT_SLOTS;
      struct ws_pipe_fence f;

      if (i == r->warmup)
         wk_window_start(&win, &cnt);
      n = pm4_emit_delay(cs, (uint64_t)p->gpu_us * 1000);
      n += pm4_emit_mem_write(cs + n, res->bo->iova + 4 * slot, &v, 1);
      ret = ws_pipe_submit(&pipe, cs, n, bos, flags, nr, &f);
      if (ret) {
         ret = wk_fail(r, ret, "dispatch %u: submit: %s", i, strerror(-ret));
         goto out;
      }
      ret = ws_pipe_wait(&pipe, &f, WK_TIMEOUT_NS);
      if (ret) {
         ret = wk_fail(r, ret, "dispatch %u: wait: %s", i, strerror(-ret));
         goto out;
      }
      if (res_map[slot] != v) {
         ret = wk_fail(r, -EIO, "dispatch %u: GPU wrote 0x%x, expected 0x%x",
                       i, res_map[slot], v);
         goto out;
      }
   }
   wk_window_stop(&win, r->iters, out);

out:
   ws_pipe_idle(&pipe, WK_TIMEOUT_NS);
   for (uint32_t i = 0; bos && i < nr; i++)
      if (bos[i])
         ws_cache_bo_free(&cache, bos[i]);
   out->cache = cache.st;
   ws_bo_cache_fini(&cache);
   ws_pipe_fini(&pipe);
   ws_close(dev);
   free(bos);
   free(flags);
   return ret;
}

/* ------------------------------------------------------------ readback */

/* The value the GPU writes at dword j of readback i. */
static inline uint32_t
readback_value(uint32_t i, uint32_t j)
{
   return (i * 0x9e3779b1u) ^ (j * 0x85ebca6bu) ^ 0x5eedu;
}

#define MEM_WRITE_CHUNK 4096 /* dwords per CP_MEM_WRITE packet */

int
wk_readback_run(struct wk_run *r, struct wk_sample *out)
{
   const struct readback_params *p = &r->prof->readback;
   uint32_t ndw = p->read_kib * 256;
   uint32_t chunks = (ndw + MEM_WRITE_CHUNK - 1) / MEM_WRITE_CHUNK;
   uint32_t *cs = NULL, *vals = NULL;
   const uint32_t wflag = MSM_SUBMIT_BO_WRITE;
   volatile uint32_t *map;
   struct wk_window win;
   struct ws_bo_cache cache;
   struct ws_pipe pipe = { 0 };
   struct ws_cache_bo *res = NULL;
   struct ws_counters cnt;
   struct ws_dev *dev;
   int ret;

   wk_counters_init(r, &cnt);
   ret = wk_open(r, &cnt, &dev);
   if (ret)
      return wk_fail(r, ret, "open: %s", strerror(-ret));
   ws_bo_cache_init(&cache, dev, true);
   cs = malloc(((size_t)ndw + 3 * chunks + PM4_DELAY_DWORDS) * 4);
   vals = malloc((size_t)ndw * 4);
   if (!cs || !vals) {
      ret = wk_fail(r, -ENOMEM, "out of memory");
      goto out;
   }
   ret = ws_pipe_init(&pipe, &cache, false, 0);
   if (!ret)
      ret = ws_cache_bo_new(&cache, (uint64_t)ndw * 4, MSM_BO_WC, &res);
   if (!ret)
      ret = ws_cache_bo_map(res, (void **)&map);
   if (ret) {
      ret = wk_fail(r, ret, "setup: %s", strerror(-ret));
      goto out;
   }

   for (uint32_t i = 0; i < r->warmup + r->iters; i++) {
      struct ws_pipe_fence f;
      uint32_t n;

      if (i == r->warmup)
         wk_window_start(&win, &cnt);
      for (uint32_t j = 0; j < ndw; j++)
         vals[j] = readback_value(i, j);
      n = pm4_emit_delay(cs, (uint64_t)p->gpu_us * 1000);
      for (uint32_t c = 0; c < chunks; c++) {
         uint32_t first = c * MEM_WRITE_CHUNK;
         uint32_t cnt = ndw - first < MEM_WRITE_CHUNK ? ndw - first
                                                      : MEM_WRITE_CHUNK;
         n += pm4_emit_mem_write(cs + n, res->bo->iova + 4ull * first,
                                 vals + first, cnt);
      }
      ret = ws_pipe_submit(&pipe, cs, n, &res, &wflag, 1, &f);
      if (ret) {
         ret = wk_fail(r, ret, "readback %u: submit: %s", i, strerror(-ret));
         goto out;
      }
      /* glReadPixels: wait for the GPU's writes, then read the mapping. */
      ret = ws_bo_cpu_prep(res->bo, MSM_PREP_READ, WK_TIMEOUT_NS);
      if (ret) {
         ret = wk_fail(r, ret, "readback %u: cpu_prep: %s", i,
                       strerror(-ret));
         goto out;
      }
      for (uint32_t j = 0; j < ndw; j++) {
         if (map[j] != readback_value(i, j)) {
            ret = wk_fail(r, -EIO, "readback %u: dword %u is 0x%x, the GPU "
                          "wrote 0x%x", i, j, map[j], readback_value(i, j));
            goto out;
         }
      }
      ret = ws_bo_cpu_fini(res->bo);
      if (ret) {
         ret = wk_fail(r, ret, "readback %u: cpu_fini: %s", i,
                       strerror(-ret));
         goto out;
      }
   }
   wk_window_stop(&win, r->iters, out);

out:
   ws_pipe_idle(&pipe, WK_TIMEOUT_NS);
   if (res)
      ws_cache_bo_free(&cache, res);
   out->cache = cache.st;
   ws_bo_cache_fini(&cache);
   ws_pipe_fini(&pipe);
   ws_close(dev);
   free(cs);
   free(vals);
   return ret;
}

/* ------------------------------------------------------------- startup */

/* What freedreno asks at screen creation (msm_pipe_new, fd_screen). */
static const uint32_t startup_params[] = {
   MSM_PARAM_GPU_ID, MSM_PARAM_GMEM_SIZE, MSM_PARAM_CHIP_ID,
   MSM_PARAM_GMEM_BASE, MSM_PARAM_PRIORITIES, MSM_PARAM_MAX_FREQ,
   MSM_PARAM_VA_START, MSM_PARAM_VA_SIZE,
};

#define STARTUP_MAGIC 0x57a27u

/* One start: everything a GL context does before its first frame is out. */
static int
startup_once(struct wk_run *r, struct ws_counters *cnt, uint32_t iter,
             struct wk_sample *acc)
{
   const struct startup_params *p = &r->prof->startup;
   uint32_t nr = p->bos + 1, *flags = NULL, v = STARTUP_MAGIC + iter;
   struct ws_cache_bo **bos = NULL;
   volatile uint32_t *res_map = NULL;
   struct ws_bo_cache cache;
   struct ws_pipe pipe = { 0 };
   bool cache_up = false;
   struct wk_window win;
   struct ws_dev *dev;
   uint64_t value;
   int ret;

   wk_window_start(&win, cnt);
   ret = wk_open(r, cnt, &dev);
   if (ret)
      return wk_fail(r, ret, "start %u: open: %s", iter, strerror(-ret));
   for (unsigned i = 0; i < sizeof(startup_params) / sizeof(uint32_t); i++) {
      ret = ws_get_param(dev, startup_params[i], &value);
      if (ret) {
         ret = wk_fail(r, ret, "start %u: get_param %u: %s", iter,
                       startup_params[i], strerror(-ret));
         goto out;
      }
   }
   ret = ws_set_debuginfo(dev, "msmvirt", "msmvirt compare --workloads startup");
   if (ret) {
      ret = wk_fail(r, ret, "start %u: set_debuginfo: %s", iter,
                    strerror(-ret));
      goto out;
   }
   ws_bo_cache_init(&cache, dev, true);
   cache_up = true;
   bos = calloc(nr, sizeof(*bos));
   flags = calloc(nr, sizeof(*flags));
   if (!bos || !flags) {
      ret = wk_fail(r, -ENOMEM, "out of memory");
      goto out;
   }
   ret = ws_pipe_init(&pipe, &cache, true, 1);
   if (ret) {
      ret = wk_fail(r, ret, "start %u: pipe: %s", iter, strerror(-ret));
      goto out;
   }
   /* First allocations: state buffers, shaders, ...; the first page of each
    * is written through a mapping. */
   for (uint32_t i = 0; i < nr; i++) {
      uint64_t size = i == p->bos ? 4096 : (uint64_t)p->bo_kib * 1024;
      void *map;

      ret = ws_cache_bo_new(&cache, size, MSM_BO_WC, &bos[i]);
      if (!ret)
         ret = ws_cache_bo_map(bos[i], &map);
      if (ret) {
         ret = wk_fail(r, ret, "start %u: BO %u: %s", iter, i,
                       strerror(-ret));
         goto out;
      }
      wk_fill(map, 4096, i);
      flags[i] = i == p->bos ? MSM_SUBMIT_BO_WRITE : MSM_SUBMIT_BO_READ;
      if (i == p->bos)
         res_map = map;
   }
   {
      uint32_t cs[PM4_DELAY_DWORDS + PM4_MEM_WRITE_DWORDS(1)], n;
      struct ws_pipe_fence f;

      n = pm4_emit_delay(cs, 10000);
      n += pm4_emit_mem_write(cs + n, bos[p->bos]->bo->iova, &v, 1);
      ret = ws_pipe_submit(&pipe, cs, n, bos, flags, nr, &f);
      if (!ret)
         ret = ws_pipe_wait(&pipe, &f, WK_TIMEOUT_NS);
      if (ret) {
         ret = wk_fail(r, ret, "start %u: first submit: %s", iter,
                       strerror(-ret));
         goto out;
      }
      if (*res_map != v) {
         ret = wk_fail(r, -EIO, "start %u: GPU wrote 0x%x, expected 0x%x",
                       iter, *res_map, v);
         goto out;
      }
   }
   /* The first frame is out: what follows is teardown, not startup. */
   if (acc) {
      struct wk_sample one = { 0 };

      wk_window_stop(&win, 1, &one);
      wk_sample_add(acc, &one);
   }

out:
   ws_pipe_idle(&pipe, WK_TIMEOUT_NS);
   for (uint32_t i = 0; bos && i < nr; i++)
      if (bos[i])
         ws_cache_bo_free(&cache, bos[i]);
   if (cache_up)
      ws_bo_cache_fini(&cache);
   ws_pipe_fini(&pipe);
   ws_close(dev);
   free(bos);
   free(flags);
   return ret;
}

int
wk_startup_run(struct wk_run *r, struct wk_sample *out)
{
   struct ws_counters cnt;
   int ret;

   /* Time and counters add up over the open..first-submit-done stretch of
    * each start, teardown excluded. */
   memset(out, 0, sizeof(*out));
   wk_counters_init(r, &cnt);
   for (uint32_t i = 0; i < r->warmup + r->iters; i++) {
      ret = startup_once(r, &cnt, i, i < r->warmup ? NULL : out);
      if (ret)
         return ret;
   }
   return 0;
}
