/*
 * fwd_host.c - the host forwarder: validate a request against the spec
 * table, copy it, run the matching msm_ctx_* call, build the reply.
 *
 * Like virglrenderer's msm_renderer.c dispatch: the table (fwd_spec.c)
 * decides what a well-formed request is before any handler runs, and every
 * handler is a few lines with one job.  Nothing is decoded in place: the
 * struct and every region are copied out of the message first (it may sit
 * in memory the guest can still write), and every length is recomputed
 * from our own copy of the struct, never taken from the message.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "fwd_host.h"
#include "fwd_spec.h"
#include "fwd_wire.h"
#include "msm_core.h"
#include "vclock.h"

/* bufs[i]: host copy of region i, NULL when the region is inactive. */
typedef int (*fwd_host_fn)(struct msm_ctx *ctx, void *args,
                           void *bufs[FWD_MAX_REGIONS]);

/* drm_copy_field(): write what fits, report the full length, and skip a
 * NULL buffer. */
static void
copy_field(void *args, const struct fwd_region_spec *rs, void *buf,
           const char *value)
{
   size_t n = strlen(value);
   uint64_t cap = fwd_field_get(args, rs->count);

   if (buf)
      memcpy(buf, value, n < cap ? n : cap);
   fwd_field_set(args, rs->count, n);
}

static int
host_version(struct msm_ctx *ctx, void *args, void *bufs[FWD_MAX_REGIONS])
{
   const struct fwd_ioctl_spec *spec = fwd_spec_by_cmd(DRM_IOCTL_VERSION);
   struct drm_version *v = args;

   (void)ctx;
   v->version_major = FWD_DRIVER_MAJOR;
   v->version_minor = FWD_DRIVER_MINOR;
   v->version_patchlevel = FWD_DRIVER_PATCHLEVEL;
   copy_field(args, &spec->regions[0], bufs[0], FWD_DRIVER_NAME);
   copy_field(args, &spec->regions[1], bufs[1], FWD_DRIVER_DATE);
   copy_field(args, &spec->regions[2], bufs[2], FWD_DRIVER_DESC);
   return 0;
}

/* drm_getcap() for a render-only driver (no DRIVER_MODESET): the four
 * render caps, EOPNOTSUPP for the rest.  We claim only what we serve: no
 * PRIME callbacks, DRIVER_SYNCOBJ but not DRIVER_SYNCOBJ_TIMELINE (msm in
 * 6.1; fwd_spec.c says why). */
static int
host_get_cap(struct msm_ctx *ctx, void *args, void *bufs[FWD_MAX_REGIONS])
{
   struct drm_get_cap *cap = args;

   (void)ctx;
   (void)bufs;
   cap->value = 0;
   switch (cap->capability) {
   case DRM_CAP_TIMESTAMP_MONOTONIC:
   case DRM_CAP_SYNCOBJ:
      cap->value = 1;
      return 0;
   case DRM_CAP_PRIME:
   case DRM_CAP_SYNCOBJ_TIMELINE:
      return 0;
   default:
      return -EOPNOTSUPP;
   }
}

static int
host_gem_close(struct msm_ctx *ctx, void *args, void *bufs[FWD_MAX_REGIONS])
{
   (void)bufs;
   return msm_ctx_gem_close(ctx, ((struct drm_gem_close *)args)->handle);
}

static int
host_get_param(struct msm_ctx *ctx, void *args, void *bufs[FWD_MAX_REGIONS])
{
   (void)bufs;
   return msm_ctx_get_param(ctx, args);
}

static int
host_set_param(struct msm_ctx *ctx, void *args, void *bufs[FWD_MAX_REGIONS])
{
   /* At most one of COMM / CMDLINE is active. */
   return msm_ctx_set_param(ctx, args, bufs[0] ? bufs[0] : bufs[1]);
}

static int
host_gem_new(struct msm_ctx *ctx, void *args, void *bufs[FWD_MAX_REGIONS])
{
   (void)bufs;
   return msm_ctx_gem_new(ctx, args);
}

static int
host_gem_info(struct msm_ctx *ctx, void *args, void *bufs[FWD_MAX_REGIONS])
{
   /* SET_NAME or GET_NAME, or neither. */
   return msm_ctx_gem_info(ctx, args, bufs[0] ? bufs[0] : bufs[1]);
}

static int
host_gem_cpu_prep(struct msm_ctx *ctx, void *args, void *bufs[FWD_MAX_REGIONS])
{
   (void)bufs;
   return msm_ctx_gem_cpu_prep(ctx, args);
}

static int
host_gem_cpu_fini(struct msm_ctx *ctx, void *args, void *bufs[FWD_MAX_REGIONS])
{
   (void)bufs;
   return msm_ctx_gem_cpu_fini(ctx, args);
}

static int
host_gem_submit(struct msm_ctx *ctx, void *args, void *bufs[FWD_MAX_REGIONS])
{
   /* bufs[2..3]: the syncobj arrays in canonical layout (the guest applied
    * syncobj_stride), NULL unless their flag is set. */
   return msm_ctx_gem_submit_syncobjs(ctx, args, bufs[0], bufs[1], bufs[2],
                                      bufs[3]);
}

