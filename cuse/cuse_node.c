/*
 * cuse_node.c - plan, fetch, forward, reply: one FUSE_IOCTL request at a
 * time (cuse_node.h).
 *
 * The plan itself is stateless (cuse_plan.h).  The only state kept across
 * the requests of one ioctl is for measurement: a few slots per open file,
 * keyed by the calling thread, hold when its ioctl began and how many
 * requests it took.  A slot lost to eviction only loses that figure.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "cuse_node.h"
#include "fwd_wire.h"
#include "transport.h"

#define CUSE_SLOTS 8

struct cuse_counters {
   _Atomic uint64_t ioctls, requests, forwarded, failed, timed, rounds,
      total_ns, host_ns, req_bytes, rsp_bytes;
};

struct cuse_node {
   struct cuse_limits lim;
   struct cuse_trace *trace;
   atomic_bool warned;
   struct cuse_counters counters[FWD_ID_COUNT + 1];
};

struct cuse_slot {
   uint32_t tid;      /* 0: free */
   uint32_t cmd;
   uint64_t arg;
   uint64_t t_start;
   uint32_t rounds;
};

struct cuse_file {
   struct cuse_node *node;
   uint32_t session;
   fwd_call_fn call;
   void *call_data;
   pthread_mutex_t lock;
   struct cuse_slot slots[CUSE_SLOTS];
};

int
cuse_node_create(const struct cuse_limits *lim, struct cuse_trace *trace,
                 struct cuse_node **out)
{
   struct cuse_node *n = calloc(1, sizeof(*n));

   if (!n)
      return -ENOMEM;
   n->lim = lim ? *lim : cuse_kernel_limits;
   n->trace = trace;
   *out = n;
   return 0;
}

void
cuse_node_destroy(struct cuse_node *n)
{
   free(n);
}

int
cuse_file_create(struct cuse_node *n, uint32_t session, fwd_call_fn call,
                 void *call_data, struct cuse_file **out)
{
   struct cuse_file *f = calloc(1, sizeof(*f));

   if (!f)
      return -ENOMEM;
   f->node = n;
   f->session = session;
   f->call = call;
   f->call_data = call_data;
   pthread_mutex_init(&f->lock, NULL);
   *out = f;
   return 0;
}

void
cuse_file_destroy(struct cuse_file *f)
{
   if (!f)
      return;
   pthread_mutex_destroy(&f->lock);
   free(f);
}

void *
cuse_file_call_data(struct cuse_file *f)
{
   return f->call_data;
}

static inline void
add(_Atomic uint64_t *c, uint64_t v)
{
   atomic_fetch_add_explicit(c, v, memory_order_relaxed);
}

static struct cuse_counters *
counters(struct cuse_file *f, const struct fwd_ioctl_spec *spec)
{
   return &f->node->counters[spec ? spec->id : FWD_ID_COUNT];
}

/* A first request: remember when this thread's ioctl began. */
static void
slot_start(struct cuse_file *f, uint32_t tid, uint32_t cmd, uint64_t arg,
           uint64_t now)
{
   struct cuse_slot *s = NULL;

   if (!tid)
      return;
   pthread_mutex_lock(&f->lock);
   /* The thread's stale slot (its last ioctl died mid-way), a free one,
    * or the oldest. */
   for (unsigned i = 0; i < CUSE_SLOTS && !s; i++)
      if (f->slots[i].tid == tid)
         s = &f->slots[i];
   for (unsigned i = 0; i < CUSE_SLOTS && !s; i++)
      if (!f->slots[i].tid)
         s = &f->slots[i];
   if (!s) {
      s = &f->slots[0];
      for (unsigned i = 1; i < CUSE_SLOTS; i++)
         if (f->slots[i].t_start < s->t_start)
            s = &f->slots[i];
   }
   *s = (struct cuse_slot){ tid, cmd, arg, now, 1 };
   pthread_mutex_unlock(&f->lock);
}

/* A later request of the same ioctl; finish: also free the slot.  Returns
 * the slot's start and rounds, or 0 and 0 if it was lost. */
