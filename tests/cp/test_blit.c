/*
 * test_blit.c - the sim's a6xx blit engines (core/blit.c) driven through the
 * command processor (core/cp.c) by hand-built streams, the way mesa 22.3's
 * freedreno emits them: GMEM clears, restores and resolves per bin with the
 * event blit, 2D fills and copies with CP_BLIT, register state from
 * CP_SET_DRAW_STATE groups; and bad register values (addresses, pitches,
 * sizes, GMEM ranges) that must become GPU faults with nothing written.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/a6xx.h"
#include "core/cp.h"
#include "core/pm4.h"

#define RING_IOVA 0x0000000100000000ull
#define IB_IOVA   0x0000000100100000ull
#define SRC_IOVA  0x0000000100200000ull
#define DST_IOVA  0x0000000100400000ull
#define RO_IOVA   0x0000000100600000ull
#define UNMAPPED  0x0000000200000000ull

#define RING_DW   8192
#define SURF_SIZE (64 * 1024)
#define GUARD     256
#define CANARY    0xa5
#define GMEM_SIZE (64 * 1024)

struct env {
   struct cp_mem mem;
   struct cp_coverage cov;
   uint32_t ring[RING_DW], ib[RING_DW];
   uint8_t src[SURF_SIZE], ro[SURF_SIZE];
   uint8_t dst_guarded[GUARD + SURF_SIZE + GUARD]; /* dst between guards */
   uint8_t *dst;
   uint32_t *cs; /* where the next packet goes in ring */
};

static void *
translate(void *priv, uint64_t iova, uint64_t len, bool write)
{
   struct env *e = priv;
   const struct { uint64_t iova; void *host; uint64_t size; bool rw; } m[] = {
      { RING_IOVA, e->ring, sizeof(e->ring), true },
      { IB_IOVA, e->ib, sizeof(e->ib), true },
      { SRC_IOVA, e->src, SURF_SIZE, true },
      { DST_IOVA, e->dst, SURF_SIZE, true },
      { RO_IOVA, e->ro, SURF_SIZE, false },
   };

   assert_true(len > 0 && len <= UINT64_MAX - iova);
   for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
      if (iova < m[i].iova || iova - m[i].iova >= m[i].size ||
          len > m[i].size - (iova - m[i].iova))
         continue;
      return write && !m[i].rw ? NULL : (uint8_t *)m[i].host + (iova - m[i].iova);
   }
   return NULL;
}

static int
setup(void **state)
{
   struct env *e = calloc(1, sizeof(*e));

   assert_non_null(e);
   e->mem = (struct cp_mem){ .data = e, .translate = translate,
                             .gmem_size = GMEM_SIZE, .coverage = &e->cov };
   memset(e->dst_guarded, CANARY, sizeof(e->dst_guarded));
   e->dst = e->dst_guarded + GUARD;
   memset(e->dst, 0, SURF_SIZE);
   e->cs = e->ring;
   *state = e;
   return 0;
}

static int
teardown(void **state)
{
   struct env *e = *state;

   for (unsigned i = 0; i < GUARD; i++) {
      assert_int_equal(e->dst_guarded[i], CANARY);
      assert_int_equal(e->dst_guarded[GUARD + SURF_SIZE + i], CANARY);
   }
   free(e);
   return 0;
}

static int
run(struct env *e, struct cp_result *res)
{
   return cp_exec(&e->mem, RING_IOVA, (uint32_t)(e->cs - e->ring), res);
}

static void
reg(struct env *e, uint32_t r, uint32_t v)
{
   e->cs += pm4_emit_reg(e->cs, r, v);
}

static uint32_t
xy(uint32_t x, uint32_t y)
{
   return x | (y << 16);
}

static uint32_t
rgba(uint8_t r, uint8_t g, uint8_t b, uint8_t a)
{
   return r | (g << 8) | ((uint32_t)b << 16) | ((uint32_t)a << 24);
}

static uint32_t
px32(const uint8_t *base, uint32_t pitch, uint32_t x, uint32_t y)
{
   uint32_t v;
   memcpy(&v, base + (uint64_t)y * pitch + x * 4, 4);
   return v;
}

/* ---- the event blit, as fd6_gmem.c emits it ------------------------------ */

