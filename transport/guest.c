/*
 * guest.c - the guest end of a channel: CALL/SEND out, a reader thread for
 * REPLYs and EVENTs, the HELLO exchange and the counters.
 *
 * Each mt_call() parks a struct mt_pending on the guest's list, keyed by a
 * fresh tag, and sleeps on its own condvar.  Only the reader thread
 * completes a pending call (or the reader's exit, which fails them all), so
 * the reader may copy a reply straight into the caller's buffer.  The
 * modelled delay of a REPLY is waited out by the caller itself after it
 * wakes, so the wakeup latency hides inside the delay.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "mt_priv.h"

#define MT_MAX_IOV 32
#define MT_DEFAULT_TIMEOUT_MS 5000

struct mt_pending {
   struct mt_pending *next;
   uint64_t tag;
   void *rsp;
   uint32_t cap;
   uint32_t len;
   int status;
   bool done;
   uint64_t deliver_at;
   pthread_cond_t cond;
};

struct mt_guest {
   int fd;
   bool is_sock;
   int wake_fd;

   pthread_mutex_t tx_lock; /* one frame at a time on the stream */

   pthread_mutex_t lock;    /* pending, next_tag, error */
   struct mt_pending *pending;
   uint64_t next_tag;
   int error;               /* sticky once the connection is gone */

   pthread_t reader;
   bool reader_running;
   struct mt_reader rd;
   uint8_t *evbuf;
   uint32_t evcap;

   uint64_t delay_ns;
   int64_t clock_offset;    /* host ts + offset = our clock */
   mt_event_fn on_event;
   void *event_data;

   struct mt_guest_hostmem hm;
   struct mt_host *own_host;

   _Atomic uint64_t messages, bytes_sent, bytes_received, round_trips,
                    events, dropped;
};

static inline void
count(_Atomic uint64_t *c, uint64_t v)
{
   atomic_fetch_add_explicit(c, v, memory_order_relaxed);
}

static void
guest_break(struct mt_guest *g, int err)
{
   pthread_mutex_lock(&g->lock);
   if (!g->error)
      g->error = err;
   pthread_mutex_unlock(&g->lock);
   /* A half-written frame desyncs the stream: nothing more may follow. */
   if (g->is_sock)
      shutdown(g->fd, SHUT_RDWR);
}

static int
guest_write(struct mt_guest *g, uint32_t type, uint32_t session, uint64_t tag,
            const struct iovec *iov, int iovcnt, uint32_t len)
{
   struct iovec v[1 + MT_MAX_IOV];
   struct mt_frame_hdr hdr = {
      .type = type, .session = session, .len = len, .tag = tag,
   };
   int ret;

   if (iovcnt > MT_MAX_IOV)
      return -EINVAL;
   /* The cost model (virtual clock): framing, then the exit that notifies. */
   vclock_charge_msg(VC_GUEST_CPU, sizeof(hdr) + len);
   vclock_charge(VC_EXIT, vclock_costs.vm_exit_ns);
   v[0].iov_base = &hdr;
   v[0].iov_len = sizeof(hdr);
   if (iovcnt)
      memcpy(&v[1], iov, iovcnt * sizeof(*iov));

   pthread_mutex_lock(&g->tx_lock);
   pthread_mutex_lock(&g->lock);
   ret = g->error;
   pthread_mutex_unlock(&g->lock);
   if (!ret) {
      /* Stamped under the lock so send times rise along the stream. */
      hdr.ts_ns = mt_now_ns();
      ret = mt_write_all(g->fd, g->is_sock, v, 1 + iovcnt, -1);
   }
   pthread_mutex_unlock(&g->tx_lock);

   if (ret) {
      /* However the stream failed (EPIPE, EIO, ...), the caller's news is
       * the same: the connection is gone. */
      guest_break(g, -ECONNRESET);
      return -ECONNRESET;
   }
   count(&g->messages, 1);
   count(&g->bytes_sent, sizeof(hdr) + len);
   return 0;
}

/* The cost model of a REPLY or EVENT arriving: the interrupt, the frame. */
static void
guest_charge_rx(uint32_t len)
{
   vclock_charge(VC_EXIT, vclock_costs.irq_ns);
   vclock_charge_msg(VC_GUEST_CPU, sizeof(struct mt_frame_hdr) + len);
}

static struct mt_pending *
take_pending(struct mt_guest *g, uint64_t tag)
{
   for (struct mt_pending **p = &g->pending; *p; p = &(*p)->next) {
      if ((*p)->tag == tag) {
         struct mt_pending *found = *p;
         *p = found->next;
         return found;
      }
   }
   return NULL;
}

