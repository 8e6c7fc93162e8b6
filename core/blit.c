/*
 * blit.c - the a6xx blit engines as mesa 22.3's freedreno and turnip use
 * them, executed from the register file the stream wrote (cp.c):
 *
 *  - the event blit (CP_EVENT_WRITE BLIT) works on one bin in GMEM:
 *    RB_BLIT_INFO.GMEM with a CLEAR_MASK clears it to RB_BLIT_CLEAR_COLOR_DW*,
 *    GMEM without a mask restores it from memory, no GMEM resolves it to
 *    memory.  The bin is RB_BIN_CONTROL's size at RB_WINDOW_OFFSET, clipped
 *    by RB_BLIT_SCISSOR_TL/BR; RB_BLIT_BASE_GMEM is where the buffer starts
 *    in GMEM, RB_BLIT_DST/PITCH/DST_INFO the surface in memory.
 *  - the 2D engine (CP_BLIT) fills GRAS_2D_DST_TL/BR of RB_2D_DST with
 *    RB_2D_SRC_SOLID_C0..3, or copies (nearest-scaled) GRAS_2D_SRC_* of
 *    SP_PS_2D_SRC into it.
 *
 * Layouts: GMEM holds a bin row-major with a pitch of bin_w pixels; memory
 * surfaces are addressed linearly with their pitch whatever their tile mode,
 * and UBWC flag buffers are ignored.  Only the GPU reads and writes tiled and
 * UBWC surfaces (the CPU sees linear staging copies of them), so this model
 * is self-consistent where the hardware's would be opaque, and byte-exact
 * for the linear surfaces the CPU maps.  Formats: the ones mesa picks for
 * colour, depth/stencil and staging buffers up to 16 bytes per pixel, copied
 * without conversion; anything else is a counted no-op.
 *
 * Every surface range is checked against one BO through the iova map before
 * a byte moves, GMEM ranges against gmem_size, and all pixel traffic of a
 * cp_exec shares CP_MAX_BLIT_BYTES: register values come from the guest.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cp_priv.h"

struct fmt_desc {
   uint8_t fmt, cpp, nchan, chbits;
};

static const struct fmt_desc formats[] = {
   { SIM6_FMT_A8_UNORM, 1, 1, 8 },
   { SIM6_FMT_8_UNORM, 1, 1, 8 },
   { SIM6_FMT_8_UINT, 1, 1, 8 },
   { SIM6_FMT_8_8_UNORM, 2, 2, 8 },
   { SIM6_FMT_16_UNORM, 2, 1, 16 },
   { SIM6_FMT_16_FLOAT, 2, 1, 16 },
   { SIM6_FMT_8_8_8_8_UNORM, 4, 4, 8 },
   { SIM6_FMT_8_8_8_X8_UNORM, 4, 4, 8 },
   { SIM6_FMT_8_8_8_8_UINT, 4, 4, 8 },
   { SIM6_FMT_32_FLOAT, 4, 1, 32 },
   { SIM6_FMT_32_UINT, 4, 1, 32 },
   { SIM6_FMT_Z24_UNORM_S8_UINT, 4, 4, 8 },
   { SIM6_FMT_Z24_UNORM_S8_UINT_AS_R8G8B8A8, 4, 4, 8 },
   { SIM6_FMT_16_16_16_16_FLOAT, 8, 4, 16 },
   { SIM6_FMT_32_32_32_32_UINT, 16, 4, 32 },
};

#define MAX_CPP 16

static const struct fmt_desc *
fmt_lookup(uint32_t fmt)
{
   for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
      if (formats[i].fmt == fmt)
         return &formats[i];
   return NULL;
}

/* Byte k of a 4x8-bit pixel in memory holds component swap_map[swap][k]
 * (0 = x/red ... 3 = w/alpha); other layouts are not swapped. */
