/*
 * test_nc_fuzz.c - the host side of nativectx under garbage: the vg record
 * layer (nc_host_frame(), what a transport frame carries) with broken
 * records and sessions, and a seeded fuzz loop of ccmd batches (anchor and
 * extension commands, plain and extended contexts, the shmem scribbled on
 * between batches as a guest may).  Whatever arrives, a context is lost or
 * keeps working, nothing crashes, nothing leaks, and the other contexts are
 * untouched.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "msm_core.h"
#include "nc_host.h"
#include "nc_test_ctx.h"
#include "vg_wire.h"

struct env {
   struct msm_core *core;
   uint8_t *hostmem;
   struct nc_host_ctx *a, *b;
   struct nc_caps caps_a, caps_b;
};

static int
setup(void **state)
{
   static struct env e;
   struct msm_core_config cfg;
   struct msm_hostmem_info hm;

   memset(&e, 0, sizeof(e));
   msm_core_config_defaults(&cfg);
   if (msm_core_create(&cfg, &e.core))
      return -1;
   msm_core_hostmem(e.core, &hm);
   e.hostmem = hm.base;
   if (nc_host_ctx_create(e.core, 0, NULL, NULL, &e.a) ||
       nc_host_ctx_create(e.core, 0, NULL, NULL, &e.b))
      return -1;
   nc_host_ctx_caps(e.a, &e.caps_a);
   nc_host_ctx_caps(e.b, &e.caps_b);
   /* b: a plain (anchor) guest with mesa's 16 KiB shmem. */
   nc_make_shmem(e.b, &e.caps_b, 0, 16384);
   *state = &e;
   return 0;
}

static int
teardown(void **state)
{
   struct env *e = *state;
   struct msm_core_stats st;

   nc_host_ctx_destroy(e->a);
   nc_host_ctx_destroy(e->b);
   msm_core_get_stats(e->core, &st);
   assert_int_equal(st.contexts, 0);
   msm_core_destroy(e->core);
   return 0;
}

static uint32_t
add_rec(uint8_t *buf, uint32_t off, uint32_t type, uint32_t len)
{
   struct vg_rec_hdr *h = (void *)(buf + off);
   memset(h, 0, len);
   h->type = type;
   h->len = len;
   return off + len;
}

