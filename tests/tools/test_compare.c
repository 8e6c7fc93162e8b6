/*
 * test_compare.c - `msmvirt compare --quick` end to end: it runs, writes
 * JSON whose every record has the fields the evaluation promises, and the
 * round-trip invariants hold for whichever modes this build has:
 *
 *   direct     no messages at all, ratio 1;
 *   forward    every ioctl waits: a frame costs > 0 sync round trips, and
 *              each sync round trip is a message;
 *   nativectx  a frame costs no sync round trip at all.
 *
 * On the virtual clock also: a second run gives the same records byte for
 * byte; every record's critical path sums to its time; forward's time per
 * iteration never falls as RTT grows.
 *
 * argv[1]: the msmvirt binary, argv[2]: tests/tools/sample.trace,
 * argv[3]: the clock (virtual or real)
 */
#include <errno.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_fs.h"
#include <json-c/json.h>

static const char *msmvirt, *sample, *clock_name;
static bool virt;
static char dir[64];
static struct json_object *root;

static struct json_object *
get(struct json_object *o, const char *key)
{
   struct json_object *v = NULL;

   if (!json_object_object_get_ex(o, key, &v))
      fail_msg("missing field '%s' in %s", key,
               json_object_to_json_string(o));
   return v;
}

static double
num(struct json_object *o, const char *key)
{
   struct json_object *v = get(o, key);

   if (!json_object_is_type(v, json_type_double) &&
       !json_object_is_type(v, json_type_int))
      fail_msg("field '%s' is not a number", key);
   return json_object_get_double(v);
}

static const char *
str(struct json_object *o, const char *key)
{
   struct json_object *v = get(o, key);

   assert_true(json_object_is_type(v, json_type_string));
   return json_object_get_string(v);
}

static bool
has_mode(const char *name)
{
   struct json_object *modes = get(get(root, "header"), "modes");

   for (size_t i = 0; i < json_object_array_length(modes); i++)
      if (!strcmp(json_object_get_string(json_object_array_get_idx(modes, i)),
                  name))
         return true;
   return false;
}

/* One quick compare into DIR/NAME.json (and the report, for "r"). */
static struct json_object *
run_compare(const char *name)
{
   char cmd[2048], path[128];

   snprintf(cmd, sizeof(cmd), "'%s' compare --quick --clock %s --workloads "
            "frame,alloc,dispatch,readback,startup,trace:'%s' "
            "--json %s/%s.json --report %s/rep-%s -q > %s/out-%s.txt",
            msmvirt, clock_name, sample, dir, name, dir, name, dir, name);
   if (system(cmd) != 0) {
      fprintf(stderr, "failed: %s\n", cmd);
      return NULL;
   }
   snprintf(path, sizeof(path), "%s/%s.json", dir, name);
   return json_object_from_file(path);
}

static int
setup(void **state)
{
   (void)state;
   snprintf(dir, sizeof(dir), "/tmp/msmvirt-compare-XXXXXX");
   if (!mkdtemp(dir))
      return -1;
   root = run_compare("r");
   return root ? 0 : -1;
}

static int
teardown(void **state)
{
   (void)state;
   json_object_put(root);
   return test_rmtree(dir) ? -1 : 0;
}

static void
test_header(void **state)
{
   struct json_object *h = get(root, "header"), *m, *sim;

   (void)state;
   assert_string_equal(str(root, "schema"), "msmvirt-compare/1");
   assert_string_equal(str(h, "clock"), clock_name);
   assert_true(strlen(str(h, "date")) >= 20);
   m = get(h, "machine");
   assert_true(num(m, "nproc") >= 1);
   assert_true(strlen(str(m, "model")) > 0);
   assert_true(strlen(str(h, "git_rev")) > 0);
   assert_non_null(strstr(str(h, "command"), "compare --quick"));
   sim = get(h, "sim");
   assert_string_equal(str(sim, "chip"), "a630");
   num(sim, "submit_ns");
   num(sim, "dword_ns");
   assert_int_equal(json_object_array_length(get(h, "rtt_us")), 3);
   assert_true(has_mode("direct"));
   /* Modes missing from this build are named, with a reason. */
   {
      struct json_object *sk = get(h, "skipped_modes");

      for (size_t i = 0; i < json_object_array_length(sk); i++)
         assert_true(strlen(str(json_object_array_get_idx(sk, i),
                                "reason")) > 0);
      assert_int_equal(json_object_array_length(get(h, "modes")) +
                       json_object_array_length(sk), 3);
   }
   assert_false(json_object_get_boolean(get(root, "failed")));
}

