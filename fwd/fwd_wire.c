/*
 * fwd_wire.c - building a forward request and reading its reply, for every
 * guest side: the in-process marshaller (fwd_guest.c, the caller's memory
 * is right here) and the CUSE daemon (cuse/, the caller's memory arrived
 * through FUSE_IOCTL_RETRY).  Only where the bytes come from differs.
 * And the host's side: reading that request, writing its reply.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "fwd_wire.h"

void
fwd_wire_sizes(const struct fwd_ioctl_spec *spec, const struct fwd_region *regs,
               size_t *req_len, size_t *rsp_max)
{
   *req_len = FWD_WIRE_HDR_SIZE(spec->nr_regions) + spec->size;
   *rsp_max = FWD_WIRE_HDR_SIZE(spec->nr_regions) +
              ((spec->dir & _IOC_READ) ? spec->size : 0);
   for (uint32_t i = 0; i < spec->nr_regions; i++) {
      const struct fwd_region *r = &regs[i];
      if (!r->active)
         continue;
      if (r->dir & FWD_IN)
         *req_len += r->wire_bytes;
      if (r->dir & FWD_OUT)
         *rsp_max += r->wire_bytes;
   }
}

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

/* ---- the host's side ---- */

int
fwd_wire_parse_request(const void *msg_buf, size_t len,
                       struct fwd_wire_request *req)
{
   const uint8_t *msg = msg_buf;
   const struct fwd_ioctl_spec *spec;
   struct fwd_wire_req hdr;
   size_t off;

   req->spec = NULL;
   if (len < sizeof(hdr))
      return -EINVAL;
   memcpy(&hdr, msg, sizeof(hdr));
   spec = fwd_spec_by_cmd(hdr.cmd);
   if (!spec)
      return -ENOTTY;
   req->spec = spec;
   if (hdr.flags || hdr.struct_size != spec->size ||
       hdr.nr_regions != spec->nr_regions)
      return -EINVAL;
   off = FWD_WIRE_HDR_SIZE(spec->nr_regions);
   if (len < off + spec->size)
      return -EINVAL;
   memcpy(req->lens, msg + sizeof(hdr), 4 * spec->nr_regions);
   memset(req->args, 0, sizeof(req->args));
   memcpy(req->args, msg + off, spec->size);
   req->data = msg + off + spec->size;
   req->data_len = len - off - spec->size;
   return 0;
}

int
fwd_wire_take_regions(const struct fwd_wire_request *req,
                      const struct fwd_region *regs,
                      void *const bufs[FWD_MAX_REGIONS])
{
   const struct fwd_ioctl_spec *spec = req->spec;
   size_t in_total = 0;
   const uint8_t *pos = req->data;

   for (uint32_t i = 0; i < spec->nr_regions; i++) {
      const struct fwd_region *r = &regs[i];
      uint64_t expect = (r->active && (r->dir & FWD_IN)) ? r->wire_bytes : 0;

      if (req->lens[i] != expect)
         return -EINVAL;
      in_total += expect;
   }
   if (req->data_len != in_total)
      return -EINVAL;
   for (uint32_t i = 0; i < spec->nr_regions; i++) {
      const struct fwd_region *r = &regs[i];

      if (r->active && (r->dir & FWD_IN)) {
         memcpy(bufs[i], pos, r->wire_bytes);
         pos += r->wire_bytes;
      }
   }
   return 0;
}

size_t
fwd_wire_build_refusal(int result, void *rsp)
{
   struct fwd_wire_rsp hdr = { .result = result };

   memcpy(rsp, &hdr, sizeof(hdr));
   return sizeof(hdr);
}

size_t
fwd_wire_build_reply(const struct fwd_ioctl_spec *spec,
                     const struct fwd_region *regs, int result,
                     const void *args, void *const bufs[FWD_MAX_REGIONS],
                     void *rsp)
{
   struct fwd_wire_rsp hdr = {
      .result = result,
      .nr_regions = spec->nr_regions,
      .struct_size = (spec->dir & _IOC_READ) ? spec->size : 0,
   };
   uint8_t *out = (uint8_t *)rsp + FWD_WIRE_HDR_SIZE(spec->nr_regions);

   memcpy(out, args, hdr.struct_size);
   out += hdr.struct_size;
   for (uint32_t i = 0; i < spec->nr_regions; i++) {
      const struct fwd_region_spec *rs = &spec->regions[i];
      const struct fwd_region *r = &regs[i];
      uint64_t n = 0;
      uint32_t len;

      /* What the ioctl wrote: its updated count, never beyond the buffer. */
      if (!result && r->active && (r->dir & FWD_OUT)) {
         n = rs->count.size ? fwd_field_get(args, rs->count) : r->count;
         if (n > r->count)
            n = r->count;
         memcpy(out, bufs[i], n * rs->elem_size);
         out += n * rs->elem_size;
      }
      len = (uint32_t)(n * rs->elem_size);
      memcpy((uint8_t *)rsp + sizeof(hdr) + 4 * i, &len, 4);
   }
   memcpy(rsp, &hdr, sizeof(hdr));
   return (size_t)(out - (uint8_t *)rsp);
}
