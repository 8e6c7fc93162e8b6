/*
 * test_ioctl2trace.c - `msmvirt trace-convert` (tools/ioctl2trace.c): a
 * synthetic msmvirt-cuse trace with its regions log becomes a trace that
 * parses, with each ioctl turned into the ws call it stands for, handles,
 * queues and fences renamed, and the header counting what was dropped;
 * a handle never created and a wait on a fence no submit returned are
 * errors that name the input line.  Then the committed capture
 * (tests/tools/mesa-gles.trace) carries its header.
 *
 * argv[1]: tests/tools/mesa-gles.trace
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "drm.h"
#include "msm_drm.h"
#include "ioctl2trace.h"
#include "trace.h"

static const char *mesa_path;

/* A growing text buffer. */
struct buf {
   char s[65536];
   size_t len;
   unsigned lines;
   uint64_t t;
};

static void
hex(struct buf *b, const char *key, const void *p, size_t n)
{
   const uint8_t *u = p;

   b->len += (size_t)snprintf(b->s + b->len, sizeof(b->s) - b->len, " %s=",
                              key);
   for (size_t i = 0; i < n; i++)
      b->len += (size_t)snprintf(b->s + b->len, sizeof(b->s) - b->len,
                                 "%02x", u[i]);
}

/* One msmvirt-cuse record, 10 us apart, each taking 5 us.  Returns its
 * line number. */
static unsigned
rec(struct buf *b, unsigned session, const char *name, int result,
    const void *in, size_t in_size, const void *out, size_t out_size)
{
   b->t += 10000;
   b->len += (size_t)snprintf(b->s + b->len, sizeof(b->s) - b->len,
                              "%llu %llu 1000 session=%u rounds=2 %s "
                              "cmd=0x00000000 result=%d req=64 rsp=64",
                              (unsigned long long)b->t,
                              (unsigned long long)b->t + 5000, session, name,
                              result);
   if (in)
      hex(b, "in", in, in_size);
   if (out)
      hex(b, "out", out, out_size);
   b->len += (size_t)snprintf(b->s + b->len, sizeof(b->s) - b->len, "\n");
   return ++b->lines;
}

static void
line(struct buf *b, const char *fmt, ...)
{
   va_list ap;

   va_start(ap, fmt);
   b->len += (size_t)vsnprintf(b->s + b->len, sizeof(b->s) - b->len, fmt, ap);
   va_end(ap);
   b->lines++;
}

/* Convert; 0 and the output, or the error. */
static int
convert(const struct buf *in, const struct buf *reg,
        const struct i2t_opts *o, char **out, char *err, size_t errlen)
{
   FILE *fi = fmemopen((void *)in->s, in->len ? in->len : 1, "r");
   FILE *fr = reg ? fmemopen((void *)reg->s, reg->len ? reg->len : 1, "r")
                  : NULL;
   size_t len = 0;
   FILE *fo = open_memstream(out, &len);
   int ret;

   assert_non_null(fi);
   assert_non_null(fo);
   ret = i2t_convert(fi, "in.cuse", fr, "in.regions", fo, o, err, errlen);
   fclose(fi);
   if (fr)
      fclose(fr);
   fclose(fo);
   return ret;
}

/* A session: queue 3, two BOs, one submit of both, its wait, CPU access,
 * madvise, debug strings, and everything closed.  Plus ioctls with no ws
 * call and one that failed. */
