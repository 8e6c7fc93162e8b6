/*
 * wk_trace.c - replay a parsed trace (trace.h) through ws, one pass per
 * iteration.  The trace already holds the application's own caching and
 * throttling, so the replay goes straight to ws: no BO cache, no pipe.
 *
 * Command streams are not recorded (only where they live): the replayer
 * writes a stream of its own into each cmds region, carrying the submit's
 * modelled GPU time and any write= values, and NOPs for the rest.  A submit
 * without cmds= gets a region in a command BO the replayer owns.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pm4.h"
#include "trace.h"
#include "workload.h"
#include "ws_pipe.h"

#define CMD_BO_SIZE (1u << 20)

struct replay {
   struct wk_run *r;
   struct ws_dev *dev;
   const struct trace *t;
   struct ws_bo **bo;          /* by trace BO id, NULL when not live */
   void **map;                 /* their CPU mappings, once asked for */
   uint32_t queue_id[TRACE_MAX_QUEUES];
   bool queue_live[TRACE_MAX_QUEUES];
   uint32_t last_fence[TRACE_MAX_QUEUES];
   uint32_t *label_fence;
   struct ws_bo *cmd;          /* the replayer's own command BO */
   uint32_t *cmd_map;
   uint32_t cmd_off;
   uint8_t *data;              /* pattern bytes for upload / write */
   uint64_t data_len;
};

static void
nop_fill(uint32_t *p, uint32_t ndw)
{
   while (ndw) {
      uint32_t cnt = ndw - 1 < PM4_PKT7_MAX_COUNT ? ndw - 1 : PM4_PKT7_MAX_COUNT;

      p[0] = pm4_pkt7_hdr(PM4_CP_NOP, cnt);
      memset(p + 1, 0, (size_t)cnt * 4);
      p += cnt + 1;
      ndw -= cnt + 1;
   }
}

/* The submit's own packets: modelled time, then the GPU's writes. */
static uint32_t
emit_prologue(struct replay *rp, const struct trace_op *op, uint32_t *cs)
{
   uint32_t n = 0;

   if (op->gpu_us)
      n += pm4_emit_delay(cs, (uint64_t)op->gpu_us * 1000);
   for (uint32_t k = 0; k < op->nr_writes; k++)
      n += pm4_emit_mem_write(cs + n, rp->bo[op->writes[k].bo]->iova +
                              op->writes[k].offset, &op->writes[k].value, 1);
   return n;
}

/* The mapping the replayer itself needs (cmds regions, write, expect): ws
 * is asked once per BO, as a driver keeps its mappings. */
static int
bo_ptr(struct replay *rp, uint32_t id, void **ptr)
{
   int ret = 0;

   if (!rp->map[id])
      ret = ws_bo_map(rp->bo[id], &rp->map[id]);
   *ptr = rp->map[id];
   return ret;
}

static uint32_t
kqueue(const struct replay *rp, uint32_t q)
{
   return q ? rp->queue_id[q] : 0;
}

/* Room for ndw dwords in the replayer's command BO; when it wraps, wait for
 * everything submitted so far so no stream is overwritten while queued. */
static int
cmd_space(struct replay *rp, uint32_t ndw, uint32_t *off)
{
   uint32_t bytes = ((ndw * 4) + 63) & ~63u;

   if (bytes > CMD_BO_SIZE)
      return -E2BIG;
   if (rp->cmd_off + bytes > CMD_BO_SIZE) {
      for (uint32_t q = 0; q < TRACE_MAX_QUEUES; q++) {
         int ret;

         if ((q && !rp->queue_live[q]) || !rp->last_fence[q])
            continue;
         ret = ws_fence_wait(rp->dev, kqueue(rp, q), rp->last_fence[q],
                            WK_TIMEOUT_NS);
         if (ret)
            return ret;
      }
      rp->cmd_off = 0;
   }
   *off = rp->cmd_off;
   rp->cmd_off += bytes;
   return 0;
}

