/*
 * results_json.c - the machine-readable results (json-c).
 *
 * One record per (workload, mode, rtt_us, transport), with the medians and
 * extremes over the repetitions; a header that says where, when, from
 * which source and with which command they were made; the per-op
 * attribution of round trips; and per mode the round trips each ws op
 * costs, measured.  Field names are documented in docs/evaluation.md.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "compare.h"

static struct json_object *
jsummary(const struct stat_summary *s)
{
   struct json_object *o = json_object_new_object();

   json_object_object_add(o, "median", json_object_new_double(s->median));
   json_object_object_add(o, "min", json_object_new_double(s->min));
   json_object_object_add(o, "max", json_object_new_double(s->max));
   json_object_object_add(o, "spread", json_object_new_double(s->spread));
   json_object_object_add(o, "ci95_lo", json_object_new_double(s->ci_lo));
   json_object_object_add(o, "ci95_hi", json_object_new_double(s->ci_hi));
   return o;
}

static struct json_object *
jheader(struct cmp_results *r)
{
   struct json_object *h = json_object_new_object(), *o, *a;

   json_object_object_add(h, "date", json_object_new_string(r->hdr.date));
   o = json_object_new_object();
   json_object_object_add(o, "nproc", json_object_new_int64(r->hdr.nproc));
   json_object_object_add(o, "model", json_object_new_string(r->hdr.host_cpu));
   json_object_object_add(o, "kernel", json_object_new_string(r->hdr.kernel));
   json_object_object_add(h, "machine", o);
   json_object_object_add(h, "git_rev", json_object_new_string(r->hdr.git_rev));
   json_object_object_add(h, "command", json_object_new_string(r->hdr.command));
   json_object_object_add(h, "wall_s", json_object_new_double(r->wall_s));
   json_object_object_add(h, "quick", json_object_new_boolean(r->quick));
   json_object_object_add(h, "repeat", json_object_new_int(r->repeat));
   json_object_object_add(h, "clock",
                          json_object_new_string(r->virt ? "virtual" : "real"));
   o = json_object_new_object();
   for (unsigned i = 0;; i++) {
      uint64_t *v;
      const char *what, *name = cmp_cost_flag(i, &v, &what, &r->costs);

      if (!name)
         break;
      json_object_object_add(o, name + strlen("cost-"),
                             json_object_new_int64((int64_t)*v));
   }
   json_object_object_add(h, "cost_model", o);
   if (!r->virt) {
      o = json_object_new_object();
      for (unsigned t = 0; t < r->nr_transports; t++)
         if (r->harness_floor_us[t] > 0)
            json_object_object_add(o, r->transports[t], json_object_new_double(
               r->harness_floor_us[t]));
      json_object_object_add(h, "harness_floor_us", o);
   }

   o = json_object_new_object();
   json_object_object_add(o, "backend", json_object_new_string(
      r->core_cfg.backend ? r->core_cfg.backend : "sim"));
   json_object_object_add(o, "chip", json_object_new_string(r->chip));
   json_object_object_add(o, "submit_ns",
                          json_object_new_int64((int64_t)r->core_cfg.sim.submit_ns));
   json_object_object_add(o, "dword_ns",
                          json_object_new_int64((int64_t)r->core_cfg.sim.dword_ns));
   json_object_object_add(o, "gpu_time", json_object_new_string(
      "modelled per submit by the workloads (CP_NOP 'MSMD' delay markers)"));
   json_object_object_add(h, "sim", o);

   a = json_object_new_array();
   for (unsigned i = 0; i < r->nr_rtts; i++)
      json_object_array_add(a, json_object_new_int((int)r->rtts[i]));
   json_object_object_add(h, "rtt_us", a);
   a = json_object_new_array();
   for (unsigned i = 0; i < r->nr_transports; i++)
      json_object_array_add(a, json_object_new_string(r->transports[i]));
   json_object_object_add(h, "transports", a);
   a = json_object_new_array();
   for (unsigned i = 0; i < r->nr_modes; i++)
      json_object_array_add(a, json_object_new_string(r->modes[i]->name));
   json_object_object_add(h, "modes", a);
   a = json_object_new_array();
   for (unsigned i = 0; i < r->nr_skipped; i++) {
      o = json_object_new_object();
      json_object_object_add(o, "mode",
                             json_object_new_string(r->skipped[i]->name));
      json_object_object_add(o, "reason",
                             json_object_new_string(r->skipped[i]->missing));
      json_object_array_add(a, o);
   }
   json_object_object_add(h, "skipped_modes", a);

   o = json_object_new_object();
   for (unsigned w = 0; w < r->nr_workloads; w++) {
      const struct cmp_workload *cw = &r->workloads[w];
      struct json_object *p = json_object_new_object();
      char buf[1024];

      profile_format(&r->prof, cw->wk->name, buf, sizeof(buf));
      json_object_object_add(p, "params", json_object_new_string(buf));
      json_object_object_add(p, "iters", json_object_new_int64(cw->iters));
      json_object_object_add(p, "warmup", json_object_new_int64(cw->warmup));
      json_object_object_add(p, "unit", json_object_new_string(cw->wk->unit));
      json_object_object_add(o, cw->label, p);
   }
   json_object_object_add(h, "workloads", o);
   return h;
}

static struct json_object *
jrecord(struct cmp_results *r, unsigned t, unsigned w, unsigned m,
        unsigned k)
{
   struct cmp_cell *c = cmp_cell(r, t, w, m, k);
   const struct cmp_workload *cw = &r->workloads[w];
   struct json_object *o = json_object_new_object(), *ops;

   json_object_object_add(o, "workload", json_object_new_string(cw->label));
   json_object_object_add(o, "unit", json_object_new_string(cw->wk->unit));
   json_object_object_add(o, "mode", json_object_new_string(r->modes[m]->name));
   json_object_object_add(o, "rtt_us", json_object_new_int((int)r->rtts[k]));
   json_object_object_add(o, "transport",
                          json_object_new_string(r->transports[t]));
   json_object_object_add(o, "iters", json_object_new_int64((int64_t)c->iters));
   json_object_object_add(o, "repeat", json_object_new_int((int)c->nr));
   if (c->unsupported) {
      json_object_object_add(o, "skipped", json_object_new_string(c->error));
      return o;
   }
   if (c->error[0] || !c->nr) {
      json_object_object_add(o, "error", json_object_new_string(
         c->error[0] ? c->error : "not run (its direct baseline failed)"));
      return o;
   }
   json_object_object_add(o, "time_per_iter_us", jsummary(&c->time));
   json_object_object_add(o, "ratio_to_direct",
                          json_object_new_double(c->ratio_s.median));
   json_object_object_add(o, "ratio_to_direct_range", jsummary(&c->ratio_s));
   json_object_object_add(o, "sync_round_trips_per_iter",
                          json_object_new_double(c->rt_s.median));
   json_object_object_add(o, "messages_per_iter",
                          json_object_new_double(c->msgs_s.median));
   json_object_object_add(o, "bytes_per_iter",
                          json_object_new_double(c->bytes_s.median));
   json_object_object_add(o, "events_per_iter",
                          json_object_new_double(c->events_s.median));
   if (c->floor_us > 0)
      json_object_object_add(o, "physical_floor_us",
                             json_object_new_double(c->floor_us));
   ops = json_object_new_object();
   for (unsigned i = 0; i < WS_OP_COUNT; i++)
      if (c->op_calls[i] > 0)
         json_object_object_add(ops, ws_op_name(i),
                                json_object_new_double(c->op_calls[i]));
   json_object_object_add(o, "ws_calls_per_iter", ops);
   if (r->virt) {
      /* Sums to time_per_iter_us: the run is exact, one repetition. */
      struct json_object *cp = json_object_new_object();

      for (unsigned i = 0; i < VC_NCAT; i++)
         json_object_object_add(cp, vc_cat_name[i],
                                json_object_new_double(c->cp_us[i]));
      json_object_object_add(o, "critical_path_us", cp);
   }
   return o;
}

