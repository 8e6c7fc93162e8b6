/*
 * cp_priv.h - what the command processor (cp.c) shares with the engines it
 * drives (blit.c): the state of one cp_exec and the checked accessors.
 */
#ifndef MSMVIRT_CP_PRIV_H
#define MSMVIRT_CP_PRIV_H

#include "a6xx.h"
#include "cp.h"

/* A handler's answer when the packet has no model (a counted no-op). */
#define CP_SKIPPED 1

struct cp_draw_state {
   uint32_t hdr;   /* dword 0: count, mode and disable bits */
   uint64_t iova;
};

struct cp_state {
   const struct cp_mem *mem;
   struct cp_result *res;
   struct cp_coverage *cov;
   /* The register file PKT4 writes, SIM6_NR_REGS dwords, allocated at the
    * first register write (streams without one never pay for it). */
   uint32_t *regs;
   uint8_t *gmem;             /* mem->gmem_size bytes, at the first use */
   uint64_t blit_bytes;       /* pixel traffic so far (CP_MAX_BLIT_BYTES) */
   unsigned render_mode;      /* CP_SET_MARKER mode: picks draw-state groups */
   struct cp_draw_state draw_state[SIM6_DS_GROUPS];
};

int cp_fault(struct cp_state *cp, enum cp_fault fault, uint64_t iova);

/* Host pointer for len (> 0) bytes at iova inside one mapped BO, or NULL. */
uint8_t *cp_map_bytes(struct cp_state *cp, uint64_t iova, uint64_t len,
                      bool write);

/* A register as the stream set it (0 if never written); counted as a read
 * for the coverage report. */
uint32_t cp_reg(struct cp_state *cp, uint32_t reg);

static inline uint64_t
cp_reg64(struct cp_state *cp, uint32_t reg)
{
   return cp_reg(cp, reg) | ((uint64_t)cp_reg(cp, reg + 1) << 32);
}

/* The register block (cp_cov_block_names() index) reg belongs to. */
unsigned cp_cov_block(uint32_t reg);

/* blit.c: CP_EVENT_WRITE BLIT and CP_BLIT, from the register file.
 * Return 0 (done), CP_SKIPPED (not modelled, nothing touched) or -EFAULT. */
int cp_blit_event(struct cp_state *cp);
int cp_blit_2d(struct cp_state *cp, uint32_t op);

#endif
