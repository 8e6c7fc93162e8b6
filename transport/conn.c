/*
 * conn.c - one host-side connection: its reader thread (HELLO, then frames
 * to the protocol in order, after the modelled delay) and its send path.
 *
 * Sending never blocks the caller, who may be the core's GPU thread: a frame
 * goes straight to the socket with MSG_DONTWAIT when nothing is queued,
 * otherwise (or for the part that did not fit) it is copied onto a queue a
 * writer thread drains.  A guest that stops reading fills that queue to
 * the host's tx_max_bytes (counting each buffer's allocation overhead, so
 * many small replies cost what they really cost) and is dropped, so it
 * cannot stall anyone else or grow the host without bound.
 *
 * Guests from the unix listener (MT_SERVE_DEADLINES) also have deadlines:
 * the HELLO must be complete within hello_timeout_ms of connecting, every
 * frame within frame_timeout_ms of its first byte (a trickle is dropped),
 * and a connection that holds nothing (the protocol's holds()) may stay
 * silent for idle_timeout_ms at most, so idle connections cannot keep
 * every slot.
 *
 * Until the HELLO is answered the queue is "plugged": anything a protocol
 * sends from on_hello (or from another thread right after) waits behind the
 * welcome, which the guest must read first.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mt_priv.h"

/* What malloc adds to each queued buffer, roughly (glibc: header and
 * 16-byte rounding): counted so the bound is in real bytes. */
#define MT_TXBUF_OVERHEAD 32

struct mt_txbuf {
   struct mt_txbuf *next;
   size_t len;
   int pass_fd;
   uint8_t data[];
};

struct mt_conn {
   struct mt_host *host;
   struct mt_conn *next; /* the host's list, under its lock */
   int fd;
   unsigned flags;

   const struct mt_host_proto *proto;
   void *state;
   uint64_t delay_ns;
   int64_t clock_offset;

   struct mt_reader rd;
   uint8_t *buf;
   uint32_t bufcap;
   struct mt_conn_limits limits;
   FILE *record;          /* MSMVIRT_RECORD_DIR: what the guest sent */
   uint64_t recorded;

   pthread_mutex_t tx_lock;
   pthread_cond_t tx_cond;
   struct mt_txbuf *txq_head, *txq_tail;
   size_t tx_queued;
   bool plugged, broken, tx_stop;
   pthread_t writer;
   bool writer_running;
};

struct mt_conn **
mt_conn_next(struct mt_conn *c)
{
   return &c->next;
}

/* Under tx_lock. */
static void
conn_break_locked(struct mt_conn *c)
{
   if (!c->broken) {
      c->broken = true;
      shutdown(c->fd, SHUT_RDWR);
   }
   pthread_cond_broadcast(&c->tx_cond);
}

static void
txq_free(struct mt_conn *c)
{
   while (c->txq_head) {
      struct mt_txbuf *b = c->txq_head;
      c->txq_head = b->next;
      free(b);
   }
   c->txq_tail = NULL;
   c->tx_queued = 0;
}

static size_t
txbuf_cost(size_t len)
{
   return sizeof(struct mt_txbuf) + len + MT_TXBUF_OVERHEAD;
}

static void *
writer_main(void *arg)
{
   struct mt_conn *c = arg;

   pthread_mutex_lock(&c->tx_lock);
   for (;;) {
      while (!c->tx_stop && (c->plugged || !c->txq_head))
         pthread_cond_wait(&c->tx_cond, &c->tx_lock);
      if (c->tx_stop)
         break;

      /* The head stays queued while we write it, so senders keep order. */
      struct mt_txbuf *b = c->txq_head;
      pthread_mutex_unlock(&c->tx_lock);
      struct iovec iov = { .iov_base = b->data, .iov_len = b->len };
      int ret = mt_write_all(c->fd, true, &iov, 1, b->pass_fd);
      pthread_mutex_lock(&c->tx_lock);

      if (ret) {
         conn_break_locked(c);
         break;
      }
      c->txq_head = b->next;
      if (!c->txq_head)
         c->txq_tail = NULL;
      c->tx_queued -= txbuf_cost(b->len);
      free(b);
   }
   pthread_mutex_unlock(&c->tx_lock);
   return NULL;
}

