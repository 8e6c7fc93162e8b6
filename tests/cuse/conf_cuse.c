/*
 * conf_cuse.c - the ws conformance suite over the CUSE daemon's ioctl path:
 * ws over msm ioctls -> simulated CUSE kernel (retry rounds, copy-in,
 * scatter) -> cuse_node (planner, buffer marshaller) -> fwd_host_handle()
 * -> the core.  Everything msmvirt-cuse does except libfuse and the wire.
 */
#include <errno.h>
#include <stdlib.h>

#include "conformance.h"
#include "cuse_node.h"
#include "fake_cuse.h"
#include "fwd_host.h"
#include "msm_core.h"
#include "ws_ioctl.h"

struct fixture {
   struct msm_core *core;
   struct cuse_node *node;
   uint32_t next_session;
};

struct dev {
   struct fixture *fx;
   struct msm_ctx *ctx;
   struct cuse_file *file;
};

static int
dev_call(void *data, const void *req, size_t len, void *rsp, size_t cap,
         size_t *rsp_len)
{
   struct dev *d = data;
   return fwd_host_handle(d->ctx, req, len, rsp, cap, rsp_len);
}

static int
dev_ioctl(void *data, unsigned long req, void *arg)
{
   struct dev *d = data;
   return fake_cuse_ioctl(d->file, req, arg, NULL);
}

/* What the preload helper does: the node's mmap offset is a hostmem offset. */
static void *
dev_map(void *data, uint64_t offset, uint64_t size)
{
   struct dev *d = data;
   struct msm_hostmem_info hm;

   msm_core_hostmem(d->fx->core, &hm);
   if (offset > hm.size || size > hm.size - offset)
      return NULL;
   return (uint8_t *)hm.base + offset;
}

static void
dev_close(void *data)
{
   struct dev *d = data;

   cuse_file_destroy(d->file);
   msm_ctx_destroy(d->ctx);
   free(d);
}

static int
setup(void **fixture)
{
   struct fixture *fx = calloc(1, sizeof(*fx));
   struct msm_core_config cfg;

   msm_core_config_defaults(&cfg);
   if (!fx || msm_core_create(&cfg, &fx->core))
      return -1;
   if (cuse_node_create(NULL, NULL, &fx->node))
      return -1;
   *fixture = fx;
   return 0;
}

static void
teardown(void *fixture)
{
   struct fixture *fx = fixture;

   cuse_node_destroy(fx->node);
   msm_core_destroy(fx->core);
   free(fx);
}

static int
open_dev(void *fixture, struct ws_dev **out)
{
   static const struct ws_msm_ioctl_ops ops = {
      .ioctl = dev_ioctl,
      .map = dev_map,
      .close = dev_close,
   };
   struct fixture *fx = fixture;
   struct dev *d = calloc(1, sizeof(*d));
   int ret;

   if (!d)
      return -ENOMEM;
   d->fx = fx;
   ret = msm_ctx_create(fx->core, &d->ctx);
   if (ret)
      goto fail;
   ret = cuse_file_create(fx->node, ++fx->next_session, dev_call, d, &d->file);
   if (ret)
      goto fail_ctx;
   ret = ws_msm_ioctl_open(&ops, d, out);
   if (ret)
      goto fail_file;
   return 0;

fail_file:
   cuse_file_destroy(d->file);
fail_ctx:
   msm_ctx_destroy(d->ctx);
fail:
   free(d);
   return ret;
}

static struct msm_core *
get_core(void *fixture)
{
   return ((struct fixture *)fixture)->core;
}

int
main(void)
{
   static const struct ws_factory cuse = {
      .name = "forward-cuse-sim",
      .setup = setup,
      .teardown = teardown,
      .open = open_dev,
      .core = get_core,
      .gpu_id = 630,
   };
   return ws_conformance_run(&cuse);
}