static struct json_object *
jattr(struct cmp_results *r, unsigned t, unsigned w, unsigned m)
{
   struct cmp_attr *a = cmp_attr(r, t, w, m);
   struct json_object *o = json_object_new_object(), *ops;
   double it = a->iters ? (double)a->iters : 1;

   json_object_object_add(o, "workload",
                          json_object_new_string(r->workloads[w].label));
   json_object_object_add(o, "mode", json_object_new_string(r->modes[m]->name));
   json_object_object_add(o, "transport",
                          json_object_new_string(r->transports[t]));
   if (!a->done) {
      json_object_object_add(o, a->unsupported ? "skipped" : "error",
                             json_object_new_string(a->error));
      return o;
   }
   json_object_object_add(o, "rtt_us", json_object_new_int((int)a->rtt_us));
   json_object_object_add(o, "iters", json_object_new_int64((int64_t)a->iters));
   ops = json_object_new_object();
   for (unsigned i = 0; i < WS_OP_COUNT; i++) {
      struct json_object *p;

      if (!a->op[i].calls)
         continue;
      p = json_object_new_object();
      json_object_object_add(p, "calls", json_object_new_double(a->op[i].calls / it));
      json_object_object_add(p, "sync_round_trips",
                             json_object_new_double(a->op[i].sync_round_trips / it));
      json_object_object_add(p, "messages",
                             json_object_new_double(a->op[i].messages / it));
      json_object_object_add(p, "bytes", json_object_new_double(a->op[i].bytes / it));
      json_object_object_add(ops, ws_op_name(i), p);
   }
   json_object_object_add(o, "per_iter", ops);
   return o;
}

