/*
 * test_nc_lifetime.c - nativectx object lifetimes and channels, end to end:
 * what a context owns on the host and when it goes (close, a killed guest
 * process), guest-side range reuse and zeroing, arena growth, purge, a
 * context the host lost, queue slot recycling, EXECBUFFER fences, and the
 * virtio-style channel (a stream plus a hostmem file).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "msm_core.h"
#include "nc_channel.h"
#include "nc_guest.h"
#include "nc_host.h"
#include "nc_test_ctx.h"
#include "pm4.h"
#include "vg.h"
#include "ws.h"

#define SEC 1000000000ll
#define MS 1000000ll

struct env {
   struct msm_core *core;
   struct nc_channel *ch;
   struct msm_core_stats base;
};

static int
setup(void **state)
{
   static struct env e;
   struct msm_core_config cfg;

   memset(&e, 0, sizeof(e));
   msm_core_config_defaults(&cfg);
   if (msm_core_create(&cfg, &e.core) ||
       nc_channel_loopback(e.core, NULL, &e.ch))
      return -1;
   msm_core_get_stats(e.core, &e.base);
   *state = &e;
   return 0;
}

static int
teardown(void **state)
{
   struct env *e = *state;
   nc_channel_close(e->ch);
   msm_core_destroy(e->core);
   return 0;
}

static struct ws_bo *
new_bo(struct ws_dev *dev, uint64_t size)
{
   struct ws_bo *bo = NULL;
   assert_int_equal(ws_bo_new(dev, size, MSM_BO_WC, &bo), 0);
   return bo;
}

/* Write value at target + off after delay_ns of GPU time; the fence. */
static uint32_t
write_value(struct ws_dev *dev, uint32_t queue, struct ws_bo *target,
            uint64_t off, uint32_t value, uint64_t delay_ns)
{
   struct ws_bo *cs = new_bo(dev, 4096);
   uint32_t buf[32];
   unsigned n = 0;

   if (delay_ns)
      n += pm4_emit_delay(buf + n, delay_ns);
   n += pm4_emit_mem_write(buf + n, target->iova + off, &value, 1);
   assert_int_equal(ws_bo_upload(cs, 0, buf, n * 4), 0);
   struct ws_submit_bo bos[] = { { cs, MSM_SUBMIT_BO_READ },
                                 { target, MSM_SUBMIT_BO_WRITE } };
   struct ws_submit_cmd cmd = { MSM_SUBMIT_CMD_BUF, 0, 0, n * 4 };
   struct ws_submit s = { queue, 0, 2, bos, 1, &cmd, 0 };
   assert_int_equal(ws_submit(dev, &s), 0);
   ws_bo_free(cs); /* busy: lives until retired */
   return s.fence;
}

static uint32_t
read32(struct ws_bo *bo, uint64_t off)
{
   void *p;
   uint32_t v;
   assert_int_equal(ws_bo_map(bo, &p), 0);
   memcpy(&v, (char *)p + off, 4);
   return v;
}

static bool
back_to(const struct msm_core_stats *st, void *arg)
{
   const struct msm_core_stats *base = arg;
   return st->contexts == base->contexts && st->bos == base->bos &&
          st->queues == base->queues && st->inflight == 0 &&
          st->hostmem_used == base->hostmem_used;
}

/* ---- what a context owns ------------------------------------------------ */

