/*
 * test_vgpu_node.c - msmvirt-cuse's virtio_gpu personality, ioctl by
 * ioctl, against Linux 6.1 virtgpu_ioctl.c's answers; fence fds as the
 * preload makes them; events; per-file handles; device-wide res_ids; and
 * that closing a file frees its host context (vgpu_harness.h: the node
 * behind a simulated CUSE kernel, a nativectx host in this process).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sync_file.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "msm_core.h"
#include "nc_proto.h"
#include "vgpu_fence.h"
#include "vgpu_harness.h"
#include "vgpu_node.h"

#define PAGE 4096u

struct env {
   struct vgpu_harness h;
   struct vgpu_client *c;
   struct nc_caps caps;
   uint32_t shmem;      /* blob 0's handle */
   uint32_t next_blob;
   uint64_t next_iova;
};

static int
vio(struct env *e, unsigned long req, void *arg)
{
   return vgpu_client_ioctl(e->c, req, arg);
}

static int
ctx_init(struct vgpu_client *c, uint64_t rings, uint64_t poll_mask)
{
   struct drm_virtgpu_context_set_param p[] = {
      { VIRTGPU_CONTEXT_PARAM_CAPSET_ID, VGPU_CAPSET_DRM },
      { VIRTGPU_CONTEXT_PARAM_NUM_RINGS, rings },
      { VIRTGPU_CONTEXT_PARAM_POLL_RINGS_MASK, poll_mask },
   };
   struct drm_virtgpu_context_init init = {
      .num_params = 3, .ctx_set_params = (uintptr_t)p,
   };
   return vgpu_client_ioctl(c, DRM_IOCTL_VIRTGPU_CONTEXT_INIT, &init);
}

static int
get_caps(struct vgpu_client *c, struct nc_caps *caps)
{
   struct drm_virtgpu_get_caps g = {
      .cap_set_id = VGPU_CAPSET_DRM, .addr = (uintptr_t)caps,
      .size = sizeof(*caps),
   };
   return vgpu_client_ioctl(c, DRM_IOCTL_VIRTGPU_GET_CAPS, &g);
}

static int
env_setup(void **state, uint32_t rtt_us)
{
   struct env *e = calloc(1, sizeof(*e));

   assert_non_null(e);
   assert_int_equal(vgpu_harness_create_rtt(&e->h, rtt_us), 0);
   assert_int_equal(vgpu_client_open(&e->h, &e->c), 0);
   *state = e;
   return 0;
}

static int setup(void **state) { return env_setup(state, 0); }
/* Fences cannot signal within 50 ms of a submit. */
static int setup_slow(void **state) { return env_setup(state, 100000); }

static int
teardown(void **state)
{
   struct env *e = *state;
   struct msm_core_stats st;

   vgpu_client_close(e->c);
   /* The host frees the context when the CTX_DESTROY arrives. */
   for (int i = 0; i < 2000; i++) {
      msm_core_get_stats(e->h.core, &st);
      if (!st.contexts && !st.bos)
         break;
      nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
   }
   assert_int_equal(st.contexts, 0);
   assert_int_equal(st.bos, 0);
   vgpu_harness_destroy(&e->h);
   free(e);
   return 0;
}

/* A context with rings 0..3, ring 0 polled, the capset, and blob 0 (the
 * shmem, as mesa makes it: 16 KiB, no cmd). */
static void
init_ctx(struct env *e)
{
   struct drm_virtgpu_resource_create_blob b = {
      .blob_mem = VIRTGPU_BLOB_MEM_HOST3D,
      .blob_flags = VIRTGPU_BLOB_FLAG_USE_MAPPABLE, .size = 4 * PAGE,
   };

   assert_int_equal(ctx_init(e->c, 4, 1), 0);
   assert_int_equal(get_caps(e->c, &e->caps), 0);
   assert_int_equal(vio(e, DRM_IOCTL_VIRTGPU_RESOURCE_CREATE_BLOB, &b), 0);
   e->shmem = b.bo_handle;
   e->next_iova = e->caps.capset.msm.va_start;
}

