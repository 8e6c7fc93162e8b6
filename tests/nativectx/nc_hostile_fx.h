/*
 * nc_hostile_fx.h - the fixture of the host renderer's hostile suites
 * (test_nc_hostile.c, test_nc_scribble.c): a core, a bystander context that
 * must keep working, and per-case contexts with canaries after their shmem.
 */
#ifndef MSMVIRT_TESTS_NC_HOSTILE_FX_H
#define MSMVIRT_TESTS_NC_HOSTILE_FX_H

#include <stdbool.h>
#include <stdint.h>

#include "msm_core.h"
#include "nc_test_ctx.h"

#define CANARY 0xa5
#define PLAIN_SHMEM 16384u  /* what mesa 22.3.6 allocates */
#define RES_A 1             /* two live BOs in every case's context */
#define RES_B 2
#define SLOT_A 2            /* their storage/VA slots (0-1 stay free) */
#define SLOT_B 3

struct env {
   struct msm_core *core;
   uint8_t *hostmem;
   struct nc_host_ctx *other;       /* a bystander that must keep working */
   struct nc_caps other_caps;
};

/* One case's context. */
struct hctx {
   struct env *e;
   struct nc_host_ctx *ctx;
   struct nc_caps caps;
   uint32_t ext;
   uint32_t shmem_size;
   unsigned events;
};

int setup(void **state);
int teardown(void **state);
void count_event(void *data, const struct vg_event *ev);
uint8_t * after_shmem(struct hctx *h);
void hctx_open(struct env *e, struct hctx *h, uint32_t ext, bool with_shmem);
void assert_lost(struct hctx *h);

#endif
