/*
 * mode_nativectx.c - compare's nativectx mode: the nativectx guest library
 * (batched async ccmds, guest-chosen iova / storage / seqnos, fences read
 * from shared memory) on its own channel per device: in-process over a
 * loopback transport to the run's core (inproc), or to a real `msmvirt
 * host` process over a unix socket (socket).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mode_host.h"
#include "modes.h"
#include "nc_channel.h"
#include "nc_guest.h"

int mode_nativectx_setup(struct mode_ctx *m);
int mode_nativectx_open(struct mode_ctx *m, struct ws_dev **out);
void mode_nativectx_teardown(struct mode_ctx *m);

int
mode_nativectx_setup(struct mode_ctx *m)
{
   struct mode_host *h;
   int ret;

   if (!strcmp(m->transport, "inproc"))
      return 0;
   if (strcmp(m->transport, "socket"))
      return -EOPNOTSUPP;
   h = calloc(1, sizeof(*h));
   if (!h)
      return -ENOMEM;
   ret = mode_host_start(&m->cfg, h);
   if (ret) {
      free(h);
      return ret;
   }
   m->priv = h;
   return 0;
}

int
mode_nativectx_open(struct mode_ctx *m, struct ws_dev **out)
{
   struct nc_channel_config cfg = { .rtt_us = m->rtt_us };
   struct mode_host *h = m->priv;
   struct nc_channel *ch;
   int ret;

   if (!h)
      return ws_nativectx_open_loopback(m->core, &cfg, NULL, out);
   ret = nc_channel_connect(h->path, &cfg, &ch);
   if (ret)
      return ret;
   ret = ws_nativectx_open_owning(ch, NULL, out);
   if (ret)
      nc_channel_close(ch);
   return ret;
}

void
mode_nativectx_teardown(struct mode_ctx *m)
{
   struct mode_host *h = m->priv;

   if (h) {
      mode_host_stop(h);
      free(h);
   }
   m->priv = NULL;
}
