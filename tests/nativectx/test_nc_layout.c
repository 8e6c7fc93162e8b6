/*
 * test_nc_layout.c - nc_proto.h against the anchor, byte for byte.
 *
 * Compiled by layout.sh at test time, with mesa 22.3.6's own
 * src/freedreno/drm/virtio/msm_proto.h and src/virtio/virtio-gpu/drm_hw.h
 * (from the source tools/build-mesa.sh fetched) next to our definitions:
 * every struct size, every field offset and every command number must be
 * the same, or an unmodified mesa guest would not be understood.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "drm_hw.h"
#include "msm_proto.h"
#include "nc_proto.h"

struct pair {
   const char *what;
   uint64_t ours, theirs;
};

#define SIZE(o, t) { "sizeof " #o, sizeof(struct o), sizeof(struct t) }
#define OFF(o, of, t, tf) \
   { #o "." #of, offsetof(struct o, of), offsetof(struct t, tf) }
#define FIELD(o, t, f) OFF(o, f, t, f)
#define WIDTH(o, of, t, tf) \
   { #o "." #of " width", sizeof(((struct o *)0)->of), \
     sizeof(((struct t *)0)->tf) }
#define CMD(n) { "NC_CCMD_" #n, NC_CCMD_##n, MSM_CCMD_##n }

static const struct pair pairs[] = {
   /* capset 6 */
   SIZE(nc_capset, virgl_renderer_capset_drm),
   FIELD(nc_capset, virgl_renderer_capset_drm, wire_format_version),
   FIELD(nc_capset, virgl_renderer_capset_drm, version_major),
   FIELD(nc_capset, virgl_renderer_capset_drm, version_minor),
   FIELD(nc_capset, virgl_renderer_capset_drm, version_patchlevel),
   FIELD(nc_capset, virgl_renderer_capset_drm, context_type),
   OFF(nc_capset, msm, virgl_renderer_capset_drm, u.msm),
   OFF(nc_capset, msm.has_cached_coherent, virgl_renderer_capset_drm,
       u.msm.has_cached_coherent),
   OFF(nc_capset, msm.priorities, virgl_renderer_capset_drm, u.msm.priorities),
   OFF(nc_capset, msm.va_start, virgl_renderer_capset_drm, u.msm.va_start),
   OFF(nc_capset, msm.va_size, virgl_renderer_capset_drm, u.msm.va_size),
   OFF(nc_capset, msm.gpu_id, virgl_renderer_capset_drm, u.msm.gpu_id),
   OFF(nc_capset, msm.gmem_size, virgl_renderer_capset_drm, u.msm.gmem_size),
   OFF(nc_capset, msm.gmem_base, virgl_renderer_capset_drm, u.msm.gmem_base),
   OFF(nc_capset, msm.chip_id, virgl_renderer_capset_drm, u.msm.chip_id),
   OFF(nc_capset, msm.max_freq, virgl_renderer_capset_drm, u.msm.max_freq),
   WIDTH(nc_capset, msm.va_size, virgl_renderer_capset_drm, u.msm.va_size),
   WIDTH(nc_capset, msm.max_freq, virgl_renderer_capset_drm, u.msm.max_freq),
   WIDTH(nc_capset, msm.chip_id, virgl_renderer_capset_drm, u.msm.chip_id),
   { "NC_CONTEXT_MSM", NC_CONTEXT_MSM, VIRTGPU_DRM_CONTEXT_MSM },

   /* shmem */
   SIZE(nc_shmem, msm_shmem),
   FIELD(nc_shmem, msm_shmem, seqno),
   FIELD(nc_shmem, msm_shmem, rsp_mem_offset),
   FIELD(nc_shmem, msm_shmem, async_error),

   /* command numbers */
   CMD(NOP), CMD(IOCTL_SIMPLE), CMD(GEM_NEW), CMD(GEM_SET_IOVA),
   CMD(GEM_CPU_PREP), CMD(GEM_SET_NAME), CMD(GEM_SUBMIT), CMD(GEM_UPLOAD),
   CMD(SUBMITQUEUE_QUERY), CMD(WAIT_FENCE), CMD(SET_DEBUGINFO),
   { "NC_CCMD_ANCHOR_END", NC_CCMD_ANCHOR_END, MSM_CCMD_LAST },

   /* headers */
   SIZE(nc_ccmd_req, msm_ccmd_req),
   FIELD(nc_ccmd_req, msm_ccmd_req, cmd),
   FIELD(nc_ccmd_req, msm_ccmd_req, len),
   FIELD(nc_ccmd_req, msm_ccmd_req, seqno),
   FIELD(nc_ccmd_req, msm_ccmd_req, rsp_off),
   OFF(nc_ccmd_rsp, len, msm_ccmd_rsp, len),
   /* Every anchor response has ret right after {len}: ours is one header. */
   OFF(nc_ccmd_rsp, ret, msm_ccmd_ioctl_simple_rsp, ret),
   OFF(nc_ccmd_rsp, ret, msm_ccmd_gem_cpu_prep_rsp, ret),
   OFF(nc_ccmd_rsp, ret, msm_ccmd_submitqueue_query_rsp, ret),
   OFF(nc_ccmd_rsp, ret, msm_ccmd_wait_fence_rsp, ret),

   SIZE(nc_ccmd_nop_req, msm_ccmd_nop_req),

   SIZE(nc_ccmd_ioctl_simple_req, msm_ccmd_ioctl_simple_req),
   FIELD(nc_ccmd_ioctl_simple_req, msm_ccmd_ioctl_simple_req, cmd),
   FIELD(nc_ccmd_ioctl_simple_req, msm_ccmd_ioctl_simple_req, payload),
   SIZE(nc_ccmd_ioctl_simple_rsp, msm_ccmd_ioctl_simple_rsp),
   FIELD(nc_ccmd_ioctl_simple_rsp, msm_ccmd_ioctl_simple_rsp, payload),

   SIZE(nc_ccmd_gem_new_req, msm_ccmd_gem_new_req),
   FIELD(nc_ccmd_gem_new_req, msm_ccmd_gem_new_req, iova),
   FIELD(nc_ccmd_gem_new_req, msm_ccmd_gem_new_req, size),
   FIELD(nc_ccmd_gem_new_req, msm_ccmd_gem_new_req, flags),
   FIELD(nc_ccmd_gem_new_req, msm_ccmd_gem_new_req, blob_id),

   SIZE(nc_ccmd_gem_set_iova_req, msm_ccmd_gem_set_iova_req),
   FIELD(nc_ccmd_gem_set_iova_req, msm_ccmd_gem_set_iova_req, iova),
   FIELD(nc_ccmd_gem_set_iova_req, msm_ccmd_gem_set_iova_req, res_id),

   SIZE(nc_ccmd_gem_cpu_prep_req, msm_ccmd_gem_cpu_prep_req),
   FIELD(nc_ccmd_gem_cpu_prep_req, msm_ccmd_gem_cpu_prep_req, res_id),
   FIELD(nc_ccmd_gem_cpu_prep_req, msm_ccmd_gem_cpu_prep_req, op),
   SIZE(nc_ccmd_gem_cpu_prep_rsp, msm_ccmd_gem_cpu_prep_rsp),

   SIZE(nc_ccmd_gem_set_name_req, msm_ccmd_gem_set_name_req),
   FIELD(nc_ccmd_gem_set_name_req, msm_ccmd_gem_set_name_req, res_id),
   FIELD(nc_ccmd_gem_set_name_req, msm_ccmd_gem_set_name_req, len),
   FIELD(nc_ccmd_gem_set_name_req, msm_ccmd_gem_set_name_req, payload),

   SIZE(nc_ccmd_gem_submit_req, msm_ccmd_gem_submit_req),
   FIELD(nc_ccmd_gem_submit_req, msm_ccmd_gem_submit_req, flags),
   FIELD(nc_ccmd_gem_submit_req, msm_ccmd_gem_submit_req, queue_id),
   FIELD(nc_ccmd_gem_submit_req, msm_ccmd_gem_submit_req, nr_bos),
   FIELD(nc_ccmd_gem_submit_req, msm_ccmd_gem_submit_req, nr_cmds),
   FIELD(nc_ccmd_gem_submit_req, msm_ccmd_gem_submit_req, fence),
   FIELD(nc_ccmd_gem_submit_req, msm_ccmd_gem_submit_req, payload),

   SIZE(nc_ccmd_gem_upload_req, msm_ccmd_gem_upload_req),
   FIELD(nc_ccmd_gem_upload_req, msm_ccmd_gem_upload_req, res_id),
   FIELD(nc_ccmd_gem_upload_req, msm_ccmd_gem_upload_req, pad),
   FIELD(nc_ccmd_gem_upload_req, msm_ccmd_gem_upload_req, off),
   FIELD(nc_ccmd_gem_upload_req, msm_ccmd_gem_upload_req, len),
   FIELD(nc_ccmd_gem_upload_req, msm_ccmd_gem_upload_req, payload),

   SIZE(nc_ccmd_submitqueue_query_req, msm_ccmd_submitqueue_query_req),
   FIELD(nc_ccmd_submitqueue_query_req, msm_ccmd_submitqueue_query_req,
         queue_id),
   FIELD(nc_ccmd_submitqueue_query_req, msm_ccmd_submitqueue_query_req, param),
   FIELD(nc_ccmd_submitqueue_query_req, msm_ccmd_submitqueue_query_req, len),
   SIZE(nc_ccmd_submitqueue_query_rsp, msm_ccmd_submitqueue_query_rsp),
   FIELD(nc_ccmd_submitqueue_query_rsp, msm_ccmd_submitqueue_query_rsp,
         out_len),
   FIELD(nc_ccmd_submitqueue_query_rsp, msm_ccmd_submitqueue_query_rsp,
         payload),

   SIZE(nc_ccmd_wait_fence_req, msm_ccmd_wait_fence_req),
   FIELD(nc_ccmd_wait_fence_req, msm_ccmd_wait_fence_req, queue_id),
   FIELD(nc_ccmd_wait_fence_req, msm_ccmd_wait_fence_req, fence),
   SIZE(nc_ccmd_wait_fence_rsp, msm_ccmd_wait_fence_rsp),

   SIZE(nc_ccmd_set_debuginfo_req, msm_ccmd_set_debuginfo_req),
   FIELD(nc_ccmd_set_debuginfo_req, msm_ccmd_set_debuginfo_req, comm_len),
   FIELD(nc_ccmd_set_debuginfo_req, msm_ccmd_set_debuginfo_req, cmdline_len),
   FIELD(nc_ccmd_set_debuginfo_req, msm_ccmd_set_debuginfo_req, payload),
};

