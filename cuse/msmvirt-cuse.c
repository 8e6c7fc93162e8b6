/*
 * msmvirt-cuse.c - the guest daemon: a CUSE character device
 * (dri/renderD128 by default) with one of two personalities, chosen by the
 * guest config file (cuse_config.h, DESIGN.md decisions 6 and 7):
 *
 *   forward    the msm uapi, every ioctl forwarded to the host
 *              synchronously (cuse_node.c);
 *   nativectx  the virtio_gpu uapi of a DRM native context: the daemon
 *              plays the guest kernel's virtio-gpu driver over the nativectx
 *              transport (vgpu_node.c), with read/poll for its events.
 *
 *   msmvirt-cuse [--config FILE] [--mode forward|nativectx]
 *                [--port /dev/vport0p1 --hostmem BAR | --connect SOCK]
 *                [--devname dri/renderD128] [--rtt-us N] [--trace FILE]
 *                [--max-threads N] [--debug]
 *
 * Options override the file.  One open() is one host context (the
 * drm_file); release closes it.  ioctls are served with unrestricted-ioctl
 * retries planned from the personality's table (cuse_plan.h); the node has
 * no mmap and cannot make fds, which the preload helper (preload.c,
 * preload_fence.c) supplies.  The fuse loop is multithreaded: a caller
 * blocked in a wait holds one worker, and others keep going.
 *
 * Modelled on libfuse's example/cuse.c.
 */
#define FUSE_USE_VERSION 312

#include <cuse_lowlevel.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cuse_config.h"
#include "cuse_node.h"
#include "fwd_proto.h"
#include "hostmem_find.h"
#include "nc_channel.h"
#include "transport.h"
#include "vgpu_node.h"

#define DEFAULT_DEVNAME     "dri/renderD128"
#define DEFAULT_MAX_THREADS 64
#define CONNECT_TRIES       20

