/*
 * ws_count.c - the counting decorator (see ws_count.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ws_count.h"

struct ws_count_dev {
   struct ws_dev base;
   struct ws_dev *inner;
   struct ws_counters *c;
   struct ws_count_dev *next;   /* in c->live */
   struct ws_stats pending;     /* attribution: inner stats at call start */
};

struct count_bo {
   struct ws_bo base;           /* base.dev is the decorator */
   struct ws_bo *inner;
};

static struct ws_count_dev *
to_dev(struct ws_dev *dev)
{
   return (struct ws_count_dev *)dev;
}

static struct count_bo *
to_bo(struct ws_bo *bo)
{
   return (struct count_bo *)bo;
}

static void
stats_add(struct ws_stats *a, const struct ws_stats *b)
{
   a->messages += b->messages;
   a->bytes += b->bytes;
   a->sync_round_trips += b->sync_round_trips;
   a->events += b->events;
}

/* Charge op what the inner device's counters moved by since `from`. */
static void
attribute(struct ws_op_count *n, const struct ws_stats *from,
          const struct ws_stats *to)
{
   n->sync_round_trips += to->sync_round_trips - from->sync_round_trips;
   n->messages += to->messages - from->messages;
   n->bytes += to->bytes - from->bytes;
}

static void
begin(struct ws_count_dev *d)
{
   if (d->c->before_call)
      d->c->before_call(d->c->arg);
   if (d->c->attribute)
      ws_get_stats(d->inner, &d->pending);
}

static int
end(struct ws_count_dev *d, enum ws_op op, int ret)
{
   struct ws_op_count *n = &d->c->op[op];

   n->calls++;
   if (d->c->attribute) {
      struct ws_stats st;

      ws_get_stats(d->inner, &st);
      attribute(n, &d->pending, &st);
   }
   return ret;
}

/* The caller sees the inner BO's fields through ours. */
static void
mirror(struct count_bo *b)
{
   b->base.handle = b->inner->handle;
   b->base.flags = b->inner->flags;
   b->base.size = b->inner->size;
   b->base.iova = b->inner->iova;
   b->base.map = b->inner->map;
}

static void
count_close(struct ws_dev *dev)
{
   struct ws_count_dev *d = to_dev(dev), **p;
   struct ws_counters *c = d->c;
   struct ws_stats st;

   /* Whatever closing itself sends is not observable afterwards. */
   ws_get_stats(d->inner, &st);
   stats_add(&c->closed, &st);
   for (p = &c->live; *p != d; p = &(*p)->next)
      ;
   *p = d->next;
   ws_close(d->inner);
   c->op[WS_OP_CLOSE].calls++;
   free(d);
}

static int
count_get_param(struct ws_dev *dev, uint32_t param, uint64_t *value)
{
   struct ws_count_dev *d = to_dev(dev);

   begin(d);
   return end(d, WS_OP_GET_PARAM, ws_get_param(d->inner, param, value));
}

static int
count_set_debuginfo(struct ws_dev *dev, const char *comm, const char *cmdline)
{
   struct ws_count_dev *d = to_dev(dev);

   begin(d);
   return end(d, WS_OP_SET_DEBUGINFO,
              ws_set_debuginfo(d->inner, comm, cmdline));
}

static int
count_bo_new(struct ws_dev *dev, uint64_t size, uint32_t flags,
             struct ws_bo **out)
{
   struct ws_count_dev *d = to_dev(dev);
   struct count_bo *b = calloc(1, sizeof(*b));
   int ret;

   begin(d);
   ret = b ? ws_bo_new(d->inner, size, flags, &b->inner) : -ENOMEM;
   if (!ret) {
      b->base.dev = dev;
      mirror(b);
      *out = &b->base;
   } else {
      free(b);
   }
   return end(d, WS_OP_BO_NEW, ret);
}

static void
count_bo_free(struct ws_bo *bo)
{
   struct ws_count_dev *d = to_dev(bo->dev);
   struct count_bo *b = to_bo(bo);

   begin(d);
   ws_bo_free(b->inner);
   free(b);
   end(d, WS_OP_BO_FREE, 0);
}

static int
count_bo_map(struct ws_bo *bo, void **ptr)
{
   struct ws_count_dev *d = to_dev(bo->dev);
   int ret;

   begin(d);
   ret = ws_bo_map(to_bo(bo)->inner, ptr);
   mirror(to_bo(bo));
   return end(d, WS_OP_BO_MAP, ret);
}

static int
count_bo_upload(struct ws_bo *bo, uint64_t offset, const void *src,
                uint64_t len)
{
   struct ws_count_dev *d = to_dev(bo->dev);

   begin(d);
   return end(d, WS_OP_BO_UPLOAD,
              ws_bo_upload(to_bo(bo)->inner, offset, src, len));
}

static int
count_bo_cpu_prep(struct ws_bo *bo, uint32_t op, int64_t timeout_ns)
{
   struct ws_count_dev *d = to_dev(bo->dev);

   begin(d);
   return end(d, WS_OP_CPU_PREP,
              ws_bo_cpu_prep(to_bo(bo)->inner, op, timeout_ns));
}

static int
count_bo_cpu_fini(struct ws_bo *bo)
{
   struct ws_count_dev *d = to_dev(bo->dev);

   begin(d);
   return end(d, WS_OP_CPU_FINI, ws_bo_cpu_fini(to_bo(bo)->inner));
}

static int
count_bo_set_name(struct ws_bo *bo, const char *name)
{
   struct ws_count_dev *d = to_dev(bo->dev);

   begin(d);
   return end(d, WS_OP_SET_NAME, ws_bo_set_name(to_bo(bo)->inner, name));
}

