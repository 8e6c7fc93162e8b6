/*
 * interfere.c - the interference suite: one hostile guest against a real
 * `msmvirt host`, and well-behaved guests that must not notice much.
 *
 *   interfere MSMVIRT CONF_REMOTE ATTACK
 *
 * For the attack, on a fresh host process:
 *   1. baseline: the ws conformance run (CONF_REMOTE, another connection)
 *      alone, and a small job on a second context of the attacker's own
 *      connection where the attack has one;
 *   2. the attacker (a child process: leaving = being killed, like a guest
 *      that dies) starts and reports when its attack is in effect;
 *   3. the same two victims again while it runs: both must succeed within
 *      VICTIM_BOUND(baseline) -- orders of magnitude, not tight timings:
 *      this runs on small noisy machines;
 *   4. the attacker must have met its clean error (ENOMEM, EAGAIN, ...);
 *   5. it is killed, and the host's counters (`msmvirt stats`) must return
 *      to zero within LEAVE_BOUND_S.
 * Every figure is printed; docs/security.md quotes them.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fwd_guest.h"
#include "fwd_proto.h"
#include "host_process.h"
#include "interfere.h"
#include "msm_core.h"
#include "nc_channel.h"
#include "nc_guest.h"
#include "pm4.h"
#include "mt_priv.h"
#include "transport.h"
#include "ws.h"
#include "ws_ioctl.h"

extern char **environ;

/* A victim under attack may take this long (ns) before the suite fails. */
#define VICTIM_BOUND(base) ((base) * 10 + 10000000000ull)
#define LEAVE_BOUND_S 10
#define LONG_SUBMIT_NS 20000000ull /* an attacker submit's GPU time */

static const char *msmvirt, *conf_remote;
struct host_process host;
static pid_t driver_pid;

/* However the driver ends, the host it started goes too. */
static void
stop_host_at_exit(void)
{
   if (getpid() == driver_pid && host.pid > 0)
      host_process_stop(&host);
}


static void
sleep_ms(unsigned ms)
{
   struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
   while (nanosleep(&ts, &ts) && errno == EINTR)
      ;
}

/* measure_only, FAIL and CHECK: interfere.h. */
bool measure_only;

/* ------------------------------------------------------------ host stats */

struct host_counts {
   long contexts, bos, inflight, hostmem_used, cancelled;
};

static int
host_stats(struct host_counts *hc)
{
   struct mt_guest_config cfg = { .proto = "stats", .timeout_ms = 2000 };
   struct mt_guest *g;
   char buf[512], *p;
   uint32_t n = 0;

   if (mt_guest_connect(host.path, &cfg, &g))
      return -1;
   int ret = mt_call(g, 0, "", 0, buf, sizeof(buf) - 1, &n);
   mt_guest_close(g);
   if (ret)
      return -1;
   buf[n] = '\0';
   memset(hc, 0, sizeof(*hc));
#define GET(k) if ((p = strstr(buf, #k "="))) hc->k = atol(p + strlen(#k "="))
   GET(contexts); GET(bos); GET(inflight); GET(hostmem_used); GET(cancelled);
#undef GET
   return 0;
}

static long
host_rss_kib(void)
{
   char path[64], line[256];
   long kib = -1;
   snprintf(path, sizeof(path), "/proc/%d/status", (int)host.pid);
   FILE *f = fopen(path, "r");
   if (!f)
      return -1;
   while (fgets(line, sizeof(line), f))
      if (!strncmp(line, "VmRSS:", 6))
         kib = atol(line + 6);
   fclose(f);
   return kib;
}

/* After the attacker left: everything back to zero (the victims are done).
 * Returns the seconds it took. */
static double
wait_counters_zero(void)
{
   uint64_t t0 = now_ns();
   struct host_counts hc = { 0 };

   while (now_ns() - t0 < LEAVE_BOUND_S * 1000000000ull) {
      if (!host_stats(&hc) && !hc.contexts && !hc.bos && !hc.inflight &&
          !hc.hostmem_used)
         return (double)(now_ns() - t0) / 1e9;
      sleep_ms(20);
   }
   CHECK(false, "host counters not back to 0 within %d s: contexts=%ld bos=%ld "
         "inflight=%ld hostmem_used=%ld", LEAVE_BOUND_S, hc.contexts, hc.bos,
         hc.inflight, hc.hostmem_used);
   return -1;
}

/* ------------------------------------------------ the conformance victim */

