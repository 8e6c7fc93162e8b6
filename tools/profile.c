/*
 * profile.c - workload parameters: one key table drives the defaults, the
 * INI parser (inih) and the printed form, so a knob is described once.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "profile.h"

enum key_type { KEY_U32, KEY_SIZE_MIX };

struct profile_key {
   const char *section;
   const char *name;
   enum key_type type;
   size_t offset;        /* into struct profile */
   uint32_t def, min, max;
   const char *def_str;  /* KEY_SIZE_MIX */
};

#define U32(sec, key, field, d, lo, hi) \
   { #sec, key, KEY_U32, offsetof(struct profile, sec.field), d, lo, hi, NULL }
#define COMMON(sec, it, q, w) \
   U32(sec, "iters", c.iters, it, 1, 10000000), \
   U32(sec, "quick_iters", c.quick_iters, q, 1, 10000000), \
   U32(sec, "warmup", c.warmup, w, 0, 1000000)

/*
 * The defaults keep the full default sweep (6 workloads x 7 RTTs x 5
 * repeats x 3 modes) within ~10 minutes on 2 cores and --quick within a
 * minute; docs/evaluation.md explains each choice next to the numbers.
 */
static const struct profile_key keys[] = {
   COMMON(frame, 300, 40, 10),
   U32(frame, "gpu_us", gpu_us, 1000, 0, 1000000),
   U32(frame, "cpu_us", cpu_us, 250, 0, 1000000),
   U32(frame, "submits", submits, 2, 1, 64),
   U32(frame, "bos", bos, 20, 0, 1000),
   U32(frame, "stream_bos", stream_bos, 2, 0, 64),
   U32(frame, "stream_kib", stream_kib, 64, 4, 65536),
   U32(frame, "upload_kib", upload_kib, 16, 0, 65536),
   U32(frame, "throttle", throttle, 2, 1, 16),

   COMMON(alloc, 2000, 200, 20),
   { "alloc", "sizes", KEY_SIZE_MIX, offsetof(struct profile, alloc.sizes),
     0, 0, 0, "4K:50,64K:30,1M:15,4M:5" },
   U32(alloc, "touch_kib", touch_kib, 16, 0, 65536),
   U32(alloc, "map_pct", map_pct, 50, 0, 100),
   U32(alloc, "live", live, 64, 1, 100000),
   U32(alloc, "batch", batch, 16, 1, 1000),
   U32(alloc, "gpu_us", gpu_us, 50, 0, 1000000),
   U32(alloc, "throttle", throttle, 4, 1, 64),
   U32(alloc, "cache", cache, 1, 0, 1),

   COMMON(dispatch, 1000, 100, 10),
   U32(dispatch, "gpu_us", gpu_us, 20, 0, 1000000),
   U32(dispatch, "bos", bos, 4, 0, 1000),

   COMMON(readback, 1000, 100, 10),
   U32(readback, "gpu_us", gpu_us, 20, 0, 1000000),
   U32(readback, "read_kib", read_kib, 4, 1, 1024),

   COMMON(startup, 100, 10, 2),
   U32(startup, "bos", bos, 8, 0, 1000),
   U32(startup, "bo_kib", bo_kib, 64, 4, 65536),

   COMMON(trace, 50, 5, 1),
};

#define NR_KEYS (sizeof(keys) / sizeof(keys[0]))

static bool
section_known(const char *section)
{
   for (size_t i = 0; i < NR_KEYS; i++)
      if (!strcmp(keys[i].section, section))
         return true;
   return false;
}

static const struct profile_key *
key_find(const char *section, const char *name)
{
   for (size_t i = 0; i < NR_KEYS; i++)
      if (!strcmp(keys[i].section, section) && !strcmp(keys[i].name, name))
         return &keys[i];
   return NULL;
}

int
size_parse(const char *s, uint64_t *out)
{
   char *end;
   unsigned long long v;
   unsigned shift = 0;

   if (!*s || *s == '-' || *s == '+')
      return -EINVAL;
   errno = 0;
   v = strtoull(s, &end, 0);
   if (errno || end == s)
      return -EINVAL;
   switch (*end) {
   case 'K': case 'k': shift = 10; end++; break;
   case 'M': case 'm': shift = 20; end++; break;
   case 'G': case 'g': shift = 30; end++; break;
   default: break;
   }
   if (*end || v > (UINT64_MAX >> shift))
      return -EINVAL;
   *out = (uint64_t)v << shift;
   return 0;
}

int
size_mix_parse(const char *s, struct size_mix *out)
{
   struct size_mix m = { 0 };
   char buf[256], *save = NULL, *tok;

   if (strlen(s) >= sizeof(buf))
      return -EINVAL;
   strcpy(buf, s);
   for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
      char *colon = strchr(tok, ':'), *end;
      unsigned long w = 1;

      while (*tok == ' ')
         tok++;
      if (m.n == SIZE_MIX_MAX)
         return -E2BIG;
      if (colon) {
         *colon = '\0';
         errno = 0;
         w = strtoul(colon + 1, &end, 10);
         if (errno || end == colon + 1 || *end || !w || w > 1000000)
            return -EINVAL;
      }
      if (size_parse(tok, &m.size[m.n]) || !m.size[m.n] ||
          m.size[m.n] > (256ull << 20))
         return -EINVAL;
      m.weight[m.n++] = (uint32_t)w;
   }
   if (!m.n)
      return -EINVAL;
   *out = m;
   return 0;
}

