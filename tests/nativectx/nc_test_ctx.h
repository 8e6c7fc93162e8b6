/*
 * nc_test_ctx.h - helpers for tests that drive the host renderer
 * (nc_renderer.h) directly with crafted ccmds.
 */
#ifndef MSMVIRT_TESTS_NC_CTX_H
#define MSMVIRT_TESTS_NC_CTX_H

#include <stdint.h>

#include "nc_renderer.h"
#include "nc_test_util.h"

/* Slot i of the context's BO storage (after the shmem) and of its VA. */
uint64_t nc_bo_hm(const struct nc_capset *c, unsigned i);
uint64_t nc_bo_iova(const struct nc_capset *c, unsigned i);

/* A GEM_NEW of one page at slot. */
void nc_add_gem_new(struct nc_batch *b, const struct nc_capset *c,
                    uint32_t blob_id, unsigned slot);
/* A live one-page BO named res_id (GEM_NEW + blob attach); asserts. */
void nc_make_bo(struct nc_ctx *ctx, const struct nc_capset *c,
                uint32_t res_id, uint32_t blob_id, unsigned slot);
/* A GEM_SUBMIT on queue 0: res[0] is the command buffer (read), the rest
 * written; one command of cs_dwords. */
struct nc_ccmd_gem_submit_req *
nc_add_submit(struct nc_batch *b, uint32_t fence, uint32_t nr_bos,
              const uint32_t *res, uint32_t cs_dwords);
/* Two BOs at slots base and base + 1, a submit writing value, its fence
 * waited and checked in memory and in the shmem; asserts. */
void nc_prove_alive(uint8_t *hostmem, struct nc_ctx *ctx,
                    const struct nc_capset *c, uint32_t base, uint32_t value);

#endif
