/*
 * msmvirt-host.c - the host daemon as its own executable: what a VMM
 * deployment runs (`msmvirt host` is the same code, for the harness).
 *
 *   msmvirt-host --listen PATH [--connect PATH] [--config FILE] ...
 *   msmvirt-host stats --connect PATH
 */
#include <string.h>

#include "host.h"

int
main(int argc, char **argv)
{
   if (argc >= 2 && !strcmp(argv[1], "stats"))
      return cmd_stats(argc - 1, argv + 1);
   return cmd_host(argc, argv);
}
