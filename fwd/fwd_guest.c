/*
 * fwd_guest.c - the guest marshaller: one ioctl -> one request message,
 * one reply message -> the caller's memory, all driven by fwd_spec.c.
 *
 * The order of checks follows drm_ioctl(): the request number, the struct
 * copy-in (EFAULT), then the ioctl's own argument checks (here only those
 * the table knows: limits and NULL arrays, which must fail before we read
 * user memory).  Everything else is the host's, i.e. the core's, answer.
 * One difference remains: when a request has several faults, the kernel may
 * report a later one (e.g. ENOENT for a bad queue) where we report the copy
 * fault or limit first.  A CUSE node has the same order: the kernel fetches
 * user memory for the daemon before the host ever sees the request.
 *
 * In-process we cannot tell a bad pointer from a good one: only NULL is
 * caught (as EFAULT).  Through CUSE the kernel's own copy catches the rest.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "fwd_guest.h"
#include "fwd_spec.h"
#include "fwd_wire.h"

/* One ioctl resolved against the caller's struct. */
struct fwd_plan {
   const struct fwd_ioctl_spec *spec;
   uint32_t in_size, out_size;  /* bytes of the caller's struct read / written */
   _Alignas(8) uint8_t args[FWD_MAX_STRUCT]; /* normalized to spec->size */
   struct fwd_region regs[FWD_MAX_REGIONS];
   size_t req_len;              /* the request message */
   size_t rsp_max;              /* the largest valid reply */
};

static int
plan_ioctl(unsigned long req, const void *arg, struct fwd_plan *p)
{
   const struct fwd_ioctl_spec *spec = fwd_spec_lookup(req);
   int ret;

   if (!spec)
      return -ENOTTY;
   p->spec = spec;
   fwd_spec_user_sizes(spec, req, &p->in_size, &p->out_size);

   /* drm_ioctl(): copy in min(usize, ksize), zero-fill the rest. */
   if ((p->in_size || p->out_size) && !arg)
      return -EFAULT;
   memset(p->args, 0, sizeof(p->args));
   if (p->in_size)
      memcpy(p->args, arg, p->in_size < spec->size ? p->in_size : spec->size);

   if (spec->answer)
      return -spec->answer;

   ret = fwd_spec_regions(spec, p->args, p->regs);
   if (ret)
      return ret;

   fwd_wire_sizes(spec, p->regs, &p->req_len, &p->rsp_max);
   return 0;
}

static void
marshal(const struct fwd_plan *p, uint8_t *buf)
{
   const void *src[FWD_MAX_REGIONS];

   /* The caller's memory is in this address space. */
   for (uint32_t i = 0; i < p->spec->nr_regions; i++)
      src[i] = (const void *)(uintptr_t)p->regs[i].uaddr;
   fwd_wire_build_request(p->spec, p->args, p->regs, src, buf);
}

int
fwd_marshal_request(unsigned long req, const void *arg, void *buf,
                    size_t cap, size_t *len)
{
   struct fwd_plan p;
   int ret = plan_ioctl(req, arg, &p);

   if (ret)
      return ret;
   if (cap < p.req_len)
      return -ENOSPC;
   marshal(&p, buf);
   *len = p.req_len;
   return 0;
}

/* Validate a reply against the plan, then write it to the caller. */
static int
unmarshal(const struct fwd_plan *p, void *arg, const uint8_t *rsp,
          size_t rsp_len)
{
   const struct fwd_ioctl_spec *spec = p->spec;
   struct fwd_wire_reply w;
   int ret = fwd_wire_parse_reply(spec, p->regs, rsp, rsp_len, &w);

   if (ret)
      return ret;
   if (w.refused)
      return w.result;
   /* The ioctl wrote its out-regions before drm_ioctl() copied the struct
    * back; keep that order. */
   for (uint32_t i = 0; i < spec->nr_regions; i++)
      if (w.len[i])
         fwd_wire_scatter(&p->regs[i], w.region[i], w.len[i],
                          (void *)(uintptr_t)p->regs[i].uaddr);

   if (w.st && p->out_size) {
      uint32_t n = p->out_size < spec->size ? p->out_size : spec->size;

      memcpy(arg, w.st, n);
      /* A caller struct longer than ours gets drm_ioctl()'s zero fill
       * beyond what it passed in. */
      if (p->out_size > spec->size && p->out_size > p->in_size) {
         uint32_t from = p->in_size > spec->size ? p->in_size : spec->size;
         memset((uint8_t *)arg + from, 0, p->out_size - from);
      }
   }
   return w.result;
}

