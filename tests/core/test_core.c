/*
 * test_core.c - the core's msm_ctx_* calls at the uapi level: every errno
 * the ws layer cannot reach, limits, fences with FENCE_SN_IN, the rings
 * (hang, throttle, round robin).  Arenas: test_arena.c.
 */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "msm_core.h"
#include "pm4.h"

#include "core_fx.h"

/* ---- params ---------------------------------------------------------- */

static void
test_get_param_errors(void **state)
{
   struct fx *f = *state;
   struct drm_msm_param p = { .pipe = MSM_PIPE_2D0, .param = MSM_PARAM_GPU_ID };
   assert_int_equal(msm_ctx_get_param(f->ctx, &p), -EINVAL);
   p = (struct drm_msm_param){ .pipe = MSM_PIPE_3D0, .param = MSM_PARAM_GPU_ID, .len = 4 };
   assert_int_equal(msm_ctx_get_param(f->ctx, &p), -EINVAL);
   p = (struct drm_msm_param){ .pipe = MSM_PIPE_3D0, .param = MSM_PARAM_CMDLINE };
   assert_int_equal(msm_ctx_get_param(f->ctx, &p), -EINVAL);
   p = (struct drm_msm_param){ .pipe = MSM_PIPE_3D0, .param = MSM_PARAM_PP_PGTABLE };
   assert_int_equal(msm_ctx_get_param(f->ctx, &p), 0);
   assert_int_equal(p.value, 0);
}

static void
test_chip_table(void **state)
{
   (void)state;
   unsigned n;
   const struct msm_chip *chips = msm_chip_table(&n);

   assert_true(n >= 4);
   for (unsigned i = 0; i < n; i++) {
      struct msm_core_config cfg = fx_config();
      struct fx f = { 0 };
      struct drm_msm_param p = { .pipe = MSM_PIPE_3D0 };

      cfg.chip = chips[i].name;
      assert_int_equal(fx_open(&f, &cfg), 0);
      p.param = MSM_PARAM_GPU_ID;
      assert_int_equal(msm_ctx_get_param(f.ctx, &p), 0);
      assert_int_equal(p.value, chips[i].gpu_id);
      p.param = MSM_PARAM_GMEM_BASE;
      assert_int_equal(msm_ctx_get_param(f.ctx, &p), 0);
      /* The a650 family has GMEM at 0; older a6xx at 1 MiB. */
      assert_int_equal(p.value, chips[i].gpu_id >= 650 ? 0 : 0x100000);
      p.param = MSM_PARAM_CHIP_ID;
      assert_int_equal(msm_ctx_get_param(f.ctx, &p), 0);
      assert_int_equal(p.value >> 24, 6);
      msm_ctx_destroy(f.ctx);
      msm_core_destroy(f.core);
   }
   assert_null(msm_chip_lookup("a999"));
   struct msm_core_config cfg = fx_config();
   struct msm_core *core;
   cfg.chip = "a999";
   assert_int_equal(msm_core_create(&cfg, &core), -ENODEV);
   cfg = fx_config();
   cfg.backend = "nope";
   assert_int_equal(msm_core_create(&cfg, &core), -ENODEV);
}

static void
test_set_param(void **state)
{
   struct fx *f = *state;
   struct drm_msm_param p = { .pipe = MSM_PIPE_3D0, .param = MSM_PARAM_COMM, .len = 5 };
   const char *comm, *cmdline;
   static char big[5000];

   assert_int_equal(msm_ctx_set_param(f->ctx, &p, "glmark"), 0);
   p.param = MSM_PARAM_CMDLINE;
   p.len = 3;
   assert_int_equal(msm_ctx_set_param(f->ctx, &p, "abcdef"), 0);
   msm_ctx_debuginfo(f->ctx, &comm, &cmdline);
   assert_string_equal(comm, "glmar");
   assert_string_equal(cmdline, "abc");
   p.len = sizeof(big);
   assert_int_equal(msm_ctx_set_param(f->ctx, &p, big), -EINVAL);
   p.len = 4;
   assert_int_equal(msm_ctx_set_param(f->ctx, &p, NULL), -EFAULT);
   /* Read-only params and unknown ones. */
   p = (struct drm_msm_param){ .pipe = MSM_PIPE_3D0, .param = MSM_PARAM_GPU_ID };
   assert_int_equal(msm_ctx_set_param(f->ctx, &p, NULL), -EINVAL);
   p.param = 0x99;
   assert_int_equal(msm_ctx_set_param(f->ctx, &p, NULL), -EINVAL);
   p.param = MSM_PARAM_COMM;
   p.pipe = 0;
   assert_int_equal(msm_ctx_set_param(f->ctx, &p, "x"), -EINVAL);
}

