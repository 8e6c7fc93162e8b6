/*
 * vg_ioctl.h - the virtgpu-style layer (vg.h) over the virtgpu uapi: a DRM
 * fd of a virtio_gpu node with a DRM native context, as msmvirt-cuse's
 * nativectx personality serves it in a guest (and a real virtio-gpu node
 * would).  The guest library and the compare workloads then run unchanged
 * on top (ws_nativectx_open()).
 *
 *   open          CONTEXT_INIT {CAPSET_ID 6, NUM_RINGS 1, POLL_RINGS_MASK 1},
 *                 GET_CAPS (capset 6)
 *   blob_create   RESOURCE_CREATE_BLOB (HOST3D, MAPPABLE; the GEM_NEW ccmd
 *                 as cmd); res_id from the reply; MAP, and the blob mmapped
 *                 where the library expects it (below)
 *   unref         GEM_CLOSE of the blob's handle, the mapping dropped
 *   execbuf       EXECBUFFER on ring 0; VG_EXECBUF_SYNC adds FENCE_FD_OUT
 *                 and polls the fence fd (the preload makes it an eventfd)
 *   events        a thread reads the node's DRM events (the shmem wake-ups
 *                 arrive as ring-0 fence events) and calls the callback
 *   hostmem       a reserved range of hostmem_size bytes: each blob is
 *                 mapped (the node at MAP's offset; the preload maps the
 *                 BAR) at the offset the library picked for it, wherever
 *                 the kernel placed its storage, as a real guest maps one
 *                 blob at a time.  Outside blobs the range is private,
 *                 zero, discarded memory.
 *
 * Every op is one ioctl: there is no batching below the library's own
 * (DEFER is sent at once, since a later blob create must not overtake it).
 */
#ifndef MSMVIRT_NC_VG_IOCTL_H
#define MSMVIRT_NC_VG_IOCTL_H

#include <stdint.h>

#include "vg.h"

struct vg_ioctl_funcs {
   /* ioctl(2) on the node: 0, or -1 with errno. */
   int (*ioctl)(void *data, unsigned long req, void *arg);
   /* mmap(2) of the node's offset at addr (MAP_SHARED | MAP_FIXED):
    * 0 or -errno. */
   int (*map)(void *data, void *addr, uint64_t size, uint64_t offset);
   /* Block until the node has events (and consume them): 0; 1 once stop()
    * was called; -errno. */
   int (*wait_events)(void *data);
   void (*stop)(void *data);
   /* After the event thread ended: close the node (the host context goes). */
   void (*close)(void *data);
};

/* hostmem_size: the size of the host-visible region (the BAR). */
int vg_ioctl_open_with(const struct vg_ioctl_funcs *fn, void *data,
                       uint64_t hostmem_size, struct vg_dev **out);

/* A real DRM fd (taken, closed by vg_destroy). */
int vg_ioctl_open_fd(int fd, uint64_t hostmem_size, struct vg_dev **out);

#endif
