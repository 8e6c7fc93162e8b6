/*
 * env.h - the fwd tests' fixture: a sim core, one context, and a forward
 * client whose "call" hands fwd_host_handle() an exact-size heap copy of
 * each request (so a read past the end is an ASan/valgrind error) and
 * counts the messages that reach the host.
 */
#ifndef MSMVIRT_TESTS_FWD_ENV_H
#define MSMVIRT_TESTS_FWD_ENV_H

#include <stdint.h>

#include "core/msm_core.h"
#include "fwd/fwd_guest.h"

struct env {
   struct msm_core *core;
   struct msm_ctx *ctx;
   struct fwd_client *client;
   unsigned calls;
   uint8_t *hostmem;
};

/* cmocka setup/teardown; teardown also proves nothing leaked. */
int env_setup(void **state);
int env_teardown(void **state);

int fio(struct env *e, unsigned long req, void *arg);
uint32_t gem_new(struct env *e, uint64_t size);
uint64_t gem_info(struct env *e, uint32_t handle, uint32_t info);
uint32_t bos_live(struct env *e);

/* A cmd BO that writes value to the data BO: the submit has an effect. */
struct submit_setup {
   uint32_t cmd, data;
   uint64_t data_off;
   struct drm_msm_gem_submit_bo bos[2];
   struct drm_msm_gem_submit_cmd cmds[1];
   struct drm_msm_gem_submit req;
};

void submit_prepare(struct env *e, struct submit_setup *s, uint32_t value);
void wait_fence(struct env *e, uint32_t queue, uint32_t fence);

#endif
