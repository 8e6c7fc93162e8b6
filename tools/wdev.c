/*
 * wdev.c - counted ws devices (see wdev.h).
 */
#include <errno.h>
#include <string.h>

#include "modes.h"
#include "wdev.h"

static const char *const op_names[WL_OP_COUNT] = {
   [WL_OP_OPEN] = "open",
   [WL_OP_CLOSE] = "close",
   [WL_OP_GET_PARAM] = "get_param",
   [WL_OP_SET_DEBUGINFO] = "set_debuginfo",
   [WL_OP_BO_NEW] = "bo_new",
   [WL_OP_BO_FREE] = "bo_free",
   [WL_OP_BO_MAP] = "bo_map",
   [WL_OP_BO_UPLOAD] = "bo_upload",
   [WL_OP_CPU_PREP] = "cpu_prep",
   [WL_OP_CPU_FINI] = "cpu_fini",
   [WL_OP_SET_NAME] = "set_name",
   [WL_OP_MADVISE] = "madvise",
   [WL_OP_QUEUE_NEW] = "submitqueue_new",
   [WL_OP_QUEUE_CLOSE] = "submitqueue_close",
   [WL_OP_QUEUE_FAULTS] = "submitqueue_faults",
   [WL_OP_SUBMIT] = "submit",
   [WL_OP_FENCE_WAIT] = "fence_wait",
   [WL_OP_FLUSH] = "flush",
};

const char *
wl_op_name(enum wl_op op)
{
   return op < WL_OP_COUNT ? op_names[op] : "?";
}

static void
stats_add(struct ws_stats *a, const struct ws_stats *b)
{
   a->messages += b->messages;
   a->bytes += b->bytes;
   a->sync_round_trips += b->sync_round_trips;
   a->events += b->events;
}

void
wdev_init(struct wdev *w, struct mode_ctx *mode, bool attribute)
{
   memset(w, 0, sizeof(*w));
   w->mode = mode;
   w->attribute = attribute;
}

int
wdev_open(struct wdev *w)
{
   struct ws_stats st;
   int ret;

   if (w->ws)
      return -EBUSY;
   ret = mode_open(w->mode, &w->ws);
   w->op[WL_OP_OPEN].calls++;
   if (ret) {
      w->ws = NULL;
      return ret;
   }
   /* A fresh device's counters start at zero: what it shows now is the
    * cost of opening it (HELLO, capset queries, ...). */
   if (w->attribute) {
      ws_get_stats(w->ws, &st);
      w->op[WL_OP_OPEN].sync_round_trips += st.sync_round_trips;
      w->op[WL_OP_OPEN].messages += st.messages;
      w->op[WL_OP_OPEN].bytes += st.bytes;
   }
   return 0;
}

void
wdev_close(struct wdev *w)
{
   struct ws_stats st;

   if (!w->ws)
      return;
   /* Whatever closing itself sends is not observable afterwards. */
   ws_get_stats(w->ws, &st);
   stats_add(&w->closed, &st);
   ws_close(w->ws);
   w->ws = NULL;
   w->op[WL_OP_CLOSE].calls++;
}

void
wdev_stats(struct wdev *w, struct ws_stats *st)
{
   *st = w->closed;
   if (w->ws) {
      struct ws_stats cur;

      ws_get_stats(w->ws, &cur);
      stats_add(st, &cur);
   }
}

void
wdev_begin_(struct wdev *w)
{
   ws_get_stats(w->ws, &w->pending);
}

void
wdev_end_(struct wdev *w, enum wl_op op)
{
   struct ws_stats st;

   ws_get_stats(w->ws, &st);
   w->op[op].sync_round_trips += st.sync_round_trips -
                                 w->pending.sync_round_trips;
   w->op[op].messages += st.messages - w->pending.messages;
   w->op[op].bytes += st.bytes - w->pending.bytes;
}
