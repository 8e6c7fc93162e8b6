/*
 * host_protos.c - the protocols `msmvirt host` serves, and "stats".
 *
 * "stats" answers any CALL with the core's live-object counters as
 * key=value lines: how tests (and people) check that a guest that went away
 * left nothing behind on the host.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fwd_proto.h"
#include "host.h"
#include "msm_core.h"
#include "nc_host.h"

static int
stats_hello(void *data, struct mt_conn *conn, const void *hello, uint32_t len,
            void **state)
{
   (void)conn;
   (void)hello;
   (void)len;
   *state = data;
   return 0;
}

int
host_format_stats(struct msm_core *core, char *buf, size_t cap)
{
   struct msm_core_stats st;

   msm_core_get_stats(core, &st);
   return snprintf(buf, cap,
                   "contexts=%u\nbos=%u\nqueues=%u\ninflight=%u\n"
                   "hostmem_used=%lu\nhostmem_size=%lu\nsubmits=%lu\n"
                   "retired=%lu\nfaults=%lu\npurged=%lu\n",
                   st.contexts, st.bos, st.queues, st.inflight,
                   (unsigned long)st.hostmem_used,
                   (unsigned long)st.hostmem_size, (unsigned long)st.submits,
                   (unsigned long)st.retired, (unsigned long)st.faults,
                   (unsigned long)st.purged);
}

static int
stats_frame(void *state, struct mt_conn *conn, uint32_t type,
            uint32_t session, uint64_t tag, const void *payload, uint32_t len)
{
   char buf[512];
   int n;

   (void)payload;
   (void)len;
   if (type != MT_CALL)
      return -EPROTO;
   n = host_format_stats(state, buf, sizeof(buf));
   return mt_reply(conn, session, tag, buf, (uint32_t)n);
}

static void
stats_close(void *state)
{
   (void)state;
}

unsigned
host_protocols(struct msm_core *core, struct mt_host_proto *protos)
{
   unsigned n = 0;

   fwd_host_proto(core, &protos[n++]);
   nc_host_proto(core, &protos[n++]);
   protos[n++] = (struct mt_host_proto){
      .name = "stats",
      .data = core,
      .on_hello = stats_hello,
      .on_frame = stats_frame,
      .on_close = stats_close,
   };
   return n;
}

/* `msmvirt stats --connect PATH`: print a running host's counters. */
int
cmd_stats(int argc, char **argv)
{
   struct mt_guest_config cfg = { .proto = "stats" };
   struct mt_guest *g;
   char buf[512];
   uint32_t n = 0;
   int ret;

   if (argc != 3 || strcmp(argv[1], "--connect")) {
      fprintf(stderr, "usage: msmvirt stats --connect PATH\n");
      return 2;
   }
   ret = mt_guest_connect(argv[2], &cfg, &g);
   if (ret) {
      fprintf(stderr, "msmvirt stats: cannot reach a host at %s: %s\n",
              argv[2], strerror(-ret));
      return 1;
   }
   ret = mt_call(g, 0, "", 0, buf, sizeof(buf) - 1, &n);
   mt_guest_close(g);
   if (ret < 0) {
      fprintf(stderr, "msmvirt stats: %s\n", strerror(-ret));
      return 1;
   }
   buf[n < sizeof(buf) ? n : sizeof(buf) - 1] = '\0';
   fputs(buf, stdout);
   return 0;
}
