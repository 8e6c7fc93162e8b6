/*
 * echo_proto.h - a tiny host protocol for the transport tests: CALLs are
 * little commands (echo, hostmem peek/poke, emit events, ...), SENDs are
 * recorded with their arrival delay.
 */
#ifndef ECHO_PROTO_H
#define ECHO_PROTO_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "transport.h"

enum echo_op {
   ECHO_ECHO = 1,    /* reply = the request */
   ECHO_POKE = 2,    /* write arg1 (u64) at hostmem + arg0 */
   ECHO_PEEK = 3,    /* reply = u64 at hostmem + arg0 */
   ECHO_EVENTS = 4,  /* emit arg0 events (payload: u64 index, u64 host ns) */
   ECHO_BADTAG = 5,  /* reply to a wrong tag first, then properly */
   ECHO_STATS = 6,   /* reply = struct echo_send_stats */
   ECHO_HOLD = 7,    /* keep the tag; the test answers later from a thread */
};

struct echo_req {
   uint32_t op;
   uint32_t pad;
   uint64_t arg0, arg1;
};

/* SEND payload. */
struct echo_msg {
   uint64_t seq;
   uint64_t sent_ns;
};

struct echo_send_stats {
   uint64_t received;
   uint64_t out_of_order;
   uint64_t min_delay_ns; /* arrival (on_frame) - sent_ns */
};

/* Shared by every connection of a test; reset per test. */
struct echo_world {
   pthread_mutex_t lock;
   pthread_cond_t cond;
   void *hostmem;           /* as the host sees it */
   uint64_t hostmem_size;
   int hellos, closes, live;
   struct mt_conn *last_conn; /* for tests that push events themselves */
   uint32_t held_session;
   uint64_t held_tag;
   bool held;
   int hello_error;          /* on_hello returns it when nonzero */
};

extern struct echo_world echo_world;
extern const struct mt_host_proto echo_proto;

void echo_world_reset(void *hostmem, uint64_t size);
/* Wait until pred-like counters reach at least n (or ~5 s). */
bool echo_wait_closes(int n);
bool echo_wait_hellos(int n);
bool echo_wait_held(void);

/* An mt_host_config over echo_proto. */
struct mt_host_config echo_host_config(void *hostmem, uint64_t size, int fd);

#endif
