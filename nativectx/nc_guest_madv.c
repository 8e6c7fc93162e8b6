/*
 * nc_guest_madv.c - madvise through shared words (beyond the anchors).
 *
 * Each BO gets a 32-bit word in the context's shared page (its slot).  The
 * guest flips WILLNEED <-> DONTNEED there with compare-and-swap; the host's
 * shrinker purges a BO only by swapping DONTNEED -> PURGED
 * (msm_ctx_bo_share_madv()).  madvise then costs no message either way, and
 * the two sides cannot disagree about whether the pages survived.  The
 * guest never lets go of a BO (DONTNEED in the word) while a submit naming
 * it has not reached the host: such flips wait in a pending list.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nc_guest_priv.h"

/* ------------------------------------------------------ madvise words */

/* A shared madvise word for a new BO, or NC_MADV_SLOT_NONE (none left, or
 * the anchors' behaviour): then madvise asks the host instead. */
uint32_t
nc_madv_slot_get(struct nc_guest_dev *d)
{
   uint32_t seq = __atomic_load_n(&d->shmem->seqno, __ATOMIC_ACQUIRE);
   uint32_t slot;

   /* Words whose BO the host has detached (its close was processed). */
   for (uint32_t i = 0; i < d->nr_madv_gated;) {
      if (nc_after_eq(seq, d->madv_gated[i].seqno)) {
         d->madv_free[d->nr_madv_free++] = d->madv_gated[i].slot;
         d->madv_gated[i] = d->madv_gated[--d->nr_madv_gated];
      } else {
         i++;
      }
   }
   if (d->opt.anchors_only)
      return NC_MADV_SLOT_NONE;
   if (d->nr_madv_free)
      slot = d->madv_free[--d->nr_madv_free];
   else if (d->madv_next < NC_MADV_SLOTS)
      slot = d->madv_next++;
   else
      return NC_MADV_SLOT_NONE;
   __atomic_store_n(&d->madv_words[slot], MSM_MADV_WILLNEED, __ATOMIC_SEQ_CST);
   return slot;
}

/* The BO is closed: its word may be reused once the host has seen that. */
void
nc_madv_slot_put(struct nc_guest_dev *d, uint32_t slot, uint32_t gate_seqno)
{
   if (slot == NC_MADV_SLOT_NONE)
      return;
   if (!d->madv_free) {
      d->madv_free = calloc(NC_MADV_SLOTS, sizeof(*d->madv_free));
      d->madv_gated = calloc(NC_MADV_SLOTS, sizeof(*d->madv_gated));
      if (!d->madv_free || !d->madv_gated)
         return; /* never reused: safe */
   }
   d->madv_gated[d->nr_madv_gated++] =
      (struct nc_madv_gate){ .slot = slot, .seqno = gate_seqno };
}

void
nc_madv_pending_remove(struct nc_guest_dev *d, struct nc_bo *bo)
{
   if (bo->madv_pending < 0)
      return;
   struct nc_bo *last = d->madv_pending[--d->nr_madv_pending];
   d->madv_pending[bo->madv_pending] = last;
   last->madv_pending = bo->madv_pending;
   bo->madv_pending = -1;
}

