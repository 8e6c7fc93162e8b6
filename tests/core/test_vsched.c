/*
 * test_vsched.c - the virtual clock's scheduler (core/vsched.c) under real
 * threads: time moves only by waits, wake-ups hand over the critical path,
 * timed waits end exactly at their deadline, sockets wake their readers,
 * and the interleaving of competing threads is the same every time.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "vclock.h"
#include "vsched.h"

#define US 1000ull

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static char order[512];
static unsigned norder;
static int flag;

static void
note(char c)
{
   pthread_mutex_lock(&lock);
   if (norder < sizeof(order) - 1)
      order[norder++] = c;
   pthread_mutex_unlock(&lock);
}

static void *
sleeper(void *arg)
{
   uintptr_t us = (uintptr_t)arg;

   vclock_wait_until(vclock_now_ns() + us * US, VC_OTHER);
   note(us == 30 ? 'A' : 'B');
   return NULL;
}

static void
test_time_moves_by_waits_only(void **state)
{
   pthread_t a, b;
   uint64_t t0 = vclock_now_ns();

   (void)state;
   norder = 0;
   assert_int_equal(pthread_create(&a, NULL, sleeper, (void *)30), 0);
   assert_int_equal(pthread_create(&b, NULL, sleeper, (void *)10), 0);
   /* Work here takes no virtual time, however long it really takes. */
   for (volatile int i = 0; i < 1000000; i++)
      ;
   assert_int_equal(vclock_now_ns(), t0);
   pthread_join(a, NULL);
   pthread_join(b, NULL);
   assert_int_equal(norder, 2);
   assert_memory_equal(order, "BA", 2);
   /* Both slept in parallel: the join ends at the later deadline. */
   assert_int_equal(vclock_now_ns() - t0, 30 * US);
}

static void *
gpu_then_signal(void *arg)
{
   (void)arg;
   vclock_wait_until(vclock_now_ns() + 40 * US, VC_GPU);
   vclock_charge(VC_HOST_CPU, 3 * US);
   pthread_mutex_lock(&lock);
   flag = 1;
   pthread_cond_signal(&cond);
   pthread_mutex_unlock(&lock);
   return NULL;
}

static void
test_wakeup_hands_over_the_path(void **state)
{
   uint64_t path[VC_NCAT], t0;
   pthread_t t;

   (void)state;
   vclock_path_mark();
   t0 = vclock_now_ns();
   vclock_charge(VC_GUEST_CPU, 5 * US);
   flag = 0;
   assert_int_equal(pthread_create(&t, NULL, gpu_then_signal, NULL), 0);
   pthread_mutex_lock(&lock);
   while (!flag)
      pthread_cond_wait(&cond, &lock);
   pthread_mutex_unlock(&lock);
   pthread_join(t, NULL);

   /* We waited on the thread: its GPU and host time are our path, and the
    * guest CPU we spent before creating it is part of its path too. */
   vclock_path(path);
   assert_int_equal(vclock_now_ns() - t0, 48 * US);
   assert_int_equal(path[VC_GUEST_CPU], 5 * US);
   assert_int_equal(path[VC_GPU], 40 * US);
   assert_int_equal(path[VC_HOST_CPU], 3 * US);
   assert_int_equal(path[VC_OTHER], 0);
}

static void
test_timedwait_ends_at_its_deadline(void **state)
{
   uint64_t path[VC_NCAT], t0 = vclock_now_ns(), dl = t0 + 25 * US;
   struct timespec ts = { (time_t)(dl / 1000000000ull),
                          (long)(dl % 1000000000ull) };

   (void)state;
   vclock_path_mark();
   pthread_mutex_lock(&lock);
   assert_int_equal(pthread_cond_timedwait(&cond, &lock, &ts), ETIMEDOUT);
   pthread_mutex_unlock(&lock);
   assert_int_equal(vclock_now_ns(), dl);
   vclock_path(path);
   assert_int_equal(path[VC_OTHER], 25 * US);
}

static int sv[2];

static void *
late_writer(void *arg)
{
   struct iovec iov = { .iov_base = "x", .iov_len = 1 };
   struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

   (void)arg;
   vclock_wait_until(vclock_now_ns() + 7 * US, VC_ASYNC);
   assert_int_equal(sendmsg(sv[0], &msg, 0), 1);
   return NULL;
}

static void
test_socket_wakes_its_reader(void **state)
{
   uint64_t t0 = vclock_now_ns();
   pthread_t t;
   char c = 0;

   (void)state;
   assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
   assert_int_equal(pthread_create(&t, NULL, late_writer, NULL), 0);
   /* A blocking read that would stall the only running thread for real:
    * it hands the baton on instead. */
   assert_int_equal(read(sv[1], &c, 1), 1);
   assert_int_equal(c, 'x');
   assert_int_equal(vclock_now_ns() - t0, 7 * US);
   pthread_join(t, NULL);
   close(sv[0]);
   close(sv[1]);
}

static void *
competitor(void *arg)
{
   uintptr_t id = (uintptr_t)arg;

   for (int i = 0; i < 40; i++) {
      note((char)('0' + id));
      vclock_charge(VC_HOST_CPU, (id + 1) * 100);
   }
   return NULL;
}

static void
race(char *out)
{
   pthread_t t[4];

   norder = 0;
   for (uintptr_t i = 0; i < 4; i++)
      assert_int_equal(pthread_create(&t[i], NULL, competitor, (void *)i), 0);
   for (int i = 0; i < 4; i++)
      pthread_join(t[i], NULL);
   memcpy(out, order, norder);
   out[norder] = '\0';
}

static void
test_interleaving_is_deterministic(void **state)
{
   char a[200], b[200];

   (void)state;
   race(a);
   race(b);
   assert_int_equal(strlen(a), 160);
   assert_string_equal(a, b);
   /* Really interleaved: the slowest thread is not simply last. */
   assert_true(strchr(a, '3') < strrchr(a, '0'));
}

static void
test_spin_on_the_clock_ends(void **state)
{
   uint64_t t0 = vclock_now_ns(), until = t0 + 3 * US;
   unsigned reads = 0;

   (void)state;
   /* Nobody else runs while we hold the baton: a spin must move time. */
   while (vclock_now_ns() < until)
      reads++;
   assert_true(reads > 1);
   assert_true(vclock_now_ns() >= until);
   assert_true(vclock_now_ns() < until + 1 * US);
}

int
main(void)
{
   const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_time_moves_by_waits_only),
      cmocka_unit_test(test_wakeup_hands_over_the_path),
      cmocka_unit_test(test_timedwait_ends_at_its_deadline),
      cmocka_unit_test(test_socket_wakes_its_reader),
      cmocka_unit_test(test_interleaving_is_deterministic),
      cmocka_unit_test(test_spin_on_the_clock_ends),
   };

   vsched_start(); /* before any thread: the whole process is virtual */
   return cmocka_run_group_tests(tests, NULL, NULL);
}
