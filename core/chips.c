/*
 * chips.c - the Adreno parts the sim backend can pretend to be.
 *
 * gpu_id/chip_id/gmem follow the 6.1 kernel's adreno_device.c (which mesa
 * 22.3's freedreno device table matches on gpu_id for a6xx): chip_id packs
 * core.major.minor.patch as the kernel's MSM_PARAM_CHIP_ID does; GMEM_BASE
 * is 0x100000 except on the a650 family; a6xx has one ring (so
 * PRIORITIES = 1 * NR_SCHED_PRIORITIES = 3); the per-process address space
 * starts at 4 GiB and spans 4 GiB (adreno_private_address_space_size()).
 */
#include <string.h>

#include "msm_core.h"

#define VA_4G 0x100000000ull

static const struct msm_chip chips[] = {
   { "a618", 618, 0x06010800, 512 * 1024,  0x100000, 800000000, 1, VA_4G, VA_4G, false },
   { "a630", 630, 0x06030000, 1024 * 1024, 0x100000, 710000000, 1, VA_4G, VA_4G, false },
   { "a650", 650, 0x06050000, 1152 * 1024, 0,        587000000, 1, VA_4G, VA_4G, false },
   { "a660", 660, 0x06060000, 1536 * 1024, 0,        840000000, 1, VA_4G, VA_4G, true },
};

const struct msm_chip *
msm_chip_table(unsigned *count)
{
   *count = sizeof(chips) / sizeof(chips[0]);
   return chips;
}

const struct msm_chip *
msm_chip_lookup(const char *name)
{
   if (!name)
      return &chips[1]; /* a630: the default */
   for (unsigned i = 0; i < sizeof(chips) / sizeof(chips[0]); i++)
      if (!strcmp(chips[i].name, name))
         return &chips[i];
   return NULL;
}
