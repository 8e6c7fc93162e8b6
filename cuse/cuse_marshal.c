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

static void
put_u32(uint8_t *dst, uint32_t v)
{
   memcpy(dst, &v, 4);
}

static uint32_t
get_u32(const uint8_t *src)
{
   uint32_t v;
   memcpy(&v, src, 4);
   return v;
}

void
cuse_marshal_request(const struct cuse_plan *p, const void *in_buf, void *req)
{
   const struct fwd_ioctl_spec *spec = p->spec;
   const uint8_t *in = in_buf;
   struct fwd_wire_req hdr = {
      .cmd = spec->cmd,
      .struct_size = spec->size,
      .nr_regions = spec->nr_regions,
   };
   uint8_t *buf = req, *dst;

   memcpy(buf, &hdr, sizeof(hdr));
   for (uint32_t i = 0; i < spec->nr_regions; i++) {
      const struct fwd_region *r = &p->regs[i];
      uint64_t n = (r->active && (r->dir & FWD_IN)) ? r->wire_bytes : 0;
      put_u32(buf + sizeof(hdr) + 4 * i, (uint32_t)n);
   }
   dst = buf + FWD_WIRE_HDR_SIZE(spec->nr_regions);
   memcpy(dst, p->args, spec->size);
   dst += spec->size;

   /* Canonical elements on the wire: a strided caller array gives
    * min(stride, elem_size) bytes per element, the rest is zero. */
   for (uint32_t i = 0; i < spec->nr_regions; i++) {
      const struct fwd_region *r = &p->regs[i];
      const uint8_t *src;

      if (!r->active || !(r->dir & FWD_IN) || !r->count)
         continue;
      src = in + p->reg_in_off[i];
      if (r->ustride == r->elem_size) {
         memcpy(dst, src, r->wire_bytes);
      } else {
         for (uint64_t e = 0; e < r->count; e++) {
            memcpy(dst + e * r->elem_size, src + e * r->ustride, r->ucopy);
            memset(dst + e * r->elem_size + r->ucopy, 0,
                   r->elem_size - r->ucopy);
         }
      }
      dst += r->wire_bytes;
   }
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
   uint64_t n = len / r->elem_size;
   uint64_t written;

   if (p->reg_in_off[i] != CUSE_NO_OFFSET)
      memcpy(out, in + p->reg_in_off[i], r->span);
   if (r->ustride == r->elem_size) {
      memcpy(out, data, len);
      written = len;
   } else {
      for (uint64_t e = 0; e < n; e++)
         memcpy(out + e * r->ustride, data + e * r->elem_size, r->ucopy);
      written = n ? (n - 1) * r->ustride + r->ucopy : 0;
   }
   return p->reg_in_off[i] != CUSE_NO_OFFSET ? r->span : written;
}

int
cuse_unmarshal_reply(const struct cuse_plan *p, const void *in_buf,
                     const void *rsp_buf, size_t rsp_len, void *out_buf,
                     size_t *out_len)
{
   const struct fwd_ioctl_spec *spec = p->spec;
   uint32_t want_struct = (spec->dir & _IOC_READ) ? spec->size : 0;
   uint32_t lens[FWD_MAX_REGIONS] = { 0 };
   const uint8_t *rsp = rsp_buf, *in = in_buf, *pos;
   uint8_t *out = out_buf;
   struct fwd_wire_rsp hdr;
   size_t total;

   *out_len = 0;
   if (rsp_len < sizeof(hdr))
      return -EPROTO;
   memcpy(&hdr, rsp, sizeof(hdr));
   if (hdr.flags || hdr.result > 0 || hdr.result < -4095)
      return -EPROTO;

   /* Refused before decoding: nothing is written back. */
   if (hdr.nr_regions == 0 && hdr.struct_size == 0 && hdr.result < 0)
      return rsp_len == sizeof(hdr) ? hdr.result : -EPROTO;
   if (hdr.nr_regions != spec->nr_regions || hdr.struct_size != want_struct ||
       rsp_len < FWD_WIRE_HDR_SIZE(hdr.nr_regions))
      return -EPROTO;

   total = FWD_WIRE_HDR_SIZE(hdr.nr_regions) + hdr.struct_size;
   for (uint32_t i = 0; i < hdr.nr_regions; i++) {
      const struct fwd_region *r = &p->regs[i];
      uint64_t cap = (r->active && (r->dir & FWD_OUT)) ? r->wire_bytes : 0;

      lens[i] = get_u32(rsp + sizeof(hdr) + 4 * i);
      if (lens[i] > cap || lens[i] % r->elem_size || (lens[i] && hdr.result))
         return -EPROTO;
      total += lens[i];
   }
   if (total != rsp_len)
      return -EPROTO;

   /* out[] is the struct (if written back), then the out regions in table
    * order; the kernel copies *out_len bytes over them in that order. */
   if (p->out_size) {
      struct_out(p, in, rsp + FWD_WIRE_HDR_SIZE(hdr.nr_regions), out);
      *out_len = p->out_size;
   }
   if (hdr.result)
      return hdr.result;

   pos = rsp + FWD_WIRE_HDR_SIZE(hdr.nr_regions) + hdr.struct_size;
   for (uint32_t i = 0; i < hdr.nr_regions; i++) {
      uint64_t off = p->reg_out_off[i];

      if (off == CUSE_NO_OFFSET) {
         /* An active out region of zero span carries nothing. */
         pos += lens[i];
         continue;
      }
      *out_len = off + region_out(p, i, in, pos, lens[i], out + off);
      pos += lens[i];
   }
   return 0;
}