static void
key_format(const struct profile *p, const struct profile_key *k, char *buf,
           size_t len)
{
   const char *base = (const char *)p + k->offset;

   if (k->type == KEY_U32) {
      snprintf(buf, len, "%" PRIu32, *(const uint32_t *)base);
   } else {
      const struct size_mix *m = (const struct size_mix *)base;
      size_t o = 0;

      buf[0] = '\0';
      for (unsigned i = 0; i < m->n && o < len; i++) {
         uint64_t s = m->size[i];
         const char *suf = "";

         if (s % (1ull << 20) == 0) {
            s >>= 20;
            suf = "M";
         } else if (s % 1024 == 0) {
            s >>= 10;
            suf = "K";
         }
         o += (size_t)snprintf(buf + o, len - o, "%s%" PRIu64 "%s:%" PRIu32,
                               i ? "," : "", s, suf, m->weight[i]);
      }
   }
}

void
profile_defaults(struct profile *p)
{
   memset(p, 0, sizeof(*p));
   for (size_t i = 0; i < NR_KEYS; i++) {
      char *base = (char *)p + keys[i].offset;

      if (keys[i].type == KEY_U32)
         *(uint32_t *)base = keys[i].def;
      else if (size_mix_parse(keys[i].def_str, (struct size_mix *)base))
         abort(); /* the table above is wrong */
   }
}

const struct wk_common *
profile_common(const struct profile *p, const char *section)
{
   if (!strcmp(section, "frame"))
      return &p->frame.c;
   if (!strcmp(section, "alloc"))
      return &p->alloc.c;
   if (!strcmp(section, "dispatch"))
      return &p->dispatch.c;
   if (!strcmp(section, "readback"))
      return &p->readback.c;
   if (!strcmp(section, "startup"))
      return &p->startup.c;
   if (!strcmp(section, "trace"))
      return &p->trace.c;
   return NULL;
}

void
profile_format(const struct profile *p, const char *section, char *buf,
               size_t len)
{
   size_t o = 0;

   buf[0] = '\0';
   for (size_t i = 0; i < NR_KEYS && o + 1 < len; i++) {
      char v[160];

      if (strcmp(keys[i].section, section))
         continue;
      key_format(p, &keys[i], v, sizeof(v));
      o += (size_t)snprintf(buf + o, len - o, "%s%s=%s", o ? " " : "",
                            keys[i].name, v);
   }
}

/* ------------------------------------------------------------- parsing */

/* inih's handler does not get line numbers (Debian builds it without
 * INI_HANDLER_LINENO), so the reader counts them as it feeds lines. */
struct load_state {
   struct profile *p;
   const char *name;
   char *err;
   size_t errlen;
   bool failed;
   int line;
   bool at_line_start;
   /* one of the two sources */
   FILE *f;
   const char *text;
};

