/*
 * test_cp.c - the sim command processor (core/cp.c) and the packet builders
 * (core/pm4.h), over a fake GPU address space made of a few host buffers.
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

/* Headers checked against dumps quoted in mesa's adreno_pm4.xml (CP_LOAD_STATE4
 * with 11 dwords = 70b0000b, CP_REG_TEST 1 = 70b90001, CP_COND_REG_EXEC 2 =
 * 70c70002) and against values worked out by hand from the parity rule. */
static void
test_headers(void **state)
{
   (void)state;
   assert_int_equal(pm4_pkt7_hdr(0x30, 11), 0x70b0000b);
   assert_int_equal(pm4_pkt7_hdr(0x39, 1), 0x70b90001);
   assert_int_equal(pm4_pkt7_hdr(0x47, 2), 0x70c70002);
   /* CP_NOP (0x10, one bit: parity 0), count 0 (no bits: parity 1). */
   assert_int_equal(pm4_pkt7_hdr(PM4_CP_NOP, 0), 0x70108000);
   /* CP_MEM_WRITE 0x3d (5 bits: 0), count 3 (2 bits: 1). */
   assert_int_equal(pm4_pkt7_hdr(PM4_CP_MEM_WRITE, 3), 0x703d8003);
   /* CP_EVENT_WRITE 0x46 (3 bits: 0), count 4 (1 bit: 0). */
   assert_int_equal(pm4_pkt7_hdr(PM4_CP_EVENT_WRITE, 4), 0x70460004);
   /* CP_INDIRECT_BUFFER 0x3f (6 bits: 1), count 3 (1). */
   assert_int_equal(pm4_pkt7_hdr(PM4_CP_INDIRECT_BUFFER, 3), 0x70bf8003);
   /* type-4: reg 0 (parity 1 -> bit 27), count 1 (0). */
   assert_int_equal(pm4_pkt4_hdr(0, 1), 0x48000001);
   /* reg 0x8800 (2 bits: 1), count 2 (1 bit: 0). */
   assert_int_equal(pm4_pkt4_hdr(0x8800, 2), 0x48880002);
   /* reg 0x1 (1 bit: 0), count 0 (1). */
   assert_int_equal(pm4_pkt4_hdr(1, 0), 0x40000180);

   assert_int_equal(pm4_odd_parity_bit(0), 1);
   assert_int_equal(pm4_odd_parity_bit(1), 0);
   assert_int_equal(pm4_odd_parity_bit(0xffffffff), 1);
}

static void
test_mem_write(void **state)
{
   struct env *e = *state;
   struct cp_result res;
   uint32_t v = 0x12345678, *cs = e->ring;

   cs += pm4_emit_mem_write(cs, data_iova(3), &v, 1);
   assert_int_equal(run_ring(e, cs, &res), 0);
   assert_int_equal(e->data[3], 0x12345678);
   assert_int_equal(e->data[2], 0);
   assert_int_equal(e->data[4], 0);
   assert_int_equal(res.fault, CP_FAULT_NONE);
   assert_int_equal(res.packets, 1);
   assert_int_equal(res.writes, 1);
   assert_int_equal(res.dwords, 4);
}

static void
test_mem_write_multi(void **state)
{
   struct env *e = *state;
   struct cp_result res;
   uint32_t vals[DATA_DW], *cs = e->ring;

   for (unsigned i = 0; i < DATA_DW; i++)
      vals[i] = 0xa0000000 + i;
   /* Fill the whole BO exactly, first and last dword included. */
   cs += pm4_emit_mem_write(cs, DATA_IOVA, vals, DATA_DW);
   assert_int_equal(run_ring(e, cs, &res), 0);
   assert_memory_equal(e->data, vals, sizeof(vals));
   assert_int_equal(res.writes, 1);

   /* Zero-length write: a legal no-op. */
   cs = e->ring;
   cs += pm4_emit_mem_write(cs, UNMAPPED, NULL, 0);
   assert_int_equal(run_ring(e, cs, &res), 0);
   assert_int_equal(res.writes, 0);
   assert_int_equal(res.packets, 1);
}

