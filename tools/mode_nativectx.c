/*
 * mode_nativectx.c - compare's nativectx mode: the nativectx guest library
 * (batched async ccmds, guest-chosen iova / storage / seqnos, fences read
 * from shared memory).  Like a VM's one virtio-gpu device, one channel
 * serves the whole run and every device is a new context on it: in-process
 * over a loopback transport to the run's core (inproc), or to a real
 * `msmvirt host` process over a unix socket (socket).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "host_process.h"
#include "modes.h"
#include "nc_channel.h"
#include "nc_guest.h"

int mode_nativectx_setup(struct mode_ctx *m);
int mode_nativectx_open(struct mode_ctx *m, struct ws_dev **out);
void mode_nativectx_teardown(struct mode_ctx *m);

struct nc_mode {
   struct host_process process; /* socket */
   struct nc_channel *ch;
};

int
mode_nativectx_setup(struct mode_ctx *m)
{
   struct nc_channel_config cfg = { .rtt_us = m->rtt_us };
   struct nc_mode *nm;
   int ret;

   if (strcmp(m->transport, "inproc") && strcmp(m->transport, "socket"))
      return -EOPNOTSUPP;
   nm = calloc(1, sizeof(*nm));
   if (!nm)
      return -ENOMEM;
   if (!strcmp(m->transport, "socket")) {
      ret = host_process_start(&m->cfg, &nm->process);
      if (!ret)
         ret = nc_channel_connect(nm->process.path, &cfg, &nm->ch);
   } else {
      ret = nc_channel_loopback(m->core, &cfg, &nm->ch);
   }
   if (ret) {
      host_process_stop(&nm->process);
      free(nm);
      return ret;
   }
   m->priv = nm;
   return 0;
}

int
mode_nativectx_open(struct mode_ctx *m, struct ws_dev **out)
{
   struct nc_mode *nm = m->priv;
   return ws_nativectx_open_channel(nm->ch, NULL, out);
}

void
mode_nativectx_teardown(struct mode_ctx *m)
{
   struct nc_mode *nm = m->priv;

   if (nm) {
      nc_channel_close(nm->ch);
      host_process_stop(&nm->process);
      free(nm);
   }
   m->priv = NULL;
}
