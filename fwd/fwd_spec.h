/*
 * fwd_spec.h - the forward design's ioctl spec table (DESIGN.md decision 5).
 *
 * Every ioctl the synthetic render node understands is described here once:
 * its struct, and the user memory nested inside that struct (arrays and
 * strings behind u64 pointer fields, with their count fields, element sizes,
 * directions and limits).  The one table drives
 *   - the guest marshaller (fwd_guest.c): what to deep-copy into a request,
 *     and where to scatter a reply;
 *   - the host validator (fwd_host.c): what a well-formed request for a given
 *     struct must contain, byte for byte;
 *   - the CUSE retry plan (cuse/, later): fwd_spec_regions() answers "given
 *     these struct bytes, which (user address, length, direction) regions
 *     must be fetched or written back?".
 *
 * Entries with a nonzero .answer are not forwarded: both sides answer them
 * with that errno, exactly like a 6.1 kernel msm render node without the
 * feature (see fwd_spec.c for each choice and why).
 */
#ifndef MSMVIRT_FWD_SPEC_H
#define MSMVIRT_FWD_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "msm_drm.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FWD_MAX_REGIONS 4
#define FWD_MAX_STRUCT  128 /* no struct in the table is larger */

/* Directions, from the caller's point of view (like _IOC_WRITE/_IOC_READ). */
#define FWD_IN    1u /* user memory read by the ioctl */
#define FWD_OUT   2u /* user memory written by the ioctl */
#define FWD_INOUT (FWD_IN | FWD_OUT)

/* A scalar field inside an ioctl struct: 1, 2, 4 or 8 bytes, little-endian.
 * size 0 means "no such field". */
struct fwd_field {
   uint16_t offset;
   uint16_t size;
};

#define FWD_FIELD(type, member) \
   { offsetof(type, member), sizeof(((type *)0)->member) }

enum fwd_cond_op {
   FWD_COND_ALWAYS = 0,
   FWD_COND_EQ,   /* active iff field == value */
   FWD_COND_BITS, /* active iff field & value */
};

/* One nested user-memory region. */
struct fwd_region_spec {
   const char *name;
   struct fwd_field ptr;    /* holds the user address */
   struct fwd_field count;  /* number of elements; size 0: fixed_count */
   uint32_t fixed_count;
   uint32_t elem_size;      /* bytes per element, canonical (on the wire) */
   /* Optional stride field (e.g. syncobj_stride).  The kernel reads
    * min(stride, elem_size) bytes from each user element and zero-fills the
    * rest; the wire always carries canonical elem_size elements. */
   struct fwd_field stride;
   uint8_t dir;             /* FWD_IN, FWD_OUT or FWD_INOUT */
   /* A zero pointer means "no buffer" and the ioctl skips the copy
    * (GEM_INFO GET_NAME size query, VERSION length query) instead of
    * failing with EFAULT. */
   bool nullable;
   uint32_t max_count;
   /* count > max_count: fail with -over_max_errno.  0 means clamp: an out
    * region the ioctl never fills beyond max_count elements, so a larger
    * user buffer is fine and only max_count elements travel.  The host
    * hands the ioctl the clamped count and puts the caller's back if the
    * ioctl left it alone, so a clamp must exceed any count the ioctl
    * reports back (a string length, bytes written). */
   int over_max_errno;
   /* Only some sub-operations use the pointer (GEM_INFO, SET_PARAM, ...). */
   struct {
      struct fwd_field field;
      uint8_t op;           /* enum fwd_cond_op */
      uint64_t value;
   } cond;
   /* Per element: a field that must be zero, or the request fails with
    * -err.  Used for a pointer nested one level deeper that we refuse to
    * follow: GEM_SUBMIT cmds[].relocs (a6xx rejects relocs with EINVAL). */
   struct {
      struct fwd_field field;
      int err;
   } elem_zero;
};

