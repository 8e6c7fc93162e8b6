/*
 * fuzz_cuse_plan.c - libFuzzer: the CUSE ioctl planner (cuse_plan.h, pure)
 * and its marshaller: an ioctl as the kernel hands it over (cmd, arg, the
 * bytes it fetched, the out space), then a host reply to unmarshal.
 */
#include <stdlib.h>
#include <string.h>

#include "cuse_plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct head {
   uint32_t cmd;
   uint32_t out_bufsz;
   uint64_t arg;
   uint32_t in_len;   /* bytes of the input that are in_buf */
   uint32_t pad;
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
   const struct cuse_limits *lim = &cuse_kernel_limits;
   struct cuse_plan *p;
   struct head h;

   if (size < sizeof(h))
      return 0;
   memcpy(&h, data, sizeof(h));
   data += sizeof(h);
   size -= sizeof(h);
   if (h.in_len > size)
      h.in_len = (uint32_t)size;
   p = malloc(sizeof(*p));
   uint8_t *in = malloc(h.in_len ? h.in_len : 1);
   memcpy(in, data, h.in_len);
   int ret = cuse_plan_ioctl(h.cmd, h.arg, h.in_len ? in : NULL, h.in_len,
                             h.out_bufsz % (1u << 20), lim, p);
   if (ret == CUSE_PLAN_READY && p->req_len <= (1u << 22) &&
       p->out_bytes <= (1u << 22)) {
      uint8_t *req = malloc(p->req_len ? p->req_len : 1);
      uint8_t *out = malloc(p->out_bytes ? p->out_bytes : 1);
      size_t out_len = 0;
      cuse_marshal_request(p, in, req);
      /* The rest of the input plays the host's reply. */
      cuse_unmarshal_reply(p, in, data + h.in_len, size - h.in_len, out,
                           &out_len);
      if (out_len > p->out_bytes)
         abort();
      free(req);
      free(out);
   }
   free(in);
   free(p);
   return 0;
}
