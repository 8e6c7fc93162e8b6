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

#define MAX_STRUCT    256

/* ------------------------------------------------------------ counters */

struct count {
   char key[64];
   uint64_t n;
};

struct counts {
   struct count *c;
   unsigned n, cap;
};

static void
count_add(struct counts *cs, const char *key)
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

/* ------------------------------------------------------------ state */

struct bo_ent {
   uint32_t session, handle, id;
   uint64_t size;       /* page-rounded, as the trace parser checks it */
   bool mapped;
};

struct q_ent {
   uint32_t session, kid, sym;
};

struct fence_ent {
   uint32_t session, sym, fence;
};

struct conv {
   const struct i2t_opts *o;
   const char *name;
   unsigned line;
   char *err;
   size_t errlen;
   FILE *body;

   struct bo_ent *bos;
   unsigned nr_bos, cap_bos;
   uint8_t id_used[TRACE_MAX_BO_ID + 1];
   struct q_ent *qs;
   unsigned nr_qs, cap_qs;
   bool q_used[TRACE_MAX_QUEUES];
   struct fence_ent *fences;
   unsigned nr_fences, cap_fences;

   /* SET_PARAM COMM waiting for a CMDLINE right after it */
   char *pending_comm;
   uint32_t pending_session;

   uint64_t prev_end_ns;
   uint32_t sessions[64];
   unsigned nr_sessions;
   unsigned records, ops, submits, waits, bo_news, no_regions, small_cmds;
   struct counts all, dropped, failed, folded;
   struct regions *reg;
};