enum fwd_id {
   FWD_ID_VERSION,
   FWD_ID_GET_UNIQUE,
   FWD_ID_GEM_CLOSE,
   FWD_ID_GEM_FLINK,
   FWD_ID_GEM_OPEN,
   FWD_ID_GET_CAP,
   FWD_ID_SET_CLIENT_CAP,
   FWD_ID_PRIME_HANDLE_TO_FD,
   FWD_ID_PRIME_FD_TO_HANDLE,
   FWD_ID_SYNCOBJ_CREATE,
   FWD_ID_SYNCOBJ_DESTROY,
   FWD_ID_SYNCOBJ_HANDLE_TO_FD,
   FWD_ID_SYNCOBJ_FD_TO_HANDLE,
   FWD_ID_SYNCOBJ_WAIT,
   FWD_ID_SYNCOBJ_RESET,
   FWD_ID_SYNCOBJ_SIGNAL,
   FWD_ID_SYNCOBJ_TIMELINE_WAIT,
   FWD_ID_SYNCOBJ_QUERY,
   FWD_ID_SYNCOBJ_TRANSFER,
   FWD_ID_SYNCOBJ_TIMELINE_SIGNAL,
   FWD_ID_MSM_GET_PARAM,
   FWD_ID_MSM_SET_PARAM,
   FWD_ID_MSM_GEM_NEW,
   FWD_ID_MSM_GEM_INFO,
   FWD_ID_MSM_GEM_CPU_PREP,
   FWD_ID_MSM_GEM_CPU_FINI,
   FWD_ID_MSM_GEM_SUBMIT,
   FWD_ID_MSM_WAIT_FENCE,
   FWD_ID_MSM_GEM_MADVISE,
   FWD_ID_MSM_SUBMITQUEUE_NEW,
   FWD_ID_MSM_SUBMITQUEUE_CLOSE,
   FWD_ID_MSM_SUBMITQUEUE_QUERY,
   FWD_ID_COUNT
};

/* An absolute CLOCK_MONOTONIC deadline inside the struct.  It is the
 * guest's clock; the host shifts it by the connection's clock offset before
 * the ioctl runs (in a VM the two clocks are unrelated). */
enum fwd_deadline_kind {
   FWD_DEADLINE_NONE = 0,
   FWD_DEADLINE_TIMESPEC, /* struct drm_msm_timespec {s64 sec, s64 nsec} */
   FWD_DEADLINE_NSEC,     /* s64 nanoseconds */
};

struct fwd_ioctl_spec {
   uint32_t id;             /* enum fwd_id */
   uint32_t cmd;            /* DRM_IOCTL_*: type 'd', nr, dir and size */
   const char *name;
   uint32_t size;           /* _IOC_SIZE(cmd) */
   uint32_t dir;            /* _IOC_DIR(cmd): _IOC_WRITE (in), _IOC_READ (out) */
   int answer;              /* nonzero: answered with -answer, never forwarded */
   const char *why;         /* for answered entries: the reason, for docs/logs */
   uint32_t nr_regions;
   struct fwd_region_spec regions[FWD_MAX_REGIONS];
   struct {
      uint16_t offset;
      uint8_t kind;      /* enum fwd_deadline_kind */
   } deadline;
};

/* A region resolved against concrete struct bytes. */
struct fwd_region {
   bool active;         /* the ioctl touches this user memory at all */
   bool clamped;        /* count was over a clamp-type max_count */
   uint8_t dir;
   uint64_t uaddr;      /* user address */
   uint64_t count;      /* elements that travel (after clamping) */
   uint64_t ustride;    /* bytes between user elements */
   uint32_t ucopy;      /* bytes read/written per user element */
   uint32_t elem_size;  /* bytes per element on the wire */
   uint64_t wire_bytes; /* count * elem_size */
   uint64_t span;       /* user bytes from uaddr to the end of the last element */
};

/* Building a table of this entry type (fwd_spec.c, and other personalities'
 * tables: cuse/vgpu_spec.c).  A struct larger than FWD_MAX_STRUCT is a
 * compile error (negative array size). */
#define FWD_SPEC_FITS(cmd_) \
   (_IOC_SIZE(cmd_) + 0 * sizeof(char[_IOC_SIZE(cmd_) <= FWD_MAX_STRUCT ? 1 : -1]))
#define FWD_SPEC_ANSWER(id_, name_, cmd_, err, why_)                     \
   { .id = id_, .cmd = cmd_, .name = name_, .size = FWD_SPEC_FITS(cmd_), \
     .dir = _IOC_DIR(cmd_), .answer = err, .why = why_ }
#define FWD_SPEC_SERVED(id_, name_, cmd_, ...)                           \
   { .id = id_, .cmd = cmd_, .name = name_, .size = FWD_SPEC_FITS(cmd_), \
     .dir = _IOC_DIR(cmd_), __VA_ARGS__ }
/* DRM_IOCTL_VERSION's strings: drm_copy_field() skips a NULL buffer, writes
 * at most the caller's length, and reports the full length back. */
#define FWD_SPEC_VERSION_STR(member, len_member, max)                    \
   { .name = #member, .ptr = FWD_FIELD(struct drm_version, member),      \
     .count = FWD_FIELD(struct drm_version, len_member), .elem_size = 1, \
     .dir = FWD_OUT, .nullable = true, .max_count = max }

