/*
 * nc_guest_client.c - msmvirt's nativectx guest library inside a guest, on
 * the virtio_gpu node (msmvirt-cuse in nativectx mode): its vg layer is the
 * virtgpu uapi (vg_ioctl.c) on the node's fd, mmap and fence fds through
 * libmsmvirt-preload.so.
 *
 *   nc_guest_client [--node PATH] --conform    the ws conformance suite
 *   nc_guest_client [--node PATH] --hang MS    submit MS of modelled GPU
 *                   time, wait for it in ws_fence_wait (to be killed there)
 *   nc_guest_client [--node PATH] --quick      open, GPU_ID, one write +
 *                   wait + read back, the vg counters
 * Hostmem: the node maps it; its size is the BAR's ($MSMVIRT_HOSTMEM_BAR,
 * else the ivshmem device's resource2).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conformance.h"
#include "core/pm4.h"
#include "hostmem_find.h"
#include "nc_guest.h"
#include "vg_ioctl.h"

#define SEC 1000000000ll

static const char *node = "/dev/dri/renderD128";

static uint64_t
hostmem_size(void)
{
   const char *bar = getenv("MSMVIRT_HOSTMEM_BAR");
   char found[256];
   struct stat st;

   if ((!bar || !*bar) && msmvirt_find_ivshmem(found, sizeof(found)))
      bar = found;
   if (!bar || stat(bar, &st))
      return 0;
   return (uint64_t)st.st_size;
}

static int
open_dev(void *fixture, struct ws_dev **out)
{
   uint64_t size = hostmem_size();
   struct vg_dev *vg;
   int fd, ret;

   (void)fixture;
   if (!size)
      return -ENODEV;
   fd = open(node, O_RDWR | O_CLOEXEC);
   if (fd < 0)
      return -errno;
   ret = vg_ioctl_open_fd(fd, size, &vg);
   if (ret)
      return ret;
   return ws_nativectx_open(vg, NULL, out);
}

static int
setup(void **fixture)
{
   *fixture = NULL;
   return 0;
}

static void
teardown(void *fixture)
{
   (void)fixture;
}

static int
conform(void)
{
   const struct ws_factory f = {
      .name = "nativectx-guest-virtio_gpu-node",
      .setup = setup, .teardown = teardown, .open = open_dev,
      .gpu_id = 630,
   };
   return ws_conformance_run(&f);
}

/* cs (ndw dwords) in a fresh BO, submitted on the default queue with
 * target written. */
static int
submit(struct ws_dev *dev, const uint32_t *cs, unsigned ndw,
       struct ws_bo *target, uint32_t *fence)
{
   struct ws_bo *cs_bo;
   int ret = ws_bo_new(dev, 4096, MSM_BO_WC, &cs_bo);

   if (ret)
      return ret;
   ret = ws_bo_upload(cs_bo, 0, cs, ndw * 4);
   struct ws_submit_bo bos[] = {
      { cs_bo, MSM_SUBMIT_BO_READ },
      { target, MSM_SUBMIT_BO_READ | MSM_SUBMIT_BO_WRITE },
   };
   struct ws_submit_cmd cmd = { MSM_SUBMIT_CMD_BUF, 0, 0, ndw * 4 };
   struct ws_submit s = { .nr_bos = 2, .bos = bos, .nr_cmds = 1, .cmds = &cmd };
   if (!ret)
      ret = ws_submit(dev, &s);
   *fence = s.fence;
   ws_bo_free(cs_bo); /* lives until retired */
   return ret;
}

/* A chain of submits under the sim's 500 ms hangcheck; wait for the last. */
#define HANG_CHUNK_MS 400

static int
hang(unsigned ms)
{
   struct ws_dev *dev;
   struct ws_bo *data;
   uint32_t cs[16], fence = 0, v = 1;
   unsigned chunks = (ms + HANG_CHUNK_MS - 1) / HANG_CHUNK_MS;
   int ret = open_dev(NULL, &dev);

   if (ret || (ret = ws_bo_new(dev, 4096, MSM_BO_WC, &data))) {
      printf("HANG: setup failed: %s\n", strerror(-ret));
      return 1;
   }
   for (unsigned i = 0; i < chunks && !ret; i++) {
      unsigned n = pm4_emit_delay(cs, HANG_CHUNK_MS * 1000000ull);
      n += pm4_emit_mem_write(cs + n, data->iova, &v, 1);
      ret = submit(dev, cs, n, data, &fence);
   }
   printf("HANG: submitted %u x %u ms of GPU time, fence %u: waiting (%s)\n",
          chunks, HANG_CHUNK_MS, fence, ret ? strerror(-ret) : "ok");
   fflush(stdout);
   ret = ret ? ret : ws_fence_wait(dev, 0, fence, 60 * SEC);
   printf("HANG: wait returned %s\n", ret ? strerror(-ret) : "0");
   ws_close(dev);
   return ret ? 1 : 0;
}

static int
quick(void)
{
   struct ws_dev *dev;
   struct ws_bo *data;
   struct ws_stats st;
   uint64_t gpu_id = 0;
   uint32_t cs[16], fence = 0, v = 0x5a5a1234;
   void *p;
   int ret = open_dev(NULL, &dev);

   if (ret) {
      printf("QUICK: open: %s\n", strerror(-ret));
      return 1;
   }
   ret = ws_get_param(dev, MSM_PARAM_GPU_ID, &gpu_id);
   if (!ret)
      ret = ws_bo_new(dev, 4096, MSM_BO_WC, &data);
   if (!ret) {
      unsigned n = pm4_emit_mem_write(cs, data->iova, &v, 1);
      ret = submit(dev, cs, n, data, &fence);
   }
   if (!ret)
      ret = ws_fence_wait(dev, 0, fence, 10 * SEC);
   if (!ret)
      ret = ws_bo_map(data, &p);
   ws_get_stats(dev, &st);
   printf("QUICK: GPU_ID=%llu write+wait+map: %s, value 0x%08x; vg: %llu "
          "messages, %llu sync round trips, %llu events\n",
          (unsigned long long)gpu_id, ret ? strerror(-ret) : "ok",
          ret ? 0 : *(volatile uint32_t *)p, (unsigned long long)st.messages,
          (unsigned long long)st.sync_round_trips,
          (unsigned long long)st.events);
   if (!ret && *(volatile uint32_t *)p != v)
      ret = -EIO;
   ws_close(dev);
   return ret ? 1 : 0;
}

int
main(int argc, char **argv)
{
   for (int i = 1; i < argc; i++) {
      if (!strcmp(argv[i], "--node") && i + 1 < argc)
         node = argv[++i];
      else if (!strcmp(argv[i], "--conform"))
         return conform();
      else if (!strcmp(argv[i], "--hang") && i + 1 < argc)
         return hang((unsigned)atoi(argv[++i]));
      else if (!strcmp(argv[i], "--quick"))
         return quick();
   }
   fprintf(stderr, "usage: nc_guest_client [--node PATH] --conform | --hang MS | --quick\n");
   return 2;
}
