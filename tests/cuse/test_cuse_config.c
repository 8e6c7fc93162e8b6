/*
 * test_cuse_config.c - the guest config file (cuse/cuse_config.h): what
 * picks the design must parse exactly, and a typo must fail, not fall back.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cuse_config.h"

static char path[64];

static int
load(const char *text, struct cuse_config *c, char *err)
{
   FILE *f;

   strcpy(path, "/tmp/msmvirt-conf-XXXXXX");
   int fd = mkstemp(path);
   assert_true(fd >= 0);
   f = fdopen(fd, "w");
   fputs(text, f);
   fclose(f);
   int ret = cuse_config_load(path, c, err, 256);
   unlink(path);
   return ret;
}

static void
test_full(void **state)
{
   struct cuse_config c;
   char err[256];

   (void)state;
   assert_int_equal(load("# guest\n[guest]\nmode = nativectx\nnode = dri/renderD129\n"
                         "port = /dev/vport0p1\nhostmem = /sys/x/resource2\n"
                         "connect = /run/h.sock\nrtt_us = 50\narena_mb = 64\n", &c, err), 0);
   assert_int_equal(c.mode, CUSE_MODE_NATIVECTX);
   assert_string_equal(c.node, "dri/renderD129");
   assert_string_equal(c.port, "/dev/vport0p1");
   assert_string_equal(c.hostmem, "/sys/x/resource2");
   assert_string_equal(c.connect, "/run/h.sock");
   assert_int_equal(c.rtt_us, 50);
   assert_int_equal(c.arena_mb, 64);
}

static void
test_defaults_and_no_section(void **state)
{
   struct cuse_config c;
   char err[256];

   (void)state;
   assert_int_equal(load("mode = forward\n", &c, err), 0);
   assert_int_equal(c.mode, CUSE_MODE_FORWARD);
   assert_string_equal(c.hostmem, "auto");
   assert_string_equal(c.node, "");
   assert_int_equal(c.rtt_us, 0);
}

static void
test_errors(void **state)
{
   static const char *const bad[] = {
      "mode = nativ\n",              /* unknown mode */
      "mdoe = nativectx\n",          /* unknown key */
      "[host]\nmode = forward\n",    /* unknown section */
      "rtt_us = 12x\n",
      "rtt_us = \n",
      "arena_mb = 257\n",           /* over the host's limit */
      "[guest\nmode = forward\n",    /* syntax */
   };
   struct cuse_config c;
   char err[256];

   (void)state;
   for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
      assert_int_equal(load(bad[i], &c, err), -EINVAL);
      assert_non_null(strstr(err, ":1:") ? err : strstr(err, ":2:"));
   }
   assert_int_equal(cuse_config_load("/nonexistent/guest.conf", &c, err,
                                     sizeof(err)), -ENOENT);
   /* A value that would be cut short is an error, not a truncation. */
   char text[600] = "node = ";
   memset(text + 7, 'a', 400);
   strcpy(text + 407, "\n");
   assert_int_equal(load(text, &c, err), -EINVAL);
}

static void
test_mode_names(void **state)
{
   enum cuse_mode m;

   (void)state;
   assert_string_equal(cuse_mode_name(CUSE_MODE_FORWARD), "forward");
   assert_string_equal(cuse_mode_name(CUSE_MODE_NATIVECTX), "nativectx");
   assert_null(cuse_mode_name((enum cuse_mode)7));
   assert_int_equal(cuse_mode_parse("nativectx", &m), 0);
   assert_int_equal(m, CUSE_MODE_NATIVECTX);
   assert_int_equal(cuse_mode_parse("Forward", &m), -EINVAL);
}

int
main(void)
{
   const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_full),
      cmocka_unit_test(test_defaults_and_no_section),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_mode_names),
   };
   return cmocka_run_group_tests(tests, NULL, NULL);
}
