/*
 * ioctl2trace.c - `msmvirt trace-convert` (ioctl2trace.h).
 *
 * Input, one line per ioctl that reached the host (cuse/cuse_trace.c):
 *
 *   T_START_NS T_END_NS HOST_NS session=N rounds=R NAME cmd=0xCMD result=R
 *   req=BYTES rsp=BYTES in=HEX [out=HEX]
 *
 * in= is the struct the caller passed, out= the struct the host returned
 * (for _IOC_READ ioctls).  Lines are in the order the replies were built,
 * so an ioctl that uses a handle, queue or fence always comes after the one
 * that produced it.
 *
 * The regions log (tests/mesa/regions_preload.c) is matched record by
 * record: each GEM_SUBMIT, SET_PARAM COMM/CMDLINE and SET_NAME of the
 * daemon's trace takes the next unused entry of its kind with the same key
 * (queue, counts, result and fence; param; handle), looking a little ahead
 * so that entries the daemon never forwarded are skipped.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drm.h"
#include "fwd_spec.h"
#include "msm_drm.h"
#include "ioctl2trace.h"
#include "ioctl2trace_priv.h"
#include "pm4.h"
#include "trace.h"
#include "msm_core.h"


void
i2t_count_add(struct counts *cs, const char *key)
{
   for (unsigned i = 0; i < cs->n; i++)
      if (!strcmp(cs->c[i].key, key)) {
         cs->c[i].n++;
         return;
      }
   if (cs->n == cs->cap) {
      unsigned cap = cs->cap ? cs->cap * 2 : 16;
      struct count *c = realloc(cs->c, cap * sizeof(*c));

      if (!c)
         return; /* only the header's numbers suffer */
      cs->c = c;
      cs->cap = cap;
   }
   snprintf(cs->c[cs->n].key, sizeof(cs->c[cs->n].key), "%s", key);
   cs->c[cs->n++].n = 1;
}

static int
count_cmp(const void *a, const void *b)
{
   const struct count *x = a, *y = b;

   if (x->n != y->n)
      return x->n < y->n ? 1 : -1;
   return strcmp(x->key, y->key);
}

static void
counts_write(FILE *f, const char *label, struct counts *cs)
{
   if (!cs->n)
      return;
   qsort(cs->c, cs->n, sizeof(*cs->c), count_cmp);
   fprintf(f, "# %s:", label);
   for (unsigned i = 0; i < cs->n; i++)
      fprintf(f, " %s=%" PRIu64, cs->c[i].key, cs->c[i].n);
   fprintf(f, "\n");
}

int
i2t_cerr(struct conv *c, const char *fmt, ...)
{
   va_list ap;
   int o = snprintf(c->err, c->errlen, "%s:%u: ", c->name, c->line);

   if (o >= 0 && (size_t)o < c->errlen) {
      va_start(ap, fmt);
      vsnprintf(c->err + o, c->errlen - (size_t)o, fmt, ap);
      va_end(ap);
   }
   return -EINVAL;
}

/* A string for a trace line: no blanks (unless keep_spaces), no '#'. */
void
i2t_sanitize(char *s, bool keep_spaces)
{
   for (char *p = s; *p; p++)
      if (*p == '#' || *p == ',' || (unsigned char)*p < 0x20 ||
          (unsigned char)*p >= 0x7f || (*p == ' ' && !keep_spaces))
         *p = '_';
}

/* ------------------------------------------------------------ BOs, queues, fences */

struct bo_ent *
i2t_bo_find(struct conv *c, uint32_t session, uint32_t handle)
{
   for (unsigned i = 0; i < c->nr_bos; i++)
      if (c->bos[i].session == session && c->bos[i].handle == handle)
         return &c->bos[i];
   return NULL;
}

int
i2t_bo_get(struct conv *c, uint32_t session, uint32_t handle, const char *what,
           struct bo_ent **out)
{
   *out = i2t_bo_find(c, session, handle);
   if (!*out)
      return i2t_cerr(c, "%s: GEM handle %u (session %u) was never created, or "
                  "is closed", what, handle, session);
   return 0;
}

void
i2t_bo_remove(struct conv *c, struct bo_ent *b)
{
   c->id_used[b->id] = 0;
   *b = c->bos[--c->nr_bos];
}

int
i2t_q_sym(struct conv *c, uint32_t session, uint32_t kid, const char *what,
          uint32_t *sym)
{
   if (!kid) {
      *sym = 0;
      return 0;
   }
   for (unsigned i = 0; i < c->nr_qs; i++)
      if (c->qs[i].session == session && c->qs[i].kid == kid) {
         *sym = c->qs[i].sym;
         return 0;
      }
   return i2t_cerr(c, "%s: submitqueue %u (session %u) was never created, or is "
               "closed", what, kid, session);
}

