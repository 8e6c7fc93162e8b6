/*
 * fwd_session.c - the guest side of the forward protocol: a session is one
 * host context; every ioctl is one synchronous CALL (see fwd_proto.h).
 */
#include <errno.h>
#include <string.h>

#include "fwd_proto.h"
#include "fwd_wire.h"

static int
session_ctl(struct fwd_session *s, uint32_t cmd)
{
   struct fwd_wire_req req = { .cmd = cmd };
   struct fwd_wire_rsp rsp;
   uint32_t rsp_len = 0;
   int ret = mt_call(s->g, s->id, &req, sizeof(req), &rsp, sizeof(rsp),
                     &rsp_len);

   if (ret < 0)
      return ret;
   if (rsp_len < sizeof(rsp))
      return -EPROTO;
   return rsp.result;
}

int
fwd_session_open(struct fwd_session *s, struct mt_guest *g, uint32_t id)
{
   s->g = g;
   s->id = id;
   return session_ctl(s, FWD_CTL_OPEN);
}

int
fwd_session_close(struct fwd_session *s)
{
   return session_ctl(s, FWD_CTL_CLOSE);
}

int
fwd_session_call(void *data, const void *req, size_t len, void *rsp,
                 size_t cap, size_t *rsp_len)
{
   struct fwd_session *s = data;
   uint32_t n = 0;
   int ret;

   if (len > MT_MAX_PAYLOAD)
      return -E2BIG;
   ret = mt_call(s->g, s->id, req, (uint32_t)len, rsp,
                 cap > UINT32_MAX ? UINT32_MAX : (uint32_t)cap, &n);
   if (ret < 0)
      return ret;
   *rsp_len = n;
   return 0;
}