static int
read_reply(struct mt_guest *g, const struct mt_frame_hdr *hdr, uint64_t at)
{
   pthread_mutex_lock(&g->lock);
   struct mt_pending *p = take_pending(g, hdr->tag);
   pthread_mutex_unlock(&g->lock);

   if (!p) {
      /* Nobody asked: a late or forged reply.  Skip it, keep the stream. */
      count(&g->dropped, 1);
      return mt_reader_get(&g->rd, NULL, hdr->len);
   }

   uint32_t c = hdr->len < p->cap ? hdr->len : p->cap;
   int ret = mt_reader_get(&g->rd, p->rsp, c);
   if (!ret)
      ret = mt_reader_get(&g->rd, NULL, hdr->len - c);

   pthread_mutex_lock(&g->lock);
   p->status = ret ? -ECONNRESET : (hdr->len > p->cap ? -EMSGSIZE : 0);
   p->len = hdr->len;
   p->deliver_at = at;
   p->done = true;
   pthread_cond_signal(&p->cond);
   pthread_mutex_unlock(&g->lock);
   return ret;
}

static int
read_event(struct mt_guest *g, const struct mt_frame_hdr *hdr, uint64_t at)
{
   if (hdr->len > g->evcap) {
      uint8_t *buf = realloc(g->evbuf, hdr->len);
      if (!buf)
         return -ENOMEM;
      g->evbuf = buf;
      g->evcap = hdr->len;
   }
   int ret = mt_reader_get(&g->rd, g->evbuf, hdr->len);
   if (ret)
      return ret;

   vclock_wait_until(at, VC_ASYNC);
   guest_charge_rx(hdr->len);
   count(&g->events, 1);
   if (g->on_event)
      g->on_event(g->event_data, hdr->session, g->evbuf, hdr->len);
   return 0;
}

static void *
reader_main(void *arg)
{
   struct mt_guest *g = arg;
   int ret;

   mt_thread_timing_init();
   for (;;) {
      struct mt_frame_hdr hdr;

      ret = mt_reader_hdr(&g->rd, &hdr, MT_SIDE_GUEST);
      if (ret)
         break;
      uint64_t at = mt_deliver_at(hdr.ts_ns, g->clock_offset, mt_now_ns(),
                                  g->delay_ns);
      /* Counted before the caller wakes, so its stats include the reply. */
      count(&g->bytes_received, sizeof(hdr) + hdr.len);
      ret = hdr.type == MT_REPLY ? read_reply(g, &hdr, at)
                                 : read_event(g, &hdr, at);
      if (ret)
         break;
   }

   if (ret != -ECANCELED && ret != -ECONNRESET)
      mt_log("guest: dropping the connection: %s", strerror(-ret));

   pthread_mutex_lock(&g->lock);
   if (!g->error)
      g->error = -ECONNRESET;
   while (g->pending) {
      struct mt_pending *p = g->pending;
      g->pending = p->next;
      p->status = g->error;
      p->done = true;
      pthread_cond_signal(&p->cond);
   }
   pthread_mutex_unlock(&g->lock);
   return NULL;
}

int
mt_callv(struct mt_guest *g, uint32_t session, const struct iovec *iov,
         int iovcnt, void *rsp, uint32_t rsp_cap, uint32_t *rsp_len)
{
   int64_t len = mt_iov_len(iov, iovcnt, MT_MAX_PAYLOAD);
   if (len < 0)
      return len;
   if (rsp_cap && !rsp)
      return -EFAULT;
   /* Only the reader thread could read the reply it would wait for. */
   if (g->reader_running && pthread_equal(pthread_self(), g->reader))
      return -EDEADLK;

   struct mt_pending p = { .rsp = rsp, .cap = rsp_cap };
   pthread_cond_init(&p.cond, NULL);

   pthread_mutex_lock(&g->lock);
   int ret = g->error;
   if (!ret) {
      p.tag = ++g->next_tag;
      p.next = g->pending;
      g->pending = &p;
   }
   pthread_mutex_unlock(&g->lock);
   if (ret)
      goto out;

   ret = guest_write(g, MT_CALL, session, p.tag, iov, iovcnt, len);

   pthread_mutex_lock(&g->lock);
   /* A failed write leaves the call ours unless the reader already took it
    * (a reply raced in): then it must finish with it first. */
   if (ret && take_pending(g, p.tag) == &p) {
      pthread_mutex_unlock(&g->lock);
      goto out;
   }
   while (!p.done)
      pthread_cond_wait(&p.cond, &g->lock);
   pthread_mutex_unlock(&g->lock);

   ret = p.status;
   if (!ret || ret == -EMSGSIZE) {
      vclock_wait_until(p.deliver_at, VC_SYNC_RT);
      guest_charge_rx(p.len);
      count(&g->round_trips, 1);
      if (rsp_len)
         *rsp_len = p.len;
   }
out:
   pthread_cond_destroy(&p.cond);
   return ret;
}

