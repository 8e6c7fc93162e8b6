/*
 * test_sim_blit.c - the blit engines through the whole core: a GEM_SUBMIT
 * whose stream clears a bin in GMEM and resolves it into a BO lands in the
 * hostmem the guest maps; GMEM is the chip's gmem_size; a blit outside a BO
 * is a GPU fault (MSM_PARAM_FAULTS), not a host crash; the core's PM4
 * coverage report counts what ran.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "a6xx.h"
#include "core_fx.h"
#include "pm4.h"

#define W 64
#define H 16
#define PITCH (W * 4)
#define COLOR 0xff79cb1du /* r=29 g=203 b=121 a=255, as the GPU stores it */

/* One bin W x H at (0, 0): clear it at gmem_base, resolve it to dst_iova. */
static unsigned
emit_clear_resolve(uint32_t *cs, uint32_t gmem_base, uint64_t dst_iova)
{
   const uint32_t color[4] = { COLOR, 0, 0, 0 };
   unsigned n = 0;

   n += pm4_emit_reg(cs + n, SIM6_RB_BIN_CONTROL, (W >> 5) | ((H >> 4) << 8));
   n += pm4_emit_reg(cs + n, SIM6_RB_WINDOW_OFFSET, 0);
   n += pm4_emit_reg(cs + n, SIM6_RB_BLIT_SCISSOR_TL, 0);
   n += pm4_emit_reg(cs + n, SIM6_RB_BLIT_SCISSOR_BR, (W - 1) | ((H - 1) << 16));
   n += pm4_emit_reg(cs + n, SIM6_RB_BLIT_DST_INFO,
                     SIM6_FMT_8_8_8_8_UNORM << 7);
   n += pm4_emit_reg(cs + n, SIM6_RB_BLIT_BASE_GMEM, gmem_base);
   n += pm4_emit_reg(cs + n, SIM6_RB_BLIT_INFO, SIM6_BLIT_INFO_GMEM | (0xf << 4));
   n += pm4_emit_reg_write(cs + n, SIM6_RB_BLIT_CLEAR_COLOR_DW0, color, 4);
   n += pm4_emit_event(cs + n, SIM6_EVENT_BLIT);
   n += pm4_emit_reg(cs + n, SIM6_RB_BLIT_INFO, 0);
   n += pm4_emit_reg64(cs + n, SIM6_RB_BLIT_DST_LO, dst_iova);
   n += pm4_emit_reg(cs + n, SIM6_RB_BLIT_DST_PITCH, PITCH >> 6);
   n += pm4_emit_event(cs + n, SIM6_EVENT_BLIT);
   return n;
}

/* Submit the stream (with dst in the BO list) and wait for it. */
static void
submit_wait(struct fx *f, uint32_t dst, const uint32_t *cs, unsigned n)
{
   uint32_t cs_h = gem_new(f->ctx, 4096, MSM_BO_WC);
   struct drm_msm_gem_submit_bo bos[] = {
      { .flags = MSM_SUBMIT_BO_READ, .handle = cs_h },
      { .flags = MSM_SUBMIT_BO_WRITE, .handle = dst },
   };
   struct drm_msm_gem_submit_cmd cmd = {
      .type = MSM_SUBMIT_CMD_BUF, .submit_idx = 0, .size = n * 4,
   };
   struct drm_msm_gem_submit req = {
      .flags = MSM_PIPE_3D0, .nr_bos = 2, .nr_cmds = 1,
   };

   memcpy(f->hm + info(f->ctx, cs_h, MSM_INFO_GET_OFFSET), cs, n * 4);
   assert_int_equal(msm_ctx_gem_submit(f->ctx, &req, bos, &cmd), 0);
   assert_int_equal(wait_fence(f, 0, req.fence, 5000000000ll), 0);
   msm_ctx_gem_close(f->ctx, cs_h);
}