static void
test_leaks_and_close(void **state)
{
   struct env *e = *state;
   struct msm_core_stats st, opened;
   struct ws_dev *dev;
   struct ws_bo *bo[4];
   uint64_t v;
   uint32_t q;

   assert_int_equal(ws_nativectx_open_channel(e->ch, NULL, &dev), 0);
   /* The shmem (blob 0) goes with the first message: push it. */
   assert_int_equal(ws_get_param(dev, MSM_PARAM_TIMESTAMP, &v), 0);
   msm_core_get_stats(e->core, &opened);
   /* A context, its default queue, its first arena, and in it the shmem
    * (one object reserving its range); no BO. */
   assert_int_equal(opened.contexts, e->base.contexts + 1);
   assert_int_equal(opened.bos, e->base.bos + 1);
   assert_true(opened.hostmem_used > e->base.hostmem_used);

   assert_int_equal(ws_submitqueue_new(dev, 1, 0, &q), 0);
   for (int i = 0; i < 4; i++) {
      bo[i] = new_bo(dev, 8192 << i);
      uint32_t f = write_value(dev, i % 2 ? q : 0, bo[i], 0, i, 0);
      assert_int_equal(ws_fence_wait(dev, i % 2 ? q : 0, f, SEC), 0);
   }
   for (int i = 0; i < 4; i++)
      ws_bo_free(bo[i]);
   assert_int_equal(ws_submitqueue_close(dev, q), 0);
   /* Frees are async: one answered request proves the host ran them. */
   assert_int_equal(ws_get_param(dev, MSM_PARAM_TIMESTAMP, &v), 0);
   assert_true(nc_wait_stats(e->core, back_to, &opened, 2000, &st));

   /* Closing gives the arena back too. */
   ws_close(dev);
   assert_true(nc_wait_stats(e->core, back_to, &e->base, 2000, &st));
}

static void
test_close_with_work_in_flight(void **state)
{
   struct env *e = *state;
   struct msm_core_stats st;
   struct ws_dev *dev;

   assert_int_equal(ws_nativectx_open_channel(e->ch, NULL, &dev), 0);
   struct ws_bo *dst = new_bo(dev, 4096);
   write_value(dev, 0, dst, 0, 1, 50 * MS);
   ws_close(dev); /* a process exiting mid-frame; the BO never freed */
   assert_true(nc_wait_stats(e->core, back_to, &e->base, 3000, &st));
}

/* ---- guest-side ranges ---------------------------------------------------- */

static void
test_range_reuse_waits_for_fences(void **state)
{
   struct env *e = *state;
   struct ws_dev *dev;
   uint8_t *p;

   assert_int_equal(ws_nativectx_open_channel(e->ch, NULL, &dev), 0);
   struct ws_bo *busy = new_bo(dev, 65536);
   uint64_t busy_iova = busy->iova;
   assert_int_equal(ws_bo_map(busy, (void **)&p), 0);
   memset(p, 0xee, 65536);
   uint32_t f = write_value(dev, 0, busy, 0, 7, 100 * MS);
   ws_bo_free(busy);

   /* The GPU still uses the old iova: a new BO must not get it. */
   struct ws_bo *other = new_bo(dev, 65536);
   assert_true(other->iova != busy_iova);
   assert_int_equal(ws_fence_wait(dev, 0, f, 5 * SEC), 0);
   ws_bo_free(other);

   /* Retired: reusable, and zero whatever was there. */
   struct ws_bo *again = new_bo(dev, 65536);
   assert_int_equal(ws_bo_map(again, (void **)&p), 0);
   for (int i = 0; i < 65536; i += 4096)
      assert_int_equal(p[i], 0);
   uint32_t g = write_value(dev, 0, again, 8, 9, 0);
   assert_int_equal(ws_fence_wait(dev, 0, g, SEC), 0);
   assert_int_equal(read32(again, 8), 9);
   ws_bo_free(again);
   ws_close(dev);
}

