/*
 * fwd_proto.c - the host side of the forward protocol: sessions -> contexts
 * (see fwd_proto.h).
 *
 * One stream may carry every guest process of a VM (one virtio-serial
 * port), so one process blocked in WAIT_FENCE must not hold up the others:
 * ioctls that can wait on the GPU run on this connection's worker threads
 * and answer with a late mt_reply(); everything else runs inline on the
 * connection thread, in order, with no hand-off cost.
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

#define FWD_MAX_WORKERS 8

struct fwd_sess {
   uint32_t id;
   struct msm_ctx *ctx;
   uint32_t refs;  /* the table's + one per request running or queued */
   bool closed;    /* CLOSEd or the guest is gone: no new requests */
};

struct fwd_job {
   struct fwd_job *next;
   struct fwd_sess *s;
   uint64_t tag;
   uint32_t len;
   uint8_t payload[];
};

struct fwd_conn_state {
   struct msm_core *core;
   struct mt_conn *conn;
   pthread_mutex_t lock;
   pthread_cond_t work;
   struct fwd_sess **sessions;
   uint32_t nr, cap;
   struct fwd_job *head, *tail;
   pthread_t workers[FWD_MAX_WORKERS];
   uint32_t nr_workers, idle;
   bool stopping;
   void *rsp; /* the connection thread's reply buffer */
   size_t rsp_cap;
};

/* Requests that may sleep until the GPU is done: exactly those whose
 * struct carries a deadline (the spec table marks it). */
static bool
may_block(const struct fwd_wire_req *hdr)
{
   const struct fwd_ioctl_spec *spec = fwd_spec_lookup(hdr->cmd);

   return spec && !spec->answer &&
          spec->deadline.kind != FWD_DEADLINE_NONE;
}

static void
sess_unref_locked(struct fwd_sess *s)
{
   if (--s->refs)
      return;
   msm_ctx_destroy(s->ctx);
   free(s);
}

static int
reply_result(struct mt_conn *conn, uint32_t session, uint64_t tag, int result)
{
   struct fwd_wire_rsp rsp = { .result = result };
   return mt_reply(conn, session, tag, &rsp, sizeof(rsp));
}

/* Run one forwarded ioctl and answer it. */
static void
serve(struct fwd_conn_state *st, struct fwd_sess *s, uint64_t tag,
      const void *payload, uint32_t len, void *rsp, size_t rsp_cap)
{
   size_t rsp_len = 0;
   /* In a VM the guest's CLOCK_MONOTONIC is not ours: deadlines move. */
   int ret = fwd_host_handle_clock(s->ctx, mt_conn_clock_offset(st->conn),
                                   payload, len, rsp, rsp_cap, &rsp_len);

   if (ret)
      reply_result(st->conn, s->id, tag, ret);
   else
      mt_reply(st->conn, s->id, tag, rsp, (uint32_t)rsp_len);
}

static void *
worker_main(void *arg)
{
   struct fwd_conn_state *st = arg;
   size_t rsp_cap = fwd_spec_max_reply();
   void *rsp = malloc(rsp_cap);

   pthread_mutex_lock(&st->lock);
   for (;;) {
      struct fwd_job *job;

      while (!st->head && !st->stopping)
         pthread_cond_wait(&st->work, &st->lock);
      job = st->head;
      if (!job)
         break;
      st->head = job->next;
      if (!st->head)
         st->tail = NULL;
      st->idle--;
      bool closed = job->s->closed;
      pthread_mutex_unlock(&st->lock);

      if (closed || !rsp)
         reply_result(st->conn, job->s->id, job->tag, closed ? -EBADF : -ENOMEM);
      else
         serve(st, job->s, job->tag, job->payload, job->len, rsp, rsp_cap);

      pthread_mutex_lock(&st->lock);
      st->idle++;
      sess_unref_locked(job->s);
      free(job);
   }
   pthread_mutex_unlock(&st->lock);
   free(rsp);
   return NULL;
}

/* Hand a request that may sleep to a worker (a new one if all are busy). */
static int
queue_job_locked(struct fwd_conn_state *st, struct fwd_sess *s, uint64_t tag,
                 const void *payload, uint32_t len)
{
   struct fwd_job *job = malloc(sizeof(*job) + len);

   if (!job)
      return -ENOMEM;
   job->next = NULL;
   job->s = s;
   job->tag = tag;
   job->len = len;
   memcpy(job->payload, payload, len);
   if (!st->idle && st->nr_workers < FWD_MAX_WORKERS &&
       !pthread_create(&st->workers[st->nr_workers], NULL, worker_main, st)) {
      st->nr_workers++;
      st->idle++;
   }
   s->refs++;
   if (st->tail)
      st->tail->next = job;
   else
      st->head = job;
   st->tail = job;
   pthread_cond_signal(&st->work);
   return 0;
}

