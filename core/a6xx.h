/*
 * a6xx.h - the few a6xx registers, fields and enums the sim's blit engines
 * read (core/blit.c), and the packet fields of CP_BLIT, CP_SET_DRAW_STATE
 * and the BLIT event.
 *
 * Facts from mesa 22.3.6's register database
 * (src/freedreno/registers/adreno/a6xx.xml, adreno_pm4.xml,
 * adreno_common.xml); the definitions are our own and cover only what the
 * model executes.  Prefix SIM6_ so this can sit next to mesa's generated
 * headers.  Field macros take a register value and give the field as the
 * hardware means it (pitches in bytes, coordinates in pixels).
 */
#ifndef MSMVIRT_A6XX_H
#define MSMVIRT_A6XX_H

#include <stdint.h>

/* PKT4 can address 2^18 registers; a6xx's live below 0xc000.  Writes above
 * are counted (coverage) but not kept. */
#define SIM6_NR_REGS               0xc000u

/* Bin (tile) size: the GMEM layout of one bin is bin_w x bin_h pixels. */
#define SIM6_RB_BIN_CONTROL        0x8800
#define SIM6_BIN_W(v)              (((v) & 0x3fu) << 5)          /* bits 0..5, x32 */
#define SIM6_BIN_H(v)              ((((v) >> 8) & 0x7fu) << 4)   /* bits 8..14, x16 */

/* Register type a6xx_reg_xy: X bits 0..13, Y bits 16..29. */
#define SIM6_XY_X(v)               ((v) & 0x3fffu)
#define SIM6_XY_Y(v)               (((v) >> 16) & 0x3fffu)

/* The event blit (CP_EVENT_WRITE BLIT): GMEM clear, restore and resolve. */
#define SIM6_RB_WINDOW_OFFSET      0x8890 /* xy: the bin's origin */
#define SIM6_RB_BLIT_SCISSOR_TL    0x88d1 /* xy, inclusive */
#define SIM6_RB_BLIT_SCISSOR_BR    0x88d2 /* xy, inclusive */
#define SIM6_RB_BLIT_BASE_GMEM     0x88d6 /* byte offset in GMEM, bits 12..31 */
#define SIM6_GMEM_BASE(v)          ((v) & 0xfffff000u)
#define SIM6_RB_BLIT_DST_INFO      0x88d7
#define SIM6_BLIT_DST_TILE(v)      ((v) & 0x3u)
#define SIM6_BLIT_DST_FLAGS        (1u << 2)
#define SIM6_BLIT_DST_SAMPLES(v)   (((v) >> 3) & 0x3u)
#define SIM6_BLIT_DST_SWAP(v)      (((v) >> 5) & 0x3u)
#define SIM6_BLIT_DST_FORMAT(v)    (((v) >> 7) & 0xffu)
#define SIM6_RB_BLIT_DST_LO        0x88d8 /* 64-bit, lo then hi */
#define SIM6_RB_BLIT_DST_PITCH     0x88da /* bits 0..15, in 64-byte units */
#define SIM6_PITCH64(v)            (((v) & 0xffffu) << 6)
#define SIM6_RB_BLIT_CLEAR_COLOR_DW0 0x88df /* .. DW3 at 0x88e2 */
#define SIM6_RB_BLIT_INFO          0x88e3
#define SIM6_BLIT_INFO_GMEM        (1u << 1) /* set: clear or restore GMEM */
#define SIM6_BLIT_INFO_DEPTH       (1u << 3)
#define SIM6_BLIT_INFO_CLEAR_MASK(v) (((v) >> 4) & 0xfu)

/* The 2D engine (CP_BLIT). */
#define SIM6_GRAS_2D_SRC_TL_X      0x8401 /* TL_X, BR_X, TL_Y, BR_Y */
#define SIM6_GRAS_2D_SRC_BR_X      0x8402
#define SIM6_GRAS_2D_SRC_TL_Y      0x8403
#define SIM6_GRAS_2D_SRC_BR_Y      0x8404
/* Source coordinates: a signed integer in bits 8..24 (the low byte is a
 * fraction mesa leaves 0). */