static void
test_arena_growth(void **state)
{
   struct env *e = *state;
   struct nc_options opts = { .arena_size = 1 << 20 };
   struct ws_dev *dev;
   struct ws_bo *bo[6];
   struct ws_stats a, b;

   assert_int_equal(ws_nativectx_open_channel(e->ch, &opts, &dev), 0);
   ws_get_stats(dev, &a);
   for (int i = 0; i < 6; i++)
      bo[i] = new_bo(dev, 1 << 20);
   ws_get_stats(dev, &b);
   /* Rare by design: a handful of sync calls for 6 MiB from a 1 MiB start. */
   printf("# arena growth: %lu sync round trips for 6 x 1 MiB\n",
          (unsigned long)(b.sync_round_trips - a.sync_round_trips));
   assert_true(b.sync_round_trips - a.sync_round_trips >= 1);
   assert_true(b.sync_round_trips - a.sync_round_trips <= 4);
   uint32_t f = write_value(dev, 0, bo[5], (1 << 20) - 4, 0xa11, 0);
   assert_int_equal(ws_fence_wait(dev, 0, f, SEC), 0);
   assert_int_equal(read32(bo[5], (1 << 20) - 4), 0xa11);
   for (int i = 0; i < 6; i++)
      ws_bo_free(bo[i]);
   /* Freed space is reused: no more arenas. */
   ws_get_stats(dev, &a);
   for (int i = 0; i < 6; i++)
      bo[i] = new_bo(dev, 1 << 20);
   ws_get_stats(dev, &b);
   assert_int_equal(b.sync_round_trips, a.sync_round_trips);
   for (int i = 0; i < 6; i++)
      ws_bo_free(bo[i]);
   ws_close(dev);
}

static void
test_purge(void **state)
{
   struct env *e = *state;
   struct ws_dev *dev;
   uint32_t retained = 1;
   uint64_t v;
   void *p;

   assert_int_equal(ws_nativectx_open_channel(e->ch, NULL, &dev), 0);
   struct ws_bo *bo = new_bo(dev, 65536);
   struct ws_bo *keep = new_bo(dev, 4096);
   assert_int_equal(ws_bo_map(keep, &p), 0);
   memset(p, 1, 4096);
   /* DONTNEED without a question is fire and forget... */
   struct ws_stats a, b;
   ws_get_stats(dev, &a);
   assert_int_equal(ws_bo_madvise(bo, MSM_MADV_DONTNEED, NULL), 0);
   ws_get_stats(dev, &b);
   assert_int_equal(b.messages, a.messages);
   assert_int_equal(ws_get_param(dev, MSM_PARAM_TIMESTAMP, &v), 0);
   assert_true(msm_core_shrink(e->core) >= 1);
   /* ...WILLNEED asks, and learns the pages are gone. */
   assert_int_equal(ws_bo_madvise(bo, MSM_MADV_WILLNEED, &retained), 0);
   assert_int_equal(retained, 0);
   assert_int_equal(ws_bo_map(bo, &p), -EBUSY);
   assert_int_equal(ws_bo_upload(bo, 0, "x", 1), -EBUSY);
   uint32_t cs[4];
   unsigned n = pm4_emit_nop(cs, NULL, 0);
   assert_int_equal(ws_bo_upload(keep, 0, cs, n * 4), 0);
   struct ws_submit_bo bos[] = { { keep, MSM_SUBMIT_BO_READ },
                                 { bo, MSM_SUBMIT_BO_WRITE } };
   struct ws_submit_cmd cmd = { MSM_SUBMIT_CMD_BUF, 0, 0, n * 4 };
   struct ws_submit s = { 0, 0, 2, bos, 1, &cmd, 0 };
   assert_int_equal(ws_submit(dev, &s), -EBUSY); /* refused here, not lost */
   assert_int_equal(((uint8_t *)p)[4095], 1);
   ws_bo_free(bo);
   s.nr_bos = 1;
   assert_int_equal(ws_submit(dev, &s), 0);
   assert_int_equal(ws_fence_wait(dev, 0, s.fence, SEC), 0);
   ws_bo_free(keep);
   ws_close(dev);
}

/* ---- queues ------------------------------------------------------------- */

