/*
 * conf_fwd.c - the ws conformance suite over the forward stack, in-process:
 * ws over msm ioctls -> fwd marshaller -> fwd_host_handle() -> the core.
 */
#include <stdlib.h>

#include "conformance.h"
#include "msm_core.h"
#include "ws_ioctl.h"

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
   return ws_fwd_inproc_open(fixture, dev);
}

static struct msm_core *
get_core(void *fixture)
{
   return fixture;
}

int
main(void)
{
   static const struct ws_factory fwd = {
      .name = "forward-inproc",
      .setup = setup,
      .teardown = teardown,
      .open = open_dev,
      .core = get_core,
      .gpu_id = 630,
   };
   return ws_conformance_run(&fwd);
}
