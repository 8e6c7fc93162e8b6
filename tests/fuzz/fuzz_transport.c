/*
 * fuzz_transport.c - libFuzzer: the host's byte stream.  The input is
 * what a guest writes on its connection: frames checked as the host's
 * reader checks them (mt_frame_check), a HELLO parsed (mt_hello_parse),
 * and CALL/SEND payloads run through the nativectx record layer
 * (nc_host_frame) on one connection state, which is destroyed at the end:
 * every context the stream made must be gone.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "msm_core.h"
#include "mt_priv.h"
#include "nc_host.h"
#include "vg_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
   struct msm_core *core = fuzz_core();
   struct fuzz_counts before;
   struct nc_host_conn *c;
   size_t off = 0;

   fuzz_counts_take(&before);
   if (nc_host_conn_create(core, NULL, &c))
      return 0;
   while (size - off >= sizeof(struct mt_frame_hdr)) {
      struct mt_frame_hdr hdr;
      memcpy(&hdr, data + off, sizeof(hdr));
      off += sizeof(hdr);
      if (mt_frame_check(&hdr, MT_SIDE_HOST) || hdr.len > size - off)
         break; /* the host drops such a connection */
      const uint8_t *payload = data + off;
      off += hdr.len;
      if (hdr.type == MT_HELLO) {
         const char *proto;
         const void *extra;
         uint32_t delay, extra_len;
         mt_hello_parse(payload, hdr.len, &proto, &delay, &extra, &extra_len);
      } else {
         struct vg_reply reply;
         uint32_t reply_len;
         nc_host_frame(c, hdr.session, payload, hdr.len, &reply, &reply_len);
         FUZZ_ASSERT(reply_len <= sizeof(reply));
      }
   }
   nc_host_conn_destroy(c);
   fuzz_witness_check();
   fuzz_counts_check(&before);
   return 0;
}
