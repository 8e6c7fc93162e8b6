/*
 * test_trace.c - the trace format: the sample parses, every kind of bad
 * line is refused with its line number, and a replay that reads back the
 * wrong value fails loudly.
 *
 * argv[1]: tests/tools/sample.trace
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "modes.h"
#include "profile.h"
#include "trace.h"
#include "workload.h"

static const char *sample_path;

static void
test_sample(void **state)
{
   struct trace *t = NULL;
   char err[512] = "";

   (void)state;
   if (trace_parse_file(sample_path, &t, err, sizeof(err)))
      fail_msg("%s", err);
   assert_true(t->nr_ops > 20);
   assert_int_equal(t->nr_submits, 3);
   assert_int_equal(t->nr_waits, 2);
   assert_int_equal(t->nr_bo_news, 8);
   assert_int_equal(t->nr_labels, 3);
   /* Spot checks of the decoded ops. */
   assert_int_equal(t->ops[0].type, TRACE_PARAM);
   assert_int_equal(t->ops[0].a, MSM_PARAM_GPU_ID);
   for (unsigned i = 0; i < t->nr_ops; i++) {
      const struct trace_op *op = &t->ops[i];

      if (op->type == TRACE_SUBMIT) {
         assert_int_equal(op->queue, 1);
         assert_int_equal(op->nr_bos, 6);
         assert_int_equal(op->nr_cmds, 1);
         assert_int_equal(op->gpu_us, 300);
         assert_int_equal(op->nr_writes, 1);
         assert_int_equal(op->bos[1].flags, MSM_SUBMIT_BO_WRITE);
         assert_int_equal(op->bos[5].flags,
                          MSM_SUBMIT_BO_READ | MSM_SUBMIT_BO_WRITE);
      }
      if (op->type == TRACE_DEBUGINFO) {
         assert_string_equal(op->str, "sample-app");
         assert_string_equal(op->str2, "./sample-app --frames 3");
      }
   }
   trace_free(t);
}

static void
expect_error(const char *body, unsigned line, const char *what)
{
   char text[2048], err[512] = "", prefix[32];
   struct trace *t = NULL;

   snprintf(text, sizeof(text), "msmvirt-trace 1\n%s", body);
   if (!trace_parse_string(text, "t.trace", &t, err, sizeof(err))) {
      trace_free(t);
      fail_msg("parsed, wanted an error at line %u: %s", line, what);
   }
   snprintf(prefix, sizeof(prefix), "t.trace:%u: ", line);
   if (strncmp(err, prefix, strlen(prefix)) || !strstr(err, what))
      fail_msg("got '%s', wanted '%s...%s'", err, prefix, what);
}

static void
test_bad_lines(void **state)
{
   (void)state;
   expect_error("frobnicate 3\n", 2, "unknown op 'frobnicate'");
   expect_error("bo_new 1 4K\nbo_new 2\n", 3, "usage: bo_new");
   expect_error("bo_new 1 lots\n", 2, "bad size 'lots'");
   expect_error("bo_new 1 4K PINK\n", 2, "unknown BO flag 'PINK'");
   expect_error("bo_new 70000 4K\n", 2, "bad BO id '70000'");
   expect_error("param NOPE\n", 2, "unknown param 'NOPE'");
   expect_error("bo_new 1 4K\ncpu_prep 1 x\n", 3, "bad op 'x'");
   expect_error("bo_new 1 4K\nupload 1 4000 200\n", 3, "outside BO 1");
   expect_error("bo_new 1 4K\nsubmit q0 bos=1\n", 3, "needs :r, :w or :rw");
   expect_error("bo_new 1 4K\nsubmit q0 bos=1:x\n", 3, "bad BO flags");
   expect_error("bo_new 1 4K\nsubmit q0 bos=1:r,1:w\n", 3, "listed twice");
   expect_error("bo_new 1 4K\nsubmit q0 bos=1:r cmds=1:0:8 gpu_us=5\n", 3,
                "too small");
   expect_error("bo_new 1 4K\nsubmit q0 bos=1:r speed=9\n", 3,
                "unknown key 'speed'");
   expect_error("submit q9 bos=\n", 2, "unknown queue q9");
   expect_error("queue_new q0\n", 2, "exists already");
   expect_error("queue_close q0\n", 2, "cannot be closed");
   expect_error("wait q0 last\n", 2, "no submit on q0");
   expect_error("madvise 1 maybe\n", 2, "unknown BO id 1");
}

/* The verb table (parser, documentation and replay all index it by op
 * type): every op has a verb whose usage the parser quotes. */
static void
test_verb_table(void **state)
{
   (void)state;
   assert_null(trace_verb_info(TRACE_OP_COUNT));
   for (unsigned t = 0; t < TRACE_OP_COUNT; t++) {
      const struct trace_verb_info *v = trace_verb_info(t);
      size_t n;

      assert_non_null(v);
      n = strlen(v->name);
      assert_true(n > 0);
      assert_non_null(v->does);
      assert_non_null(v->ioctls);
      assert_memory_equal(v->usage, v->name, n);
      assert_true(v->usage[n] == ' ' || v->usage[n] == '\0');
      for (unsigned u = 0; u < t; u++)
         assert_string_not_equal(trace_verb_info(u)->name, v->name);
      /* A line with too many fields gets the verb's own usage back. */
      if (t != TRACE_DEBUGINFO && t != TRACE_SUBMIT) {
         char line[128], want[512];

         snprintf(line, sizeof(line), "%s 1 2 3 4 5 6 7 8\n", v->name);
         snprintf(want, sizeof(want), "usage: %s", v->usage);
         expect_error(line, 2, want);
      }
   }
}

