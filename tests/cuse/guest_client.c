/*
 * guest_client.c - the forward node seen by a plain msm client in the
 * guest: kernel uapi ioctls plus libdrm's device discovery, mmap through
 * libmsmvirt-preload.so.  One line per check, a final PASS/FAIL, exit 0
 * only if every check passed.
 *
 *   guest_client [--node PATH]           all checks
 *   guest_client [--node PATH] --hang MS submit MS of modelled GPU time and
 *                                        block in WAIT_FENCE on it (for the
 *                                        kill-mid-ioctl test)
 *   guest_client [--node PATH] --quick   open + one GET_PARAM, timed (is
 *                                        the node responsive right now?)
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xf86drm.h>

#include "msm_drm.h"
#include "core/pm4.h"

static int failures;
static const char *node = "/dev/dri/renderD128";

#define CHECK(cond, ...) do {                                  \
   int ok_ = !!(cond);                                         \
   printf("%s ", ok_ ? "ok:  " : "FAIL:");                     \
   printf(__VA_ARGS__);                                        \
   printf("\n");                                               \
   fflush(stdout);                                             \
   if (!ok_)                                                   \
      failures++;                                              \
} while (0)

/* ioctl(2) -> 0 or -errno (no EINTR loop: the node never says EINTR). */
static int
io(int fd, unsigned long req, void *arg)
{
   return ioctl(fd, req, arg) ? -errno : 0;
}

static uint64_t
now_ns(void)
{
   struct timespec ts;
   clock_gettime(CLOCK_MONOTONIC, &ts);
   return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Like mesa: an absolute CLOCK_MONOTONIC deadline in the caller's clock. */
static struct drm_msm_timespec
deadline(uint64_t rel_ns)
{
   uint64_t t = now_ns() + rel_ns;
   return (struct drm_msm_timespec){ t / 1000000000ull, t % 1000000000ull };
}

static uint64_t
get_param(int fd, uint32_t param, int *ret)
{
   struct drm_msm_param p = { .pipe = MSM_PIPE_3D0, .param = param };
   *ret = io(fd, DRM_IOCTL_MSM_GET_PARAM, &p);
   return p.value;
}

struct bo {
   uint32_t handle;
   uint64_t iova, offset, size;
   uint32_t *map;
};

static int
bo_new(int fd, uint64_t size, struct bo *bo)
{
   struct drm_msm_gem_new gn = { .size = size, .flags = MSM_BO_WC };
   struct drm_msm_gem_info gi = { .info = MSM_INFO_GET_IOVA };
   int ret = io(fd, DRM_IOCTL_MSM_GEM_NEW, &gn);

   if (ret)
      return ret;
   memset(bo, 0, sizeof(*bo));
   bo->handle = gi.handle = gn.handle;
   bo->size = size;
   if ((ret = io(fd, DRM_IOCTL_MSM_GEM_INFO, &gi)))
      return ret;
   bo->iova = gi.value;
   gi.info = MSM_INFO_GET_OFFSET;
   if ((ret = io(fd, DRM_IOCTL_MSM_GEM_INFO, &gi)))
      return ret;
   bo->offset = gi.value;
   /* CUSE has no mmap: libmsmvirt-preload.so maps hostmem at the offset. */
   bo->map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
                  (off_t)bo->offset);
   if (bo->map == MAP_FAILED) {
      bo->map = NULL;
      return -errno;
   }
   return 0;
}

static void
bo_free(int fd, struct bo *bo)
{
   struct drm_gem_close c = { .handle = bo->handle };

   if (bo->map)
      munmap(bo->map, bo->size);
   io(fd, DRM_IOCTL_GEM_CLOSE, &c);
}

