/*
 * fake_cuse.c - the simulated kernel side of CUSE ioctls (fake_cuse.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cuse_node.h"
#include "fake_cuse.h"

/* fuse_do_ioctl() gives up after no fixed number of retries; a daemon that
 * loops forever is a bug we want to see. */
#define FAKE_MAX_REQUESTS 16

static uint64_t
iov_total(const struct iovec *iov, unsigned n)
{
   uint64_t t = 0;

   for (unsigned i = 0; i < n; i++)
      t += iov[i].iov_len;
   return t;
}

static void
forward_step(void *file, uint32_t tid, unsigned long cmd, uint64_t arg,
             const void *in, size_t in_size, size_t out_size,
             struct cuse_step *st)
{
   cuse_file_ioctl(file, tid, cmd, arg, in, in_size, out_size, st);
}

int
fake_cuse_ioctl(struct cuse_file *f, unsigned long cmd, void *arg,
                struct fake_cuse_stats *st)
{
   return fake_cuse_ioctl_with(forward_step, f, 4242, cmd, arg, st);
}

int
fake_cuse_ioctl_with(fake_cuse_step_fn step_fn, void *file, uint32_t tid,
                     unsigned long cmd, void *arg, struct fake_cuse_stats *st)
{
   struct iovec in_iov[CUSE_PLAN_SEGS], out_iov[CUSE_PLAN_SEGS];
   unsigned nr_in = 0, nr_out = 0;
   struct fake_cuse_stats dummy;
   uint8_t *in = NULL;
   int ret = -EIO;

   if (!st)
      st = &dummy;
   memset(st, 0, sizeof(*st));

   for (unsigned r = 0; r < FAKE_MAX_REQUESTS; r++) {
      uint64_t in_size = iov_total(in_iov, nr_in);
      uint64_t out_size = iov_total(out_iov, nr_out);
      struct cuse_step step;
      uint8_t *pos;

      /* fuse_verify_ioctl_iov() and the FUSE_IOCTL_MAX_IOV check. */
      if (in_size > CUSE_MAX_BYTES || out_size > CUSE_MAX_BYTES ||
          nr_in + nr_out > CUSE_MAX_IOV) {
         ret = -ENOMEM;
         break;
      }
      free(in);
      in = malloc(in_size ? in_size : 1);
      pos = in;
      for (unsigned i = 0; i < nr_in; i++) {
         memcpy(pos, in_iov[i].iov_base, in_iov[i].iov_len);
         pos += in_iov[i].iov_len;
      }

      st->requests++;
      st->in_bytes = in_size;
      st->out_bytes = out_size;
      step_fn(file, tid, (unsigned int)cmd, (uintptr_t)arg,
              in_size ? in : NULL, in_size, out_size, &step);
      if (step.retry) {
         /* The real kernel checks the iovec count before anything. */
         if (step.nr_in > CUSE_PLAN_SEGS || step.nr_out > CUSE_PLAN_SEGS) {
            ret = -ENOMEM;
            break;
         }
         memcpy(in_iov, step.in_iov, sizeof(in_iov[0]) * step.nr_in);
         memcpy(out_iov, step.out_iov, sizeof(out_iov[0]) * step.nr_out);
         nr_in = step.nr_in;
         nr_out = step.nr_out;
         cuse_step_fini(&step);
         continue;
      }

      /* "transferred > inarg.out_size" is EIO, then the copy-out. */
      if (step.len > out_size) {
         ret = -EIO;
      } else {
         const uint8_t *src = step.data;
         size_t left = step.len;

         for (unsigned i = 0; i < nr_out && left; i++) {
            size_t n = out_iov[i].iov_len < left ? out_iov[i].iov_len : left;
            memcpy(out_iov[i].iov_base, src, n);
            src += n;
            left -= n;
         }
         st->written = step.len;
         ret = step.result;
      }
      cuse_step_fini(&step);
      break;
   }
   free(in);
   return ret;
}
