/*
 * stats.h - summaries of repeated measurements (median and spread).
 *
 * Timing on a shared machine is noisy and skewed (a run is only ever slowed
 * down, never sped up, by interference), so the evaluation reports medians
 * with min/max rather than means with standard deviations.
 */
#ifndef MSMVIRT_STATS_H
#define MSMVIRT_STATS_H

#include <stddef.h>

struct stat_summary {
   size_t n;
   double median; /* mean of the two middle values for an even n */
   double min;
   double max;
   double mean;
   double spread; /* (max - min) / median; 0 when median is 0 */
   double ci_lo;  /* bootstrap 95% interval of the median (= median */
   double ci_hi;  /* when n < 2) */
};

/* Summarise n values (not modified).  n == 0 gives all zeros.  The
 * interval is a percentile bootstrap of the median with a fixed seed, so
 * the same values always give the same interval. */
void stat_summarize(const double *v, size_t n, struct stat_summary *out);

/* Least-squares fit y = a + b*x over n points; returns b (0 if n < 2 or
 * every x is equal) and stores a in *intercept when not NULL. */
double stat_slope(const double *x, const double *y, size_t n,
                  double *intercept);

#endif
