/*
 * compare.c - `msmvirt compare`: run the workloads through every mode over
 * a sweep of modelled round-trip times, next to host-direct, and write the
 * JSON and the report.
 *
 * Loop order, innermost first: mode, repetition, RTT, workload, transport.
 * So each mode's repetition runs right after direct's at the same point,
 * and slow drift of the machine hits both sides of every ratio alike.
 */
#include <errno.h>
#include <stddef.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compare.h"
#include "trace.h"

static const uint32_t default_rtts[] = { 0, 1, 2, 5, 10, 20, 50, 100, 200 };
static const uint32_t quick_rtts[] = { 0, 20, 100 };

void (*cmp_start_virtual)(void);

/* The cost model's flags: one row per constant (vclock.h). */
static const struct cost_flag {
   const char *name;
   size_t off;
   const char *what;
} cost_flags[] = {
   { "cost-guest-op-ns", offsetof(struct vclock_costs, guest_op_ns),
     "guest driver CPU per ws call" },
   { "cost-host-op-ns", offsetof(struct vclock_costs, host_op_ns),
     "host CPU per request run on the core" },
   { "cost-msg-ns", offsetof(struct vclock_costs, msg_ns),
     "CPU to frame one message, each side" },
   { "cost-byte-ps", offsetof(struct vclock_costs, byte_ps),
     "CPU per message byte, each side (picoseconds)" },
   { "cost-exit-ns", offsetof(struct vclock_costs, vm_exit_ns),
     "guest CPU per VM exit (each guest->host message)" },
   { "cost-irq-ns", offsetof(struct vclock_costs, irq_ns),
     "guest CPU per injected interrupt (each reply or event)" },
   { "cost-wake-ns", offsetof(struct vclock_costs, wake_ns),
     "latency of one thread waking another (any side)" },
};
#define NR_COST_FLAGS (sizeof(cost_flags) / sizeof(cost_flags[0]))

const char *
cmp_cost_flag(unsigned i, uint64_t **field, const char **what,
              struct vclock_costs *c)
{
   if (i >= NR_COST_FLAGS)
      return NULL;
   *field = (uint64_t *)((char *)c + cost_flags[i].off);
   *what = cost_flags[i].what;
   return cost_flags[i].name;
}
static const char *const default_workloads =
   "frame,alloc,dispatch,readback,startup";

static void
usage(FILE *f)
{
   fprintf(f,
      "usage: msmvirt compare [options]\n"
      "  --workloads LIST  %s[,trace:FILE]\n"
      "  --modes LIST      direct,forward,nativectx (default: all; modes not\n"
      "                    in this build are skipped with a note)\n"
      "  --rtt-us LIST     modelled round trips in us (default 0,1,2,5,10,20,50,100,200)\n"
      "  --clock virtual|real  virtual (default): deterministic time, one thread\n"
      "                    at a time, the CPU cost model below; real: wall clock\n"
      "  --cost-NAME N     the virtual clock's CPU cost model (defaults):\n"
      "                    guest-op-ns, host-op-ns, msg-ns, byte-ps, exit-ns,\n"
      "                    irq-ns, wake-ns (see the report's Clock section)\n"
      "  --breakdown-rtt N the critical-path figures' RTT (default 50)\n"
      "  --real-json FILE  a --clock real run's JSON to validate against in\n"
      "                    the report\n"
      "  --transport LIST  inproc, socket and/or node (default inproc); node:\n"
      "                    inside a guest, nativectx on the virtio_gpu node\n"
      "                    ($MSMVIRT_NODE, default /dev/dri/renderD128, under\n"
      "                    libmsmvirt-preload.so; the host is outside)\n"
      "  --repeat N        repetitions of every point (default 5; virtual: 1)\n"
      "  --iters N         timed iterations of every workload (default: profile)\n"
      "  --quick           small sweep: quick_iters, RTT 0,20,100, repeat 2\n"
      "  --profile FILE    workload parameters (INI; see docs/evaluation.md)\n"
      "  --chip NAME       sim chip (default a630)\n"
      "  --no-attribution  skip the untimed per-op round-trip pass\n"
      "  --json FILE       machine-readable results\n"
      "  --report DIR      DIR/evaluation.md and DIR/figures/*.svg\n"
      "  -q, --quiet       no progress line\n",
      default_workloads);
}

