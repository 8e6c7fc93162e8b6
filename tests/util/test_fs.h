/*
 * test_fs.h - file-system helpers for tests that write scratch trees.
 */
#ifndef MSMVIRT_TESTS_TEST_FS_H
#define MSMVIRT_TESTS_TEST_FS_H

/* Remove dir and everything under it (no symlink is followed); 0 or
 * -errno of the first failure. */
int test_rmtree(const char *dir);

#endif
