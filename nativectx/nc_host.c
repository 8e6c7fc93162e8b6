/*
 * nc_host.c - the host side of the virtgpu-style layer on the transport:
 * sessions (one guest context each), the frame's records, events.
 *
 * Records are decoded through a table like the ccmds are.  A record that
 * does not parse loses its session's context (or, for a session without
 * one, is refused) and ends that frame; it never drops the connection:
 * other guests' contexts share it.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "msm_core.h"
#include "nc_host.h"
#include "nc_renderer.h"
#include "vclock.h"
#include "vg_wire.h"

struct nc_session {
   struct nc_session *next;
   struct nc_host_conn *conn;
   uint32_t id;
   struct nc_ctx *ctx;
};

struct nc_host_conn {
   struct msm_core *core;
   struct mt_conn *mt;      /* NULL when driven without a transport */
   struct nc_session *sessions;
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
session_destroy(struct nc_host_conn *c, struct nc_session *s)
{
   for (struct nc_session **p = &c->sessions; *p; p = &(*p)->next) {
      if (*p == s) {
         *p = s->next;
         break;
      }
   }
   /* After this no event can name s. */
   nc_ctx_destroy(s->ctx);
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
   vclock_charge(VC_HOST_CPU, vclock_costs.host_op_ns); /* cost model */
   ret = nc_ctx_create(a->conn->core, r.arena_size, session_emit, s, &s->ctx);
   if (ret) {
      free(s);
      return ret;
   }
   s->next = a->conn->sessions;
   a->conn->sessions = s;
   a->s = s;
   nc_ctx_caps(s->ctx, &a->reply->caps);
   *a->reply_len = sizeof(*a->reply);
   return 0;
}

static int
rec_ctx_destroy(struct rec_args *a)
{
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
      nc_ctx_lose(a->s->ctx, -EINVAL);
      return -EIO;
   }
   ret = nc_ctx_execute(a->s->ctx, a->rec + sizeof(r), a->len - sizeof(r));
   if (!ret && (r.flags & VG_EXECBUF_FENCE))
      ret = nc_ctx_submit_fence(a->s->ctx, r.ring_idx, r.fence_id);
   return ret;
}

static int
rec_blob_create(struct rec_args *a)
{
   struct vg_rec_blob_create r;
   int ret;

   memcpy(&r, a->rec, sizeof(r));
   if (r.cmd_len > a->len - sizeof(r)) {
      nc_ctx_lose(a->s->ctx, -EINVAL);
      return -EIO;
   }
   /* Like RESOURCE_CREATE_BLOB: the tunnelled GEM_NEW first. */
   ret = nc_ctx_execute(a->s->ctx, a->rec + sizeof(r), r.cmd_len);
   if (!ret)
      ret = nc_ctx_blob_attach(a->s->ctx, r.res_id, r.blob_id, r.size,
                               r.hm_offset);
   return ret;
}

static int
rec_resource_unref(struct rec_args *a)
{
   struct vg_rec_resource_unref r;

   memcpy(&r, a->rec, sizeof(r));
   vclock_charge(VC_HOST_CPU, vclock_costs.host_op_ns); /* cost model */
   return nc_ctx_resource_unref(a->s->ctx, r.res_id);
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

int
nc_host_frame(struct nc_host_conn *c, uint32_t session, const void *payload,
              uint32_t len, struct vg_reply *reply, uint32_t *reply_len)
{
   struct rec_args a = {
      .conn = c, .session = session, .s = session_find(c, session),
      .reply = reply, .reply_len = reply_len,
   };
   const uint8_t *p = payload;
   uint32_t off = 0;
   int ret = 0;

   memset(reply, 0, sizeof(*reply));
   *reply_len = offsetof(struct vg_reply, caps);

   while (off < len) {
      struct vg_rec_hdr hdr;
      int r;

      if (len - off < sizeof(hdr)) {
         r = -EPROTO;
      } else {
         memcpy(&hdr, p + off, sizeof(hdr));
         if (hdr.len < sizeof(hdr) || hdr.len % VG_REC_ALIGN || hdr.len > len - off ||
             !hdr.type || hdr.type >= VG_REC_COUNT ||
             hdr.len < rec_table[hdr.type].min_size)
            r = -EPROTO;
         else if (rec_table[hdr.type].needs_ctx && !a.s)
            r = -ENOENT;
         else
            r = 0;
      }
      if (r) {
         /* The framing is gone: the rest of the frame means nothing. */
         if (a.s)
            nc_ctx_lose(a.s->ctx, r);
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
   if (!ret && a.s && nc_ctx_lost(a.s->ctx))
      ret = -EIO;
   reply->ret = ret;
   return ret;
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

static int
proto_frame(void *state, struct mt_conn *conn, uint32_t type,
            uint32_t session, uint64_t tag, const void *payload, uint32_t len)
{
   struct vg_reply reply;
   uint32_t reply_len;

   /* Errors stay inside the session: the connection serves others too. */
   nc_host_frame(state, session, payload, len, &reply, &reply_len);
   if (type == MT_CALL)
      mt_reply(conn, session, tag, &reply, reply_len);
   return 0;
}

static void
proto_close(void *state)
{
   nc_host_conn_destroy(state);
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
   };
   return 0;
}
