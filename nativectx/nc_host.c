/*
 * nc_host.c - the host side of the virtgpu-style layer on the transport:
 * sessions (one guest context each), the frame's records, events.
 *
 * Records are decoded through a table like the ccmds are.  A record that
 * does not parse loses its session's context (or, for a session without
 * one, is refused) and ends that frame; it never drops the connection:
 * other guests' contexts share it.
 *
 * Nothing may block the connection thread, which every context of the
 * connection shares.  The only request that could is a GEM_SUBMIT of a
 * context at its in-flight limit (the core throttles it, as a full ring
 * would).  So a frame that could reach that limit (more possible submits
 * in it than the context has room for) goes to the session's backlog
 * instead, and the session's own thread runs it -- and every later frame
 * of that session, in order, until the backlog is empty again.  Only one
 * thread ever runs a session's frames at a time.  The backlog is bounded
 * (NC_SESSION_BACKLOG_MAX bytes; past it the context is lost, -ENOMEM);
 * destroying the context or losing the connection drops it unrun.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "msm_core.h"
#include "nc_host.h"
#include "nc_renderer.h"
#include "vclock.h"
#include "vg_wire.h"

#define NC_SESSION_BACKLOG_MAX (8u << 20)

/* A frame deferred to its session's thread. */
struct nc_deferred {
   struct nc_deferred *next;
   uint32_t type;
   uint64_t tag;
   uint32_t len;
   uint8_t payload[];
};

struct nc_session {
   struct nc_session *next;
   struct nc_host_conn *conn;
   uint32_t id;
   struct nc_host_ctx *ctx;

   /* The backlog (conn->lock). */
   struct nc_deferred *dq_head, *dq_tail;
   size_t dq_bytes;
   bool busy;          /* the worker runs a frame of it */
   bool overflow;      /* the backlog overflowed: lose the context */
   bool stop;
   bool has_worker;
   pthread_t worker;
   pthread_cond_t cond;
};

struct nc_host_conn {
   struct msm_core *core;
   struct msm_vm *vm;       /* this connection's quota */
   struct mt_conn *mt;      /* NULL when driven without a transport */
   struct nc_session *sessions; /* the connection thread's only */
   pthread_mutex_t lock;    /* the sessions' backlogs */
};

/* From the connection thread or the GPU thread: mt_event only queues. */
static void
session_emit(void *data, const struct vg_event *ev)
{
   struct nc_session *s = data;
   if (s->conn->mt)
      mt_event(s->conn->mt, s->id, ev, sizeof(*ev));
}

static struct nc_session *
session_find(struct nc_host_conn *c, uint32_t id)
{
   for (struct nc_session *s = c->sessions; s; s = s->next)
      if (s->id == id)
         return s;
   return NULL;
}

static void
dq_free_locked(struct nc_host_conn *c, struct nc_session *s, int answer)
{
   while (s->dq_head) {
      struct nc_deferred *d = s->dq_head;
      s->dq_head = d->next;
      if (d->type == MT_CALL && c->mt) {
         struct vg_reply r = { .ret = answer };
         mt_reply(c->mt, s->id, d->tag, &r, offsetof(struct vg_reply, caps));
      }
      free(d);
   }
   s->dq_tail = NULL;
   s->dq_bytes = 0;
}

/* The context is going away: its backlog is dropped unrun, a submit its
 * thread is throttled in fails (the core context is aborted), and the
 * thread ends. */
static void
session_stop_worker(struct nc_host_conn *c, struct nc_session *s)
{
   pthread_mutex_lock(&c->lock);
   dq_free_locked(c, s, -ECANCELED);
   s->stop = true;
   pthread_cond_signal(&s->cond);
   bool joined = s->has_worker;
   s->has_worker = false;
   pthread_mutex_unlock(&c->lock);
   if (joined) {
      msm_ctx_abort(nc_host_ctx_msm(s->ctx));
      pthread_join(s->worker, NULL);
   }
}

static void
session_destroy(struct nc_host_conn *c, struct nc_session *s)
{
   for (struct nc_session **p = &c->sessions; *p; p = &(*p)->next) {
      if (*p == s) {
         *p = s->next;
         break;
      }
   }
   session_stop_worker(c, s);
   /* After this no event can name s. */
   nc_host_ctx_destroy(s->ctx);
   pthread_cond_destroy(&s->cond);
   free(s);
}