static void
test_vg_records(void **state)
{
   struct env *e = *state;
   struct nc_host_conn *c;
   struct vg_reply reply;
   uint64_t buf[512];
   uint8_t *p = (uint8_t *)buf;
   uint32_t n, rlen;

   assert_int_equal(nc_host_conn_create(e->core, NULL, &c), 0);

   /* Anything but CTX_CREATE on a session without a context. */
   n = add_rec(p, 0, VG_REC_EXECBUF, sizeof(struct vg_rec_execbuf));
   assert_int_equal(nc_host_frame(c, 1, p, n, &reply, &rlen), -ENOENT);
   assert_int_equal(reply.ret, -ENOENT);

   /* Make one; making it twice fails, and the first keeps working. */
   n = add_rec(p, 0, VG_REC_CTX_CREATE, sizeof(struct vg_rec_ctx_create));
   ((struct vg_rec_ctx_create *)p)->context_type = NC_CONTEXT_MSM;
   assert_int_equal(nc_host_frame(c, 1, p, n, &reply, &rlen), 0);
   assert_int_equal(rlen, sizeof(reply));
   assert_int_equal(reply.caps.capset.context_type, NC_CONTEXT_MSM);
   assert_int_equal(reply.caps.capset.wire_format_version, 2);
   assert_int_equal(nc_host_frame(c, 1, p, n, &reply, &rlen), -EEXIST);
   n = add_rec(p, 0, VG_REC_CTX_CREATE, sizeof(struct vg_rec_ctx_create));
   assert_int_equal(nc_host_frame(c, 2, p, n, &reply, &rlen), -EINVAL);

   /* Framing garbage: unknown type, short, unaligned, past the frame. */
   const uint32_t bad[][2] = { { 99, 8 }, { VG_REC_EXECBUF, 8 },
                               { VG_REC_EXECBUF, 26 }, { VG_REC_EXECBUF, 4096 } };
   for (unsigned i = 0; i < 4; i++) {
      uint32_t sid = 10 + i;
      n = add_rec(p, 0, VG_REC_CTX_CREATE, sizeof(struct vg_rec_ctx_create));
      ((struct vg_rec_ctx_create *)p)->context_type = NC_CONTEXT_MSM;
      assert_int_equal(nc_host_frame(c, sid, p, n, &reply, &rlen), 0);
      n = add_rec(p, 0, VG_REC_EXECBUF, sizeof(struct vg_rec_execbuf));
      struct vg_rec_hdr *h = (void *)p;
      h->type = bad[i][0];
      h->len = bad[i][1];
      assert_true(nc_host_frame(c, sid, p, n, &reply, &rlen) < 0);
      /* The context is lost; session 1's is not. */
      n = add_rec(p, 0, VG_REC_EXECBUF, sizeof(struct vg_rec_execbuf));
      assert_int_equal(nc_host_frame(c, sid, p, n, &reply, &rlen), -EIO);
   }
   n = add_rec(p, 0, VG_REC_EXECBUF, sizeof(struct vg_rec_execbuf));
   ((struct vg_rec_execbuf *)p)->flags = 0x80;
   assert_int_equal(nc_host_frame(c, 20, p, n, &reply, &rlen), -ENOENT);
   assert_int_equal(nc_host_frame(c, 1, p, sizeof(struct vg_rec_execbuf),
                                  &reply, &rlen), -EIO); /* bad flags */
   /* A blob whose cmd_len runs past its record. */
   n = add_rec(p, 0, VG_REC_CTX_CREATE, sizeof(struct vg_rec_ctx_create));
   ((struct vg_rec_ctx_create *)p)->context_type = NC_CONTEXT_MSM;
   assert_int_equal(nc_host_frame(c, 30, p, n, &reply, &rlen), 0);
   n = add_rec(p, 0, VG_REC_BLOB_CREATE, sizeof(struct vg_rec_blob_create));
   ((struct vg_rec_blob_create *)p)->cmd_len = 4096;
   assert_int_equal(nc_host_frame(c, 30, p, n, &reply, &rlen), -EIO);

   /* Destroy frees, and a destroyed session is unknown again. */
   n = add_rec(p, 0, VG_REC_CTX_DESTROY, sizeof(struct vg_rec_ctx_destroy));
   assert_int_equal(nc_host_frame(c, 30, p, n, &reply, &rlen), 0);
   assert_int_equal(nc_host_frame(c, 30, p, n, &reply, &rlen), -ENOENT);

   struct msm_core_stats st;
   msm_core_get_stats(e->core, &st);
   assert_int_equal(st.contexts, 2 + 1 + 4); /* a, b, session 1, 10..13 */
   nc_host_conn_destroy(c);
   msm_core_get_stats(e->core, &st);
   assert_int_equal(st.contexts, 2);
}

static uint32_t
rnd(uint64_t *s)
{
   *s ^= *s << 13;
   *s ^= *s >> 7;
   *s ^= *s << 17;
   return (uint32_t)*s;
}

/* Random requests with plausible headers (and sometimes none): whatever
 * they do, nothing crashes, nothing leaks, and B keeps working. */
