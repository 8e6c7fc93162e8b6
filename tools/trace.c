/*
 * trace.c - parse and validate the trace format.
 *
 *   msmvirt-trace 1                        first line that is not a comment
 *   # comment                              (a '#' starts one anywhere)
 *   # source: TEXT                         whole-line comments a translated
 *   # frames: N                            trace carries for the report
 *   # ioctl counts: NAME=N ...             (msmvirt trace-convert,
 *   # dropped: NAME=N ...                  ioctl2trace.h)
 *   # failed: NAME=N ...
 *   VERB FIELDS...                         one ws call: the verbs, their
 *                                          fields and what each does are
 *                                          the table trace_verbs below
 *
 * Numbers are decimal or 0x hex; sizes, offsets and lengths also take K/M
 * suffixes.  BO ids are 0..65535 and may be reused after bo_free (GEM
 * handles are).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "msm_drm.h"
#include "pm4.h"
#include "profile.h"
#include "trace.h"
#include "msm_core.h"

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

static int
perr(struct pstate *ps, const char *fmt, ...)
   __attribute__((format(printf, 2, 3)));

static int
perr(struct pstate *ps, const char *fmt, ...)
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

static const struct { const char *name; uint32_t value; } param_names[] = {
   { "GPU_ID", MSM_PARAM_GPU_ID },       { "GMEM_SIZE", MSM_PARAM_GMEM_SIZE },
   { "CHIP_ID", MSM_PARAM_CHIP_ID },     { "MAX_FREQ", MSM_PARAM_MAX_FREQ },
   { "TIMESTAMP", MSM_PARAM_TIMESTAMP }, { "GMEM_BASE", MSM_PARAM_GMEM_BASE },
   { "PRIORITIES", MSM_PARAM_PRIORITIES },
   { "PP_PGTABLE", MSM_PARAM_PP_PGTABLE },
   { "FAULTS", MSM_PARAM_FAULTS },       { "SUSPENDS", MSM_PARAM_SUSPENDS },
   { "VA_START", MSM_PARAM_VA_START },   { "VA_SIZE", MSM_PARAM_VA_SIZE },
};

static const struct { const char *name; uint32_t value; } bo_flag_names[] = {
   { "WC", MSM_BO_WC },               { "CACHED", MSM_BO_CACHED },
   { "UNCACHED", MSM_BO_UNCACHED },   { "CACHED_COHERENT", MSM_BO_CACHED_COHERENT },
   { "GPU_READONLY", MSM_BO_GPU_READONLY },
   { "SCANOUT", MSM_BO_SCANOUT },
};

static int
parse_num(const char *s, uint64_t *v)
{
   return size_parse(s, v); /* decimal / 0x hex, K/M/G */
}

static int
parse_u32(struct pstate *ps, const char *what, const char *s, uint32_t *v)
{
   uint64_t x;

   if (!s)
      return perr(ps, "missing %s", what);
   if (parse_num(s, &x) || x > UINT32_MAX)
      return perr(ps, "bad %s '%s'", what, s);
   *v = (uint32_t)x;
   return 0;
}

static int
parse_bo_id(struct pstate *ps, const char *s, uint32_t *id)
{
   char *end;
   unsigned long v;

   if (!s)
      return perr(ps, "missing BO id");
   v = strtoul(s, &end, 10);
   if (end == s || *end || *s == '-' || v > TRACE_MAX_BO_ID)
      return perr(ps, "bad BO id '%s' (want 0..%d)", s, TRACE_MAX_BO_ID);
   *id = (uint32_t)v;
   return 0;
}

/* A BO id that must be live here. */
static int
live_bo(struct pstate *ps, const char *s, uint32_t *id)
{
   int ret = parse_bo_id(ps, s, id);

   if (ret)
      return ret;
   if (!ps->live[*id])
      return perr(ps, "unknown BO id %u (never created, or freed)", *id);
   return 0;
}

static int
parse_queue(struct pstate *ps, const char *s, uint32_t *q)
{
   char *end;
   unsigned long v;

   if (!s || s[0] != 'q' || !s[1])
      return perr(ps, "bad queue '%s' (want q0..q%d)", s ? s : "",
                  TRACE_MAX_QUEUES - 1);
   v = strtoul(s + 1, &end, 10);
   if (*end || v >= TRACE_MAX_QUEUES)
      return perr(ps, "bad queue '%s' (want q0..q%d)", s,
                  TRACE_MAX_QUEUES - 1);
   *q = (uint32_t)v;
   return 0;
}