/* The ws conformance run on its own connection; its wall time in ns. */
static uint64_t
run_conformance(const char *proto)
{
   char *argv[] = { (char *)conf_remote, (char *)msmvirt, (char *)proto, NULL };
   char env_sock[160];
   char **env;
   size_t n = 0;
   pid_t pid;
   int status;

   while (environ[n])
      n++;
   env = calloc(n + 2, sizeof(*env));
   memcpy(env, environ, n * sizeof(*env));
   snprintf(env_sock, sizeof(env_sock), "MSMVIRT_HOST_SOCK=%s", host.path);
   env[n] = env_sock;

   char log[64];
   snprintf(log, sizeof(log), "/tmp/interfere-conf-%d.log", (int)getpid());
   uint64_t t0 = now_ns();
   posix_spawn_file_actions_t fa;
   posix_spawn_file_actions_init(&fa);
   /* Its cmocka chatter would drown ours: shown only if it fails. */
   posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC,
                                    0600);
   posix_spawn_file_actions_adddup2(&fa, 1, 2);
   if (posix_spawn(&pid, conf_remote, &fa, NULL, argv, env))
      FAIL("cannot run %s", conf_remote);
   posix_spawn_file_actions_destroy(&fa);
   free(env);
   if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
       WEXITSTATUS(status)) {
      char cmd[96];
      snprintf(cmd, sizeof(cmd), "tail -40 %s >&2", log);
      if (!measure_only && system(cmd)) { /* the log is a courtesy */ }
      CHECK(false, "the ws conformance run (%s) failed (status %d) after "
            "%.2f s", proto, status, (now_ns() - t0) / 1e9);
   }
   unlink(log);
   return now_ns() - t0;
}

/* ------------------------------------------------------------- attacks */

/* What the attacker child reports to the parent, in order. */
struct report {
   uint64_t same_base_ns, same_attack_ns; /* 0: no same-connection victim */
   int err;                               /* the clean error it met, or 0 */
   uint64_t count;                        /* how much it got through */
};

struct attacker {
   struct conn c;
   struct ws_dev *d;
   struct fdev *raw;
   struct ws_bo *cs, *big;
   unsigned cs_dw;
   _Atomic uint64_t count;
   _Atomic int err;
};

static struct attacker atk;

/* A submit that keeps a ring busy for LONG_SUBMIT_NS. */
static void
long_cs(void)
{
   uint32_t cs[8];
   atk.cs_dw = pm4_emit_delay(cs, LONG_SUBMIT_NS);
   atk.cs = cs_bo(atk.d, cs, atk.cs_dw, 4096);
}

static void *
flood_submits(void *arg)
{
   uint64_t n = (uintptr_t)arg;
   for (uint64_t i = 0; i < n; i++) {
      int ret = submit_cs2(atk.d, atk.cs, atk.cs_dw * 4, atk.big, true, NULL);
      if (ret) {
         atk.err = ret;
         break;
      }
      atk.count++;
      if (atk.c.native && i % 64 == 63)
         ws_flush(atk.d);
   }
   ws_flush(atk.d);
   return NULL;
}

static bool
attacker_device(bool native)
{
   if (conn_open(&atk.c, native) || dev_open(&atk.c, &atk.d, &atk.raw))
      FAIL("attacker cannot connect");
   return true;
}

/* 1: fill the context's in-flight limit with long submits and keep going
 * (the extra ones are throttled: the attacker's own thread or backlog). */
static void
attack_queue(bool native)
{
   pthread_t t;
   attacker_device(native);
   long_cs();
   pthread_create(&t, NULL, flood_submits,
                  (void *)(uintptr_t)(MSM_DEFAULT_MAX_INFLIGHT + 512));
   while (atk.count < MSM_DEFAULT_MAX_INFLIGHT && !atk.err)
      sleep_ms(10);
}

/* 3: command streams the CP must chew through (IB loops over a buffer of
 * a million one-dword packets, near the per-submit budget), on the one
 * ring everybody uses. */
static void
attack_cp(bool native)
{
   const uint32_t nop_dw = PM4_IB_SIZE_MASK & ~0xfu; /* ~4 MiB of NOPs */
   uint32_t *nops = malloc(nop_dw * 4), cs[64];
   unsigned n = 0;
   pthread_t t;

   attacker_device(native);
   /* One-dword packets: every one is a header the CP must decode. */
   for (uint32_t i = 0; i < nop_dw; i++)
      nops[i] = pm4_pkt7_hdr(PM4_CP_NOP, 0);
   atk.big = cs_bo(atk.d, nops, nop_dw, (uint64_t)nop_dw * 4);
   free(nops);
   for (int i = 0; i < 15; i++)
      n += pm4_emit_ib(cs + n, atk.big->iova, nop_dw);
   atk.cs = cs_bo(atk.d, cs, n, 4096);
   atk.cs_dw = n;
   /* The IB target is in the submit's list (flood_submits: atk.big). */
   pthread_create(&t, NULL, flood_submits, (void *)(uintptr_t)200);
   sleep_ms(200);
}

