/*
 * report.c - docs/evaluation.md, generated from the measured numbers.
 *
 * Every sentence that states a number or a cause is built from the
 * results: the round trips per iteration, which ws calls they came from
 * (the attribution pass), and the slope of time against RTT.  The fixed
 * text around them explains the method, the defaults and the trace format.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "compare.h"
#include "report_clock.h"
#include "report_targets.h"
#include "figures.h"
#include "ioctl2trace.h"
#include "trace.h"

static bool
cell_ok(const struct cmp_cell *c)
{
   return c->nr && !c->error[0];
}

/* What a table says where there is no number. */
static const char *
cell_gap(const struct cmp_cell *c)
{
   return c->unsupported ? "n/a" : "failed";
}

/* Median over the RTT sweep of a per-cell median. */
static double
sweep_median(struct cmp_results *r, unsigned t, unsigned w, unsigned m,
             size_t field)
{
   double v[CMP_MAX_RTTS];
   unsigned n = 0;
   struct stat_summary s;

   for (unsigned k = 0; k < r->nr_rtts; k++) {
      struct cmp_cell *c = cmp_cell(r, t, w, m, k);

      if (cell_ok(c))
         v[n++] = ((const struct stat_summary *)((char *)c + field))->median;
   }
   stat_summarize(v, n, &s);
   return s.median;
}

#define RT_OF    offsetof(struct cmp_cell, rt_s)
#define MSGS_OF  offsetof(struct cmp_cell, msgs_s)
#define BYTES_OF offsetof(struct cmp_cell, bytes_s)

/* The smallest RTT the slope is fitted from: the upper part of the sweep.
 * Below it a channel's own transit time (which the latency model overlaps
 * with the modelled delay rather than adding to it) would flatten the fit. */
static uint32_t
slope_from_rtt(struct cmp_results *r)
{
   uint32_t max = r->nr_rtts ? r->rtts[r->nr_rtts - 1] : 0;
   unsigned n = 0;

   for (unsigned k = 0; k < r->nr_rtts; k++)
      n += r->rtts[k] >= max / 5;
   return n >= 2 ? max / 5 : 0;
}

/* us of time per us of RTT, least squares over the upper sweep. */
static double
time_slope(struct cmp_results *r, unsigned t, unsigned w, unsigned m)
{
   double x[CMP_MAX_RTTS], y[CMP_MAX_RTTS];
   uint32_t from = slope_from_rtt(r);
   unsigned n = 0;

   for (unsigned k = 0; k < r->nr_rtts; k++) {
      struct cmp_cell *c = cmp_cell(r, t, w, m, k);

      if (cell_ok(c) && r->rtts[k] >= from) {
         x[n] = r->rtts[k];
         y[n++] = c->time.median;
      }
   }
   return stat_slope(x, y, n, NULL);
}

/* The point with the largest RTT that has data for mode m and direct. */
static int
last_point(struct cmp_results *r, unsigned t, unsigned w, unsigned m)
{
   for (unsigned k = r->nr_rtts; k-- > 0;)
      if (cell_ok(cmp_cell(r, t, w, m, k)) && cell_ok(cmp_cell(r, t, w, 0, k)))
         return (int)k;
   return -1;
}

static void
fmt_bytes(char *buf, size_t len, double b)
{
   if (b >= 10 * 1024 * 1024)
      snprintf(buf, len, "%.1f MiB", b / (1024 * 1024));
   else if (b >= 10 * 1024)
      snprintf(buf, len, "%.1f KiB", b / 1024);
   else
      snprintf(buf, len, "%.0f B", b);
}

/* ------------------------------------------------------------ sections */

