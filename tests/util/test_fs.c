/*
 * test_fs.c - file-system helpers for tests (no shelling out to rm).
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <stdio.h>

#include "test_fs.h"

static int
remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
   (void)st;
   (void)flag;
   (void)ftw;
   return remove(path) ? -errno : 0;
}

int
test_rmtree(const char *dir)
{
   /* Depth first, physical: children before their directory, and a
    * symlink is removed, never followed. */
   return nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}
