/*
 * report_clock.c - the report's sections about time: which clock, the
 * virtual clock's cost model, the critical path behind every gap, and the
 * real-clock run that validates the virtual one.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "figures.h"
#include "report_clock.h"

/* ------------------------------------------------------------ the clock */

static void
write_costs(FILE *f, struct cmp_results *r)
{
   fprintf(f, "| flag | value | what it is |\n|---|---|---|\n");
   for (unsigned i = 0;; i++) {
      uint64_t *v;
      const char *what, *name = cmp_cost_flag(i, &v, &what, &r->costs);

      if (!name)
         break;
      fprintf(f, "| `--%s` | %llu | %s |\n", name, (unsigned long long)*v,
              what);
   }
   fprintf(f, "\n");
}

void
report_write_clock(FILE *f, struct cmp_results *r)
{
   fprintf(f, "## Clock\n\n");
   if (!r->virt) {
      fprintf(f, "**Real clock** (`--clock real`): every time is this "
              "machine's CLOCK_MONOTONIC, repeated %u times per point with "
              "the modes interleaved; tables give medians, min-max and "
              "bootstrap 95%% intervals of the median.\n\n", r->repeat);
      for (unsigned t = 0; t < r->nr_transports; t++)
         if (r->harness_floor_us[t] > 0)
            fprintf(f, "Harness floor on %s: an empty CALL answered at once "
                    "at RTT 0 takes %.1f µs here (thread wake-ups and "
                    "socket calls of this machine, not a design).\n\n",
                    r->transports[t], r->harness_floor_us[t]);
      return;
   }
   fprintf(f,
"**Virtual clock** (`--clock virtual`, the default): the workloads run "
"through the same code as on the real clock (ws, protocol, transport, host, "
"core, the sim GPU's CP interpreter; real messages, real counters), but one "
"thread at a time, and time moves only when every thread waits "
"(`core/vsched.c`). The clock advances by the transport's one-way delays "
"(RTT/2 each way), the sim's modelled GPU time, the workloads' modelled CPU "
"time, and the CPU cost model below; nothing else of this machine shows. "
"So the same inputs give byte-identical results (one repetition says all) "
"and every thread carries its critical path, split by what it was spent "
"on.\n\n"
"The cost model is charged where the work happens: `guest-op` on every ws "
"call, `host-op` on every request run on the core (each direct core call, "
"each forwarded ioctl, each nativectx ccmd), `msg` + `byte` on every frame "
"each side builds or parses, `exit` on every guest->host frame and `irq` "
"on every reply or event the guest takes. The values are round "
"assumptions for a current x86 host under KVM, not measurements: plug in "
"your hypervisor's with the flags, e.g. `msmvirt compare --rtt-us 5,30,80 "
"--cost-exit-ns 5000` (seconds, not minutes).\n\n");
   write_costs(f, r);
}

/* ------------------------------------------------------------ the why */

static unsigned
breakdown_k(const struct cmp_results *r)
{
   unsigned best = 0;

   /* The sweep point nearest the asked RTT. */
   for (unsigned k = 1; k < r->nr_rtts; k++) {
      long d = labs((long)r->rtts[k] - (long)r->breakdown_rtt);
      long db = labs((long)r->rtts[best] - (long)r->breakdown_rtt);

      if (d < db)
         best = k;
   }
   return best;
}

static void
breakdown_row(FILE *f, struct cmp_results *r, unsigned t, unsigned w,
              unsigned m, unsigned k)
{
   struct cmp_cell *c = cmp_cell(r, t, w, m, k);

   fprintf(f, "| %s | %u |", r->modes[m]->name, r->rtts[k]);
   if (!c->nr || c->error[0]) {
      fprintf(f, " %s |", c->unsupported ? "n/a" : "failed");
      for (unsigned i = 0; i <= VC_NCAT; i++)
         fprintf(f, " |");
      fprintf(f, "\n");
      return;
   }
   fprintf(f, " **%.1f** |", c->time.median);
   for (unsigned i = 0; i < VC_NCAT; i++)
      fprintf(f, " %.1f |", c->cp_us[i]);
   fprintf(f, " %.2f |\n", c->rt_s.median);
}

