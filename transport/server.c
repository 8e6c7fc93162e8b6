/*
 * server.c - the host: its protocols, its connections (each on its own
 * thread, see conn.c), the unix listener and the virtio-serial client end.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "mt_priv.h"

struct mt_host {
   struct mt_host_proto *protos;
   unsigned nr_protos;
   void *hostmem_base;
   uint64_t hostmem_size;
   int hostmem_fd;
   uint32_t max_conns;
   struct mt_conn_limits limits;

   pthread_mutex_t lock;
   pthread_cond_t cond;   /* live went down */
   struct mt_conn *conns;
   uint64_t live;
   bool stopping;

   int listen_fd;
   char *listen_path;
   dev_t listen_dev;      /* to unlink only the socket file we made */
   ino_t listen_ino;
   pthread_t acceptor;
   bool accepting;

   _Atomic uint64_t nconns, faults, frames, rx, tx;
};

int
mt_host_create(const struct mt_host_config *cfg, struct mt_host **out)
{
   if (!cfg || (cfg->nr_protos && !cfg->protos))
      return -EINVAL;
   for (unsigned i = 0; i < cfg->nr_protos; i++) {
      const struct mt_host_proto *p = &cfg->protos[i];
      if (!p->name || strlen(p->name) >= MT_PROTO_NAME_MAX || !p->on_hello ||
          !p->on_frame || !p->on_close)
         return -EINVAL;
   }

   struct mt_host *h = calloc(1, sizeof(*h));
   if (!h)
      return -ENOMEM;
   h->protos = calloc(cfg->nr_protos ? cfg->nr_protos : 1, sizeof(*h->protos));
   if (!h->protos) {
      free(h);
      return -ENOMEM;
   }
   memcpy(h->protos, cfg->protos, cfg->nr_protos * sizeof(*h->protos));
   h->nr_protos = cfg->nr_protos;
   h->hostmem_base = cfg->hostmem_base;
   h->hostmem_size = cfg->hostmem_size;
   h->hostmem_fd = cfg->hostmem_fd;
   h->max_conns = cfg->max_conns ? cfg->max_conns : MT_DEFAULT_MAX_CONNS;
#define OR(v, d) ((v) ? (v) : (d))
   h->limits = (struct mt_conn_limits){
      .hello_timeout_ms = OR(cfg->hello_timeout_ms, MT_DEFAULT_HELLO_TIMEOUT_MS),
      .frame_timeout_ms = OR(cfg->frame_timeout_ms, MT_DEFAULT_FRAME_TIMEOUT_MS),
      .idle_timeout_ms = OR(cfg->idle_timeout_ms, MT_DEFAULT_IDLE_TIMEOUT_MS),
      .tx_max_bytes = OR(cfg->tx_max_bytes, MT_DEFAULT_TX_MAX_BYTES),
   };
#undef OR
   /* A reply of the largest size must always fit. */
   if (h->limits.tx_max_bytes < 2ull * (MT_MAX_PAYLOAD + sizeof(struct mt_frame_hdr)))
      h->limits.tx_max_bytes = 2ull * (MT_MAX_PAYLOAD + sizeof(struct mt_frame_hdr));
   h->listen_fd = -1;
   pthread_mutex_init(&h->lock, NULL);
   pthread_cond_init(&h->cond, NULL);
   *out = h;
   return 0;
}

const struct mt_host_proto *
mt_host_find_proto(struct mt_host *h, const char *name)
{
   for (unsigned i = 0; i < h->nr_protos; i++) {
      if (!strcmp(h->protos[i].name, name))
         return &h->protos[i];
   }
   return NULL;
}

void
mt_host_hostmem(struct mt_host *h, int *fd, uint64_t *size, void **base)
{
   if (fd)
      *fd = h->hostmem_fd;
   if (size)
      *size = h->hostmem_size;
   if (base)
      *base = h->hostmem_base;
}

void
mt_host_conn_limits(struct mt_host *h, struct mt_conn_limits *l)
{
   *l = h->limits;
}