/* The core DRM ioctls every render node in a CUSE daemon answers the same
 * way, whatever its driver (msm, virtio_gpu): VERSION's strings,
 * GEM_CLOSE and GET_CAP served, the non-render ones refused as
 * drm_ioctl_permit() does, PRIME impossible through CUSE.  A table expands
 * it with its own SERVED/ANSWER/VERSION_STR row makers (ids per table). */
#define FWD_SPEC_WHY_NOT_RENDER \
   "not DRM_RENDER_ALLOW: drm_ioctl_permit() refuses it on a render node"
#define FWD_SPEC_WHY_NO_PRIME \
   "no PRIME: CUSE cannot hand the caller a dma-buf fd " \
   "(6.1 answers ENOSYS without prime callbacks)"
#define FWD_SPEC_DRM_RENDER_ROWS(SERVED, ANSWER, VERSION_STR)            \
   SERVED(VERSION, DRM_IOCTL_VERSION, .nr_regions = 3, .regions = {      \
      VERSION_STR(name, name_len),                                       \
      VERSION_STR(date, date_len),                                       \
      VERSION_STR(desc, desc_len),                                       \
   }),                                                                   \
   ANSWER(GET_UNIQUE, DRM_IOCTL_GET_UNIQUE, EACCES, FWD_SPEC_WHY_NOT_RENDER), \
   SERVED(GEM_CLOSE, DRM_IOCTL_GEM_CLOSE),                               \
   ANSWER(GEM_FLINK, DRM_IOCTL_GEM_FLINK, EACCES, FWD_SPEC_WHY_NOT_RENDER), \
   ANSWER(GEM_OPEN, DRM_IOCTL_GEM_OPEN, EACCES, FWD_SPEC_WHY_NOT_RENDER), \
   SERVED(GET_CAP, DRM_IOCTL_GET_CAP),                                   \
   ANSWER(SET_CLIENT_CAP, DRM_IOCTL_SET_CLIENT_CAP, EACCES,              \
          FWD_SPEC_WHY_NOT_RENDER),                                      \
   ANSWER(PRIME_HANDLE_TO_FD, DRM_IOCTL_PRIME_HANDLE_TO_FD, ENOSYS,      \
          FWD_SPEC_WHY_NO_PRIME),                                        \
   ANSWER(PRIME_FD_TO_HANDLE, DRM_IOCTL_PRIME_FD_TO_HANDLE, ENOSYS,      \
          FWD_SPEC_WHY_NO_PRIME)

/* The whole table, in a stable order. */
const struct fwd_ioctl_spec *fwd_spec_table(unsigned *count);

/* By request number: _IOC_TYPE must be 'd' and _IOC_NR one of ours (the size
 * and direction bits may differ: see fwd_spec_user_sizes()).  NULL: unknown,
 * which the forward node answers with ENOTTY. */
const struct fwd_ioctl_spec *fwd_spec_lookup(unsigned long req);

/* The same lookup in any table of this entry type. */
const struct fwd_ioctl_spec *fwd_spec_lookup_in(const struct fwd_ioctl_spec *table,
                                                unsigned count,
                                                unsigned long req);

/* By the exact canonical request number (what the wire carries). */
const struct fwd_ioctl_spec *fwd_spec_by_cmd(uint32_t cmd);
/* By name ("MSM_GEM_NEW": what msmvirt-cuse's trace records carry). */
const struct fwd_ioctl_spec *fwd_spec_by_name(const char *name);

/* drm_ioctl()'s size rules for a request whose size bits may differ from the
 * table's: the caller's struct has _IOC_SIZE(req) bytes; *in_size bytes of it
 * are read (if both req and the table say _IOC_WRITE), *out_size bytes are
 * written back (if both say _IOC_READ).  The kernel zero-fills a short
 * struct and ignores the excess of a long one; so do we. */
void fwd_spec_user_sizes(const struct fwd_ioctl_spec *spec, unsigned long req,
                         uint32_t *in_size, uint32_t *out_size);

/* Resolve every region of spec against the struct bytes args (spec->size
 * bytes).  regs[i] describes spec->regions[i].  Returns 0, or the errno the
 * ioctl fails with before touching any user memory: a count over its limit,
 * or -EFAULT for a zero pointer with a nonzero count (non-nullable). */
int fwd_spec_regions(const struct fwd_ioctl_spec *spec, const void *args,
                     struct fwd_region regs[FWD_MAX_REGIONS]);

/* Scalar field access on struct bytes (little-endian host order). */
uint64_t fwd_field_get(const void *args, struct fwd_field f);
void fwd_field_set(void *args, struct fwd_field f, uint64_t v);

/* Upper bounds over the whole table, for sizing buffers once. */
size_t fwd_spec_max_request(void);
size_t fwd_spec_max_reply(void);

#ifdef __cplusplus
}
#endif

#endif