/* One bin: bin_w x bin_h at (wx, wy); scissor = the framebuffer. */
static void
emit_bin(struct env *e, uint32_t bin_w, uint32_t bin_h, uint32_t wx,
         uint32_t wy, uint32_t fb_w, uint32_t fb_h)
{
   reg(e, SIM6_RB_BIN_CONTROL, (bin_w >> 5) | ((bin_h >> 4) << 8));
   reg(e, SIM6_RB_WINDOW_OFFSET, xy(wx, wy));
   reg(e, SIM6_RB_BLIT_SCISSOR_TL, xy(0, 0));
   reg(e, SIM6_RB_BLIT_SCISSOR_BR, xy(fb_w - 1, fb_h - 1));
}

static uint32_t
dst_info(uint32_t fmt, uint32_t swap)
{
   return (fmt << 7) | (swap << 5);
}

static void
emit_gmem_clear(struct env *e, uint32_t gmem_base, uint32_t color)
{
   reg(e, SIM6_RB_BLIT_DST_INFO, dst_info(SIM6_FMT_8_8_8_8_UNORM, SIM6_WZYX));
   reg(e, SIM6_RB_BLIT_INFO, SIM6_BLIT_INFO_GMEM | (0xf << 4));
   reg(e, SIM6_RB_BLIT_BASE_GMEM, gmem_base);
   const uint32_t cc[4] = { color, 0, 0, 0 };
   e->cs += pm4_emit_reg_write(e->cs, SIM6_RB_BLIT_CLEAR_COLOR_DW0, cc, 4);
   e->cs += pm4_emit_event(e->cs, SIM6_EVENT_BLIT);
}

static void
emit_gmem_copy(struct env *e, bool restore, uint32_t gmem_base, uint64_t iova,
               uint32_t pitch, uint32_t swap)
{
   reg(e, SIM6_RB_BLIT_INFO, restore ? SIM6_BLIT_INFO_GMEM : 0);
   reg(e, SIM6_RB_BLIT_DST_INFO, dst_info(SIM6_FMT_8_8_8_8_UNORM, swap));
   e->cs += pm4_emit_reg64(e->cs, SIM6_RB_BLIT_DST_LO, iova);
   reg(e, SIM6_RB_BLIT_DST_PITCH, pitch >> 6);
   reg(e, SIM6_RB_BLIT_BASE_GMEM, gmem_base);
   e->cs += pm4_emit_event(e->cs, SIM6_EVENT_BLIT);
}

/* Clear a 64x32 bin in GMEM and resolve it: every pixel of the surface gets
 * the colour, nothing past the scissor is written. */
static void
test_gmem_clear_resolve(void **state)
{
   struct env *e = *state;
   struct cp_result res;
   const uint32_t pitch = 512, c = rgba(29, 203, 121, 255);

   emit_bin(e, 64, 32, 0, 0, 40, 20);
   emit_gmem_clear(e, 0x2000, c);
   emit_gmem_copy(e, false, 0x2000, DST_IOVA, pitch, SIM6_WZYX);
   assert_int_equal(run(e, &res), 0);
   assert_int_equal(res.blits, 2);
   for (uint32_t y = 0; y < 24; y++)
      for (uint32_t x = 0; x < 64; x++)
         assert_int_equal(px32(e->dst, pitch, x, y),
                          x < 40 && y < 20 ? c : 0);
   /* the bytes the CPU reads: R, G, B, A */
   assert_int_equal(e->dst[0], 29);
   assert_int_equal(e->dst[1], 203);
   assert_int_equal(e->dst[2], 121);
   assert_int_equal(e->dst[3], 255);
   assert_int_equal(e->cov.blits[CP_COV_GMEM_CLEAR], 1);
   assert_int_equal(e->cov.blits[CP_COV_GMEM_RESOLVE], 1);
}

/* Two bins side by side, each cleared to its own colour and resolved with
 * its window offset: the seam lands exactly at the bin edge. */
static void
test_resolve_window_offset(void **state)
{
   struct env *e = *state;
   struct cp_result res;
   const uint32_t pitch = 256, red = rgba(255, 0, 0, 255);
   const uint32_t blue = rgba(0, 0, 255, 255);

   for (uint32_t tile = 0; tile < 2; tile++) {
      emit_bin(e, 32, 16, 32 * tile, 0, 64, 16);
      emit_gmem_clear(e, 0, tile ? blue : red);
      emit_gmem_copy(e, false, 0, DST_IOVA, pitch, SIM6_WZYX);
   }
   assert_int_equal(run(e, &res), 0);
   for (uint32_t y = 0; y < 16; y++) {
      assert_int_equal(px32(e->dst, pitch, 0, y), red);
      assert_int_equal(px32(e->dst, pitch, 31, y), red);
      assert_int_equal(px32(e->dst, pitch, 32, y), blue);
      assert_int_equal(px32(e->dst, pitch, 63, y), blue);
   }
   assert_int_equal(px32(e->dst, pitch, 0, 16), 0);
}

