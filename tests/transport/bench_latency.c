/*
 * bench_latency.c - the cost of one empty mt_call per channel and modelled
 * rtt: median, 10th and 90th percentile over many calls.
 *
 *   bench_transport_latency [calls]      (default 3000)
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "echo_proto.h"
#include "transport.h"

static int
cmp_u64(const void *a, const void *b)
{
   uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
   return x < y ? -1 : x > y;
}

static void
measure(const char *name, struct mt_guest *g, unsigned rtt, unsigned n)
{
   uint64_t *t = calloc(n, sizeof(*t));
   for (unsigned i = 0; i < 100; i++) /* warm up */
      mt_call(g, 0, NULL, 0, NULL, 0, NULL);
   for (unsigned i = 0; i < n; i++) {
      uint64_t t0 = mt_now_ns();
      if (mt_call(g, 0, NULL, 0, NULL, 0, NULL)) {
         fprintf(stderr, "call failed\n");
         exit(1);
      }
      t[i] = mt_now_ns() - t0;
   }
   qsort(t, n, sizeof(*t), cmp_u64);
   printf("%-9s rtt %4u us: median %7.1f us  p10 %7.1f  p90 %7.1f\n", name,
          rtt, t[n / 2] / 1e3, t[n / 10] / 1e3, t[n * 9 / 10] / 1e3);
   free(t);
}

int
main(int argc, char **argv)
{
   unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 3000;
   const unsigned rtts[] = { 0, 2, 5, 10, 20, 50, 100 };
   char dir[] = "/tmp/mt-bench-XXXXXX", path[64];

   if (!n || !mkdtemp(dir))
      return 1;
   snprintf(path, sizeof(path), "%s/sock", dir);
   echo_world_reset(NULL, 0);
   struct mt_host_config hc = echo_host_config(NULL, 0, -1);
   struct mt_host *host;
   if (mt_host_create(&hc, &host) || mt_host_listen(host, path))
      return 1;

   for (unsigned i = 0; i < sizeof(rtts) / sizeof(rtts[0]); i++) {
      struct mt_guest_config cfg = { .proto = "echo", .rtt_us = rtts[i] };
      struct mt_guest *g;

      if (mt_guest_loopback(host, &cfg, &g))
         return 1;
      measure("loopback", g, rtts[i], n);
      mt_guest_close(g);

      if (mt_guest_connect(path, &cfg, &g))
         return 1;
      measure("unix", g, rtts[i], n);
      mt_guest_close(g);
   }
   mt_host_destroy(host);
   rmdir(dir);
   return 0;
}
