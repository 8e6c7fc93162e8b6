/*
 * echo_proto.c - the test protocol behind echo_proto.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "echo_proto.h"

struct echo_world echo_world = {
   .lock = PTHREAD_MUTEX_INITIALIZER,
   .cond = PTHREAD_COND_INITIALIZER,
};

struct echo_conn {
   struct mt_conn *conn;
   uint64_t next_seq;
   struct echo_send_stats st;
};

static int
echo_hello(void *data, struct mt_conn *conn, const void *hello, uint32_t len,
           void **state)
{
   (void)data;
   (void)hello;
   (void)len;

   pthread_mutex_lock(&echo_world.lock);
   int err = echo_world.hello_error;
   pthread_mutex_unlock(&echo_world.lock);
   if (err)
      return err;

   struct echo_conn *ec = calloc(1, sizeof(*ec));
   if (!ec)
      return -ENOMEM;
   ec->conn = conn;
   ec->st.min_delay_ns = UINT64_MAX;

   pthread_mutex_lock(&echo_world.lock);
   echo_world.hellos++;
   echo_world.live++;
   echo_world.last_conn = conn;
   pthread_cond_broadcast(&echo_world.cond);
   pthread_mutex_unlock(&echo_world.lock);
   *state = ec;
   return 0;
}

static int
echo_send(struct echo_conn *ec, const void *payload, uint32_t len)
{
   struct echo_msg m;

   if (len != sizeof(m))
      return -EINVAL;
   memcpy(&m, payload, sizeof(m));
   uint64_t now = mt_now_ns();
   uint64_t d = now > m.sent_ns ? now - m.sent_ns : 0;
   if (d < ec->st.min_delay_ns)
      ec->st.min_delay_ns = d;
   if (m.seq != ec->next_seq)
      ec->st.out_of_order++;
   ec->next_seq = m.seq + 1;
   ec->st.received++;
   return 0;
}

static int
echo_frame(void *state, struct mt_conn *conn, uint32_t type, uint32_t session,
           uint64_t tag, const void *payload, uint32_t len)
{
   struct echo_conn *ec = state;
   struct echo_req req = { 0 };

   if (type == MT_SEND)
      return echo_send(ec, payload, len);

   if (len < sizeof(req)) /* empty / short: an empty reply */
      return mt_reply(conn, session, tag, NULL, 0) ? -EIO : 0;
   memcpy(&req, payload, sizeof(req));

   uint64_t *mem = echo_world.hostmem;
   switch (req.op) {
   case ECHO_ECHO:
      return mt_reply(conn, session, tag, payload, len);
   case ECHO_POKE:
      if (req.arg0 + 8 > echo_world.hostmem_size)
         return -EINVAL;
      __atomic_store_n(&mem[req.arg0 / 8], req.arg1, __ATOMIC_SEQ_CST);
      return mt_reply(conn, session, tag, NULL, 0);
   case ECHO_PEEK: {
      if (req.arg0 + 8 > echo_world.hostmem_size)
         return -EINVAL;
      uint64_t v = __atomic_load_n(&mem[req.arg0 / 8], __ATOMIC_SEQ_CST);
      return mt_reply(conn, session, tag, &v, sizeof(v));
   }
   case ECHO_EVENTS:
      for (uint64_t i = 0; i < req.arg0; i++) {
         uint64_t ev[2] = { i, mt_now_ns() };
         int ret = mt_event(conn, session, ev, sizeof(ev));
         if (ret)
            return ret;
      }
      return mt_reply(conn, session, tag, NULL, 0);
   case ECHO_BADTAG: {
      int ret = mt_reply(conn, session, tag + 1000, "bogus", 5);
      return ret ? ret : mt_reply(conn, session, tag, "ok", 2);
   }
   case ECHO_STATS:
      return mt_reply(conn, session, tag, &ec->st, sizeof(ec->st));
   case ECHO_HOLD:
      pthread_mutex_lock(&echo_world.lock);
      echo_world.held = true;
      echo_world.held_tag = tag;
      echo_world.held_session = session;
      echo_world.last_conn = conn;
      pthread_cond_broadcast(&echo_world.cond);
      pthread_mutex_unlock(&echo_world.lock);
      return 0;
   default:
      return -EINVAL;
   }
}

static void
echo_close(void *state)
{
   free(state);
   pthread_mutex_lock(&echo_world.lock);
   echo_world.closes++;
   echo_world.live--;
   echo_world.last_conn = NULL;
   pthread_cond_broadcast(&echo_world.cond);
   pthread_mutex_unlock(&echo_world.lock);
}

const struct mt_host_proto echo_proto = {
   .name = "echo",
   .on_hello = echo_hello,
   .on_frame = echo_frame,
   .on_close = echo_close,
};

void
echo_world_reset(void *hostmem, uint64_t size)
{
   pthread_mutex_lock(&echo_world.lock);
   echo_world.hostmem = hostmem;
   echo_world.hostmem_size = size;
   echo_world.hellos = echo_world.closes = echo_world.live = 0;
   echo_world.last_conn = NULL;
   echo_world.held = false;
   echo_world.hello_error = 0;
   pthread_mutex_unlock(&echo_world.lock);
}

static bool
wait_for(int *counter, int n)
{
   struct timespec ts;
   clock_gettime(CLOCK_REALTIME, &ts);
   ts.tv_sec += 5;

   pthread_mutex_lock(&echo_world.lock);
   while (*counter < n) {
      if (pthread_cond_timedwait(&echo_world.cond, &echo_world.lock, &ts))
         break;
   }
   bool ok = *counter >= n;
   pthread_mutex_unlock(&echo_world.lock);
   return ok;
}

bool
echo_wait_closes(int n)
{
   return wait_for(&echo_world.closes, n);
}

bool
echo_wait_hellos(int n)
{
   return wait_for(&echo_world.hellos, n);
}

bool
echo_wait_held(void)
{
   struct timespec ts;
   clock_gettime(CLOCK_REALTIME, &ts);
   ts.tv_sec += 5;

   pthread_mutex_lock(&echo_world.lock);
   while (!echo_world.held) {
      if (pthread_cond_timedwait(&echo_world.cond, &echo_world.lock, &ts))
         break;
   }
   bool ok = echo_world.held;
   pthread_mutex_unlock(&echo_world.lock);
   return ok;
}

struct mt_host_config
echo_host_config(void *hostmem, uint64_t size, int fd)
{
   struct mt_host_config cfg = {
      .protos = &echo_proto,
      .nr_protos = 1,
      .hostmem_base = hostmem,
      .hostmem_size = size,
      .hostmem_fd = fd,
   };
   return cfg;
}
