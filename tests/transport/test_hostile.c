/*
 * test_hostile.c - the transport against misbehaving peers: garbage,
 * oversized and truncated frames, frames in the wrong direction or order,
 * lying timestamps, a guest that stops reading, a guest killed with SIGKILL
 * mid-frame, and the listener's path handling.  After each, the host must
 * still serve a well-behaved guest.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "echo_proto.h"
#include "mt_priv.h"

struct fixture {
   char dir[64], path[96];
   struct mt_host *host;
   struct mt_guest *good;
};

static struct fixture fx;

/* 0: the host's defaults. */
static struct mt_host_config deadlines;

static int
setup(void **state)
{
   (void)state;
   memset(&fx, 0, sizeof(fx));
   strcpy(fx.dir, "/tmp/mt-hostile-XXXXXX");
   if (!mkdtemp(fx.dir))
      return -1;
   snprintf(fx.path, sizeof(fx.path), "%s/sock", fx.dir);
   echo_world_reset(NULL, 0);
   struct mt_host_config hc = echo_host_config(NULL, 0, -1);
   hc.hello_timeout_ms = deadlines.hello_timeout_ms;
   hc.frame_timeout_ms = deadlines.frame_timeout_ms;
   hc.idle_timeout_ms = deadlines.idle_timeout_ms;
   if (mt_host_create(&hc, &fx.host) || mt_host_listen(fx.host, fx.path))
      return -1;
   struct mt_guest_config g = { .proto = "echo" };
   if (mt_guest_connect(fx.path, &g, &fx.good))
      return -1;
   return 0;
}

static int
teardown(void **state)
{
   (void)state;
   mt_guest_close(fx.good);
   mt_host_destroy(fx.host);
   unlink(fx.path);
   rmdir(fx.dir);
   return 0;
}

/* The well-behaved guest still gets answers. */
static void
assert_host_serves(void)
{
   struct echo_req req = { .op = ECHO_ECHO, .arg0 = 77 };
   struct echo_req rsp;
   uint32_t len;
   assert_int_equal(mt_call(fx.good, 1, &req, sizeof(req), &rsp, sizeof(rsp),
                            &len), 0);
   assert_int_equal(rsp.arg0, 77);
}

static bool
wait_host(uint64_t faults, uint64_t live)
{
   for (int i = 0; i < 5000; i++) {
      struct mt_host_stats st;
      mt_host_get_stats(fx.host, &st);
      if (st.faults >= faults && st.live == live)
         return true;
      usleep(1000);
   }
   return false;
}

static int
raw_connect(void)
{
   struct sockaddr_un sun = { .sun_family = AF_UNIX };
   strcpy(sun.sun_path, fx.path);
   int fd = socket(AF_UNIX, SOCK_STREAM, 0);
   assert_true(fd >= 0);
   assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
   return fd;
}

static void
raw_write(int fd, const void *p, size_t n)
{
   assert_int_equal(send(fd, p, n, MSG_NOSIGNAL), (ssize_t)n);
}

static void
raw_read(int fd, void *p, size_t n)
{
   size_t got = 0;
   while (got < n) {
      ssize_t r = read(fd, (uint8_t *)p + got, n - got);
      assert_true(r > 0);
      got += r;
   }
}

/* A HELLO frame as bytes (built before any fork). */
struct hello_frame {
   struct mt_frame_hdr hdr;
   struct mt_hello hello;
};

static struct hello_frame
make_hello(uint32_t delay_ns)
{
   struct hello_frame f = {
      .hdr = { .type = MT_HELLO, .len = sizeof(struct mt_hello),
               .ts_ns = mt_now_ns() },
      .hello = { .magic = MT_MAGIC, .version = MT_VERSION,
                 .delay_ns = delay_ns, .proto = "echo" },
   };
   return f;
}

/* HELLO and its welcome; the connection is then live. */
static int
raw_hello(uint32_t delay_ns)
{
   int fd = raw_connect();
   struct hello_frame f = make_hello(delay_ns);
   raw_write(fd, &f, sizeof(f));

   struct mt_frame_hdr hdr;
   struct mt_welcome wel;
   raw_read(fd, &hdr, sizeof(hdr));
   assert_int_equal(hdr.type, MT_REPLY);
   assert_int_equal(hdr.len, sizeof(wel));
   raw_read(fd, &wel, sizeof(wel));
   assert_int_equal(wel.status, 0);
   return fd;
}