static int
replay_submit(struct replay *rp, const struct trace_op *op)
{
   struct ws_submit_bo *list;
   struct ws_submit_cmd *cmds;
   struct ws_submit s = { .queue = kqueue(rp, op->queue) };
   uint32_t nr_cmds = op->nr_cmds ? op->nr_cmds : 1;
   int ret = 0;

   list = calloc(op->nr_bos + 1, sizeof(*list));
   cmds = calloc(nr_cmds, sizeof(*cmds));
   if (!list || !cmds) {
      ret = -ENOMEM;
      goto out;
   }
   for (uint32_t i = 0; i < op->nr_bos; i++)
      list[i] = (struct ws_submit_bo){ rp->bo[op->bos[i].bo], op->bos[i].flags };
   s.nr_bos = op->nr_bos;

   if (op->nr_cmds) {
      for (uint32_t c = 0; c < op->nr_cmds; c++) {
         const struct trace_cmd *tc = &op->cmds[c];
         uint32_t idx = 0, n = 0, ndw = tc->size / 4;
         uint32_t *map;

         while (op->bos[idx].bo != tc->bo)
            idx++;
         ret = bo_ptr(rp, tc->bo, (void **)&map);
         if (ret)
            goto out;
         map += tc->offset / 4;
         if (c == 0)
            n = emit_prologue(rp, op, map);
         nop_fill(map + n, ndw - n);
         cmds[c] = (struct ws_submit_cmd){ MSM_SUBMIT_CMD_BUF, idx,
                                           tc->offset, tc->size };
      }
   } else {
      uint32_t buf[PM4_DELAY_DWORDS + 64 * PM4_MEM_WRITE_DWORDS(1) + 1];
      uint32_t n = emit_prologue(rp, op, buf), off;

      if (!n)
         n = pm4_emit_nop(buf, NULL, 0);
      ret = cmd_space(rp, n, &off);
      if (ret)
         goto out;
      memcpy((char *)rp->cmd_map + off, buf, (size_t)n * 4);
      list[s.nr_bos] = (struct ws_submit_bo){ rp->cmd, MSM_SUBMIT_BO_READ };
      cmds[0] = (struct ws_submit_cmd){ MSM_SUBMIT_CMD_BUF, s.nr_bos, off,
                                        n * 4 };
      s.nr_bos++;
   }
   s.bos = list;
   s.nr_cmds = nr_cmds;
   s.cmds = cmds;
   ret = ws_submit(rp->dev, &s);
   if (!ret) {
      rp->last_fence[op->queue] = s.fence;
      if (op->label != TRACE_LAST)
         rp->label_fence[op->label] = s.fence;
   }
out:
   free(list);
   free(cmds);
   return ret;
}

/* One handler per verb, indexed like the parser's verb table (trace.c). */

static int
replay_param(struct replay *rp, const struct trace_op *op)
{
   uint64_t v;

   return ws_get_param(rp->dev, (uint32_t)op->a, &v);
}

static int
replay_debuginfo(struct replay *rp, const struct trace_op *op)
{
   return ws_set_debuginfo(rp->dev, op->str, op->str2);
}

static int
replay_queue_new(struct replay *rp, const struct trace_op *op)
{
   int ret = ws_submitqueue_new(rp->dev, (uint32_t)op->a, (uint32_t)op->b,
                                &rp->queue_id[op->queue]);

   if (!ret) {
      rp->queue_live[op->queue] = true;
      rp->last_fence[op->queue] = 0;
   }
   return ret;
}

static int
replay_queue_close(struct replay *rp, const struct trace_op *op)
{
   rp->queue_live[op->queue] = false;
   return ws_submitqueue_close(rp->dev, rp->queue_id[op->queue]);
}

static int
replay_faults(struct replay *rp, const struct trace_op *op)
{
   uint32_t faults;

   return ws_submitqueue_faults(rp->dev, kqueue(rp, op->queue), &faults);
}

static int
replay_bo_new(struct replay *rp, const struct trace_op *op)
{
   return ws_bo_new(rp->dev, op->a, op->flags, &rp->bo[op->bo]);
}