static void
test_queue_slots_recycled(void **state)
{
   struct env *e = *state;
   struct ws_dev *dev;
   struct ws_bo *dst;

   assert_int_equal(ws_nativectx_open_channel(e->ch, NULL, &dev), 0);
   dst = new_bo(dev, 4096);
   /* Far more queues over time than there are shmem slots. */
   for (int i = 0; i < 200; i++) {
      uint32_t q;
      assert_int_equal(ws_submitqueue_new(dev, i % 3, 0, &q), 0);
      write_value(dev, q, dst, 4 * (i % 16), i, i % 10 ? 0 : 2 * MS);
      assert_int_equal(ws_submitqueue_close(dev, q), 0);
      /* The closed queue's work is still known: CPU access waits for it. */
      assert_int_equal(ws_bo_cpu_prep(dst, MSM_PREP_READ, 5 * SEC), 0);
      assert_int_equal(read32(dst, 4 * (i % 16)), (uint32_t)i);
   }
   ws_bo_free(dst);
   ws_close(dev);
}

/* ---- lost contexts ---------------------------------------------------------- */

static void
test_lost_context(void **state)
{
   struct env *e = *state;
   struct ws_dev *dev, *other;
   struct vg_dev *vg;
   struct ws_bo *bo;

   assert_int_equal(vg_channel_open(e->ch, 0, &vg), 0);
   assert_int_equal(ws_nativectx_open(vg, NULL, &dev), 0);
   assert_int_equal(ws_nativectx_open_channel(e->ch, NULL, &other), 0);
   struct ws_bo *dst = new_bo(dev, 4096);
   uint32_t f = write_value(dev, 0, dst, 0, 1, 200 * MS);

   /* A request the host cannot accept, as a buggy guest driver would send. */
   struct nc_ccmd_req bad = { .cmd = 0x777, .len = sizeof(bad) };
   assert_int_equal(vg_execbuf(vg, &bad, sizeof(bad), 0, 0, 0), 0);

   /* The sleeper is woken by the loss, not by the fence. */
   assert_int_equal(ws_fence_wait(dev, 0, f, 5 * SEC), -EIO);
   assert_int_equal(ws_bo_new(dev, 4096, MSM_BO_WC, &bo), -EIO);
   uint64_t v;
   assert_int_equal(ws_get_param(dev, MSM_PARAM_TIMESTAMP, &v), -EIO);
   assert_int_equal(ws_flush(dev), -EIO);

   /* Same connection, other context: unaffected. */
   struct ws_bo *mine = new_bo(other, 4096);
   uint32_t g = write_value(other, 0, mine, 0, 0x5afe, 0);
   assert_int_equal(ws_fence_wait(other, 0, g, SEC), 0);
   assert_int_equal(read32(mine, 0), 0x5afe);
   ws_bo_free(mine);
   ws_close(other);
   ws_bo_free(dst);
   ws_close(dev);
   struct msm_core_stats st;
   assert_true(nc_wait_stats(e->core, back_to, &e->base, 3000, &st));
}

/* ---- the virtgpu-style layer's own fences ----------------------------------- */

struct fence_log {
   pthread_mutex_t lock;
   pthread_cond_t cond;
   struct vg_event ev[16];
   unsigned n;
   uint8_t *dst;      /* what the GPU writes, checked on arrival */
   uint32_t seen_at_event;
};

static void
log_event(void *data, const struct vg_event *ev)
{
   struct fence_log *l = data;
   pthread_mutex_lock(&l->lock);
   if (ev->type == VG_EVENT_FENCE && l->n < 16) {
      if (ev->ring_idx)
         memcpy(&l->seen_at_event, l->dst, 4);
      l->ev[l->n++] = *ev;
   }
   pthread_cond_broadcast(&l->cond);
   pthread_mutex_unlock(&l->lock);
}

static void
wait_events(struct fence_log *l, unsigned n)
{
   struct timespec ts;
   clock_gettime(CLOCK_REALTIME, &ts);
   ts.tv_sec += 5;
   pthread_mutex_lock(&l->lock);
   while (l->n < n)
      if (pthread_cond_timedwait(&l->cond, &l->lock, &ts))
         break;
   pthread_mutex_unlock(&l->lock);
   assert_true(l->n >= n);
}