/* Restore memory into GMEM, resolve it elsewhere: the bytes come back, and
 * a resolve with the XYZW swap reverses each pixel's bytes. */
static void
test_restore_and_swap(void **state)
{
   struct env *e = *state;
   struct cp_result res;
   const uint32_t pitch = 128;

   for (uint32_t i = 0; i < 32 * 128; i++)
      e->src[i] = (uint8_t)(i * 7 + 1);
   emit_bin(e, 32, 16, 0, 0, 32, 16);
   emit_gmem_copy(e, true, 0x1000, SRC_IOVA, pitch, SIM6_WZYX);
   emit_gmem_copy(e, false, 0x1000, DST_IOVA, pitch, SIM6_WZYX);
   emit_gmem_copy(e, false, 0x1000, DST_IOVA + 16 * pitch, pitch, SIM6_XYZW);
   assert_int_equal(run(e, &res), 0);
   assert_memory_equal(e->dst, e->src, 16 * pitch);
   for (uint32_t i = 0; i < 16 * pitch; i += 4)
      for (uint32_t k = 0; k < 4; k++)
         assert_int_equal(e->dst[16 * pitch + i + k], e->src[i + 3 - k]);
   assert_int_equal(e->cov.blits[CP_COV_GMEM_RESTORE], 1);
}

/* A clear mask of red and alpha leaves green and blue as GMEM held them. */
static void
test_gmem_clear_mask(void **state)
{
   struct env *e = *state;
   struct cp_result res;

   emit_bin(e, 32, 16, 0, 0, 32, 16);
   emit_gmem_clear(e, 0, rgba(1, 2, 3, 4));
   reg(e, SIM6_RB_BLIT_INFO, SIM6_BLIT_INFO_GMEM | (0x9 << 4));
   reg(e, SIM6_RB_BLIT_CLEAR_COLOR_DW0, rgba(10, 20, 30, 40));
   e->cs += pm4_emit_event(e->cs, SIM6_EVENT_BLIT);
   emit_gmem_copy(e, false, 0, DST_IOVA, 128, SIM6_WZYX);
   assert_int_equal(run(e, &res), 0);
   assert_int_equal(px32(e->dst, 128, 5, 5), rgba(10, 2, 3, 40));
}

/* ---- the 2D engine, as fd6_blitter.c emits it --------------------------- */

static void
emit_2d_dst(struct env *e, uint64_t iova, uint32_t pitch, uint32_t swap,
            uint32_t x0, uint32_t y0, uint32_t x1, uint32_t y1)
{
   reg(e, SIM6_RB_2D_DST_INFO, SIM6_FMT_8_8_8_8_UNORM | (swap << 10));
   e->cs += pm4_emit_reg64(e->cs, SIM6_RB_2D_DST_LO, iova);
   reg(e, SIM6_RB_2D_DST_PITCH, pitch >> 6);
   reg(e, SIM6_GRAS_2D_DST_TL, xy(x0, y0));
   reg(e, SIM6_GRAS_2D_DST_BR, xy(x1, y1));
}

static void
emit_2d_cntl(struct env *e, bool solid, bool scissor)
{
   uint32_t cntl = (0xfu << 20) | (SIM6_FMT_8_8_8_8_UNORM << 8) |
                   ((uint32_t)SIM6_R2D_UNORM8 << 24) |
                   (solid ? SIM6_2D_SOLID_COLOR : 0) |
                   (scissor ? SIM6_2D_SCISSOR : 0);
   reg(e, SIM6_RB_2D_BLIT_CNTL, cntl);
}

static void
emit_cp_blit(struct env *e)
{
   const uint32_t op = SIM6_BLIT_OP_SCALE;
   e->cs += pm4_emit_pkt7(e->cs, PM4_CP_BLIT, &op, 1);
}

static void
emit_solid(struct env *e, uint8_t r, uint8_t g, uint8_t b, uint8_t a)
{
   const uint32_t c[4] = { r, g, b, a };
   e->cs += pm4_emit_reg_write(e->cs, SIM6_RB_2D_SRC_SOLID_C0, c, 4);
}

/* fd6_clear_surface: a rect filled, everything around it untouched; the
 * WXYZ swap (BGRA) stores blue first. */
