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
#include "trace_priv.h"
#include "msm_core.h"

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
          tp_parse_num(eq + 1, &x))
         return tp_perr(ps, "bad count '%s' (want NAME=N)", tok);
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
      if (tp_parse_num(p, &x) || x > UINT32_MAX)
         return tp_perr(ps, "bad frames '%s'", p);
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
   if (op->a == UINT64_MAX && (tp_parse_num(tok[1], &op->a) || op->a > 0xff))
      return tp_perr(ps, "unknown param '%s'", tok[1]);
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
   int ret = tp_parse_queue(ps, tok[1], &op->queue);

   if (ret)
      return ret;
   if (!op->queue || ps->queue_live[op->queue])
      return tp_perr(ps, "queue %s exists already", tok[1]);
   op->a = 1;
   for (int i = 2; i < ntok; i++) {
      uint32_t v = 0;

      if (!strncmp(tok[i], "prio=", 5) &&
          !tp_parse_u32(ps, "prio", tok[i] + 5, &v))
         op->a = v;
      else if (!strncmp(tok[i], "flags=", 6) &&
               !tp_parse_u32(ps, "flags", tok[i] + 6, &v))
         op->b = v;
      else
         return tp_perr(ps, "queue_new: bad option '%s'", tok[i]);
   }
   ps->queue_live[op->queue] = true;
   ps->queue_submitted[op->queue] = false;
   return 0;
}

/* queue_close, faults: a live queue. */
static int
parse_live_queue(struct pstate *ps, struct trace_op *op, char **tok, int ntok)
{
   int ret = tp_live_queue(ps, tok[1], &op->queue);

   (void)ntok;
   if (ret || op->type != TRACE_QUEUE_CLOSE)
      return ret;
   if (!op->queue)
      return tp_perr(ps, "q0 is the default queue: it cannot be closed");
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
         return tp_perr(ps, "unknown BO flag '%s'", f);
      *flags |= bo_flag_names[i].value;
   }
   return 0;
}

static int
parse_bo_new(struct pstate *ps, struct trace_op *op, char **tok, int ntok)
{
   struct trace *t = ps->t;
   int ret = tp_parse_bo_id(ps, tok[1], &op->bo);

   if (ret)
      return ret;
   if (ps->live[op->bo])
      return tp_perr(ps, "BO id %u is live already", op->bo);
   if (tp_parse_num(tok[2], &op->a) || !op->a || op->a > (1ull << 32))
      return tp_perr(ps, "bad size '%s'", tok[2]);
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
   int ret = tp_live_bo(ps, tok[1], &op->bo);

   (void)ntok;
   if (!ret && op->type == TRACE_BO_FREE)
      ps->live[op->bo] = 0;
   return ret;
}

/* upload, write: ID OFFSET LEN; expect: ID OFFSET VALUE. */
static int
parse_bo_range(struct pstate *ps, struct trace_op *op, char **tok, int ntok)
{
   int ret = tp_live_bo(ps, tok[1], &op->bo);

   (void)ntok;
   if (ret)
      return ret;
   if (tp_parse_num(tok[2], &op->a) || tp_parse_num(tok[3], &op->b))
      return tp_perr(ps, "bad number");
   if (op->type != TRACE_EXPECT)
      return tp_check_range(ps, op->bo, op->a, op->b);
   if (op->a % 4 || op->b > UINT32_MAX)
      return tp_perr(ps, "expect needs an aligned offset and a 32-bit value");
   return tp_check_range(ps, op->bo, op->a, 4);
}

static int
parse_cpu_prep(struct pstate *ps, struct trace_op *op, char **tok, int ntok)
{
   static const struct { const char *name; uint32_t op; } ops[] = {
      { "r", MSM_PREP_READ },
      { "w", MSM_PREP_WRITE },
      { "rw", MSM_PREP_READ | MSM_PREP_WRITE },
   };
   int ret = tp_live_bo(ps, tok[1], &op->bo);

   if (ret)
      return ret;
   for (unsigned i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
      if (!strcmp(tok[2], ops[i].name))
         op->flags = ops[i].op;
   if (!op->flags)
      return tp_perr(ps, "cpu_prep: bad op '%s' (want r, w or rw)", tok[2]);
   if (ntok == 4) {
      if (strcmp(tok[3], "nosync"))
         return tp_perr(ps, "cpu_prep: bad option '%s'", tok[3]);
      op->flags |= MSM_PREP_NOSYNC;
   }
   return 0;
}

static int
parse_name(struct pstate *ps, struct trace_op *op, char **tok, int ntok)
{
   int ret = tp_live_bo(ps, tok[1], &op->bo);

   (void)ntok;
   if (ret)
      return ret;
   op->str = strdup(tok[2]);
   return op->str ? 0 : -ENOMEM;
}

static int
parse_madvise(struct pstate *ps, struct trace_op *op, char **tok, int ntok)
{
   int ret = tp_live_bo(ps, tok[1], &op->bo);

   (void)ntok;
   if (ret)
      return ret;
   if (!strcmp(tok[2], "willneed"))
      op->a = MSM_MADV_WILLNEED;
   else if (!strcmp(tok[2], "dontneed"))
      op->a = MSM_MADV_DONTNEED;
   else
      return tp_perr(ps, "madvise: bad advice '%s'", tok[2]);
   return 0;
}

static int
parse_wait(struct pstate *ps, struct trace_op *op, char **tok, int ntok)
{
   struct trace *t = ps->t;
   int ret = tp_live_queue(ps, tok[1], &op->queue), l;

   (void)ntok;
   if (ret)
      return ret;
   if (!strcmp(tok[2], "last")) {
      if (!ps->queue_submitted[op->queue])
         return tp_perr(ps, "wait: no submit on %s yet", tok[1]);
      op->label = TRACE_LAST;
   } else {
      l = tp_find_label(t, tok[2]);
      if (l < 0)
         return tp_perr(ps, "wait: unknown fence '%s' (no earlier submit "
                     "has fence=%s)", tok[2], tok[2]);
      if (ps->label_queue[l] != op->queue)
         return tp_perr(ps, "wait: fence '%s' belongs to q%u", tok[2],
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
   if (tp_parse_num(tok[1], &op->a) || op->a > 10000000)
      return tp_perr(ps, "bad cpu_us '%s'", tok[1]);
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
      2, 64, tp_parse_submit },
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
      return tp_perr(ps, "too many fields");
   if (!ntok)
      return 0;
   if (!ps->header) {
      if (ntok != 2 || strcmp(tok[0], "msmvirt-trace") || strcmp(tok[1], "1"))
         return tp_perr(ps, "not a trace: the first line must be "
                     "'msmvirt-trace 1'");
      ps->header = true;
      return 0;
   }
   type = find_verb(tok[0]);
   if (type == TRACE_OP_COUNT)
      return tp_perr(ps, "unknown op '%s'", tok[0]);
   verb = &trace_verbs[type];
   if (ntok < verb->min || ntok > verb->max)
      return tp_perr(ps, "usage: %s", verb->info.usage);
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
      ret = tp_perr(ps, "empty trace (no 'msmvirt-trace 1' line)");
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