static void
write_setup(FILE *f, struct cmp_results *r)
{
   fprintf(f, "## Setup\n\n");
   fprintf(f, "| | |\n|---|---|\n");
   fprintf(f, "| date | %s |\n", r->hdr.date);
   fprintf(f, "| source | `%s` |\n", r->hdr.git_rev);
   fprintf(f, "| machine | %s, %ld CPUs, %s |\n", r->hdr.host_cpu,
           r->hdr.nproc, r->hdr.kernel);
   fprintf(f, "| GPU | sim backend, chip %s; sim timing submit_ns=%llu, "
           "dword_ns=%llu; GPU time per submit is modelled by the workloads |\n",
           r->chip, (unsigned long long)r->core_cfg.sim.submit_ns,
           (unsigned long long)r->core_cfg.sim.dword_ns);
   fprintf(f, "| modes | ");
   for (unsigned m = 0; m < r->nr_modes; m++)
      fprintf(f, "%s**%s**", m ? ", " : "", r->modes[m]->name);
   fprintf(f, " |\n");
   for (unsigned i = 0; i < r->nr_skipped; i++)
      fprintf(f, "| not measured | **%s**: %s |\n", r->skipped[i]->name,
              r->skipped[i]->missing);
   fprintf(f, "| transports | ");
   for (unsigned t = 0; t < r->nr_transports; t++)
      fprintf(f, "%s%s", t ? ", " : "", r->transports[t]);
   fprintf(f, " |\n| RTT sweep | ");
   for (unsigned k = 0; k < r->nr_rtts; k++)
      fprintf(f, "%s%u", k ? ", " : "", r->rtts[k]);
   fprintf(f, " µs |\n| repetitions | %u per point%s |\n", r->repeat,
           r->quick ? " (--quick)" : "");
   fprintf(f, "| wall time | %.1f s |\n\n", r->wall_s);

   fprintf(f, "Modes:\n\n");
   for (unsigned m = 0; m < r->nr_modes; m++)
      fprintf(f, "- **%s**: %s.\n", r->modes[m]->name, r->modes[m]->what);
   for (unsigned i = 0; i < r->nr_skipped; i++)
      fprintf(f, "- **%s** (not in this build): %s.\n", r->skipped[i]->name,
              r->skipped[i]->what);
   fprintf(f, "\nWorkload parameters (profile keys; change them with "
           "`--profile FILE`):\n\n| workload | iterations | warmup | "
           "parameters |\n|---|---|---|---|\n");
   for (unsigned w = 0; w < r->nr_workloads; w++) {
      char buf[1024];

      profile_format(&r->prof, r->workloads[w].wk->name, buf, sizeof(buf));
      fprintf(f, "| %s | %u %ss | %u | `%s` |\n", r->workloads[w].label,
              r->workloads[w].iters, r->workloads[w].wk->unit,
              r->workloads[w].warmup, buf);
   }
   fprintf(f, "\n");
}

static void
write_method(FILE *f, struct cmp_results *r)
{
   fprintf(f,
"## Method\n\n"
"- **Same workload, every mode.** Each workload is written once against the "
"guest driver API (`ws.h`) and runs unchanged on host-direct, forward and "
"nativectx. It keeps a BO cache above ws that works like mesa's "
"`fd_bo_cache`: size buckets, MADV_DONTNEED on free and WILLNEED on reuse, "
"and idleness taken from the fence the pipe's CP_EVENT_WRITE leaves in a "
"control BO. Every mode therefore sees the same call pattern a freedreno "
"process would produce.\n"
"- **Baseline from the same run.** For every (workload, RTT, repetition), "
"host-direct runs first and each other mode right after it. "
"`ratio to direct` = direct time / mode time of that repetition, i.e. the "
"mode's throughput relative to direct (1.00 = no loss, 0.50 = half). "
"Tables give the median over the repetitions and the min–max range.\n"
"- **Round trips are counted, not guessed.** `sync RT`, `msgs` and `bytes` "
"per iteration are deltas of the transport counters (`ws_get_stats`) over "
"the timed part. A sync round trip is a time the guest blocked on a host "
"reply. A separate untimed pass at RTT %u µs reads the counters around "
"every ws call, which gives the per-op breakdown below.\n"
"- **Latency model.** The transport delays every guest→host notification "
"and every host→guest event by RTT/2 (transport.h). A synchronous call "
"therefore costs one RTT, while async messages pipeline. The sweep stands in "
"for the cost of a VM exit plus interrupt injection, from 0 (same host "
"thread) to 100 µs (a slow, loaded hypervisor path).\n"
"- **Physical floor.** When the CPU waits for a submit to complete "
"(dispatch, readback), the request has to reach the host and the "
"completion has to come back, so no design can beat direct + 1 RTT per "
"iteration. The tables and figures show that floor next to the "
"measurements.\n"
"- **GPU time is modelled.** The sim adds the time given by each "
"submit's CP_NOP delay marker (`pm4_emit_delay`); sim `submit_ns` and "
"`dword_ns` stay 0, so the GPU time is exactly what the profile says. The "
"defaults are deliberately light: 1 ms per frame in 2 submits, and 20 µs "
"per dispatch/readback. A real 16 ms frame with 2–4 ms of GPU work hides "
"even forward's waits behind the GPU until the CPU side (application plus "
"round trips) outgrows it, and the sweep would take hours. With these "
"values the full default sweep runs in minutes on 2 CPUs (the header's "
"wall time) and `--quick` in seconds, and the gaps show wherever the CPU "
"side is the "
"bottleneck. The frame figure makes the crossover visible: direct time "
"stays at the GPU-bound frame time until the round trips exceed it.\n"
"- **Results are verified.** Every run checks what the GPU wrote (frame "
"numbers, readback contents, each allocated BO's first dword copied by "
"CP_MEM_TO_MEM, the trace's `expect` lines). A broken mode fails the run "
"instead of looking fast.\n\n", r->nr_rtts ? r->rtts[0] : 0);
}