static void
test_event_write_ts(void **state)
{
   struct env *e = *state;
   struct cp_result res;
   uint32_t *cs = e->ring;

   /* Event-only form: nothing written. */
   *cs++ = pm4_pkt7_hdr(PM4_CP_EVENT_WRITE, 1);
   *cs++ = PM4_CACHE_FLUSH_TS;
   cs += pm4_emit_event_write_ts(cs, PM4_CACHE_FLUSH_TS | PM4_EVENT_WRITE_IRQ,
                                 data_iova(8), 42);
   cs += pm4_emit_event_write_ts(cs, PM4_RB_DONE_TS, data_iova(9), 43);
   assert_int_equal(run_ring(e, cs, &res), 0);
   assert_int_equal(e->data[8], 42);
   assert_int_equal(e->data[9], 43);
   assert_int_equal(res.writes, 2);
   assert_int_equal(res.packets, 3);
}

/* ring -> IB1 -> IB2, writing at every level. */
static void
test_ib_chain(void **state)
{
   struct env *e = *state;
   struct cp_result res;
   uint32_t v, *cs, ib1_dw, ib2_dw;

   cs = e->ib2;
   v = 2;
   cs += pm4_emit_mem_write(cs, data_iova(2), &v, 1);
   cs += pm4_emit_event_write_ts(cs, PM4_CACHE_FLUSH_TS, data_iova(3), 3);
   ib2_dw = cs - e->ib2;

   cs = e->ib1;
   v = 1;
   cs += pm4_emit_mem_write(cs, data_iova(1), &v, 1);
   cs += pm4_emit_ib(cs, IB2_IOVA, ib2_dw);
   ib1_dw = cs - e->ib1;

   cs = e->ring;
   cs += pm4_emit_ib(cs, IB1_IOVA, ib1_dw);
   v = 4;
   cs += pm4_emit_mem_write(cs, data_iova(4), &v, 1);

   assert_int_equal(run_ring(e, cs, &res), 0);
   assert_int_equal(e->data[1], 1);
   assert_int_equal(e->data[2], 2);
   assert_int_equal(e->data[3], 3);
   assert_int_equal(e->data[4], 4);
   assert_int_equal(res.writes, 4);
   assert_int_equal(res.packets, 6);
   /* every level's stream is fetched once */
   assert_int_equal(res.dwords, (cs - e->ring) + ib1_dw + ib2_dw);
   assert_int_equal(res.dwords, 8 + 8 + 9);
}

/* ring -> IB1 -> IB2 -> IB3 is the limit; one more level faults. */
static void
test_ib_depth(void **state)
{
   struct env *e = *state;
   struct cp_result res;
   uint32_t v = 7, *cs;

   cs = e->ib3;
   cs += pm4_emit_mem_write(cs, data_iova(0), &v, 1);
   cs = e->ib2;
   cs += pm4_emit_ib(cs, IB3_IOVA, 4);
   cs = e->ib1;
   cs += pm4_emit_ib(cs, IB2_IOVA, 4);
   cs = e->ring;
   cs += pm4_emit_ib(cs, IB1_IOVA, 4);
   assert_int_equal(run_ring(e, cs, &res), 0);
   assert_int_equal(e->data[0], 7);

   /* IB3 now calls a fourth level. */
   cs = e->ib3;
   cs += pm4_emit_ib(cs, DATA_IOVA, 1);
   assert_int_equal(run_ring(e, e->ring + 4, &res), -EFAULT);
   assert_int_equal(res.fault, CP_FAULT_IB_DEPTH);
   assert_int_equal(res.fault_iova, DATA_IOVA);

   /* An IB calling itself is stopped the same way. */
   cs = e->ib1;
   cs += pm4_emit_ib(cs, IB1_IOVA, 4);
   assert_int_equal(run_ring(e, e->ring + 4, &res), -EFAULT);
   assert_int_equal(res.fault, CP_FAULT_IB_DEPTH);
   assert_int_equal(res.fault_iova, IB1_IOVA);
   assert_int_equal(res.dwords, 4 * 4);
}