static void
test_sysprof(void **state)
{
   struct fx *f = *state;
   struct drm_msm_param p = { .pipe = MSM_PIPE_3D0, .param = MSM_PARAM_SYSPROF, .value = 1 };
   /* A guest is never CAP_SYS_ADMIN on the host. */
   assert_int_equal(msm_ctx_set_param(f->ctx, &p, NULL), -EPERM);

   struct msm_core_config cfg = fx_config();
   struct fx g = { 0 };
   cfg.allow_sysprof = true;
   assert_int_equal(fx_open(&g, &cfg), 0);
   assert_int_equal(msm_ctx_set_param(g.ctx, &p, NULL), 0);
   p.value = 3;
   assert_int_equal(msm_ctx_set_param(g.ctx, &p, NULL), -EINVAL);
   p.value = 1;
   p.len = 1;
   assert_int_equal(msm_ctx_set_param(g.ctx, &p, NULL), -EINVAL);
   msm_ctx_destroy(g.ctx);
   msm_core_destroy(g.core);
}

/* ---- GEM ------------------------------------------------------------- */

static void
test_gem_new_flags(void **state)
{
   struct fx *f = *state;
   struct drm_msm_gem_new req = { .size = 4096, .flags = MSM_BO_CACHED_COHERENT };

   /* Not on an a630 (no coherent IOMMU) ... */
   assert_int_equal(msm_ctx_gem_new(f->ctx, &req), -EINVAL);
   req.flags = MSM_BO_WC | 0x8;
   assert_int_equal(msm_ctx_gem_new(f->ctx, &req), -EINVAL);

   /* ... but on an a660. */
   struct msm_core_config cfg = fx_config();
   struct fx g = { 0 };
   cfg.chip = "a660";
   assert_int_equal(fx_open(&g, &cfg), 0);
   req.flags = MSM_BO_CACHED_COHERENT;
   assert_int_equal(msm_ctx_gem_new(g.ctx, &req), 0);
   msm_ctx_destroy(g.ctx);
   msm_core_destroy(g.core);
}

static void
test_gem_info_errors(void **state)
{
   struct fx *f = *state;
   uint32_t h = gem_new(f->ctx, 4096, MSM_BO_WC);
   struct drm_msm_gem_info req = { .handle = h, .info = MSM_INFO_GET_IOVA, .pad = 1 };

   assert_int_equal(msm_ctx_gem_info(f->ctx, &req, NULL), -EINVAL);
   req = (struct drm_msm_gem_info){ .handle = h, .info = 0x42 };
   assert_int_equal(msm_ctx_gem_info(f->ctx, &req, NULL), -EINVAL);
   req = (struct drm_msm_gem_info){ .handle = h, .info = MSM_INFO_GET_IOVA, .len = 8 };
   assert_int_equal(msm_ctx_gem_info(f->ctx, &req, NULL), -EINVAL);
   req = (struct drm_msm_gem_info){ .handle = h + 100, .info = MSM_INFO_GET_IOVA };
   assert_int_equal(msm_ctx_gem_info(f->ctx, &req, NULL), -ENOENT);
   req.handle = 0;
   assert_int_equal(msm_ctx_gem_info(f->ctx, &req, NULL), -ENOENT);
   /* An iova, once given, stays. */
   assert_int_equal(info(f->ctx, h, MSM_INFO_GET_IOVA),
                    info(f->ctx, h, MSM_INFO_GET_IOVA));
}

static void
test_set_iova(void **state)
{
   struct fx *f = *state;
   uint32_t a = gem_new(f->ctx, 8192, MSM_BO_WC);
   uint32_t b = gem_new(f->ctx, 8192, MSM_BO_WC);
   uint64_t base = 0x100000000ull + (1ull << 30);
   struct drm_msm_gem_info req = { .handle = a, .info = MSM_INFO_SET_IOVA, .value = base };

   assert_int_equal(msm_ctx_gem_info(f->ctx, &req, NULL), 0);
   assert_int_equal(info(f->ctx, a, MSM_INFO_GET_IOVA), base);
   /* Setting the same address again is fine; another one is EBUSY. */
   assert_int_equal(msm_ctx_gem_info(f->ctx, &req, NULL), 0);
   req.value = base + 0x10000;
   assert_int_equal(msm_ctx_gem_info(f->ctx, &req, NULL), -EBUSY);
   /* Overlap, out of range, unaligned, wrapping: all -ENOSPC. */
   req = (struct drm_msm_gem_info){ .handle = b, .info = MSM_INFO_SET_IOVA, .value = base + 4096 };
   assert_int_equal(msm_ctx_gem_info(f->ctx, &req, NULL), -ENOSPC);
   req.value = 0x1000;
   assert_int_equal(msm_ctx_gem_info(f->ctx, &req, NULL), -ENOSPC);
   req.value = 0x200000000ull - 4096; /* runs past VA_START + VA_SIZE */
   assert_int_equal(msm_ctx_gem_info(f->ctx, &req, NULL), -ENOSPC);
   req.value = base + 8192 + 100;
   assert_int_equal(msm_ctx_gem_info(f->ctx, &req, NULL), -ENOSPC);
   req.value = ~0ull & ~4095ull;
   assert_int_equal(msm_ctx_gem_info(f->ctx, &req, NULL), -ENOSPC);
   /* Right after a is fine. */
   req.value = base + 8192;
   assert_int_equal(msm_ctx_gem_info(f->ctx, &req, NULL), 0);
   /* Clearing (value 0) frees the range for someone else. */
   req = (struct drm_msm_gem_info){ .handle = a, .info = MSM_INFO_SET_IOVA, .value = 0 };
   assert_int_equal(msm_ctx_gem_info(f->ctx, &req, NULL), 0);
   uint32_t c = gem_new(f->ctx, 4096, MSM_BO_WC);
   req = (struct drm_msm_gem_info){ .handle = c, .info = MSM_INFO_SET_IOVA, .value = base };
   assert_int_equal(msm_ctx_gem_info(f->ctx, &req, NULL), 0);
}

