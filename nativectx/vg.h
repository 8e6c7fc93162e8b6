/*
 * vg.h - the guest's virtgpu-style layer, behind one small ops struct.
 *
 * The nativectx guest library never talks to a transport directly: it sees
 * what a guest process sees of virtio-gpu with a DRM native context:
 *   - context init with a DRM capset (VIRTGPU_CONTEXT_INIT + GET_CAPS),
 *   - blob resources backed by host GEM objects (RESOURCE_CREATE_BLOB, whose
 *     cmd payload is the GEM_NEW ccmd carrying the same blob_id),
 *   - resource unref (closing the last GEM handle of the resource),
 *   - EXECBUFFER: a ccmd batch, a ring_idx and an optional fence,
 *   - host-visible memory (the mapped BAR) and fence events.
 * Today's implementation rides the transport (vg_channel.c, one transport
 * session per context); a later one over the real virtgpu uapi in a VM
 * replaces it without touching the library.
 *
 * Ordering: every operation of one vg_dev reaches the host in call order.
 * Async operations may be held back and sent together with a later one
 * (virtqueue notification batching); VG_EXECBUF_SYNC, a non-deferred
 * EXECBUFFER and flush() send everything held.
 *
 * Threads: the ops of one vg_dev are not thread-safe (the library
 * serializes them); the event callback runs on another thread.
 */
#ifndef MSMVIRT_NC_VG_H
#define MSMVIRT_NC_VG_H

#include <stdint.h>

#include "nc_proto.h"

struct vg_dev;

/* Host -> guest notifications. */
enum vg_event_type {
   /* An EXECBUFFER fence signalled: ring 0 when the host CPU processed the
    * batch, ring N when the GPU work of priority N-1 it submitted retired. */
   VG_EVENT_FENCE = 1,
   /* The context's shared memory changed in a way a sleeper asked for
    * (ring_idx: the shmem queue slot, fence_id: its completed seqno), or the
    * context was lost.  Renderer-specific; no fence attached. */
   VG_EVENT_SHMEM = 2,
};

struct vg_event {
   uint32_t type;     /* enum vg_event_type */
   uint32_t ring_idx;
   uint64_t fence_id;
};

typedef void (*vg_event_fn)(void *data, const struct vg_event *ev);

struct vg_blob_create {
   uint64_t blob_id;   /* guest-chosen; the cmd's GEM_NEW names the same */
   uint64_t size;      /* page aligned */
   uint64_t hm_offset; /* where the storage lives in hostmem (guest's pick) */
   const void *cmd;    /* ccmds the host runs first (the GEM_NEW) */
   uint32_t cmd_len;
};

/* execbuf flags */
#define VG_EXECBUF_SYNC  (1u << 0) /* return once the host processed it */
#define VG_EXECBUF_FENCE (1u << 1) /* signal fence_id on ring_idx */
#define VG_EXECBUF_DEFER (1u << 2) /* more follows: the notify may wait */

struct vg_stats {
   uint64_t messages;         /* guest->host notifications (frames) */
   uint64_t bytes;            /* both directions, headers included */
   uint64_t sync_round_trips; /* times the caller blocked on the host */
   uint64_t events;           /* host->guest events */
};

struct vg_ops {
   const char *name;
   /* Destroy the context (the host frees everything it owned). */
   void (*destroy)(struct vg_dev *vg);
   /* Events go to fn(data, ...) from now on (NULL: dropped). */
   void (*set_event_cb)(struct vg_dev *vg, vg_event_fn fn, void *data);
   /* Async.  *res_id is assigned by this layer, as a guest kernel would. */
   int (*blob_create)(struct vg_dev *vg, const struct vg_blob_create *args,
                      uint32_t *res_id);
   /* Async. */
   int (*resource_unref)(struct vg_dev *vg, uint32_t res_id);
   /* cmd: a batch of ccmds (may be empty).  Async unless VG_EXECBUF_SYNC;
    * -EIO when the host reports the context lost. */
   int (*execbuf)(struct vg_dev *vg, const void *cmd, uint32_t len,
                  uint32_t ring_idx, uint64_t fence_id, uint32_t flags);
   /* Send whatever is held back. */
   int (*flush)(struct vg_dev *vg);
   void (*get_stats)(struct vg_dev *vg, struct vg_stats *st);
};

struct vg_dev {
   const struct vg_ops *ops;
   struct nc_caps caps;     /* from context init: anchor capset + ext */
   uint8_t *hostmem;        /* host-visible memory as mapped here, or NULL */
   uint64_t hostmem_size;
};

static inline void vg_destroy(struct vg_dev *vg) { vg->ops->destroy(vg); }
static inline void vg_set_event_cb(struct vg_dev *vg, vg_event_fn fn, void *d)
{ vg->ops->set_event_cb(vg, fn, d); }
static inline int vg_blob_create(struct vg_dev *vg,
                                 const struct vg_blob_create *a, uint32_t *r)
{ return vg->ops->blob_create(vg, a, r); }
static inline int vg_resource_unref(struct vg_dev *vg, uint32_t res_id)
{ return vg->ops->resource_unref(vg, res_id); }
static inline int vg_execbuf(struct vg_dev *vg, const void *cmd, uint32_t len,
                             uint32_t ring_idx, uint64_t fence_id,
                             uint32_t flags)
{ return vg->ops->execbuf(vg, cmd, len, ring_idx, fence_id, flags); }
static inline int vg_flush(struct vg_dev *vg) { return vg->ops->flush(vg); }
static inline void vg_get_stats(struct vg_dev *vg, struct vg_stats *st)
{ vg->ops->get_stats(vg, st); }

#endif
