/*
 * sim.c - the embedded software Adreno: one "GPU" thread per ring.
 *
 * Each ring serves its contexts' entities (core_priv.h) by GPU time used,
 * one submit at a time: the entity with work that has run least goes
 * next (ties: the longest waiting), and an entity that was idle starts
 * level with the others instead of with credit.  So a context with a deep
 * backlog of long submits delays a newcomer by at most the submit that is
 * running, and a chain of short submits is not interleaved one for one
 * with long ones.  Within a context a ring runs submits in order, each
 * waiting first for its in-fences on other rings.
 * A submit's command streams are interpreted (cp.c) against the BOs the
 * submit names, so CP_MEM_WRITE and friends really land in BO memory; then
 * the thread waits out the modelled duration (submit_ns + dword_ns per
 * executed dword + any CP_NOP delay marker) and retires it.  A bad GPU
 * address is a fault counted on the context and the queue, never a host
 * crash.  A submit whose modelled time exceeds the hangcheck period is
 * treated as a hang (fault) at that point, as the kernel's hangcheck would.
 *
 * Execution holds no lock: the submit's BOs are referenced and active
 * (so neither freed, purged nor moved in the address space) for as long as
 * it runs, and the GPU sees exactly those, through a table built under the
 * lock before it starts.  A submit of a closed context that has not
 * started is retired without running.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <time.h>

#include "core_priv.h"
#include "cp.h"
#include "vclock.h"

#define SIM_HANGCHECK_NS 500000000ull /* DRM_MSM_HANGCHECK_DEFAULT_PERIOD */

/* One BO as the GPU sees it while a submit runs. */
struct sim_map {
   uint64_t iova, size;
   uint8_t *ptr;
   bool writable;
};

struct sim_ring {
   struct msm_core *core;
   struct sim *sim;
   uint32_t idx;
   pthread_t thread;
   pthread_cond_t cond;
   /* Entities with queued work, oldest first (core lock). */
   struct msm_entity *rr_head, *rr_tail;
   uint64_t min_vruntime; /* of the last one picked: where idle ones join */
   bool stop;
   /* The running submit's BO table (this thread only). */
   struct sim_map *map;
   uint32_t map_cap;
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
   const struct sim_map *map; /* sorted by iova */
   uint32_t nr_map;
   uint64_t start;
   uint64_t t;       /* where the modelled GPU time has got to */
   uint32_t lookups; /* translations so far: hangcheck on real time */
   bool hung;
};

static void *
sim_translate(void *data, uint64_t iova, uint64_t len, bool write)
{
   struct sim_exec *x = data;
   uint32_t lo = 0, hi = x->nr_map;
   const struct sim_map *m;
   uint64_t off;

   /* Hangcheck also bounds the interpreter's own time: a stream that
    * keeps the ring thread busy past the period faults like a hang. */
   if (x->hung || (++x->lookups % 4096 == 0 &&
                   msm_now_ns() - x->start > SIM_HANGCHECK_NS)) {
      x->hung = true;
      return NULL;
   }
   /* The last BO starting at or below iova. */
   while (lo < hi) {
      uint32_t mid = lo + (hi - lo) / 2;
      if (x->map[mid].iova <= iova)
         lo = mid + 1;
      else
         hi = mid;
   }
   if (!lo || !len)
      return NULL;
   m = &x->map[lo - 1];
   off = iova - m->iova;
   if (off >= m->size || len > m->size - off)
      return NULL; /* outside it, or runs past its end */
   if (write && !m->writable)
      return NULL;
   return m->ptr + off;
}

static int
map_cmp(const void *a, const void *b)
{
   const struct sim_map *x = a, *y = b;
   return x->iova < y->iova ? -1 : x->iova > y->iova;
}

/* Under the core lock: the table of what the submit may touch.  Its BOs
 * are pinned (iova assigned at submit, storage kept while active). */
