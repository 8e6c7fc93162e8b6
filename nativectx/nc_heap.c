/*
 * nc_heap.c - see nc_heap.h.
 */
#include <errno.h>
#include <stdlib.h>

#include "nc_heap.h"

struct nc_extent {
   struct nc_extent *next;
   uint64_t start, size;
};

int
nc_heap_init(struct nc_heap *h, uint64_t start, uint64_t size)
{
   h->start = start;
   h->size = size;
   h->free = NULL;
   h->free_bytes = 0;
   if (!size)
      return 0;
   h->free = calloc(1, sizeof(*h->free));
   if (!h->free)
      return -ENOMEM;
   h->free->start = start;
   h->free->size = size;
   h->free_bytes = size;
   return 0;
}

void
nc_heap_fini(struct nc_heap *h)
{
   while (h->free) {
      struct nc_extent *e = h->free;
      h->free = e->next;
      free(e);
   }
   h->free_bytes = 0;
}

int
nc_heap_alloc(struct nc_heap *h, uint64_t size, uint64_t align, uint64_t *out)
{
   if (!size || !align || (align & (align - 1)))
      return -EINVAL;
   if (size > h->free_bytes)
      return -ENOSPC;

   for (struct nc_extent **p = &h->free; *p; p = &(*p)->next) {
      struct nc_extent *e = *p;
      uint64_t at = (e->start + align - 1) & ~(align - 1);
      uint64_t pad = at - e->start;

      if (at < e->start || pad > e->size || e->size - pad < size)
         continue;
      if (pad) {
         /* Keep the alignment gap in front as its own extent. */
         struct nc_extent *tail = NULL;
         if (e->size - pad > size) {
            tail = calloc(1, sizeof(*tail));
            if (!tail)
               return -ENOMEM;
            tail->start = at + size;
            tail->size = e->size - pad - size;
            tail->next = e->next;
            e->next = tail;
         }
         e->size = pad;
      } else if (e->size == size) {
         *p = e->next;
         free(e);
      } else {
         e->start += size;
         e->size -= size;
      }
      h->free_bytes -= size;
      *out = at;
      return 0;
   }
   return -ENOSPC;
}

int
nc_heap_free(struct nc_heap *h, uint64_t start, uint64_t size)
{
   uint64_t end = start + size;
   struct nc_extent **p = &h->free, *prev = NULL;

   if (!size || end < start || start < h->start ||
       end > h->start + h->size)
      return -EINVAL;
   while (*p && (*p)->start < start) {
      prev = *p;
      p = &(*p)->next;
   }
   struct nc_extent *next = *p;
   if ((prev && prev->start + prev->size > start) ||
       (next && next->start < end))
      return -EINVAL;

   if (prev && prev->start + prev->size == start) {
      prev->size += size;
      if (next && next->start == end) {
         prev->size += next->size;
         prev->next = next->next;
         free(next);
      }
   } else if (next && next->start == end) {
      next->start = start;
      next->size += size;
   } else {
      struct nc_extent *e = calloc(1, sizeof(*e));
      if (!e)
         return -ENOMEM;
      e->start = start;
      e->size = size;
      e->next = next;
      *p = e;
   }
   h->free_bytes += size;
   return 0;
}
