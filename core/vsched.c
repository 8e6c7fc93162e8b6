/*
 * vsched.c - one baton, virtual time (vsched.h).
 *
 * State lives under one real mutex; each actor sleeps on its own real
 * condvar until it holds the baton.  Only the __real_ calls below touch the
 * real primitives; the __wrap_ ones are what the rest of the binary calls.
 * A thread that is not an actor (vsched off) goes straight to the real call.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "vclock.h"
#include "vsched.h"

int __real_pthread_create(pthread_t *, const pthread_attr_t *,
                          void *(*)(void *), void *);
int __real_pthread_join(pthread_t, void **);
int __real_pthread_mutex_lock(pthread_mutex_t *);
int __real_pthread_mutex_unlock(pthread_mutex_t *);
int __real_pthread_cond_wait(pthread_cond_t *, pthread_mutex_t *);
int __real_pthread_cond_timedwait(pthread_cond_t *, pthread_mutex_t *,
                                  const struct timespec *);
int __real_pthread_cond_signal(pthread_cond_t *);
int __real_pthread_cond_broadcast(pthread_cond_t *);
int __real_clock_gettime(clockid_t, struct timespec *);
int __real_clock_nanosleep(clockid_t, int, const struct timespec *,
                           struct timespec *);
int __real_nanosleep(const struct timespec *, struct timespec *);
int __real_poll(struct pollfd *, nfds_t, int);
ssize_t __real_read(int, void *, size_t);
ssize_t __real_recvmsg(int, struct msghdr *, int);
ssize_t __real_sendmsg(int, const struct msghdr *, int);
int __real_shutdown(int, int);
int __real_close(int);

/* The clock starts at a fixed point, not at 0: code may subtract margins. */
#define VT0 (1000ull * 1000000000ull)
#define NO_DEADLINE UINT64_MAX

enum wait_kind {
   W_RUNNING,   /* holds the baton */
   W_RUNNABLE,  /* on the run queue */
   W_SLEEP,     /* until its deadline */
   W_COND,      /* obj: a pthread_cond_t */
   W_MUTEX,     /* obj: a pthread_mutex_t */
   W_FD,        /* any socket activity (obj unused) */
   W_JOIN,      /* obj: the actor it joins */
};

static const char *const kind_name[] = {
   "running", "runnable", "sleep", "cond", "mutex", "fd", "join",
};

/* A thread's critical path: time per category since the clock started, and
 * the same path's composition up to the current mark (valid when
 * mark_id is the scheduler's), so a window's share is their difference
 * even when the path changed hands since the mark. */
struct cpath {
   uint64_t total[VC_NCAT];
   uint64_t at_mark[VC_NCAT];
   uint64_t mark_id;
};

struct actor {
   struct actor *next;     /* all actors, by id */
   struct actor *rq_next;
   unsigned id;
   pthread_t th;
   pthread_cond_t go;
   enum wait_kind kind;
   const void *obj;
   uint64_t deadline, seq, blocked_at;
   enum vc_cat cat;
   bool woken, timed_out;
   unsigned clock_reads;   /* since it last waited: a spin, if many */
   struct cpath path, wake_path;
   void *(*fn)(void *);
   void *arg;
};

static struct {
   pthread_mutex_t lock;
   bool on;
   uint64_t vt, seq;
   unsigned next_id;
   struct actor *current;
   struct actor *rq_head, *rq_tail;
   struct actor *all;
   unsigned nr_blocked_mutex, nr_blocked_fd;
   uint64_t mark_id, mark_vt;
   struct vsched_stats st;
} S = { .lock = PTHREAD_MUTEX_INITIALIZER, .vt = VT0 };

static __thread struct actor *self;

/* ------------------------------------------------------------ core */

static void
rq_push(struct actor *a)
{
   a->kind = W_RUNNABLE;
   a->rq_next = NULL;
   if (S.rq_tail)
      S.rq_tail->rq_next = a;
   else
      S.rq_head = a;
   S.rq_tail = a;
}

static struct actor *
rq_pop(void)
{
   struct actor *a = S.rq_head;

   S.rq_head = a->rq_next;
   if (!S.rq_head)
      S.rq_tail = NULL;
   return a;
}