/* A blob backed by a GEM_NEW ccmd (the guest picks the iova, the kernel
 * the storage). */
static int
new_blob(struct env *e, uint32_t size, uint32_t *handle, uint32_t *res)
{
   struct nc_ccmd_gem_new_req req = {
      .hdr = { NC_CCMD_GEM_NEW, sizeof(req), 0, 0 },
      .iova = e->next_iova, .size = size, .flags = MSM_BO_WC,
      .blob_id = ++e->next_blob,
   };
   struct drm_virtgpu_resource_create_blob b = {
      .blob_mem = VIRTGPU_BLOB_MEM_HOST3D,
      .blob_flags = VIRTGPU_BLOB_FLAG_USE_MAPPABLE, .size = size,
      .cmd_size = sizeof(req), .cmd = (uintptr_t)&req,
      .blob_id = req.blob_id,
   };
   int ret = vio(e, DRM_IOCTL_VIRTGPU_RESOURCE_CREATE_BLOB, &b);

   if (!ret) {
      e->next_iova += size;
      *handle = b.bo_handle;
      if (res)
         *res = b.res_handle;
   }
   return ret;
}

static int
execbuf(struct env *e, uint32_t flags, uint32_t ring, uint32_t *bos,
        uint32_t nr_bos, int *fence_fd)
{
   struct nc_ccmd_nop_req nop = {
      .hdr = { NC_CCMD_NOP, sizeof(nop), 0, 0 },
   };
   struct drm_virtgpu_execbuffer eb = {
      .flags = flags, .size = sizeof(nop), .command = (uintptr_t)&nop,
      .bo_handles = (uintptr_t)bos, .num_bo_handles = nr_bos,
      .fence_fd = fence_fd ? *fence_fd : -1, .ring_idx = ring,
   };
   int ret = vio(e, DRM_IOCTL_VIRTGPU_EXECBUFFER, &eb);

   if (fence_fd)
      *fence_fd = eb.fence_fd;
   return ret;
}

static bool
readable(int fd, int timeout_ms)
{
   struct pollfd p = { .fd = fd, .events = POLLIN };
   return poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN);
}

/* ------------------------------------------------------------- tests */

static void
test_version(void **state)
{
   struct env *e = *state;
   char name[32] = { 0 };
   struct drm_version v = { .name = name, .name_len = sizeof(name) - 1 };

   assert_int_equal(vio(e, DRM_IOCTL_VERSION, &v), 0);
   assert_string_equal(name, "virtio_gpu");
   assert_int_equal(v.name_len, strlen("virtio_gpu"));
}

static void
test_getparam(void **state)
{
   static const struct { uint64_t param; int value; } want[] = {
      { VIRTGPU_PARAM_3D_FEATURES, 1 },
      { VIRTGPU_PARAM_CAPSET_QUERY_FIX, 1 },
      { VIRTGPU_PARAM_RESOURCE_BLOB, 1 },
      { VIRTGPU_PARAM_HOST_VISIBLE, 1 },
      { VIRTGPU_PARAM_CROSS_DEVICE, 0 },
      { VIRTGPU_PARAM_CONTEXT_INIT, 1 },
      { VIRTGPU_PARAM_SUPPORTED_CAPSET_IDs, 1 << VGPU_CAPSET_DRM },
   };
   struct env *e = *state;

   for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
      int value = -7;
      struct drm_virtgpu_getparam g = { want[i].param, (uintptr_t)&value };
      assert_int_equal(vio(e, DRM_IOCTL_VIRTGPU_GETPARAM, &g), 0);
      assert_int_equal(value, want[i].value);
   }
   int value;
   struct drm_virtgpu_getparam bad = { 99, (uintptr_t)&value };
   assert_int_equal(vio(e, DRM_IOCTL_VIRTGPU_GETPARAM, &bad), -EINVAL);
   struct drm_virtgpu_getparam null = { VIRTGPU_PARAM_3D_FEATURES, 0 };
   assert_int_equal(vio(e, DRM_IOCTL_VIRTGPU_GETPARAM, &null), -EFAULT);
}

