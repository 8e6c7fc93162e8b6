/*
 * fwd_host.h - the forward design's host side: one request message in, the
 * matching msm_ctx_* call, one reply message out.
 */
#ifndef MSMVIRT_FWD_HOST_H
#define MSMVIRT_FWD_HOST_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct msm_ctx;

/* The 6.1 kernel msm driver's DRM_IOCTL_VERSION answer. */
#define FWD_DRIVER_NAME  "msm"
#define FWD_DRIVER_DATE  "20130625"
#define FWD_DRIVER_DESC  "MSM Snapdragon DRM"
#define FWD_DRIVER_MAJOR 1
#define FWD_DRIVER_MINOR 9 /* 1.9.0: MSM_SUBMIT_FENCE_SN_IN, the 6.1 uapi */
#define FWD_DRIVER_PATCHLEVEL 0

/* Handle one request (len bytes at req, never read beyond) on ctx and write
 * the reply to rsp.  The request is validated strictly against the spec
 * table before anything runs: known cmd, exact struct size and region
 * count, region lengths equal to what the host's own copy of the struct
 * implies, no trailing bytes, limits.  A malformed request gets a reply
 * with -EINVAL (-ENOTTY for an unknown cmd) and changes nothing.
 *
 * Returns 0 when a reply of *rsp_len bytes is in rsp (the ioctl's result
 * is inside it), or -ENOSPC when cap cannot hold even a header (no reply).
 * A cap below fwd_spec_max_reply() may get a -ENOSPC reply instead of
 * running the ioctl.  Depends on nothing but (ctx, bytes): a fuzz target. */
int fwd_host_handle(struct msm_ctx *ctx, const void *req, size_t len,
                    void *rsp, size_t cap, size_t *rsp_len);
/* The same for a guest whose CLOCK_MONOTONIC differs from ours: absolute
 * deadlines in the request (the table's .deadline) are shifted by
 * clock_offset_ns = host clock - guest clock. */
int fwd_host_handle_clock(struct msm_ctx *ctx, int64_t clock_offset_ns,
                          const void *req, size_t len, void *rsp, size_t cap,
                          size_t *rsp_len);

#ifdef __cplusplus
}
#endif

#endif
