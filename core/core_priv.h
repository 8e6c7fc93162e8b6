/*
 * core_priv.h - the core's objects and its backend ops table.
 *
 * Two layers, each behind an ops table (cf. mesa's fd_device_funcs):
 *   - the context layer (struct msm_ctx_funcs) serves the msm_ctx_* calls.
 *     The core's own model of the msm kernel driver (core.c, gem.c,
 *     submit.c, syncobj.c) owns everything a drm_file owns in the kernel:
 *     handles, queues, fences, limits, and the validation of every
 *     argument.  The drm backend brings its own (the real kernel).
 *   - the backend (struct msm_backend_ops: sim.c, drm.c) provides BO storage
 *     and execution; under the model it sees only validated objects.
 *
 * Locking: one core-wide mutex protects all objects.  Waits (fences, CPU
 * prep, in-flight throttling, syncobjs) sleep on the core-wide condition
 * variable, broadcast on every retire and whenever a syncobj gains a fence.
 * The lock is only ever held for bookkeeping: a backend executes a submit
 * without it (sim.c), so one context's long command stream never delays
 * another context's ioctls.
 */
#ifndef MSMVIRT_CORE_PRIV_H
#define MSMVIRT_CORE_PRIV_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "cp.h"
#include "hostmem.h"
#include "msm_core.h"
#include "msm_rules.h"
#include "range.h"

struct msm_ctx;
struct msm_queue;
struct msm_submit;
struct msm_syncobj;

/* A range of hostmem whose BO offsets the guest picks (msm_ctx_arena_new). */
struct msm_arena {
   uint64_t offset, size;
   struct range_mgr alloc; /* the context's objects inside it */
};

struct msm_bo {
   struct msm_ctx *ctx;   /* owner: its address space holds our iova */
   struct msm_arena *arena; /* storage inside this arena, or NULL: core-allocated */
   uint32_t refcount;     /* the handle + every unretired submit using it */
   uint32_t handle;       /* 0 once GEM_CLOSEd */
   uint32_t flags;        /* MSM_BO_* */
   uint32_t madv;         /* MSM_MADV_WILLNEED, _DONTNEED, __MSM_MADV_PURGED */
   uint32_t *madv_word;   /* guest-shared madvise state (msm_ctx_bo_share_madv) */
   uint64_t size;         /* page aligned */
   uint64_t hm_offset;    /* storage in hostmem (invalid once purged) */
   uint64_t iova;         /* 0: none assigned yet (assigned lazily) */
   uint32_t active_reads; /* unretired submits reading it */
   uint32_t active_writes;/* unretired submits writing it */
   char name[MSM_BO_NAME_LEN];
};

struct msm_queue {
   struct msm_ctx *ctx;
   uint32_t refcount;     /* the id + every unretired submit on it */
   uint32_t id;
   uint32_t prio;
   uint32_t ring;         /* prio / MSM_NR_SCHED_PRIORITIES */
   bool closed;
   uint32_t faults;       /* MSM_SUBMITQUEUE_PARAM_FAULTS */
   uint32_t last_fence;   /* most recently assigned (kernel: last_fence) */
   uint32_t next_fence;   /* kernel-assigned fences count up from 1 */
   uint32_t last_retired;
   struct msm_submit *inflight_head, *inflight_tail; /* submission order */
};

struct msm_submit_cmd {
   uint32_t type;
   uint64_t iova;         /* bo iova + offset */
   uint32_t ndwords;
};

struct msm_submit_bo {
   struct msm_bo *bo;
   uint32_t flags;        /* MSM_SUBMIT_BO_* */
};

/* A fence of the sim: done once ring `ring` retired core seqno `seqno`
 * (a ring runs and retires its submits in seqno order).  seqno 0 is the
 * already-signalled stub (drm_syncobj's dma_fence_get_stub()). */
struct msm_fence {
   uint32_t ring;
   uint64_t seqno;
};

/* A binary drm_syncobj: an optional fence (syncobj.c). */
struct msm_syncobj {
   uint32_t refcount;     /* the handle + every wait sleeping on it */
   bool has_fence;
   struct msm_fence fence;
   /* Fences ever attached, and the last one: a WAIT_FOR_SUBMIT that slept
    * through an attach and a reset still sees the attach. */
   uint64_t attached;
   struct msm_fence last;
};

