/*
 * preload_sysfs.c - build and locate the fake sysfs tree (preload_sysfs.h).
 *
 * The tree is made in a private staging directory and renamed into place,
 * so concurrent first users (a forked client, several processes) never see
 * a half-built tree; whoever loses the rename uses the winner's.  A tree
 * that is not ours (another uid, group/world writable) is never used.
 */
#undef _FILE_OFFSET_BITS
#undef _FORTIFY_SOURCE
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "preload_sysfs.h"

#define TREE_VERSION "v1"

static pthread_mutex_t tree_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
   unsigned maj, min;
   enum preload_node_kind kind;
   char root[PATH_MAX];  /* canonical (realpath'd) */
   char sys[64];         /* /sys/dev/char/M:m */
   int ready;
} tree;

/* snprintf that fails instead of truncating a path. */
static int __attribute__((format(printf, 3, 4)))
fmt_path(char *buf, size_t cap, const char *fmt, ...)
{
   va_list ap;
   int n;

   va_start(ap, fmt);
   n = vsnprintf(buf, cap, fmt, ap);
   va_end(ap);
   return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

static int
write_file(const char *dir, const char *name, const char *text)
{
   char path[PATH_MAX];
   size_t len = strlen(text);
   int fd;

   if (fmt_path(path, sizeof(path), "%s/%s", dir, name))
      return -ENAMETOOLONG;
   fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
   if (fd < 0)
      return -errno;
   if (write(fd, text, len) != (ssize_t)len) {
      close(fd);
      return -EIO;
   }
   close(fd);
   return 0;
}

static int
make_dir(const char *base, const char *rel)
{
   char path[PATH_MAX];

   if (fmt_path(path, sizeof(path), "%s/%s", base, rel))
      return -ENAMETOOLONG;
   return mkdir(path, 0755) ? -errno : 0;
}

static int
make_link(const char *base, const char *rel, const char *target)
{
   char path[PATH_MAX];

   if (fmt_path(path, sizeof(path), "%s/%s", base, rel))
      return -ENAMETOOLONG;
   return symlink(target, path) ? -errno : 0;
}

/* The device directory of each kind of node: its bus, its driver, the
 * files libdrm and mesa's loader read. */
struct dev_file {
   const char *name, *text;
};

struct node_kind_desc {
   const char *tag;            /* in the tree's name */
   const char *bus, *driver;
   struct dev_file files[8];
};

static const struct node_kind_desc kinds[] = {
   /* A real Adreno 630 (sdm845's gpu@5000000), the compatible every msm
    * platform GPU carries. */
   [PRELOAD_NODE_MSM] = { "msm", "platform", "msm", {
      { "uevent", "DRIVER=msm\n"
                  "OF_NAME=gpu\n"
                  "OF_FULLNAME=/soc/gpu@5000000\n"
                  "OF_COMPATIBLE_0=qcom,adreno\n"
                  "OF_COMPATIBLE_N=1\n"
                  "MODALIAS=of:NgpuT(null)Cqcom,adreno\n" },
   } },
   /* A virtio-gpu PCI function (1af4:1050, a modern virtio 1.0 device;
    * QEMU's subsystem ids).  A real node's parent is the virtio device
    * whose parent is this function; libdrm resolves that chain to the PCI
    * device anyway (drmParseSubsystemType), so the node's device is the
    * PCI function here. */
   [PRELOAD_NODE_VIRTIO_GPU] = { "virtio_gpu", "pci", "virtio-pci", {
      { "uevent", "DRIVER=virtio-pci\n"
                  "PCI_CLASS=30000\n"
                  "PCI_ID=1AF4:1050\n"
                  "PCI_SUBSYS_ID=1AF4:1100\n"
                  "PCI_SLOT_NAME=0000:00:0f.0\n"
                  "MODALIAS=pci:v00001AF4d00001050sv00001AF4sd00001100bc03sc00i00\n" },
      { "vendor", "0x1af4\n" },
      { "device", "0x1050\n" },
      { "subsystem_vendor", "0x1af4\n" },
      { "subsystem_device", "0x1100\n" },
      { "revision", "0x01\n" },
      { "class", "0x030000\n" },
   } },
};

static int
populate(const char *dir, unsigned maj, unsigned min,
         enum preload_node_kind kind)
{
   const struct node_kind_desc *k = &kinds[kind];
   char drm[64], text[256], sub[PATH_MAX], rel[128];
   int ret = 0;

   snprintf(drm, sizeof(drm), "device/drm/renderD%u", min);
   ret |= make_dir(dir, "device");
   ret |= make_dir(dir, "device/drm");
   ret |= make_dir(dir, drm);
   ret |= make_dir(dir, "bus");
   snprintf(rel, sizeof(rel), "bus/%s", k->bus);
   ret |= make_dir(dir, rel);
   snprintf(rel, sizeof(rel), "bus/%s/drivers", k->bus);
   ret |= make_dir(dir, rel);
   snprintf(rel, sizeof(rel), "bus/%s/drivers/%s", k->bus, k->driver);
   ret |= make_dir(dir, rel);
   snprintf(rel, sizeof(rel), "../bus/%s", k->bus);
   ret |= make_link(dir, "device/subsystem", rel);
   snprintf(rel, sizeof(rel), "../bus/%s/drivers/%s", k->bus, k->driver);
   ret |= make_link(dir, "device/driver", rel);
   ret |= fmt_path(sub, sizeof(sub), "%s/device", dir);
   for (unsigned i = 0; i < sizeof(k->files) / sizeof(k->files[0]); i++)
      if (k->files[i].name)
         ret |= write_file(sub, k->files[i].name, k->files[i].text);
   ret |= fmt_path(sub, sizeof(sub), "%s/%s", dir, drm);
   snprintf(text, sizeof(text), "%u:%u\n", maj, min);
   ret |= write_file(sub, "dev", text);
   snprintf(text, sizeof(text),
            "MAJOR=%u\nMINOR=%u\nDEVNAME=dri/renderD%u\nDEVTYPE=drm_minor\n",
            maj, min, min);
   ret |= write_file(sub, "uevent", text);
   return ret ? -EIO : 0;
}

/* Remove a staging tree (only what populate() makes: small, known). */
static void
remove_tree(const char *path)
{
   DIR *d = opendir(path);
   struct dirent *e;

   if (d) {
      while ((e = readdir(d))) {
         char sub[PATH_MAX];
         struct stat st;

         if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
         if (fmt_path(sub, sizeof(sub), "%s/%s", path, e->d_name))
            continue;
         if (!lstat(sub, &st) && S_ISDIR(st.st_mode))
            remove_tree(sub);
         else
            unlink(sub);
      }
      closedir(d);
   }
   rmdir(path);
}

static int
usable(const char *root)
{
   struct stat st;

   if (lstat(root, &st))
      return -errno;
   if (!S_ISDIR(st.st_mode) || st.st_uid != getuid() ||
       (st.st_mode & (S_IWGRP | S_IWOTH)))
      return -EPERM;
   return 0;
}

static int
build(unsigned maj, unsigned min, enum preload_node_kind kind)
{
   const char *base = getenv("MSMVIRT_SYSFS_DIR");
   char root[PATH_MAX], staging[PATH_MAX], canon[PATH_MAX];
   int ret;

   if (!base || !*base)
      base = getenv("TMPDIR");
   if (!base || !*base)
      base = "/tmp";
   if (!realpath(base, canon))
      return -errno;
   if (fmt_path(root, sizeof(root), "%s/msmvirt-sysfs-%s-%u-%u-%u-" TREE_VERSION,
                canon, kinds[kind].tag, (unsigned)getuid(), maj, min))
      return -ENAMETOOLONG;

   if (usable(root) == -ENOENT) {
      if (fmt_path(staging, sizeof(staging), "%s/.msmvirt-sysfs-XXXXXX",
                   canon))
         return -ENAMETOOLONG;
      if (!mkdtemp(staging))
         return -errno;
      chmod(staging, 0755);
      ret = populate(staging, maj, min, kind);
      if (ret || rename(staging, root))
         remove_tree(staging); /* lost the race, or failed */
   }
   ret = usable(root);
   if (ret)
      return ret;

   snprintf(tree.root, sizeof(tree.root), "%s", root);
   snprintf(tree.sys, sizeof(tree.sys), "/sys/dev/char/%u:%u", maj, min);
   tree.maj = maj;
   tree.min = min;
   tree.kind = kind;
   tree.ready = 1;
   return 0;
}

int
preload_sysfs_path(unsigned maj, unsigned min, enum preload_node_kind kind,
                   const char *rest, char *buf, size_t cap)
{
   int ret = 0;

   if ((unsigned)kind >= sizeof(kinds) / sizeof(kinds[0]))
      return -EINVAL;
   pthread_mutex_lock(&tree_lock);
   if (!tree.ready || tree.maj != maj || tree.min != min || tree.kind != kind)
      ret = build(maj, min, kind);
   if (!ret)
      ret = fmt_path(buf, cap, "%s%s", tree.root, rest);
   pthread_mutex_unlock(&tree_lock);
   return ret;
}

static void
replace_prefix(char *path, size_t skip, const char *with)
{
   char tmp[PATH_MAX];

   /* The /sys names are shorter than the tree's: this always fits. */
   if (!fmt_path(tmp, sizeof(tmp), "%s%s", with, path + skip))
      memcpy(path, tmp, strlen(tmp) + 1);
}

void
preload_sysfs_unmap(char *path)
{
   size_t n;

   pthread_mutex_lock(&tree_lock);
   n = strlen(tree.root);
   if (tree.ready && !strncmp(path, tree.root, n)) {
      if (!strncmp(path + n, "/device", 7) &&
          (path[n + 7] == '/' || !path[n + 7]))
         replace_prefix(path, n, tree.sys);
      else if (!strncmp(path + n, "/bus", 4) &&
               (path[n + 4] == '/' || !path[n + 4]))
         replace_prefix(path, n, "/sys");
   }
   pthread_mutex_unlock(&tree_lock);
}