/* 4: forward waits that never end, pipelined from many threads. */
static void *
endless_wait(void *arg)
{
   uint32_t handle = (uint32_t)(uintptr_t)arg;
   struct drm_syncobj_wait w = {
      .handles = (uintptr_t)&handle, .count_handles = 1,
      .timeout_nsec = INT64_MAX,
      .flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT,
   };
   struct fwd_client *cl;
   fwd_client_create(fwd_session_call, &atk.raw->s, &cl);
   atk.count++;
   int ret = fwd_ioctl(cl, DRM_IOCTL_SYNCOBJ_WAIT, &w);
   if (ret == -EAGAIN)
      atk.err = ret;
   return NULL;
}

static void
attack_waits(bool native)
{
   struct drm_syncobj_create sc = { 0 };
   (void)native;
   attacker_device(false);
   if (fwd_ioctl(atk.raw->client, DRM_IOCTL_SYNCOBJ_CREATE, &sc))
      FAIL("attacker syncobj");
   /* More than a session may have pending: the rest must get EAGAIN. */
   for (int i = 0; i < FWD_SESSION_MAX_PENDING + 16; i++) {
      pthread_t t;
      pthread_attr_t a;
      pthread_attr_init(&a);
      pthread_attr_setstacksize(&a, 64 << 10);
      pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
      pthread_create(&t, &a, endless_wait, (void *)(uintptr_t)sc.handle);
      pthread_attr_destroy(&a);
   }
   while (!atk.err)
      sleep_ms(10);
}

/* 5: take every context and every byte the quota allows. */
static void
attack_quota(bool native)
{
   struct ws_dev *d;
   struct ws_bo *bo;
   int ret;

   if (conn_open(&atk.c, native))
      FAIL("attacker cannot connect");
   while (!(ret = dev_open(&atk.c, &d, NULL))) {
      atk.d = d;
      atk.count++;
   }
   if (ret != -ENOMEM)
      FAIL("attacker contexts: %s, not ENOMEM", strerror(-ret));
   while (!(ret = ws_bo_new(atk.d, 4u << 20, MSM_BO_WC, &bo))) {
      void *p;
      if (ws_bo_map(bo, &p))
         break;
      memset(p, 0xa5, 4096);
      if (native && (ret = ws_flush(atk.d)))
         break;
   }
   /* nativectx creates asynchronously: the host's ENOMEM loses the
    * context, which the guest sees as EIO from then on. */
   atk.err = ret;
}

/* 6: connection slots held by guests that never say HELLO, or trickle. */
static int idle_fds[MT_DEFAULT_MAX_CONNS];

static void
attack_idle(bool native)
{
   /* The suite's host has 64 slots; measured against a host without the
    * [conn] keys, take its default 256. */
   int n = measure_only ? MT_DEFAULT_MAX_CONNS : 64;
   (void)native;
   for (int i = 0; i < n; i++) {
      struct sockaddr_un sun = { .sun_family = AF_UNIX };
      strcpy(sun.sun_path, host.path);
      idle_fds[i] = socket(AF_UNIX, SOCK_STREAM, 0);
      if (connect(idle_fds[i], (struct sockaddr *)&sun, sizeof(sun)))
         break;
      if (i % 2 && write(idle_fds[i], "\x01", 1) != 1) /* a frame begins */
         break;
      atk.count++;
   }
}

/* 7: guests that send requests and never read the answers: each raw
 * connection says HELLO, then streams CALLs (a request for a session it
 * never opened: answered at once, inline) without reading a byte. */
#define NONREADERS 16

static void *
nonreader(void *arg)
{
   (void)arg;
   struct sockaddr_un sun = { .sun_family = AF_UNIX };
   struct {
      struct mt_frame_hdr hdr;
      struct mt_hello hello;
   } h = {
      .hdr = { .type = MT_HELLO, .len = sizeof(struct mt_hello),
               .ts_ns = now_ns() },
      .hello = { .magic = MT_MAGIC, .version = MT_VERSION,
                 .proto = FWD_PROTO_NAME },
   };
   struct {
      struct mt_frame_hdr hdr;
      uint8_t req[64];
   } call = { .hdr = { .type = MT_CALL, .session = 7, .len = 64 } };
   int fd = socket(AF_UNIX, SOCK_STREAM, 0);

   strcpy(sun.sun_path, host.path);
   if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) ||
       write(fd, &h, sizeof(h)) != sizeof(h))
      return NULL;
   atk.count++;
   for (uint64_t tag = 1;; tag++) {
      call.hdr.tag = tag;
      if (write(fd, &call, sizeof(call)) != sizeof(call)) {
         atk.err = -errno; /* dropped: EPIPE / ECONNRESET */
         break;
      }
   }
   close(fd);
   return NULL;
}

