/*
 * fake_cuse.h - the kernel's half of an unrestricted CUSE ioctl, simulated
 * in-process (fs/fuse/ioctl.c fuse_do_ioctl()): send a request with no
 * data, and on FUSE_IOCTL_RETRY copy the named caller memory in, prepare
 * the out space, send again; on the final reply scatter its bytes over the
 * out iovecs in order.  Its own limits are the kernel's (ENOMEM past them),
 * so a daemon that trips them is caught here as it would be in a guest.
 *
 * The "caller" is this process: iovec addresses are plain pointers.
 */
#ifndef MSMVIRT_TESTS_FAKE_CUSE_H
#define MSMVIRT_TESTS_FAKE_CUSE_H

#include <stdint.h>

struct cuse_file;

struct fake_cuse_stats {
   unsigned requests;   /* FUSE_IOCTL requests the last ioctl took */
   uint64_t in_bytes;   /* fetched in its last request */
   uint64_t out_bytes;  /* prepared in its last request */
   uint64_t written;    /* bytes the final reply wrote */
};

/* ioctl(2) on the node through f: 0 or -errno.  st may be NULL. */
int fake_cuse_ioctl(struct cuse_file *f, unsigned long cmd, void *arg,
                    struct fake_cuse_stats *st);

/* The same against any personality's request handler (file: its open
 * file; tid: what fuse_req_ctx()->pid would say). */
struct cuse_step;
typedef void (*fake_cuse_step_fn)(void *file, uint32_t tid, unsigned long cmd,
                                  uint64_t arg, const void *in, size_t in_size,
                                  size_t out_size, struct cuse_step *st);
int fake_cuse_ioctl_with(fake_cuse_step_fn step_fn, void *file, uint32_t tid,
                         unsigned long cmd, void *arg,
                         struct fake_cuse_stats *st);

#endif
