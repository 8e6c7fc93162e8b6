/*
 * test_cp_faults.c - the sim command processor against bad streams: unmapped
 * and read-only addresses, straddles, bad headers and counts, wrapping
 * iovas, the hang budget, random streams.  A fault, never a host crash.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/pm4.h"
#include "cp_fx.h"

static void
test_ib_unmapped(void **state)
{
   struct env *e = *state;
   struct cp_result res;
   uint32_t *cs = e->ring;

   /* IB running past the end of its BO: the fetch must fail as a whole. */
   cs += pm4_emit_ib(cs, IB1_IOVA + 4, IB_DW);
   assert_int_equal(run_ring(e, cs, &res), -EFAULT);
   assert_int_equal(res.fault, CP_FAULT_READ);
   assert_int_equal(res.fault_iova, IB1_IOVA + 4);

   /* Top-level stream itself unmapped. */
   assert_int_equal(cp_exec(&e->mem, UNMAPPED, 4, &res), -EFAULT);
   assert_int_equal(res.fault, CP_FAULT_READ);
   assert_int_equal(res.fault_iova, UNMAPPED);

   /* A size-0 IB fetches nothing, even from nowhere. */
   cs = e->ring;
   cs += pm4_emit_ib(cs, UNMAPPED, 0);
   assert_int_equal(run_ring(e, cs, &res), 0);
   assert_int_equal(res.packets, 1);
}

static void
test_write_unmapped(void **state)
{
   struct env *e = *state;
   struct cp_result res;
   uint32_t v = 5, *cs = e->ring;

   cs += pm4_emit_mem_write(cs, data_iova(0), &v, 1);
   cs += pm4_emit_mem_write(cs, UNMAPPED + 8, &v, 1);
   cs += pm4_emit_mem_write(cs, data_iova(1), &v, 1);
   assert_int_equal(run_ring(e, cs, &res), -EFAULT);
   assert_int_equal(res.fault, CP_FAULT_WRITE);
   assert_int_equal(res.fault_iova, UNMAPPED + 8);
   /* work before the fault stays done, nothing after it runs */
   assert_int_equal(e->data[0], 5);
   assert_int_equal(e->data[1], 0);
   assert_int_equal(res.writes, 1);
   assert_int_equal(res.packets, 1);
}

static void
test_write_readonly(void **state)
{
   struct env *e = *state;
   struct cp_result res;
   uint32_t v = 5, *cs = e->ring;

   cs += pm4_emit_event_write_ts(cs, PM4_CACHE_FLUSH_TS, RO_IOVA + 16, 9);
   assert_int_equal(run_ring(e, cs, &res), -EFAULT);
   assert_int_equal(res.fault, CP_FAULT_WRITE);
   assert_int_equal(res.fault_iova, RO_IOVA + 16);
   assert_int_equal(e->ro[4], 0);

   cs = e->ring;
   cs += pm4_emit_mem_write(cs, RO_IOVA, &v, 1);
   assert_int_equal(run_ring(e, cs, &res), -EFAULT);
   assert_int_equal(res.fault, CP_FAULT_WRITE);
   assert_int_equal(e->ro[0], 0);

   /* ...but reading it is fine. */
   e->ro[1] = 0x600d;
   cs = e->ring;
   cs += pm4_emit_mem_to_mem(cs, 0, data_iova(0), RO_IOVA + 4);
   assert_int_equal(run_ring(e, cs, &res), 0);
   assert_int_equal(e->data[0], 0x600d);
}

static void
test_write_straddle(void **state)
{
   struct env *e = *state;
   struct cp_result res;
   uint32_t v[2] = { 1, 2 }, *cs = e->ring;

   /* Last dword of DATA plus one beyond: nothing may be written. */
   cs += pm4_emit_mem_write(cs, data_iova(DATA_DW - 1), v, 2);
   assert_int_equal(run_ring(e, cs, &res), -EFAULT);
   assert_int_equal(res.fault, CP_FAULT_WRITE);
   assert_int_equal(res.fault_iova, data_iova(DATA_DW - 1));
   assert_int_equal(e->data[DATA_DW - 1], 0);
   assert_int_equal(res.writes, 0);

   /* Unaligned iova: refused, not rounded. */
   cs = e->ring;
   cs += pm4_emit_mem_write(cs, data_iova(0) + 2, v, 1);
   assert_int_equal(run_ring(e, cs, &res), -EFAULT);
   assert_int_equal(res.fault, CP_FAULT_WRITE);
   assert_int_equal(res.fault_iova, data_iova(0) + 2);
   assert_int_equal(e->data[0], 0);
}