/* (mode - direct) split into what latency costs and what CPU costs. */
static void
gap_line(FILE *f, struct cmp_results *r, unsigned t, unsigned w, unsigned m,
         unsigned k)
{
   struct cmp_cell *c = cmp_cell(r, t, w, m, k), *d = cmp_cell(r, t, w, 0, k);
   double lat, cpu[VC_NCAT], rest = 0, gap;

   if (!c->nr || c->error[0] || !d->nr || d->error[0])
      return;
   gap = c->time.median - d->time.median;
   lat = (c->cp_us[VC_SYNC_RT] + c->cp_us[VC_ASYNC]) -
         (d->cp_us[VC_SYNC_RT] + d->cp_us[VC_ASYNC]);
   for (unsigned i = 0; i < VC_NCAT; i++) {
      cpu[i] = c->cp_us[i] - d->cp_us[i];
      if (i != VC_SYNC_RT && i != VC_ASYNC && i != VC_GPU)
         rest += cpu[i];
   }
   fprintf(f, "- **%s** at %u µs: %+.1f µs per %s against direct = "
           "%+.1f µs of latency (%.2f one-way delays, %.2f RTT) %+.1f µs of "
           "CPU, exits and IRQs (guest %+.1f, host %+.1f, exits %+.1f) "
           "%+.1f µs of GPU time on the path.\n", r->modes[m]->name,
           r->rtts[k], gap, r->workloads[w].wk->unit, lat,
           r->rtts[k] ? lat / (r->rtts[k] / 2.0) : 0.0,
           r->rtts[k] ? lat / r->rtts[k] : 0.0, rest, cpu[VC_GUEST_CPU],
           cpu[VC_HOST_CPU], cpu[VC_EXIT], cpu[VC_GPU]);
}

void
report_write_breakdown(FILE *f, struct cmp_results *r, unsigned t,
                       const char *figdir)
{
   unsigned kb = breakdown_k(r);

   if (!r->virt || !r->nr_rtts)
      return;
   fprintf(f, "## Why: the critical path (%s, virtual clock)\n\n"
           "Each iteration's time, split along its critical path: the chain "
           "of work and waits that ended the timed window, followed back "
           "through every hand-over between threads (a wait that another "
           "thread ended belongs to that thread's path). The columns sum to "
           "the total exactly. `sync RT` is the one-way delays of CALLs and "
           "their replies; `async` is those of async messages and fence "
           "events; `exits` is the cost model's VM exits and interrupts. "
           "Figures at RTT %u µs.\n\n", r->transports[t], r->rtts[kb]);
   for (unsigned w = 0; w < r->nr_workloads; w++) {
      const struct cmp_workload *cw = &r->workloads[w];
      char path[4096];
      int ret;

      fprintf(f, "### %s\n\n", cw->label);
      snprintf(path, sizeof(path), "%s/breakdown-%s-%s.svg", figdir,
               cw->slug, r->transports[t]);
      ret = fig_breakdown(r, t, w, kb, path);
      if (!ret)
         fprintf(f, "![critical path of %s](figures/breakdown-%s-%s.svg)"
                 "\n\n", cw->label, cw->slug, r->transports[t]);
      fprintf(f, "| mode | RTT µs | total µs/%s |", cw->wk->unit);
      for (unsigned i = 0; i < VC_NCAT; i++)
         fprintf(f, " %s |", vc_cat_label[i]);
      fprintf(f, " sync RT count |\n|---|---|---|");
      for (unsigned i = 0; i <= VC_NCAT; i++)
         fprintf(f, "---|");
      fprintf(f, "\n");
      /* Direct does not depend on RTT: one row. */
      breakdown_row(f, r, t, w, 0, 0);
      for (unsigned m = 1; m < r->nr_modes; m++)
         for (unsigned k = 0; k < r->nr_rtts; k++)
            breakdown_row(f, r, t, w, m, k);
      fprintf(f, "\n");
      for (unsigned m = 1; m < r->nr_modes; m++)
         gap_line(f, r, t, w, m, kb);
      fprintf(f, "\n");
   }
}

/* ------------------------------------------------------------ validation */