static bool
peer_closed(int fd)
{
   char c;
   for (;;) {
      ssize_t r = read(fd, &c, 1);
      if (r <= 0)
         return r == 0 || errno == ECONNRESET;
   }
}

static void
test_garbage_header(void **state)
{
   (void)state;
   int fd = raw_connect();
   uint32_t junk[8];
   for (int i = 0; i < 8; i++)
      junk[i] = 0xdeadbeef * (i + 1);
   raw_write(fd, junk, sizeof(junk));
   assert_true(peer_closed(fd));
   close(fd);
   assert_true(wait_host(1, 1));
   assert_int_equal(echo_world.closes, 0); /* never said HELLO */
   assert_host_serves();
}

static void
test_oversized_len(void **state)
{
   (void)state;
   const uint32_t lens[] = { MT_MAX_PAYLOAD + 1, 0xffffffffu };
   for (int i = 0; i < 2; i++) {
      int fd = raw_hello(0);
      struct mt_frame_hdr hdr = { .type = MT_CALL, .len = lens[i], .tag = 1 };
      raw_write(fd, &hdr, sizeof(hdr));
      assert_true(peer_closed(fd));
      close(fd);
      assert_true(echo_wait_closes(i + 1)); /* on_close ran */
      assert_true(wait_host(i + 1, 1));
   }
   /* A HELLO that claims a huge protocol blob is no better. */
   int fd = raw_connect();
   struct hello_frame f = make_hello(0);
   f.hdr.len = sizeof(struct mt_hello) + MT_MAX_HELLO + 1;
   raw_write(fd, &f, sizeof(f));
   assert_true(peer_closed(fd));
   close(fd);
   assert_true(wait_host(3, 1));
   assert_host_serves();
}

static void
test_truncated_frame(void **state)
{
   (void)state;
   int fd = raw_hello(0);
   struct mt_frame_hdr hdr = { .type = MT_CALL, .len = 100, .tag = 1 };
   raw_write(fd, &hdr, sizeof(hdr));
   raw_write(fd, "0123456789", 10);
   close(fd);
   assert_true(echo_wait_closes(1));
   assert_true(wait_host(0, 1));

   /* Half a header, too. */
   fd = raw_hello(0);
   raw_write(fd, &hdr, 7);
   close(fd);
   assert_true(echo_wait_closes(2));
   assert_true(wait_host(0, 1));
   assert_host_serves();
}

static void
test_wrong_order_and_direction(void **state)
{
   (void)state;
   struct mt_frame_hdr bad[] = {
      { .type = MT_REPLY, .len = 0, .tag = 1 },   /* host->guest type */
      { .type = MT_EVENT, .len = 0 },
      { .type = MT_CALL, .len = 0, .flags = 1 },  /* reserved flags */
      { .type = 0 },
      { .type = 99 },
   };
   int n = sizeof(bad) / sizeof(bad[0]);
   for (int i = 0; i < n; i++) {
      int fd = raw_hello(0);
      raw_write(fd, &bad[i], sizeof(bad[i]));
      assert_true(peer_closed(fd));
      close(fd);
      assert_true(wait_host(i + 1, 1));
   }
   assert_true(echo_wait_closes(n));

   /* A CALL before any HELLO. */
   int fd = raw_connect();
   struct mt_frame_hdr call = { .type = MT_CALL, .tag = 1 };
   raw_write(fd, &call, sizeof(call));
   assert_true(peer_closed(fd));
   close(fd);
   assert_true(wait_host(n + 1, 1));

   /* A second HELLO on a live connection. */
   fd = raw_hello(0);
   struct hello_frame f = make_hello(0);
   raw_write(fd, &f, sizeof(f));
   assert_true(peer_closed(fd));
   close(fd);
   assert_true(wait_host(n + 2, 1));

   /* A HELLO with a bad magic / no NUL in the name. */
   f = make_hello(0);
   f.hello.magic = 0;
   fd = raw_connect();
   raw_write(fd, &f, sizeof(f));
   assert_true(peer_closed(fd));
   close(fd);
   f = make_hello(0);
   memset(f.hello.proto, 'x', sizeof(f.hello.proto));
   fd = raw_connect();
   raw_write(fd, &f, sizeof(f));
   assert_true(peer_closed(fd));
   close(fd);
   assert_true(wait_host(n + 4, 1));
   assert_host_serves();
}

