/*
 * ws_op.c - the table of facts about each ws call (see ws_op.h).
 */
#include "ws_op.h"

static const struct ws_op_info ops[WS_OP_COUNT] = {
   [WS_OP_OPEN] = { "open" },
   [WS_OP_CLOSE] = { "close" },
   [WS_OP_GET_PARAM] = { "get_param" },
   [WS_OP_SET_DEBUGINFO] = { "set_debuginfo" },
   [WS_OP_BO_NEW] = { "bo_new" },
   [WS_OP_BO_FREE] = { "bo_free" },
   [WS_OP_BO_MAP] = { "bo_map" },
   [WS_OP_BO_UPLOAD] = { "bo_upload" },
   [WS_OP_CPU_PREP] = { "cpu_prep" },
   [WS_OP_CPU_FINI] = { "cpu_fini" },
   [WS_OP_SET_NAME] = { "set_name" },
   [WS_OP_MADVISE] = { "madvise" },
   [WS_OP_QUEUE_NEW] = { "submitqueue_new" },
   [WS_OP_QUEUE_CLOSE] = { "submitqueue_close" },
   [WS_OP_QUEUE_FAULTS] = { "submitqueue_faults" },
   [WS_OP_SUBMIT] = { "submit" },
   [WS_OP_FENCE_WAIT] = { "fence_wait" },
   [WS_OP_FLUSH] = { "flush" },
};

static const struct ws_op_info unknown = { "?" };

const struct ws_op_info *
ws_op_info(enum ws_op op)
{
   return (unsigned)op < WS_OP_COUNT ? &ops[op] : &unknown;
}