static void
unblock_count(struct actor *a, int d)
{
   if (a->kind == W_MUTEX)
      S.nr_blocked_mutex += d;
   else if (a->kind == W_FD)
      S.nr_blocked_fd += d;
}

static void __attribute__((noreturn))
deadlock(void)
{
   fprintf(stderr, "vsched: nothing can run and nothing has a deadline at "
           "virtual %llu ns:\n", (unsigned long long)(S.vt - VT0));
   for (struct actor *a = S.all; a; a = a->next)
      fprintf(stderr, "  actor %u: %s %p\n", a->id, kind_name[a->kind],
              a->obj);
   abort();
}

/* Who runs next: the run queue in order, else the earliest deadline. */
static struct actor *
pick_next(void)
{
   struct actor *best = NULL;

   if (S.rq_head) {
      struct actor *a = rq_pop();
      a->kind = W_RUNNING;
      return a;
   }
   for (struct actor *a = S.all; a; a = a->next) {
      if (a->kind <= W_RUNNABLE || a->deadline == NO_DEADLINE)
         continue;
      if (!best || a->deadline < best->deadline ||
          (a->deadline == best->deadline && a->seq < best->seq))
         best = a;
   }
   if (!best)
      deadlock();
   if (best->deadline > S.vt) {
      S.vt = best->deadline;
      S.st.advances++;
   }
   unblock_count(best, -1);
   best->timed_out = true;
   best->kind = W_RUNNING;
   return best;
}

static void
hand_to(struct actor *next, struct actor *me)
{
   S.current = next;
   if (next == me)
      return;
   S.st.switches++;
   __real_pthread_cond_signal(&next->go);
   if (!me)
      return;
   while (S.current != me)
      __real_pthread_cond_wait(&me->go, &S.lock);
}

/* Under S.lock: me waits (kind etc. set) until woken or timed out. */
static void
block_locked(struct actor *me)
{
   me->blocked_at = S.vt;
   me->woken = me->timed_out = false;
   me->clock_reads = 0;
   me->seq = S.seq++;
   unblock_count(me, +1);
   hand_to(pick_next(), me);

   if (me->woken && S.vt > me->blocked_at) {
      /* Waited on the waker: its path is ours.  A mark set during the
       * hand-off latency fell into its OTHER time. */
      me->path = me->wake_path;
      if (me->path.mark_id != S.mark_id) {
         memcpy(me->path.at_mark, me->path.total, sizeof(me->path.at_mark));
         me->path.at_mark[VC_OTHER] -= S.vt - S.mark_vt;
         me->path.mark_id = S.mark_id;
      }
      return;
   }
   /* Our own path goes on.  A mark set while we waited fell inside this
    * wait: the part of it before the mark is ours up to the mark. */
   struct cpath *p = &me->path;
   if (p->mark_id != S.mark_id) {
      memcpy(p->at_mark, p->total, sizeof(p->at_mark));
      p->at_mark[me->cat] += S.mark_vt - me->blocked_at;
      p->mark_id = S.mark_id;
   }
   p->total[me->cat] += S.vt - me->blocked_at;
}

/* Returns true if the wait ended by its deadline (not by a wake-up, which
 * with a hand-off latency also ends at a deadline). */
static bool
block_on(enum wait_kind kind, const void *obj, uint64_t deadline,
         enum vc_cat cat)
{
   struct actor *me = self;

   __real_pthread_mutex_lock(&S.lock);
   me->kind = kind;
   me->obj = obj;
   me->deadline = deadline;
   me->cat = cat;
   block_locked(me);
   __real_pthread_mutex_unlock(&S.lock);
   return me->timed_out && !me->woken;
}

static void
wake_locked(struct actor *a)
{
   uint64_t lat = a->kind == W_MUTEX ? 0 : vclock_costs.wake_ns;

   unblock_count(a, -1);
   a->woken = true;
   a->wake_path = self->path;
   if (!lat) {
      rq_push(a);
      return;
   }
   /* The cost model's thread hand-off: the woken thread runs lat later,
    * and that wait is on its path (the waker's, extended). */
   a->wake_path.total[VC_OTHER] += lat;
   a->kind = W_SLEEP;
   a->obj = NULL;
   a->deadline = S.vt + lat;
}

