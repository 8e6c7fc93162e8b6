/*
 * test_nc_anchor.c - what an unmodified mesa 22.3.6 guest sends, byte for
 * byte, through the host's record layer (nc_host_frame(): what a guest
 * kernel forwards): capset 6, blob 0 as the 16 KiB shmem without a cmd,
 * GEM_NEW in blob creates with blob_ids out of order, IOCTL_SIMPLE with
 * mesa's request and response sizes, SUBMITQUEUE_NEW through it, a
 * GEM_SUBMIT with a guest-chosen fence (the host adds FENCE_SN_IN) and
 * rsp_off left as garbage, WAIT_FENCE and GEM_CPU_PREP polled until done,
 * SUBMITQUEUE_QUERY, SET_NAME, UPLOAD, SET_DEBUGINFO, SET_IOVA 0 and the
 * teardown.  Every answer lands where mesa looks, async_error stays 0, and
 * the host ends with nothing.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "msm_core.h"
#include "nc_host.h"
#include "nc_test_ctx.h"
#include "pm4.h"
#include "vg_wire.h"

#define SHMEM 16384u
#define SESSION 5

/* The guest: mesa's counters and a guest kernel placing blobs. */
struct guest {
   struct msm_core *core;
   struct nc_host_conn *conn;
   uint8_t *hostmem;
   struct nc_caps caps;
   struct nc_shmem *shmem;
   uint8_t *rsp_mem;
   uint32_t seqno, next_rsp_off, next_res;
   uint64_t next_hm;
};

static int
frame(struct guest *g, const void *rec, uint32_t len)
{
   struct vg_reply reply;
   uint32_t rlen;
   int ret = nc_host_frame(g->conn, SESSION, rec, len, &reply, &rlen);
   if (!ret && ((const struct vg_rec_hdr *)rec)->type == VG_REC_CTX_CREATE)
      g->caps = reply.caps;
   return ret;
}

/* One EXECBUFFER with one ccmd (as mesa flushes a sync request). */
static int
execbuf(struct guest *g, void *req, uint32_t len, uint32_t ring_idx)
{
   uint8_t buf[4096] __attribute__((aligned(8)));
   struct vg_rec_execbuf *r = (void *)buf;

   assert_true(len % 4 == 0 && sizeof(*r) + len <= sizeof(buf));
   *r = (struct vg_rec_execbuf){
      .hdr = { .type = VG_REC_EXECBUF, .len = sizeof(*r) + len },
      .ring_idx = ring_idx,
   };
   ((struct nc_ccmd_req *)req)->seqno = ++g->seqno;
   memcpy(buf + sizeof(*r), req, len);
   return frame(g, buf, r->hdr.len);
}

/* virtio_alloc_rsp(): 8-aligned, wrapping, len prefilled by the guest. */
static struct nc_ccmd_rsp *
alloc_rsp(struct guest *g, struct nc_ccmd_req *req, uint32_t sz)
{
   uint32_t rsp_len = SHMEM - g->shmem->rsp_mem_offset;

   sz = NC_ALIGN8(sz);
   if (g->next_rsp_off + sz >= rsp_len)
      g->next_rsp_off = 0;
   req->rsp_off = g->next_rsp_off;
   g->next_rsp_off += sz;
   struct nc_ccmd_rsp *rsp = (void *)(g->rsp_mem + req->rsp_off);
   rsp->len = sz;
   rsp->ret = 0x5a5a5a5a; /* must be overwritten */
   return rsp;
}

/* virtio_simple_ioctl(). */
static int
simple_ioctl(struct guest *g, uint32_t cmd, void *arg)
{
   uint32_t size = _IOC_SIZE(cmd);
   uint8_t buf[64] __attribute__((aligned(8)));
   struct nc_ccmd_ioctl_simple_req *req = (void *)buf;
   uint32_t req_len = sizeof(*req) + size;
   uint32_t rsp_len = sizeof(struct nc_ccmd_ioctl_simple_rsp) +
                      ((cmd & IOC_OUT) ? size : 0);

   memset(buf, 0, sizeof(buf));
   req->hdr = (struct nc_ccmd_req){ .cmd = NC_CCMD_IOCTL_SIMPLE,
                                    .len = req_len };
   req->cmd = cmd;
   memcpy(req->payload, arg, size);
   struct nc_ccmd_ioctl_simple_rsp *rsp = (void *)alloc_rsp(g, &req->hdr,
                                                            rsp_len);
   assert_int_equal(execbuf(g, req, NC_ALIGN4(req_len), 0), 0);
   assert_int_equal(g->shmem->seqno, g->seqno);
   assert_int_equal(rsp->hdr.len, rsp_len);
   if (cmd & IOC_OUT)
      memcpy(arg, rsp->payload, size);
   return rsp->hdr.ret;
}