static int
host_hello(void *data, struct mt_conn *conn, const void *hello, uint32_t len,
           void **state)
{
   struct fwd_conn_state *st;

   (void)hello;
   (void)len;
   st = calloc(1, sizeof(*st));
   if (!st)
      return -ENOMEM;
   st->core = data;
   st->conn = conn;
   st->rsp_cap = fwd_spec_max_reply();
   st->rsp = malloc(st->rsp_cap);
   if (!st->rsp) {
      free(st);
      return -ENOMEM;
   }
   pthread_mutex_init(&st->lock, NULL);
   pthread_cond_init(&st->work, NULL);
   *state = st;
   return 0;
}

static int
find_session(struct fwd_conn_state *st, uint32_t id)
{
   for (uint32_t i = 0; i < st->nr; i++)
      if (st->sessions[i]->id == id)
         return (int)i;
   return -1;
}

static int
session_open_locked(struct fwd_conn_state *st, uint32_t id)
{
   struct fwd_sess *s;
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
   s = calloc(1, sizeof(*s));
   if (!s)
      return -ENOMEM;
   ret = msm_ctx_create(st->core, &s->ctx);
   if (ret) {
      free(s);
      return ret;
   }
   s->id = id;
   s->refs = 1;
   st->sessions[st->nr++] = s;
   return 0;
}

/* The guest's drm_file is gone: nothing of it may keep a thread asleep. */
static void
session_close_locked(struct fwd_conn_state *st, uint32_t i)
{
   struct fwd_sess *s = st->sessions[i];

   st->sessions[i] = st->sessions[--st->nr];
   s->closed = true;
   msm_ctx_abort(s->ctx);
   sess_unref_locked(s);
}

static int
host_frame(void *state, struct mt_conn *conn, uint32_t type, uint32_t session,
           uint64_t tag, const void *payload, uint32_t len)
{
   struct fwd_conn_state *st = state;
   struct fwd_wire_req hdr;
   struct fwd_sess *s;
   int i, ret;

   /* The forward protocol is synchronous: a SEND is a confused guest. */
   if (type != MT_CALL)
      return -EPROTO;
   if (len < sizeof(hdr))
      return reply_result(conn, session, tag, -EINVAL);
   memcpy(&hdr, payload, sizeof(hdr));

   pthread_mutex_lock(&st->lock);
   if (hdr.cmd == FWD_CTL_OPEN || hdr.cmd == FWD_CTL_CLOSE) {
      if (hdr.cmd == FWD_CTL_OPEN) {
         ret = session_open_locked(st, session);
      } else {
         i = find_session(st, session);
         ret = i < 0 ? -ENOENT : 0;
         if (i >= 0)
            session_close_locked(st, (uint32_t)i);
      }
      pthread_mutex_unlock(&st->lock);
      return reply_result(conn, session, tag, ret);
   }

   i = find_session(st, session);
   if (i < 0) {
      pthread_mutex_unlock(&st->lock);
      return reply_result(conn, session, tag, -EBADF);
   }
   s = st->sessions[i];
   if (may_block(&hdr)) {
      ret = queue_job_locked(st, s, tag, payload, len);
      pthread_mutex_unlock(&st->lock);
      return ret ? reply_result(conn, session, tag, ret) : 0;
   }
   s->refs++;
   pthread_mutex_unlock(&st->lock);

   serve(st, s, tag, payload, len, st->rsp, st->rsp_cap);

   pthread_mutex_lock(&st->lock);
   sess_unref_locked(s);
   pthread_mutex_unlock(&st->lock);
   return 0;
}

static void
host_close(void *state)
{
   struct fwd_conn_state *st = state;

   /* The guest is gone: its drm_files close with it, and whatever waits
    * for them is woken so the workers can finish. */
   pthread_mutex_lock(&st->lock);
   st->stopping = true;
   while (st->nr)
      session_close_locked(st, st->nr - 1);
   pthread_cond_broadcast(&st->work);
   pthread_mutex_unlock(&st->lock);
   for (uint32_t i = 0; i < st->nr_workers; i++)
      pthread_join(st->workers[i], NULL);

   pthread_cond_destroy(&st->work);
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