static void
test_2d_fill(void **state)
{
   struct env *e = *state;
   struct cp_result res;
   const uint32_t pitch = 256;

   emit_solid(e, 29, 203, 121, 255);
   emit_2d_cntl(e, true, false);
   emit_2d_dst(e, DST_IOVA, pitch, SIM6_WZYX, 3, 2, 10, 6);
   emit_cp_blit(e);
   emit_2d_dst(e, DST_IOVA + 32 * pitch, pitch, SIM6_WXYZ, 0, 0, 0, 0);
   emit_cp_blit(e);
   assert_int_equal(run(e, &res), 0);
   assert_int_equal(res.blits, 2);
   for (uint32_t y = 0; y < 10; y++)
      for (uint32_t x = 0; x < 64; x++)
         assert_int_equal(px32(e->dst, pitch, x, y),
                          x >= 3 && x <= 10 && y >= 2 && y <= 6 ?
                          rgba(29, 203, 121, 255) : 0);
   assert_int_equal(px32(e->dst, pitch, 0, 32), rgba(121, 203, 29, 255));
   assert_int_equal(e->cov.blits[CP_COV_2D_FILL], 2);
}

static void
emit_2d_src(struct env *e, uint64_t iova, uint32_t pitch, uint32_t w,
            uint32_t h, int32_t x0, int32_t y0, int32_t x1, int32_t y1)
{
   const uint32_t info[5] = {
      SIM6_FMT_8_8_8_8_UNORM | 0x500000, w | (h << 15),
      (uint32_t)iova, (uint32_t)(iova >> 32), (pitch >> 6) << 9,
   };
   const uint32_t rect[4] = {
      (uint32_t)x0 << 8, (uint32_t)x1 << 8, (uint32_t)y0 << 8,
      (uint32_t)y1 << 8,
   };
   e->cs += pm4_emit_reg_write(e->cs, SIM6_SP_PS_2D_SRC_INFO, info, 5);
   e->cs += pm4_emit_reg_write(e->cs, SIM6_GRAS_2D_SRC_TL_X, rect, 4);
}

/* fd6_blit's texture copy (glReadPixels' staging copy): a rect between
 * surfaces of different pitches, byte for byte. */
static void
test_2d_copy_pitch(void **state)
{
   struct env *e = *state;
   struct cp_result res;
   const uint32_t spitch = 256, dpitch = 128;

   for (uint32_t i = 0; i < SURF_SIZE; i++)
      e->src[i] = (uint8_t)(i * 13 + i / 251);
   emit_2d_cntl(e, false, false);
   emit_2d_src(e, SRC_IOVA, spitch, 64, 64, 5, 7, 12, 10);
   emit_2d_dst(e, DST_IOVA, dpitch, SIM6_WZYX, 1, 2, 8, 5);
   emit_cp_blit(e);
   assert_int_equal(run(e, &res), 0);
   for (uint32_t y = 0; y < 8; y++)
      for (uint32_t x = 0; x < 32; x++) {
         uint32_t want = x >= 1 && x <= 8 && y >= 2 && y <= 5 ?
                         px32(e->src, spitch, x + 4, y + 5) : 0;
         assert_int_equal(px32(e->dst, dpitch, x, y), want);
      }
   assert_int_equal(e->cov.blits[CP_COV_2D_COPY], 1);
}

/* BLIT_OP_SCALE doubles a 2x2 source into 4x4 (nearest), and the 2D
 * scissor clips the destination. */
static void
test_2d_scale_scissor(void **state)
{
   struct env *e = *state;
   struct cp_result res;
   const uint32_t pitch = 64;

   for (uint32_t i = 0; i < 4; i++)
      memcpy(&e->src[(i / 2) * pitch + (i % 2) * 4],
             &(uint32_t){ rgba((uint8_t)(i + 1), 0, 0, 255) }, 4);
   emit_2d_cntl(e, false, true);
   reg(e, SIM6_GRAS_2D_RESOLVE_CNTL_1, xy(0, 0));
   reg(e, SIM6_GRAS_2D_RESOLVE_CNTL_2, xy(3, 2));
   emit_2d_src(e, SRC_IOVA, pitch, 2, 2, 0, 0, 1, 1);
   emit_2d_dst(e, DST_IOVA, pitch, SIM6_WZYX, 0, 0, 3, 3);
   emit_cp_blit(e);
   assert_int_equal(run(e, &res), 0);
   for (uint32_t y = 0; y < 4; y++)
      for (uint32_t x = 0; x < 4; x++)
         assert_int_equal(px32(e->dst, pitch, x, y),
                          y > 2 ? 0 : rgba((uint8_t)(1 + x / 2 + 2 * (y / 2)),
                                           0, 0, 255));
}

/* mesa puts no blit state in draw-state groups, but a stream may: a group
 * applied by a draw (or loaded at once) sets what CP_BLIT reads. */
