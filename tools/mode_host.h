/*
 * mode_host.h - compare's host process for the socket transport.
 */
#ifndef MSMVIRT_MODE_HOST_H
#define MSMVIRT_MODE_HOST_H

#include <sys/types.h>

#include "msm_core.h"

struct mode_host {
   pid_t pid;
   char path[108];
};

/* Start `msmvirt host --listen` with cfg's chip, hostmem and sim timing;
 * returns once it accepts guests. */
int mode_host_start(const struct msm_core_config *cfg, struct mode_host *h);
/* The same with an explicit msmvirt binary (tests). */
int mode_host_start_exe(const char *exe, const struct msm_core_config *cfg,
                        struct mode_host *h);
/* The same with a host config file (msmvirt host --config; NULL: none). */
int mode_host_start_config(const char *exe, const struct msm_core_config *cfg,
                           const char *config, struct mode_host *h);
void mode_host_stop(struct mode_host *h);

#endif
