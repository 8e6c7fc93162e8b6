/*
 * ioctl2trace_regions.c - reading the regions log that goes with a
 * msmvirt-cuse trace, and matching its entries to the traced ioctls.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "ioctl2trace_priv.h"

void *
i2t_grow(void *p, unsigned *cap, unsigned need, size_t elem)
{
   unsigned n = *cap ? *cap : 16;
   void *q;

   if (need <= *cap)
      return p;
   while (n < need)
      n *= 2;
   q = realloc(p, (size_t)n * elem);
   if (q)
      *cap = n;
   return q;
}

static int
hexval(int ch)
{
   if (ch >= '0' && ch <= '9')
      return ch - '0';
   if (ch >= 'a' && ch <= 'f')
      return ch - 'a' + 10;
   if (ch >= 'A' && ch <= 'F')
      return ch - 'A' + 10;
   return -1;
}

/* HEX -> bytes; -1 if malformed or longer than max. */
int
i2t_unhex(const char *s, uint8_t *buf, size_t max)
{
   size_t len = strlen(s);

   if (len % 2 || len / 2 > max)
      return -1;
   for (size_t i = 0; i < len / 2; i++) {
      int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

      if (hi < 0 || lo < 0)
         return -1;
      buf[i] = (uint8_t)(hi << 4 | lo);
   }
   return (int)(len / 2);
}

/* ------------------------------------------------------------ the regions log */

/* "bos=H:FLAGS,..." : exactly s->nr_bos entries. */
static int
parse_reg_bos(struct reg_submit *s, char *v)
{
   uint32_t n = 0;
   char *save = NULL;

   if (s->nr_bos > 65536)
      return -EINVAL;
   s->handles = calloc(s->nr_bos + 1, sizeof(*s->handles));
   s->bo_flags = calloc(s->nr_bos + 1, sizeof(*s->bo_flags));
   if (!s->handles || !s->bo_flags)
      return -ENOMEM;
   for (char *it = strtok_r(v, ",", &save); it; it = strtok_r(NULL, ",", &save)) {
      unsigned h, fl;

      if (n == s->nr_bos || sscanf(it, "%u:%x", &h, &fl) != 2)
         return -EINVAL;
      s->handles[n] = h;
      s->bo_flags[n++] = fl;
   }
   return n == s->nr_bos ? 0 : -EINVAL;
}

/* "cmds=TYPE:IDX:OFFSET:SIZE,..." : exactly s->nr_cmds entries. */
static int
parse_reg_cmds(struct reg_submit *s, char *v)
{
   uint32_t n = 0;
   char *save = NULL;

   if (s->nr_cmds > 65536)
      return -EINVAL;
   s->cmds = calloc(s->nr_cmds + 1, sizeof(*s->cmds));
   if (!s->cmds)
      return -ENOMEM;
   for (char *it = strtok_r(v, ",", &save); it; it = strtok_r(NULL, ",", &save)) {
      struct reg_cmd *rc = &s->cmds[n];

      if (n == s->nr_cmds ||
          sscanf(it, "%u:%u:%u:%u", &rc->type, &rc->idx, &rc->offset,
                 &rc->size) != 4)
         return -EINVAL;
      n++;
   }
   return n == s->nr_cmds ? 0 : -EINVAL;
}

/* The scalar fields of a submit record, by key. */
static const struct {
   const char *key;
   size_t off;       /* in struct reg_submit */
   bool is_signed;
} reg_submit_fields[] = {
   { "queue", offsetof(struct reg_submit, queue), false },
   { "flags", offsetof(struct reg_submit, flags), false },
   { "nr_bos", offsetof(struct reg_submit, nr_bos), false },
   { "nr_cmds", offsetof(struct reg_submit, nr_cmds), false },
   { "result", offsetof(struct reg_submit, result), true },
   { "fence", offsetof(struct reg_submit, fence), false },
};

/* "submit key=value ...": the counts come before the lists they size. */
static int
parse_reg_submit(struct regions *rg, unsigned lineno, char **save)
{
   struct reg_submit *s;
   char *tok;
   int ret = 0;

   rg->sub = i2t_grow(rg->sub, &rg->cap_sub, rg->nr_sub + 1, sizeof(*rg->sub));
   if (!rg->sub)
      return -ENOMEM;
   s = &rg->sub[rg->nr_sub++];
   memset(s, 0, sizeof(*s));
   s->line = lineno;
   while (!ret && (tok = strtok_r(NULL, " \t\r\n", save))) {
      char *v = strchr(tok, '=');
      unsigned i;

      if (!v)
         return -EINVAL;
      *v++ = '\0';
      for (i = 0; i < sizeof(reg_submit_fields) / sizeof(reg_submit_fields[0]); i++) {
         if (strcmp(tok, reg_submit_fields[i].key))
            continue;
         uint32_t x = reg_submit_fields[i].is_signed
                         ? (uint32_t)(int)strtol(v, NULL, 0)
                         : (uint32_t)strtoul(v, NULL, 0);
         memcpy((char *)s + reg_submit_fields[i].off, &x, sizeof(x));
         break;
      }
      if (!strcmp(tok, "bos"))
         ret = parse_reg_bos(s, v);
      else if (!strcmp(tok, "cmds"))
         ret = parse_reg_cmds(s, v);
   }
   if (!ret && ((s->nr_bos && !s->handles) || (s->nr_cmds && !s->cmds)))
      ret = -EINVAL;
   return ret;
}

