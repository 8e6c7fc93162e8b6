/*
 * nc_test_util.c - see nc_test_util.h.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nc_host.h"
#include "nc_test_util.h"

uint64_t
nc_now_ns(void)
{
   struct timespec ts;
   clock_gettime(CLOCK_MONOTONIC, &ts);
   return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void
nc_temp_path(char *buf, size_t cap, const char *what)
{
   static unsigned n;
   const char *dir = getenv("TMPDIR");
   snprintf(buf, cap, "%s/nc-%s-%d-%u.sock", dir ? dir : "/tmp", what,
            (int)getpid(), n++);
}

static void
host_child(const char *path, int ready_fd)
{
   struct msm_core_config cfg;
   struct msm_core *core;
   struct msm_hostmem_info hm;
   struct mt_host_proto proto;
   struct mt_host *h;

   prctl(PR_SET_PDEATHSIG, SIGKILL);
   msm_core_config_defaults(&cfg);
   if (msm_core_create(&cfg, &core) || nc_host_proto(core, &proto))
      _exit(1);
   msm_core_hostmem(core, &hm);
   struct mt_host_config hcfg = {
      .protos = &proto, .nr_protos = 1, .hostmem_base = hm.base,
      .hostmem_size = hm.size, .hostmem_fd = hm.fd,
   };
   if (mt_host_create(&hcfg, &h) || mt_host_listen(h, path))
      _exit(1);
   if (write(ready_fd, "r", 1) != 1)
      _exit(1);
   for (;;)
      pause();
}

pid_t
nc_spawn_host(const char *path)
{
   int p[2];
   char c;
   pid_t pid;

   if (pipe(p))
      return -1;
   pid = fork();
   if (pid == 0) {
      close(p[0]);
      host_child(path, p[1]);
   }
   close(p[1]);
   if (pid < 0 || read(p[0], &c, 1) != 1) {
      close(p[0]);
      if (pid > 0)
         nc_kill_host(pid);
      return -1;
   }
   close(p[0]);
   return pid;
}

void
nc_kill_host(pid_t pid)
{
   if (pid <= 0)
      return;
   kill(pid, SIGKILL);
   waitpid(pid, NULL, 0);
}

void *
nc_batch_add(struct nc_batch *b, uint32_t cmd, uint32_t len, uint32_t rsp_off)
{
   struct nc_ccmd_req *hdr;

   len = NC_ALIGN4(len);
   if (b->len + len > sizeof(b->buf))
      abort();
   hdr = (struct nc_ccmd_req *)(b->buf + b->len);
   memset(hdr, 0, len);
   hdr->cmd = cmd;
   hdr->len = len;
   hdr->seqno = ++b->seqno;
   hdr->rsp_off = rsp_off;
   b->len += len;
   return hdr;
}

bool
nc_wait_stats(struct msm_core *core, nc_stats_pred pred, void *arg,
              int timeout_ms, struct msm_core_stats *last)
{
   struct msm_core_stats st;

   for (int i = 0; i <= timeout_ms; i += 5) {
      msm_core_get_stats(core, &st);
      if (last)
         *last = st;
      if (pred(&st, arg))
         return true;
      nanosleep(&(struct timespec){ 0, 5000000 }, NULL);
   }
   return false;
}