static void
test_get_caps(void **state)
{
   struct env *e = *state;
   struct nc_caps caps;
   uint8_t big[512];
   struct drm_virtgpu_get_caps g = {
      .cap_set_id = VGPU_CAPSET_DRM, .addr = (uintptr_t)&caps, .size = 0,
   };

   assert_int_equal(vio(e, DRM_IOCTL_VIRTGPU_GET_CAPS, &g), -EINVAL);
   g.size = sizeof(caps);
   g.cap_set_id = 1;
   assert_int_equal(vio(e, DRM_IOCTL_VIRTGPU_GET_CAPS, &g), -EINVAL);
   g.cap_set_id = VGPU_CAPSET_DRM;
   g.cap_set_ver = 1;
   assert_int_equal(vio(e, DRM_IOCTL_VIRTGPU_GET_CAPS, &g), -EINVAL);
   /* Before any context: the device's capset, as mesa 22.3.6 checks it. */
   assert_int_equal(get_caps(e->c, &caps), 0);
   assert_int_equal(caps.capset.wire_format_version, 2);
   assert_int_equal(caps.capset.context_type, NC_CONTEXT_MSM);
   assert_int_equal(caps.capset.version_major, 1);
   assert_true(caps.capset.version_minor >= 4);
   assert_true(caps.capset.msm.va_size != 0);
   assert_int_equal(caps.capset.msm.gpu_id, 630);
   /* The anchor's 80 bytes, then msmvirt's extension block; a larger
    * buffer gets only those. */
   assert_int_equal(sizeof(caps.capset), 80);
   memset(big, 0xa5, sizeof(big));
   g = (struct drm_virtgpu_get_caps){ .cap_set_id = VGPU_CAPSET_DRM,
                                      .addr = (uintptr_t)big,
                                      .size = sizeof(big) };
   assert_int_equal(vio(e, DRM_IOCTL_VIRTGPU_GET_CAPS, &g), 0);
   assert_memory_equal(big, &caps.capset, sizeof(caps.capset));
   assert_int_equal(big[sizeof(caps)], 0xa5);
   assert_int_equal(big[sizeof(big) - 1], 0xa5);
   /* 80 bytes: the anchor capset alone. */
   memset(big, 0xa5, sizeof(big));
   g.size = 80;
   assert_int_equal(vio(e, DRM_IOCTL_VIRTGPU_GET_CAPS, &g), 0);
   assert_memory_equal(big, &caps.capset, 80);
   assert_int_equal(big[80], 0xa5);
}