static const uint8_t swap_map[4][4] = {
   [SIM6_WZYX] = { 0, 1, 2, 3 },
   [SIM6_WXYZ] = { 2, 1, 0, 3 },
   [SIM6_ZYXW] = { 3, 0, 1, 2 },
   [SIM6_XYZW] = { 3, 2, 1, 0 },
};

/* Component order (GMEM / the 2D engine's internal order) -> memory. */
static void
px_store(uint8_t *dst, const uint8_t *px, const struct fmt_desc *f,
         unsigned swap)
{
   if (f->nchan == 4 && f->chbits == 8 && swap != SIM6_WZYX) {
      for (unsigned k = 0; k < 4; k++)
         dst[k] = px[swap_map[swap][k]];
   } else {
      memcpy(dst, px, f->cpp);
   }
}

/* Memory -> component order. */
static void
px_load(uint8_t *px, const uint8_t *src, const struct fmt_desc *f,
        unsigned swap)
{
   if (f->nchan == 4 && f->chbits == 8 && swap != SIM6_WZYX) {
      for (unsigned k = 0; k < 4; k++)
         px[swap_map[swap][k]] = src[k];
   } else {
      memcpy(px, src, f->cpp);
   }
}

/* A w x h pixel rectangle of a surface in memory. */
struct surf {
   uint64_t iova;      /* of pixel (0, 0) */
   uint64_t pitch;     /* bytes per row */
   uint32_t x0, y0, x1, y1; /* inclusive */
   const struct fmt_desc *fmt;
   uint8_t *host;      /* pixel (x0, y0), once mapped */
};

/* Charge bytes of pixel traffic; past the budget the GPU hangs. */
static int
charge(struct cp_state *cp, uint64_t bytes)
{
   if (bytes > CP_MAX_BLIT_BYTES - cp->blit_bytes)
      return cp_fault(cp, CP_FAULT_HANG, 0);
   cp->blit_bytes += bytes;
   return 0;
}

/* Check the rectangle and map it: one range inside one BO.  Overlapping
 * rows (a pitch below the row) describe no surface: a fault, as is a range
 * that wraps the address space or leaves the BO.  The pixels are charged
 * to the work budget once the range is known to be real memory. */
static int
surf_map(struct cp_state *cp, struct surf *s, bool write)
{
   uint64_t row = (uint64_t)(s->x1 - s->x0 + 1) * s->fmt->cpp;
   uint64_t start = (uint64_t)s->y0 * s->pitch + (uint64_t)s->x0 * s->fmt->cpp;
   uint64_t len = (uint64_t)(s->y1 - s->y0) * s->pitch + row;

   if (s->y1 > s->y0 && s->pitch < row)
      return cp_fault(cp, CP_FAULT_BLIT, s->iova);
   if (start > UINT64_MAX - s->iova)
      return cp_fault(cp, CP_FAULT_BLIT, s->iova);
   s->host = cp_map_bytes(cp, s->iova + start, len, write);
   if (!s->host)
      return cp_fault(cp, write ? CP_FAULT_WRITE : CP_FAULT_READ,
                      s->iova + start);
   return charge(cp, row * (s->y1 - s->y0 + 1));
}

static inline uint8_t *
surf_px(const struct surf *s, uint32_t x, uint32_t y)
{
   return s->host + (uint64_t)(y - s->y0) * s->pitch +
          (uint64_t)(x - s->x0) * s->fmt->cpp;
}

static int
unsupported(struct cp_state *cp)
{
   cp->cov->blits[CP_COV_BLIT_UNSUPPORTED]++;
   return CP_SKIPPED;
}

/* ---- the event blit: one bin of GMEM ---------------------------------- */

struct bin_rect {
   uint32_t wx, wy, bin_w;   /* bin origin in the framebuffer, GMEM pitch */
   uint32_t x0, y0, x1, y1;  /* framebuffer pixels to work on, inclusive */
   uint8_t *gmem;            /* pixel (x0, y0) in GMEM */
   const struct fmt_desc *fmt;
};

