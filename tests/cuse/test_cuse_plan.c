/*
 * test_cuse_plan.c - the CUSE retry planner as a pure function: struct
 * bytes in, the in/out segments of each round out, for every ioctl of the
 * spec table, plus the kernel's 128 KiB / FUSE_IOCTL_MAX_IOV limits.
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

#include "cuse_plan.h"
#include "fwd_spec.h"

#define ARG 0x7000000ull /* the caller's struct address (never touched) */

/* The kernel between two requests: the bytes at the plan's in segments,
 * taken from a fake caller memory made of the struct at ARG and the given
 * regions' backing buffers. */
struct mem {
   const void *st;
   uint32_t st_size;
   struct { uint64_t addr; const void *buf; uint64_t len; } bufs[4];
   unsigned nr;
};

static const uint8_t *
mem_at(const struct mem *m, uint64_t addr, uint64_t len)
{
   if (addr == ARG && len <= m->st_size)
      return m->st;
   for (unsigned i = 0; i < m->nr; i++)
      if (addr >= m->bufs[i].addr &&
          addr + len <= m->bufs[i].addr + m->bufs[i].len)
         return (const uint8_t *)m->bufs[i].buf + (addr - m->bufs[i].addr);
   fail_msg("plan asked for unmapped memory 0x%llx+%llu",
            (unsigned long long)addr, (unsigned long long)len);
   return NULL;
}

/* Run the rounds; returns the final status, *rounds the requests made. */
static int
run(unsigned long cmd, const struct mem *m, struct cuse_plan *p,
    const struct cuse_limits *lim, unsigned *rounds, uint8_t **in_out)
{
   uint8_t *in = NULL;
   uint64_t in_size = 0, out_size = 0;
   int ret;

   *rounds = 0;
   for (;;) {
      ret = cuse_plan_ioctl(cmd, ARG, in, in_size, out_size, lim, p);
      (*rounds)++;
      if (ret != CUSE_PLAN_RETRY || *rounds > 8)
         break;
      free(in);
      in = malloc(p->in_bytes + 1);
      in_size = 0;
      for (unsigned i = 0; i < p->nr_in; i++) {
         memcpy(in + in_size, mem_at(m, p->in[i].addr, p->in[i].len),
                p->in[i].len);
         in_size += p->in[i].len;
      }
      out_size = p->out_bytes;
   }
   if (in_out)
      *in_out = in;
   else
      free(in);
   return ret;
}

/* Request 1 of every ioctl in the table asks for its struct exactly as the
 * request number describes it, or answers at once. */
static void
test_first_round_every_ioctl(void **state)
{
   unsigned count;
   const struct fwd_ioctl_spec *table = fwd_spec_table(&count);

   (void)state;
   assert_int_equal(count, FWD_ID_COUNT);
   for (unsigned i = 0; i < count; i++) {
      const struct fwd_ioctl_spec *s = &table[i];
      struct cuse_plan p;
      int ret = cuse_plan_ioctl(s->cmd, ARG, NULL, 0, 0, &cuse_kernel_limits,
                                &p);

      if (s->dir & _IOC_WRITE) {
         assert_int_equal(ret, CUSE_PLAN_RETRY);
         assert_int_equal(p.nr_in, 1);
         assert_int_equal(p.in[0].addr, ARG);
         assert_int_equal(p.in[0].len, s->size);
      } else {
         /* _IOR only: nothing to read, the struct is all zero. */
         assert_int_equal(p.nr_in, 0);
      }
      if (s->dir & _IOC_READ) {
         assert_int_equal(p.nr_out, 1);
         assert_int_equal(p.out[0].addr, ARG);
         assert_int_equal(p.out[0].len, s->size);
      } else {
         assert_int_equal(p.nr_out, 0);
      }
   }
}

/* A struct of spec with region ri made active: its condition met, a count,
 * a distinct address.  Returns false if ri cannot be activated alone. */
