/*
 * test_stats.c - medians, extremes, spread and the least-squares slope on
 * data whose answers are known.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "stats.h"

static void
test_odd(void **state)
{
   const double v[] = { 5, 1, 3, 9, 7 };
   struct stat_summary s;

   (void)state;
   stat_summarize(v, 5, &s);
   assert_int_equal(s.n, 5);
   assert_float_equal(s.median, 5, 1e-12);
   assert_float_equal(s.min, 1, 1e-12);
   assert_float_equal(s.max, 9, 1e-12);
   assert_float_equal(s.mean, 5, 1e-12);
   assert_float_equal(s.spread, 8.0 / 5.0, 1e-12);
   /* The input is left alone. */
   assert_float_equal(v[0], 5, 0);
   assert_float_equal(v[3], 9, 0);
}

static void
test_even(void **state)
{
   const double v[] = { 10, 2, 4, 8 };
   struct stat_summary s;

   (void)state;
   stat_summarize(v, 4, &s);
   assert_float_equal(s.median, 6, 1e-12); /* mean of 4 and 8 */
   assert_float_equal(s.min, 2, 1e-12);
   assert_float_equal(s.max, 10, 1e-12);
   assert_float_equal(s.spread, 8.0 / 6.0, 1e-12);
}

static void
test_edges(void **state)
{
   const double one = 42, zeros[3] = { 0, 0, 0 };
   struct stat_summary s;

   (void)state;
   stat_summarize(&one, 1, &s);
   assert_float_equal(s.median, 42, 0);
   assert_float_equal(s.min, 42, 0);
   assert_float_equal(s.max, 42, 0);
   assert_float_equal(s.spread, 0, 0);

   stat_summarize(NULL, 0, &s);
   assert_int_equal(s.n, 0);
   assert_float_equal(s.median, 0, 0);

   /* A zero median must not divide by zero. */
   stat_summarize(zeros, 3, &s);
   assert_float_equal(s.spread, 0, 0);
}

static void
test_many(void **state)
{
   double v[1001];
   struct stat_summary s;

   (void)state;
   /* 1000..0, more than the on-stack sort buffer holds */
   for (int i = 0; i <= 1000; i++)
      v[i] = 1000 - i;
   stat_summarize(v, 1001, &s);
   assert_float_equal(s.median, 500, 0);
   assert_float_equal(s.min, 0, 0);
   assert_float_equal(s.max, 1000, 0);
   assert_float_equal(s.mean, 500, 1e-9);
}

static void
test_slope(void **state)
{
   const double x[] = { 0, 2, 5, 10, 20, 50, 100 };
   double y[7], a;

   (void)state;
   for (int i = 0; i < 7; i++)
      y[i] = 300 + 14 * x[i]; /* 14 round trips on top of 300 us */
   assert_float_equal(stat_slope(x, y, 7, &a), 14, 1e-9);
   assert_float_equal(a, 300, 1e-9);
   /* Degenerate input: one point, or no spread in x. */
   assert_float_equal(stat_slope(x, y, 1, NULL), 0, 0);
   {
      const double xs[] = { 3, 3, 3 }, ys[] = { 1, 2, 3 };
      assert_float_equal(stat_slope(xs, ys, 3, NULL), 0, 0);
   }
}

int
main(void)
{
   const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_odd),
      cmocka_unit_test(test_even),
      cmocka_unit_test(test_edges),
      cmocka_unit_test(test_many),
      cmocka_unit_test(test_slope),
   };
   return cmocka_run_group_tests(tests, NULL, NULL);
}
