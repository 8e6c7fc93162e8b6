/*
 * ws_op.c - the table of facts about each ws call (see ws_op.h).
 */
#include "ws_op.h"

static const struct ws_op_info ops[WS_OP_COUNT] = {
   [WS_OP_OPEN] = {
      .name = "open", .ioctls = "open + VERSION/GET_CAP",
      .why = "connecting is one round trip for everyone",
   },
   [WS_OP_CLOSE] = {
      .name = "close", .ioctls = "close",
   },
   [WS_OP_GET_PARAM] = {
      .name = "get_param", .ioctls = "GET_PARAM",
      .why = "an answer is needed. nativectx can serve the constant ones from "
             "the capset it gets when the context is created",
   },
   [WS_OP_SET_DEBUGINFO] = {
      .name = "set_debuginfo", .ioctls = "SET_PARAM COMM + CMDLINE",
   },
   [WS_OP_BO_NEW] = {
      .name = "bo_new", .ioctls = "GEM_NEW + GEM_INFO(IOVA)",
      .why = "GEM_NEW returns the handle and GEM_INFO(IOVA) the GPU address "
             "before the driver may go on. nativectx has the guest choose "
             "both (\"userspace allocated GPU virtual address: GEM "
             "create/import can be async\")",
   },
   [WS_OP_BO_FREE] = {
      .name = "bo_free", .ioctls = "GEM_CLOSE",
      .why = "GEM_CLOSE is fire-and-forget by nature, but an ioctl still "
             "waits for its return value",
   },
   [WS_OP_BO_MAP] = {
      .name = "bo_map", .ioctls = "GEM_INFO(OFFSET) + mmap",
      .why = "mapping needs GEM_INFO(OFFSET) from the host first. With "
             "guest-placed storage the offset is known already",
   },
   [WS_OP_BO_UPLOAD] = {
      .name = "bo_upload", .ioctls = "mmap + memcpy",
   },
   [WS_OP_CPU_PREP] = {
      .name = "cpu_prep", .ioctls = "GEM_CPU_PREP",
      .why = "CPU_PREP has to wait for the GPU, so one round trip is the "
             "physical floor for every design",
   },
   [WS_OP_CPU_FINI] = {
      .name = "cpu_fini", .ioctls = "GEM_CPU_FINI",
   },
   [WS_OP_SET_NAME] = {
      .name = "set_name", .ioctls = "GEM_INFO(SET_NAME)",
   },
   [WS_OP_MADVISE] = {
      .name = "madvise", .ioctls = "GEM_MADVISE",
      .why = "freedreno's BO cache calls GEM_MADVISE on every free and "
             "reuse. mesa's virtio backend skips it because \"synchronous "
             "WILLNEED calls would introduce too much latency\"",
   },
   [WS_OP_QUEUE_NEW] = {
      .name = "submitqueue_new", .ioctls = "SUBMITQUEUE_NEW",
   },
   [WS_OP_QUEUE_CLOSE] = {
      .name = "submitqueue_close", .ioctls = "SUBMITQUEUE_CLOSE",
   },
   [WS_OP_QUEUE_FAULTS] = {
      .name = "submitqueue_faults", .ioctls = "SUBMITQUEUE_QUERY",
   },
   [WS_OP_SUBMIT] = {
      .name = "submit", .ioctls = "GEM_SUBMIT",
      .why = "GEM_SUBMIT returns the fence number (\"ioctls return a value + "
             "_IOC_READ\"). nativectx assigns seqnos in the guest (\"seqno "
             "fence # assignment in userspace: GEM submit can be async\")",
   },
   [WS_OP_FENCE_WAIT] = {
      .name = "fence_wait", .ioctls = "WAIT_FENCE",
      .why = "WAIT_FENCE blocks in the host. nativectx reads each queue's "
             "completed fence from shared memory, so only a fence that has "
             "not passed yet costs a wait, never a request",
   },
   [WS_OP_FLUSH] = {
      .name = "flush", .ioctls = "-",
   },
};

static const struct ws_op_info unknown = { .name = "?", .ioctls = "?" };

const struct ws_op_info *
ws_op_info(enum ws_op op)
{
   return (unsigned)op < WS_OP_COUNT ? &ops[op] : &unknown;
}