static void
write_glance(FILE *f, struct cmp_results *r, unsigned t)
{
   fprintf(f, "## At a glance (%s)\n\n", r->transports[t]);
   fprintf(f, "Ratio to direct at the largest RTT measured, and sync round "
           "trips per iteration (median over the sweep).\n\n| workload | "
           "direct µs/iter |");
   for (unsigned m = 1; m < r->nr_modes; m++)
      fprintf(f, " %s ratio | %s sync RT |", r->modes[m]->name,
              r->modes[m]->name);
   fprintf(f, "\n|---|---|");
   for (unsigned m = 1; m < r->nr_modes; m++)
      fprintf(f, "---|---|");
   fprintf(f, "\n");
   for (unsigned w = 0; w < r->nr_workloads; w++) {
      int k0 = last_point(r, t, w, 0);

      fprintf(f, "| %s | ", r->workloads[w].label);
      if (k0 >= 0)
         fprintf(f, "%.1f |", cmp_cell(r, t, w, 0, (unsigned)k0)->time.median);
      else
         fprintf(f, "failed |");
      for (unsigned m = 1; m < r->nr_modes; m++) {
         int k = last_point(r, t, w, m);

         if (k < 0) {
            fprintf(f, " %s | – |", cell_gap(cmp_cell(r, t, w, m, 0)));
            continue;
         }
         fprintf(f, " %.2f @%u µs | %.2f |",
                 cmp_cell(r, t, w, m, (unsigned)k)->ratio_s.median,
                 r->rtts[k], sweep_median(r, t, w, m, RT_OF));
      }
      fprintf(f, "\n");
   }
   fprintf(f, "\n![sync round trips per iteration](figures/roundtrips-%s.svg)"
           "\n\n", r->transports[t]);
}

static void
write_op_costs(FILE *f, struct cmp_results *r)
{
   if (!r->attribute)
      return;
   fprintf(f, "## Round trips per ws call (measured)\n\n"
           "Sync round trips per call / messages per call, over every "
           "workload of the attribution pass. `–`: not called.\n\n"
           "| ws call | msm ioctls behind it |");
   for (unsigned m = 0; m < r->nr_modes; m++)
      fprintf(f, " %s |", r->modes[m]->name);
   fprintf(f, "\n|---|---|");
   for (unsigned m = 0; m < r->nr_modes; m++)
      fprintf(f, "---|");
   fprintf(f, "\n");
   for (unsigned i = 0; i < WS_OP_COUNT; i++) {
      bool any = false;

      for (unsigned m = 0; m < r->nr_modes; m++)
         for (unsigned t = 0; t < r->nr_transports; t++)
            for (unsigned w = 0; w < r->nr_workloads; w++)
               any |= cmp_attr(r, t, w, m)->op[i].calls > 0;
      if (!any || i == WS_OP_CLOSE)
         continue;
      fprintf(f, "| %s | %s |", ws_op_name(i), ws_op_info(i)->ioctls);
      for (unsigned m = 0; m < r->nr_modes; m++) {
         uint64_t calls = 0, rt = 0, msgs = 0;

         for (unsigned t = 0; t < r->nr_transports; t++)
            for (unsigned w = 0; w < r->nr_workloads; w++) {
               struct cmp_attr *a = cmp_attr(r, t, w, m);

               calls += a->op[i].calls;
               rt += a->op[i].sync_round_trips;
               msgs += a->op[i].messages;
            }
         if (calls)
            fprintf(f, " %.2f / %.2f |", (double)rt / calls,
                    (double)msgs / calls);
         else
            fprintf(f, " – |");
      }
      fprintf(f, "\n");
   }
   fprintf(f, "\n");
}