static void
attack_nonreader(bool native)
{
   pthread_t t[NONREADERS];
   (void)native;
   for (int i = 0; i < NONREADERS; i++)
      pthread_create(&t[i], NULL, nonreader, NULL);
   for (int i = 0; i < NONREADERS; i++)
      pthread_join(t[i], NULL);
}

struct attack_desc {
   const char *name;
   bool native;
   const char *config;   /* host INI, or NULL */
   void (*start)(bool native);
   bool same_conn;       /* a victim context on the attacker's connection */
   int expect_err;       /* the clean error the attacker must meet (0: none) */
   bool kill_first;      /* measure the leave before the victims run */
};

static const struct attack_desc attacks[] = {
   { "queue-forward", false, NULL, attack_queue, true, 0, false },
   { "queue-nativectx", true, NULL, attack_queue, true, 0, false },
   { "disconnect-forward", false, NULL, attack_queue, false, 0, true },
   { "disconnect-nativectx", true, NULL, attack_queue, false, 0, true },
   { "cp-forward", false, NULL, attack_cp, true, 0, false },
   { "waits-forward", false, NULL, attack_waits, true, -EAGAIN, false },
   { "quota-forward", false, NULL, attack_quota, false, -ENOMEM, false },
   { "quota-nativectx", true, NULL, attack_quota, false, -ENOMEM, false },
   { "idle", false, "[conn]\nmax-conns = 64\nhello-timeout-ms = 1000\n"
     "frame-timeout-ms = 1000\nidle-timeout-ms = 1000\n", attack_idle, false,
     0, false },
   { "nonreader", false, NULL, attack_nonreader, false, 0, false },
};

/* ------------------------------------------------------------- driver */

static void
write_all(int fd, const void *p, size_t n)
{
   if (write(fd, p, n) != (ssize_t)n)
      _exit(3);
}

static void
read_all(int fd, void *p, size_t n)
{
   if (read(fd, p, n) != (ssize_t)n)
      FAIL("the attacker died early");
}

/* The attacker process: baseline of the same-connection victim, the
 * attack, then the victim again; then it waits to be killed. */
static void
attacker_main(const struct attack_desc *a, int to_parent, int from_parent)
{
   struct report r = { 0 };
   struct ws_dev *victim = NULL;
   char go;

   a->start(a->native);
   if (a->same_conn) {
      if (dev_open(&atk.c, &victim, NULL))
         FAIL("same-connection victim cannot open");
      r.same_attack_ns = small_job(victim);
   }
   r.err = atk.err;
   r.count = atk.count;
   write_all(to_parent, &r, sizeof(r));
   read_all(from_parent, &go, 1); /* killed before or after this */
   for (;;)
      pause();
}

static uint64_t
same_conn_baseline(bool native)
{
   struct conn c;
   struct ws_dev *d;
   if (conn_open(&c, native) || dev_open(&c, &d, NULL))
      FAIL("baseline victim cannot connect");
   uint64_t t = small_job(d);
   ws_close(d);
   if (native)
      nc_channel_close(c.ch);
   else
      mt_guest_close(c.g);
   return t;
}

