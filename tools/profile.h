/*
 * profile.h - workload parameters as data.
 *
 * Every workload reads its knobs from one struct here.  Built-in defaults
 * come from the key table in profile.c; an INI file (--profile FILE) with
 * one [section] per workload overrides any of them:
 *
 *    [frame]
 *    gpu_us = 2000      ; modelled GPU time per frame
 *    [alloc]
 *    sizes = 4K:50,64K:30,1M:20
 *
 * Unknown sections, unknown keys and out-of-range values are errors that
 * name the file and line.
 */
#ifndef MSMVIRT_PROFILE_H
#define MSMVIRT_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#define SIZE_MIX_MAX 8

/* A weighted choice of BO sizes: "4K:50,64K:30,1M:20". */
struct size_mix {
   unsigned n;
   uint64_t size[SIZE_MIX_MAX];
   uint32_t weight[SIZE_MIX_MAX];
};

/* Keys every workload has. */
struct wk_common {
   uint32_t iters;       /* timed iterations */
   uint32_t quick_iters; /* timed iterations under --quick */
   uint32_t warmup;      /* untimed iterations first, same device */
};

struct frame_params {
   struct wk_common c;
   uint32_t gpu_us;      /* modelled GPU time per frame, over all submits */
   uint32_t cpu_us;      /* application CPU time per frame (busy) */
   uint32_t submits;     /* submits per frame */
   uint32_t bos;         /* persistent BOs in each submit's BO list */
   uint32_t stream_bos;  /* per-frame BOs taken from the BO cache */
   uint32_t stream_kib;  /* size of each of those */
   uint32_t upload_kib;  /* bytes uploaded into each per frame */
   uint32_t throttle;    /* wait for the fence of frame N - throttle */
};

struct alloc_params {
   struct wk_common c;
   struct size_mix sizes;
   uint32_t touch_kib;   /* bytes written into each new BO */
   uint32_t map_pct;     /* % written through a mapping, the rest uploaded */
   uint32_t live;        /* BOs kept alive; older ones are freed */
   uint32_t batch;       /* new BOs per submit that reads them back */
   uint32_t gpu_us;      /* modelled GPU time of that submit */
   uint32_t throttle;    /* batches in flight before the CPU waits */
   uint32_t cache;       /* 1: freed BOs go to the BO cache */
};

struct dispatch_params {
   struct wk_common c;
   uint32_t gpu_us;      /* per dispatch */
   uint32_t bos;         /* BOs in each submit's list */
};

struct readback_params {
   struct wk_common c;
   uint32_t gpu_us;      /* per submit */
   uint32_t read_kib;    /* bytes the GPU writes and the CPU reads back */
};

struct startup_params {
   struct wk_common c;
   uint32_t bos;         /* first allocations (ringbuffers, control, ...) */
   uint32_t bo_kib;
};

struct trace_params {
   struct wk_common c;
};

struct profile {
   struct frame_params frame;
   struct alloc_params alloc;
   struct dispatch_params dispatch;
   struct readback_params readback;
   struct startup_params startup;
   struct trace_params trace;
};

void profile_defaults(struct profile *p);

/* Apply an INI file / string on top of *p.  0, or -EINVAL with a message
 * "FILE:LINE: what" in err (-ENOENT etc. when the file cannot be read). */
int profile_load(struct profile *p, const char *path, char *err,
                 size_t errlen);
int profile_load_string(struct profile *p, const char *text,
                        const char *name, char *err, size_t errlen);

/* The common keys of a section ("frame", ...), NULL if unknown. */
const struct wk_common *profile_common(const struct profile *p,
                                       const char *section);

/* "key=value key=value ..." of one section, for the report and the JSON. */
void profile_format(const struct profile *p, const char *section, char *buf,
                    size_t len);

/* Parse "4K:50,1M:20" (sizes take K/M/G suffixes). */
int size_mix_parse(const char *s, struct size_mix *out);
/* Parse a size "4096", "64K", "1M". */
int size_parse(const char *s, uint64_t *out);

#endif