void
i2t_fence_label(char *buf, size_t len, uint32_t session, uint32_t sym,
                uint32_t fence)
{
   /* qN (N > 0) is unique among live queues; q0 is every file's default. */
   if (sym)
      snprintf(buf, len, "q%uf%u", sym, fence);
   else
      snprintf(buf, len, "s%uq0f%u", session, fence);
}

void
i2t_emit(struct conv *c, const char *fmt, ...)
{
   va_list ap;

   va_start(ap, fmt);
   vfprintf(c->body, fmt, ap);
   va_end(ap);
   fputc('\n', c->body);
   c->ops++;
}

void
i2t_flush_comm(struct conv *c)
{
   if (!c->pending_comm)
      return;
   i2t_emit(c, "debuginfo %s", c->pending_comm);
   free(c->pending_comm);
   c->pending_comm = NULL;
}

/* in/out as struct T, zero-extended. */


static int
do_record(struct conv *c, const struct rec *r)
{
   uint32_t id = r->spec ? r->spec->id : FWD_ID_COUNT;

   /* A COMM waits for its CMDLINE (the next SET_PARAM of its session). */
   if (c->pending_comm && (c->pending_session != r->session ||
                           id != FWD_ID_MSM_SET_PARAM))
      i2t_flush_comm(c);
   if (id < FWD_ID_COUNT && i2t_converters[id].convert)
      return i2t_converters[id].convert(c, r);
   i2t_count_add(&c->dropped, r->name);
   return 0;
}

/* The failed ioctl's regions entry, so that the look-ahead stays short. */
static void
skip_failed_regions(struct conv *c, const struct rec *r)
{
   if (!c->reg)
      return;
   switch (r->spec ? r->spec->id : FWD_ID_COUNT) {
   case FWD_ID_MSM_GEM_SUBMIT: {
      IN(struct drm_msm_gem_submit, in);
      i2t_match_submit(c->reg, &in, &in, r->result);
      break;
   }
   case FWD_ID_MSM_SET_PARAM: {
      IN(struct drm_msm_param, in);
      i2t_match_str(c->reg->par, c->reg->nr_par, &c->reg->cur_par, in.param,
                r->result);
      break;
   }
   case FWD_ID_MSM_GEM_INFO: {
      IN(struct drm_msm_gem_info, in);
      if (in.info == MSM_INFO_SET_NAME)
         i2t_match_str(c->reg->nam, c->reg->nr_nam, &c->reg->cur_nam, in.handle,
                   r->result);
      break;
   }
   default:
      break;
   }
}

static int
parse_record(struct conv *c, char *line, struct rec *r)
{
   char *tok[32], *save = NULL;
   int ntok = 0;

   memset(r, 0, sizeof(*r));
   for (char *p = strtok_r(line, " \t\r\n", &save); p && ntok < 32;
        p = strtok_r(NULL, " \t\r\n", &save))
      tok[ntok++] = p;
   if (ntok < 8)
      return i2t_cerr(c, "not an msmvirt-cuse trace record (too few fields)");
   r->t_start = strtoull(tok[0], NULL, 10);
   r->t_end = strtoull(tok[1], NULL, 10);
   r->in_len = r->out_len = 0;
   for (int i = 3; i < ntok; i++) {
      char *v = strchr(tok[i], '=');

      if (!v) {
         if (r->name)
            return i2t_cerr(c, "unexpected field '%s'", tok[i]);
         r->name = tok[i];
         continue;
      }
      *v++ = '\0';
      if (!strcmp(tok[i], "session"))
         r->session = (uint32_t)strtoul(v, NULL, 10);
      else if (!strcmp(tok[i], "result"))
         r->result = (int)strtol(v, NULL, 10);
      else if (!strcmp(tok[i], "in")) {
         if ((r->in_len = i2t_unhex(v, r->in, sizeof(r->in))) < 0)
            return i2t_cerr(c, "bad in= bytes");
      } else if (!strcmp(tok[i], "out")) {
         if ((r->out_len = i2t_unhex(v, r->out, sizeof(r->out))) < 0)
            return i2t_cerr(c, "bad out= bytes");
      }
   }
   if (!r->name)
      return i2t_cerr(c, "record without an ioctl name");
   r->spec = fwd_spec_by_name(r->name); /* NULL: not one we know */
   return 0;
}

