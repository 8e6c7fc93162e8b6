/*
 * range.h - a small drm_mm-like allocator of [start, end) ranges.
 *
 * Used for hostmem offsets (the core's BO storage) and for each context's
 * GPU address space.  Nodes are kept sorted by start, so lookup and overlap
 * checks are binary searches; allocation is bottom-up first fit, like the
 * kernel's iova allocation.
 */
#ifndef MSMVIRT_RANGE_H
#define MSMVIRT_RANGE_H

#include <stdint.h>

struct range_node {
   uint64_t start;
   uint64_t size;
   void *owner;
};

struct range_mgr {
   uint64_t start, end;     /* managed space [start, end) */
   struct range_node *nodes; /* sorted by start, non-overlapping */
   uint32_t count, cap;
   uint64_t used;
};

void range_init(struct range_mgr *mgr, uint64_t start, uint64_t size);
void range_fini(struct range_mgr *mgr);

/* First fit of size bytes aligned to align (a power of two).
 * -ENOSPC when no hole is big enough, -EINVAL for size 0. */
int range_alloc(struct range_mgr *mgr, uint64_t size, uint64_t align,
                void *owner, uint64_t *out);

/* Claim exactly [start, start + size): -ENOSPC if it is outside the managed
 * space, wraps, or overlaps an existing node (the kernel's answer). */
int range_reserve(struct range_mgr *mgr, uint64_t start, uint64_t size,
                  void *owner);

/* Release the node starting at start; -ENOENT if there is none. */
int range_free(struct range_mgr *mgr, uint64_t start);

/* The node containing addr, or NULL. */
const struct range_node *range_lookup(const struct range_mgr *mgr,
                                      uint64_t addr);

#endif
