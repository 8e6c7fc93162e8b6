/*
 * figures.h - SVG figures for the report, drawn with gnuplot.
 * Each returns 0, -ENOENT when gnuplot is not installed, or -EIO.
 */
#ifndef MSMVIRT_FIGURES_H
#define MSMVIRT_FIGURES_H

#include "compare.h"

/* Time per iteration vs RTT of one workload, a line per mode, plus the
 * physical floor where the workload has one. */
int fig_time_vs_rtt(const struct cmp_results *r, unsigned t, unsigned w,
                    const char *path);
/* Sync round trips per iteration: workloads x modes, clustered bars. */
int fig_round_trips(const struct cmp_results *r, unsigned t,
                    const char *path);

/* The critical path of each mode at RTT index k, stacked by category
 * (virtual clock). */
int fig_breakdown(const struct cmp_results *r, unsigned t, unsigned w,
                  unsigned k, const char *path);

#endif