static void
test_unknown_opcode_skipped(void **state)
{
   struct env *e = *state;
   struct cp_result res;
   uint32_t v = 0x77, *cs = e->ring;

   /* The payload of an unknown packet looks like a MEM_WRITE: it must be
    * skipped as data, never decoded. */
   *cs++ = pm4_pkt7_hdr(0x7e, 4);
   *cs++ = pm4_pkt7_hdr(PM4_CP_MEM_WRITE, 3);
   *cs++ = (uint32_t)data_iova(0);
   *cs++ = (uint32_t)(data_iova(0) >> 32);
   *cs++ = 0xbad;
   /* CP_REG_TO_MEM needs registers we do not model: skipped too. */
   *cs++ = pm4_pkt7_hdr(PM4_CP_REG_TO_MEM, 3);
   *cs++ = 0x100;
   *cs++ = (uint32_t)data_iova(2);
   *cs++ = (uint32_t)(data_iova(2) >> 32);
   *cs++ = pm4_pkt7_hdr(PM4_CP_WAIT_FOR_ME, 0);
   cs += pm4_emit_wait_for_idle(cs);
   cs += pm4_emit_mem_write(cs, data_iova(1), &v, 1);
   assert_int_equal(run_ring(e, cs, &res), 0);
   assert_int_equal(e->data[0], 0);
   assert_int_equal(e->data[1], 0x77);
   assert_int_equal(e->data[2], 0);
   assert_int_equal(res.packets, 5);
   assert_int_equal(res.writes, 1);
}

static void
test_type4_and_filler_skipped(void **state)
{
   struct env *e = *state;
   struct cp_result res;
   uint32_t v = 0x44, *cs = e->ring;
   const uint32_t regs[3] = {
      pm4_pkt7_hdr(PM4_CP_MEM_WRITE, 3), (uint32_t)DATA_IOVA, 0,
   };

   cs += pm4_emit_reg_write(cs, 0x8800, regs, 3);
   *cs++ = 0;              /* zero filler */
   *cs++ = PM4_TYPE2_PKT;  /* type-2 filler */
   *cs++ = pm4_pkt4_hdr(0x3ffff, 0);
   cs += pm4_emit_mem_write(cs, data_iova(5), &v, 1);
   assert_int_equal(run_ring(e, cs, &res), 0);
   assert_int_equal(e->data[0], 0);
   assert_int_equal(e->data[5], 0x44);
   assert_int_equal(res.packets, 3); /* fillers are not packets */
   assert_int_equal(res.dwords, cs - e->ring);
}

static void
test_delay_marker(void **state)
{
   struct env *e = *state;
   struct cp_result res;
   uint32_t *cs = e->ring;
   const uint32_t not_marker[3] = { PM4_MSMD_MAGIC + 1, 1000, 0 };
   const uint32_t short_marker[2] = { PM4_MSMD_MAGIC, 1000 };

   uint32_t *ib = e->ib1;

   ib += pm4_emit_delay(ib, 5ull << 32); /* the high word counts */

   cs += pm4_emit_delay(cs, 1500);
   cs += pm4_emit_nop(cs, not_marker, 3);
   cs += pm4_emit_nop(cs, short_marker, 2);
   cs += pm4_emit_ib(cs, IB1_IOVA, ib - e->ib1);
   cs += pm4_emit_delay(cs, 250);
   assert_int_equal(run_ring(e, cs, &res), 0);
   assert_int_equal(res.delay_ns, 1500 + (5ull << 32) + 250);
   assert_int_equal(res.writes, 0);

   /* Saturates instead of wrapping. */
   cs = e->ring;
   cs += pm4_emit_delay(cs, UINT64_MAX - 10);
   cs += pm4_emit_delay(cs, 100);
   assert_int_equal(run_ring(e, cs, &res), 0);
   assert_int_equal(res.delay_ns, UINT64_MAX);
}

