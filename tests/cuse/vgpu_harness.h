/*
 * vgpu_harness.h - a virtio_gpu node in this process: the daemon's
 * personality (vgpu_node.c) behind a simulated CUSE kernel (fake_cuse.c),
 * served by a nativectx host on its own thread over an in-process core
 * (nc_channel_loopback()), and a "guest process" on it doing what the
 * preload does for fence fds (vgpu_fence.c).  Everything msmvirt-cuse does
 * in nativectx mode except libfuse and the wire.
 */
#ifndef MSMVIRT_TESTS_VGPU_HARNESS_H
#define MSMVIRT_TESTS_VGPU_HARNESS_H

#include <stdint.h>

#include "vg.h"

struct msm_core;
struct vgpu_node;
struct vgpu_file;

struct vgpu_harness {
   struct msm_core *core;
   struct nc_channel *ch;
   struct vgpu_node *node;
};

int vgpu_harness_create(struct vgpu_harness *h);
/* With the transport's latency model: every notification arrives rtt/2
 * later (a fence cannot signal before that). */
int vgpu_harness_create_rtt(struct vgpu_harness *h, uint32_t rtt_us);
void vgpu_harness_destroy(struct vgpu_harness *h);

/* One open of the node. */
struct vgpu_client;
int vgpu_client_open(struct vgpu_harness *h, struct vgpu_client **out);
void vgpu_client_close(struct vgpu_client *c);
/* ioctl(2) as the caller sees it (preload included): 0 or -errno. */
int vgpu_client_ioctl(struct vgpu_client *c, unsigned long req, void *arg);
/* Wait up to timeout_ms for a DRM event; 1: one read, 0: none. */
int vgpu_client_wait_event(struct vgpu_client *c, int timeout_ms);
/* The library's vg layer on a fresh open (vg_ioctl.c); it owns the open. */
int vgpu_client_vg(struct vgpu_harness *h, struct vg_dev **out);

#endif