static void
build_session(struct buf *b, struct buf *reg)
{
   struct drm_msm_param par = { .param = MSM_PARAM_GPU_ID };
   struct drm_msm_submitqueue q = { .prio = 1 }, qo = { .prio = 1, .id = 3 };
   struct drm_msm_gem_new n1 = { .size = 4096, .flags = MSM_BO_WC };
   struct drm_msm_gem_new n1o = n1, n2 = { .size = 65536,
      .flags = MSM_BO_WC | MSM_BO_GPU_READONLY }, n2o = n2;
   struct drm_msm_gem_info iova = { .handle = 5, .info = MSM_INFO_GET_IOVA };
   struct drm_msm_gem_info off = { .handle = 5, .info = MSM_INFO_GET_OFFSET };
   struct drm_msm_gem_info nm = { .handle = 5, .info = MSM_INFO_SET_NAME,
                                  .value = 0x1000, .len = 4 };
   struct drm_msm_gem_submit s = { .flags = MSM_PIPE_3D0, .nr_bos = 2,
                                   .nr_cmds = 1, .queueid = 3 }, so = s;
   struct drm_msm_wait_fence wf = { .fence = 7, .queueid = 3 };
   struct drm_msm_gem_cpu_prep cp = { .handle = 6,
                                      .op = MSM_PREP_READ | MSM_PREP_NOSYNC };
   struct drm_msm_gem_cpu_fini cf = { .handle = 6 };
   struct drm_msm_gem_madvise md = { .handle = 6, .madv = MSM_MADV_DONTNEED };
   struct drm_msm_param comm = { .param = MSM_PARAM_COMM, .len = 4 };
   struct drm_msm_param cmdl = { .param = MSM_PARAM_CMDLINE, .len = 8 };
   struct drm_gem_close c5 = { .handle = 5 }, c6 = { .handle = 6 };
   uint32_t qid = 3;
   uint8_t ver[64] = { 0 };

   n1o.handle = 5;
   n2o.handle = 6;
   so.fence = 7;
   rec(b, 1, "VERSION", 0, ver, sizeof(ver), ver, sizeof(ver));
   rec(b, 1, "MSM_GET_PARAM", 0, &par, sizeof(par), &par, sizeof(par));
   par.param = 0x42;
   rec(b, 1, "MSM_GET_PARAM", -EINVAL, &par, sizeof(par), &par, sizeof(par));
   rec(b, 1, "MSM_SUBMITQUEUE_NEW", 0, &q, sizeof(q), &qo, sizeof(qo));
   rec(b, 1, "MSM_GEM_NEW", 0, &n1, sizeof(n1), &n1o, sizeof(n1o));
   rec(b, 1, "MSM_GEM_INFO", 0, &iova, sizeof(iova), &iova, sizeof(iova));
   rec(b, 1, "MSM_GEM_INFO", 0, &off, sizeof(off), &off, sizeof(off));
   rec(b, 1, "MSM_GEM_INFO", 0, &off, sizeof(off), &off, sizeof(off));
   rec(b, 1, "MSM_GEM_INFO", 0, &nm, sizeof(nm), NULL, 0);
   line(reg, "setname handle=5 result=0 str=72696e67\n"); /* "ring" */
   rec(b, 1, "MSM_GEM_NEW", 0, &n2, sizeof(n2), &n2o, sizeof(n2o));
   /* An entry the daemon never forwarded is skipped over. */
   line(reg, "submit queue=9 flags=0x10 nr_bos=0 nr_cmds=0 result=-22 "
        "fence=0 bos= cmds=\n");
   rec(b, 1, "MSM_GEM_SUBMIT", 0, &s, sizeof(s), &so, sizeof(so));
   line(reg, "submit queue=3 flags=0x10 nr_bos=2 nr_cmds=1 result=0 "
        "fence=7 bos=5:1,6:3 cmds=1:0:256:512\n");
   rec(b, 1, "MSM_WAIT_FENCE", 0, &wf, sizeof(wf), NULL, 0);
   rec(b, 1, "MSM_GEM_CPU_PREP", 0, &cp, sizeof(cp), NULL, 0);
   rec(b, 1, "MSM_GEM_CPU_FINI", 0, &cf, sizeof(cf), NULL, 0);
   rec(b, 1, "MSM_GEM_MADVISE", 0, &md, sizeof(md), &md, sizeof(md));
   rec(b, 1, "MSM_SET_PARAM", 0, &comm, sizeof(comm), NULL, 0);
   line(reg, "setparam param=%u result=0 str=64656d6f\n", MSM_PARAM_COMM);
   rec(b, 1, "MSM_SET_PARAM", 0, &cmdl, sizeof(cmdl), NULL, 0);
   line(reg, "setparam param=%u result=0 str=2e2f64656d6f202d78\n",
        MSM_PARAM_CMDLINE); /* "./demo -x" */
   rec(b, 1, "SYNCOBJ_CREATE", 0, ver, 8, ver, 8);
   rec(b, 1, "GEM_CLOSE", 0, &c5, sizeof(c5), NULL, 0);
   rec(b, 1, "GEM_CLOSE", 0, &c6, sizeof(c6), NULL, 0);
   rec(b, 1, "MSM_SUBMITQUEUE_CLOSE", 0, &qid, sizeof(qid), NULL, 0);
}

