/*
 * preload.c - libmsmvirt-preload.so: what a CUSE node cannot provide to an
 * unmodified msm client, and nothing else (DESIGN.md decision 6).
 *
 *  (a) mmap(node_fd, offset): CUSE has no mmap.  A BO's mmap offset
 *      (GEM_INFO GET_OFFSET) is its offset in hostmem, the region the host
 *      keeps BO storage in and the guest sees as the ivshmem BAR.  So a
 *      mapping of the node at offset X becomes a MAP_SHARED mapping of the
 *      hostmem file at X, same length, prot and flags; munmap/mremap then
 *      work on it as on any file mapping.
 *  (b) the sysfs identity libdrm and mesa's loader check: a real msm render
 *      node's /sys/dev/char/M:m/device is the platform device of the GPU.
 *      A CUSE device is a virtual device without one.  Like mesa's drm-shim
 *      we answer the lookups libdrm 2.4.114 makes (stat of device/drm,
 *      readlink of device/subsystem, device/uevent, opendir of device/drm,
 *      realpath of device), but from a small real tree built once under
 *      $TMPDIR: every path call under /sys/dev/char/M:m/device is
 *      redirected into it, so all variants (stat64, fopen64, openat, ...)
 *      behave like the real thing.
 *
 *  (c) fence fds of the virtio_gpu node (preload_fence.c).
 *
 * The node is recognised by identity: fstat(fd).st_rdev equal to that of
 * the node path (MSMVIRT_NODE, else the guest config's node, default
 * /dev/dri/renderD128).  The config (MSMVIRT_CONFIG, default
 * /etc/msmvirt/guest.conf) also says which device the node is: an msm
 * platform GPU (forward) or a virtio-gpu PCI function (nativectx);
 * MSMVIRT_NODE_KIND=msm|virtio_gpu overrides it.  For tests the
 * node may be a regular file, recognised by (st_dev, st_ino), whose sysfs
 * name is then given as MSMVIRT_NODE_RDEV=M:m.  The hostmem file is
 * MSMVIRT_HOSTMEM_BAR (the VM's ivshmem resource2), else MSMVIRT_HOSTMEM,
 * else the first ivshmem device's resource2 found under /sys/bus/pci.
 */
/* We define the libc entry points themselves: no header may rename them
 * (stat -> stat64 under _FILE_OFFSET_BITS=64, fortify's inline open). */
#undef _FILE_OFFSET_BITS
#undef _FORTIFY_SOURCE
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/sync_file.h>

#include "cuse_config.h"
#include "hostmem_find.h"
#include "preload_priv.h"
#include "preload_sysfs.h"
#include "vgpu_fence.h"

#define PUBLIC __attribute__((visibility("default")))

/* The next definition of a symbol (libc's), looked up once.  Every one
 * used here is a default-version symbol of glibc >= 2.33. */
