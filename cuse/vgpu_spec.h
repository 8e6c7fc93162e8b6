/*
 * vgpu_spec.h - the virtio_gpu personality's ioctl table: every ioctl the
 * node answers, described once in the forward table's own entry type
 * (fwd_spec.h), so the one CUSE retry planner (cuse_plan.h) fetches exactly
 * the caller memory each needs, and the node (vgpu_node.c) dispatches on
 * the entry's id.
 *
 * Entries with .answer are refused with that errno before anything runs
 * (vgpu_spec.c says why for each).
 */
#ifndef MSMVIRT_CUSE_VGPU_SPEC_H
#define MSMVIRT_CUSE_VGPU_SPEC_H

#include "fwd_spec.h"
#include "virtgpu_drm.h"

enum vgpu_id {
   VGPU_ID_VERSION,
   VGPU_ID_GET_UNIQUE,
   VGPU_ID_GEM_CLOSE,
   VGPU_ID_GEM_FLINK,
   VGPU_ID_GEM_OPEN,
   VGPU_ID_GET_CAP,
   VGPU_ID_SET_CLIENT_CAP,
   VGPU_ID_PRIME_HANDLE_TO_FD,
   VGPU_ID_PRIME_FD_TO_HANDLE,
   VGPU_ID_SYNCOBJ_CREATE,
   VGPU_ID_MAP,
   VGPU_ID_EXECBUFFER,
   VGPU_ID_GETPARAM,
   VGPU_ID_RESOURCE_CREATE,
   VGPU_ID_RESOURCE_INFO,
   VGPU_ID_TRANSFER_FROM_HOST,
   VGPU_ID_TRANSFER_TO_HOST,
   VGPU_ID_WAIT,
   VGPU_ID_GET_CAPS,
   VGPU_ID_RESOURCE_CREATE_BLOB,
   VGPU_ID_CONTEXT_INIT,
   VGPU_ID_COUNT
};

/* Limits of the table (the kernel's own where it has one). */
#define VGPU_MAX_RINGS        64    /* VIRTGPU_CONTEXT_PARAM_NUM_RINGS bound */
#define VGPU_CTX_PARAMS_MAX   3     /* one of each VIRTGPU_CONTEXT_PARAM_* */
#define VGPU_EXEC_BOS_MAX     4096  /* msm's MSM_DEFAULT_MAX_SUBMIT_BOS */
#define VGPU_VERSION_STR_MAX  64
/* A ccmd batch or blob cmd: what one CUSE request can carry (the kernel
 * has no bound but memory; docs/cuse.md). */
#define VGPU_CMD_MAX          (32u * 4096u)

const struct fwd_ioctl_spec *vgpu_spec_table(unsigned *count);
/* By request number ('d' space, nr; size/direction bits may differ). */
const struct fwd_ioctl_spec *vgpu_spec_lookup(unsigned long req);

#endif