static int
parse_u32_list(const char *s, uint32_t *out, unsigned max, unsigned *n)
{
   char buf[512], *save = NULL;

   if (strlen(s) >= sizeof(buf))
      return -EINVAL;
   strcpy(buf, s);
   *n = 0;
   for (char *tok = strtok_r(buf, ",", &save); tok;
        tok = strtok_r(NULL, ",", &save)) {
      char *end;
      unsigned long v = strtoul(tok, &end, 10);

      if (*n == max || end == tok || *end || *tok == '-' || v > CMP_MAX_RTT_US)
         return -EINVAL;
      out[(*n)++] = (uint32_t)v;
   }
   return *n ? 0 : -EINVAL;
}

static void
make_slug(struct cmp_workload *cw)
{
   const char *name = cw->label;

   if (cw->trace) {
      const char *base = strrchr(cw->label, '/');
      base = base ? base + 1 : cw->label + strlen("trace:");
      snprintf(cw->slug, sizeof(cw->slug), "trace-%s", base);
   } else {
      snprintf(cw->slug, sizeof(cw->slug), "%s", name);
   }
   for (char *c = cw->slug; *c; c++) {
      if (*c == '.' && !strcmp(c, ".trace")) {
         *c = '\0';
         break;
      }
      if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
            (*c >= '0' && *c <= '9') || *c == '-' || *c == '_'))
         *c = '_';
   }
}

static int
parse_workloads(struct cmp_results *r, const char *list)
{
   char buf[2048], *save = NULL;

   if (strlen(list) >= sizeof(buf))
      return -EINVAL;
   strcpy(buf, list);
   for (char *tok = strtok_r(buf, ",", &save); tok;
        tok = strtok_r(NULL, ",", &save)) {
      struct cmp_workload *cw = &r->workloads[r->nr_workloads];
      bool is_trace = !strncmp(tok, "trace:", 6);

      if (r->nr_workloads == CMP_MAX_WORKLOADS) {
         fprintf(stderr, "msmvirt compare: too many workloads\n");
         return -E2BIG;
      }
      memset(cw, 0, sizeof(*cw));
      cw->wk = workload_find(is_trace ? "trace" : tok);
      if (!cw->wk || (!is_trace && !strcmp(tok, "trace"))) {
         fprintf(stderr, "msmvirt compare: unknown workload '%s' (have: %s,"
                 "trace:FILE)\n", tok, default_workloads);
         return -EINVAL;
      }
      snprintf(cw->label, sizeof(cw->label), "%s", tok);
      if (is_trace) {
         char err[512];
         int ret = trace_parse_file(tok + 6, &cw->trace, err, sizeof(err));

         if (ret) {
            fprintf(stderr, "msmvirt compare: %s\n", err);
            return ret;
         }
      }
      make_slug(cw);
      r->nr_workloads++;
   }
   return r->nr_workloads ? 0 : -EINVAL;
}

static int
parse_modes(struct cmp_results *r, const char *list)
{
   char buf[256], *save = NULL;
   const struct mode *direct = mode_find("direct");

   if (strlen(list) >= sizeof(buf))
      return -EINVAL;
   strcpy(buf, list);
   /* Direct is every ratio's denominator: always measured, always first. */
   r->modes[r->nr_modes++] = direct;
   for (char *tok = strtok_r(buf, ",", &save); tok;
        tok = strtok_r(NULL, ",", &save)) {
      const struct mode *m = mode_find(tok);

      if (!m) {
         fprintf(stderr, "msmvirt compare: unknown mode '%s' (have: direct,"
                 " forward, nativectx)\n", tok);
         return -EINVAL;
      }
      if (m == direct)
         continue;
      for (unsigned i = 0; i < r->nr_modes; i++)
         if (r->modes[i] == m)
            m = NULL;
      for (unsigned i = 0; m && i < r->nr_skipped; i++)
         if (r->skipped[i] == m)
            m = NULL;
      if (!m)
         continue;
      if (mode_available(m))
         r->modes[r->nr_modes++] = m;
      else
         r->skipped[r->nr_skipped++] = m;
   }
   return 0;
}