struct daemon {
   struct mt_guest *g;
   struct cuse_node *node;
   /* nativectx */
   struct nc_channel *ch;
   struct vgpu_node *vnode;
   _Atomic uint64_t reads, polls;
   uint32_t arena_mb;            /* per context; 0: the host's default */
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
      "usage: msmvirt-cuse [--config FILE] [--port PORT --hostmem FILE | --connect SOCK] [options]\n"
      "  --config FILE      the guest config (mode, node, port, hostmem; options win;\n"
      "                     default $MSMVIRT_CONFIG)\n"
      "  --mode MODE        forward (msm node) or nativectx (virtio_gpu node)\n"
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

/* Where the host is. */
struct where {
   const char *port, *hostmem, *sock;
   uint32_t rtt_us;
};

typedef int (*attempt_fn)(struct daemon *d, const struct where *w);

/* The host daemon may come up after us, or still be finishing the previous
 * daemon's connection (a re-HELLO restarts it): keep trying. */
static int
reach_host(struct daemon *d, const struct where *w, attempt_fn attempt)
{
   int ret = -EINVAL;

   for (int i = 0; i < CONNECT_TRIES; i++) {
      ret = attempt(d, w);
      if (!ret || ret == -EINVAL || ret == -ENOENT || ret == -EACCES ||
          ret == -EPROTONOSUPPORT)
         break;
      fprintf(stderr, "msmvirt-cuse: reaching the host: %s; retrying\n",
              strerror(-ret));
      usleep(500000);
   }
   if (ret)
      fprintf(stderr, "msmvirt-cuse: cannot reach the host via %s: %s\n",
              w->sock ? w->sock : w->port, strerror(-ret));
   return ret;
}

static int
attempt_forward(struct daemon *d, const struct where *w)
{
   const struct mt_guest_config cfg = {
      .proto = FWD_PROTO_NAME,
      .rtt_us = w->rtt_us,
      .timeout_ms = 10000,
   };
   return w->sock ? mt_guest_connect(w->sock, &cfg, &d->g)
                  : mt_guest_open_virtio(w->port, w->hostmem, 0, &cfg, &d->g);
}

/* ------------------------------------------------- nativectx personality */

/* One open file of the virtio_gpu node: the node's file, and the FUSE
 * requests parked on its events. */
struct vfile {
   struct vgpu_file *f;
   pthread_mutex_t lock;
   fuse_req_t read_req;          /* a blocking read waiting for an event */
   size_t read_size;
   struct fuse_pollhandle *ph;   /* a poller to wake */
};

static int
open_vg_ctx(void *data, struct vg_dev **out)
{
   struct daemon *d = data;
   return vg_channel_open(d->ch, (uint64_t)d->arena_mb << 20, out);
}

/* Reply to a parked read with what is queued; under vf->lock. */
static bool
complete_read_locked(struct vfile *vf)
{
   uint8_t buf[4096];
   size_t size = vf->read_size < sizeof(buf) ? vf->read_size : sizeof(buf);
   long n = vgpu_file_read(vf->f, buf, size);

   if (n == 0)
      return false;
   if (n < 0)
      fuse_reply_err(vf->read_req, (int)-n);
   else
      fuse_reply_buf(vf->read_req, (const char *)buf, (size_t)n);
   vf->read_req = NULL;
   return true;
}

/* The event thread: events were queued for this file. */
static void
vfile_notify(void *data)
{
   struct vfile *vf = data;

   pthread_mutex_lock(&vf->lock);
   if (vf->read_req)
      complete_read_locked(vf);
   if (vf->ph) {
      fuse_lowlevel_notify_poll(vf->ph);
      fuse_pollhandle_destroy(vf->ph);
      vf->ph = NULL;
   }
   pthread_mutex_unlock(&vf->lock);
}

static void
vnode_open(fuse_req_t req, struct fuse_file_info *fi)
{
   struct daemon *d = fuse_req_userdata(req);
   struct vfile *vf = calloc(1, sizeof(*vf));
   int ret;

   if (!vf) {
      fuse_reply_err(req, ENOMEM);
      return;
   }
   /* Opening costs nothing on the host: the context comes with
    * CONTEXT_INIT, as in virtio_gpu. */
   ret = vgpu_file_create(d->vnode, &vf->f);
   if (ret) {
      free(vf);
      atomic_fetch_add(&d->open_failures, 1);
      fuse_reply_err(req, -ret);
      return;
   }
   pthread_mutex_init(&vf->lock, NULL);
   vgpu_file_set_notify(vf->f, vfile_notify, vf);
   atomic_fetch_add(&d->opens, 1);
   fi->fh = (uintptr_t)vf;
   fi->nonseekable = 1;
   fi->direct_io = 1;
   fuse_reply_open(req, fi);
}

static void
vnode_release(fuse_req_t req, struct fuse_file_info *fi)
{
   struct daemon *d = fuse_req_userdata(req);
   struct vfile *vf = (struct vfile *)(uintptr_t)fi->fh;

   /* The context goes first: no event can reach vf after this. */
   vgpu_file_destroy(vf->f);
   if (vf->ph)
      fuse_pollhandle_destroy(vf->ph);
   pthread_mutex_destroy(&vf->lock);
   free(vf);
   atomic_fetch_add(&d->releases, 1);
   fuse_reply_err(req, 0);
}

static void
vnode_ioctl(fuse_req_t req, int cmd, void *arg, struct fuse_file_info *fi,
            unsigned flags, const void *in_buf, size_t in_bufsz,
            size_t out_bufsz)
{
   struct vfile *vf = (struct vfile *)(uintptr_t)fi->fh;
   struct cuse_step st;

   if (flags & FUSE_IOCTL_COMPAT) {
      fuse_reply_ioctl(req, -ENOTTY, NULL, 0);
      return;
   }
   vgpu_file_ioctl(vf->f, (uint32_t)fuse_req_ctx(req)->pid, (unsigned int)cmd,
                   (uintptr_t)arg, in_buf, in_bufsz, out_bufsz, &st);
   if (st.retry)
      fuse_reply_ioctl_retry(req, st.nr_in ? st.in_iov : NULL, st.nr_in,
                             st.nr_out ? st.out_iov : NULL, st.nr_out);
   else
      fuse_reply_ioctl(req, st.result, st.len ? st.data : NULL, st.len);
   cuse_step_fini(&st);
}

static void
read_interrupted(fuse_req_t req, void *data)
{
   struct vfile *vf = data;

   pthread_mutex_lock(&vf->lock);
   if (vf->read_req == req) {
      vf->read_req = NULL;
      fuse_reply_err(req, EINTR);
   }
   pthread_mutex_unlock(&vf->lock);
}

/* DRM event reads (POLL_RINGS_MASK): a blocking read parks until an event,
 * and a signal to the reader interrupts it (a killed reader must not hang
 * in the kernel waiting for our answer). */
static void
vnode_read(fuse_req_t req, size_t size, off_t off, struct fuse_file_info *fi)
{
   struct daemon *d = fuse_req_userdata(req);
   struct vfile *vf = (struct vfile *)(uintptr_t)fi->fh;

   (void)off;
   atomic_fetch_add(&d->reads, 1);
   fuse_req_interrupt_func(req, read_interrupted, vf);
   pthread_mutex_lock(&vf->lock);
   if (vf->read_req) {
      pthread_mutex_unlock(&vf->lock);
      fuse_reply_err(req, EBUSY); /* one blocking reader per file */
      return;
   }
   vf->read_req = req;
   vf->read_size = size;
   if (!complete_read_locked(vf)) {
      if (fi->flags & O_NONBLOCK) {
         vf->read_req = NULL;
         fuse_reply_err(req, EAGAIN);
      } else if (fuse_req_interrupted(req)) {
         vf->read_req = NULL;
         fuse_reply_err(req, EINTR);
      }
   }
   pthread_mutex_unlock(&vf->lock);
}

static void
vnode_poll(fuse_req_t req, struct fuse_file_info *fi,
           struct fuse_pollhandle *ph)
{
   struct daemon *d = fuse_req_userdata(req);
   struct vfile *vf = (struct vfile *)(uintptr_t)fi->fh;
   unsigned revents;

