/*
 * test_fwd.c - the forward design's spec table and every ioctl in it, end to
 * end: marshal -> fwd_host_handle() on a sim core -> unmarshal.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <cmocka.h>

#include "core/msm_core.h"
#include "env.h"
#include "fwd/fwd_guest.h"
#include "fwd/fwd_host.h"
#include "fwd/fwd_spec.h"
#include "fwd/fwd_wire.h"
#include "ws_util.h"

/* ------------------------------------------------------------ the table */

static void
test_table(void **state)
{
   unsigned n;
   const struct fwd_ioctl_spec *t = fwd_spec_table(&n);

   (void)state;
   assert_int_equal(n, FWD_ID_COUNT);
   for (unsigned i = 0; i < n; i++) {
      const struct fwd_ioctl_spec *s = &t[i];

      assert_int_equal(s->id, i);
      assert_int_equal(_IOC_TYPE(s->cmd), DRM_IOCTL_BASE);
      assert_int_equal(s->size, _IOC_SIZE(s->cmd));
      assert_int_equal(s->dir, _IOC_DIR(s->cmd));
      assert_true(s->size <= FWD_MAX_STRUCT);
      assert_ptr_equal(fwd_spec_lookup(s->cmd), s);
      assert_ptr_equal(fwd_spec_by_cmd(s->cmd), s);
      for (unsigned j = 0; j < i; j++)
         assert_int_not_equal(_IOC_NR(t[j].cmd), _IOC_NR(s->cmd));
      assert_true(s->nr_regions <= FWD_MAX_REGIONS);
      if (s->answer) {
         assert_int_equal(s->nr_regions, 0);
         assert_non_null(s->why);
      }
      for (unsigned r = 0; r < s->nr_regions; r++) {
         const struct fwd_region_spec *rs = &s->regions[r];
         assert_int_equal(rs->ptr.size, 8);
         assert_true(rs->ptr.offset + 8u <= s->size);
         assert_true(rs->count.size == 4 || rs->count.size == 8);
         assert_true(rs->count.offset + rs->count.size <= s->size);
         assert_true(rs->elem_size > 0 && rs->max_count > 0);
         assert_true(rs->dir >= FWD_IN && rs->dir <= FWD_INOUT);
         /* Clamping only makes sense for memory the ioctl writes. */
         if (!rs->over_max_errno)
            assert_int_equal(rs->dir, FWD_OUT);
         if (rs->cond.op != FWD_COND_ALWAYS)
            assert_true(rs->cond.field.offset + rs->cond.field.size <= s->size);
      }
   }
   assert_true(fwd_spec_max_request() >= 16 + 16 + 72 + 4096 * 16 + 256 * 32);
   assert_true(fwd_spec_max_reply() >= 16 + 12 + 64 + 3 * 64);
}

/* What the CUSE daemon will ask the table: which user memory, per round. */
static void
test_regions_plan(void **state)
{
   struct drm_msm_gem_submit_bo bos[3];
   struct drm_msm_gem_submit_cmd cmds[2];
   uint8_t syncobjs[24 * 2];
   struct drm_msm_gem_submit req = {
      .flags = MSM_PIPE_3D0 | MSM_SUBMIT_SYNCOBJ_IN,
      .nr_bos = 3, .bos = (uintptr_t)bos,
      .nr_cmds = 2, .cmds = (uintptr_t)cmds,
      .nr_in_syncobjs = 2, .in_syncobjs = (uintptr_t)syncobjs,
      .nr_out_syncobjs = 7, /* no SYNCOBJ_OUT flag: never touched */
      .syncobj_stride = 24,
   };
   const struct fwd_ioctl_spec *s = fwd_spec_lookup(DRM_IOCTL_MSM_GEM_SUBMIT);
   struct fwd_region r[FWD_MAX_REGIONS];

   (void)state;
   assert_int_equal(fwd_spec_regions(s, &req, r), 0);
   assert_true(r[0].active && r[0].uaddr == (uintptr_t)bos);
   assert_int_equal(r[0].span, sizeof(bos));
   assert_int_equal(r[1].span, sizeof(cmds));
   assert_true(r[2].active);
   assert_int_equal(r[2].span, 24 + 16); /* min(stride, 16) of the last */
   assert_int_equal(r[2].wire_bytes, 2 * 16);
   assert_false(r[3].active);

   req.nr_bos = 4097;
   assert_int_equal(fwd_spec_regions(s, &req, r), -E2BIG);
   req.nr_bos = 1;
   req.bos = 0;
   assert_int_equal(fwd_spec_regions(s, &req, r), -EFAULT);
}

