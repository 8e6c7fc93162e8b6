/*
 * preload_sysfs.h - the fake sysfs device directory of the render node,
 * built once per (kind, uid, major, minor) under $MSMVIRT_SYSFS_DIR,
 * $TMPDIR or /tmp.  The msm (forward) node is a platform device:
 *
 *   ROOT/device/uevent        DRIVER=msm, OF_FULLNAME=/soc/gpu@5000000,
 *                             OF_COMPATIBLE_0=qcom,adreno, OF_COMPATIBLE_N=1
 *   ROOT/device/drm/renderDm/ dev, uevent (libdrm lists device/drm)
 *   ROOT/device/subsystem  -> ../bus/platform   (libdrm: readlink, "/platform")
 *   ROOT/device/driver     -> ../bus/platform/drivers/msm
 *   ROOT/bus/platform/drivers/msm/
 *
 * The virtio_gpu (nativectx) node is a PCI function 1af4:1050: device/
 * {vendor,device,subsystem_*,revision,class}, uevent with PCI_SLOT_NAME,
 * subsystem -> ../bus/pci (libdrm: DRM_BUS_PCI; mesa's loader maps the id
 * to virtio_gpu).
 */
#ifndef MSMVIRT_PRELOAD_SYSFS_H
#define MSMVIRT_PRELOAD_SYSFS_H

#include <stddef.h>

enum preload_node_kind {
   PRELOAD_NODE_MSM,
   PRELOAD_NODE_VIRTIO_GPU,
};

/* rest starts with "/device": the same path inside the tree for maj:min,
 * into buf.  Builds the tree on first use.  0 or -errno. */
int preload_sysfs_path(unsigned maj, unsigned min, enum preload_node_kind kind,
                       const char *rest, char *buf, size_t cap);

/* A resolved path inside the tree back to its /sys name, in place (the
 * buffer realpath() filled, PATH_MAX bytes). */
void preload_sysfs_unmap(char *path);

#endif