static void
activate(const struct fwd_ioctl_spec *s, uint32_t ri, uint8_t *st,
         uint64_t addr, uint64_t count)
{
   const struct fwd_region_spec *rs = &s->regions[ri];

   if (rs->cond.op == FWD_COND_EQ || rs->cond.op == FWD_COND_BITS)
      fwd_field_set(st, rs->cond.field,
                    fwd_field_get(st, rs->cond.field) | rs->cond.value);
   fwd_field_set(st, rs->ptr, addr);
   if (rs->count.size)
      fwd_field_set(st, rs->count, count);
   if (rs->stride.size)
      fwd_field_set(st, rs->stride, rs->elem_size);
}

/* Every region of every served ioctl: the plan's segments are exactly the
 * spans fwd_spec_regions() resolves, in table order, and the plan is ready
 * once the kernel delivered them. */
static void
test_regions_every_ioctl(void **state)
{
   unsigned count;
   const struct fwd_ioctl_spec *table = fwd_spec_table(&count);
   static uint8_t backing[4][8192];

   (void)state;
   for (unsigned i = 0; i < count; i++) {
      const struct fwd_ioctl_spec *s = &table[i];

      if (s->answer)
         continue;
      for (uint32_t ri = 0; ri < s->nr_regions; ri++) {
         _Alignas(8) uint8_t st[FWD_MAX_STRUCT] = { 0 };
         struct fwd_region regs[FWD_MAX_REGIONS];
         struct mem m = { .st = st, .st_size = s->size, .nr = 4 };
         struct cuse_plan p;
         unsigned rounds;
         uint8_t *in;
         int ret;

         activate(s, ri, st, 0x100000 * (ri + 1), 3);
         for (unsigned b = 0; b < 4; b++) {
            m.bufs[b].addr = 0x100000 * (b + 1);
            m.bufs[b].buf = backing[b];
            m.bufs[b].len = sizeof(backing[b]);
         }
         assert_int_equal(fwd_spec_regions(s, st, regs), 0);
         assert_true(regs[ri].active);

         ret = run(s->cmd, &m, &p, &cuse_kernel_limits, &rounds, &in);
         assert_int_equal(ret, CUSE_PLAN_READY);
         assert_int_equal(rounds, 3);
         assert_true(p.full);

         /* Segment lists rebuilt from the resolved regions. */
         unsigned ni = 0, no = 0;
         int last_out = -1;
         if (s->dir & _IOC_WRITE)
            assert_int_equal(p.in[ni++].addr, ARG);
         if (s->dir & _IOC_READ)
            assert_int_equal(p.out[no++].addr, ARG);
         for (uint32_t r = 0; r < s->nr_regions; r++)
            if (regs[r].active && regs[r].span && (regs[r].dir & FWD_OUT))
               last_out = (int)r;
         for (uint32_t r = 0; r < s->nr_regions; r++) {
            if (!regs[r].active || !regs[r].span)
               continue;
            bool fetched = (regs[r].dir & FWD_IN) || (int)r != last_out;
            if (fetched) {
               assert_int_equal(p.in[ni].addr, regs[r].uaddr);
               assert_int_equal(p.in[ni].len, regs[r].span);
               ni++;
            }
            if (regs[r].dir & FWD_OUT) {
               assert_int_equal(p.out[no].addr, regs[r].uaddr);
               assert_int_equal(p.out[no].len, regs[r].span);
               no++;
            }
         }
         assert_int_equal(p.nr_in, ni);
         assert_int_equal(p.nr_out, no);
         free(in);
      }
   }
}