static void
test_unknown_enotty(void **state)
{
   struct env *e = *state;
   uint8_t buf[128] = { 0 };

   assert_int_equal(fio(e, _IOWR('x', 1, uint64_t), buf), -ENOTTY);
   assert_int_equal(fio(e, DRM_IOCTL_MODE_GETRESOURCES, buf), -ENOTTY);
   assert_int_equal(fio(e, DRM_IOWR(DRM_COMMAND_BASE + 0x09, uint64_t), buf),
                    -ENOTTY);
   assert_int_equal(fio(e, DRM_IOWR(DRM_COMMAND_BASE + 0x0d, uint64_t), buf),
                    -ENOTTY);
   assert_int_equal(e->calls, 0);
}

static void
test_answered(void **state)
{
   struct env *e = *state;
   unsigned n;
   const struct fwd_ioctl_spec *t = fwd_spec_table(&n);

   for (unsigned i = 0; i < n; i++) {
      uint8_t buf[FWD_MAX_STRUCT] = { 0 };
      uint8_t msg[16 + FWD_MAX_STRUCT] = { 0 }, rsp[64];
      struct fwd_wire_req hdr = { .cmd = t[i].cmd, .struct_size = t[i].size };
      struct fwd_wire_rsp rhdr;
      size_t rsp_len;

      if (!t[i].answer)
         continue;
      assert_int_equal(fio(e, t[i].cmd, buf), -t[i].answer);
      /* drm_ioctl() copies the struct in before it checks permissions. */
      assert_int_equal(fio(e, t[i].cmd, NULL), -EFAULT);
      /* The host agrees, should such a request ever arrive. */
      memcpy(msg, &hdr, sizeof(hdr));
      assert_int_equal(fwd_host_handle(e->ctx, msg, 16 + t[i].size, rsp,
                                       sizeof(rsp), &rsp_len), 0);
      memcpy(&rhdr, rsp, sizeof(rhdr));
      assert_int_equal(rhdr.result, -t[i].answer);
   }
   assert_int_equal(e->calls, 0);
   assert_int_equal(fio(e, DRM_IOCTL_GEM_FLINK, &(struct drm_gem_flink){ .handle = 1 }),
                    -EACCES);
   assert_int_equal(fio(e, DRM_IOCTL_PRIME_HANDLE_TO_FD,
                        &(struct drm_prime_handle){ .handle = 1 }), -ENOSYS);
   /* Syncobjs are served, but not their fds and not timelines. */
   assert_int_equal(fio(e, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD,
                        &(struct drm_syncobj_handle){ .handle = 1 }),
                    -EOPNOTSUPP);
   assert_int_equal(fio(e, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE,
                        &(struct drm_syncobj_handle){ .fd = 3 }), -EOPNOTSUPP);
   assert_int_equal(fio(e, DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT,
                        &(struct drm_syncobj_timeline_wait){ 0 }), -EOPNOTSUPP);
   assert_int_equal(fio(e, DRM_IOCTL_SYNCOBJ_QUERY,
                        &(struct drm_syncobj_timeline_array){ 0 }), -EOPNOTSUPP);
   assert_int_equal(e->calls, 0);
}

/* ------------------------------------------------------- served ioctls */

static void
test_version(void **state)
{
   struct env *e = *state;
   struct drm_version v = { 0 };
   char name[8], date[16], desc[32], big[1000];

   /* libdrm's drmGetVersion(): lengths first, then the strings. */
   assert_int_equal(fio(e, DRM_IOCTL_VERSION, &v), 0);
   assert_int_equal(v.version_major, 1);
   assert_int_equal(v.version_minor, 9);
   assert_int_equal(v.version_patchlevel, 0);
   assert_int_equal(v.name_len, 3);
   assert_int_equal(v.date_len, 8);
   assert_int_equal(v.desc_len, strlen("MSM Snapdragon DRM"));

   memset(name, 'X', sizeof(name));
   memset(date, 'X', sizeof(date));
   memset(desc, 'X', sizeof(desc));
   v.name = name; v.name_len = sizeof(name);
   v.date = date; v.date_len = sizeof(date);
   v.desc = desc; v.desc_len = sizeof(desc);
   assert_int_equal(fio(e, DRM_IOCTL_VERSION, &v), 0);
   assert_memory_equal(name, "msmX", 4); /* no NUL, as drm_copy_field() */
   assert_memory_equal(date, "20130625X", 9);
   assert_memory_equal(desc, "MSM Snapdragon DRMX", 19);
   assert_int_equal(v.name_len, 3);

   /* Short buffer: what fits, and the full length back. */
   memset(name, 'X', sizeof(name));
   v.name_len = 2;
   assert_int_equal(fio(e, DRM_IOCTL_VERSION, &v), 0);
   assert_memory_equal(name, "msX", 3);
   assert_int_equal(v.name_len, 3);

   /* A buffer beyond the wire's clamp is fine. */
   memset(big, 'X', sizeof(big));
   v.name = big;
   v.name_len = sizeof(big);
   assert_int_equal(fio(e, DRM_IOCTL_VERSION, &v), 0);
   assert_memory_equal(big, "msmX", 4);
   assert_int_equal(v.name_len, 3);
}

