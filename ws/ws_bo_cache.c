/*
 * ws_bo_cache.c - see ws_bo_cache.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "ws_bo_cache.h"
#include "msm_core.h"

static void
add_bucket(struct ws_bo_cache *c, uint64_t size)
{
   if (c->nr_buckets < WS_BO_CACHE_MAX_BUCKETS)
      c->bucket[c->nr_buckets++].size = size;
}

void
ws_bo_cache_init(struct ws_bo_cache *c, struct ws_dev *dev, bool enabled)
{
   *c = (struct ws_bo_cache){ .dev = dev, .enabled = enabled };
   /* mesa's non-coarse bucket ladder. */
   add_bucket(c, 4096);
   add_bucket(c, 8192);
   add_bucket(c, 12288);
   for (uint64_t size = 16384; size <= (64ull << 20); size *= 2) {
      add_bucket(c, size);
      add_bucket(c, size + size / 4);
      add_bucket(c, size + size / 2);
      add_bucket(c, size + size * 3 / 4);
   }
}

static int
get_bucket(const struct ws_bo_cache *c, uint64_t size)
{
   for (unsigned i = 0; i < c->nr_buckets; i++)
      if (c->bucket[i].size >= size)
         return (int)i;
   return -1;
}

static void
bo_close(struct ws_cache_bo *bo)
{
   ws_bo_free(bo->bo);
   free(bo);
}

static int64_t
now_sec(void)
{
   struct timespec ts;
   clock_gettime(CLOCK_MONOTONIC, &ts);
   return ts.tv_sec;
}

/* Close entries unused for more than a second, once per second at most. */
static void
cache_cleanup(struct ws_bo_cache *c, int64_t t)
{
   if (c->time_sec == t)
      return;
   for (unsigned i = 0; i < c->nr_buckets; i++) {
      while (c->bucket[i].head && t - c->bucket[i].head->free_sec > 1) {
         struct ws_cache_bo *bo = c->bucket[i].head;

         c->bucket[i].head = bo->next;
         if (!bo->next)
            c->bucket[i].tail = NULL;
         bo_close(bo);
         c->st.expired++;
      }
   }
   c->time_sec = t;
}

/* The oldest idle entry with these flags; stop at the first busy one (the
 * newer ones were freed later and are busier still). */
static struct ws_cache_bo *
find_in_bucket(struct ws_bo_cache *c, unsigned b, uint32_t flags)
{
   struct ws_cache_bo *prev = NULL;

   for (struct ws_cache_bo *bo = c->bucket[b].head; bo;
        prev = bo, bo = bo->next) {
      if (!ws_cache_bo_idle(bo))
         return NULL;
      if (bo->flags != flags)
         continue;
      if (prev)
         prev->next = bo->next;
      else
         c->bucket[b].head = bo->next;
      if (c->bucket[b].tail == bo)
         c->bucket[b].tail = prev;
      bo->next = NULL;
      return bo;
   }
   return NULL;
}

int
ws_cache_bo_new(struct ws_bo_cache *c, uint64_t size, uint32_t flags,
                struct ws_cache_bo **out)
{
   struct ws_cache_bo *bo;
   int b, ret;

   c->st.allocs++;
   size = MSM_PAGE_ALIGN(size);
   b = c->enabled ? get_bucket(c, size) : -1;
   if (b >= 0) {
      size = c->bucket[b].size;
      while ((bo = find_in_bucket(c, (unsigned)b, flags))) {
         uint32_t retained = 0;

         ret = ws_bo_madvise(bo->bo, MSM_MADV_WILLNEED, &retained);
         if (!ret && retained) {
            c->st.hits++;
            *out = bo;
            return 0;
         }
         /* Its pages are gone: close it and look again. */
         c->st.purged++;
         bo_close(bo);
      }
   }

   bo = calloc(1, sizeof(*bo));
   if (!bo)
      return -ENOMEM;
   ret = ws_bo_new(c->dev, size, flags, &bo->bo);
   if (ret) {
      free(bo);
      return ret;
   }
   bo->flags = flags;
   bo->size = size;
   *out = bo;
   return 0;
}

void
ws_cache_bo_free(struct ws_bo_cache *c, struct ws_cache_bo *bo)
{
   int b = c->enabled ? get_bucket(c, bo->size) : -1;
   int64_t t;

   if (b < 0 || c->bucket[b].size != bo->size) {
      bo_close(bo);
      return;
   }
   ws_bo_madvise(bo->bo, MSM_MADV_DONTNEED, NULL);
   t = now_sec();
   bo->free_sec = t;
   bo->next = NULL;
   if (c->bucket[b].tail)
      c->bucket[b].tail->next = bo;
   else
      c->bucket[b].head = bo;
   c->bucket[b].tail = bo;
   cache_cleanup(c, t);
}

int
ws_cache_bo_map(struct ws_cache_bo *bo, void **ptr)
{
   int ret;

   if (!bo->map) {
      ret = ws_bo_map(bo->bo, &bo->map);
      if (ret)
         return ret;
   }
   *ptr = bo->map;
   return 0;
}

void
ws_bo_cache_fini(struct ws_bo_cache *c)
{
   for (unsigned i = 0; i < c->nr_buckets; i++) {
      struct ws_cache_bo *bo = c->bucket[i].head, *next;

      for (; bo; bo = next) {
         next = bo->next;
         bo_close(bo);
      }
      c->bucket[i].head = c->bucket[i].tail = NULL;
   }
}
