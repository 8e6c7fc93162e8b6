/*
 * nc_heap.h - the guest's range allocator (iova and hostmem arenas).
 *
 * A sorted list of free extents, first fit from the bottom (the kernel's
 * drm_mm habit, which keeps address spaces compact), coalescing on free.
 * It only hands out numbers; deciding WHEN a freed range may be reused
 * (after its BO's last fence retired) is the caller's job.
 */
#ifndef MSMVIRT_NC_HEAP_H
#define MSMVIRT_NC_HEAP_H

#include <stdint.h>

struct nc_extent;

struct nc_heap {
   uint64_t start, size;
   struct nc_extent *free; /* sorted by start, never adjacent */
   uint64_t free_bytes;
};

/* 0 or -ENOMEM. */
int nc_heap_init(struct nc_heap *h, uint64_t start, uint64_t size);
void nc_heap_fini(struct nc_heap *h);
/* align: a power of two.  0 or -ENOSPC. */
int nc_heap_alloc(struct nc_heap *h, uint64_t size, uint64_t align,
                  uint64_t *out);
/* Give [start, start + size) back.  0, -EINVAL if outside the heap or
 * overlapping free space (a double free), -ENOMEM. */
int nc_heap_free(struct nc_heap *h, uint64_t start, uint64_t size);

#endif