static ssize_t
send_nowait(int fd, struct iovec *iov, int iovcnt, int pass_fd)
{
   union {
      struct cmsghdr align;
      char buf[CMSG_SPACE(sizeof(int))];
   } ctl;
   struct msghdr msg = { .msg_iov = iov, .msg_iovlen = iovcnt };

   if (pass_fd >= 0) {
      memset(&ctl, 0, sizeof(ctl));
      msg.msg_control = ctl.buf;
      msg.msg_controllen = sizeof(ctl.buf);
      struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
      cm->cmsg_level = SOL_SOCKET;
      cm->cmsg_type = SCM_RIGHTS;
      cm->cmsg_len = CMSG_LEN(sizeof(int));
      memcpy(CMSG_DATA(cm), &pass_fd, sizeof(int));
   }
   for (;;) {
      ssize_t n = sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n >= 0 || errno != EINTR)
         return n;
   }
}

/* welcome: the HELLO answer, which goes ahead of anything already queued. */
static int
conn_tx(struct mt_conn *c, uint32_t type, uint32_t session, uint64_t tag,
        const void *data, uint32_t len, int pass_fd, bool welcome)
{
   struct mt_frame_hdr hdr = {
      .type = type, .session = session, .len = len, .tag = tag,
   };
   size_t total = sizeof(hdr) + len;
   size_t sent = 0;
   int ret = 0;

   if (len > MT_MAX_PAYLOAD)
      return -EMSGSIZE;
   if (len && !data)
      return -EFAULT;
   vclock_charge_msg(VC_HOST_CPU, total); /* the cost model's framing */

   pthread_mutex_lock(&c->tx_lock);
   if (c->broken) {
      ret = -EPIPE;
      goto out;
   }
   hdr.ts_ns = mt_now_ns();

   if (!c->plugged && !c->txq_head) {
      struct iovec iov[2] = {
         { .iov_base = &hdr, .iov_len = sizeof(hdr) },
         { .iov_base = (void *)data, .iov_len = len },
      };
      ssize_t n = send_nowait(c->fd, iov, len ? 2 : 1, pass_fd);
      if (n < 0 && errno != EAGAIN) {
         conn_break_locked(c);
         ret = -EPIPE;
         goto out;
      }
      if (n > 0) {
         sent = n;
         pass_fd = -1;
      }
      if (sent == total)
         goto out;
   }

   if (c->tx_queued + txbuf_cost(total - sent) > c->limits.tx_max_bytes) {
      mt_log("host: guest stopped reading (%zu bytes queued): dropping it",
             c->tx_queued);
      conn_break_locked(c);
      ret = -ENOBUFS;
      goto out;
   }
   struct mt_txbuf *b = malloc(sizeof(*b) + total - sent);
   if (!b) {
      /* Part of the frame may be out already: the stream cannot go on. */
      conn_break_locked(c);
      ret = -ENOMEM;
      goto out;
   }
   b->next = NULL;
   b->len = total - sent;
   b->pass_fd = pass_fd;
   if (sent < sizeof(hdr)) {
      memcpy(b->data, (uint8_t *)&hdr + sent, sizeof(hdr) - sent);
      if (len)
         memcpy(b->data + sizeof(hdr) - sent, data, len);
   } else {
      memcpy(b->data, (const uint8_t *)data + (sent - sizeof(hdr)),
             total - sent);
   }

   if (welcome && c->plugged) {
      b->next = c->txq_head;
      c->txq_head = b;
      if (!c->txq_tail)
         c->txq_tail = b;
   } else {
      if (c->txq_tail)
         c->txq_tail->next = b;
      else
         c->txq_head = b;
      c->txq_tail = b;
   }
   c->tx_queued += txbuf_cost(b->len);

out:
   if (welcome)
      c->plugged = false;
   if (!ret)
      mt_host_count(c->host, 0, 0, total);
   /* The writer sleeps until something is queued and unplugged: wake it
    * only then (a frame that went out inline must not cost it a wake-up). */
   if (c->txq_head && !c->plugged)
      pthread_cond_signal(&c->tx_cond);
   pthread_mutex_unlock(&c->tx_lock);
   return ret;
}

int
mt_reply(struct mt_conn *conn, uint32_t session, uint64_t tag,
         const void *data, uint32_t len)
{
   return conn_tx(conn, MT_REPLY, session, tag, data, len, -1, false);
}

int64_t
mt_conn_clock_offset(struct mt_conn *conn)
{
   return conn->clock_offset;
}

int
mt_event(struct mt_conn *conn, uint32_t session, const void *data,
         uint32_t len)
{
   return conn_tx(conn, MT_EVENT, session, 0, data, len, -1, false);
}

