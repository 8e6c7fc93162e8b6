/*
 * cp.c - the sim backend's command processor: walks a PM4 cmdstream the way
 * an a6xx CP would and performs the packets that have a visible effect in
 * memory (CP_MEM_WRITE, CP_EVENT_WRITE with a timestamp, CP_MEM_TO_MEM),
 * follows CP_INDIRECT_BUFFER, keeps the register file type-4 packets and
 * CP_SET_DRAW_STATE groups write, runs the blit engines that read it
 * (CP_EVENT_WRITE BLIT, CP_BLIT: blit.c), and skips everything else by its
 * count (counted in the coverage report, cp_coverage.c).
 *
 * The stream is untrusted guest data.  Every access goes through the memory
 * view's translate() for exactly the bytes touched, every dword is read once
 * (the guest may rewrite its BOs underneath us), and all iova arithmetic is
 * checked for wrap before translate() sees it.  Not modelled: shaders
 * and draws (a draw only applies its draw-state groups' register writes),
 * CP_REG_TO_MEM, the EVENT_WRITE TIMESTAMP bit (the packet's value is
 * written instead of a GPU clock), predication and conditional execution.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cp_priv.h"
#include "pm4.h"

/* One decoded packet: its payload lies inside an already fetched stream. */
struct cp_pkt {
   const uint32_t *p;   /* payload, count dwords */
   uint32_t count;
   uint64_t iova;       /* of the header, for fault reports */
   unsigned depth;      /* IB level of the stream holding it: 0 = top */
};

static int cp_run(struct cp_state *cp, uint64_t iova, uint32_t ndw,
                  unsigned depth);

/* Guest memory may change while we look at it: read and write each dword
 * exactly once so that a check and a use can never see different values. */
static inline uint32_t
rd32(const uint32_t *p)
{
   return *(const volatile uint32_t *)p;
}

static inline void
wr32(uint32_t *p, uint32_t v)
{
   *(volatile uint32_t *)p = v;
}

static inline uint64_t
rd_iova(const uint32_t *p)
{
   return rd32(&p[0]) | ((uint64_t)rd32(&p[1]) << 32);
}

int
cp_fault(struct cp_state *cp, enum cp_fault fault, uint64_t iova)
{
   cp->res->fault = fault;
   cp->res->fault_iova = iova;
   return -EFAULT;
}

/*
 * Host pointer for ndw (> 0) dwords at iova, or NULL.  An unaligned iova is
 * refused rather than rounded: the guest asked for something no a6xx
 * packet can express, and a misaligned host pointer would be UB to use.
 */
static uint32_t *
cp_map(struct cp_state *cp, uint64_t iova, uint32_t ndw, bool write)
{
   uint64_t len = (uint64_t)ndw * 4;
   void *ptr;

   if ((iova & 3) || len > UINT64_MAX - iova)
      return NULL;
   ptr = cp->mem->translate(cp->mem->data, iova, len, write);
   if ((uintptr_t)ptr & 3)
      return NULL;
   return ptr;
}

uint8_t *
cp_map_bytes(struct cp_state *cp, uint64_t iova, uint64_t len, bool write)
{
   if (len == 0 || len > UINT64_MAX - iova)
      return NULL;
   return cp->mem->translate(cp->mem->data, iova, len, write);
}

uint32_t
cp_reg(struct cp_state *cp, uint32_t reg)
{
   cp->cov->reg_reads[cp_cov_block(reg)]++;
   return cp->regs && reg < SIM6_NR_REGS ? cp->regs[reg] : 0;
}

/* A type-4 packet: count registers from reg on.  The file is allocated at
 * the first write; registers past it are counted and dropped. */
