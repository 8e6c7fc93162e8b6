/*
 * nc_test_ctx.h - helpers for tests that drive the host renderer
 * (nc_renderer.h) directly with crafted ccmds: the tests play the guest
 * kernel (placing blobs in the context's arena) and its userspace.
 */
#ifndef MSMVIRT_TESTS_NC_CTX_H
#define MSMVIRT_TESTS_NC_CTX_H

#include <stdint.h>

#include "nc_renderer.h"
#include "nc_test_util.h"

/* The res_id the helpers give the shmem (blob 0). */
#define NC_TEST_SHMEM_RES 0x7fff0000u

/* Slot i of the context's BO storage (after the shmem) and of its VA. */
uint64_t nc_bo_hm(const struct nc_caps *c, unsigned i);
uint64_t nc_bo_iova(const struct nc_caps *c, unsigned i);

/* Blob 0 of size bytes at the arena's head, after an EXT_ENABLE of ext
 * (none if 0) when ext != 0; asserts. */
void nc_make_shmem(struct nc_host_ctx *ctx, const struct nc_caps *c, uint32_t ext,
                   uint32_t size);
/* The response area as the guest sees it (after nc_make_shmem()). */
uint8_t *nc_rsp_area(struct nc_host_ctx *ctx);
uint32_t nc_rsp_size(struct nc_host_ctx *ctx, uint32_t shmem_size);

/* A GEM_NEW of one page at slot. */
void nc_add_gem_new(struct nc_batch *b, const struct nc_caps *c,
                    uint32_t blob_id, unsigned slot);
/* A live one-page BO named res_id (GEM_NEW + blob attach); asserts. */
void nc_make_bo(struct nc_host_ctx *ctx, const struct nc_caps *c,
                uint32_t res_id, uint32_t blob_id, unsigned slot);
/* A GEM_SUBMIT on queue 0: res[0] is the command buffer (read), the rest
 * written; one command of cs_dwords.  The arrays are at offset 36 of the
 * request: use nc_submit_bo() to read them. */
struct nc_ccmd_gem_submit_req *
nc_add_submit(struct nc_batch *b, uint32_t fence, uint32_t nr_bos,
              const uint32_t *res, uint32_t cs_dwords);
/* Two BOs at slots base and base + 1, a submit writing value, its fence
 * waited and checked in memory (and in the shmem when the context has
 * NC_EXT_QUEUE_STATE); asserts. */
void nc_prove_alive(uint8_t *hostmem, struct nc_host_ctx *ctx,
                    const struct nc_caps *c, uint32_t base, uint32_t value);

#endif
