/*
 * msmvirt-cuse.c - the forward design's guest daemon: a CUSE character
 * device (dri/renderD128 by default) speaking the msm uapi, every ioctl
 * forwarded to the host synchronously (DESIGN.md decision 6).
 *
 *   msmvirt-cuse [--port /dev/vport0p1 --hostmem BAR | --connect SOCK]
 *                [--devname dri/renderD128] [--rtt-us N] [--trace FILE]
 *                [--max-threads N] [--debug]
 *
 * One open() is one fwd session (one host context, the drm_file); release
 * closes it.  ioctls are served with unrestricted-ioctl retries planned from
 * the spec table (cuse_plan.h); the node has no mmap, which the preload
 * helper (preload.c) supplies.  The fuse loop is multithreaded: a caller
 * blocked in WAIT_FENCE holds one worker, and others keep going.
 *
 * Modelled on libfuse's example/cuse.c.
 */
#define FUSE_USE_VERSION 312

#include <cuse_lowlevel.h>
#include <errno.h>
#include <getopt.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cuse_node.h"
#include "fwd_proto.h"
#include "transport.h"

#define DEFAULT_DEVNAME     "dri/renderD128"
#define DEFAULT_MAX_THREADS 64
#define CONNECT_TRIES       20

struct daemon {
   struct mt_guest *g;
   struct cuse_node *node;
   const char *devname;
   _Atomic uint32_t next_session;
   _Atomic uint64_t opens, open_failures, releases;
};

/* The errno a caller sees when the host could not be asked at all. */
static int
transport_errno(int ret)
{
   switch (ret) {
   case -ECONNRESET:
   case -EPIPE:
   case -EPROTO:
   case -EMSGSIZE:
      return EIO;
   default:
      return -ret;
   }
}

static void
node_init_done(void *userdata)
{
   struct daemon *d = userdata;

   fprintf(stderr, "msmvirt-cuse: /dev/%s ready\n", d->devname);
}

static void
node_open(fuse_req_t req, struct fuse_file_info *fi)
{
   struct daemon *d = fuse_req_userdata(req);
   struct fwd_session *s = calloc(1, sizeof(*s));
   struct cuse_file *f = NULL;
   uint32_t id = atomic_fetch_add(&d->next_session, 1);
   int ret;

   if (!s) {
      fuse_reply_err(req, ENOMEM);
      return;
   }
   ret = fwd_session_open(s, d->g, id);
   if (!ret) {
      ret = cuse_file_create(d->node, id, fwd_session_call, s, &f);
      if (ret)
         fwd_session_close(s);
   }
   if (ret) {
      atomic_fetch_add(&d->open_failures, 1);
      free(s);
      fuse_reply_err(req, transport_errno(ret));
      return;
   }
   atomic_fetch_add(&d->opens, 1);
   fi->fh = (uintptr_t)f;
   fi->nonseekable = 1;
   fi->direct_io = 1;
   fuse_reply_open(req, fi);
}

static void
node_release(fuse_req_t req, struct fuse_file_info *fi)
{
   struct daemon *d = fuse_req_userdata(req);
   struct cuse_file *f = (struct cuse_file *)(uintptr_t)fi->fh;
   struct fwd_session *s = cuse_file_call_data(f);
   int ret = fwd_session_close(s);

   /* The drm_file is gone either way; a host that cannot hear about it
    * frees the context when the connection goes. */
   if (ret)
      fprintf(stderr, "msmvirt-cuse: closing session %u: %s\n", s->id,
              strerror(-ret));
   atomic_fetch_add(&d->releases, 1);
   cuse_file_destroy(f);
   free(s);
   fuse_reply_err(req, 0);
}