/* The per-workload table: one row per RTT, columns per mode. */
static void
write_table(FILE *f, struct cmp_results *r, unsigned t, unsigned w)
{
   const struct cmp_workload *cw = &r->workloads[w];
   bool floor = cw->wk->floor_rtts;

   fprintf(f, "| RTT µs | direct µs/%s (min–max) |", cw->wk->unit);
   for (unsigned m = 1; m < r->nr_modes; m++)
      fprintf(f, " %s µs (min–max) | ratio |", r->modes[m]->name);
   if (floor)
      fprintf(f, " floor µs |");
   fprintf(f, "\n|---|---|");
   for (unsigned m = 1; m < r->nr_modes; m++)
      fprintf(f, "---|---|");
   fprintf(f, floor ? "---|\n" : "\n");
   for (unsigned k = 0; k < r->nr_rtts; k++) {
      fprintf(f, "| %u |", r->rtts[k]);
      for (unsigned m = 0; m < r->nr_modes; m++) {
         struct cmp_cell *c = cmp_cell(r, t, w, m, k);

         if (!cell_ok(c)) {
            fprintf(f, m ? " %s | – |" : " %s |", cell_gap(c));
            continue;
         }
         fprintf(f, " %.1f (%.1f–%.1f) |", c->time.median, c->time.min,
                 c->time.max);
         if (m)
            fprintf(f, " %.2f |", c->ratio_s.median);
      }
      if (floor)
         fprintf(f, " %.1f |", cmp_cell(r, t, w, 0, k)->floor_us);
      fprintf(f, "\n");
   }
   fprintf(f, "\n| mode | sync RT/%s | messages/%s | bytes/%s | events/%s |"
           "\n|---|---|---|---|---|\n", cw->wk->unit, cw->wk->unit,
           cw->wk->unit, cw->wk->unit);
   for (unsigned m = 0; m < r->nr_modes; m++) {
      char b[32];

      fmt_bytes(b, sizeof(b), sweep_median(r, t, w, m, BYTES_OF));
      fprintf(f, "| %s | %.2f | %.2f | %s | %.2f |\n", r->modes[m]->name,
              sweep_median(r, t, w, m, RT_OF),
              sweep_median(r, t, w, m, MSGS_OF), b,
              sweep_median(r, t, w, m,
                           offsetof(struct cmp_cell, events_s)));
   }
   fprintf(f, "\n");
}

/* "2.00 submit (GEM_SUBMIT), 1.00 fence_wait (WAIT_FENCE)" */
static unsigned
rt_breakdown(struct cmp_results *r, unsigned t, unsigned w, unsigned m,
             char *buf, size_t len, bool *ops_seen)
{
   struct cmp_attr *a = cmp_attr(r, t, w, m);
   double it = a->iters ? (double)a->iters : 1;
   bool used[WS_OP_COUNT] = { false };
   unsigned n = 0;
   size_t o = 0;

   buf[0] = '\0';
   if (!a->done)
      return 0;
   for (;;) {
      int best = -1;

      for (unsigned i = 0; i < WS_OP_COUNT; i++)
         if (!used[i] && a->op[i].sync_round_trips &&
             (best < 0 || a->op[i].sync_round_trips >
                          a->op[best].sync_round_trips))
            best = (int)i;
      if (best < 0 || o + 1 >= len)
         break;
      used[best] = true;
      if (ops_seen)
         ops_seen[best] = true;
      o += (size_t)snprintf(buf + o, len - o, "%s%.2f in %s (%s; %.2f per "
                            "call)", n ? ", " : "",
                            a->op[best].sync_round_trips / it,
                            ws_op_name(best), ws_op_info(best)->ioctls,
                            (double)a->op[best].sync_round_trips /
                            (double)a->op[best].calls);
      n++;
   }
   return n;
}