static uint64_t
slot_next(struct cuse_file *f, uint32_t tid, uint32_t cmd, uint64_t arg,
          bool finish, uint32_t *rounds)
{
   uint64_t t = 0;

   *rounds = 0;
   if (!tid)
      return 0;
   pthread_mutex_lock(&f->lock);
   for (unsigned i = 0; i < CUSE_SLOTS; i++) {
      struct cuse_slot *s = &f->slots[i];
      if (s->tid == tid && s->cmd == cmd && s->arg == arg) {
         s->rounds++;
         t = s->t_start;
         *rounds = s->rounds;
         if (finish)
            s->tid = 0;
         break;
      }
   }
   pthread_mutex_unlock(&f->lock);
   return t;
}

void
cuse_step_retry(struct cuse_step *st, const struct cuse_plan *p)
{
   st->retry = true;
   for (unsigned i = 0; i < p->nr_in; i++) {
      st->in_iov[i].iov_base = (void *)(uintptr_t)p->in[i].addr;
      st->in_iov[i].iov_len = p->in[i].len;
   }
   for (unsigned i = 0; i < p->nr_out; i++) {
      st->out_iov[i].iov_base = (void *)(uintptr_t)p->out[i].addr;
      st->out_iov[i].iov_len = p->out[i].len;
   }
   st->nr_in = p->nr_in;
   st->nr_out = p->nr_out;
}

/* Marshal, call the host, lay the reply out for the kernel.  Returns the
 * ioctl's result; *host_ns, *req_len, *rsp_len for the accounting. */
static int
forward(struct cuse_file *f, const struct cuse_plan *p, const void *in_buf,
        struct cuse_step *st, uint64_t *host_ns, size_t *req_len,
        size_t *rsp_len, void **rsp_out)
{
   uint8_t *req = malloc(p->req_len);
   uint8_t *rsp = malloc(p->rsp_max);
   uint64_t t0;
   int ret;

   *rsp_out = NULL;
   *req_len = p->req_len;
   *rsp_len = 0;
   if (!req || !rsp || (p->out_bytes && !(st->data = malloc(p->out_bytes)))) {
      free(req);
      free(rsp);
      return -ENOMEM;
   }
   cuse_marshal_request(p, in_buf, req);

   t0 = mt_now_ns();
   ret = f->call(f->call_data, req, p->req_len, rsp, p->rsp_max, rsp_len);
   *host_ns = mt_now_ns() - t0;
   free(req);
   if (ret) {
      /* The transport failed, not the ioctl: to the caller the GPU is
       * gone, which the kernel reports as EIO. */
      if (!atomic_exchange(&f->node->warned, true))
         fprintf(stderr, "msmvirt-cuse: host call failed: %s; answering EIO\n",
                 strerror(-ret));
      free(rsp);
      return -EIO;
   }
   if (*rsp_len > p->rsp_max) {
      free(rsp);
      return -EPROTO;
   }
   ret = cuse_unmarshal_reply(p, in_buf, rsp, *rsp_len, st->data, &st->len);
   *rsp_out = rsp;
   return ret;
}

