/*
 * ws_bo_cache.h - a guest driver's BO cache above any ws device, shaped like
 * mesa's fd_bo_cache (src/freedreno/drm/freedreno_bo_cache.c), so every mode
 * sees the same reuse pattern a real freedreno process would produce:
 *
 *  - size buckets: 4K, 8K, 12K, then four per power of two up to 64M;
 *  - a freed BO of a bucket size is kept (MADV_DONTNEED first, so the
 *    shrinker may take its pages), not closed;
 *  - allocation takes the oldest idle entry with the same flags, marks it
 *    MADV_WILLNEED and starts over if its pages were purged;
 *  - "idle" is decided in userspace, from the fence each BO was last
 *    submitted with against the pipe's control page (ws_pipe.h), as mesa's
 *    fd_bo_state() does: asking the kernel would be a round trip;
 *  - entries older than a second are closed for real.
 *
 * madvise costs a synchronous round trip per call over render-node
 * forwarding; mesa's virtio backend skips it for exactly that reason.  Both
 * behaviours fall out of the ws implementation, not of this cache.
 */
#ifndef MSMVIRT_WS_BO_CACHE_H
#define MSMVIRT_WS_BO_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "ws.h"

/* A BO as the cache hands it out: the ws BO and what the driver tracks about
 * it (mesa keeps the same in its fd_bo). */
struct ws_cache_bo {
   struct ws_bo *bo;
   void *map;                          /* CPU mapping once asked for */
   uint32_t flags;                     /* MSM_BO_* */
   uint64_t size;                      /* allocated size (bucket size) */
   const volatile uint32_t *fence_ptr; /* last pipe's control fence, or NULL */
   uint32_t ufence;                    /* that pipe's fence at the last use */
   /* while cached: */
   int64_t free_sec;
   struct ws_cache_bo *next;
};

#define WS_BO_CACHE_MAX_BUCKETS 64

struct ws_bo_cache_stats {
   uint64_t allocs;    /* ws_cache_bo_new calls */
   uint64_t hits;      /* served from the cache */
   uint64_t purged;    /* cache entries found purged on reuse */
   uint64_t expired;   /* entries closed after a second unused */
};

struct ws_bo_cache {
   struct ws_dev *dev;
   bool enabled;
   unsigned nr_buckets;
   struct {
      uint64_t size;
      struct ws_cache_bo *head, *tail; /* oldest first */
   } bucket[WS_BO_CACHE_MAX_BUCKETS];
   int64_t time_sec;
   struct ws_bo_cache_stats st;
};

/* enabled = false: ws_cache_bo_new always allocates and ws_cache_bo_free
 * always closes. */
void ws_bo_cache_init(struct ws_bo_cache *c, struct ws_dev *dev,
                      bool enabled);
/* Close every cached BO. */
void ws_bo_cache_fini(struct ws_bo_cache *c);

int ws_cache_bo_new(struct ws_bo_cache *c, uint64_t size, uint32_t flags,
                    struct ws_cache_bo **out);
/* Keep it for reuse (it may still be busy on the GPU) or close it. */
void ws_cache_bo_free(struct ws_bo_cache *c, struct ws_cache_bo *bo);
/* The CPU mapping, asked of ws once per BO. */
int ws_cache_bo_map(struct ws_cache_bo *bo, void **ptr);

static inline bool
ws_cache_bo_idle(const struct ws_cache_bo *bo)
{
   return !bo->fence_ptr || (int32_t)(*bo->fence_ptr - bo->ufence) >= 0;
}

#endif