/* A context's queued (not started) submits on one ring, in submission
 * order: the kernel's per-drm_file drm_sched_entity.  A ring serves the
 * entity with work that has had the least GPU time (sim.c), so a deep
 * backlog in one context delays another by at most the one submit that is
 * running, whatever the sizes of their submits.  Core lock. */
struct msm_entity {
   struct msm_submit *head, *tail;
   struct msm_entity *rr_next;  /* the ring's list of entities with work */
   uint64_t vruntime;           /* GPU ns used, never behind the ring's */
   bool queued;                 /* on that list */
   bool running;                /* its submit is on the GPU: it goes back
                                 * on the list (at the end) when that
                                 * retires, behind whoever came meanwhile */
};

struct msm_submit {
   struct msm_ctx *ctx;
   struct msm_queue *queue;
   uint32_t fence;
   uint64_t seqno;        /* core-wide submission order */
   /* In-fences (MSM_SUBMIT_SYNCOBJ_IN) on other rings, unsignalled at
    * submit time: per ring, the seqno that ring must retire before this
    * submit may run; NULL when there are none. */
   uint64_t *wait_seqno;
   bool retired;
   bool faulted;
   struct msm_submit *queue_next;  /* queue's in-flight list */
   struct msm_submit *ring_next;   /* its entity's run list */
   uint32_t nr_bos, nr_cmds;
   struct msm_submit_bo *bos;
   struct msm_submit_cmd *cmds;
};

/* A quota domain (msm_core.h).  refcount: the owner + each context that
 * is not yet freed.  Counters mirror the contexts' own. */
struct msm_vm {
   struct msm_core *core;
   uint32_t refcount;
   uint32_t contexts, bos, inflight, waits;
   uint64_t bo_bytes;
};

struct msm_ctx {
   struct msm_core *core;
   struct msm_vm *vm;     /* NULL: no VM quota */
   uint32_t refcount;     /* the owner + every unretired submit */
   bool closed;
   bool aborted;          /* msm_ctx_abort(): waits return -ENODEV */
   struct msm_ctx *next;  /* core's list */

   /* GEM handle table: index = handle, slot 0 unused */
   struct msm_bo **handles;
   uint32_t handles_cap;
   uint32_t next_handle;  /* search hint */
   uint32_t nr_bos;       /* live handles */
   uint64_t bo_bytes;     /* hostmem bytes behind those handles */

   struct range_mgr aspace; /* this drm_file's GPU address space */
   uint32_t faults;         /* aspace faults (MSM_PARAM_FAULTS) */

   struct msm_queue **queues; /* index = id */
   uint32_t queues_cap;
   uint32_t next_queue_id;
   uint32_t nr_queues;

   struct msm_arena arenas[MSM_MAX_ARENAS];
   uint32_t nr_arenas;

   /* syncobj handle table: index = handle, slot 0 unused */
   struct msm_syncobj **syncobjs;
   uint32_t syncobjs_cap;
   uint32_t next_syncobj;   /* search hint: no free handle below it */
   uint32_t nr_syncobjs;    /* live handles */

   uint32_t inflight;
   uint32_t sysprof;
   char *comm, *cmdline;

   /* Per ring: this context's queued submits, and the seqno of its last
    * retired one.  A context's submits on one ring run in submission order,
    * so its fences (always its own: syncobjs are per context) are signalled
    * exactly when ring_retired passes them, whatever other contexts do. */
   struct msm_entity *entities;
   uint64_t *ring_retired;

   msm_retire_cb retire_cb;
   void *retire_data;

   const struct msm_ctx_funcs *funcs; /* the backend's context layer */
   void *backend_ctx;     /* its per-context state, if it has any */
};

