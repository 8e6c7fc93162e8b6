/*
 * ws_pipe.h - a submit queue over any ws device, the way freedreno drives
 * one (fd_pipe): every submit ends with a CP_EVENT_WRITE of a userspace
 * fence number into the pipe's control BO, so "has the GPU passed submit
 * N?" is a memory read, and a fence wait only goes to ws (the kernel, or the
 * host) when the GPU really is behind (fd_pipe_wait_timeout).
 *
 * The command stream is copied into a BO from the BO cache, submitted and
 * released straight back to the cache, where it stays busy until its fence
 * passes, like freedreno's ringbuffer BOs.
 */
#ifndef MSMVIRT_WS_PIPE_H
#define MSMVIRT_WS_PIPE_H

#include <stdbool.h>
#include <stdint.h>

#include "ws_bo_cache.h"

struct ws_pipe_fence {
   uint32_t ufence; /* the pipe's own number, written by the GPU */
   uint32_t kfence; /* what ws_submit returned */
};

struct ws_pipe {
   struct ws_dev *dev;
   struct ws_bo_cache *cache;
   uint32_t queue;              /* submitqueue id; 0 = the default queue */
   bool own_queue;
   struct ws_bo *control;       /* 4K: dword 0 is the last passed ufence */
   volatile uint32_t *fence;    /* mapping of that dword */
   uint32_t last_ufence;
   uint32_t last_kfence;
   uint64_t submits;
};

/* new_queue: create a submitqueue of priority prio; else use queue 0. */
int ws_pipe_init(struct ws_pipe *p, struct ws_bo_cache *c, bool new_queue,
                 uint32_t prio);
void ws_pipe_fini(struct ws_pipe *p);

/* One submit: the caller's cs (ndw dwords, without the fence write) runs
 * with bos[i] referenced with bo_flags[i] (MSM_SUBMIT_BO_*).  The command
 * BO and the control BO are added to the list. */
int ws_pipe_submit(struct ws_pipe *p, const uint32_t *cs, unsigned ndw,
                   struct ws_cache_bo *const *bos, const uint32_t *bo_flags,
                   unsigned nr_bos, struct ws_pipe_fence *out);

static inline bool
ws_pipe_passed(const struct ws_pipe *p, uint32_t ufence)
{
   return (int32_t)(*p->fence - ufence) >= 0;
}

/* Wait for a submit of this pipe (timeout < 0: forever). */
int ws_pipe_wait(struct ws_pipe *p, const struct ws_pipe_fence *f,
                 int64_t timeout_ns);

/* Wait until every submit of this pipe has passed (before teardown). */
int ws_pipe_idle(struct ws_pipe *p, int64_t timeout_ns);

#endif