static void
node_ioctl(fuse_req_t req, int cmd, void *arg, struct fuse_file_info *fi,
           unsigned flags, const void *in_buf, size_t in_bufsz,
           size_t out_bufsz)
{
   struct cuse_file *f = (struct cuse_file *)(uintptr_t)fi->fh;
   struct cuse_step st;

   /* 32-bit callers lay out drm_version differently and would need
    * drm_ioc32.c's translations: not a guest we build. */
   if (flags & FUSE_IOCTL_COMPAT) {
      fuse_reply_ioctl(req, -ENOTTY, NULL, 0);
      return;
   }
   cuse_file_ioctl(f, (uint32_t)fuse_req_ctx(req)->pid, (unsigned int)cmd,
                   (uintptr_t)arg, in_buf, in_bufsz, out_bufsz, &st);
   if (st.retry) {
      fuse_reply_ioctl_retry(req, st.nr_in ? st.in_iov : NULL, st.nr_in,
                             st.nr_out ? st.out_iov : NULL, st.nr_out);
   } else {
      /* Errors travel as the ioctl's result, not as fuse_reply_err():
       * the kernel turns an ENOSYS reply error into ENOTTY, and PRIME's
       * ENOSYS must reach the caller as it is. */
      fuse_reply_ioctl(req, st.result, st.len ? st.data : NULL, st.len);
   }
   cuse_step_fini(&st);
}

static const struct cuse_lowlevel_ops node_ops = {
   .init_done = node_init_done,
   .open = node_open,
   .release = node_release,
   .ioctl = node_ioctl,
};

/* A render node's minor is 128 + N: libdrm derives the node type from it. */
static unsigned
devname_minor(const char *devname)
{
   const char *p = strstr(devname, "renderD");
   unsigned minor;

   if (p && sscanf(p, "renderD%u", &minor) == 1 && minor >= 128 && minor < 192)
      return minor;
   return 128;
}

static void
usage(FILE *f)
{
   fprintf(f,
      "usage: msmvirt-cuse [--port PORT --hostmem FILE | --connect SOCK] [options]\n"
      "  --port PORT        virtio-serial port to the host daemon (env MSMVIRT_PORT)\n"
      "  --hostmem FILE     the ivshmem BAR (sysfs resource2) or hostmem file\n"
      "                     (env MSMVIRT_HOSTMEM_BAR)\n"
      "  --connect SOCK     a host daemon's unix socket instead (msmvirt host --listen)\n"
      "  --devname NAME     node under /dev (default " DEFAULT_DEVNAME ")\n"
      "  --rtt-us N         modelled guest<->host round trip (transport latency model)\n"
      "  --trace FILE       one line per forwarded ioctl (\"-\": stderr)\n"
      "  --max-threads N    fuse worker threads (default %d)\n"
      "  --debug            libfuse debug output\n", DEFAULT_MAX_THREADS);
}

static int
open_transport(struct daemon *d, const char *port, const char *hostmem,
               const char *sock, uint32_t rtt_us)
{
   const struct mt_guest_config cfg = {
      .proto = FWD_PROTO_NAME,
      .rtt_us = rtt_us,
      .timeout_ms = 10000,
   };
   int ret = -EINVAL;

   /* The host daemon may come up after us, or still be finishing the
    * previous daemon's connection (a re-HELLO restarts it): keep trying. */
   for (int i = 0; i < CONNECT_TRIES; i++) {
      ret = sock ? mt_guest_connect(sock, &cfg, &d->g)
                 : mt_guest_open_virtio(port, hostmem, 0, &cfg, &d->g);
      if (!ret || ret == -EINVAL || ret == -ENOENT || ret == -EACCES ||
          ret == -EPROTONOSUPPORT)
         break;
      fprintf(stderr, "msmvirt-cuse: reaching the host: %s; retrying\n",
              strerror(-ret));
      usleep(500000);
   }
   return ret;
}