static int
parse_transports(struct cmp_results *r, const char *list)
{
   static const char *const known[] = { "inproc", "socket", "node" };
   const unsigned nr_known = sizeof(known) / sizeof(known[0]);
   char buf[128], *save = NULL;

   if (strlen(list) >= sizeof(buf))
      return -EINVAL;
   strcpy(buf, list);
   for (char *tok = strtok_r(buf, ",", &save); tok;
        tok = strtok_r(NULL, ",", &save)) {
      unsigned i;

      for (i = 0; i < nr_known; i++)
         if (!strcmp(tok, known[i]))
            break;
      if (i == nr_known || r->nr_transports == CMP_MAX_TRANSPORTS) {
         fprintf(stderr, "msmvirt compare: unknown transport '%s' (have: "
                 "inproc, socket, node)\n", tok);
         return -EINVAL;
      }
      r->transports[r->nr_transports++] = known[i];
   }
   return r->nr_transports ? 0 : -EINVAL;
}

/* ------------------------------------------------------------ running */

struct progress {
   bool on, tty;
   unsigned done, total;
   uint64_t t0, last;
   const char *last_wl;
};

static void
progress_show(struct progress *pg, const struct cmp_results *r,
              const char *transport, const char *wk, const char *mode,
              uint32_t rtt, unsigned rep)
{
   double el, eta;

   if (!pg->on)
      return;
   /* A log file gets a line per workload and then one every 10 s; a
    * terminal gets a line that rewrites itself. */
   if (!pg->tty) {
      uint64_t now = vclock_wall_ns();

      if (pg->last_wl == wk && now - pg->last < 10000000000ull)
         return;
      pg->last_wl = wk;
      pg->last = now;
   }
   el = (double)(vclock_wall_ns() - pg->t0) / 1e9;
   eta = pg->done ? el / pg->done * (pg->total - pg->done) : 0;
   fprintf(stderr, "%s[compare] %3u%% %s %s %-9s rtt=%-3u rep %u/%u  "
           "elapsed %.0fs, ~%.0fs left%s",
           pg->tty ? "\r" : "", pg->total ? pg->done * 100 / pg->total : 0,
           transport, wk, mode, rtt, rep + 1, r->repeat, el, eta,
           pg->tty ? "   " : "\n");
   fflush(stderr);
}

/* One run of one workload on one mode at one point. */
static int
run_one(struct cmp_results *r, const struct cmp_workload *cw,
        const struct mode *mode, uint32_t rtt, const char *transport,
        uint32_t iters, bool attribute, struct wk_sample *out,
        char *err, size_t errlen)
{
   struct mode_ctx m;
   struct wk_run run = {
      .prof = &r->prof, .trace = cw->trace, .iters = iters,
      .warmup = cw->warmup, .attribute = attribute,
   };
   int ret;

   memset(out, 0, sizeof(*out));
   ret = mode_setup(&m, mode, &r->core_cfg, rtt, transport);
   if (ret) {
      snprintf(err, errlen, "%s setup (rtt %u, %s): %s", mode->name, rtt,
               transport, strerror(-ret));
      return ret;
   }
   run.mode = &m;
   ret = cw->wk->run(&run, out);
   mode_teardown(&m);
   if (ret) {
      /* The workload's own message is the useful part: keep it whole. */
      int n = snprintf(err, errlen, "%s on %s (rtt %u us, %s): ", cw->label,
                       mode->name, rtt, transport);

      const char *why = run.err[0] ? run.err : strerror(-ret);

      if (n > 0 && (size_t)n < errlen) {
         size_t room = errlen - (size_t)n - 1, len = strlen(why);

         len = len < room ? len : room;
         memcpy(err + n, why, len);
         err[(size_t)n + len] = '\0';
      }
   }
   return ret;
}

