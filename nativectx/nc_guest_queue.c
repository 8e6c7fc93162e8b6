/*
 * nc_guest_queue.c - submit queues in the nativectx guest: made with our own
 * id in our own shmem slot (NC_EXT_QUEUE_STATE, no answer awaited) or, in
 * anchors_only mode, through the anchor's synchronous IOCTL_SIMPLE.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nc_guest_priv.h"

/* ------------------------------------------------------------- queues */

struct nc_guest_queue *
nc_find_queue(struct nc_guest_dev *d, uint32_t id)
{
   for (struct nc_guest_queue *q = d->queues; q; q = q->next)
      if (q->id == id)
         return q;
   return NULL;
}

/* A shmem slot for a new queue: none of ours uses it, and the last queue
 * we put there is gone from it (closed and drained: the host freed it). */
static int
free_slot(struct nc_guest_dev *d, uint32_t *slot)
{
   for (uint32_t i = 1; i < NC_MAX_QUEUES; i++) {
      bool ours = false;
      for (struct nc_guest_queue *q = d->queues; q; q = q->next)
         ours |= q->slot == i;
      if (ours)
         continue;
      if (!nc_slot_drained(d, i))
         continue;
      *slot = i;
      return 0;
   }
   return -ENOMEM;
}

static void
slot_assign(struct nc_guest_dev *d, uint32_t slot, uint32_t id, uint32_t seqno)
{
   __atomic_store_n(&d->slot_born[slot], seqno, __ATOMIC_RELEASE);
   __atomic_store_n(&d->slot_queue[slot], id, __ATOMIC_RELEASE);
}

/* The extension's way: our id, our slot, no answer needed. */
static int
queue_new_async(struct nc_guest_dev *d, uint32_t prio, uint32_t flags,
                struct nc_guest_queue *q)
{
   struct nc_ccmd_submitqueue_new_req *req;
   uint32_t slot;
   int ret = free_slot(d, &slot);

   if (ret)
      return ret;
   req = nc_req(d, NC_CCMD_SUBMITQUEUE_NEW, sizeof(*req), 0, NULL);
   if (!req)
      return nc_req_error(d);
   if (!++d->next_queue_id || d->next_queue_id == NC_QUEUE_NONE)
      d->next_queue_id = 1;
   req->flags = flags;
   req->prio = prio;
   req->queue_id = d->next_queue_id;
   req->slot = slot;
   q->id = req->queue_id;
   q->slot = slot;
   slot_assign(d, slot, q->id, req->hdr.seqno);
   return 0;
}

/* The anchor's way (what mesa does): a synchronous ioctl; the host picked
 * the slot, which its shmem names. */
static int
queue_new_ioctl(struct nc_guest_dev *d, uint32_t prio, uint32_t flags,
                struct nc_guest_queue *q)
{
   struct drm_msm_submitqueue args = { .flags = flags, .prio = prio };
   int ret = nc_ioctl_simple(d, DRM_IOCTL_MSM_SUBMITQUEUE_NEW, &args, true);

   if (ret)
      return ret;
   for (uint32_t i = 0; i < NC_MAX_QUEUES; i++) {
      if (__atomic_load_n(&d->state->queues[i].queue_id, __ATOMIC_ACQUIRE) ==
          args.id) {
         q->id = args.id;
         q->slot = i;
         slot_assign(d, i, q->id, d->seqno);
         return 0;
      }
   }
   d->lost = -EIO; /* the host broke the protocol */
   return -EIO;
}

int
nc_submitqueue_new(struct ws_dev *dev, uint32_t prio, uint32_t flags,
                   uint32_t *id)
{
   struct nc_guest_dev *d = nc_guest_dev(dev);
   struct nc_guest_queue *q;
   int ret;

   if (flags & ~MSM_SUBMITQUEUE_FLAGS)
      return -EINVAL;
   if (prio >= d->caps.capset.msm.priorities)
      return -EINVAL;
   q = calloc(1, sizeof(*q));
   if (!q)
      return -ENOMEM;

   pthread_mutex_lock(&d->lock);
   if (nc_check_lost(d))
      ret = -EIO;
   else if (d->opt.anchors_only)
      ret = queue_new_ioctl(d, prio, flags, q);
   else
      ret = queue_new_async(d, prio, flags, q);
   if (!ret) {
      q->prio = prio;
      q->next = d->queues;
      d->queues = q;
      *id = q->id;
   }
   pthread_mutex_unlock(&d->lock);
   if (ret)
      free(q);
   return ret;
}

int
nc_submitqueue_close(struct ws_dev *dev, uint32_t id)
{
   struct nc_guest_dev *d = nc_guest_dev(dev);
   int ret = -ENOENT;

   /* msm_submitqueue_remove(): the default queue is not closable. */
   if (!id)
      return -ENOENT;
   pthread_mutex_lock(&d->lock);
   if (nc_check_lost(d)) {
      ret = -EIO;
      goto out;
   }
   for (struct nc_guest_queue **p = &d->queues; *p; p = &(*p)->next) {
      struct nc_guest_queue *q = *p;
      if (q->id != id)
         continue;
      /* Fire and forget: BOs still tracked on it keep reading its slot,
       * which the host holds until the queue's work retired. */
      ret = nc_ioctl_simple(d, DRM_IOCTL_MSM_SUBMITQUEUE_CLOSE, &id, false);
      if (!ret) {
         *p = q->next;
         free(q);
      }
      break;
   }
out:
   pthread_mutex_unlock(&d->lock);
   return ret;
}

int
nc_submitqueue_faults(struct ws_dev *dev, uint32_t id, uint32_t *faults)
{
   struct nc_guest_dev *d = nc_guest_dev(dev);
   struct nc_ccmd_submitqueue_query_req *req;
   uint64_t buf[(sizeof(struct nc_ccmd_submitqueue_query_rsp) + 4 + 7) / 8];
   struct nc_ccmd_submitqueue_query_rsp *rsp = (void *)buf;
   uint32_t rsp_off = 0;
   int ret;

   pthread_mutex_lock(&d->lock);
   if (nc_check_lost(d)) {
      ret = -EIO;
      goto out;
   }
   if (!nc_find_queue(d, id)) {
      ret = -ENOENT;
      goto out;
   }
   req = nc_req(d, NC_CCMD_SUBMITQUEUE_QUERY, sizeof(*req),
                sizeof(*rsp) + sizeof(*faults), &rsp_off);
   if (!req) {
      ret = nc_req_error(d);
      goto out;
   }
   req->queue_id = id;
   req->param = MSM_SUBMITQUEUE_PARAM_FAULTS;
   req->len = sizeof(*faults);
   ret = nc_sync_locked(d, rsp_off, rsp, sizeof(*rsp) + sizeof(*faults));
   if (!ret)
      ret = rsp->hdr.ret;
   if (!ret)
      memcpy(faults, rsp->payload, sizeof(*faults));
out:
   pthread_mutex_unlock(&d->lock);
   return ret;
}