static int
replay_bo_free(struct replay *rp, const struct trace_op *op)
{
   ws_bo_free(rp->bo[op->bo]);
   rp->bo[op->bo] = NULL;
   rp->map[op->bo] = NULL;
   return 0;
}

/* Recorded: always a ws call, even when the replayer has the mapping. */
static int
replay_map(struct replay *rp, const struct trace_op *op)
{
   void *map;
   int ret = ws_bo_map(rp->bo[op->bo], &map);

   if (!ret)
      rp->map[op->bo] = map;
   return ret;
}

static int
replay_upload(struct replay *rp, const struct trace_op *op)
{
   return ws_bo_upload(rp->bo[op->bo], op->a, rp->data, op->b);
}

static int
replay_write(struct replay *rp, const struct trace_op *op)
{
   void *map;
   int ret = bo_ptr(rp, op->bo, &map);

   if (!ret)
      memcpy((char *)map + op->a, rp->data, op->b);
   return ret;
}

static int
replay_cpu_prep(struct replay *rp, const struct trace_op *op)
{
   int ret = ws_bo_cpu_prep(rp->bo[op->bo], op->flags, WK_TIMEOUT_NS);

   return ret == -EBUSY && (op->flags & MSM_PREP_NOSYNC) ? 0 : ret;
}

static int
replay_cpu_fini(struct replay *rp, const struct trace_op *op)
{
   return ws_bo_cpu_fini(rp->bo[op->bo]);
}

static int
replay_set_name(struct replay *rp, const struct trace_op *op)
{
   return ws_bo_set_name(rp->bo[op->bo], op->str);
}

static int
replay_madvise(struct replay *rp, const struct trace_op *op)
{
   uint32_t retained;

   return ws_bo_madvise(rp->bo[op->bo], (uint32_t)op->a, &retained);
}

static int
replay_wait(struct replay *rp, const struct trace_op *op)
{
   uint32_t fence = op->label == TRACE_LAST ? rp->last_fence[op->queue]
                                            : rp->label_fence[op->label];

   return ws_fence_wait(rp->dev, kqueue(rp, op->queue), fence,
                        WK_TIMEOUT_NS);
}

static int
replay_expect(struct replay *rp, const struct trace_op *op)
{
   void *map;
   uint32_t u;
   int ret = bo_ptr(rp, op->bo, &map);

   if (ret)
      return ret;
   u = *(volatile uint32_t *)((char *)map + op->a);
   if (u != (uint32_t)op->b)
      return wk_fail(rp->r, -EIO, "%s:%u: expect: BO %u +%llu holds "
                     "0x%x, expected 0x%x", rp->t->name, op->line, op->bo,
                     (unsigned long long)op->a, u, (uint32_t)op->b);
   return 0;
}

static int
replay_cpu_us(struct replay *rp, const struct trace_op *op)
{
   (void)rp;
   cpu_work_us((uint32_t)op->a);
   return 0;
}

static int
replay_flush(struct replay *rp, const struct trace_op *op)
{
   (void)op;
   return ws_flush(rp->dev);
}

static int (*const replay_ops[TRACE_OP_COUNT])(struct replay *rp,
                                               const struct trace_op *op) = {
   [TRACE_PARAM] = replay_param,
   [TRACE_DEBUGINFO] = replay_debuginfo,
   [TRACE_QUEUE_NEW] = replay_queue_new,
   [TRACE_QUEUE_CLOSE] = replay_queue_close,
   [TRACE_FAULTS] = replay_faults,
   [TRACE_BO_NEW] = replay_bo_new,
   [TRACE_BO_FREE] = replay_bo_free,
   [TRACE_MAP] = replay_map,
   [TRACE_UPLOAD] = replay_upload,
   [TRACE_WRITE] = replay_write,
   [TRACE_CPU_PREP] = replay_cpu_prep,
   [TRACE_CPU_FINI] = replay_cpu_fini,
   [TRACE_SET_NAME] = replay_set_name,
   [TRACE_MADVISE] = replay_madvise,
   [TRACE_SUBMIT] = replay_submit,
   [TRACE_WAIT] = replay_wait,
   [TRACE_EXPECT] = replay_expect,
   [TRACE_CPU_US] = replay_cpu_us,
   [TRACE_FLUSH] = replay_flush,
};