static uint64_t
count_of(const struct trace_count *c, unsigned n, const char *name)
{
   for (unsigned i = 0; i < n; i++)
      if (!strcmp(c[i].name, name))
         return c[i].n;
   return 0;
}

static void
test_translate(void **state)
{
   static struct buf b, reg;
   struct i2t_opts o;
   struct trace *t = NULL;
   char err[512] = "", *out = NULL;
   static const enum trace_op_type want[] = {
      TRACE_PARAM, TRACE_QUEUE_NEW, TRACE_BO_NEW, TRACE_MAP, TRACE_SET_NAME,
      TRACE_BO_NEW, TRACE_SUBMIT, TRACE_WAIT, TRACE_CPU_PREP, TRACE_CPU_FINI,
      TRACE_MADVISE, TRACE_DEBUGINFO, TRACE_BO_FREE, TRACE_BO_FREE,
      TRACE_QUEUE_CLOSE,
   };

   (void)state;
   memset(&b, 0, sizeof(b));
   memset(&reg, 0, sizeof(reg));
   build_session(&b, &reg);
   i2t_opts_defaults(&o);
   o.gpu_us = 80;
   o.frames = 3;
   o.source = "mesa (synthetic)";
   if (convert(&b, &reg, &o, &out, err, sizeof(err)))
      fail_msg("%s", err);
   if (trace_parse_string(out, "out", &t, err, sizeof(err)))
      fail_msg("%s\n%s", err, out);

   assert_int_equal(t->nr_ops, sizeof(want) / sizeof(want[0]));
   for (unsigned i = 0; i < t->nr_ops; i++)
      if (t->ops[i].type != want[i])
         fail_msg("op %u: type %d, want %d\n%s", i, t->ops[i].type, want[i],
                  out);
   assert_int_equal(t->ops[0].a, MSM_PARAM_GPU_ID);
   assert_int_equal(t->ops[1].queue, 1);           /* kernel queue 3 -> q1 */
   assert_int_equal(t->ops[1].a, 1);               /* prio */
   assert_int_equal(t->ops[2].a, 4096);
   assert_int_equal(t->ops[2].flags, MSM_BO_WC);
   assert_int_equal(t->ops[3].bo, t->ops[2].bo);   /* one map per BO */
   assert_string_equal(t->ops[4].str, "ring");
   assert_int_equal(t->ops[5].flags, MSM_BO_WC | MSM_BO_GPU_READONLY);
   {
      const struct trace_op *s = &t->ops[6];

      assert_int_equal(s->queue, 1);
      assert_int_equal(s->nr_bos, 2);
      assert_int_equal(s->bos[0].bo, t->ops[2].bo);
      assert_int_equal(s->bos[0].flags, MSM_SUBMIT_BO_READ);
      assert_int_equal(s->bos[1].bo, t->ops[5].bo);
      assert_int_equal(s->bos[1].flags,
                       MSM_SUBMIT_BO_READ | MSM_SUBMIT_BO_WRITE);
      assert_int_equal(s->nr_cmds, 1);
      assert_int_equal(s->cmds[0].bo, t->ops[2].bo);
      assert_int_equal(s->cmds[0].offset, 256);
      assert_int_equal(s->cmds[0].size, 512);
      assert_int_equal(s->gpu_us, 80);
      assert_true(s->label != TRACE_LAST);
      assert_int_equal(t->ops[7].label, s->label); /* the wait names it */
      assert_int_equal(t->ops[7].queue, 1);
   }
   assert_int_equal(t->ops[8].flags, MSM_PREP_READ | MSM_PREP_NOSYNC);
   assert_int_equal(t->ops[10].a, MSM_MADV_DONTNEED);
   assert_string_equal(t->ops[11].str, "demo");    /* COMM + CMDLINE: one */
   assert_string_equal(t->ops[11].str2, "./demo -x");

   /* The header keeps the original stream. */
   assert_string_equal(t->source, "mesa (synthetic)");
   assert_true(trace_from_mesa(t));
   assert_int_equal(t->frames, 3);
   assert_int_equal(count_of(t->ioctls, t->nr_ioctls, "MSM_GEM_INFO"), 4);
   assert_int_equal(count_of(t->ioctls, t->nr_ioctls, "MSM_GET_PARAM"), 2);
   assert_int_equal(count_of(t->dropped, t->nr_dropped, "VERSION"), 1);
   assert_int_equal(count_of(t->dropped, t->nr_dropped, "SYNCOBJ_CREATE"), 1);
   assert_int_equal(count_of(t->failed, t->nr_failed, "MSM_GET_PARAM(-22)"),
                    1);
   assert_non_null(strstr(out, "# folded: "));
   assert_null(strstr(out, "\ncpu_us "));
   trace_free(t);
   free(out);
}