/* Per mode: what one call of each ws op costs, over every workload. */
static struct json_object *
jop_costs(struct cmp_results *r)
{
   struct json_object *o = json_object_new_object();

   for (unsigned m = 0; m < r->nr_modes; m++) {
      struct json_object *mo = json_object_new_object();

      for (unsigned i = 0; i < WS_OP_COUNT; i++) {
         uint64_t calls = 0, rt = 0, msgs = 0, bytes = 0;
         struct json_object *p;

         for (unsigned t = 0; t < r->nr_transports; t++)
            for (unsigned w = 0; w < r->nr_workloads; w++) {
               struct cmp_attr *a = cmp_attr(r, t, w, m);

               if (!a->done)
                  continue;
               calls += a->op[i].calls;
               rt += a->op[i].sync_round_trips;
               msgs += a->op[i].messages;
               bytes += a->op[i].bytes;
            }
         if (!calls)
            continue;
         p = json_object_new_object();
         json_object_object_add(p, "calls", json_object_new_int64((int64_t)calls));
         json_object_object_add(p, "sync_round_trips_per_call",
                                json_object_new_double((double)rt / calls));
         json_object_object_add(p, "messages_per_call",
                                json_object_new_double((double)msgs / calls));
         json_object_object_add(p, "bytes_per_call",
                                json_object_new_double((double)bytes / calls));
         json_object_object_add(mo, ws_op_name(i), p);
      }
      json_object_object_add(o, r->modes[m]->name, mo);
   }
   return o;
}

int
cmp_write_json(struct cmp_results *r, const char *path)
{
   struct json_object *root = json_object_new_object(), *recs, *attrs;
   int ret = 0;

   json_object_object_add(root, "schema",
                          json_object_new_string("msmvirt-compare/1"));
   json_object_object_add(root, "header", jheader(r));
   recs = json_object_new_array();
   attrs = json_object_new_array();
   for (unsigned t = 0; t < r->nr_transports; t++)
      for (unsigned w = 0; w < r->nr_workloads; w++)
         for (unsigned m = 0; m < r->nr_modes; m++) {
            for (unsigned k = 0; k < r->nr_rtts; k++)
               json_object_array_add(recs, jrecord(r, t, w, m, k));
            if (r->attribute)
               json_object_array_add(attrs, jattr(r, t, w, m));
         }
   json_object_object_add(root, "records", recs);
   json_object_object_add(root, "attribution", attrs);
   json_object_object_add(root, "op_costs", jop_costs(r));
   json_object_object_add(root, "failed", json_object_new_boolean(r->failed));

   if (json_object_to_file_ext(path, root, JSON_C_TO_STRING_PRETTY |
                               JSON_C_TO_STRING_NOSLASHESCAPE))
      ret = -EIO;
   json_object_put(root);
   return ret;
}
