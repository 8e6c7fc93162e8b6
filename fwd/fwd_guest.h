/*
 * fwd_guest.h - the forward design's guest side: msm/DRM ioctls marshalled
 * into one synchronous call each, per the spec table (fwd_spec.h).
 *
 * The transport stays outside: a fwd_client is given a "call" function that
 * sends one request and blocks for its reply (transport/'s mt_call, a CUSE
 * daemon's channel, or fwd_host_handle() in-process for tests).
 */
#ifndef MSMVIRT_FWD_GUEST_H
#define MSMVIRT_FWD_GUEST_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Send req (len bytes) and wait for the reply: up to cap bytes land in rsp,
 * *rsp_len is the reply's full length.  Returns 0 or a negative errno (the
 * transport's: the ioctl's own result travels inside the reply).  Must be
 * safe to call from several threads at once if the client is shared. */
typedef int (*fwd_call_fn)(void *data, const void *req, size_t len, void *rsp,
                           size_t cap, size_t *rsp_len);

/* Deep-copy the ioctl's struct (read from arg, _IOC_SIZE(req) bytes) and
 * every in/inout region it points to into one request message in buf.
 * Returns 0 and *len, or the ioctl's own errno when it fails before
 * anything is sent (unknown request: -ENOTTY; an answered entry's errno;
 * count over a limit; -EFAULT for a NULL struct or array), or -ENOSPC when
 * cap is too small (fwd_spec_max_request() always suffices). */
int fwd_marshal_request(unsigned long req, const void *arg, void *buf,
                        size_t cap, size_t *len);

/* Scatter a reply into the caller's memory: out/inout regions (at the
 * addresses arg held when the request was marshalled, which must not have
 * changed), then the struct for _IOC_READ ioctls (even on failure, as
 * drm_ioctl() does).  Returns the ioctl's result (0 or -errno), or -EPROTO
 * for a reply inconsistent with the request. */
int fwd_unmarshal_reply(unsigned long req, void *arg, const void *rsp,
                        size_t rsp_len);

struct fwd_client;

struct fwd_stats {
   uint64_t ioctls;         /* fwd_ioctl() calls */
   uint64_t answered_local; /* failed or answered without a message */
   uint64_t messages;       /* requests sent = sync round trips */
   uint64_t bytes_sent;     /* request payload bytes */
   uint64_t bytes_received; /* reply payload bytes */
};

int fwd_client_create(fwd_call_fn call, void *call_data,
                      struct fwd_client **out);
void fwd_client_destroy(struct fwd_client *c);

/* ioctl(2) for the forward node: 0 or -errno (not -1 + errno).  Thread-safe:
 * each call uses its own buffers, so a blocking WAIT_FENCE on one thread
 * does not hold up another thread's submit (if the call function allows). */
int fwd_ioctl(struct fwd_client *c, unsigned long req, void *arg);

/* The same, shaped for ws_msm_ioctl_open()'s ioctl function (data = c). */
int fwd_client_ioctl_fn(void *c, unsigned long req, void *arg);

void fwd_client_get_stats(struct fwd_client *c, struct fwd_stats *st);

#ifdef __cplusplus
}
#endif

#endif
