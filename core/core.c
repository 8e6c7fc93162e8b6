/*
 * core.c - the core and its contexts: lifecycle, params, counters.
 *
 * GEM objects live in gem.c, submit queues / submits / fences in submit.c,
 * syncobjs in syncobj.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core_priv.h"

uint64_t
msm_now_ns(void)
{
   struct timespec ts;
   clock_gettime(CLOCK_MONOTONIC, &ts);
   return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int64_t
msm_timespec_to_ktime(const struct drm_msm_timespec *t)
{
   if (t->tv_sec >= MSM_KTIME_SEC_MAX)
      return MSM_KTIME_MAX;
   /* The kernel builds with -fno-strict-overflow: s64 arithmetic wraps. */
   return (int64_t)((uint64_t)t->tv_sec * 1000000000ull + (uint64_t)t->tv_nsec);
}

struct drm_msm_timespec
msm_ktime_to_timespec(int64_t kt)
{
   int64_t sec = kt / 1000000000ll, nsec = kt % 1000000000ll;

   if (nsec < 0) {
      sec--;
      nsec += 1000000000ll;
   }
   return (struct drm_msm_timespec){ .tv_sec = sec, .tv_nsec = nsec };
}

struct timespec
msm_ktime_to_abstime(int64_t kt)
{
   if (kt <= 0)
      return (struct timespec){ 0, 0 };
   return (struct timespec){ (time_t)(kt / 1000000000ll),
                             (long)(kt % 1000000000ll) };
}

bool
msm_ktime_passed(int64_t kt)
{
   return kt <= 0 || (uint64_t)kt <= msm_now_ns();
}

struct msm_rules_caps
msm_core_rules_caps(const struct msm_core *core)
{
   const struct msm_limits *l = &core->cfg.limits;

   return (struct msm_rules_caps){
      .has_cached_coherent = core->chip->has_cached_coherent,
      .max_bo_size = l->max_bo_size,
      .max_submit_bos = l->max_submit_bos,
      .max_submit_cmds = l->max_submit_cmds,
      .max_submit_syncobjs = l->max_submit_syncobjs,
   };
}

void
msm_core_config_defaults(struct msm_core_config *cfg)
{
   memset(cfg, 0, sizeof(*cfg));
   cfg->backend = "sim";
   cfg->chip = "a630";
   cfg->hostmem_size = 256ull << 20;
   cfg->sim.submit_ns = 0;
   cfg->sim.dword_ns = 0;
}

static void
vm_quota_defaults(struct msm_vm_quota *q, uint64_t hostmem_size)
{
   if (!q->max_contexts)
      q->max_contexts = MSM_DEFAULT_VM_CONTEXTS;
   if (!q->max_bo_bytes)
      q->max_bo_bytes = hostmem_size / (MSM_VM_SERVICEABLE + 1);
   if (!q->max_bos)
      q->max_bos = MSM_DEFAULT_VM_BOS;
   if (!q->max_inflight)
      q->max_inflight = MSM_DEFAULT_VM_INFLIGHT;
   if (!q->max_waits)
      q->max_waits = MSM_DEFAULT_VM_WAITS;
}

static void
limits_defaults(struct msm_limits *l)
{
#define DEF(f, v) if (!l->f) l->f = v
   DEF(max_bos, MSM_DEFAULT_MAX_BOS);
   DEF(max_bo_bytes, MSM_DEFAULT_MAX_BO_BYTES);
   DEF(max_bo_size, MSM_DEFAULT_MAX_BO_SIZE);
   DEF(max_submit_bos, MSM_DEFAULT_MAX_SUBMIT_BOS);
   DEF(max_submit_cmds, MSM_DEFAULT_MAX_SUBMIT_CMDS);
   DEF(max_queues, MSM_DEFAULT_MAX_QUEUES);
   DEF(max_contexts, MSM_DEFAULT_MAX_CONTEXTS);
   DEF(max_inflight, MSM_DEFAULT_MAX_INFLIGHT);
   DEF(max_syncobjs, MSM_DEFAULT_MAX_SYNCOBJS);
   DEF(max_submit_syncobjs, MSM_DEFAULT_MAX_SUBMIT_SYNCOBJS);
   DEF(max_syncobj_handles, MSM_DEFAULT_MAX_SYNCOBJ_HANDLES);
#undef DEF
}