/* Submit cs (ndw dwords, copied into cmd) on queue with bos; *fence out. */
static int
submit(int fd, uint32_t queue, struct bo *cmd, const uint32_t *cs,
       unsigned ndw, struct bo **bos, unsigned nr_bos, uint32_t *fence)
{
   struct drm_msm_gem_submit_bo sbos[8];
   struct drm_msm_gem_submit_cmd scmd = {
      .type = MSM_SUBMIT_CMD_BUF, .submit_idx = 0, .size = ndw * 4,
   };
   struct drm_msm_gem_submit req = {
      .flags = MSM_PIPE_3D0, .queueid = queue, .nr_bos = nr_bos + 1,
      .bos = (uintptr_t)sbos, .nr_cmds = 1, .cmds = (uintptr_t)&scmd,
   };
   int ret;

   memcpy(cmd->map, cs, ndw * 4);
   sbos[0] = (struct drm_msm_gem_submit_bo){ MSM_SUBMIT_BO_READ, cmd->handle, 0 };
   for (unsigned i = 0; i < nr_bos; i++)
      sbos[1 + i] = (struct drm_msm_gem_submit_bo){
         MSM_SUBMIT_BO_READ | MSM_SUBMIT_BO_WRITE, bos[i]->handle, 0 };
   ret = io(fd, DRM_IOCTL_MSM_GEM_SUBMIT, &req);
   *fence = req.fence;
   return ret;
}

static int
wait_fence(int fd, uint32_t queue, uint32_t fence, uint64_t rel_ns)
{
   struct drm_msm_wait_fence w = {
      .fence = fence, .queueid = queue, .timeout = deadline(rel_ns),
   };
   return io(fd, DRM_IOCTL_MSM_WAIT_FENCE, &w);
}

/* The guest's and the host's CLOCK_MONOTONIC are different clocks: a wait
 * whose deadline is "guest now + 10 s" is checked once for what it does on
 * the host; later waits in this program use a deadline far enough out to
 * be in the future on any host, so the remaining checks still run. */
#define FAR_NS (30ull * 24 * 3600 * 1000000000ull)

static void
check_identity(int fd)
{
   drmVersionPtr v = drmGetVersion(fd);
   drmDevicePtr dev = NULL;
   int ret;

   CHECK(v && !strcmp(v->name, "msm"), "DRM_IOCTL_VERSION: driver \"%s\" %d.%d.%d",
         v ? v->name : "?", v ? v->version_major : -1,
         v ? v->version_minor : -1, v ? v->version_patchlevel : -1);
   drmFreeVersion(v);
   CHECK(drmGetNodeTypeFromFd(fd) == DRM_NODE_RENDER, "drmGetNodeTypeFromFd: render node");
   ret = drmGetDevice2(fd, 0, &dev);
   CHECK(ret == 0, "drmGetDevice2: %s", ret ? strerror(-ret) : "found");
   if (!ret) {
      CHECK(dev->bustype == DRM_BUS_PLATFORM, "drmGetDevice2: platform bus (%d)",
            dev->bustype);
      CHECK((dev->available_nodes & (1 << DRM_NODE_RENDER)) &&
            !strcmp(dev->nodes[DRM_NODE_RENDER], node),
            "drmGetDevice2: render node %s", dev->nodes[DRM_NODE_RENDER]);
      if (dev->bustype == DRM_BUS_PLATFORM) {
         CHECK(!strcmp(dev->businfo.platform->fullname, "/soc/gpu@5000000"),
               "drmGetDevice2: OF_FULLNAME %s", dev->businfo.platform->fullname);
         CHECK(dev->deviceinfo.platform->compatible &&
               dev->deviceinfo.platform->compatible[0] &&
               !strcmp(dev->deviceinfo.platform->compatible[0], "qcom,adreno"),
               "drmGetDevice2: compatible %s",
               dev->deviceinfo.platform->compatible
                  ? dev->deviceinfo.platform->compatible[0] : "(none)");
      }
      drmFreeDevice(&dev);
   }
}

