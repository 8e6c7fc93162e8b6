/*
 * conf_remote.c - the ws conformance suite against a real `msmvirt host`
 * process over a unix socket, as a guest process on the same machine would
 * use it:
 *
 *   conf_remote MSMVIRT forward     every ioctl a synchronous call
 *   conf_remote MSMVIRT nativectx   the async native context
 *
 * The core lives in the host process, so the two tests that read its
 * counters in-process are skipped (tests/nativectx and tests/cuse check
 * the host's counters through `msmvirt stats`).
 *
 * With MSMVIRT_HOST_SOCK set, it uses the host already serving that socket
 * instead of starting one (the interference suite runs it beside an
 * attacker).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conformance.h"
#include "fwd_guest.h"
#include "fwd_proto.h"
#include "mode_host.h"
#include "msm_core.h"
#include "nc_channel.h"
#include "nc_guest.h"
#include "transport.h"
#include "ws_ioctl.h"

static const char *exe;
static bool native;
static uint32_t next_session;

static int
setup(void **fixture)
{
   struct mode_host *h = calloc(1, sizeof(*h));
   const char *sock = getenv("MSMVIRT_HOST_SOCK");
   struct msm_core_config cfg;

   if (h && sock && strlen(sock) < sizeof(h->path)) {
      strcpy(h->path, sock); /* pid 0: teardown leaves it running */
      *fixture = h;
      return 0;
   }
   msm_core_config_defaults(&cfg);
   if (!h || mode_host_start_exe(exe, &cfg, h)) {
      fprintf(stderr, "conf_remote: cannot start %s host\n", exe);
      free(h);
      return -1;
   }
   *fixture = h;
   return 0;
}

static void
teardown(void *fixture)
{
   struct mode_host *h = fixture;

   if (h->pid)
      mode_host_stop(h);
   free(h);
}

/* forward: one connection per device (a guest process), one session. */
struct fdev {
   struct mt_guest *g;
   struct fwd_session s;
   struct fwd_client *client;
   char *hostmem;
   uint64_t hostmem_size;
};

static int
f_ioctl(void *data, unsigned long req, void *arg)
{
   return fwd_ioctl(((struct fdev *)data)->client, req, arg);
}

static void *
f_map(void *data, uint64_t offset, uint64_t size)
{
   struct fdev *d = data;
   if (offset > d->hostmem_size || size > d->hostmem_size - offset)
      return NULL;
   return d->hostmem + offset;
}

static void
f_stats(void *data, struct ws_stats *st)
{
   struct mt_stats ms;
   mt_guest_stats(((struct fdev *)data)->g, &ms);
   *st = (struct ws_stats){ ms.messages, ms.bytes, ms.sync_round_trips,
                            ms.events };
}

static void
f_close(void *data)
{
   struct fdev *d = data;
   fwd_session_close(&d->s);
   fwd_client_destroy(d->client);
   mt_guest_close(d->g);
   free(d);
}

static int
open_dev(void *fixture, struct ws_dev **out)
{
   static const struct ws_msm_ioctl_ops ops = {
      .ioctl = f_ioctl, .map = f_map, .get_stats = f_stats, .close = f_close,
   };
   struct mode_host *h = fixture;
   struct fdev *d;
   void *base;
   int ret;

   if (native) {
      struct nc_channel *ch;
      ret = nc_channel_connect(h->path, NULL, &ch);
      if (ret)
         return ret;
      ret = ws_nativectx_open_owning(ch, NULL, out);
      if (ret)
         nc_channel_close(ch);
      return ret;
   }
   d = calloc(1, sizeof(*d));
   if (!d)
      return -1;
   struct mt_guest_config gcfg = { .proto = FWD_PROTO_NAME };
   ret = mt_guest_connect(h->path, &gcfg, &d->g);
   if (ret) {
      free(d);
      return ret;
   }
   mt_guest_hostmem(d->g, &base, &d->hostmem_size);
   d->hostmem = base;
   ret = fwd_session_open(&d->s, d->g, ++next_session);
   if (!ret)
      ret = fwd_client_create(fwd_session_call, &d->s, &d->client);
   if (!ret)
      ret = ws_msm_ioctl_open(&ops, d, out);
   if (ret) {
      mt_guest_close(d->g);
      free(d);
   }
   return ret;
}

int
main(int argc, char **argv)
{
   struct ws_factory f = {
      .setup = setup,
      .teardown = teardown,
      .open = open_dev,
      .gpu_id = 630,
   };

   if (argc != 3 || (strcmp(argv[2], "forward") && strcmp(argv[2], "nativectx"))) {
      fprintf(stderr, "usage: conf_remote MSMVIRT forward|nativectx\n");
      return 2;
   }
   exe = argv[1];
   native = !strcmp(argv[2], "nativectx");
   f.name = native ? "nativectx-msmvirt-host" : "forward-msmvirt-host";
   return ws_conformance_run(&f);
}
