/*
 * cp_fx.c - the CP test fixture (cp_fx.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "cp_fx.h"

void *
cp_fx_translate(void *priv, uint64_t iova, uint64_t len, bool write)
{
   struct env *e = priv;

   /* The CP must never ask for an empty or a wrapping range. */
   assert_true(len > 0);
   assert_true(len <= UINT64_MAX - iova);
   e->translates++;

   for (unsigned i = 0; i < e->nregions; i++) {
      struct region *r = &e->regions[i];

      if (iova < r->iova || iova - r->iova >= r->size ||
          len > r->size - (iova - r->iova))
         continue;
      if (write && !r->writable)
         return NULL;
      return (char *)r->host + (iova - r->iova);
   }
   return NULL;
}

void
map(struct env *e, uint64_t iova, uint32_t *host, uint32_t ndw, bool writable)
{
   e->regions[e->nregions++] = (struct region) {
      .iova = iova, .host = host, .size = (uint64_t)ndw * 4,
      .writable = writable,
   };
}

int
setup(void **state)
{
   struct env *e = calloc(1, sizeof(*e));

   assert_non_null(e);
   e->mem.data = e;
   e->mem.translate = cp_fx_translate;
   e->data = &e->data_guarded[GUARD_DW];
   for (unsigned i = 0; i < GUARD_DW; i++) {
      e->data_guarded[i] = CANARY;
      e->data_guarded[GUARD_DW + DATA_DW + i] = CANARY;
   }
   map(e, RING_IOVA, e->ring, RING_DW, true);
   map(e, IB1_IOVA, e->ib1, IB_DW, true);
   map(e, IB2_IOVA, e->ib2, IB_DW, true);
   map(e, IB3_IOVA, e->ib3, IB_DW, true);
   map(e, DATA_IOVA, e->data, DATA_DW, true);
   map(e, RO_IOVA, e->ro, RO_DW, false);
   map(e, TOP_IOVA, e->top, TOP_DW, true);
   *state = e;
   return 0;
}

int
teardown(void **state)
{
   struct env *e = *state;

   for (unsigned i = 0; i < GUARD_DW; i++) {
      assert_int_equal(e->data_guarded[i], CANARY);
      assert_int_equal(e->data_guarded[GUARD_DW + DATA_DW + i], CANARY);
   }
   free(e);
   return 0;
}

/* Run the ring from its start up to cs. */
int
run_ring(struct env *e, const uint32_t *cs, struct cp_result *res)
{
   return cp_exec(&e->mem, RING_IOVA, (uint32_t)(cs - e->ring), res);
}

uint64_t
data_iova(unsigned dw)
{
   return DATA_IOVA + dw * 4ull;
}
