/*
 * vsched.h - the virtual clock's scheduler (vclock.h): every thread of the
 * process runs under one baton, one at a time, and virtual time advances
 * only when all of them wait.
 *
 * It sits under unchanged code by wrapping, at link time (ld --wrap, see
 * vsched_dep in core/meson.build), the calls where a thread can wait or
 * wake another: pthread create/join, mutexes, condition variables, the
 * monotonic clock and its sleeps, and the socket calls the transport
 * makes.  A thread that would block hands the baton on instead: to the
 * first runnable thread in the order they became runnable, else to the
 * waiter with the earliest virtual deadline (ties: the one that waited
 * first), moving the clock there.  So a run's interleaving, and every
 * virtual timestamp in it, is a function of its inputs alone.
 *
 * Each thread carries its critical path (time per vc_cat): a wait that
 * ends by timeout books the waited time to its category; a wait ended by
 * another thread adopts that thread's path (the wait was on it).  Threads
 * start with their creator's path.
 *
 * Everything in the process must be in-process for this (the loopback
 * transport, the sim backend): a thread waiting on a file another process
 * writes would wait forever; vsched aborts with the list of waiters when
 * nothing can run and nothing has a deadline.
 */
#ifndef MSMVIRT_VSCHED_H
#define MSMVIRT_VSCHED_H

#include <stdint.h>

/* Turn the calling thread into the first actor and the clock virtual.
 * Call before any other thread exists; there is no way back. */
void vsched_start(void);

/* Scheduler counters (for tests and the report's cost of the harness). */
struct vsched_stats {
   uint64_t switches;   /* baton hand-overs */
   uint64_t advances;   /* times the clock moved */
   uint64_t actors;     /* threads ever run */
};
void vsched_get_stats(struct vsched_stats *st);

#endif
