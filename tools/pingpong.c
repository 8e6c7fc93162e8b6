/*
 * pingpong.c - the harness's own floor: empty CALLs answered at once, at
 * RTT 0, on each transport.  Whatever one costs here is thread wake-ups and
 * socket calls on this machine, not a design: the real-clock numbers below
 * it measure the harness, not forwarding.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compare.h"
#include "transport.h"

#define PP_BATCHES 7
#define PP_CALLS   300

static int
pp_hello(void *data, struct mt_conn *conn, const void *hello, uint32_t len,
         void **state)
{
   (void)data;
   (void)hello;
   (void)len;
   *state = conn;
   return 0;
}

static int
pp_frame(void *state, struct mt_conn *conn, uint32_t type, uint32_t session,
         uint64_t tag, const void *payload, uint32_t len)
{
   (void)state;
   (void)payload;
   (void)len;
   if (type != MT_CALL)
      return 0;
   int ret = mt_reply(conn, session, tag, NULL, 0);
   return ret == -EPIPE ? 0 : ret;
}

static void
pp_close(void *state)
{
   (void)state;
}

static int
pp_connect(struct mt_host *h, const char *transport, char *path, size_t len,
           struct mt_guest **g)
{
   struct mt_guest_config gcfg = { .proto = "pingpong" };
   int ret;

   if (!strcmp(transport, "inproc"))
      return mt_guest_loopback(h, &gcfg, g);
   snprintf(path, len, "/tmp/msmvirt-pingpong-%d.sock", (int)getpid());
   ret = mt_host_listen(h, path);
   return ret ? ret : mt_guest_connect(path, &gcfg, g);
}

int
cmp_harness_floor(const char *transport, double *us)
{
   const struct mt_host_proto proto = {
      .name = "pingpong", .on_hello = pp_hello, .on_frame = pp_frame,
      .on_close = pp_close,
   };
   const struct mt_host_config hcfg = {
      .protos = &proto, .nr_protos = 1, .hostmem_fd = -1,
   };
   double per_call[PP_BATCHES];
   struct stat_summary s;
   struct mt_host *h;
   struct mt_guest *g;
   char path[128] = "";
   int ret;

   ret = mt_host_create(&hcfg, &h);
   if (ret)
      return ret;
   ret = pp_connect(h, transport, path, sizeof(path), &g);
   if (ret) {
      mt_host_destroy(h);
      return ret;
   }
   for (unsigned b = 0; b < PP_BATCHES && !ret; b++) {
      uint64_t t0 = vclock_now_ns();

      for (unsigned i = 0; i < PP_CALLS && !ret; i++)
         ret = mt_call(g, 1, NULL, 0, NULL, 0, NULL);
      per_call[b] = (double)(vclock_now_ns() - t0) / 1e3 / PP_CALLS;
   }
   mt_guest_close(g);
   mt_host_destroy(h);
   stat_summarize(per_call, PP_BATCHES, &s);
   *us = s.median;
   return ret;
}
