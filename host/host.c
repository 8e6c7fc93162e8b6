/*
 * host.c - `msmvirt host`: the host daemon.
 *
 * Owns one msm core (backend and chip from flags or an INI config file) and
 * serves guests over the transport: on a unix socket (any number of guest
 * processes, --listen) and/or on a virtio-serial port by connecting to the
 * socket QEMU's `-chardev socket,server=on` created (--connect).  Each
 * connection names its protocol in its HELLO (nativectx, forward) and gets
 * its own contexts; when it goes away, everything it owned is freed.
 *
 *   msmvirt host --listen PATH [--connect PATH] [--config FILE]
 *                [--backend sim] [--chip a630] [--hostmem-file FILE]
 *                [--hostmem-size BYTES] [--submit-ns N] [--dword-ns N]
 *
 * The config file may also set the per-VM quotas and connection limits a
 * host serving several guests needs (docs/security.md), e.g.
 *   [vm]   contexts = 32  hostmem = 64M  bos = 100000  inflight = 2048
 *          waits = 128
 *   [conn] max-conns = 64  hello-timeout-ms = 5000  frame-timeout-ms = 10000
 *          idle-timeout-ms = 60000  tx-max-bytes = 4M
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <pthread.h>
#include <ini.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host.h"
#include "msm_core.h"
#include "transport.h"

struct host_opts {
   struct msm_core_config cfg;
   struct mt_host_config hcfg; /* the connection limits only */
   const char *listen;
   const char *connect;
   const char *config;
   char *strs[16]; /* owned copies of config-file strings */
   int quiet;
   bool listening; /* the socket file at listen is ours to remove */
};

static int
parse_u64(const char *s, uint64_t *out)
{
   char *end;
   unsigned long long v;

   errno = 0;
   v = strtoull(s, &end, 0);
   if (errno || end == s)
      return -EINVAL;
   /* K/M/G suffixes for sizes. */
   switch (*end) {
   case 'K': case 'k': v <<= 10; end++; break;
   case 'M': case 'm': v <<= 20; end++; break;
   case 'G': case 'g': v <<= 30; end++; break;
   }
   if (*end)
      return -EINVAL;
   *out = v;
   return 0;
}

static char *
keep(struct host_opts *o, const char *s)
{
   for (unsigned i = 0; i < sizeof(o->strs) / sizeof(o->strs[0]); i++) {
      if (!o->strs[i]) {
         o->strs[i] = strdup(s);
         return o->strs[i];
      }
   }
   return NULL;
}

/* Every key of the config file, with the flags of the same name.  Keys are
 * unique across sections ([core], [sim], [host], [vm], [conn]); '_' and '-'
 * are the same. */
enum opt_kind { OPT_STR, OPT_U64, OPT_U32 };

static const struct host_key {
   const char *name;
   enum opt_kind kind;
   size_t offset; /* in struct host_opts */
} host_keys[] = {
#define K(n, kind, field) { n, kind, offsetof(struct host_opts, field) }
   K("backend", OPT_STR, cfg.backend),
   K("chip", OPT_STR, cfg.chip),
   K("hostmem-file", OPT_STR, cfg.hostmem_path),
   K("listen", OPT_STR, listen),
   K("connect", OPT_STR, connect),
   K("hostmem-size", OPT_U64, cfg.hostmem_size),
   K("submit-ns", OPT_U64, cfg.sim.submit_ns),
   K("dword-ns", OPT_U64, cfg.sim.dword_ns),
   K("contexts", OPT_U32, cfg.vm_quota.max_contexts),
   K("hostmem", OPT_U64, cfg.vm_quota.max_bo_bytes),
   K("bos", OPT_U32, cfg.vm_quota.max_bos),
   K("inflight", OPT_U32, cfg.vm_quota.max_inflight),
   K("waits", OPT_U32, cfg.vm_quota.max_waits),
   K("max-conns", OPT_U32, hcfg.max_conns),
   K("hello-timeout-ms", OPT_U32, hcfg.hello_timeout_ms),
   K("frame-timeout-ms", OPT_U32, hcfg.frame_timeout_ms),
   K("idle-timeout-ms", OPT_U32, hcfg.idle_timeout_ms),
   K("tx-max-bytes", OPT_U64, hcfg.tx_max_bytes),
#undef K
};

static bool
key_is(const char *name, const char *key)
{
   for (; *name && *key; name++, key++)
      if (*name != *key && !(*name == '-' && *key == '_'))
         return false;
   return !*name && !*key;
}

