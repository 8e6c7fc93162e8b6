/*
 * host_protos.c - the protocols `msmvirt host` serves, and "stats".
 *
 * "stats" answers a CALL with the core's live-object counters as
 * key=value lines: how tests (and people) check that a guest that went away
 * left nothing behind on the host.  A CALL whose payload is "pm4-coverage"
 * gets the sim's PM4 coverage report instead (what the command streams of
 * every submit so far made the CP execute, skip or fault on).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
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
                   "retired=%lu\nfaults=%lu\npurged=%lu\ncancelled=%lu\n",
                   st.contexts, st.bos, st.queues, st.inflight,
                   (unsigned long)st.hostmem_used,
                   (unsigned long)st.hostmem_size, (unsigned long)st.submits,
                   (unsigned long)st.retired, (unsigned long)st.faults,
                   (unsigned long)st.purged, (unsigned long)st.cancelled);
}

#define STATS_REQ_COVERAGE "pm4-coverage"
#define COVERAGE_REPORT_MAX 16384

static int
stats_frame(void *state, struct mt_conn *conn, uint32_t type,
            uint32_t session, uint64_t tag, const void *payload, uint32_t len)
{
   char buf[512], *cov;
   int n, ret;

   if (type != MT_CALL)
      return -EPROTO;
   if (len != strlen(STATS_REQ_COVERAGE) ||
       memcmp(payload, STATS_REQ_COVERAGE, len)) {
      n = host_format_stats(state, buf, sizeof(buf));
      return mt_reply(conn, session, tag, buf, (uint32_t)n);
   }
   cov = malloc(COVERAGE_REPORT_MAX);
   if (!cov)
      return -ENOMEM;
   n = msm_core_pm4_coverage(state, cov, COVERAGE_REPORT_MAX);
   if (n >= COVERAGE_REPORT_MAX)
      n = COVERAGE_REPORT_MAX - 1; /* truncated: still a useful report */
   ret = mt_reply(conn, session, tag, cov, (uint32_t)n);
   free(cov);
   return ret;
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

/* One CALL on a running host's "stats" protocol; prints the answer. */
static int
stats_query(const char *cmd, int argc, char **argv, const char *req,
            size_t cap)
{
   struct mt_guest_config cfg = { .proto = "stats" };
   struct mt_guest *g;
   uint32_t n = 0;
   char *buf;
   int ret;

   if (argc != 3 || strcmp(argv[1], "--connect")) {
      fprintf(stderr, "usage: msmvirt %s --connect PATH\n", cmd);
      return 2;
   }
   ret = mt_guest_connect(argv[2], &cfg, &g);
   if (ret) {
      fprintf(stderr, "msmvirt %s: cannot reach a host at %s: %s\n", cmd,
              argv[2], strerror(-ret));
      return 1;
   }
   buf = malloc(cap);
   ret = buf ? mt_call(g, 0, req, (uint32_t)strlen(req), buf,
                       (uint32_t)cap - 1, &n) : -ENOMEM;
   mt_guest_close(g);
   if (ret < 0) {
      fprintf(stderr, "msmvirt %s: %s\n", cmd, strerror(-ret));
      free(buf);
      return 1;
   }
   buf[n < cap ? n : cap - 1] = '\0';
   fputs(buf, stdout);
   free(buf);
   return 0;
}

/* `msmvirt stats --connect PATH`: print a running host's counters. */
int
cmd_stats(int argc, char **argv)
{
   return stats_query("stats", argc, argv, "", 512);
}

/* `msmvirt pm4-coverage --connect PATH`: what the sim's CP executed,
 * skipped and faulted on, over every submit the host ran so far. */
int
cmd_pm4_coverage(int argc, char **argv)
{
   return stats_query("pm4-coverage", argc, argv, STATS_REQ_COVERAGE,
                      COVERAGE_REPORT_MAX);
}