static int
conn_hello(struct mt_conn *c, const struct mt_frame_hdr *hdr, uint64_t now)
{
   const char *name;
   const void *extra;
   uint32_t delay_ns, extra_len;
   void *state = NULL;

   /* One HELLO per stream: a second one would mix two guests' frames --
    * unless the stream outlives its guest (virtio-serial), where a new HELLO
    * means the old guest is gone: free what it owned, then serve the new. */
   if (c->state) {
      if (!(c->flags & MT_SERVE_REHELLO))
         return -EPROTO;
      c->proto->on_close(c->state);
      c->state = NULL;
      c->proto = NULL;
   }
   int ret = mt_hello_parse(c->buf, hdr->len, &name, &delay_ns, &extra,
                            &extra_len);
   if (ret)
      return ret;

   if (c->flags & MT_SERVE_REMOTE_CLOCK)
      c->clock_offset = (int64_t)(now - hdr->ts_ns);
   c->delay_ns = delay_ns;
   vclock_wait_until(mt_deliver_at(hdr->ts_ns, c->clock_offset, now,
                                   c->delay_ns), VC_SYNC_RT);

   const struct mt_host_proto *proto = mt_host_find_proto(c->host, name);
   int status = -EPROTONOSUPPORT;
   if (proto) {
      status = proto->on_hello(proto->data, c, extra, extra_len, &state);
      if (status > 0)
         status = -EPROTO;
   }
   if (!status) {
      c->proto = proto;
      c->state = state;
   }

   int hostmem_fd;
   struct mt_welcome wel = { .status = status, .version = MT_VERSION };
   mt_host_hostmem(c->host, &hostmem_fd, &wel.hostmem_size, NULL);
   int pass = !status && (c->flags & MT_SERVE_PASS_HOSTMEM) ? hostmem_fd : -1;
   /* The guest's open fails with status; the stream may try again. */
   return conn_tx(c, MT_REPLY, 0, hdr->tag, &wel, sizeof(wel), pass, true);
}

/* MSMVIRT_RECORD_DIR=DIR: every connection's guest->host bytes (frames as
 * received, up to MT_RECORD_MAX each) go to DIR/conn-PID-N.bin: the fuzz
 * targets' seed corpora come from real runs this way (tests/fuzz). */
#define MT_RECORD_MAX (4u << 20)

static void
record_open(struct mt_conn *c)
{
   static atomic_uint n;
   const char *dir = getenv("MSMVIRT_RECORD_DIR");
   char path[512];

   if (!dir || !dir[0])
      return;
   snprintf(path, sizeof(path), "%s/conn-%d-%u.bin", dir, (int)getpid(),
            atomic_fetch_add(&n, 1));
   c->record = fopen(path, "wb");
}

static void
record_frame(struct mt_conn *c, const struct mt_frame_hdr *hdr)
{
   if (!c->record || c->recorded + sizeof(*hdr) + hdr->len > MT_RECORD_MAX)
      return;
   fwrite(hdr, sizeof(*hdr), 1, c->record);
   fwrite(c->buf, 1, hdr->len, c->record);
   c->recorded += sizeof(*hdr) + hdr->len;
}

static uint64_t
after_ms(uint32_t ms)
{
   return ms == UINT32_MAX ? 0 : mt_now_ns() + ms * 1000000ull;
}

/* The deadline for the next frame's first byte: the HELLO's, the idle
 * timeout's if the connection holds nothing, else none. */
static uint64_t
wait_deadline(struct mt_conn *c, uint64_t hello_deadline)
{
   if (!(c->flags & MT_SERVE_DEADLINES))
      return 0;
   if (!c->state)
      return hello_deadline;
   if (c->proto->holds && c->proto->holds(c->state))
      return 0;
   return after_ms(c->limits.idle_timeout_ms);
}

/* A frame once started must arrive whole by then (never after the HELLO
 * deadline while there is no HELLO yet). */
static uint64_t
frame_deadline(struct mt_conn *c, uint64_t hello_deadline)
{
   uint64_t d;

   if (!(c->flags & MT_SERVE_DEADLINES))
      return 0;
   d = after_ms(c->limits.frame_timeout_ms);
   if (!c->state && hello_deadline && (!d || hello_deadline < d))
      d = hello_deadline;
   return d;
}