/* One key of the config file (or one flag: same names). */
static int
set_option(struct host_opts *o, const char *key, const char *val)
{
   for (size_t i = 0; i < sizeof(host_keys) / sizeof(host_keys[0]); i++) {
      const struct host_key *k = &host_keys[i];
      void *dst = (char *)o + k->offset;
      uint64_t v;

      if (!key_is(k->name, key))
         continue;
      if (k->kind == OPT_STR) {
         char *copy = keep(o, val);
         if (!copy)
            return -ENOMEM;
         memcpy(dst, &copy, sizeof(copy));
         return 0;
      }
      if (parse_u64(val, &v) || (k->kind == OPT_U32 && v > UINT32_MAX))
         return -EINVAL;
      if (k->kind == OPT_U32) {
         uint32_t v32 = (uint32_t)v;
         memcpy(dst, &v32, sizeof(v32));
      } else {
         memcpy(dst, &v, sizeof(v));
      }
      return 0;
   }
   return -ENOENT;
}

struct ini_state {
   struct host_opts *o;
   char why[160];
};

/* inih stops at the first handler error and returns its line number. */
static int
config_key(void *user, const char *section, const char *name,
           const char *value)
{
   struct ini_state *st = user;
   int ret;

   (void)section; /* [core], [sim], [host]: keys are unique across them */
   ret = set_option(st->o, name, value);
   if (ret) {
      snprintf(st->why, sizeof(st->why), "%s '%s'",
               ret == -ENOENT ? "unknown key" : "bad value for", name);
      return 0;
   }
   return 1;
}

static void
usage(FILE *f)
{
   fprintf(f,
      "usage: msmvirt host [--listen PATH] [--connect PATH] [--config FILE]\n"
      "                    [--backend sim] [--chip a618|a630|a650|a660]\n"
      "                    [--hostmem-file FILE] [--hostmem-size BYTES]\n"
      "                    [--submit-ns N] [--dword-ns N] [--quiet]\n"
      "  --listen PATH   serve guest processes on a unix socket\n"
      "  --connect PATH  serve a VM: connect to QEMU's virtio-serial chardev socket\n"
      "                  (use --hostmem-file with the file behind its ivshmem device)\n");
}

static const struct option host_longopts[] = {
   { "listen", required_argument, NULL, 'l' },
   { "connect", required_argument, NULL, 'c' },
   { "config", required_argument, NULL, 'f' },
   { "backend", required_argument, NULL, 'b' },
   { "chip", required_argument, NULL, 'p' },
   { "hostmem-file", required_argument, NULL, 'm' },
   { "hostmem-size", required_argument, NULL, 's' },
   { "submit-ns", required_argument, NULL, 'S' },
   { "dword-ns", required_argument, NULL, 'D' },
   { "quiet", no_argument, NULL, 'q' },
   { "help", no_argument, NULL, 'h' },
   { 0 },
};

/* The config file first, then the flags over it (each flag is the config
 * key of the same name).  -1: go on; else the exit status. */
static int
host_parse_args(int argc, char **argv, struct host_opts *o)
{
   int opt, ret;

   msm_core_config_defaults(&o->cfg);
   optind = 1;
   for (int i = 1; i < argc - 1; i++)
      if (!strcmp(argv[i], "--config"))
         o->config = argv[i + 1];
   if (o->config) {
      struct ini_state st = { .o = o };
      ret = ini_parse(o->config, config_key, &st);
      if (ret < 0) {
         fprintf(stderr, "msmvirt host: cannot read %s\n", o->config);
         return 1;
      }
      if (ret > 0) {
         fprintf(stderr, "msmvirt host: %s:%d: %s\n", o->config, ret,
                 st.why[0] ? st.why : "syntax error");
         return 1;
      }
   }
   while ((opt = getopt_long(argc, argv, "l:c:f:b:p:m:s:S:D:qh", host_longopts,
                             NULL)) != -1) {
      const char *key = NULL;

      switch (opt) {
      case 'f': continue;
      case 'q': o->quiet = 1; continue;
      case 'h': usage(stdout); return 0;
      case 'l': key = "listen"; break;
      case 'c': key = "connect"; break;
      case 'b': key = "backend"; break;
      case 'p': key = "chip"; break;
      case 'm': key = "hostmem-file"; break;
      case 's': key = "hostmem-size"; break;
      case 'S': key = "submit-ns"; break;
      case 'D': key = "dword-ns"; break;
      default: usage(stderr); return 2;
      }
      if (set_option(o, key, optarg)) {
         fprintf(stderr, "msmvirt host: bad value for --%s: '%s'\n", key, optarg);
         return 2;
      }
   }
   if (!o->listen && !o->connect) {
      fprintf(stderr, "msmvirt host: nothing to serve: give --listen and/or --connect\n");
      usage(stderr);
      return 2;
   }
   return -1;
}

