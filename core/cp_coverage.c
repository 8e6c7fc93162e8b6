/*
 * cp_coverage.c - the PM4 coverage report: how much of a command stream the
 * sim's CP executed, skipped (no model: a counted no-op) or faulted on, by
 * type-7 opcode and by a6xx register block.  One table of opcode names and
 * one of register blocks drive the counting (cp.c) and the text.
 */
#include <stdio.h>

#include "cp_priv.h"

/* a6xx type-7 opcode names (adreno_pm4.xml, the A6XX variant of each). */
static const char *const op_names[128] = {
   [0x10] = "CP_NOP", [0x11] = "CP_RECORD_PFP_TIMESTAMP",
   [0x12] = "CP_WAIT_MEM_WRITES", [0x13] = "CP_WAIT_FOR_ME",
   [0x14] = "CP_WAIT_MEM_GTE", [0x19] = "CP_DRAW_PRED_ENABLE_GLOBAL",
   [0x1a] = "CP_DRAW_PRED_ENABLE_LOCAL", [0x1c] = "CP_PREEMPT_ENABLE",
   [0x1d] = "CP_SKIP_IB2_ENABLE_GLOBAL", [0x1e] = "CP_PREEMPT_TOKEN",
   [0x21] = "CP_REG_RMW", [0x23] = "CP_SKIP_IB2_ENABLE_LOCAL",
   [0x24] = "CP_DRAW_AUTO", [0x26] = "CP_WAIT_FOR_IDLE",
   [0x28] = "CP_DRAW_INDIRECT", [0x29] = "CP_DRAW_INDX_INDIRECT",
   [0x2a] = "CP_DRAW_INDIRECT_MULTI", [0x2c] = "CP_BLIT",
   [0x2e] = "CP_SET_BIN_DATA5_OFFSET", [0x2f] = "CP_SET_BIN_DATA5",
   [0x32] = "CP_LOAD_STATE6_GEOM", [0x33] = "CP_EXEC_CS",
   [0x34] = "CP_LOAD_STATE6_FRAG", [0x35] = "CP_SET_SUBDRAW_SIZE",
   [0x36] = "CP_LOAD_STATE6", [0x37] = "CP_INDIRECT_BUFFER_PFD",
   [0x38] = "CP_DRAW_INDX_OFFSET", [0x39] = "CP_REG_TEST",
   [0x3a] = "CP_COND_INDIRECT_BUFFER_PFE", [0x3b] = "CP_INVALIDATE_STATE",
   [0x3c] = "CP_WAIT_REG_MEM", [0x3d] = "CP_MEM_WRITE",
   [0x3e] = "CP_REG_TO_MEM", [0x3f] = "CP_INDIRECT_BUFFER",
   [0x40] = "CP_INTERRUPT", [0x41] = "CP_EXEC_CS_INDIRECT",
   [0x42] = "CP_MEM_TO_REG", [0x43] = "CP_SET_DRAW_STATE",
   [0x44] = "CP_COND_EXEC", [0x45] = "CP_COND_WRITE5",
   [0x46] = "CP_EVENT_WRITE", [0x47] = "CP_COND_REG_EXEC",
   [0x48] = "CP_ME_INIT", [0x4a] = "CP_REG_TO_SCRATCH",
   [0x4b] = "CP_SET_DRAW_INIT_FLAGS", [0x4c] = "CP_SCRATCH_WRITE",
   [0x4d] = "CP_SCRATCH_TO_REG", [0x4e] = "CP_DRAW_PRED_SET",
   [0x4f] = "CP_MEM_WRITE_CNTR", [0x50] = "CP_START_BIN",
   [0x51] = "CP_END_BIN", [0x52] = "CP_WAIT_REG_EQ",
   [0x53] = "CP_SMMU_TABLE_UPDATE", [0x55] = "CP_SET_CTXSWITCH_IB",
   [0x56] = "CP_SET_PSEUDO_REG", [0x57] = "CP_INDIRECT_BUFFER_CHAIN",
   [0x58] = "CP_EVENT_WRITE_SHD", [0x59] = "CP_EVENT_WRITE_CFL",
   [0x5b] = "CP_EVENT_WRITE_ZPD", [0x5c] = "CP_CONTEXT_REG_BUNCH",
   [0x5d] = "CP_WAIT_IB_PFD_COMPLETE", [0x5e] = "CP_CONTEXT_UPDATE",
   [0x5f] = "CP_SET_PROTECTED_MODE", [0x62] = "CP_WHERE_AM_I",
   [0x63] = "CP_SET_MODE", [0x64] = "CP_SET_VISIBILITY_OVERRIDE",
   [0x65] = "CP_SET_MARKER", [0x66] = "CP_SET_SECURE_MODE",
   [0x6d] = "CP_REG_WRITE", [0x6f] = "CP_BOOTSTRAP_UCODE",
   [0x70] = "CP_WAIT_TWO_REGS", [0x71] = "CP_TEST_TWO_MEMS",
   [0x72] = "CP_REG_TO_MEM_OFFSET_REG", [0x73] = "CP_MEM_TO_MEM",
   [0x74] = "CP_REG_TO_MEM_OFFSET_MEM", [0x75] = "CP_MEMCPY",
   [0x78] = "CP_REG_WR_NO_CTXT",
};