static void
write_why(FILE *f, struct cmp_results *r, unsigned t, unsigned w)
{
   const struct cmp_workload *cw = &r->workloads[w];
   const char *unit = cw->wk->unit;
   bool ops_seen[WS_OP_COUNT] = { false };

   fprintf(f, "**Why.**");
   if (r->nr_modes == 1) {
      fprintf(f, " Only host-direct was measured in this build, so there is "
              "no gap to explain yet. Direct sends no messages (%.2f sync "
              "round trips per %s) and is the physical limit the other modes "
              "will be measured against.\n\n",
              sweep_median(r, t, w, 0, RT_OF), unit);
      return;
   }
   fprintf(f, "\n\n");
   for (unsigned m = 1; m < r->nr_modes; m++) {
      double rt = sweep_median(r, t, w, m, RT_OF);
      double msgs = sweep_median(r, t, w, m, MSGS_OF);
      double slope = time_slope(r, t, w, m);
      int k = last_point(r, t, w, m);
      char bd[2048];

      fprintf(f, "- **%s** ", r->modes[m]->name);
      if (k < 0) {
         if (cmp_cell(r, t, w, m, 0)->unsupported)
            fprintf(f, "does not run here: %s.\n",
                    cmp_cell(r, t, w, m, 0)->error);
         else
            fprintf(f, "failed; see the JSON for the error.\n");
         continue;
      }
      if (rt < 0.05) {
         fprintf(f, "waits for the host %.2f times per %s. Its %.1f messages "
                 "per %s are sent without waiting and pipeline behind each "
                 "other, so RTT delays when work starts on the host but not "
                 "how much work can be in flight. Each µs of RTT adds %.2f µs "
                 "per %s (least squares over RTT ≥ %u µs).",
                 rt, unit, msgs, unit, slope, unit, slope_from_rtt(r));
      } else {
         rt_breakdown(r, t, w, m, bd, sizeof(bd), ops_seen);
         fprintf(f, "pays **%.2f synchronous round trips per %s**", rt, unit);
         if (bd[0])
            fprintf(f, ": %s", bd);
         fprintf(f, ". Each µs of RTT adds %.2f µs per %s (least squares "
                 "over RTT ≥ %u µs), while %.2f serial round trips would add "
                 "%.2f. ", slope, unit, slope_from_rtt(r), rt, rt);
         if (slope >= 0.75 * rt && slope <= 1.25 * rt + 0.2)
            fprintf(f, "The time *is* the round trips: each is serial with "
                    "the CPU's work, which is the seed's \"too "
                    "synchronous!\".");
         else if (slope < 0.1 * rt)
            fprintf(f, "Yet the time hardly depends on RTT. Either all of "
                    "the waiting hides behind GPU time the %s waits for "
                    "anyway, or this mode's channel does not apply the "
                    "latency model (check its rtt_us).", unit);
         else if (slope < 0.75 * rt)
            fprintf(f, "Part of that waiting overlaps something that "
                    "takes time anyway: GPU work the throttle keeps queued, "
                    "or the channel's own transit time, which the latency "
                    "model hides inside the modelled delay.");
         else
            fprintf(f, "That is more than the round trips alone: every "
                    "message also costs host-side wakeups and copies.");
      }
      {
         struct cmp_cell *c = cmp_cell(r, t, w, m, (unsigned)k);
         struct cmp_cell *d = cmp_cell(r, t, w, 0, (unsigned)k);

         fprintf(f, " At %u µs RTT: %.1f µs per %s against direct's %.1f "
                 "(ratio %.2f).", r->rtts[k], c->time.median, unit,
                 d->time.median, c->ratio_s.median);
         if (c->floor_us > 0 && c->time.median >= c->floor_us)
            fprintf(f, " The physical floor there is %.1f µs (direct + %u "
                    "RTT), so %s is %.1f µs above it.", c->floor_us,
                    cw->wk->floor_rtts, r->modes[m]->name,
                    c->time.median - c->floor_us);
         else if (c->floor_us > 0)
            fprintf(f, " That is *below* the physical floor of %.1f µs "
                    "(direct + %u RTT), which a mode that pays the "
                    "modelled latency cannot be: its channel does not "
                    "apply rtt_us.", c->floor_us, cw->wk->floor_rtts);
      }
      fprintf(f, "\n");
   }
   for (unsigned i = 0; i < WS_OP_COUNT; i++)
      if (ops_seen[i] && ws_op_info(i)->why)
         fprintf(f, "- *%s*: %s.\n", ws_op_name(i), ws_op_info(i)->why);
   fprintf(f, "\n");
}

/* The ws calls one iteration makes, i.e. what each mode has to carry to
 * the host.  Only timing makes the modes' lists differ. */
static void
write_calls(FILE *f, struct cmp_results *r, unsigned t, unsigned w)
{
   const struct cmp_cell *c = NULL;
   bool first = true;

   for (unsigned k = 0; k < r->nr_rtts && !c; k++)
      if (cell_ok(cmp_cell(r, t, w, 0, k)))
         c = cmp_cell(r, t, w, 0, k);
   if (!c)
      return;
   fprintf(f, "ws calls per %s, as direct made them (other modes make the "
           "same calls, except that timing decides whether a fence wait is "
           "needed and whether a cached BO is idle for reuse):",
           r->workloads[w].wk->unit);
   for (unsigned i = 0; i < WS_OP_COUNT; i++) {
      if (c->op_calls[i] <= 0)
         continue;
      fprintf(f, "%s %s %.2f", first ? "" : ",", ws_op_name(i),
              c->op_calls[i]);
      first = false;
   }
   fprintf(f, "%s.\n\n", first ? " none" : "");
}

static void
write_workload(FILE *f, struct cmp_results *r, unsigned t, unsigned w)
{
   const struct cmp_workload *cw = &r->workloads[w];

   fprintf(f, "### %s (%s)\n\n%s.", cw->label, r->transports[t], cw->wk->what);
   if (cw->trace)
      fprintf(f, " This trace has %u ops: %u bo_new, %u submits, %u waits.",
              cw->trace->nr_ops, cw->trace->nr_bo_news, cw->trace->nr_submits,
              cw->trace->nr_waits);
   fprintf(f, " One iteration = one %s.\n\n", cw->wk->unit);
   write_calls(f, r, t, w);
   fprintf(f, "![%s: time per %s vs RTT](figures/time-%s-%s.svg)\n\n",
           cw->label, cw->wk->unit, cw->slug, r->transports[t]);
   write_table(f, r, t, w);
   write_why(f, r, t, w);
}

