/*
 * fwd_spec.c - the forward ioctl spec table and its region resolver.
 *
 * What the forward node answers, and why (the kernel behaviour we mimic is
 * that of a 6.1 msm render node, or of a 6.1 driver without the feature):
 *
 *  - Served: VERSION and GET_CAP (answered by the host: we are the driver),
 *    GEM_CLOSE, every msm ioctl, and the binary syncobj ioctls CREATE,
 *    DESTROY, WAIT, RESET, SIGNAL (the core implements them).
 *    GET_CAP(SYNCOBJ) = 1.
 *  - EACCES: GET_UNIQUE, SET_CLIENT_CAP, GEM_FLINK, GEM_OPEN.  They lack
 *    DRM_RENDER_ALLOW, and drm_ioctl_permit() refuses such ioctls on a
 *    render node before they run.
 *  - ENOSYS: PRIME_HANDLE_TO_FD / PRIME_FD_TO_HANDLE.  6.1's
 *    drm_prime_*_ioctl() returns it for a driver without PRIME callbacks,
 *    which is what we are: CUSE cannot install a dma-buf fd in the caller,
 *    and a guest fd number means nothing on the host.  GET_CAP(PRIME) = 0.
 *  - EOPNOTSUPP: SYNCOBJ_TIMELINE_WAIT, QUERY, TRANSFER, TIMELINE_SIGNAL,
 *    as 6.1's drm_syncobj.c answers for a driver without
 *    DRIVER_SYNCOBJ_TIMELINE (msm in 6.1; GET_CAP(SYNCOBJ_TIMELINE) = 0, so
 *    turnip emulates timelines on binary syncobjs).  And SYNCOBJ_HANDLE_TO_FD
 *    / FD_TO_HANDLE: both make or take an fd (a syncobj file or a
 *    sync_file), CUSE cannot install an fd in the caller, and a guest fd
 *    number means nothing on the host.  EOPNOTSUPP is what a driver
 *    without the feature says, and what mesa's vk_drm_syncobj copes with
 *    (sync_file export falls back to a zero-time wait).
 *  - ENOTTY: anything not in the table (see fwd_spec_lookup()).  6.1's
 *    drm_ioctl() says EINVAL for an unknown nr in the 'd' space, newer
 *    kernels ENOTTY for a foreign type; ENOTTY is the VFS convention for an
 *    ioctl a device does not know, and what CUSE would say.
 *
 * Limits: max_count of a request array is the core's default limit with
 * the core's errno (E2BIG for submit arrays), or the kernel's own bound
 * with its errno (SET_PARAM strings > PAGE_SIZE, GEM names >= 32: EINVAL).
 * A core configured above the defaults is still capped here: these are the
 * protocol's limits too.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "fwd_spec.h"
#include "fwd_wire.h"
#include "msm_core.h"

/* Kernel bounds the table mirrors. */
/* The table bounds its arrays by the kernel's bounds and the core's
 * default limits (msm_core.h): a guest-side refusal is never stricter than
 * the host's. */
#define FWD_SUBMIT_BOS_MAX      MSM_DEFAULT_MAX_SUBMIT_BOS
#define FWD_SUBMIT_CMDS_MAX     MSM_DEFAULT_MAX_SUBMIT_CMDS
#define FWD_SUBMIT_SYNCOBJ_MAX  MSM_DEFAULT_MAX_SUBMIT_SYNCOBJS
#define FWD_SYNCOBJ_HANDLES_MAX MSM_DEFAULT_MAX_SYNCOBJ_HANDLES
#define FWD_VERSION_STR_MAX    64   /* drm_copy_field() never writes more
                                       than our own strings */
#define FWD_QUERY_DATA_MAX     8    /* sizeof(queue->faults) is 4 */

