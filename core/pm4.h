/*
 * pm4.h - Adreno a5xx+/a6xx PM4 packet encoding, shared by the sim's command
 * processor (cp.c) and by the tests and workloads that build cmdstreams.
 *
 * Every emitter writes into a uint32_t buffer and returns the number of
 * dwords written, so a stream is built as
 *
 *    uint32_t *cs = buf;
 *    cs += pm4_emit_mem_write(cs, iova, vals, 2);
 *    cs += pm4_emit_event_write_ts(cs, PM4_CACHE_FLUSH_TS, fence_iova, seqno);
 *
 * The caller sizes the buffer; PM4_*_DWORDS give each packet's length.
 */
#ifndef MSMVIRT_PM4_H
#define MSMVIRT_PM4_H

#include <assert.h>
#include <stdint.h>

/*
 * Type-7 opcodes, from mesa src/freedreno/registers/adreno/adreno_pm4.xml
 * (enum adreno_pm4_type3_packets, a5xx/a6xx variants).  The names carry a
 * PM4_ prefix so that this header can sit next to mesa's generated ones.
 */
#define PM4_CP_NOP                0x10
#define PM4_CP_WAIT_MEM_WRITES    0x12
#define PM4_CP_WAIT_FOR_ME        0x13
#define PM4_CP_WAIT_FOR_IDLE      0x26
#define PM4_CP_MEM_WRITE          0x3d
#define PM4_CP_REG_TO_MEM         0x3e
#define PM4_CP_INDIRECT_BUFFER    0x3f
#define PM4_CP_EVENT_WRITE        0x46
#define PM4_CP_MEM_TO_MEM         0x73
#define PM4_CP_DRAW_AUTO          0x24
#define PM4_CP_DRAW_INDIRECT      0x28
#define PM4_CP_DRAW_INDX_INDIRECT 0x29
#define PM4_CP_DRAW_INDIRECT_MULTI 0x2a
#define PM4_CP_BLIT               0x2c
#define PM4_CP_EXEC_CS            0x33
#define PM4_CP_DRAW_INDX_OFFSET   0x38
#define PM4_CP_EXEC_CS_INDIRECT   0x41
#define PM4_CP_SET_DRAW_STATE     0x43
#define PM4_CP_SET_MARKER         0x65
#define PM4_CP_REG_WRITE          0x6d

/* Packet type in the header's top nibble (adreno_pm4_packet_type). */
#define PM4_TYPE4_PKT             0x40000000u
#define PM4_TYPE7_PKT             0x70000000u
/* Legacy type-2 filler; a5xx+ streams may still be padded with it. */
#define PM4_TYPE2_PKT             0x80000000u

#define PM4_PKT7_MAX_COUNT        0x3fff /* header bits 0..13 */
#define PM4_PKT4_MAX_COUNT        0x7f   /* header bits 0..6 */

/* vgt_event_type values that write a timestamp on a6xx. */
#define PM4_CACHE_FLUSH_TS        0x04
#define PM4_RB_DONE_TS            0x16

/* CP_EVENT_WRITE dword 0 (domain CP_EVENT_WRITE). */
#define PM4_EVENT_WRITE_EVENT_MASK 0xffu
#define PM4_EVENT_WRITE_TIMESTAMP (1u << 30) /* hw writes its clock instead */
#define PM4_EVENT_WRITE_IRQ       (1u << 31)

/* CP_MEM_TO_MEM dword 0 (domain CP_MEM_TO_MEM). */
#define PM4_MEM_TO_MEM_NEG_A      (1u << 0)
#define PM4_MEM_TO_MEM_NEG_B      (1u << 1)
#define PM4_MEM_TO_MEM_NEG_C      (1u << 2)
#define PM4_MEM_TO_MEM_DOUBLE     (1u << 29) /* 64-bit operands */

/* CP_INDIRECT_BUFFER dword 2: IB_SIZE is bits 0..19, in dwords. */
#define PM4_IB_SIZE_MASK          0xfffffu

/*
 * msmvirt's own "modelled GPU time" marker: a CP_NOP whose payload is
 * {PM4_MSMD_MAGIC, ns_lo, ns_hi}.  Real hardware skips it like any NOP; the
 * sim adds ns to the submit's modelled duration.
 */
#define PM4_MSMD_MAGIC            0x4d534d44u /* 'MSMD' */

#define PM4_NOP_DWORDS(n)         (1 + (n))
#define PM4_MEM_WRITE_DWORDS(n)   (3 + (n))
#define PM4_IB_DWORDS             4
#define PM4_EVENT_WRITE_TS_DWORDS 5
#define PM4_REG_WRITE_DWORDS(n)   (1 + (n))
#define PM4_DELAY_DWORDS          4
#define PM4_MEM_TO_MEM_DWORDS     6

/* 1 when val has an even number of set bits: the header's parity bits make
 * each field's population count odd. */
static inline uint32_t
pm4_odd_parity_bit(uint32_t val)
{
   return !__builtin_parity(val);
}

static inline uint32_t
pm4_pkt7_hdr(uint32_t opcode, uint32_t cnt)
{
   assert(opcode <= 0x7f && cnt <= PM4_PKT7_MAX_COUNT);
   return PM4_TYPE7_PKT | cnt | (pm4_odd_parity_bit(cnt) << 15) |
          ((opcode & 0x7f) << 16) | (pm4_odd_parity_bit(opcode) << 23);
}

