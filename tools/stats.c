/*
 * stats.c - medians, extremes and a least-squares slope.
 */
#include <stdlib.h>
#include <string.h>

#include "stats.h"

static int
cmp_double(const void *a, const void *b)
{
   double x = *(const double *)a, y = *(const double *)b;
   return (x > y) - (x < y);
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
   out->median = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
   out->spread = out->median != 0 ? (out->max - out->min) / out->median : 0;
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
