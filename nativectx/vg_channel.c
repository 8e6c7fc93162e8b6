/*
 * vg_channel.c - the virtgpu-style layer (vg.h) on the transport.
 *
 * It plays the guest kernel's part: it assigns res_ids, keeps async
 * operations in a per-context transmit buffer (the virtqueue), and notifies
 * the host once for all of them: a SEND when an EXECBUFFER is not deferred,
 * a CALL when the caller waits.  The host processes a session's frames in
 * order, so everything arrives in call order.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nc_channel.h"
#include "vg_wire.h"

#define TX_INITIAL (64u * 1024)
#define FRAME_HDR  ((uint64_t)sizeof(struct mt_frame_hdr))

struct vg_chan_dev;

struct nc_channel {
   struct mt_guest *g;
   pthread_mutex_t lock;       /* devs, and event delivery to them */
   struct vg_chan_dev *devs;
   uint32_t next_session;
   uint32_t next_res_id;       /* device-wide, like the guest kernel's */
};

struct vg_chan_dev {
   struct vg_dev base;
   struct nc_channel *ch;
   struct vg_chan_dev *next;   /* ch->devs, under ch->lock */
   uint32_t session;

   uint8_t *tx;                /* held-back records */
   uint32_t tx_len, tx_cap;

   vg_event_fn event_fn;       /* under ch->lock */
   void *event_data;

   _Atomic uint64_t messages, bytes, round_trips, events;
};

static struct vg_chan_dev *
to_chan(struct vg_dev *vg)
{
   return (struct vg_chan_dev *)vg;
}

static void
count(_Atomic uint64_t *c, uint64_t v)
{
   atomic_fetch_add_explicit(c, v, memory_order_relaxed);
}

/* --------------------------------------------------------- transmit */

static int
tx_send(struct vg_chan_dev *d)
{
   int ret;

   if (!d->tx_len)
      return 0;
   ret = mt_send(d->ch->g, d->session, d->tx, d->tx_len);
   if (!ret) {
      count(&d->messages, 1);
      count(&d->bytes, FRAME_HDR + d->tx_len);
   }
   d->tx_len = 0;
   return ret;
}

/* Append a record (head, then body) to the transmit buffer, sending what is
 * held first if it would not fit. */
static int
tx_append(struct vg_chan_dev *d, const void *head, uint32_t head_len,
          const void *body, uint32_t body_len)
{
   uint64_t need = (uint64_t)head_len + body_len;
   int ret;

   if (need > MT_MAX_PAYLOAD)
      return -E2BIG;
   if (d->tx_len + need > d->tx_cap) {
      ret = tx_send(d);
      if (ret)
         return ret;
      if (need > d->tx_cap) {
         uint32_t cap = d->tx_cap ? d->tx_cap : TX_INITIAL;
         while (cap < need)
            cap *= 2;
         uint8_t *tx = realloc(d->tx, cap);
         if (!tx)
            return -ENOMEM;
         d->tx = tx;
         d->tx_cap = cap;
      }
   }
   memcpy(d->tx + d->tx_len, head, head_len);
   if (body_len)
      memcpy(d->tx + d->tx_len + head_len, body, body_len);
   d->tx_len += (uint32_t)need;
   return 0;
}

/* Everything held, as one CALL; the host answers after running it all. */
static int
tx_call(struct vg_chan_dev *d, struct vg_reply *reply)
{
   uint32_t rlen = 0;
   int ret;

   memset(reply, 0, sizeof(*reply));
   ret = mt_call(d->ch->g, d->session, d->tx, d->tx_len, reply,
                 sizeof(*reply), &rlen);
   if (!ret) {
      count(&d->messages, 1);
      count(&d->round_trips, 1);
      count(&d->bytes, 2 * FRAME_HDR + d->tx_len + rlen);
      if (rlen < offsetof(struct vg_reply, caps))
         ret = -EPROTO;
      else
         ret = reply->ret;
   }
   d->tx_len = 0;
   return ret;
}