/* A guest lying about its send time, or asking for an absurd delay, only
 * slows itself, and only so much. */
static void
test_hostile_timestamps(void **state)
{
   (void)state;
   int fd = raw_hello(0xffffffffu); /* 4.3 s one way: clamped */
   const uint64_t ts[] = { UINT64_MAX, 0, mt_now_ns() + 1000000000000ull };
   for (int i = 0; i < 3; i++) {
      struct mt_frame_hdr hdr = { .type = MT_CALL, .tag = 5 + i,
                                  .ts_ns = ts[i] };
      uint64_t t0 = mt_now_ns();
      raw_write(fd, &hdr, sizeof(hdr));
      struct mt_frame_hdr rep;
      raw_read(fd, &rep, sizeof(rep));
      uint64_t dt = mt_now_ns() - t0;
      assert_int_equal(rep.type, MT_REPLY);
      assert_int_equal(rep.tag, 5 + i);
      assert_int_equal(rep.len, 0);
      /* Never longer than receive time + the clamped one-way delay (plus
       * a second for a loaded 2-core machine; the unclamped delay would
       * be 2.1 s, a lie about the send time could make it hours). */
      assert_true(dt <= MT_MAX_RTT_US * 1000ull / 2 + 1000000000ull);
   }
   close(fd);
   assert_true(echo_wait_closes(1));
   assert_host_serves();
}

static void
test_unknown_tag_reply(void **state)
{
   (void)state;
   mt_guest_stats_reset(fx.good);
   struct echo_req req = { .op = ECHO_BADTAG };
   char rsp[8] = { 0 };
   uint32_t len;
   assert_int_equal(mt_call(fx.good, 0, &req, sizeof(req), rsp, sizeof(rsp),
                            &len), 0);
   assert_int_equal(len, 2);
   assert_memory_equal(rsp, "ok", 2);
   struct mt_stats st;
   mt_guest_stats(fx.good, &st);
   assert_int_equal(st.dropped, 1);
   assert_host_serves();
}

/* A hostile host: the guest drops the connection, its callers get errors. */
struct fake_host {
   int fd;
   int mode; /* 0: garbage header, 1: oversized REPLY, 2: truncated */
};

static void *
fake_host_main(void *arg)
{
   struct fake_host *fh = arg;
   struct mt_frame_hdr hdr;
   uint8_t buf[sizeof(struct mt_hello) + MT_MAX_HELLO];

   raw_read(fh->fd, &hdr, sizeof(hdr));
   raw_read(fh->fd, buf, hdr.len);
   struct mt_welcome wel = { .version = MT_VERSION };
   struct mt_frame_hdr rep = { .type = MT_REPLY, .len = sizeof(wel),
                               .tag = hdr.tag, .ts_ns = mt_now_ns() };
   raw_write(fh->fd, &rep, sizeof(rep));
   raw_write(fh->fd, &wel, sizeof(wel));

   raw_read(fh->fd, &hdr, sizeof(hdr)); /* the CALL */
   raw_read(fh->fd, buf, hdr.len);
   rep = (struct mt_frame_hdr){ .type = MT_REPLY, .tag = hdr.tag,
                                .ts_ns = mt_now_ns() };
   switch (fh->mode) {
   case 0:
      memset(&rep, 0xa5, sizeof(rep));
      raw_write(fh->fd, &rep, sizeof(rep));
      break;
   case 1:
      rep.len = 0xfffffff0u;
      raw_write(fh->fd, &rep, sizeof(rep));
      break;
   default:
      rep.len = 64;
      raw_write(fh->fd, &rep, sizeof(rep));
      raw_write(fh->fd, "abc", 3);
      shutdown(fh->fd, SHUT_WR);
      break;
   }
   return NULL;
}

