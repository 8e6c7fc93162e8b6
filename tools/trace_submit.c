/*
 * trace_submit.c - the submit line of the trace format:
 *   submit qN [bos=ID:r|w|rw,...] [cmds=ID:OFF:SIZE,...] [gpu_us=N]
 *          [fence=LABEL] [write=ID:OFF:VALUE,...]
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msm_drm.h"
#include "pm4.h"
#include "trace_priv.h"

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
      return tp_perr(ps, "submit: BO '%s' needs :r, :w or :rw", item);
   *colon = '\0';
   if (tp_live_bo(ps, item, &op->bos[k].bo))
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
      return tp_perr(ps, "submit: bad BO flags '%s' (want r, w, rw)",
                     colon + 1);
   op->bos[k].flags = fl;
   op->nr_bos = k + 1;
   if (tp_in_list(op, op->bos[k].bo) != (int)k)
      return tp_perr(ps, "submit: BO %u listed twice", op->bos[k].bo);
   return 0;
}

/* "ID:OFF:SIZE" */
static int
submit_cmd(struct pstate *ps, struct trace_op *op, char *item, uint32_t k)
{
   uint64_t off = 0, size = 0;
   int ret = tp_parse_triple(ps, item, 3, &op->cmds[k].bo, &off, &size);

   if (!ret && (off % 4 || size % 4 || !size || off > UINT32_MAX ||
                size > UINT32_MAX))
      ret = tp_perr(ps, "submit: cmds region must be dword aligned and "
                    "non-empty");
   if (!ret)
      ret = tp_check_range(ps, op->cmds[k].bo, off, size);
   op->cmds[k].offset = (uint32_t)off;
   op->cmds[k].size = (uint32_t)size;
   return ret;
}

/* "ID:OFF:VALUE" */
static int
submit_write(struct pstate *ps, struct trace_op *op, char *item, uint32_t k)
{
   uint64_t off = 0, v = 0;
   int ret = tp_parse_triple(ps, item, 3, &op->writes[k].bo, &off, &v);

   if (!ret && (off % 4 || v > UINT32_MAX))
      ret = tp_perr(ps, "submit: write needs an aligned offset and a "
                    "32-bit value");
   if (!ret)
      ret = tp_check_range(ps, op->writes[k].bo, off, 4);
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

   if (*array || tp_split_list(val, &items, &n, l->max) ||
       (!n && !l->may_be_empty))
      return tp_perr(ps, "submit: bad or repeated %s=", l->key);
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
      return tp_parse_u32(ps, "gpu_us", val, &op->gpu_us) ? -EINVAL : 0;
   if (!strcmp(key, "fence"))
      return tp_define_label(ps, val, op->queue, &op->label);
   return tp_perr(ps, "submit: unknown key '%s'", key);
}

int
tp_parse_submit(struct pstate *ps, struct trace_op *op, char **tok, int ntok)
{
   int ret;

   op->label = TRACE_LAST;
   if (tp_live_queue(ps, tok[1], &op->queue))
      return -EINVAL;
   for (int i = 2; i < ntok; i++) {
      char *eq = strchr(tok[i], '=');

      if (!eq)
         return tp_perr(ps, "submit: expected key=value, got '%s'", tok[i]);
      *eq = '\0';
      if ((ret = parse_submit_key(ps, op, tok[i], eq + 1)))
         return ret;
   }
   /* Every BO a cmd or write names must be in the list. */
   for (uint32_t k = 0; k < op->nr_cmds; k++)
      if (tp_in_list(op, op->cmds[k].bo) < 0)
         return tp_perr(ps, "submit: cmds BO %u is not in bos=",
                        op->cmds[k].bo);
   for (uint32_t k = 0; k < op->nr_writes; k++)
      if (tp_in_list(op, op->writes[k].bo) < 0)
         return tp_perr(ps, "submit: write BO %u is not in bos=",
                     op->writes[k].bo);
   if (op->nr_cmds &&
       submit_prologue_dwords(op) > op->cmds[0].size / 4)
      return tp_perr(ps, "submit: first cmds region (%u bytes) too small for "
                  "gpu_us and write= (%" PRIu64 " bytes)", op->cmds[0].size,
                  submit_prologue_dwords(op) * 4);
   ps->queue_submitted[op->queue] = true;
   ps->t->nr_submits++;
   return 0;
}

