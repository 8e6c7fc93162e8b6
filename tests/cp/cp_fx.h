/*
 * cp_fx.h - the CP test fixture: a fake GPU address space made of a few
 * host buffers, with guards around the data buffer (cp_fx.c).
 */
#ifndef MSMVIRT_TESTS_CP_FX_H
#define MSMVIRT_TESTS_CP_FX_H

#include <stdbool.h>
#include <stdint.h>

#include "core/cp.h"

/* The fake address space.  Iovas are spread out so that an off-by-one in the
 * CP lands in a hole (a fault) rather than in a neighbouring buffer. */
#define RING_IOVA   0x0000000100000000ull
#define IB1_IOVA    0x0000000100100000ull
#define IB2_IOVA    0x0000000100200000ull
#define IB3_IOVA    0x0000000100300000ull
#define DATA_IOVA   0x0000000100400000ull
#define RO_IOVA     0x0000000100500000ull
#define TOP_IOVA    0xfffffffffffff000ull /* last page of the 64-bit space */
#define UNMAPPED    0x0000000200000000ull

#define RING_DW  4096
#define IB_DW    1024
#define DATA_DW  256
#define RO_DW    64
#define TOP_DW   1024
#define GUARD_DW 16
#define CANARY   0xdeadbeefu

struct region {
   uint64_t iova;
   uint32_t *host;
   uint64_t size; /* bytes */
   bool writable;
};

struct env {
   struct cp_mem mem;
   struct region regions[8];
   unsigned nregions;
   unsigned translates;

   uint32_t ring[RING_DW];
   uint32_t ib1[IB_DW], ib2[IB_DW], ib3[IB_DW];
   /* data sits between guards that nothing may ever touch */
   uint32_t data_guarded[GUARD_DW + DATA_DW + GUARD_DW];
   uint32_t *data;
   uint32_t ro[RO_DW];
   uint32_t top[TOP_DW];
};

void *cp_fx_translate(void *priv, uint64_t iova, uint64_t len, bool write);
void map(struct env *e, uint64_t iova, uint32_t *host, uint32_t ndw,
         bool writable);
/* cmocka setup/teardown: *state is a struct env; teardown checks the
 * guards around the data buffer. */
int setup(void **state);
int teardown(void **state);
/* Run the ring from its start up to cs. */
int run_ring(struct env *e, const uint32_t *cs, struct cp_result *res);
uint64_t data_iova(unsigned dw);

#endif