/* -------------------------------------------------------------- ops */

static int
chan_execbuf(struct vg_dev *vg, const void *cmd, uint32_t len,
             uint32_t ring_idx, uint64_t fence_id, uint32_t flags)
{
   struct vg_chan_dev *d = to_chan(vg);
   struct vg_rec_execbuf rec = {
      .hdr = { .type = VG_REC_EXECBUF, .len = sizeof(rec) + len },
      .ring_idx = ring_idx,
      .flags = flags & VG_EXECBUF_FENCE,
      .fence_id = fence_id,
   };
   int ret;

   if (len % VG_REC_ALIGN || (len && !cmd))
      return -EINVAL;

   if (!(flags & (VG_EXECBUF_SYNC | VG_EXECBUF_DEFER)) && !d->tx_len) {
      /* The common case: one record, straight from the caller's buffer. */
      struct iovec iov[2] = {
         { .iov_base = &rec, .iov_len = sizeof(rec) },
         { .iov_base = (void *)cmd, .iov_len = len },
      };
      ret = mt_sendv(d->ch->g, d->session, iov, len ? 2 : 1);
      if (!ret) {
         count(&d->messages, 1);
         count(&d->bytes, FRAME_HDR + sizeof(rec) + len);
      }
      return ret;
   }

   ret = tx_append(d, &rec, sizeof(rec), cmd, len);
   if (ret)
      return ret;
   if (flags & VG_EXECBUF_SYNC) {
      struct vg_reply reply;
      return tx_call(d, &reply);
   }
   if (flags & VG_EXECBUF_DEFER)
      return 0;
   return tx_send(d);
}

static int
chan_blob_create(struct vg_dev *vg, const struct vg_blob_create *args,
                 uint32_t *res_id)
{
   struct vg_chan_dev *d = to_chan(vg);
   struct vg_rec_blob_create rec = {
      .hdr = { .type = VG_REC_BLOB_CREATE,
               .len = sizeof(rec) + args->cmd_len },
      .cmd_len = args->cmd_len,
      .blob_id = args->blob_id,
      .size = args->size,
      .hm_offset = args->hm_offset,
   };
   int ret;

   if (args->cmd_len % VG_REC_ALIGN || (args->cmd_len && !args->cmd))
      return -EINVAL;
   /* res_ids are the guest kernel's: device-wide, never 0, never reused
    * while live (32 bits of them outlast any VM run here). */
   pthread_mutex_lock(&d->ch->lock);
   if (!++d->ch->next_res_id)
      ++d->ch->next_res_id;
   rec.res_id = d->ch->next_res_id;
   pthread_mutex_unlock(&d->ch->lock);
   ret = tx_append(d, &rec, sizeof(rec), args->cmd, args->cmd_len);
   if (!ret)
      *res_id = rec.res_id;
   return ret;
}

static int
chan_resource_unref(struct vg_dev *vg, uint32_t res_id)
{
   struct vg_rec_resource_unref rec = {
      .hdr = { .type = VG_REC_RESOURCE_UNREF, .len = sizeof(rec) },
      .res_id = res_id,
   };
   return tx_append(to_chan(vg), &rec, sizeof(rec), NULL, 0);
}

static int
chan_flush(struct vg_dev *vg)
{
   return tx_send(to_chan(vg));
}

static void
chan_set_event_cb(struct vg_dev *vg, vg_event_fn fn, void *data)
{
   struct vg_chan_dev *d = to_chan(vg);

   pthread_mutex_lock(&d->ch->lock);
   d->event_fn = fn;
   d->event_data = data;
   pthread_mutex_unlock(&d->ch->lock);
}

static void
chan_get_stats(struct vg_dev *vg, struct vg_stats *st)
{
   struct vg_chan_dev *d = to_chan(vg);

   st->messages = atomic_load(&d->messages);
   st->bytes = atomic_load(&d->bytes);
   st->sync_round_trips = atomic_load(&d->round_trips);
   st->events = atomic_load(&d->events);
}

