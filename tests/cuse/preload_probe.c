/*
 * preload_probe.c - libmsmvirt-preload.so on a machine without CUSE.
 *
 *   preload_probe PRELOAD_SO
 *
 * Makes a hostmem file and a stand-in node in a temporary directory, then
 * runs itself twice under LD_PRELOAD:
 *   file: the node is a regular file (recognised by inode, sysfs name from
 *         MSMVIRT_NODE_RDEV=226:128): the fake sysfs tree through plain libc
 *         calls, and mmap of the node at an offset landing in hostmem;
 *   chr:  the node is /dev/null (a real char device, 1:3): libdrm's own
 *         lookups (drmGetNodeTypeFromFd, drmGetRenderDeviceNameFromFd) see
 *         a DRM device, and its mmap lands in hostmem.
 *   virtio: the same node, a guest config saying mode = nativectx: libdrm
 *         sees a PCI device 1af4:1050 (what mesa's loader maps to
 *         virtio_gpu), and the preload answers the sync_file ioctls on
 *         eventfds (fence fds).
 * One line per check, exit status 0 only if all pass.
 */
#include <dirent.h>
#include <linux/sync_file.h>
#include <poll.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xf86drm.h>

#define HOSTMEM_SIZE (64 * 1024)
#define BO_OFFSET    8192

static int failures;

static void
check(int ok, const char *what)
{
   printf("%s %s\n", ok ? "ok:  " : "FAIL:", what);
   if (!ok)
      failures++;
}

static int
file_has(const char *path, const char *needle)
{
   char buf[1024];
   size_t n;
   FILE *f = fopen(path, "r");

   if (!f)
      return 0;
   n = fread(buf, 1, sizeof(buf) - 1, f);
   buf[n] = '\0';
   fclose(f);
   return strstr(buf, needle) != NULL;
}

/* The node's mmap offset lands in hostmem; writes go there too. */
static void
check_mmap(const char *node, const char *hostmem)
{
   int fd = open(node, O_RDWR | O_CLOEXEC);
   int hm = open(hostmem, O_RDWR | O_CLOEXEC);
   char got[8];
   char *p, *q;

   check(fd >= 0 && hm >= 0, "open node and hostmem");
   p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, BO_OFFSET);
   check(p != MAP_FAILED && !memcmp(p, "HOSTMEM!", 8),
         "mmap(node, offset) maps hostmem at that offset");
   if (p == MAP_FAILED)
      return;
   memcpy(p + 16, "GUESTW!!", 8);
   check(pread(hm, got, 8, BO_OFFSET + 16) == 8 && !memcmp(got, "GUESTW!!", 8),
         "a write through the mapping reaches the hostmem file");
   q = mremap(p, 4096, 8192, MREMAP_MAYMOVE);
   check(q != MAP_FAILED && !memcmp(q, "HOSTMEM!", 8), "mremap works on it");
   check(munmap(q != MAP_FAILED ? q : p, q != MAP_FAILED ? 8192 : 4096) == 0,
         "munmap works on it");
   p = mmap64(NULL, 4096, PROT_READ, MAP_SHARED, fd, BO_OFFSET);
   check(p != MAP_FAILED && !memcmp(p, "HOSTMEM!", 8), "mmap64 too");
   if (p != MAP_FAILED)
      munmap(p, 4096);
   close(fd);
   close(hm);
}