static inline uint32_t
pm4_pkt4_hdr(uint32_t reg, uint32_t cnt)
{
   assert(reg <= 0x3ffff && cnt <= PM4_PKT4_MAX_COUNT);
   return PM4_TYPE4_PKT | cnt | (pm4_odd_parity_bit(cnt) << 7) |
          ((reg & 0x3ffff) << 8) | (pm4_odd_parity_bit(reg) << 27);
}


/* Any type-7 packet: opcode and n payload dwords. */
static inline unsigned
pm4_emit_pkt7(uint32_t *cs, uint32_t opcode, const uint32_t *payload,
              unsigned n)
{
   cs[0] = pm4_pkt7_hdr(opcode, n);
   for (unsigned i = 0; i < n; i++)
      cs[1 + i] = payload[i];
   return 1 + n;
}

static inline unsigned
pm4_emit_nop(uint32_t *cs, const uint32_t *payload, unsigned n)
{
   return pm4_emit_pkt7(cs, PM4_CP_NOP, payload, n);
}

static inline unsigned
pm4_emit_wait_for_idle(uint32_t *cs)
{
   cs[0] = pm4_pkt7_hdr(PM4_CP_WAIT_FOR_IDLE, 0);
   return 1;
}

/* n dwords written consecutively at iova. */
static inline unsigned
pm4_emit_mem_write(uint32_t *cs, uint64_t iova, const uint32_t *data,
                   unsigned n)
{
   cs[0] = pm4_pkt7_hdr(PM4_CP_MEM_WRITE, 2 + n);
   cs[1] = (uint32_t)iova;
   cs[2] = (uint32_t)(iova >> 32);
   for (unsigned i = 0; i < n; i++)
      cs[3 + i] = data[i];
   return PM4_MEM_WRITE_DWORDS(n);
}

/* Call the ndwords-long cmdstream at iova. */
static inline unsigned
pm4_emit_ib(uint32_t *cs, uint64_t iova, uint32_t ndwords)
{
   assert(ndwords <= PM4_IB_SIZE_MASK);
   cs[0] = pm4_pkt7_hdr(PM4_CP_INDIRECT_BUFFER, 3);
   cs[1] = (uint32_t)iova;
   cs[2] = (uint32_t)(iova >> 32);
   cs[3] = ndwords & PM4_IB_SIZE_MASK;
   return PM4_IB_DWORDS;
}

/* The a6xx fence write freedreno and the kernel emit: event, then value
 * written to iova once the event completes. */
static inline unsigned
pm4_emit_event_write_ts(uint32_t *cs, uint32_t event, uint64_t iova,
                        uint32_t value)
{
   cs[0] = pm4_pkt7_hdr(PM4_CP_EVENT_WRITE, 4);
   cs[1] = event;
   cs[2] = (uint32_t)iova;
   cs[3] = (uint32_t)(iova >> 32);
   cs[4] = value;
   return PM4_EVENT_WRITE_TS_DWORDS;
}

/* Type-4: n consecutive registers starting at reg. */
static inline unsigned
pm4_emit_reg_write(uint32_t *cs, uint32_t reg, const uint32_t *vals,
                   unsigned n)
{
   cs[0] = pm4_pkt4_hdr(reg, n);
   for (unsigned i = 0; i < n; i++)
      cs[1 + i] = vals[i];
   return PM4_REG_WRITE_DWORDS(n);
}

/* Copy one dword (two with PM4_MEM_TO_MEM_DOUBLE in flags) src -> dst. */
static inline unsigned
pm4_emit_mem_to_mem(uint32_t *cs, uint32_t flags, uint64_t dst, uint64_t src)
{
   cs[0] = pm4_pkt7_hdr(PM4_CP_MEM_TO_MEM, 5);
   cs[1] = flags;
   cs[2] = (uint32_t)dst;
   cs[3] = (uint32_t)(dst >> 32);
   cs[4] = (uint32_t)src;
   cs[5] = (uint32_t)(src >> 32);
   return PM4_MEM_TO_MEM_DWORDS;
}


/* One register (type-4). */
static inline unsigned
pm4_emit_reg(uint32_t *cs, uint32_t reg, uint32_t val)
{
   return pm4_emit_reg_write(cs, reg, &val, 1);
}

/* A 64-bit address register pair (lo, hi). */
static inline unsigned
pm4_emit_reg64(uint32_t *cs, uint32_t reg, uint64_t val)
{
   const uint32_t v[2] = { (uint32_t)val, (uint32_t)(val >> 32) };
   return pm4_emit_reg_write(cs, reg, v, 2);
}

/* The 1-dword CP_EVENT_WRITE (no address): e.g. the BLIT event. */
static inline unsigned
pm4_emit_event(uint32_t *cs, uint32_t event)
{
   return pm4_emit_pkt7(cs, PM4_CP_EVENT_WRITE, &event, 1);
}

/* msmvirt marker: this much modelled GPU time, in nanoseconds. */
static inline unsigned
pm4_emit_delay(uint32_t *cs, uint64_t ns)
{
   const uint32_t payload[3] = {
      PM4_MSMD_MAGIC, (uint32_t)ns, (uint32_t)(ns >> 32),
   };
   return pm4_emit_nop(cs, payload, 3);
}

#endif
