/*
 * cuse_plan.c - the CUSE retry planner (see cuse_plan.h): spec table +
 * struct bytes -> the caller memory to fetch and to write back.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "cuse_plan.h"
#include "fwd_wire.h"

const struct cuse_limits cuse_kernel_limits = {
   .max_bytes = CUSE_MAX_BYTES,
   .max_iov = CUSE_MAX_IOV,
};

static void
add_seg(struct cuse_seg *segs, unsigned *nr, uint64_t *total, uint64_t addr,
        uint64_t len)
{
   segs[*nr].addr = addr;
   segs[*nr].len = len;
   (*nr)++;
   *total += len;
}

/* Request 1: the struct, and room to write it back. */
static void
plan_struct(struct cuse_plan *p, uint64_t arg)
{
   if (p->in_size)
      add_seg(p->in, &p->nr_in, &p->in_bytes, arg, p->in_size);
   if (p->out_size)
      add_seg(p->out, &p->nr_out, &p->out_bytes, arg, p->out_size);
}

/* Must region i's caller bytes be fetched although the ioctl only writes
 * them?  Yes unless its out segment is the last one and contiguous: the
 * kernel lays the reply over out_iov back to back, so anything the host
 * leaves unwritten before the end must be the caller's own bytes again. */
static bool
out_needs_fetch(const struct cuse_plan *p, uint32_t i, int last_out)
{
   const struct fwd_region *r = &p->regs[i];

   return (int)i != last_out || r->ustride > r->elem_size;
}

static int
plan_regions(struct cuse_plan *p, uint64_t arg, const struct cuse_limits *lim)
{
   const struct fwd_ioctl_spec *spec = p->spec;
   int last_out = -1;

   plan_struct(p, arg);
   for (uint32_t i = 0; i < spec->nr_regions; i++) {
      p->reg_in_off[i] = CUSE_NO_OFFSET;
      p->reg_out_off[i] = CUSE_NO_OFFSET;
      if (p->regs[i].active && p->regs[i].span && (p->regs[i].dir & FWD_OUT))
         last_out = (int)i;
   }

   for (uint32_t i = 0; i < spec->nr_regions; i++) {
      const struct fwd_region *r = &p->regs[i];
      bool fetch;

      if (!r->active || !r->span)
         continue;
      /* A span the kernel could never copy is E2BIG here rather than
       * ENOMEM there; checking each span also keeps the sums below from
       * overflowing. */
      if (r->span > lim->max_bytes)
         return -E2BIG;
      fetch = (r->dir & FWD_IN) || out_needs_fetch(p, i, last_out);
      if (fetch) {
         p->reg_in_off[i] = p->in_bytes;
         add_seg(p->in, &p->nr_in, &p->in_bytes, r->uaddr, r->span);
      }
      if (r->dir & FWD_OUT) {
         p->reg_out_off[i] = p->out_bytes;
         add_seg(p->out, &p->nr_out, &p->out_bytes, r->uaddr, r->span);
      }
   }

   if (p->in_bytes > lim->max_bytes || p->out_bytes > lim->max_bytes ||
       p->nr_in + p->nr_out > lim->max_iov)
      return -E2BIG;
   return 0;
}

/* The forward message sizes (fwd_wire.h). */
static void
wire_sizes(struct cuse_plan *p)
{
   fwd_wire_sizes(p->spec, p->regs, &p->req_len, &p->rsp_max);
}

int
cuse_plan_ioctl(unsigned long cmd, uint64_t arg, const void *in_buf,
                size_t in_bufsz, size_t out_bufsz,
                const struct cuse_limits *lim, struct cuse_plan *p)
{
   return cuse_plan_ioctl_in(fwd_spec_lookup, cmd, arg, in_buf, in_bufsz,
                             out_bufsz, lim, p);
}

int
cuse_plan_ioctl_in(cuse_spec_lookup_fn lookup, unsigned long cmd,
                   uint64_t arg, const void *in_buf, size_t in_bufsz,
                   size_t out_bufsz, const struct cuse_limits *lim,
                   struct cuse_plan *p)
{
   const struct fwd_ioctl_spec *spec = lookup(cmd);
   int ret;

   memset(p, 0, sizeof(*p));
   if (!spec)
      return -ENOTTY;
   p->spec = spec;
   fwd_spec_user_sizes(spec, cmd, &p->in_size, &p->out_size);

   /* The kernel would fault on it; spare the caller a round. */
   if ((p->in_size || p->out_size) && !arg)
      return -EFAULT;

   if (p->in_size && in_bufsz < p->in_size) {
      plan_struct(p, arg);
      if (p->in_bytes > lim->max_bytes || p->out_bytes > lim->max_bytes ||
          p->nr_in + p->nr_out > lim->max_iov)
         return -E2BIG;
      return CUSE_PLAN_RETRY;
   }

   /* drm_ioctl(): copy in min(usize, ksize), zero the rest.  An _IOR-only
    * caller struct is all zero: nothing to fetch for it. */
   if (p->in_size)
      memcpy(p->args, in_buf,
             p->in_size < spec->size ? p->in_size : spec->size);

   /* Answered entries fail after the copy-in, like drm_ioctl_permit()
    * after drm_ioctl()'s copy: a bad pointer is still EFAULT. */
   if (spec->answer)
      return -spec->answer;

   ret = fwd_spec_regions(spec, p->args, p->regs);
   if (ret)
      return ret;
   p->full = true;
   ret = plan_regions(p, arg, lim);
   if (ret)
      return ret;
   wire_sizes(p);

   if (in_bufsz == p->in_bytes && out_bufsz == p->out_bytes)
      return CUSE_PLAN_READY;
   return CUSE_PLAN_RETRY;
}