static void
check_params(int fd)
{
   int ret;
   uint64_t v = get_param(fd, MSM_PARAM_GPU_ID, &ret);
   CHECK(!ret && v == 630, "GET_PARAM GPU_ID = %llu", (unsigned long long)v);
   v = get_param(fd, MSM_PARAM_CHIP_ID, &ret);
   CHECK(!ret && v, "GET_PARAM CHIP_ID = 0x%llx", (unsigned long long)v);
   v = get_param(fd, MSM_PARAM_GMEM_SIZE, &ret);
   CHECK(!ret && v, "GET_PARAM GMEM_SIZE = %llu", (unsigned long long)v);
   uint64_t va = get_param(fd, MSM_PARAM_VA_START, &ret);
   uint64_t vs = get_param(fd, MSM_PARAM_VA_SIZE, &ret);
   CHECK(!ret && vs, "GET_PARAM VA_START/VA_SIZE = 0x%llx/0x%llx",
         (unsigned long long)va, (unsigned long long)vs);
   v = get_param(fd, MSM_PARAM_NR_RINGS, &ret);
   CHECK(!ret && v >= 1, "GET_PARAM NR_RINGS = %llu", (unsigned long long)v);
   get_param(fd, 0x7777, &ret);
   CHECK(ret == -EINVAL, "GET_PARAM unknown param: %s", strerror(-ret));

   struct drm_get_cap cap = { .capability = DRM_CAP_SYNCOBJ, .value = 9 };
   ret = io(fd, DRM_IOCTL_GET_CAP, &cap);
   CHECK(!ret && cap.value == 1, "GET_CAP SYNCOBJ = %llu", (unsigned long long)cap.value);

   /* The cost of one forwarded ioctl in this guest (TCG: emulation). */
   uint64_t t0 = now_ns();
   for (int i = 0; i < 50; i++)
      get_param(fd, MSM_PARAM_GPU_ID, &ret);
   printf("info: GET_PARAM round trip %.1f us (avg of 50)\n",
          (now_ns() - t0) / 1e3 / 50);
}