static int
cp_pkt4(struct cp_state *cp, uint32_t reg, const uint32_t *vals,
        uint32_t count)
{
   if (!cp->regs) {
      cp->regs = calloc(SIM6_NR_REGS, sizeof(*cp->regs));
      if (!cp->regs) {
         cp->cov->pkt4_faulted++;
         return cp_fault(cp, CP_FAULT_HANG, 0);
      }
   }
   for (uint32_t i = 0; i < count; i++) {
      uint32_t r = reg + i;
      cp->cov->reg_writes[cp_cov_block(r)]++;
      if (r < SIM6_NR_REGS)
         cp->regs[r] = rd32(&vals[i]);
   }
   cp->cov->pkt4++;
   return 0;
}

static int
cp_write(struct cp_state *cp, uint64_t iova, const uint32_t *vals,
         uint32_t n)
{
   uint32_t *dst;

   if (n == 0)
      return 0;
   dst = cp_map(cp, iova, n, true);
   if (!dst)
      return cp_fault(cp, CP_FAULT_WRITE, iova);
   for (uint32_t i = 0; i < n; i++)
      wr32(&dst[i], rd32(&vals[i]));
   cp->res->writes++;
   return 0;
}

static int
cp_nop(struct cp_state *cp, const struct cp_pkt *pkt)
{
   uint64_t ns;

   if (pkt->count < 3 || rd32(&pkt->p[0]) != PM4_MSMD_MAGIC)
      return 0;
   ns = rd_iova(&pkt->p[1]);
   /* Saturate: a guest asking for 2^64 ns gets "forever", not zero. */
   cp->res->delay_ns = ns > UINT64_MAX - cp->res->delay_ns ?
                       UINT64_MAX : cp->res->delay_ns + ns;
   if (cp->mem->delay && !cp->mem->delay(cp->mem->data, ns))
      return cp_fault(cp, CP_FAULT_HANG, 0);
   return 0;
}

/* Packets whose effect the sim has by construction (it executes in order,
 * so every wait is already satisfied). */
static int
cp_nothing_to_do(struct cp_state *cp, const struct cp_pkt *pkt)
{
   (void)cp;
   (void)pkt;
   return 0;
}

/* dwords 0/1: iova, then count - 2 dwords to store there. */
static int
cp_mem_write(struct cp_state *cp, const struct cp_pkt *pkt)
{
   return cp_write(cp, rd_iova(&pkt->p[0]), &pkt->p[2], pkt->count - 2);
}

/* dword 0: event; with the a6xx 4-dword form, dwords 1/2 are an iova that
 * receives dword 3 when the event completes (fences, queries).  The BLIT
 * event runs the GMEM blit engine on the registers set so far. */
static int
cp_event_write(struct cp_state *cp, const struct cp_pkt *pkt)
{
   uint32_t event = rd32(&pkt->p[0]) & PM4_EVENT_WRITE_EVENT_MASK;
   int ret = 0;

   if (event == SIM6_EVENT_BLIT) {
      ret = cp_blit_event(cp);
      if (ret < 0)
         return ret;
      if (ret == 0)
         cp->res->blits++;
   } else if (pkt->count < 4) {
      /* cache flushes, LRZ, CCU: nothing to model in a coherent memory */
      cp->cov->events_skipped++;
      return CP_SKIPPED;
   }
   if (pkt->count < 4)
      return ret;
   ret = cp_write(cp, rd_iova(&pkt->p[1]), &pkt->p[3], 1);
   return ret;
}

/* CP_REG_WRITE: dword 0 names a tracker, dword 1 the register, dword 2 the
 * value (mesa writes RB_RENDER_CNTL this way). */
static int
cp_reg_write(struct cp_state *cp, const struct cp_pkt *pkt)
{
   return cp_pkt4(cp, rd32(&pkt->p[1]) & 0x3ffff, &pkt->p[2], 1);
}

/* dword 0: the 2D engine's operation; what it does is in the registers. */
static int
cp_blit(struct cp_state *cp, const struct cp_pkt *pkt)
{
   int ret = cp_blit_2d(cp, rd32(&pkt->p[0]));

   if (ret == 0)
      cp->res->blits++;
   return ret;
}

/* dword 0: the render mode, which picks the draw-state groups that apply
 * (GMEM, SYSMEM/bypass, BINNING). */