/* Wake waiters of (kind, obj) in the order they started waiting. */
static void
wake_matching(enum wait_kind kind, const void *obj, bool all)
{
   for (;;) {
      struct actor *first = NULL;

      for (struct actor *a = S.all; a; a = a->next)
         if (a->kind == kind && (kind == W_FD || a->obj == obj) &&
             (!first || a->seq < first->seq))
            first = a;
      if (!first)
         return;
      wake_locked(first);
      if (!all)
         return;
   }
}

static void
wake(enum wait_kind kind, const void *obj, bool all)
{
   __real_pthread_mutex_lock(&S.lock);
   wake_matching(kind, obj, all);
   __real_pthread_mutex_unlock(&S.lock);
}

/* Something moved on a socket: everyone waiting on one looks again. */
static void
fd_activity(void)
{
   if (self && S.nr_blocked_fd)
      wake(W_FD, NULL, true);
}

/* ------------------------------------------------------------ clock */

/* A thread that reads the clock this often without waiting is spinning
 * until some time passes (a precise wait, a poll with a deadline): only
 * it runs, so let its spin take a little virtual time, as spinning does. */
#define SPIN_READS 64
#define SPIN_STEP_NS 100

static uint64_t
sched_now(void)
{
   if (self && ++self->clock_reads >= SPIN_READS)
      block_on(W_SLEEP, NULL, S.vt + SPIN_STEP_NS, VC_OTHER);
   return S.vt;
}

static void
sched_sleep_until(uint64_t deadline, enum vc_cat cat)
{
   if (!self) {
      struct timespec ts = { (time_t)(deadline / 1000000000ull),
                             (long)(deadline % 1000000000ull) };
      __real_clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
      return;
   }
   if (deadline <= S.vt)
      return;
   block_on(W_SLEEP, NULL, deadline, cat);
}

static void
sched_path(uint64_t out[VC_NCAT])
{
   if (!self)
      return;
   for (unsigned i = 0; i < VC_NCAT; i++)
      out[i] = self->path.total[i] - self->path.at_mark[i];
}

/* Every thread not waiting is at the mark now; a waiting one learns where
 * its wait crossed it when the wait ends (block_locked). */
static void
sched_mark(void)
{
   if (!self)
      return;
   __real_pthread_mutex_lock(&S.lock);
   S.mark_id++;
   S.mark_vt = S.vt;
   for (struct actor *a = S.all; a; a = a->next) {
      if (a->kind > W_RUNNABLE)
         continue;
      /* A woken thread has yet to take its waker's path: that too. */
      struct cpath *p[2] = { &a->path, &a->wake_path };
      for (unsigned i = 0; i < 2; i++) {
         memcpy(p[i]->at_mark, p[i]->total, sizeof(p[i]->at_mark));
         p[i]->mark_id = S.mark_id;
      }
   }
   __real_pthread_mutex_unlock(&S.lock);
}

static const struct vclock_sched vsched_ops = {
   .now = sched_now,
   .sleep_until = sched_sleep_until,
   .path = sched_path,
   .mark = sched_mark,
};

static struct actor *
actor_new(void)
{
   struct actor *a = calloc(1, sizeof(*a));

   if (!a)
      return NULL;
   pthread_cond_init(&a->go, NULL);
   a->id = S.next_id++;
   a->deadline = NO_DEADLINE;
   S.st.actors++;
   struct actor **p = &S.all;
   while (*p)
      p = &(*p)->next;
   *p = a;
   return a;
}

void
vsched_start(void)
{
   __real_pthread_mutex_lock(&S.lock);
   if (!S.on) {
      struct actor *a = actor_new();
      if (!a)
         abort();
      a->th = pthread_self();
      a->kind = W_RUNNING;
      S.current = a;
      self = a;
      S.on = true;
   }
   __real_pthread_mutex_unlock(&S.lock);
   vclock_set_sched(&vsched_ops);
}

void
vsched_get_stats(struct vsched_stats *st)
{
   __real_pthread_mutex_lock(&S.lock);
   *st = S.st;
   __real_pthread_mutex_unlock(&S.lock);
}

/* ------------------------------------------------------------ threads */