static void
check_bos_and_submit(int fd)
{
   struct bo cmd, data, src;
   uint32_t cs[32], fence = 0, v = 0xc0ffee01;
   unsigned n;
   int ret;

   ret = bo_new(fd, 4096, &cmd);
   ret = ret ? ret : bo_new(fd, 4096, &data);
   ret = ret ? ret : bo_new(fd, 4096, &src);
   CHECK(!ret, "GEM_NEW + GEM_INFO IOVA/OFFSET + mmap x3: %s",
         ret ? strerror(-ret) : "ok");
   if (ret)
      return;
   printf("info: data bo iova 0x%llx mmap offset 0x%llx\n",
          (unsigned long long)data.iova, (unsigned long long)data.offset);

   char name[] = "guest-bo", got[32];
   struct drm_msm_gem_info gi = {
      .handle = data.handle, .info = MSM_INFO_SET_NAME,
      .value = (uintptr_t)name, .len = 8,
   };
   ret = io(fd, DRM_IOCTL_MSM_GEM_INFO, &gi);
   memset(got, 0, sizeof(got));
   gi = (struct drm_msm_gem_info){ .handle = data.handle,
      .info = MSM_INFO_GET_NAME, .value = (uintptr_t)got, .len = sizeof(got) };
   ret = ret ? ret : io(fd, DRM_IOCTL_MSM_GEM_INFO, &gi);
   CHECK(!ret && !strcmp(got, "guest-bo") && gi.len == 8,
         "GEM_INFO SET_NAME/GET_NAME: \"%s\"", got);

   /* The guest writes src through its mapping; the GPU copies it. */
   data.map[0] = data.map[1] = 0;
   src.map[0] = 0x5eed0001;
   n = pm4_emit_mem_write(cs, data.iova, &v, 1);
   n += pm4_emit_mem_to_mem(cs + n, 0, data.iova + 4, src.iova);
   struct bo *bos[] = { &data, &src };
   ret = submit(fd, 0, &cmd, cs, n, bos, 2, &fence);
   CHECK(!ret && fence, "GEM_SUBMIT: fence %u", fence);

   ret = wait_fence(fd, 0, fence, FAR_NS);
   CHECK(ret == 0 && data.map[0] == v,
         "CP_MEM_WRITE landed in the other BO: 0x%08x", data.map[0]);
   CHECK(data.map[1] == 0x5eed0001,
         "CP_MEM_TO_MEM copied the guest's mmap write: 0x%08x", data.map[1]);

   struct drm_msm_gem_cpu_prep prep = {
      .handle = data.handle, .op = MSM_PREP_READ, .timeout = deadline(FAR_NS),
   };
   ret = io(fd, DRM_IOCTL_MSM_GEM_CPU_PREP, &prep);
   struct drm_msm_gem_cpu_fini fini = { .handle = data.handle };
   ret = ret ? ret : io(fd, DRM_IOCTL_MSM_GEM_CPU_FINI, &fini);
   CHECK(!ret, "GEM_CPU_PREP/FINI: %s", ret ? strerror(-ret) : "ok");

   /* A wait that must block: 300 ms of modelled GPU time, deadline
    * "guest now + 10 s" as mesa computes it (get_abs_timeout()). */
   n = pm4_emit_delay(cs, 300000000ull);
   v = 0x5107;
   n += pm4_emit_mem_write(cs + n, data.iova, &v, 1);
   struct bo *slow[] = { &data };
   ret = submit(fd, 0, &cmd, cs, n, slow, 1, &fence);
   uint64_t t0 = now_ns();
   ret = ret ? ret : wait_fence(fd, 0, fence, 10000000000ull);
   double ms = (now_ns() - t0) / 1e6;
   CHECK(ret == 0 && data.map[0] == v,
         "WAIT_FENCE on a 300 ms submit, deadline guest-now+10s: %s after "
         "%.1f ms%s", ret ? strerror(-ret) : "signalled", ms,
         ret == -ETIMEDOUT ? " (the guest's CLOCK_MONOTONIC deadline reached "
                             "the host untranslated: the host's clock is "
                             "further along)" : "");
   if (ret)
      wait_fence(fd, 0, fence, FAR_NS);

   /* Submit queues, and a query that writes caller memory. */
   struct drm_msm_submitqueue q = { .prio = 1 };
   ret = io(fd, DRM_IOCTL_MSM_SUBMITQUEUE_NEW, &q);
   uint32_t faults = 0xdeadbeef;
   struct drm_msm_submitqueue_query qq = {
      .data = (uintptr_t)&faults, .id = q.id,
      .param = MSM_SUBMITQUEUE_PARAM_FAULTS, .len = 4,
   };
   ret = ret ? ret : io(fd, DRM_IOCTL_MSM_SUBMITQUEUE_QUERY, &qq);
   CHECK(!ret && faults == 0, "SUBMITQUEUE_NEW %u + QUERY FAULTS = %u", q.id, faults);
   v = 0x0badcafe;
   n = pm4_emit_mem_write(cs, data.iova, &v, 1);
   struct bo *one[] = { &data };
   ret = submit(fd, q.id, &cmd, cs, n, one, 1, &fence);
   ret = ret ? ret : wait_fence(fd, q.id, fence, FAR_NS);
   CHECK(!ret && data.map[0] == v, "submit on queue %u: 0x%08x", q.id, data.map[0]);
   ret = io(fd, DRM_IOCTL_MSM_SUBMITQUEUE_CLOSE, &q.id);
   CHECK(!ret, "SUBMITQUEUE_CLOSE");

   /* The kernel's errno for bad input. */
   struct drm_msm_gem_info bad = { .handle = 0x7fff, .info = MSM_INFO_GET_IOVA };
   ret = io(fd, DRM_IOCTL_MSM_GEM_INFO, &bad);
   CHECK(ret == -ENOENT, "GEM_INFO bad handle: %s", strerror(-ret));
   struct drm_msm_gem_new badnew = { .size = 4096, .flags = 0x80000000 };
   ret = io(fd, DRM_IOCTL_MSM_GEM_NEW, &badnew);
   CHECK(ret == -EINVAL, "GEM_NEW bad flags: %s", strerror(-ret));
   struct drm_gem_close badclose = { .handle = 0x7fff };
   ret = io(fd, DRM_IOCTL_GEM_CLOSE, &badclose);
   CHECK(ret == -EINVAL, "GEM_CLOSE bad handle: %s", strerror(-ret));
   ret = wait_fence(fd, 77, 1, FAR_NS);
   CHECK(ret == -ENOENT, "WAIT_FENCE bad queue: %s", strerror(-ret));
   struct drm_msm_gem_submit big = { .flags = MSM_PIPE_3D0, .nr_cmds = 257,
                                     .cmds = (uintptr_t)cs };
   ret = io(fd, DRM_IOCTL_MSM_GEM_SUBMIT, &big);
   CHECK(ret == -E2BIG, "GEM_SUBMIT 257 cmds: %s", strerror(-ret));
   struct drm_msm_gem_submit_bo badbo = { MSM_SUBMIT_BO_READ, 0x7fff, 0 };
   struct drm_msm_gem_submit badsub = { .flags = MSM_PIPE_3D0, .nr_bos = 1,
                                        .bos = (uintptr_t)&badbo };
   ret = io(fd, DRM_IOCTL_MSM_GEM_SUBMIT, &badsub);
   CHECK(ret == -EINVAL, "GEM_SUBMIT bad bo handle: %s", strerror(-ret));
   badsub.bos = 8; /* unmapped: the kernel's own copy-in faults */
   ret = io(fd, DRM_IOCTL_MSM_GEM_SUBMIT, &badsub);
   CHECK(ret == -EFAULT, "GEM_SUBMIT unmapped bos pointer: %s", strerror(-ret));
   uint64_t junk = 0;
   ret = io(fd, _IOWR('x', 7, uint64_t), &junk);
   CHECK(ret == -ENOTTY, "unknown ioctl: %s", strerror(-ret));
   struct drm_prime_handle ph = { .handle = data.handle };
   ret = io(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &ph);
   CHECK(ret == -ENOSYS || ret == -ENOTTY, "PRIME_HANDLE_TO_FD: %s (no fds through CUSE)",
         strerror(-ret));

   bo_free(fd, &cmd);
   bo_free(fd, &data);
   bo_free(fd, &src);
}