static inline uint8_t *
bin_px(const struct bin_rect *b, uint32_t x, uint32_t y)
{
   return b->gmem + ((uint64_t)(y - b->y0) * b->bin_w + (x - b->x0)) *
                    b->fmt->cpp;
}

/* The bin clipped by the blit scissor.  Returns 1 when nothing is left. */
static int
bin_setup(struct cp_state *cp, struct bin_rect *b)
{
   uint32_t binc = cp_reg(cp, SIM6_RB_BIN_CONTROL);
   uint32_t win = cp_reg(cp, SIM6_RB_WINDOW_OFFSET);
   uint32_t tl = cp_reg(cp, SIM6_RB_BLIT_SCISSOR_TL);
   uint32_t br = cp_reg(cp, SIM6_RB_BLIT_SCISSOR_BR);
   uint64_t base = SIM6_GMEM_BASE(cp_reg(cp, SIM6_RB_BLIT_BASE_GMEM));
   uint32_t bin_h = SIM6_BIN_H(binc);
   uint64_t first, end;

   b->bin_w = SIM6_BIN_W(binc);
   b->wx = SIM6_XY_X(win);
   b->wy = SIM6_XY_Y(win);
   b->x0 = SIM6_XY_X(tl) > b->wx ? SIM6_XY_X(tl) : b->wx;
   b->y0 = SIM6_XY_Y(tl) > b->wy ? SIM6_XY_Y(tl) : b->wy;
   b->x1 = SIM6_XY_X(br);
   b->y1 = SIM6_XY_Y(br);
   if (b->bin_w == 0 || bin_h == 0)
      return 1;
   if (b->x1 > b->wx + b->bin_w - 1)
      b->x1 = b->wx + b->bin_w - 1;
   if (b->y1 > b->wy + bin_h - 1)
      b->y1 = b->wy + bin_h - 1;
   if (b->x1 < b->x0 || b->y1 < b->y0)
      return 1;

   first = base + ((uint64_t)(b->y0 - b->wy) * b->bin_w + (b->x0 - b->wx)) *
                  b->fmt->cpp;
   end = base + ((uint64_t)(b->y1 - b->wy) * b->bin_w + (b->x1 - b->wx) + 1) *
                b->fmt->cpp;
   if (end > cp->mem->gmem_size)
      return cp_fault(cp, CP_FAULT_BLIT, base);
   if (!cp->gmem) {
      cp->gmem = calloc(1, cp->mem->gmem_size);
      if (!cp->gmem)
         return cp_fault(cp, CP_FAULT_HANG, 0);
   }
   b->gmem = cp->gmem + first;
   return 0;
}

/* Which bytes of a pixel a clear mask covers: per component for 4x8-bit
 * colour, depth (bytes 0..2) / stencil (byte 3) for Z24S8, else all. */
static void
clear_bytes(const struct fmt_desc *f, uint32_t info, uint8_t keep[MAX_CPP])
{
   unsigned mask = SIM6_BLIT_INFO_CLEAR_MASK(info);

   memset(keep, 1, MAX_CPP);
   if (f->fmt == SIM6_FMT_Z24_UNORM_S8_UINT && (info & SIM6_BLIT_INFO_DEPTH)) {
      for (unsigned k = 0; k < 4; k++)
         keep[k] = !(mask & (k < 3 ? 1 : 2));
   } else if (f->nchan == 4 && f->chbits == 8) {
      for (unsigned k = 0; k < 4; k++)
         keep[k] = !(mask & (1u << k));
   } else {
      memset(keep, 0, MAX_CPP);
   }
}

