/*
 * host_process.h - a `msmvirt host` process started by a harness (compare's
 * socket transport, tests) on a fresh unix socket.
 */
#ifndef MSMVIRT_HOST_PROCESS_H
#define MSMVIRT_HOST_PROCESS_H

#include <sys/types.h>

#include "msm_core.h"

struct host_process {
   pid_t pid;
   char path[108];
};

/* Start `msmvirt host --listen` with cfg's chip, hostmem and sim timing;
 * returns once it accepts guests. */
int host_process_start(const struct msm_core_config *cfg, struct host_process *h);
/* The same with an explicit msmvirt binary (tests). */
int host_process_start_exe(const char *exe, const struct msm_core_config *cfg,
                        struct host_process *h);
/* The same with a host config file (msmvirt host --config; NULL: none). */
int host_process_start_config(const char *exe, const struct msm_core_config *cfg,
                              const char *config, struct host_process *h);
void host_process_stop(struct host_process *h);

#endif