#define SIM6_SRC_COORD(v)          ((int32_t)((v) << 7) >> 15)
#define SIM6_GRAS_2D_DST_TL        0x8405 /* xy, inclusive */
#define SIM6_GRAS_2D_DST_BR        0x8406
#define SIM6_GRAS_2D_RESOLVE_CNTL_1 0x840a /* xy scissor TL, when SCISSOR */
#define SIM6_GRAS_2D_RESOLVE_CNTL_2 0x840b /* xy scissor BR */
#define SIM6_RB_2D_BLIT_CNTL       0x8c00
#define SIM6_2D_ROTATE(v)          ((v) & 0x7u)
#define SIM6_2D_SOLID_COLOR        (1u << 7)
#define SIM6_2D_SCISSOR            (1u << 16)
#define SIM6_2D_IFMT(v)            (((v) >> 24) & 0x1fu)
#define SIM6_RB_2D_DST_INFO        0x8c17 /* a6xx_2d_surf_info */
#define SIM6_RB_2D_DST_LO          0x8c18
#define SIM6_RB_2D_DST_PITCH       0x8c1a /* bits 0..15, in 64-byte units */
#define SIM6_RB_2D_SRC_SOLID_C0    0x8c2c /* .. C3 at 0x8c2f */
#define SIM6_SP_PS_2D_SRC_INFO     0xb4c0 /* a6xx_2d_surf_info */
#define SIM6_SP_PS_2D_SRC_SIZE     0xb4c1
#define SIM6_SRC_SIZE_W(v)         ((v) & 0x7fffu)
#define SIM6_SRC_SIZE_H(v)         (((v) >> 15) & 0x7fffu)
#define SIM6_SP_PS_2D_SRC_LO       0xb4c2
#define SIM6_SP_PS_2D_SRC_PITCH    0xb4c4 /* bits 9..23, in 64-byte units */
#define SIM6_SRC_PITCH(v)          ((((v) >> 9) & 0x7fffu) << 6)

/* a6xx_2d_surf_info */
#define SIM6_SURF_FORMAT(v)        ((v) & 0xffu)
#define SIM6_SURF_TILE(v)          (((v) >> 8) & 0x3u)
#define SIM6_SURF_SWAP(v)          (((v) >> 10) & 0x3u)
#define SIM6_SURF_FLAGS            (1u << 12)
#define SIM6_SURF_SAMPLES(v)       (((v) >> 14) & 0x3u)

/* a6xx_2d_ifmt: how RB_2D_SRC_SOLID_C* hold the fill colour. */
enum sim6_ifmt {
   SIM6_R2D_RAW = 0x0,
   SIM6_R2D_UNORM8_SRGB = 0x1,
   SIM6_R2D_FLOAT16 = 0x3,
   SIM6_R2D_FLOAT32 = 0x4,
   SIM6_R2D_INT8 = 0x5,
   SIM6_R2D_INT16 = 0x6,
   SIM6_R2D_INT32 = 0x7,
   SIM6_R2D_UNORM8 = 0x10,
};

/* a3xx_color_swap: which component lands in which byte of a 4x8-bit
 * pixel (the name reads from the most significant byte). */
enum sim6_swap { SIM6_WZYX = 0, SIM6_WXYZ = 1, SIM6_ZYXW = 2, SIM6_XYZW = 3 };

/* a6xx_format values the model knows (cpp and channel layout in blit.c). */
enum sim6_format {
   SIM6_FMT_A8_UNORM = 0x02,
   SIM6_FMT_8_UNORM = 0x03,
   SIM6_FMT_8_UINT = 0x05,
   SIM6_FMT_8_8_UNORM = 0x0f,
   SIM6_FMT_16_UNORM = 0x15,
   SIM6_FMT_16_FLOAT = 0x17,
   SIM6_FMT_8_8_8_8_UNORM = 0x30,
   SIM6_FMT_8_8_8_X8_UNORM = 0x31,
   SIM6_FMT_8_8_8_8_UINT = 0x33,
   SIM6_FMT_32_FLOAT = 0x4a,
   SIM6_FMT_32_UINT = 0x4b,
   SIM6_FMT_16_16_16_16_FLOAT = 0x62,
   SIM6_FMT_32_32_32_32_UINT = 0x83,
   SIM6_FMT_Z24_UNORM_S8_UINT = 0xa0,
   SIM6_FMT_Z24_UNORM_S8_UINT_AS_R8G8B8A8 = 0x91,
};

/* CP_EVENT_WRITE events the model reacts to (vgt_event_type). */
#define SIM6_EVENT_BLIT            0x1e

/* CP_BLIT dword 0: OP, bits 0..3 (cp_blit_cmd). */
#define SIM6_BLIT_OP(v)            ((v) & 0xfu)
#define SIM6_BLIT_OP_SCALE         3

/* CP_SET_DRAW_STATE: triplets {flags|count, addr_lo, addr_hi}. */
#define SIM6_DS_COUNT(v)           ((v) & 0xffffu)
#define SIM6_DS_DISABLE            (1u << 17)
#define SIM6_DS_DISABLE_ALL        (1u << 18)
#define SIM6_DS_LOAD_IMMED         (1u << 19)
#define SIM6_DS_BINNING            (1u << 20)
#define SIM6_DS_GMEM               (1u << 21)
#define SIM6_DS_SYSMEM             (1u << 22)
#define SIM6_DS_GROUP_ID(v)        (((v) >> 24) & 0x1fu)
#define SIM6_DS_GROUPS             32

/* CP_SET_MARKER dword 0: render mode in bits 0..3 (a6xx_marker). */
#define SIM6_MARKER_MODE(v)        ((v) & 0xfu)
#define SIM6_RM6_BYPASS            1
#define SIM6_RM6_BINNING           2
#define SIM6_RM6_GMEM              4

#endif
