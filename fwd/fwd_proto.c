/*
 * fwd_proto.c - the host side of the forward protocol: sessions -> contexts
 * (see fwd_proto.h).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "fwd_host.h"
#include "fwd_proto.h"
#include "fwd_spec.h"
#include "fwd_wire.h"
#include "msm_core.h"

struct fwd_conn_state {
   struct msm_core *core;
   pthread_mutex_t lock;
   struct { uint32_t id; struct msm_ctx *ctx; } *sessions;
   uint32_t nr, cap;
   void *rsp; /* reply buffer, fwd_spec_max_reply() bytes */
   size_t rsp_cap;
};

static int
host_hello(void *data, struct mt_conn *conn, const void *hello, uint32_t len,
           void **state)
{
   struct fwd_conn_state *st;

   (void)conn;
   (void)hello;
   (void)len;
   st = calloc(1, sizeof(*st));
   if (!st)
      return -ENOMEM;
   st->core = data;
   st->rsp_cap = fwd_spec_max_reply();
   st->rsp = malloc(st->rsp_cap);
   if (!st->rsp) {
      free(st);
      return -ENOMEM;
   }
   pthread_mutex_init(&st->lock, NULL);
   *state = st;
   return 0;
}

static int
find_session(struct fwd_conn_state *st, uint32_t id)
{
   for (uint32_t i = 0; i < st->nr; i++)
      if (st->sessions[i].id == id)
         return (int)i;
   return -1;
}

static int
session_open(struct fwd_conn_state *st, uint32_t id)
{
   struct msm_ctx *ctx;
   int ret;

   if (find_session(st, id) >= 0)
      return -EEXIST;
   if (st->nr >= FWD_MAX_SESSIONS)
      return -EMFILE;
   if (st->nr == st->cap) {
      uint32_t cap = st->cap ? st->cap * 2 : 8;
      void *n = realloc(st->sessions, cap * sizeof(st->sessions[0]));
      if (!n)
         return -ENOMEM;
      st->sessions = n;
      st->cap = cap;
   }
   ret = msm_ctx_create(st->core, &ctx);
   if (ret)
      return ret;
   st->sessions[st->nr].id = id;
   st->sessions[st->nr].ctx = ctx;
   st->nr++;
   return 0;
}

static int
session_close(struct fwd_conn_state *st, uint32_t id)
{
   int i = find_session(st, id);

   if (i < 0)
      return -ENOENT;
   msm_ctx_destroy(st->sessions[i].ctx);
   st->sessions[i] = st->sessions[--st->nr];
   return 0;
}

static int
reply_result(struct mt_conn *conn, uint32_t session, uint64_t tag, int result)
{
   struct fwd_wire_rsp rsp = { .result = result };
   return mt_reply(conn, session, tag, &rsp, sizeof(rsp));
}

static int
host_frame(void *state, struct mt_conn *conn, uint32_t type, uint32_t session,
           uint64_t tag, const void *payload, uint32_t len)
{
   struct fwd_conn_state *st = state;
   struct fwd_wire_req hdr;
   size_t rsp_len = 0;
   int i, ret;

   /* The forward protocol is synchronous: a SEND is a confused guest. */
   if (type != MT_CALL)
      return -EPROTO;
   if (len < sizeof(hdr))
      return reply_result(conn, session, tag, -EINVAL);
   memcpy(&hdr, payload, sizeof(hdr));

   if (hdr.cmd == FWD_CTL_OPEN || hdr.cmd == FWD_CTL_CLOSE) {
      pthread_mutex_lock(&st->lock);
      ret = hdr.cmd == FWD_CTL_OPEN ? session_open(st, session)
                                    : session_close(st, session);
      pthread_mutex_unlock(&st->lock);
      return reply_result(conn, session, tag, ret);
   }

   /* Handlers of one connection run in order on its thread: the session
    * table cannot change under us here. */
   i = find_session(st, session);
   if (i < 0)
      return reply_result(conn, session, tag, -EBADF);
   ret = fwd_host_handle(st->sessions[i].ctx, payload, len, st->rsp,
                         st->rsp_cap, &rsp_len);
   if (ret)
      return reply_result(conn, session, tag, ret);
   return mt_reply(conn, session, tag, st->rsp, (uint32_t)rsp_len);
}

static void
host_close(void *state)
{
   struct fwd_conn_state *st = state;

   /* The guest is gone: its drm_files close with it. */
   for (uint32_t i = 0; i < st->nr; i++)
      msm_ctx_destroy(st->sessions[i].ctx);
   pthread_mutex_destroy(&st->lock);
   free(st->sessions);
   free(st->rsp);
   free(st);
}

int
fwd_host_proto(struct msm_core *core, struct mt_host_proto *out)
{
   *out = (struct mt_host_proto){
      .name = FWD_PROTO_NAME,
      .data = core,
      .on_hello = host_hello,
      .on_frame = host_frame,
      .on_close = host_close,
   };
   return 0;
}

