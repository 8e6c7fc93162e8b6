/*
 * fuzz_common.c - see fuzz_common.h.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "msm_core.h"
#include "nc_proto.h"
#include "nc_renderer.h"

static struct msm_core *core;
static struct nc_host_ctx *witness;
static uint8_t *witness_bo, *witness_shmem;
/* Its shared header as the host keeps it (in the anchor format a context
 * has no shared page until its guest makes blob 0: then it is host memory
 * no input may touch either). */
static uint8_t witness_copy[sizeof(struct nc_shmem)];
#define WITNESS_BO_SIZE 65536
static uint8_t witness_pattern[WITNESS_BO_SIZE];

void
fuzz_fail(const char *what, const char *file, int line)
{
   fprintf(stderr, "fuzz invariant broken: %s (%s:%d)\n", what, file, line);
   abort();
}

static void
witness_make(void)
{
   struct msm_ctx *m;
   struct drm_msm_gem_new req = { .size = WITNESS_BO_SIZE, .flags = MSM_BO_WC };
   void *p;

   FUZZ_ASSERT(nc_host_ctx_create(core, 0, NULL, NULL, &witness) == 0);
   m = nc_host_ctx_msm(witness);
   FUZZ_ASSERT(msm_ctx_gem_new(m, &req) == 0);
   FUZZ_ASSERT(msm_ctx_bo_map(m, req.handle, &p) == 0);
   witness_bo = p;
   for (uint32_t i = 0; i < WITNESS_BO_SIZE; i++)
      witness_pattern[i] = (uint8_t)(i * 7 + 3);
   memcpy(witness_bo, witness_pattern, WITNESS_BO_SIZE);
   witness_shmem = (uint8_t *)nc_host_ctx_shmem(witness);
   memcpy(witness_copy, witness_shmem, sizeof(witness_copy));
}

struct msm_core *
fuzz_core(void)
{
   if (!core) {
      struct msm_core_config cfg;
      msm_core_config_defaults(&cfg);
      cfg.hostmem_size = 64u << 20;
      FUZZ_ASSERT(msm_core_create(&cfg, &core) == 0);
      witness_make();
   }
   return core;
}

void
fuzz_witness_check(void)
{
   FUZZ_ASSERT(!memcmp(witness_pattern, witness_bo, WITNESS_BO_SIZE));
   FUZZ_ASSERT(!memcmp(witness_copy, witness_shmem, sizeof(witness_copy)));
}

void
fuzz_counts_take(struct fuzz_counts *c)
{
   struct msm_core_stats st;
   msm_core_get_stats(fuzz_core(), &st);
   c->contexts = st.contexts;
   c->syncobjs = st.syncobjs;
}

void
fuzz_counts_check(const struct fuzz_counts *c)
{
   struct fuzz_counts now;
   fuzz_counts_take(&now);
   FUZZ_ASSERT(now.contexts == c->contexts);
   FUZZ_ASSERT(now.syncobjs == c->syncobjs);
}

/* --------------------------------------------------------- scribbler */

static pthread_t scribbler;
static pthread_mutex_t idle_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t idle_cond = PTHREAD_COND_INITIALIZER;
static _Atomic(uint8_t *) target;
static _Atomic size_t target_len;
static atomic_int busy;
static atomic_bool running;

static void *
scribble_main(void *arg)
{
   uint32_t x = 0x12345678;
   (void)arg;
   for (;;) {
      atomic_store(&busy, 1);
      uint8_t *p = atomic_load(&target);
      size_t len = atomic_load(&target_len);
      if (p && len) {
         for (int i = 0; i < 64; i++) {
            x = x * 1103515245u + 12345u;
            __atomic_store_n(&p[(x >> 8) % len], (uint8_t)x, __ATOMIC_RELAXED);
         }
      }
      atomic_store(&busy, 0);
      if (!p) {
         /* Nothing to do: sleep until the next start. */
         pthread_mutex_lock(&idle_lock);
         while (!atomic_load(&target))
            pthread_cond_wait(&idle_cond, &idle_lock);
         pthread_mutex_unlock(&idle_lock);
      }
   }
   return NULL;
}

void
fuzz_scribble_start(void *p, size_t len)
{
   if (!atomic_exchange(&running, true))
      pthread_create(&scribbler, NULL, scribble_main, NULL);
   pthread_mutex_lock(&idle_lock);
   atomic_store(&target_len, len);
   atomic_store(&target, (uint8_t *)p);
   pthread_cond_signal(&idle_cond);
   pthread_mutex_unlock(&idle_lock);
}

void
fuzz_scribble_stop(void)
{
   atomic_store(&target, NULL);
   /* A write that read the old pointer finishes before we return. */
   while (atomic_load(&busy))
      ;
}
