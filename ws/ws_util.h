/*
 * ws_util.h - small helpers shared by the ws implementations.
 */
#ifndef MSMVIRT_WS_UTIL_H
#define MSMVIRT_WS_UTIL_H

#include <stdint.h>
#include <time.h>

#include "msm_drm.h"
#include "ws.h"

/* The uapi wants absolute CLOCK_MONOTONIC deadlines; ws takes relative ns.
 * A negative timeout means "forever" (far future, like mesa's PIPE_TIMEOUT_INFINITE). */
static inline struct drm_msm_timespec
ws_abs_timeout(int64_t timeout_ns)
{
   struct timespec now;
   struct drm_msm_timespec t;
   int64_t ns;

   if (timeout_ns < 0)
      timeout_ns = INT64_C(3600) * 1000000000; /* an hour is forever here */
   clock_gettime(CLOCK_MONOTONIC, &now);
   ns = now.tv_nsec + timeout_ns % 1000000000;
   t.tv_sec = now.tv_sec + timeout_ns / 1000000000 + ns / 1000000000;
   t.tv_nsec = ns % 1000000000;
   return t;
}

/* A ws_submit as GEM_SUBMIT arguments (req.bos/cmds point into u). */
#define WS_SUBMIT_STACK_BOS 64
#define WS_SUBMIT_STACK_CMDS 16
struct ws_uapi_submit {
   struct drm_msm_gem_submit req;
   struct drm_msm_gem_submit_bo *bos;
   struct drm_msm_gem_submit_cmd *cmds;
   struct drm_msm_gem_submit_bo bos_stack[WS_SUBMIT_STACK_BOS];
   struct drm_msm_gem_submit_cmd cmds_stack[WS_SUBMIT_STACK_CMDS];
};
int ws_submit_to_uapi(const struct ws_submit *s, struct ws_uapi_submit *u);
void ws_uapi_submit_fini(struct ws_uapi_submit *u);

#endif