static void
record(struct cmp_cell *c, const struct wk_sample *s, double direct_us)
{
   double it = s->iters ? (double)s->iters : 1;
   unsigned i = c->nr++;

   c->iters = s->iters;
   c->time_us[i] = (double)s->elapsed_ns / 1e3 / it;
   c->ratio[i] = c->time_us[i] > 0 ? direct_us / c->time_us[i] : 0;
   c->rt[i] = (double)s->st.sync_round_trips / it;
   c->msgs[i] = (double)s->st.messages / it;
   c->bytes[i] = (double)s->st.bytes / it;
   c->events[i] = (double)s->st.events / it;
   for (unsigned o = 0; o < WS_OP_COUNT; o++)
      c->op_calls[o] = (double)s->op[o].calls / it;
   for (unsigned k = 0; k < VC_NCAT; k++)
      c->cp_us[k] = (double)s->path_ns[k] / 1e3 / it;
}

void
cmp_summarize(struct cmp_results *r)
{
   for (unsigned t = 0; t < r->nr_transports; t++)
      for (unsigned w = 0; w < r->nr_workloads; w++)
         for (unsigned m = 0; m < r->nr_modes; m++)
            for (unsigned k = 0; k < r->nr_rtts; k++) {
               struct cmp_cell *c = cmp_cell(r, t, w, m, k);
               struct cmp_cell *d = cmp_cell(r, t, w, 0, k);

               stat_summarize(c->time_us, c->nr, &c->time);
               stat_summarize(c->ratio, c->nr, &c->ratio_s);
               stat_summarize(c->rt, c->nr, &c->rt_s);
               stat_summarize(c->msgs, c->nr, &c->msgs_s);
               stat_summarize(c->bytes, c->nr, &c->bytes_s);
               stat_summarize(c->events, c->nr, &c->events_s);
               /* The best any remote mode can do at this RTT. */
               if (r->workloads[w].wk->floor_rtts && d->nr)
                  c->floor_us = d->time.median +
                                r->workloads[w].wk->floor_rtts *
                                (double)r->rtts[k];
            }
}