#define REAL(ret, name, ...)                                              \
   typedef ret (*name##_fn)(__VA_ARGS__);                                 \
   static name##_fn real_##name;                                          \
   static name##_fn                                                       \
   resolve_##name(void)                                                   \
   {                                                                      \
      name##_fn p = __atomic_load_n(&real_##name, __ATOMIC_ACQUIRE);      \
      if (!p) {                                                           \
         p = (name##_fn)dlsym(RTLD_NEXT, #name);                          \
         if (!p)                                                          \
            abort_missing(#name);                                         \
         __atomic_store_n(&real_##name, p, __ATOMIC_RELEASE);             \
      }                                                                   \
      return p;                                                           \
   }

#define CALL(name) (resolve_##name())

static void __attribute__((noreturn))
abort_missing(const char *name)
{
   static const char msg[] = "libmsmvirt-preload: libc has no ";
   ssize_t r = write(2, msg, sizeof(msg) - 1);
   r += write(2, name, strlen(name));
   r += write(2, "\n", 1);
   (void)r;
   abort();
}

REAL(void *, mmap, void *, size_t, int, int, int, off_t)
REAL(int, open, const char *, int, ...)
REAL(int, open64, const char *, int, ...)
REAL(int, openat, int, const char *, int, ...)
REAL(int, openat64, int, const char *, int, ...)
REAL(int, __open_2, const char *, int)
REAL(int, __open64_2, const char *, int)
REAL(int, __openat_2, int, const char *, int)
REAL(int, __openat64_2, int, const char *, int)
REAL(FILE *, fopen, const char *, const char *)
REAL(FILE *, fopen64, const char *, const char *)
REAL(int, stat, const char *, struct stat *)
REAL(int, stat64, const char *, struct stat64 *)
REAL(int, lstat, const char *, struct stat *)
REAL(int, lstat64, const char *, struct stat64 *)
REAL(int, fstatat, int, const char *, struct stat *, int)
REAL(int, fstatat64, int, const char *, struct stat64 *, int)
REAL(int, statx, int, const char *, int, unsigned, struct statx *)
REAL(int, access, const char *, int)
REAL(int, faccessat, int, const char *, int, int)
REAL(ssize_t, readlink, const char *, char *, size_t)
REAL(ssize_t, readlinkat, int, const char *, char *, size_t)
REAL(ssize_t, __readlink_chk, const char *, char *, size_t, size_t)
REAL(char *, realpath, const char *, char *)
REAL(char *, __realpath_chk, const char *, char *, size_t)
REAL(DIR *, opendir, const char *)
REAL(int, ioctl, int, unsigned long, ...)

/* ------------------------------------------------------------ the node */

struct node_id {
   bool ok;
   bool is_chr;
   dev_t rdev;          /* char device: its number; else MSMVIRT_NODE_RDEV */
   dev_t dev;           /* regular file stand-in: (dev, ino) */
   ino_t ino;
};

/* The guest config file (cuse_config.h), read once: the node's name and
 * which personality serves it. */
static pthread_once_t config_once = PTHREAD_ONCE_INIT;
static struct {
   bool loaded;
   char node_path[CUSE_CONFIG_STR + 8];
   enum preload_node_kind kind;
} config;

static void
load_config(void)
{
   const char *path = getenv("MSMVIRT_CONFIG");
   const char *kind = getenv("MSMVIRT_NODE_KIND");
   struct cuse_config c;
   char err[256];

   config.kind = PRELOAD_NODE_MSM;
   if (!path || !*path)
      path = "/etc/msmvirt/guest.conf";
   if (!cuse_config_load(path, &c, err, sizeof(err))) {
      config.loaded = true;
      if (c.node[0])
         snprintf(config.node_path, sizeof(config.node_path), "/dev/%s",
                  c.node);
      if (c.mode == CUSE_MODE_NATIVECTX)
         config.kind = PRELOAD_NODE_VIRTIO_GPU;
   }
   /* Tests name the kind without a config file. */
   if (kind && !strcmp(kind, "virtio_gpu"))
      config.kind = PRELOAD_NODE_VIRTIO_GPU;
   else if (kind && !strcmp(kind, "msm"))
      config.kind = PRELOAD_NODE_MSM;
}

static enum preload_node_kind
node_kind(void)
{
   pthread_once(&config_once, load_config);
   return config.kind;
}

static const char *
node_path(void)
{
   const char *p = getenv("MSMVIRT_NODE");

   if (!p || !*p)
      p = getenv("MSMVIRT_NODE_PATH");
   if (p && *p)
      return p;
   pthread_once(&config_once, load_config);
   return config.node_path[0] ? config.node_path : "/dev/dri/renderD128";
}

/* Looked up on every use: the daemon may restart with another major. */
static struct node_id
node_identity(void)
{
   struct node_id id = { 0 };
   struct stat st;

   if (CALL(stat)(node_path(), &st))
      return id;
   id.ok = true;
   id.is_chr = S_ISCHR(st.st_mode);
   id.rdev = st.st_rdev;
   id.dev = st.st_dev;
   id.ino = st.st_ino;
   if (!id.is_chr) {
      const char *e = getenv("MSMVIRT_NODE_RDEV");
      unsigned maj, min;

      id.rdev = e && sscanf(e, "%u:%u", &maj, &min) == 2 ? makedev(maj, min)
                                                          : 0;
   }
   return id;
}

bool
preload_is_node_fd(int fd)
{
   struct node_id id;
   struct stat st;

   if (fd < 0 || fstat(fd, &st))
      return false;
   if (!S_ISCHR(st.st_mode) && !S_ISREG(st.st_mode))
      return false;
   id = node_identity();
   if (!id.ok)
      return false;
   if (id.is_chr)
      return S_ISCHR(st.st_mode) && st.st_rdev == id.rdev;
   return S_ISREG(st.st_mode) && st.st_dev == id.dev && st.st_ino == id.ino;
}

/* ------------------------------------------------------------ hostmem */

static int hostmem_fd = -1; /* __atomic_* only */

static int
get_hostmem_fd(bool reopen)
{
   char found[PATH_MAX];
   const char *path;
   int fd = __atomic_load_n(&hostmem_fd, __ATOMIC_ACQUIRE), expected;

   if (fd >= 0 && !reopen)
      return fd;
   path = getenv("MSMVIRT_HOSTMEM_BAR");
   if (!path || !*path)
      path = getenv("MSMVIRT_HOSTMEM");
   if ((!path || !*path) && msmvirt_find_ivshmem(found, sizeof(found)))
      path = found;
   if (!path || !*path) {
      errno = ENODEV;
      return -1;
   }
   fd = CALL(open)(path, O_RDWR | O_CLOEXEC);
   if (fd < 0)
      return -1;
   if (reopen) {
      /* The old number may name someone else's file by now: forget it,
       * never close it. */
      __atomic_store_n(&hostmem_fd, fd, __ATOMIC_RELEASE);
      return fd;
   }
   /* Another thread may have raced us: the first fd wins. */
   expected = -1;
   if (!__atomic_compare_exchange_n(&hostmem_fd, &expected, fd, false,
                                    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
      close(fd);
      return expected;
   }
   return fd;
}

PUBLIC void *
mmap(void *addr, size_t len, int prot, int flags, int fd, off_t offset)
{
   void *p;
   int hm;

   if (fd < 0 || (flags & MAP_ANONYMOUS) || !preload_is_node_fd(fd))
      return CALL(mmap)(addr, len, prot, flags, fd, offset);

   hm = get_hostmem_fd(false);
   if (hm < 0)
      return MAP_FAILED;
   p = CALL(mmap)(addr, len, prot, flags, hm, offset);
   /* The program closed our fd behind our back (close_range, a daemon's
    * close-everything): open the file again once. */
   if (p == MAP_FAILED && errno == EBADF && (hm = get_hostmem_fd(true)) >= 0)
      p = CALL(mmap)(addr, len, prot, flags, hm, offset);
   return p;
}

PUBLIC void *mmap64(void *, size_t, int, int, int, off_t)
   __attribute__((alias("mmap")));

/* ------------------------------------------------------------ sysfs */

/* If path is under /sys/dev/char/M:m/device of our node, the same path in
 * the fake tree (in buf); else path itself. */
static const char *
redirect(const char *path, char *buf, size_t cap)
{
   static const char prefix[] = "/sys/dev/char/";
   unsigned maj, min;
   int n = 0;
   const char *rest;
   struct node_id id;

   if (!path || strncmp(path, prefix, sizeof(prefix) - 1))
      return path;
   if (sscanf(path + sizeof(prefix) - 1, "%u:%u%n", &maj, &min, &n) != 2)
      return path;
   rest = path + sizeof(prefix) - 1 + n;
   if (strncmp(rest, "/device", 7) || (rest[7] && rest[7] != '/'))
      return path;
   id = node_identity();
   if (!id.ok || !id.rdev || major(id.rdev) != maj || minor(id.rdev) != min)
      return path;
   if (preload_sysfs_path(maj, min, node_kind(), rest, buf, cap))
      return path;
   return buf;
}

#define REDIRECT(p) \
   char redirect_buf_[PATH_MAX]; \
   const char *rp_ = redirect((p), redirect_buf_, sizeof(redirect_buf_))

static mode_t
va_mode(int flags, va_list ap)
{
   return (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, mode_t) : 0;
}

PUBLIC int
open(const char *path, int flags, ...)
{
   va_list ap;
   va_start(ap, flags);
   mode_t mode = va_mode(flags, ap);
   va_end(ap);
   REDIRECT(path);
   return CALL(open)(rp_, flags, mode);
}

PUBLIC int
open64(const char *path, int flags, ...)
{
   va_list ap;
   va_start(ap, flags);
   mode_t mode = va_mode(flags, ap);
   va_end(ap);
   REDIRECT(path);
   return CALL(open64)(rp_, flags, mode);
}

/* Only absolute paths can name /sys/dev/char: dirfd does not matter. */
PUBLIC int
openat(int dirfd, const char *path, int flags, ...)
{
   va_list ap;
   va_start(ap, flags);
   mode_t mode = va_mode(flags, ap);
   va_end(ap);
   REDIRECT(path);
   return CALL(openat)(dirfd, rp_, flags, mode);
}

PUBLIC int
openat64(int dirfd, const char *path, int flags, ...)
{
   va_list ap;
   va_start(ap, flags);
   mode_t mode = va_mode(flags, ap);
   va_end(ap);
   REDIRECT(path);
   return CALL(openat64)(dirfd, rp_, flags, mode);
}

PUBLIC int __open_2(const char *path, int flags)
{ REDIRECT(path); return CALL(__open_2)(rp_, flags); }
PUBLIC int __open64_2(const char *path, int flags)
{ REDIRECT(path); return CALL(__open64_2)(rp_, flags); }
PUBLIC int __openat_2(int dirfd, const char *path, int flags)
{ REDIRECT(path); return CALL(__openat_2)(dirfd, rp_, flags); }
PUBLIC int __openat64_2(int dirfd, const char *path, int flags)
{ REDIRECT(path); return CALL(__openat64_2)(dirfd, rp_, flags); }

PUBLIC FILE *fopen(const char *path, const char *mode)
{ REDIRECT(path); return CALL(fopen)(rp_, mode); }
PUBLIC FILE *fopen64(const char *path, const char *mode)
{ REDIRECT(path); return CALL(fopen64)(rp_, mode); }

PUBLIC int stat(const char *path, struct stat *st)
{ REDIRECT(path); return CALL(stat)(rp_, st); }
PUBLIC int stat64(const char *path, struct stat64 *st)
{ REDIRECT(path); return CALL(stat64)(rp_, st); }
PUBLIC int lstat(const char *path, struct stat *st)
{ REDIRECT(path); return CALL(lstat)(rp_, st); }
PUBLIC int lstat64(const char *path, struct stat64 *st)
{ REDIRECT(path); return CALL(lstat64)(rp_, st); }
PUBLIC int fstatat(int dirfd, const char *path, struct stat *st, int flags)
{ REDIRECT(path); return CALL(fstatat)(dirfd, rp_, st, flags); }
PUBLIC int fstatat64(int dirfd, const char *path, struct stat64 *st, int flags)
{ REDIRECT(path); return CALL(fstatat64)(dirfd, rp_, st, flags); }
PUBLIC int statx(int dirfd, const char *path, int flags, unsigned mask,
                 struct statx *st)
{ REDIRECT(path); return CALL(statx)(dirfd, rp_, flags, mask, st); }

PUBLIC int access(const char *path, int mode)
{ REDIRECT(path); return CALL(access)(rp_, mode); }
PUBLIC int faccessat(int dirfd, const char *path, int mode, int flags)
{ REDIRECT(path); return CALL(faccessat)(dirfd, rp_, mode, flags); }

PUBLIC ssize_t readlink(const char *path, char *buf, size_t len)
{ REDIRECT(path); return CALL(readlink)(rp_, buf, len); }
PUBLIC ssize_t readlinkat(int dirfd, const char *path, char *buf, size_t len)
{ REDIRECT(path); return CALL(readlinkat)(dirfd, rp_, buf, len); }
PUBLIC ssize_t __readlink_chk(const char *path, char *buf, size_t len,
                              size_t buflen)
{ REDIRECT(path); return CALL(__readlink_chk)(rp_, buf, len, buflen); }

PUBLIC DIR *opendir(const char *path)
{ REDIRECT(path); return CALL(opendir)(rp_); }

/* The resolved name of a redirected path is shown under /sys again, as
 * the real device directory would be. */
static char *
unredirect(char *resolved)
{
   if (resolved)
      preload_sysfs_unmap(resolved);
   return resolved;
}

PUBLIC char *
realpath(const char *path, char *resolved)
{
   REDIRECT(path);
   return rp_ == path ? CALL(realpath)(path, resolved)
                      : unredirect(CALL(realpath)(rp_, resolved));
}

PUBLIC char *
__realpath_chk(const char *path, char *resolved, size_t len)
{
   REDIRECT(path);
   return rp_ == path ? CALL(__realpath_chk)(path, resolved, len)
                      : unredirect(CALL(__realpath_chk)(rp_, resolved, len));
}

/* ------------------------------------------------------------ fences */

static int
libc_ioctl(void *data, unsigned long req, void *arg)
{
   return CALL(ioctl)(*(int *)data, req, arg);
}

/* The virtio_gpu node's fence fds (vgpu_fence.h); everything else goes
 * straight to libc. */
PUBLIC int
ioctl(int fd, unsigned long req, ...)
{
   va_list ap;
   void *arg;

   va_start(ap, req);
   arg = va_arg(ap, void *);
   va_end(ap);
   if (req == DRM_IOCTL_VIRTGPU_EXECBUFFER && arg) {
      struct drm_virtgpu_execbuffer eb;
      memcpy(&eb, arg, sizeof(eb));
      if ((eb.flags & (VIRTGPU_EXECBUF_FENCE_FD_IN |
                       VIRTGPU_EXECBUF_FENCE_FD_OUT)) &&
          preload_is_node_fd(fd)) {
         /* Our copy: the caller's flags stay as it set them. */
         int ret = vgpu_fence_execbuffer(libc_ioctl, &fd, &eb);
         if (!ret)
            ((struct drm_virtgpu_execbuffer *)arg)->fence_fd = eb.fence_fd;
         return ret;
      }
   } else if ((req == SYNC_IOC_MERGE || req == SYNC_IOC_FILE_INFO) &&
              vgpu_fence_is_ours(fd)) {
      return vgpu_fence_sync_ioctl(fd, req, arg);
   }
   return CALL(ioctl)(fd, req, arg);
}