static int
live_queue(struct pstate *ps, const char *s, uint32_t *q)
{
   int ret = parse_queue(ps, s, q);

   if (!ret && *q && !ps->queue_live[*q])
      return perr(ps, "unknown queue %s (no queue_new)", s);
   return ret;
}

/* Byte range [off, off + len) inside a live BO. */
static int
check_range(struct pstate *ps, uint32_t id, uint64_t off, uint64_t len)
{
   if (off > ps->size[id] || len > ps->size[id] - off)
      return perr(ps, "range %" PRIu64 "+%" PRIu64 " outside BO %u (%"
                  PRIu64 " bytes)", off, len, id, ps->size[id]);
   return 0;
}

static int
find_label(const struct trace *t, const char *s)
{
   for (uint32_t i = t->nr_labels; i-- > 0;)
      if (!strcmp(t->labels[i], s))
         return (int)i;
   return -1;
}

static int
define_label(struct pstate *ps, const char *s, uint32_t queue, uint32_t *out)
{
   struct trace *t = ps->t;
   int i = find_label(t, s);

   if (!*s)
      return perr(ps, "empty fence label");
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

static int
in_list(const struct trace_op *op, uint32_t id)
{
   for (uint32_t i = 0; i < op->nr_bos; i++)
      if (op->bos[i].bo == id)
         return (int)i;
   return -1;
}

/* Split "a,b,c" in place into a new array; *n items.  -E2BIG past max. */
static int
split_list(char *s, char ***items, uint32_t *n, uint32_t max)
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
static int
parse_triple(struct pstate *ps, char *s, unsigned want, uint32_t *id,
             uint64_t *a, uint64_t *b)
{
   char *f[3] = { 0 }, *save = NULL;
   unsigned n = 0;

   for (char *tok = strtok_r(s, ":", &save); tok && n < 3;
        tok = strtok_r(NULL, ":", &save))
      f[n++] = tok;
   if (n != want || strtok_r(NULL, ":", &save))
      return perr(ps, "bad item '%s'", s);
   if (live_bo(ps, f[0], id))
      return -EINVAL;
   if (want >= 2 && parse_num(f[1], a))
      return perr(ps, "bad number '%s'", f[1]);
   if (want >= 3 && parse_num(f[2], b))
      return perr(ps, "bad number '%s'", f[2]);
   return 0;
}

/* Dwords the replayer needs at the start of the first cmds region. */
static uint64_t
submit_prologue_dwords(const struct trace_op *op)
{
   return (op->gpu_us ? PM4_DELAY_DWORDS : 0) +
          (uint64_t)op->nr_writes * PM4_MEM_WRITE_DWORDS(1);
}

/* "ID:r|w|rw[d]" */
static int
submit_bo(struct pstate *ps, struct trace_op *op, char *item, uint32_t k)
{
   char *colon = strchr(item, ':');
   uint32_t fl = 0;

   if (!colon)
      return perr(ps, "submit: BO '%s' needs :r, :w or :rw", item);
   *colon = '\0';
   if (live_bo(ps, item, &op->bos[k].bo))
      return -EINVAL;
   for (const char *c = colon + 1; *c; c++) {
      if (*c == 'r')
         fl |= MSM_SUBMIT_BO_READ;
      else if (*c == 'w')
         fl |= MSM_SUBMIT_BO_WRITE;
      else if (*c == 'd')
         fl |= MSM_SUBMIT_BO_DUMP;
      else
         fl = 0x80000000u;
   }
   if (!(fl & (MSM_SUBMIT_BO_READ | MSM_SUBMIT_BO_WRITE)) || (fl & 0x80000000u))
      return perr(ps, "submit: bad BO flags '%s' (want r, w, rw)", colon + 1);
   op->bos[k].flags = fl;
   op->nr_bos = k + 1;
   if (in_list(op, op->bos[k].bo) != (int)k)
      return perr(ps, "submit: BO %u listed twice", op->bos[k].bo);
   return 0;
}

/* "ID:OFF:SIZE" */
static int
submit_cmd(struct pstate *ps, struct trace_op *op, char *item, uint32_t k)
{
   uint64_t off = 0, size = 0;
   int ret = parse_triple(ps, item, 3, &op->cmds[k].bo, &off, &size);

   if (!ret && (off % 4 || size % 4 || !size || off > UINT32_MAX ||
                size > UINT32_MAX))
      ret = perr(ps, "submit: cmds region must be dword aligned and non-empty");
   if (!ret)
      ret = check_range(ps, op->cmds[k].bo, off, size);
   op->cmds[k].offset = (uint32_t)off;
   op->cmds[k].size = (uint32_t)size;
   return ret;
}

/* "ID:OFF:VALUE" */
static int
submit_write(struct pstate *ps, struct trace_op *op, char *item, uint32_t k)
{
   uint64_t off = 0, v = 0;
   int ret = parse_triple(ps, item, 3, &op->writes[k].bo, &off, &v);

   if (!ret && (off % 4 || v > UINT32_MAX))
      ret = perr(ps, "submit: write needs an aligned offset and a 32-bit value");
   if (!ret)
      ret = check_range(ps, op->writes[k].bo, off, 4);
   op->writes[k].offset = (uint32_t)off;
   op->writes[k].value = (uint32_t)v;
   return ret;
}

/* The list-valued keys of a submit: where the array lives in the op. */
static const struct submit_list {
   const char *key;
   uint32_t max;
   bool may_be_empty;
   size_t elem_size;
   size_t array, count;   /* offsetof in struct trace_op */
   int (*item)(struct pstate *ps, struct trace_op *op, char *item, uint32_t k);
} submit_lists[] = {
   { "bos", 4096, true, sizeof(struct trace_bo_ref),
     offsetof(struct trace_op, bos), 0, submit_bo },
   { "cmds", 256, false, sizeof(struct trace_cmd),
     offsetof(struct trace_op, cmds), offsetof(struct trace_op, nr_cmds),
     submit_cmd },
   { "write", 64, false, sizeof(struct trace_write),
     offsetof(struct trace_op, writes), offsetof(struct trace_op, nr_writes),
     submit_write },
};

static int
parse_submit_list(struct pstate *ps, struct trace_op *op,
                  const struct submit_list *l, char *val)
{
   void **array = (void **)((char *)op + l->array);
   char **items = NULL;
   uint32_t n = 0;
   int ret = 0;

   if (*array || split_list(val, &items, &n, l->max) || (!n && !l->may_be_empty))
      return perr(ps, "submit: bad or repeated %s=", l->key);
   *array = calloc(n ? n : 1, l->elem_size);
   if (!*array) {
      free(items);
      return -ENOMEM;
   }
   /* bos= counts as it goes (duplicates are checked against what is in). */
   if (l->count)
      *(uint32_t *)((char *)op + l->count) = n;
   for (uint32_t k = 0; k < n && !ret; k++)
      ret = l->item(ps, op, items[k], k);
   free(items);
   return ret;
}

static int
parse_submit_key(struct pstate *ps, struct trace_op *op, char *key, char *val)
{
   for (unsigned i = 0; i < sizeof(submit_lists) / sizeof(submit_lists[0]); i++)
      if (!strcmp(key, submit_lists[i].key))
         return parse_submit_list(ps, op, &submit_lists[i], val);
   if (!strcmp(key, "gpu_us"))
      return parse_u32(ps, "gpu_us", val, &op->gpu_us) ? -EINVAL : 0;
   if (!strcmp(key, "fence"))
      return define_label(ps, val, op->queue, &op->label);
   return perr(ps, "submit: unknown key '%s'", key);
}

static int
parse_submit(struct pstate *ps, struct trace_op *op, char **tok, int ntok)
{
   int ret;

   op->label = TRACE_LAST;
   if (live_queue(ps, tok[1], &op->queue))
      return -EINVAL;
   for (int i = 2; i < ntok; i++) {
      char *eq = strchr(tok[i], '=');

      if (!eq)
         return perr(ps, "submit: expected key=value, got '%s'", tok[i]);
      *eq = '\0';
      if ((ret = parse_submit_key(ps, op, tok[i], eq + 1)))
         return ret;
   }
   /* Every BO a cmd or write names must be in the list. */
   for (uint32_t k = 0; k < op->nr_cmds; k++)
      if (in_list(op, op->cmds[k].bo) < 0)
         return perr(ps, "submit: cmds BO %u is not in bos=", op->cmds[k].bo);
   for (uint32_t k = 0; k < op->nr_writes; k++)
      if (in_list(op, op->writes[k].bo) < 0)
         return perr(ps, "submit: write BO %u is not in bos=",
                     op->writes[k].bo);
   if (op->nr_cmds &&
       submit_prologue_dwords(op) > op->cmds[0].size / 4)
      return perr(ps, "submit: first cmds region (%u bytes) too small for "
                  "gpu_us and write= (%" PRIu64 " bytes)", op->cmds[0].size,
                  submit_prologue_dwords(op) * 4);
   ps->queue_submitted[op->queue] = true;
   ps->t->nr_submits++;
   return 0;
}

/* "NAME=N NAME=N ..." -> appended to *v. */
static int
parse_counts(struct pstate *ps, char *s, struct trace_count **v, unsigned *n)
{
   char *save = NULL;

   for (char *tok = strtok_r(s, " \t\r\n", &save); tok;
        tok = strtok_r(NULL, " \t\r\n", &save)) {
      char *eq = strrchr(tok, '=');
      struct trace_count *c;
      uint64_t x;

      if (!eq || eq == tok || (size_t)(eq - tok) >= sizeof(c->name) ||
          parse_num(eq + 1, &x))
         return perr(ps, "bad count '%s' (want NAME=N)", tok);
      c = realloc(*v, (*n + 1) * sizeof(*c));
      if (!c)
         return -ENOMEM;
      *v = c;
      c += (*n)++;
      memcpy(c->name, tok, (size_t)(eq - tok));
      c->name[eq - tok] = '\0';
      c->n = x;
   }
   return 0;
}

/* A whole-line comment may carry one of the header keys. */
static int
parse_meta(struct pstate *ps, char *line)
{
   struct trace *t = ps->t;
   char *p = line;
   uint64_t x;

   while (*p == ' ' || *p == '\t')
      p++;
   if (*p++ != '#')
      return 0;
   while (*p == ' ' || *p == '\t')
      p++;
   if (!strncmp(p, "source:", 7)) {
      size_t len;

      p += 7;
      while (*p == ' ' || *p == '\t')
         p++;
      len = strcspn(p, "\r\n");
      free(t->source);
      t->source = strndup(p, len);
      return t->source ? 0 : -ENOMEM;
   }
   if (!strncmp(p, "frames:", 7)) {
      p += 7;
      while (*p == ' ' || *p == '\t')
         p++;
      p[strcspn(p, " \t\r\n")] = '\0';
      if (parse_num(p, &x) || x > UINT32_MAX)
         return perr(ps, "bad frames '%s'", p);
      t->frames = (uint32_t)x;
      return 0;
   }
   if (!strncmp(p, "ioctl counts:", 13))
      return parse_counts(ps, p + 13, &t->ioctls, &t->nr_ioctls);
   if (!strncmp(p, "dropped:", 8))
      return parse_counts(ps, p + 8, &t->dropped, &t->nr_dropped);
   if (!strncmp(p, "failed:", 7))
      return parse_counts(ps, p + 7, &t->failed, &t->nr_failed);
   return 0;
}

/* ---- one handler per verb: tok[0] is the verb, ntok already checked ---- */

static int
parse_param(struct pstate *ps, struct trace_op *op, char **tok, int ntok)
{
   (void)ntok;
   op->a = UINT64_MAX;
   for (unsigned i = 0; i < sizeof(param_names) / sizeof(param_names[0]); i++)
      if (!strcmp(tok[1], param_names[i].name))
         op->a = param_names[i].value;
   if (op->a == UINT64_MAX && (parse_num(tok[1], &op->a) || op->a > 0xff))
      return perr(ps, "unknown param '%s'", tok[1]);
   return 0;
}

static int
parse_debuginfo(struct pstate *ps, struct trace_op *op, char **tok, int ntok)
{
   size_t len = 0;

   (void)ps;
   op->str = strdup(tok[1]);
   if (!op->str)
      return -ENOMEM;
   if (ntok == 2)
      return 0;
   /* strtok_r cut the line at each field: glue the rest back. */
   for (int i = 2; i < ntok; i++)
      len += strlen(tok[i]) + 1;
   op->str2 = malloc(len);
   if (!op->str2)
      return -ENOMEM;
   for (int i = 2, at = 0; i < ntok; i++)
      at += sprintf(op->str2 + at, i > 2 ? " %s" : "%s", tok[i]);
   return 0;
}

static int
parse_queue_new(struct pstate *ps, struct trace_op *op, char **tok, int ntok)
{
   int ret = parse_queue(ps, tok[1], &op->queue);

   if (ret)
      return ret;
   if (!op->queue || ps->queue_live[op->queue])
      return perr(ps, "queue %s exists already", tok[1]);
   op->a = 1;
   for (int i = 2; i < ntok; i++) {
      uint32_t v = 0;

      if (!strncmp(tok[i], "prio=", 5) && !parse_u32(ps, "prio", tok[i] + 5, &v))
         op->a = v;
      else if (!strncmp(tok[i], "flags=", 6) && !parse_u32(ps, "flags", tok[i] + 6, &v))
         op->b = v;
      else
         return perr(ps, "queue_new: bad option '%s'", tok[i]);
   }
   ps->queue_live[op->queue] = true;
   ps->queue_submitted[op->queue] = false;
   return 0;
}

/* queue_close, faults: a live queue. */
static int
parse_live_queue(struct pstate *ps, struct trace_op *op, char **tok, int ntok)
{
   int ret = live_queue(ps, tok[1], &op->queue);

   (void)ntok;
   if (ret || op->type != TRACE_QUEUE_CLOSE)
      return ret;
   if (!op->queue)
      return perr(ps, "q0 is the default queue: it cannot be closed");
   ps->queue_live[op->queue] = false;
   return 0;
}

static int
parse_bo_flags(struct pstate *ps, char *s, uint32_t *flags)
{
   char *save = NULL;

   *flags = 0;
   for (char *f = strtok_r(s, "|", &save); f; f = strtok_r(NULL, "|", &save)) {
      unsigned i;

      for (i = 0; i < sizeof(bo_flag_names) / sizeof(bo_flag_names[0]); i++)
         if (!strcmp(f, bo_flag_names[i].name))
            break;
      if (i == sizeof(bo_flag_names) / sizeof(bo_flag_names[0]))
         return perr(ps, "unknown BO flag '%s'", f);
      *flags |= bo_flag_names[i].value;
   }
   return 0;
}

static int
parse_bo_new(struct pstate *ps, struct trace_op *op, char **tok, int ntok)
{
   struct trace *t = ps->t;
   int ret = parse_bo_id(ps, tok[1], &op->bo);

   if (ret)
      return ret;
   if (ps->live[op->bo])
      return perr(ps, "BO id %u is live already", op->bo);
   if (parse_num(tok[2], &op->a) || !op->a || op->a > (1ull << 32))
      return perr(ps, "bad size '%s'", tok[2]);
   op->flags = MSM_BO_WC;
   if (ntok == 4 && (ret = parse_bo_flags(ps, tok[3], &op->flags)))
      return ret;
   ps->live[op->bo] = 1;
   ps->size[op->bo] = MSM_PAGE_ALIGN(op->a);
   if (op->bo + 1 > t->nr_bo_ids)
      t->nr_bo_ids = op->bo + 1;
   t->nr_bo_news++;
   return 0;
}

/* bo_free, map, cpu_fini: a live BO. */
static int
parse_live_bo(struct pstate *ps, struct trace_op *op, char **tok, int ntok)
{
   int ret = live_bo(ps, tok[1], &op->bo);

   (void)ntok;
   if (!ret && op->type == TRACE_BO_FREE)
      ps->live[op->bo] = 0;
   return ret;
}

/* upload, write: ID OFFSET LEN; expect: ID OFFSET VALUE. */
static int
parse_bo_range(struct pstate *ps, struct trace_op *op, char **tok, int ntok)
{
   int ret = live_bo(ps, tok[1], &op->bo);

   (void)ntok;
   if (ret)
      return ret;
   if (parse_num(tok[2], &op->a) || parse_num(tok[3], &op->b))
      return perr(ps, "bad number");
   if (op->type != TRACE_EXPECT)
      return check_range(ps, op->bo, op->a, op->b);
   if (op->a % 4 || op->b > UINT32_MAX)
      return perr(ps, "expect needs an aligned offset and a 32-bit value");
   return check_range(ps, op->bo, op->a, 4);
}

static int
parse_cpu_prep(struct pstate *ps, struct trace_op *op, char **tok, int ntok)
{
   static const struct { const char *name; uint32_t op; } ops[] = {
      { "r", MSM_PREP_READ },
      { "w", MSM_PREP_WRITE },
      { "rw", MSM_PREP_READ | MSM_PREP_WRITE },
   };
   int ret = live_bo(ps, tok[1], &op->bo);

   if (ret)
      return ret;
   for (unsigned i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
      if (!strcmp(tok[2], ops[i].name))
         op->flags = ops[i].op;
   if (!op->flags)
      return perr(ps, "cpu_prep: bad op '%s' (want r, w or rw)", tok[2]);
   if (ntok == 4) {
      if (strcmp(tok[3], "nosync"))
         return perr(ps, "cpu_prep: bad option '%s'", tok[3]);
      op->flags |= MSM_PREP_NOSYNC;
   }
   return 0;
}

static int
parse_name(struct pstate *ps, struct trace_op *op, char **tok, int ntok)
{
   int ret = live_bo(ps, tok[1], &op->bo);

   (void)ntok;
   if (ret)
      return ret;
   op->str = strdup(tok[2]);
   return op->str ? 0 : -ENOMEM;
}

static int
parse_madvise(struct pstate *ps, struct trace_op *op, char **tok, int ntok)
{
   int ret = live_bo(ps, tok[1], &op->bo);

   (void)ntok;
   if (ret)
      return ret;
   if (!strcmp(tok[2], "willneed"))
      op->a = MSM_MADV_WILLNEED;
   else if (!strcmp(tok[2], "dontneed"))
      op->a = MSM_MADV_DONTNEED;
   else
      return perr(ps, "madvise: bad advice '%s'", tok[2]);
   return 0;
}

static int
parse_wait(struct pstate *ps, struct trace_op *op, char **tok, int ntok)
{
   struct trace *t = ps->t;
   int ret = live_queue(ps, tok[1], &op->queue), l;

   (void)ntok;
   if (ret)
      return ret;
   if (!strcmp(tok[2], "last")) {
      if (!ps->queue_submitted[op->queue])
         return perr(ps, "wait: no submit on %s yet", tok[1]);
      op->label = TRACE_LAST;
   } else {
      l = find_label(t, tok[2]);
      if (l < 0)
         return perr(ps, "wait: unknown fence '%s' (no earlier submit "
                     "has fence=%s)", tok[2], tok[2]);
      if (ps->label_queue[l] != op->queue)
         return perr(ps, "wait: fence '%s' belongs to q%u", tok[2],
                     ps->label_queue[l]);
      op->label = (uint32_t)l;
   }
   t->nr_waits++;
   return 0;
}

static int
parse_cpu_us(struct pstate *ps, struct trace_op *op, char **tok, int ntok)
{
   (void)ntok;
   if (parse_num(tok[1], &op->a) || op->a > 10000000)
      return perr(ps, "bad cpu_us '%s'", tok[1]);
   return 0;
}

/* The grammar, as a table indexed by the op each verb makes: its field
 * count (verb included), the handler that checks the rest (NULL: nothing
 * more to check), and what the documentation says of the line (the
 * report's "Trace format" table is written from it). */
static const struct trace_verb {
   struct trace_verb_info info;
   int min, max;
   int (*parse)(struct pstate *ps, struct trace_op *op, char **tok, int ntok);
} trace_verbs[TRACE_OP_COUNT] = {
   [TRACE_PARAM] = {
      { "param", "param NAME|NUMBER", "get_param",
        "GET_PARAM (GPU_ID, GMEM_SIZE, CHIP_ID, MAX_FREQ, TIMESTAMP, "
        "GMEM_BASE, PRIORITIES, PP_PGTABLE, FAULTS, SUSPENDS, VA_START, "
        "VA_SIZE)" },
      2, 2, parse_param },
   [TRACE_DEBUGINFO] = {
      { "debuginfo", "debuginfo COMM [CMDLINE...]", "set_debuginfo",
        "SET_PARAM COMM (+ CMDLINE)" },
      2, 64, parse_debuginfo },
   [TRACE_QUEUE_NEW] = {
      { "queue_new", "queue_new qN [prio=P] [flags=F]",
        "submitqueue_new (N 1..63; q0 is the default queue)",
        "SUBMITQUEUE_NEW" },
      2, 4, parse_queue_new },
   [TRACE_QUEUE_CLOSE] = {
      { "queue_close", "queue_close qN", "submitqueue_close",
        "SUBMITQUEUE_CLOSE" },
      2, 2, parse_live_queue },
   [TRACE_FAULTS] = {
      { "faults", "faults qN", "submitqueue_faults", "SUBMITQUEUE_QUERY" },
      2, 2, parse_live_queue },
   [TRACE_BO_NEW] = {
      { "bo_new", "bo_new ID SIZE "
        "[WC|CACHED|CACHED_COHERENT|UNCACHED|GPU_READONLY|SCANOUT]",
        "bo_new (default WC; ID 0..65535, reusable after bo_free)",
        "GEM_NEW + GEM_INFO(IOVA)" },
      3, 4, parse_bo_new },
   [TRACE_BO_FREE] = {
      { "bo_free", "bo_free ID", "bo_free", "GEM_CLOSE" },
      2, 2, parse_live_bo },
   [TRACE_MAP] = {
      { "map", "map ID", "bo_map", "GEM_INFO(OFFSET) + mmap" },
      2, 2, parse_live_bo },
   [TRACE_UPLOAD] = {
      { "upload", "upload ID OFFSET LEN", "bo_upload of LEN pattern bytes",
        "(pwrite-like)" },
      4, 4, parse_bo_range },
   [TRACE_WRITE] = {
      { "write", "write ID OFFSET LEN",
        "CPU stores through the mapping (maps first)", "(memory)" },
      4, 4, parse_bo_range },
   [TRACE_CPU_PREP] = {
      { "cpu_prep", "cpu_prep ID r|w|rw [nosync]", "bo_cpu_prep",
        "GEM_CPU_PREP" },
      3, 4, parse_cpu_prep },
   [TRACE_CPU_FINI] = {
      { "cpu_fini", "cpu_fini ID", "bo_cpu_fini", "GEM_CPU_FINI" },
      2, 2, parse_live_bo },
   [TRACE_SET_NAME] = {
      { "name", "name ID NAME", "bo_set_name", "GEM_INFO(SET_NAME)" },
      3, 3, parse_name },
   [TRACE_MADVISE] = {
      { "madvise", "madvise ID willneed|dontneed", "bo_madvise",
        "GEM_MADVISE" },
      3, 3, parse_madvise },
   [TRACE_SUBMIT] = {
      { "submit", "submit qN [bos=ID:r|w|rw,...] [cmds=ID:OFF:SIZE,...] "
        "[gpu_us=N] [fence=LABEL] [write=ID:OFF:VALUE,...]", "submit",
        "GEM_SUBMIT" },
      2, 64, parse_submit },
   [TRACE_WAIT] = {
      { "wait", "wait qN LABEL|last", "fence_wait", "WAIT_FENCE" },
      3, 3, parse_wait },
   [TRACE_EXPECT] = {
      { "expect", "expect ID OFFSET VALUE",
        "(check a dword through the mapping)", "" },
      4, 4, parse_bo_range },
   [TRACE_CPU_US] = {
      { "cpu_us", "cpu_us N", "(application CPU time, busy)", "" },
      2, 2, parse_cpu_us },
   [TRACE_FLUSH] = {
      { "flush", "flush", "flush", "" },
      1, 1, NULL },
};

const struct trace_verb_info *
trace_verb_info(enum trace_op_type type)
{
   return (unsigned)type < TRACE_OP_COUNT ? &trace_verbs[type].info : NULL;
}

/* The op a verb makes, TRACE_OP_COUNT for none. */
static enum trace_op_type
find_verb(const char *name)
{
   unsigned t;

   for (t = 0; t < TRACE_OP_COUNT; t++)
      if (!strcmp(name, trace_verbs[t].info.name))
         break;
   return t;
}

/* Split at blanks, up to a '#'; returns the field count or -1. */
static int
tokenize(char *line, char **tok, int max)
{
   char *save = NULL, *hash = strchr(line, '#');
   int n = 0;

   if (hash)
      *hash = '\0';
   for (char *p = strtok_r(line, " \t\r\n", &save); p;
        p = strtok_r(NULL, " \t\r\n", &save)) {
      if (n == max)
         return -1;
      tok[n++] = p;
   }
   return n;
}

static struct trace_op *
new_op(struct trace *t)
{
   if (t->nr_ops == t->cap_ops) {
      unsigned cap = t->cap_ops ? t->cap_ops * 2 : 64;
      struct trace_op *ops = realloc(t->ops, cap * sizeof(*ops));

      if (!ops)
         return NULL;
      t->ops = ops;
      t->cap_ops = cap;
   }
   memset(&t->ops[t->nr_ops], 0, sizeof(t->ops[0]));
   /* The trace owns it from now on, even half parsed (trace_free). */
   return &t->ops[t->nr_ops++];
}

static int
parse_line(struct pstate *ps, char *line)
{
   const struct trace_verb *verb;
   enum trace_op_type type;
   struct trace_op *op;
   char *tok[64];
   int ntok, ret = parse_meta(ps, line);

   if (ret)
      return ret;
   ntok = tokenize(line, tok, 64);
   if (ntok < 0)
      return perr(ps, "too many fields");
   if (!ntok)
      return 0;
   if (!ps->header) {
      if (ntok != 2 || strcmp(tok[0], "msmvirt-trace") || strcmp(tok[1], "1"))
         return perr(ps, "not a trace: the first line must be "
                     "'msmvirt-trace 1'");
      ps->header = true;
      return 0;
   }
   type = find_verb(tok[0]);
   if (type == TRACE_OP_COUNT)
      return perr(ps, "unknown op '%s'", tok[0]);
   verb = &trace_verbs[type];
   if (ntok < verb->min || ntok > verb->max)
      return perr(ps, "usage: %s", verb->info.usage);
   op = new_op(ps->t);
   if (!op)
      return -ENOMEM;
   op->type = type;
   op->line = ps->line;
   return verb->parse ? verb->parse(ps, op, tok, ntok) : 0;
}

int
trace_parse_string(const char *text, const char *name, struct trace **out,
                   char *err, size_t errlen)
{
   struct pstate *ps = calloc(1, sizeof(*ps));
   struct trace *t = calloc(1, sizeof(*t));
   int ret = 0;

   if (!ps || !t) {
      free(ps);
      free(t);
      snprintf(err, errlen, "%s: out of memory", name);
      return -ENOMEM;
   }
   ps->t = t;
   ps->name = name;
   ps->err = err;
   ps->errlen = errlen;
   t->name = strdup(name);
   while (*text && !ret) {
      const char *nl = strchr(text, '\n');
      size_t len = nl ? (size_t)(nl - text) : strlen(text);
      char *line = malloc(len + 1);

      if (!line) {
         ret = -ENOMEM;
         break;
      }
      memcpy(line, text, len);
      line[len] = '\0';
      ps->line++;
      ret = parse_line(ps, line);
      free(line);
      text += len + (nl ? 1 : 0);
   }
   if (!ret && !ps->header)
      ret = perr(ps, "empty trace (no 'msmvirt-trace 1' line)");
   if (ret == -ENOMEM)
      snprintf(err, errlen, "%s:%u: out of memory", name, ps->line);
   free(ps->label_queue);
   free(ps);
   if (ret) {
      trace_free(t);
      return ret;
   }
   *out = t;
   return 0;
}

int
trace_parse_file(const char *path, struct trace **out, char *err,
                 size_t errlen)
{
   FILE *f = fopen(path, "r");
   char *text = NULL;
   size_t len = 0, cap = 0;
   int ret;

   if (!f) {
      ret = -errno;
      snprintf(err, errlen, "%s: %s", path, strerror(errno));
      return ret;
   }
   for (;;) {
      if (len + 4096 + 1 > cap) {
         char *n;

         cap = cap ? cap * 2 : 65536;
         if (cap > (256u << 20) || !(n = realloc(text, cap))) {
            fclose(f);
            free(text);
            snprintf(err, errlen, "%s: too big", path);
            return -EFBIG;
         }
         text = n;
      }
      size_t got = fread(text + len, 1, 4096, f);
      len += got;
      if (got < 4096)
         break;
   }
   fclose(f);
   text[len] = '\0';
   if (memchr(text, '\0', len)) {
      free(text);
      snprintf(err, errlen, "%s: not a text file", path);
      return -EINVAL;
   }
   ret = trace_parse_string(text, path, out, err, errlen);
   free(text);
   return ret;
}

void
trace_free(struct trace *t)
{
   if (!t)
      return;
   for (unsigned i = 0; i < t->nr_ops; i++) {
      free(t->ops[i].str);
      free(t->ops[i].str2);
      free(t->ops[i].bos);
      free(t->ops[i].cmds);
      free(t->ops[i].writes);
   }
   for (uint32_t i = 0; i < t->nr_labels; i++)
      free(t->labels[i]);
   free(t->labels);
   free(t->ops);
   free(t->name);
   free(t->source);
   free(t->ioctls);
   free(t->dropped);
   free(t->failed);
   free(t);
}

bool
trace_from_mesa(const struct trace *t)
{
   const char *base;

   if (t->source)
      for (const char *p = t->source; *p; p++)
         if (!strncasecmp(p, "mesa", 4))
            return true;
   base = t->name ? strrchr(t->name, '/') : NULL;
   base = base ? base + 1 : t->name;
   return base && !strncasecmp(base, "mesa", 4);
}
