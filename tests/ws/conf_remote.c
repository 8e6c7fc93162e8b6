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
#include "fwd_channel.h"
#include "host_process.h"
#include "msm_core.h"
#include "nc_channel.h"
#include "nc_guest.h"

static const char *exe;
static bool native;

static int
setup(void **fixture)
{
   struct host_process *h = calloc(1, sizeof(*h));
   const char *sock = getenv("MSMVIRT_HOST_SOCK");
   struct msm_core_config cfg;

   if (h && sock && strlen(sock) < sizeof(h->path)) {
      strcpy(h->path, sock); /* pid 0: teardown leaves it running */
      *fixture = h;
      return 0;
   }
   msm_core_config_defaults(&cfg);
   if (!h || host_process_start_exe(exe, &cfg, h)) {
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
   struct host_process *h = fixture;

   if (h->pid)
      host_process_stop(h);
   free(h);
}

/* One connection per device (a guest process): a channel it owns. */
static int
open_dev(void *fixture, struct ws_dev **out)
{
   struct host_process *h = fixture;
   int ret;

   if (native) {
      struct nc_channel *ch;
      ret = nc_channel_connect(h->path, NULL, &ch);
      if (ret)
         return ret;
      ret = ws_nativectx_open_owning(ch, NULL, out);
      if (ret)
         nc_channel_close(ch);
   } else {
      struct fwd_channel *ch;
      ret = fwd_channel_connect(h->path, NULL, &ch);
      if (ret)
         return ret;
      ret = ws_fwd_open_owning(ch, out);
      if (ret)
         fwd_channel_close(ch);
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