static void
test_records(void **state)
{
   struct json_object *recs = get(root, "records");
   size_t n = json_object_array_length(recs);
   size_t modes = json_object_array_length(get(get(root, "header"), "modes"));

   (void)state;
   /* 6 workloads x 3 RTTs x each mode */
   assert_int_equal(n, 6 * 3 * modes);
   for (size_t i = 0; i < n; i++) {
      struct json_object *r = json_object_array_get_idx(recs, i), *t, *e;

      if (json_object_object_get_ex(r, "error", &e))
         fail_msg("record failed: %s", json_object_get_string(e));
      /* A mode may not run on a transport (said so, no numbers); direct
       * always runs. */
      if (json_object_object_get_ex(r, "skipped", &e)) {
         assert_string_not_equal(str(r, "mode"), "direct");
         assert_true(strlen(json_object_get_string(e)) > 0);
         continue;
      }
      str(r, "workload");
      str(r, "mode");
      str(r, "transport");
      num(r, "rtt_us");
      assert_true(num(r, "iters") > 0);
      /* Virtual time is exact: one repetition says it all. */
      assert_true(num(r, "repeat") == (virt ? 1 : 2));
      t = get(r, "time_per_iter_us");
      assert_true(num(t, "min") > 0);
      assert_true(num(t, "min") <= num(t, "median"));
      assert_true(num(t, "median") <= num(t, "max"));
      assert_true(num(r, "ratio_to_direct") > 0);
      assert_true(num(r, "sync_round_trips_per_iter") >= 0);
      assert_true(num(r, "messages_per_iter") >= 0);
      assert_true(num(r, "bytes_per_iter") >= 0);
      get(r, "ws_calls_per_iter");
   }
}

static void
test_invariants(void **state)
{
   struct json_object *recs = get(root, "records");
   bool saw_fwd_frame = false, saw_nc_frame = false;

   (void)state;
   for (size_t i = 0; i < json_object_array_length(recs); i++) {
      struct json_object *r = json_object_array_get_idx(recs, i), *e;
      const char *mode = str(r, "mode"), *wk = str(r, "workload");
      double rt;

      if (json_object_object_get_ex(r, "skipped", &e))
         continue;
      rt = num(r, "sync_round_trips_per_iter");

      if (!strcmp(mode, "direct")) {
         assert_true(num(r, "messages_per_iter") == 0);
         assert_true(rt == 0);
         assert_true(num(r, "bytes_per_iter") == 0);
         assert_true(num(r, "ratio_to_direct") == 1.0);
      } else if (!strcmp(mode, "forward")) {
         /* Every sync round trip is a message. */
         assert_true(num(r, "messages_per_iter") >= rt);
         if (!strcmp(wk, "frame")) {
            assert_true(rt > 0);
            saw_fwd_frame = true;
         }
      } else if (!strcmp(mode, "nativectx")) {
         if (!strcmp(wk, "frame")) {
            if (rt != 0)
               fail_msg("nativectx frame: %.3f sync round trips per frame "
                        "at rtt %g, want 0", rt, num(r, "rtt_us"));
            saw_nc_frame = true;
         }
      }
      if ((!strcmp(wk, "dispatch") || !strcmp(wk, "readback")) &&
          strcmp(mode, "direct"))
         assert_true(num(r, "physical_floor_us") >= 0);
   }
   assert_true(saw_fwd_frame == has_mode("forward"));
   assert_true(saw_nc_frame == has_mode("nativectx"));
}

static void
test_attribution(void **state)
{
   struct json_object *a = get(root, "attribution");
   size_t modes = json_object_array_length(get(get(root, "header"), "modes"));

   (void)state;
   assert_int_equal(json_object_array_length(a), 6 * modes);
   for (size_t i = 0; i < json_object_array_length(a); i++) {
      struct json_object *e = json_object_array_get_idx(a, i), *ops, *sub;

      if (json_object_object_get_ex(e, "skipped", &ops))
         continue;
      ops = get(e, "per_iter");
      /* Every workload submits, and attribution saw it. */
      sub = get(ops, "submit");
      assert_true(num(sub, "calls") > 0);
   }
   get(get(root, "op_costs"), "direct");
}

