/*
 * fuzz_common.h - what the libFuzzer targets share: one core per process
 * (no modelled GPU time, so nothing in a fuzz path sleeps), the invariant
 * checks, and a thread that rewrites guest-visible memory while a target
 * runs (the guest can, in a real VM).
 *
 * Invariants every target checks after every input:
 *   - no crash, no sanitizer report, no leak (ASan's LeakSanitizer at exit);
 *   - another context's memory is unchanged (fuzz_witness_*);
 *   - the core's object counts are back to what they were before the
 *     input (contexts and syncobjs at once; BOs and in-flight submits once
 *     the GPU has drained what the input queued).
 */
#ifndef MSMVIRT_FUZZ_COMMON_H
#define MSMVIRT_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

struct msm_core;
struct msm_ctx;

/* The process's core (made on first use). */
struct msm_core *fuzz_core(void);

/* A context of another guest, with a BO full of a known pattern: whatever
 * an input does, those bytes and that context's shmem must not change. */
void fuzz_witness_check(void);

/* Object counts before an input, and the check after it. */
struct fuzz_counts {
   uint32_t contexts, syncobjs;
};
void fuzz_counts_take(struct fuzz_counts *c);
void fuzz_counts_check(const struct fuzz_counts *c);

/* Rewrite [p, p + len) with noise until fuzz_scribble_stop(); returns at
 * once.  The region must stay valid until stop returns. */
void fuzz_scribble_start(void *p, size_t len);
void fuzz_scribble_stop(void);

#define FUZZ_ASSERT(cond) \
   do { if (!(cond)) fuzz_fail(#cond, __FILE__, __LINE__); } while (0)
void fuzz_fail(const char *what, const char *file, int line)
   __attribute__((noreturn));

#endif
