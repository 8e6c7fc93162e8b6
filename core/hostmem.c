/*
 * hostmem.c - memfd/file-backed BO storage (see hostmem.h).
 */
#include "hostmem.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int
hostmem_init(struct hostmem *hm, uint64_t size, const char *path)
{
   memset(hm, 0, sizeof(*hm));
   hm->fd = -1;

   size = (size + HOSTMEM_PAGE - 1) & ~(HOSTMEM_PAGE - 1);
   if (size < 2 * HOSTMEM_PAGE)
      return -EINVAL;

   if (path)
      hm->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
   else
      hm->fd = memfd_create("msmvirt-hostmem", MFD_CLOEXEC);
   if (hm->fd < 0)
      return -errno;

   if (ftruncate(hm->fd, (off_t)size) < 0)
      goto fail;

   hm->base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, hm->fd, 0);
   if (hm->base == MAP_FAILED) {
      hm->base = NULL;
      goto fail;
   }
   hm->size = size;
   /* Start from zeros even when an old file is reused. */
   fallocate(hm->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
             (off_t)size);
   /* The first page is never handed out: a BO's mmap offset is its hostmem
    * offset, and userspace (turnip's tu_bo_map) takes offset 0 for "no
    * offset", as no kernel ever returns it. */
   range_init(&hm->alloc, HOSTMEM_PAGE, size - HOSTMEM_PAGE);
   return 0;

fail:;
   int err = -errno;
   close(hm->fd);
   hm->fd = -1;
   return err;
}

void
hostmem_fini(struct hostmem *hm)
{
   if (hm->base)
      munmap(hm->base, hm->size);
   if (hm->fd >= 0)
      close(hm->fd);
   range_fini(&hm->alloc);
   memset(hm, 0, sizeof(*hm));
   hm->fd = -1;
}

int
hostmem_alloc(struct hostmem *hm, uint64_t size, void *owner,
              uint64_t *offset)
{
   int ret = range_alloc(&hm->alloc, size, HOSTMEM_PAGE, owner, offset);
   return ret == -ENOSPC ? -ENOMEM : ret;
}

void
hostmem_discard(struct hostmem *hm, uint64_t offset, uint64_t size)
{
   if (fallocate(hm->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                 (off_t)offset, (off_t)size) < 0)
      memset(hostmem_ptr(hm, offset), 0, size);
}

void
hostmem_free(struct hostmem *hm, uint64_t offset, uint64_t size)
{
   /* Drop the pages so the next user of this range sees zeros. */
   hostmem_discard(hm, offset, size);
   range_free(&hm->alloc, offset);
}
