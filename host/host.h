/*
 * host.h - the host daemon (`msmvirt host`) and its protocol modules.
 */
#ifndef MSMVIRT_HOST_HOST_H
#define MSMVIRT_HOST_HOST_H

#include <stddef.h>

#include "transport.h"

struct msm_core;

#define HOST_MAX_PROTOS 4

/* Fill protos[] with every protocol this build serves over core; returns
 * how many. */
unsigned host_protocols(struct msm_core *core, struct mt_host_proto *protos);

int cmd_host(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_pm4_coverage(int argc, char **argv);
/* The core's counters as key=value lines; returns the length. */
int host_format_stats(struct msm_core *core, char *buf, size_t cap);

#endif
