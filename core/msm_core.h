/*
 * msm_core.h - the host-side msm backend core.
 *
 * One msm_core per host daemon: a backend (sim or drm), the hostmem region
 * that holds every mappable BO, and the contexts.  One msm_ctx per guest
 * drm_file: its own GEM handle table, GPU address space and submit queues.
 *
 * The msm_ctx_* calls take the kernel uapi structs (msm_drm.h) and behave
 * like the msm ioctls, including their errno values.  Pointer fields inside
 * those structs are ignored: the caller (a front end) has already copied the
 * arrays/strings out of guest memory and passes them as separate arguments.
 * Every call returns 0 or a negative errno and never trusts its input.
 */
#ifndef MSMVIRT_CORE_H
#define MSMVIRT_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "msm_drm.h"

#ifdef __cplusplus
extern "C" {
#endif

struct msm_core;
struct msm_ctx;

/* Per-context caps.  Zero fields take the defaults below. */
struct msm_limits {
   uint32_t max_bos;         /* live GEM objects per context        -> ENOMEM */
   uint64_t max_bo_bytes;    /* hostmem bytes per context           -> ENOMEM */
   uint64_t max_bo_size;     /* one GEM object                      -> ENOMEM */
   uint32_t max_submit_bos;  /* bos[] entries per GEM_SUBMIT        -> E2BIG  */
   uint32_t max_submit_cmds; /* cmds[] entries per GEM_SUBMIT       -> E2BIG  */
   uint32_t max_queues;      /* submit queues per context           -> ENOMEM */
   uint32_t max_contexts;    /* contexts per core                   -> ENOMEM */
   uint32_t max_inflight;    /* unretired submits per context       -> EAGAIN */
   uint32_t max_syncobjs;    /* live syncobjs per context           -> ENOMEM */
   uint32_t max_submit_syncobjs; /* in/out_syncobjs per GEM_SUBMIT  -> E2BIG  */
   uint32_t max_syncobj_handles; /* handles[] per SYNCOBJ_WAIT/RESET/
                                    SIGNAL                         -> E2BIG  */
};

/* Bounds of Linux 6.1's msm uapi that every side checks (guest marshaller,
 * guest libraries, host core): one definition each. */
#define MSM_PAGE_SIZE      4096ull /* GEM_NEW sizes are PAGE_ALIGNed */
#define MSM_PAGE_ALIGN(x)  (((x) + MSM_PAGE_SIZE - 1) & ~(MSM_PAGE_SIZE - 1))
#define MSM_BO_NAME_LEN    32      /* sizeof(msm_gem_object.name) */
#define MSM_PARAM_STR_MAX  4096    /* SET_PARAM COMM/CMDLINE: len > PAGE_SIZE
                                      is EINVAL (adreno_set_param) */

#define MSM_DEFAULT_MAX_BOS         65536
#define MSM_DEFAULT_MAX_BO_BYTES    (1ull << 30)
#define MSM_DEFAULT_MAX_BO_SIZE     (256ull << 20)
#define MSM_DEFAULT_MAX_SUBMIT_BOS  4096
#define MSM_DEFAULT_MAX_SUBMIT_CMDS 256
#define MSM_DEFAULT_MAX_QUEUES      64
#define MSM_DEFAULT_MAX_CONTEXTS    256
#define MSM_DEFAULT_MAX_INFLIGHT    1024
#define MSM_DEFAULT_MAX_SYNCOBJS    65536
#define MSM_DEFAULT_MAX_SUBMIT_SYNCOBJS 256
#define MSM_DEFAULT_MAX_SYNCOBJ_HANDLES 4096

/* Per-VM quotas: what all the contexts of one guest (one host connection:
 * a VM, or a guest process on the unix socket) may hold together, on top
 * of the per-context limits above.  Zero fields take the defaults below,
 * chosen so that MSM_VM_SERVICEABLE guests at their quota still leave the
 * core's global resources (max_contexts, hostmem) to one more. */
struct msm_vm_quota {
   uint32_t max_contexts;    /* contexts (drm_files)                -> ENOMEM */
   uint64_t max_bo_bytes;    /* hostmem bytes, BOs and arenas       -> ENOMEM */
   uint32_t max_bos;         /* live GEM objects                    -> ENOMEM */
   uint32_t max_inflight;    /* unretired submits                   -> EAGAIN */
   uint32_t max_waits;       /* blocking waits queued or sleeping   -> EAGAIN */
};

#define MSM_VM_SERVICEABLE 2
#define MSM_DEFAULT_VM_CONTEXTS  (MSM_DEFAULT_MAX_CONTEXTS / (MSM_VM_SERVICEABLE + 1))
/* max_bo_bytes: hostmem_size / (MSM_VM_SERVICEABLE + 1) */
#define MSM_DEFAULT_VM_BOS       (1u << 18)
#define MSM_DEFAULT_VM_INFLIGHT  4096
#define MSM_DEFAULT_VM_WAITS     256

/* The sim backend's timing model. */
struct msm_sim_timing {
   uint64_t submit_ns; /* fixed cost of every submit on the "GPU" */
   uint64_t dword_ns;  /* cost per executed cmdstream dword */
};

struct msm_core_config {
   const char *backend;      /* "sim" (default); "drm:/dev/dri/renderDN" later */
   const char *chip;         /* "a618", "a630" (default), "a650", "a660" */
   uint64_t hostmem_size;    /* bytes of mappable BO memory (default 256 MiB) */
   const char *hostmem_path; /* back hostmem with this file (ivshmem); NULL: memfd */
   struct msm_limits limits;
   struct msm_vm_quota vm_quota;
   struct msm_sim_timing sim;
   bool allow_sysprof;       /* SET_PARAM SYSPROF needs CAP_SYS_ADMIN: EPERM unless set */
};

void msm_core_config_defaults(struct msm_core_config *cfg);
int msm_core_create(const struct msm_core_config *cfg, struct msm_core **out);
void msm_core_destroy(struct msm_core *core);

/* Live-object counters: what tests use to prove nothing leaked. */
struct msm_core_stats {
   uint32_t contexts;
   uint32_t bos;          /* live GEM objects, including closed-but-busy ones */
   uint32_t queues;
   uint32_t inflight;     /* submitted, not yet retired */
   uint64_t hostmem_used; /* bytes */
   uint64_t hostmem_size;
   uint64_t submits;      /* total accepted */
   uint64_t retired;
   uint64_t faults;       /* total GPU faults */
   uint64_t purged;       /* BOs whose storage the shrinker took */
   uint32_t syncobjs;     /* live syncobjs */
   uint64_t cancelled;    /* submits retired unrun: their context closed */
};
void msm_core_get_stats(struct msm_core *core, struct msm_core_stats *st);
/* The PM4 coverage report of every submit the sim executed so far (which
 * opcodes and register blocks it modelled, skipped, faulted on) as text;
 * snprintf-like.  Empty counters on the drm backend. */
int msm_core_pm4_coverage(struct msm_core *core, char *buf, size_t cap);
/* The per-context caps in force (defaults filled in), e.g. for a guest that
 * checks requests itself before sending them asynchronously. */
void msm_core_limits(struct msm_core *core, struct msm_limits *limits);

/* The hostmem region: every mappable BO lives at an offset inside it. */
struct msm_hostmem_info {
   void *base;
   uint64_t size;
   int fd; /* memfd or file descriptor backing it (shareable), -1 if none */
};
void msm_core_hostmem(struct msm_core *core, struct msm_hostmem_info *info);

/* Reclaim the storage of idle MADV_DONTNEED objects, as the kernel shrinker
 * would under memory pressure.  Returns the number of objects purged. */
int msm_core_shrink(struct msm_core *core);

/* A VM: the quota domain of one guest connection (msm_vm_quota).  Its
 * contexts count against it until they are gone; destroy it after them
 * (objects still busy on the GPU keep it alive until they retire). */
struct msm_vm;
int msm_vm_create(struct msm_core *core, struct msm_vm **out);
void msm_vm_destroy(struct msm_vm *vm);
struct msm_vm_stats {
   uint32_t contexts, bos, inflight, waits;
   uint64_t bo_bytes;
};
void msm_vm_get_stats(struct msm_vm *vm, struct msm_vm_stats *st);
void msm_core_vm_quota(struct msm_core *core, struct msm_vm_quota *quota);
/* A front end's blocking wait (queued or sleeping) for the VM's max_waits:
 * 0 or -EAGAIN; every successful get is matched by a put. */
int msm_vm_wait_get(struct msm_vm *vm);
void msm_vm_wait_put(struct msm_vm *vm);

/* Contexts: one per guest drm_file; vm may be NULL (no VM quota). */
int msm_ctx_create(struct msm_core *core, struct msm_ctx **out);
int msm_ctx_create_vm(struct msm_core *core, struct msm_vm *vm,
                      struct msm_ctx **out);
void msm_ctx_destroy(struct msm_ctx *ctx);
/* The guest behind the context is gone: every wait on it (WAIT_FENCE,
 * CPU_PREP, SYNCOBJ_WAIT, a throttled submit) returns -ENODEV now and from
 * now on, so the
 * threads serving it can finish before msm_ctx_destroy().  The kernel never
 * needs this (a drm_file closes only when no ioctl runs on it); a host
 * serving a guest that was killed mid-ioctl does. */
void msm_ctx_abort(struct msm_ctx *ctx);

/* The ioctls.  String/array arguments are already-copied host buffers. */
int msm_ctx_get_param(struct msm_ctx *ctx, struct drm_msm_param *args);
/* str: args->len bytes for COMM/CMDLINE (need not be NUL-terminated). */
int msm_ctx_set_param(struct msm_ctx *ctx, const struct drm_msm_param *args,
                      const char *str);
int msm_ctx_gem_new(struct msm_ctx *ctx, struct drm_msm_gem_new *args);
/* name: SET_NAME reads args->len bytes from it, GET_NAME writes up to
 * args->len bytes into it (may be NULL when args->value is 0). */
int msm_ctx_gem_info(struct msm_ctx *ctx, struct drm_msm_gem_info *args,
                     char *name);
int msm_ctx_gem_cpu_prep(struct msm_ctx *ctx,
                         const struct drm_msm_gem_cpu_prep *args);
int msm_ctx_gem_cpu_fini(struct msm_ctx *ctx,
                         const struct drm_msm_gem_cpu_fini *args);
int msm_ctx_gem_madvise(struct msm_ctx *ctx, struct drm_msm_gem_madvise *args);
int msm_ctx_gem_close(struct msm_ctx *ctx, uint32_t handle);
/* bos/cmds: args->nr_bos / args->nr_cmds copied entries.  args->fence is
 * written back (or read, with MSM_SUBMIT_FENCE_SN_IN). */
int msm_ctx_gem_submit(struct msm_ctx *ctx, struct drm_msm_gem_submit *args,
                       const struct drm_msm_gem_submit_bo *bos,
                       const struct drm_msm_gem_submit_cmd *cmds);
/* The same with MSM_SUBMIT_SYNCOBJ_IN / _OUT: in/out are args->nr_in_syncobjs
 * / nr_out_syncobjs copied entries in canonical layout (the caller applied
 * args->syncobj_stride while copying; NULL where the flag is clear).
 * msm_ctx_gem_submit() is this with in = out = NULL. */
int msm_ctx_gem_submit_syncobjs(struct msm_ctx *ctx,
                                struct drm_msm_gem_submit *args,
                                const struct drm_msm_gem_submit_bo *bos,
                                const struct drm_msm_gem_submit_cmd *cmds,
                                const struct drm_msm_gem_submit_syncobj *in,
                                const struct drm_msm_gem_submit_syncobj *out);
int msm_ctx_wait_fence(struct msm_ctx *ctx,
                       const struct drm_msm_wait_fence *args);

/* An msm uapi deadline (WAIT_FENCE, GEM_CPU_PREP: absolute CLOCK_MONOTONIC)
 * as Linux 6.1 reads it: msm's to_ktime() is ktime_set(), which validates
 * nothing.  tv_sec >= KTIME_SEC_MAX is KTIME_MAX ("never"); everything else,
 * negative or unnormalized fields included, is tv_sec * 1e9 + tv_nsec in
 * wrapping s64 arithmetic.  A deadline before now is "no time left"
 * (timeout_to_jiffies() gives 0), never an error. */
#define MSM_KTIME_MAX     INT64_MAX
#define MSM_KTIME_SEC_MAX (MSM_KTIME_MAX / 1000000000ll)
int64_t msm_timespec_to_ktime(const struct drm_msm_timespec *t);
/* The inverse, normalized (0 <= tv_nsec < 1e9): what a host writes back
 * after moving a deadline between clocks. */
struct drm_msm_timespec msm_ktime_to_timespec(int64_t kt);
int msm_ctx_submitqueue_new(struct msm_ctx *ctx,
                            struct drm_msm_submitqueue *args);
int msm_ctx_submitqueue_close(struct msm_ctx *ctx, uint32_t id);
/* data: output buffer of args->len bytes (may be NULL when args->len is 0). */
int msm_ctx_submitqueue_query(struct msm_ctx *ctx,
                              struct drm_msm_submitqueue_query *args,
                              void *data);

/* DRM syncobjs (drm_syncobj.c, binary only: no DRIVER_SYNCOBJ_TIMELINE).
 * Per-context handles, each holding an optional fence: one of this core's
 * submits (MSM_SUBMIT_SYNCOBJ_OUT), or an already signalled one
 * (CREATE_SIGNALED, SIGNAL).  They die with their context.  handles:
 * args->count_handles copied u32 handles.  WAIT's timeout_nsec is an
 * absolute CLOCK_MONOTONIC time (0 or past: poll) and it fails with -ETIME
 * (not -ETIMEDOUT) when it passes, as the kernel does.  No fd export or
 * import: a front end answers HANDLE_TO_FD / FD_TO_HANDLE itself. */
int msm_ctx_syncobj_create(struct msm_ctx *ctx, struct drm_syncobj_create *args);
int msm_ctx_syncobj_destroy(struct msm_ctx *ctx,
                            const struct drm_syncobj_destroy *args);
int msm_ctx_syncobj_wait(struct msm_ctx *ctx, struct drm_syncobj_wait *args,
                         const uint32_t *handles);
int msm_ctx_syncobj_reset(struct msm_ctx *ctx,
                          const struct drm_syncobj_array *args,
                          const uint32_t *handles);
int msm_ctx_syncobj_signal(struct msm_ctx *ctx,
                           const struct drm_syncobj_array *args,
                           const uint32_t *handles);

/* Front-end helpers (not ioctls). */

/* Hostmem arenas (nativectx): a context may own ranges of hostmem inside
 * which its guest picks BO storage offsets itself, as a virtio-gpu guest
 * kernel manages its host-visible BAR, so mapping a new BO needs no answer
 * from the host.  An arena counts against the context's max_bo_bytes;
 * -ENOMEM when hostmem or the limit is exhausted, -E2BIG past
 * MSM_MAX_ARENAS.  Arenas live until the context's last object is gone. */
#define MSM_MAX_ARENAS 16
int msm_ctx_arena_new(struct msm_ctx *ctx, uint64_t size, uint64_t *offset);
/* GEM_NEW whose storage is [hm_offset, hm_offset + size) inside one of the
 * context's arenas: -EINVAL if unaligned or not inside one arena, -ENOSPC if
 * it overlaps another object there.  The bytes already there are kept (the
 * guest may have written them before this request reached the host): arena
 * memory is zero when the arena is made and never held another context's
 * data, so nothing leaks; zeroing reused ranges is the guest's business. */
int msm_ctx_gem_new_at(struct msm_ctx *ctx, struct drm_msm_gem_new *args,
                       uint64_t hm_offset);

/* Where a BO's storage lives in hostmem.  -ENOENT bad handle, -EBUSY purged. */
int msm_ctx_bo_hostmem(struct msm_ctx *ctx, uint32_t handle, uint64_t *offset,
                       uint64_t *size);
/* Keep a BO's madvise state in a 32-bit word of shared memory (hostmem
 * offset, 4-aligned, inside one of the context's arenas) that the guest
 * flips itself: WILLNEED <-> DONTNEED with compare-and-swap, no message.
 * The shrinker purges such a BO only by swapping DONTNEED -> PURGED in the
 * word, so the two sides can never disagree about whether the pages
 * survived.  The word is detached when the handle closes.  -EINVAL bad
 * offset, -ENOENT bad handle, -EOPNOTSUPP on pass-through backends. */
int msm_ctx_bo_share_madv(struct msm_ctx *ctx, uint32_t handle,
                          uint64_t hm_offset);
/* A CPU pointer to a BO's storage, valid until it is closed: in hostmem for
 * the sim backend, the drm node's mmap for the drm backend.  -ENOENT bad
 * handle, -EBUSY purged. */
int msm_ctx_bo_map(struct msm_ctx *ctx, uint32_t handle, void **ptr);
/* The msm_drm.h flags a BO was created with. */
int msm_ctx_bo_flags(struct msm_ctx *ctx, uint32_t handle, uint32_t *flags);
/* How many more submits the context may make before GEM_SUBMIT would wait
 * for one to retire (max_inflight): a front end serving several contexts
 * on one thread defers a request that would wait rather than block the
 * others.  Only the context's own submits lower it. */
uint32_t msm_ctx_submit_room(struct msm_ctx *ctx);
/* The last fence the GPU retired on a queue (for publishing to a guest). */
int msm_ctx_queue_completed(struct msm_ctx *ctx, uint32_t queue_id,
                            uint32_t *fence);

/* The COMM / CMDLINE strings SET_PARAM stored (NULL if never set); owned by
 * the context, valid until the next SET_PARAM or msm_ctx_destroy(). */
int msm_ctx_debuginfo(struct msm_ctx *ctx, const char **comm,
                      const char **cmdline);

/* Called (from the GPU thread) each time a submit of this context retires;
 * front ends use it to signal guests.  May be NULL. */
/* It runs with the core's lock held: it must not call back into the core.
 * faults is the context's MSM_PARAM_FAULTS after this submit. */
typedef void (*msm_retire_cb)(void *data, uint32_t queue_id, uint32_t fence,
                              uint32_t faults);
void msm_ctx_set_retire_cb(struct msm_ctx *ctx, msm_retire_cb cb, void *data);

/* Chip table (values consistent with mesa 22.3's freedreno device table and
 * the 6.1 kernel's adreno_device.c). */
struct msm_chip {
   const char *name;
   uint32_t gpu_id;
   uint64_t chip_id;
   uint32_t gmem_size;
   uint64_t gmem_base;
   uint64_t max_freq;
   uint32_t nr_rings;
   uint64_t va_start;
   uint64_t va_size;
   bool has_cached_coherent;
};
const struct msm_chip *msm_chip_lookup(const char *name);
const struct msm_chip *msm_chip_table(unsigned *count);
const struct msm_chip *msm_core_chip(struct msm_core *core);

/* Kernel: PRIORITIES = nr_rings * NR_SCHED_PRIORITIES. */
#define MSM_NR_SCHED_PRIORITIES 3

#ifdef __cplusplus
}
#endif

#endif
