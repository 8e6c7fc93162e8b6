/*
 * conf_fwd.c - the ws conformance suite over the forward stack, in-process:
 * ws over msm ioctls -> fwd marshaller -> fwd_host_handle() -> the core.
 */
#include "conformance.h"
#include "msm_core.h"
#include "ws_ioctl.h"
static int
open_dev(void *fixture, struct ws_dev **dev)
{
   return ws_fwd_inproc_open(fixture, dev);
}

int
main(void)
{
   static const struct ws_factory f = {
      .name = "forward-inproc",
      .setup = ws_conformance_core_setup,
      .teardown = ws_conformance_core_teardown,
      .open = open_dev,
      .core = ws_conformance_core,
      .gpu_id = 630,
   };
   return ws_conformance_run(&f);
}