int
msm_core_create(const struct msm_core_config *cfg_in, struct msm_core **out)
{
   struct msm_core_config cfg;
   struct msm_core *core;
   pthread_condattr_t attr;
   int ret;

   if (cfg_in)
      cfg = *cfg_in;
   else
      msm_core_config_defaults(&cfg);
   if (!cfg.backend)
      cfg.backend = "sim";
   if (!cfg.hostmem_size)
      cfg.hostmem_size = 256ull << 20;
   limits_defaults(&cfg.limits);
   /* One drm_file can never be promised more than there is. */
   if (cfg.limits.max_bo_bytes > cfg.hostmem_size)
      cfg.limits.max_bo_bytes = cfg.hostmem_size;
   vm_quota_defaults(&cfg.vm_quota, cfg.hostmem_size);

   core = calloc(1, sizeof(*core));
   if (!core)
      return -ENOMEM;
   core->cfg = cfg;

   core->chip = msm_chip_lookup(cfg.chip);
   if (!core->chip) {
      free(core);
      return -ENODEV;
   }
   if (!strcmp(cfg.backend, "sim")) {
      core->backend = &msm_sim_backend;
   } else if (!strncmp(cfg.backend, "drm:", 4) && cfg.backend[4]) {
      core->backend = &msm_drm_backend;
      core->backend_arg = strdup(cfg.backend + 4);
      if (!core->backend_arg) {
         free(core);
         return -ENOMEM;
      }
   } else {
      free(core);
      return -ENODEV;
   }

   pthread_mutex_init(&core->lock, NULL);
   pthread_mutex_init(&core->cov_lock, NULL);
   pthread_condattr_init(&attr);
   pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
   pthread_cond_init(&core->retire_cond, &attr);
   pthread_condattr_destroy(&attr);

   ret = hostmem_init(&core->hostmem, cfg.hostmem_size, cfg.hostmem_path);
   if (ret)
      goto fail;
   ret = core->backend->init(core);
   if (ret) {
      hostmem_fini(&core->hostmem);
      goto fail;
   }
   /* Do not keep pointers into the caller's config. */
   core->cfg.hostmem_path = NULL;
   core->cfg.chip = core->chip->name;
   core->cfg.backend = core->backend->name;
   *out = core;
   return 0;

fail:
   pthread_cond_destroy(&core->retire_cond);
   pthread_mutex_destroy(&core->cov_lock);
   pthread_mutex_destroy(&core->lock);
   free(core->backend_arg);
   free(core);
   return ret;
}

void
msm_core_destroy(struct msm_core *core)
{
   if (!core)
      return;
   /* Contexts a front end forgot: close them like a dying process would. */
   while (core->contexts)
      msm_ctx_destroy(core->contexts);
   /* Stops the GPU threads after they retired everything queued. */
   core->backend->fini(core);
   hostmem_fini(&core->hostmem);
   pthread_cond_destroy(&core->retire_cond);
   pthread_mutex_destroy(&core->cov_lock);
   pthread_mutex_destroy(&core->lock);
   free(core->backend_arg);
   free(core);
}

void
msm_core_add_coverage(struct msm_core *core, const struct cp_coverage *c)
{
   pthread_mutex_lock(&core->cov_lock);
   cp_coverage_add(&core->pm4_cov, c);
   pthread_mutex_unlock(&core->cov_lock);
}

int
msm_core_pm4_coverage(struct msm_core *core, char *buf, size_t cap)
{
   struct cp_coverage cov;

   pthread_mutex_lock(&core->cov_lock);
   cov = core->pm4_cov;
   pthread_mutex_unlock(&core->cov_lock);
   return cp_coverage_format(&cov, buf, cap);
}