static void
test_fuzz(void **state)
{
   struct env *e = *state;
   uint64_t seed = 0x9e3779b97f4a7c15ull;
   struct nc_host_ctx *c = NULL;
   struct nc_caps caps;
   uint32_t shmem_size = 0;
   unsigned lost = 0, made = 0, ran = 0;

   for (unsigned iter = 0; iter < 3000; iter++) {
      struct nc_batch b = { .len = 0 };

      if (!c) {
         /* Alternately a plain guest (mesa's shmem) and an extended one. */
         uint32_t ext = made++ % 2 ? NC_EXT_ALL : 0;
         shmem_size = ext ? NC_SHMEM_SIZE : 16384;
         assert_int_equal(nc_host_ctx_create(e->core, 0, NULL, NULL, &c), 0);
         nc_host_ctx_caps(c, &caps);
         nc_make_shmem(c, &caps, ext, shmem_size);
         nc_make_bo(c, &caps, 1, 1, 0);
         nc_make_bo(c, &caps, 2, 2, 1);
      }
      uint32_t rsp_size = nc_rsp_size(c, shmem_size);
      unsigned nreq = 1 + rnd(&seed) % 4;
      for (unsigned i = 0; i < nreq; i++) {
         /* Mostly commands the context may send (extension ones only
          * sometimes for a plain guest), and a few past either end. */
         uint32_t cmd = rnd(&seed) % (shmem_size == NC_SHMEM_SIZE ? 2 : 8)
            ? rnd(&seed) % (NC_CCMD_ANCHOR_END + 1)
            : NC_CCMD_EXT_BASE + rnd(&seed) % (NC_CCMD_COUNT -
                                               NC_CCMD_EXT_BASE + 2);
         uint32_t len = 16 + 4 * (rnd(&seed) % 48);
         uint32_t rsp = rnd(&seed) % 3 ? 4 * (rnd(&seed) % 64)
                                       : 4 * (rnd(&seed) % (rsp_size / 4 + 8));
         struct nc_ccmd_req *h = nc_batch_add(&b, cmd, len, rsp);
         uint32_t *w = (uint32_t *)(h + 1);
         for (uint32_t k = 0; k < (len - 16) / 4; k++) {
            uint32_t r = rnd(&seed);
            /* Small numbers hit real ids, sizes and flags more often. */
            w[k] = r % 4 == 0 ? r : r % 4 == 1 ? r % 8 : r % 4 == 2 ? 1u << (r % 32) : 0;
         }
         if (rnd(&seed) % 16 == 0)
            h->len = rnd(&seed) % 512; /* broken framing */
      }
      uint32_t len = b.len;
      if (rnd(&seed) % 16 == 0)
         len = rnd(&seed) % (b.len + 1);
      int ret = nc_host_ctx_execute(c, b.buf, len);
      assert_true(ret == 0 || ret == -EIO);
      ran += ret == 0;
      if (rnd(&seed) % 8 == 0)
         nc_host_ctx_blob_attach(c, rnd(&seed) % 4, rnd(&seed) % 4,
                            4096 << (rnd(&seed) % 3),
                            nc_bo_hm(&caps, rnd(&seed) % 4));
      if (rnd(&seed) % 4 == 0) {
         /* The guest owns its shmem: garbage anywhere in it. */
         uint8_t *shm = (uint8_t *)nc_host_ctx_shmem(c);
         for (unsigned k = 0; k < 16; k++) {
            uint32_t v = rnd(&seed);
            memcpy(shm + 4 * (rnd(&seed) % (shmem_size / 4)), &v, 4);
         }
      }
      if (rnd(&seed) % 8 == 0)
         nc_host_ctx_resource_unref(c, rnd(&seed) % 4);
      if (nc_host_ctx_lost(c)) {
         lost++;
         nc_host_ctx_destroy(c);
         c = NULL;
      }
   }
   if (c)
      nc_host_ctx_destroy(c);
   printf("# fuzz: 3000 batches, %u ran without losing the context, %u "
          "contexts lost\n", ran, lost);
   nc_prove_alive(e->hostmem, e->b, &e->caps_b, 100, 0xf00d);
   /* b is a plain guest: nothing of the extensions lives in its shmem. */
   uint8_t *shm = (uint8_t *)nc_host_ctx_shmem(e->b);
   uint8_t *state_p = (uint8_t *)nc_host_ctx_state(e->b);
   assert_true(state_p + sizeof(struct nc_shmem_state) <= shm ||
               state_p >= shm + 16384);
   assert_int_equal(nc_host_ctx_shmem(e->b)->rsp_mem_offset,
                    sizeof(struct nc_shmem));

   /* Everything the fuzzed contexts made is gone once their work is. */
   struct msm_core_stats st;
   msm_core_get_stats(e->core, &st);
   assert_int_equal(st.contexts, 2);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
   const struct CMUnitTest tests[] = {
      T(test_vg_records),
      T(test_fuzz),
   };
   return cmocka_run_group_tests_name("nativectx-fuzz", tests, NULL, NULL);
}