int
main(int argc, char **argv)
{
   static const struct option longopts[] = {
      { "port", required_argument, NULL, 'p' },
      { "hostmem", required_argument, NULL, 'm' },
      { "connect", required_argument, NULL, 'c' },
      { "devname", required_argument, NULL, 'n' },
      { "rtt-us", required_argument, NULL, 'r' },
      { "trace", required_argument, NULL, 't' },
      { "max-threads", required_argument, NULL, 'j' },
      { "debug", no_argument, NULL, 'd' },
      { "help", no_argument, NULL, 'h' },
      { 0 },
   };
   const char *port = getenv("MSMVIRT_PORT");
   const char *hostmem = getenv("MSMVIRT_HOSTMEM_BAR");
   const char *sock = NULL, *trace_path = NULL;
   struct daemon d = { .devname = DEFAULT_DEVNAME, .next_session = 1 };
   struct cuse_trace *trace = NULL;
   unsigned rtt_us = 0, max_threads = DEFAULT_MAX_THREADS;
   int opt, debug = 0, ret, status = 1;

   while ((opt = getopt_long(argc, argv, "p:m:c:n:r:t:j:dh", longopts,
                             NULL)) != -1) {
      switch (opt) {
      case 'p': port = optarg; break;
      case 'm': hostmem = optarg; break;
      case 'c': sock = optarg; break;
      case 'n': d.devname = optarg; break;
      case 'r': rtt_us = (unsigned)strtoul(optarg, NULL, 0); break;
      case 't': trace_path = optarg; break;
      case 'j': max_threads = (unsigned)strtoul(optarg, NULL, 0); break;
      case 'd': debug = 1; break;
      case 'h': usage(stdout); return 0;
      default: usage(stderr); return 2;
      }
   }
   if (optind != argc || (!sock && (!port || !hostmem)) || !max_threads) {
      usage(stderr);
      return 2;
   }

   if (trace_path) {
      ret = cuse_trace_open(trace_path, &trace);
      if (ret) {
         fprintf(stderr, "msmvirt-cuse: %s: %s\n", trace_path, strerror(-ret));
         return 1;
      }
   }
   ret = cuse_node_create(NULL, trace, &d.node);
   if (ret)
      goto out;
   ret = open_transport(&d, port, hostmem, sock, rtt_us);
   if (ret) {
      fprintf(stderr, "msmvirt-cuse: cannot reach the host via %s: %s\n",
              sock ? sock : port, strerror(-ret));
      goto out;
   }

   char devinfo[128];
   const char *dev_info_argv[] = { devinfo };
   struct cuse_info ci = {
      .dev_major = 0, /* dynamic */
      .dev_minor = devname_minor(d.devname),
      .dev_info_argc = 1,
      .dev_info_argv = dev_info_argv,
      .flags = CUSE_UNRESTRICTED_IOCTL,
   };
   snprintf(devinfo, sizeof(devinfo), "DEVNAME=%s", d.devname);

   /* Foreground always: the transport's reader thread must survive. */
   char *fargv[] = { argv[0], "-f", debug ? "-d" : NULL, NULL };
   int fargc = debug ? 3 : 2, multithreaded;
   struct fuse_session *se = cuse_lowlevel_setup(fargc, fargv, &ci, &node_ops,
                                                 &multithreaded, &d);
   if (!se)
      goto out;
   if (multithreaded) {
      struct fuse_loop_config *cfg = fuse_loop_cfg_create();
      fuse_loop_cfg_set_max_threads(cfg, max_threads);
      ret = fuse_session_loop_mt(se, cfg);
      fuse_loop_cfg_destroy(cfg);
   } else {
      ret = fuse_session_loop(se);
   }
   cuse_lowlevel_teardown(se);
   status = ret ? 1 : 0;

   struct mt_stats ts;
   mt_guest_stats(d.g, &ts);
   fprintf(stderr, "msmvirt-cuse: %llu opens (%llu failed), %llu releases; "
           "%llu host round trips, %llu bytes\n",
           (unsigned long long)atomic_load(&d.opens),
           (unsigned long long)atomic_load(&d.open_failures),
           (unsigned long long)atomic_load(&d.releases),
           (unsigned long long)ts.sync_round_trips,
           (unsigned long long)ts.bytes);
   cuse_node_print_stats(d.node, stderr);

out:
   if (d.g)
      mt_guest_close(d.g);
   cuse_node_destroy(d.node);
   cuse_trace_close(trace);
   return status;
}