static void *
trampoline(void *arg)
{
   struct actor *a = arg;
   void *ret;

   self = a;
   __real_pthread_mutex_lock(&S.lock);
   while (S.current != a)
      __real_pthread_cond_wait(&a->go, &S.lock);
   __real_pthread_mutex_unlock(&S.lock);

   ret = a->fn(a->arg);

   __real_pthread_mutex_lock(&S.lock);
   for (struct actor **p = &S.all; *p; p = &(*p)->next) {
      if (*p == a) {
         *p = a->next;
         break;
      }
   }
   wake_matching(W_JOIN, a, true);
   hand_to(pick_next(), NULL);
   __real_pthread_mutex_unlock(&S.lock);
   self = NULL;
   pthread_cond_destroy(&a->go);
   free(a);
   return ret;
}

int
__wrap_pthread_create(pthread_t *th, const pthread_attr_t *attr,
                      void *(*fn)(void *), void *arg)
{
   if (!self)
      return __real_pthread_create(th, attr, fn, arg);

   __real_pthread_mutex_lock(&S.lock);
   struct actor *a = actor_new();
   __real_pthread_mutex_unlock(&S.lock);
   if (!a)
      return EAGAIN;
   a->fn = fn;
   a->arg = arg;
   a->path = self->path;
   a->kind = W_SLEEP; /* not runnable until created */

   int ret = __real_pthread_create(th, attr, trampoline, a);
   __real_pthread_mutex_lock(&S.lock);
   if (ret) {
      for (struct actor **p = &S.all; *p; p = &(*p)->next)
         if (*p == a) {
            *p = a->next;
            break;
         }
      __real_pthread_mutex_unlock(&S.lock);
      pthread_cond_destroy(&a->go);
      free(a);
      return ret;
   }
   a->th = *th;
   rq_push(a);
   __real_pthread_mutex_unlock(&S.lock);
   return 0;
}

int
__wrap_pthread_join(pthread_t th, void **ret)
{
   if (self) {
      for (;;) {
         struct actor *found = NULL;

         __real_pthread_mutex_lock(&S.lock);
         for (struct actor *a = S.all; a; a = a->next)
            if (pthread_equal(a->th, th) && a != self)
               found = a;
         if (found) {
            self->kind = W_JOIN;
            self->obj = found;
            self->deadline = NO_DEADLINE;
            self->cat = VC_OTHER;
            block_locked(self);
         }
         __real_pthread_mutex_unlock(&S.lock);
         if (!found)
            break;
      }
   }
   return __real_pthread_join(th, ret);
}

/* ------------------------------------------------------------ locks */

int
__wrap_pthread_mutex_lock(pthread_mutex_t *m)
{
   if (!self)
      return __real_pthread_mutex_lock(m);
   for (;;) {
      int ret = pthread_mutex_trylock(m);
      if (ret != EBUSY)
         return ret;
      block_on(W_MUTEX, m, NO_DEADLINE, VC_OTHER);
   }
}

int
__wrap_pthread_mutex_unlock(pthread_mutex_t *m)
{
   int ret = __real_pthread_mutex_unlock(m);

   if (self && S.nr_blocked_mutex)
      wake(W_MUTEX, m, true);
   return ret;
}

static int
cond_wait(pthread_cond_t *c, pthread_mutex_t *m, uint64_t deadline)
{
   bool timed_out;

   __wrap_pthread_mutex_unlock(m);
   timed_out = block_on(W_COND, c, deadline, VC_OTHER);
   __wrap_pthread_mutex_lock(m);
   return timed_out ? ETIMEDOUT : 0;
}

int
__wrap_pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
   if (!self)
      return __real_pthread_cond_wait(c, m);
   return cond_wait(c, m, NO_DEADLINE);
}

/* The deadline is read as CLOCK_MONOTONIC, i.e. virtual: every timed wait
 * in this project uses a condvar set to that clock. */
int
__wrap_pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
                              const struct timespec *abstime)
{
   if (!self)
      return __real_pthread_cond_timedwait(c, m, abstime);
   uint64_t deadline = (uint64_t)abstime->tv_sec * 1000000000ull +
                       (uint64_t)abstime->tv_nsec;
   if (deadline <= S.vt)
      return ETIMEDOUT;
   return cond_wait(c, m, deadline);
}

