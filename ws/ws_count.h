/*
 * ws_count.h - a ws device that counts the calls made through it: a
 * decorator over any ws implementation (direct, msm-ioctl, nativectx), so a
 * driver's code stays plain ws_* calls whatever is measured.
 *
 * Every call is counted per ws_op.  With attribution on, it is also charged
 * the inner device's ws_get_stats delta around it (the sync round trips,
 * messages and bytes that call cost): what lets the evaluation say "forward
 * pays 3 round trips per bo_new" from measurement.  Attribution reads the
 * transport counters twice per call, so the evaluation turns it on only in a
 * separate, untimed pass; counting alone is one increment.
 *
 * The counters outlive the devices: the startup workload opens a fresh one
 * per iteration, and the counts and transport stats add up across them.
 *
 * BOs of a counting device are the decorator's own (their ops must come
 * back through it); their handle, flags, size, iova and map mirror the
 * inner BO's.
 */
#ifndef MSMVIRT_WS_COUNT_H
#define MSMVIRT_WS_COUNT_H

#include <stdbool.h>
#include <stdint.h>

#include "ws.h"
#include "ws_op.h"

struct ws_op_count {
   uint64_t calls;
   /* attribution only: */
   uint64_t sync_round_trips;
   uint64_t messages;
   uint64_t bytes;
};

struct ws_count_dev;

struct ws_counters {
   bool attribute;
   struct ws_op_count op[WS_OP_COUNT];
   /* Called before each call on an open device (not for open and close):
    * the caller's per-call cost model.  May be NULL. */
   void (*before_call)(void *arg);
   void *arg;
   struct ws_stats closed;        /* stats of the devices already closed */
   struct ws_count_dev *live;     /* the open ones */
};

void ws_counters_init(struct ws_counters *c, bool attribute,
                      void (*before_call)(void *arg), void *arg);
/* Transport stats summed over every device opened with these counters. */
void ws_counters_stats(const struct ws_counters *c, struct ws_stats *st);

/* Open a device with open(arg, &inner) and return it wrapped; closing the
 * wrapper closes the inner device.  The open is counted whether it works
 * or not; with attribution it is charged what the fresh device's counters
 * show (HELLO, capset queries, ...). */
int ws_count_open(struct ws_counters *c,
                  int (*open)(void *arg, struct ws_dev **out), void *arg,
                  struct ws_dev **out);

#endif