struct thread_arg {
   int fd;
   int errors;
};

static void *
thread_main(void *p)
{
   struct thread_arg *t = p;

   for (int i = 0; i < 20; i++) {
      struct drm_msm_gem_new gn = { .size = 4096, .flags = MSM_BO_WC };
      struct drm_msm_gem_info gi = { .info = MSM_INFO_GET_IOVA };
      int ret = io(t->fd, DRM_IOCTL_MSM_GEM_NEW, &gn);
      gi.handle = gn.handle;
      ret = ret ? ret : io(t->fd, DRM_IOCTL_MSM_GEM_INFO, &gi);
      struct drm_gem_close c = { .handle = gn.handle };
      ret = ret ? ret : io(t->fd, DRM_IOCTL_GEM_CLOSE, &c);
      t->errors += ret != 0;
   }
   return NULL;
}

static void
check_threads(int fd)
{
   struct thread_arg args[4];
   pthread_t th[4];
   int errors = 0;

   for (int i = 0; i < 4; i++) {
      args[i] = (struct thread_arg){ fd, 0 };
      pthread_create(&th[i], NULL, thread_main, &args[i]);
   }
   for (int i = 0; i < 4; i++) {
      pthread_join(th[i], NULL);
      errors += args[i].errors;
   }
   CHECK(!errors, "4 threads x 20 GEM_NEW/INFO/CLOSE on one fd: %d errors", errors);
}

/* A child with its own fd (its own host context) and its own value. */
static int
child_main(uint32_t value)
{
   int fd = open(node, O_RDWR | O_CLOEXEC);
   struct bo cmd, data;
   uint32_t cs[16], fence;
   int ret;

   if (fd < 0)
      return 10;
   if (bo_new(fd, 4096, &cmd) || bo_new(fd, 4096, &data))
      return 11;
   for (int i = 0; i < 10; i++) {
      uint32_t v = value + i;
      unsigned n = pm4_emit_mem_write(cs, data.iova, &v, 1);
      struct bo *bos[] = { &data };
      ret = submit(fd, 0, &cmd, cs, n, bos, 1, &fence);
      ret = ret ? ret : wait_fence(fd, 0, fence, FAR_NS);
      if (ret || data.map[0] != v)
         return 12;
   }
   bo_free(fd, &cmd);
   bo_free(fd, &data);
   close(fd);
   return 0;
}