/* Flip the words of pending DONTNEED BOs whose submits the host has seen. */
void
nc_madv_pending_sweep(struct nc_guest_dev *d)
{
   uint32_t seq = __atomic_load_n(&d->shmem->seqno, __ATOMIC_ACQUIRE);

   for (uint32_t i = 0; i < d->nr_madv_pending;) {
      struct nc_bo *bo = d->madv_pending[i];
      if (nc_after_eq(seq, bo->submit_seqno)) {
         uint32_t expect = MSM_MADV_WILLNEED;
         __atomic_compare_exchange_n(&d->madv_words[bo->madv_slot], &expect,
                                     MSM_MADV_DONTNEED, false,
                                     __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
         nc_madv_pending_remove(d, bo); /* moves the last one to i */
      } else {
         i++;
      }
   }
}

int
nc_bo_madvise(struct ws_bo *base, uint32_t madv, uint32_t *retained)
{
   struct nc_bo *bo = nc_bo(base);
   struct nc_guest_dev *d = nc_guest_dev(base->dev);
   struct nc_ccmd_gem_madvise_req *req;
   struct nc_ccmd_gem_madvise_rsp rsp;
   uint32_t rsp_off = 0;
   bool sync;
   int ret = 0;

   if (madv != MSM_MADV_WILLNEED && madv != MSM_MADV_DONTNEED)
      return -EINVAL;

   if (bo->madv_slot != NC_MADV_SLOT_NONE) {
      /* The shared word: we flip WILLNEED <-> DONTNEED, the host's shrinker
       * DONTNEED -> PURGED; whoever swaps first wins, both see it. */
      uint32_t *w = &d->madv_words[bo->madv_slot];
      uint32_t from = madv == MSM_MADV_DONTNEED ? MSM_MADV_WILLNEED
                                                : MSM_MADV_DONTNEED;
      uint32_t cur = from;

      pthread_mutex_lock(&d->lock);
      if (nc_check_lost(d)) {
         pthread_mutex_unlock(&d->lock);
         return -EIO;
      }
      nc_madv_pending_sweep(d);
      if (madv == MSM_MADV_DONTNEED &&
          !nc_after_eq(__atomic_load_n(&d->shmem->seqno, __ATOMIC_ACQUIRE),
                       bo->submit_seqno)) {
         /* A submit naming it is still on its way: the host must not purge
          * it before running that.  Let go of it once the host caught up. */
         if (bo->madv_pending < 0 && bo->madv != __MSM_MADV_PURGED) {
            if (d->nr_madv_pending == d->cap_madv_pending) {
               uint32_t cap = d->cap_madv_pending ? d->cap_madv_pending * 2 : 64;
               struct nc_bo **n = realloc(d->madv_pending, cap * sizeof(*n));
               if (n) {
                  d->madv_pending = n;
                  d->cap_madv_pending = cap;
               }
            }
            if (d->nr_madv_pending < d->cap_madv_pending) {
               bo->madv_pending = (int32_t)d->nr_madv_pending;
               d->madv_pending[d->nr_madv_pending++] = bo;
            } /* else: stays WILLNEED for the host; advice is optional */
         }
         if (bo->madv != __MSM_MADV_PURGED)
            bo->madv = MSM_MADV_DONTNEED;
         if (retained)
            *retained = bo->madv != __MSM_MADV_PURGED;
         pthread_mutex_unlock(&d->lock);
         return 0;
      }
      if (madv == MSM_MADV_WILLNEED)
         nc_madv_pending_remove(d, bo); /* its word never left WILLNEED */
      if (__atomic_compare_exchange_n(w, &cur, madv, false, __ATOMIC_SEQ_CST,
                                      __ATOMIC_SEQ_CST))
         cur = madv;
      bo->madv = cur == __MSM_MADV_PURGED ? __MSM_MADV_PURGED : madv;
      if (retained)
         *retained = cur != __MSM_MADV_PURGED;
      pthread_mutex_unlock(&d->lock);
      return 0;
   }
   /* WILLNEED must learn whether the pages survived (a purged BO would
    * lose the context on its next submit); DONTNEED without a question
    * needs no answer. */
   sync = madv == MSM_MADV_WILLNEED || retained;

   pthread_mutex_lock(&d->lock);
   if (nc_check_lost(d)) {
      ret = -EIO;
      goto out;
   }
   req = nc_req(d, NC_CCMD_GEM_MADVISE, sizeof(*req), sync ? sizeof(rsp) : 0,
                &rsp_off);
   if (!req) {
      ret = nc_req_error(d);
      goto out;
   }
   req->res_id = bo->res_id;
   req->madv = madv;
   if (!sync) {
      if (bo->madv != __MSM_MADV_PURGED)
         bo->madv = madv;
      goto out;
   }
   ret = nc_sync_locked(d, rsp_off, &rsp, sizeof(rsp));
   if (!ret)
      ret = rsp.hdr.ret;
   if (!ret) {
      bo->madv = rsp.retained ? madv : __MSM_MADV_PURGED;
      if (retained)
         *retained = rsp.retained;
   }
out:
   pthread_mutex_unlock(&d->lock);
   return ret;
}