/* The context layer behind the public msm_ctx_* calls (msm_core.h), one
 * table per backend, as mesa's fd_device_funcs: the sim backend's is the
 * core's own model of Linux 6.1's msm driver (model_* in core.c, gem.c,
 * submit.c, syncobj.c), the drm backend's hands each call to the real
 * kernel as its ioctl (drm.c).  Entries take the msm_core.h arguments; a
 * NULL entry answers -EOPNOTSUPP (hostmem placement, say, on a kernel whose
 * BOs do not live in hostmem).  ctx_api.c is the only caller. */
struct msm_ctx_funcs {
   /* After the common part of msm_ctx_create(); a failure destroys the
    * context, so fini must cope with a half-made one. */
   int (*init)(struct msm_ctx *ctx);
   /* msm_ctx_destroy(), core lock held: handles and queues go now. */
   void (*fini)(struct msm_ctx *ctx);
   int (*get_param)(struct msm_ctx *ctx, struct drm_msm_param *args);
   int (*set_param)(struct msm_ctx *ctx, const struct drm_msm_param *args,
                    const char *str);
   int (*gem_new)(struct msm_ctx *ctx, struct drm_msm_gem_new *args);
   int (*arena_new)(struct msm_ctx *ctx, uint64_t size, uint64_t *offset);
   int (*gem_new_at)(struct msm_ctx *ctx, struct drm_msm_gem_new *args,
                     uint64_t hm_offset);
   int (*gem_info)(struct msm_ctx *ctx, struct drm_msm_gem_info *args,
                   char *name);
   int (*gem_cpu_prep)(struct msm_ctx *ctx,
                       const struct drm_msm_gem_cpu_prep *args);
   int (*gem_cpu_fini)(struct msm_ctx *ctx,
                       const struct drm_msm_gem_cpu_fini *args);
   int (*gem_madvise)(struct msm_ctx *ctx, struct drm_msm_gem_madvise *args);
   int (*gem_close)(struct msm_ctx *ctx, uint32_t handle);
   int (*bo_hostmem)(struct msm_ctx *ctx, uint32_t handle, uint64_t *offset,
                     uint64_t *size);
   int (*bo_flags)(struct msm_ctx *ctx, uint32_t handle, uint32_t *flags);
   int (*bo_map)(struct msm_ctx *ctx, uint32_t handle, void **ptr);
   int (*bo_share_madv)(struct msm_ctx *ctx, uint32_t handle,
                        uint64_t hm_offset);
   int (*submitqueue_new)(struct msm_ctx *ctx,
                          struct drm_msm_submitqueue *args);
   int (*submitqueue_close)(struct msm_ctx *ctx, uint32_t id);
   int (*submitqueue_query)(struct msm_ctx *ctx,
                            struct drm_msm_submitqueue_query *args,
                            void *data);
   int (*queue_completed)(struct msm_ctx *ctx, uint32_t id, uint32_t *fence);
   /* NULL: a kernel behind us throttles by itself (UINT32_MAX). */
   uint32_t (*submit_room)(struct msm_ctx *ctx);
   int (*gem_submit_syncobjs)(struct msm_ctx *ctx,
                              struct drm_msm_gem_submit *args,
                              const struct drm_msm_gem_submit_bo *bos,
                              const struct drm_msm_gem_submit_cmd *cmds,
                              const struct drm_msm_gem_submit_syncobj *in,
                              const struct drm_msm_gem_submit_syncobj *out);
   int (*wait_fence)(struct msm_ctx *ctx,
                     const struct drm_msm_wait_fence *args);
   int (*syncobj_create)(struct msm_ctx *ctx, struct drm_syncobj_create *args);
   int (*syncobj_destroy)(struct msm_ctx *ctx,
                          const struct drm_syncobj_destroy *args);
   int (*syncobj_wait)(struct msm_ctx *ctx, struct drm_syncobj_wait *args,
                       const uint32_t *handles);
   int (*syncobj_reset)(struct msm_ctx *ctx,
                        const struct drm_syncobj_array *args,
                        const uint32_t *handles);
   int (*syncobj_signal)(struct msm_ctx *ctx,
                         const struct drm_syncobj_array *args,
                         const uint32_t *handles);
};

extern const struct msm_ctx_funcs msm_model_ctx_funcs;