static uint64_t
faults(struct fx *f)
{
   struct drm_msm_param p = { .pipe = MSM_PIPE_3D0, .param = MSM_PARAM_FAULTS };
   assert_int_equal(msm_ctx_get_param(f->ctx, &p), 0);
   return p.value;
}

static void
test_clear_resolve_lands_in_hostmem(void **state)
{
   struct fx *f = *state;
   uint32_t dst = gem_new(f->ctx, PITCH * H, MSM_BO_WC), cs[64];
   const uint8_t *px = (const uint8_t *)f->hm +
                       info(f->ctx, dst, MSM_INFO_GET_OFFSET);
   char report[8192];

   submit_wait(f, dst, cs, emit_clear_resolve(cs, 0x4000,
               info(f->ctx, dst, MSM_INFO_GET_IOVA)));
   for (unsigned i = 0; i < PITCH * H; i += 4) {
      assert_int_equal(px[i], 29);
      assert_int_equal(px[i + 1], 203);
      assert_int_equal(px[i + 2], 121);
      assert_int_equal(px[i + 3], 255);
   }
   assert_int_equal(faults(f), 0);
   assert_true(msm_core_pm4_coverage(f->core, report, sizeof(report)) <
               (int)sizeof(report));
   assert_non_null(strstr(report, "gmem_clear=1 gmem_restore=0 gmem_resolve=1"));
   msm_ctx_gem_close(f->ctx, dst);
}

/* GMEM is the chip's: a bin at 512 KiB fits the a630's 1 MiB, not the
 * a618's 512 KiB, where it is a GPU fault and the BO stays untouched. */
static void
test_gmem_is_the_chips(void **state)
{
   (void)state;
   static const struct { const char *chip; uint64_t faults; } cases[] = {
      { "a630", 0 }, { "a618", 1 },
   };

   for (unsigned c = 0; c < 2; c++) {
      struct msm_core_config cfg = fx_config();
      struct fx f;
      uint32_t cs[64];

      cfg.chip = cases[c].chip;
      assert_int_equal(fx_open(&f, &cfg), 0);
      uint32_t dst = gem_new(f.ctx, PITCH * H, MSM_BO_WC);
      const uint8_t *px = (const uint8_t *)f.hm +
                          info(f.ctx, dst, MSM_INFO_GET_OFFSET);
      submit_wait(&f, dst, cs, emit_clear_resolve(cs, 512 * 1024,
                  info(f.ctx, dst, MSM_INFO_GET_IOVA)));
      assert_int_equal(faults(&f), cases[c].faults);
      assert_int_equal(px[0], cases[c].faults ? 0 : 29);
      msm_ctx_gem_close(f.ctx, dst);
      void *st = &f;
      teardown(&st);
   }
}

/* A resolve aimed past the end of a BO: a fault, never a write. */
static void
test_resolve_past_bo_faults(void **state)
{
   struct fx *f = *state;
   uint32_t dst = gem_new(f->ctx, 4096, MSM_BO_WC), cs[64];
   uint64_t iova = info(f->ctx, dst, MSM_INFO_GET_IOVA);
   const uint8_t *px = (const uint8_t *)f->hm +
                       info(f->ctx, dst, MSM_INFO_GET_OFFSET);

   /* 64 x 16 x 4 = 4 KiB from 256 bytes into a 4 KiB BO */
   submit_wait(f, dst, cs, emit_clear_resolve(cs, 0, iova + 256));
   assert_int_equal(faults(f), 1);
   for (unsigned i = 0; i < 4096; i++)
      assert_int_equal(px[i], 0);
   msm_ctx_gem_close(f->ctx, dst);
}

int
main(void)
{
   const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_clear_resolve_lands_in_hostmem,
                                      setup, teardown),
      cmocka_unit_test(test_gmem_is_the_chips),
      cmocka_unit_test_setup_teardown(test_resolve_past_bo_faults, setup,
                                      teardown),
   };
   return cmocka_run_group_tests(tests, NULL, NULL);
}
