/*
 * hostmem.h - the shared region that holds every mappable BO.
 *
 * Backed by a memfd (shareable with a guest process over SCM_RIGHTS) or by
 * a file (the file behind QEMU's ivshmem-plain device).  BOs are offsets into
 * it, never pointers, so the same numbers mean the same bytes to the host and
 * to every guest that maps the region.
 */
#ifndef MSMVIRT_HOSTMEM_H
#define MSMVIRT_HOSTMEM_H

#include <stdint.h>

#include "msm_core.h"
#include "range.h"

#define HOSTMEM_PAGE MSM_PAGE_SIZE

struct hostmem {
   void *base;
   uint64_t size;
   int fd;
   struct range_mgr alloc;
};

/* path NULL: anonymous memfd.  Otherwise the file is created or resized. */
int hostmem_init(struct hostmem *hm, uint64_t size, const char *path);
void hostmem_fini(struct hostmem *hm);

/* Page-aligned storage of size bytes: -ENOMEM when the region is full. */
int hostmem_alloc(struct hostmem *hm, uint64_t size, void *owner,
                  uint64_t *offset);
/* Give the pages back (their contents are discarded: a later allocation of
 * the same offset reads zeros, so nothing leaks between BOs or contexts). */
void hostmem_free(struct hostmem *hm, uint64_t offset, uint64_t size);

/* Discard the contents of a range without freeing it (reads give zeros). */
void hostmem_discard(struct hostmem *hm, uint64_t offset, uint64_t size);

static inline void *
hostmem_ptr(const struct hostmem *hm, uint64_t offset)
{
   return (char *)hm->base + offset;
}

#endif