void
cmp_sweep(struct cmp_results *r, bool progress)
{
   struct progress pg = {
      .on = progress, .tty = isatty(2), .t0 = vclock_wall_ns(),
   };
   struct wk_sample s;
   char err[512];
   int ret;

   pg.total = r->nr_transports * r->nr_workloads * r->nr_rtts * r->repeat *
              r->nr_modes;
   for (unsigned t = 0; t < r->nr_transports; t++) {
      const char *tr = r->transports[t];

      for (unsigned w = 0; w < r->nr_workloads; w++) {
         struct cmp_workload *cw = &r->workloads[w];

         /* Per-op attribution: once per mode, untimed, at the first RTT. */
         for (unsigned m = 0; r->attribute && m < r->nr_modes; m++) {
            struct cmp_attr *a = cmp_attr(r, t, w, m);

            progress_show(&pg, r, tr, cw->label, r->modes[m]->name,
                          r->rtts[0], 0);
            ret = run_one(r, cw, r->modes[m], r->rtts[0], tr, cw->iters,
                          true, &s, a->error, sizeof(a->error));
            if (ret == -EOPNOTSUPP) {
               /* Not a failure: this mode does not run on this transport
                * in this build.  Said once here, n/a in the results. */
               fprintf(stderr, "%smsmvirt compare: skipping %s on %s: %s\n",
                       pg.tty ? "\n" : "", r->modes[m]->name, tr, a->error);
               a->unsupported = true;
               continue;
            }
            if (ret) {
               fprintf(stderr, "%smsmvirt compare: %s\n", pg.tty ? "\n" : "",
                       a->error);
               r->failed = true;
               continue;
            }
            a->done = true;
            a->rtt_us = r->rtts[0];
            a->iters = s.iters;
            memcpy(a->op, s.op, sizeof(a->op));
         }

         for (unsigned k = 0; k < r->nr_rtts; k++) {
            for (unsigned rep = 0; rep < r->repeat; rep++) {
               struct cmp_cell *dc = cmp_cell(r, t, w, 0, k);
               double direct_us = 0;

               for (unsigned m = 0; m < r->nr_modes; m++) {
                  struct cmp_cell *c = cmp_cell(r, t, w, m, k);

                  progress_show(&pg, r, tr, cw->label, r->modes[m]->name,
                                r->rtts[k], rep);
                  pg.done++;
                  if (c->error[0] || (m > 0 && dc->error[0]))
                     continue;
                  ret = run_one(r, cw, r->modes[m], r->rtts[k], tr, cw->iters,
                                false, &s, err, sizeof(err));
                  if (ret) {
                     snprintf(c->error, sizeof(c->error), "%s", err);
                     c->unsupported = ret == -EOPNOTSUPP;
                     if (!c->unsupported) {
                        fprintf(stderr, "%smsmvirt compare: %s\n",
                                pg.tty ? "\n" : "", err);
                        r->failed = true;
                     }
                     continue;
                  }
                  if (m == 0)
                     direct_us = (double)s.elapsed_ns / 1e3 /
                                 (double)(s.iters ? s.iters : 1);
                  record(c, &s, direct_us);
               }
            }
         }
      }
   }
   if (pg.on && pg.tty)
      fprintf(stderr, "\n");
}

/* ------------------------------------------------------------ summary */

static void
print_summary(struct cmp_results *r)
{
   for (unsigned t = 0; t < r->nr_transports; t++) {
      for (unsigned w = 0; w < r->nr_workloads; w++) {
         const struct cmp_workload *cw = &r->workloads[w];

         printf("%s (%s, us per %s):\n", cw->label, r->transports[t],
                cw->wk->unit);
         printf("  %-10s %6s %12s %12s %8s %8s %8s\n", "mode", "rtt",
                "median", "min-max", "ratio", "syncRT", "msgs");
         for (unsigned m = 0; m < r->nr_modes; m++)
            for (unsigned k = 0; k < r->nr_rtts; k++) {
               struct cmp_cell *c = cmp_cell(r, t, w, m, k);
               char mm[32];

               if (c->error[0] || !c->nr) {
                  printf("  %-10s %6u  %s: %s\n", r->modes[m]->name,
                         r->rtts[k], c->unsupported ? "n/a" : "failed",
                         c->error[0] ? c->error : "not run");
                  continue;
               }
               snprintf(mm, sizeof(mm), "%.1f-%.1f", c->time.min,
                        c->time.max);
               printf("  %-10s %6u %12.1f %12s %8.3f %8.2f %8.2f",
                      r->modes[m]->name, r->rtts[k], c->time.median, mm,
                      c->ratio_s.median, c->rt_s.median, c->msgs_s.median);
               /* The critical path, where the clock can tell it. */
               for (unsigned i = 0; r->virt && i < VC_NCAT; i++)
                  printf(" %s=%.1f", vc_cat_name[i], c->cp_us[i]);
               printf("\n");
            }
      }
   }
   for (unsigned i = 0; i < r->nr_skipped; i++)
      printf("skipped %s: %s\n", r->skipped[i]->name, r->skipped[i]->missing);
}

/* What the command line asked for, before it is checked and applied. */
struct compare_cli {
   const char *wk_list, *mode_list, *rtt_list, *tr_list, *profile;
   const char *json, *report, *clock;
   long repeat, iters;
   bool quick, quiet, attribute;
};

