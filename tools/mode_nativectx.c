/*
 * mode_nativectx.c - compare's nativectx mode: the nativectx guest library
 * (batched async ccmds, guest-chosen iova / storage / seqnos, fences read
 * from shared memory).  Like a VM's one virtio-gpu device, one channel
 * serves the whole run and every device is a new context on it: in-process
 * over a loopback transport to the run's core (inproc), or to a real
 * `msmvirt host` process over a unix socket (socket).  Inside a guest
 * (node), each device opens the virtio_gpu node of msmvirt-cuse in
 * nativectx mode and the library's vg layer is the virtgpu uapi
 * (vg_ioctl.c); the host is outside the guest, the run's core unused.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host_process.h"
#include "modes.h"
#include "nc_channel.h"
#include "nc_guest.h"
#include "vg_ioctl.h"

int mode_nativectx_setup(struct mode_ctx *m);
int mode_nativectx_open(struct mode_ctx *m, struct ws_dev **out);
void mode_nativectx_teardown(struct mode_ctx *m);

struct nc_mode {
   struct host_process process; /* socket */
   struct nc_channel *ch;
   /* node */
   const char *node;
   uint64_t hostmem_size;
};

/* The guest's hostmem: the ivshmem BAR the preload maps the node onto. */
static int
node_setup(struct nc_mode *nm)
{
   const char *bar = getenv("MSMVIRT_HOSTMEM_BAR");
   const char *node = getenv("MSMVIRT_NODE");
   struct stat st;

   if (!bar || !*bar || stat(bar, &st) || !st.st_size)
      return -ENODEV;
   nm->hostmem_size = (uint64_t)st.st_size;
   nm->node = node && *node ? node : "/dev/dri/renderD128";
   return 0;
}

int
mode_nativectx_setup(struct mode_ctx *m)
{
   struct nc_channel_config cfg = { .rtt_us = m->rtt_us };
   struct nc_mode *nm;
   int ret;

   if (strcmp(m->transport, "inproc") && strcmp(m->transport, "socket") &&
       strcmp(m->transport, "node"))
      return -EOPNOTSUPP;
   nm = calloc(1, sizeof(*nm));
   if (!nm)
      return -ENOMEM;
   if (!strcmp(m->transport, "node")) {
      ret = node_setup(nm);
   } else if (!strcmp(m->transport, "socket")) {
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
   struct vg_dev *vg;
   int fd, ret;

   if (!nm->node)
      return ws_nativectx_open_channel(nm->ch, NULL, out);
   fd = open(nm->node, O_RDWR | O_CLOEXEC);
   if (fd < 0)
      return -errno;
   ret = vg_ioctl_open_fd(fd, nm->hostmem_size, &vg);
   return ret ? ret : ws_nativectx_open(vg, NULL, out);
}

void
mode_nativectx_teardown(struct mode_ctx *m)
{
   struct nc_mode *nm = m->priv;

   if (nm) {
      if (nm->ch)
         nc_channel_close(nm->ch);
      host_process_stop(&nm->process);
      free(nm);
   }
   m->priv = NULL;
}
