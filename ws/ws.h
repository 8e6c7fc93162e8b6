/*
 * ws.h - the guest driver API ("winsys"), DESIGN.md decision 8.
 *
 * A small mesa-like interface (think src/freedreno/drm/freedreno_drmif.h)
 * that workloads and the conformance suite are written against.  Three
 * implementations sit behind one ops struct, and callers never know which
 * one they hold:
 *   - direct:    straight onto the core in-process (ws_direct.c): the baseline;
 *   - msm-ioctl: msm ioctls through an ioctl function (forward, CUSE, real fd);
 *   - nativectx: the async native-context guest library.
 *
 * All calls return 0 or a negative errno.  Timeouts are relative, in ns;
 * implementations turn them into the uapi's absolute CLOCK_MONOTONIC times.
 */
#ifndef MSMVIRT_WS_H
#define MSMVIRT_WS_H

#include <stdbool.h>
#include <stdint.h>

#include "msm_drm.h"

#ifdef __cplusplus
extern "C" {
#endif

struct ws_dev;

struct ws_bo {
   struct ws_dev *dev;
   uint32_t handle; /* the implementation's name for it (GEM handle, res_id) */
   uint32_t flags;  /* MSM_BO_* it was created with */
   uint64_t size;   /* page-aligned size */
   uint64_t iova;   /* GPU address, valid from creation */
   void *map;       /* CPU mapping, NULL until ws_bo_map() */
};

struct ws_submit_bo {
   struct ws_bo *bo;
   uint32_t flags; /* MSM_SUBMIT_BO_READ/WRITE/DUMP */
};

struct ws_submit_cmd {
   uint32_t type;   /* MSM_SUBMIT_CMD_BUF, _IB_TARGET_BUF, _CTX_RESTORE_BUF */
   uint32_t bo_idx; /* index into bos[] */
   uint32_t offset; /* bytes into that BO */
   uint32_t size;   /* bytes */
};

struct ws_submit {
   uint32_t queue;  /* submitqueue id (0 = the default queue) */
   uint32_t flags;  /* MSM_SUBMIT_* beyond the pipe (e.g. NO_IMPLICIT) */
   uint32_t nr_bos;
   const struct ws_submit_bo *bos;
   uint32_t nr_cmds;
   const struct ws_submit_cmd *cmds;
   uint32_t fence;  /* out: the fence (seqno) of this submit on its queue */
};

/* Transport accounting, for the evaluation.  Direct has no transport. */
struct ws_stats {
   uint64_t messages;         /* guest->host messages sent */
   uint64_t bytes;            /* guest->host + host->guest payload bytes */
   uint64_t sync_round_trips; /* times the guest blocked on a host reply */
   uint64_t events;           /* host->guest events received */
};

struct ws_ops {
   const char *name;
   void (*close)(struct ws_dev *dev);

   int (*get_param)(struct ws_dev *dev, uint32_t param, uint64_t *value);
   int (*set_debuginfo)(struct ws_dev *dev, const char *comm,
                        const char *cmdline);

   int (*bo_new)(struct ws_dev *dev, uint64_t size, uint32_t flags,
                 struct ws_bo **out);
   void (*bo_free)(struct ws_bo *bo);
   int (*bo_map)(struct ws_bo *bo, void **ptr);
   int (*bo_upload)(struct ws_bo *bo, uint64_t offset, const void *src,
                    uint64_t len);
   int (*bo_cpu_prep)(struct ws_bo *bo, uint32_t op, int64_t timeout_ns);
   int (*bo_cpu_fini)(struct ws_bo *bo);
   int (*bo_set_name)(struct ws_bo *bo, const char *name);
   int (*bo_madvise)(struct ws_bo *bo, uint32_t madv, uint32_t *retained);

   int (*submitqueue_new)(struct ws_dev *dev, uint32_t prio, uint32_t flags,
                          uint32_t *id);
   int (*submitqueue_close)(struct ws_dev *dev, uint32_t id);
   int (*submitqueue_faults)(struct ws_dev *dev, uint32_t id,
                             uint32_t *faults);

   int (*submit)(struct ws_dev *dev, struct ws_submit *submit);
   int (*fence_wait)(struct ws_dev *dev, uint32_t queue, uint32_t fence,
                     int64_t timeout_ns);
   /* Make every queued request reach the host (batching implementations). */
   int (*flush)(struct ws_dev *dev);

   void (*get_stats)(struct ws_dev *dev, struct ws_stats *st);
};

struct ws_dev {
   const struct ws_ops *ops;
};

static inline void ws_close(struct ws_dev *d) { d->ops->close(d); }
static inline int ws_get_param(struct ws_dev *d, uint32_t p, uint64_t *v)
{ return d->ops->get_param(d, p, v); }
static inline int ws_set_debuginfo(struct ws_dev *d, const char *comm,
                                   const char *cmdline)
{ return d->ops->set_debuginfo(d, comm, cmdline); }
static inline int ws_bo_new(struct ws_dev *d, uint64_t size, uint32_t flags,
                            struct ws_bo **out)
{ return d->ops->bo_new(d, size, flags, out); }
static inline void ws_bo_free(struct ws_bo *bo) { bo->dev->ops->bo_free(bo); }
static inline int ws_bo_map(struct ws_bo *bo, void **ptr)
{ return bo->dev->ops->bo_map(bo, ptr); }
static inline int ws_bo_upload(struct ws_bo *bo, uint64_t off, const void *src,
                               uint64_t len)
{ return bo->dev->ops->bo_upload(bo, off, src, len); }
static inline int ws_bo_cpu_prep(struct ws_bo *bo, uint32_t op, int64_t t)
{ return bo->dev->ops->bo_cpu_prep(bo, op, t); }
static inline int ws_bo_cpu_fini(struct ws_bo *bo)
{ return bo->dev->ops->bo_cpu_fini(bo); }
static inline int ws_bo_set_name(struct ws_bo *bo, const char *name)
{ return bo->dev->ops->bo_set_name(bo, name); }
static inline int ws_bo_madvise(struct ws_bo *bo, uint32_t madv,
                                uint32_t *retained)
{ return bo->dev->ops->bo_madvise(bo, madv, retained); }
static inline int ws_submitqueue_new(struct ws_dev *d, uint32_t prio,
                                     uint32_t flags, uint32_t *id)
{ return d->ops->submitqueue_new(d, prio, flags, id); }
static inline int ws_submitqueue_close(struct ws_dev *d, uint32_t id)
{ return d->ops->submitqueue_close(d, id); }
static inline int ws_submitqueue_faults(struct ws_dev *d, uint32_t id,
                                        uint32_t *faults)
{ return d->ops->submitqueue_faults(d, id, faults); }
static inline int ws_submit(struct ws_dev *d, struct ws_submit *s)
{ return d->ops->submit(d, s); }
static inline int ws_fence_wait(struct ws_dev *d, uint32_t q, uint32_t f,
                                int64_t timeout_ns)
{ return d->ops->fence_wait(d, q, f, timeout_ns); }
static inline int ws_flush(struct ws_dev *d) { return d->ops->flush(d); }
static inline void ws_get_stats(struct ws_dev *d, struct ws_stats *st)
{ d->ops->get_stats(d, st); }

/* Implementations' constructors. */
struct msm_core;
int ws_direct_open(struct msm_core *core, struct ws_dev **out);

#ifdef __cplusplus
}
#endif

#endif
