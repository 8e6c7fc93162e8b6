/*
 * test_mesa_replay.c - the committed mesa capture (tests/tools/
 * mesa-gles.trace) through `msmvirt compare --quick` on direct, forward
 * and nativectx: every run passes, and the round trips are what the two
 * designs promise:
 *
 *   direct     no messages;
 *   forward    a synchronous round trip per replayed ioctl: close to the
 *              number of mesa's ioctls that have a ws call (the header's
 *              counts), and every one a message;
 *   nativectx  far fewer: at most 1/20 of forward's, at every RTT.
 *
 * The report gets its "mesa GLES" section with the per-ioctl table.
 *
 * argv[1]: the msmvirt binary, argv[2]: tests/tools/mesa-gles.trace
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_fs.h"
#include <json-c/json.h>

#include "trace.h"

static const char *msmvirt, *mesa;
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
   return json_object_get_double(get(o, key));
}

static const char *
str(struct json_object *o, const char *key)
{
   return json_object_get_string(get(o, key));
}

static int
setup(void **state)
{
   char cmd[2048], path[128];

   (void)state;
   snprintf(dir, sizeof(dir), "/tmp/msmvirt-mesa-replay-XXXXXX");
   if (!mkdtemp(dir))
      return -1;
   snprintf(cmd, sizeof(cmd), "'%s' compare --quick --workloads trace:'%s' "
            "--modes direct,forward,nativectx --json %s/r.json --report "
            "%s/rep -q > %s/out.txt", msmvirt, mesa, dir, dir, dir);
   if (system(cmd) != 0) {
      fprintf(stderr, "failed: %s\n", cmd);
      snprintf(cmd, sizeof(cmd), "cat %s/out.txt >&2", dir);
      if (system(cmd)) {
      }
      return -1;
   }
   snprintf(path, sizeof(path), "%s/r.json", dir);
   root = json_object_from_file(path);
   return root ? 0 : -1;
}

static int
teardown(void **state)
{
   (void)state;
   json_object_put(root);
   return test_rmtree(dir) ? -1 : 0;
}

/* Sync round trips forward must pay: one per ioctl that has a ws call. */
static double
replayed_ioctls(void)
{
   struct trace *t = NULL;
   char err[512] = "";
   uint64_t n = 0;

   if (trace_parse_file(mesa, &t, err, sizeof(err)))
      fail_msg("%s", err);
   for (unsigned i = 0; i < t->nr_ioctls; i++)
      n += t->ioctls[i].n;
   for (unsigned i = 0; i < t->nr_dropped; i++)
      n -= t->dropped[i].n;
   for (unsigned i = 0; i < t->nr_failed; i++)
      n -= t->failed[i].n;
   assert_true(trace_from_mesa(t));
   trace_free(t);
   return (double)n;
}

static void
test_all_modes_ran(void **state)
{
   struct json_object *h = get(root, "header"), *recs = get(root, "records");

   (void)state;
   assert_false(json_object_get_boolean(get(root, "failed")));
   assert_int_equal(json_object_array_length(get(h, "modes")), 3);
   assert_int_equal(json_object_array_length(get(h, "skipped_modes")), 0);
   assert_int_equal(json_object_array_length(recs), 3 * 3);
   for (size_t i = 0; i < json_object_array_length(recs); i++) {
      struct json_object *r = json_object_array_get_idx(recs, i), *e;

      if (json_object_object_get_ex(r, "error", &e) ||
          json_object_object_get_ex(r, "skipped", &e))
         fail_msg("%s at rtt %g: %s", str(r, "mode"), num(r, "rtt_us"),
                  json_object_get_string(e));
      assert_true(num(r, "iters") > 0);
   }
}

static void
test_round_trips(void **state)
{
   struct json_object *recs = get(root, "records");
   double want = replayed_ioctls();
   double fwd[8] = { 0 }, nc[8] = { 0 }, rtt[8];
   unsigned nf = 0, nn = 0;

   (void)state;
   for (size_t i = 0; i < json_object_array_length(recs); i++) {
      struct json_object *r = json_object_array_get_idx(recs, i);
      const char *mode = str(r, "mode");
      double rt = num(r, "sync_round_trips_per_iter");

      if (!strcmp(mode, "direct")) {
         assert_true(rt == 0);
         assert_true(num(r, "messages_per_iter") == 0);
      } else if (!strcmp(mode, "forward")) {
         assert_true(nf < 8);
         rtt[nf] = num(r, "rtt_us");
         fwd[nf++] = rt;
         assert_true(num(r, "messages_per_iter") >= rt);
         if (rt < 0.9 * want || rt > 1.1 * want)
            fail_msg("forward: %.1f sync round trips per replay, mesa "
                     "issued %.0f replayed ioctls", rt, want);
      } else if (!strcmp(mode, "nativectx")) {
         assert_true(nn < 8);
         nc[nn++] = rt;
      }
   }
   assert_int_equal(nf, 3);
   assert_int_equal(nn, 3);
   for (unsigned k = 0; k < nf; k++) {
      assert_true(fwd[k] > 0);
      if (nc[k] * 20 > fwd[k])
         fail_msg("rtt %g: nativectx %.2f sync round trips per replay, "
                  "forward %.2f: want at most 1/20", rtt[k], nc[k], fwd[k]);
   }
}

static void
test_report(void **state)
{
   char path[256], line[1024];
   bool section = false, table = false, per_frame = false;
   FILE *f;

   (void)state;
   snprintf(path, sizeof(path), "%s/rep/evaluation.md", dir);
   f = fopen(path, "r");
   assert_non_null(f);
   while (fgets(line, sizeof(line), f)) {
      section |= !strcmp(line, "## mesa GLES\n");
      table |= section && !strncmp(line, "| MSM_GEM_SUBMIT | ", 19);
      per_frame |= section && strstr(line, "sync RT per frame") != NULL;
   }
   fclose(f);
   assert_true(section);
   assert_true(table);
   assert_true(per_frame);
}

int
main(int argc, char **argv)
{
   const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_all_modes_ran),
      cmocka_unit_test(test_round_trips),
      cmocka_unit_test(test_report),
   };

   if (argc < 3) {
      fprintf(stderr, "usage: %s MSMVIRT MESA_TRACE\n", argv[0]);
      return 2;
   }
   msmvirt = argv[1];
   mesa = argv[2];
   return cmocka_run_group_tests(tests, setup, teardown);
}
