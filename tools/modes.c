/*
 * modes.c - the mode table: direct, forward, nativectx.
 *
 * To add a mode (a few lines): write its setup/open/teardown next to the
 * library that implements it (e.g. tools/mode_forward.c), declare them
 * below, replace the placeholder row, and add the file and its dependency
 * to tools/meson.build.  Expected shapes:
 *
 *   forward   setup: mt_host_create() serving fwd_host_proto(m->core) and a
 *                    loopback guest ("inproc"), or spawn `msmvirt host` and
 *                    mt_guest_connect() ("socket"), rtt_us in the guest
 *                    config;
 *             open:  a fwd_session on that guest, fwd_client_create(
 *                    fwd_session_call, ...), then ws_msm_ioctl_open() with
 *                    the client's ioctl function and a hostmem map.
 *   nativectx open:  the nativectx guest library's ws constructor over the
 *                    same kind of channel.
 *
 * Each device must report its transport counters through ws_get_stats():
 * they are the round-trip figures of the evaluation.  A setup that cannot
 * serve the asked transport (say "socket" before `msmvirt host` speaks the
 * mode) returns -EOPNOTSUPP: compare then reports the mode as n/a there
 * instead of failing the run.
 */
#include <errno.h>
#include <string.h>

#include "modes.h"

static int
direct_open(struct mode_ctx *m, struct ws_dev **out)
{
   return ws_direct_open(m->core, out);
}

int mode_forward_setup(struct mode_ctx *m);
int mode_forward_open(struct mode_ctx *m, struct ws_dev **out);
void mode_forward_teardown(struct mode_ctx *m);
int mode_nativectx_setup(struct mode_ctx *m);
int mode_nativectx_open(struct mode_ctx *m, struct ws_dev **out);
void mode_nativectx_teardown(struct mode_ctx *m);

static const struct mode modes[] = {
   {
      .name = "direct",
      .what = "host-direct: the ws API straight onto the core in-process, "
              "no transport (the baseline)",
      .uses_transport = false,
      .open = direct_open,
   },
   {
      .name = "forward",
      .what = "render-node forwarding: unmodified msm ioctls, each one a "
              "synchronous call to the host",
      .uses_transport = true,
      .setup = mode_forward_setup,
      .open = mode_forward_open,
      .teardown = mode_forward_teardown,
   },
   {
      .name = "nativectx",
      .what = "DRM native context: batched async requests, guest-chosen "
              "iova and fence seqnos, fences published in shared memory",
      .uses_transport = true,
      .setup = mode_nativectx_setup,
      .open = mode_nativectx_open,
      .teardown = mode_nativectx_teardown,
   },
};

const struct mode *
mode_table(unsigned *count)
{
   *count = sizeof(modes) / sizeof(modes[0]);
   return modes;
}

const struct mode *
mode_find(const char *name)
{
   for (unsigned i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
      if (!strcmp(modes[i].name, name))
         return &modes[i];
   return NULL;
}

int
mode_setup(struct mode_ctx *m, const struct mode *mode,
           const struct msm_core_config *cfg, uint32_t rtt_us,
           const char *transport)
{
   int ret;

   memset(m, 0, sizeof(*m));
   if (!mode_available(mode))
      return -ENOSYS;
   m->mode = mode;
   m->rtt_us = rtt_us;
   m->transport = transport;
   m->cfg = *cfg;
   ret = msm_core_create(&m->cfg, &m->core);
   if (ret)
      return ret;
   if (mode->setup) {
      ret = mode->setup(m);
      if (ret) {
         msm_core_destroy(m->core);
         m->core = NULL;
         return ret;
      }
   }
   return 0;
}

int
mode_open(struct mode_ctx *m, struct ws_dev **out)
{
   return m->mode->open(m, out);
}

void
mode_teardown(struct mode_ctx *m)
{
   if (!m->mode)
      return;
   if (m->mode->teardown)
      m->mode->teardown(m);
   if (m->core)
      msm_core_destroy(m->core);
   m->core = NULL;
   m->mode = NULL;
}
