/*
 * preload_sysfs.h - the fake sysfs device directory of the forward render
 * node, built once per (uid, major, minor) under $MSMVIRT_SYSFS_DIR,
 * $TMPDIR or /tmp:
 *
 *   ROOT/device/uevent        DRIVER=msm, OF_FULLNAME=/soc/gpu@5000000,
 *                             OF_COMPATIBLE_0=qcom,adreno, OF_COMPATIBLE_N=1
 *   ROOT/device/drm/renderDm/ dev, uevent (libdrm lists device/drm)
 *   ROOT/device/subsystem  -> ../bus/platform   (libdrm: readlink, "/platform")
 *   ROOT/device/driver     -> ../bus/platform/drivers/msm
 *   ROOT/bus/platform/drivers/msm/
 *
 * The values are those of a real Adreno 630 (sdm845's gpu@5000000) with the
 * generic compatible every msm platform GPU carries.
 */
#ifndef MSMVIRT_PRELOAD_SYSFS_H
#define MSMVIRT_PRELOAD_SYSFS_H

#include <stddef.h>

/* rest starts with "/device": the same path inside the tree for maj:min,
 * into buf.  Builds the tree on first use.  0 or -errno. */
int preload_sysfs_path(unsigned maj, unsigned min, const char *rest,
                       char *buf, size_t cap);

/* A resolved path inside the tree back to its /sys name, in place (the
 * buffer realpath() filled, PATH_MAX bytes). */
void preload_sysfs_unmap(char *path);

#endif