static int
gmem_clear(struct cp_state *cp, const struct bin_rect *b, uint32_t info)
{
   uint8_t color[MAX_CPP], keep[MAX_CPP];

   for (unsigned i = 0; i < 4; i++) {
      uint32_t dw = cp_reg(cp, SIM6_RB_BLIT_CLEAR_COLOR_DW0 + i);
      memcpy(&color[4 * i], &dw, 4); /* little-endian, as the GPU */
   }
   int ret = charge(cp, (uint64_t)(b->x1 - b->x0 + 1) * (b->y1 - b->y0 + 1) *
                        b->fmt->cpp);
   if (ret)
      return ret;
   clear_bytes(b->fmt, info, keep);
   for (uint32_t y = b->y0; y <= b->y1; y++)
      for (uint32_t x = b->x0; x <= b->x1; x++) {
         uint8_t *px = bin_px(b, x, y);
         for (unsigned k = 0; k < b->fmt->cpp; k++)
            if (!keep[k])
               px[k] = color[k];
      }
   cp->cov->blits[CP_COV_GMEM_CLEAR]++;
   return 0;
}

/* Restore (to_gmem) or resolve between the bin and the memory surface. */
static int
gmem_copy(struct cp_state *cp, const struct bin_rect *b, uint32_t dst_info,
          bool to_gmem)
{
   unsigned swap = SIM6_BLIT_DST_SWAP(dst_info);
   struct surf s = {
      .iova = cp_reg64(cp, SIM6_RB_BLIT_DST_LO),
      .pitch = SIM6_PITCH64(cp_reg(cp, SIM6_RB_BLIT_DST_PITCH)),
      .x0 = b->x0, .y0 = b->y0, .x1 = b->x1, .y1 = b->y1,
      .fmt = b->fmt,
   };
   int ret = surf_map(cp, &s, !to_gmem);

   if (ret)
      return ret;
   for (uint32_t y = b->y0; y <= b->y1; y++)
      for (uint32_t x = b->x0; x <= b->x1; x++) {
         if (to_gmem)
            px_load(bin_px(b, x, y), surf_px(&s, x, y), b->fmt, swap);
         else
            px_store(surf_px(&s, x, y), bin_px(b, x, y), b->fmt, swap);
      }
   cp->cov->blits[to_gmem ? CP_COV_GMEM_RESTORE : CP_COV_GMEM_RESOLVE]++;
   return 0;
}

int
cp_blit_event(struct cp_state *cp)
{
   uint32_t info = cp_reg(cp, SIM6_RB_BLIT_INFO);
   uint32_t dst_info = cp_reg(cp, SIM6_RB_BLIT_DST_INFO);
   struct bin_rect b = { .fmt = fmt_lookup(SIM6_BLIT_DST_FORMAT(dst_info)) };
   int ret;

   if (!b.fmt || SIM6_BLIT_DST_SAMPLES(dst_info))
      return unsupported(cp);
   ret = bin_setup(cp, &b);
   if (ret)
      return ret < 0 ? ret : 0; /* an empty rect is done, not skipped */
   if (!(info & SIM6_BLIT_INFO_GMEM))
      return gmem_copy(cp, &b, dst_info, false);
   if (SIM6_BLIT_INFO_CLEAR_MASK(info))
      return gmem_clear(cp, &b, info);
   return gmem_copy(cp, &b, dst_info, true);
}

/* ---- the 2D engine ----------------------------------------------------- */

/* The fill colour in the destination's component order: C0..C3 hold one
 * channel each, as wide as the ifmt says (ubytes for UNORM8). */
static bool
solid_color(struct cp_state *cp, const struct fmt_desc *f, unsigned ifmt,
            uint8_t px[MAX_CPP])
{
   unsigned bits;

   switch (ifmt) {
   case SIM6_R2D_UNORM8: case SIM6_R2D_UNORM8_SRGB: case SIM6_R2D_INT8:
      bits = 8; break;
   case SIM6_R2D_FLOAT16: case SIM6_R2D_INT16:
      bits = 16; break;
   case SIM6_R2D_FLOAT32: case SIM6_R2D_INT32:
      bits = 32; break;
   default:
      return false;
   }
   if (bits != f->chbits)
      return false;
   for (unsigned c = 0; c < f->nchan; c++) {
      uint32_t v = cp_reg(cp, SIM6_RB_2D_SRC_SOLID_C0 + c);
      memcpy(&px[c * bits / 8], &v, bits / 8); /* low bytes, little-endian */
   }
   return true;
}

