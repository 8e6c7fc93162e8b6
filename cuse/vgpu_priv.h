/*
 * vgpu_priv.h - the virtio_gpu personality's objects, shared by
 * vgpu_node.c (the node, its files, handles, storage, the ioctl path),
 * vgpu_events.c (fence signals, DRM events, fence fd import) and
 * vgpu_ioctls.c (one handler per virtgpu ioctl).
 *
 * Locks: f->lock serialises a file's ioctls and its vg ops (the vg layer is
 * not thread-safe per context); f->ev_lock guards what the event thread
 * touches (timelines, pending fence fds, the read queue) and is never held
 * across a vg call, so the event thread (which holds the channel's lock
 * while it calls us) never waits for an ioctl that waits for the channel.
 */
#ifndef MSMVIRT_CUSE_VGPU_PRIV_H
#define MSMVIRT_CUSE_VGPU_PRIV_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "nc_heap.h"
#include "nc_proto.h"
#include "vgpu_node.h"

#define WAIT_TIMEOUT_NS (15ull * 1000000000ull) /* virtio_gpu_wait_ioctl() */
#define PAGE            4096ull
#define MAX_EVENTS      1024 /* queued, unread DRM events per file */
#define ZOMBIE_RINGS    8    /* GPU rings a closed BO's storage may wait on */


struct vgpu_counters {
   _Atomic uint64_t ioctls, requests, failed;
};

struct vgpu_node {
   struct vgpu_node_config cfg;
   struct cuse_limits lim;
   struct vgpu_counters counters[VGPU_ID_COUNT + 1];
   /* EXECBUFFERs by kind: ring 0 (host CPU work: ccmds), rings >= 1 (GPU
    * work); with FENCE_FD_OUT on a GPU ring (a fence fd for the submit)
    * and on ring 0 (a sync request: the caller polls the fd until the host
    * has run the batch, a round trip); the events queued for readers. */
   _Atomic uint64_t exec_ring0, exec_gpu, exec_fence_out, exec_ring0_fence,
      events_queued;
   pthread_mutex_t lock;          /* capset, closed_stats */
   bool have_caps;
   struct nc_caps caps;
   struct vg_stats closed_stats;  /* of destroyed contexts */
   struct vgpu_file *files;       /* live files, under lock */
};

struct vgpu_bo {
   uint32_t res_id;
   uint32_t blob_mem, blob_flags;
   uint64_t size;
   uint64_t hm_offset;
   bool node_heap;               /* hm_offset is ours to free */
   struct vgpu_bo *next_zombie;  /* closed, storage still in GPU use */
   /* A zombie's storage is free once each GPU ring reached its seq (0:
    * nothing to wait for on that ring). */
   uint64_t zombie_seq[ZOMBIE_RINGS];
   uint32_t fence_ring;          /* the last EXECBUFFER naming it */
   uint64_t fence_seq;           /* 0: none */
};

struct pending_fd {
   struct pending_fd *next;
   uint32_t ring;
   uint64_t seq;
   int fd;                       /* our reference to the caller's eventfd */
};

struct vgpu_file {
   struct vgpu_node *node;
   struct vgpu_file *next;       /* node->files */
   pthread_mutex_t lock;
   struct vg_dev *vg;            /* NULL until CONTEXT_INIT */
   uint32_t num_rings;
   uint64_t poll_rings_mask;
   bool heap_ready;
   struct nc_heap heap;          /* blob storage in the context's arena */
   uint64_t heap_high;           /* arena bytes from here on were never used */
   struct vgpu_bo **handles;     /* handles[h - 1] */
   struct vgpu_bo *zombies;      /* closed BOs whose storage waits for a fence */
   uint32_t nr_handles;

   pthread_mutex_t ev_lock;
   pthread_cond_t ev_cond;
   uint64_t emitted[VGPU_MAX_RINGS];   /* last fence seq per ring */
   uint64_t completed[VGPU_MAX_RINGS]; /* last signalled */
   struct pending_fd *pending;
   uint32_t events;              /* queued DRM events */
   vgpu_notify_fn notify;
   void *notify_data;
};

struct vgpu_call {
   struct vgpu_file *f;
   uint32_t tid;
   void *args;                      /* the struct; written back if _IOC_READ */
   const struct fwd_region *regs;
   const uint8_t *in[FWD_MAX_REGIONS];
   uint8_t *out[FWD_MAX_REGIONS];
};

struct vgpu_handler {
   int (*run)(struct vgpu_call *c);
   bool unlocked;   /* the handler takes f->lock itself (it may sleep) */
};
extern const struct vgpu_handler vgpu_handlers[VGPU_ID_COUNT];

/* vgpu_node.c */
void vgpu_stats_add(struct vg_stats *a, const struct vg_stats *b);
void vgpu_bo_free(struct vgpu_file *f, struct vgpu_bo *bo);
bool vgpu_fence_done(struct vgpu_file *f, uint32_t ring, uint64_t seq);
bool vgpu_zombie_idle(struct vgpu_file *f, const struct vgpu_bo *bo);
void vgpu_reap_zombies(struct vgpu_file *f);
struct vgpu_bo *vgpu_bo_get(struct vgpu_file *f, uint32_t handle);
int vgpu_handle_put(struct vgpu_file *f, struct vgpu_bo *bo, uint32_t *handle);

/* vgpu_events.c */
void vgpu_signal_fd(int fd);
void vgpu_on_event(void *data, const struct vg_event *ev);

#endif