/* Without the regions log: submits have no BO table, names are made up. */
static void
test_no_regions(void **state)
{
   static struct buf b, reg;
   struct i2t_opts o;
   struct trace *t = NULL;
   char err[512] = "", *out = NULL;

   (void)state;
   memset(&b, 0, sizeof(b));
   memset(&reg, 0, sizeof(reg));
   build_session(&b, &reg);
   i2t_opts_defaults(&o);
   if (convert(&b, NULL, &o, &out, err, sizeof(err)))
      fail_msg("%s", err);
   if (trace_parse_string(out, "out", &t, err, sizeof(err)))
      fail_msg("%s\n%s", err, out);
   assert_int_equal(t->nr_submits, 1);
   for (unsigned i = 0; i < t->nr_ops; i++)
      if (t->ops[i].type == TRACE_SUBMIT) {
         assert_int_equal(t->ops[i].nr_bos, 0);
         assert_int_equal(t->ops[i].gpu_us, 50);
      }
   assert_non_null(strstr(out, "without their BO table"));
   assert_false(trace_from_mesa(t));
   trace_free(t);
   free(out);
}

/* Gaps between ioctls become cpu_us when asked. */
static void
test_cpu_us(void **state)
{
   static struct buf b, reg;
   struct i2t_opts o;
   struct trace *t = NULL;
   char err[512] = "", *out = NULL;
   unsigned n = 0;

   (void)state;
   memset(&b, 0, sizeof(b));
   memset(&reg, 0, sizeof(reg));
   build_session(&b, &reg);
   i2t_opts_defaults(&o);
   o.cpu_scale = 2;      /* 5 us gaps -> 10 us */
   o.cpu_min_us = 8;
   if (convert(&b, &reg, &o, &out, err, sizeof(err)))
      fail_msg("%s", err);
   if (trace_parse_string(out, "out", &t, err, sizeof(err)))
      fail_msg("%s\n%s", err, out);
   for (unsigned i = 0; i < t->nr_ops; i++)
      if (t->ops[i].type == TRACE_CPU_US) {
         assert_int_equal(t->ops[i].a, 10);
         n++;
      }
   assert_int_equal(n, b.lines - 1);       /* not before the first one */
   trace_free(t);
   free(out);
}

static void
expect_error(const struct buf *b, const struct buf *reg, const char *what)
{
   struct i2t_opts o;
   char err[512] = "", *out = NULL;

   i2t_opts_defaults(&o);
   if (!convert(b, reg, &o, &out, err, sizeof(err)))
      fail_msg("converted, expected an error with '%s':\n%s", what, out);
   free(out);
   if (!strstr(err, what))
      fail_msg("error '%s' lacks '%s'", err, what);
}

