/*
 * nc_renderer.h - the host half of one nativectx context.
 *
 * One nc_host_ctx per guest context (per virtgpu context, per guest drm_file):
 * a core msm_ctx, its hostmem arena (inside which the guest kernel places
 * every blob, the shmem included), the res_id -> GEM handle table, and the
 * published fence state.  The transport glue (nc_host.c) feeds it; tests and fuzz
 * targets can drive it directly: nc_host_ctx_execute() is a pure function of
 * (context, bytes) apart from what it does to the core.
 *
 * Errors: a malformed request, or a failing request with no response slot
 * (an async one), marks the context LOST: async_error (and, with
 * NC_EXT_QUEUE_STATE, the state's lost errno) are set, an event wakes sleepers, and every later call fails with -EIO
 * (requests that wanted a response get ret = -EIO).  Nothing a guest sends
 * makes these functions abort or touch memory outside its context.
 */
#ifndef MSMVIRT_NC_RENDERER_H
#define MSMVIRT_NC_RENDERER_H

#include <stddef.h>
#include <stdint.h>

#include "nc_proto.h"
#include "vg.h"

struct msm_core;
struct nc_host_ctx;

#define NC_DEFAULT_ARENA_SIZE (8ull << 20)
#define NC_MAX_ARENA_SIZE     (256ull << 20)

/* Where a context's host->guest events go.  Called from the connection
 * thread and from the core's GPU thread (with the core lock held), so it
 * must only queue the event (mt_event does). */
typedef void (*nc_emit_fn)(void *data, const struct vg_event *ev);

/* arena_size 0: NC_DEFAULT_ARENA_SIZE.  emit may be NULL. */
int nc_host_ctx_create(struct msm_core *core, uint64_t arena_size,
                  nc_emit_fn emit, void *emit_data, struct nc_host_ctx **out);
/* The same, counted against a VM's quota (msm_vm_create). */
struct msm_vm;
int nc_host_ctx_create_vm(struct msm_core *core, struct msm_vm *vm,
                     uint64_t arena_size, nc_emit_fn emit, void *emit_data,
                     struct nc_host_ctx **out);
/* Frees the core context and with it every BO, queue and arena (objects
 * busy on the GPU go when they retire).  No emit call after it returns. */
void nc_host_ctx_destroy(struct nc_host_ctx *ctx);
/* The anchor capset and the extension block (what CTX_CREATE answers). */
void nc_host_ctx_caps(const struct nc_host_ctx *ctx, struct nc_caps *caps);

/* The most GEM_SUBMITs len bytes of ccmds can hold: what a caller that
 * must not wait checks against msm_ctx_submit_room() before executing. */
uint32_t nc_max_submits(size_t len);
/* A batch of ccmds.  0, or -EIO once the context is lost. */
int nc_host_ctx_execute(struct nc_host_ctx *ctx, const void *cmd, size_t len);
/* RESOURCE_CREATE_BLOB after its cmd ran, with the storage offset the guest
 * kernel picked: blob 0 is the shmem; any other blob_id makes the object a
 * GEM_NEW with that blob_id described (sizes must match) and names it
 * res_id. */
int nc_host_ctx_blob_attach(struct nc_host_ctx *ctx, uint32_t res_id, uint64_t blob_id,
                       uint64_t size, uint64_t hm_offset);
int nc_host_ctx_resource_unref(struct nc_host_ctx *ctx, uint32_t res_id);
/* An EXECBUFFER fence: emitted now for ring 0 (the batch ran), or when the
 * last GPU submit at priority ring_idx - 1 retires. */
int nc_host_ctx_submit_fence(struct nc_host_ctx *ctx, uint32_t ring_idx,
                        uint64_t fence_id);

/* 0, or the negative errno that lost the context. */
int nc_host_ctx_lost(const struct nc_host_ctx *ctx);
/* Lose the context (first error wins). */
void nc_host_ctx_lose(struct nc_host_ctx *ctx, int err);

/* For tests: the shared page as the host sees it (a private page until
 * blob 0 exists), NC_EXT_QUEUE_STATE's area, and the core context. */
struct nc_shmem *nc_host_ctx_shmem(struct nc_host_ctx *ctx);
struct nc_shmem_state *nc_host_ctx_state(struct nc_host_ctx *ctx);
struct msm_ctx *nc_host_ctx_msm(struct nc_host_ctx *ctx);

#endif
