/*
 * trace_priv.h - the trace parser's shared state and helpers (trace.c: the
 * verb table and the line parser; trace_lex.c: numbers, BO ids, queues,
 * fence labels; trace_submit.c: the submit line).
 */
#ifndef MSMVIRT_TRACE_PRIV_H
#define MSMVIRT_TRACE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trace.h"

struct pstate {
   struct trace *t;
   const char *name;
   unsigned line;
   char *err;
   size_t errlen;
   bool header;
   uint8_t live[TRACE_MAX_BO_ID + 1];
   uint64_t size[TRACE_MAX_BO_ID + 1];
   bool queue_live[TRACE_MAX_QUEUES];
   bool queue_submitted[TRACE_MAX_QUEUES];
   uint32_t *label_queue;
};

/* "NAME:LINE: message" into ps->err; returns -EINVAL. */
int tp_perr(struct pstate *ps, const char *fmt, ...)
   __attribute__((format(printf, 2, 3)));
int tp_parse_num(const char *s, uint64_t *v);
int tp_parse_u32(struct pstate *ps, const char *what, const char *s,
                 uint32_t *v);
int tp_parse_bo_id(struct pstate *ps, const char *s, uint32_t *id);
int tp_live_bo(struct pstate *ps, const char *s, uint32_t *id);
int tp_parse_queue(struct pstate *ps, const char *s, uint32_t *q);
int tp_live_queue(struct pstate *ps, const char *s, uint32_t *q);
int tp_check_range(struct pstate *ps, uint32_t id, uint64_t off, uint64_t len);
int tp_find_label(const struct trace *t, const char *s);
int tp_define_label(struct pstate *ps, const char *s, uint32_t queue,
                    uint32_t *out);
int tp_in_list(const struct trace_op *op, uint32_t id);
int tp_split_list(char *s, char ***items, uint32_t *n, uint32_t max);
int tp_parse_triple(struct pstate *ps, char *s, unsigned want, uint32_t *id,
                    uint64_t *a, uint64_t *b);
/* "submit qN [key=value...]" (trace_submit.c). */
int tp_parse_submit(struct pstate *ps, struct trace_op *op, char **tok,
                    int ntok);

#endif