enum { O_WK = 256, O_MODES, O_RTT, O_TRANSPORT, O_REPEAT, O_ITERS,
       O_QUICK, O_PROFILE, O_CHIP, O_JSON, O_REPORT, O_NOATTR, O_CLOCK,
       O_REAL_JSON, O_BREAKDOWN, O_COST };

static const struct option compare_opts[] = {
   { "workloads", required_argument, NULL, O_WK },
   { "modes", required_argument, NULL, O_MODES },
   { "rtt-us", required_argument, NULL, O_RTT },
   { "transport", required_argument, NULL, O_TRANSPORT },
   { "repeat", required_argument, NULL, O_REPEAT },
   { "iters", required_argument, NULL, O_ITERS },
   { "quick", no_argument, NULL, O_QUICK },
   { "profile", required_argument, NULL, O_PROFILE },
   { "chip", required_argument, NULL, O_CHIP },
   { "json", required_argument, NULL, O_JSON },
   { "report", required_argument, NULL, O_REPORT },
   { "no-attribution", no_argument, NULL, O_NOATTR },
   { "clock", required_argument, NULL, O_CLOCK },
   { "real-json", required_argument, NULL, O_REAL_JSON },
   { "breakdown-rtt", required_argument, NULL, O_BREAKDOWN },
   { "quiet", no_argument, NULL, 'q' },
   { "help", no_argument, NULL, 'h' },
};
#define NR_COMPARE_OPTS (sizeof(compare_opts) / sizeof(compare_opts[0]))

/* One --cost-* flag into r->costs. */
static int
parse_cost_flag(struct cmp_results *r, const struct cost_flag *f,
                const char *arg)
{
   char *end = NULL;
   unsigned long long v = strtoull(arg, &end, 10);

   if (*end || end == arg || *arg == '-' || v > 1000000000ull) {
      fprintf(stderr, "msmvirt compare: --%s wants 0..1000000000\n", f->name);
      return -1;
   }
   *(uint64_t *)((char *)&r->costs + f->off) = v;
   return 0;
}

/* getopt: 0, 1 for --help (printed), -1 for a usage error (explained). */
static int
compare_parse_args(int argc, char **argv, struct cmp_results *r,
                   struct compare_cli *cli)
{
   struct option opts[NR_COMPARE_OPTS + NR_COST_FLAGS + 1];
   unsigned nb;
   int c;

   memcpy(opts, compare_opts, sizeof(compare_opts));
   for (unsigned i = 0; i < NR_COST_FLAGS; i++)
      opts[NR_COMPARE_OPTS + i] = (struct option){
         cost_flags[i].name, required_argument, NULL, O_COST + (int)i };
   opts[NR_COMPARE_OPTS + NR_COST_FLAGS] = (struct option){ NULL, 0, NULL, 0 };

   optind = 1;
   while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
      char *end = NULL;

      if (c >= O_COST && c < O_COST + (int)NR_COST_FLAGS) {
         if (parse_cost_flag(r, &cost_flags[c - O_COST], optarg))
            return -1;
         continue;
      }
      switch (c) {
      case O_WK: cli->wk_list = optarg; break;
      case O_MODES: cli->mode_list = optarg; break;
      case O_RTT: cli->rtt_list = optarg; break;
      case O_TRANSPORT: cli->tr_list = optarg; break;
      case O_REPEAT:
         cli->repeat = strtol(optarg, &end, 10);
         if (*end || cli->repeat < 1 || cli->repeat > CMP_MAX_REPEAT) {
            fprintf(stderr, "msmvirt compare: --repeat wants 1..%d\n",
                    CMP_MAX_REPEAT);
            return -1;
         }
         break;
      case O_ITERS:
         cli->iters = strtol(optarg, &end, 10);
         if (*end || cli->iters < 1 || cli->iters > 10000000) {
            fprintf(stderr, "msmvirt compare: --iters wants 1..10000000\n");
            return -1;
         }
         break;
      case O_QUICK: cli->quick = true; break;
      case O_PROFILE: cli->profile = optarg; break;
      case O_CHIP: r->chip = optarg; break;
      case O_JSON: cli->json = optarg; break;
      case O_REPORT: cli->report = optarg; break;
      case O_NOATTR: cli->attribute = false; break;
      case O_CLOCK: cli->clock = optarg; break;
      case O_REAL_JSON: r->real_json = optarg; break;
      case O_BREAKDOWN:
         if (parse_u32_list(optarg, &r->breakdown_rtt, 1, &nb)) {
            fprintf(stderr, "msmvirt compare: bad --breakdown-rtt\n");
            return -1;
         }
         break;
      case 'q': cli->quiet = true; break;
      case 'h': return 1;
      default: return -1;
      }
   }
   if (optind < argc) {
      fprintf(stderr, "msmvirt compare: unexpected '%s'\n", argv[optind]);
      return -1;
   }
   return 0;
}