/* 0 at the guest's EOF (or our shutdown), else why the guest was dropped. */
static int
conn_loop(struct mt_conn *c)
{
   uint64_t hello_deadline = after_ms(c->limits.hello_timeout_ms);

   for (;;) {
      struct mt_frame_hdr hdr;
      int ret;

      c->rd.deadline_ns = wait_deadline(c, hello_deadline);
      ret = mt_reader_wait_data(&c->rd);
      if (!ret) {
         c->rd.deadline_ns = frame_deadline(c, hello_deadline);
         ret = mt_reader_hdr(&c->rd, &hdr, MT_SIDE_HOST);
      }
      if (ret)
         return ret == -ECONNRESET ? 0 : ret;
      uint64_t now = mt_now_ns();

      if (hdr.len > c->bufcap) {
         uint8_t *buf = realloc(c->buf, hdr.len);
         if (!buf)
            return -ENOMEM;
         c->buf = buf;
         c->bufcap = hdr.len;
      }
      ret = mt_reader_get(&c->rd, c->buf, hdr.len);
      if (ret)
         return ret == -ECONNRESET ? 0 : ret;
      c->rd.deadline_ns = 0;
      record_frame(c, &hdr);
      mt_host_count(c->host, 1, sizeof(hdr) + hdr.len, 0);

      if (hdr.type == MT_HELLO) {
         ret = conn_hello(c, &hdr, now);
         if (ret)
            return ret == -EPIPE ? 0 : ret; /* gone before the welcome */
         continue;
      }
      if (!c->state)
         return -EPROTO;

      vclock_wait_until(mt_deliver_at(hdr.ts_ns, c->clock_offset, now,
                                      c->delay_ns), mt_delay_cat(hdr.type));
      vclock_charge_msg(VC_HOST_CPU, sizeof(hdr) + hdr.len);
      ret = c->proto->on_frame(c->state, c, hdr.type, hdr.session, hdr.tag,
                               c->buf, hdr.len);
      if (ret < 0)
         return ret;
   }
}

static void *
conn_main(void *arg)
{
   struct mt_conn *c = arg;

   mt_thread_timing_init();
   int ret = conn_loop(c);
   if (ret) {
      mt_log("host: dropping a guest connection: %s", strerror(-ret));
      mt_host_fault(c->host);
   }

   pthread_mutex_lock(&c->tx_lock);
   conn_break_locked(c);
   pthread_mutex_unlock(&c->tx_lock);

   if (c->state)
      c->proto->on_close(c->state);

   pthread_mutex_lock(&c->tx_lock);
   c->tx_stop = true;
   pthread_cond_broadcast(&c->tx_cond);
   pthread_mutex_unlock(&c->tx_lock);
   pthread_join(c->writer, NULL);

   struct mt_host *h = c->host;
   mt_host_conn_gone(h, c);
   mt_conn_destroy_unstarted(c);
   return NULL;
}

struct mt_conn *
mt_conn_create(struct mt_host *h, int fd, unsigned flags)
{
   struct mt_conn *c = calloc(1, sizeof(*c));
   if (!c)
      return NULL;
   c->host = h;
   c->fd = fd;
   c->flags = flags;
   c->plugged = true;
   mt_host_conn_limits(h, &c->limits);
   record_open(c);
   pthread_mutex_init(&c->tx_lock, NULL);
   pthread_cond_init(&c->tx_cond, NULL);
   if (mt_reader_init(&c->rd, fd, -1)) {
      mt_conn_destroy_unstarted(c);
      return NULL;
   }
   return c;
}

/* Also the end of a started connection, once its threads are done. */
void
mt_conn_destroy_unstarted(struct mt_conn *c)
{
   if (c->record)
      fclose(c->record);
   txq_free(c);
   mt_reader_fini(&c->rd);
   free(c->buf);
   close(c->fd);
   pthread_cond_destroy(&c->tx_cond);
   pthread_mutex_destroy(&c->tx_lock);
   free(c);
}

int
mt_conn_start(struct mt_conn *c)
{
   pthread_attr_t attr;
   pthread_t t;
   int ret;

   ret = pthread_create(&c->writer, NULL, writer_main, c);
   if (ret)
      return -ret;
   c->writer_running = true;

   /* Detached: the connection frees itself; the host waits for its count. */
   pthread_attr_init(&attr);
   pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
   ret = pthread_create(&t, &attr, conn_main, c);
   pthread_attr_destroy(&attr);
   if (ret) {
      pthread_mutex_lock(&c->tx_lock);
      c->tx_stop = true;
      pthread_cond_broadcast(&c->tx_cond);
      pthread_mutex_unlock(&c->tx_lock);
      pthread_join(c->writer, NULL);
      c->writer_running = false;
      return -ret;
   }
   return 0;
}

void
mt_conn_kill(struct mt_conn *c)
{
   shutdown(c->fd, SHUT_RDWR);
}
