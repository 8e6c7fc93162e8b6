/*
 * nc_guest_fence.c - waiting on fences through the shared page.
 *
 * The host stores each queue's last retired seqno in the context's shmem
 * (nc_proto.h); a guest wait reads it, and only if the GPU is still busy
 * says "I sleep until N" there and sleeps until the host's event.  No
 * request is ever sent: a fence wait costs zero round trips.
 */
#include <errno.h>
#include <time.h>

#include "nc_guest_priv.h"

/* Has the host run the request that put queue_id in slot?  Until then the
 * slot does not name it yet (we make queues without waiting). */
static bool
slot_born(struct nc_guest_dev *d, uint32_t slot, uint32_t queue_id)
{
   if (__atomic_load_n(&d->slot_queue[slot], __ATOMIC_ACQUIRE) != queue_id)
      return true; /* we reused the slot: that queue is long gone */
   return nc_after_eq(__atomic_load_n(&d->shmem->seqno, __ATOMIC_ACQUIRE),
                      __atomic_load_n(&d->slot_born[slot], __ATOMIC_ACQUIRE));
}

/* May a new queue go into slot?  Only once the last queue we put there is
 * out of it: made there by the host, then closed and drained. */
bool
nc_slot_drained(struct nc_guest_dev *d, uint32_t slot)
{
   uint32_t id = __atomic_load_n(&d->slot_queue[slot], __ATOMIC_ACQUIRE);

   if (id == NC_QUEUE_NONE)
      return true;
   bool born = slot_born(d, slot, id);
   return born && __atomic_load_n(&d->state->queues[slot].queue_id,
                                  __ATOMIC_SEQ_CST) != id;
}

/* Has fence retired on the queue published in slot?  Reads shared memory
 * only.  A slot that no longer names the queue (once the host made it
 * there) means the queue closed and all its work retired (queue ids are
 * never reused). */
bool
nc_fence_done(struct nc_guest_dev *d, uint32_t slot, uint32_t queue_id,
              uint32_t fence)
{
   struct nc_shmem_queue *sq = &d->state->queues[slot];
   uint32_t completed;

   if (!fence)
      return true;
   /* The host publishes the queue before it stores the seqno of the
    * request that made it: born first, then the slot. */
   bool born = slot_born(d, slot, queue_id);
   if (__atomic_load_n(&sq->queue_id, __ATOMIC_SEQ_CST) != queue_id)
      return born;
   completed = __atomic_load_n(&sq->completed, __ATOMIC_SEQ_CST);
   if (__atomic_load_n(&sq->queue_id, __ATOMIC_SEQ_CST) != queue_id)
      return born;
   return nc_after_eq(completed, fence);
}

/* The transport's reader thread: something changed, sleepers re-check. */
void
nc_on_event(void *data, const struct vg_event *ev)
{
   struct nc_guest_dev *d = data;

   (void)ev;
   pthread_mutex_lock(&d->ev_lock);
   pthread_cond_broadcast(&d->ev_cond);
   pthread_mutex_unlock(&d->ev_lock);
}

/* Ask the host for an event when the slot's completed reaches fence.
 * wait_fence is the lowest fence any sleeper on the slot still needs; it
 * only goes up once the current one is done, and then every sleeper is
 * woken to re-arm its own.  Under ev_lock. */
static void
arm_locked(struct nc_guest_dev *d, uint32_t slot, uint32_t fence)
{
   struct nc_shmem_queue *sq = &d->state->queues[slot];
   uint32_t cur = __atomic_load_n(&sq->wait_fence, __ATOMIC_SEQ_CST);
   uint32_t completed = __atomic_load_n(&sq->completed, __ATOMIC_SEQ_CST);

   if (!__atomic_load_n(&sq->waiters, __ATOMIC_SEQ_CST) ||
       nc_after_eq(completed, cur)) {
      __atomic_store_n(&sq->wait_fence, fence, __ATOMIC_SEQ_CST);
      pthread_cond_broadcast(&d->ev_cond);
   } else if (nc_after(cur, fence)) {
      __atomic_store_n(&sq->wait_fence, fence, __ATOMIC_SEQ_CST);
   }
}

/* Sleep until fence retires (0), deadline passes (-ETIMEDOUT) or the
 * context is lost (-EIO).  Zero round trips: the host publishes completed
 * seqnos and sends an event only because we said we sleep. */
int
nc_wait_fence_slot(struct nc_guest_dev *d, uint32_t slot, uint32_t queue_id,
                   uint32_t fence, uint64_t deadline_ns)
{
   struct nc_shmem_queue *sq = &d->state->queues[slot];
   struct timespec ts = {
      .tv_sec = (time_t)(deadline_ns / 1000000000ull),
      .tv_nsec = (long)(deadline_ns % 1000000000ull),
   };
   int ret = 0;

   if (d->opt.spin_ns) {
      uint64_t until = nc_deadline((int64_t)d->opt.spin_ns);
      if (until > deadline_ns)
         until = deadline_ns;
      do {
         if (nc_fence_done(d, slot, queue_id, fence))
            return 0;
         if (__atomic_load_n(&d->state->lost, __ATOMIC_ACQUIRE))
            return -EIO;
      } while (nc_deadline(0) < until);
   }

   pthread_mutex_lock(&d->ev_lock);
   __atomic_add_fetch(&sq->waiters, 1, __ATOMIC_SEQ_CST);
   arm_locked(d, slot, fence);
   while (!nc_fence_done(d, slot, queue_id, fence)) {
      if (__atomic_load_n(&d->state->lost, __ATOMIC_ACQUIRE)) {
         ret = -EIO;
         break;
      }
      if (pthread_cond_timedwait(&d->ev_cond, &d->ev_lock, &ts) == ETIMEDOUT) {
         if (!nc_fence_done(d, slot, queue_id, fence))
            ret = -ETIMEDOUT;
         break;
      }
      arm_locked(d, slot, fence);
   }
   __atomic_sub_fetch(&sq->waiters, 1, __ATOMIC_SEQ_CST);
   pthread_mutex_unlock(&d->ev_lock);
   return ret;
}
