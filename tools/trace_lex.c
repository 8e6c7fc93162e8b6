/*
 * trace_lex.c - the trace parser's tokens and symbols: numbers, BO ids and
 * their liveness, queues, fence labels, lists (trace_priv.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msm_drm.h"
#include "pm4.h"
#include "profile.h"
#include "trace_priv.h"

int
tp_perr(struct pstate *ps, const char *fmt, ...)
{
   va_list ap;
   int o = snprintf(ps->err, ps->errlen, "%s:%u: ", ps->name, ps->line);

   if (o >= 0 && (size_t)o < ps->errlen) {
      va_start(ap, fmt);
      vsnprintf(ps->err + o, ps->errlen - (size_t)o, fmt, ap);
      va_end(ap);
   }
   return -EINVAL;
}

int
tp_parse_num(const char *s, uint64_t *v)
{
   return size_parse(s, v); /* decimal / 0x hex, K/M/G */
}

int
tp_parse_u32(struct pstate *ps, const char *what, const char *s, uint32_t *v)
{
   uint64_t x;

   if (!s)
      return tp_perr(ps, "missing %s", what);
   if (tp_parse_num(s, &x) || x > UINT32_MAX)
      return tp_perr(ps, "bad %s '%s'", what, s);
   *v = (uint32_t)x;
   return 0;
}

int
tp_parse_bo_id(struct pstate *ps, const char *s, uint32_t *id)
{
   char *end;
   unsigned long v;

   if (!s)
      return tp_perr(ps, "missing BO id");
   v = strtoul(s, &end, 10);
   if (end == s || *end || *s == '-' || v > TRACE_MAX_BO_ID)
      return tp_perr(ps, "bad BO id '%s' (want 0..%d)", s, TRACE_MAX_BO_ID);
   *id = (uint32_t)v;
   return 0;
}

/* A BO id that must be live here. */
int
tp_live_bo(struct pstate *ps, const char *s, uint32_t *id)
{
   int ret = tp_parse_bo_id(ps, s, id);

   if (ret)
      return ret;
   if (!ps->live[*id])
      return tp_perr(ps, "unknown BO id %u (never created, or freed)", *id);
   return 0;
}

int
tp_parse_queue(struct pstate *ps, const char *s, uint32_t *q)
{
   char *end;
   unsigned long v;

   if (!s || s[0] != 'q' || !s[1])
      return tp_perr(ps, "bad queue '%s' (want q0..q%d)", s ? s : "",
                  TRACE_MAX_QUEUES - 1);
   v = strtoul(s + 1, &end, 10);
   if (*end || v >= TRACE_MAX_QUEUES)
      return tp_perr(ps, "bad queue '%s' (want q0..q%d)", s,
                  TRACE_MAX_QUEUES - 1);
   *q = (uint32_t)v;
   return 0;
}

int
tp_live_queue(struct pstate *ps, const char *s, uint32_t *q)
{
   int ret = tp_parse_queue(ps, s, q);

   if (!ret && *q && !ps->queue_live[*q])
      return tp_perr(ps, "unknown queue %s (no queue_new)", s);
   return ret;
}

/* Byte range [off, off + len) inside a live BO. */
int
tp_check_range(struct pstate *ps, uint32_t id, uint64_t off, uint64_t len)
{
   if (off > ps->size[id] || len > ps->size[id] - off)
      return tp_perr(ps, "range %" PRIu64 "+%" PRIu64 " outside BO %u (%"
                  PRIu64 " bytes)", off, len, id, ps->size[id]);
   return 0;
}

int
tp_find_label(const struct trace *t, const char *s)
{
   for (uint32_t i = t->nr_labels; i-- > 0;)
      if (!strcmp(t->labels[i], s))
         return (int)i;
   return -1;
}

int
tp_define_label(struct pstate *ps, const char *s, uint32_t queue, uint32_t *out)
{
   struct trace *t = ps->t;
   int i = tp_find_label(t, s);

   if (!*s)
      return tp_perr(ps, "empty fence label");
   if (i < 0) {
      char **l = realloc(t->labels, (t->nr_labels + 1) * sizeof(*l));
      uint32_t *q;

      if (!l)
         return -ENOMEM;
      t->labels = l;
      q = realloc(ps->label_queue, (t->nr_labels + 1) * sizeof(*q));
      if (!q)
         return -ENOMEM;
      ps->label_queue = q;
      l[t->nr_labels] = strdup(s);
      if (!l[t->nr_labels])
         return -ENOMEM;
      i = (int)t->nr_labels++;
   }
   ps->label_queue[i] = queue;
   *out = (uint32_t)i;
   return 0;
}

int
tp_in_list(const struct trace_op *op, uint32_t id)
{
   for (uint32_t i = 0; i < op->nr_bos; i++)
      if (op->bos[i].bo == id)
         return (int)i;
   return -1;
}

/* Split "a,b,c" in place into a new array; *n items.  -E2BIG past max. */
int
tp_split_list(char *s, char ***items, uint32_t *n, uint32_t max)
{
   uint32_t count = 1;
   char *save = NULL;

   for (const char *p = s; *p; p++)
      count += *p == ',';
   if (count > max)
      return -E2BIG;
   *items = calloc(count, sizeof(**items));
   if (!*items)
      return -ENOMEM;
   *n = 0;
   for (char *tok = strtok_r(s, ",", &save); tok;
        tok = strtok_r(NULL, ",", &save))
      (*items)[(*n)++] = tok;
   return 0;
}

/* "ID:a:b" -> id, a, b (b optional when want == 2). */
int
tp_parse_triple(struct pstate *ps, char *s, unsigned want, uint32_t *id,
             uint64_t *a, uint64_t *b)
{
   char *f[3] = { 0 }, *save = NULL;
   unsigned n = 0;

   for (char *tok = strtok_r(s, ":", &save); tok && n < 3;
        tok = strtok_r(NULL, ":", &save))
      f[n++] = tok;
   if (n != want || strtok_r(NULL, ":", &save))
      return tp_perr(ps, "bad item '%s'", s);
   if (tp_live_bo(ps, f[0], id))
      return -EINVAL;
   if (want >= 2 && tp_parse_num(f[1], a))
      return tp_perr(ps, "bad number '%s'", f[1]);
   if (want >= 3 && tp_parse_num(f[2], b))
      return tp_perr(ps, "bad number '%s'", f[2]);
   return 0;
}