static void
test_get_cap(void **state)
{
   struct env *e = *state;
   struct drm_get_cap cap = { .capability = DRM_CAP_TIMESTAMP_MONOTONIC };

   assert_int_equal(fio(e, DRM_IOCTL_GET_CAP, &cap), 0);
   assert_int_equal(cap.value, 1);
   cap = (struct drm_get_cap){ .capability = DRM_CAP_PRIME, .value = 7 };
   assert_int_equal(fio(e, DRM_IOCTL_GET_CAP, &cap), 0);
   assert_int_equal(cap.value, 0);
   cap = (struct drm_get_cap){ .capability = DRM_CAP_SYNCOBJ, .value = 7 };
   assert_int_equal(fio(e, DRM_IOCTL_GET_CAP, &cap), 0);
   assert_int_equal(cap.value, 1);
   cap = (struct drm_get_cap){ .capability = DRM_CAP_SYNCOBJ_TIMELINE,
                               .value = 7 };
   assert_int_equal(fio(e, DRM_IOCTL_GET_CAP, &cap), 0);
   assert_int_equal(cap.value, 0);
   cap = (struct drm_get_cap){ .capability = DRM_CAP_DUMB_BUFFER };
   assert_int_equal(fio(e, DRM_IOCTL_GET_CAP, &cap), -EOPNOTSUPP);
}

static void
test_params(void **state)
{
   struct env *e = *state;
   struct drm_msm_param p = { .pipe = MSM_PIPE_3D0, .param = MSM_PARAM_GPU_ID };
   const char *comm, *cmdline;
   unsigned calls;

   assert_int_equal(fio(e, DRM_IOCTL_MSM_GET_PARAM, &p), 0);
   assert_int_equal(p.value, msm_core_chip(e->core)->gpu_id);
   p.pipe = MSM_PIPE_2D0;
   assert_int_equal(fio(e, DRM_IOCTL_MSM_GET_PARAM, &p), -EINVAL);
   p = (struct drm_msm_param){ .pipe = MSM_PIPE_3D0, .param = 0x77 };
   assert_int_equal(fio(e, DRM_IOCTL_MSM_GET_PARAM, &p), -EINVAL);

   /* COMM: len bytes, no NUL needed; the core keeps its own copy. */
   p = (struct drm_msm_param){ .pipe = MSM_PIPE_3D0, .param = MSM_PARAM_COMM,
                               .value = (uintptr_t)"fwd-testXYZ", .len = 8 };
   assert_int_equal(fio(e, DRM_IOCTL_MSM_SET_PARAM, &p), 0);
   p.param = MSM_PARAM_CMDLINE;
   p.value = (uintptr_t)"./test --x";
   p.len = 10;
   assert_int_equal(fio(e, DRM_IOCTL_MSM_SET_PARAM, &p), 0);
   msm_ctx_debuginfo(e->ctx, &comm, &cmdline);
   assert_string_equal(comm, "fwd-test");
   assert_string_equal(cmdline, "./test --x");

   /* Refused on the guest, before reading user memory. */
   calls = e->calls;
   p.len = 4097;
   assert_int_equal(fio(e, DRM_IOCTL_MSM_SET_PARAM, &p), -EINVAL);
   p.len = 3;
   p.value = 0;
   assert_int_equal(fio(e, DRM_IOCTL_MSM_SET_PARAM, &p), -EFAULT);
   assert_int_equal(e->calls, calls);
   /* An empty string needs no buffer. */
   p.len = 0;
   assert_int_equal(fio(e, DRM_IOCTL_MSM_SET_PARAM, &p), 0);
   /* Other params take no pointer: SYSPROF reaches the core (EPERM). */
   p = (struct drm_msm_param){ .pipe = MSM_PIPE_3D0,
                               .param = MSM_PARAM_SYSPROF, .value = 1 };
   assert_int_equal(fio(e, DRM_IOCTL_MSM_SET_PARAM, &p), -EPERM);
}