static int
cp_set_marker(struct cp_state *cp, const struct cp_pkt *pkt)
{
   cp->render_mode = SIM6_MARKER_MODE(rd32(&pkt->p[0]));
   return 0;
}

/* Whether a draw-state group applies in the current render mode: groups
 * that name no mode apply in all of them. */
static bool
ds_applies(const struct cp_state *cp, uint32_t hdr)
{
   uint32_t modes = hdr & (SIM6_DS_BINNING | SIM6_DS_GMEM | SIM6_DS_SYSMEM);

   if (!modes)
      return true;
   switch (cp->render_mode) {
   case SIM6_RM6_BINNING: return modes & SIM6_DS_BINNING;
   case SIM6_RM6_GMEM:    return modes & SIM6_DS_GMEM;
   case SIM6_RM6_BYPASS:  return modes & SIM6_DS_SYSMEM;
   default:               return true;
   }
}

/* Execute a draw-state group: a register-writing stream, like an IB. */
static int
ds_run(struct cp_state *cp, const struct cp_draw_state *g, unsigned depth)
{
   if (depth + 1 > CP_MAX_IB_DEPTH)
      return cp_fault(cp, CP_FAULT_IB_DEPTH, g->iova);
   return cp_run(cp, g->iova, SIM6_DS_COUNT(g->hdr), depth + 1);
}

/*
 * Triplets {count|flags|group, addr lo, addr hi}: remember each group (the
 * CP applies them at the next draw), or run it now with LOAD_IMMED.
 * DISABLE_ALL_GROUPS forgets every group first; DISABLE or a zero count
 * forgets one.
 */
static int
cp_set_draw_state(struct cp_state *cp, const struct cp_pkt *pkt)
{
   for (uint32_t i = 0; i + 3 <= pkt->count; i += 3) {
      uint32_t hdr = rd32(&pkt->p[i]);
      struct cp_draw_state g = { hdr, rd_iova(&pkt->p[i + 1]) };
      int ret;

      if (hdr & SIM6_DS_DISABLE_ALL)
         memset(cp->draw_state, 0, sizeof(cp->draw_state));
      if ((hdr & SIM6_DS_DISABLE) || SIM6_DS_COUNT(hdr) == 0) {
         cp->draw_state[SIM6_DS_GROUP_ID(hdr)].hdr = 0;
         continue;
      }
      if (hdr & SIM6_DS_LOAD_IMMED) {
         ret = ds_run(cp, &g, pkt->depth);
         if (ret)
            return ret;
         continue;
      }
      cp->draw_state[SIM6_DS_GROUP_ID(hdr)] = g;
   }
   return 0;
}

/* A draw or dispatch: its pixels are not modelled, but the CP applies the
 * draw-state groups first, so what they write is in the register file for
 * the commands that follow. */
static int
cp_draw(struct cp_state *cp, const struct cp_pkt *pkt)
{
   for (unsigned id = 0; id < SIM6_DS_GROUPS; id++) {
      /* copy: a group may itself set draw state */
      struct cp_draw_state g = cp->draw_state[id];
      int ret;

      if (!g.hdr || !ds_applies(cp, g.hdr))
         continue;
      ret = ds_run(cp, &g, pkt->depth);
      if (ret)
         return ret;
   }
   return CP_SKIPPED;
}

/*
 * dword 0: flags; 1/2: dst; then pairs of src iovas.  dst receives the sum
 * of the sources, NEG_A/B/C negating the first three (how freedreno does
 * "result += end - start" for queries); one source is a plain copy.  All
 * sources are read before dst is written, so dst may alias a source.
 */