/* ------------------------------------------------------------ records */

struct rec_args {
   struct nc_host_conn *conn;
   uint32_t session;
   struct nc_session *s;    /* NULL: no context on this session (yet) */
   const uint8_t *rec;      /* the record, in the frame's private copy */
   uint32_t len;
   struct vg_reply *reply;
   uint32_t *reply_len;
   bool deferred;           /* on the session's thread */
};

static int
rec_ctx_create(struct rec_args *a)
{
   struct vg_rec_ctx_create r;
   struct nc_session *s;
   int ret;

   memcpy(&r, a->rec, sizeof(r));
   if (a->s)
      return -EEXIST;
   if (r.context_type != NC_CONTEXT_MSM)
      return -EINVAL;
   s = calloc(1, sizeof(*s));
   if (!s)
      return -ENOMEM;
   s->conn = a->conn;
   s->id = a->session;
   pthread_cond_init(&s->cond, NULL);
   vclock_charge(VC_HOST_CPU, vclock_costs.host_op_ns); /* cost model */
   ret = nc_host_ctx_create_vm(a->conn->core, a->conn->vm, r.arena_size,
                          session_emit, s, &s->ctx);
   if (ret) {
      pthread_cond_destroy(&s->cond);
      free(s);
      return ret;
   }
   s->next = a->conn->sessions;
   a->conn->sessions = s;
   a->s = s;
   nc_host_ctx_caps(s->ctx, &a->reply->caps);
   *a->reply_len = sizeof(*a->reply);
   return 0;
}

static int
rec_ctx_destroy(struct rec_args *a)
{
   /* Never in a deferred frame (proto_frame keeps those inline); the
    * session's own thread cannot end its session. */
   if (a->deferred) {
      nc_host_ctx_lose(a->s->ctx, -EPROTO);
      return -EIO;
   }
   session_destroy(a->conn, a->s);
   a->s = NULL;
   return 0;
}

static int
rec_execbuf(struct rec_args *a)
{
   struct vg_rec_execbuf r;
   int ret;

   memcpy(&r, a->rec, sizeof(r));
   if (r.flags & ~VG_EXECBUF_FENCE) {
      nc_host_ctx_lose(a->s->ctx, -EINVAL);
      return -EIO;
   }
   ret = nc_host_ctx_execute(a->s->ctx, a->rec + sizeof(r), a->len - sizeof(r));
   if (!ret && (r.flags & VG_EXECBUF_FENCE))
      ret = nc_host_ctx_submit_fence(a->s->ctx, r.ring_idx, r.fence_id);
   return ret;
}

static int
rec_blob_create(struct rec_args *a)
{
   struct vg_rec_blob_create r;
   int ret;

   memcpy(&r, a->rec, sizeof(r));
   if (r.cmd_len > a->len - sizeof(r)) {
      nc_host_ctx_lose(a->s->ctx, -EINVAL);
      return -EIO;
   }
   /* Like RESOURCE_CREATE_BLOB: the tunnelled GEM_NEW first. */
   ret = nc_host_ctx_execute(a->s->ctx, a->rec + sizeof(r), r.cmd_len);
   if (!ret)
      ret = nc_host_ctx_blob_attach(a->s->ctx, r.res_id, r.blob_id, r.size,
                               r.hm_offset);
   return ret;
}

static int
rec_resource_unref(struct rec_args *a)
{
   struct vg_rec_resource_unref r;

   memcpy(&r, a->rec, sizeof(r));
   vclock_charge(VC_HOST_CPU, vclock_costs.host_op_ns); /* cost model */
   return nc_host_ctx_resource_unref(a->s->ctx, r.res_id);
}

