/*
 * ws_util.h - small helpers shared by the ws implementations.
 */
#ifndef MSMVIRT_WS_UTIL_H
#define MSMVIRT_WS_UTIL_H

#include <stdint.h>
#include <time.h>

#include "msm_drm.h"

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

#endif