static int
host_syncobj_create(struct msm_ctx *ctx, void *args,
                    void *bufs[FWD_MAX_REGIONS])
{
   (void)bufs;
   return msm_ctx_syncobj_create(ctx, args);
}

static int
host_syncobj_destroy(struct msm_ctx *ctx, void *args,
                     void *bufs[FWD_MAX_REGIONS])
{
   (void)bufs;
   return msm_ctx_syncobj_destroy(ctx, args);
}

static int
host_syncobj_wait(struct msm_ctx *ctx, void *args, void *bufs[FWD_MAX_REGIONS])
{
   return msm_ctx_syncobj_wait(ctx, args, bufs[0]);
}

static int
host_syncobj_reset(struct msm_ctx *ctx, void *args, void *bufs[FWD_MAX_REGIONS])
{
   return msm_ctx_syncobj_reset(ctx, args, bufs[0]);
}

static int
host_syncobj_signal(struct msm_ctx *ctx, void *args,
                    void *bufs[FWD_MAX_REGIONS])
{
   return msm_ctx_syncobj_signal(ctx, args, bufs[0]);
}

static int
host_wait_fence(struct msm_ctx *ctx, void *args, void *bufs[FWD_MAX_REGIONS])
{
   (void)bufs;
   return msm_ctx_wait_fence(ctx, args);
}

static int
host_gem_madvise(struct msm_ctx *ctx, void *args, void *bufs[FWD_MAX_REGIONS])
{
   (void)bufs;
   return msm_ctx_gem_madvise(ctx, args);
}

static int
host_submitqueue_new(struct msm_ctx *ctx, void *args,
                     void *bufs[FWD_MAX_REGIONS])
{
   (void)bufs;
   return msm_ctx_submitqueue_new(ctx, args);
}

static int
host_submitqueue_close(struct msm_ctx *ctx, void *args,
                       void *bufs[FWD_MAX_REGIONS])
{
   uint32_t id;

   (void)bufs;
   memcpy(&id, args, sizeof(id));
   return msm_ctx_submitqueue_close(ctx, id);
}

static int
host_submitqueue_query(struct msm_ctx *ctx, void *args,
                       void *bufs[FWD_MAX_REGIONS])
{
   return msm_ctx_submitqueue_query(ctx, args, bufs[0]);
}

/* Answered entries (fwd_spec.c) have no handler: they never get here. */
static const fwd_host_fn host_handlers[FWD_ID_COUNT] = {
   [FWD_ID_VERSION] = host_version,
   [FWD_ID_GEM_CLOSE] = host_gem_close,
   [FWD_ID_GET_CAP] = host_get_cap,
   [FWD_ID_SYNCOBJ_CREATE] = host_syncobj_create,
   [FWD_ID_SYNCOBJ_DESTROY] = host_syncobj_destroy,
   [FWD_ID_SYNCOBJ_WAIT] = host_syncobj_wait,
   [FWD_ID_SYNCOBJ_RESET] = host_syncobj_reset,
   [FWD_ID_SYNCOBJ_SIGNAL] = host_syncobj_signal,
   [FWD_ID_MSM_GET_PARAM] = host_get_param,
   [FWD_ID_MSM_SET_PARAM] = host_set_param,
   [FWD_ID_MSM_GEM_NEW] = host_gem_new,
   [FWD_ID_MSM_GEM_INFO] = host_gem_info,
   [FWD_ID_MSM_GEM_CPU_PREP] = host_gem_cpu_prep,
   [FWD_ID_MSM_GEM_CPU_FINI] = host_gem_cpu_fini,
   [FWD_ID_MSM_GEM_SUBMIT] = host_gem_submit,
   [FWD_ID_MSM_WAIT_FENCE] = host_wait_fence,
   [FWD_ID_MSM_GEM_MADVISE] = host_gem_madvise,
   [FWD_ID_MSM_SUBMITQUEUE_NEW] = host_submitqueue_new,
   [FWD_ID_MSM_SUBMITQUEUE_CLOSE] = host_submitqueue_close,
   [FWD_ID_MSM_SUBMITQUEUE_QUERY] = host_submitqueue_query,
};

/* Per-element "must be zero" fields of in-regions (cmds[].nr_relocs). */
static int
check_elems(const struct fwd_ioctl_spec *spec, const struct fwd_region *regs,
            void *bufs[FWD_MAX_REGIONS])
{
   for (uint32_t i = 0; i < spec->nr_regions; i++) {
      const struct fwd_region_spec *rs = &spec->regions[i];

      if (!rs->elem_zero.field.size || !regs[i].active)
         continue;
      for (uint64_t e = 0; e < regs[i].count; e++) {
         const uint8_t *elem = (const uint8_t *)bufs[i] + e * rs->elem_size;
         if (fwd_field_get(elem, rs->elem_zero.field))
            return -rs->elem_zero.err;
      }
   }
   return 0;
}