static void
test_bad_parity(void **state)
{
   struct env *e = *state;
   struct cp_result res;
   uint32_t v = 1, hdr, *cs = e->ring;

   cs += pm4_emit_mem_write(cs, data_iova(0), &v, 1);
   hdr = pm4_pkt7_hdr(PM4_CP_MEM_WRITE, 3);
   /* flip, in turn, the count parity, the opcode parity, a reserved bit,
    * and the type-4 parity bits */
   const uint32_t bad[] = {
      hdr ^ (1u << 15), hdr ^ (1u << 23), hdr | (1u << 24),
      pm4_pkt4_hdr(0x8800, 1) ^ (1u << 7),
      pm4_pkt4_hdr(0x8800, 1) ^ (1u << 27),
      0x12345678, 0xc0001000, 0xffffffff,
   };

   for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
      uint32_t *p = cs;

      *p++ = bad[i];
      *p++ = (uint32_t)data_iova(1);
      *p++ = (uint32_t)(data_iova(1) >> 32);
      *p++ = 0xbad;
      assert_int_equal(run_ring(e, p, &res), -EFAULT);
      assert_int_equal(res.fault, CP_FAULT_PACKET);
      assert_int_equal(res.fault_iova, RING_IOVA + 4 * 4);
      assert_int_equal(res.packets, 1);
   }
   assert_int_equal(e->data[1], 0);
}

static void
test_count_past_end(void **state)
{
   struct env *e = *state;
   struct cp_result res;
   uint32_t *cs = e->ring;

   /* A NOP claiming 5 dwords in a 3-dword stream; the ring BO is much
    * larger, so only the stream length may bound it. */
   *cs++ = pm4_pkt7_hdr(PM4_CP_NOP, 5);
   *cs++ = 0;
   *cs++ = 0;
   assert_int_equal(run_ring(e, cs, &res), -EFAULT);
   assert_int_equal(res.fault, CP_FAULT_PACKET);
   assert_int_equal(res.fault_iova, RING_IOVA);

   /* One dword too many, the dword beyond being mapped and valid data. */
   e->ring[0] = pm4_pkt7_hdr(PM4_CP_NOP, 3);
   assert_int_equal(run_ring(e, cs, &res), -EFAULT);
   assert_int_equal(res.fault, CP_FAULT_PACKET);
   assert_int_equal(res.fault_iova, RING_IOVA);

   /* Exactly filling the stream is fine. */
   e->ring[0] = pm4_pkt7_hdr(PM4_CP_NOP, 2);
   assert_int_equal(run_ring(e, cs, &res), 0);

   /* A known packet too short for its fields. */
   cs = e->ring;
   *cs++ = pm4_pkt7_hdr(PM4_CP_MEM_WRITE, 1);
   *cs++ = (uint32_t)DATA_IOVA;
   assert_int_equal(run_ring(e, cs, &res), -EFAULT);
   assert_int_equal(res.fault, CP_FAULT_PACKET);

   cs = e->ring;
   *cs++ = pm4_pkt7_hdr(PM4_CP_INDIRECT_BUFFER, 2);
   *cs++ = (uint32_t)IB1_IOVA;
   *cs++ = (uint32_t)(IB1_IOVA >> 32);
   assert_int_equal(run_ring(e, cs, &res), -EFAULT);
   assert_int_equal(res.fault, CP_FAULT_PACKET);

   /* A type-4 packet running past the end. */
   cs = e->ring;
   *cs++ = pm4_pkt4_hdr(0x100, 4);
   *cs++ = 0;
   assert_int_equal(run_ring(e, cs, &res), -EFAULT);
   assert_int_equal(res.fault, CP_FAULT_PACKET);
}

static void
test_iova_wrap(void **state)
{
   struct env *e = *state;
   struct cp_result res;
   uint32_t v[2] = { 0x11, 0x22 }, *cs;

   /* The last dwords of the address space are mapped (TOP); a range may
    * end no later than 2^64 - 1 so that iova + len never wraps. */
   cs = e->ring;
   cs += pm4_emit_mem_write(cs, 0xfffffffffffffff8ull, v, 1);
   assert_int_equal(run_ring(e, cs, &res), 0);
   assert_int_equal(e->top[TOP_DW - 2], 0x11);

   const uint64_t bad[] = {
      0xffffffffffffffffull, 0xfffffffffffffffcull, 0xfffffffffffffffeull,
   };
   for (unsigned i = 0; i < 3; i++) {
      cs = e->ring;
      cs += pm4_emit_mem_write(cs, bad[i], v, 2);
      assert_int_equal(run_ring(e, cs, &res), -EFAULT);
      assert_int_equal(res.fault, CP_FAULT_WRITE);
      assert_int_equal(res.fault_iova, bad[i]);

      cs = e->ring;
      cs += pm4_emit_ib(cs, bad[i], 2);
      assert_int_equal(run_ring(e, cs, &res), -EFAULT);
      assert_int_equal(res.fault, CP_FAULT_READ);
      assert_int_equal(res.fault_iova, bad[i]);

      cs = e->ring;
      cs += pm4_emit_mem_to_mem(cs, PM4_MEM_TO_MEM_DOUBLE, data_iova(0),
                                bad[i]);
      assert_int_equal(run_ring(e, cs, &res), -EFAULT);
      assert_int_equal(res.fault, CP_FAULT_READ);

      assert_int_equal(cp_exec(&e->mem, bad[i], 2, &res), -EFAULT);
      assert_int_equal(res.fault, CP_FAULT_READ);
   }
   /* A top-level stream running off the end of the address space. */
   assert_int_equal(cp_exec(&e->mem, 0xfffffffffffffff0ull, 8, &res),
                    -EFAULT);
   assert_int_equal(res.fault, CP_FAULT_READ);
   assert_int_equal(cp_exec(&e->mem, 0xfffffffffffffff0ull, UINT32_MAX, &res),
                    -EFAULT);
   assert_int_equal(res.fault, CP_FAULT_HANG);
   assert_int_equal(e->top[TOP_DW - 1], 0);
}

