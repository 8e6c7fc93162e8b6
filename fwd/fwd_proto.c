/*
 * fwd_proto.c - the host side of the forward protocol: sessions -> contexts
 * (see fwd_proto.h).
 *
 * One stream may carry every guest process of a VM (one virtio-serial
 * port), so nothing one session asks for may hold up another.  The
 * connection thread runs every request inline, in order, with no hand-off
 * cost -- except those that could sleep, which become work of their own
 * session, on one of two lanes:
 *   wait    requests whose struct carries a deadline (the spec table marks
 *           them: WAIT_FENCE, CPU_PREP, SYNCOBJ_WAIT); at most
 *           FWD_SESSION_WAITERS of one session run at once;
 *   submit  a GEM_SUBMIT that would wait for room (the context is at
 *           max_inflight), and every GEM_SUBMIT of that session after it
 *           until the lane drains; one at a time, in order.
 * Worker threads serve the lanes of all sessions round-robin; a lane never
 * has more workers than its budget, so a session whose waits never end
 * ties up its own budget and nothing else.  Deferred work, queued or
 * running, counts against its session's FWD_SESSION_MAX_PENDING and the
 * VM's max_waits quota (-EAGAIN past either).  Closing a session answers
 * its queued work -EBADF and wakes what runs (-ENODEV).
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

#define FWD_SESSION_WAITERS 2   /* blocking ioctls of one session at once */
#define FWD_MAX_WORKERS 256     /* per connection: >= sessions x lanes in use */
#define FWD_WORKER_STACK (512u << 10)

enum fwd_lane_id { FWD_LANE_WAIT, FWD_LANE_SUBMIT, FWD_LANE_COUNT };

static const uint32_t lane_budget[FWD_LANE_COUNT] = {
   [FWD_LANE_WAIT] = FWD_SESSION_WAITERS,
   [FWD_LANE_SUBMIT] = 1, /* submits keep their order */
};

struct fwd_job {
   struct fwd_job *next;
   uint64_t tag;
   uint32_t len;
   uint8_t payload[];
};

struct fwd_lane {
   struct fwd_job *head, *tail;
   uint32_t running;
};

struct fwd_sess {
   uint32_t id;
   struct msm_ctx *ctx;
   uint32_t refs;  /* the table's + one per request running */
   bool closed;    /* CLOSEd or the guest is gone: no new requests */
   uint32_t pending; /* jobs on its lanes, queued or running */
   struct fwd_lane lanes[FWD_LANE_COUNT];
};