static void
test_context_init_errors(void **state)
{
   struct env *e = *state;
   struct drm_virtgpu_context_set_param p[3];
   struct drm_virtgpu_context_init init = {
      .num_params = 0, .ctx_set_params = (uintptr_t)p,
   };
   uint32_t h;

   assert_int_equal(vio(e, DRM_IOCTL_VIRTGPU_CONTEXT_INIT, &init), -EINVAL);
   init.num_params = 4; /* more params than exist */
   assert_int_equal(vio(e, DRM_IOCTL_VIRTGPU_CONTEXT_INIT, &init), -EINVAL);
   init.num_params = 1;
   p[0] = (struct drm_virtgpu_context_set_param){
      VIRTGPU_CONTEXT_PARAM_CAPSET_ID, 1 }; /* virgl: not offered */
   assert_int_equal(vio(e, DRM_IOCTL_VIRTGPU_CONTEXT_INIT, &init), -EINVAL);
   p[0].param = 9;
   assert_int_equal(vio(e, DRM_IOCTL_VIRTGPU_CONTEXT_INIT, &init), -EINVAL);
   init.num_params = 2;
   p[0] = (struct drm_virtgpu_context_set_param){
      VIRTGPU_CONTEXT_PARAM_CAPSET_ID, VGPU_CAPSET_DRM };
   p[1] = (struct drm_virtgpu_context_set_param){
      VIRTGPU_CONTEXT_PARAM_NUM_RINGS, 65 };
   assert_int_equal(vio(e, DRM_IOCTL_VIRTGPU_CONTEXT_INIT, &init), -EINVAL);
   p[1] = p[0]; /* the same param twice */
   assert_int_equal(vio(e, DRM_IOCTL_VIRTGPU_CONTEXT_INIT, &init), -EINVAL);
   init.ctx_set_params = 0;
   assert_int_equal(vio(e, DRM_IOCTL_VIRTGPU_CONTEXT_INIT, &init), -EFAULT);

   /* Required before use. */
   assert_int_equal(new_blob(e, PAGE, &h, NULL), -EINVAL);
   assert_int_equal(execbuf(e, 0, 0, NULL, 0, NULL), -EINVAL);

   assert_int_equal(ctx_init(e->c, 4, 0), 0);
   assert_int_equal(ctx_init(e->c, 4, 0), -EEXIST);
}

static void
test_blob_errors(void **state)
{
   struct env *e = *state;
   struct drm_virtgpu_resource_create_blob b = {
      .blob_mem = VIRTGPU_BLOB_MEM_GUEST, .size = PAGE,
   };

   init_ctx(e);
   assert_int_equal(vio(e, DRM_IOCTL_VIRTGPU_RESOURCE_CREATE_BLOB, &b),
                    -EINVAL);
   b.blob_mem = VIRTGPU_BLOB_MEM_HOST3D;
   b.blob_flags = 0x80;
   assert_int_equal(vio(e, DRM_IOCTL_VIRTGPU_RESOURCE_CREATE_BLOB, &b),
                    -EINVAL);
   b.blob_flags = VIRTGPU_BLOB_FLAG_USE_MAPPABLE;
   b.size = 100;
   assert_int_equal(vio(e, DRM_IOCTL_VIRTGPU_RESOURCE_CREATE_BLOB, &b),
                    -EINVAL);
   b.size = PAGE;
   b.cmd_size = 40;
   b.cmd = 0;
   assert_int_equal(vio(e, DRM_IOCTL_VIRTGPU_RESOURCE_CREATE_BLOB, &b),
                    -EFAULT);
}

