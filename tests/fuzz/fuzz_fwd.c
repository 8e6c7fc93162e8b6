/*
 * fuzz_fwd.c - libFuzzer: the forward host handler (fwd_host_handle(): a
 * pure function of context and bytes) on a fresh context per input.
 * Deadlines in the request are zeroed first, so a wait polls instead of
 * sleeping, and a GEM_SUBMIT is only made when the context has in-flight
 * room (fwd_proto.c defers it otherwise): nothing here blocks.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "fwd_host.h"
#include "fwd_spec.h"
#include "fwd_wire.h"
#include "msm_core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
zero_deadline(uint8_t *msg, size_t size)
{
   struct fwd_wire_req hdr;
   const struct fwd_ioctl_spec *spec;
   size_t off;

   if (size < sizeof(hdr))
      return;
   memcpy(&hdr, msg, sizeof(hdr));
   spec = fwd_spec_by_cmd(hdr.cmd);
   if (!spec || spec->deadline.kind == FWD_DEADLINE_NONE)
      return;
   off = FWD_WIRE_HDR_SIZE(spec->nr_regions) + spec->deadline.offset;
   size_t n = spec->deadline.kind == FWD_DEADLINE_NSEC ? 8 : 16;
   if (off + n <= size)
      memset(msg + off, 0, n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
   static void *rsp;
   static size_t cap;
   struct msm_core *core = fuzz_core();
   struct fuzz_counts before;
   struct msm_ctx *ctx;
   size_t rsp_len;
   uint8_t *msg;

   if (!rsp) {
      cap = fwd_spec_max_reply();
      rsp = malloc(cap);
   }
   fuzz_counts_take(&before);
   if (msm_ctx_create(core, &ctx))
      return 0;
   msg = malloc(size ? size : 1);
   memcpy(msg, data, size);
   zero_deadline(msg, size);
   if (msm_ctx_submit_room(ctx))
      fwd_host_handle(ctx, msg, size, rsp, cap, &rsp_len);
   msm_ctx_destroy(ctx);
   free(msg);
   fuzz_witness_check();
   fuzz_counts_check(&before);
   return 0;
}