static bool
sim_build_map_locked(struct sim_ring *ring, const struct msm_submit *s,
                     uint32_t *nr)
{
   uint32_t n = 0;

   if (s->nr_bos > ring->map_cap) {
      struct sim_map *m = realloc(ring->map, s->nr_bos * sizeof(*m));
      if (!m)
         return false;
      ring->map = m;
      ring->map_cap = s->nr_bos;
   }
   for (uint32_t i = 0; i < s->nr_bos; i++) {
      const struct msm_bo *bo = s->bos[i].bo;
      if (!bo->iova || bo->madv == __MSM_MADV_PURGED)
         continue;
      ring->map[n++] = (struct sim_map){
         .iova = bo->iova, .size = bo->size,
         .ptr = hostmem_ptr(&ring->core->hostmem, bo->hm_offset),
         .writable = !(bo->flags & MSM_BO_GPU_READONLY),
      };
   }
   if (n > 1)
      qsort(ring->map, n, sizeof(*ring->map), map_cmp);
   *nr = n;
   return true;
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
 * stream does next happens after. */
static bool
sim_delay(void *data, uint64_t ns)
{
   struct sim_exec *x = data;
   bool ok = sim_advance(x, ns);

   sim_wait_until(x->t);
   return ok;
}

/* Runs without the core lock.  The whole submit shares one work budget
 * (CP_MAX_DWORDS): past it the GPU is considered hung, whatever loop the
 * guest built out of IBs.  The fixed cost per submit and per dword is
 * modelled at the end. */
static bool
sim_execute(struct sim_exec *x, const struct msm_submit *s)
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

static void
rr_append(struct sim_ring *ring, struct msm_entity *e)
{
   if (e->vruntime < ring->min_vruntime)
      e->vruntime = ring->min_vruntime; /* no credit for having been idle */
   e->rr_next = NULL;
   e->queued = true;
   if (ring->rr_tail)
      ring->rr_tail->rr_next = e;
   else
      ring->rr_head = e;
   ring->rr_tail = e;
}

static void
rr_remove(struct sim_ring *ring, struct msm_entity *e)
{
   struct msm_entity *prev = NULL;

   for (struct msm_entity *it = ring->rr_head; it; prev = it, it = it->rr_next) {
      if (it != e)
         continue;
      if (prev)
         prev->rr_next = e->rr_next;
      else
         ring->rr_head = e->rr_next;
      if (ring->rr_tail == e)
         ring->rr_tail = prev;
      break;
   }
   e->rr_next = NULL;
   e->queued = false;
}

static struct msm_submit *
entity_pop(struct msm_entity *e)
{
   struct msm_submit *s = e->head;

   e->head = s->ring_next;
   if (!e->head)
      e->tail = NULL;
   s->ring_next = NULL;
   return s;
}

/* A retire may make another ring's submit ready (its in-fences). */
static void
sim_kick_all_locked(struct sim *sim)
{
   for (uint32_t i = 0; i < sim->nr_rings; i++)
      pthread_cond_signal(&sim->rings[i].cond);
}

/* The next submit to run: of the entities whose oldest submit has its
 * in-fences, the one with the least GPU time (the first such in the list
 * on a tie).  The entity leaves the list while that runs
 * (sim_done_locked puts it back at the end). */
static struct msm_submit *
sim_pick_locked(struct sim_ring *ring, struct msm_entity **picked)
{
   struct msm_entity *best = NULL;

   for (struct msm_entity *e = ring->rr_head; e; e = e->rr_next)
      if (msm_submit_ready_locked(e->head) &&
          (!best || e->vruntime < best->vruntime))
         best = e;
   if (!best)
      return NULL;
   rr_remove(ring, best);
   best->running = true;
   ring->min_vruntime = best->vruntime;
   *picked = best;
   return entity_pop(best);
}

/* Retire what ran (or was dropped) for gpu_ns and requeue its entity
 * behind others. */
static void
sim_done_locked(struct sim_ring *ring, struct msm_entity *e,
                struct msm_submit *s, bool faulted, bool cancelled,
                uint64_t gpu_ns)
{
   e->running = false;
   e->vruntime += gpu_ns;
   if (e->head && !e->queued)
      rr_append(ring, e);
   /* May free the context (and e with it): e is not used after this. */
   msm_submit_retire_locked(ring->core, s, faulted, cancelled);
   sim_kick_all_locked(ring->sim);
}

static void *
sim_ring_thread(void *arg)
{
   struct sim_ring *ring = arg;
   struct msm_core *core = ring->core;

   prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
   pthread_mutex_lock(&core->lock);
   for (;;) {
      struct msm_entity *e = NULL;
      struct msm_submit *s;
      struct sim_exec x;
      bool faulted;

      while (!(s = sim_pick_locked(ring, &e)) &&
             !(ring->stop && !ring->rr_head))
         pthread_cond_wait(&ring->cond, &core->lock);
      if (!s)
         break; /* stopping, and everything queued has retired */
      if (s->ctx->closed || s->ctx->aborted) {
         sim_done_locked(ring, e, s, false, true, 0); /* its drm_file is gone */
         continue;
      }
      x = (struct sim_exec){ .core = core };
      if (!sim_build_map_locked(ring, s, &x.nr_map)) {
         sim_done_locked(ring, e, s, true, false, 0);
         continue;
      }
      x.map = ring->map;
      pthread_mutex_unlock(&core->lock);

      x.start = x.t = msm_now_ns();
      faulted = sim_execute(&x, s);
      sim_wait_until(x.t);

      /* What it cost: the modelled time, or the interpreter's own if that
       * was longer (a long stream costs the ring real time either way). */
      uint64_t end = msm_now_ns();
      pthread_mutex_lock(&core->lock);
      sim_done_locked(ring, e, s, faulted, false,
                      (x.t > end ? x.t : end) - x.start);
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
      ring->sim = sim;
      ring->idx = started;
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
      free(sim->rings[i].map);
   }
   free(sim->rings);
   free(sim);
   core->backend_priv = NULL;
}

static uint32_t
sim_ring_of(const struct sim *sim, const struct msm_submit *s)
{
   return s->queue->ring < sim->nr_rings ? s->queue->ring : 0;
}

static void
sim_submit(struct msm_core *core, struct msm_submit *s)
{
   struct sim *sim = core->backend_priv;
   struct sim_ring *ring = &sim->rings[sim_ring_of(sim, s)];
   struct msm_entity *e = &s->ctx->entities[ring->idx];

   s->ring_next = NULL;
   if (e->tail)
      e->tail->ring_next = s;
   else
      e->head = s;
   e->tail = s;
   if (!e->queued && !e->running)
      rr_append(ring, e);
   pthread_cond_signal(&ring->cond);
}

static void
sim_cancel(struct msm_core *core, struct msm_ctx *ctx)
{
   struct sim *sim = core->backend_priv;

   for (uint32_t r = 0; r < sim->nr_rings; r++) {
      struct msm_entity *e = &ctx->entities[r];

      if (e->queued)
         rr_remove(&sim->rings[r], e);
      while (e->head)
         msm_submit_retire_locked(core, entity_pop(e), false, true);
   }
   sim_kick_all_locked(sim);
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
   .cancel = sim_cancel,
   .timestamp = sim_timestamp,
};
