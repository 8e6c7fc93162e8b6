/*
 * figures.c - the report's SVG figures, drawn by gnuplot (gnuplot-nox,
 * `set terminal svg`).  Data goes inline as datablocks, so nothing but the
 * .svg files is left behind.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "figures.h"

static FILE *
gp_open(void)
{
   /* gnuplot's chatter (and "not found") goes to our stderr. */
   return popen("gnuplot", "w");
}

static int
gp_close(FILE *gp)
{
   int st = pclose(gp);

   if (st == -1)
      return -errno;
   if (!WIFEXITED(st) || WEXITSTATUS(st))
      return WIFEXITED(st) && WEXITSTATUS(st) == 127 ? -ENOENT : -EIO;
   return 0;
}

static void
gp_preamble(FILE *gp, const char *out, const char *title)
{
   fprintf(gp,
           "set encoding utf8\n"
           "set terminal svg size 760,440 dynamic enhanced "
           "font 'Helvetica,12' background '#ffffff'\n"
           "set output '%s'\n"
           "set title \"%s\"\n"
           "set grid ytics lc rgb '#dddddd'\n"
           "set border 3\n"
           "set tics nomirror\n", out, title);
}

static const char *const mode_colors[] = {
   "#444444", "#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#8c564b",
};

int
fig_time_vs_rtt(const struct cmp_results *cr, unsigned t, unsigned w,
                const char *path)
{
   struct cmp_results *r = (struct cmp_results *)cr;
   const struct cmp_workload *cw = &r->workloads[w];
   bool have_floor = false, have[CMP_MAX_MODES] = { false };
   char title[512];
   FILE *gp = gp_open();

   if (!gp)
      return -errno;
   snprintf(title, sizeof(title), "%s: time per %s vs round-trip time (%s)",
            cw->label, cw->wk->unit, r->transports[t]);
   gp_preamble(gp, path, title);
   fprintf(gp, "set xlabel 'modelled round trip (µs)'\n"
               "set ylabel 'µs per %s (median, bars: min–max)'\n"
               "set key below horizontal\n"
               "set yrange [0:*]\n"
               "set offsets 0, 0, graph 0.05, 0\n", cw->wk->unit);
   /* A little room either side so the end points' bars are not cut. */
   {
      double span = r->nr_rtts ? r->rtts[r->nr_rtts - 1] - r->rtts[0] : 1;

      span = span > 0 ? span : 1;
      fprintf(gp, "set xrange [%g:%g]\n", r->rtts[0] - span * 0.02,
              r->rtts[r->nr_rtts - 1] + span * 0.02);
   }
   for (unsigned m = 0; m < r->nr_modes; m++) {
      fprintf(gp, "$m%u << EOD\n", m);
      for (unsigned k = 0; k < r->nr_rtts; k++) {
         struct cmp_cell *c = cmp_cell(r, t, w, m, k);

         if (c->nr && !c->error[0]) {
            fprintf(gp, "%u %.3f %.3f %.3f\n", r->rtts[k], c->time.median,
                    c->time.min, c->time.max);
            have[m] = true;
         }
         if (c->floor_us > 0)
            have_floor = true;
      }
      fprintf(gp, "EOD\n");
   }
   if (have_floor) {
      fprintf(gp, "$floor << EOD\n");
      for (unsigned k = 0; k < r->nr_rtts; k++) {
         struct cmp_cell *c = cmp_cell(r, t, w, 0, k);

         if (c->floor_us > 0)
            fprintf(gp, "%u %.3f\n", r->rtts[k], c->floor_us);
      }
      fprintf(gp, "EOD\n");
   }
   fprintf(gp, "plot ");
   /* Modes with no point here (failed, n/a) are left out of the plot. */
   for (unsigned m = 0, first = 1; m < r->nr_modes; m++) {
      if (!have[m])
         continue;
      fprintf(gp, "%s$m%u using 1:2:3:4 with yerrorlines lw 2 pt 7 ps 0.6 "
              "lc rgb '%s' title '%s'", first ? "" : ", ", m,
              mode_colors[m % 6], r->modes[m]->name);
      first = 0;
   }
   if (have_floor)
      fprintf(gp, "%s$floor using 1:2 with lines dt 2 lw 2 lc rgb '#888888' "
              "title 'physical floor: direct + %u RTT'", have[0] ? ", " : "",
              cw->wk->floor_rtts);
   fprintf(gp, "\n");
   return gp_close(gp);
}