/* The worked example of docs/cuse.md: GEM_SUBMIT with two bos and one cmd. */
static void
test_gem_submit_rounds(void **state)
{
   struct drm_msm_gem_submit_bo bos[2] = { { .handle = 1 }, { .handle = 2 } };
   struct drm_msm_gem_submit_cmd cmds[1] = { { .size = 16 } };
   struct drm_msm_gem_submit req = {
      .flags = MSM_PIPE_3D0, .nr_bos = 2, .bos = 0x200000, .nr_cmds = 1,
      .cmds = 0x300000,
   };
   struct mem m = { .st = &req, .st_size = sizeof(req), .nr = 2, .bufs = {
      { 0x200000, bos, sizeof(bos) }, { 0x300000, cmds, sizeof(cmds) } } };
   struct cuse_plan p;
   uint8_t in[256];
   size_t n;

   (void)state;
   /* 1: nothing -> fetch the struct, prepare it for the fence. */
   assert_int_equal(cuse_plan_ioctl(DRM_IOCTL_MSM_GEM_SUBMIT, ARG, NULL, 0, 0,
                                    &cuse_kernel_limits, &p), CUSE_PLAN_RETRY);
   assert_int_equal(p.nr_in, 1);
   assert_int_equal(p.in_bytes, sizeof(req));
   assert_int_equal(p.nr_out, 1);

   /* 2: the struct -> struct + bos + cmds in, struct out. */
   memcpy(in, &req, sizeof(req));
   assert_int_equal(cuse_plan_ioctl(DRM_IOCTL_MSM_GEM_SUBMIT, ARG, in,
                                    sizeof(req), sizeof(req),
                                    &cuse_kernel_limits, &p), CUSE_PLAN_RETRY);
   assert_int_equal(p.nr_in, 3);
   assert_int_equal(p.in[1].addr, 0x200000);
   assert_int_equal(p.in[1].len, sizeof(bos));
   assert_int_equal(p.in[2].addr, 0x300000);
   assert_int_equal(p.in[2].len, sizeof(cmds));
   assert_int_equal(p.nr_out, 1);
   assert_int_equal(p.out_bytes, sizeof(req));

   /* 3: everything -> ready, request = header + lens + struct + arrays. */
   n = 0;
   for (unsigned i = 0; i < p.nr_in; i++) {
      memcpy(in + n, mem_at(&m, p.in[i].addr, p.in[i].len), p.in[i].len);
      n += p.in[i].len;
   }
   assert_int_equal(cuse_plan_ioctl(DRM_IOCTL_MSM_GEM_SUBMIT, ARG, in, n,
                                    sizeof(req), &cuse_kernel_limits, &p),
                    CUSE_PLAN_READY);
   assert_int_equal(p.req_len, 16 + 4 * 4 + sizeof(req) + sizeof(bos) +
                               sizeof(cmds));

   /* The caller grows nr_bos between requests 2 and 3: one more retry. */
   req.nr_bos = 1;
   memcpy(in, &req, sizeof(req));
   assert_int_equal(cuse_plan_ioctl(DRM_IOCTL_MSM_GEM_SUBMIT, ARG, in, n,
                                    sizeof(req), &cuse_kernel_limits, &p),
                    CUSE_PLAN_RETRY);
   assert_int_equal(p.in[1].len, sizeof(bos[0]));
}

/* Requests that need no region: two requests, like GET_PARAM. */
static void
test_struct_only(void **state)
{
   struct drm_msm_param gp = { .pipe = MSM_PIPE_3D0, .param = MSM_PARAM_GPU_ID };
   struct drm_msm_gem_info gi = { .handle = 1, .info = MSM_INFO_GET_NAME };
   struct mem m1 = { .st = &gp, .st_size = sizeof(gp) };
   struct mem m2 = { .st = &gi, .st_size = sizeof(gi) };
   struct cuse_plan p;
   unsigned rounds;

   (void)state;
   assert_int_equal(run(DRM_IOCTL_MSM_GET_PARAM, &m1, &p, &cuse_kernel_limits,
                        &rounds, NULL), CUSE_PLAN_READY);
   assert_int_equal(rounds, 2);
   /* GET_NAME with value 0 asks for the length only: no buffer. */
   assert_int_equal(run(DRM_IOCTL_MSM_GEM_INFO, &m2, &p, &cuse_kernel_limits,
                        &rounds, NULL), CUSE_PLAN_READY);
   assert_int_equal(rounds, 2);
}

/* VERSION: three out strings; the first two are fetched to pad a short
 * write, the last is not. */
