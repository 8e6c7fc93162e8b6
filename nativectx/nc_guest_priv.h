/*
 * nc_guest_priv.h - the nativectx guest library's objects, shared by
 * nc_guest.c (device, request batching, submits), nc_guest_queue.c (submit
 * queues), nc_guest_bo.c
 * (BOs, address/storage heaps, fence tracking) and nc_guest_fence.c
 * (waiting on fences through the shared page).
 *
 * Locking: dev->lock guards everything of the device; fence sleeps happen
 * on ev_lock/ev_cond without dev->lock held, so the event callback (the
 * transport's reader thread) never waits for a caller that is itself
 * waiting for a reply that thread must read.
 */
#ifndef MSMVIRT_NC_GUEST_PRIV_H
#define MSMVIRT_NC_GUEST_PRIV_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "msm_core.h"   /* the uapi bounds (header only: no core link) */
#include "msm_rules.h"
#include "nc_guest.h"
#include "nc_heap.h"
#include "nc_proto.h"
#include "vg.h"

#define NC_PAGE         MSM_PAGE_SIZE
#define NC_MAX_ARENAS   16          /* the host's MSM_MAX_ARENAS */
#define NC_BATCH_CAP    (64u << 10) /* flushed when full */
#define NC_BATCH_MAX    (512u << 10)/* largest single request */
#define NC_UPLOAD_CHUNK (32u << 10)
#define NC_PARAM_STR_MAX 4096       /* the kernel's COMM/CMDLINE bound */

/* A submit queue as the guest knows it. */
struct nc_guest_queue {
   struct nc_guest_queue *next;
   uint32_t id;
   uint32_t prio;
   uint32_t slot;        /* its nc_shmem_queue */
   uint32_t last_fence;  /* the last seqno we assigned; 0: none yet */
};

/* A BO's (or a freed range's) last use on one queue. */
struct nc_track {
   uint32_t queue_id;
   uint32_t slot;
   uint32_t rd, wr;      /* last reading / writing fence, 0: none */
};

struct nc_bo {
   struct ws_bo base;
   struct nc_bo *prev, *next; /* the device's live BOs */
   uint32_t res_id;
   uint32_t arena;
   uint64_t hm_offset;
   uint32_t madv;        /* MSM_MADV_WILLNEED, _DONTNEED, __MSM_MADV_PURGED */
   uint32_t madv_slot;   /* its shared madvise word, or NC_MADV_SLOT_NONE */
   uint32_t submit_seqno; /* request seqno of the last submit naming it */
   int32_t madv_pending; /* index in nc_guest_dev.madv_pending, or -1 */
   uint32_t submit_mark; /* duplicate detection within one submit */
   bool has_upload;      /* a GEM_UPLOAD the host may not have run yet */
   bool mapped_once;
   uint32_t upload_seqno;
   uint32_t nr_track, cap_track;
   struct nc_track *track;
};

/* A freed BO's ranges, until they may be reused. */
struct nc_zombie {
   struct nc_zombie *next;
   uint64_t iova, size, hm_offset;
   uint32_t arena;
   bool gated;           /* also wait for the host to process gate_seqno */
   uint32_t gate_seqno;
   uint32_t nr_track;
   struct nc_track *track;
};

struct nc_arena {
   uint64_t offset, size;
   uint64_t high;        /* everything at or above is still zero */
   struct nc_heap heap;
};

struct nc_guest_dev {
   struct ws_dev base;
   struct vg_dev *vg;
   struct nc_channel *owned_ch; /* closed with the device, or NULL */
   struct nc_options opt;
   struct nc_caps caps;
   uint32_t ext;         /* the extensions this device enabled */

   pthread_mutex_t lock;
   int lost;             /* 0 or -EIO */

   struct nc_shmem *shmem; /* host-written, mapped here (blob 0) */
   struct nc_shmem_state *state; /* NC_EXT_QUEUE_STATE's area in it */
   uint32_t shmem_res;
   uint8_t *rsp_area;
   uint32_t rsp_size, rsp_head;
   uint8_t *hostmem;

   uint8_t *batch;
   uint32_t batch_len, batch_cap;
   uint32_t seqno;       /* last request seqno assigned */
   uint32_t blob_id;     /* last blob id assigned */
   uint32_t submit_gen;

   struct nc_heap iova;
   struct nc_arena arenas[NC_MAX_ARENAS];
   uint32_t nr_arenas;
   uint64_t arena_total;
   struct nc_zombie *zombies;
   struct nc_bo *bos;    /* live BOs: close frees what the caller did not */

   struct nc_guest_queue *queues;
   uint32_t next_queue_id; /* our queue ids: never reused, never 0 */
   /* The queue we last put in each shmem slot, and the seqno of the request
    * that made it: until the host ran that, the slot does not name it yet.
    * Written under lock, read by fence waits without it (atomics). */
   uint32_t slot_queue[NC_MAX_QUEUES];
   uint32_t slot_born[NC_MAX_QUEUES];

