/*
 * conformance_priv.h - what the conformance suite's files share.
 */
#ifndef MSMVIRT_WS_CONFORMANCE_PRIV_H
#define MSMVIRT_WS_CONFORMANCE_PRIV_H

#include <stdint.h>

#include "conformance.h"
#include "msm_core.h"

#define SEC 1000000000ll
#define MS 1000000ll

extern const struct ws_factory *F;
extern void *fixture;

/* A test that needs what the backend lacks is skipped, and says so. */
#define NEEDS(what) do { if (F->lacks & (what)) skip(); } while (0)

/* Per-test state: one device, created by setup, closed by teardown. */
struct t {
   struct ws_dev *dev;
   struct msm_core_stats before;
};

struct ws_bo *new_bo(struct ws_dev *dev, uint64_t size, uint32_t flags);
void *map_bo(struct ws_bo *bo);
/* Submit ndw dwords of cmdstream (uploaded into a fresh BO) on queue, with
 * targets[] in the BO list as written; the fence via *fence. */
int submit_cs(struct ws_dev *dev, uint32_t queue, const uint32_t *cs,
              unsigned ndw, struct ws_bo **targets, unsigned ntargets,
              uint32_t *fence, struct ws_bo **cs_bo_out);
/* Write value at target's iova + off, optionally after a modelled delay. */
uint32_t write_value(struct ws_dev *dev, uint32_t queue, struct ws_bo *target,
                     uint64_t off, uint32_t value, uint64_t delay_ns);
uint32_t read32(struct ws_bo *bo, uint64_t off);

/* conformance_gpu.c: submits, the CP, fences, CPU access, faults, queues. */
void test_submit_mem_write(void **state);
void test_submit_ib_chain(void **state);
void test_submit_event_write_ts(void **state);
void test_submit_two_cmds_in_order(void **state);
void test_fences_in_order(void **state);
void test_fence_wait_timeout(void **state);
void test_fence_wait_invalid(void **state);
void test_cpu_prep(void **state);
void test_cpu_prep_read_of_gpu_read(void **state);
void test_cpu_prep_bad_op(void **state);
void test_submit_bad_cmds(void **state);
void test_submit_duplicate_bo(void **state);
void test_submit_empty(void **state);
void test_fault_unmapped(void **state);
void test_fault_readonly(void **state);
void test_contexts_isolated(void **state);
void test_submitqueues(void **state);
void test_submitqueue_errors(void **state);
void test_submit_closed_queue(void **state);
void test_queue_close_with_work_in_flight(void **state);

#endif