static void
test_hostile_host(void **state)
{
   (void)state;
   for (int mode = 0; mode < 3; mode++) {
      int sv[2];
      assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
      struct fake_host fh = { .fd = sv[0], .mode = mode };
      pthread_t t;
      assert_int_equal(pthread_create(&t, NULL, fake_host_main, &fh), 0);

      struct mt_guest_config cfg = { .proto = "echo" };
      struct mt_guest *g;
      assert_int_equal(mt_guest_open_fd(sv[1], NULL, 0, 0, &cfg, &g), 0);
      uint8_t rsp[64];
      uint32_t len;
      assert_int_equal(mt_call(g, 0, "hi", 2, rsp, sizeof(rsp), &len),
                       -ECONNRESET);
      assert_int_equal(mt_call(g, 0, "hi", 2, rsp, sizeof(rsp), &len),
                       -ECONNRESET);
      pthread_join(t, NULL);
      mt_guest_close(g);
      close(sv[0]);
   }

   /* A welcome that never comes times out. */
   int sv[2];
   assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
   struct mt_guest_config cfg = { .proto = "echo", .timeout_ms = 100 };
   struct mt_guest *g;
   assert_int_equal(mt_guest_open_fd(sv[1], NULL, 0, 0, &cfg, &g), -ETIMEDOUT);
   close(sv[0]);
}

/* A guest that never reads what the host sends: mt_event() must not block
 * (it runs on the core's GPU thread); past the queue bound the guest goes. */
static void
test_nonreading_guest(void **state)
{
   (void)state;
   int fd = raw_hello(0);
   assert_true(echo_wait_hellos(2));
   pthread_mutex_lock(&echo_world.lock);
   struct mt_conn *conn = echo_world.last_conn;
   pthread_mutex_unlock(&echo_world.lock);

   void *ev = calloc(1, MT_MAX_PAYLOAD);
   int ret = 0, i;
   uint64_t t0 = mt_now_ns();
   for (i = 0; i < 200 && !ret; i++)
      ret = mt_event(conn, 0, ev, MT_MAX_PAYLOAD);
   free(ev);
   assert_int_equal(ret, -ENOBUFS);
   /* The tx_max_bytes bound (MT_DEFAULT_TX_MAX_BYTES, 4 MiB), not the
    * socket's buffer: about four 1 MiB events, and never 16. */
   assert_true(i >= 3 && i <= 12);
   assert_true(mt_now_ns() - t0 < 2000000000ull);
   assert_true(echo_wait_closes(1));
   close(fd);
   assert_true(wait_host(0, 1));
   assert_host_serves();
}

/* Slots are not free to hold: a connection that never completes its
 * HELLO, one that trickles a frame, and one that holds nothing and says
 * nothing are each dropped at their deadline; a guest that keeps talking
 * is not. */
static int
setup_deadlines(void **state)
{
   deadlines = (struct mt_host_config){
      .hello_timeout_ms = 300, .frame_timeout_ms = 300,
      .idle_timeout_ms = 600,
   };
   int ret = setup(state);
   deadlines = (struct mt_host_config){ 0 };
   return ret;
}

static void
test_deadlines(void **state)
{
   (void)state;
   struct mt_host_stats st;
   struct hello_frame f = make_hello(0);

   /* Silent from the start; and a HELLO sent one byte at a time. */
   int silent = raw_connect();
   int trickle = raw_connect();
   for (size_t i = 0; i < sizeof(f); i++) {
      if (write(trickle, (char *)&f + i, 1) != 1)
         break; /* dropped already */
      usleep(50000);
   }
   assert_true(peer_closed(silent));
   assert_true(peer_closed(trickle));
   close(silent);
   close(trickle);

   /* Past its HELLO, a frame trickled: dropped at the frame deadline. */
   int slow = raw_hello(0);
   struct mt_frame_hdr call = { .type = MT_SEND, .len = 64 };
   raw_write(slow, &call, sizeof(call));
   for (int i = 0; i < 64; i++) {
      if (write(slow, "x", 1) != 1)
         break;
      usleep(50000);
   }
   assert_true(peer_closed(slow));
   close(slow);

   /* Live and idle (echo holds nothing): dropped at the idle timeout,
    * while a guest talking every 100 ms stays.  (fx.good, silent until
    * now, was dropped the same way: connect a fresh one.) */
   struct mt_guest_config g = { .proto = "echo" };
   mt_guest_close(fx.good);
   assert_int_equal(mt_guest_connect(fx.path, &g, &fx.good), 0);
   int idle = raw_hello(0);
   for (int i = 0; i < 10; i++) {
      assert_host_serves();
      usleep(100000);
   }
   assert_true(peer_closed(idle));
   close(idle);
   assert_host_serves();
   mt_host_get_stats(fx.host, &st);
   assert_true(st.faults >= 4);
}

