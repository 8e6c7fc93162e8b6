/*
 * cuse_config.h - the guest's one config file (DESIGN.md decision 7): which
 * design this guest uses and where the host is.  msmvirt-cuse reads it
 * (--config FILE); vm/run-guest.sh writes one (--mode / --config).
 *
 *   # /etc/msmvirt/guest.conf
 *   [guest]
 *   mode = nativectx          # forward: the msm node, every ioctl forwarded
 *                             # nativectx: the virtio_gpu node (native context)
 *   node = dri/renderD128     # under /dev
 *   port = auto               # virtio-serial port to the host daemon (auto:
 *                             # $MSMVIRT_PORT, the port named msmvirt.0)
 *   hostmem = auto            # the ivshmem BAR (auto: the 1af4:1110 device's
 *                             # resource2), or a file
 *   # connect = /run/msmvirt.sock   a host's unix socket instead of port
 *   # rtt_us = 0                    modelled round trip
 *   # arena_mb = 0                  nativectx: each context's hostmem arena,
 *   #                               where the node places blob storage
 *   #                               (0: the host's default)
 *
 * Keys may also stand before any section.  An unknown key or value is an
 * error (a typo must not silently pick the other design).
 */
#ifndef MSMVIRT_CUSE_CONFIG_H
#define MSMVIRT_CUSE_CONFIG_H

#include <stdint.h>

enum cuse_mode {
   CUSE_MODE_FORWARD = 0,
   CUSE_MODE_NATIVECTX,
};

#define CUSE_CONFIG_STR 256

struct cuse_config {
   enum cuse_mode mode;
   char node[CUSE_CONFIG_STR];     /* "" : the default */
   char port[CUSE_CONFIG_STR];
   char hostmem[CUSE_CONFIG_STR];  /* "auto" or a path */
   char connect[CUSE_CONFIG_STR];
   uint32_t rtt_us;
   uint32_t arena_mb;
};

/* Defaults, then the file's values.  0, -ENOENT (no file), or -EINVAL with
 * a message in err (line number and what was wrong). */
int cuse_config_load(const char *path, struct cuse_config *cfg, char *err,
                     unsigned err_len);
/* "forward" / "nativectx"; NULL for another value. */
const char *cuse_mode_name(enum cuse_mode m);
int cuse_mode_parse(const char *s, enum cuse_mode *m);

#endif