void
cuse_file_ioctl(struct cuse_file *f, uint32_t tid, unsigned long cmd,
                uint64_t arg, const void *in_buf, size_t in_bufsz,
                size_t out_bufsz, struct cuse_step *st)
{
   struct cuse_trace_rec rec = { .session = f->session };
   struct cuse_counters *c;
   struct cuse_plan p;
   uint64_t now = mt_now_ns(), host_ns = 0;
   size_t req_len = 0, rsp_len = 0;
   void *rsp = NULL;
   bool first = !in_bufsz && !out_bufsz;
   int ret;

   memset(st, 0, sizeof(*st));
   ret = cuse_plan_ioctl(cmd, arg, in_buf, in_bufsz, out_bufsz, &f->node->lim,
                         &p);
   c = counters(f, p.spec);
   add(&c->requests, 1);

   if (ret == CUSE_PLAN_RETRY) {
      if (first)
         slot_start(f, tid, (uint32_t)cmd, arg, now);
      else
         slot_next(f, tid, (uint32_t)cmd, arg, false, &rec.rounds);
      cuse_step_retry(st, &p);
      return;
   }

   if (ret == CUSE_PLAN_READY) {
      ret = forward(f, &p, in_buf, st, &host_ns, &req_len, &rsp_len, &rsp);
      add(&c->forwarded, 1);
      add(&c->host_ns, host_ns);
      add(&c->req_bytes, req_len);
      add(&c->rsp_bytes, rsp_len);
   }
   st->result = ret;

   add(&c->ioctls, 1);
   if (ret)
      add(&c->failed, 1);
   rec.t_end_ns = mt_now_ns();
   rec.t_start_ns = first ? now
                          : slot_next(f, tid, (uint32_t)cmd, arg, true,
                                      &rec.rounds);
   if (first)
      rec.rounds = 1;
   if (rec.t_start_ns) {
      add(&c->timed, 1);
      add(&c->rounds, rec.rounds);
      add(&c->total_ns, rec.t_end_ns - rec.t_start_ns);
   } else {
      rec.t_start_ns = now;
   }

   /* The trace records what reached the host; local refusals (unknown
    * request, limits) are visible in the counters. */
   if (p.full && f->node->trace) {
      const struct fwd_ioctl_spec *spec = p.spec;
      const uint8_t *r = rsp;

      rec.cmd = spec->cmd;
      rec.name = spec->name;
      rec.result = ret;
      rec.t_host_ns = host_ns;
      rec.args = p.args;
      rec.size = spec->size;
      if (r && rsp_len >= FWD_WIRE_HDR_SIZE(spec->nr_regions) + spec->size &&
          (spec->dir & _IOC_READ) &&
          ((const struct fwd_wire_rsp *)(const void *)r)->struct_size)
         rec.args_out = r + FWD_WIRE_HDR_SIZE(spec->nr_regions);
      rec.req_bytes = req_len;
      rec.rsp_bytes = rsp_len;
      cuse_trace_ioctl(f->node->trace, &rec);
   }
   free(rsp);
}

void
cuse_step_fini(struct cuse_step *st)
{
   free(st->data);
   st->data = NULL;
   st->len = 0;
}

void
cuse_node_get_stats(struct cuse_node *n, unsigned id, struct cuse_cmd_stats *st)
{
   struct cuse_counters *c = &n->counters[id <= FWD_ID_COUNT ? id : FWD_ID_COUNT];

   st->ioctls = atomic_load(&c->ioctls);
   st->requests = atomic_load(&c->requests);
   st->forwarded = atomic_load(&c->forwarded);
   st->failed = atomic_load(&c->failed);
   st->timed = atomic_load(&c->timed);
   st->rounds = atomic_load(&c->rounds);
   st->total_ns = atomic_load(&c->total_ns);
   st->host_ns = atomic_load(&c->host_ns);
   st->req_bytes = atomic_load(&c->req_bytes);
   st->rsp_bytes = atomic_load(&c->rsp_bytes);
}

void
cuse_node_print_stats(struct cuse_node *n, FILE *f)
{
   unsigned count;
   const struct fwd_ioctl_spec *table = fwd_spec_table(&count);

   fprintf(f, "%-22s %7s %8s %7s %9s %6s %10s %10s\n", "ioctl", "count",
           "requests", "rounds", "forwarded", "failed", "total_us",
           "host_us");
   for (unsigned id = 0; id <= FWD_ID_COUNT; id++) {
      struct cuse_cmd_stats s;

      cuse_node_get_stats(n, id, &s);
      if (!s.requests)
         continue;
      fprintf(f, "%-22s %7llu %8llu %7.2f %9llu %6llu %10.1f %10.1f\n",
              id < count ? table[id].name : "(unknown)",
              (unsigned long long)s.ioctls, (unsigned long long)s.requests,
              s.timed ? (double)s.rounds / s.timed : 0.0,
              (unsigned long long)s.forwarded, (unsigned long long)s.failed,
              s.timed ? s.total_ns / 1e3 / s.timed : 0.0,
              s.forwarded ? s.host_ns / 1e3 / s.forwarded : 0.0);
   }
}