/* The destination rectangle, clipped by the 2D scissor when enabled.
 * Returns 1 when it is empty. */
static int
dst_rect(struct cp_state *cp, uint32_t cntl, struct surf *d,
         uint32_t full[4])
{
   uint32_t tl = cp_reg(cp, SIM6_GRAS_2D_DST_TL);
   uint32_t br = cp_reg(cp, SIM6_GRAS_2D_DST_BR);

   full[0] = d->x0 = SIM6_XY_X(tl);
   full[1] = d->y0 = SIM6_XY_Y(tl);
   full[2] = d->x1 = SIM6_XY_X(br);
   full[3] = d->y1 = SIM6_XY_Y(br);
   if (cntl & SIM6_2D_SCISSOR) {
      uint32_t stl = cp_reg(cp, SIM6_GRAS_2D_RESOLVE_CNTL_1);
      uint32_t sbr = cp_reg(cp, SIM6_GRAS_2D_RESOLVE_CNTL_2);
      if (SIM6_XY_X(stl) > d->x0) d->x0 = SIM6_XY_X(stl);
      if (SIM6_XY_Y(stl) > d->y0) d->y0 = SIM6_XY_Y(stl);
      if (SIM6_XY_X(sbr) < d->x1) d->x1 = SIM6_XY_X(sbr);
      if (SIM6_XY_Y(sbr) < d->y1) d->y1 = SIM6_XY_Y(sbr);
   }
   return d->x1 < d->x0 || d->y1 < d->y0;
}

/* Source coordinate for destination coordinate d: nearest sample of the
 * source range [s0, s1] stretched over [d0, d1], clamped to the surface. */
static uint32_t
src_coord(int32_t s0, int32_t s1, uint32_t d0, uint32_t d1, uint32_t d,
          uint32_t size)
{
   int64_t sn = (int64_t)s1 - s0 + 1, dn = (int64_t)d1 - d0 + 1;
   int64_t s = s0;

   /* The sample under the centre of destination pixel d. */
   if (sn > 0 && dn > 0)
      s = s0 + (2 * (int64_t)(d - d0) + 1) * sn / (2 * dn);
   if (s < 0)
      s = 0;
   if (s > (int64_t)size - 1)
      s = size ? size - 1 : 0;
   return (uint32_t)s;
}

static int
blit_fill(struct cp_state *cp, uint32_t cntl, struct surf *d, unsigned swap)
{
   uint8_t color[MAX_CPP], px[MAX_CPP];

   if (!solid_color(cp, d->fmt, SIM6_2D_IFMT(cntl), color))
      return unsupported(cp);
   int ret = surf_map(cp, d, true);
   if (ret)
      return ret;
   px_store(px, color, d->fmt, swap);
   for (uint32_t y = d->y0; y <= d->y1; y++)
      for (uint32_t x = d->x0; x <= d->x1; x++)
         memcpy(surf_px(d, x, y), px, d->fmt->cpp);
   cp->cov->blits[CP_COV_2D_FILL]++;
   return 0;
}