static void
test_clear_iova_busy(void **state)
{
   struct fx *f = *state;
   uint32_t dst = gem_new(f->ctx, 4096, MSM_BO_WC), fence = 0;
   struct drm_msm_gem_info req = { .handle = dst, .info = MSM_INFO_SET_IOVA, .value = 0 };

   assert_int_equal(submit_write(f, 0, dst, 1, 100000000, 0, &fence), 0);
   assert_int_equal(msm_ctx_gem_info(f->ctx, &req, NULL), -EBUSY);
   assert_int_equal(wait_fence(f, 0, fence, 5000000000ll), 0);
   assert_int_equal(msm_ctx_gem_info(f->ctx, &req, NULL), 0);
}

static void
test_gem_name(void **state)
{
   struct fx *f = *state;
   uint32_t h = gem_new(f->ctx, 4096, MSM_BO_WC);
   char buf[64];
   struct drm_msm_gem_info req = { .handle = h, .info = MSM_INFO_SET_NAME,
                                   .value = 1, .len = 9 };

   assert_int_equal(msm_ctx_gem_info(f->ctx, &req, "texture\x01z"), 0);
   /* Length query: value 0. */
   req = (struct drm_msm_gem_info){ .handle = h, .info = MSM_INFO_GET_NAME };
   assert_int_equal(msm_ctx_gem_info(f->ctx, &req, NULL), 0);
   assert_int_equal(req.len, 7); /* cut at the first unprintable byte */
   req = (struct drm_msm_gem_info){ .handle = h, .info = MSM_INFO_GET_NAME, .value = 1, .len = 3 };
   assert_int_equal(msm_ctx_gem_info(f->ctx, &req, buf), -EINVAL);
   req.len = sizeof(buf);
   memset(buf, 0, sizeof(buf));
   assert_int_equal(msm_ctx_gem_info(f->ctx, &req, buf), 0);
   assert_string_equal(buf, "texture");
   req = (struct drm_msm_gem_info){ .handle = h, .info = MSM_INFO_SET_NAME, .value = 1, .len = 32 };
   assert_int_equal(msm_ctx_gem_info(f->ctx, &req, buf), -EINVAL);
   req.len = 4;
   assert_int_equal(msm_ctx_gem_info(f->ctx, &req, NULL), -EFAULT);
}

static void
test_mmap_offset_never_zero(void **state)
{
   struct fx *f = *state;
   uint32_t h = gem_new(f->ctx, 4096, MSM_BO_WC);
   /* Like a kernel's fake offsets: 0 means "none" to userspace (turnip). */
   assert_true(info(f->ctx, h, MSM_INFO_GET_OFFSET) >= 4096);
}

static void
test_gem_close(void **state)
{
   struct fx *f = *state;
   uint32_t h = gem_new(f->ctx, 4096, MSM_BO_WC);

   assert_int_equal(msm_ctx_gem_close(f->ctx, h), 0);
   assert_int_equal(msm_ctx_gem_close(f->ctx, h), -EINVAL);
   assert_int_equal(msm_ctx_gem_close(f->ctx, 0), -EINVAL);
   assert_int_equal(msm_ctx_gem_close(f->ctx, 0xffffffff), -EINVAL);
   /* Handles are reused, lowest first, as idr does. */
   assert_int_equal(gem_new(f->ctx, 4096, MSM_BO_WC), h);
}

static void
test_handles_per_context(void **state)
{
   struct fx *f = *state;
   struct msm_ctx *other;
   uint32_t h = gem_new(f->ctx, 4096, MSM_BO_WC);
   struct drm_msm_gem_info req = { .handle = h, .info = MSM_INFO_GET_IOVA };

   assert_int_equal(msm_ctx_create(f->core, &other), 0);
   /* Another drm_file's handle namespace is its own. */
   assert_int_equal(msm_ctx_gem_info(other, &req, NULL), -ENOENT);
   assert_int_equal(msm_ctx_gem_close(other, h), -EINVAL);
   msm_ctx_destroy(other);
   assert_int_equal(msm_ctx_gem_close(f->ctx, h), 0);
}

