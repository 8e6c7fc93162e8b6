/*
 * sim.c - the embedded software Adreno: one "GPU" thread per ring.
 *
 * Each ring executes its submits in order, a submit waiting first for its
 * in-fences on other rings.  A submit's command streams are
 * interpreted (cp.c) against its context's iova map, so CP_MEM_WRITE and
 * friends really land in BO memory; then the thread waits out the modelled
 * duration (submit_ns + dword_ns per executed dword + any CP_NOP delay
 * marker) and retires it.  A bad GPU address is a fault counted on the
 * context and the queue, never a host crash.  A submit whose modelled time
 * exceeds the hangcheck period is treated as a hang (fault) at that point,
 * as the kernel's hangcheck would.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <time.h>

#include "core_priv.h"
#include "cp.h"
#include "vclock.h"

#define SIM_HANGCHECK_NS 500000000ull /* DRM_MSM_HANGCHECK_DEFAULT_PERIOD */

struct sim_ring {
   struct msm_core *core;
   pthread_t thread;
   pthread_cond_t cond;
   struct msm_submit *head, *tail; /* protected by the core lock */
   bool stop;
};

struct sim {
   uint32_t nr_rings;
   struct sim_ring *rings;
};

/* The modelled duration passes on the shared clock (vclock.h): real, or
 * virtual when compare runs deterministically. */
static void
sim_wait_until(uint64_t deadline_ns)
{
   vclock_wait_until(deadline_ns, VC_GPU);
}

/* One submit on the GPU: the modelled clock runs from start. */
struct sim_exec {
   struct msm_core *core;
   struct msm_ctx *ctx;
   uint64_t start;
   uint64_t t;       /* where the modelled GPU time has got to */
};

static void *
sim_translate(void *data, uint64_t iova, uint64_t len, bool write)
{
   struct sim_exec *x = data;
   const struct range_node *n = range_lookup(&x->ctx->aspace, iova);
   struct msm_bo *bo;
   uint64_t off;

   if (!n || !len)
      return NULL;
   off = iova - n->start;
   if (len > n->size - off)
      return NULL; /* runs past the end of the BO */
   bo = n->owner;
   if (bo->madv == __MSM_MADV_PURGED)
      return NULL;
   if (write && (bo->flags & MSM_BO_GPU_READONLY))
      return NULL;
   return hostmem_ptr(&x->core->hostmem, bo->hm_offset + off);
}

static uint64_t
sat_add(uint64_t a, uint64_t b)
{
   return a + b < a ? UINT64_MAX : a + b;
}