static void
test_gem(void **state)
{
   struct env *e = *state;
   uint32_t h = gem_new(e, 4097);
   struct drm_msm_gem_info info = { .handle = h, .info = MSM_INFO_SET_NAME };
   char name[1000];
   unsigned calls;

   assert_int_not_equal(gem_info(e, h, MSM_INFO_GET_IOVA), 0);
   assert_true(gem_info(e, h, MSM_INFO_GET_OFFSET) < (32ull << 20));

   info.value = (uintptr_t)"hello";
   info.len = 5;
   assert_int_equal(fio(e, DRM_IOCTL_MSM_GEM_INFO, &info), 0);

   /* GET_NAME with no buffer asks for the length. */
   info = (struct drm_msm_gem_info){ .handle = h, .info = MSM_INFO_GET_NAME };
   assert_int_equal(fio(e, DRM_IOCTL_MSM_GEM_INFO, &info), 0);
   assert_int_equal(info.len, 5);
   /* Too short: the kernel's EINVAL, nothing written. */
   memset(name, 'X', sizeof(name));
   info.value = (uintptr_t)name;
   info.len = 4;
   assert_int_equal(fio(e, DRM_IOCTL_MSM_GEM_INFO, &info), -EINVAL);
   assert_int_equal(name[0], 'X');
   assert_int_equal(info.len, 4);
   /* Larger than any name: clamped on the wire, strlen bytes written. */
   info.len = sizeof(name);
   assert_int_equal(fio(e, DRM_IOCTL_MSM_GEM_INFO, &info), 0);
   assert_memory_equal(name, "helloX", 6);
   assert_int_equal(info.len, 5);
   /* A clamped length the ioctl left alone comes back as the caller's. */
   info.handle = 9999;
   info.len = sizeof(name);
   assert_int_equal(fio(e, DRM_IOCTL_MSM_GEM_INFO, &info), -ENOENT);
   assert_int_equal(info.len, sizeof(name));

   calls = e->calls;
   info = (struct drm_msm_gem_info){ .handle = h, .info = MSM_INFO_SET_NAME,
                                     .value = (uintptr_t)name, .len = 32 };
   assert_int_equal(fio(e, DRM_IOCTL_MSM_GEM_INFO, &info), -EINVAL);
   info.value = 0;
   info.len = 3;
   assert_int_equal(fio(e, DRM_IOCTL_MSM_GEM_INFO, &info), -EFAULT);
   assert_int_equal(e->calls, calls);
   /* Immediate values take no pointer (and no len). */
   info = (struct drm_msm_gem_info){ .handle = h, .info = MSM_INFO_GET_IOVA,
                                     .len = 1 };
   assert_int_equal(fio(e, DRM_IOCTL_MSM_GEM_INFO, &info), -EINVAL);

   assert_int_equal(fio(e, DRM_IOCTL_GEM_CLOSE,
                        &(struct drm_gem_close){ .handle = h }), 0);
   assert_int_equal(fio(e, DRM_IOCTL_GEM_CLOSE,
                        &(struct drm_gem_close){ .handle = h }), -EINVAL);
   assert_int_equal(bos_live(e), 0);
}

static void
test_cpu_prep_madvise(void **state)
{
   struct env *e = *state;
   uint32_t h = gem_new(e, 4096);
   struct drm_msm_gem_cpu_prep prep = {
      .handle = h, .op = MSM_PREP_WRITE, .timeout = ws_abs_timeout(0),
   };
   struct drm_msm_gem_madvise madv = { .handle = h, .madv = MSM_MADV_DONTNEED };

   assert_int_equal(fio(e, DRM_IOCTL_MSM_GEM_CPU_PREP, &prep), 0);
   assert_int_equal(fio(e, DRM_IOCTL_MSM_GEM_CPU_FINI,
                        &(struct drm_msm_gem_cpu_fini){ .handle = h }), 0);
   prep.handle = 12345;
   assert_int_equal(fio(e, DRM_IOCTL_MSM_GEM_CPU_PREP, &prep), -ENOENT);

   assert_int_equal(fio(e, DRM_IOCTL_MSM_GEM_MADVISE, &madv), 0);
   assert_int_equal(madv.retained, 1);
   madv.madv = MSM_MADV_WILLNEED;
   madv.retained = 7;
   assert_int_equal(fio(e, DRM_IOCTL_MSM_GEM_MADVISE, &madv), 0);
   assert_int_equal(madv.retained, 1);
   madv.madv = 5;
   assert_int_equal(fio(e, DRM_IOCTL_MSM_GEM_MADVISE, &madv), -EINVAL);
}

