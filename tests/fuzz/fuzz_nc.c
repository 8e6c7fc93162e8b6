/*
 * fuzz_nc.c - libFuzzer: the nativectx ccmd decoder (nc_host_ctx_execute(), the
 * entry point whatever the wire format), while another thread rewrites the
 * request buffer, as a guest can while the host decodes.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "msm_core.h"
#include "nc_proto.h"
#include "nc_renderer.h"

#define ARENA (2 * NC_SHMEM_SIZE) /* the smallest a context may have */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A context lives until it is lost or has served RECYCLE inputs (making
 * one per input would spend most of the time zeroing its shared page);
 * each time it goes, the core's counts must be back where they were. */
#define RECYCLE 256

static struct nc_host_ctx *ctx;
static struct fuzz_counts before;
static unsigned served;

static void
recycle(void)
{
   if (ctx) {
      nc_host_ctx_destroy(ctx);
      fuzz_counts_check(&before);
   }
   fuzz_counts_take(&before);
   FUZZ_ASSERT(nc_host_ctx_create(fuzz_core(), ARENA, NULL, NULL, &ctx) == 0);
   served = 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
   uint8_t *req;

   if (!ctx)
      recycle();
   /* Guest memory: the request lives where the guest can still write. */
   req = malloc(size ? size : 1);
   memcpy(req, data, size);
   /* The host never waits for in-flight room here (nc_host.c defers such
    * a batch to the context's own thread): neither does the fuzzer. */
   if (nc_max_submits(size) <= msm_ctx_submit_room(nc_host_ctx_msm(ctx))) {
      /* Half the inputs run against a guest scribbling on the request
       * and the shared page; half as sent, so coverage is not noise. */
      bool scribble = size && (data[0] & 1);
      if (scribble)
         fuzz_scribble_start(req, size);
      nc_host_ctx_execute(ctx, req, size);
      if (scribble)
         fuzz_scribble_stop();
   }
   free(req);
   fuzz_witness_check();
   if (nc_host_ctx_lost(ctx) || ++served >= RECYCLE)
      recycle();
   return 0;
}