void
msm_core_get_stats(struct msm_core *core, struct msm_core_stats *st)
{
   pthread_mutex_lock(&core->lock);
   st->contexts = core->nr_contexts;
   st->bos = core->nr_bos;
   st->queues = core->nr_queues;
   st->inflight = core->inflight;
   st->hostmem_used = core->hostmem.alloc.used;
   st->hostmem_size = core->hostmem.size;
   st->submits = core->submits;
   st->retired = core->retired;
   st->faults = core->faults;
   st->purged = core->purged;
   st->syncobjs = core->nr_syncobjs;
   st->cancelled = core->cancelled;
   pthread_mutex_unlock(&core->lock);
}

void
msm_core_limits(struct msm_core *core, struct msm_limits *limits)
{
   *limits = core->cfg.limits;
}

void
msm_core_hostmem(struct msm_core *core, struct msm_hostmem_info *info)
{
   info->base = core->hostmem.base;
   info->size = core->hostmem.size;
   info->fd = core->hostmem.fd;
}

const struct msm_chip *
msm_core_chip(struct msm_core *core)
{
   return core->chip;
}

int
msm_core_shrink(struct msm_core *core)
{
   pthread_mutex_lock(&core->lock);
   int n = msm_core_shrink_locked(core);
   pthread_mutex_unlock(&core->lock);
   return n;
}

static uint32_t
ring_count(const struct msm_core *core)
{
   return core->chip->nr_rings ? core->chip->nr_rings : 1;
}

int
msm_ctx_create(struct msm_core *core, struct msm_ctx **out)
{
   return msm_ctx_create_vm(core, NULL, out);
}

static bool
ctx_quota_full_locked(const struct msm_core *core, const struct msm_vm *vm)
{
   return core->nr_contexts >= core->cfg.limits.max_contexts ||
          (vm && vm->contexts >= core->cfg.vm_quota.max_contexts);
}

int
msm_ctx_create_vm(struct msm_core *core, struct msm_vm *vm,
                  struct msm_ctx **out)
{
   struct msm_ctx *ctx;
   int ret;

   pthread_mutex_lock(&core->lock);
   if (ctx_quota_full_locked(core, vm)) {
      pthread_mutex_unlock(&core->lock);
      return -ENOMEM;
   }
   pthread_mutex_unlock(&core->lock);

   ctx = calloc(1, sizeof(*ctx));
   if (!ctx)
      return -ENOMEM;
   ctx->core = core;
   ctx->refcount = 1;
   ctx->next_handle = 1;
   ctx->entities = calloc(ring_count(core), sizeof(*ctx->entities));
   ctx->ring_retired = calloc(ring_count(core), sizeof(*ctx->ring_retired));
   if (!ctx->entities || !ctx->ring_retired) {
      free(ctx->entities);
      free(ctx->ring_retired);
      free(ctx);
      return -ENOMEM;
   }
   range_init(&ctx->aspace, core->chip->va_start, core->chip->va_size);
   ctx->funcs = core->backend->ctx_funcs;

   pthread_mutex_lock(&core->lock);
   /* Checked again: others may have made contexts meanwhile. */
   if (ctx_quota_full_locked(core, vm)) {
      pthread_mutex_unlock(&core->lock);
      range_fini(&ctx->aspace);
      free(ctx->entities);
      free(ctx->ring_retired);
      free(ctx);
      return -ENOMEM;
   }
   ctx->next = core->contexts;
   core->contexts = ctx;
   core->nr_contexts++;
   if (vm) {
      ctx->vm = vm;
      vm->refcount++;
      vm->contexts++;
   }
   pthread_mutex_unlock(&core->lock);

   ret = ctx->funcs->init(ctx);
   if (ret) {
      msm_ctx_destroy(ctx);
      return ret;
   }
   *out = ctx;
   return 0;
}