/* IBs that call the same big buffer over and over must hit the budget, not
 * spin for hours. */
static void
test_hang_budget(void **state)
{
   struct env *e = *state;
   struct cp_result res;
   uint32_t *big = calloc(PM4_IB_SIZE_MASK, 4), *cs = e->ring;

   assert_non_null(big);
   map(e, UNMAPPED, big, PM4_IB_SIZE_MASK, false);
   for (unsigned i = 0; i < 20; i++)
      cs += pm4_emit_ib(cs, UNMAPPED, PM4_IB_SIZE_MASK);
   assert_int_equal(run_ring(e, cs, &res), -EFAULT);
   assert_int_equal(res.fault, CP_FAULT_HANG);
   assert_int_equal(res.fault_iova, UNMAPPED);
   assert_true(res.dwords <= CP_MAX_DWORDS);
   /* the ring's 80 dwords, then as many whole IBs as fit */
   assert_int_equal(res.packets, (CP_MAX_DWORDS - 80) / PM4_IB_SIZE_MASK);
   e->nregions--;
   free(big);
}

/* Random streams biased towards valid headers and mapped iovas: the CP must
 * end cleanly every time and never touch memory it was not given (the data
 * guards and the translate() asserts check that). */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t
rng(void)
{
   rng_state ^= rng_state << 13;
   rng_state ^= rng_state >> 7;
   rng_state ^= rng_state << 17;
   return (uint32_t)(rng_state >> 16);
}

static void
test_random_streams(void **state)
{
   struct env *e = *state;
   static const uint32_t ops[] = {
      PM4_CP_NOP, PM4_CP_MEM_WRITE, PM4_CP_INDIRECT_BUFFER,
      PM4_CP_EVENT_WRITE, PM4_CP_MEM_TO_MEM, PM4_CP_WAIT_FOR_IDLE, 0x55,
   };
   static const uint64_t iovas[] = {
      RING_IOVA, IB1_IOVA, DATA_IOVA, DATA_IOVA + 4 * (DATA_DW - 1), RO_IOVA,
      TOP_IOVA + 4 * (TOP_DW - 2), UNMAPPED, 0,
   };

   for (unsigned iter = 0; iter < 20000; iter++) {
      struct cp_result res;
      unsigned n = 1 + rng() % 64;

      for (unsigned i = 0; i < n; i++) {
         uint32_t r = rng(), *dw = &e->ring[i];

         switch (r % 8) {
         case 0: case 1:
            *dw = pm4_pkt7_hdr(ops[(r >> 8) % 7], (r >> 16) % 10);
            break;
         case 2:
            *dw = (uint32_t)iovas[(r >> 8) % 8] + 4 * ((r >> 16) % 4);
            break;
         case 3:
            *dw = (uint32_t)(iovas[(r >> 8) % 8] >> 32);
            break;
         case 4:
            *dw = (r >> 8) % 128;
            break;
         case 5:
            *dw = pm4_pkt4_hdr((r >> 8) & 0x3ffff, (r >> 4) % 4);
            break;
         default:
            *dw = rng();
         }
      }
      /* IBs and the ring share the same random content. */
      memcpy(e->ib1, e->ring, n * 4);
      int ret = cp_exec(&e->mem, RING_IOVA, n, &res);
      if (ret == 0)
         assert_int_equal(res.fault, CP_FAULT_NONE);
      else
         assert_int_equal(ret, -EFAULT);
      assert_true(ret == 0 || res.fault != CP_FAULT_NONE);
      assert_true(res.dwords <= CP_MAX_DWORDS);
   }
   assert_int_equal(e->ro[0], 0);
}

int
main(void)
{
   const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_ib_unmapped, setup, teardown),
      cmocka_unit_test_setup_teardown(test_write_unmapped, setup, teardown),
      cmocka_unit_test_setup_teardown(test_write_readonly, setup, teardown),
      cmocka_unit_test_setup_teardown(test_write_straddle, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bad_parity, setup, teardown),
      cmocka_unit_test_setup_teardown(test_count_past_end, setup, teardown),
      cmocka_unit_test_setup_teardown(test_iova_wrap, setup, teardown),
      cmocka_unit_test_setup_teardown(test_hang_budget, setup, teardown),
      cmocka_unit_test_setup_teardown(test_random_streams, setup, teardown),
   };
   return cmocka_run_group_tests_name("cp-faults", tests, NULL, NULL);
}