static int
count_bo_madvise(struct ws_bo *bo, uint32_t madv, uint32_t *retained)
{
   struct ws_count_dev *d = to_dev(bo->dev);

   begin(d);
   return end(d, WS_OP_MADVISE,
              ws_bo_madvise(to_bo(bo)->inner, madv, retained));
}

static int
count_submitqueue_new(struct ws_dev *dev, uint32_t prio, uint32_t flags,
                      uint32_t *id)
{
   struct ws_count_dev *d = to_dev(dev);

   begin(d);
   return end(d, WS_OP_QUEUE_NEW,
              ws_submitqueue_new(d->inner, prio, flags, id));
}

static int
count_submitqueue_close(struct ws_dev *dev, uint32_t id)
{
   struct ws_count_dev *d = to_dev(dev);

   begin(d);
   return end(d, WS_OP_QUEUE_CLOSE, ws_submitqueue_close(d->inner, id));
}

static int
count_submitqueue_faults(struct ws_dev *dev, uint32_t id, uint32_t *faults)
{
   struct ws_count_dev *d = to_dev(dev);

   begin(d);
   return end(d, WS_OP_QUEUE_FAULTS,
              ws_submitqueue_faults(d->inner, id, faults));
}

/* The same submit with the inner device's BOs in its list.  A BO of another
 * device (or none) has no inner BO here: refused, as the kernel refuses a
 * handle that is not the file's. */
static int
inner_submit(struct ws_count_dev *d, struct ws_submit *s)
{
   struct ws_submit_bo stack[64], *bos = stack;
   struct ws_submit in = *s;
   int ret = 0;

   if (s->nr_bos > sizeof(stack) / sizeof(stack[0])) {
      bos = calloc(s->nr_bos, sizeof(*bos));
      if (!bos)
         return -ENOMEM;
   }
   for (uint32_t i = 0; i < s->nr_bos && !ret; i++) {
      struct ws_bo *bo = s->bos[i].bo;

      if (!bo || bo->dev != &d->base)
         ret = -EINVAL;
      else
         bos[i] = (struct ws_submit_bo){ to_bo(bo)->inner, s->bos[i].flags };
   }
   if (!ret) {
      in.bos = bos;
      ret = ws_submit(d->inner, &in);
      s->fence = in.fence;
   }
   if (bos != stack)
      free(bos);
   return ret;
}

static int
count_submit(struct ws_dev *dev, struct ws_submit *s)
{
   struct ws_count_dev *d = to_dev(dev);

   begin(d);
   return end(d, WS_OP_SUBMIT, inner_submit(d, s));
}

static int
count_fence_wait(struct ws_dev *dev, uint32_t queue, uint32_t fence,
                 int64_t timeout_ns)
{
   struct ws_count_dev *d = to_dev(dev);

   begin(d);
   return end(d, WS_OP_FENCE_WAIT,
              ws_fence_wait(d->inner, queue, fence, timeout_ns));
}

static int
count_flush(struct ws_dev *dev)
{
   struct ws_count_dev *d = to_dev(dev);

   begin(d);
   return end(d, WS_OP_FLUSH, ws_flush(d->inner));
}

/* Not a call the driver makes: neither counted nor charged. */
static void
count_get_stats(struct ws_dev *dev, struct ws_stats *st)
{
   ws_get_stats(to_dev(dev)->inner, st);
}

static const struct ws_ops count_ops = {
   .name = "count",
   .close = count_close,
   .get_param = count_get_param,
   .set_debuginfo = count_set_debuginfo,
   .bo_new = count_bo_new,
   .bo_free = count_bo_free,
   .bo_map = count_bo_map,
   .bo_upload = count_bo_upload,
   .bo_cpu_prep = count_bo_cpu_prep,
   .bo_cpu_fini = count_bo_cpu_fini,
   .bo_set_name = count_bo_set_name,
   .bo_madvise = count_bo_madvise,
   .submitqueue_new = count_submitqueue_new,
   .submitqueue_close = count_submitqueue_close,
   .submitqueue_faults = count_submitqueue_faults,
   .submit = count_submit,
   .fence_wait = count_fence_wait,
   .flush = count_flush,
   .get_stats = count_get_stats,
};

void
ws_counters_init(struct ws_counters *c, bool attribute,
                 void (*before_call)(void *arg), void *arg)
{
   memset(c, 0, sizeof(*c));
   c->attribute = attribute;
   c->before_call = before_call;
   c->arg = arg;
}

void
ws_counters_stats(const struct ws_counters *c, struct ws_stats *st)
{
   *st = c->closed;
   for (const struct ws_count_dev *d = c->live; d; d = d->next) {
      struct ws_stats cur;

      ws_get_stats(d->inner, &cur);
      stats_add(st, &cur);
   }
}

int
ws_count_open(struct ws_counters *c,
              int (*open)(void *arg, struct ws_dev **out), void *arg,
              struct ws_dev **out)
{
   struct ws_count_dev *d;
   struct ws_dev *inner;
   int ret;

   ret = open(arg, &inner);
   c->op[WS_OP_OPEN].calls++;
   if (ret)
      return ret;
   /* A fresh device's counters start at zero: what it shows now is the
    * cost of opening it. */
   if (c->attribute) {
      struct ws_stats st, zero = { 0 };

      ws_get_stats(inner, &st);
      attribute(&c->op[WS_OP_OPEN], &zero, &st);
   }
   d = calloc(1, sizeof(*d));
   if (!d) {
      ws_close(inner);
      return -ENOMEM;
   }
   *d = (struct ws_count_dev){
      .base = { .ops = &count_ops }, .inner = inner, .c = c, .next = c->live,
   };
   c->live = d;
   *out = &d->base;
   return 0;
}