static void
test_cpu_prep_errors(void **state)
{
   struct fx *f = *state;
   uint32_t h = gem_new(f->ctx, 4096, MSM_BO_WC), fence = 0;
   struct drm_msm_gem_cpu_prep req = { .handle = h, .op = MSM_PREP_READ, .timeout = abs_ns(0) };
   struct drm_msm_gem_cpu_fini fini = { .handle = h + 7 };

   req.handle = h + 7;
   assert_int_equal(msm_ctx_gem_cpu_prep(f->ctx, &req), -ENOENT);
   assert_int_equal(msm_ctx_gem_cpu_fini(f->ctx, &fini), -ENOENT);
   /* A deadline already past on a busy BO is EBUSY, as in the kernel. */
   assert_int_equal(submit_write(f, 0, h, 1, 100000000, 0, &fence), 0);
   req.handle = h;
   req.timeout = abs_ns(-1000000);
   assert_int_equal(msm_ctx_gem_cpu_prep(f->ctx, &req), -EBUSY);
   req.timeout = abs_ns(5000000000ll);
   assert_int_equal(msm_ctx_gem_cpu_prep(f->ctx, &req), 0);
   assert_int_equal(*(uint32_t *)(f->hm + info(f->ctx, h, MSM_INFO_GET_OFFSET)), 1);
}

static void
test_madvise_errors(void **state)
{
   struct fx *f = *state;
   struct drm_msm_gem_madvise req = { .handle = 77, .madv = MSM_MADV_WILLNEED };
   assert_int_equal(msm_ctx_gem_madvise(f->ctx, &req), -ENOENT);
   req.madv = __MSM_MADV_PURGED;
   assert_int_equal(msm_ctx_gem_madvise(f->ctx, &req), -EINVAL);
}

static void
test_purge_really_frees(void **state)
{
   struct fx *f = *state;
   uint32_t h = gem_new(f->ctx, 1 << 20, MSM_BO_WC);
   uint64_t off = info(f->ctx, h, MSM_INFO_GET_OFFSET);
   struct drm_msm_gem_madvise req = { .handle = h, .madv = MSM_MADV_DONTNEED };
   struct drm_msm_gem_info gi = { .handle = h, .info = MSM_INFO_GET_OFFSET };
   struct msm_core_stats before, after;

   memset(f->hm + off, 0x5a, 1 << 20);
   assert_int_equal(msm_ctx_gem_madvise(f->ctx, &req), 0);
   msm_core_get_stats(f->core, &before);
   assert_int_equal(msm_core_shrink(f->core), 1);
   msm_core_get_stats(f->core, &after);
   assert_int_equal(before.hostmem_used - after.hostmem_used, 1 << 20);
   assert_int_equal(after.purged, before.purged + 1);
   /* The pages are gone: the memory reads as zero again. */
   assert_int_equal((unsigned char)f->hm[off + 1000], 0);
   assert_int_equal(msm_ctx_gem_info(f->ctx, &gi, NULL), -EBUSY);
   req.madv = MSM_MADV_WILLNEED;
   assert_int_equal(msm_ctx_gem_madvise(f->ctx, &req), 0);
   assert_int_equal(req.retained, 0);
   /* Nothing else is purged twice. */
   assert_int_equal(msm_core_shrink(f->core), 0);
}

static void
test_purge_under_pressure(void **state)
{
   (void)state;
   struct msm_core_config cfg = fx_config();
   struct fx g = { 0 };
   struct drm_msm_gem_new req = { .size = 3 << 20, .flags = MSM_BO_WC };
   struct drm_msm_gem_madvise madv = { .madv = MSM_MADV_DONTNEED };

   cfg.hostmem_size = (8 << 20) + 4096;
   assert_int_equal(fx_open(&g, &cfg), 0);
   assert_int_equal(msm_ctx_gem_new(g.ctx, &req), 0);
   madv.handle = req.handle;
   assert_int_equal(msm_ctx_gem_new(g.ctx, &req), 0);
   /* Full: the next one only fits if the DONTNEED object is purged. */
   assert_int_equal(msm_ctx_gem_madvise(g.ctx, &madv), 0);
   assert_int_equal(msm_ctx_gem_new(g.ctx, &req), 0);
   madv.madv = MSM_MADV_WILLNEED;
   assert_int_equal(msm_ctx_gem_madvise(g.ctx, &madv), 0);
   assert_int_equal(madv.retained, 0);
   /* Nothing left to purge: a real ENOMEM. */
   assert_int_equal(msm_ctx_gem_new(g.ctx, &req), -ENOMEM);
   msm_ctx_destroy(g.ctx);
   msm_core_destroy(g.core);
}

