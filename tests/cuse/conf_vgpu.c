/*
 * conf_vgpu.c - the ws conformance suite through the virtio_gpu node:
 * the nativectx guest library -> its vg layer over the virtgpu uapi
 * (vg_ioctl.c) -> a simulated CUSE kernel -> msmvirt-cuse's virtio_gpu
 * personality (vgpu_node.c, fence fds as the preload makes them) -> the
 * vg layer on the transport -> a nativectx host -> the core.
 */
#include <stdlib.h>

#include "conformance.h"
#include "nc_guest.h"
#include "vgpu_harness.h"

static int
setup(void **fixture)
{
   struct vgpu_harness *h = calloc(1, sizeof(*h));

   if (!h || vgpu_harness_create(h))
      return -1;
   *fixture = h;
   return 0;
}

static void
teardown(void *fixture)
{
   vgpu_harness_destroy(fixture);
   free(fixture);
}

static int
open_dev(void *fixture, struct ws_dev **out)
{
   struct vg_dev *vg;
   int ret = vgpu_client_vg(fixture, &vg);

   if (ret)
      return ret;
   return ws_nativectx_open(vg, NULL, out);
}

static struct msm_core *
core(void *fixture)
{
   return ((struct vgpu_harness *)fixture)->core;
}

int
main(void)
{
   const struct ws_factory f = {
      .name = "nativectx-virtio_gpu-node",
      .setup = setup,
      .teardown = teardown,
      .open = open_dev,
      .core = core,
      .gpu_id = 630,
   };
   return ws_conformance_run(&f);
}
