/*
 * vgpu_node.h - the virtio_gpu personality of msmvirt-cuse: the daemon
 * plays the guest kernel's virtio-gpu driver for a DRM native context
 * (DESIGN.md decision 6), without libfuse (msmvirt-cuse.c wires it to CUSE;
 * tests drive it through a simulated CUSE kernel).
 *
 * What it keeps, as Linux 6.1's virtio_gpu does:
 *   - per open file: the context (made by CONTEXT_INIT, required before
 *     RESOURCE_CREATE_BLOB / EXECBUFFER), its GEM handle table, NUM_RINGS
 *     fence timelines and the POLL_RINGS_MASK event queue (read/poll);
 *   - per device: res_ids (the vg layer's, one counter per channel) and the
 *     capset, fetched once.
 * Each file's context is a vg_dev (nativectx/vg.h), opened by the caller's
 * vgpu_ctx_open_fn: vg_channel_open() on the daemon's transport.
 *
 * EXECBUFFER never waits for the host: it queues the batch with a fence
 * (every EXECBUFFER has one, as in 6.1) and returns.  FENCE_FD_OUT: the
 * caller's struct names an eventfd of the caller (the preload creates it,
 * cuse/preload_fence.c); the node takes its own reference to it
 * (import_fd, pidfd_getfd in the daemon) and writes it when the fence
 * signals.  FENCE_FD_IN must have been resolved by the preload (it waits
 * or drops it and clears the flag); one reaching the node is EINVAL, as an
 * fd that is not a sync_file.
 */
#ifndef MSMVIRT_CUSE_VGPU_NODE_H
#define MSMVIRT_CUSE_VGPU_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cuse_node.h"
#include "vg.h"
#include "vgpu_spec.h"

/* The DRM native-context capset id (virglrenderer's VIRGL_RENDERER_CAPSET_DRM). */
#define VGPU_CAPSET_DRM 6

struct vgpu_node;
struct vgpu_file;

/* A new host context for one file. */
typedef int (*vgpu_ctx_open_fn)(void *data, struct vg_dev **out);
/* The caller's (thread tid's process's) fd as one of ours, or -errno. */
typedef int (*vgpu_import_fd_fn)(void *data, uint32_t tid, int fd);
/* A file has events to read (called from the event thread). */
typedef void (*vgpu_notify_fn)(void *data);

struct vgpu_node_config {
   vgpu_ctx_open_fn open_ctx;
   void *open_data;
   vgpu_import_fd_fn import_fd;   /* NULL: vgpu_import_fd_pidfd */
   void *import_data;
   const struct cuse_limits *lim; /* NULL: the kernel's */
};

/* Per request type (vgpu_id; VGPU_ID_COUNT: unknown). */
struct vgpu_cmd_stats {
   uint64_t ioctls, requests, failed;
};

int vgpu_node_create(const struct vgpu_node_config *cfg, struct vgpu_node **out);
void vgpu_node_destroy(struct vgpu_node *n);
void vgpu_node_get_stats(struct vgpu_node *n, unsigned id,
                         struct vgpu_cmd_stats *st);
void vgpu_node_print_stats(struct vgpu_node *n, FILE *f);
/* Every context's vg counters summed, live and closed. */
void vgpu_node_vg_stats(struct vgpu_node *n, struct vg_stats *st);

int vgpu_file_create(struct vgpu_node *n, struct vgpu_file **out);
/* Like the last close of the DRM fd: the context goes, fence fds the
 * caller still holds are left unsignalled (their fences can never retire
 * for anyone now), the node's references to them are dropped. */
void vgpu_file_destroy(struct vgpu_file *f);
void vgpu_file_set_notify(struct vgpu_file *f, vgpu_notify_fn fn, void *data);

/* One FUSE_IOCTL request (cuse_node.h's contract). */
void vgpu_file_ioctl(struct vgpu_file *f, uint32_t tid, unsigned long cmd,
                     uint64_t arg, const void *in_buf, size_t in_bufsz,
                     size_t out_bufsz, struct cuse_step *st);

/* read(2): whole struct drm_event records, at most size bytes; 0 when none
 * is queued; -EINVAL when size cannot hold one. */
long vgpu_file_read(struct vgpu_file *f, void *buf, size_t size);
bool vgpu_file_readable(struct vgpu_file *f);

/* The default import_fd: pidfd_open(tgid of tid) + pidfd_getfd(). */
int vgpu_import_fd_pidfd(void *data, uint32_t tid, int fd);

#endif