/* The clock, chip and RTT sweep: 0, or -1 for a usage error (explained). */
static int
compare_setup_run(struct cmp_results *r, const struct compare_cli *cli)
{
   if (!msm_chip_lookup(r->chip)) {
      fprintf(stderr, "msmvirt compare: unknown chip '%s'\n", r->chip);
      return -1;
   }
   r->core_cfg.chip = r->chip;
   if (strcmp(cli->clock, "virtual") && strcmp(cli->clock, "real")) {
      fprintf(stderr, "msmvirt compare: --clock wants virtual or real\n");
      return -1;
   }
   r->virt = !strcmp(cli->clock, "virtual");
   if (r->virt && !cmp_start_virtual) {
      fprintf(stderr, "msmvirt compare: this binary has no virtual clock\n");
      return -1;
   }
   if (r->virt && strcmp(cli->tr_list, "inproc")) {
      /* The scheduler must see every thread: a host process it cannot. */
      fprintf(stderr, "msmvirt compare: --clock virtual runs the inproc "
              "transport only\n");
      return -1;
   }
   vclock_costs = r->costs;
   r->quick = cli->quick;
   r->attribute = cli->attribute;
   /* Virtual time is exact: a repetition would only repeat it. */
   r->repeat = cli->repeat > 0 ? (unsigned)cli->repeat
               : r->virt ? 1 : cli->quick ? 2 : 5;
   if (cli->rtt_list) {
      if (parse_u32_list(cli->rtt_list, r->rtts, CMP_MAX_RTTS, &r->nr_rtts)) {
         fprintf(stderr, "msmvirt compare: bad --rtt-us '%s' (want a list "
                 "of 0..%u)\n", cli->rtt_list, CMP_MAX_RTT_US);
         return -1;
      }
   } else {
      const uint32_t *src = cli->quick ? quick_rtts : default_rtts;
      r->nr_rtts = cli->quick ? 3 : sizeof(default_rtts) / sizeof(*src);
      memcpy(r->rtts, src, r->nr_rtts * sizeof(*src));
   }
   return 0;
}

/* Workloads, modes, transports and the result cells: 0 or an exit code
 * (the parsers explain themselves). */
static int
compare_setup_cells(struct cmp_results *r, const struct compare_cli *cli)
{
   unsigned ncells;

   if (cli->profile) {
      char err[512];

      if (profile_load(&r->prof, cli->profile, err, sizeof(err))) {
         fprintf(stderr, "msmvirt compare: %s\n", err);
         return 2;
      }
   }
   if (parse_workloads(r, cli->wk_list) || parse_modes(r, cli->mode_list) ||
       parse_transports(r, cli->tr_list))
      return 2;
   for (unsigned w = 0; w < r->nr_workloads; w++) {
      const struct wk_common *wc = profile_common(&r->prof,
                                                  r->workloads[w].wk->name);
      r->workloads[w].iters = cli->iters > 0 ? (uint32_t)cli->iters
                              : cli->quick ? wc->quick_iters : wc->iters;
      r->workloads[w].warmup = wc->warmup;
   }
   for (unsigned i = 0; i < r->nr_skipped; i++)
      fprintf(stderr, "msmvirt compare: skipping %s: %s\n",
              r->skipped[i]->name, r->skipped[i]->missing);
   ncells = r->nr_transports * r->nr_workloads * r->nr_modes * r->nr_rtts;
   r->cells = calloc(ncells, sizeof(*r->cells));
   r->attrs = calloc(r->nr_transports * r->nr_workloads * r->nr_modes,
                     sizeof(*r->attrs));
   if (!r->cells || !r->attrs) {
      fprintf(stderr, "msmvirt compare: out of memory\n");
      return 1;
   }
   return 0;
}