static void
unlink_dev(struct vg_chan_dev *d)
{
   /* Under ch->lock: once unlinked, no event reaches d. */
   pthread_mutex_lock(&d->ch->lock);
   for (struct vg_chan_dev **p = &d->ch->devs; *p; p = &(*p)->next) {
      if (*p == d) {
         *p = d->next;
         break;
      }
   }
   pthread_mutex_unlock(&d->ch->lock);
}

static void
chan_destroy(struct vg_dev *vg)
{
   struct vg_chan_dev *d = to_chan(vg);
   struct vg_rec_ctx_destroy rec = {
      .hdr = { .type = VG_REC_CTX_DESTROY, .len = sizeof(rec) },
   };

   /* Like closing the DRM fd: the host context goes with what it owned.
    * A broken connection has already taken it along. */
   if (!tx_append(d, &rec, sizeof(rec), NULL, 0))
      tx_send(d);
   unlink_dev(d);
   free(d->tx);
   free(d);
}

static const struct vg_ops chan_ops = {
   .name = "transport",
   .destroy = chan_destroy,
   .set_event_cb = chan_set_event_cb,
   .blob_create = chan_blob_create,
   .resource_unref = chan_resource_unref,
   .execbuf = chan_execbuf,
   .flush = chan_flush,
   .get_stats = chan_get_stats,
};

int
vg_channel_open(struct nc_channel *ch, uint64_t arena_size,
                struct vg_dev **out)
{
   struct vg_chan_dev *d = calloc(1, sizeof(*d));
   struct vg_rec_ctx_create rec = {
      .hdr = { .type = VG_REC_CTX_CREATE, .len = sizeof(rec) },
      .context_type = NC_CONTEXT_MSM,
      .arena_size = arena_size,
   };
   struct vg_reply reply;
   void *hm;
   uint64_t hm_size;
   int ret;

   if (!d)
      return -ENOMEM;
   d->base.ops = &chan_ops;
   d->ch = ch;
   pthread_mutex_lock(&ch->lock);
   if (!++ch->next_session)
      ++ch->next_session;
   d->session = ch->next_session;
   d->next = ch->devs;
   ch->devs = d;
   pthread_mutex_unlock(&ch->lock);

   ret = tx_append(d, &rec, sizeof(rec), NULL, 0);
   if (!ret)
      ret = tx_call(d, &reply);
   if (ret)
      goto fail;

   /* The capset describes the host; do not build on one we do not speak. */
   if (reply.caps.capset.wire_format_version != NC_WIRE_FORMAT_VERSION ||
       reply.caps.capset.context_type != NC_CONTEXT_MSM) {
      ret = -EPROTONOSUPPORT;
      goto fail_ctx;
   }
   mt_guest_hostmem(ch->g, &hm, &hm_size);
   d->base.caps = reply.caps;
   d->base.hostmem = hm;
   d->base.hostmem_size = hm_size;
   *out = &d->base;
   return 0;

fail_ctx:
   chan_destroy(&d->base);
   return ret;
fail:
   unlink_dev(d);
   free(d->tx);
   free(d);
   return ret;
}

/* ---------------------------------------------------------- channel */

/* The transport's reader thread: route the event to its session. */
static void
channel_event(void *data, uint32_t session, const void *payload, uint32_t len)
{
   struct nc_channel *ch = data;
   struct vg_event ev;

   if (len < sizeof(ev))
      return;
   memcpy(&ev, payload, sizeof(ev));
   pthread_mutex_lock(&ch->lock);
   for (struct vg_chan_dev *d = ch->devs; d; d = d->next) {
      if (d->session == session) {
         count(&d->events, 1);
         count(&d->bytes, FRAME_HDR + len);
         if (d->event_fn)
            d->event_fn(d->event_data, &ev);
         break;
      }
   }
   pthread_mutex_unlock(&ch->lock);
}