static void
test_blob_info_map_close(void **state)
{
   struct env *e = *state;
   uint32_t h, res, h2, res2;

   init_ctx(e);
   assert_int_equal(new_blob(e, 2 * PAGE, &h, &res), 0);
   assert_int_equal(h, 2); /* idr: lowest free from 1; the shmem has 1 */
   struct drm_virtgpu_resource_info ri = { .bo_handle = h };
   assert_int_equal(vio(e, DRM_IOCTL_VIRTGPU_RESOURCE_INFO, &ri), 0);
   assert_int_equal(ri.res_handle, res);
   assert_int_equal(ri.size, 2 * PAGE);
   assert_int_equal(ri.blob_mem, VIRTGPU_BLOB_MEM_HOST3D);
   /* The node's mmap offset is the hostmem offset it picked: in the
    * context's arena, clear of the shmem. */
   struct drm_virtgpu_map m = { .handle = h }, ms = { .handle = e->shmem };
   assert_int_equal(vio(e, DRM_IOCTL_VIRTGPU_MAP, &m), 0);
   assert_int_equal(vio(e, DRM_IOCTL_VIRTGPU_MAP, &ms), 0);
   assert_true(m.offset >= e->caps.ext.arena_offset &&
               m.offset + 2 * PAGE <= e->caps.ext.arena_offset + e->caps.ext.arena_size);
   assert_true(m.offset >= ms.offset + 4 * PAGE || m.offset + 2 * PAGE <= ms.offset);

   /* Unknown handles, as 6.1 answers. */
   ri.bo_handle = 77;
   assert_int_equal(vio(e, DRM_IOCTL_VIRTGPU_RESOURCE_INFO, &ri), -ENOENT);
   m.handle = 77;
   assert_int_equal(vio(e, DRM_IOCTL_VIRTGPU_MAP, &m), -ENOENT);
   struct drm_virtgpu_3d_wait w = { .handle = 77 };
   assert_int_equal(vio(e, DRM_IOCTL_VIRTGPU_WAIT, &w), -ENOENT);
   struct drm_gem_close gc = { .handle = 77 };
   assert_int_equal(vio(e, DRM_IOCTL_GEM_CLOSE, &gc), -EINVAL);

   /* Another file: its own handles; res_ids stay device-wide. */
   struct vgpu_client *other;
   assert_int_equal(vgpu_client_open(&e->h, &other), 0);
   assert_int_equal(ctx_init(other, 1, 0), 0);
   ri.bo_handle = h;
   assert_int_equal(vgpu_client_ioctl(other, DRM_IOCTL_VIRTGPU_RESOURCE_INFO,
                                      &ri), -ENOENT);
   vgpu_client_close(other);

   assert_int_equal(new_blob(e, PAGE, &h2, &res2), 0);
   assert_int_equal(h2, 3);
   assert_int_not_equal(res2, res);
   gc.handle = h;
   assert_int_equal(vio(e, DRM_IOCTL_GEM_CLOSE, &gc), 0);
   assert_int_equal(vio(e, DRM_IOCTL_GEM_CLOSE, &gc), -EINVAL);
}

/* NC_EXT_BLOB_AT: a blob create whose cmd names the storage is placed
 * there; one outside the context's arena is refused. */
static void
test_blob_at(void **state)
{
   struct env *e = *state;
   struct {
      struct nc_ccmd_gem_new_req gem;
      struct nc_ccmd_blob_at_req at;
   } cmd;
   struct drm_virtgpu_resource_create_blob b = {
      .blob_mem = VIRTGPU_BLOB_MEM_HOST3D,
      .blob_flags = VIRTGPU_BLOB_FLAG_USE_MAPPABLE, .size = PAGE,
      .cmd_size = sizeof(cmd), .cmd = (uintptr_t)&cmd, .blob_id = 7,
   };

   init_ctx(e);
   assert_true(e->caps.ext.offered & NC_EXT_BLOB_AT);
   uint64_t want = e->caps.ext.arena_offset + e->caps.ext.arena_size - 4 * PAGE;
   memset(&cmd, 0, sizeof(cmd));
   cmd.gem = (struct nc_ccmd_gem_new_req){
      .hdr = { NC_CCMD_GEM_NEW, sizeof(cmd.gem), 0, 0 },
      .iova = e->next_iova, .size = PAGE, .flags = MSM_BO_WC, .blob_id = 7,
   };
   cmd.at = (struct nc_ccmd_blob_at_req){
      .hdr = { NC_CCMD_BLOB_AT, sizeof(cmd.at), 0, 0 },
      .blob_id = 7, .hm_offset = want,
   };
   assert_int_equal(vio(e, DRM_IOCTL_VIRTGPU_RESOURCE_CREATE_BLOB, &b), 0);
   struct drm_virtgpu_map m = { .handle = b.bo_handle };
   assert_int_equal(vio(e, DRM_IOCTL_VIRTGPU_MAP, &m), 0);
   assert_int_equal(m.offset, want);

   /* Past the arena's end, or not page aligned: EINVAL, nothing made. */
   cmd.gem.blob_id = cmd.at.blob_id = 8;
   b.blob_id = 8;
   cmd.at.hm_offset = e->caps.ext.arena_offset + e->caps.ext.arena_size;
   assert_int_equal(vio(e, DRM_IOCTL_VIRTGPU_RESOURCE_CREATE_BLOB, &b), -EINVAL);
   cmd.at.hm_offset = want + 100;
   assert_int_equal(vio(e, DRM_IOCTL_VIRTGPU_RESOURCE_CREATE_BLOB, &b), -EINVAL);
}

