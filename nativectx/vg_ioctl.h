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
 *                 as cmd); res_id from the reply
 *   unref         GEM_CLOSE of the blob's handle
 *   execbuf       EXECBUFFER on ring 0; VG_EXECBUF_SYNC adds FENCE_FD_OUT
 *                 and polls the fence fd (the preload makes it an eventfd)
 *   events        a thread reads the node's DRM events (the shmem wake-ups
 *                 arrive as ring-0 fence events) and calls the callback
 *   hostmem       the node mmapped at offset 0 (the preload maps the BAR)
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
   /* Block until the node has events (and consume them): 0; 1 once stop()
    * was called; -errno. */
   int (*wait_events)(void *data);
   void (*stop)(void *data);
   /* After the event thread ended: close the node (the host context goes). */
   void (*close)(void *data);
};

/* hostmem/hostmem_size: host-visible memory as mapped here. */
int vg_ioctl_open_with(const struct vg_ioctl_funcs *fn, void *data,
                       uint8_t *hostmem, uint64_t hostmem_size,
                       struct vg_dev **out);

/* A real DRM fd (taken, closed by vg_destroy); hostmem_size bytes of the
 * node are mapped from offset 0. */
int vg_ioctl_open_fd(int fd, uint64_t hostmem_size, struct vg_dev **out);

#endif
