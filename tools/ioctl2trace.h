/*
 * ioctl2trace.h - `msmvirt trace-convert`: an msm ioctl trace recorded by
 * `msmvirt-cuse --trace` (cuse/cuse_trace.c) -> a replayable ws-level trace
 * (trace.h), i.e. the calls a native-context guest driver would make for
 * the same work.
 *
 *   GEM_NEW (+ GEM_INFO GET_IOVA/SET_IOVA)  -> bo_new ID SIZE FLAGS
 *   GEM_INFO GET_OFFSET (+ the mmap)        -> map ID (first per BO)
 *   GEM_INFO SET_NAME                       -> name ID NAME
 *   GEM_CLOSE                               -> bo_free ID
 *   GEM_CPU_PREP / GEM_CPU_FINI             -> cpu_prep ID r|w|rw [nosync] / cpu_fini ID
 *   GEM_MADVISE                             -> madvise ID willneed|dontneed
 *   GEM_SUBMIT                              -> submit qN bos=... cmds=... gpu_us=G fence=L
 *   WAIT_FENCE                              -> wait qN L
 *   SUBMITQUEUE_NEW / _CLOSE / _QUERY       -> queue_new qN / queue_close qN / faults qN
 *   GET_PARAM                               -> param NAME|NUMBER
 *   SET_PARAM COMM (+ CMDLINE)              -> debuginfo COMM [CMDLINE]
 *
 * GEM handles become BO ids (per open file: the daemon's session), kernel
 * submitqueue ids become qN and the fence a submit returned becomes its
 * label.  Everything else (VERSION, GET_CAP, SYNCOBJ_*, other SET_PARAMs,
 * GET_NAME) and every ioctl that failed is dropped; the header comment
 * counts all of them:
 *
 *   # source: TEXT
 *   # frames: N
 *   # ioctl counts: NAME=N ...      every record of the input, by name
 *   # dropped: NAME=N ...           no ws call for them
 *   # failed: NAME(ERRNO)=N ...     failed ioctls (also dropped)
 *   # folded: WHAT=N ...            part of another line's ws call
 *
 * The daemon's trace holds each ioctl's struct, not the memory it points
 * at: GEM_SUBMIT's BO table and cmds and the strings of SET_PARAM and
 * SET_NAME come from the companion log of tests/mesa/regions_preload.c
 * (--regions).  Without it submits carry no bos=/cmds= (the replayer's own
 * command BO is used) and names are made up.
 */
#ifndef MSMVIRT_IOCTL2TRACE_H
#define MSMVIRT_IOCTL2TRACE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct i2t_opts {
   uint32_t gpu_us;      /* modelled GPU time per submit (0: none) */
   double cpu_scale;     /* > 0: the gap between one ioctl's end and the
                            next one's start, times this, becomes cpu_us */
   uint32_t cpu_min_us;  /* smaller cpu_us (after scaling) are left out */
   uint32_t frames;      /* written as "# frames: N" when > 0 */
   const char *source;   /* "# source: ..." (NULL: "msmvirt-cuse trace") */
};

void i2t_opts_defaults(struct i2t_opts *o);

/* Convert in (named in_name in messages) with the optional regions log
 * into out.  Returns 0, or -errno with "NAME:LINE: what" in err. */
int i2t_convert(FILE *in, const char *in_name, FILE *regions,
                const char *regions_name, FILE *out,
                const struct i2t_opts *o, char *err, size_t errlen);

/* The trace line(s) an msm ioctl ("MSM_GEM_NEW", as the daemon's trace
 * names it) becomes, NULL when it has no ws call and is dropped. */
const char *i2t_replayed_as(const char *ioctl);

/* `msmvirt trace-convert [options] IN OUT` */
int cmd_trace_convert(int argc, char **argv);

#endif
