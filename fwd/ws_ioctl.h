/*
 * ws_ioctl.h - the "msm-ioctl" guest driver API implementation (ws.h),
 * written purely in msm ioctls the way mesa's freedreno msm backend issues
 * them, over any ioctl function: the in-process forward client, a CUSE node
 * fd, or a real msm render node.
 */
#ifndef MSMVIRT_WS_IOCTL_H
#define MSMVIRT_WS_IOCTL_H

#include <stdint.h>

#include "ws.h"

#ifdef __cplusplus
extern "C" {
#endif

struct ws_msm_ioctl_ops {
   /* ioctl(2)-shaped, but returning 0 or -errno. */
   int (*ioctl)(void *data, unsigned long req, void *arg);
   /* CPU mapping of size bytes at the mmap offset GEM_INFO(GET_OFFSET)
    * gave (mmap of the node / the preload helper / hostmem base + offset).
    * NULL on failure. */
   void *(*map)(void *data, uint64_t offset, uint64_t size);
   void (*unmap)(void *data, void *ptr, uint64_t size); /* may be NULL */
   /* Transport counters; NULL: all zero. */
   void (*get_stats)(void *data, struct ws_stats *st);
   /* Called by ws_close() after every BO is gone; may be NULL. */
   void (*close)(void *data);
};

/* ops is copied; data is handed back to every op. */
int ws_msm_ioctl_open(const struct ws_msm_ioctl_ops *ops, void *data,
                      struct ws_dev **out);

/* The whole forward stack in one process, no transport: ws over msm
 * ioctls -> fwd_ioctl() marshalling -> fwd_host_handle() on a new context
 * of core -> the core.  BO memory is core's hostmem.  The conformance
 * suite's forward factory; ws_close() destroys the context. */
struct msm_core;
int ws_fwd_inproc_open(struct msm_core *core, struct ws_dev **out);

#ifdef __cplusplus
}
#endif

#endif
