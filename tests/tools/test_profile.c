/*
 * test_profile.c - workload profiles: defaults, a good file, and every kind
 * of bad input giving an error that names the file and the line.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "profile.h"

static void
test_defaults(void **state)
{
   struct profile p;
   char buf[512];

   (void)state;
   profile_defaults(&p);
   assert_true(p.frame.c.iters > 0);
   assert_true(p.frame.c.quick_iters <= p.frame.c.iters);
   assert_int_equal(p.frame.throttle, 2);
   assert_true(p.alloc.sizes.n >= 2);
   assert_int_equal(p.alloc.sizes.size[0], 4096);
   assert_non_null(profile_common(&p, "startup"));
   assert_null(profile_common(&p, "nope"));
   profile_format(&p, "dispatch", buf, sizeof(buf));
   assert_non_null(strstr(buf, "gpu_us="));
   assert_non_null(strstr(buf, "iters="));
}

static void
test_good(void **state)
{
   const char *text =
      "; a comment\n"
      "[frame]\n"
      "gpu_us = 2500   ; inline comment\n"
      "throttle=3\n"
      "\n"
      "[alloc]\n"
      "sizes = 8K:1, 2M:3\n"
      "cache = 0\n"
      "[trace]\n"
      "iters = 7\n";
   struct profile p;
   char err[256] = "";

   (void)state;
   profile_defaults(&p);
   assert_int_equal(profile_load_string(&p, text, "good.ini", err,
                                        sizeof(err)), 0);
   assert_string_equal(err, "");
   assert_int_equal(p.frame.gpu_us, 2500);
   assert_int_equal(p.frame.throttle, 3);
   assert_int_equal(p.alloc.sizes.n, 2);
   assert_int_equal(p.alloc.sizes.size[1], 2u << 20);
   assert_int_equal(p.alloc.sizes.weight[1], 3);
   assert_int_equal(p.alloc.cache, 0);
   assert_int_equal(p.trace.c.iters, 7);
   /* Untouched keys keep their defaults. */
   assert_int_equal(p.frame.submits, 2);
}

/* Expect failure with "NAME:LINE: ..." containing what. */
static void
expect_error(const char *text, int line, const char *what)
{
   struct profile p;
   char err[256] = "", prefix[64];

   profile_defaults(&p);
   assert_int_equal(profile_load_string(&p, text, "bad.ini", err,
                                        sizeof(err)), -EINVAL);
   snprintf(prefix, sizeof(prefix), "bad.ini:%d: ", line);
   if (strncmp(err, prefix, strlen(prefix)) || !strstr(err, what))
      fail_msg("got '%s', wanted '%s...%s'", err, prefix, what);
}

static void
test_bad_key(void **state)
{
   (void)state;
   expect_error("[frame]\ngpu_us = 5\nfps = 60\n", 3,
                "unknown key 'fps' in [frame]");
}

static void
test_bad_value(void **state)
{
   (void)state;
   expect_error("[dispatch]\n\n\niters = lots\n", 4,
                "bad value 'lots' for dispatch.iters");
   expect_error("[frame]\nthrottle = 0\n", 2, "want an integer 1..16");
   expect_error("[frame]\nsubmits = -1\n", 2, "bad value '-1'");
   expect_error("[frame]\ngpu_us = 99999999999999999999\n", 2, "bad value");
   expect_error("[alloc]\nsizes = 4K:0\n", 2, "bad value '4K:0'");
   expect_error("[alloc]\nsizes = 1G:1\n", 2, "sizes up to 256M");
   expect_error("[alloc]\nsizes = 1:1,2:1,3:1,4:1,5:1,6:1,7:1,8:1,9:1\n", 2,
                "at most 8");
}

static void
test_bad_structure(void **state)
{
   (void)state;
   expect_error("gpu_us = 5\n", 1, "outside any [section]");
   expect_error("[frame]\n[render]\nx = 1\n", 3, "unknown section [render]");
   expect_error("[frame]\ngpu_us 5\n", 2, "syntax error");
   /* The first error is the one reported. */
   expect_error("[frame]\nfoo = 1\nbar = 2\n", 2, "'foo'");
}

static void
test_file(void **state)
{
   char path[] = "/tmp/msmvirt-profile-XXXXXX", err[512];
   struct profile p;
   FILE *f;
   int fd;

   (void)state;
   fd = mkstemp(path);
   assert_true(fd >= 0);
   f = fdopen(fd, "w");
   fputs("[readback]\nread_kib = 16\n[startup]\nbos = 3\nbo_kib = 1\n", f);
   fclose(f);
   profile_defaults(&p);
   assert_int_equal(profile_load(&p, path, err, sizeof(err)), -EINVAL);
   assert_non_null(strstr(err, ":5: bad value '1' for startup.bo_kib"));
   assert_int_equal(p.readback.read_kib, 16);
   assert_int_equal(p.startup.bos, 3);
   unlink(path);

   assert_true(profile_load(&p, "/nonexistent/x.ini", err, sizeof(err)) < 0);
   assert_non_null(strstr(err, "/nonexistent/x.ini"));
}

static void
test_size_parse(void **state)
{
   uint64_t v;
   struct size_mix m;

   (void)state;
   assert_int_equal(size_parse("4096", &v), 0);
   assert_int_equal(v, 4096);
   assert_int_equal(size_parse("64K", &v), 0);
   assert_int_equal(v, 65536);
   assert_int_equal(size_parse("0x10", &v), 0);
   assert_int_equal(v, 16);
   assert_int_equal(size_parse("3M", &v), 0);
   assert_int_equal(v, 3u << 20);
   assert_true(size_parse("", &v) < 0);
   assert_true(size_parse("-1", &v) < 0);
   assert_true(size_parse("4Q", &v) < 0);
   assert_int_equal(size_mix_parse("4K,1M:9", &m), 0);
   assert_int_equal(m.n, 2);
   assert_int_equal(m.weight[0], 1);
   assert_int_equal(m.weight[1], 9);
   assert_true(size_mix_parse("", &m) < 0);
   assert_true(size_mix_parse("0:1", &m) < 0);
}

int
main(void)
{
   const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_defaults),
      cmocka_unit_test(test_good),
      cmocka_unit_test(test_bad_key),
      cmocka_unit_test(test_bad_value),
      cmocka_unit_test(test_bad_structure),
      cmocka_unit_test(test_file),
      cmocka_unit_test(test_size_parse),
   };
   return cmocka_run_group_tests(tests, NULL, NULL);
}