/* A cmd BO that writes value to the data BO: the submit has an effect. */
static void
test_submit(void **state)
{
   struct env *e = *state;
   struct submit_setup s;
   uint32_t got;

   submit_prepare(e, &s, 0xcafe);
   assert_int_equal(fio(e, DRM_IOCTL_MSM_GEM_SUBMIT, &s.req), 0);
   assert_int_not_equal(s.req.fence, 0);
   wait_fence(e, 0, s.req.fence);
   memcpy(&got, e->hostmem + s.data_off, 4);
   assert_int_equal(got, 0xcafe);

   /* An older userspace's shorter struct (no syncobj fields): drm_ioctl()
    * zero-fills the rest, and the fence comes back in the prefix. */
   submit_prepare(e, &s, 0xbeef);
   assert_int_equal(fio(e, _IOC(_IOC_READ | _IOC_WRITE, DRM_IOCTL_BASE,
                                DRM_COMMAND_BASE + DRM_MSM_GEM_SUBMIT, 40),
                        &s.req), 0);
   wait_fence(e, 0, s.req.fence);
   memcpy(&got, e->hostmem + s.data_off, 4);
   assert_int_equal(got, 0xbeef);
}

static void
test_submit_errors(void **state)
{
   struct env *e = *state;
   struct submit_setup s;
   uint8_t syncobjs[2 * 16] = { 0 };
   unsigned calls;

   submit_prepare(e, &s, 1);
   calls = e->calls;
   s.req.nr_bos = 4097;
   assert_int_equal(fio(e, DRM_IOCTL_MSM_GEM_SUBMIT, &s.req), -E2BIG);
   s.req.nr_bos = 2;
   s.req.nr_cmds = 257;
   assert_int_equal(fio(e, DRM_IOCTL_MSM_GEM_SUBMIT, &s.req), -E2BIG);
   s.req.nr_cmds = 1;
   s.req.bos = 0;
   assert_int_equal(fio(e, DRM_IOCTL_MSM_GEM_SUBMIT, &s.req), -EFAULT);
   s.req.bos = (uintptr_t)s.bos;
   s.req.flags |= MSM_SUBMIT_SYNCOBJ_IN;
   s.req.nr_in_syncobjs = 257;
   s.req.in_syncobjs = (uintptr_t)syncobjs;
   assert_int_equal(fio(e, DRM_IOCTL_MSM_GEM_SUBMIT, &s.req), -E2BIG);
   assert_int_equal(e->calls, calls);

   /* Copied and sent: handle 0 names no syncobj (drm_syncobj_find_fence()). */
   s.req.nr_in_syncobjs = 2;
   s.req.syncobj_stride = 16;
   assert_int_equal(fio(e, DRM_IOCTL_MSM_GEM_SUBMIT, &s.req), -ENOENT);
   assert_int_equal(e->calls, calls + 1);
   /* Without the flag the array is not ours to read, whatever it says. */
   s.req.flags = MSM_PIPE_3D0;
   s.req.in_syncobjs = 0;
   s.req.nr_in_syncobjs = 1000;
   /* relocs: never followed, refused by the host's table check. */
   s.cmds[0].nr_relocs = 1;
   s.cmds[0].relocs = 0x1234;
   assert_int_equal(fio(e, DRM_IOCTL_MSM_GEM_SUBMIT, &s.req), -EINVAL);
   s.cmds[0].nr_relocs = 0;
   s.req.flags |= MSM_SUBMIT_FENCE_FD_OUT;
   assert_int_equal(fio(e, DRM_IOCTL_MSM_GEM_SUBMIT, &s.req), -EOPNOTSUPP);
   s.req.flags = MSM_PIPE_3D0;
   assert_int_equal(fio(e, DRM_IOCTL_MSM_GEM_SUBMIT, &s.req), 0);
   wait_fence(e, 0, s.req.fence);
}

/* Strided arrays travel canonical: min(stride, 16) bytes of each element,
 * zero-filled to 16. */