static void
test_limits(void **state)
{
   (void)state;
   struct msm_core_config cfg = fx_config();
   struct fx g = { 0 };
   struct drm_msm_gem_new req = { .size = 4096, .flags = MSM_BO_WC };
   struct drm_msm_submitqueue q = { .prio = 0 };

   cfg.limits.max_bos = 3;
   cfg.limits.max_bo_bytes = 64 << 10;
   cfg.limits.max_bo_size = 32 << 10;
   cfg.limits.max_queues = 2;
   assert_int_equal(fx_open(&g, &cfg), 0);
   req.size = (32 << 10) + 1;
   assert_int_equal(msm_ctx_gem_new(g.ctx, &req), -ENOMEM);
   req.size = 32 << 10;
   assert_int_equal(msm_ctx_gem_new(g.ctx, &req), 0);
   assert_int_equal(msm_ctx_gem_new(g.ctx, &req), 0);
   req.size = 4096;
   assert_int_equal(msm_ctx_gem_new(g.ctx, &req), -ENOMEM); /* bytes */
   assert_int_equal(msm_ctx_gem_close(g.ctx, 1), 0);
   assert_int_equal(msm_ctx_gem_new(g.ctx, &req), 0);
   assert_int_equal(msm_ctx_gem_new(g.ctx, &req), 0); /* 3 objects, 40 KiB */
   assert_int_equal(msm_ctx_gem_new(g.ctx, &req), -ENOMEM); /* count */
   /* Queue 0 exists: one more fits. */
   assert_int_equal(msm_ctx_submitqueue_new(g.ctx, &q), 0);
   assert_int_equal(msm_ctx_submitqueue_new(g.ctx, &q), -ENOMEM);
   msm_ctx_destroy(g.ctx);

   /* Contexts per core. */
   struct msm_ctx *c[3];
   msm_core_destroy(g.core);
   cfg = fx_config();
   cfg.limits.max_contexts = 2;
   assert_int_equal(msm_core_create(&cfg, &g.core), 0);
   assert_int_equal(msm_ctx_create(g.core, &c[0]), 0);
   assert_int_equal(msm_ctx_create(g.core, &c[1]), 0);
   assert_int_equal(msm_ctx_create(g.core, &c[2]), -ENOMEM);
   msm_ctx_destroy(c[0]);
   assert_int_equal(msm_ctx_create(g.core, &c[2]), 0);
   msm_ctx_destroy(c[1]);
   msm_ctx_destroy(c[2]);
   msm_core_destroy(g.core);
}

static void
test_hostmem_exhausted(void **state)
{
   (void)state;
   struct msm_core_config cfg = fx_config();
   struct fx g = { 0 };
   struct drm_msm_gem_new req = { .size = 1 << 20, .flags = MSM_BO_WC };
   int n = 0;

   cfg.hostmem_size = (4 << 20) + 4096; /* one page is never handed out */
   assert_int_equal(fx_open(&g, &cfg), 0);
   while (msm_ctx_gem_new(g.ctx, &req) == 0)
      n++;
   assert_int_equal(n, 4);
   assert_int_equal(msm_ctx_gem_new(g.ctx, &req), -ENOMEM);
   msm_ctx_destroy(g.ctx);
   msm_core_destroy(g.core);
}

/* ---- submit ---------------------------------------------------------- */