static const struct {
   const char *name;
   int (*run)(struct rec_args *a);
   uint32_t min_size;
   bool needs_ctx;
} rec_table[VG_REC_COUNT] = {
#define REC(N, n, ctx) \
   [VG_REC_##N] = { #N, rec_##n, sizeof(struct vg_rec_##n), ctx }
   REC(CTX_CREATE, ctx_create, false),
   REC(CTX_DESTROY, ctx_destroy, true),
   REC(EXECBUF, execbuf, true),
   REC(BLOB_CREATE, blob_create, true),
   REC(RESOURCE_UNREF, resource_unref, true),
#undef REC
};

/* A record header that frames: 0, or -EPROTO. */
static int
rec_check(const uint8_t *p, uint32_t off, uint32_t len, struct vg_rec_hdr *hdr)
{
   if (len - off < sizeof(*hdr))
      return -EPROTO;
   memcpy(hdr, p + off, sizeof(*hdr));
   if (hdr->len < sizeof(*hdr) || hdr->len % VG_REC_ALIGN ||
       hdr->len > len - off ||
       !hdr->type || hdr->type >= VG_REC_COUNT ||
       hdr->len < rec_table[hdr->type].min_size)
      return -EPROTO;
   return 0;
}

/* Does the frame (as far as it frames) hold a record of this type? */
static bool
frame_has(const void *payload, uint32_t len, uint32_t type)
{
   struct vg_rec_hdr hdr;

   for (uint32_t off = 0; off < len && !rec_check(payload, off, len, &hdr);
        off += hdr.len)
      if (hdr.type == type)
         return true;
   return false;
}

static int
run_frame(struct nc_host_conn *c, struct nc_session *s, bool deferred,
          uint32_t session, const void *payload, uint32_t len,
          struct vg_reply *reply, uint32_t *reply_len)
{
   struct rec_args a = {
      .conn = c, .session = session, .s = s,
      .reply = reply, .reply_len = reply_len, .deferred = deferred,
   };
   const uint8_t *p = payload;
   uint32_t off = 0;
   int ret = 0;

   memset(reply, 0, sizeof(*reply));
   *reply_len = offsetof(struct vg_reply, caps);

   while (off < len) {
      struct vg_rec_hdr hdr;
      int r;

      r = rec_check(p, off, len, &hdr);
      if (!r && rec_table[hdr.type].needs_ctx && !a.s)
         r = -ENOENT;
      if (r) {
         /* The framing is gone: the rest of the frame means nothing. */
         if (a.s)
            nc_host_ctx_lose(a.s->ctx, r);
         ret = ret ? ret : r;
         break;
      }
      a.rec = p + off;
      a.len = hdr.len;
      r = rec_table[hdr.type].run(&a);
      if (r && !ret)
         ret = r;
      off += hdr.len;
   }
   if (!ret && a.s && nc_host_ctx_lost(a.s->ctx))
      ret = -EIO;
   reply->ret = ret;
   return ret;
}

int
nc_host_frame(struct nc_host_conn *c, uint32_t session, const void *payload,
              uint32_t len, struct vg_reply *reply, uint32_t *reply_len)
{
   return run_frame(c, session_find(c, session), false, session, payload,
                    len, reply, reply_len);
}

int
nc_host_conn_create(struct msm_core *core, struct mt_conn *conn,
                    struct nc_host_conn **out)
{
   struct nc_host_conn *c = calloc(1, sizeof(*c));
   if (!c)
      return -ENOMEM;
   c->core = core;
   c->mt = conn;
   if (msm_vm_create(core, &c->vm)) {
      free(c);
      return -ENOMEM;
   }
   pthread_mutex_init(&c->lock, NULL);
   *out = c;
   return 0;
}

void
nc_host_conn_destroy(struct nc_host_conn *c)
{
   if (!c)
      return;
   while (c->sessions)
      session_destroy(c, c->sessions);
   msm_vm_destroy(c->vm);
   pthread_mutex_destroy(&c->lock);
   free(c);
}

/* ---------------------------------------------------------- transport */

static int
proto_hello(void *data, struct mt_conn *conn, const void *hello, uint32_t len,
            void **state)
{
   struct vg_wire_hello h;

   if (len < sizeof(h))
      return -EPROTO;
   memcpy(&h, hello, sizeof(h));
   if (h.wire_format_version != NC_WIRE_FORMAT_VERSION)
      return -EPROTONOSUPPORT;
   return nc_host_conn_create(data, conn, (struct nc_host_conn **)state);
}

static void
answer(struct mt_conn *conn, uint32_t type, uint32_t session, uint64_t tag,
       const struct vg_reply *reply, uint32_t reply_len)
{
   if (type == MT_CALL)
      mt_reply(conn, session, tag, reply, reply_len);
}

/* The session's own thread: its backlog, in order. */
static void *
session_worker(void *arg)
{
   struct nc_session *s = arg;
   struct nc_host_conn *c = s->conn;

   pthread_mutex_lock(&c->lock);
   for (;;) {
      struct nc_deferred *d;
      struct vg_reply reply;
      uint32_t reply_len;

      while (!s->dq_head && !s->overflow && !s->stop)
         pthread_cond_wait(&s->cond, &c->lock);
      if (s->stop)
         break;
      if (s->overflow) {
         /* The guest outran its own throttling by NC_SESSION_BACKLOG_MAX. */
         dq_free_locked(c, s, -ENOMEM);
         s->overflow = false;
         nc_host_ctx_lose(s->ctx, -ENOMEM);
         continue;
      }
      d = s->dq_head;
      s->dq_head = d->next;
      if (!s->dq_head)
         s->dq_tail = NULL;
      s->dq_bytes -= d->len;
      s->busy = true;
      pthread_mutex_unlock(&c->lock);

      run_frame(c, s, true, s->id, d->payload, d->len, &reply, &reply_len);
      answer(c->mt, d->type, s->id, d->tag, &reply, reply_len);
      free(d);

      pthread_mutex_lock(&c->lock);
      s->busy = false;
   }
   pthread_mutex_unlock(&c->lock);
   return NULL;
}

/* Under c->lock: queue the frame on the session's backlog.  0, or the
 * errno a CALL is answered with. */
static int
defer_locked(struct nc_session *s, uint32_t type, uint64_t tag,
             const void *payload, uint32_t len)
{
   struct nc_deferred *d;

   if (s->overflow)
      return -EIO;
   if (s->dq_bytes + len > NC_SESSION_BACKLOG_MAX) {
      s->overflow = true;
      pthread_cond_signal(&s->cond);
      return -ENOMEM;
   }
   if (!s->has_worker) {
      s->stop = false;
      if (pthread_create(&s->worker, NULL, session_worker, s))
         return -EAGAIN;
      s->has_worker = true;
   }
   d = malloc(sizeof(*d) + len);
   if (!d)
      return -ENOMEM;
   *d = (struct nc_deferred){ .type = type, .tag = tag, .len = len };
   memcpy(d->payload, payload, len);
   if (s->dq_tail)
      s->dq_tail->next = d;
   else
      s->dq_head = d;
   s->dq_tail = d;
   s->dq_bytes += len;
   pthread_cond_signal(&s->cond);
   return 0;
}

/* May this frame of s run here, now, without any chance of waiting? */
static bool
runs_inline_locked(struct nc_session *s, uint32_t len)
{
   if (s->dq_head || s->busy)
      return false; /* keep the session's order */
   return nc_max_submits(len) <= msm_ctx_submit_room(nc_host_ctx_msm(s->ctx));
}

static int
proto_frame(void *state, struct mt_conn *conn, uint32_t type,
            uint32_t session, uint64_t tag, const void *payload, uint32_t len)
{
   struct nc_host_conn *c = state;
   struct nc_session *s = session_find(c, session);
   struct vg_reply reply;
   uint32_t reply_len;

   if (s) {
      pthread_mutex_lock(&c->lock);
      bool inline_ok = runs_inline_locked(s, len);
      bool destroying = !inline_ok && frame_has(payload, len,
                                                VG_REC_CTX_DESTROY);
      int ret = 0;
      if (!inline_ok && !destroying)
         ret = defer_locked(s, type, tag, payload, len);
      pthread_mutex_unlock(&c->lock);
      if (!inline_ok && !destroying) {
         if (ret) {
            struct vg_reply r = { .ret = ret };
            answer(conn, type, session, tag, &r,
                   offsetof(struct vg_reply, caps));
         }
         return 0;
      }
      /* A context closing with work queued: that work is cancelled, and
       * with the core context aborted nothing in this frame can wait. */
      if (destroying)
         session_stop_worker(c, s);
   }
   /* Errors stay inside the session: the connection serves others too. */
   nc_host_frame(c, session, payload, len, &reply, &reply_len);
   answer(conn, type, session, tag, &reply, reply_len);
   return 0;
}

static void
proto_close(void *state)
{
   nc_host_conn_destroy(state);
}

static bool
proto_holds(void *state)
{
   return ((struct nc_host_conn *)state)->sessions != NULL;
}

int
nc_host_proto(struct msm_core *core, struct mt_host_proto *out)
{
   if (!core || !out)
      return -EINVAL;
   *out = (struct mt_host_proto){
      .name = NC_PROTO_NAME,
      .data = core,
      .on_hello = proto_hello,
      .on_frame = proto_frame,
      .on_close = proto_close,
      .holds = proto_holds,
   };
   return 0;
}