static void
test_execbuffer_errors(void **state)
{
   struct env *e = *state;
   uint32_t h, bad = 99;
   int fd = -1;

   init_ctx(e);
   assert_int_equal(new_blob(e, PAGE, &h, NULL), 0);
   assert_int_equal(execbuf(e, 0x80, 0, NULL, 0, NULL), -EINVAL);
   assert_int_equal(execbuf(e, VIRTGPU_EXECBUF_RING_IDX, 4, NULL, 0, NULL),
                    -EINVAL);
   assert_int_equal(execbuf(e, 0, 0, &bad, 1, NULL), -ENOENT);
   /* A failed EXECBUFFER leaves no fence fd behind. */
   assert_int_equal(execbuf(e, VIRTGPU_EXECBUF_FENCE_FD_OUT, 0, &bad, 1, &fd),
                    -ENOENT);
   assert_int_equal(fd, -1);
   assert_int_equal(execbuf(e, 0, 0, &h, 1, NULL), 0);
}

static void
test_fence_fd_out(void **state)
{
   struct env *e = *state;
   struct sync_file_info info = { 0 };
   struct sync_merge_data md = { .name = "m" };
   uint32_t h;
   int fd = -1, dupfd;

   init_ctx(e);
   assert_int_equal(new_blob(e, PAGE, &h, NULL), 0);
   assert_int_equal(execbuf(e, VIRTGPU_EXECBUF_FENCE_FD_OUT |
                               VIRTGPU_EXECBUF_RING_IDX, 0, &h, 1, &fd), 0);
   assert_true(fd >= 0);
   assert_true(vgpu_fence_is_ours(fd));
   dupfd = dup(fd);
   assert_true(readable(fd, 5000));
   assert_true(readable(dupfd, 0));   /* dup: the same fence */
   /* The BO's fence retired: WAIT says idle, NOWAIT too. */
   struct drm_virtgpu_3d_wait w = { .handle = h, .flags = VIRTGPU_WAIT_NOWAIT };
   assert_int_equal(vio(e, DRM_IOCTL_VIRTGPU_WAIT, &w), 0);
   /* FILE_INFO and MERGE where mesa calls them. */
   assert_int_equal(vgpu_fence_sync_ioctl(fd, SYNC_IOC_FILE_INFO, &info), 0);
   assert_int_equal(info.status, 1);
   assert_int_equal(info.num_fences, 1);
   md.fd2 = dupfd;
   assert_int_equal(vgpu_fence_sync_ioctl(fd, SYNC_IOC_MERGE, &md), 0);
   assert_true(readable(md.fence, 0));
   close(md.fence);
   close(dupfd);
   /* FENCE_FD_IN: ours, signalled: accepted (the node never sees it). */
   int in = fd;
   assert_int_equal(execbuf(e, VIRTGPU_EXECBUF_FENCE_FD_IN, 0, NULL, 0, &in), 0);
   close(fd);
   /* A foreign in-fence (a pipe): waited for until it is readable. */
   int p[2];
   assert_int_equal(pipe(p), 0);
   assert_int_equal(write(p[1], "x", 1), 1);
   in = p[0];
   assert_int_equal(execbuf(e, VIRTGPU_EXECBUF_FENCE_FD_IN, 0, NULL, 0, &in), 0);
   close(p[0]);
   close(p[1]);
}

/* NOWAIT on a busy BO is EBUSY; a blocking WAIT returns once the fence
 * signals.  The fence cannot signal before the frame reaches the host
 * (rtt/2 = 50 ms later, the latency model's guarantee). */