/* The transport host over the core, listening and/or connected. */
static int
host_start(struct host_opts *o, struct msm_core *core,
           struct mt_host_proto *protos, unsigned nr, struct mt_host **out)
{
   struct mt_host_config hcfg = o->hcfg;
   struct msm_hostmem_info hm;
   int ret;

   msm_core_hostmem(core, &hm);
   hcfg.protos = protos;
   hcfg.nr_protos = nr;
   hcfg.hostmem_base = hm.base;
   hcfg.hostmem_size = hm.size;
   hcfg.hostmem_fd = hm.fd;
   ret = mt_host_create(&hcfg, out);
   if (ret) {
      fprintf(stderr, "msmvirt host: %s\n", strerror(-ret));
      return ret;
   }
   if (o->listen && (ret = mt_host_listen(*out, o->listen))) {
      fprintf(stderr, "msmvirt host: cannot listen on %s: %s%s\n", o->listen,
              strerror(-ret),
              ret == -EADDRINUSE ? " (another msmvirt host serves it)" : "");
      return ret;
   }
   o->listening = o->listen != NULL;
   if (o->connect && (ret = mt_host_connect(*out, o->connect))) {
      fprintf(stderr, "msmvirt host: cannot connect to %s: %s\n", o->connect,
              strerror(-ret));
      return ret;
   }
   if (!o->quiet) {
      fprintf(stderr, "msmvirt host: %s backend, chip %s, %lu MiB hostmem%s%s; "
              "protocols:", o->cfg.backend ? o->cfg.backend : "sim",
              msm_core_chip(core)->name, (unsigned long)(hm.size >> 20),
              o->listen ? ", listening on " : "", o->listen ? o->listen : "");
      for (unsigned i = 0; i < nr; i++)
         fprintf(stderr, " %s", protos[i].name);
      fprintf(stderr, "\n");
   }
   return 0;
}

static void
host_stop(struct host_opts *o, struct mt_host *host, bool report)
{
   struct mt_host_stats hs;

   mt_host_stop(host);
   mt_host_get_stats(host, &hs);
   if (!o->quiet && report)
      fprintf(stderr, "msmvirt host: stopped after %lu connection(s), "
              "%lu frame(s), %lu dropped for protocol faults\n",
              (unsigned long)hs.conns, (unsigned long)hs.frames,
              (unsigned long)hs.faults);
   mt_host_destroy(host);
   /* Never another host's socket (EADDRINUSE above). */
   if (o->listening)
      unlink(o->listen);
}

int
cmd_host(int argc, char **argv)
{
   struct host_opts o = { 0 };
   struct mt_host_proto protos[HOST_MAX_PROTOS];
   struct msm_core *core = NULL;
   struct mt_host *host = NULL;
   sigset_t sigs;
   int ret, sig, status = host_parse_args(argc, argv, &o);

   if (status >= 0)
      goto out;
   status = 1;
   ret = msm_core_create(&o.cfg, &core);
   if (ret) {
      fprintf(stderr, "msmvirt host: cannot create the %s core for chip %s: %s\n",
              o.cfg.backend ? o.cfg.backend : "sim",
              o.cfg.chip ? o.cfg.chip : "a630", strerror(-ret));
      goto out;
   }
   /* Block the stop signals before any thread starts, so every thread
    * inherits the mask and only sigwait() below sees them. */
   sigemptyset(&sigs);
   sigaddset(&sigs, SIGINT);
   sigaddset(&sigs, SIGTERM);
   pthread_sigmask(SIG_BLOCK, &sigs, NULL);
   signal(SIGPIPE, SIG_IGN);
   if (host_start(&o, core, protos, host_protocols(core, protos), &host))
      goto out;
   sigwait(&sigs, &sig);
   if (!o.quiet)
      fprintf(stderr, "msmvirt host: %s, shutting down\n", strsignal(sig));
   status = 0;
out:
   if (host)
      host_stop(&o, host, status == 0);
   if (core)
      msm_core_destroy(core);
   for (unsigned i = 0; i < sizeof(o.strs) / sizeof(o.strs[0]); i++)
      free(o.strs[i]);
   return status;
}
