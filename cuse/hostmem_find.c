/*
 * hostmem_find.c - find the ivshmem BAR (hostmem_find.h).
 */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "hostmem_find.h"

static bool
id_is(const char *dev, const char *file, const char *want)
{
   char path[PATH_MAX], id[16];
   FILE *f;
   bool ok;

   snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", dev, file);
   if (!(f = fopen(path, "re")))
      return false;
   ok = fgets(id, sizeof(id), f) && !strncmp(id, want, strlen(want));
   fclose(f);
   return ok;
}

bool
msmvirt_find_ivshmem(char *path, size_t cap)
{
   DIR *d = opendir("/sys/bus/pci/devices");
   struct dirent *e;
   bool found = false;

   if (!d)
      return false;
   while (!found && (e = readdir(d))) {
      if (e->d_name[0] == '.')
         continue;
      found = id_is(e->d_name, "vendor", "0x1af4") &&
              id_is(e->d_name, "device", "0x1110");
      if (found)
         snprintf(path, cap, "/sys/bus/pci/devices/%s/resource2", e->d_name);
   }
   closedir(d);
   return found;
}