static void
phase_file(const char *dir)
{
   const char *sys = "/sys/dev/char/226:128/device";
   char path[512], link[256], other[512], *rp;
   struct stat st;
   DIR *d;
   int found = 0, fd;

   snprintf(path, sizeof(path), "%s/drm", sys);
   check(stat(path, &st) == 0 && S_ISDIR(st.st_mode), "stat device/drm is a dir");
   check(fstatat(AT_FDCWD, path, &st, 0) == 0, "fstatat device/drm");
   snprintf(path, sizeof(path), "%s/subsystem", sys);
   ssize_t n = readlink(path, link, sizeof(link) - 1);
   if (n >= 0)
      link[n] = '\0';
   check(n > 0 && strrchr(link, '/') && !strcmp(strrchr(link, '/'), "/platform"),
         "readlink device/subsystem ends in /platform");
   snprintf(path, sizeof(path), "%s/uevent", sys);
   check(access(path, R_OK) == 0, "access device/uevent");
   check(file_has(path, "OF_FULLNAME=/soc/gpu@5000000\n") &&
         file_has(path, "OF_COMPATIBLE_0=qcom,adreno\n") &&
         file_has(path, "OF_COMPATIBLE_N=1\n"), "fopen device/uevent: OF_*");
   fd = openat(AT_FDCWD, path, O_RDONLY);
   check(fd >= 0, "openat device/uevent");
   if (fd >= 0)
      close(fd);
   snprintf(path, sizeof(path), "%s/drm", sys);
   if ((d = opendir(path))) {
      struct dirent *e;
      while ((e = readdir(d)))
         found |= !strcmp(e->d_name, "renderD128");
      closedir(d);
   }
   check(found, "opendir device/drm lists renderD128");
   rp = realpath(sys, NULL);
   check(rp && !strcmp(rp, sys), "realpath device stays under /sys");
   free(rp);
   check(stat("/sys/dev/char/226:129/device/drm", &st) != 0,
         "another device's sysfs is left alone");

   snprintf(path, sizeof(path), "%s/node", dir);
   snprintf(other, sizeof(other), "%s/hostmem", dir);
   check_mmap(path, other);

   /* Any other file maps as itself. */
   snprintf(path, sizeof(path), "%s/other", dir);
   fd = open(path, O_RDONLY);
   char *p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
   check(p != MAP_FAILED && !memcmp(p, "OTHERFIL", 8), "other files map as themselves");
   if (p != MAP_FAILED)
      munmap(p, 4096);
   close(fd);
}

static void
phase_chr(const char *dir)
{
   char hostmem[512];
   int fd = open("/dev/null", O_RDWR);
   char *name;

   check(drmGetNodeTypeFromFd(fd) == DRM_NODE_PRIMARY,
         "libdrm: drmGetNodeTypeFromFd sees a DRM node (minor 3: primary)");
   name = drmGetRenderDeviceNameFromFd(fd);
   check(name && !strcmp(name, "/dev/dri/renderD3"),
         "libdrm: drmGetRenderDeviceNameFromFd lists device/drm");
   free(name);
   close(fd);
   snprintf(hostmem, sizeof(hostmem), "%s/hostmem", dir);
   check_mmap("/dev/null", hostmem);
}

static void
phase_virtio(void)
{
   char link[256] = { 0 }, path[128];
   struct stat st;

   /* What libdrm's drmGetDevice2() reads (it also lists /dev/dri, which
    * this machine lacks: the guest test runs it, through mesa's loader). */
   check(stat("/sys/dev/char/1:3/device/drm", &st) == 0, "device/drm exists");
   check(readlink("/sys/dev/char/1:3/device/subsystem", link, sizeof(link) - 1) > 0 &&
         strrchr(link, '/') && !strcmp(strrchr(link, '/'), "/pci"),
         "readlink device/subsystem ends in /pci");
   check(file_has("/sys/dev/char/1:3/device/uevent", "PCI_SLOT_NAME=0000:00:0f.0\n"),
         "device/uevent: PCI_SLOT_NAME");
   static const char *const ids[][2] = {
      { "vendor", "0x1af4\n" }, { "device", "0x1050\n" },
      { "subsystem_vendor", "0x1af4\n" }, { "subsystem_device", "0x1100\n" },
      { "revision", "0x01\n" },
   };
   for (unsigned i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
      snprintf(path, sizeof(path), "/sys/dev/char/1:3/device/%s", ids[i][0]);
      snprintf(link, sizeof(link), "device/%s is %.*s (virtio-gpu PCI)", ids[i][0],
               (int)strcspn(ids[i][1], "\n"), ids[i][1]);
      check(file_has(path, ids[i][1]), link);
   }

   int efd = eventfd(0, EFD_CLOEXEC), other = eventfd(0, EFD_CLOEXEC);
   struct sync_file_info info = { 0 };
   check(ioctl(efd, SYNC_IOC_FILE_INFO, &info) == 0 && info.status == 0 &&
         info.num_fences == 1, "SYNC_IOC_FILE_INFO on a fence eventfd: active");
   uint64_t one = 1;
   check(write(efd, &one, 8) == 8, "signal it");
   memset(&info, 0, sizeof(info));
   check(ioctl(efd, SYNC_IOC_FILE_INFO, &info) == 0 && info.status == 1,
         "SYNC_IOC_FILE_INFO: signalled");
   struct sync_merge_data md = { .name = "m", .fd2 = other };
   check(ioctl(efd, SYNC_IOC_MERGE, &md) == 0 && md.fence >= 0,
         "SYNC_IOC_MERGE makes a fence fd");
   struct pollfd p = { .fd = md.fence, .events = POLLIN };
   check(poll(&p, 1, 0) == 0, "the merge waits for both");
   check(write(other, &one, 8) == 8, "signal the other");
   check(poll(&p, 1, 5000) == 1, "the merge signals");
   close(md.fence);
   close(efd);
   close(other);
   /* Not ours: the kernel's answer stays. */
   check(ioctl(0, SYNC_IOC_FILE_INFO, &info) == -1, "other fds: the kernel's ioctl");
}