/* "setparam param=P result=R str=HEX" / "setname handle=H ...". */
static int
parse_reg_str(struct regions *rg, bool par, char **save)
{
   struct reg_str *e;
   uint8_t buf[4097];
   int len = -1;
   char *tok;

   if (par) {
      rg->par = i2t_grow(rg->par, &rg->cap_par, rg->nr_par + 1, sizeof(*rg->par));
      e = rg->par ? &rg->par[rg->nr_par++] : NULL;
   } else {
      rg->nam = i2t_grow(rg->nam, &rg->cap_nam, rg->nr_nam + 1, sizeof(*rg->nam));
      e = rg->nam ? &rg->nam[rg->nr_nam++] : NULL;
   }
   if (!e)
      return -ENOMEM;
   memset(e, 0, sizeof(*e));
   while ((tok = strtok_r(NULL, " \t\r\n", save))) {
      if (!strncmp(tok, "param=", 6) || !strncmp(tok, "handle=", 7))
         e->key = (uint32_t)strtoul(strchr(tok, '=') + 1, NULL, 0);
      else if (!strncmp(tok, "result=", 7))
         e->result = (int)strtol(tok + 7, NULL, 0);
      else if (!strncmp(tok, "str=", 4))
         len = i2t_unhex(tok + 4, buf, sizeof(buf) - 1);
   }
   if (len < 0)
      return -EINVAL;
   buf[len] = '\0';
   e->str = strdup((char *)buf);
   return e->str ? 0 : -ENOMEM;
}

int
i2t_parse_regions(FILE *f, struct regions *rg, char *err, size_t errlen)
{
   char *line = NULL;
   size_t cap = 0;
   unsigned lineno = 0;
   int ret = 0;

   while (!ret && getline(&line, &cap, f) > 0) {
      char *tok, *save = NULL;

      lineno++;
      tok = strtok_r(line, " \t\r\n", &save);
      if (!tok || *tok == '#')
         continue;
      if (!strcmp(tok, "submit"))
         ret = parse_reg_submit(rg, lineno, &save);
      else if (!strcmp(tok, "setparam") || !strcmp(tok, "setname"))
         ret = parse_reg_str(rg, tok[3] == 'p', &save);
      else
         ret = -EINVAL;
   }
   free(line);
   if (ret)
      snprintf(err, errlen, "%s:%u: %s", rg->name, lineno,
               ret == -ENOMEM ? "out of memory" : "bad regions record");
   return ret;
}

void
i2t_regions_free(struct regions *rg)
{
   for (unsigned i = 0; i < rg->nr_sub; i++) {
      free(rg->sub[i].handles);
      free(rg->sub[i].bo_flags);
      free(rg->sub[i].cmds);
   }
   for (unsigned i = 0; i < rg->nr_par; i++)
      free(rg->par[i].str);
   for (unsigned i = 0; i < rg->nr_nam; i++)
      free(rg->nam[i].str);
   free(rg->sub);
   free(rg->par);
   free(rg->nam);
}

struct reg_submit *
i2t_match_submit(struct regions *rg, const struct drm_msm_gem_submit *in,
             const struct drm_msm_gem_submit *out, int result)
{
   while (rg->cur_sub < rg->nr_sub && rg->sub[rg->cur_sub].used)
      rg->cur_sub++;
   for (unsigned i = rg->cur_sub;
        i < rg->nr_sub && i < rg->cur_sub + REG_LOOKAHEAD; i++) {
      struct reg_submit *s = &rg->sub[i];

      if (!s->used && s->queue == in->queueid && s->nr_bos == in->nr_bos &&
          s->nr_cmds == in->nr_cmds && s->result == result &&
          (result || s->fence == out->fence)) {
         s->used = true;
         return s;
      }
   }
   return NULL;
}

struct reg_str *
i2t_match_str(struct reg_str *v, unsigned n, unsigned *cur, uint32_t key,
          int result)
{
   while (*cur < n && v[*cur].used)
      (*cur)++;
   for (unsigned i = *cur; i < n && i < *cur + REG_LOOKAHEAD; i++)
      if (!v[i].used && v[i].key == key && v[i].result == result) {
         v[i].used = true;
         return &v[i];
      }
   return NULL;
}