static void
test_sigkill_mid_frame(void **state)
{
   (void)state;
   /* Everything the child needs is ready before fork: after it the child
    * makes only raw syscalls. */
   struct hello_frame f = make_hello(0);
   struct mt_frame_hdr call = { .type = MT_CALL, .len = 4096, .tag = 1 };
   struct sockaddr_un sun = { .sun_family = AF_UNIX };
   strcpy(sun.sun_path, fx.path);

   pid_t pid = fork();
   assert_true(pid >= 0);
   if (pid == 0) {
      int fd = socket(AF_UNIX, SOCK_STREAM, 0);
      if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) ||
          write(fd, &f, sizeof(f)) != sizeof(f) ||
          write(fd, &call, sizeof(call)) != sizeof(call) ||
          write(fd, "partial", 7) != 7)
         _exit(1);
      for (;;)
         pause();
   }
   assert_true(echo_wait_hellos(2));
   kill(pid, SIGKILL);
   int status;
   assert_int_equal(waitpid(pid, &status, 0), pid);
   assert_true(WIFSIGNALED(status));
   assert_true(echo_wait_closes(1));
   assert_true(wait_host(0, 1));
   assert_host_serves();
}

/* The same with the real guest library streaming SENDs when it dies. */
static void
test_sigkill_streaming_guest(void **state)
{
   (void)state;
   pid_t pid = fork();
   assert_true(pid >= 0);
   if (pid == 0) {
      struct mt_guest_config cfg = { .proto = "echo" };
      struct mt_guest *g;
      if (mt_guest_connect(fx.path, &cfg, &g))
         _exit(1);
      struct echo_msg m = { 0 };
      for (;; m.seq++) {
         m.sent_ns = mt_now_ns();
         mt_send(g, 0, &m, sizeof(m));
      }
   }
   assert_true(echo_wait_hellos(2));
   usleep(20000);
   kill(pid, SIGKILL);
   int status;
   assert_int_equal(waitpid(pid, &status, 0), pid);
   assert_true(WIFSIGNALED(status));
   assert_true(echo_wait_closes(1));
   assert_true(wait_host(0, 1));
   assert_host_serves();
}

static void
test_listen_in_use(void **state)
{
   (void)state;
   struct mt_host_config hc = echo_host_config(NULL, 0, -1);
   struct mt_host *h2;
   assert_int_equal(mt_host_create(&hc, &h2), 0);
   assert_int_equal(mt_host_listen(h2, fx.path), -EADDRINUSE);
   mt_host_destroy(h2);
   /* The live server's socket file survived the attempt. */
   assert_host_serves();
   struct mt_guest *g;
   struct mt_guest_config cfg = { .proto = "echo" };
   assert_int_equal(mt_guest_connect(fx.path, &cfg, &g), 0);
   mt_guest_close(g);

   /* One listener per host. */
   char other[128];
   snprintf(other, sizeof(other), "%s/other", fx.dir);
   assert_int_equal(mt_host_listen(fx.host, other), -EBUSY);
}