static int
blit_copy(struct cp_state *cp, struct surf *d, unsigned dswap,
          const uint32_t full[4])
{
   uint32_t sinfo = cp_reg(cp, SIM6_SP_PS_2D_SRC_INFO);
   uint32_t size = cp_reg(cp, SIM6_SP_PS_2D_SRC_SIZE);
   int32_t sx0 = SIM6_SRC_COORD(cp_reg(cp, SIM6_GRAS_2D_SRC_TL_X));
   int32_t sx1 = SIM6_SRC_COORD(cp_reg(cp, SIM6_GRAS_2D_SRC_BR_X));
   int32_t sy0 = SIM6_SRC_COORD(cp_reg(cp, SIM6_GRAS_2D_SRC_TL_Y));
   int32_t sy1 = SIM6_SRC_COORD(cp_reg(cp, SIM6_GRAS_2D_SRC_BR_Y));
   uint32_t w = SIM6_SRC_SIZE_W(size), h = SIM6_SRC_SIZE_H(size);
   unsigned sswap = SIM6_SURF_SWAP(sinfo);
   struct surf s = {
      .iova = cp_reg64(cp, SIM6_SP_PS_2D_SRC_LO),
      .pitch = SIM6_SRC_PITCH(cp_reg(cp, SIM6_SP_PS_2D_SRC_PITCH)),
      .fmt = fmt_lookup(SIM6_SURF_FORMAT(sinfo)),
   };
   int ret;

   if (!s.fmt || SIM6_SURF_SAMPLES(sinfo) || s.fmt->cpp != d->fmt->cpp ||
       s.fmt->nchan != d->fmt->nchan || s.fmt->chbits != d->fmt->chbits)
      return unsupported(cp); /* conversions and MSAA are not modelled */
   /* The mapping is monotonic: the corners bound the source footprint. */
   s.x0 = src_coord(sx0, sx1, full[0], full[2], d->x0, w);
   s.x1 = src_coord(sx0, sx1, full[0], full[2], d->x1, w);
   s.y0 = src_coord(sy0, sy1, full[1], full[3], d->y0, h);
   s.y1 = src_coord(sy0, sy1, full[1], full[3], d->y1, h);
   if (s.x1 < s.x0 || s.y1 < s.y0)
      return unsupported(cp); /* a negative-size source: mirroring */
   ret = surf_map(cp, &s, false);
   if (ret)
      return ret;
   ret = surf_map(cp, d, true);
   if (ret)
      return ret;
   for (uint32_t y = d->y0; y <= d->y1; y++) {
      uint32_t sy = src_coord(sy0, sy1, full[1], full[3], y, h);
      for (uint32_t x = d->x0; x <= d->x1; x++) {
         uint32_t sx = src_coord(sx0, sx1, full[0], full[2], x, w);
         uint8_t px[MAX_CPP];
         px_load(px, surf_px(&s, sx, sy), s.fmt, sswap);
         px_store(surf_px(d, x, y), px, d->fmt, dswap);
      }
   }
   cp->cov->blits[CP_COV_2D_COPY]++;
   return 0;
}

int
cp_blit_2d(struct cp_state *cp, uint32_t op)
{
   uint32_t cntl = cp_reg(cp, SIM6_RB_2D_BLIT_CNTL);
   uint32_t dinfo = cp_reg(cp, SIM6_RB_2D_DST_INFO);
   struct surf d = {
      .iova = cp_reg64(cp, SIM6_RB_2D_DST_LO),
      .pitch = SIM6_PITCH64(cp_reg(cp, SIM6_RB_2D_DST_PITCH)),
      .fmt = fmt_lookup(SIM6_SURF_FORMAT(dinfo)),
   };
   uint32_t full[4];

   /* mesa 22.3 only issues BLIT_OP_SCALE on a6xx; rotation is unused. */
   if (SIM6_BLIT_OP(op) != SIM6_BLIT_OP_SCALE || !d.fmt ||
       SIM6_2D_ROTATE(cntl))
      return unsupported(cp);
   if (dst_rect(cp, cntl, &d, full))
      return 0;
   if (cntl & SIM6_2D_SOLID_COLOR)
      return blit_fill(cp, cntl, &d, SIM6_SURF_SWAP(dinfo));
   return blit_copy(cp, &d, SIM6_SURF_SWAP(dinfo), full);
}