static void
test_version_padding_plan(void **state)
{
   char name[64], date[64], desc[64];
   struct drm_version v = {
      .name_len = sizeof(name), .name = (char *)0x100000,
      .date_len = sizeof(date), .date = (char *)0x200000,
      .desc_len = sizeof(desc), .desc = (char *)0x300000,
   };
   struct mem m = { .st = &v, .st_size = sizeof(v), .nr = 3, .bufs = {
      { 0x100000, name, 64 }, { 0x200000, date, 64 }, { 0x300000, desc, 64 } } };
   struct cuse_plan p;
   unsigned rounds;

   (void)state;
   assert_int_equal(run(DRM_IOCTL_VERSION, &m, &p, &cuse_kernel_limits,
                        &rounds, NULL), CUSE_PLAN_READY);
   assert_int_equal(rounds, 3);
   assert_int_equal(p.nr_in, 3);  /* struct, name, date */
   assert_int_equal(p.nr_out, 4); /* struct, name, date, desc */
   assert_int_not_equal(p.reg_in_off[0], CUSE_NO_OFFSET);
   assert_int_not_equal(p.reg_in_off[1], CUSE_NO_OFFSET);
   assert_int_equal(p.reg_in_off[2], CUSE_NO_OFFSET);
}

/* SUBMITQUEUE_QUERY is _IOW: nothing of the struct goes back, only data. */
static void
test_query_out_only(void **state)
{
   uint32_t faults = 0;
   struct drm_msm_submitqueue_query q = {
      .data = 0x100000, .param = MSM_SUBMITQUEUE_PARAM_FAULTS, .len = 4,
   };
   struct mem m = { .st = &q, .st_size = sizeof(q), .nr = 1, .bufs = {
      { 0x100000, &faults, 4 } } };
   struct cuse_plan p;
   unsigned rounds;

   (void)state;
   assert_int_equal(run(DRM_IOCTL_MSM_SUBMITQUEUE_QUERY, &m, &p,
                        &cuse_kernel_limits, &rounds, NULL), CUSE_PLAN_READY);
   assert_int_equal(rounds, 3);
   assert_int_equal(p.nr_in, 1);
   assert_int_equal(p.nr_out, 1);
   assert_int_equal(p.out[0].addr, 0x100000);
   assert_int_equal(p.out[0].len, 4);
}

static void
test_local_answers(void **state)
{
   struct drm_prime_handle ph = { .handle = 1 };
   struct mem m = { .st = &ph, .st_size = sizeof(ph) };
   struct cuse_plan p;
   unsigned rounds;

   (void)state;
   /* Unknown: ENOTTY at once, nothing fetched. */
   assert_int_equal(cuse_plan_ioctl(_IOWR('x', 1, uint64_t), ARG, NULL, 0, 0,
                                    &cuse_kernel_limits, &p), -ENOTTY);
   assert_int_equal(cuse_plan_ioctl(DRM_IOCTL_MODE_GETRESOURCES, ARG, NULL, 0,
                                    0, &cuse_kernel_limits, &p), -ENOTTY);
   /* NULL struct: EFAULT without a round. */
   assert_int_equal(cuse_plan_ioctl(DRM_IOCTL_MSM_GET_PARAM, 0, NULL, 0, 0,
                                    &cuse_kernel_limits, &p), -EFAULT);
   /* Answered entries fail after the copy-in (drm_ioctl() order). */
   assert_int_equal(run(DRM_IOCTL_PRIME_HANDLE_TO_FD, &m, &p,
                        &cuse_kernel_limits, &rounds, NULL), -ENOSYS);
   assert_int_equal(rounds, 2);
}

/* A caller struct shorter than ours (an older uapi): fetch what it has. */
static void
test_short_struct(void **state)
{
   struct drm_msm_gem_new gn = { .size = 4096, .flags = MSM_BO_WC };
   unsigned long cmd = _IOC(_IOC_READ | _IOC_WRITE, DRM_IOCTL_BASE,
                            DRM_COMMAND_BASE + DRM_MSM_GEM_NEW, 12);
   struct mem m = { .st = &gn, .st_size = 12 };
   struct cuse_plan p;
   unsigned rounds;

   (void)state;
   assert_int_equal(run(cmd, &m, &p, &cuse_kernel_limits, &rounds, NULL),
                    CUSE_PLAN_READY);
   assert_int_equal(p.in[0].len, 12);
   assert_int_equal(p.out[0].len, 12);
   assert_int_equal(((struct drm_msm_gem_new *)(void *)p.args)->size, 4096);
}

