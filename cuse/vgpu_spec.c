/*
 * vgpu_spec.c - the virtio_gpu node's ioctl table (vgpu_spec.h).
 *
 * Served: VERSION ("virtio_gpu"), GET_CAP, GEM_CLOSE and every virtgpu
 * ioctl a native-context guest uses (vgpu_node.c).  Refused, and why:
 *  - EACCES: GET_UNIQUE, SET_CLIENT_CAP, GEM_FLINK, GEM_OPEN: no
 *    DRM_RENDER_ALLOW, drm_ioctl_permit() refuses them on a render node.
 *  - ENOSYS: PRIME_*: CUSE cannot install a dma-buf fd in the caller (6.1
 *    answers ENOSYS for a driver without PRIME callbacks).
 *  - EOPNOTSUPP: SYNCOBJ_CREATE: 6.1's virtio_gpu has no DRIVER_SYNCOBJ;
 *    drm_syncobj.c says EOPNOTSUPP (the other syncobj ioctls are ENOTTY
 *    here: nobody calls them on a node whose CREATE fails).
 *  - ENOSYS: RESOURCE_CREATE, TRANSFER_FROM/TO_HOST: classic virgl 3D
 *    resources need a virgl renderer on the host; this device offers only
 *    the DRM native-context capset, as a 6.1 kernel answers 3D calls on a
 *    device without VIRTIO_GPU_F_VIRGL (its 3D_FEATURES is still 1, the
 *    bit EXECBUFFER and blob HOST3D need).
 */
#include <errno.h>
#include <sys/ioctl.h>

#include "nc_proto.h"
#include "vgpu_spec.h"

#define ANSWER(id_, cmd_, err, why_) \
   FWD_SPEC_ANSWER(VGPU_ID_##id_, #id_, cmd_, err, why_)
#define SERVED(id_, cmd_, ...) \
   FWD_SPEC_SERVED(VGPU_ID_##id_, #id_, cmd_, __VA_ARGS__)

#define NO_VIRGL   "no virgl 3D resources: the device offers the DRM native-context capset only"

#define VERSION_STR(member, len_member) \
   FWD_SPEC_VERSION_STR(member, len_member, VGPU_VERSION_STR_MAX)

static const struct fwd_ioctl_spec vgpu_table[] = {
   FWD_SPEC_DRM_RENDER_ROWS(SERVED, ANSWER, VERSION_STR),
   ANSWER(SYNCOBJ_CREATE, DRM_IOCTL_SYNCOBJ_CREATE, EOPNOTSUPP,
          "6.1's virtio_gpu has no DRIVER_SYNCOBJ"),

   SERVED(MAP, DRM_IOCTL_VIRTGPU_MAP),
   /* command: the ccmd batch; bo_handles: the BOs the fence covers.  The
    * fence fds are the preload's business (docs/cuse.md). */
   SERVED(EXECBUFFER, DRM_IOCTL_VIRTGPU_EXECBUFFER, .nr_regions = 2,
          .regions = {
      { .name = "command",
        .ptr = FWD_FIELD(struct drm_virtgpu_execbuffer, command),
        .count = FWD_FIELD(struct drm_virtgpu_execbuffer, size),
        .elem_size = 1, .dir = FWD_IN, .max_count = VGPU_CMD_MAX,
        .over_max_errno = E2BIG },
      { .name = "bo_handles",
        .ptr = FWD_FIELD(struct drm_virtgpu_execbuffer, bo_handles),
        .count = FWD_FIELD(struct drm_virtgpu_execbuffer, num_bo_handles),
        .elem_size = 4, .dir = FWD_IN, .max_count = VGPU_EXEC_BOS_MAX,
        .over_max_errno = ENOMEM },
   }),
   /* value is a pointer to the int the kernel writes (copy_to_user of
    * sizeof(int)). */
   SERVED(GETPARAM, DRM_IOCTL_VIRTGPU_GETPARAM, .nr_regions = 1, .regions = {
      { .name = "value", .ptr = FWD_FIELD(struct drm_virtgpu_getparam, value),
        .fixed_count = 1, .elem_size = 4, .dir = FWD_OUT, .max_count = 1 },
   }),
   ANSWER(RESOURCE_CREATE, DRM_IOCTL_VIRTGPU_RESOURCE_CREATE, ENOSYS, NO_VIRGL),
   SERVED(RESOURCE_INFO, DRM_IOCTL_VIRTGPU_RESOURCE_INFO),
   ANSWER(TRANSFER_FROM_HOST, DRM_IOCTL_VIRTGPU_TRANSFER_FROM_HOST, ENOSYS,
          NO_VIRGL),
   ANSWER(TRANSFER_TO_HOST, DRM_IOCTL_VIRTGPU_TRANSFER_TO_HOST, ENOSYS,
          NO_VIRGL),
   SERVED(WAIT, DRM_IOCTL_VIRTGPU_WAIT),
   /* The kernel copies min(size, the capset's size): a larger buffer is
    * clamped, not refused, and its bytes past the capset stay the
    * caller's. */
   SERVED(GET_CAPS, DRM_IOCTL_VIRTGPU_GET_CAPS, .nr_regions = 1, .regions = {
      { .name = "addr", .ptr = FWD_FIELD(struct drm_virtgpu_get_caps, addr),
        .count = FWD_FIELD(struct drm_virtgpu_get_caps, size),
        .elem_size = 1, .dir = FWD_OUT, .max_count = sizeof(struct nc_caps) },
   }),
   SERVED(RESOURCE_CREATE_BLOB, DRM_IOCTL_VIRTGPU_RESOURCE_CREATE_BLOB,
          .nr_regions = 1, .regions = {
      { .name = "cmd",
        .ptr = FWD_FIELD(struct drm_virtgpu_resource_create_blob, cmd),
        .count = FWD_FIELD(struct drm_virtgpu_resource_create_blob, cmd_size),
        .elem_size = 1, .dir = FWD_IN, .max_count = VGPU_CMD_MAX,
        .over_max_errno = E2BIG },
   }),
   SERVED(CONTEXT_INIT, DRM_IOCTL_VIRTGPU_CONTEXT_INIT, .nr_regions = 1,
          .regions = {
      { .name = "ctx_set_params",
        .ptr = FWD_FIELD(struct drm_virtgpu_context_init, ctx_set_params),
        .count = FWD_FIELD(struct drm_virtgpu_context_init, num_params),
        .elem_size = sizeof(struct drm_virtgpu_context_set_param),
        .dir = FWD_IN, .max_count = VGPU_CTX_PARAMS_MAX,
        .over_max_errno = EINVAL },
   }),
};

_Static_assert(sizeof(vgpu_table) / sizeof(vgpu_table[0]) == VGPU_ID_COUNT,
               "one table entry per vgpu_id");

const struct fwd_ioctl_spec *
vgpu_spec_table(unsigned *count)
{
   *count = VGPU_ID_COUNT;
   return vgpu_table;
}

const struct fwd_ioctl_spec *
vgpu_spec_lookup(unsigned long req)
{
   return fwd_spec_lookup_in(vgpu_table, VGPU_ID_COUNT, req);
}