/* "mesa GLES": the replay of a trace captured from unmodified mesa, with
 * the ioctl stream it came from. */
static void
write_mesa(FILE *f, struct cmp_results *r)
{
   bool any = false;

   for (unsigned w = 0; w < r->nr_workloads; w++)
      any |= r->workloads[w].trace && trace_from_mesa(r->workloads[w].trace);
   if (!any)
      return;
   fprintf(f, "## mesa GLES\n\n"
           "Unmodified mesa (freedreno) rendering with the GLES client in the "
           "QEMU guest, on the forwarded render node: `msmvirt-cuse --trace` "
           "recorded every ioctl that reached the host, and `msmvirt "
           "trace-convert` turned the stream into the ws calls a "
           "native-context driver would make for the same work (GEM handles "
           "become BO ids, each submit keeps its real BO table and command "
           "regions; the command streams themselves are not recorded, so "
           "GPU time is modelled per submit). `tests/mesa/"
           "capture-gles-trace.sh` makes the trace. One iteration replays "
           "the whole run: start-up, the frames, teardown.\n\n");
   for (unsigned t = 0; t < r->nr_transports; t++)
      for (unsigned w = 0; w < r->nr_workloads; w++) {
         const struct cmp_workload *cw = &r->workloads[w];
         const struct trace *tr = cw->trace;
         uint64_t total = 0, dropped = 0, failed = 0;
         double frames;

         if (!tr || !trace_from_mesa(tr))
            continue;
         frames = tr->frames ? (double)tr->frames : 0;
         fprintf(f, "### %s (%s)\n\n", cw->label, r->transports[t]);
         if (tr->source)
            fprintf(f, "Captured: %s. ", tr->source);
         fprintf(f, "The replay has %u ws calls: %u bo_new, %u submits, %u "
                 "waits.\n\n", tr->nr_ops, tr->nr_bo_news, tr->nr_submits,
                 tr->nr_waits);
         fprintf(f, "![%s: time per %s vs RTT](figures/time-%s-%s.svg)\n\n",
                 cw->label, cw->wk->unit, cw->slug, r->transports[t]);
         write_table(f, r, t, w);

         /* Sync round trips: measured per run, and per frame. */
         fprintf(f, "| mode | sync RT per run | sync RT per frame (run ÷ "
                 "frames) | messages per run |\n|---|---|---|---|\n");
         for (unsigned m = 0; m < r->nr_modes; m++) {
            double rt = sweep_median(r, t, w, m, RT_OF);

            if (last_point(r, t, w, m) < 0) {
               fprintf(f, "| %s | %s | – | – |\n", r->modes[m]->name,
                       cell_gap(cmp_cell(r, t, w, m, 0)));
               continue;
            }
            fprintf(f, "| %s | %.2f |", r->modes[m]->name, rt);
            if (frames > 0)
               fprintf(f, " %.2f |", rt / frames);
            else
               fprintf(f, " – |");
            fprintf(f, " %.2f |\n", sweep_median(r, t, w, m, MSGS_OF));
         }
         fprintf(f, "\n");

         if (!tr->nr_ioctls)
            continue;
         /* The original stream: each ioctl a synchronous round trip under
          * forward. */
         for (unsigned i = 0; i < tr->nr_ioctls; i++)
            total += tr->ioctls[i].n;
         for (unsigned i = 0; i < tr->nr_dropped; i++)
            if (!i2t_replayed_as(tr->dropped[i].name))
               dropped += tr->dropped[i].n;
         for (unsigned i = 0; i < tr->nr_failed; i++)
            failed += tr->failed[i].n;
         fprintf(f, "The ioctls mesa issued, as the daemon recorded them. "
                 "Under forward each one is a synchronous round trip: "
                 "**%" PRIu64 " per run**", total);
         if (frames > 0)
            fprintf(f, " over %u frames (%.1f per frame, start-up and "
                    "teardown included)", tr->frames, (double)total / frames);
         fprintf(f, ". %" PRIu64 " of them have no ws call and are not "
                 "replayed (VERSION and GET_CAP are device queries a "
                 "native-context driver answers from its capset)", dropped);
         if (failed) {
            fprintf(f, ", nor are the %" PRIu64 " that failed (", failed);
            for (unsigned i = 0; i < tr->nr_failed; i++)
               fprintf(f, "%s%s ×%" PRIu64, i ? ", " : "",
                       tr->failed[i].name, tr->failed[i].n);
            fprintf(f, ")");
         }
         fprintf(f, ".\n\n| ioctl | issued | per frame | replayed as |\n"
                 "|---|---|---|---|\n");
         for (unsigned i = 0; i < tr->nr_ioctls; i++) {
            const struct trace_count *c = &tr->ioctls[i];
            const char *ws = i2t_replayed_as(c->name);

            fprintf(f, "| %s | %" PRIu64 " |", c->name, c->n);
            if (frames > 0)
               fprintf(f, " %.2f |", (double)c->n / frames);
            else
               fprintf(f, " – |");
            fprintf(f, " %s |\n", ws ? ws : "– (dropped)");
         }
         fprintf(f, "| **total** | **%" PRIu64 "** |", total);
         if (frames > 0)
            fprintf(f, " **%.2f** |", (double)total / frames);
         else
            fprintf(f, " – |");
         fprintf(f, " |\n\n");
         for (unsigned m = 1; m < r->nr_modes; m++) {
            double rt = sweep_median(r, t, w, m, RT_OF);

            if (last_point(r, t, w, m) < 0)
               continue;
            fprintf(f, "- **%s** replays them with %.2f sync round trips per "
                    "run (%.1f%% of the ioctl count).\n", r->modes[m]->name,
                    rt, total ? 100.0 * rt / (double)total : 0.0);
         }
         fprintf(f, "\n");
      }
}