static char *
load_reader(char *str, int num, void *stream)
{
   struct load_state *st = stream;
   size_t n = 0;

   if (st->f) {
      if (!fgets(str, num, st->f))
         return NULL;
      n = strlen(str);
   } else {
      if (!*st->text)
         return NULL;
      while (st->text[n] && n + 1 < (size_t)num) {
         if (st->text[n++] == '\n')
            break;
      }
      memcpy(str, st->text, n);
      str[n] = '\0';
      st->text += n;
   }
   if (st->at_line_start)
      st->line++;
   st->at_line_start = n && str[n - 1] == '\n';
   return str;
}

static int
load_fail(struct load_state *st, const char *fmt, ...)
   __attribute__((format(printf, 2, 3)));

static int
load_fail(struct load_state *st, const char *fmt, ...)
{
   va_list ap;
   int o;

   if (st->failed) /* inih goes on after an error: keep the first */
      return 0;
   st->failed = true;
   o = snprintf(st->err, st->errlen, "%s:%d: ", st->name, st->line);
   if (o < 0 || (size_t)o >= st->errlen)
      return 0;
   va_start(ap, fmt);
   vsnprintf(st->err + o, st->errlen - (size_t)o, fmt, ap);
   va_end(ap);
   return 0;
}

static int
load_handler(void *user, const char *section, const char *name,
             const char *value)
{
   struct load_state *st = user;
   const struct profile_key *k;
   char *base;

   if (!*section)
      return load_fail(st, "key '%s' outside any [section]", name);
   if (!section_known(section))
      return load_fail(st, "unknown section [%s] (workloads: frame, alloc, "
                       "dispatch, readback, startup, trace)", section);
   k = key_find(section, name);
   if (!k)
      return load_fail(st, "unknown key '%s' in [%s]", name, section);
   base = (char *)st->p + k->offset;

   if (k->type == KEY_U32) {
      char *end;
      unsigned long long v;

      errno = 0;
      v = strtoull(value, &end, 10);
      if (!*value || *value == '-' || errno || *end || v < k->min ||
          v > k->max)
         return load_fail(st, "bad value '%s' for %s.%s (want an integer "
                          "%" PRIu32 "..%" PRIu32 ")", value, section, name,
                          k->min, k->max);
      *(uint32_t *)base = (uint32_t)v;
   } else {
      if (size_mix_parse(value, (struct size_mix *)base))
         return load_fail(st, "bad value '%s' for %s.%s (want SIZE:WEIGHT,"
                          "... e.g. 4K:50,1M:20; at most %d entries, sizes "
                          "up to 256M)", value, section, name, SIZE_MIX_MAX);
   }
   return 1;
}

static int
load_finish(struct load_state *st, int ret)
{
   if (ret == 0 && !st->failed)
      return 0;
   if (!st->failed) {
      if (ret > 0) {
         st->line = ret;
         load_fail(st, "syntax error (want '[section]' or 'key = value')");
      } else {
         snprintf(st->err, st->errlen, "%s: cannot parse (%d)", st->name,
                  ret);
      }
   }
   return -EINVAL;
}

int
profile_load_string(struct profile *p, const char *text, const char *name,
                    char *err, size_t errlen)
{
   struct load_state st = {
      .p = p, .name = name, .err = err, .errlen = errlen, .text = text,
      .at_line_start = true,
   };
   return load_finish(&st, ini_parse_stream(load_reader, &st, load_handler,
                                            &st));
}

int
profile_load(struct profile *p, const char *path, char *err, size_t errlen)
{
   struct load_state st = {
      .p = p, .name = path, .err = err, .errlen = errlen,
      .at_line_start = true,
   };
   int ret;

   st.f = fopen(path, "r");
   if (!st.f) {
      ret = -errno;
      snprintf(err, errlen, "%s: %s", path, strerror(errno));
      return ret;
   }
   ret = ini_parse_stream(load_reader, &st, load_handler, &st);
   fclose(st.f);
   return load_finish(&st, ret);
}