static void
test_draw_state_groups(void **state)
{
   struct env *e = *state;
   struct cp_result res;
   uint32_t *g = e->ib;
   const uint32_t c[4] = { 7, 8, 9, 10 };
   uint32_t n = pm4_emit_reg_write(g, SIM6_RB_2D_SRC_SOLID_C0, c, 4);
   const uint32_t ds[3] = { n | (5u << 24), (uint32_t)IB_IOVA,
                            (uint32_t)(IB_IOVA >> 32) };
   const uint32_t draw[3] = { 0, 0, 0 };

   emit_solid(e, 1, 1, 1, 1);
   emit_2d_cntl(e, true, false);
   emit_2d_dst(e, DST_IOVA, 64, SIM6_WZYX, 0, 0, 0, 0);
   e->cs += pm4_emit_pkt7(e->cs, PM4_CP_SET_DRAW_STATE, ds, 3);
   emit_cp_blit(e); /* the group is not applied yet */
   emit_2d_dst(e, DST_IOVA, 64, SIM6_WZYX, 1, 0, 1, 0);
   e->cs += pm4_emit_pkt7(e->cs, PM4_CP_DRAW_INDX_OFFSET, draw, 3);
   emit_cp_blit(e);
   assert_int_equal(run(e, &res), 0);
   assert_int_equal(px32(e->dst, 64, 0, 0), rgba(1, 1, 1, 1));
   assert_int_equal(px32(e->dst, 64, 1, 0), rgba(7, 8, 9, 10));
   assert_int_equal(e->cov.skipped[PM4_CP_DRAW_INDX_OFFSET], 1);

   /* LOAD_IMMED applies at once; DISABLE_ALL_GROUPS forgets the group. */
   e->cs = e->ring;
   memset(e->dst, 0, 64);
   const uint32_t imm[3] = { ds[0] | SIM6_DS_LOAD_IMMED, ds[1], ds[2] };
   const uint32_t off[3] = { SIM6_DS_DISABLE_ALL, 0, 0 };
   emit_solid(e, 1, 1, 1, 0);
   /* CP_REG_WRITE {tracker, reg, value} is a register write too */
   const uint32_t rw[3] = { 0x1, SIM6_RB_2D_SRC_SOLID_C0 + 3, 1 };
   e->cs += pm4_emit_pkt7(e->cs, PM4_CP_REG_WRITE, rw, 3);
   emit_2d_cntl(e, true, false);
   emit_2d_dst(e, DST_IOVA, 64, SIM6_WZYX, 2, 0, 2, 0);
   emit_cp_blit(e);
   emit_2d_dst(e, DST_IOVA, 64, SIM6_WZYX, 0, 0, 0, 0);
   e->cs += pm4_emit_pkt7(e->cs, PM4_CP_SET_DRAW_STATE, imm, 3);
   emit_cp_blit(e);
   emit_solid(e, 2, 2, 2, 2);
   e->cs += pm4_emit_pkt7(e->cs, PM4_CP_SET_DRAW_STATE, ds, 3);
   e->cs += pm4_emit_pkt7(e->cs, PM4_CP_SET_DRAW_STATE, off, 3);
   e->cs += pm4_emit_pkt7(e->cs, PM4_CP_DRAW_INDX_OFFSET, draw, 3);
   emit_2d_dst(e, DST_IOVA, 64, SIM6_WZYX, 1, 0, 1, 0);
   emit_cp_blit(e);
   assert_int_equal(run(e, &res), 0);
   assert_int_equal(px32(e->dst, 64, 0, 0), rgba(7, 8, 9, 10));
   assert_int_equal(px32(e->dst, 64, 1, 0), rgba(2, 2, 2, 2));
   assert_int_equal(px32(e->dst, 64, 2, 0), rgba(1, 1, 1, 1));
}

/* A group whose stream draws again would apply itself forever: the IB
 * depth limit ends it as a fault. */
static void
test_draw_state_recursion(void **state)
{
   struct env *e = *state;
   struct cp_result res;
   const uint32_t draw[3] = { 0, 0, 0 };
   uint32_t n = pm4_emit_pkt7(e->ib, PM4_CP_DRAW_INDX_OFFSET, draw, 3);
   const uint32_t ds[3] = { n, (uint32_t)IB_IOVA, (uint32_t)(IB_IOVA >> 32) };

   e->cs += pm4_emit_pkt7(e->cs, PM4_CP_SET_DRAW_STATE, ds, 3);
   e->cs += pm4_emit_pkt7(e->cs, PM4_CP_DRAW_INDX_OFFSET, draw, 3);
   assert_int_equal(run(e, &res), -EFAULT);
   assert_int_equal(res.fault, CP_FAULT_IB_DEPTH);
   assert_int_equal(res.fault_iova, IB_IOVA);
}