   atomic_fetch_add(&d->polls, 1);
   pthread_mutex_lock(&vf->lock);
   if (ph) {
      if (vf->ph)
         fuse_pollhandle_destroy(vf->ph);
      vf->ph = ph;
   }
   revents = vgpu_file_readable(vf->f) ? POLLIN | POLLRDNORM : 0;
   pthread_mutex_unlock(&vf->lock);
   fuse_reply_poll(req, revents);
}

static const struct cuse_lowlevel_ops vnode_ops = {
   .init_done = node_init_done,
   .open = vnode_open,
   .release = vnode_release,
   .ioctl = vnode_ioctl,
   .read = vnode_read,
   .poll = vnode_poll,
};

static int
attempt_nativectx(struct daemon *d, const struct where *w)
{
   const struct nc_channel_config cfg = { .rtt_us = w->rtt_us,
                                          .timeout_ms = 10000 };
   return w->sock ? nc_channel_connect(w->sock, &cfg, &d->ch)
                  : nc_channel_open_virtio(w->port, w->hostmem, 0, &cfg, &d->ch);
}

/* ------------------------------------------------------------------ main */

struct options {
   struct cuse_config cfg;
   const char *trace_path;
   unsigned max_threads;
   int debug;
};

static const char *
nonempty(const char *s)
{
   return s && *s ? s : NULL;
}

/* Options over the config file over the environment. */
static int
parse_options(int argc, char **argv, struct options *o)
{
   static const struct option longopts[] = {
      { "config", required_argument, NULL, 'C' },
      { "mode", required_argument, NULL, 'M' },
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
   const char *config = getenv("MSMVIRT_CONFIG");
   char err[256];
   int opt;

   /* The file first, so that options override it. */
   for (int i = 1; i < argc; i++) {
      if (!strcmp(argv[i], "--config") && i + 1 < argc)
         config = argv[i + 1];
      else if (!strncmp(argv[i], "--config=", 9))
         config = argv[i] + 9;
   }
   memset(o, 0, sizeof(*o));
   o->max_threads = DEFAULT_MAX_THREADS;
   if (config) {
      if (cuse_config_load(config, &o->cfg, err, sizeof(err))) {
         fprintf(stderr, "msmvirt-cuse: %s\n", err);
         return 2;
      }
   } else {
      strcpy(o->cfg.hostmem, "auto");
   }
#define SET(field, v)                                                     \
   do {                                                                   \
      if (strlen(v) >= sizeof(o->cfg.field)) return 2;                    \
      strcpy(o->cfg.field, v);                                            \
   } while (0)
   while ((opt = getopt_long(argc, argv, "C:M:p:m:c:n:r:t:j:dh", longopts,
                             NULL)) != -1) {
      switch (opt) {
      case 'C': break;
      case 'M':
         if (cuse_mode_parse(optarg, &o->cfg.mode)) {
            fprintf(stderr, "msmvirt-cuse: unknown mode '%s'\n", optarg);
            return 2;
         }
         break;
      case 'p': SET(port, optarg); break;
      case 'm': SET(hostmem, optarg); break;
      case 'c': SET(connect, optarg); break;
      case 'n': SET(node, optarg); break;
      case 'r': o->cfg.rtt_us = (unsigned)strtoul(optarg, NULL, 0); break;
      case 't': o->trace_path = optarg; break;
      case 'j': o->max_threads = (unsigned)strtoul(optarg, NULL, 0); break;
      case 'd': o->debug = 1; break;
      case 'h': usage(stdout); exit(0);
      default: usage(stderr); return 2;
      }
   }
#undef SET
   if (!strcmp(o->cfg.port, "auto"))
      o->cfg.port[0] = 0;
   if (!o->cfg.port[0] && nonempty(getenv("MSMVIRT_PORT")))
      snprintf(o->cfg.port, sizeof(o->cfg.port), "%s", getenv("MSMVIRT_PORT"));
   if (!strcmp(o->cfg.hostmem, "auto")) {
      const char *env = nonempty(getenv("MSMVIRT_HOSTMEM_BAR"));
      o->cfg.hostmem[0] = 0;
      if (env)
         snprintf(o->cfg.hostmem, sizeof(o->cfg.hostmem), "%s", env);
      else
         msmvirt_find_ivshmem(o->cfg.hostmem, sizeof(o->cfg.hostmem));
   }
   if (!o->cfg.node[0])
      strcpy(o->cfg.node, DEFAULT_DEVNAME);
   if (optind != argc || !o->max_threads ||
       (!o->cfg.connect[0] && (!o->cfg.port[0] || !o->cfg.hostmem[0]))) {
      usage(stderr);
      return 2;
   }
   return 0;
}

static int
run_session(struct daemon *d, const struct options *o,
            const struct cuse_lowlevel_ops *ops)
{
   char devinfo[128];
   const char *dev_info_argv[] = { devinfo };
   struct cuse_info ci = {
      .dev_major = 0, /* dynamic */
      .dev_minor = devname_minor(d->devname),
      .dev_info_argc = 1,
      .dev_info_argv = dev_info_argv,
      .flags = CUSE_UNRESTRICTED_IOCTL,
   };
   int ret;

   snprintf(devinfo, sizeof(devinfo), "DEVNAME=%s", d->devname);
   /* Foreground always: the transport's reader thread must survive. */
   char *fargv[] = { "msmvirt-cuse", "-f", o->debug ? "-d" : NULL, NULL };
   int fargc = o->debug ? 3 : 2, multithreaded;
   struct fuse_session *se = cuse_lowlevel_setup(fargc, fargv, &ci, ops,
                                                 &multithreaded, d);
   if (!se)
      return 1;
   if (multithreaded) {
      struct fuse_loop_config *cfg = fuse_loop_cfg_create();
      fuse_loop_cfg_set_max_threads(cfg, o->max_threads);
      ret = fuse_session_loop_mt(se, cfg);
      fuse_loop_cfg_destroy(cfg);
   } else {
      ret = fuse_session_loop(se);
   }
   cuse_lowlevel_teardown(se);
   return ret ? 1 : 0;
}

/* The counters so far, in one block (at exit, and on SIGUSR1: a test
 * takes a snapshot between clients). */
static void
print_stats(struct daemon *d)
{
   static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
   struct mt_stats ts = { 0 };

   pthread_mutex_lock(&lock);
   if (d->g)
      mt_guest_stats(d->g, &ts);
   else if (d->ch)
      nc_channel_stats(d->ch, &ts);
   fprintf(stderr, "msmvirt-cuse: stats: %llu opens (%llu failed), %llu "
           "releases; %llu reads, %llu polls; transport: %llu messages, "
           "%llu round trips, %llu bytes, %llu events\n",
           (unsigned long long)atomic_load(&d->opens),
           (unsigned long long)atomic_load(&d->open_failures),
           (unsigned long long)atomic_load(&d->releases),
           (unsigned long long)atomic_load(&d->reads),
           (unsigned long long)atomic_load(&d->polls),
           (unsigned long long)ts.messages,
           (unsigned long long)ts.sync_round_trips,
           (unsigned long long)ts.bytes, (unsigned long long)ts.events);
   if (d->node)
      cuse_node_print_stats(d->node, stderr);
   if (d->vnode)
      vgpu_node_print_stats(d->vnode, stderr);
   fprintf(stderr, "msmvirt-cuse: stats end\n");
   fflush(stderr);
   pthread_mutex_unlock(&lock);
}

/* SIGUSR1 is blocked in every thread (main blocks it first); this one
 * takes it. */
static void *
stats_thread(void *arg)
{
   sigset_t set;
   int sig;

   sigemptyset(&set);
   sigaddset(&set, SIGUSR1);
   for (;;)
      if (!sigwait(&set, &sig))
         print_stats(arg);
   return NULL;
}

static int
main_forward(struct daemon *d, const struct options *o)
{
   const struct cuse_config *c = &o->cfg;
   struct cuse_trace *trace = NULL;
   int ret, status = 1;

   if (o->trace_path) {
      ret = cuse_trace_open(o->trace_path, &trace);
      if (ret) {
         fprintf(stderr, "msmvirt-cuse: %s: %s\n", o->trace_path,
                 strerror(-ret));
         return 1;
      }
   }
   ret = cuse_node_create(NULL, trace, &d->node);
   if (ret)
      goto out;
   ret = reach_host(d, &(struct where){ c->port, c->hostmem,
                                        nonempty(c->connect), c->rtt_us },
                    attempt_forward);
   if (ret)
      goto out;
   status = run_session(d, o, &node_ops);

   print_stats(d);

out:
   if (d->g)
      mt_guest_close(d->g);
   cuse_node_destroy(d->node);
   cuse_trace_close(trace);
   return status;
}

static int
main_nativectx(struct daemon *d, const struct options *o)
{
   const struct cuse_config *c = &o->cfg;
   struct vgpu_node_config vcfg = { .open_ctx = open_vg_ctx, .open_data = d };
   int ret, status = 1;

   if (o->trace_path)
      fprintf(stderr, "msmvirt-cuse: --trace is the forward node's; the "
              "virtio_gpu node prints its counters at exit\n");
   ret = vgpu_node_create(&vcfg, &d->vnode);
   if (ret)
      return 1;
   ret = reach_host(d, &(struct where){ c->port, c->hostmem,
                                        nonempty(c->connect), c->rtt_us },
                    attempt_nativectx);
   if (ret)
      goto out;
   status = run_session(d, o, &vnode_ops);

   print_stats(d);
out:
   if (d->ch)
      nc_channel_close(d->ch);
   vgpu_node_destroy(d->vnode);
   return status;
}

int
main(int argc, char **argv)
{
   struct daemon d = { .next_session = 1 };
   struct options o;
   int ret = parse_options(argc, argv, &o);

   if (ret)
      return ret;
   d.devname = o.cfg.node;
   d.arena_mb = o.cfg.arena_mb;
   sigset_t set;
   pthread_t st;
   sigemptyset(&set);
   sigaddset(&set, SIGUSR1);
   pthread_sigmask(SIG_BLOCK, &set, NULL);
   if (!pthread_create(&st, NULL, stats_thread, &d))
      pthread_detach(st);
   fprintf(stderr, "msmvirt-cuse: mode %s, /dev/%s, host via %s\n",
           cuse_mode_name(o.cfg.mode), d.devname,
           o.cfg.connect[0] ? o.cfg.connect : o.cfg.port);
   return o.cfg.mode == CUSE_MODE_NATIVECTX ? main_nativectx(&d, &o)
                                            : main_forward(&d, &o);
}