/* virtio_bo_new(): a blob create carrying GEM_NEW with the same blob_id. */
static uint32_t
bo_new(struct guest *g, uint32_t blob_id, uint64_t iova)
{
   struct {
      struct vg_rec_blob_create rec;
      struct nc_ccmd_gem_new_req req;
   } b = {
      .rec = { .hdr = { .type = VG_REC_BLOB_CREATE, .len = sizeof(b) },
               .res_id = ++g->next_res, .cmd_len = sizeof(b.req),
               .blob_id = blob_id, .size = 4096, .hm_offset = g->next_hm },
      .req = { .hdr = { .cmd = NC_CCMD_GEM_NEW, .len = sizeof(b.req),
                        .seqno = ++g->seqno },
               .iova = iova, .size = 4096, .flags = MSM_BO_WC,
               .blob_id = blob_id },
   };
   g->next_hm += 4096;
   assert_int_equal(frame(g, &b, sizeof(b)), 0);
   return b.rec.res_id;
}

static void
test_mesa_22_3_6_sequence(void **state)
{
   struct guest g = { .next_res = 100 };
   struct msm_core_config cfg;
   struct msm_hostmem_info hm;
   struct msm_core_stats st;

   (void)state;
   msm_core_config_defaults(&cfg);
   assert_int_equal(msm_core_create(&cfg, &g.core), 0);
   msm_core_hostmem(g.core, &hm);
   g.hostmem = hm.base;
   assert_int_equal(nc_host_conn_create(g.core, NULL, &g.conn), 0);

   /* CONTEXT_INIT + GET_CAPS(6): what freedreno checks before binding. */
   struct vg_rec_ctx_create cc = {
      .hdr = { .type = VG_REC_CTX_CREATE, .len = sizeof(cc) },
      .context_type = NC_CONTEXT_MSM,
   };
   assert_int_equal(frame(&g, &cc, sizeof(cc)), 0);
   const struct nc_capset *c = &g.caps.capset;
   assert_int_equal(c->wire_format_version, 2);
   assert_int_equal(c->context_type, 1);
   assert_int_equal(c->version_major, 1);
   assert_true(c->version_minor >= 4);
   assert_true(c->msm.va_size != 0);
   assert_int_equal(c->msm.gpu_id, 630);
   assert_int_equal(c->msm.gmem_size, 1024 * 1024);
   assert_int_equal(c->msm.priorities, 3);

   /* Blob 0: the shmem, no cmd; the host lays it out the anchor's way. */
   g.next_hm = g.caps.ext.arena_offset;
   struct vg_rec_blob_create shm = {
      .hdr = { .type = VG_REC_BLOB_CREATE, .len = sizeof(shm) },
      .res_id = ++g.next_res, .blob_id = 0, .size = SHMEM,
      .hm_offset = g.next_hm,
   };
   g.next_hm += SHMEM;
   assert_int_equal(frame(&g, &shm, sizeof(shm)), 0);
   g.shmem = (void *)(g.hostmem + shm.hm_offset);
   assert_int_equal(g.shmem->rsp_mem_offset, sizeof(struct nc_shmem));
   assert_int_equal(g.shmem->async_error, 0);
   g.rsp_mem = (uint8_t *)g.shmem + g.shmem->rsp_mem_offset;

   /* set_debuginfo(): comm and cmdline, padded to 4. */
   uint8_t dbg[64] __attribute__((aligned(8))) = { 0 };
   struct nc_ccmd_set_debuginfo_req *di = (void *)dbg;
   di->hdr = (struct nc_ccmd_req){ .cmd = NC_CCMD_SET_DEBUGINFO,
                                   .len = NC_ALIGN4(sizeof(*di) + 5 + 13) };
   di->comm_len = 5;
   di->cmdline_len = 13;
   memcpy(di->payload, "glesX", 5);
   memcpy(di->payload + 5, "glesX --frame", 13);
   assert_int_equal(execbuf(&g, di, di->hdr.len, 0), 0);

   /* GET_PARAM and SUBMITQUEUE_NEW through IOCTL_SIMPLE. */
   struct drm_msm_param p = { .pipe = MSM_PIPE_3D0, .param = MSM_PARAM_FAULTS };
   assert_int_equal(simple_ioctl(&g, DRM_IOCTL_MSM_GET_PARAM, &p), 0);
   assert_int_equal(p.value, 0);
   p.param = 0x7777; /* the kernel's errno comes back as ret */
   assert_int_equal(simple_ioctl(&g, DRM_IOCTL_MSM_GET_PARAM, &p), -EINVAL);
   struct drm_msm_submitqueue sq = { .prio = 1 };
   assert_int_equal(simple_ioctl(&g, DRM_IOCTL_MSM_SUBMITQUEUE_NEW, &sq), 0);
   assert_true(sq.id != 0);

   /* BOs, blob_ids out of order (mesa's counter is outside its lock). */
   uint64_t va = c->msm.va_start;
   uint32_t res_dst = bo_new(&g, 3, va + 0x3000);
   uint32_t res_cs = bo_new(&g, 1, va + 0x1000);
   uint32_t res_tmp = bo_new(&g, 2, va + 0x2000);
   uint64_t hm_cs = g.caps.ext.arena_offset + SHMEM + 4096;

   /* SET_NAME (5 bytes, padded) and a small UPLOAD (6 bytes, padded). */
   uint8_t nm[64] __attribute__((aligned(8))) = { 0 };
   struct nc_ccmd_gem_set_name_req *sn = (void *)nm;
   sn->hdr = (struct nc_ccmd_req){ .cmd = NC_CCMD_GEM_SET_NAME,
                                   .len = sizeof(*sn) + NC_ALIGN4(5) };
   sn->res_id = res_dst;
   sn->len = 5;
   memcpy(sn->payload, "dst00", 5);
   assert_int_equal(execbuf(&g, sn, sn->hdr.len, 0), 0);
   uint8_t up[64] __attribute__((aligned(8))) = { 0 };
   struct nc_ccmd_gem_upload_req *ul = (void *)up;
   ul->hdr = (struct nc_ccmd_req){ .cmd = NC_CCMD_GEM_UPLOAD,
                                   .len = sizeof(*ul) + NC_ALIGN4(6) };
   ul->res_id = res_tmp;
   ul->off = 100;
   ul->len = 6;
   memcpy(ul->payload, "upload", 6);
   assert_int_equal(execbuf(&g, ul, ul->hdr.len, 0), 0);
   assert_memory_equal(g.hostmem + g.caps.ext.arena_offset + SHMEM + 2 * 4096 +
                       100, "upload", 6);

   /* The submit: fence 1 is ours (FENCE_SN_IN is the host's job), the
    * arrays sit at offset 36, rsp_off is whatever was in the struct. */
   uint32_t cs[16], v = 0xa7c0;
   unsigned n = pm4_emit_delay(cs, 20 * 1000000ull);
   n += pm4_emit_mem_write(cs + n, va + 0x3000 + 8, &v, 1);
   memcpy(g.hostmem + hm_cs, cs, n * 4); /* mesa writes through its mmap */
   struct nc_batch b = { .len = 0 };
   uint32_t res[2] = { res_cs, res_dst };
   struct nc_ccmd_gem_submit_req *sub = nc_add_submit(&b, 1, 2, res, n);
   sub->queue_id = sq.id;
   sub->hdr.rsp_off = 0xdeadbeecu;
   assert_int_equal(execbuf(&g, sub, sub->hdr.len, sq.prio + 1), 0);

   /* WAIT_FENCE, polled the way 22.3.6 does (each poll a sync request). */
   unsigned polls = 0;
   int ret;
   do {
      uint8_t wb[32] __attribute__((aligned(8)));
      struct nc_ccmd_wait_fence_req *w = (void *)wb;
      *w = (struct nc_ccmd_wait_fence_req){
         .hdr = { .cmd = NC_CCMD_WAIT_FENCE, .len = sizeof(*w) },
         .queue_id = sq.id, .fence = 1,
      };
      struct nc_ccmd_rsp *rsp = alloc_rsp(&g, &w->hdr, sizeof(*rsp));
      assert_int_equal(execbuf(&g, w, sizeof(*w), 0), 0);
      assert_int_equal(rsp->len, sizeof(struct nc_ccmd_wait_fence_rsp));
      ret = rsp->ret;
      polls++;
      if (ret == -ETIMEDOUT)
         nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
   } while (ret == -ETIMEDOUT && polls < 5000);
   assert_int_equal(ret, 0);
   uint32_t got;
   memcpy(&got, g.hostmem + g.caps.ext.arena_offset + SHMEM + 8, 4);
   assert_int_equal(got, 0xa7c0);
   printf("# WAIT_FENCE polled %u times\n", polls);

   /* GEM_CPU_PREP on the now idle BO; SUBMITQUEUE_QUERY(FAULTS). */
   uint8_t pb[32] __attribute__((aligned(8)));
   struct nc_ccmd_gem_cpu_prep_req *cp = (void *)pb;
   *cp = (struct nc_ccmd_gem_cpu_prep_req){
      .hdr = { .cmd = NC_CCMD_GEM_CPU_PREP, .len = sizeof(*cp) },
      .res_id = res_dst, .op = MSM_PREP_READ,
   };
   struct nc_ccmd_rsp *cpr = alloc_rsp(&g, &cp->hdr, sizeof(*cpr));
   assert_int_equal(execbuf(&g, cp, sizeof(*cp), 0), 0);
   assert_int_equal(cpr->ret, 0);
   struct nc_ccmd_submitqueue_query_req *qq = (void *)pb;
   *qq = (struct nc_ccmd_submitqueue_query_req){
      .hdr = { .cmd = NC_CCMD_SUBMITQUEUE_QUERY, .len = sizeof(*qq) },
      .queue_id = sq.id, .param = MSM_SUBMITQUEUE_PARAM_FAULTS, .len = 4,
   };
   struct nc_ccmd_submitqueue_query_rsp *qr =
      (void *)alloc_rsp(&g, &qq->hdr, sizeof(*qr) + 4);
   assert_int_equal(execbuf(&g, qq, sizeof(*qq), 0), 0);
   assert_int_equal(qr->hdr.ret, 0);
   assert_int_equal(qr->hdr.len, sizeof(*qr) + 4);
   assert_int_equal(qr->out_len, 4);
   memcpy(&got, qr->payload, 4);
   assert_int_equal(got, 0);

   /* Teardown as mesa does it: release iovas, drop resources, close. */
   uint32_t all[3] = { res_cs, res_dst, res_tmp };
   for (int i = 0; i < 3; i++) {
      struct nc_ccmd_gem_set_iova_req si = {
         .hdr = { .cmd = NC_CCMD_GEM_SET_IOVA, .len = sizeof(si) },
         .iova = 0, .res_id = all[i],
      };
      assert_int_equal(execbuf(&g, &si, sizeof(si), 0), 0);
      struct vg_rec_resource_unref ur = {
         .hdr = { .type = VG_REC_RESOURCE_UNREF, .len = sizeof(ur) },
         .res_id = all[i],
      };
      assert_int_equal(frame(&g, &ur, sizeof(ur)), 0);
   }
   assert_int_equal(simple_ioctl(&g, DRM_IOCTL_MSM_SUBMITQUEUE_CLOSE, &sq.id),
                    0);
   assert_int_equal(g.shmem->async_error, 0);
   assert_int_equal(g.shmem->seqno, g.seqno);

   struct vg_rec_ctx_destroy cd = {
      .hdr = { .type = VG_REC_CTX_DESTROY, .len = sizeof(cd) },
   };
   assert_int_equal(frame(&g, &cd, sizeof(cd)), 0);
   msm_core_get_stats(g.core, &st);
   assert_int_equal(st.contexts, 0);
   assert_int_equal(st.bos, 0);
   nc_host_conn_destroy(g.conn);
   msm_core_destroy(g.core);
}

int
main(void)
{
   const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mesa_22_3_6_sequence),
   };
   return cmocka_run_group_tests_name("nativectx-anchor", tests, NULL, NULL);
}
