/*
 * fuzz_cp.c - libFuzzer: the CP (PM4) interpreter.  The input is the
 * GPU's whole memory: one BO at CP_BASE holding the stream; the first
 * dword says how much of it to run.  Delay markers cost nothing here.
 * ASan checks that nothing outside the view is touched.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cp.h"

#define CP_BASE 0x100000ull

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct view {
   uint8_t *mem;
   size_t size;
};

static void *
translate(void *data, uint64_t iova, uint64_t len, bool write)
{
   struct view *v = data;
   (void)write;
   if (iova < CP_BASE || !len || iova - CP_BASE > v->size ||
       len > v->size - (iova - CP_BASE))
      return NULL;
   return v->mem + (iova - CP_BASE);
}

static bool
no_delay(void *data, uint64_t ns)
{
   (void)data;
   return ns < 1000000000ull; /* a "hang" past 1 s of modelled time */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
   struct cp_result res;
   uint32_t ndw = 0;

   if (size < 4)
      return 0;
   memcpy(&ndw, data, 4);
   struct view v = { .size = size - 4 };
   v.mem = malloc(v.size ? v.size : 1);
   memcpy(v.mem, data + 4, v.size);
   struct cp_mem mem = { .data = &v, .translate = translate,
                         .delay = no_delay };
   cp_exec(&mem, CP_BASE, ndw, &res);
   free(v.mem);
   return 0;
}