void
mt_host_count(struct mt_host *h, uint64_t frames, uint64_t rx, uint64_t tx)
{
   atomic_fetch_add_explicit(&h->frames, frames, memory_order_relaxed);
   atomic_fetch_add_explicit(&h->rx, rx, memory_order_relaxed);
   atomic_fetch_add_explicit(&h->tx, tx, memory_order_relaxed);
}

void
mt_host_fault(struct mt_host *h)
{
   atomic_fetch_add(&h->faults, 1);
}

void
mt_host_conn_gone(struct mt_host *h, struct mt_conn *c)
{
   pthread_mutex_lock(&h->lock);
   for (struct mt_conn **p = &h->conns; *p; p = mt_conn_next(*p)) {
      if (*p == c) {
         *p = *mt_conn_next(c);
         break;
      }
   }
   h->live--;
   pthread_cond_broadcast(&h->cond);
   pthread_mutex_unlock(&h->lock);
}

int
mt_host_serve_fd(struct mt_host *h, int fd, unsigned flags)
{
   int ret;

   if (fd < 0)
      return -EBADF;

   struct mt_conn *c = mt_conn_create(h, fd, flags);
   if (!c) {
      close(fd);
      return -ENOMEM;
   }

   pthread_mutex_lock(&h->lock);
   ret = h->stopping ? -ESHUTDOWN : h->live >= h->max_conns ? -EMFILE : 0;
   if (ret) {
      pthread_mutex_unlock(&h->lock);
      if (ret == -EMFILE)
         mt_log("host: %u connections already: refusing one", h->max_conns);
      mt_conn_destroy_unstarted(c);
      return ret;
   }
   *mt_conn_next(c) = h->conns;
   h->conns = c;
   h->live++;
   pthread_mutex_unlock(&h->lock);
   atomic_fetch_add(&h->nconns, 1);

   /* A stop racing with us shuts the fd down: the thread then sees EOF. */
   ret = mt_conn_start(c);
   if (ret) {
      mt_host_conn_gone(h, c);
      mt_conn_destroy_unstarted(c);
   }
   return ret;
}

static void *
acceptor_main(void *arg)
{
   struct mt_host *h = arg;

   for (;;) {
      int fd = accept4(h->listen_fd, NULL, NULL, SOCK_CLOEXEC);
      if (fd < 0) {
         pthread_mutex_lock(&h->lock);
         bool stopping = h->stopping;
         pthread_mutex_unlock(&h->lock);
         if (stopping)
            break;
         if (errno == EINTR || errno == ECONNABORTED)
            continue;
         if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
             errno == ENOMEM) {
            /* Out of resources: back off instead of spinning. */
            struct timespec ts = { .tv_nsec = 10 * 1000 * 1000 };
            nanosleep(&ts, NULL);
            continue;
         }
         mt_log("host: accept on %s: %s", h->listen_path, strerror(errno));
         break;
      }
      mt_host_serve_fd(h, fd, MT_SERVE_PASS_HOSTMEM | MT_SERVE_DEADLINES);
   }
   return NULL;
}

static int
unix_addr(const char *path, struct sockaddr_un *sun)
{
   memset(sun, 0, sizeof(*sun));
   sun->sun_family = AF_UNIX;
   if (!path || !path[0])
      return -EINVAL;
   if (strlen(path) >= sizeof(sun->sun_path))
      return -ENAMETOOLONG;
   strcpy(sun->sun_path, path);
   return 0;
}

/* bind() said EADDRINUSE: is a server alive there, or is it a dead one's
 * leftover file we may take over? */
static int
reclaim_stale(const char *path, const struct sockaddr_un *sun)
{
   struct stat st;

   if (lstat(path, &st))
      return errno == ENOENT ? 0 : -errno;
   if (!S_ISSOCK(st.st_mode)) {
      mt_log("host: %s exists and is not a socket", path);
      return -EADDRINUSE;
   }

   int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
   if (probe < 0)
      return -errno;
   int ret = connect(probe, (const struct sockaddr *)sun, sizeof(*sun));
   int err = errno;
   close(probe);
   if (!ret || err != ECONNREFUSED) {
      mt_log("host: %s is in use by a live server", path);
      return -EADDRINUSE;
   }
   if (unlink(path) && errno != ENOENT)
      return -errno;
   return 0;
}

