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
};

enum cp_fault {
   CP_FAULT_NONE = 0,
   CP_FAULT_READ,     /* fetch/read of an unmapped iova */
   CP_FAULT_WRITE,    /* write to an unmapped or read-only iova */
   CP_FAULT_PACKET,   /* malformed packet (bad parity, count past the end) */
   CP_FAULT_IB_DEPTH, /* CP_INDIRECT_BUFFER nested too deep */
   CP_FAULT_HANG,     /* more than CP_MAX_DWORDS fetched: a real GPU would
                       * hang here and be recovered by the kernel */
};

struct cp_result {
   uint64_t dwords;     /* dwords fetched, all IB levels (timing model) */
   uint64_t delay_ns;   /* modelled GPU time requested by CP_NOP markers */
   uint32_t packets;    /* packets executed */
   uint32_t writes;     /* memory writes performed (one per packet) */
   enum cp_fault fault;
   uint64_t fault_iova;
};

/* Max IB nesting: the ring's IB1 -> IB2 -> IB3. */
#define CP_MAX_IB_DEPTH 3

/* Work budget per cp_exec, all IB levels: IBs can call the same buffer over
 * and over, so without one a small stream could keep the GPU thread busy
 * for hours.  64 MiB of cmdstream is far beyond any real submit. */
#define CP_MAX_DWORDS (1u << 24)

/* Execute ndwords of cmdstream at iova.  Returns 0, or -EFAULT when the
 * stream faulted (res->fault says how; work before the fault stays done). */
int cp_exec(const struct cp_mem *mem, uint64_t iova, uint32_t ndwords,
            struct cp_result *res);

#endif
