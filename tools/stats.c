/*
 * stats.c - medians, extremes, bootstrap intervals and a least-squares
 * slope.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

static int
cmp_double(const void *a, const void *b)
{
   double x = *(const double *)a, y = *(const double *)b;
   return (x > y) - (x < y);
}

static double
median_sorted(const double *s, size_t n)
{
   return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

#define BOOT_RESAMPLES 2000

/* Percentile bootstrap of the median of sorted s (n >= 2). */
static void
bootstrap_ci(const double *s, size_t n, double *lo, double *hi)
{
   double *med = malloc(BOOT_RESAMPLES * sizeof(*med));
   double *x = malloc(n * sizeof(*x));
   uint32_t rng = 0x2545f491u;

   if (!med || !x) {
      *lo = s[0];
      *hi = s[n - 1];
      goto out;
   }
   for (unsigned b = 0; b < BOOT_RESAMPLES; b++) {
      for (size_t i = 0; i < n; i++) {
         rng ^= rng << 13;
         rng ^= rng >> 17;
         rng ^= rng << 5;
         x[i] = s[rng % n];
      }
      qsort(x, n, sizeof(*x), cmp_double);
      med[b] = median_sorted(x, n);
   }
   qsort(med, BOOT_RESAMPLES, sizeof(*med), cmp_double);
   *lo = med[BOOT_RESAMPLES * 25 / 1000];
   *hi = med[BOOT_RESAMPLES * 975 / 1000 - 1];
out:
   free(med);
   free(x);
}

void
stat_summarize(const double *v, size_t n, struct stat_summary *out)
{
   double stack[64], *s = stack, sum = 0;

   memset(out, 0, sizeof(*out));
   if (!n)
      return;
   if (n > 64) {
      s = malloc(n * sizeof(*s));
      if (!s) { /* no memory for the sort: extremes and mean still work */
         out->n = n;
         out->min = out->max = v[0];
         for (size_t i = 0; i < n; i++) {
            out->min = v[i] < out->min ? v[i] : out->min;
            out->max = v[i] > out->max ? v[i] : out->max;
            sum += v[i];
         }
         out->mean = out->median = sum / (double)n;
         out->ci_lo = out->min;
         out->ci_hi = out->max;
         return;
      }
   }
   memcpy(s, v, n * sizeof(*s));
   qsort(s, n, sizeof(*s), cmp_double);
   for (size_t i = 0; i < n; i++)
      sum += s[i];
   out->n = n;
   out->min = s[0];
   out->max = s[n - 1];
   out->mean = sum / (double)n;
   out->median = median_sorted(s, n);
   out->spread = out->median != 0 ? (out->max - out->min) / out->median : 0;
   out->ci_lo = out->ci_hi = out->median;
   if (n >= 2)
      bootstrap_ci(s, n, &out->ci_lo, &out->ci_hi);
   if (s != stack)
      free(s);
}

double
stat_slope(const double *x, const double *y, size_t n, double *intercept)
{
   double mx = 0, my = 0, sxx = 0, sxy = 0, b;

   if (intercept)
      *intercept = n ? y[0] : 0;
   if (n < 2)
      return 0;
   for (size_t i = 0; i < n; i++) {
      mx += x[i];
      my += y[i];
   }
   mx /= (double)n;
   my /= (double)n;
   for (size_t i = 0; i < n; i++) {
      sxx += (x[i] - mx) * (x[i] - mx);
      sxy += (x[i] - mx) * (y[i] - my);
   }
   b = sxx > 0 ? sxy / sxx : 0;
   if (intercept)
      *intercept = my - b * mx;
   return b;
}
