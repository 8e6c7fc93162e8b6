/*
 * conf_nc_loopback.c - the ws conformance suite on nativectx, in-process:
 * a loopback channel (the transport's host thread) to a core here, every
 * device a session on that one channel.  --anchors runs it with the
 * anchors-only behaviour (round-trip polling, GEM_UPLOAD).
 * The core lives in this process, so the suite's leak and purge checks run
 * too (test_nc_lifetime.c has more of both).
 */
#include <stdlib.h>
#include <string.h>

#include "conformance.h"
#include "msm_core.h"
#include "nc_channel.h"
#include "nc_guest.h"

struct fixture {
   struct msm_core *core;
   struct nc_channel *ch;
};

static struct nc_options opts;

static int
setup(void **out)
{
   struct fixture *f = calloc(1, sizeof(*f));
   struct msm_core_config cfg;

   msm_core_config_defaults(&cfg);
   if (!f || msm_core_create(&cfg, &f->core))
      return -1;
   if (nc_channel_loopback(f->core, NULL, &f->ch))
      return -1;
   *out = f;
   return 0;
}

static void
teardown(void *p)
{
   struct fixture *f = p;
   nc_channel_close(f->ch);
   msm_core_destroy(f->core);
   free(f);
}

static struct msm_core *
get_core(void *p)
{
   return ((struct fixture *)p)->core;
}

static int
open_dev(void *p, struct ws_dev **dev)
{
   struct fixture *f = p;
   return ws_nativectx_open_channel(f->ch, &opts, dev);
}

int
main(int argc, char **argv)
{
   struct ws_factory nc = {
      .name = "nativectx-loopback",
      .setup = setup,
      .teardown = teardown,
      .open = open_dev,
      .core = get_core,
      .gpu_id = 630,
   };
   if (argc > 1 && !strcmp(argv[1], "--anchors")) {
      opts.anchors_only = true;
      nc.name = "nativectx-loopback-anchors";
   }
   return ws_conformance_run(&nc);
}