   /* Shared madvise words (NC_EXT_MADV_WORDS): free slots, and slots
    * freed with their BO that wait for the host to detach them. */
   uint32_t *madv_words;
   uint32_t *madv_free, nr_madv_free;
   uint32_t madv_next;   /* never handed out yet: [madv_next, NC_MADV_SLOTS) */
   struct nc_madv_gate { uint32_t slot, seqno; } *madv_gated;
   uint32_t nr_madv_gated, cap_madv_gated;
   /* DONTNEED BOs whose word still says WILLNEED: a submit naming them has
    * not reached the host yet, and the host must not purge them before. */
   struct nc_bo **madv_pending;
   uint32_t nr_madv_pending, cap_madv_pending;

   pthread_mutex_t ev_lock;
   pthread_cond_t ev_cond; /* any event */
};

static inline struct nc_guest_dev *
nc_guest_dev(struct ws_dev *dev)
{
   return (struct nc_guest_dev *)dev;
}

static inline struct nc_bo *
nc_bo(struct ws_bo *bo)
{
   return (struct nc_bo *)bo;
}

static inline bool
nc_after(uint32_t a, uint32_t b)
{
   return (int32_t)(a - b) > 0;
}

static inline bool
nc_after_eq(uint32_t a, uint32_t b)
{
   return (int32_t)(a - b) >= 0;
}

/* nc_guest.c */
bool nc_check_lost(struct nc_guest_dev *d);
void *nc_req(struct nc_guest_dev *d, uint32_t cmd, uint32_t len, uint32_t rsp_len,
             uint32_t *rsp_off);
int nc_req_error(const struct nc_guest_dev *d);
int nc_flush_locked(struct nc_guest_dev *d, uint32_t vg_flags);
int nc_sync_locked(struct nc_guest_dev *d, uint32_t rsp_off, void *rsp,
                   uint32_t rsp_len);
uint64_t nc_deadline(int64_t timeout_ns);
struct nc_guest_queue *nc_find_queue(struct nc_guest_dev *d, uint32_t id);
/* One allow-listed ioctl through IOCTL_SIMPLE; sync: wait for the answer
 * and copy the uapi struct back. */
int nc_ioctl_simple(struct nc_guest_dev *d, uint32_t cmd, void *payload, bool sync);

/* nc_guest_queue.c */
int nc_submitqueue_new(struct ws_dev *dev, uint32_t prio, uint32_t flags,
                       uint32_t *id);
int nc_submitqueue_close(struct ws_dev *dev, uint32_t id);
int nc_submitqueue_faults(struct ws_dev *dev, uint32_t id, uint32_t *faults);

/* nc_guest_bo.c */
int nc_arenas_init(struct nc_guest_dev *d);
void nc_bos_fini(struct nc_guest_dev *d);
void nc_arenas_fini(struct nc_guest_dev *d);
bool nc_fence_done(struct nc_guest_dev *d, uint32_t slot, uint32_t queue_id,
                   uint32_t fence);
bool nc_slot_drained(struct nc_guest_dev *d, uint32_t slot);
int nc_wait_fence_slot(struct nc_guest_dev *d, uint32_t slot, uint32_t queue_id,
                       uint32_t fence, uint64_t deadline_ns);
int nc_bo_track(struct nc_bo *bo, const struct nc_guest_queue *q, uint32_t fence,
                uint32_t flags);
void nc_on_event(void *data, const struct vg_event *ev);

int nc_bo_new(struct ws_dev *dev, uint64_t size, uint32_t flags,
              struct ws_bo **out);
void nc_bo_free(struct ws_bo *bo);
int nc_bo_map(struct ws_bo *bo, void **ptr);
int nc_bo_upload(struct ws_bo *bo, uint64_t offset, const void *src,
                 uint64_t len);
int nc_bo_cpu_prep(struct ws_bo *bo, uint32_t op, int64_t timeout_ns);
int nc_bo_cpu_fini(struct ws_bo *bo);
int nc_bo_set_name(struct ws_bo *bo, const char *name);
int nc_bo_madvise(struct ws_bo *bo, uint32_t madv, uint32_t *retained);
/* nc_guest_madv.c: the shared madvise words. */
uint32_t nc_madv_slot_get(struct nc_guest_dev *d);
void nc_madv_slot_put(struct nc_guest_dev *d, uint32_t slot, uint32_t gate_seqno);
void nc_madv_pending_remove(struct nc_guest_dev *d, struct nc_bo *bo);
void nc_madv_pending_sweep(struct nc_guest_dev *d);

/* The host limits the argument rules need, from the capset. */
struct msm_rules_caps nc_rules_caps(const struct nc_guest_dev *d);

#endif