static int
cp_mem_to_mem(struct cp_state *cp, const struct cp_pkt *pkt)
{
   uint32_t flags = rd32(&pkt->p[0]);
   uint64_t dst = rd_iova(&pkt->p[1]);
   uint32_t width = (flags & PM4_MEM_TO_MEM_DOUBLE) ? 2 : 1;
   uint32_t nsrc = (pkt->count - 3) / 2;
   uint64_t sum = 0;
   uint32_t out[2];

   for (uint32_t i = 0; i < nsrc; i++) {
      uint64_t src = rd_iova(&pkt->p[3 + 2 * i]);
      const uint32_t *s = cp_map(cp, src, width, false);
      uint64_t v;

      if (!s)
         return cp_fault(cp, CP_FAULT_READ, src);
      v = rd32(&s[0]);
      if (width == 2)
         v |= (uint64_t)rd32(&s[1]) << 32;
      if (i < 3 && (flags & (PM4_MEM_TO_MEM_NEG_A << i)))
         sum -= v;
      else
         sum += v;
   }
   out[0] = (uint32_t)sum;
   out[1] = (uint32_t)(sum >> 32);
   return cp_write(cp, dst, out, width);
}

/* dwords 0/1: iova, 2: size in dwords (IB_SIZE, bits 0..19). */
static int
cp_indirect_buffer(struct cp_state *cp, const struct cp_pkt *pkt)
{
   uint64_t iova = rd_iova(&pkt->p[0]);
   uint32_t size = rd32(&pkt->p[2]) & PM4_IB_SIZE_MASK;

   if (pkt->depth + 1 > CP_MAX_IB_DEPTH)
      return cp_fault(cp, CP_FAULT_IB_DEPTH, iova);
   return cp_run(cp, iova, size, pkt->depth + 1);
}

/*
 * The type-7 packets we interpret, like virglrenderer's ccmd table: the
 * table checks the minimum count before a handler runs, so a handler may
 * read payload[0 .. min_count) unconditionally.  Opcodes without an entry
 * are skipped by their count, as the hardware would for a harmless packet.
 */
typedef int (*cp_handler)(struct cp_state *cp, const struct cp_pkt *pkt);

static const struct {
   const char *name;
   cp_handler handler;
   uint32_t min_count;
} cp_ops[128] = {
   [PM4_CP_NOP]             = { "CP_NOP", cp_nop, 0 },
   [PM4_CP_WAIT_MEM_WRITES] = { "CP_WAIT_MEM_WRITES", cp_nothing_to_do, 0 },
   [PM4_CP_WAIT_FOR_ME]     = { "CP_WAIT_FOR_ME", cp_nothing_to_do, 0 },
   [PM4_CP_WAIT_FOR_IDLE]   = { "CP_WAIT_FOR_IDLE", cp_nothing_to_do, 0 },
   [PM4_CP_MEM_WRITE]       = { "CP_MEM_WRITE", cp_mem_write, 2 },
   [PM4_CP_INDIRECT_BUFFER] = { "CP_INDIRECT_BUFFER", cp_indirect_buffer, 3 },
   [PM4_CP_EVENT_WRITE]     = { "CP_EVENT_WRITE", cp_event_write, 1 },
   [PM4_CP_MEM_TO_MEM]      = { "CP_MEM_TO_MEM", cp_mem_to_mem, 5 },
   [PM4_CP_BLIT]            = { "CP_BLIT", cp_blit, 1 },
   [PM4_CP_SET_MARKER]      = { "CP_SET_MARKER", cp_set_marker, 1 },
   [PM4_CP_REG_WRITE]       = { "CP_REG_WRITE", cp_reg_write, 3 },
   [PM4_CP_SET_DRAW_STATE]  = { "CP_SET_DRAW_STATE", cp_set_draw_state, 0 },
   [PM4_CP_DRAW_INDX_OFFSET] = { "CP_DRAW_INDX_OFFSET", cp_draw, 0 },
   [PM4_CP_DRAW_INDIRECT]   = { "CP_DRAW_INDIRECT", cp_draw, 0 },
   [PM4_CP_DRAW_INDX_INDIRECT] = { "CP_DRAW_INDX_INDIRECT", cp_draw, 0 },
   [PM4_CP_DRAW_INDIRECT_MULTI] = { "CP_DRAW_INDIRECT_MULTI", cp_draw, 0 },
   [PM4_CP_DRAW_AUTO]       = { "CP_DRAW_AUTO", cp_draw, 0 },
   [PM4_CP_EXEC_CS]         = { "CP_EXEC_CS", cp_draw, 0 },
   [PM4_CP_EXEC_CS_INDIRECT] = { "CP_EXEC_CS_INDIRECT", cp_draw, 0 },
};

