/*
 * ioctl2trace_ops.c - one converter per ioctl with a ws call: what trace
 * line(s) each msm ioctl of the capture becomes, and the table that maps
 * the spec table's fwd_id to them (ioctl2trace.c reads records and keeps
 * the state; ioctl2trace_priv.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drm.h"
#include "fwd_spec.h"
#include "ioctl2trace.h"
#include "ioctl2trace_priv.h"
#include "msm_core.h"
#include "msm_drm.h"
#include "pm4.h"
#include "trace.h"

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
      return i2t_cerr(c, "MSM_GEM_NEW: no out= (the handle it returned)");
   if (!in.size || in.size > (1ull << 32))
      return i2t_cerr(c, "MSM_GEM_NEW: size %llu", (unsigned long long)in.size);
   if (i2t_bo_find(c, r->session, out.handle))
      return i2t_cerr(c, "MSM_GEM_NEW: handle %u (session %u) returned while it "
                  "is live", out.handle, r->session);
   for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
      if (in.flags & names[i].bit) {
         size_t o = strlen(fl);
         snprintf(fl + o, sizeof(fl) - o, "%s%s", o ? "|" : "", names[i].name);
         rest &= ~names[i].bit;
      }
   if (rest)
      return i2t_cerr(c, "MSM_GEM_NEW: unknown flags 0x%x", rest);
   for (id = 1; id <= TRACE_MAX_BO_ID && c->id_used[id]; id++)
      ;
   if (id > TRACE_MAX_BO_ID)
      return i2t_cerr(c, "MSM_GEM_NEW: more than %d live BOs", TRACE_MAX_BO_ID);
   c->bos = i2t_grow(c->bos, &c->cap_bos, c->nr_bos + 1, sizeof(*c->bos));
   if (!c->bos)
      return -ENOMEM;
   b = &c->bos[c->nr_bos++];
   *b = (struct bo_ent){ r->session, out.handle, id,
                         MSM_PAGE_ALIGN(in.size), false };
   c->id_used[id] = 1;
   c->bo_news++;
   i2t_emit(c, "bo_new %u %llu%s%s", id, (unsigned long long)in.size,
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
      if ((ret = i2t_bo_get(c, r->session, in.handle, "MSM_GEM_INFO(IOVA)", &b)))
         return ret;
      i2t_count_add(&c->folded, in.info == MSM_INFO_GET_IOVA ?
                "GEM_INFO(GET_IOVA)->bo_new" : "GEM_INFO(SET_IOVA)->bo_new");
      return 0;
   case MSM_INFO_GET_OFFSET:
      if ((ret = i2t_bo_get(c, r->session, in.handle, "MSM_GEM_INFO(OFFSET)", &b)))
         return ret;
      if (b->mapped) {
         i2t_count_add(&c->folded, "GEM_INFO(GET_OFFSET)->map");
         return 0;
      }
      b->mapped = true;
      i2t_emit(c, "map %u", b->id);
      return 0;
   case MSM_INFO_SET_NAME:
      if ((ret = i2t_bo_get(c, r->session, in.handle, "MSM_GEM_INFO(SET_NAME)", &b)))
         return ret;
      s = c->reg ? i2t_match_str(c->reg->nam, c->reg->nr_nam, &c->reg->cur_nam,
                             in.handle, 0) : NULL;
      if (s && s->str[0])
         snprintf(name, sizeof(name), "%s", s->str);
      else
         snprintf(name, sizeof(name), "bo%u", b->id);
      i2t_sanitize(name, false);
      i2t_emit(c, "name %u %s", b->id, name);
      return 0;
   default:
      i2t_count_add(&c->dropped, in.info == MSM_INFO_GET_NAME ?
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
      i2t_count_add(&c->dropped, "MSM_SET_PARAM(other)");
      return 0;
   }
   if (c->reg)
      s = i2t_match_str(c->reg->par, c->reg->nr_par, &c->reg->cur_par, in.param, 0);
   if (s && s->str[0])
      snprintf(str, sizeof(str), "%s", s->str);
   else
      snprintf(str, sizeof(str), "app"); /* not recorded */
   if (in.param == MSM_PARAM_COMM) {
      i2t_flush_comm(c);
      i2t_sanitize(str, false);
      c->pending_comm = strdup(str);
      c->pending_session = r->session;
      return c->pending_comm ? 0 : -ENOMEM;
   }
   /* A trace line has at most 64 fields. */
   {
      unsigned words = 0;

      for (const char *p = str; *p; p++)
         words += *p == ' ';
      i2t_sanitize(str, words < 48);
   }
   if (c->pending_comm && c->pending_session == r->session) {
      i2t_emit(c, "debuginfo %s %s", c->pending_comm, str);
      free(c->pending_comm);
      c->pending_comm = NULL;
   } else {
      i2t_flush_comm(c);
      i2t_emit(c, "debuginfo - %s", str);
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
      return i2t_cerr(c, "MSM_GEM_SUBMIT: no out= (the fence it returned)");
   if ((ret = i2t_q_sym(c, r->session, in.queueid, "MSM_GEM_SUBMIT", &sym)))
      return ret;
   if (in.flags & MSM_SUBMIT_FENCE_SN_IN)
      return i2t_cerr(c, "MSM_GEM_SUBMIT: MSM_SUBMIT_FENCE_SN_IN (fences chosen "
                  "by the caller) is not translated");
   if (c->reg) {
      rs = i2t_match_submit(c->reg, &in, &out, 0);
      if (!rs)
         return i2t_cerr(c, "MSM_GEM_SUBMIT (queue %u, %u bos, %u cmds, fence "
                     "%u): no matching record in %s", in.queueid, in.nr_bos,
                     in.nr_cmds, out.fence, c->reg->name);
   }
   fprintf(c->body, "submit q%u", sym);
   if (rs) {
      if (rs->nr_bos > 4096 || rs->nr_cmds > 256)
         return i2t_cerr(c, "MSM_GEM_SUBMIT: %u bos / %u cmds is more than a "
                     "trace line holds (4096 / 256)", rs->nr_bos, rs->nr_cmds);
      ids = calloc(rs->nr_bos + 1, sizeof(*ids));
      if (!ids)
         return -ENOMEM;
      for (uint32_t i = 0; i < rs->nr_bos; i++) {
         struct bo_ent *b;
         uint32_t fl = rs->bo_flags[i];

         if ((ret = i2t_bo_get(c, r->session, rs->handles[i],
                           "MSM_GEM_SUBMIT BO table", &b)))
            goto out;
         for (uint32_t k = 0; k < i; k++)
            if (ids[k] == b->id) {
               ret = i2t_cerr(c, "MSM_GEM_SUBMIT: handle %u listed twice",
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
            ret = i2t_cerr(c, "MSM_GEM_SUBMIT: cmd %u names BO table entry %u "
                       "of %u", i, rc->idx, rs->nr_bos);
            goto out;
         }
         b = i2t_bo_find(c, r->session, rs->handles[rc->idx]);
         if (rc->offset % 4 || rc->size % 4 || !rc->size ||
             (uint64_t)rc->offset + rc->size > b->size) {
            ret = i2t_cerr(c, "MSM_GEM_SUBMIT: cmd %u (%u+%u) is not a dword "
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
   i2t_fence_label(label, sizeof(label), r->session, sym, out.fence);
   if (gpu_us)
      fprintf(c->body, " gpu_us=%u", gpu_us);
   i2t_emit(c, " fence=%s", label);
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

   if ((ret = i2t_q_sym(c, r->session, in.queueid, "MSM_WAIT_FENCE", &sym)))
      return ret;
   for (unsigned i = c->nr_fences; i-- > 0;) {
      const struct fence_ent *fe = &c->fences[i];

      if (fe->session == r->session && fe->sym == sym &&
          fe->fence == in.fence) {
         i2t_fence_label(label, sizeof(label), r->session, sym, in.fence);
         i2t_emit(c, "wait q%u %s", sym, label);
         c->waits++;
         return 0;
      }
   }
   return i2t_cerr(c, "MSM_WAIT_FENCE: fence %u on submitqueue %u (session %u): "
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
      return i2t_cerr(c, "MSM_SUBMITQUEUE_NEW: no out= (the id it returned)");
   for (unsigned i = 0; i < c->nr_qs; i++)
      if (c->qs[i].session == r->session && c->qs[i].kid == out.id)
         return i2t_cerr(c, "MSM_SUBMITQUEUE_NEW: id %u returned while it is "
                     "live", out.id);
   for (sym = 1; sym < TRACE_MAX_QUEUES && c->q_used[sym]; sym++)
      ;
   if (sym == TRACE_MAX_QUEUES)
      return i2t_cerr(c, "MSM_SUBMITQUEUE_NEW: more than %d live queues",
                  TRACE_MAX_QUEUES - 1);
   c->qs = i2t_grow(c->qs, &c->cap_qs, c->nr_qs + 1, sizeof(*c->qs));
   if (!c->qs)
      return -ENOMEM;
   c->qs[c->nr_qs++] = (struct q_ent){ r->session, out.id, sym };
   c->q_used[sym] = true;
   if (in.flags)
      i2t_emit(c, "queue_new q%u prio=%u flags=%u", sym, in.prio, in.flags);
   else
      i2t_emit(c, "queue_new q%u prio=%u", sym, in.prio);
   return 0;
}

static int
do_queue_close(struct conv *c, const struct rec *r)
{
   uint32_t kid = 0, sym;
   int ret;

   memcpy(&kid, r->in, r->in_len < 4 ? (size_t)r->in_len : 4);
   if (!kid) {
      i2t_count_add(&c->dropped, "MSM_SUBMITQUEUE_CLOSE(0)");
      return 0;
   }
   if ((ret = i2t_q_sym(c, r->session, kid, "MSM_SUBMITQUEUE_CLOSE", &sym)))
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
   i2t_emit(c, "queue_close q%u", sym);
   return 0;
}

static int
do_gem_close(struct conv *c, const struct rec *r)
{
   IN(struct drm_gem_close, in);
   struct bo_ent *b;
   int ret = i2t_bo_get(c, r->session, in.handle, "GEM_CLOSE", &b);

   if (ret)
      return ret;
   i2t_emit(c, "bo_free %u", b->id);
   i2t_bo_remove(c, b);
   return 0;
}

static int
do_cpu_prep(struct conv *c, const struct rec *r)
{
   IN(struct drm_msm_gem_cpu_prep, in);
   bool rd = in.op & MSM_PREP_READ, wr = in.op & MSM_PREP_WRITE;
   struct bo_ent *b;
   int ret = i2t_bo_get(c, r->session, in.handle, "MSM_GEM_CPU_PREP", &b);

   if (ret)
      return ret;
   i2t_emit(c, "cpu_prep %u %s%s", b->id, wr && rd ? "rw" : wr ? "w" : "r",
        in.op & MSM_PREP_NOSYNC ? " nosync" : "");
   return 0;
}

static int
do_cpu_fini(struct conv *c, const struct rec *r)
{
   IN(struct drm_msm_gem_cpu_fini, in);
   struct bo_ent *b;
   int ret = i2t_bo_get(c, r->session, in.handle, "MSM_GEM_CPU_FINI", &b);

   if (ret)
      return ret;
   i2t_emit(c, "cpu_fini %u", b->id);
   return 0;
}

static int
do_madvise(struct conv *c, const struct rec *r)
{
   IN(struct drm_msm_gem_madvise, in);
   struct bo_ent *b;
   int ret = i2t_bo_get(c, r->session, in.handle, "MSM_GEM_MADVISE", &b);

   if (ret)
      return ret;
   if (in.madv != MSM_MADV_WILLNEED && in.madv != MSM_MADV_DONTNEED)
      return i2t_cerr(c, "MSM_GEM_MADVISE: advice %u", in.madv);
   i2t_emit(c, "madvise %u %s", b->id,
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
      i2t_count_add(&c->dropped, "MSM_SUBMITQUEUE_QUERY(other)");
      return 0;
   }
   if ((ret = i2t_q_sym(c, r->session, in.id, "MSM_SUBMITQUEUE_QUERY", &sym)))
      return ret;
   i2t_emit(c, "faults q%u", sym);
   return 0;
}

static int
do_get_param(struct conv *c, const struct rec *r)
{
   IN(struct drm_msm_param, in);
   const char *pn = param_name(in.param);

   if (pn)
      i2t_emit(c, "param %s", pn);
   else if (in.param <= 0xff)
      i2t_emit(c, "param %u", in.param);
   else
      i2t_count_add(&c->dropped, "MSM_GET_PARAM(other)");
   return 0;
}

/* The ioctls with a ws call, by the spec table's id, and the trace line
 * each becomes (the report's "replayed as"); the rest (VERSION, GET_CAP,
 * SYNCOBJ_*, ...) are counted as dropped. */
const struct i2t_converter i2t_converters[FWD_ID_COUNT] = {
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

   return spec && spec->id < FWD_ID_COUNT ? i2t_converters[spec->id].replayed_as
                                          : NULL;
}

