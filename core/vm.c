/*
 * vm.c - per-VM quotas: one guest connection's contexts together.
 *
 * The per-context limits (msm_limits) stop one drm_file; a guest can open
 * many.  A VM (one host connection) therefore has its own quota on what
 * its contexts hold together, so one guest cannot take all of the core's
 * contexts, hostmem or GEM objects from the others.  Every counter moves
 * with the matching per-context one, under the core lock.
 */
#include <errno.h>
#include <stdlib.h>

#include "core_priv.h"

int
msm_vm_create(struct msm_core *core, struct msm_vm **out)
{
   struct msm_vm *vm = calloc(1, sizeof(*vm));

   if (!vm)
      return -ENOMEM;
   vm->core = core;
   vm->refcount = 1;
   *out = vm;
   return 0;
}

void
msm_vm_unref_locked(struct msm_vm *vm)
{
   if (vm && !--vm->refcount)
      free(vm);
}

void
msm_vm_destroy(struct msm_vm *vm)
{
   struct msm_core *core;

   if (!vm)
      return;
   core = vm->core;
   pthread_mutex_lock(&core->lock);
   msm_vm_unref_locked(vm);
   pthread_mutex_unlock(&core->lock);
}

void
msm_vm_get_stats(struct msm_vm *vm, struct msm_vm_stats *st)
{
   pthread_mutex_lock(&vm->core->lock);
   *st = (struct msm_vm_stats){
      .contexts = vm->contexts, .bos = vm->bos, .inflight = vm->inflight,
      .waits = vm->waits, .bo_bytes = vm->bo_bytes,
   };
   pthread_mutex_unlock(&vm->core->lock);
}

void
msm_core_vm_quota(struct msm_core *core, struct msm_vm_quota *quota)
{
   *quota = core->cfg.vm_quota;
}

int
msm_vm_wait_get(struct msm_vm *vm)
{
   int ret = 0;

   if (!vm)
      return 0;
   pthread_mutex_lock(&vm->core->lock);
   if (vm->waits >= vm->core->cfg.vm_quota.max_waits)
      ret = -EAGAIN;
   else
      vm->waits++;
   pthread_mutex_unlock(&vm->core->lock);
   return ret;
}

void
msm_vm_wait_put(struct msm_vm *vm)
{
   if (!vm)
      return;
   pthread_mutex_lock(&vm->core->lock);
   vm->waits--;
   pthread_mutex_unlock(&vm->core->lock);
}

/* One more object of bytes (0: storage charged elsewhere, e.g. an arena). */
int
msm_vm_check_bo_locked(const struct msm_ctx *ctx, uint64_t bytes)
{
   const struct msm_vm *vm = ctx->vm;

   if (!vm)
      return 0;
   if (vm->bos >= vm->core->cfg.vm_quota.max_bos)
      return -ENOMEM;
   return msm_vm_check_bytes_locked(ctx, bytes);
}

int
msm_vm_check_bytes_locked(const struct msm_ctx *ctx, uint64_t bytes)
{
   const struct msm_vm *vm = ctx->vm;

   if (vm && bytes > vm->core->cfg.vm_quota.max_bo_bytes - vm->bo_bytes)
      return -ENOMEM;
   return 0;
}

/* The context's (and its VM's) hostmem bytes and object count move. */
void
msm_ctx_charge_locked(struct msm_ctx *ctx, int64_t bytes, int bos)
{
   ctx->bo_bytes += (uint64_t)bytes;
   ctx->nr_bos += (uint32_t)bos;
   if (ctx->vm) {
      ctx->vm->bo_bytes += (uint64_t)bytes;
      ctx->vm->bos += (uint32_t)bos;
   }
}