const char *
cp_opcode_name(uint32_t op)
{
   return op < 128 ? op_names[op] : NULL;
}

/* a6xx register blocks by address range (a6xx.xml's layout), first match
 * wins; the last entry takes everything else. */
static const struct {
   const char *name;
   uint32_t first, last;
} blocks[CP_COV_BLOCKS] = {
   { "RBBM", 0x0000, 0x07ff },
   { "CP", 0x0800, 0x0bff },
   { "VSC", 0x0c00, 0x0dff },
   { "UCHE", 0x0e00, 0x0fff },
   { "GRAS", 0x8000, 0x83ff },
   { "GRAS_2D", 0x8400, 0x87ff },
   { "RB", 0x8800, 0x8bff },
   { "RB_2D", 0x8c00, 0x8dff },
   { "RB_CCU", 0x8e00, 0x8fff },
   { "VPC", 0x9000, 0x97ff },
   { "PC", 0x9800, 0x9fff },
   { "VFD", 0xa000, 0xa7ff },
   { "SP_2D", 0xacc0, 0xacff },
   { "SP", 0xa800, 0xafff },
   { "SP_PS_2D", 0xb4c0, 0xb4ff },
   { "TPL1/SP", 0xb000, 0xb7ff },
   { "HLSQ", 0xb800, 0xbfff },
   { "other", 0, UINT32_MAX },
};

static unsigned
nr_blocks(void)
{
   unsigned n = 0;
   while (n < CP_COV_BLOCKS && blocks[n].name)
      n++;
   return n;
}

unsigned
cp_cov_block(uint32_t reg)
{
   unsigned i = 0;

   while (i + 1 < CP_COV_BLOCKS && blocks[i + 1].name &&
          !(reg >= blocks[i].first && reg <= blocks[i].last))
      i++;
   return i;
}

void
cp_coverage_add(struct cp_coverage *dst, const struct cp_coverage *src)
{
   const uint64_t *s = (const uint64_t *)src;
   uint64_t *d = (uint64_t *)dst;

   /* every member is a uint64_t counter */
   for (size_t i = 0; i < sizeof(*src) / sizeof(uint64_t); i++)
      d[i] += s[i];
}

static const char *const blit_names[CP_COV_BLIT_KINDS] = {
   [CP_COV_GMEM_CLEAR] = "gmem_clear",
   [CP_COV_GMEM_RESTORE] = "gmem_restore",
   [CP_COV_GMEM_RESOLVE] = "gmem_resolve",
   [CP_COV_2D_FILL] = "2d_fill",
   [CP_COV_2D_COPY] = "2d_copy",
   [CP_COV_BLIT_UNSUPPORTED] = "unsupported",
};

#define EMIT(...) do { \
   int n_ = snprintf(buf + (len < cap ? len : cap), \
                     len < cap ? cap - len : 0, __VA_ARGS__); \
   if (n_ > 0) len += (size_t)n_; } while (0)

int
cp_coverage_format(const struct cp_coverage *cov, char *buf, size_t cap)
{
   uint64_t ex = 0, sk = 0, fa = 0;
   size_t len = 0;

   for (unsigned op = 0; op < 128; op++) {
      ex += cov->executed[op];
      sk += cov->skipped[op];
      fa += cov->faulted[op];
   }
   EMIT("pm4 coverage over %lu stream(s): type-7 packets executed=%lu "
        "skipped=%lu faulted=%lu; type-4 packets=%lu (faulted %lu)\n",
        (unsigned long)cov->streams, (unsigned long)ex, (unsigned long)sk,
        (unsigned long)fa, (unsigned long)cov->pkt4,
        (unsigned long)cov->pkt4_faulted);
   EMIT("opcode                         executed    skipped    faulted\n");
   for (unsigned op = 0; op < 128; op++) {
      char unnamed[16];
      const char *name = op_names[op];
      if (!cov->executed[op] && !cov->skipped[op] && !cov->faulted[op])
         continue;
      if (!name) {
         snprintf(unnamed, sizeof(unnamed), "opcode 0x%02x", op);
         name = unnamed;
      }
      EMIT("  %-28s %9lu  %9lu  %9lu\n", name,
           (unsigned long)cov->executed[op], (unsigned long)cov->skipped[op],
           (unsigned long)cov->faulted[op]);
   }
   EMIT("register block       written  read-by-model\n");
   for (unsigned b = 0; b < nr_blocks(); b++) {
      if (!cov->reg_writes[b] && !cov->reg_reads[b])
         continue;
      EMIT("  %-16s %9lu  %9lu\n", blocks[b].name,
           (unsigned long)cov->reg_writes[b], (unsigned long)cov->reg_reads[b]);
   }
   EMIT("blits:");
   for (unsigned k = 0; k < CP_COV_BLIT_KINDS; k++)
      EMIT(" %s=%lu", blit_names[k], (unsigned long)cov->blits[k]);
   EMIT("\nevents without a model (cache/CCU/LRZ flushes): %lu\n",
        (unsigned long)cov->events_skipped);
   return (int)len;
}