/* Both sides keep a copy of the struct in a FWD_MAX_STRUCT buffer. */
#define ANSWER(id_, cmd_, err, why_) \
   FWD_SPEC_ANSWER(FWD_ID_##id_, #id_, cmd_, err, why_)
#define SERVED(id_, cmd_, ...) \
   FWD_SPEC_SERVED(FWD_ID_##id_, #id_, cmd_, __VA_ARGS__)

#define NO_TIMELINE "no DRIVER_SYNCOBJ_TIMELINE: binary syncobjs only (turnip emulates timelines)"
#define NO_SYNCOBJ_FD "no syncobj/sync_file fds: CUSE cannot install an fd in the caller, and a guest fd means nothing on the host"

#define VERSION_STR(member, len_member) \
   FWD_SPEC_VERSION_STR(member, len_member, FWD_VERSION_STR_MAX)

#define SET_PARAM_STR(param_)                                            \
   { .name = #param_, .ptr = FWD_FIELD(struct drm_msm_param, value),     \
     .count = FWD_FIELD(struct drm_msm_param, len), .elem_size = 1,      \
     .dir = FWD_IN, .max_count = MSM_PARAM_STR_MAX,                      \
     .over_max_errno = EINVAL,                                           \
     .cond = { FWD_FIELD(struct drm_msm_param, param), FWD_COND_EQ,      \
               MSM_PARAM_##param_ } }

#define SUBMIT_SYNCOBJS(member, nr_member, flag)                         \
   { .name = #member, .ptr = FWD_FIELD(struct drm_msm_gem_submit, member), \
     .count = FWD_FIELD(struct drm_msm_gem_submit, nr_member),           \
     .elem_size = sizeof(struct drm_msm_gem_submit_syncobj),             \
     .stride = FWD_FIELD(struct drm_msm_gem_submit, syncobj_stride),     \
     .dir = FWD_IN, .max_count = FWD_SUBMIT_SYNCOBJ_MAX,                 \
     .over_max_errno = E2BIG,                                            \
     .cond = { FWD_FIELD(struct drm_msm_gem_submit, flags), FWD_COND_BITS, \
               flag } }

/* WAIT / RESET / SIGNAL: handles[], count_handles u32 handles.  The kernel
 * has no bound but kmalloc; the core's (E2BIG) is the protocol's. */
#define SYNCOBJ_HANDLES(type)                                            \
   { .name = "handles", .ptr = FWD_FIELD(type, handles),                 \
     .count = FWD_FIELD(type, count_handles), .elem_size = 4,            \
     .dir = FWD_IN, .max_count = FWD_SYNCOBJ_HANDLES_MAX,                \
     .over_max_errno = E2BIG }

static const struct fwd_ioctl_spec fwd_table[] = {
   FWD_SPEC_DRM_RENDER_ROWS(SERVED, ANSWER, VERSION_STR),
   SERVED(SYNCOBJ_CREATE, DRM_IOCTL_SYNCOBJ_CREATE),
   SERVED(SYNCOBJ_DESTROY, DRM_IOCTL_SYNCOBJ_DESTROY),
   ANSWER(SYNCOBJ_HANDLE_TO_FD, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, EOPNOTSUPP,
          NO_SYNCOBJ_FD),
   ANSWER(SYNCOBJ_FD_TO_HANDLE, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, EOPNOTSUPP,
          NO_SYNCOBJ_FD),
   SERVED(SYNCOBJ_WAIT, DRM_IOCTL_SYNCOBJ_WAIT, .nr_regions = 1, .regions = {
      SYNCOBJ_HANDLES(struct drm_syncobj_wait),
   }, .deadline = { offsetof(struct drm_syncobj_wait, timeout_nsec),
                    FWD_DEADLINE_NSEC }),
   SERVED(SYNCOBJ_RESET, DRM_IOCTL_SYNCOBJ_RESET, .nr_regions = 1, .regions = {
      SYNCOBJ_HANDLES(struct drm_syncobj_array),
   }),
   SERVED(SYNCOBJ_SIGNAL, DRM_IOCTL_SYNCOBJ_SIGNAL, .nr_regions = 1,
          .regions = {
      SYNCOBJ_HANDLES(struct drm_syncobj_array),
   }),
   ANSWER(SYNCOBJ_TIMELINE_WAIT, DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT, EOPNOTSUPP,
          NO_TIMELINE),
   ANSWER(SYNCOBJ_QUERY, DRM_IOCTL_SYNCOBJ_QUERY, EOPNOTSUPP, NO_TIMELINE),
   ANSWER(SYNCOBJ_TRANSFER, DRM_IOCTL_SYNCOBJ_TRANSFER, EOPNOTSUPP,
          NO_TIMELINE),
   ANSWER(SYNCOBJ_TIMELINE_SIGNAL, DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL,
          EOPNOTSUPP, NO_TIMELINE),

   SERVED(MSM_GET_PARAM, DRM_IOCTL_MSM_GET_PARAM),
   /* value is a pointer only for COMM/CMDLINE (len bytes, no NUL needed). */
   SERVED(MSM_SET_PARAM, DRM_IOCTL_MSM_SET_PARAM, .nr_regions = 2, .regions = {
      SET_PARAM_STR(COMM),
      SET_PARAM_STR(CMDLINE),
   }),
   SERVED(MSM_GEM_NEW, DRM_IOCTL_MSM_GEM_NEW),
   /* value is a pointer only for SET_NAME (in) and GET_NAME (out; a zero
    * value asks for the length).  The kernel writes strlen(name) <= 31
    * bytes, so a longer buffer is clamped, not refused. */
   SERVED(MSM_GEM_INFO, DRM_IOCTL_MSM_GEM_INFO, .nr_regions = 2, .regions = {
      { .name = "set_name", .ptr = FWD_FIELD(struct drm_msm_gem_info, value),
        .count = FWD_FIELD(struct drm_msm_gem_info, len), .elem_size = 1,
        .dir = FWD_IN, .max_count = MSM_BO_NAME_LEN - 1,
        .over_max_errno = EINVAL,
        .cond = { FWD_FIELD(struct drm_msm_gem_info, info), FWD_COND_EQ,
                  MSM_INFO_SET_NAME } },
      { .name = "get_name", .ptr = FWD_FIELD(struct drm_msm_gem_info, value),
        .count = FWD_FIELD(struct drm_msm_gem_info, len), .elem_size = 1,
        .dir = FWD_OUT, .nullable = true, .max_count = MSM_BO_NAME_LEN,
        .cond = { FWD_FIELD(struct drm_msm_gem_info, info), FWD_COND_EQ,
                  MSM_INFO_GET_NAME } },
   }),
   SERVED(MSM_GEM_CPU_PREP, DRM_IOCTL_MSM_GEM_CPU_PREP,
          .deadline = { offsetof(struct drm_msm_gem_cpu_prep, timeout),
                        FWD_DEADLINE_TIMESPEC }),
   SERVED(MSM_GEM_CPU_FINI, DRM_IOCTL_MSM_GEM_CPU_FINI),
   /* bos[].presumed is "in/out" in the uapi, but the 6.1 kernel never
    * copies it back (and a6xx has no relocs to patch), and the core takes
    * bos const: shipping the array back on every submit would only inflate
    * the forward path's byte counts.  So bos is in.  cmds[].relocs
    * is a pointer one level deeper: a6xx rejects any reloc with EINVAL, so
    * we never follow it and require nr_relocs == 0 instead. */
   SERVED(MSM_GEM_SUBMIT, DRM_IOCTL_MSM_GEM_SUBMIT, .nr_regions = 4, .regions = {
      { .name = "bos", .ptr = FWD_FIELD(struct drm_msm_gem_submit, bos),
        .count = FWD_FIELD(struct drm_msm_gem_submit, nr_bos),
        .elem_size = sizeof(struct drm_msm_gem_submit_bo), .dir = FWD_IN,
        .max_count = FWD_SUBMIT_BOS_MAX, .over_max_errno = E2BIG },
      { .name = "cmds", .ptr = FWD_FIELD(struct drm_msm_gem_submit, cmds),
        .count = FWD_FIELD(struct drm_msm_gem_submit, nr_cmds),
        .elem_size = sizeof(struct drm_msm_gem_submit_cmd), .dir = FWD_IN,
        .max_count = FWD_SUBMIT_CMDS_MAX, .over_max_errno = E2BIG,
        .elem_zero = { FWD_FIELD(struct drm_msm_gem_submit_cmd, nr_relocs),
                       EINVAL } },
      SUBMIT_SYNCOBJS(in_syncobjs, nr_in_syncobjs, MSM_SUBMIT_SYNCOBJ_IN),
      SUBMIT_SYNCOBJS(out_syncobjs, nr_out_syncobjs, MSM_SUBMIT_SYNCOBJ_OUT),
   }),
   SERVED(MSM_WAIT_FENCE, DRM_IOCTL_MSM_WAIT_FENCE,
          .deadline = { offsetof(struct drm_msm_wait_fence, timeout),
                        FWD_DEADLINE_TIMESPEC }),
   SERVED(MSM_GEM_MADVISE, DRM_IOCTL_MSM_GEM_MADVISE),
   SERVED(MSM_SUBMITQUEUE_NEW, DRM_IOCTL_MSM_SUBMITQUEUE_NEW),
   SERVED(MSM_SUBMITQUEUE_CLOSE, DRM_IOCTL_MSM_SUBMITQUEUE_CLOSE),
   /* data is written only for PARAM_FAULTS: min(len, 4) bytes.  The
    * ioctl is _IOW, so the updated len never reaches the caller. */
   SERVED(MSM_SUBMITQUEUE_QUERY, DRM_IOCTL_MSM_SUBMITQUEUE_QUERY,
          .nr_regions = 1, .regions = {
      { .name = "data", .ptr = FWD_FIELD(struct drm_msm_submitqueue_query, data),
        .count = FWD_FIELD(struct drm_msm_submitqueue_query, len),
        .elem_size = 1, .dir = FWD_OUT, .max_count = FWD_QUERY_DATA_MAX,
        .cond = { FWD_FIELD(struct drm_msm_submitqueue_query, param),
                  FWD_COND_EQ, MSM_SUBMITQUEUE_PARAM_FAULTS } },
   }),
};

_Static_assert(sizeof(fwd_table) / sizeof(fwd_table[0]) == FWD_ID_COUNT,
               "one table entry per fwd_id");

const struct fwd_ioctl_spec *
fwd_spec_table(unsigned *count)
{
   *count = sizeof(fwd_table) / sizeof(fwd_table[0]);
   return fwd_table;
}

const struct fwd_ioctl_spec *
fwd_spec_lookup_in(const struct fwd_ioctl_spec *table, unsigned count,
                   unsigned long req)
{
   if (_IOC_TYPE(req) != DRM_IOCTL_BASE)
      return NULL;
   for (unsigned i = 0; i < count; i++)
      if (_IOC_NR(table[i].cmd) == _IOC_NR(req))
         return &table[i];
   return NULL;
}

const struct fwd_ioctl_spec *
fwd_spec_lookup(unsigned long req)
{
   return fwd_spec_lookup_in(fwd_table, FWD_ID_COUNT, req);
}

const struct fwd_ioctl_spec *
fwd_spec_by_cmd(uint32_t cmd)
{
   for (unsigned i = 0; i < FWD_ID_COUNT; i++)
      if (fwd_table[i].cmd == cmd)
         return &fwd_table[i];
   return NULL;
}

const struct fwd_ioctl_spec *
fwd_spec_by_name(const char *name)
{
   for (unsigned i = 0; i < FWD_ID_COUNT; i++)
      if (!strcmp(fwd_table[i].name, name))
         return &fwd_table[i];
   return NULL;
}

void
fwd_spec_user_sizes(const struct fwd_ioctl_spec *spec, unsigned long req,
                    uint32_t *in_size, uint32_t *out_size)
{
   uint32_t usize = _IOC_SIZE(req);
   uint32_t both = _IOC_DIR(req) & spec->dir;

   *in_size = (both & _IOC_WRITE) ? usize : 0;
   *out_size = (both & _IOC_READ) ? usize : 0;
}

uint64_t
fwd_field_get(const void *args, struct fwd_field f)
{
   const uint8_t *p = (const uint8_t *)args + f.offset;

   switch (f.size) {
   case 1: return *p;
   case 2: { uint16_t v; memcpy(&v, p, 2); return v; }
   case 4: { uint32_t v; memcpy(&v, p, 4); return v; }
   case 8: { uint64_t v; memcpy(&v, p, 8); return v; }
   default: return 0;
   }
}

void
fwd_field_set(void *args, struct fwd_field f, uint64_t v)
{
   uint8_t *p = (uint8_t *)args + f.offset;

   switch (f.size) {
   case 1: *p = (uint8_t)v; break;
   case 2: { uint16_t x = (uint16_t)v; memcpy(p, &x, 2); break; }
   case 4: { uint32_t x = (uint32_t)v; memcpy(p, &x, 4); break; }
   case 8: memcpy(p, &v, 8); break;
   default: break;
   }
}

static bool
region_cond(const struct fwd_region_spec *rs, const void *args)
{
   uint64_t v;

   if (rs->cond.op == FWD_COND_ALWAYS)
      return true;
   v = fwd_field_get(args, rs->cond.field);
   if (rs->cond.op == FWD_COND_EQ)
      return v == rs->cond.value;
   return (v & rs->cond.value) != 0;
}

int
fwd_spec_regions(const struct fwd_ioctl_spec *spec, const void *args,
                 struct fwd_region regs[FWD_MAX_REGIONS])
{
   memset(regs, 0, sizeof(*regs) * FWD_MAX_REGIONS);

   for (uint32_t i = 0; i < spec->nr_regions; i++) {
      const struct fwd_region_spec *rs = &spec->regions[i];
      struct fwd_region *r = &regs[i];
      uint64_t count;

      r->dir = rs->dir;
      r->elem_size = rs->elem_size;
      if (!region_cond(rs, args))
         continue;
      r->uaddr = fwd_field_get(args, rs->ptr);
      if (rs->nullable && !r->uaddr)
         continue;

      count = rs->count.size ? fwd_field_get(args, rs->count)
                             : rs->fixed_count;
      if (count > rs->max_count) {
         if (rs->over_max_errno)
            return -rs->over_max_errno;
         count = rs->max_count;
         r->clamped = true;
      }
      /* copy_from_user()/copy_to_user() on a NULL buffer. */
      if (count && !r->uaddr)
         return -EFAULT;

      r->active = true;
      r->count = count;
      r->ustride = rs->stride.size ? fwd_field_get(args, rs->stride)
                                   : rs->elem_size;
      r->ucopy = r->ustride < rs->elem_size ? (uint32_t)r->ustride
                                            : rs->elem_size;
      r->wire_bytes = count * rs->elem_size;
      r->span = count ? (count - 1) * r->ustride + r->ucopy : 0;
   }
   return 0;
}

size_t
fwd_spec_max_request(void)
{
   size_t max = 0;

   for (unsigned i = 0; i < FWD_ID_COUNT; i++) {
      const struct fwd_ioctl_spec *s = &fwd_table[i];
      size_t n = FWD_WIRE_HDR_SIZE(s->nr_regions) + s->size;
      for (uint32_t r = 0; r < s->nr_regions; r++)
         if (s->regions[r].dir & FWD_IN)
            n += (size_t)s->regions[r].max_count * s->regions[r].elem_size;
      if (n > max)
         max = n;
   }
   return max;
}

size_t
fwd_spec_max_reply(void)
{
   size_t max = 0;

   for (unsigned i = 0; i < FWD_ID_COUNT; i++) {
      const struct fwd_ioctl_spec *s = &fwd_table[i];
      size_t n = FWD_WIRE_HDR_SIZE(s->nr_regions) + s->size;
      for (uint32_t r = 0; r < s->nr_regions; r++)
         if (s->regions[r].dir & FWD_OUT)
            n += (size_t)s->regions[r].max_count * s->regions[r].elem_size;
      if (n > max)
         max = n;
   }
   return max;
}