int
nc_channel_open_with(nc_transport_open_fn open, void *arg,
                     const struct nc_channel_config *cfg,
                     struct nc_channel **out)
{
   static const struct vg_wire_hello hello = {
      .wire_format_version = NC_WIRE_FORMAT_VERSION,
   };
   struct nc_channel *ch = calloc(1, sizeof(*ch));
   int ret;

   if (!ch)
      return -ENOMEM;
   pthread_mutex_init(&ch->lock, NULL);
   struct mt_guest_config gcfg = {
      .proto = NC_PROTO_NAME,
      .hello = &hello,
      .hello_len = sizeof(hello),
      .rtt_us = cfg ? cfg->rtt_us : 0,
      .timeout_ms = cfg ? cfg->timeout_ms : 0,
      .on_event = channel_event,
      .event_data = ch,
   };
   ret = open(arg, &gcfg, &ch->g);
   if (ret) {
      pthread_mutex_destroy(&ch->lock);
      free(ch);
      return ret;
   }
   *out = ch;
   return 0;
}

struct connect_args {
   const char *path;
   const char *hostmem_path;
   uint64_t hostmem_size;
   int fd;
   unsigned flags;
   bool fd_taken;
};

static int
open_connect(void *arg, const struct mt_guest_config *gcfg,
             struct mt_guest **out)
{
   struct connect_args *a = arg;
   return mt_guest_connect(a->path, gcfg, out);
}

static int
open_virtio(void *arg, const struct mt_guest_config *gcfg,
            struct mt_guest **out)
{
   struct connect_args *a = arg;
   return mt_guest_open_virtio(a->path, a->hostmem_path, a->hostmem_size,
                               gcfg, out);
}

static int
open_fd(void *arg, const struct mt_guest_config *gcfg, struct mt_guest **out)
{
   struct connect_args *a = arg;
   a->fd_taken = true;
   return mt_guest_open_fd(a->fd, a->hostmem_path, a->hostmem_size, a->flags,
                           gcfg, out);
}

int
nc_channel_connect(const char *path, const struct nc_channel_config *cfg,
                   struct nc_channel **out)
{
   struct connect_args a = { .path = path };
   return nc_channel_open_with(open_connect, &a, cfg, out);
}

int
nc_channel_open_virtio(const char *port_path, const char *hostmem_path,
                       uint64_t hostmem_size,
                       const struct nc_channel_config *cfg,
                       struct nc_channel **out)
{
   struct connect_args a = { .path = port_path, .hostmem_path = hostmem_path,
                             .hostmem_size = hostmem_size };
   return nc_channel_open_with(open_virtio, &a, cfg, out);
}

int
nc_channel_open_fd(int fd, const char *hostmem_path, uint64_t hostmem_size,
                   unsigned mt_flags, const struct nc_channel_config *cfg,
                   struct nc_channel **out)
{
   struct connect_args a = { .fd = fd, .hostmem_path = hostmem_path,
                             .hostmem_size = hostmem_size, .flags = mt_flags };
   int ret = nc_channel_open_with(open_fd, &a, cfg, out);
   /* The fd is ours to close whatever happens, as with mt_guest_open_fd(). */
   if (ret && !a.fd_taken && fd >= 0)
      close(fd);
   return ret;
}

void
nc_channel_close(struct nc_channel *ch)
{
   if (!ch)
      return;
   /* Contexts still open are the caller's bug; the host frees them with
    * the connection anyway. */
   mt_guest_close(ch->g);
   pthread_mutex_destroy(&ch->lock);
   free(ch);
}

void
nc_channel_stats(struct nc_channel *ch, struct mt_stats *st)
{
   mt_guest_stats(ch->g, st);
}

struct mt_guest *
nc_channel_transport(struct nc_channel *ch)
{
   return ch->g;
}