static void
test_submit_arg_errors(void **state)
{
   struct fx *f = *state;
   uint32_t h = gem_new(f->ctx, 4096, MSM_BO_WC);
   struct drm_msm_gem_submit_bo bo = { .flags = MSM_SUBMIT_BO_READ, .handle = h };
   struct drm_msm_gem_submit_cmd cmd = { .type = MSM_SUBMIT_CMD_BUF, .size = 4 };
   struct drm_msm_gem_submit base = { .flags = MSM_PIPE_3D0, .nr_bos = 1, .nr_cmds = 1 };
   struct drm_msm_gem_submit req;
   uint32_t nop = pm4_pkt7_hdr(PM4_CP_NOP, 0);

   memcpy(f->hm + info(f->ctx, h, MSM_INFO_GET_OFFSET), &nop, 4);
#define TRY(expect, ...) do { req = base; __VA_ARGS__; \
      assert_int_equal(msm_ctx_gem_submit(f->ctx, &req, &bo, &cmd), expect); } while (0)
   TRY(-EINVAL, req.pad = 1);
   TRY(-EINVAL, req.flags = MSM_PIPE_2D0);
   TRY(-EINVAL, req.flags |= 0x00100000);
   TRY(-EINVAL, req.flags |= MSM_SUBMIT_SUDO);
   TRY(-EINVAL, req.flags |= MSM_SUBMIT_FENCE_FD_IN);
   TRY(-EOPNOTSUPP, req.flags |= MSM_SUBMIT_FENCE_FD_OUT);
   /* msm_ctx_gem_submit() passes no syncobj arrays: a copy from NULL.
    * (test_syncobj.c covers msm_ctx_gem_submit_syncobjs().) */
   TRY(-EFAULT, req.flags |= MSM_SUBMIT_SYNCOBJ_IN; req.nr_in_syncobjs = 1);
   TRY(-EFAULT, req.flags |= MSM_SUBMIT_SYNCOBJ_OUT; req.nr_out_syncobjs = 1);
   TRY(-E2BIG, req.nr_bos = MSM_DEFAULT_MAX_SUBMIT_BOS + 1);
   TRY(-E2BIG, req.nr_cmds = MSM_DEFAULT_MAX_SUBMIT_CMDS + 1);
   TRY(-ENOENT, req.queueid = 5);
   TRY(-EINVAL, cmd.submit_idx = 1);
   cmd.submit_idx = 0;
   TRY(-EINVAL, cmd.nr_relocs = 1);
   cmd.nr_relocs = 0;
   TRY(-EINVAL, bo.handle = 999);
   bo.handle = h;
   TRY(-EINVAL, bo.flags = MSM_SUBMIT_BO_DUMP);
   bo.flags = MSM_SUBMIT_BO_READ;
   assert_int_equal(msm_ctx_gem_submit(f->ctx, &base, NULL, &cmd), -EFAULT);
   assert_int_equal(msm_ctx_gem_submit(f->ctx, &base, &bo, NULL), -EFAULT);
   /* SYNCOBJ flags with nothing in the arrays are harmless. */
   TRY(0, req.flags |= MSM_SUBMIT_SYNCOBJ_IN | MSM_SUBMIT_NO_IMPLICIT);
   assert_int_equal(wait_fence(f, 0, req.fence, 1000000000), 0);
#undef TRY
}

static void
test_fence_sn_in(void **state)
{
   struct fx *f = *state;
   uint32_t dst = gem_new(f->ctx, 4096, MSM_BO_WC), fence;

   /* Userspace picks the seqno ... */
   fence = 100;
   assert_int_equal(submit_write(f, 0, dst, 1, 100000000, MSM_SUBMIT_FENCE_SN_IN, &fence), 0);
   assert_int_equal(fence, 100);
   /* ... but not one still in flight on the queue. */
   fence = 100;
   assert_int_equal(submit_write(f, 0, dst, 2, 0, MSM_SUBMIT_FENCE_SN_IN, &fence), -EINVAL);
   fence = 101;
   assert_int_equal(submit_write(f, 0, dst, 3, 0, MSM_SUBMIT_FENCE_SN_IN, &fence), 0);
   assert_int_equal(wait_fence(f, 0, 102, 0), -EINVAL); /* beyond last_fence */
   assert_int_equal(wait_fence(f, 0, 101, 5000000000ll), 0);
   assert_int_equal(*(uint32_t *)(f->hm + info(f->ctx, dst, MSM_INFO_GET_OFFSET)), 3);
   /* Retired seqnos may be used again (the kernel's idr slot is free). */
   fence = 100;
   assert_int_equal(submit_write(f, 0, dst, 4, 0, MSM_SUBMIT_FENCE_SN_IN, &fence), 0);
   assert_int_equal(wait_fence(f, 0, 100, 5000000000ll), 0);
   /* Other queues have their own seqno space. */
   struct drm_msm_submitqueue q = { .prio = 1 };
   assert_int_equal(msm_ctx_submitqueue_new(f->ctx, &q), 0);
   fence = 0;
   assert_int_equal(submit_write(f, q.id, dst, 5, 0, 0, &fence), 0);
   assert_int_equal(fence, 1);
   assert_int_equal(wait_fence(f, q.id, fence, 5000000000ll), 0);
}

static uint32_t seen_q = 77, seen_f;

static void
retire_cb(void *data, uint32_t q, uint32_t fence, uint32_t faults)
{
   (void)faults;
   *(int *)data += 1;
   seen_q = q;
   seen_f = fence;
}

static void
test_queue_completed_and_retire_cb(void **state)
{
   struct fx *f = *state;
   uint32_t dst = gem_new(f->ctx, 4096, MSM_BO_WC), fence = 0, done = 99;
   int calls = 0;

   msm_ctx_set_retire_cb(f->ctx, retire_cb, &calls);
   assert_int_equal(msm_ctx_queue_completed(f->ctx, 0, &done), 0);
   assert_int_equal(done, 0);
   assert_int_equal(submit_write(f, 0, dst, 1, 0, 0, &fence), 0);
   assert_int_equal(wait_fence(f, 0, fence, 5000000000ll), 0);
   assert_int_equal(msm_ctx_queue_completed(f->ctx, 0, &done), 0);
   assert_int_equal(done, fence);
   assert_int_equal(seen_q, 0);
   assert_int_equal(seen_f, fence);
   assert_int_equal(calls, 1);
   assert_int_equal(msm_ctx_queue_completed(f->ctx, 9, &done), -ENOENT);
   msm_ctx_set_retire_cb(f->ctx, NULL, NULL);
}