/* The sweep, the harness floor around it, and the outputs. */
static int
compare_run(struct cmp_results *r, const struct compare_cli *cli)
{
   uint64_t t0;
   int ret = 0;

   if (r->virt) {
      cmp_start_virtual(); /* before the first thread */
   } else {
      for (unsigned t = 0; t < r->nr_transports; t++)
         if (cmp_harness_floor(r->transports[t], &r->harness_floor_us[t]))
            r->harness_floor_us[t] = 0;
   }
   t0 = vclock_wall_ns();
   cmp_sweep(r, !cli->quiet);
   r->wall_s = (double)(vclock_wall_ns() - t0) / 1e9;
   /* Once more after the sweep: a neighbour's burst during one of the two
    * only raises it, so the lower is the floor. */
   for (unsigned t = 0; !r->virt && t < r->nr_transports; t++) {
      double again;

      if (!cmp_harness_floor(r->transports[t], &again) &&
          (again < r->harness_floor_us[t] || !r->harness_floor_us[t]))
         r->harness_floor_us[t] = again;
   }
   cmp_summarize(r);
   print_summary(r);
   if (r->virt && r->real_json && cmp_calibrate(r, !cli->quiet))
      fprintf(stderr, "msmvirt compare: no calibrated run (%s): the report "
              "compares with the design costs only\n", r->real_json);
   printf("compare: %.1f s\n", r->wall_s);

   if (cli->json && cmp_write_json(r, cli->json)) {
      fprintf(stderr, "msmvirt compare: cannot write %s\n", cli->json);
      ret = 1;
   }
   if (cli->report && cmp_write_report(r, cli->report)) {
      fprintf(stderr, "msmvirt compare: cannot write the report in %s\n",
              cli->report);
      ret = 1;
   }
   if (r->failed) {
      fprintf(stderr, "msmvirt compare: some runs FAILED (see above)\n");
      ret = 1;
   }
   return ret;
}

int
cmd_compare(int argc, char **argv)
{
   struct compare_cli cli = {
      .wk_list = default_workloads, .mode_list = "direct,forward,nativectx",
      .tr_list = "inproc", .clock = "virtual", .repeat = -1, .iters = -1,
      .attribute = true,
   };
   struct cmp_results *r = calloc(1, sizeof(*r));
   int ret;

   if (!r)
      return 1;
   cmp_header_fill(&r->hdr, argc, argv);
   msm_core_config_defaults(&r->core_cfg);
   r->chip = r->core_cfg.chip ? r->core_cfg.chip : "a630";
   profile_defaults(&r->prof);
   r->costs = vclock_default_costs;
   r->breakdown_rtt = 50;

   ret = compare_parse_args(argc, argv, r, &cli);
   if (!ret)
      ret = compare_setup_run(r, &cli);
   if (ret) {
      usage(ret > 0 ? stdout : stderr);
      ret = ret > 0 ? 0 : 2;
   } else {
      ret = compare_setup_cells(r, &cli);
      if (!ret)
         ret = compare_run(r, &cli);
   }
   for (unsigned w = 0; w < r->nr_workloads; w++)
      trace_free(r->workloads[w].trace);
   cmp_calibrate_free(r);
   free(r->cells);
   free(r->attrs);
   free(r);
   return ret;
}