static int
cerr(struct conv *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
cerr(struct conv *c, const char *fmt, ...)
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
static void
sanitize(char *s, bool keep_spaces)
{
   for (char *p = s; *p; p++)
      if (*p == '#' || *p == ',' || (unsigned char)*p < 0x20 ||
          (unsigned char)*p >= 0x7f || (*p == ' ' && !keep_spaces))
         *p = '_';
}

/* ------------------------------------------------------------ BOs, queues, fences */

static struct bo_ent *
bo_find(struct conv *c, uint32_t session, uint32_t handle)
{
   for (unsigned i = 0; i < c->nr_bos; i++)
      if (c->bos[i].session == session && c->bos[i].handle == handle)
         return &c->bos[i];
   return NULL;
}

static int
bo_get(struct conv *c, uint32_t session, uint32_t handle, const char *what,
       struct bo_ent **out)
{
   *out = bo_find(c, session, handle);
   if (!*out)
      return cerr(c, "%s: GEM handle %u (session %u) was never created, or "
                  "is closed", what, handle, session);
   return 0;
}

static void
bo_remove(struct conv *c, struct bo_ent *b)
{
   c->id_used[b->id] = 0;
   *b = c->bos[--c->nr_bos];
}

static int
q_sym(struct conv *c, uint32_t session, uint32_t kid, const char *what,
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
   return cerr(c, "%s: submitqueue %u (session %u) was never created, or is "
               "closed", what, kid, session);
}

static void
fence_label(char *buf, size_t len, uint32_t session, uint32_t sym,
            uint32_t fence)
{
   /* qN (N > 0) is unique among live queues; q0 is every file's default. */
   if (sym)
      snprintf(buf, len, "q%uf%u", sym, fence);
   else
      snprintf(buf, len, "s%uq0f%u", session, fence);
}

/* ------------------------------------------------------------ one record */

struct rec {
   uint64_t t_start, t_end;
   uint32_t session;
   const char *name;
   const struct fwd_ioctl_spec *spec; /* by name; NULL: not in the table */
   int result;
   uint8_t in[MAX_STRUCT], out[MAX_STRUCT];
   int in_len, out_len;
};

static void
emit(struct conv *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
emit(struct conv *c, const char *fmt, ...)
{
   va_list ap;

   va_start(ap, fmt);
   vfprintf(c->body, fmt, ap);
   va_end(ap);
   fputc('\n', c->body);
   c->ops++;
}

static void
flush_comm(struct conv *c)
{
   if (!c->pending_comm)
      return;
   emit(c, "debuginfo %s", c->pending_comm);
   free(c->pending_comm);
   c->pending_comm = NULL;
}

/* in/out as struct T, zero-extended. */
#define IN(T, v)  T v; memset(&v, 0, sizeof(v)); \
   memcpy(&v, r->in, (size_t)r->in_len < sizeof(v) ? (size_t)r->in_len : sizeof(v))
#define OUT(T, v) T v; memset(&v, 0, sizeof(v)); \
   memcpy(&v, r->out, (size_t)r->out_len < sizeof(v) ? (size_t)r->out_len : sizeof(v))

static const char *
param_name(uint32_t p)
{
   switch (p) {
   case MSM_PARAM_GPU_ID: return "GPU_ID";
   case MSM_PARAM_GMEM_SIZE: return "GMEM_SIZE";
   case MSM_PARAM_CHIP_ID: return "CHIP_ID";
   case MSM_PARAM_MAX_FREQ: return "MAX_FREQ";
   case MSM_PARAM_TIMESTAMP: return "TIMESTAMP";
   case MSM_PARAM_GMEM_BASE: return "GMEM_BASE";
   case MSM_PARAM_PRIORITIES: return "PRIORITIES";
   case MSM_PARAM_PP_PGTABLE: return "PP_PGTABLE";
   case MSM_PARAM_FAULTS: return "FAULTS";
   case MSM_PARAM_SUSPENDS: return "SUSPENDS";
   case MSM_PARAM_VA_START: return "VA_START";
   case MSM_PARAM_VA_SIZE: return "VA_SIZE";
   default: return NULL;
   }
}

static int
do_gem_new(struct conv *c, const struct rec *r)
{
   static const struct { uint32_t bit; const char *name; } names[] = {
      { MSM_BO_WC, "WC" }, { MSM_BO_CACHED, "CACHED" },
      { MSM_BO_UNCACHED, "UNCACHED" },
      { MSM_BO_CACHED_COHERENT, "CACHED_COHERENT" },
      { MSM_BO_GPU_READONLY, "GPU_READONLY" }, { MSM_BO_SCANOUT, "SCANOUT" },
   };
   IN(struct drm_msm_gem_new, in);
   OUT(struct drm_msm_gem_new, out);
   struct bo_ent *b;
   char fl[128] = "";
   uint32_t id, rest = in.flags;

   if (!r->out_len)
      return cerr(c, "MSM_GEM_NEW: no out= (the handle it returned)");
   if (!in.size || in.size > (1ull << 32))
      return cerr(c, "MSM_GEM_NEW: size %llu", (unsigned long long)in.size);
   if (bo_find(c, r->session, out.handle))
      return cerr(c, "MSM_GEM_NEW: handle %u (session %u) returned while it "
                  "is live", out.handle, r->session);
   for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
      if (in.flags & names[i].bit) {
         size_t o = strlen(fl);
         snprintf(fl + o, sizeof(fl) - o, "%s%s", o ? "|" : "", names[i].name);
         rest &= ~names[i].bit;
      }
   if (rest)
      return cerr(c, "MSM_GEM_NEW: unknown flags 0x%x", rest);
   for (id = 1; id <= TRACE_MAX_BO_ID && c->id_used[id]; id++)
      ;
   if (id > TRACE_MAX_BO_ID)
      return cerr(c, "MSM_GEM_NEW: more than %d live BOs", TRACE_MAX_BO_ID);
   c->bos = i2t_grow(c->bos, &c->cap_bos, c->nr_bos + 1, sizeof(*c->bos));
   if (!c->bos)
      return -ENOMEM;
   b = &c->bos[c->nr_bos++];
   *b = (struct bo_ent){ r->session, out.handle, id,
                         MSM_PAGE_ALIGN(in.size), false };
   c->id_used[id] = 1;
   c->bo_news++;
   emit(c, "bo_new %u %llu%s%s", id, (unsigned long long)in.size,
        fl[0] ? " " : "", fl);
   return 0;
}

static int
do_gem_info(struct conv *c, const struct rec *r)
{
   IN(struct drm_msm_gem_info, in);
   struct bo_ent *b;
   struct reg_str *s;
   char name[64];
   int ret;

   switch (in.info) {
   case MSM_INFO_GET_IOVA:
   case MSM_INFO_SET_IOVA:
      /* Part of bo_new: a nativectx guest picks the address itself. */
      if ((ret = bo_get(c, r->session, in.handle, "MSM_GEM_INFO(IOVA)", &b)))
         return ret;
      count_add(&c->folded, in.info == MSM_INFO_GET_IOVA ?
                "GEM_INFO(GET_IOVA)->bo_new" : "GEM_INFO(SET_IOVA)->bo_new");
      return 0;
   case MSM_INFO_GET_OFFSET:
      if ((ret = bo_get(c, r->session, in.handle, "MSM_GEM_INFO(OFFSET)", &b)))
         return ret;
      if (b->mapped) {
         count_add(&c->folded, "GEM_INFO(GET_OFFSET)->map");
         return 0;
      }
      b->mapped = true;
      emit(c, "map %u", b->id);
      return 0;
   case MSM_INFO_SET_NAME:
      if ((ret = bo_get(c, r->session, in.handle, "MSM_GEM_INFO(SET_NAME)", &b)))
         return ret;
      s = c->reg ? i2t_match_str(c->reg->nam, c->reg->nr_nam, &c->reg->cur_nam,
                             in.handle, 0) : NULL;
      if (s && s->str[0])
         snprintf(name, sizeof(name), "%s", s->str);
      else
         snprintf(name, sizeof(name), "bo%u", b->id);
      sanitize(name, false);
      emit(c, "name %u %s", b->id, name);
      return 0;
   default:
      count_add(&c->dropped, in.info == MSM_INFO_GET_NAME ?
                "MSM_GEM_INFO(GET_NAME)" : "MSM_GEM_INFO(other)");
      return 0;
   }
}

static int
do_set_param(struct conv *c, const struct rec *r)
{
   IN(struct drm_msm_param, in);
   struct reg_str *s = NULL;
   char str[4200];

   if (in.param != MSM_PARAM_COMM && in.param != MSM_PARAM_CMDLINE) {
      count_add(&c->dropped, "MSM_SET_PARAM(other)");
      return 0;
   }
   if (c->reg)
      s = i2t_match_str(c->reg->par, c->reg->nr_par, &c->reg->cur_par, in.param, 0);
   if (s && s->str[0])
      snprintf(str, sizeof(str), "%s", s->str);
   else
      snprintf(str, sizeof(str), "app"); /* not recorded */
   if (in.param == MSM_PARAM_COMM) {
      flush_comm(c);
      sanitize(str, false);
      c->pending_comm = strdup(str);
      c->pending_session = r->session;
      return c->pending_comm ? 0 : -ENOMEM;
   }
   /* A trace line has at most 64 fields. */
   {
      unsigned words = 0;

      for (const char *p = str; *p; p++)
         words += *p == ' ';
      sanitize(str, words < 48);
   }
   if (c->pending_comm && c->pending_session == r->session) {
      emit(c, "debuginfo %s %s", c->pending_comm, str);
      free(c->pending_comm);
      c->pending_comm = NULL;
   } else {
      flush_comm(c);
      emit(c, "debuginfo - %s", str);
   }
   return 0;
}

static int
do_submit(struct conv *c, const struct rec *r)
{
   IN(struct drm_msm_gem_submit, in);
   OUT(struct drm_msm_gem_submit, out);
   struct reg_submit *rs = NULL;
   struct fence_ent *fe;
   uint32_t sym, *ids = NULL, gpu_us = c->o->gpu_us;
   char label[48];
   int ret;

   if (!r->out_len)
      return cerr(c, "MSM_GEM_SUBMIT: no out= (the fence it returned)");
   if ((ret = q_sym(c, r->session, in.queueid, "MSM_GEM_SUBMIT", &sym)))
      return ret;
   if (in.flags & MSM_SUBMIT_FENCE_SN_IN)
      return cerr(c, "MSM_GEM_SUBMIT: MSM_SUBMIT_FENCE_SN_IN (fences chosen "
                  "by the caller) is not translated");
   if (c->reg) {
      rs = i2t_match_submit(c->reg, &in, &out, 0);
      if (!rs)
         return cerr(c, "MSM_GEM_SUBMIT (queue %u, %u bos, %u cmds, fence "
                     "%u): no matching record in %s", in.queueid, in.nr_bos,
                     in.nr_cmds, out.fence, c->reg->name);
   }
   fprintf(c->body, "submit q%u", sym);
   if (rs) {
      if (rs->nr_bos > 4096 || rs->nr_cmds > 256)
         return cerr(c, "MSM_GEM_SUBMIT: %u bos / %u cmds is more than a "
                     "trace line holds (4096 / 256)", rs->nr_bos, rs->nr_cmds);
      ids = calloc(rs->nr_bos + 1, sizeof(*ids));
      if (!ids)
         return -ENOMEM;
      for (uint32_t i = 0; i < rs->nr_bos; i++) {
         struct bo_ent *b;
         uint32_t fl = rs->bo_flags[i];

         if ((ret = bo_get(c, r->session, rs->handles[i],
                           "MSM_GEM_SUBMIT BO table", &b)))
            goto out;
         for (uint32_t k = 0; k < i; k++)
            if (ids[k] == b->id) {
               ret = cerr(c, "MSM_GEM_SUBMIT: handle %u listed twice",
                          rs->handles[i]);
               goto out;
            }
         ids[i] = b->id;
         /* A BO only named for the dump (or with no flags at all) is
          * still in the table; the format wants r or w. */
         fprintf(c->body, "%s%u:%s%s%s", i ? "," : " bos=", b->id,
                 (fl & MSM_SUBMIT_BO_READ) ||
                 !(fl & MSM_SUBMIT_BO_WRITE) ? "r" : "",
                 fl & MSM_SUBMIT_BO_WRITE ? "w" : "",
                 fl & MSM_SUBMIT_BO_DUMP ? "d" : "");
      }
      for (uint32_t i = 0; i < rs->nr_cmds; i++) {
         const struct reg_cmd *rc = &rs->cmds[i];
         struct bo_ent *b;

         if (rc->idx >= rs->nr_bos) {
            ret = cerr(c, "MSM_GEM_SUBMIT: cmd %u names BO table entry %u "
                       "of %u", i, rc->idx, rs->nr_bos);
            goto out;
         }
         b = bo_find(c, r->session, rs->handles[rc->idx]);
         if (rc->offset % 4 || rc->size % 4 || !rc->size ||
             (uint64_t)rc->offset + rc->size > b->size) {
            ret = cerr(c, "MSM_GEM_SUBMIT: cmd %u (%u+%u) is not a dword "
                       "aligned region inside its BO (%llu bytes)", i,
                       rc->offset, rc->size, (unsigned long long)b->size);
            goto out;
         }
         if (i == 0 && rc->size < PM4_DELAY_DWORDS * 4) {
            gpu_us = 0; /* no room for the delay marker */
            c->small_cmds++;
         }
         fprintf(c->body, "%s%u:%u:%u", i ? "," : " cmds=", ids[rc->idx],
                 rc->offset, rc->size);
      }
   } else {
      c->no_regions++;
   }
   fence_label(label, sizeof(label), r->session, sym, out.fence);
   if (gpu_us)
      fprintf(c->body, " gpu_us=%u", gpu_us);
   emit(c, " fence=%s", label);
   c->submits++;

   /* Remember it for WAIT_FENCE (the newest first). */
   for (unsigned i = 0; i < c->nr_fences; i++)
      if (c->fences[i].session == r->session && c->fences[i].sym == sym &&
          c->fences[i].fence == out.fence)
         c->fences[i] = c->fences[--c->nr_fences];
   c->fences = i2t_grow(c->fences, &c->cap_fences, c->nr_fences + 1,
                    sizeof(*c->fences));
   if (!c->fences) {
      ret = -ENOMEM;
      goto out;
   }
   fe = &c->fences[c->nr_fences++];
   *fe = (struct fence_ent){ r->session, sym, out.fence };
out:
   free(ids);
   return ret;
}

static int
do_wait(struct conv *c, const struct rec *r)
{
   IN(struct drm_msm_wait_fence, in);
   char label[48];
   uint32_t sym;
   int ret;

   if ((ret = q_sym(c, r->session, in.queueid, "MSM_WAIT_FENCE", &sym)))
      return ret;
   for (unsigned i = c->nr_fences; i-- > 0;) {
      const struct fence_ent *fe = &c->fences[i];

      if (fe->session == r->session && fe->sym == sym &&
          fe->fence == in.fence) {
         fence_label(label, sizeof(label), r->session, sym, in.fence);
         emit(c, "wait q%u %s", sym, label);
         c->waits++;
         return 0;
      }
   }
   return cerr(c, "MSM_WAIT_FENCE: fence %u on submitqueue %u (session %u): "
               "no earlier submit returned it", in.fence, in.queueid,
               r->session);
}

static int
do_queue_new(struct conv *c, const struct rec *r)
{
   IN(struct drm_msm_submitqueue, in);
   OUT(struct drm_msm_submitqueue, out);
   uint32_t sym;

   if (!r->out_len)
      return cerr(c, "MSM_SUBMITQUEUE_NEW: no out= (the id it returned)");
   for (unsigned i = 0; i < c->nr_qs; i++)
      if (c->qs[i].session == r->session && c->qs[i].kid == out.id)
         return cerr(c, "MSM_SUBMITQUEUE_NEW: id %u returned while it is "
                     "live", out.id);
   for (sym = 1; sym < TRACE_MAX_QUEUES && c->q_used[sym]; sym++)
      ;
   if (sym == TRACE_MAX_QUEUES)
      return cerr(c, "MSM_SUBMITQUEUE_NEW: more than %d live queues",
                  TRACE_MAX_QUEUES - 1);
   c->qs = i2t_grow(c->qs, &c->cap_qs, c->nr_qs + 1, sizeof(*c->qs));
   if (!c->qs)
      return -ENOMEM;
   c->qs[c->nr_qs++] = (struct q_ent){ r->session, out.id, sym };
   c->q_used[sym] = true;
   if (in.flags)
      emit(c, "queue_new q%u prio=%u flags=%u", sym, in.prio, in.flags);
   else
      emit(c, "queue_new q%u prio=%u", sym, in.prio);
   return 0;
}

static int
do_queue_close(struct conv *c, const struct rec *r)
{
   uint32_t kid = 0, sym;
   int ret;

   memcpy(&kid, r->in, r->in_len < 4 ? (size_t)r->in_len : 4);
   if (!kid) {
      count_add(&c->dropped, "MSM_SUBMITQUEUE_CLOSE(0)");
      return 0;
   }
   if ((ret = q_sym(c, r->session, kid, "MSM_SUBMITQUEUE_CLOSE", &sym)))
      return ret;
   for (unsigned i = 0; i < c->nr_qs; i++)
      if (c->qs[i].session == r->session && c->qs[i].kid == kid) {
         c->qs[i] = c->qs[--c->nr_qs];
         break;
      }
   for (unsigned i = c->nr_fences; i-- > 0;)
      if (c->fences[i].session == r->session && c->fences[i].sym == sym)
         c->fences[i] = c->fences[--c->nr_fences];
   c->q_used[sym] = false;
   emit(c, "queue_close q%u", sym);
   return 0;
}

static int
do_gem_close(struct conv *c, const struct rec *r)
{
   IN(struct drm_gem_close, in);
   struct bo_ent *b;
   int ret = bo_get(c, r->session, in.handle, "GEM_CLOSE", &b);

   if (ret)
      return ret;
   emit(c, "bo_free %u", b->id);
   bo_remove(c, b);
   return 0;
}

static int
do_cpu_prep(struct conv *c, const struct rec *r)
{
   IN(struct drm_msm_gem_cpu_prep, in);
   bool rd = in.op & MSM_PREP_READ, wr = in.op & MSM_PREP_WRITE;
   struct bo_ent *b;
   int ret = bo_get(c, r->session, in.handle, "MSM_GEM_CPU_PREP", &b);

   if (ret)
      return ret;
   emit(c, "cpu_prep %u %s%s", b->id, wr && rd ? "rw" : wr ? "w" : "r",
        in.op & MSM_PREP_NOSYNC ? " nosync" : "");
   return 0;
}

static int
do_cpu_fini(struct conv *c, const struct rec *r)
{
   IN(struct drm_msm_gem_cpu_fini, in);
   struct bo_ent *b;
   int ret = bo_get(c, r->session, in.handle, "MSM_GEM_CPU_FINI", &b);

   if (ret)
      return ret;
   emit(c, "cpu_fini %u", b->id);
   return 0;
}

static int
do_madvise(struct conv *c, const struct rec *r)
{
   IN(struct drm_msm_gem_madvise, in);
   struct bo_ent *b;
   int ret = bo_get(c, r->session, in.handle, "MSM_GEM_MADVISE", &b);

   if (ret)
      return ret;
   if (in.madv != MSM_MADV_WILLNEED && in.madv != MSM_MADV_DONTNEED)
      return cerr(c, "MSM_GEM_MADVISE: advice %u", in.madv);
   emit(c, "madvise %u %s", b->id,
        in.madv == MSM_MADV_WILLNEED ? "willneed" : "dontneed");
   return 0;
}

static int
do_queue_query(struct conv *c, const struct rec *r)
{
   IN(struct drm_msm_submitqueue_query, in);
   uint32_t sym;
   int ret;

   if (in.param != MSM_SUBMITQUEUE_PARAM_FAULTS) {
      count_add(&c->dropped, "MSM_SUBMITQUEUE_QUERY(other)");
      return 0;
   }
   if ((ret = q_sym(c, r->session, in.id, "MSM_SUBMITQUEUE_QUERY", &sym)))
      return ret;
   emit(c, "faults q%u", sym);
   return 0;
}

static int
do_get_param(struct conv *c, const struct rec *r)
{
   IN(struct drm_msm_param, in);
   const char *pn = param_name(in.param);

   if (pn)
      emit(c, "param %s", pn);
   else if (in.param <= 0xff)
      emit(c, "param %u", in.param);
   else
      count_add(&c->dropped, "MSM_GET_PARAM(other)");
   return 0;
}

/* The ioctls with a ws call, by the spec table's id, and the trace line
 * each becomes (the report's "replayed as"); the rest (VERSION, GET_CAP,
 * SYNCOBJ_*, ...) are counted as dropped. */
static const struct converter {
   int (*convert)(struct conv *c, const struct rec *r);
   const char *replayed_as;
} converters[FWD_ID_COUNT] = {
   [FWD_ID_MSM_GEM_NEW] = { do_gem_new, "bo_new" },
   [FWD_ID_MSM_GEM_INFO] = { do_gem_info, "GET_IOVA: part of bo_new; "
                             "GET_OFFSET: map; SET_NAME: name" },
   [FWD_ID_GEM_CLOSE] = { do_gem_close, "bo_free" },
   [FWD_ID_MSM_GEM_CPU_PREP] = { do_cpu_prep, "cpu_prep" },
   [FWD_ID_MSM_GEM_CPU_FINI] = { do_cpu_fini, "cpu_fini" },
   [FWD_ID_MSM_GEM_MADVISE] = { do_madvise, "madvise" },
   [FWD_ID_MSM_GEM_SUBMIT] = { do_submit, "submit" },
   [FWD_ID_MSM_WAIT_FENCE] = { do_wait, "wait" },
   [FWD_ID_MSM_SUBMITQUEUE_NEW] = { do_queue_new, "queue_new" },
   [FWD_ID_MSM_SUBMITQUEUE_CLOSE] = { do_queue_close, "queue_close" },
   [FWD_ID_MSM_SUBMITQUEUE_QUERY] = { do_queue_query, "faults" },
   [FWD_ID_MSM_GET_PARAM] = { do_get_param, "param" },
   [FWD_ID_MSM_SET_PARAM] = { do_set_param, "debuginfo (COMM + CMDLINE)" },
};

const char *
i2t_replayed_as(const char *ioctl)
{
   const struct fwd_ioctl_spec *spec = fwd_spec_by_name(ioctl);

   return spec && spec->id < FWD_ID_COUNT ? converters[spec->id].replayed_as
                                          : NULL;
}

static int
do_record(struct conv *c, const struct rec *r)
{
   uint32_t id = r->spec ? r->spec->id : FWD_ID_COUNT;

   /* A COMM waits for its CMDLINE (the next SET_PARAM of its session). */
   if (c->pending_comm && (c->pending_session != r->session ||
                           id != FWD_ID_MSM_SET_PARAM))
      flush_comm(c);
   if (id < FWD_ID_COUNT && converters[id].convert)
      return converters[id].convert(c, r);
   count_add(&c->dropped, r->name);
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
      return cerr(c, "not an msmvirt-cuse trace record (too few fields)");
   r->t_start = strtoull(tok[0], NULL, 10);
   r->t_end = strtoull(tok[1], NULL, 10);
   r->in_len = r->out_len = 0;
   for (int i = 3; i < ntok; i++) {
      char *v = strchr(tok[i], '=');

      if (!v) {
         if (r->name)
            return cerr(c, "unexpected field '%s'", tok[i]);
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
            return cerr(c, "bad in= bytes");
      } else if (!strcmp(tok[i], "out")) {
         if ((r->out_len = i2t_unhex(v, r->out, sizeof(r->out))) < 0)
            return cerr(c, "bad out= bytes");
      }
   }
   if (!r->name)
      return cerr(c, "record without an ioctl name");
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
      count_add(&c->all, r.name);
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
            emit(c, "cpu_us %u", us > 10000000 ? 10000000u : (unsigned)us);
         }
      }
      if (r.t_end > c->prev_end_ns)
         c->prev_end_ns = r.t_end;

      if (r.result) {
         char key[96];

         snprintf(key, sizeof(key), "%s(%d)", r.name, r.result);
         count_add(&c->failed, key);
         skip_failed_regions(c, &r);
         continue;
      }
      ret = do_record(c, &r);
   }
   free(line);
   if (!ret)
      flush_comm(c);
   if (!ret && !c->records) {
      c->line = 0;
      ret = cerr(c, "no ioctl records");
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
