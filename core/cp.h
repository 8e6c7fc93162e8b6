/*
 * cp.h - the sim backend's command processor: a PM4 interpreter for the
 * subset of Adreno a6xx packets that makes a submit observable.
 *
 * It is a pure function of (memory view, cmdstream address, size): it reads
 * the stream through the memory view, executes what it knows, skips what it
 * does not (by the packet's count), and reports a fault instead of touching
 * anything outside the view.  Packet builders for tests and workloads are in
 * pm4.h.
 */
#ifndef MSMVIRT_CP_H
#define MSMVIRT_CP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The GPU's view of memory: one context's iova map. */
struct cp_mem {
   void *data;
   /* Host pointer for [iova, iova + len) if that whole range lies inside one
    * mapped BO (and, for write, the BO is GPU-writable); NULL otherwise. */
   void *(*translate)(void *data, uint64_t iova, uint64_t len, bool write);
   /* Optional: called at each modelled-delay marker, in stream order, so
    * GPU time passes where the stream says (what follows the marker lands
    * after it).  Returning false stops the stream as a hang. */
   bool (*delay)(void *data, uint64_t ns);
   /* The chip's GMEM (on-chip tile memory) in bytes: the event blit's clear,
    * restore and resolve address it.  0: a GMEM access faults. */
   uint32_t gmem_size;
   /* Optional: what the stream made the CP do is added here (cp_coverage.c). */
   struct cp_coverage *coverage;
};

enum cp_fault {
   CP_FAULT_NONE = 0,
   CP_FAULT_READ,     /* fetch/read of an unmapped iova */
   CP_FAULT_WRITE,    /* write to an unmapped or read-only iova */
   CP_FAULT_PACKET,   /* malformed packet (bad parity, count past the end) */
   CP_FAULT_IB_DEPTH, /* CP_INDIRECT_BUFFER nested too deep */
   CP_FAULT_HANG,     /* more than CP_MAX_DWORDS fetched (or CP_MAX_BLIT_BYTES
                       * moved): a real GPU would hang here and be recovered
                       * by the kernel */
   CP_FAULT_BLIT,     /* a blit the registers describe badly: GMEM range past
                       * gmem_size, rows that overlap (pitch below the row),
                       * a surface that wraps the address space */
};

struct cp_result {
   uint64_t dwords;     /* dwords fetched, all IB levels (timing model) */
   uint64_t delay_ns;   /* modelled GPU time requested by CP_NOP markers */
   uint32_t packets;    /* packets executed */
   uint32_t writes;     /* memory writes performed (one per packet) */
   uint32_t blits;      /* event blits and CP_BLITs executed */
   enum cp_fault fault;
   uint64_t fault_iova;
};

/* Max IB nesting: the ring's IB1 -> IB2 -> IB3. */
#define CP_MAX_IB_DEPTH 3

/* Work budget per cp_exec, all IB levels: IBs can call the same buffer over
 * and over, so without one a small stream could keep the GPU thread busy
 * for hours.  64 MiB of cmdstream is far beyond any real submit. */
#define CP_MAX_DWORDS (1u << 24)

/* The same for pixel traffic: every byte a blit reads or writes, all blits
 * of one cp_exec.  A guest can program a 16k x 16k rectangle per blit; past
 * 256 MiB the GPU is considered hung rather than let one submit keep the
 * GPU thread busy. */
#define CP_MAX_BLIT_BYTES (256ull << 20)

/*
 * What a stream made the CP do, for the PM4 coverage report: per type-7
 * opcode how often it was executed (modelled), skipped (no model: a no-op)
 * or faulted; per register block how many PKT4 writes it took and how many
 * reads a modelled command made of it.  Plain counters: the caller merges
 * and locks.
 */
enum cp_cov_blit {
   CP_COV_GMEM_CLEAR,    /* event blit: clear a GMEM rect */
   CP_COV_GMEM_RESTORE,  /* event blit: memory -> GMEM */
   CP_COV_GMEM_RESOLVE,  /* event blit: GMEM -> memory */
   CP_COV_2D_FILL,       /* CP_BLIT solid fill */
   CP_COV_2D_COPY,       /* CP_BLIT copy/scale */
   CP_COV_BLIT_UNSUPPORTED, /* a blit in a format/mode not modelled: no-op */
   CP_COV_BLIT_KINDS,
};

#define CP_COV_BLOCKS 24 /* entries of cp_cov_block_names() */

struct cp_coverage {
   uint64_t streams;           /* cp_exec calls */
   uint64_t executed[128], skipped[128], faulted[128];
   uint64_t pkt4, pkt4_faulted;
   uint64_t reg_writes[CP_COV_BLOCKS]; /* registers written, by block */
   uint64_t reg_reads[CP_COV_BLOCKS];  /* read by a modelled command */
   uint64_t blits[CP_COV_BLIT_KINDS];
   uint64_t events_skipped;    /* CP_EVENT_WRITE events without a model */
};

void cp_coverage_add(struct cp_coverage *dst, const struct cp_coverage *src);
/* The report as text (what `msmvirt pm4-coverage` prints); snprintf-like. */
int cp_coverage_format(const struct cp_coverage *cov, char *buf, size_t cap);
const char *cp_opcode_name(uint32_t op); /* NULL when unnamed */

/* Execute ndwords of cmdstream at iova.  Returns 0, or -EFAULT when the
 * stream faulted (res->fault says how; work before the fault stays done). */
int cp_exec(const struct cp_mem *mem, uint64_t iova, uint32_t ndwords,
            struct cp_result *res);

#endif
