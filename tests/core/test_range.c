/*
 * test_range.c - the range allocator behind iova spaces and hostmem.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "range.h"

static void
test_alloc_first_fit_and_align(void **state)
{
   (void)state;
   struct range_mgr m;
   uint64_t a, b, c;

   range_init(&m, 0x1000, 0x10000);
   assert_int_equal(range_alloc(&m, 0x1000, 0x1000, NULL, &a), 0);
   assert_int_equal(a, 0x1000);
   assert_int_equal(range_alloc(&m, 0x800, 0x4000, NULL, &b), 0);
   assert_int_equal(b, 0x4000);
   /* The hole between a and b is used first. */
   assert_int_equal(range_alloc(&m, 0x2000, 0x1000, NULL, &c), 0);
   assert_int_equal(c, 0x2000);
   assert_int_equal(m.used, 0x3800);
   assert_int_equal(range_alloc(&m, 0, 0x1000, NULL, &c), -EINVAL);
   assert_int_equal(range_alloc(&m, 0x1000, 3, NULL, &c), -EINVAL);
   range_fini(&m);
}

static void
test_alloc_full(void **state)
{
   (void)state;
   struct range_mgr m;
   uint64_t a;

   range_init(&m, 0, 0x4000);
   for (int i = 0; i < 4; i++)
      assert_int_equal(range_alloc(&m, 0x1000, 0x1000, NULL, &a), 0);
   assert_int_equal(range_alloc(&m, 0x1000, 0x1000, NULL, &a), -ENOSPC);
   assert_int_equal(range_free(&m, 0x2000), 0);
   assert_int_equal(range_alloc(&m, 0x1000, 0x1000, NULL, &a), 0);
   assert_int_equal(a, 0x2000);
   assert_int_equal(range_alloc(&m, 0x10000, 0x1000, NULL, &a), -ENOSPC);
   range_fini(&m);
}

static void
test_reserve(void **state)
{
   (void)state;
   struct range_mgr m;
   int owner;

   range_init(&m, 0x10000, 0x10000);
   assert_int_equal(range_reserve(&m, 0x14000, 0x2000, &owner), 0);
   assert_int_equal(range_reserve(&m, 0x15000, 0x1000, NULL), -ENOSPC);
   assert_int_equal(range_reserve(&m, 0x13000, 0x2000, NULL), -ENOSPC);
   assert_int_equal(range_reserve(&m, 0x13000, 0x1000, NULL), 0);
   assert_int_equal(range_reserve(&m, 0x16000, 0x1000, NULL), 0);
   assert_int_equal(range_reserve(&m, 0xf000, 0x1000, NULL), -ENOSPC);
   assert_int_equal(range_reserve(&m, 0x1f000, 0x2000, NULL), -ENOSPC);
   assert_int_equal(range_reserve(&m, ~0ull - 0xfff, 0x1000, NULL), -ENOSPC);
   assert_int_equal(range_reserve(&m, 0x1f000, 0x1000, NULL), 0);
   assert_int_equal(range_reserve(&m, 0x18000, 0, NULL), -EINVAL);
   assert_ptr_equal(range_lookup(&m, 0x15fff)->owner, &owner);
   assert_null(range_lookup(&m, 0x17000));
   assert_null(range_lookup(&m, 0));
   assert_int_equal(range_free(&m, 0x14001), -ENOENT);
   assert_int_equal(range_free(&m, 0x14000), 0);
   assert_null(range_lookup(&m, 0x14000));
   range_fini(&m);
}

static void
test_many(void **state)
{
   (void)state;
   struct range_mgr m;
   uint64_t a[1000];

   range_init(&m, 0, 1ull << 32);
   for (int i = 0; i < 1000; i++)
      assert_int_equal(range_alloc(&m, 4096 * (1 + i % 7), 4096, NULL, &a[i]), 0);
   for (int i = 1; i < 1000; i++)
      assert_true(range_lookup(&m, a[i])->start == a[i]);
   for (int i = 0; i < 1000; i += 2)
      assert_int_equal(range_free(&m, a[i]), 0);
   assert_int_equal(m.count, 500);
   for (int i = 1; i < 1000; i += 2)
      assert_int_equal(range_free(&m, a[i]), 0);
   assert_int_equal(m.used, 0);
   range_fini(&m);
}

int
main(void)
{
   const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_alloc_first_fit_and_align),
      cmocka_unit_test(test_alloc_full),
      cmocka_unit_test(test_reserve),
      cmocka_unit_test(test_many),
   };
   return cmocka_run_group_tests_name("range", tests, NULL, NULL);
}