int
fwd_unmarshal_reply(unsigned long req, void *arg, const void *rsp,
                    size_t rsp_len)
{
   struct fwd_plan p;
   int ret = plan_ioctl(req, arg, &p);

   /* A request that could not be marshalled has no reply to match. */
   if (ret)
      return -EPROTO;
   return unmarshal(&p, arg, rsp, rsp_len);
}

struct fwd_client {
   fwd_call_fn call;
   void *call_data;
   _Atomic uint64_t ioctls, answered_local, messages, bytes_sent,
      bytes_received;
};

int
fwd_client_create(fwd_call_fn call, void *call_data, struct fwd_client **out)
{
   struct fwd_client *c;

   if (!call)
      return -EINVAL;
   c = calloc(1, sizeof(*c));
   if (!c)
      return -ENOMEM;
   c->call = call;
   c->call_data = call_data;
   *out = c;
   return 0;
}

void
fwd_client_destroy(struct fwd_client *c)
{
   free(c);
}

/* Most requests and replies are a few dozen bytes: keep those on the
 * stack, allocate only for big submits. */
#define FWD_STACK_MSG 512

int
fwd_ioctl(struct fwd_client *c, unsigned long req, void *arg)
{
   _Alignas(8) uint8_t req_stack[FWD_STACK_MSG], rsp_stack[FWD_STACK_MSG];
   uint8_t *req_buf = req_stack, *rsp_buf = rsp_stack;
   struct fwd_plan p;
   size_t rsp_len = 0;
   int ret;

   atomic_fetch_add(&c->ioctls, 1);
   ret = plan_ioctl(req, arg, &p);
   if (ret) {
      atomic_fetch_add(&c->answered_local, 1);
      return ret;
   }

   if (p.req_len > sizeof(req_stack))
      req_buf = malloc(p.req_len);
   if (p.rsp_max > sizeof(rsp_stack))
      rsp_buf = malloc(p.rsp_max);
   if (!req_buf || !rsp_buf) {
      ret = -ENOMEM;
      goto out;
   }
   marshal(&p, req_buf);

   ret = c->call(c->call_data, req_buf, p.req_len, rsp_buf, p.rsp_max,
                 &rsp_len);
   atomic_fetch_add(&c->messages, 1);
   atomic_fetch_add(&c->bytes_sent, p.req_len);
   if (ret)
      goto out;
   atomic_fetch_add(&c->bytes_received, rsp_len);
   /* Longer than any valid reply: the call function truncated it. */
   if (rsp_len > p.rsp_max) {
      ret = -EPROTO;
      goto out;
   }
   ret = unmarshal(&p, arg, rsp_buf, rsp_len);

out:
   if (req_buf != req_stack)
      free(req_buf);
   if (rsp_buf != rsp_stack)
      free(rsp_buf);
   return ret;
}

int
fwd_client_ioctl_fn(void *c, unsigned long req, void *arg)
{
   return fwd_ioctl(c, req, arg);
}

void
fwd_client_get_stats(struct fwd_client *c, struct fwd_stats *st)
{
   st->ioctls = atomic_load(&c->ioctls);
   st->answered_local = atomic_load(&c->answered_local);
   st->messages = atomic_load(&c->messages);
   st->bytes_sent = atomic_load(&c->bytes_sent);
   st->bytes_received = atomic_load(&c->bytes_received);
}