static void
test_wait_busy(void **state)
{
   struct env *e = *state;
   struct sync_file_info info = { 0 };
   struct sync_merge_data md = { .name = "m" };
   uint32_t h;
   int fd = -1;

   init_ctx(e);
   assert_int_equal(new_blob(e, PAGE, &h, NULL), 0);
   assert_int_equal(execbuf(e, VIRTGPU_EXECBUF_FENCE_FD_OUT, 0, &h, 1, &fd), 0);
   struct drm_virtgpu_3d_wait w = { .handle = h, .flags = VIRTGPU_WAIT_NOWAIT };
   assert_int_equal(vio(e, DRM_IOCTL_VIRTGPU_WAIT, &w), -EBUSY);
   assert_false(readable(fd, 0));
   assert_int_equal(vgpu_fence_sync_ioctl(fd, SYNC_IOC_FILE_INFO, &info), 0);
   assert_int_equal(info.status, 0);
   /* A merge of a pending fence signals when it does. */
   md.fd2 = fd;
   assert_int_equal(vgpu_fence_sync_ioctl(fd, SYNC_IOC_MERGE, &md), 0);
   w.flags = 0;
   assert_int_equal(vio(e, DRM_IOCTL_VIRTGPU_WAIT, &w), 0);
   assert_true(readable(fd, 5000));
   assert_true(readable(md.fence, 5000));
   close(md.fence);
   close(fd);
}

static void
test_events(void **state)
{
   struct env *e = *state;
   struct vgpu_client *quiet;

   init_ctx(e); /* ring 0 polled */
   assert_int_equal(vgpu_client_open(&e->h, &quiet), 0);
   assert_int_equal(ctx_init(quiet, 1, 0), 0);
   assert_int_equal(execbuf(e, 0, 0, NULL, 0, NULL), 0);
   assert_int_equal(vgpu_client_wait_event(e->c, 5000), 1);
   assert_int_equal(vgpu_client_ioctl(quiet, DRM_IOCTL_VIRTGPU_EXECBUFFER,
      &(struct drm_virtgpu_execbuffer){ .fence_fd = -1 }), 0);
   /* Its fence signals, but nobody asked for events. */
   assert_int_equal(vgpu_client_wait_event(quiet, 100), 0);
   vgpu_client_close(quiet);
}

/* A file closed with fence fds outstanding and BOs alive: the node drops
 * its references, the host frees the context (teardown checks it). */
static void
test_close_with_pending(void **state)
{
   struct env *e = *state;
   struct vgpu_client *c;
   uint32_t h;
   int fd = -1;

   init_ctx(e);
   assert_int_equal(new_blob(e, PAGE, &h, NULL), 0);
   assert_int_equal(execbuf(e, VIRTGPU_EXECBUF_FENCE_FD_OUT, 0, &h, 1, &fd), 0);
   c = e->c;
   assert_int_equal(vgpu_client_open(&e->h, &e->c), 0);
   vgpu_client_close(c);
   close(fd);
}

int
main(void)
{
   const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_version, setup, teardown),
      cmocka_unit_test_setup_teardown(test_getparam, setup, teardown),
      cmocka_unit_test_setup_teardown(test_get_caps, setup, teardown),
      cmocka_unit_test_setup_teardown(test_context_init_errors, setup, teardown),
      cmocka_unit_test_setup_teardown(test_blob_errors, setup, teardown),
      cmocka_unit_test_setup_teardown(test_blob_info_map_close, setup, teardown),
      cmocka_unit_test_setup_teardown(test_blob_at, setup, teardown),
      cmocka_unit_test_setup_teardown(test_execbuffer_errors, setup, teardown),
      cmocka_unit_test_setup_teardown(test_fence_fd_out, setup, teardown),
      cmocka_unit_test_setup_teardown(test_wait_busy, setup_slow, teardown),
      cmocka_unit_test_setup_teardown(test_events, setup, teardown),
      cmocka_unit_test_setup_teardown(test_close_with_pending, setup, teardown),
   };
   return cmocka_run_group_tests(tests, NULL, NULL);
}