static void
test_errors(void **state)
{
   static struct buf b, reg;
   struct drm_gem_close c = { .handle = 9 };
   struct drm_msm_gem_new n = { .size = 4096, .flags = MSM_BO_WC }, no = n;
   struct drm_msm_wait_fence wf = { .fence = 3 };
   struct drm_msm_gem_submit s = { .nr_bos = 1, .nr_cmds = 1 }, so = s;
   char where[32];
   unsigned l;

   (void)state;
   /* A handle never created. */
   memset(&b, 0, sizeof(b));
   no.handle = 1;
   rec(&b, 1, "MSM_GEM_NEW", 0, &n, sizeof(n), &no, sizeof(no));
   l = rec(&b, 1, "GEM_CLOSE", 0, &c, sizeof(c), NULL, 0);
   snprintf(where, sizeof(where), "in.cuse:%u: ", l);
   expect_error(&b, NULL, where);
   expect_error(&b, NULL, "GEM handle 9 (session 1) was never created");

   /* The same handle on another open file is another BO. */
   memset(&b, 0, sizeof(b));
   no.handle = 9;
   rec(&b, 1, "MSM_GEM_NEW", 0, &n, sizeof(n), &no, sizeof(no));
   rec(&b, 2, "GEM_CLOSE", 0, &c, sizeof(c), NULL, 0);
   expect_error(&b, NULL, "in.cuse:2: GEM_CLOSE: GEM handle 9 (session 2)");

   /* A wait on a fence no submit returned. */
   memset(&b, 0, sizeof(b));
   so.fence = 2;
   rec(&b, 1, "MSM_GEM_SUBMIT", 0, &s, sizeof(s), &so, sizeof(so));
   l = rec(&b, 1, "MSM_WAIT_FENCE", 0, &wf, sizeof(wf), NULL, 0);
   snprintf(where, sizeof(where), "in.cuse:%u: ", l);
   expect_error(&b, NULL, where);
   expect_error(&b, NULL, "fence 3 on submitqueue 0 (session 1): no earlier "
                "submit returned it");

   /* A submit whose BO table names a handle never created. */
   memset(&b, 0, sizeof(b));
   memset(&reg, 0, sizeof(reg));
   rec(&b, 1, "MSM_GEM_SUBMIT", 0, &s, sizeof(s), &so, sizeof(so));
   line(&reg, "submit queue=0 flags=0x10 nr_bos=1 nr_cmds=1 result=0 fence=2 "
        "bos=4:1 cmds=1:0:0:64\n");
   expect_error(&b, &reg, "in.cuse:1: MSM_GEM_SUBMIT BO table: GEM handle 4");

   /* A regions log that does not belong to this trace. */
   memset(&reg, 0, sizeof(reg));
   line(&reg, "submit queue=0 flags=0x10 nr_bos=1 nr_cmds=1 result=0 fence=5 "
        "bos=4:1 cmds=1:0:0:64\n");
   expect_error(&b, &reg, "no matching record in in.regions");

   /* Not a cuse trace at all. */
   memset(&b, 0, sizeof(b));
   line(&b, "msmvirt-trace 1\n");
   expect_error(&b, NULL, "in.cuse:1: not an msmvirt-cuse trace record");
   memset(&b, 0, sizeof(b));
   expect_error(&b, NULL, "no ioctl records");
}

/* The committed capture: a mesa trace with its original ioctl counts. */
static void
test_mesa_capture(void **state)
{
   struct trace *t = NULL;
   char err[512] = "";
   uint64_t total = 0;

   (void)state;
   if (trace_parse_file(mesa_path, &t, err, sizeof(err)))
      fail_msg("%s", err);
   assert_true(trace_from_mesa(t));
   assert_non_null(t->source);
   assert_non_null(strstr(t->source, "mesa"));
   assert_true(t->frames > 0);
   assert_true(t->nr_submits >= t->frames);
   assert_true(t->nr_bo_news > 0);
   assert_true(count_of(t->ioctls, t->nr_ioctls, "MSM_GEM_SUBMIT") >=
               t->nr_submits);
   for (unsigned i = 0; i < t->nr_ioctls; i++)
      total += t->ioctls[i].n;
   assert_true(total > t->nr_submits);
   /* Submits carry mesa's real BO tables and command regions. */
   for (unsigned i = 0; i < t->nr_ops; i++)
      if (t->ops[i].type == TRACE_SUBMIT) {
         assert_true(t->ops[i].nr_bos > 0);
         assert_true(t->ops[i].nr_cmds > 0);
      }
   trace_free(t);
}

int
main(int argc, char **argv)
{
   const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_translate),
      cmocka_unit_test(test_no_regions),
      cmocka_unit_test(test_cpu_us),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_mesa_capture),
   };

   if (argc < 2) {
      fprintf(stderr, "usage: %s MESA_TRACE\n", argv[0]);
      return 2;
   }
   mesa_path = argv[1];
   return cmocka_run_group_tests(tests, NULL, NULL);
}