static void
test_report(void **state)
{
   char path[256], line[512];
   bool regen = false, tables = false;
   struct stat st;
   FILE *f;

   (void)state;
   snprintf(path, sizeof(path), "%s/rep-r/evaluation.md", dir);
   f = fopen(path, "r");
   assert_non_null(f);
   while (fgets(line, sizeof(line), f)) {
      regen |= strstr(line, "Regenerate with") != NULL;
      tables |= strstr(line, "### dispatch") != NULL;
   }
   fclose(f);
   assert_true(regen);
   assert_true(tables);
   if (system("command -v gnuplot >/dev/null 2>&1") == 0) {
      snprintf(path, sizeof(path),
               "%s/rep-r/figures/time-frame-inproc.svg", dir);
      assert_int_equal(stat(path, &st), 0);
      assert_true(st.st_size > 1000);
      snprintf(path, sizeof(path),
               "%s/rep-r/figures/roundtrips-inproc.svg", dir);
      assert_int_equal(stat(path, &st), 0);
   }
}

static void
test_deterministic(void **state)
{
   struct json_object *again;

   (void)state;
   if (!virt)
      skip();
   again = run_compare("again");
   assert_non_null(again);
   /* Everything measured; the header has the date and the wall time. */
   assert_string_equal(json_object_to_json_string(get(root, "records")),
                       json_object_to_json_string(get(again, "records")));
   assert_string_equal(json_object_to_json_string(get(root, "attribution")),
                       json_object_to_json_string(get(again,
                                                      "attribution")));
   json_object_put(again);
}

static void
test_breakdown_sums(void **state)
{
   struct json_object *recs = get(root, "records");
   unsigned checked = 0;

   (void)state;
   if (!virt)
      skip();
   for (size_t i = 0; i < json_object_array_length(recs); i++) {
      struct json_object *r = json_object_array_get_idx(recs, i), *cp, *e;
      double sum = 0, t;

      if (json_object_object_get_ex(r, "skipped", &e))
         continue;
      t = num(get(r, "time_per_iter_us"), "median");
      cp = get(r, "critical_path_us");
      json_object_object_foreach(cp, key, val) {
         (void)key;
         assert_true(json_object_get_double(val) >= 0);
         sum += json_object_get_double(val);
      }
      if (sum < t * 0.999 || sum > t * 1.001)
         fail_msg("%s %s rtt %g: the critical path sums to %.3f us, the "
                  "time is %.3f", str(r, "workload"), str(r, "mode"),
                  num(r, "rtt_us"), sum, t);
      checked++;
   }
   assert_true(checked > 0);
}

static void
test_forward_monotonic(void **state)
{
   struct json_object *recs = get(root, "records");
   unsigned pairs = 0;

   (void)state;
   if (!virt || !has_mode("forward"))
      skip();
   for (size_t i = 0; i < json_object_array_length(recs); i++) {
      struct json_object *a = json_object_array_get_idx(recs, i), *e;

      if (strcmp(str(a, "mode"), "forward") ||
          json_object_object_get_ex(a, "skipped", &e))
         continue;
      for (size_t j = 0; j < json_object_array_length(recs); j++) {
         struct json_object *b = json_object_array_get_idx(recs, j);

         if (strcmp(str(b, "mode"), "forward") ||
             strcmp(str(a, "workload"), str(b, "workload")) ||
             num(b, "rtt_us") <= num(a, "rtt_us"))
            continue;
         if (num(get(b, "time_per_iter_us"), "median") <
             num(get(a, "time_per_iter_us"), "median"))
            fail_msg("forward %s: %.3f us at rtt %g, less than %.3f at %g",
                     str(a, "workload"),
                     num(get(b, "time_per_iter_us"), "median"),
                     num(b, "rtt_us"),
                     num(get(a, "time_per_iter_us"), "median"),
                     num(a, "rtt_us"));
         pairs++;
      }
   }
   assert_true(pairs > 0);
}

int
main(int argc, char **argv)
{
   const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_header),
      cmocka_unit_test(test_records),
      cmocka_unit_test(test_invariants),
      cmocka_unit_test(test_attribution),
      cmocka_unit_test(test_report),
      cmocka_unit_test(test_deterministic),
      cmocka_unit_test(test_breakdown_sums),
      cmocka_unit_test(test_forward_monotonic),
   };

   if (argc < 4 || (strcmp(argv[3], "virtual") && strcmp(argv[3], "real"))) {
      fprintf(stderr, "usage: %s MSMVIRT SAMPLE_TRACE virtual|real\n",
              argv[0]);
      return 2;
   }
   msmvirt = argv[1];
   sample = argv[2];
   clock_name = argv[3];
   virt = !strcmp(clock_name, "virtual");
   return cmocka_run_group_tests(tests, setup, teardown);
}