static void
test_vg_execbuf_fences(void **state)
{
   struct env *e = *state;
   struct fence_log log = { .n = 0 };
   struct vg_dev *vg;
   uint32_t res_cs, res_dst;

   pthread_mutex_init(&log.lock, NULL);
   pthread_cond_init(&log.cond, NULL);
   assert_int_equal(vg_channel_open(e->ch, 0, &vg), 0);
   const struct nc_capset_msm *c = &vg->caps.capset.msm;
   assert_int_equal(vg->caps.capset.wire_format_version, 2);
   assert_int_equal(vg->caps.capset.version_major, 1);
   assert_int_equal(vg->caps.capset.version_minor, 9);
   assert_int_equal(vg->caps.capset.version_patchlevel, 0);
   assert_int_equal(c->gpu_id, 630);
   assert_int_equal(c->priorities, 3);
   assert_true(c->va_size >= (1ull << 32));
   vg_set_event_cb(vg, log_event, &log);

   /* What mesa 22.3.6 does, by hand: blob 0 (its 16 KiB shmem, no cmd),
    * then BOs whose GEM_NEW rides in the blob create, blob_ids out of
    * order.  Storage offsets are the guest kernel's pick (us). */
   uint64_t hm = vg->caps.ext.arena_offset + NC_SHMEM_SIZE;
   uint32_t res_shm;
   struct vg_blob_create shm = { .blob_id = 0, .size = 16384,
                                 .hm_offset = vg->caps.ext.arena_offset };
   assert_int_equal(vg_blob_create(vg, &shm, &res_shm), 0);
   for (uint32_t i = 2; i >= 1; i--) {
      struct nc_ccmd_gem_new_req req = {
         .hdr = { NC_CCMD_GEM_NEW, sizeof(req), i, 0 },
         .iova = c->va_start + i * 4096, .size = 4096,
         .flags = MSM_BO_WC, .blob_id = i,
      };
      struct vg_blob_create blob = { .blob_id = i, .size = 4096,
                                     .hm_offset = hm + i * 4096,
                                     .cmd = &req, .cmd_len = sizeof(req) };
      assert_int_equal(vg_blob_create(vg, &blob, i == 1 ? &res_cs : &res_dst),
                       0);
   }
   log.dst = vg->hostmem + hm + 2 * 4096;

   /* Ring 0: signalled once the host CPU ran the batch. */
   assert_int_equal(vg_execbuf(vg, NULL, 0, 0, 7, VG_EXECBUF_FENCE), 0);
   wait_events(&log, 1);
   assert_int_equal(log.ev[0].ring_idx, 0);
   assert_int_equal(log.ev[0].fence_id, 7);
   struct nc_shmem *shmem = (void *)(vg->hostmem + vg->caps.ext.arena_offset);
   assert_int_equal(shmem->rsp_mem_offset, sizeof(struct nc_shmem));
   assert_int_equal(shmem->seqno, 1);
   assert_int_equal(shmem->async_error, 0);

   /* Ring prio+1: signalled when the GPU work of the batch retired. */
   uint32_t cs[16], v = 0x77, res[2] = { res_cs, res_dst };
   unsigned n = pm4_emit_delay(cs, 30 * MS);
   n += pm4_emit_mem_write(cs + n, c->va_start + 2 * 4096, &v, 1);
   memcpy(vg->hostmem + hm + 4096, cs, n * 4);
   struct nc_batch b = { .len = 0, .seqno = 2 };
   nc_add_submit(&b, 1, 2, res, n);
   uint32_t ring = c->priorities / 2 + 1; /* queue 0's priority */
   assert_int_equal(vg_execbuf(vg, b.buf, b.len, ring, 9, VG_EXECBUF_FENCE),
                    0);
   wait_events(&log, 2);
   assert_int_equal(log.ev[1].ring_idx, ring);
   assert_int_equal(log.ev[1].fence_id, 9);
   assert_int_equal(log.seen_at_event, 0x77); /* after the GPU, not before */
   assert_int_equal(shmem->seqno, 3);

   /* A sync EXECBUFFER returns after the host ran it. */
   assert_int_equal(vg_execbuf(vg, NULL, 0, 0, 0, VG_EXECBUF_SYNC), 0);
   assert_int_equal(vg_resource_unref(vg, res_cs), 0);
   assert_int_equal(vg_resource_unref(vg, res_dst), 0);
   struct vg_stats st;
   vg_get_stats(vg, &st);
   assert_int_equal(st.sync_round_trips, 2); /* context init + the sync */
   vg_destroy(vg);
   pthread_cond_destroy(&log.cond);
   pthread_mutex_destroy(&log.lock);
}