static void
test_anchor_layout(void **state)
{
   unsigned bad = 0;

   (void)state;
   for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
      const struct pair *p = &pairs[i];
      if (p->ours != p->theirs) {
         printf("MISMATCH %s: ours %llu, mesa's %llu\n", p->what,
                (unsigned long long)p->ours, (unsigned long long)p->theirs);
         bad++;
      }
   }
   printf("%zu size/offset/number checks against mesa's headers, %u bad\n",
          sizeof(pairs) / sizeof(pairs[0]), bad);
   assert_int_equal(bad, 0);
}

/* The extensions live where an anchor guest never looks: past the anchor's
 * command numbers, and in shmem before rsp_mem_offset. */
static void
test_extensions_outside_anchor(void **state)
{
   (void)state;
   assert_true((int)NC_CCMD_EXT_BASE > (int)MSM_CCMD_LAST);
   assert_int_equal(nc_shmem_rsp_offset(0), sizeof(struct msm_shmem));
   for (size_t i = 0; i < sizeof(nc_shmem_areas) / sizeof(nc_shmem_areas[0]);
        i++) {
      const struct nc_shmem_area *a = &nc_shmem_areas[i];
      assert_true(a->offset >= sizeof(struct msm_shmem));
      assert_true(a->offset + a->size <= nc_shmem_rsp_offset(a->ext));
   }
   /* The extension block follows the anchor's 80 bytes. */
   assert_int_equal(offsetof(struct nc_caps, ext),
                    sizeof(struct virgl_renderer_capset_drm));
}

int
main(void)
{
   const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_anchor_layout),
      cmocka_unit_test(test_extensions_outside_anchor),
   };
   return cmocka_run_group_tests(tests, NULL, NULL);
}