static void
test_submitqueue_query(void **state)
{
   struct fx *f = *state;
   struct drm_msm_submitqueue_query req = { .id = 0, .param = MSM_SUBMITQUEUE_PARAM_FAULTS };
   uint8_t small;
   uint32_t faults = 9;

   assert_int_equal(msm_ctx_submitqueue_query(f->ctx, &req, NULL), 0);
   assert_int_equal(req.len, 4); /* a zero length asks for the size */
   req.len = 1;
   assert_int_equal(msm_ctx_submitqueue_query(f->ctx, &req, &small), 0);
   assert_int_equal(req.len, 1);
   req.len = 64;
   assert_int_equal(msm_ctx_submitqueue_query(f->ctx, &req, &faults), 0);
   assert_int_equal(req.len, 4);
   assert_int_equal(faults, 0);
   req.pad = 1;
   assert_int_equal(msm_ctx_submitqueue_query(f->ctx, &req, &faults), -EINVAL);
   req.pad = 0;
   req.param = 1;
   assert_int_equal(msm_ctx_submitqueue_query(f->ctx, &req, &faults), -EINVAL);
   req.param = 0;
   req.id = 3;
   assert_int_equal(msm_ctx_submitqueue_query(f->ctx, &req, &faults), -ENOENT);
   req.id = 0;
   req.len = 4;
   assert_int_equal(msm_ctx_submitqueue_query(f->ctx, &req, NULL), -EFAULT);
}

static void
test_wait_fence_pad(void **state)
{
   struct fx *f = *state;
   struct drm_msm_wait_fence req = { .fence = 0, .pad = 1, .timeout = abs_ns(0) };
   assert_int_equal(msm_ctx_wait_fence(f->ctx, &req), -EINVAL);
   req.pad = 0;
   assert_int_equal(msm_ctx_wait_fence(f->ctx, &req), 0); /* nothing to wait */
}

static void
test_delay_in_stream_order(void **state)
{
   struct fx *f = *state;
   uint32_t dst = gem_new(f->ctx, 4096, MSM_BO_WC), fence = 0;
   volatile uint32_t *p = (uint32_t *)(f->hm + info(f->ctx, dst, MSM_INFO_GET_OFFSET));

   /* [400 ms of GPU work][CP_MEM_WRITE]: the write is what the GPU does
    * after the work, so it must not be visible while the fence is busy. */
   assert_int_equal(submit_write(f, 0, dst, 0x600d, 400000000, 0, &fence), 0);
   assert_int_equal(wait_fence(f, 0, fence, 0), -ETIMEDOUT);
   assert_int_equal(*p, 0);
   assert_int_equal(wait_fence(f, 0, fence, 5000000000ll), 0);
   assert_int_equal(*p, 0x600d);
}

static void
test_hang(void **state)
{
   struct fx *f = *state;
   uint32_t dst = gem_new(f->ctx, 4096, MSM_BO_WC), fence = 0;
   struct drm_msm_param p = { .pipe = MSM_PIPE_3D0, .param = MSM_PARAM_FAULTS };

   /* Ten seconds of modelled GPU time trips hangcheck (500 ms). */
   assert_int_equal(submit_write(f, 0, dst, 1, 10000000000ull, 0, &fence), 0);
   assert_int_equal(wait_fence(f, 0, fence, 5000000000ll), 0);
   assert_int_equal(msm_ctx_get_param(f->ctx, &p), 0);
   assert_int_equal(p.value, 1);
}

static void
test_inflight_throttle(void **state)
{
   (void)state;
   struct msm_core_config cfg = fx_config();
   struct fx g = { 0 };
   struct msm_core_stats st;
   uint32_t dst, fence = 0;

   cfg.limits.max_inflight = 2;
   assert_int_equal(fx_open(&g, &cfg), 0);
   dst = gem_new(g.ctx, 4096, MSM_BO_WC);
   for (int i = 0; i < 5; i++) {
      assert_int_equal(submit_write(&g, 0, dst, i, 20000000, 0, &fence), 0);
      msm_core_get_stats(g.core, &st);
      /* A full ring makes submit wait, never fail or grow past the cap. */
      assert_true(st.inflight <= 2);
      assert_true(st.retired >= (uint64_t)(i >= 2 ? i - 1 : 0));
   }
   assert_int_equal(wait_fence(&g, 0, fence, 5000000000ll), 0);
   msm_ctx_destroy(g.ctx);
   msm_core_destroy(g.core);
}