static void
test_syncobj_stride(void **state)
{
   static const uint32_t strides[] = { 24, 8, 0 };
   uint8_t src[48], buf[512];
   struct drm_msm_gem_submit req = {
      .flags = MSM_PIPE_3D0 | MSM_SUBMIT_SYNCOBJ_IN,
      .in_syncobjs = (uintptr_t)src, .nr_in_syncobjs = 2,
   };
   size_t len;

   (void)state;
   for (unsigned i = 0; i < sizeof(src); i++)
      src[i] = (uint8_t)(i + 1);
   for (unsigned k = 0; k < 3; k++) {
      uint32_t stride = strides[k], n = stride < 16 ? stride : 16;
      const uint8_t *data = buf + 16 + 16 + sizeof(req);
      uint32_t rlen;

      req.syncobj_stride = stride;
      assert_int_equal(fwd_marshal_request(DRM_IOCTL_MSM_GEM_SUBMIT, &req,
                                           buf, sizeof(buf), &len), 0);
      assert_int_equal(len, 16 + 16 + sizeof(req) + 32);
      memcpy(&rlen, buf + 16 + 8, 4);
      assert_int_equal(rlen, 32);
      for (unsigned e = 0; e < 2; e++) {
         for (unsigned b = 0; b < 16; b++) {
            uint8_t want = b < n ? src[e * stride + b] : 0;
            assert_int_equal(data[e * 16 + b], want);
         }
      }
   }
   assert_int_equal(fwd_marshal_request(DRM_IOCTL_MSM_GEM_SUBMIT, &req,
                                        buf, 16, &len), -ENOSPC);
}

/* ------------------------------------------------------------- syncobjs */

static int64_t
abs_ns(int64_t rel)
{
   struct timespec ts;
   clock_gettime(CLOCK_MONOTONIC, &ts);
   return ts.tv_sec * 1000000000ll + ts.tv_nsec + rel;
}

static uint32_t
syncobj_create(struct env *e, uint32_t flags)
{
   struct drm_syncobj_create c = { .flags = flags };
   assert_int_equal(fio(e, DRM_IOCTL_SYNCOBJ_CREATE, &c), 0);
   return c.handle;
}

/* libdrm's drmSyncobj* calls, round trip through marshaller and host. */
static void
test_syncobj_ioctls(void **state)
{
   struct env *e = *state;
   uint32_t a = syncobj_create(e, DRM_SYNCOBJ_CREATE_SIGNALED);
   uint32_t b = syncobj_create(e, 0);
   uint32_t h[2] = { b, a }, big[4097] = { 0 };
   struct drm_syncobj_wait w = {
      .handles = (uintptr_t)h, .count_handles = 2, .first_signaled = 9,
      .flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT,
   };
   struct drm_syncobj_array arr = { .handles = (uintptr_t)&b, .count_handles = 1 };
   struct drm_syncobj_destroy d = { .handle = a };
   struct msm_core_stats st;
   unsigned calls;

   assert_int_equal(a, 1);
   assert_int_equal(b, 2);
   assert_int_equal(fio(e, DRM_IOCTL_SYNCOBJ_CREATE,
                        &(struct drm_syncobj_create){ .flags = 4 }), -EINVAL);

   /* first_signaled comes back through the struct. */
   assert_int_equal(fio(e, DRM_IOCTL_SYNCOBJ_WAIT, &w), 0);
   assert_int_equal(w.first_signaled, 1);
   w.flags = 0;
   assert_int_equal(fio(e, DRM_IOCTL_SYNCOBJ_WAIT, &w), -EINVAL); /* b: no fence */
   w.flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL;
   assert_int_equal(fio(e, DRM_IOCTL_SYNCOBJ_WAIT, &w), -EINVAL); /* b: no fence */
   w.flags |= DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT;
   w.timeout_nsec = abs_ns(10000000);
   assert_int_equal(fio(e, DRM_IOCTL_SYNCOBJ_WAIT, &w), -ETIME);
   assert_int_equal(fio(e, DRM_IOCTL_SYNCOBJ_SIGNAL, &arr), 0);
   assert_int_equal(fio(e, DRM_IOCTL_SYNCOBJ_WAIT, &w), 0);
   arr.handles = (uintptr_t)h;
   arr.count_handles = 2;
   assert_int_equal(fio(e, DRM_IOCTL_SYNCOBJ_RESET, &arr), 0);
   w.flags = 0;
   assert_int_equal(fio(e, DRM_IOCTL_SYNCOBJ_WAIT, &w), -EINVAL);

   /* The guest refuses what the table refuses, without a round trip. */
   calls = e->calls;
   w.count_handles = 4097;
   w.handles = (uintptr_t)big;
   assert_int_equal(fio(e, DRM_IOCTL_SYNCOBJ_WAIT, &w), -E2BIG);
   w.count_handles = 1;
   w.handles = 0;
   assert_int_equal(fio(e, DRM_IOCTL_SYNCOBJ_WAIT, &w), -EFAULT);
   arr.handles = 0;
   assert_int_equal(fio(e, DRM_IOCTL_SYNCOBJ_SIGNAL, &arr), -EFAULT);
   assert_int_equal(e->calls, calls);
   /* A bad handle is the core's ENOENT. */
   h[1] = 77;
   w.handles = (uintptr_t)h;
   w.count_handles = 2;
   assert_int_equal(fio(e, DRM_IOCTL_SYNCOBJ_WAIT, &w), -ENOENT);
   arr.handles = (uintptr_t)h;
   assert_int_equal(fio(e, DRM_IOCTL_SYNCOBJ_RESET, &arr), -ENOENT);

   assert_int_equal(fio(e, DRM_IOCTL_SYNCOBJ_DESTROY, &d), 0);
   assert_int_equal(fio(e, DRM_IOCTL_SYNCOBJ_DESTROY, &d), -EINVAL);
   msm_core_get_stats(e->core, &st);
   assert_int_equal(st.syncobjs, 1);
}

