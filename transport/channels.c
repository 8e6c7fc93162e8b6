/*
 * channels.c - how a guest gets its stream and its hostmem, per channel.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "mt_priv.h"

/* MAP_SHARED of a file: the ivshmem BAR (sysfs resource2) in a VM, the host's
 * backing file in tests.  size 0 takes the file's size. */
static int
map_file(const char *path, uint64_t size, struct mt_guest_hostmem *hm)
{
   struct stat st;
   int ret = 0;

   int fd = open(path, O_RDWR | O_CLOEXEC);
   if (fd < 0)
      return -errno;
   if (!size) {
      if (fstat(fd, &st)) {
         ret = -errno;
         goto out;
      }
      size = st.st_size;
   }
   if (!size || size > SIZE_MAX) {
      ret = -EINVAL;
      goto out;
   }
   void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
   if (p == MAP_FAILED) {
      ret = -errno;
      goto out;
   }
   hm->base = p;
   hm->size = size;
   hm->owned = true;
out:
   close(fd);
   return ret;
}

int
mt_guest_open_fd(int fd, const char *hostmem_path, uint64_t hostmem_size,
                 unsigned flags, const struct mt_guest_config *cfg,
                 struct mt_guest **out)
{
   struct mt_guest_hostmem hm = { 0 };

   if (fd < 0)
      return -EBADF;
   if (!cfg) {
      close(fd);
      return -EINVAL;
   }
   if (hostmem_path) {
      int ret = map_file(hostmem_path, hostmem_size, &hm);
      if (ret) {
         close(fd);
         return ret;
      }
   } else {
      hm.from_welcome = true;
   }
   return mt_guest_start(fd, &hm, flags, cfg, NULL, out);
}

int
mt_guest_open_virtio(const char *port_path, const char *hostmem_path,
                     uint64_t hostmem_size, const struct mt_guest_config *cfg,
                     struct mt_guest **out)
{
   if (!port_path || !hostmem_path)
      return -EINVAL;
   int fd = open(port_path, O_RDWR | O_NOCTTY | O_CLOEXEC);
   if (fd < 0)
      return -errno;
   return mt_guest_open_fd(fd, hostmem_path, hostmem_size,
                           MT_GUEST_REMOTE_CLOCK, cfg, out);
}

int
mt_guest_connect(const char *path, const struct mt_guest_config *cfg,
                 struct mt_guest **out)
{
   struct sockaddr_un sun = { .sun_family = AF_UNIX };

   if (!path || !cfg)
      return -EINVAL;
   if (strlen(path) >= sizeof(sun.sun_path))
      return -ENAMETOOLONG;
   strcpy(sun.sun_path, path);

   int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
   if (fd < 0)
      return -errno;
   if (connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
      int ret = -errno;
      close(fd);
      return ret;
   }
   return mt_guest_open_fd(fd, NULL, 0, 0, cfg, out);
}

static int
loopback(struct mt_host *h, const struct mt_guest_config *cfg,
         struct mt_host *own, struct mt_guest **out)
{
   struct mt_guest_hostmem hm = { 0 };
   int sv[2];

   if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
      int ret = -errno;
      mt_host_destroy(own);
      return ret;
   }
   int ret = mt_host_serve_fd(h, sv[0], 0);
   if (ret) {
      close(sv[1]);
      mt_host_destroy(own);
      return ret;
   }
   /* Same process: the guest sees the host's memory itself. */
   mt_host_hostmem(h, NULL, &hm.size, &hm.base);
   if (!hm.base)
      hm.size = 0;
   return mt_guest_start(sv[1], &hm, 0, cfg, own, out);
}

int
mt_guest_loopback(struct mt_host *host, const struct mt_guest_config *cfg,
                  struct mt_guest **out)
{
   if (!host || !cfg)
      return -EINVAL;
   return loopback(host, cfg, NULL, out);
}

int
mt_loopback_create(const struct mt_host_config *hcfg,
                   const struct mt_guest_config *gcfg, struct mt_guest **out)
{
   struct mt_host *h;

   if (!gcfg)
      return -EINVAL;
   int ret = mt_host_create(hcfg, &h);
   if (ret)
      return ret;
   return loopback(h, gcfg, h, out);
}