/* The format's lines, one row per verb of the parser's own table; a '|'
 * inside a code span is escaped for the markdown table. */
static void
write_trace_verbs(FILE *f)
{
   for (unsigned t = 0; t < TRACE_OP_COUNT; t++) {
      const struct trace_verb_info *v = trace_verb_info(t);

      fputs("| `", f);
      for (const char *c = v->usage; *c; c++) {
         if (*c == '|')
            fputs("\\|", f);
         else
            fputc(*c, f);
      }
      fprintf(f, "` | %s |%s%s |\n", v->does, *v->ioctls ? " " : "",
              v->ioctls);
   }
}

static void
write_formats(FILE *f)
{
   fprintf(f,
"## Trace format\n\n"
"`--workloads trace:FILE` replays a recorded trace, one pass per "
"iteration. The format is line-oriented text with one ws-level call per "
"line. BOs and queues have symbolic names, so a trace can be written by hand "
"or translated from an msm ioctl trace: GEM handles become BO ids, "
"submitqueue ids become `qN`, and a WAIT_FENCE's fence number becomes the "
"label of the submit that returned it. `#` starts a comment. Numbers are "
"decimal or `0x` hex. Sizes, offsets and lengths also take `K`/`M` "
"suffixes. Errors name the file and line.\n\n"
"| line | ws call | msm ioctl(s) |\n|---|---|---|\n"
"| `msmvirt-trace 1` | (header: the first line that is not a comment) | |\n");
   write_trace_verbs(f);
   fprintf(f, "\n"
"The contents of command streams are not recorded, only where they are. "
"The replayer writes a stream of its own into each `cmds=` region (a "
"`CP_NOP` delay marker for `gpu_us`, a `CP_MEM_WRITE` per `write=`, and "
"NOPs for the rest of the region). A submit without `cmds=` gets a region "
"in a command BO the replayer owns. `write=` and `expect` are there so a "
"trace can check its results. Whatever a pass leaves open is closed at its "
"end. The parser checks, with line numbers, that every BO id is live where "
"it is used, that queues exist, that every waited fence label comes from an "
"earlier submit on that queue, and that regions lie inside their BOs. "
"`tests/tools/sample.trace` is a small example.\n\n"
"`msmvirt trace-convert [--regions FILE] [--gpu-us N] [--cpu-scale F] "
"[--frames N] [--source TEXT] IN OUT` translates an `msmvirt-cuse --trace` "
"ioctl log into this format (tools/ioctl2trace.h has the ioctl-to-line "
"table). GEM_NEW and its GEM_INFO(IOVA) become one `bo_new`, the first "
"GEM_INFO(OFFSET) of a BO becomes `map`, and a submit keeps its BO table "
"and command regions (from the `--regions` log that "
"`tests/mesa/regions_preload.c` writes in the client, because the daemon "
"records only each ioctl's struct). Its fence becomes a label that later "
"WAIT_FENCEs name. GPU time is `--gpu-us` per submit (default 50). The "
"time between ioctls becomes `cpu_us` only with `--cpu-scale`, because a "
"TCG guest runs the application far slower than a real CPU. Ioctls with no "
"ws call (VERSION, GET_CAP, SYNCOBJ_*) and failed ones are dropped. Whole-line "
"header comments keep the original stream for the report: `# source:`, "
"`# frames:`, `# ioctl counts: NAME=N ...`, `# dropped: ...`, "
"`# failed: ...`. A handle that was never created, or a wait on a fence no "
"submit returned, is an error that names the input line. "
"`tests/tools/mesa-gles.trace` is such a capture (see \"mesa GLES\").\n\n"
"## Profile format\n\n"
"INI (inih). One section per workload, keys as in the parameter table "
"above, plus `iters`, `quick_iters` and `warmup` in each section. "
"`[alloc] sizes` is a weighted size mix such as `4K:50,64K:30,1M:15,4M:5`. "
"Unknown sections or keys and out-of-range values are errors that give "
"the file and line.\n\n"
"## JSON fields\n\n"
"`--json FILE` writes `{schema, header, records, attribution, op_costs, "
"failed}`. `header` holds the date, machine (nproc, CPU model, kernel), "
"git_rev, command, sim timing, RTT sweep, modes, skipped modes and the "
"per-workload parameters. There is one record per (workload, mode, rtt_us, "
"transport) with `iters`, `repeat`, `time_per_iter_us` "
"{median,min,max,spread}, `ratio_to_direct` (median of direct time / mode "
"time), `ratio_to_direct_range`, `sync_round_trips_per_iter`, "
"`messages_per_iter`, `bytes_per_iter`, `events_per_iter`, "
"`ws_calls_per_iter`, and, for workloads with a floor, "
"`physical_floor_us` (direct time + the unavoidable round trips x RTT: the "
"best any remote mode can do at that point), or `error`. `attribution` gives the per-op round trips per iteration of "
"the untimed pass, and `op_costs` the per-call cost of each ws op per "
"mode.\n");
}