static struct json_object *
jget(struct json_object *o, const char *key)
{
   struct json_object *v = NULL;

   return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static double
jnum(struct json_object *o, const char *key)
{
   struct json_object *v = jget(o, key);

   return v ? json_object_get_double(v) : NAN;
}

static struct json_object *
real_record(struct json_object *recs, const char *wk, const char *mode,
            uint32_t rtt, const char *transport)
{
   for (size_t i = 0; i < json_object_array_length(recs); i++) {
      struct json_object *o = json_object_array_get_idx(recs, i);

      if (!strcmp(json_object_get_string(jget(o, "workload")), wk) &&
          !strcmp(json_object_get_string(jget(o, "mode")), mode) &&
          !strcmp(json_object_get_string(jget(o, "transport")), transport) &&
          jnum(o, "rtt_us") == rtt && !jget(o, "error") && !jget(o, "skipped"))
         return o;
   }
   return NULL;
}

struct agreement {
   unsigned cells, within, cells_hi, within_hi;
   double worst_hi;
};

/* The calibrated run's cell at the same point, or NULL. */
static struct cmp_cell *
calib_cell(struct cmp_results *r, unsigned t, unsigned w, unsigned m,
           uint32_t rtt)
{
   struct cmp_results *c = r->calib ? r->calib->run : NULL;

   for (unsigned k = 0; c && k < c->nr_rtts; k++) {
      struct cmp_cell *cc = cmp_cell(c, t, w, m, k);

      if (c->rtts[k] == rtt && cc->nr && !cc->error[0])
         return cc;
   }
   return NULL;
}

static void
agree(struct agreement *a, uint32_t rtt, unsigned m, double dev)
{
   a->cells++;
   a->within += fabs(dev) <= 0.10;
   if (rtt >= 50 && m > 0) {
      a->cells_hi++;
      a->within_hi += fabs(dev) <= 0.10;
      if (fabs(dev) > fabs(a->worst_hi))
         a->worst_hi = dev;
   }
}

static void
validation_table(FILE *f, struct cmp_results *r, struct json_object *recs,
                 unsigned t, unsigned w, struct agreement *a)
{
   const struct cmp_workload *cw = &r->workloads[w];

   fprintf(f, "**%s** (µs per %s)\n\n| mode | RTT µs | real median | real "
           "95%% CI | real min-max | virtual (design costs) | virtual / real "
           "| virtual (this machine) | virtual / real |\n"
           "|---|---|---|---|---|---|---|---|---|\n", cw->label,
           cw->wk->unit);
   for (unsigned m = 0; m < r->nr_modes; m++) {
      for (unsigned k = 0; k < r->nr_rtts; k++) {
         struct cmp_cell *c = cmp_cell(r, t, w, m, k);
         struct json_object *o = real_record(recs, cw->label,
                                             r->modes[m]->name, r->rtts[k],
                                             r->transports[t]);
         struct json_object *tm = jget(o, "time_per_iter_us");
         struct cmp_cell *cc = calib_cell(r, t, w, m, r->rtts[k]);
         struct cmp_cell *cd = calib_cell(r, t, w, 0, r->rtts[k]);
         struct json_object *od = real_record(recs, cw->label,
                                              r->modes[0]->name, r->rtts[k],
                                              r->transports[t]);
         double real, dev, dev_c, resid = NAN;

         if (!o || !tm || !c->nr || c->error[0])
            continue;
         real = jnum(tm, "median");
         /* What direct really spends beyond what the model charges it:
          * application and core work, the same in every mode. */
         if (cd && od)
            resid = jnum(jget(od, "time_per_iter_us"), "median") -
                    cd->time.median;
         dev = real > 0 ? c->time.median / real - 1 : NAN;
         fprintf(f, "| %s | %u | %.1f | %.1f-%.1f | %.1f-%.1f | %.1f | "
                 "%+.0f%% |", r->modes[m]->name, r->rtts[k], real,
                 jnum(tm, "ci95_lo"), jnum(tm, "ci95_hi"), jnum(tm, "min"),
                 jnum(tm, "max"), c->time.median, dev * 100);
         agree(&a[0], r->rtts[k], m, dev);
         if (cc && !isnan(resid)) {
            double pred = cc->time.median + resid;

            dev_c = real > 0 ? pred / real - 1 : NAN;
            fprintf(f, " %.1f | %+.0f%% |\n", pred, dev_c * 100);
            agree(&a[1], r->rtts[k], m, dev_c);
         } else {
            fprintf(f, " | |\n");
         }
      }
   }
   fprintf(f, "\n");
}

const char *
report_real_command(struct cmp_results *r)
{
   static char buf[4096];
   struct json_object *real = json_object_from_file(r->real_json);
   struct json_object *cmd = jget(jget(real, "header"), "command");

   snprintf(buf, sizeof(buf), "%s\n", cmd ? json_object_get_string(cmd)
                                          : "");
   json_object_put(real);
   return buf;
}

void
report_write_validation(FILE *f, struct cmp_results *r)
{
   struct json_object *real, *recs, *h, *floor;
   struct agreement a[2] = { { 0 } };

   if (!r->virt || !r->real_json)
      return;
   real = json_object_from_file(r->real_json);
   recs = jget(real, "records");
   h = jget(real, "header");
   fprintf(f, "## Real clock next to virtual\n\n");
   if (!recs || !h) {
      fprintf(f, "The real-clock run `%s` could not be read.\n\n",
              r->real_json);
      json_object_put(real);
      return;
   }
   fprintf(f, "The same workloads on this machine's clock (`%s`, %d "
           "repetitions per point, modes interleaved, %.0f s), next to the "
           "virtual clock's numbers above. The virtual clock knows nothing "
           "of this machine; the real one knows nothing else, so they "
           "disagree wherever this machine's own costs (thread wake-ups, "
           "syscalls, a 2-vCPU VM's scheduling) differ from the cost model "
           "or swamp the modelled latency.\n\n",
           json_object_get_string(jget(h, "command")),
           (int)jnum(h, "repeat"), jnum(h, "wall_s"));
   floor = jget(h, "harness_floor_us");
   if (floor) {
      fprintf(f, "**Harness floor** (an empty CALL answered at once, RTT 0, "
              "median of 7 batches of 300, the lower of one before and one "
              "after the sweep):");
      json_object_object_foreach(floor, key, val)
         fprintf(f, " %s %.1f µs;", key, json_object_get_double(val));
      fprintf(f, " the cost model's empty CALL at RTT 0 is 4 x msg + exit + "
              "irq = %.1f µs. Below a few times the floor the real sweep "
              "measures the harness, not the designs.\n\n",
              (4.0 * (double)r->costs.msg_ns + (double)r->costs.vm_exit_ns +
               (double)r->costs.irq_ns) / 1e3);
   }
   if (r->calib)
      fprintf(f, "**This machine's costs.** To tell the model's structure "
              "(which waits, hand-offs and messages lie on the path, "
              "counted from the real code) from its constants, the same "
              "sweep ran a second time on the virtual clock with the "
              "constants of this harness: no VM exits or interrupts (there "
              "are none in-process), and every thread hand-off costing "
              "(floor - 4 x msg) / 3 = %.1f µs, since an empty CALL here is "
              "three hand-offs and four frames. That model's own empty CALL "
              "takes %.1f µs (measured: %.1f). The column adds to each "
              "mode what direct really spent beyond what that model charged "
              "direct (application and core work the model prices at "
              "`host-op` per request: the same work in every mode), so "
              "direct's row matches by construction and the other rows test "
              "the transport's structure alone. What still differs is the "
              "hand-off model being crude: a real thread that is already "
              "spinning (the transport's and the GPU's precise waits spin "
              "their last 30-100 µs) needs no wake-up, one that sleeps on "
              "a busy 2-vCPU VM may wait far longer than the floor.\n\n",
              (double)r->calib->costs.wake_ns / 1e3,
              r->calib->model_floor_us, r->calib->floor_us);
   for (unsigned t = 0; t < r->nr_transports; t++)
      for (unsigned w = 0; w < r->nr_workloads; w++)
         validation_table(f, r, recs, t, w, a);
   for (unsigned i = 0; i < 2; i++)
      if (a[i].cells)
         fprintf(f, "Agreement, %s: %u of %u cells within 10%%; at RTT >= "
                 "50 µs (forward and nativectx) %u of %u, worst %+.0f%%.\n\n",
                 i ? "virtual with this machine's costs" :
                     "virtual with the design costs",
                 a[i].within, a[i].cells, a[i].within_hi, a[i].cells_hi,
                 a[i].worst_hi * 100);
   json_object_put(real);
}
