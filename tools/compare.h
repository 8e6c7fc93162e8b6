/*
 * compare.h - the results of one `msmvirt compare` run, as the sweep fills
 * them in and as the JSON writer and the report read them.
 *
 * A cell is one (transport, workload, mode, rtt) point; it holds one value
 * per repetition, each measured right after host-direct ran the same
 * workload at the same point, so every ratio compares neighbours in time.
 */
#ifndef MSMVIRT_COMPARE_H
#define MSMVIRT_COMPARE_H

#include <stdbool.h>
#include <stdint.h>

#include "modes.h"
#include "profile.h"
#include "stats.h"
#include "vclock.h"
#include "ws_count.h"
#include "workload.h"

#define CMP_MAX_WORKLOADS  16
#define CMP_MAX_MODES      8
#define CMP_MAX_RTTS       32
#define CMP_MAX_TRANSPORTS 4
#define CMP_MAX_REPEAT     100
#define CMP_MAX_RTT_US     200000 /* the transport clamps above */

struct cmp_workload {
   const struct workload *wk;
   char label[256];          /* "frame", "trace:tests/tools/sample.trace" */
   char slug[64];            /* for file names: "frame", "trace-sample" */
   struct trace *trace;
   uint32_t iters, warmup;
};

struct cmp_cell {
   unsigned nr;                            /* repetitions measured */
   double time_us[CMP_MAX_REPEAT];         /* per iteration */
   double ratio[CMP_MAX_REPEAT];           /* direct time / this time */
   double rt[CMP_MAX_REPEAT];              /* per iteration */
   double msgs[CMP_MAX_REPEAT];
   double bytes[CMP_MAX_REPEAT];
   double events[CMP_MAX_REPEAT];
   double op_calls[WS_OP_COUNT];           /* per iteration, last rep */
   uint64_t iters;
   double cp_us[VC_NCAT];                  /* critical path per iteration,
                                            * last rep (virtual clock) */
   struct stat_summary time, ratio_s, rt_s, msgs_s, bytes_s, events_s;
   double floor_us;                        /* 0: none */
   bool unsupported;                       /* the mode cannot run here */
   char error[512];                        /* why it failed / cannot run */
};

/* The untimed attribution pass of one (transport, workload, mode). */
struct cmp_attr {
   bool done;
   bool unsupported;
   uint32_t rtt_us;
   uint64_t iters;
   struct ws_op_count op[WS_OP_COUNT];       /* totals over iters */
   char error[512];
};

struct cmp_header {
   char date[64];
   char host_cpu[128];
   long nproc;
   char kernel[256];
   char git_rev[64];
   char command[2048];
};

struct cmp_results {
   struct cmp_header hdr;
   struct msm_core_config core_cfg;
   const char *chip;
   struct profile prof;
   bool quick;
   bool virt;                              /* --clock virtual */
   struct vclock_costs costs;              /* its cost model */
   uint32_t breakdown_rtt;                 /* the breakdown figures' RTT */
   const char *real_json;                  /* a --clock real run to show
                                            * next to this one, or NULL */
   double harness_floor_us[CMP_MAX_TRANSPORTS]; /* real clock: an empty
                                            * CALL at RTT 0; 0: not run */
   struct cmp_calib *calib;                /* the run replaying this
                                            * machine (calibrate.c) */
   unsigned repeat;
   bool attribute;

   unsigned nr_workloads;
   struct cmp_workload workloads[CMP_MAX_WORKLOADS];
   unsigned nr_modes;                      /* available and asked for */
   const struct mode *modes[CMP_MAX_MODES]; /* [0] is direct */
   unsigned nr_skipped;
   const struct mode *skipped[CMP_MAX_MODES];
   unsigned nr_rtts;
   uint32_t rtts[CMP_MAX_RTTS];
   unsigned nr_transports;
   const char *transports[CMP_MAX_TRANSPORTS];

   /* [transport][workload][mode][rtt] */
   struct cmp_cell *cells;
   /* [transport][workload][mode] */
   struct cmp_attr *attrs;
   bool failed;
   double wall_s;
};

static inline struct cmp_cell *
cmp_cell(struct cmp_results *r, unsigned t, unsigned w, unsigned m,
         unsigned k)
{
   return &r->cells[((t * r->nr_workloads + w) * r->nr_modes + m) *
                    r->nr_rtts + k];
}

static inline struct cmp_attr *
cmp_attr(struct cmp_results *r, unsigned t, unsigned w, unsigned m)
{
   return &r->attrs[(t * r->nr_workloads + w) * r->nr_modes + m];
}

/* Makes the clock virtual (vsched_start); set by the msmvirt binary, which
 * is linked with the scheduler.  NULL: only --clock real is possible. */
extern void (*cmp_start_virtual)(void);

/* argv[0] of msmvirt (main sets it). */
extern const char *msmvirt_prog;

/* Fill in date, machine, git revision and the command line. */
void cmp_header_fill(struct cmp_header *h, int argc, char **argv);

/* results_json.c */
int cmp_write_json(struct cmp_results *r, const char *path);

/* report.c: DIR/evaluation.md and the SVGs in DIR/figures */
int cmp_write_report(struct cmp_results *r, const char *dir);

/* Run every point of r (progress on stderr), then fill in the summaries. */
void cmp_sweep(struct cmp_results *r, bool progress);
void cmp_summarize(struct cmp_results *r);

/* calibrate.c: a second virtual run at the real run's RTTs with the cost
 * model set from the real run's harness floor, so the report can show how
 * much of the real/virtual gap is this machine's constants. */
struct cmp_calib {
   double floor_us;                        /* measured (the real run) */
   double model_floor_us;                  /* the calibrated model's */
   struct vclock_costs costs;
   struct cmp_results *run;                /* cells at the real RTTs */
};
int cmp_calibrate(struct cmp_results *r, bool progress);
void cmp_calibrate_free(struct cmp_results *r);

/* The harness's own floor on transport ("inproc" or "socket"): the median
 * time of an empty CALL at RTT 0, in us (pingpong.c). */
int cmp_harness_floor(const char *transport, double *us);

/* The i-th cost flag's name (NULL past the last), its field in c and what
 * it means: one table for the parser and the report. */
const char *cmp_cost_flag(unsigned i, uint64_t **field, const char **what,
                          struct vclock_costs *c);

int cmd_compare(int argc, char **argv);

#endif