static int
run_attack(const struct attack_desc *a)
{
   const char *proto = a->native ? "nativectx" : "forward";
   struct msm_core_config cfg;
   char cfgpath[64] = "";
   int up[2], down[2];
   struct report r;
   pid_t pid;

   msm_core_config_defaults(&cfg);
   if (a->config && !measure_only) {
      snprintf(cfgpath, sizeof(cfgpath), "/tmp/interfere-%d.ini", (int)getpid());
      FILE *f = fopen(cfgpath, "w");
      fputs(a->config, f);
      fclose(f);
   }
   if (host_process_start_config(msmvirt, &cfg, cfgpath[0] ? cfgpath : NULL, &host))
      FAIL("cannot start %s host", msmvirt);
   printf("[%s] host up (pid %d); baseline...\n", a->name, (int)host.pid);
   fflush(stdout);
   uint64_t conf_base = run_conformance(proto);
   uint64_t same_base = a->same_conn ? same_conn_baseline(a->native) : 0;
   long rss_base = host_rss_kib();

   if (pipe(up) || pipe(down))
      FAIL("pipe");
   fflush(stdout);
   pid = fork();
   if (pid == 0) {
      close(up[0]);
      close(down[1]);
      attacker_main(a, up[1], down[0]);
   }
   close(up[1]);
   close(down[0]);
   read_all(up[0], &r, sizeof(r));
   printf("[%s] attack in effect (%lu done, err %d)\n", a->name,
          (unsigned long)r.count, r.err);
   fflush(stdout);

   double leave_s = -1;
   struct host_counts hc_attack = { 0 };
   host_stats(&hc_attack);
   if (a->kill_first) {
      kill(pid, SIGKILL);
      waitpid(pid, NULL, 0);
      leave_s = wait_counters_zero();
   }
   /* Every slot may be taken: how long until a new guest is served. */
   uint64_t t0 = now_ns();
   struct host_counts hc;
   while (host_stats(&hc)) {
      if (now_ns() - t0 > LEAVE_BOUND_S * 1000000000ull)
         FAIL("[%s] no new guest served for %d s", a->name, LEAVE_BOUND_S);
      sleep_ms(20);
   }
   double serve_s = (double)(now_ns() - t0) / 1e9;
   uint64_t conf_attack = run_conformance(proto);
   long rss_attack = host_rss_kib();
   if (!a->kill_first) {
      kill(pid, SIGKILL);
      waitpid(pid, NULL, 0);
      leave_s = wait_counters_zero();
   }
   close(up[0]);
   close(down[1]);
   struct host_counts hc_after;
   host_stats(&hc_after);

   printf("[%s] conformance (%s, other connection): alone %.2f s, under "
          "attack %.2f s (bound %.2f s)\n", a->name, proto, conf_base / 1e9,
          conf_attack / 1e9, VICTIM_BOUND(conf_base) / 1e9);
   if (a->same_conn)
      printf("[%s] same-connection job: alone %.1f ms, under attack %.1f ms "
             "(bound %.2f s)\n", a->name, same_base / 1e6,
             r.same_attack_ns / 1e6, VICTIM_BOUND(same_base) / 1e9);
   printf("[%s] attacker: %lu done, error %d (%s); host during attack: "
          "inflight=%ld contexts=%ld hostmem_used=%ld; host RSS %ld -> %ld KiB\n",
          a->name, (unsigned long)r.count, r.err, r.err ? strerror(-r.err) : "none",
          hc_attack.inflight, hc_attack.contexts, hc_attack.hostmem_used,
          rss_base, rss_attack);
   printf("[%s] attacker gone: counters 0 after %.2f s (%ld submits cancelled); "
          "a new guest was served %.2f s into the attack\n",
          a->name, leave_s, hc_after.cancelled, serve_s);

   CHECK(conf_attack <= VICTIM_BOUND(conf_base),
         "[%s] conformance took %.2f s under attack", a->name,
         conf_attack / 1e9);
   CHECK(!a->same_conn || r.same_attack_ns <= VICTIM_BOUND(same_base),
         "[%s] same-connection job took %.2f s", a->name,
         r.same_attack_ns / 1e9);
   CHECK(!a->expect_err || r.err == a->expect_err,
         "[%s] attacker met %d, not %d", a->name, r.err, a->expect_err);
   /* Unread replies cost at most tx_max_bytes per guest (4 MiB, with
    * malloc's slack twice that), not the 32 MiB they used to. */
   CHECK(strcmp(a->name, "nonreader") || rss_base <= 0 ||
         rss_attack - rss_base <= NONREADERS * 8 * 1024,
         "[%s] host grew by %ld KiB", a->name, rss_attack - rss_base);
   host_process_stop(&host);
   if (cfgpath[0])
      unlink(cfgpath);
   printf("[%s] ok\n", a->name);
   return 0;
}

int
main(int argc, char **argv)
{
   if (argc != 4) {
      fprintf(stderr, "usage: interfere MSMVIRT CONF_REMOTE ATTACK\n");
      return 2;
   }
   msmvirt = argv[1];
   conf_remote = argv[2];
   driver_pid = getpid();
   measure_only = getenv("INTERFERE_MEASURE_ONLY") != NULL;
   atexit(stop_host_at_exit);
   signal(SIGPIPE, SIG_IGN);
   for (size_t i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++)
      if (!strcmp(attacks[i].name, argv[3]))
         return run_attack(&attacks[i]);
   fprintf(stderr, "interfere: no attack '%s'\n", argv[3]);
   return 2;
}