static int
convert(struct conv *c, FILE *in)
{
   char *line = NULL;
   size_t cap = 0;
   struct rec r;
   int ret = 0;

   while (!ret && getline(&line, &cap, in) > 0) {
      char *p = line;

      c->line++;
      while (*p == ' ' || *p == '\t')
         p++;
      if (!*p || *p == '\n' || *p == '#')
         continue;
      if ((ret = parse_record(c, p, &r)))
         break;
      c->records++;
      i2t_count_add(&c->all, r.name);
      {
         bool seen = false;

         for (unsigned i = 0; i < c->nr_sessions; i++)
            seen |= c->sessions[i] == r.session;
         if (!seen && c->nr_sessions < 64)
            c->sessions[c->nr_sessions++] = r.session;
      }

      /* The application's own time between two ioctls. */
      if (c->o->cpu_scale > 0 && c->prev_end_ns && r.t_start > c->prev_end_ns) {
         double us = (double)(r.t_start - c->prev_end_ns) / 1e3 *
                     c->o->cpu_scale;

         if (us >= c->o->cpu_min_us && us >= 1) {
            i2t_emit(c, "cpu_us %u", us > 10000000 ? 10000000u : (unsigned)us);
         }
      }
      if (r.t_end > c->prev_end_ns)
         c->prev_end_ns = r.t_end;

      if (r.result) {
         char key[96];

         snprintf(key, sizeof(key), "%s(%d)", r.name, r.result);
         i2t_count_add(&c->failed, key);
         skip_failed_regions(c, &r);
         continue;
      }
      ret = do_record(c, &r);
   }
   free(line);
   if (!ret)
      i2t_flush_comm(c);
   if (!ret && !c->records) {
      c->line = 0;
      ret = i2t_cerr(c, "no ioctl records");
   }
   return ret;
}

void
i2t_opts_defaults(struct i2t_opts *o)
{
   memset(o, 0, sizeof(*o));
   o->gpu_us = 50;
   o->cpu_min_us = 5;
}

int
i2t_convert(FILE *in, const char *in_name, FILE *regions,
            const char *regions_name, FILE *out, const struct i2t_opts *o,
            char *err, size_t errlen)
{
   struct conv *c = calloc(1, sizeof(*c));
   struct regions rg = { .name = regions_name ? regions_name : "regions" };
   char *body = NULL;
   size_t body_len = 0;
   int ret = 0;

   if (!c) {
      snprintf(err, errlen, "out of memory");
      return -ENOMEM;
   }
   c->o = o;
   c->name = in_name;
   c->err = err;
   c->errlen = errlen;
   if (regions) {
      ret = i2t_parse_regions(regions, &rg, err, errlen);
      c->reg = &rg;
   }
   if (!ret) {
      c->body = open_memstream(&body, &body_len);
      if (!c->body)
         ret = -ENOMEM;
   }
   if (!ret)
      ret = convert(c, in);
   if (c->body && fclose(c->body) && !ret)
      ret = -ENOMEM;
   if (ret == -ENOMEM)
      snprintf(err, errlen, "%s:%u: out of memory", in_name, c->line);

   if (!ret) {
      const char *base = strrchr(in_name, '/');

      fprintf(out, "# Translated by `msmvirt trace-convert` from %s:\n"
              "# %u msmvirt-cuse trace records from %u open file%s -> %u ws "
              "calls (%u bo_new, %u submits, %u waits).\n",
              base ? base + 1 : in_name, c->records, c->nr_sessions,
              c->nr_sessions == 1 ? "" : "s", c->ops, c->bo_news, c->submits,
              c->waits);
      fprintf(out, "# source: %s\n", o->source ? o->source
                                               : "msmvirt-cuse trace");
      if (o->frames)
         fprintf(out, "# frames: %u\n", o->frames);
      fprintf(out, "# GPU time is modelled: gpu_us=%u per submit (mesa's "
              "command streams are not recorded; the replayer writes its "
              "own into each cmds region).\n", o->gpu_us);
      if (o->cpu_scale > 0)
         fprintf(out, "# cpu_us: the guest's time between ioctls x %g "
                 "(gaps under %u us left out).\n", o->cpu_scale,
                 o->cpu_min_us);
      else
         fprintf(out, "# No cpu_us: the replay runs the ioctl stream back to "
                 "back.\n");
      if (c->no_regions)
         fprintf(out, "# %u submits without their BO table and cmds (no "
                 "--regions log): replayed from the replayer's command BO.\n",
                 c->no_regions);
      if (c->small_cmds)
         fprintf(out, "# %u submits with a first cmds region too small for "
                 "the delay marker: no gpu_us.\n", c->small_cmds);
      counts_write(out, "ioctl counts", &c->all);
      counts_write(out, "dropped", &c->dropped);
      counts_write(out, "failed", &c->failed);
      counts_write(out, "folded", &c->folded);
      fprintf(out, "msmvirt-trace 1\n");
      if (body_len)
         fwrite(body, 1, body_len, out);
      if (fflush(out) || ferror(out)) {
         snprintf(err, errlen, "write error");
         ret = -EIO;
      }
   }
   free(body);
   i2t_regions_free(&rg);
   free(c->pending_comm);
   free(c->bos);
   free(c->qs);
   free(c->fences);
   free(c->all.c);
   free(c->dropped.c);
   free(c->failed.c);
   free(c->folded.c);
   free(c);
   return ret;
}
