/*
 * host_process.c - a real `msmvirt host` process for a harness (compare's
 * socket transport, the remote conformance tests): the same binary, the
 * run's core configuration, a fresh unix socket.  The guest side then
 * connects like any guest process would.
 */
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "host_process.h"
#include "transport.h"

extern char **environ;

int
host_process_start(const struct msm_core_config *cfg, struct host_process *h)
{
   return host_process_start_exe("/proc/self/exe", cfg, h);
}

int
host_process_start_exe(const char *exe, const struct msm_core_config *cfg,
                    struct host_process *h)
{
   return host_process_start_config(exe, cfg, NULL, h);
}

int
host_process_start_config(const char *exe, const struct msm_core_config *cfg,
                          const char *config, struct host_process *h)
{
   char size[32], sub[32], dw[32];
   const char *chip = cfg->chip ? cfg->chip : "a630";
   char *argv[] = {
      "msmvirt", "host", "--quiet", "--listen", h->path, "--chip", (char *)chip,
      "--hostmem-size", size, "--submit-ns", sub, "--dword-ns", dw,
      config ? "--config" : NULL, (char *)config, NULL,
   };
   int ret;

   snprintf(h->path, sizeof(h->path), "/tmp/msmvirt-compare-%d-%ld.sock",
            (int)getpid(), (long)random());
   snprintf(size, sizeof(size), "%llu", (unsigned long long)cfg->hostmem_size);
   snprintf(sub, sizeof(sub), "%llu", (unsigned long long)cfg->sim.submit_ns);
   snprintf(dw, sizeof(dw), "%llu", (unsigned long long)cfg->sim.dword_ns);
   ret = posix_spawn(&h->pid, exe, NULL, NULL, argv, environ);
   if (ret)
      return -ret;

   /* Up when it accepts a guest: poll with a throwaway stats connection. */
   for (int i = 0; i < 500; i++) {
      struct mt_guest_config gcfg = { .proto = "stats", .timeout_ms = 1000 };
      struct mt_guest *g;
      struct timespec ts = { 0, 10 * 1000 * 1000 };
      int status;

      if (!mt_guest_connect(h->path, &gcfg, &g)) {
         mt_guest_close(g);
         return 0;
      }
      if (waitpid(h->pid, &status, WNOHANG) == h->pid) {
         h->pid = 0;
         return -ECHILD;
      }
      nanosleep(&ts, NULL);
   }
   host_process_stop(h);
   return -ETIMEDOUT;
}

void
host_process_stop(struct host_process *h)
{
   if (h->pid > 0) {
      kill(h->pid, SIGTERM);
      waitpid(h->pid, NULL, 0);
   }
   h->pid = 0;
   unlink(h->path);
}