/* ---- bad register values: GPU faults, nothing written ------------------- */

static void
expect_fault(struct env *e, enum cp_fault fault)
{
   struct cp_result res;

   assert_int_equal(run(e, &res), -EFAULT);
   assert_int_equal(res.fault, fault);
   assert_int_equal(res.blits, 0);
   for (uint32_t i = 0; i < SURF_SIZE; i++)
      assert_int_equal(e->dst[i], 0);
}

static void
test_fault_2d_unmapped(void **state)
{
   struct env *e = *state;

   emit_solid(e, 1, 2, 3, 4);
   emit_2d_cntl(e, true, false);
   emit_2d_dst(e, UNMAPPED, 256, SIM6_WZYX, 0, 0, 3, 3);
   emit_cp_blit(e);
   expect_fault(e, CP_FAULT_WRITE);
}

/* A rect that starts inside dst but runs past its end (a guest can program
 * 16k x 16k): refused before a byte moves; the guards stay intact. */
static void
test_fault_2d_past_bo(void **state)
{
   struct env *e = *state;

   emit_solid(e, 1, 2, 3, 4);
   emit_2d_cntl(e, true, false);
   emit_2d_dst(e, DST_IOVA, 0x10000, SIM6_WZYX, 0, 0, 0x3fff, 0x3fff);
   emit_cp_blit(e);
   expect_fault(e, CP_FAULT_WRITE);
   e->cs = e->ring; /* a new stream: a new register file */
   emit_solid(e, 1, 2, 3, 4);
   emit_2d_cntl(e, true, false);
   emit_2d_dst(e, DST_IOVA + SURF_SIZE - 256, 256, SIM6_WZYX, 0, 0, 63, 1);
   emit_cp_blit(e);
   expect_fault(e, CP_FAULT_WRITE);
}

static void
test_fault_2d_readonly_and_src(void **state)
{
   struct env *e = *state;

   emit_2d_cntl(e, false, false);
   emit_2d_src(e, SRC_IOVA, 256, 64, 64, 0, 0, 3, 3);
   emit_2d_dst(e, RO_IOVA, 256, SIM6_WZYX, 0, 0, 3, 3);
   emit_cp_blit(e);
   expect_fault(e, CP_FAULT_WRITE);
   e->cs = e->ring;
   emit_2d_cntl(e, false, false);
   emit_2d_src(e, UNMAPPED, 256, 64, 64, 0, 0, 3, 3);
   emit_2d_dst(e, DST_IOVA, 256, SIM6_WZYX, 0, 0, 3, 3);
   emit_cp_blit(e);
   expect_fault(e, CP_FAULT_READ);
}

/* Rows closer together than a row is long describe no surface. */
static void
test_fault_pitch(void **state)
{
   struct env *e = *state;

   emit_solid(e, 1, 2, 3, 4);
   emit_2d_cntl(e, true, false);
   emit_2d_dst(e, DST_IOVA, 64, SIM6_WZYX, 0, 0, 16, 3); /* 68 > 64 bytes */
   emit_cp_blit(e);
   expect_fault(e, CP_FAULT_BLIT);
   e->cs = e->ring;
   emit_solid(e, 1, 2, 3, 4);
   emit_2d_cntl(e, true, false);
   emit_2d_dst(e, DST_IOVA, 0, SIM6_WZYX, 0, 0, 0, 1);
   emit_cp_blit(e);
   expect_fault(e, CP_FAULT_BLIT);
}

/* A bin past the end of GMEM, or a chip without GMEM. */
static void
test_fault_gmem_range(void **state)
{
   struct env *e = *state;

   emit_bin(e, 64, 64, 0, 0, 64, 64); /* 16 KiB per buffer */
   emit_gmem_clear(e, GMEM_SIZE - 0x3000, rgba(1, 2, 3, 4));
   expect_fault(e, CP_FAULT_BLIT);
   e->cs = e->ring;
   e->mem.gmem_size = 0;
   emit_bin(e, 32, 16, 0, 0, 32, 16);
   emit_gmem_clear(e, 0, rgba(1, 2, 3, 4));
   expect_fault(e, CP_FAULT_BLIT);
}