struct fwd_conn_state {
   struct msm_core *core;
   struct msm_vm *vm;  /* this connection's quota */
   struct mt_conn *conn;
   pthread_mutex_t lock;
   pthread_cond_t work;
   struct fwd_sess **sessions;
   uint32_t nr, cap;
   uint32_t rr;        /* where the next worker starts looking */
   uint32_t queued;    /* jobs on lanes, not yet running */
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

/* The next job a lane's budget allows, sessions taken round-robin. */
static struct fwd_job *
pick_locked(struct fwd_conn_state *st, struct fwd_sess **sp,
            struct fwd_lane **lp)
{
   for (uint32_t n = 0; n < st->nr; n++) {
      uint32_t i = (st->rr + n) % st->nr;
      struct fwd_sess *s = st->sessions[i];

      for (uint32_t l = 0; l < FWD_LANE_COUNT; l++) {
         struct fwd_lane *lane = &s->lanes[l];
         struct fwd_job *job = lane->head;

         if (!job || lane->running >= lane_budget[l])
            continue;
         lane->head = job->next;
         if (!lane->head)
            lane->tail = NULL;
         lane->running++;
         st->queued--;
         st->rr = i + 1;
         s->refs++;
         *sp = s;
         *lp = lane;
         return job;
      }
   }
   return NULL;
}

static void *
worker_main(void *arg)
{
   struct fwd_conn_state *st = arg;
   size_t rsp_cap = fwd_spec_max_reply();
   void *rsp = malloc(rsp_cap);

   pthread_mutex_lock(&st->lock);
   for (;;) {
      struct fwd_sess *s;
      struct fwd_lane *lane;
      struct fwd_job *job;

      while (!(job = pick_locked(st, &s, &lane)) &&
             !(st->stopping && !st->queued))
         pthread_cond_wait(&st->work, &st->lock);
      if (!job)
         break;
      st->idle--;
      pthread_mutex_unlock(&st->lock);

      if (!rsp)
         reply_result(st->conn, s->id, job->tag, -ENOMEM);
      else
         serve(st, s, job->tag, job->payload, job->len, rsp, rsp_cap);
      free(job);

      pthread_mutex_lock(&st->lock);
      st->idle++;
      lane->running--;
      s->pending--;
      msm_vm_wait_put(st->vm);
      sess_unref_locked(s);
      /* The lane's budget has room again. */
      pthread_cond_broadcast(&st->work);
   }
   pthread_mutex_unlock(&st->lock);
   free(rsp);
   return NULL;
}

static void
spawn_worker_locked(struct fwd_conn_state *st)
{
   pthread_attr_t attr;

   if (st->idle || st->nr_workers >= FWD_MAX_WORKERS)
      return;
   pthread_attr_init(&attr);
   pthread_attr_setstacksize(&attr, FWD_WORKER_STACK);
   if (!pthread_create(&st->workers[st->nr_workers], &attr, worker_main, st)) {
      st->nr_workers++;
      st->idle++;
   }
   pthread_attr_destroy(&attr);
}

/* Hand a request to its session's lane (a worker comes if none is idle). */
static int
queue_job_locked(struct fwd_conn_state *st, struct fwd_sess *s,
                 enum fwd_lane_id l, uint64_t tag, const void *payload,
                 uint32_t len)
{
   struct fwd_lane *lane = &s->lanes[l];
   struct fwd_job *job;

   if (s->pending >= FWD_SESSION_MAX_PENDING)
      return -EAGAIN;
   int ret = msm_vm_wait_get(st->vm);
   if (ret)
      return ret;
   job = malloc(sizeof(*job) + len);
   if (!job) {
      msm_vm_wait_put(st->vm);
      return -ENOMEM;
   }
   job->next = NULL;
   job->tag = tag;
   job->len = len;
   memcpy(job->payload, payload, len);
   if (lane->tail)
      lane->tail->next = job;
   else
      lane->head = job;
   lane->tail = job;
   st->queued++;
   s->pending++;
   if (lane->running < lane_budget[l])
      spawn_worker_locked(st);
   pthread_cond_broadcast(&st->work);
   return 0;
}

/* Which lane, if any, a request goes to instead of running inline. */
static int
lane_for(const struct fwd_wire_req *hdr, struct fwd_sess *s)
{
   const struct fwd_lane *sub = &s->lanes[FWD_LANE_SUBMIT];

   if (may_block(hdr))
      return FWD_LANE_WAIT;
   /* Only this thread and the submit lane submit on the context, so room
    * seen here cannot vanish before the submit runs. */
   if (hdr->cmd == (uint32_t)DRM_IOCTL_MSM_GEM_SUBMIT &&
       (sub->head || sub->running || !msm_ctx_submit_room(s->ctx)))
      return FWD_LANE_SUBMIT;
   return -1;
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
   if (!st->rsp || msm_vm_create(st->core, &st->vm)) {
      free(st->rsp);
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
   ret = msm_ctx_create_vm(st->core, st->vm, &s->ctx);
   if (ret) {
      free(s);
      return ret;
   }
   s->id = id;
   s->refs = 1;
   st->sessions[st->nr++] = s;
   return 0;
}

/* The guest's drm_file is gone: its queued work is answered unrun, and
 * nothing of it may keep a thread asleep. */
static void
session_close_locked(struct fwd_conn_state *st, uint32_t i)
{
   struct fwd_sess *s = st->sessions[i];

   st->sessions[i] = st->sessions[--st->nr];
   s->closed = true;
   for (uint32_t l = 0; l < FWD_LANE_COUNT; l++) {
      struct fwd_lane *lane = &s->lanes[l];
      while (lane->head) {
         struct fwd_job *job = lane->head;
         lane->head = job->next;
         reply_result(st->conn, s->id, job->tag, -EBADF);
         free(job);
         st->queued--;
         s->pending--;
         msm_vm_wait_put(st->vm);
      }
      lane->tail = NULL;
   }
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
   int lane = lane_for(&hdr, s);
   if (lane >= 0) {
      ret = queue_job_locked(st, s, lane, tag, payload, len);
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

   msm_vm_destroy(st->vm);
   pthread_cond_destroy(&st->work);
   pthread_mutex_destroy(&st->lock);
   free(st->sessions);
   free(st->rsp);
   free(st);
}

static bool
host_holds(void *state)
{
   struct fwd_conn_state *st = state;

   pthread_mutex_lock(&st->lock);
   bool held = st->nr > 0;
   pthread_mutex_unlock(&st->lock);
   return held;
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
      .holds = host_holds,
   };
   return 0;
}
