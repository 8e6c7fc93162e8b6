/*
 * fwd_wire.c - building a forward request and reading its reply, for every
 * guest side: the in-process marshaller (fwd_guest.c, the caller's memory
 * is right here) and the CUSE daemon (cuse/, the caller's memory arrived
 * through FUSE_IOCTL_RETRY).  Only where the bytes come from differs.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "fwd_wire.h"

void
fwd_wire_build_request(const struct fwd_ioctl_spec *spec, const void *args,
                       const struct fwd_region *regs,
                       const void *const src[FWD_MAX_REGIONS], void *out)
{
   struct fwd_wire_req hdr = {
      .cmd = spec->cmd,
      .struct_size = spec->size,
      .nr_regions = spec->nr_regions,
   };
   uint8_t *buf = out, *dst;

   memcpy(buf, &hdr, sizeof(hdr));
   for (uint32_t i = 0; i < spec->nr_regions; i++) {
      const struct fwd_region *r = &regs[i];
      uint32_t n = (r->active && (r->dir & FWD_IN)) ? (uint32_t)r->wire_bytes
                                                   : 0;
      memcpy(buf + sizeof(hdr) + 4 * i, &n, 4);
   }
   dst = buf + FWD_WIRE_HDR_SIZE(spec->nr_regions);
   memcpy(dst, args, spec->size);
   dst += spec->size;

   /* Canonical elements on the wire: of a strided caller array the kernel
    * reads min(stride, elem_size) bytes per element, the rest is zero. */
   for (uint32_t i = 0; i < spec->nr_regions; i++) {
      const struct fwd_region *r = &regs[i];
      const uint8_t *s = src[i];

      if (!r->active || !(r->dir & FWD_IN) || !r->count)
         continue;
      if (r->ustride == r->elem_size) {
         memcpy(dst, s, r->wire_bytes);
      } else {
         for (uint64_t e = 0; e < r->count; e++) {
            /* A zero stride copies nothing (and was never fetched). */
            if (r->ucopy)
               memcpy(dst + e * r->elem_size, s + e * r->ustride, r->ucopy);
            memset(dst + e * r->elem_size + r->ucopy, 0,
                   r->elem_size - r->ucopy);
         }
      }
      dst += r->wire_bytes;
   }
}

int
fwd_wire_parse_reply(const struct fwd_ioctl_spec *spec,
                     const struct fwd_region *regs, const void *rsp_buf,
                     size_t rsp_len, struct fwd_wire_reply *out)
{
   const uint8_t *rsp = rsp_buf, *pos;
   uint32_t want_struct = (spec->dir & _IOC_READ) ? spec->size : 0;
   struct fwd_wire_rsp hdr;
   size_t total;

   memset(out, 0, sizeof(*out));
   if (rsp_len < sizeof(hdr))
      return -EPROTO;
   memcpy(&hdr, rsp, sizeof(hdr));
   if (hdr.flags || hdr.result > 0 || hdr.result < -4095)
      return -EPROTO;
   out->result = hdr.result;

   /* Refused before decoding: nothing to write back. */
   if (hdr.nr_regions == 0 && hdr.struct_size == 0 && hdr.result < 0) {
      out->refused = true;
      return rsp_len == sizeof(hdr) ? 0 : -EPROTO;
   }
   if (hdr.nr_regions != spec->nr_regions || hdr.struct_size != want_struct ||
       rsp_len < FWD_WIRE_HDR_SIZE(hdr.nr_regions))
      return -EPROTO;

   total = FWD_WIRE_HDR_SIZE(hdr.nr_regions) + hdr.struct_size;
   for (uint32_t i = 0; i < hdr.nr_regions; i++) {
      const struct fwd_region *r = &regs[i];
      uint64_t cap = (r->active && (r->dir & FWD_OUT)) ? r->wire_bytes : 0;

      memcpy(&out->len[i], rsp + sizeof(hdr) + 4 * i, 4);
      if (out->len[i] > cap || out->len[i] % r->elem_size ||
          (out->len[i] && hdr.result))
         return -EPROTO;
      total += out->len[i];
   }
   if (total != rsp_len)
      return -EPROTO;

   out->st = hdr.struct_size ? rsp + FWD_WIRE_HDR_SIZE(hdr.nr_regions) : NULL;
   pos = rsp + FWD_WIRE_HDR_SIZE(hdr.nr_regions) + hdr.struct_size;
   for (uint32_t i = 0; i < hdr.nr_regions; i++) {
      out->region[i] = pos;
      pos += out->len[i];
   }
   return 0;
}

uint64_t
fwd_wire_scatter(const struct fwd_region *r, const void *data, uint32_t len,
                 void *dst_buf)
{
   const uint8_t *src = data;
   uint8_t *dst = dst_buf;
   uint64_t n = len / r->elem_size;

   if (r->ustride == r->elem_size) {
      memcpy(dst, src, len);
      return len;
   }
   for (uint64_t e = 0; e < n; e++)
      memcpy(dst + e * r->ustride, src + e * r->elem_size, r->ucopy);
   return n ? (n - 1) * r->ustride + r->ucopy : 0;
}