/* A guest deadline in our clock: saturating, and never before 0. */
static int64_t
shift_ns(int64_t ns, int64_t offset)
{
   if (offset > 0 && ns > INT64_MAX - offset)
      return INT64_MAX;
   if (offset < 0 && ns < INT64_MIN - offset)
      return 0;
   ns += offset;
   return ns < 0 ? 0 : ns;
}

static void
shift_deadline(const struct fwd_ioctl_spec *spec, uint8_t *args,
               int64_t offset)
{
   uint8_t *p = args + spec->deadline.offset;

   if (!offset)
      return;
   if (spec->deadline.kind == FWD_DEADLINE_NSEC) {
      int64_t ns;
      memcpy(&ns, p, sizeof(ns));
      ns = shift_ns(ns, offset);
      memcpy(p, &ns, sizeof(ns));
   } else if (spec->deadline.kind == FWD_DEADLINE_TIMESPEC) {
      struct drm_msm_timespec ts;
      memcpy(&ts, p, sizeof(ts));
      /* Shift the deadline the kernel would read (any value is valid);
       * "never" stays never, and a past one stays past. */
      int64_t kt = msm_timespec_to_ktime(&ts);
      if (kt == MSM_KTIME_MAX)
         return;
      ts = msm_ktime_to_timespec(shift_ns(kt, offset));
      memcpy(p, &ts, sizeof(ts));
   }
}

int
fwd_host_handle(struct msm_ctx *ctx, const void *req, size_t len, void *rsp,
                size_t cap, size_t *rsp_len)
{
   return fwd_host_handle_clock(ctx, 0, req, len, rsp, cap, rsp_len);
}

/* Run the ioctl on the host copies, showing it the buffer we really have:
 * a count the table clamped (fwd_spec_regions) is the clamped one while it
 * runs, and goes back to the guest's unless the ioctl changed it. */
static int
run_clamped(struct msm_ctx *ctx, const struct fwd_ioctl_spec *spec,
            const struct fwd_region *regs, uint8_t *args,
            void *bufs[FWD_MAX_REGIONS])
{
   uint64_t clamped_from[FWD_MAX_REGIONS] = { 0 };
   int ret;

   for (uint32_t i = 0; i < spec->nr_regions; i++) {
      if (regs[i].clamped) {
         clamped_from[i] = fwd_field_get(args, spec->regions[i].count);
         fwd_field_set(args, spec->regions[i].count, regs[i].count);
      }
   }
   vclock_charge(VC_HOST_CPU, vclock_costs.host_op_ns); /* cost model */
   ret = host_handlers[spec->id] ? host_handlers[spec->id](ctx, args, bufs)
                                 : -ENOTTY;
   if (ret > 0)
      ret = -EIO;
   for (uint32_t i = 0; i < spec->nr_regions; i++) {
      const struct fwd_field count = spec->regions[i].count;
      if (regs[i].clamped && fwd_field_get(args, count) == regs[i].count)
         fwd_field_set(args, count, clamped_from[i]);
   }
   return ret;
}

int
fwd_host_handle_clock(struct msm_ctx *ctx, int64_t clock_offset_ns,
                      const void *msg, size_t len, void *rsp, size_t cap,
                      size_t *rsp_len)
{
   struct fwd_wire_request req;
   const struct fwd_ioctl_spec *spec;
   struct fwd_region regs[FWD_MAX_REGIONS];
   void *bufs[FWD_MAX_REGIONS] = { NULL };
   size_t req_len, rsp_max;
   int ret;

   if (cap < sizeof(struct fwd_wire_rsp))
      return -ENOSPC;
   ret = fwd_wire_parse_request(msg, len, &req);
   spec = req.spec;
   if (!ret && spec->answer)
      ret = -spec->answer;
   if (ret)
      goto refuse;
   shift_deadline(spec, req.args, clock_offset_ns);

   /* Our copy of the struct decides which regions exist and how big they
    * are; the message must match it exactly. */
   ret = fwd_spec_regions(spec, req.args, regs);
   if (ret)
      goto refuse;
   fwd_wire_sizes(spec, regs, &req_len, &rsp_max);
   if (cap < rsp_max) {
      ret = -ENOSPC;
      goto refuse;
   }
   for (uint32_t i = 0; i < spec->nr_regions; i++) {
      /* Never NULL for an active region, even an empty one: NULL tells
       * the core "the caller passed no buffer". */
      if (regs[i].active &&
          !(bufs[i] = calloc(1, regs[i].wire_bytes ? regs[i].wire_bytes : 1))) {
         ret = -ENOMEM;
         goto reply;
      }
   }
   ret = fwd_wire_take_regions(&req, regs, bufs);
   if (ret)
      goto refuse;
   ret = check_elems(spec, regs, bufs);
   if (!ret)
      ret = run_clamped(ctx, spec, regs, req.args, bufs);
reply:
   *rsp_len = fwd_wire_build_reply(spec, regs, ret, req.args, bufs, rsp);
   for (uint32_t i = 0; i < spec->nr_regions; i++)
      free(bufs[i]);
   return 0;
refuse:
   for (uint32_t i = 0; spec && i < spec->nr_regions; i++)
      free(bufs[i]);
   *rsp_len = fwd_wire_build_refusal(ret, rsp);
   return 0;
}
