/*
 * trace.h - recorded ws-level op traces: the file format, parsed and
 * validated once, replayed by the trace workload (wk_trace.c).
 *
 * A line-oriented text format, one ws call per line, BOs and queues named
 * symbolically so that a trace can be written by hand, or translated from
 * an msm ioctl trace (GEM handles become BO ids, submitqueue ids become
 * qN, kernel fence numbers become fence labels).  The grammar is in
 * docs/evaluation.md ("Trace format") and at the top of trace.c.
 *
 * Everything a replay could trip on is checked at parse time, with the line
 * number: unknown ops, bad numbers, a BO id used while not live (or created
 * twice), a queue never created, a wait for a fence no earlier submit
 * produced, regions outside their BO.
 */
#ifndef MSMVIRT_TRACE_H
#define MSMVIRT_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TRACE_MAX_BO_ID   65535
#define TRACE_MAX_QUEUES  64
#define TRACE_LAST        UINT32_MAX /* "wait qN last" */

enum trace_op_type {
   TRACE_PARAM,       /* a: MSM_PARAM_* */
   TRACE_DEBUGINFO,   /* str: comm, str2: cmdline (may be NULL) */
   TRACE_QUEUE_NEW,   /* queue; a: prio, b: flags */
   TRACE_QUEUE_CLOSE, /* queue */
   TRACE_FAULTS,      /* queue */
   TRACE_BO_NEW,      /* bo; a: size, flags: MSM_BO_* */
   TRACE_BO_FREE,     /* bo */
   TRACE_MAP,         /* bo */
   TRACE_UPLOAD,      /* bo; a: offset, b: len */
   TRACE_WRITE,       /* bo; a: offset, b: len (CPU writes via the mapping) */
   TRACE_CPU_PREP,    /* bo; flags: MSM_PREP_* */
   TRACE_CPU_FINI,    /* bo */
   TRACE_SET_NAME,    /* bo; str */
   TRACE_MADVISE,     /* bo; a: MSM_MADV_* */
   TRACE_SUBMIT,      /* queue; the submit fields below */
   TRACE_WAIT,        /* queue; label (TRACE_LAST: the queue's last submit) */
   TRACE_EXPECT,      /* bo; a: offset, b: the dword expected there */
   TRACE_CPU_US,      /* a: microseconds of application CPU time */
   TRACE_FLUSH,
   TRACE_OP_COUNT
};

/* A verb of the format, as the documentation shows it. */
struct trace_verb_info {
   const char *name;    /* "bo_new" */
   const char *usage;   /* its fields: "bo_new ID SIZE [WC|CACHED|...]" */
   const char *does;    /* the ws call it makes, or what it does instead */
   const char *ioctls;  /* the msm ioctl(s) behind it ("": none) */
};

/* NULL for a type out of range. */
const struct trace_verb_info *trace_verb_info(enum trace_op_type type);

struct trace_bo_ref {
   uint32_t bo;
   uint32_t flags;    /* MSM_SUBMIT_BO_* */
};

struct trace_cmd {
   uint32_t bo;       /* must be in the submit's bos */
   uint32_t offset;   /* bytes, dword aligned */
   uint32_t size;     /* bytes, dword multiple */
};

struct trace_write {
   uint32_t bo;       /* must be in the submit's bos */
   uint32_t offset;
   uint32_t value;
};

struct trace_op {
   enum trace_op_type type;
   unsigned line;
   uint32_t bo;
   uint32_t queue;    /* qN */
   uint64_t a, b;
   uint32_t flags;
   char *str, *str2;
   /* submit */
   uint32_t nr_bos, nr_cmds, nr_writes;
   struct trace_bo_ref *bos;
   struct trace_cmd *cmds;    /* none: the replayer uses its own cmd BO */
   struct trace_write *writes;
   uint32_t gpu_us;
   uint32_t label;    /* submit: label it defines (TRACE_LAST: none) */
};

/* "NAME=N" of a "# ioctl counts:" or "# dropped:" header comment. */
struct trace_count {
   char name[64];
   uint64_t n;
};

struct trace {
   char *name;
   struct trace_op *ops;
   unsigned nr_ops, cap_ops;
   uint32_t nr_bo_ids;      /* highest BO id + 1 */
   uint32_t nr_labels;
   char **labels;
   /* for the report */
   unsigned nr_submits, nr_waits, nr_bo_news;
   /* Header comments a translated trace carries (ioctl2trace.h), from
    * whole-line comments "# source: TEXT", "# frames: N",
    * "# ioctl counts: NAME=N ...", "# dropped: NAME=N ..." and
    * "# failed: NAME=N ...". */
   char *source;                 /* NULL: none */
   uint32_t frames;              /* 0: not given */
   struct trace_count *ioctls;   /* every ioctl of the original stream */
   unsigned nr_ioctls;
   struct trace_count *dropped;  /* of those, the ones with no ws call */
   unsigned nr_dropped;
   struct trace_count *failed;   /* "# failed:": "NAME(ERRNO)", not replayed */
   unsigned nr_failed;
};

int trace_parse_file(const char *path, struct trace **out, char *err,
                     size_t errlen);
/* name is used in messages ("NAME:LINE: ..."). */
int trace_parse_string(const char *text, const char *name,
                       struct trace **out, char *err, size_t errlen);
void trace_free(struct trace *t);

/* Captured from mesa: "# source:" names mesa, or the file name starts with
 * "mesa". */
bool trace_from_mesa(const struct trace *t);

#endif