static void
test_fault_resolve_unmapped(void **state)
{
   struct env *e = *state;

   emit_bin(e, 32, 16, 0, 0, 32, 16);
   emit_gmem_clear(e, 0, rgba(1, 2, 3, 4));
   emit_gmem_copy(e, false, 0, UNMAPPED, 128, SIM6_WZYX);
   struct cp_result res;
   assert_int_equal(run(e, &res), -EFAULT);
   assert_int_equal(res.fault, CP_FAULT_WRITE);
   assert_int_equal(res.blits, 1); /* the clear, before the fault */
   assert_int_equal(e->cov.faulted[PM4_CP_EVENT_WRITE], 1);
}

/* Many big blits of one real surface: the pixel budget of a submit ends
 * them as a hang instead of letting them run on. */
static void
test_blit_budget(void **state)
{
   struct env *e = *state;
   struct cp_result res;
   const uint32_t op = SIM6_BLIT_OP_SCALE, per_ib = 1000, calls = 5;
   uint32_t *ib = e->ib;

   for (uint32_t i = 0; i < per_ib; i++)
      ib += pm4_emit_pkt7(ib, PM4_CP_BLIT, &op, 1);
   emit_solid(e, 1, 2, 3, 4);
   emit_2d_cntl(e, true, false);
   emit_2d_dst(e, DST_IOVA, 256, SIM6_WZYX, 0, 0, 63, 255); /* all of dst */
   for (uint32_t i = 0; i < calls; i++)
      e->cs += pm4_emit_ib(e->cs, IB_IOVA, (uint32_t)(ib - e->ib));
   /* 5000 blits x 64 KiB > CP_MAX_BLIT_BYTES */
   assert_true((uint64_t)per_ib * calls * SURF_SIZE > CP_MAX_BLIT_BYTES);
   assert_int_equal(run(e, &res), -EFAULT);
   assert_int_equal(res.fault, CP_FAULT_HANG);
   assert_int_equal(res.blits, CP_MAX_BLIT_BYTES / SURF_SIZE);
}

/* Formats the model does not know are counted no-ops; unknown opcodes too;
 * the report names what ran. */
static void
test_unsupported_and_coverage(void **state)
{
   struct env *e = *state;
   struct cp_result res;
   char buf[4096];

   emit_solid(e, 1, 2, 3, 4);
   emit_2d_cntl(e, true, false);
   emit_2d_dst(e, DST_IOVA, 256, SIM6_WZYX, 0, 0, 3, 3);
   reg(e, SIM6_RB_2D_DST_INFO, 0x7e); /* not a format the model has */
   emit_cp_blit(e);
   e->cs += pm4_emit_pkt7(e->cs, 0x6f, NULL, 0); /* CP_BOOTSTRAP_UCODE */
   assert_int_equal(run(e, &res), 0);
   assert_int_equal(res.blits, 0);
   for (uint32_t i = 0; i < SURF_SIZE; i++)
      assert_int_equal(e->dst[i], 0);
   assert_int_equal(e->cov.blits[CP_COV_BLIT_UNSUPPORTED], 1);
   assert_int_equal(e->cov.skipped[PM4_CP_BLIT], 1);
   assert_int_equal(e->cov.skipped[0x6f], 1);
   assert_int_equal(e->cov.streams, 1);
   assert_true(e->cov.pkt4 >= 6);
   int full = cp_coverage_format(&e->cov, buf, sizeof(buf));
   assert_true(full < (int)sizeof(buf));
   assert_int_equal(full, (int)strlen(buf));
   assert_non_null(strstr(buf, "CP_BLIT"));
   assert_non_null(strstr(buf, "CP_BOOTSTRAP_UCODE"));
   assert_non_null(strstr(buf, "RB_2D "));
   assert_non_null(strstr(buf, "unsupported=1"));
   /* a truncated report still says how long the whole one is */
   assert_int_equal(cp_coverage_format(&e->cov, buf, 10), full);
   assert_int_equal(strlen(buf), 9);
}

/* Random register values a hostile guest could write, then a blit: every
 * run ends done, skipped or faulted, never touching memory outside the
 * surfaces (the guards) nor asking translate() for a wrapping range. */