/* The model's entries (core.c, gem.c, submit.c, syncobj.c). */
int model_get_param(struct msm_ctx *ctx, struct drm_msm_param *args);
int model_set_param(struct msm_ctx *ctx, const struct drm_msm_param *args,
                    const char *str);
int model_gem_new(struct msm_ctx *ctx, struct drm_msm_gem_new *args);
int model_arena_new(struct msm_ctx *ctx, uint64_t size, uint64_t *offset);
int model_gem_new_at(struct msm_ctx *ctx, struct drm_msm_gem_new *args,
                     uint64_t hm_offset);
int model_gem_info(struct msm_ctx *ctx, struct drm_msm_gem_info *args,
                   char *name);
int model_gem_cpu_prep(struct msm_ctx *ctx,
                       const struct drm_msm_gem_cpu_prep *args);
int model_gem_cpu_fini(struct msm_ctx *ctx,
                       const struct drm_msm_gem_cpu_fini *args);
int model_gem_madvise(struct msm_ctx *ctx, struct drm_msm_gem_madvise *args);
int model_gem_close(struct msm_ctx *ctx, uint32_t handle);
int model_bo_hostmem(struct msm_ctx *ctx, uint32_t handle, uint64_t *offset,
                     uint64_t *size);
int model_bo_flags(struct msm_ctx *ctx, uint32_t handle, uint32_t *flags);
int model_bo_map(struct msm_ctx *ctx, uint32_t handle, void **ptr);
int model_bo_share_madv(struct msm_ctx *ctx, uint32_t handle,
                        uint64_t hm_offset);
int model_submitqueue_new(struct msm_ctx *ctx,
                          struct drm_msm_submitqueue *args);
int model_submitqueue_close(struct msm_ctx *ctx, uint32_t id);
int model_submitqueue_query(struct msm_ctx *ctx,
                            struct drm_msm_submitqueue_query *args,
                            void *data);
int model_queue_completed(struct msm_ctx *ctx, uint32_t id, uint32_t *fence);
uint32_t model_submit_room(struct msm_ctx *ctx);
int model_gem_submit_syncobjs(struct msm_ctx *ctx,
                              struct drm_msm_gem_submit *args,
                              const struct drm_msm_gem_submit_bo *bos,
                              const struct drm_msm_gem_submit_cmd *cmds,
                              const struct drm_msm_gem_submit_syncobj *in,
                              const struct drm_msm_gem_submit_syncobj *out);
int model_wait_fence(struct msm_ctx *ctx,
                     const struct drm_msm_wait_fence *args);
int model_syncobj_create(struct msm_ctx *ctx, struct drm_syncobj_create *args);
int model_syncobj_destroy(struct msm_ctx *ctx,
                          const struct drm_syncobj_destroy *args);
int model_syncobj_wait(struct msm_ctx *ctx, struct drm_syncobj_wait *args,
                       const uint32_t *handles);
int model_syncobj_reset(struct msm_ctx *ctx,
                        const struct drm_syncobj_array *args,
                        const uint32_t *handles);
int model_syncobj_signal(struct msm_ctx *ctx,
                         const struct drm_syncobj_array *args,
                         const uint32_t *handles);

struct msm_backend_ops {
   const char *name;
   /* Who serves the contexts: msm_model_ctx_funcs (the core's own model,
    * the backend only stores and executes) or the backend's own table. */
   const struct msm_ctx_funcs *ctx_funcs;
   int (*init)(struct msm_core *core);
   void (*fini)(struct msm_core *core);
   /* Queue a validated, referenced submit for execution (core lock held);
    * the backend calls msm_submit_retire[_locked]() when it is done. */
   void (*submit)(struct msm_core *core, struct msm_submit *submit);
   /* Optional, core lock held: the context is closing or its guest is gone;
    * retire (cancelled) every submit of it that has not started, as the
    * kernel's scheduler does when a drm_file closes. */
   void (*cancel)(struct msm_core *core, struct msm_ctx *ctx);
   /* The GPU's always-on counter (MSM_PARAM_TIMESTAMP). */
   uint64_t (*timestamp)(struct msm_core *core);
};