static void
test_destroy_with_inflight(void **state)
{
   (void)state;
   struct msm_core_config cfg = fx_config();
   struct fx g = { 0 };
   struct msm_core_stats st;
   uint32_t dst, fence = 0, cs[32], n = 0, marker = 7;
   volatile uint32_t *seen;

   assert_int_equal(fx_open(&g, &cfg), 0);
   dst = gem_new(g.ctx, 4096, MSM_BO_WC);
   seen = (volatile uint32_t *)(g.hm + info(g.ctx, dst, MSM_INFO_GET_OFFSET));
   /* One submit that shows it started (a write), then stays on the GPU. */
   n += pm4_emit_mem_write(cs + n, info(g.ctx, dst, MSM_INFO_GET_IOVA),
                           &marker, 1);
   n += pm4_emit_delay(cs + n, 200000000);
   assert_int_equal(submit_stream(&g, 0, dst, cs, n, 0, &fence), 0);
   while (__atomic_load_n(seen, __ATOMIC_ACQUIRE) != marker)
      sched_yield();
   /* Three more behind it: not started when the drm_file closes. */
   for (int i = 0; i < 3; i++)
      assert_int_equal(submit_write(&g, 0, dst, 1, 0, 0, &fence), 0);
   msm_ctx_destroy(g.ctx);
   msm_core_get_stats(g.core, &st);
   assert_int_equal(st.contexts, 0);
   assert_int_equal(st.cancelled, 3);
   assert_int_equal(st.inflight, 1); /* the running one: hangcheck bounds it */
   assert_true(st.bos >= 1);         /* still on the GPU */
   assert_int_equal(*seen, marker);  /* the cancelled writes never ran */
   /* Destroying the core drains the GPU first, then frees everything. */
   msm_core_destroy(g.core);
}

/* A context with a deep backlog on a ring delays a newcomer's submit by
 * the one that is running, not by its whole queue (round-robin). */
static void
test_ring_round_robin(void **state)
{
   (void)state;
   struct msm_core_config cfg = fx_config();
   struct fx a = { 0 }, b = { 0 };
   uint32_t dst_a, dst_b, fence = 0, fb = 0, done = 0;
   volatile uint32_t *seen;

   assert_int_equal(fx_open(&a, &cfg), 0);
   b.core = a.core;
   b.hm = a.hm;
   assert_int_equal(msm_ctx_create(b.core, &b.ctx), 0);
   dst_a = gem_new(a.ctx, 4096, MSM_BO_WC);
   dst_b = gem_new(b.ctx, 4096, MSM_BO_WC);
   seen = (volatile uint32_t *)(a.hm + info(a.ctx, dst_a, MSM_INFO_GET_OFFSET));
   /* a: 8 submits of 100 ms each, each writing its index when done. */
   for (uint32_t i = 1; i <= 8; i++)
      assert_int_equal(submit_write(&a, 0, dst_a, i, 100000000, 0, &fence), 0);
   while (__atomic_load_n(seen, __ATOMIC_ACQUIRE) == 0) /* a's first is done */
      sched_yield();
   assert_int_equal(submit_write(&b, 0, dst_b, 42, 0, 0, &fb), 0);
   assert_int_equal(wait_fence(&b, 0, fb, 20000000000ll), 0);
   assert_int_equal(msm_ctx_queue_completed(a.ctx, 0, &done), 0);
   /* FIFO would have run all 8 of a's first; round-robin ran the one that
    * was on the GPU (and, on a slow machine, perhaps the next two). */
   assert_true(done <= 3);
   msm_ctx_destroy(b.ctx);
   msm_ctx_destroy(a.ctx);
   msm_core_destroy(a.core);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
   const struct CMUnitTest tests[] = {
      T(test_get_param_errors),
      cmocka_unit_test(test_chip_table),
      T(test_set_param),
      T(test_sysprof),
      T(test_gem_new_flags),
      T(test_gem_info_errors),
      T(test_set_iova),
      T(test_clear_iova_busy),
      T(test_gem_name),
      T(test_mmap_offset_never_zero),
      T(test_gem_close),
      T(test_handles_per_context),
      T(test_cpu_prep_errors),
      T(test_madvise_errors),
      T(test_purge_really_frees),
      cmocka_unit_test(test_purge_under_pressure),
      cmocka_unit_test(test_limits),
      cmocka_unit_test(test_hostmem_exhausted),
      T(test_submit_arg_errors),
      T(test_fence_sn_in),
      T(test_queue_completed_and_retire_cb),
      T(test_submitqueue_query),
      T(test_wait_fence_pad),
      T(test_delay_in_stream_order),
      T(test_hang),
      cmocka_unit_test(test_inflight_throttle),
      cmocka_unit_test(test_destroy_with_inflight),
      cmocka_unit_test(test_ring_round_robin),
   };
   return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