int
mt_host_listen(struct mt_host *h, const char *path)
{
   struct sockaddr_un sun;
   struct stat st;
   int ret = unix_addr(path, &sun);
   if (ret)
      return ret;

   pthread_mutex_lock(&h->lock);
   ret = h->stopping ? -ESHUTDOWN : h->accepting ? -EBUSY : 0;
   pthread_mutex_unlock(&h->lock);
   if (ret)
      return ret;

   int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
   if (fd < 0)
      return -errno;
   ret = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
   if (ret && errno == EADDRINUSE) {
      ret = reclaim_stale(path, &sun);
      if (!ret)
         ret = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
      else
         errno = -ret;
   }
   if (ret || listen(fd, 64) || stat(path, &st)) {
      ret = -errno;
      close(fd);
      return ret;
   }

   h->listen_fd = fd;
   h->listen_dev = st.st_dev;
   h->listen_ino = st.st_ino;
   h->listen_path = strdup(path);
   ret = h->listen_path ? -pthread_create(&h->acceptor, NULL, acceptor_main, h)
                        : -ENOMEM;
   if (ret) {
      unlink(path);
      close(fd);
      free(h->listen_path);
      h->listen_path = NULL;
      h->listen_fd = -1;
      return ret;
   }
   pthread_mutex_lock(&h->lock);
   h->accepting = true;
   pthread_mutex_unlock(&h->lock);
   return 0;
}

int
mt_host_connect(struct mt_host *h, const char *path)
{
   struct sockaddr_un sun;
   int ret = unix_addr(path, &sun);
   if (ret)
      return ret;

   int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
   if (fd < 0)
      return -errno;
   if (connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
      ret = -errno;
      close(fd);
      return ret;
   }
   /* The guest runs on its own clock inside the VM. */
   return mt_host_serve_fd(h, fd, MT_SERVE_REMOTE_CLOCK | MT_SERVE_REHELLO);
}

void
mt_host_stop(struct mt_host *h)
{
   pthread_mutex_lock(&h->lock);
   h->stopping = true;
   bool accepting = h->accepting;
   h->accepting = false;
   pthread_mutex_unlock(&h->lock);

   if (accepting) {
      /* Wakes accept() (EINVAL) on Linux. */
      shutdown(h->listen_fd, SHUT_RDWR);
      pthread_join(h->acceptor, NULL);
      close(h->listen_fd);
      h->listen_fd = -1;

      struct stat st;
      if (!stat(h->listen_path, &st) && st.st_dev == h->listen_dev &&
          st.st_ino == h->listen_ino)
         unlink(h->listen_path);
      free(h->listen_path);
      h->listen_path = NULL;
   }

   pthread_mutex_lock(&h->lock);
   for (struct mt_conn *c = h->conns; c; c = *mt_conn_next(c))
      mt_conn_kill(c);
   while (h->live)
      pthread_cond_wait(&h->cond, &h->lock);
   pthread_mutex_unlock(&h->lock);
}

void
mt_host_destroy(struct mt_host *h)
{
   if (!h)
      return;
   mt_host_stop(h);
   pthread_cond_destroy(&h->cond);
   pthread_mutex_destroy(&h->lock);
   free(h->protos);
   free(h);
}

void
mt_host_get_stats(struct mt_host *h, struct mt_host_stats *st)
{
   memset(st, 0, sizeof(*st));
   pthread_mutex_lock(&h->lock);
   st->live = h->live;
   pthread_mutex_unlock(&h->lock);
   st->conns = atomic_load(&h->nconns);
   st->faults = atomic_load(&h->faults);
   st->frames = atomic_load(&h->frames);
   st->bytes_received = atomic_load(&h->rx);
   st->bytes_sent = atomic_load(&h->tx);
}