extern const struct msm_backend_ops msm_sim_backend;
extern const struct msm_backend_ops msm_drm_backend;


struct msm_core {
   pthread_mutex_t lock;
   pthread_cond_t retire_cond; /* broadcast on every retire */
   struct msm_core_config cfg;
   const struct msm_chip *chip;
   const struct msm_backend_ops *backend;
   void *backend_priv;
   struct hostmem hostmem;

   char *backend_arg;          /* e.g. the drm backend's node path */
   struct msm_ctx *contexts;
   uint32_t nr_contexts;
   uint32_t nr_bos;            /* live BO objects, closed-but-busy included */
   uint32_t nr_queues;
   uint32_t inflight;
   uint64_t submits, retired, faults, purged, seqno;
   uint64_t cancelled;         /* retired without running (context closed) */
   uint32_t global_faults;
   uint32_t nr_syncobjs;       /* live syncobjs, all contexts */
   /* What the sim's CP executed, all submits (msm_core_pm4_coverage); its
    * own lock, so the GPU threads need not hold the core lock to add. */
   pthread_mutex_t cov_lock;
   struct cp_coverage pm4_cov;
};
void msm_core_add_coverage(struct msm_core *core, const struct cp_coverage *c);

/* Internal API between the context layer files and the backends. */
void msm_submit_retire(struct msm_core *core, struct msm_submit *submit,
                       bool faulted);
/* The same with the core lock held; cancelled: it never ran. */
void msm_submit_retire_locked(struct msm_core *core, struct msm_submit *submit,
                              bool faulted, bool cancelled);
void msm_bo_unref_locked(struct msm_core *core, struct msm_bo *bo);
void msm_ctx_unref_locked(struct msm_ctx *ctx);
void msm_queue_unref_locked(struct msm_queue *q);
struct msm_bo *msm_ctx_lookup_bo(struct msm_ctx *ctx, uint32_t handle);
struct msm_queue *msm_ctx_lookup_queue(struct msm_ctx *ctx, uint32_t id);
int msm_bo_get_iova_locked(struct msm_bo *bo, uint64_t *iova);
void msm_ctx_close_queues_locked(struct msm_ctx *ctx);
void msm_ctx_close_bos_locked(struct msm_ctx *ctx);
int msm_core_shrink_locked(struct msm_core *core);
void msm_ctx_arenas_release_locked(struct msm_ctx *ctx);

/* vm.c: quota checks (0 or the errno) and accounting; vm may be NULL. */
int msm_vm_check_bo_locked(const struct msm_ctx *ctx, uint64_t bytes);
int msm_vm_check_bytes_locked(const struct msm_ctx *ctx, uint64_t bytes);
void msm_ctx_charge_locked(struct msm_ctx *ctx, int64_t bytes, int bos);
void msm_vm_unref_locked(struct msm_vm *vm);

/* syncobj.c */
bool msm_fence_signalled_locked(const struct msm_ctx *ctx,
                                const struct msm_fence *f);
struct msm_syncobj *msm_ctx_lookup_syncobj(struct msm_ctx *ctx,
                                           uint32_t handle);
void msm_syncobj_unref_locked(struct msm_core *core, struct msm_syncobj *so);
void msm_syncobj_replace_fence_locked(struct msm_core *core,
                                      struct msm_syncobj *so,
                                      const struct msm_fence *f);
void msm_ctx_close_syncobjs_locked(struct msm_ctx *ctx);
/* May the backend run this submit: its in-fences on other rings done? */
bool msm_submit_ready_locked(const struct msm_submit *s);

uint64_t msm_now_ns(void);
/* The facts the argument rules (msm_rules.h) need, from the chip and the
 * configured limits. */
struct msm_rules_caps msm_core_rules_caps(const struct msm_core *core);
/* A ktime deadline as pthread_cond_timedwait() takes it (CLOCK_MONOTONIC);
 * one before the clock's start is its start, which has passed. */
struct timespec;
struct timespec msm_ktime_to_abstime(int64_t kt);
/* No time left before the deadline: timeout_to_jiffies() would give 0. */
bool msm_ktime_passed(int64_t kt);

#endif
