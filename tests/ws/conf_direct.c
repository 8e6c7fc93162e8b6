/*
 * conf_direct.c - the ws conformance suite on host-direct (the baseline).
 */
#include "conformance.h"
#include "msm_core.h"

static int
open_dev(void *fixture, struct ws_dev **dev)
{
   return ws_direct_open(fixture, dev);
}

int
main(void)
{
   static const struct ws_factory f = {
      .name = "direct",
      .setup = ws_conformance_core_setup,
      .teardown = ws_conformance_core_teardown,
      .open = open_dev,
      .core = ws_conformance_core,
      .gpu_id = 630,
   };
   return ws_conformance_run(&f);
}
