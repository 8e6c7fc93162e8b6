/*
 * core_fx.h - the core test fixture (core_fx.c).
 */
#ifndef MSMVIRT_TESTS_CORE_FX_H
#define MSMVIRT_TESTS_CORE_FX_H

#include <stdint.h>

#include "msm_core.h"

struct fx {
   struct msm_core *core;
   struct msm_ctx *ctx;
   char *hm;
};

/* 64 MiB of hostmem, defaults otherwise. */
struct msm_core_config fx_config(void);
int fx_open(struct fx *f, const struct msm_core_config *cfg);
/* cmocka setup/teardown: *state is a struct fx; teardown asserts that
 * closing the context left nothing behind. */
int setup(void **state);
int teardown(void **state);
uint32_t gem_new(struct msm_ctx *ctx, uint64_t size, uint32_t flags);
uint64_t info(struct msm_ctx *ctx, uint32_t handle, uint32_t what);
/* CLOCK_MONOTONIC now + ns, as a uapi deadline. */
struct drm_msm_timespec abs_ns(int64_t ns);
/* A submit on queue q writing value at dst's iova after delay_ns of GPU
 * time; *fence in (with MSM_SUBMIT_FENCE_SN_IN) and out. */
int submit_write(struct fx *f, uint32_t q, uint32_t dst, uint32_t value,
                 uint64_t delay_ns, uint32_t flags, uint32_t *fence);
int wait_fence(struct fx *f, uint32_t q, uint32_t fence, int64_t ns);
/* A submit on queue q running the n dwords cs (copied to a new BO), with
 * dst in its list for writing. */
int submit_stream(struct fx *f, uint32_t q, uint32_t dst, const uint32_t *cs,
                  unsigned n, uint32_t flags, uint32_t *fence);

#endif
