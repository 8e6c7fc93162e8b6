/*
 * nc_host.h - nativectx on the host daemon: the transport protocol that
 * serves guest connections with nativectx contexts over one msm core.
 *
 * Each connection carries any number of guest contexts, one per transport
 * session (a VM's processes share one virtio-serial port).  A context that
 * misbehaves is lost on its own; the connection and its other contexts keep
 * working.  When the connection ends, every context it carried is destroyed
 * (the core frees their BOs, queues and hostmem arenas).
 */
#ifndef MSMVIRT_NC_HOST_H
#define MSMVIRT_NC_HOST_H

#include <stdint.h>

#include "transport.h"

struct msm_core;
struct nc_host_conn;

/* Fill *out with the "nativectx" protocol for mt_host_config.protos. */
int nc_host_proto(struct msm_core *core, struct mt_host_proto *out);

/* The host side of the virtgpu-style layer: run one frame's records for
 * session (a pure function of the connection state and the bytes; the
 * transport glue and fuzz targets call it).  reply: what a CALL answers
 * with; *reply_len its size. */
struct vg_reply;
int nc_host_conn_create(struct msm_core *core, struct mt_conn *conn,
                        struct nc_host_conn **out);
void nc_host_conn_destroy(struct nc_host_conn *c);
int nc_host_frame(struct nc_host_conn *c, uint32_t session,
                  const void *payload, uint32_t len, struct vg_reply *reply,
                  uint32_t *reply_len);

#endif