int
cmp_write_report(struct cmp_results *r, const char *dir)
{
   char path[4096], figdir[2048];
   bool figs_ok = true;
   FILE *f;

   if (!dir || strlen(dir) > 1024)
      return -ENAMETOOLONG;
   snprintf(figdir, sizeof(figdir), "%s/figures", dir);
   if ((mkdir(dir, 0755) && errno != EEXIST) ||
       (mkdir(figdir, 0755) && errno != EEXIST))
      return -errno;

   for (unsigned t = 0; t < r->nr_transports; t++) {
      int ret;

      for (unsigned w = 0; w < r->nr_workloads && figs_ok; w++) {
         snprintf(path, sizeof(path), "%s/time-%s-%s.svg", figdir,
                  r->workloads[w].slug, r->transports[t]);
         ret = fig_time_vs_rtt(r, t, w, path);
         if (ret) {
            fprintf(stderr, "msmvirt compare: gnuplot failed for %s (%s); "
                    "figures are missing\n", path, strerror(-ret));
            figs_ok = false;
         }
      }
      snprintf(path, sizeof(path), "%s/roundtrips-%s.svg", figdir,
               r->transports[t]);
      if (figs_ok && fig_round_trips(r, t, path)) {
         fprintf(stderr, "msmvirt compare: gnuplot failed for %s\n", path);
         figs_ok = false;
      }
   }

   snprintf(path, sizeof(path), "%s/evaluation.md", dir);
   f = fopen(path, "w");
   if (!f)
      return -errno;
   fprintf(f, "# Evaluation: nativectx vs render-node forwarding\n\n"
           "*Generated by `msmvirt compare`; do not edit. Regenerate "
           "with%s:*\n\n```\n%s%s\n```\n\n",
           r->real_json ? " `./run.sh`, which runs" : "",
           r->real_json ? report_real_command(r) : "", r->hdr.command);
   if (!figs_ok)
      fprintf(f, "> The figures could not be drawn (is gnuplot installed?); "
              "the tables below are complete.\n\n");
   if (r->failed)
      fprintf(f, "> **Some runs failed** (verification or transport "
              "errors); their cells say `failed` and the JSON has the "
              "messages.\n\n");
   write_setup(f, r);
   report_write_clock(f, r);
   write_method(f, r);
   for (unsigned t = 0; t < r->nr_transports; t++)
      write_glance(f, r, t);
   for (unsigned t = 0; t < r->nr_transports; t++)
      report_write_breakdown(f, r, t, figdir);
   report_write_validation(f, r);
   report_write_targets(f, r);
   write_op_costs(f, r);
   fprintf(f, "## Workloads\n\n");
   for (unsigned t = 0; t < r->nr_transports; t++)
      for (unsigned w = 0; w < r->nr_workloads; w++)
         write_workload(f, r, t, w);
   write_mesa(f, r);
   write_formats(f);
   if (fclose(f))
      return -EIO;
   return 0;
}
