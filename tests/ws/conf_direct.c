/*
 * conf_direct.c - the ws conformance suite on host-direct (the baseline).
 */
#include <stdlib.h>

#include "conformance.h"
#include "msm_core.h"

static int
setup(void **fixture)
{
   struct msm_core_config cfg;
   struct msm_core *core;

   msm_core_config_defaults(&cfg);
   if (msm_core_create(&cfg, &core))
      return -1;
   *fixture = core;
   return 0;
}

static void
teardown(void *fixture)
{
   msm_core_destroy(fixture);
}

static int
open_dev(void *fixture, struct ws_dev **dev)
{
   return ws_direct_open(fixture, dev);
}

static struct msm_core *
get_core(void *fixture)
{
   return fixture;
}

int
main(void)
{
   static const struct ws_factory direct = {
      .name = "direct",
      .setup = setup,
      .teardown = teardown,
      .open = open_dev,
      .core = get_core,
      .gpu_id = 630,
   };
   return ws_conformance_run(&direct);
}