static uint64_t
sat_mul(uint64_t a, uint64_t b)
{
   return b && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

/* Let modelled time pass up to t, unless that trips hangcheck. */
static bool
sim_advance(struct sim_exec *x, uint64_t ns)
{
   x->t = sat_add(x->t, ns);
   if (x->t - x->start > SIM_HANGCHECK_NS) {
      x->t = x->start + SIM_HANGCHECK_NS;
      return false;
   }
   return true;
}

/* A delay marker in the stream: the GPU is busy here for ns, and what the
 * stream does next happens after.  Others may use the core meanwhile; the
 * submit's own BOs stay referenced. */
static bool
sim_delay(void *data, uint64_t ns)
{
   struct sim_exec *x = data;
   bool ok = sim_advance(x, ns);

   pthread_mutex_unlock(&x->core->lock);
   sim_wait_until(x->t);
   pthread_mutex_lock(&x->core->lock);
   return ok;
}

/* Runs with the core lock held (dropped only inside delay markers).  The
 * whole submit shares one work budget (CP_MAX_DWORDS): past it the GPU is
 * considered hung, whatever loop the guest built out of IBs.  The fixed
 * cost per submit and per dword is modelled at the end. */
static bool
sim_execute_locked(struct sim_exec *x, struct msm_submit *s)
{
   struct cp_coverage cov = { 0 };
   struct cp_mem mem = { .data = x, .translate = sim_translate,
                         .delay = sim_delay,
                         .gmem_size = x->core->chip->gmem_size,
                         .coverage = &cov };
   const struct msm_sim_timing *tm = &x->core->cfg.sim;
   uint64_t dwords = 0;
   bool faulted = false;

   for (uint32_t i = 0; i < s->nr_cmds && !faulted; i++) {
      struct cp_result res;
      if (cp_exec(&mem, s->cmds[i].iova, s->cmds[i].ndwords, &res))
         faulted = true;
      dwords = sat_add(dwords, res.dwords);
      if (dwords > CP_MAX_DWORDS)
         faulted = true;
   }
   msm_core_add_coverage(x->core, &cov);
   if (!sim_advance(x, sat_add(tm->submit_ns, sat_mul(dwords, tm->dword_ns))))
      faulted = true;
   return faulted;
}

static void *
sim_ring_thread(void *arg)
{
   struct sim_ring *ring = arg;
   struct msm_core *core = ring->core;

   prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
   pthread_mutex_lock(&core->lock);
   for (;;) {
      struct msm_submit *s;
      struct sim_exec x;
      bool faulted;

      while (!ring->head && !ring->stop)
         pthread_cond_wait(&ring->cond, &core->lock);
      if (!ring->head)
         break; /* stopping, and everything queued has retired */
      s = ring->head;
      ring->head = s->ring_next;
      if (!ring->head)
         ring->tail = NULL;
      /* In-fences on other rings (MSM_SUBMIT_SYNCOBJ_IN) first.  They are
       * fences of earlier submits, so this always ends. */
      while (!msm_submit_ready_locked(core, s))
         pthread_cond_wait(&core->retire_cond, &core->lock);

      x = (struct sim_exec){ .core = core, .ctx = s->ctx };
      x.start = x.t = msm_now_ns();
      faulted = sim_execute_locked(&x, s);
      pthread_mutex_unlock(&core->lock);

      sim_wait_until(x.t);
      msm_submit_retire(core, s, faulted);
      pthread_mutex_lock(&core->lock);
   }
   pthread_mutex_unlock(&core->lock);
   return NULL;
}

static int
sim_init(struct msm_core *core)
{
   struct sim *sim = calloc(1, sizeof(*sim));
   uint32_t started = 0;

   if (!sim)
      return -ENOMEM;
   sim->nr_rings = core->chip->nr_rings;
   sim->rings = calloc(sim->nr_rings, sizeof(*sim->rings));
   if (!sim->rings) {
      free(sim);
      return -ENOMEM;
   }
   core->backend_priv = sim;
   for (; started < sim->nr_rings; started++) {
      struct sim_ring *ring = &sim->rings[started];
      ring->core = core;
      pthread_cond_init(&ring->cond, NULL);
      if (pthread_create(&ring->thread, NULL, sim_ring_thread, ring)) {
         pthread_cond_destroy(&ring->cond);
         break;
      }
   }
   if (started < sim->nr_rings) {
      sim->nr_rings = started;
      core->backend->fini(core);
      return -EAGAIN;
   }
   return 0;
}

static void
sim_fini(struct msm_core *core)
{
   struct sim *sim = core->backend_priv;

   pthread_mutex_lock(&core->lock);
   for (uint32_t i = 0; i < sim->nr_rings; i++) {
      sim->rings[i].stop = true;
      pthread_cond_signal(&sim->rings[i].cond);
   }
   pthread_mutex_unlock(&core->lock);
   for (uint32_t i = 0; i < sim->nr_rings; i++) {
      pthread_join(sim->rings[i].thread, NULL);
      pthread_cond_destroy(&sim->rings[i].cond);
   }
   free(sim->rings);
   free(sim);
   core->backend_priv = NULL;
}

static void
sim_submit(struct msm_core *core, struct msm_submit *s)
{
   struct sim *sim = core->backend_priv;
   struct sim_ring *ring = &sim->rings[s->queue->ring < sim->nr_rings
                                          ? s->queue->ring : 0];

   s->ring_next = NULL;
   if (ring->tail)
      ring->tail->ring_next = s;
   else
      ring->head = s;
   ring->tail = s;
   pthread_cond_signal(&ring->cond);
}

/* The a6xx always-on counter ticks at 19.2 MHz. */
static uint64_t
sim_timestamp(struct msm_core *core)
{
   (void)core;
   uint64_t ns = msm_now_ns();
   return ns / 1000 * 192 / 10 + (ns % 1000) * 192 / 10000;
}

const struct msm_backend_ops msm_sim_backend = {
   .name = "sim",
   .ctx_funcs = &msm_model_ctx_funcs,
   .init = sim_init,
   .fini = sim_fini,
   .submit = sim_submit,
   .timestamp = sim_timestamp,
};
