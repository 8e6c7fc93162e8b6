/*
 * cuse_marshal.c - the forward wire format (fwd_wire.h) built from the bytes
 * a CUSE retry fetched, and the host's reply laid out for out_iov.
 *
 * fwd_guest.c does the same from real pointers in the caller's address
 * space; here the caller is another process and its memory arrives as one
 * buffer, in the order of the plan's in segments.  Both must produce the
 * same request for the same ioctl (tests/cuse/ checks it byte for byte).
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "cuse_plan.h"
#include "fwd_wire.h"

void
cuse_marshal_request(const struct cuse_plan *p, const void *in_buf, void *req)
{
   const uint8_t *in = in_buf;
   const void *src[FWD_MAX_REGIONS] = { NULL };

   /* The caller's memory arrived as one buffer, a segment per region. */
   for (uint32_t i = 0; i < p->spec->nr_regions; i++)
      if (p->reg_in_off[i] != CUSE_NO_OFFSET)
         src[i] = in + p->reg_in_off[i];
   fwd_wire_build_request(p->spec, p->args, p->regs, src, req);
}

/* The caller's struct as drm_ioctl() copies it back: the ioctl's bytes up
 * to the table's size, the caller's own bytes beyond it up to what was
 * copied in, zeros after that. */
static void
struct_out(const struct cuse_plan *p, const uint8_t *in, const uint8_t *st,
           uint8_t *out)
{
   uint32_t size = p->spec->size;
   uint32_t n = p->out_size < size ? p->out_size : size;

   memcpy(out, st, n);
   for (uint32_t b = size; b < p->out_size; b++)
      out[b] = b < p->in_size ? in[b] : 0;
}

/* Region i's reply bytes laid over its out segment.  Returns the bytes of
 * the segment that are valid: all of it when the caller's bytes were
 * fetched to pad it, else only what the host wrote (it is the last). */
static uint64_t
region_out(const struct cuse_plan *p, uint32_t i, const uint8_t *in,
           const uint8_t *data, uint32_t len, uint8_t *out)
{
   const struct fwd_region *r = &p->regs[i];
   uint64_t written;

   if (p->reg_in_off[i] != CUSE_NO_OFFSET)
      memcpy(out, in + p->reg_in_off[i], r->span);
   written = fwd_wire_scatter(r, data, len, out);
   return p->reg_in_off[i] != CUSE_NO_OFFSET ? r->span : written;
}

int
cuse_unmarshal_reply(const struct cuse_plan *p, const void *in_buf,
                     const void *rsp_buf, size_t rsp_len, void *out_buf,
                     size_t *out_len)
{
   const uint8_t *in = in_buf;
   uint8_t *out = out_buf;
   struct fwd_wire_reply w;
   int ret;

   *out_len = 0;
   ret = fwd_wire_parse_reply(p->spec, p->regs, rsp_buf, rsp_len, &w);
   if (ret)
      return ret;
   if (w.refused)
      return w.result;

   /* out[] is the struct (if written back), then the out regions in table
    * order; the kernel copies *out_len bytes over them in that order. */
   if (p->out_size) {
      /* (rsp_buf's body when the reply has no struct, as drm_ioctl()
       * would copy nothing meaningful: callers have out_size 0 then) */
      struct_out(p, in, w.st ? w.st : (const uint8_t *)rsp_buf +
                 FWD_WIRE_HDR_SIZE(p->spec->nr_regions), out);
      *out_len = p->out_size;
   }
   if (w.result)
      return w.result;
   for (uint32_t i = 0; i < p->spec->nr_regions; i++) {
      uint64_t off = p->reg_out_off[i];

      /* An active out region of zero span carries nothing. */
      if (off != CUSE_NO_OFFSET)
         *out_len = off + region_out(p, i, in, w.region[i], w.len[i],
                                     out + off);
   }
   return 0;
}