int
mt_call(struct mt_guest *g, uint32_t session, const void *req,
        uint32_t req_len, void *rsp, uint32_t rsp_cap, uint32_t *rsp_len)
{
   struct iovec iov = { .iov_base = (void *)req, .iov_len = req_len };
   return mt_callv(g, session, &iov, req_len ? 1 : 0, rsp, rsp_cap, rsp_len);
}

int
mt_sendv(struct mt_guest *g, uint32_t session, const struct iovec *iov,
         int iovcnt)
{
   int64_t len = mt_iov_len(iov, iovcnt, MT_MAX_PAYLOAD);
   if (len < 0)
      return len;
   return guest_write(g, MT_SEND, session, 0, iov, iovcnt, len);
}

int
mt_send(struct mt_guest *g, uint32_t session, const void *msg, uint32_t len)
{
   struct iovec iov = { .iov_base = (void *)msg, .iov_len = len };
   return mt_sendv(g, session, &iov, len ? 1 : 0);
}

/* The HELLO round trip, before the reader thread exists: the welcome may
 * carry the hostmem fd, which only this recvmsg path picks up. */
static int
guest_hello(struct mt_guest *g, const struct mt_guest_config *cfg,
            unsigned flags)
{
   struct mt_hello hello = {
      .magic = MT_MAGIC,
      .version = MT_VERSION,
      .delay_ns = g->delay_ns,
   };
   struct mt_welcome wel;
   struct mt_frame_hdr hdr;
   int ret;

   if (!cfg->proto || strlen(cfg->proto) >= sizeof(hello.proto) ||
       cfg->hello_len > MT_MAX_HELLO || (cfg->hello_len && !cfg->hello))
      return -EINVAL;
   strcpy(hello.proto, cfg->proto);

   struct iovec iov[2] = {
      { .iov_base = &hello, .iov_len = sizeof(hello) },
      { .iov_base = (void *)cfg->hello, .iov_len = cfg->hello_len },
   };
   ret = guest_write(g, MT_HELLO, 0, MT_HELLO_TAG, iov, cfg->hello_len ? 2 : 1,
                     sizeof(hello) + cfg->hello_len);
   if (ret)
      return ret;

   g->rd.timeout_ms = cfg->timeout_ms ? (int)cfg->timeout_ms
                                      : MT_DEFAULT_TIMEOUT_MS;
   g->rd.want_fd = g->hm.from_welcome && g->is_sock;
   ret = mt_reader_hdr(&g->rd, &hdr, MT_SIDE_GUEST);
   if (!ret && (hdr.type != MT_REPLY || hdr.tag != MT_HELLO_TAG ||
                hdr.len != sizeof(wel)))
      ret = -EPROTO;
   if (!ret)
      ret = mt_reader_get(&g->rd, &wel, sizeof(wel));
   g->rd.timeout_ms = -1;
   g->rd.want_fd = false;
   if (ret)
      return ret;

   uint64_t now = mt_now_ns();
   if (flags & MT_GUEST_REMOTE_CLOCK)
      g->clock_offset = (int64_t)(now - hdr.ts_ns);
   vclock_wait_until(mt_deliver_at(hdr.ts_ns, g->clock_offset, now,
                                   g->delay_ns), VC_SYNC_RT);
   count(&g->round_trips, 1);
   count(&g->bytes_received, sizeof(hdr) + sizeof(wel));

   if (wel.status > 0 || wel.status < -4095)
      return -EPROTO;
   if (wel.status)
      return wel.status;

   if (g->hm.from_welcome && g->rd.got_fd >= 0 && wel.hostmem_size) {
      if (wel.hostmem_size > SIZE_MAX)
         return -EFBIG;
      void *p = mmap(NULL, wel.hostmem_size, PROT_READ | PROT_WRITE,
                     MAP_SHARED, g->rd.got_fd, 0);
      if (p == MAP_FAILED)
         return -errno;
      g->hm.base = p;
      g->hm.size = wel.hostmem_size;
      g->hm.owned = true;
   }
   if (g->rd.got_fd >= 0) {
      close(g->rd.got_fd); /* the mapping keeps the memory */
      g->rd.got_fd = -1;
   }
   return 0;
}