/* turnip's vkQueueSubmit + vkWaitForFences: an out-syncobj, then a
 * WAIT_FOR_SUBMIT wait; then a submit waiting on it with RESET, with a
 * padded stride so the guest's canonicalisation is on the path. */
static void
test_syncobj_submit(void **state)
{
   struct env *e = *state;
   uint32_t fence = syncobj_create(e, 0), sem = syncobj_create(e, 0);
   struct submit_setup s;
   struct {
      struct drm_msm_gem_submit_syncobj so;
      uint64_t junk;
   } in[1] = { { { .handle = 0, .flags = MSM_SUBMIT_SYNCOBJ_RESET }, ~0ull } };
   struct drm_msm_gem_submit_syncobj out[2] = { { .handle = fence },
                                               { .handle = sem } };
   struct drm_syncobj_wait w = {
      .handles = (uintptr_t)&fence, .count_handles = 1,
      .flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL |
               DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT,
   };
   uint32_t got;

   submit_prepare(e, &s, 0xfe11ce);
   s.req.flags |= MSM_SUBMIT_SYNCOBJ_OUT;
   s.req.out_syncobjs = (uintptr_t)out;
   s.req.nr_out_syncobjs = 2;
   s.req.syncobj_stride = sizeof(out[0]);
   assert_int_equal(fio(e, DRM_IOCTL_MSM_GEM_SUBMIT, &s.req), 0);
   w.timeout_nsec = abs_ns(5000000000);
   assert_int_equal(fio(e, DRM_IOCTL_SYNCOBJ_WAIT, &w), 0);
   memcpy(&got, e->hostmem + s.data_off, 4);
   assert_int_equal(got, 0xfe11ce);

   /* Wait on sem (and reset it), signal fence again. */
   submit_prepare(e, &s, 0xabc);
   in[0].so.handle = sem;
   s.req.flags |= MSM_SUBMIT_SYNCOBJ_IN | MSM_SUBMIT_SYNCOBJ_OUT;
   s.req.in_syncobjs = (uintptr_t)in;
   s.req.nr_in_syncobjs = 1;
   s.req.out_syncobjs = (uintptr_t)out;
   s.req.nr_out_syncobjs = 1;
   /* 24: both arrays are read at that stride, 16 bytes of each element;
    * out[0] is the only out element, so out[1] is never read. */
   s.req.syncobj_stride = sizeof(in[0]);
   assert_int_equal(fio(e, DRM_IOCTL_MSM_GEM_SUBMIT, &s.req), 0);
   assert_int_equal(fio(e, DRM_IOCTL_SYNCOBJ_WAIT, &w), 0);
   memcpy(&got, e->hostmem + s.data_off, 4);
   assert_int_equal(got, 0xabc);
   w.handles = (uintptr_t)&sem;
   w.flags = 0;
   assert_int_equal(fio(e, DRM_IOCTL_SYNCOBJ_WAIT, &w), -EINVAL); /* reset */
   /* A short stride: 8 bytes of each element (handle, flags), point 0. */
   submit_prepare(e, &s, 0xdef);
   s.req.flags |= MSM_SUBMIT_SYNCOBJ_OUT;
   s.req.out_syncobjs = (uintptr_t)&sem;
   s.req.nr_out_syncobjs = 1;
   s.req.syncobj_stride = 4; /* the handle only */
   assert_int_equal(fio(e, DRM_IOCTL_MSM_GEM_SUBMIT, &s.req), 0);
   w.flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT;
   assert_int_equal(fio(e, DRM_IOCTL_SYNCOBJ_WAIT, &w), 0);
   memcpy(&got, e->hostmem + s.data_off, 4);
   assert_int_equal(got, 0xdef);
}

