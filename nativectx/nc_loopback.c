/*
 * nc_loopback.c - a nativectx channel to a host in this process: the
 * transport's loopback (its own host thread, a socketpair, hostmem shared
 * by address) serving the nativectx protocol over the caller's core.
 */
#include "msm_core.h"
#include "nc_channel.h"
#include "nc_guest.h"
#include "nc_host.h"

static int
open_loopback(void *arg, const struct mt_guest_config *gcfg,
              struct mt_guest **out)
{
   struct msm_core *core = arg;
   struct msm_hostmem_info hm;
   struct mt_host_proto proto;
   int ret = nc_host_proto(core, &proto);

   if (ret)
      return ret;
   msm_core_hostmem(core, &hm);
   struct mt_host_config hcfg = {
      .protos = &proto,
      .nr_protos = 1,
      .hostmem_base = hm.base,
      .hostmem_size = hm.size,
      .hostmem_fd = hm.fd,
   };
   /* The host is private to this guest and goes with mt_guest_close(). */
   return mt_loopback_create(&hcfg, gcfg, out);
}

int
nc_channel_loopback(struct msm_core *core, const struct nc_channel_config *cfg,
                    struct nc_channel **out)
{
   return nc_channel_open_with(open_loopback, core, cfg, out);
}

int
ws_nativectx_open_loopback(struct msm_core *core,
                           const struct nc_channel_config *cfg,
                           const struct nc_options *opts, struct ws_dev **out)
{
   struct nc_channel *ch;
   int ret = nc_channel_loopback(core, cfg, &ch);

   if (ret)
      return ret;
   ret = ws_nativectx_open_owning(ch, opts, out);
   if (ret)
      nc_channel_close(ch);
   return ret;
}
