/*
 * conf_nc_unix.c - the ws conformance suite on nativectx against a host in
 * another process: a child serves a sim core on a unix socket, the guest
 * maps hostmem from the fd the host passes, every device is a session on
 * one connection.  No core here, so the in-process-only checks skip.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "conformance.h"
#include "nc_channel.h"
#include "nc_guest.h"
#include "nc_test_util.h"

struct fixture {
   pid_t host;
   char path[256];
   struct nc_channel *ch;
};

static int
setup(void **out)
{
   struct fixture *f = calloc(1, sizeof(*f));

   if (!f)
      return -1;
   nc_temp_path(f->path, sizeof(f->path), "conf");
   f->host = nc_spawn_host(f->path);
   if (f->host < 0 || nc_channel_connect(f->path, NULL, &f->ch)) {
      fprintf(stderr, "no nativectx host at %s\n", f->path);
      return -1;
   }
   *out = f;
   return 0;
}

static void
teardown(void *p)
{
   struct fixture *f = p;
   nc_channel_close(f->ch);
   nc_kill_host(f->host);
   unlink(f->path);
   free(f);
}

static int
open_dev(void *p, struct ws_dev **dev)
{
   struct fixture *f = p;
   return ws_nativectx_open_channel(f->ch, NULL, dev);
}

int
main(void)
{
   static const struct ws_factory nc = {
      .name = "nativectx-unix",
      .setup = setup,
      .teardown = teardown,
      .open = open_dev,
      .gpu_id = 630,
   };
   return ws_conformance_run(&nc);
}