static void
test_submitqueue(void **state)
{
   struct env *e = *state;
   struct drm_msm_submitqueue q = { .prio = 0 };
   uint32_t faults = 77, id;
   struct drm_msm_submitqueue_query query = {
      .param = MSM_SUBMITQUEUE_PARAM_FAULTS, .len = 4,
      .data = (uintptr_t)&faults,
   };
   struct drm_msm_wait_fence w = { .fence = 1, .timeout = ws_abs_timeout(0) };
   unsigned calls;

   assert_int_equal(fio(e, DRM_IOCTL_MSM_SUBMITQUEUE_NEW, &q), 0);
   id = q.id;
   assert_int_not_equal(id, 0);
   query.id = id;
   assert_int_equal(fio(e, DRM_IOCTL_MSM_SUBMITQUEUE_QUERY, &query), 0);
   assert_int_equal(faults, 0);
   /* _IOW: the length the kernel computes never reaches the caller. */
   query.len = 0;
   assert_int_equal(fio(e, DRM_IOCTL_MSM_SUBMITQUEUE_QUERY, &query), 0);
   assert_int_equal(query.len, 0);
   calls = e->calls;
   query.len = 4;
   query.data = 0;
   assert_int_equal(fio(e, DRM_IOCTL_MSM_SUBMITQUEUE_QUERY, &query), -EFAULT);
   assert_int_equal(e->calls, calls);
   query.param = 9; /* not a pointer param: EINVAL from the core */
   assert_int_equal(fio(e, DRM_IOCTL_MSM_SUBMITQUEUE_QUERY, &query), -EINVAL);

   /* No submit yet: fence 1 was never handed out. */
   w.queueid = id;
   assert_int_equal(fio(e, DRM_IOCTL_MSM_WAIT_FENCE, &w), -EINVAL);
   assert_int_equal(fio(e, DRM_IOCTL_MSM_SUBMITQUEUE_CLOSE, &id), 0);
   assert_int_equal(fio(e, DRM_IOCTL_MSM_SUBMITQUEUE_CLOSE, &id), -ENOENT);
   assert_int_equal(fio(e, DRM_IOCTL_MSM_WAIT_FENCE, &w), -ENOENT);
}

/* drm_ioctl()'s size/direction rules for request numbers that differ. */
static void
test_size_mismatch(void **state)
{
   struct env *e = *state;
   struct {
      struct drm_msm_param p;
      uint64_t extra;
   } big = { { .pipe = MSM_PIPE_3D0, .param = MSM_PARAM_GPU_ID }, 0x55 };
   struct drm_msm_param p = { .pipe = MSM_PIPE_3D0, .param = MSM_PARAM_GPU_ID,
                              .value = 0x1234 };
   unsigned long nr = DRM_COMMAND_BASE + DRM_MSM_GET_PARAM;

   assert_int_equal(fio(e, _IOC(_IOC_READ | _IOC_WRITE, DRM_IOCTL_BASE, nr,
                                sizeof(big)), &big), 0);
   assert_int_equal(big.p.value, msm_core_chip(e->core)->gpu_id);
   assert_int_equal(big.extra, 0x55);
   /* Without _IOC_READ nothing is copied back. */
   assert_int_equal(fio(e, _IOC(_IOC_WRITE, DRM_IOCTL_BASE, nr, sizeof(p)),
                        &p), 0);
   assert_int_equal(p.value, 0x1234);
   /* Without _IOC_WRITE the ioctl sees zeros: pipe 0 is EINVAL. */
   assert_int_equal(fio(e, _IOC(_IOC_READ, DRM_IOCTL_BASE, nr, sizeof(p)),
                        &p), -EINVAL);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, env_setup, env_teardown)
   const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_table),
      cmocka_unit_test(test_regions_plan),
      cmocka_unit_test(test_syncobj_stride),
      T(test_unknown_enotty),
      T(test_answered),
      T(test_version),
      T(test_get_cap),
      T(test_params),
      T(test_gem),
      T(test_cpu_prep_madvise),
      T(test_submit),
      T(test_submit_errors),
      T(test_syncobj_ioctls),
      T(test_syncobj_submit),
      T(test_submitqueue),
      T(test_size_mismatch),
   };
#undef T
   return cmocka_run_group_tests(tests, NULL, NULL);
}
