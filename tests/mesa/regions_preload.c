/*
 * regions_preload.c - libmsmvirt-regions.so: what `msmvirt-cuse --trace`
 * does not record, logged from inside the client for
 * tests/mesa/capture-gles-trace.sh.
 *
 * The daemon's trace holds each ioctl's struct, not the caller memory the
 * struct points at.  A replay needs some of it: GEM_SUBMIT's BO table and
 * cmds, SET_PARAM COMM/CMDLINE's strings and GEM_INFO SET_NAME's name.  This
 * library wraps ioctl() (LD_PRELOAD, next to libmsmvirt-preload.so) and,
 * after each such call returns, appends one line to $MSMVIRT_REGIONS_LOG:
 *
 *   submit queue=Q flags=0xF nr_bos=N nr_cmds=M result=R fence=F
 *          bos=HANDLE:FLAGS,... cmds=TYPE:IDX:OFFSET:SIZE,...
 *   setparam param=P result=R str=HEX
 *   setname handle=H result=R str=HEX
 *
 * (one line each; FLAGS in hex, the rest decimal; result 0 or -errno).
 * `msmvirt trace-convert --regions FILE` pairs them with the daemon's
 * records.  Nothing else is changed or logged.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "drm.h"
#include "msm_drm.h"

typedef int (*ioctl_fn)(int, unsigned long, ...);

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int log_fd = -2;

/* libdrm's drmCommandWrite() asks _IOW, drmCommandWriteRead() _IOWR: match
 * on the ioctl number alone, as the kernel does. */
static int
is_msm(unsigned long req, unsigned nr)
{
   return _IOC_TYPE(req) == DRM_IOCTL_BASE &&
          _IOC_NR(req) == DRM_COMMAND_BASE + nr;
}

/* The caller's struct as the kernel copies it in: its size, zero-extended. */
static void
copy_in(void *dst, size_t size, unsigned long req, const void *arg)
{
   size_t n = _IOC_SIZE(req) < size ? _IOC_SIZE(req) : size;

   memset(dst, 0, size);
   memcpy(dst, arg, n);
}
static ioctl_fn real_ioctl;

/* A line buffer that grows; logging never fails the caller's ioctl. */
struct line {
   char *s;
   size_t len, cap;
};

static void
put(struct line *l, const char *fmt, ...)
{
   va_list ap;
   int n;

   for (;;) {
      size_t room = l->cap - l->len;

      va_start(ap, fmt);
      n = vsnprintf(l->s ? l->s + l->len : NULL, l->s ? room : 0, fmt, ap);
      va_end(ap);
      if (n < 0)
         return;
      if (l->s && (size_t)n < room) {
         l->len += (size_t)n;
         return;
      }
      size_t cap = (l->cap ? l->cap * 2 : 4096) + (size_t)n;
      char *s = realloc(l->s, cap);
      if (!s)
         return;
      l->s = s;
      l->cap = cap;
   }
}

static void
put_hex(struct line *l, const void *p, size_t len)
{
   const uint8_t *b = p;

   for (size_t i = 0; i < len; i++)
      put(l, "%02x", b[i]);
}

static void
emit(struct line *l)
{
   put(l, "\n");
   pthread_mutex_lock(&lock);
   if (log_fd == -2) {
      const char *path = getenv("MSMVIRT_REGIONS_LOG");

      log_fd = path ? open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
                           0644) : -1;
   }
   if (log_fd >= 0 && l->s) {
      size_t off = 0;

      while (off < l->len) {
         ssize_t n = write(log_fd, l->s + off, l->len - off);
         if (n <= 0)
            break;
         off += (size_t)n;
      }
   }
   pthread_mutex_unlock(&lock);
   free(l->s);
}

static void
log_submit(const struct drm_msm_gem_submit *in,
           const struct drm_msm_gem_submit *out, int result)
{
   const struct drm_msm_gem_submit_bo *bos =
      (const void *)(uintptr_t)in->bos;
   const struct drm_msm_gem_submit_cmd *cmds =
      (const void *)(uintptr_t)in->cmds;
   struct line l = { 0 };

   put(&l, "submit queue=%u flags=0x%x nr_bos=%u nr_cmds=%u result=%d "
       "fence=%u bos=", in->queueid, in->flags, in->nr_bos, in->nr_cmds,
       result, result ? 0 : out->fence);
   for (uint32_t i = 0; bos && i < in->nr_bos; i++)
      put(&l, "%s%u:%x", i ? "," : "", bos[i].handle, bos[i].flags);
   put(&l, " cmds=");
   for (uint32_t i = 0; cmds && i < in->nr_cmds; i++)
      put(&l, "%s%u:%u:%u:%u", i ? "," : "", cmds[i].type,
          cmds[i].submit_idx, cmds[i].submit_offset, cmds[i].size);
   emit(&l);
}

int
ioctl(int fd, unsigned long req, ...)
{
   va_list ap;
   void *arg;
   int ret, result;

   va_start(ap, req);
   arg = va_arg(ap, void *);
   va_end(ap);
   if (!real_ioctl) {
      real_ioctl = (ioctl_fn)dlsym(RTLD_NEXT, "ioctl");
      if (!real_ioctl) {
         errno = ENOSYS;
         return -1;
      }
   }

   if (is_msm(req, DRM_MSM_GEM_SUBMIT) && arg) {
      struct drm_msm_gem_submit in;

      copy_in(&in, sizeof(in), req, arg);
      ret = real_ioctl(fd, req, arg);
      result = ret ? -errno : 0;
      log_submit(&in, arg, result);
      if (ret)
         errno = -result;
      return ret;
   }
   if (is_msm(req, DRM_MSM_SET_PARAM) && arg) {
      struct drm_msm_param in;

      copy_in(&in, sizeof(in), req, arg);
      ret = real_ioctl(fd, req, arg);
      result = ret ? -errno : 0;
      if ((in.param == MSM_PARAM_COMM || in.param == MSM_PARAM_CMDLINE) &&
          in.value && in.len <= 4096) {
         struct line l = { 0 };

         put(&l, "setparam param=%u result=%d str=", in.param, result);
         put_hex(&l, (const void *)(uintptr_t)in.value, in.len);
         emit(&l);
      }
      if (ret)
         errno = -result;
      return ret;
   }
   if (is_msm(req, DRM_MSM_GEM_INFO) && arg) {
      struct drm_msm_gem_info in;

      copy_in(&in, sizeof(in), req, arg);
      ret = real_ioctl(fd, req, arg);
      result = ret ? -errno : 0;
      if (in.info == MSM_INFO_SET_NAME && in.value && in.len <= 64) {
         struct line l = { 0 };

         put(&l, "setname handle=%u result=%d str=", in.handle, result);
         put_hex(&l, (const void *)(uintptr_t)in.value, in.len);
         emit(&l);
      }
      if (ret)
         errno = -result;
      return ret;
   }
   return real_ioctl(fd, req, arg);
}