int
fig_round_trips(const struct cmp_results *cr, unsigned t, const char *path)
{
   struct cmp_results *r = (struct cmp_results *)cr;
   double max = 0;
   char title[256];
   FILE *gp = gp_open();

   if (!gp)
      return -errno;
   snprintf(title, sizeof(title), "synchronous round trips per iteration "
            "(%s; median over the RTT sweep)", r->transports[t]);
   gp_preamble(gp, path, title);
   fprintf(gp, "set style data histograms\n"
               "set style histogram clustered gap 1\n"
               "set style fill solid 0.85 border -1\n"
               "set boxwidth 0.9\n"
               "set ylabel 'sync round trips per iteration'\n"
               "set key below horizontal\n"
               "set xtics noenhanced\n");
   fprintf(gp, "$rt << EOD\n");
   for (unsigned w = 0; w < r->nr_workloads; w++) {
      fprintf(gp, "\"%s\"", r->workloads[w].slug);
      for (unsigned m = 0; m < r->nr_modes; m++) {
         double v[CMP_MAX_RTTS];
         unsigned n = 0;
         struct stat_summary s;

         for (unsigned k = 0; k < r->nr_rtts; k++) {
            struct cmp_cell *c = cmp_cell(r, t, w, m, k);

            if (c->nr && !c->error[0])
               v[n++] = c->rt_s.median;
         }
         stat_summarize(v, n, &s);
         fprintf(gp, " %.3f", s.median);
         if (s.median > max)
            max = s.median;
      }
      fprintf(gp, "\n");
   }
   fprintf(gp, "EOD\n");
   fprintf(gp, "set yrange [0:%.3f]\n", max > 0 ? max * 1.15 : 1.0);
   fprintf(gp, "plot ");
   for (unsigned m = 0; m < r->nr_modes; m++)
      fprintf(gp, "%s$rt using %u%s lc rgb '%s' title '%s'", m ? ", " : "",
              m + 2, m ? "" : ":xtic(1)", mode_colors[m % 6],
              r->modes[m]->name);
   fprintf(gp, "\n");
   return gp_close(gp);
}

/* One colour per critical-path category (vclock.h order). */
static const char *const cat_colors[VC_NCAT] = {
   "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
   "#bbbbbb",
};

int
fig_breakdown(const struct cmp_results *cr, unsigned t, unsigned w,
              unsigned k, const char *path)
{
   struct cmp_results *r = (struct cmp_results *)cr;
   const struct cmp_workload *cw = &r->workloads[w];
   char title[512];
   FILE *gp = gp_open();

   if (!gp)
      return -errno;
   snprintf(title, sizeof(title), "%s: critical path per %s at RTT %u µs "
            "(virtual clock, %s)", cw->label, cw->wk->unit, r->rtts[k],
            r->transports[t]);
   gp_preamble(gp, path, title);
   fprintf(gp, "set style data histograms\n"
               "set style histogram rowstacked\n"
               "set style fill solid 0.9 border -1\n"
               "set boxwidth 0.55\n"
               "set ylabel 'µs per %s'\n"
               "set yrange [0:*]\n"
               "set key outside right vertical noenhanced\n"
               "set xtics noenhanced\n", cw->wk->unit);
   fprintf(gp, "$cp << EOD\n");
   for (unsigned m = 0; m < r->nr_modes; m++) {
      struct cmp_cell *c = cmp_cell(r, t, w, m, k);

      fprintf(gp, "\"%s\"", r->modes[m]->name);
      for (unsigned i = 0; i < VC_NCAT; i++)
         fprintf(gp, " %.4f", c->nr && !c->error[0] ? c->cp_us[i] : 0.0);
      fprintf(gp, "\n");
   }
   fprintf(gp, "EOD\nplot ");
   for (unsigned i = 0; i < VC_NCAT; i++)
      fprintf(gp, "%s$cp using %u%s lc rgb '%s' title '%s'", i ? ", " : "",
              i + 2, i ? "" : ":xtic(1)", cat_colors[i], vc_cat_label[i]);
   fprintf(gp, "\n");
   return gp_close(gp);
}