/* ---- channels ------------------------------------------------------------- */

static void
run_small_workload(struct nc_channel *ch)
{
   struct ws_dev *dev;

   assert_int_equal(ws_nativectx_open_channel(ch, NULL, &dev), 0);
   struct ws_bo *dst = new_bo(dev, 8192);
   uint32_t f = write_value(dev, 0, dst, 4100, 0xfeed, 0);
   assert_int_equal(ws_fence_wait(dev, 0, f, SEC), 0);
   assert_int_equal(read32(dst, 4100), 0xfeed);
   ws_bo_free(dst);
   ws_close(dev);
}

/* virtio-serial in a VM: a byte stream plus the ivshmem file, mapped by
 * each side on its own; a socketpair stands in for the port. */
static void
test_virtio_channel(void **state)
{
   (void)state;
   char path[256];
   struct msm_core_config cfg;
   struct msm_core *core;
   struct msm_hostmem_info hm;
   struct mt_host_proto proto;
   struct mt_host *h;
   struct nc_channel *ch;
   int sv[2];

   nc_temp_path(path, sizeof(path), "hostmem");
   msm_core_config_defaults(&cfg);
   cfg.hostmem_path = path;
   cfg.hostmem_size = 64 << 20;
   assert_int_equal(msm_core_create(&cfg, &core), 0);
   msm_core_hostmem(core, &hm);
   assert_int_equal(nc_host_proto(core, &proto), 0);
   struct mt_host_config hcfg = {
      .protos = &proto, .nr_protos = 1, .hostmem_base = hm.base,
      .hostmem_size = hm.size, .hostmem_fd = -1,
   };
   assert_int_equal(mt_host_create(&hcfg, &h), 0);
   assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
   assert_int_equal(mt_host_serve_fd(h, sv[0], MT_SERVE_REMOTE_CLOCK), 0);
   assert_int_equal(nc_channel_open_fd(sv[1], path, 0, MT_GUEST_REMOTE_CLOCK,
                                       NULL, &ch), 0);
   run_small_workload(ch);
   nc_channel_close(ch);
   mt_host_destroy(h);
   struct msm_core_stats st;
   msm_core_get_stats(core, &st);
   assert_int_equal(st.contexts, 0);
   msm_core_destroy(core);
   unlink(path);
}

/* A guest process killed while it streams: the host frees its contexts,
 * BOs and hostmem. */
