/*
 * interfere.h - what the interference driver (interfere.c) and its guest
 * devices (guests.c) share.
 */
#ifndef MSMVIRT_TESTS_INTERFERE_H
#define MSMVIRT_TESTS_INTERFERE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "fwd_proto.h"
#include "host_process.h"
#include "ws.h"

struct fwd_client;
struct mt_guest;
struct nc_channel;

/* The host under test. */
extern struct host_process host;

/* INTERFERE_MEASURE_ONLY=1: print the figures and go on where the suite
 * would fail (how docs/security.md's "before" column was taken against
 * the host before this work). */
extern bool measure_only;

#define FAIL(...) do { fprintf(stderr, "interfere: FAIL: " __VA_ARGS__); \
                       fprintf(stderr, "\n"); exit(1); } while (0)
#define CHECK(cond, ...) do { if (!(cond)) { \
      if (!measure_only) FAIL(__VA_ARGS__); \
      printf("interfere: would fail: " __VA_ARGS__); printf("\n"); } } while (0)


uint64_t now_ns(void);

/* One connection we own, forward or nativectx. */
struct conn {
   bool native;
   struct nc_channel *ch;       /* nativectx */
   struct mt_guest *g;          /* forward */
   char *hostmem;
   uint64_t hostmem_size;
   uint32_t next_session;
};

/* A forward context's raw session (for ioctls ws has no verb for). */
struct fdev {
   struct conn *c;
   struct fwd_session s;
   struct fwd_client *client;
};

int conn_open(struct conn *c, bool native);
/* A new context (drm_file) on the connection; raw may be NULL. */
int dev_open(struct conn *c, struct ws_dev **out, struct fdev **raw);
/* A cmdstream BO: n dwords from cs. */
struct ws_bo *cs_bo(struct ws_dev *d, const uint32_t *cs, unsigned n,
                    uint64_t size);
/* A submit of cs (bytes) using dst too: written, or read with ro. */
int submit_cs2(struct ws_dev *d, struct ws_bo *cs, uint32_t bytes,
               struct ws_bo *dst, bool ro, uint32_t *fence);
int submit_cs(struct ws_dev *d, struct ws_bo *cs, uint32_t bytes,
              struct ws_bo *dst, uint32_t *fence);
/* The same-connection victim's job; its wall time in ns. */
uint64_t small_job(struct ws_dev *d);

#endif