static void
test_stale_socket(void **state)
{
   (void)state;
   char path[128];
   snprintf(path, sizeof(path), "%s/stale", fx.dir);

   /* A dead server's leftover: bound, never listening, closed. */
   struct sockaddr_un sun = { .sun_family = AF_UNIX };
   strcpy(sun.sun_path, path);
   int fd = socket(AF_UNIX, SOCK_STREAM, 0);
   assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
   close(fd);
   struct stat st;
   assert_int_equal(stat(path, &st), 0);

   struct mt_host_config hc = echo_host_config(NULL, 0, -1);
   struct mt_host *h2;
   assert_int_equal(mt_host_create(&hc, &h2), 0);
   assert_int_equal(mt_host_listen(h2, path), 0);
   struct mt_guest *g;
   struct mt_guest_config cfg = { .proto = "echo" };
   assert_int_equal(mt_guest_connect(path, &cfg, &g), 0);
   assert_int_equal(mt_call(g, 0, NULL, 0, NULL, 0, NULL), 0);
   mt_guest_close(g);
   mt_host_destroy(h2);
   assert_int_equal(access(path, F_OK), -1); /* cleaned up on stop */

   /* A file that is not a socket is never taken over. */
   fd = open(path, O_CREAT | O_WRONLY, 0600);
   assert_true(fd >= 0);
   close(fd);
   assert_int_equal(mt_host_create(&hc, &h2), 0);
   assert_int_equal(mt_host_listen(h2, path), -EADDRINUSE);
   mt_host_destroy(h2);
   assert_int_equal(access(path, F_OK), 0);
   unlink(path);
}

/* Past max_conns a guest is turned away at the door; the others stay. */
static void
test_max_conns(void **state)
{
   (void)state;
   char path[128];
   snprintf(path, sizeof(path), "%s/few", fx.dir);
   struct mt_host_config hc = echo_host_config(NULL, 0, -1);
   hc.max_conns = 2;
   struct mt_host *h2;
   assert_int_equal(mt_host_create(&hc, &h2), 0);
   assert_int_equal(mt_host_listen(h2, path), 0);

   struct mt_guest_config cfg = { .proto = "echo", .timeout_ms = 2000 };
   struct mt_guest *g[3];
   assert_int_equal(mt_guest_connect(path, &cfg, &g[0]), 0);
   assert_int_equal(mt_guest_connect(path, &cfg, &g[1]), 0);
   assert_int_equal(mt_guest_connect(path, &cfg, &g[2]), -ECONNRESET);
   assert_int_equal(mt_call(g[0], 0, NULL, 0, NULL, 0, NULL), 0);

   /* A slot frees when a guest leaves. */
   mt_guest_close(g[1]);
   struct mt_host_stats st;
   for (int i = 0; i < 5000; i++) {
      mt_host_get_stats(h2, &st);
      if (st.live == 1)
         break;
      usleep(1000);
   }
   assert_int_equal(st.live, 1);
   assert_int_equal(mt_guest_connect(path, &cfg, &g[2]), 0);
   assert_int_equal(mt_call(g[2], 0, NULL, 0, NULL, 0, NULL), 0);
   mt_guest_close(g[0]);
   mt_guest_close(g[2]);
   mt_host_destroy(h2);
}

int
main(void)
{
   signal(SIGPIPE, SIG_IGN);
   const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_garbage_header, setup, teardown),
      cmocka_unit_test_setup_teardown(test_oversized_len, setup, teardown),
      cmocka_unit_test_setup_teardown(test_truncated_frame, setup, teardown),
      cmocka_unit_test_setup_teardown(test_wrong_order_and_direction, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_hostile_timestamps, setup, teardown),
      cmocka_unit_test_setup_teardown(test_unknown_tag_reply, setup, teardown),
      cmocka_unit_test_setup_teardown(test_hostile_host, setup, teardown),
      cmocka_unit_test_setup_teardown(test_nonreading_guest, setup, teardown),
      cmocka_unit_test_setup_teardown(test_deadlines, setup_deadlines,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_sigkill_mid_frame, setup, teardown),
      cmocka_unit_test_setup_teardown(test_sigkill_streaming_guest, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_listen_in_use, setup, teardown),
      cmocka_unit_test_setup_teardown(test_stale_socket, setup, teardown),
      cmocka_unit_test_setup_teardown(test_max_conns, setup, teardown),
   };
   return cmocka_run_group_tests(tests, NULL, NULL);
}