static void
test_dword_count(void **state)
{
   struct env *e = *state;
   struct cp_result res;
   uint32_t *cs = e->ring;

   /* IB1 is called twice: its dwords are fetched twice.  The ring's
    * trailing NOP payload is counted too. */
   const uint32_t pad[10] = { 0 };

   e->ib1[0] = pm4_pkt7_hdr(PM4_CP_NOP, 99);
   cs += pm4_emit_ib(cs, IB1_IOVA, 100);
   cs += pm4_emit_ib(cs, IB1_IOVA, 100);
   cs += pm4_emit_nop(cs, pad, 10);
   assert_int_equal(run_ring(e, cs, &res), 0);
   assert_int_equal(res.dwords, 4 + 4 + 11 + 2 * 100);
   assert_int_equal(res.packets, 5);

   /* Results are reset by every call. */
   assert_int_equal(cp_exec(&e->mem, RING_IOVA, 0, &res), 0);
   assert_int_equal(res.dwords, 0);
   assert_int_equal(res.packets, 0);
}

static void
test_mem_to_mem(void **state)
{
   struct env *e = *state;
   struct cp_result res;
   uint32_t *cs = e->ring;

   e->data[10] = 0x1234;
   e->data[12] = 0x89abcdef;
   e->data[13] = 0x01234567;
   cs += pm4_emit_mem_to_mem(cs, 0, data_iova(11), data_iova(10));
   cs += pm4_emit_mem_to_mem(cs, PM4_MEM_TO_MEM_DOUBLE, data_iova(14),
                             data_iova(12));
   assert_int_equal(run_ring(e, cs, &res), 0);
   assert_int_equal(e->data[11], 0x1234);
   assert_int_equal(e->data[14], 0x89abcdef);
   assert_int_equal(e->data[15], 0x01234567);
   assert_int_equal(e->data[16], 0);
   assert_int_equal(res.writes, 2);

   /* freedreno's query accumulate: result += end - start (64-bit). */
   uint64_t result = 100, start = 1000, end = (1ull << 32) + 1500;
   memcpy(&e->data[20], &result, 8);
   memcpy(&e->data[22], &start, 8);
   memcpy(&e->data[24], &end, 8);
   /* dst, A = dst, B = end, C = start (negated) */
   const unsigned operands[4] = { 20, 20, 24, 22 };
   cs = e->ring;
   *cs++ = pm4_pkt7_hdr(PM4_CP_MEM_TO_MEM, 9);
   *cs++ = PM4_MEM_TO_MEM_DOUBLE | PM4_MEM_TO_MEM_NEG_C;
   for (unsigned i = 0; i < 4; i++) {
      *cs++ = (uint32_t)data_iova(operands[i]);
      *cs++ = (uint32_t)(data_iova(operands[i]) >> 32);
   }
   assert_int_equal(run_ring(e, cs, &res), 0);
   memcpy(&result, &e->data[20], 8);
   assert_int_equal(result, 100 + (1ull << 32) + 500);

   /* Unreadable source: READ fault at its iova, dst untouched. */
   cs = e->ring;
   cs += pm4_emit_mem_to_mem(cs, 0, data_iova(30), UNMAPPED);
   assert_int_equal(run_ring(e, cs, &res), -EFAULT);
   assert_int_equal(res.fault, CP_FAULT_READ);
   assert_int_equal(res.fault_iova, UNMAPPED);
   assert_int_equal(e->data[30], 0);
}

int
main(void)
{
   const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_headers, setup, teardown),
      cmocka_unit_test_setup_teardown(test_mem_write, setup, teardown),
      cmocka_unit_test_setup_teardown(test_mem_write_multi, setup, teardown),
      cmocka_unit_test_setup_teardown(test_event_write_ts, setup, teardown),
      cmocka_unit_test_setup_teardown(test_ib_chain, setup, teardown),
      cmocka_unit_test_setup_teardown(test_ib_depth, setup, teardown),
      cmocka_unit_test_setup_teardown(test_unknown_opcode_skipped, setup, teardown),
      cmocka_unit_test_setup_teardown(test_type4_and_filler_skipped, setup, teardown),
      cmocka_unit_test_setup_teardown(test_delay_marker, setup, teardown),
      cmocka_unit_test_setup_teardown(test_dword_count, setup, teardown),
      cmocka_unit_test_setup_teardown(test_mem_to_mem, setup, teardown),
   };
   return cmocka_run_group_tests_name("cp", tests, NULL, NULL);
}