static void
guest_free(struct mt_guest *g)
{
   if (g->reader_running) {
      uint64_t one = 1;
      if (write(g->wake_fd, &one, sizeof(one)) < 0)
         mt_log("guest: eventfd write: %s", strerror(errno));
      if (g->is_sock)
         shutdown(g->fd, SHUT_RDWR);
      pthread_join(g->reader, NULL);
   }
   mt_reader_fini(&g->rd);
   if (g->fd >= 0)
      close(g->fd);
   if (g->wake_fd >= 0)
      close(g->wake_fd);
   if (g->hm.owned && g->hm.base)
      munmap(g->hm.base, g->hm.size);
   free(g->evbuf);
   pthread_mutex_destroy(&g->lock);
   pthread_mutex_destroy(&g->tx_lock);
   struct mt_host *own = g->own_host;
   free(g);
   if (own)
      mt_host_destroy(own);
}

int
mt_guest_start(int fd, const struct mt_guest_hostmem *hm, unsigned flags,
               const struct mt_guest_config *cfg, struct mt_host *own_host,
               struct mt_guest **out)
{
   struct mt_guest *g = calloc(1, sizeof(*g));
   struct stat st;
   int ret;

   if (!g) {
      close(fd);
      if (hm->owned && hm->base)
         munmap(hm->base, hm->size);
      if (own_host)
         mt_host_destroy(own_host);
      return -ENOMEM;
   }
   g->fd = fd;
   g->hm = *hm;
   g->own_host = own_host;
   g->is_sock = fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
   g->on_event = cfg->on_event;
   g->event_data = cfg->event_data;
   uint32_t rtt = cfg->rtt_us < MT_MAX_RTT_US ? cfg->rtt_us : MT_MAX_RTT_US;
   g->delay_ns = rtt * 1000ull / 2;
   pthread_mutex_init(&g->lock, NULL);
   pthread_mutex_init(&g->tx_lock, NULL);

   /* A tty (a pty standing in for a port, a serial console) must pass every
    * byte through untouched. */
   if (isatty(fd)) {
      struct termios tio;
      if (tcgetattr(fd, &tio) == 0) {
         cfmakeraw(&tio);
         tcsetattr(fd, TCSANOW, &tio);
      }
   }

   g->wake_fd = eventfd(0, EFD_CLOEXEC);
   if (g->wake_fd < 0) {
      ret = -errno;
      goto fail;
   }
   /* A socket's reader is woken by shutdown(); only char devices (a virtio
    * port, a pty) need the poll on wake_fd, a syscall per read. */
   ret = mt_reader_init(&g->rd, fd, g->is_sock ? -1 : g->wake_fd);
   if (ret)
      goto fail;

   ret = guest_hello(g, cfg, flags);
   if (ret)
      goto fail;

   ret = -pthread_create(&g->reader, NULL, reader_main, g);
   if (ret)
      goto fail;
   g->reader_running = true;
   *out = g;
   return 0;

fail:
   guest_free(g);
   return ret;
}

void
mt_guest_close(struct mt_guest *g)
{
   if (g)
      guest_free(g);
}

void
mt_guest_hostmem(struct mt_guest *g, void **base, uint64_t *size)
{
   if (base)
      *base = g->hm.base;
   if (size)
      *size = g->hm.size;
}

void
mt_guest_stats(struct mt_guest *g, struct mt_stats *st)
{
   memset(st, 0, sizeof(*st));
   st->messages = atomic_load(&g->messages);
   st->bytes_sent = atomic_load(&g->bytes_sent);
   st->bytes_received = atomic_load(&g->bytes_received);
   st->bytes = st->bytes_sent + st->bytes_received;
   st->sync_round_trips = atomic_load(&g->round_trips);
   st->events = atomic_load(&g->events);
   st->dropped = atomic_load(&g->dropped);
}

void
mt_guest_stats_reset(struct mt_guest *g)
{
   atomic_store(&g->messages, 0);
   atomic_store(&g->bytes_sent, 0);
   atomic_store(&g->bytes_received, 0);
   atomic_store(&g->round_trips, 0);
   atomic_store(&g->events, 0);
   atomic_store(&g->dropped, 0);
}
