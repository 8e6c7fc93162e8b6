/*
 * range.c - sorted-array range allocator (see range.h).
 */
#include "range.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void
range_init(struct range_mgr *mgr, uint64_t start, uint64_t size)
{
   memset(mgr, 0, sizeof(*mgr));
   mgr->start = start;
   mgr->end = start + size;
}

void
range_fini(struct range_mgr *mgr)
{
   free(mgr->nodes);
   memset(mgr, 0, sizeof(*mgr));
}

/* Index of the first node whose start is > addr. */
static uint32_t
upper_bound(const struct range_mgr *mgr, uint64_t addr)
{
   uint32_t lo = 0, hi = mgr->count;

   while (lo < hi) {
      uint32_t mid = lo + (hi - lo) / 2;
      if (mgr->nodes[mid].start <= addr)
         lo = mid + 1;
      else
         hi = mid;
   }
   return lo;
}

static int
insert_at(struct range_mgr *mgr, uint32_t idx, uint64_t start, uint64_t size,
          void *owner)
{
   if (mgr->count == mgr->cap) {
      uint32_t cap = mgr->cap ? mgr->cap * 2 : 64;
      struct range_node *n = realloc(mgr->nodes, cap * sizeof(*n));
      if (!n)
         return -ENOMEM;
      mgr->nodes = n;
      mgr->cap = cap;
   }
   memmove(&mgr->nodes[idx + 1], &mgr->nodes[idx],
           (mgr->count - idx) * sizeof(mgr->nodes[0]));
   mgr->nodes[idx] = (struct range_node){ start, size, owner };
   mgr->count++;
   mgr->used += size;
   return 0;
}

int
range_alloc(struct range_mgr *mgr, uint64_t size, uint64_t align,
            void *owner, uint64_t *out)
{
   uint64_t hole_start = mgr->start;

   if (!size || !align || (align & (align - 1)))
      return -EINVAL;

   for (uint32_t i = 0; i <= mgr->count; i++) {
      uint64_t hole_end = i < mgr->count ? mgr->nodes[i].start : mgr->end;
      uint64_t addr = (hole_start + align - 1) & ~(align - 1);

      if (addr >= hole_start && addr < hole_end && hole_end - addr >= size) {
         int ret = insert_at(mgr, i, addr, size, owner);
         if (ret)
            return ret;
         *out = addr;
         return 0;
      }
      if (i < mgr->count)
         hole_start = mgr->nodes[i].start + mgr->nodes[i].size;
   }
   return -ENOSPC;
}

int
range_reserve(struct range_mgr *mgr, uint64_t start, uint64_t size,
              void *owner)
{
   uint32_t idx;

   if (!size)
      return -EINVAL;
   if (start < mgr->start || start > mgr->end || mgr->end - start < size)
      return -ENOSPC;

   idx = upper_bound(mgr, start);
   /* The node before must end at or before start ... */
   if (idx > 0) {
      const struct range_node *prev = &mgr->nodes[idx - 1];
      if (prev->start + prev->size > start)
         return -ENOSPC;
   }
   /* ... and the node after must begin at or after the end. */
   if (idx < mgr->count && mgr->nodes[idx].start < start + size)
      return -ENOSPC;

   return insert_at(mgr, idx, start, size, owner);
}

int
range_free(struct range_mgr *mgr, uint64_t start)
{
   uint32_t idx = upper_bound(mgr, start);

   if (idx == 0 || mgr->nodes[idx - 1].start != start)
      return -ENOENT;
   idx--;
   mgr->used -= mgr->nodes[idx].size;
   memmove(&mgr->nodes[idx], &mgr->nodes[idx + 1],
           (mgr->count - idx - 1) * sizeof(mgr->nodes[0]));
   mgr->count--;
   return 0;
}

const struct range_node *
range_lookup(const struct range_mgr *mgr, uint64_t addr)
{
   uint32_t idx = upper_bound(mgr, addr);
   const struct range_node *n;

   if (idx == 0)
      return NULL;
   n = &mgr->nodes[idx - 1];
   return addr - n->start < n->size ? n : NULL;
}
