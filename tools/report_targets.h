/*
 * report_targets.h - the evaluation's targets section (report_targets.c).
 */
#ifndef MSMVIRT_REPORT_TARGETS_H
#define MSMVIRT_REPORT_TARGETS_H

#include <stdio.h>

struct cmp_results;

void report_write_targets(FILE *f, struct cmp_results *r);

#endif