static void
test_unknown_bo(void **state)
{
   (void)state;
   expect_error("map 4\n", 2, "unknown BO id 4");
   expect_error("bo_new 4 4K\nbo_free 4\nupload 4 0 4\n", 4,
                "unknown BO id 4 (never created, or freed)");
   expect_error("bo_new 4 4K\nbo_new 4 8K\n", 3, "BO id 4 is live already");
   expect_error("bo_new 1 4K\nsubmit q0 bos=1:r,2:w\n", 3, "unknown BO id 2");
   expect_error("bo_new 1 4K\nbo_new 2 4K\nsubmit q0 bos=1:r cmds=2:0:64\n",
                4, "cmds BO 2 is not in bos=");
}

static void
test_fences(void **state)
{
   (void)state;
   expect_error("wait q0 f1\n", 2, "unknown fence 'f1'");
   expect_error("queue_new q2\nsubmit q2 fence=a\nwait q0 a\n", 4,
                "belongs to q2");
}

static void
test_header(void **state)
{
   struct trace *t = NULL;
   char err[256];

   (void)state;
   assert_int_equal(trace_parse_string("# hi\nbo_new 1 4K\n", "h.trace", &t,
                                       err, sizeof(err)), -EINVAL);
   assert_non_null(strstr(err, "h.trace:2: not a trace"));
   assert_int_equal(trace_parse_string("\n# nothing\n", "e.trace", &t, err,
                                       sizeof(err)), -EINVAL);
   assert_non_null(strstr(err, "e.trace:2: empty trace"));
   /* Handle reuse after free and comments anywhere are fine. */
   assert_int_equal(trace_parse_string("# c\nmsmvirt-trace 1 # v1\n"
                                       "bo_new 1 4K\nbo_free 1\n"
                                       "bo_new 1 8K  # again\nbo_free 1\n",
                                       "ok.trace", &t, err, sizeof(err)), 0);
   assert_int_equal(t->nr_ops, 4);
   trace_free(t);
}

/* A replay must verify: a wrong expect fails the run with the line. */
static void
test_replay_checks(void **state)
{
   const char *text =
      "msmvirt-trace 1\n"
      "bo_new 1 4K\n"
      "submit q0 bos=1:w gpu_us=5 write=1:8:0x1234\n"
      "cpu_prep 1 r\n"
      "expect 1 8 0x1234\n"
      "expect 1 8 0x4321\n";
   struct msm_core_config cfg;
   struct profile prof;
   struct trace *t = NULL;
   struct mode_ctx m;
   struct wk_sample s;
   struct wk_run r;
   char err[256];

   (void)state;
   assert_int_equal(trace_parse_string(text, "x.trace", &t, err,
                                       sizeof(err)), 0);
   profile_defaults(&prof);
   msm_core_config_defaults(&cfg);
   assert_int_equal(mode_setup(&m, mode_find("direct"), &cfg, 0, "inproc"), 0);
   memset(&r, 0, sizeof(r));
   r.mode = &m;
   r.prof = &prof;
   r.trace = t;
   r.iters = 2;
   assert_int_equal(wk_trace_run(&r, &s), -EIO);
   assert_non_null(strstr(r.err, "x.trace:6"));
   assert_non_null(strstr(r.err, "holds 0x1234, expected 0x4321"));
   mode_teardown(&m);
   trace_free(t);
}

static void
test_replay_sample(void **state)
{
   struct msm_core_config cfg;
   struct msm_core_stats st;
   struct profile prof;
   struct trace *t = NULL;
   struct mode_ctx m;
   struct wk_sample s;
   struct wk_run r;
   char err[512];

   (void)state;
   assert_int_equal(trace_parse_file(sample_path, &t, err, sizeof(err)), 0);
   profile_defaults(&prof);
   msm_core_config_defaults(&cfg);
   assert_int_equal(mode_setup(&m, mode_find("direct"), &cfg, 0, "inproc"), 0);
   memset(&r, 0, sizeof(r));
   r.mode = &m;
   r.prof = &prof;
   r.trace = t;
   r.iters = 3;
   r.warmup = 1;
   if (wk_trace_run(&r, &s))
      fail_msg("%s", r.err);
   assert_int_equal(s.iters, 3);
   assert_int_equal(s.op[WS_OP_SUBMIT].calls, 9);
   assert_int_equal(s.op[WS_OP_BO_NEW].calls, 24);
   assert_int_equal(s.op[WS_OP_FENCE_WAIT].calls, 6);
   assert_int_equal(s.st.messages, 0); /* direct */
   /* Everything the trace made is gone again. */
   msm_core_get_stats(m.core, &st);
   assert_int_equal(st.contexts, 0);
   mode_teardown(&m);
   trace_free(t);
}

int
main(int argc, char **argv)
{
   const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sample),
      cmocka_unit_test(test_bad_lines),
      cmocka_unit_test(test_verb_table),
      cmocka_unit_test(test_unknown_bo),
      cmocka_unit_test(test_fences),
      cmocka_unit_test(test_header),
      cmocka_unit_test(test_replay_checks),
      cmocka_unit_test(test_replay_sample),
   };

   sample_path = argc > 1 ? argv[1] : "tests/tools/sample.trace";
   return cmocka_run_group_tests(tests, NULL, NULL);
}