static int
replay_op(struct replay *rp, const struct trace_op *op)
{
   /* The parser makes only known types; a hole here is a missed verb. */
   if ((unsigned)op->type >= TRACE_OP_COUNT || !replay_ops[op->type])
      return -EINVAL;
   return replay_ops[op->type](rp, op);
}

/* Whatever the trace left open is closed at the end of each pass, as the
 * process's exit would. */
static void
replay_cleanup(struct replay *rp)
{
   for (uint32_t q = 1; q < TRACE_MAX_QUEUES; q++) {
      if (rp->queue_live[q])
         ws_submitqueue_close(rp->dev, rp->queue_id[q]);
      rp->queue_live[q] = false;
   }
   for (uint32_t i = 0; i < rp->t->nr_bo_ids; i++) {
      if (rp->bo[i])
         ws_bo_free(rp->bo[i]);
      rp->bo[i] = NULL;
      rp->map[i] = NULL;
   }
   memset(rp->last_fence, 0, sizeof(rp->last_fence));
}

static int
replay_pass(struct replay *rp, uint32_t pass)
{
   int ret = 0;

   for (unsigned i = 0; i < rp->t->nr_ops && !ret; i++) {
      const struct trace_op *op = &rp->t->ops[i];

      ret = replay_op(rp, op);
      if (ret)
         wk_fail(rp->r, ret, "%s:%u: pass %u: %s", rp->t->name, op->line,
                 pass, strerror(-ret));
   }
   replay_cleanup(rp);
   return ret;
}

int
wk_trace_run(struct wk_run *r, struct wk_sample *out)
{
   const struct trace *t = r->trace;
   struct replay rp = { .r = r, .t = t };
   struct wk_window win;
   struct ws_counters cnt;
   int ret;

   if (!t)
      return wk_fail(r, -EINVAL, "trace: no trace file (use trace:FILE)");
   for (unsigned i = 0; i < t->nr_ops; i++)
      if ((t->ops[i].type == TRACE_UPLOAD || t->ops[i].type == TRACE_WRITE) &&
          t->ops[i].b > rp.data_len)
         rp.data_len = t->ops[i].b;
   rp.bo = calloc(t->nr_bo_ids + 1, sizeof(*rp.bo));
   rp.map = calloc(t->nr_bo_ids + 1, sizeof(*rp.map));
   rp.label_fence = calloc(t->nr_labels + 1, sizeof(*rp.label_fence));
   rp.data = malloc(rp.data_len + 4);
   if (!rp.bo || !rp.map || !rp.label_fence || !rp.data) {
      ret = wk_fail(r, -ENOMEM, "out of memory");
      goto out_free;
   }
   wk_fill(rp.data, rp.data_len, 3);

   wk_counters_init(r, &cnt);
   ret = wk_open(r, &cnt, &rp.dev);
   if (ret) {
      ret = wk_fail(r, ret, "open: %s", strerror(-ret));
      goto out_free;
   }
   ret = ws_bo_new(rp.dev, CMD_BO_SIZE, MSM_BO_WC, &rp.cmd);
   if (!ret)
      ret = ws_bo_map(rp.cmd, (void **)&rp.cmd_map);
   if (ret) {
      ret = wk_fail(r, ret, "command BO: %s", strerror(-ret));
      goto out;
   }
   for (uint32_t i = 0; i < r->warmup + r->iters; i++) {
      if (i == r->warmup)
         wk_window_start(&win, &cnt);
      ret = replay_pass(&rp, i);
      if (ret)
         goto out;
   }
   wk_window_stop(&win, r->iters, out);

out:
   if (rp.cmd) {
      /* The command BO may still be read by the GPU: close is safe (the
       * kernel keeps busy objects), and the device goes next anyway. */
      ws_bo_free(rp.cmd);
   }
   ws_close(rp.dev);
out_free:
   free(rp.bo);
   free(rp.map);
   free(rp.label_fence);
   free(rp.data);
   return ret;
}
