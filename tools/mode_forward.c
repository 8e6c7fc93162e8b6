/*
 * mode_forward.c - compare's forward mode: ws over msm ioctls, each one
 * marshalled (fwd_guest) and sent as a synchronous CALL to a host serving
 * fwd_host_proto: in-process over a loopback transport (inproc), or a real
 * `msmvirt host` process over a unix socket (socket).  Like the CUSE
 * daemon's one virtio-serial stream in a VM, one connection serves the run
 * and every device is a new session (drm_file) on it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fwd_channel.h"
#include "host_process.h"
#include "modes.h"

struct fwd_mode {
   struct host_process process;   /* socket */
   struct fwd_channel *ch;     /* the run's one connection */
};

int mode_forward_setup(struct mode_ctx *m);
int mode_forward_open(struct mode_ctx *m, struct ws_dev **out);
void mode_forward_teardown(struct mode_ctx *m);

int
mode_forward_setup(struct mode_ctx *m)
{
   struct fwd_mode *fm = calloc(1, sizeof(*fm));
   struct fwd_channel_config cfg = { .rtt_us = m->rtt_us };
   int ret;

   if (!fm)
      return -ENOMEM;
   if (!strcmp(m->transport, "socket")) {
      ret = host_process_start(&m->cfg, &fm->process);
      if (!ret)
         ret = fwd_channel_connect(fm->process.path, &cfg, &fm->ch);
   } else if (!strcmp(m->transport, "inproc")) {
      ret = fwd_channel_loopback(m->core, &cfg, &fm->ch);
   } else {
      ret = -EOPNOTSUPP;
   }
   if (ret) {
      host_process_stop(&fm->process);
      free(fm);
      return ret;
   }
   m->priv = fm;
   return 0;
}

int
mode_forward_open(struct mode_ctx *m, struct ws_dev **out)
{
   struct fwd_mode *fm = m->priv;
   return ws_fwd_open_channel(fm->ch, out);
}

void
mode_forward_teardown(struct mode_ctx *m)
{
   struct fwd_mode *fm = m->priv;

   if (fm) {
      fwd_channel_close(fm->ch);
      host_process_stop(&fm->process);
      free(fm);
   }
   m->priv = NULL;
}