/* Table limits come first (the kernel's own errno), then CUSE's. */
static void
test_limits(void **state)
{
   static struct drm_msm_gem_submit_bo bos[4096];
   static struct drm_msm_gem_submit_syncobj syncobjs[256 * 256];
   struct drm_msm_gem_submit req = {
      .flags = MSM_PIPE_3D0, .nr_bos = 4097, .bos = 0x10000000,
   };
   struct mem m = { .st = &req, .st_size = sizeof(req), .nr = 2, .bufs = {
      { 0x10000000, bos, sizeof(bos) },
      { 0x20000000, syncobjs, sizeof(syncobjs) } } };
   const struct cuse_limits small = { .max_bytes = 4096, .max_iov = 256 };
   const struct cuse_limits few = { .max_bytes = CUSE_MAX_BYTES, .max_iov = 3 };
   struct cuse_plan p;
   unsigned rounds;

   (void)state;
   /* 4097 bos: the table's (the kernel's) E2BIG. */
   assert_int_equal(run(DRM_IOCTL_MSM_GEM_SUBMIT, &m, &p, &cuse_kernel_limits,
                        &rounds, NULL), -E2BIG);
   /* 4096 bos = 64 KiB: fits CUSE. */
   req.nr_bos = 4096;
   assert_int_equal(run(DRM_IOCTL_MSM_GEM_SUBMIT, &m, &p, &cuse_kernel_limits,
                        &rounds, NULL), CUSE_PLAN_READY);
   assert_int_equal(p.in_bytes, sizeof(req) + sizeof(bos));
   /* ... but not a 4 KiB window, nor 3 iovecs (struct in + bos + struct out
    * is already 3; add cmds). */
   assert_int_equal(run(DRM_IOCTL_MSM_GEM_SUBMIT, &m, &p, &small, &rounds,
                        NULL), -E2BIG);
   req.nr_bos = 1;
   req.nr_cmds = 1;
   req.cmds = 0x10000000;
   assert_int_equal(run(DRM_IOCTL_MSM_GEM_SUBMIT, &m, &p, &few, &rounds,
                        NULL), -E2BIG);
   /* 256 in-syncobjs strided 256 elements apart: a 1 MiB span, over the
    * kernel's 128 KiB although the wire would carry 4 KiB. */
   req.nr_cmds = 0;
   req.nr_bos = 0;
   req.flags |= MSM_SUBMIT_SYNCOBJ_IN;
   req.nr_in_syncobjs = 256;
   req.in_syncobjs = 0x20000000;
   req.syncobj_stride = 256 * sizeof(syncobjs[0]);
   assert_int_equal(run(DRM_IOCTL_MSM_GEM_SUBMIT, &m, &p, &cuse_kernel_limits,
                        &rounds, NULL), -E2BIG);
   /* A stride of one element is fine. */
   req.syncobj_stride = sizeof(syncobjs[0]);
   assert_int_equal(run(DRM_IOCTL_MSM_GEM_SUBMIT, &m, &p, &cuse_kernel_limits,
                        &rounds, NULL), CUSE_PLAN_READY);
   assert_true(p.in_bytes <= CUSE_MAX_BYTES);
}

int
main(void)
{
   const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_first_round_every_ioctl),
      cmocka_unit_test(test_regions_every_ioctl),
      cmocka_unit_test(test_gem_submit_rounds),
      cmocka_unit_test(test_struct_only),
      cmocka_unit_test(test_version_padding_plan),
      cmocka_unit_test(test_query_out_only),
      cmocka_unit_test(test_local_answers),
      cmocka_unit_test(test_short_struct),
      cmocka_unit_test(test_limits),
   };
   return cmocka_run_group_tests(tests, NULL, NULL);
}