void
msm_ctx_unref_locked(struct msm_ctx *ctx)
{
   if (--ctx->refcount)
      return;
   /* What is left charged is its arenas, freed now. */
   msm_ctx_charge_locked(ctx, -(int64_t)ctx->bo_bytes, 0);
   msm_vm_unref_locked(ctx->vm);
   msm_ctx_arenas_release_locked(ctx);
   range_fini(&ctx->aspace);
   free(ctx->handles);
   free(ctx->syncobjs);
   free(ctx->queues);
   free(ctx->comm);
   free(ctx->cmdline);
   free(ctx->entities);
   free(ctx->ring_retired);
   free(ctx);
}

void
msm_ctx_destroy(struct msm_ctx *ctx)
{
   struct msm_core *core;

   if (!ctx)
      return;
   core = ctx->core;
   pthread_mutex_lock(&core->lock);
   if (ctx->closed) {
      pthread_mutex_unlock(&core->lock);
      return;
   }
   ctx->closed = true;
   for (struct msm_ctx **p = &core->contexts; *p; p = &(*p)->next) {
      if (*p == ctx) {
         *p = ctx->next;
         break;
      }
   }
   core->nr_contexts--;
   if (ctx->vm)
      ctx->vm->contexts--;
   ctx->retire_cb = NULL;
   /* Work that has not started dies with the drm_file. */
   if (core->backend->cancel)
      core->backend->cancel(core, ctx);
   ctx->funcs->fini(ctx);
   msm_ctx_unref_locked(ctx);
   pthread_mutex_unlock(&core->lock);
}

void
msm_ctx_abort(struct msm_ctx *ctx)
{
   struct msm_core *core = ctx->core;

   pthread_mutex_lock(&core->lock);
   ctx->aborted = true;
   /* Nobody will wait for its queued work: drop it now. */
   if (core->backend->cancel)
      core->backend->cancel(core, ctx);
   pthread_cond_broadcast(&core->retire_cond);
   pthread_mutex_unlock(&core->lock);
}

void
msm_ctx_set_retire_cb(struct msm_ctx *ctx, msm_retire_cb cb, void *data)
{
   pthread_mutex_lock(&ctx->core->lock);
   ctx->retire_cb = cb;
   ctx->retire_data = data;
   pthread_mutex_unlock(&ctx->core->lock);
}

int
model_get_param(struct msm_ctx *ctx, struct drm_msm_param *args)
{
   struct msm_core *core = ctx->core;
   const struct msm_chip *chip = core->chip;
   int ret = 0;

   if (args->pipe != MSM_PIPE_3D0)
      return -EINVAL;
   /* No pointer params yet (adreno_get_param). */
   if (args->len)
      return -EINVAL;

   pthread_mutex_lock(&core->lock);
   switch (args->param) {
   case MSM_PARAM_GPU_ID:     args->value = chip->gpu_id; break;
   case MSM_PARAM_GMEM_SIZE:  args->value = chip->gmem_size; break;
   case MSM_PARAM_GMEM_BASE:  args->value = chip->gmem_base; break;
   case MSM_PARAM_CHIP_ID:    args->value = chip->chip_id; break;
   case MSM_PARAM_MAX_FREQ:   args->value = chip->max_freq; break;
   case MSM_PARAM_TIMESTAMP:  args->value = core->backend->timestamp(core); break;
   case MSM_PARAM_PRIORITIES:
      args->value = chip->nr_rings * MSM_NR_SCHED_PRIORITIES;
      break;
   case MSM_PARAM_PP_PGTABLE: args->value = 0; break;
   case MSM_PARAM_FAULTS:
      args->value = core->global_faults + ctx->faults;
      break;
   case MSM_PARAM_SUSPENDS:   args->value = 0; break;
   case MSM_PARAM_VA_START:   args->value = ctx->aspace.start; break;
   case MSM_PARAM_VA_SIZE:
      args->value = ctx->aspace.end - ctx->aspace.start;
      break;
   default:
      ret = -EINVAL;
   }
   pthread_mutex_unlock(&core->lock);
   return ret;
}

