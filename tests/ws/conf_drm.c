/*
 * conf_drm.c - the ws conformance suite on the drm backend: host-direct over
 * a real msm render node (MSMVIRT_DRM_NODE, default /dev/dri/renderD128).
 *
 * In CI the node is mesa's freedreno drm-shim (LD_PRELOAD): it answers the
 * msm uapi but executes nothing and rejects almost nothing, so set
 * MSMVIRT_DRM_SHIM=1 to skip what it cannot serve (see WS_LACKS_*).
 */
#include <stdio.h>
#include <stdlib.h>

#include "conformance.h"
#include "msm_core.h"

static int
setup(void **fixture)
{
   static char backend[256];
   struct msm_core_config cfg;
   struct msm_core *core;
   const char *node = getenv("MSMVIRT_DRM_NODE");
   int ret;

   snprintf(backend, sizeof(backend), "drm:%s",
            node ? node : "/dev/dri/renderD128");
   msm_core_config_defaults(&cfg);
   cfg.backend = backend;
   ret = msm_core_create(&cfg, &core);
   if (ret) {
      fprintf(stderr, "conf_drm: cannot use %s: %d\n", backend, ret);
      return -1;
   }
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

int
main(void)
{
   struct ws_factory drm = {
      .name = "drm",
      .setup = setup,
      .teardown = teardown,
      .open = open_dev,
      .core = NULL, /* the kernel keeps its own books */
      .gpu_id = 630,
   };
   if (getenv("MSMVIRT_DRM_SHIM"))
      drm.lacks = WS_LACKS_EXEC | WS_LACKS_ERRNO | WS_LACKS_FAULT |
                  WS_LACKS_PURGE | WS_LACKS_VM | WS_LACKS_ZERO;
   if (getenv("FD_GPU_ID"))
      drm.gpu_id = (uint32_t)atoi(getenv("FD_GPU_ID"));
   return ws_conformance_run(&drm);
}
