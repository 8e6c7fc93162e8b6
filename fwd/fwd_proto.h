/*
 * fwd_proto.h - the forward design over the transport.
 *
 * One transport session per guest drm_file (CUSE open()).  Every ioctl is
 * one CALL whose payload is a fwd_wire request and whose REPLY is the
 * fwd_wire reply: the guest waits for each, which is the design's point.
 * Two control requests share the framing, with cmd values that can never be
 * ioctl numbers (those always carry type 'd' in bits 8..15):
 *   FWD_CTL_OPEN   create the session's host context (the drm_file)
 *   FWD_CTL_CLOSE  destroy it, with everything it owns
 * When the connection goes, every context it still has is destroyed.
 */
#ifndef MSMVIRT_FWD_PROTO_H
#define MSMVIRT_FWD_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "transport.h"

#define FWD_PROTO_NAME "forward"
#define FWD_CTL_OPEN  1u
#define FWD_CTL_CLOSE 2u
#define FWD_MAX_SESSIONS 1024 /* per connection */
/* Requests of one session deferred to its lanes (queued or running, see
 * fwd_proto.c); past it -EAGAIN, so one drm_file cannot take its VM's
 * whole max_waits quota. */
#define FWD_SESSION_MAX_PENDING 64

struct msm_core;

/* The host side, for `msmvirt host` and in-process hosts. */
int fwd_host_proto(struct msm_core *core, struct mt_host_proto *out);

/* The guest side: one session = one host context.  Thread-safe per
 * session as far as mt_call is (concurrent ioctls each wait for their own
 * reply). */
struct fwd_session {
   struct mt_guest *g;
   uint32_t id;
};

int fwd_session_open(struct fwd_session *s, struct mt_guest *g, uint32_t id);
int fwd_session_close(struct fwd_session *s);
/* A fwd_call_fn (fwd_guest.h) over the session: data = the fwd_session. */
int fwd_session_call(void *data, const void *req, size_t len, void *rsp,
                     size_t cap, size_t *rsp_len);

#endif