static void
check_processes(void)
{
   pid_t pids[2];
   int st[2];

   for (int i = 0; i < 2; i++) {
      pids[i] = fork();
      if (pids[i] == 0)
         _exit(child_main(0x10000000u * (i + 1)));
   }
   for (int i = 0; i < 2; i++)
      waitpid(pids[i], &st[i], 0);
   CHECK(WIFEXITED(st[0]) && !WEXITSTATUS(st[0]) &&
         WIFEXITED(st[1]) && !WEXITSTATUS(st[1]),
         "2 processes at once, own contexts, 10 submits each: %d %d",
         WIFEXITED(st[0]) ? WEXITSTATUS(st[0]) : -1,
         WIFEXITED(st[1]) ? WEXITSTATUS(st[1]) : -1);
}

/* Block in WAIT_FENCE for about ms of modelled GPU time (to be killed
 * there).  The work is a chain of submits on one queue, each under the
 * sim's 500 ms hangcheck; the wait is for the last one. */
#define HANG_CHUNK_MS 400

static int
hang(int fd, unsigned ms)
{
   struct bo cmd[16], data;
   uint32_t cs[16], fence = 0, v = 1;
   unsigned chunks = (ms + HANG_CHUNK_MS - 1) / HANG_CHUNK_MS, n;
   int ret;

   if (chunks > 16)
      chunks = 16;
   if ((ret = bo_new(fd, 4096, &data))) {
      printf("HANG: setup failed: %s\n", strerror(-ret));
      return 1;
   }
   for (unsigned i = 0; i < chunks; i++) {
      struct bo *bos[] = { &data };

      if ((ret = bo_new(fd, 4096, &cmd[i])))
         break;
      n = pm4_emit_delay(cs, HANG_CHUNK_MS * 1000000ull);
      n += pm4_emit_mem_write(cs + n, data.iova, &v, 1);
      if ((ret = submit(fd, 0, &cmd[i], cs, n, bos, 1, &fence)))
         break;
   }
   printf("HANG: submitted %u x %u ms of GPU time, fence %u: waiting (%s)\n",
          chunks, HANG_CHUNK_MS, fence, ret ? strerror(-ret) : "ok");
   fflush(stdout);
   ret = ret ? ret : wait_fence(fd, 0, fence, FAR_NS);
   printf("HANG: wait returned %s\n", ret ? strerror(-ret) : "0");
   return ret ? 1 : 0;
}

static int
quick(void)
{
   uint64_t t0 = now_ns();
   int fd = open(node, O_RDWR | O_CLOEXEC), ret = -errno;
   uint64_t v = 0;

   if (fd >= 0) {
      v = get_param(fd, MSM_PARAM_GPU_ID, &ret);
      close(fd);
   }
   printf("QUICK: open + GET_PARAM GPU_ID = %llu (%s) in %.1f ms\n",
          (unsigned long long)v, ret ? strerror(-ret) : "ok",
          (now_ns() - t0) / 1e6);
   return ret ? 1 : 0;
}

int
main(int argc, char **argv)
{
   unsigned hang_ms = 0;
   bool quick_mode = false;
   int fd;

   setvbuf(stdout, NULL, _IOLBF, 0);
   for (int i = 1; i < argc; i++) {
      if (!strcmp(argv[i], "--node") && i + 1 < argc)
         node = argv[++i];
      else if (!strcmp(argv[i], "--hang") && i + 1 < argc)
         hang_ms = (unsigned)atoi(argv[++i]);
      else if (!strcmp(argv[i], "--quick"))
         quick_mode = true;
      else {
         fprintf(stderr, "usage: guest_client [--node PATH] [--hang MS | --quick]\n");
         return 2;
      }
   }

   if (quick_mode)
      return quick();
   fd = open(node, O_RDWR | O_CLOEXEC);
   if (hang_ms)
      return fd < 0 ? 1 : hang(fd, hang_ms);
   CHECK(fd >= 0, "open %s: %s", node, fd < 0 ? strerror(errno) : "ok");
   if (fd < 0) {
      printf("FAIL\n");
      return 1;
   }
   check_identity(fd);
   check_params(fd);
   check_bos_and_submit(fd);
   check_threads(fd);
   check_processes();
   CHECK(close(fd) == 0, "close");
   printf("%s (%d failed)\n", failures ? "FAIL" : "PASS", failures);
   return failures ? 1 : 0;
}
