/*
 * ws_op.h - the ws calls as data: one number per call a guest driver makes
 * through ws.h (plus opening the device), and one table of facts about each,
 * read by the counting decorator (ws_count.h) and the evaluation's report.
 */
#ifndef MSMVIRT_WS_OP_H
#define MSMVIRT_WS_OP_H

enum ws_op {
   WS_OP_OPEN,
   WS_OP_CLOSE,
   WS_OP_GET_PARAM,
   WS_OP_SET_DEBUGINFO,
   WS_OP_BO_NEW,
   WS_OP_BO_FREE,
   WS_OP_BO_MAP,
   WS_OP_BO_UPLOAD,
   WS_OP_CPU_PREP,
   WS_OP_CPU_FINI,
   WS_OP_SET_NAME,
   WS_OP_MADVISE,
   WS_OP_QUEUE_NEW,
   WS_OP_QUEUE_CLOSE,
   WS_OP_QUEUE_FAULTS,
   WS_OP_SUBMIT,
   WS_OP_FENCE_WAIT,
   WS_OP_FLUSH,
   WS_OP_COUNT
};

struct ws_op_info {
   const char *name;   /* "bo_new": the name in reports and JSON */
   const char *ioctls; /* the msm ioctls behind it ("-": none) */
   /* Why it needs the host's answer over msm ioctls and what the async
    * (native-context) design does instead; NULL: nothing to explain. */
   const char *why;
};

/* Facts about op, or a "?" entry for a number out of range. */
const struct ws_op_info *ws_op_info(enum ws_op op);

static inline const char *
ws_op_name(enum ws_op op)
{
   return ws_op_info(op)->name;
}

#endif
