/*
 * msmvirt.c - the msmvirt command.
 *
 *   msmvirt compare  the side-by-side evaluation (compare.c)
 *   msmvirt host     the host daemon (host.c)
 *   msmvirt stats    a running host's counters
 *   msmvirt pm4-coverage  what the host's sim GPU executed of the streams
 *   msmvirt smoke    a host-direct frame loop on the sim backend
 *   msmvirt trace-convert  an msmvirt-cuse ioctl trace -> a compare trace
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compare.h"
#include "host.h"
#include "ioctl2trace.h"
#include "msm_core.h"
#include "pm4.h"
#include "vsched.h"
#include "ws.h"

static uint64_t
now_ns(void)
{
   struct timespec ts;
   clock_gettime(CLOCK_MONOTONIC, &ts);
   return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#define CHECK(x) do { int _r = (x); if (_r) { \
   fprintf(stderr, "msmvirt: %s: %s\n", #x, strerror(-_r)); return 1; } } while (0)

/* A GLES-like frame: upload into a BO from a small cache, one submit that
 * writes the frame number into a result BO, throttle on frame N-2. */
static int
cmd_smoke(int frames)
{
   struct msm_core_config cfg;
   struct msm_core *core;
   struct ws_dev *dev;
   struct ws_bo *cs[3], *result;
   uint32_t fences[3] = { 0 }, *res_map;
   uint64_t gpu_id, t0, t1;
   uint32_t last;
   struct msm_core_stats st;

   msm_core_config_defaults(&cfg);
   CHECK(msm_core_create(&cfg, &core));
   CHECK(ws_direct_open(core, &dev));
   CHECK(ws_get_param(dev, MSM_PARAM_GPU_ID, &gpu_id));
   CHECK(ws_bo_new(dev, 4096, MSM_BO_WC, &result));
   for (int i = 0; i < 3; i++)
      CHECK(ws_bo_new(dev, 4096, MSM_BO_WC, &cs[i]));
   CHECK(ws_bo_map(result, (void **)&res_map));

   t0 = now_ns();
   for (int f = 0; f < frames; f++) {
      struct ws_bo *c = cs[f % 3];
      uint32_t buf[16], v = (uint32_t)f + 1;
      unsigned n = pm4_emit_delay(buf, 100000); /* 100 us of GPU time */
      n += pm4_emit_mem_write(buf + n, result->iova, &v, 1);
      struct ws_submit_bo bos[] = { { c, MSM_SUBMIT_BO_READ },
                                    { result, MSM_SUBMIT_BO_WRITE } };
      struct ws_submit_cmd cmd = { MSM_SUBMIT_CMD_BUF, 0, 0, n * 4 };
      struct ws_submit s = { 0, 0, 2, bos, 1, &cmd, 0 };

      /* Throttle: the BO we reuse was last used two frames ago. */
      if (fences[f % 3])
         CHECK(ws_fence_wait(dev, 0, fences[f % 3], 1000000000));
      CHECK(ws_bo_upload(c, 0, buf, n * 4));
      CHECK(ws_submit(dev, &s));
      fences[f % 3] = s.fence;
   }
   CHECK(ws_fence_wait(dev, 0, fences[(frames - 1) % 3], 1000000000));
   t1 = now_ns();
   last = *res_map;

   printf("msmvirt smoke: host-direct on sim a%lu: %d frames in %.2f ms "
          "(%.1f us/frame), last frame wrote %u\n",
          (unsigned long)gpu_id, frames, (t1 - t0) / 1e6,
          (t1 - t0) / 1e3 / frames, last);
   for (int i = 0; i < 3; i++)
      ws_bo_free(cs[i]);
   ws_bo_free(result);
   ws_close(dev);
   msm_core_get_stats(core, &st);
   printf("core after close: %u contexts, %u bos, %lu submits retired, "
          "%lu faults\n", st.contexts, st.bos, (unsigned long)st.retired,
          (unsigned long)st.faults);
   msm_core_destroy(core);
   return last == (uint32_t)frames ? 0 : 1;
}

int
main(int argc, char **argv)
{
   msmvirt_prog = argv[0];
   cmp_start_virtual = vsched_start;
   if (argc >= 2 && !strcmp(argv[1], "compare"))
      return cmd_compare(argc - 1, argv + 1);
   if (argc >= 2 && !strcmp(argv[1], "host"))
      return cmd_host(argc - 1, argv + 1);
   if (argc >= 2 && !strcmp(argv[1], "stats"))
      return cmd_stats(argc - 1, argv + 1);
   if (argc >= 2 && !strcmp(argv[1], "pm4-coverage"))
      return cmd_pm4_coverage(argc - 1, argv + 1);
   if (argc >= 2 && !strcmp(argv[1], "trace-convert"))
      return cmd_trace_convert(argc - 1, argv + 1);
   if (argc >= 2 && !strcmp(argv[1], "smoke"))
      return cmd_smoke(argc >= 3 ? atoi(argv[2]) : 300);
   fprintf(stderr, "usage: msmvirt compare [--quick] [--report DIR] [...] "
                   "(--help)\n"
                   "       msmvirt smoke [FRAMES]\n"
                   "       msmvirt host --listen PATH | --connect PATH [...]\n"
                   "       msmvirt stats --connect PATH\n"
                   "       msmvirt pm4-coverage --connect PATH\n"
                   "       msmvirt trace-convert [--regions FILE] [...] IN OUT\n");
   return 2;
}