static int
write_file(const char *dir, const char *name, size_t size, off_t at,
           const char *text)
{
   char path[512];
   int fd;

   snprintf(path, sizeof(path), "%s/%s", dir, name);
   fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
   if (fd < 0 || ftruncate(fd, size) ||
       pwrite(fd, text, strlen(text), at) != (ssize_t)strlen(text))
      return -1;
   close(fd);
   return 0;
}

static int
run_phase(const char *self, const char *so, const char *dir, const char *phase)
{
   char node[512], hostmem[512], preload[1024];
   pid_t pid;
   int status;

   snprintf(node, sizeof(node), "%s/node", dir);
   snprintf(hostmem, sizeof(hostmem), "%s/hostmem", dir);
   snprintf(preload, sizeof(preload), "LD_PRELOAD=%s", so);
   pid = fork();
   if (pid == 0) {
      char *env[] = {
         preload,
         (char *)(strcmp(phase, "file") ? "MSMVIRT_NODE_RDEV="
                                        : "MSMVIRT_NODE_RDEV=226:128"),
         NULL, NULL, NULL, NULL, NULL,
         "ASAN_OPTIONS=verify_asan_link_order=0",
         NULL,
      };
      char e_node[600], e_hm[600], e_dir[600], e_phase[64], e_conf[600];
      snprintf(e_node, sizeof(e_node), "MSMVIRT_NODE=%s",
               strcmp(phase, "file") ? "/dev/null" : node);
      snprintf(e_hm, sizeof(e_hm), "MSMVIRT_HOSTMEM=%s", hostmem);
      snprintf(e_dir, sizeof(e_dir), "MSMVIRT_SYSFS_DIR=%s", dir);
      snprintf(e_phase, sizeof(e_phase), "PRELOAD_PROBE_PHASE=%s", phase);
      env[2] = e_node;
      env[3] = e_hm;
      env[4] = e_dir;
      env[5] = e_phase;
      /* The guest config names the mode: the virtio phase's says
       * nativectx, the others' forward. */
      snprintf(e_conf, sizeof(e_conf), "MSMVIRT_CONFIG=%s/%s.conf", dir,
               strcmp(phase, "virtio") ? "forward" : "nativectx");
      env[6] = e_conf;
      execle(self, self, dir, (char *)NULL, env);
      _exit(127);
   }
   if (pid < 0 || waitpid(pid, &status, 0) != pid)
      return 1;
   return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

int
main(int argc, char **argv)
{
   const char *phase = getenv("PRELOAD_PROBE_PHASE");
   char dir[] = "/tmp/msmvirt-preload-test.XXXXXX", cmd[600];
   int ret;

   if (phase) {
      printf("-- phase %s\n", phase);
      if (!strcmp(phase, "file"))
         phase_file(argv[1]);
      else if (!strcmp(phase, "virtio"))
         phase_virtio();
      else
         phase_chr(argv[1]);
      return failures ? 1 : 0;
   }
   if (argc != 2) {
      fprintf(stderr, "usage: preload_probe PRELOAD_SO\n");
      return 2;
   }
   if (!mkdtemp(dir) ||
       write_file(dir, "hostmem", HOSTMEM_SIZE, BO_OFFSET, "HOSTMEM!") ||
       write_file(dir, "node", 4096, 0, "NODEFILE") ||
       write_file(dir, "other", 4096, 0, "OTHERFIL") ||
       write_file(dir, "forward.conf", 0, 0, "[guest]\nmode = forward\n") ||
       write_file(dir, "nativectx.conf", 0, 0, "[guest]\nmode = nativectx\n")) {
      perror("preload_probe: setup");
      return 1;
   }
   ret = run_phase(argv[0], argv[1], dir, "file");
   ret |= run_phase(argv[0], argv[1], dir, "chr");
   ret |= run_phase(argv[0], argv[1], dir, "virtio");
   snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
   if (system(cmd))
      fprintf(stderr, "preload_probe: could not remove %s\n", dir);
   printf("%s\n", ret ? "FAIL" : "PASS");
   return ret ? 1 : 0;
}
