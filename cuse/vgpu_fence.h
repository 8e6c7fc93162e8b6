/*
 * vgpu_fence.h - fence fds of the virtio_gpu node, on the caller's side
 * (the preload's ioctl() runs these; tests run them around a simulated
 * node).  CUSE cannot install an fd in the caller, so (docs/cuse.md):
 *
 *  - FENCE_FD_OUT: the caller side makes an eventfd (EFD_CLOEXEC), names
 *    it in fence_fd, and issues the ioctl; the node takes its own reference
 *    (pidfd_getfd) and writes 1 when the fence signals.  The caller gets
 *    that eventfd: poll(POLLIN) says signalled, dup/close are the kernel's.
 *    A signalled fence stays signalled (nobody reads the counter).
 *  - FENCE_FD_IN: waited here (poll) before the ioctl, then dropped: the
 *    node never sees a caller fd.  6.1 skips the wait for its own fence
 *    context and lets the host order; our host orders a context's records
 *    but not its rings against each other, so we wait for every in-fence,
 *    foreign fds (sync_files, pipes) included.
 *  - SYNC_IOC_MERGE on our eventfds: a new eventfd that a helper thread
 *    signals once both inputs are; one already signalled pair costs no
 *    thread.  SYNC_IOC_FILE_INFO: one fence, its status.
 * An fd is "ours" when it is an eventfd (/proc/self/fd says
 * anon_inode:[eventfd]); other fds keep their kernel behaviour.
 */
#ifndef MSMVIRT_CUSE_VGPU_FENCE_H
#define MSMVIRT_CUSE_VGPU_FENCE_H

#include <stdbool.h>

#include "virtgpu_drm.h"

typedef int (*vgpu_ioctl_fn)(void *data, unsigned long req, void *arg);

/* EXECBUFFER with the fence flags resolved around ioctl(data, ...);
 * returns its result (-1 with errno, like ioctl(2)). */
int vgpu_fence_execbuffer(vgpu_ioctl_fn ioctl_fn, void *data,
                          struct drm_virtgpu_execbuffer *eb);

bool vgpu_fence_is_ours(int fd);
/* The sync_file ioctls on one of our fds; -1 with errno like ioctl(2). */
int vgpu_fence_sync_ioctl(int fd, unsigned long req, void *arg);

#endif
