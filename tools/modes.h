/*
 * modes.h - the ways compare can give a workload a ws device.
 *
 * A mode is a row in a small table (modes.c): how to set up the host side
 * for one run (the core exists already; add a transport, a host process,
 * ...), how to open a fresh guest device on it (any number of times: the
 * startup workload opens one per iteration), and how to tear it down.
 * A mode whose code is not in this build has no open(): compare says so
 * and skips it rather than invent numbers.
 */
#ifndef MSMVIRT_MODES_H
#define MSMVIRT_MODES_H

#include <stdbool.h>
#include <stdint.h>

#include "msm_core.h"
#include "ws.h"

struct mode;

struct mode_ctx {
   const struct mode *mode;
   uint32_t rtt_us;           /* modelled round trip of the transport */
   const char *transport;     /* "inproc" or "socket" */
   struct msm_core_config cfg;
   struct msm_core *core;     /* the in-process core every mode may use */
   void *priv;                /* the mode's own state */
};

struct mode {
   const char *name;
   const char *what;          /* one line for the report */
   bool uses_transport;       /* false: rtt and transport do not apply */
   /* Host side of one run, after m->core exists.  May be NULL. */
   int (*setup)(struct mode_ctx *m);
   /* A fresh guest ws device.  NULL: the mode is not in this build. */
   int (*open)(struct mode_ctx *m, struct ws_dev **out);
   /* Undo setup (every device is closed already).  May be NULL. */
   void (*teardown)(struct mode_ctx *m);
   const char *missing;       /* why open is NULL */
};

const struct mode *mode_table(unsigned *count);
const struct mode *mode_find(const char *name);
static inline bool mode_available(const struct mode *m) { return m->open; }

/* Create the core from cfg, then the mode's host side. */
int mode_setup(struct mode_ctx *m, const struct mode *mode,
               const struct msm_core_config *cfg, uint32_t rtt_us,
               const char *transport);
int mode_open(struct mode_ctx *m, struct ws_dev **out);
void mode_teardown(struct mode_ctx *m);

#endif