int
model_set_param(struct msm_ctx *ctx, const struct drm_msm_param *args,
                const char *str)
{
   struct msm_core *core = ctx->core;
   char **slot, *copy;

   if (args->pipe != MSM_PIPE_3D0)
      return -EINVAL;

   switch (args->param) {
   case MSM_PARAM_COMM:
   case MSM_PARAM_CMDLINE:
      if (args->len > MSM_PARAM_STR_MAX)
         return -EINVAL;
      if (args->len && !str)
         return -EFAULT;
      copy = malloc(args->len + 1);
      if (!copy)
         return -ENOMEM;
      if (args->len)
         memcpy(copy, str, args->len);
      copy[args->len] = '\0';
      pthread_mutex_lock(&core->lock);
      slot = args->param == MSM_PARAM_COMM ? &ctx->comm : &ctx->cmdline;
      free(*slot);
      *slot = copy;
      pthread_mutex_unlock(&core->lock);
      return 0;
   case MSM_PARAM_SYSPROF:
      if (args->len)
         return -EINVAL;
      if (!core->cfg.allow_sysprof)
         return -EPERM; /* needs CAP_SYS_ADMIN */
      if (args->value > 2)
         return -EINVAL;
      pthread_mutex_lock(&core->lock);
      ctx->sysprof = (uint32_t)args->value;
      pthread_mutex_unlock(&core->lock);
      return 0;
   default:
      return -EINVAL;
   }
}

int
msm_ctx_debuginfo(struct msm_ctx *ctx, const char **comm, const char **cmdline)
{
   /* For diagnostics only: the strings stay owned by the context. */
   *comm = ctx->comm;
   *cmdline = ctx->cmdline;
   return 0;
}

/* ---- the core's own context layer: a model of Linux 6.1's msm driver ---- */

static int
model_ctx_init(struct msm_ctx *ctx)
{
   /* Like msm_submitqueue_init(): queue 0 at a medium priority. */
   struct drm_msm_submitqueue q = {
      .prio = (ctx->core->chip->nr_rings * MSM_NR_SCHED_PRIORITIES) / 2,
   };
   return model_submitqueue_new(ctx, &q);
}

static void
model_ctx_fini(struct msm_ctx *ctx)
{
   /* Like closing a drm_file: handles and queues go now; objects still used
    * by unretired submits live until those retire. */
   msm_ctx_close_bos_locked(ctx);
   msm_ctx_close_queues_locked(ctx);
   msm_ctx_close_syncobjs_locked(ctx);
}

const struct msm_ctx_funcs msm_model_ctx_funcs = {
   .init = model_ctx_init,
   .fini = model_ctx_fini,
   .get_param = model_get_param,
   .set_param = model_set_param,
   .gem_new = model_gem_new,
   .arena_new = model_arena_new,
   .gem_new_at = model_gem_new_at,
   .gem_info = model_gem_info,
   .gem_cpu_prep = model_gem_cpu_prep,
   .gem_cpu_fini = model_gem_cpu_fini,
   .gem_madvise = model_gem_madvise,
   .gem_close = model_gem_close,
   .bo_hostmem = model_bo_hostmem,
   .bo_flags = model_bo_flags,
   .bo_map = model_bo_map,
   .bo_share_madv = model_bo_share_madv,
   .submitqueue_new = model_submitqueue_new,
   .submitqueue_close = model_submitqueue_close,
   .submitqueue_query = model_submitqueue_query,
   .queue_completed = model_queue_completed,
   .submit_room = model_submit_room,
   .gem_submit_syncobjs = model_gem_submit_syncobjs,
   .wait_fence = model_wait_fence,
   .syncobj_create = model_syncobj_create,
   .syncobj_destroy = model_syncobj_destroy,
   .syncobj_wait = model_syncobj_wait,
   .syncobj_reset = model_syncobj_reset,
   .syncobj_signal = model_syncobj_signal,
};