int
__wrap_pthread_cond_signal(pthread_cond_t *c)
{
   if (!self)
      return __real_pthread_cond_signal(c);
   wake(W_COND, c, false);
   return 0;
}

int
__wrap_pthread_cond_broadcast(pthread_cond_t *c)
{
   if (!self)
      return __real_pthread_cond_broadcast(c);
   wake(W_COND, c, true);
   return 0;
}

/* ------------------------------------------------------------ clock */

int
__wrap_clock_gettime(clockid_t id, struct timespec *ts)
{
   if (S.on && (id == CLOCK_MONOTONIC || id == CLOCK_MONOTONIC_COARSE ||
                id == CLOCK_MONOTONIC_RAW)) {
      uint64_t now = sched_now();

      ts->tv_sec = (time_t)(now / 1000000000ull);
      ts->tv_nsec = (long)(now % 1000000000ull);
      return 0;
   }
   return __real_clock_gettime(id, ts);
}

int
__wrap_clock_nanosleep(clockid_t id, int flags, const struct timespec *req,
                       struct timespec *rem)
{
   if (!self || id != CLOCK_MONOTONIC)
      return __real_clock_nanosleep(id, flags, req, rem);
   uint64_t t = (uint64_t)req->tv_sec * 1000000000ull +
                (uint64_t)req->tv_nsec;
   sched_sleep_until((flags & TIMER_ABSTIME) ? t : S.vt + t, VC_OTHER);
   return 0;
}

int
__wrap_nanosleep(const struct timespec *req, struct timespec *rem)
{
   if (!self)
      return __real_nanosleep(req, rem);
   sched_sleep_until(S.vt + (uint64_t)req->tv_sec * 1000000000ull +
                     (uint64_t)req->tv_nsec, VC_OTHER);
   return 0;
}

/* ------------------------------------------------------------ files */

int
__wrap_poll(struct pollfd *fds, nfds_t n, int timeout_ms)
{
   if (!self)
      return __real_poll(fds, n, timeout_ms);
   uint64_t deadline = timeout_ms < 0 ? NO_DEADLINE
                       : S.vt + (uint64_t)timeout_ms * 1000000ull;
   for (;;) {
      int ret = __real_poll(fds, n, 0);
      if (ret != 0 || timeout_ms == 0 || S.vt >= deadline)
         return ret;
      block_on(W_FD, NULL, deadline, VC_OTHER);
   }
}

/* Until fd has something for events (never blocking the baton holder). */
static void
wait_fd(int fd, short events)
{
   for (;;) {
      struct pollfd p = { .fd = fd, .events = events };
      if (__real_poll(&p, 1, 0) != 0)
         return;
      block_on(W_FD, NULL, NO_DEADLINE, VC_OTHER);
   }
}

ssize_t
__wrap_read(int fd, void *buf, size_t n)
{
   if (!self)
      return __real_read(fd, buf, n);
   wait_fd(fd, POLLIN);
   ssize_t ret = __real_read(fd, buf, n);
   fd_activity();
   return ret;
}

ssize_t
__wrap_recvmsg(int fd, struct msghdr *msg, int flags)
{
   if (!self)
      return __real_recvmsg(fd, msg, flags);
   if (!(flags & MSG_DONTWAIT))
      wait_fd(fd, POLLIN);
   ssize_t ret = __real_recvmsg(fd, msg, flags);
   fd_activity();
   return ret;
}

ssize_t
__wrap_sendmsg(int fd, const struct msghdr *msg, int flags)
{
   if (!self)
      return __real_sendmsg(fd, msg, flags);
   for (;;) {
      ssize_t ret = __real_sendmsg(fd, msg, flags | MSG_DONTWAIT);
      if (ret >= 0 || errno != EAGAIN || (flags & MSG_DONTWAIT)) {
         int err = errno;
         fd_activity();
         errno = err;
         return ret;
      }
      wait_fd(fd, POLLOUT);
   }
}

int
__wrap_shutdown(int fd, int how)
{
   int ret = __real_shutdown(fd, how);
   int err = errno;
   fd_activity();
   errno = err;
   return ret;
}

int
__wrap_close(int fd)
{
   int ret = __real_close(fd);
   int err = errno;
   fd_activity();
   errno = err;
   return ret;
}