static void
test_random_registers(void **state)
{
   struct env *e = *state;
   static const uint32_t regs[] = {
      SIM6_RB_BIN_CONTROL, SIM6_RB_WINDOW_OFFSET, SIM6_RB_BLIT_SCISSOR_TL,
      SIM6_RB_BLIT_SCISSOR_BR, SIM6_RB_BLIT_BASE_GMEM, SIM6_RB_BLIT_DST_INFO,
      SIM6_RB_BLIT_DST_LO, SIM6_RB_BLIT_DST_LO + 1, SIM6_RB_BLIT_DST_PITCH,
      SIM6_RB_BLIT_CLEAR_COLOR_DW0, SIM6_RB_BLIT_INFO,
      SIM6_GRAS_2D_SRC_TL_X, SIM6_GRAS_2D_SRC_BR_X, SIM6_GRAS_2D_SRC_TL_Y,
      SIM6_GRAS_2D_SRC_BR_Y, SIM6_GRAS_2D_DST_TL, SIM6_GRAS_2D_DST_BR,
      SIM6_GRAS_2D_RESOLVE_CNTL_1, SIM6_GRAS_2D_RESOLVE_CNTL_2,
      SIM6_RB_2D_BLIT_CNTL, SIM6_RB_2D_DST_INFO, SIM6_RB_2D_DST_LO,
      SIM6_RB_2D_DST_LO + 1, SIM6_RB_2D_DST_PITCH, SIM6_RB_2D_SRC_SOLID_C0,
      SIM6_SP_PS_2D_SRC_INFO, SIM6_SP_PS_2D_SRC_SIZE, SIM6_SP_PS_2D_SRC_LO,
      SIM6_SP_PS_2D_SRC_LO + 1, SIM6_SP_PS_2D_SRC_PITCH,
   };
   static const uint32_t fmts[] = {
      SIM6_FMT_8_UNORM, SIM6_FMT_8_8_8_8_UNORM, SIM6_FMT_32_UINT,
      SIM6_FMT_16_16_16_16_FLOAT, SIM6_FMT_32_32_32_32_UINT, 0x7e,
   };
   uint64_t seed = 0x9e3779b97f4a7c15ull;
   unsigned outcomes[3] = { 0 };

   for (unsigned iter = 0; iter < 3000; iter++) {
      struct cp_result res;

      e->cs = e->ring;
      for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
         seed = seed * 6364136223846793005ull + 1442695040888963407ull;
         uint32_t v = (uint32_t)(seed >> 32), pick = (uint32_t)(seed >> 8) & 7;
         /* half the values are plausible: small coordinates, real
          * addresses, known formats, so the checks past the first get
          * exercised too */
         if (pick < 4) {
            if (regs[i] == SIM6_RB_2D_DST_LO || regs[i] == SIM6_RB_BLIT_DST_LO ||
                regs[i] == SIM6_SP_PS_2D_SRC_LO)
               v = (uint32_t)((pick & 1 ? DST_IOVA : SRC_IOVA) + (v & 0xffff));
            else if (regs[i] == SIM6_RB_2D_DST_LO + 1 ||
                     regs[i] == SIM6_RB_BLIT_DST_LO + 1 ||
                     regs[i] == SIM6_SP_PS_2D_SRC_LO + 1)
               v = (uint32_t)(DST_IOVA >> 32);
            else if (regs[i] == SIM6_RB_2D_DST_INFO ||
                     regs[i] == SIM6_SP_PS_2D_SRC_INFO)
               v = fmts[v % 6] | (v & 0xc00);
            else if (regs[i] == SIM6_RB_BLIT_DST_INFO)
               v = (fmts[v % 6] << 7) | (v & 0x60);
            else
               v &= 0x003f00ff;
         }
         reg(e, regs[i], v);
      }
      if (iter & 1)
         emit_cp_blit(e);
      else
         e->cs += pm4_emit_event(e->cs, SIM6_EVENT_BLIT);
      int ret = run(e, &res);
      assert_true(ret == 0 || ret == -EFAULT);
      outcomes[ret ? 2 : res.blits ? 1 : 0]++;
   }
   /* the generator reaches every outcome */
   assert_true(outcomes[0] > 0 && outcomes[1] > 0 && outcomes[2] > 0);
}

int
main(void)
{
   const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
      T(test_gmem_clear_resolve),
      T(test_resolve_window_offset),
      T(test_restore_and_swap),
      T(test_gmem_clear_mask),
      T(test_2d_fill),
      T(test_2d_copy_pitch),
      T(test_2d_scale_scissor),
      T(test_draw_state_groups),
      T(test_draw_state_recursion),
      T(test_fault_2d_unmapped),
      T(test_fault_2d_past_bo),
      T(test_fault_2d_readonly_and_src),
      T(test_fault_pitch),
      T(test_fault_gmem_range),
      T(test_fault_resolve_unmapped),
      T(test_blit_budget),
      T(test_unsupported_and_coverage),
      T(test_random_registers),
#undef T
   };
   return cmocka_run_group_tests(tests, NULL, NULL);
}