static void
guest_child(const char *path, int ready_fd)
{
   struct nc_channel *ch;
   struct ws_dev *dev[2];

   prctl(PR_SET_PDEATHSIG, SIGKILL);
   if (nc_channel_connect(path, NULL, &ch) ||
       ws_nativectx_open_channel(ch, NULL, &dev[0]) ||
       ws_nativectx_open_channel(ch, NULL, &dev[1]))
      _exit(1);
   for (unsigned i = 0;; i++) {
      struct ws_dev *d = dev[i % 2];
      struct ws_bo *dst, *cs;
      uint32_t buf[16], v = i;
      unsigned n;

      if (ws_bo_new(d, 16384, MSM_BO_WC, &dst) ||
          ws_bo_new(d, 4096, MSM_BO_WC, &cs))
         _exit(1);
      n = pm4_emit_delay(buf, 200000);
      n += pm4_emit_mem_write(buf + n, dst->iova, &v, 1);
      ws_bo_upload(cs, 0, buf, n * 4);
      struct ws_submit_bo bos[] = { { cs, MSM_SUBMIT_BO_READ },
                                    { dst, MSM_SUBMIT_BO_WRITE } };
      struct ws_submit_cmd cmd = { MSM_SUBMIT_CMD_BUF, 0, 0, n * 4 };
      struct ws_submit s = { 0, 0, 2, bos, 1, &cmd, 0 };
      if (ws_submit(d, &s))
         _exit(1);
      ws_bo_free(cs);
      if (i % 3)
         ws_bo_free(dst); /* and some it never frees */
      if (i == 20 && write(ready_fd, "s", 1) != 1)
         _exit(1);
      if (i % 8 == 7)
         ws_fence_wait(d, 0, s.fence, SEC);
   }
}

static void
test_guest_killed(void **state)
{
   (void)state;
   char path[256], c;
   struct msm_core_config cfg;
   struct msm_core *core;
   struct msm_hostmem_info hm;
   struct msm_core_stats base, st;
   struct mt_host_proto proto;
   struct mt_host *h;
   int p[2], go[2];

   nc_temp_path(path, sizeof(path), "kill");
   assert_int_equal(pipe(p), 0);
   assert_int_equal(pipe(go), 0);
   /* Fork before the host has threads; the child waits for the socket. */
   pid_t pid = fork();
   if (pid == 0) {
      close(p[0]);
      close(go[1]);
      if (read(go[0], &c, 1) != 1)
         _exit(1);
      guest_child(path, p[1]);
   }
   close(p[1]);
   close(go[0]);

   msm_core_config_defaults(&cfg);
   assert_int_equal(msm_core_create(&cfg, &core), 0);
   msm_core_get_stats(core, &base);
   msm_core_hostmem(core, &hm);
   assert_int_equal(nc_host_proto(core, &proto), 0);
   struct mt_host_config hcfg = {
      .protos = &proto, .nr_protos = 1, .hostmem_base = hm.base,
      .hostmem_size = hm.size, .hostmem_fd = hm.fd,
   };
   assert_int_equal(mt_host_create(&hcfg, &h), 0);
   assert_int_equal(mt_host_listen(h, path), 0);
   assert_int_equal(write(go[1], "g", 1), 1);

   /* Let it stream, then kill it mid-request. */
   assert_int_equal(read(p[0], &c, 1), 1);
   msm_core_get_stats(core, &st);
   assert_int_equal(st.contexts, 2);
   assert_true(st.bos > 0);
   kill(pid, SIGKILL);
   waitpid(pid, NULL, 0);

   assert_true(nc_wait_stats(core, back_to, &base, 5000, &st));
   printf("# killed guest: contexts %u bos %u hostmem %lu after cleanup\n",
          st.contexts, st.bos, (unsigned long)st.hostmem_used);
   mt_host_destroy(h);
   msm_core_destroy(core);
   close(p[0]);
   close(go[1]);
   unlink(path);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
   const struct CMUnitTest tests[] = {
      /* First: it forks, best before this process has other threads. */
      cmocka_unit_test(test_guest_killed),
      T(test_leaks_and_close),
      T(test_close_with_work_in_flight),
      T(test_range_reuse_waits_for_fences),
      T(test_arena_growth),
      T(test_purge),
      T(test_queue_slots_recycled),
      T(test_lost_context),
      T(test_vg_execbuf_fences),
      cmocka_unit_test(test_virtio_channel),
   };
   return cmocka_run_group_tests_name("nativectx-lifetime", tests, NULL, NULL);
}
