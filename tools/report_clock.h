/*
 * report_clock.h - the report's sections about time (report_clock.c).
 */
#ifndef MSMVIRT_REPORT_CLOCK_H
#define MSMVIRT_REPORT_CLOCK_H

#include <stdio.h>

#include "compare.h"

/* Which clock, and the virtual clock's cost model. */
void report_write_clock(FILE *f, struct cmp_results *r);
/* Per workload: the critical path of each mode and RTT, a table and a
 * stacked-bar figure drawn into figdir (virtual clock only). */
void report_write_breakdown(FILE *f, struct cmp_results *r, unsigned t,
                            const char *figdir);
/* The --real-json run's command line and a newline (a static buffer). */
const char *report_real_command(struct cmp_results *r);
/* The --real-json run next to this one, and the harness floor. */
void report_write_validation(FILE *f, struct cmp_results *r);

#endif
