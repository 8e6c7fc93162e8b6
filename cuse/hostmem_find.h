/*
 * hostmem_find.h - the guest's view of hostmem: the first ivshmem PCI
 * device (vendor 0x1af4, device 0x1110) and its BAR2 file, which the
 * daemon (hostmem = auto) and the preload both look for.
 */
#ifndef MSMVIRT_CUSE_HOSTMEM_FIND_H
#define MSMVIRT_CUSE_HOSTMEM_FIND_H

#include <stdbool.h>
#include <stddef.h>

/* /sys/bus/pci/devices/BDF/resource2 into path; false: none. */
bool msmvirt_find_ivshmem(char *path, size_t cap);

#endif
