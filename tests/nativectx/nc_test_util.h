/*
 * nc_test_util.h - helpers shared by the nativectx tests: a host in a child
 * process, a ccmd batch builder for driving the renderer with crafted
 * bytes, and polling the core's counters.
 */
#ifndef MSMVIRT_TESTS_NC_UTIL_H
#define MSMVIRT_TESTS_NC_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "msm_core.h"
#include "nc_proto.h"

/* A nativectx host serving a fresh sim core on a unix socket at path, in a
 * child process (killed if we die).  Returns its pid, or -1. */
pid_t nc_spawn_host(const char *path);
void nc_kill_host(pid_t pid);

/* A unique socket path under the temp dir. */
void nc_temp_path(char *buf, size_t cap, const char *what);

/* A batch of ccmds, built by hand. */
struct nc_batch {
   uint8_t buf[64 * 1024] __attribute__((aligned(8)));
   uint32_t len;
   uint32_t seqno;
};

/* Append a request of len bytes (4-aligned up) with a header; zeroed.
 * rsp_off only matters for commands with a response. */
void *nc_batch_add(struct nc_batch *b, uint32_t cmd, uint32_t len,
                   uint32_t rsp_off);

/* Poll the core until pred holds or timeout_ms passes. */
typedef bool (*nc_stats_pred)(const struct msm_core_stats *st, void *arg);
bool nc_wait_stats(struct msm_core *core, nc_stats_pred pred, void *arg,
                   int timeout_ms, struct msm_core_stats *last);

uint64_t nc_now_ns(void);

#endif
