/*
 * conformance.h - the ws conformance suite, written once against ws.h.
 *
 * Each ws implementation provides a factory and a two-line main() calling
 * ws_conformance_run().  The same tests then prove direct, forward and
 * nativectx behave alike (same results, same errno values).
 */
#ifndef MSMVIRT_WS_CONFORMANCE_H
#define MSMVIRT_WS_CONFORMANCE_H

#include "ws.h"

struct msm_core;

struct ws_factory {
   const char *name;
   /* Create whatever backs the devices (a core, a host process, ...). */
   int (*setup)(void **fixture);
   void (*teardown)(void *fixture);
   /* One device = one guest drm_file = one host context. */
   int (*open)(void *fixture, struct ws_dev **dev);
   /* The core behind the devices when it lives in this process (for leak
    * counters and the shrinker), or NULL. */
   struct msm_core *(*core)(void *fixture);
   /* The chip the backend pretends to be. */
   uint32_t gpu_id;
   /* What this backend cannot do (a fake kernel such as mesa's drm-shim):
    * tests that need it are reported as skipped, by name. */
   unsigned lacks;
};

#define WS_LACKS_EXEC  (1u << 0) /* submits have no effect, fences no duration */
#define WS_LACKS_ERRNO (1u << 1) /* bad input is accepted, not rejected */
#define WS_LACKS_FAULT (1u << 2) /* no GPU faults, no fault counters */
#define WS_LACKS_PURGE (1u << 3) /* no shrinker we can trigger */
#define WS_LACKS_VM    (1u << 4) /* no 6.1 per-process VA range / priorities */
#define WS_LACKS_ZERO  (1u << 5) /* recycled BO memory is not zeroed */

int ws_conformance_run(const struct ws_factory *factory);

/* A fixture that is just an in-process core with the default config, for
 * factories whose devices open straight onto it (fixture = the core). */
int ws_conformance_core_setup(void **fixture);
void ws_conformance_core_teardown(void *fixture);
struct msm_core *ws_conformance_core(void *fixture);

#endif