/* Header checks as mesa's pkt_is_type7/pkt_is_type4: type nibble, zero
 * reserved bits, and an odd-parity bit over each field. */
static bool
pkt7_valid(uint32_t hdr)
{
   return (hdr >> 24) == 0x70 &&
          ((hdr >> 23) & 1) == pm4_odd_parity_bit((hdr >> 16) & 0x7f) &&
          ((hdr >> 15) & 1) == pm4_odd_parity_bit(hdr & 0x3fff);
}

static bool
pkt4_valid(uint32_t hdr)
{
   return (hdr >> 28) == 0x4 &&
          ((hdr >> 27) & 1) == pm4_odd_parity_bit((hdr >> 8) & 0x7ffff) &&
          ((hdr >> 7) & 1) == pm4_odd_parity_bit(hdr & 0x7f);
}

static int
cp_run(struct cp_state *cp, uint64_t iova, uint32_t ndw, unsigned depth)
{
   const uint32_t *buf;
   uint32_t i = 0;

   if (ndw == 0)
      return 0;
   if (ndw > CP_MAX_DWORDS - cp->res->dwords)
      return cp_fault(cp, CP_FAULT_HANG, iova);
   buf = cp_map(cp, iova, ndw, false);
   if (!buf)
      return cp_fault(cp, CP_FAULT_READ, iova);
   cp->res->dwords += ndw;

   while (i < ndw) {
      uint32_t hdr = rd32(&buf[i]);
      struct cp_pkt pkt = {
         .p = &buf[i + 1],
         .iova = iova + (uint64_t)i * 4, /* inside the mapped range */
         .depth = depth,
      };
      int ret = 0;

      if (hdr == 0 || hdr == PM4_TYPE2_PKT) {
         i++; /* filler */
         continue;
      }

      if (pkt7_valid(hdr))
         pkt.count = hdr & PM4_PKT7_MAX_COUNT; /* bit 14 ignored, as mesa */
      else if (pkt4_valid(hdr))
         pkt.count = hdr & PM4_PKT4_MAX_COUNT;
      else
         return cp_fault(cp, CP_FAULT_PACKET, pkt.iova);

      if (pkt.count > ndw - i - 1)
         return cp_fault(cp, CP_FAULT_PACKET, pkt.iova);

      if ((hdr >> 28) == 0x7) {
         uint32_t op = (hdr >> 16) & 0x7f;

         if (!cp_ops[op].handler) {
            ret = CP_SKIPPED;
         } else if (pkt.count < cp_ops[op].min_count) {
            ret = cp_fault(cp, CP_FAULT_PACKET, pkt.iova);
         } else {
            ret = cp_ops[op].handler(cp, &pkt);
         }
         if (ret < 0)
            cp->cov->faulted[op]++;
         else if (ret == CP_SKIPPED)
            cp->cov->skipped[op]++;
         else
            cp->cov->executed[op]++;
      } else {
         ret = cp_pkt4(cp, (hdr >> 8) & 0x3ffff, pkt.p, pkt.count);
      }
      if (ret < 0)
         return ret;
      cp->res->packets++;
      i += 1 + pkt.count;
   }
   return 0;
}

int
cp_exec(const struct cp_mem *mem, uint64_t iova, uint32_t ndwords,
        struct cp_result *res)
{
   struct cp_coverage cov = { .streams = 1 };
   struct cp_state cp = { .mem = mem, .res = res, .cov = &cov };
   int ret;

   memset(res, 0, sizeof(*res));
   ret = cp_run(&cp, iova, ndwords, 0);
   free(cp.regs);
   free(cp.gmem);
   if (mem->coverage)
      cp_coverage_add(mem->coverage, &cov);
   return ret;
}
