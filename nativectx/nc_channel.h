/*
 * nc_channel.h - the guest end of nativectx over the transport.
 *
 * A channel is one transport connection (in-process loopback, a unix socket
 * to a host process, or a virtio-serial port); it carries any number of
 * guest contexts, one transport session each, and routes the host's events
 * to them (which is why the channel, not the caller, owns the mt_guest:
 * the transport delivers every session's events to one callback).
 *
 *   nc_channel_*()       open a channel
 *   vg_channel_open()    a virtgpu-style context on it (vg.h)
 *   ws_nativectx_open_channel()  the ws driver API on a fresh context
 *
 * A channel must outlive its contexts; contexts may be opened and used
 * from several threads at once.
 */
#ifndef MSMVIRT_NC_CHANNEL_H
#define MSMVIRT_NC_CHANNEL_H

#include <stdint.h>

#include "transport.h"
#include "vg.h"

struct nc_channel;
struct msm_core;

struct nc_channel_config {
   uint32_t rtt_us;      /* modelled round trip (transport latency model) */
   uint32_t timeout_ms;  /* for the HELLO; 0: the transport's default */
};

/* A host on its own thread in this process, serving core (loopback). */
int nc_channel_loopback(struct msm_core *core,
                        const struct nc_channel_config *cfg,
                        struct nc_channel **out);
/* One ws device on its own loopback channel (closed by ws_close()): what a
 * harness comparing modes on one core wants.  opts may be NULL. */
struct nc_options;
struct ws_dev;
int ws_nativectx_open_loopback(struct msm_core *core,
                               const struct nc_channel_config *cfg,
                               const struct nc_options *opts,
                               struct ws_dev **out);
/* A host process listening on a unix socket (hostmem by SCM_RIGHTS). */
int nc_channel_connect(const char *path, const struct nc_channel_config *cfg,
                       struct nc_channel **out);
/* A virtio-serial port and the hostmem file (ivshmem BAR). */
int nc_channel_open_virtio(const char *port_path, const char *hostmem_path,
                           uint64_t hostmem_size,
                           const struct nc_channel_config *cfg,
                           struct nc_channel **out);
/* Any open stream (takes fd); mt_flags as for mt_guest_open_fd(). */
int nc_channel_open_fd(int fd, const char *hostmem_path, uint64_t hostmem_size,
                       unsigned mt_flags, const struct nc_channel_config *cfg,
                       struct nc_channel **out);
/* Any transport constructor: open() makes the mt_guest with the config it
 * is handed (its event callback routes to the channel's contexts). */
typedef int (*nc_transport_open_fn)(void *arg,
                                    const struct mt_guest_config *gcfg,
                                    struct mt_guest **out);
int nc_channel_open_with(nc_transport_open_fn open, void *arg,
                         const struct nc_channel_config *cfg,
                         struct nc_channel **out);
void nc_channel_close(struct nc_channel *ch);

/* The connection's own counters (every context on it together). */
void nc_channel_stats(struct nc_channel *ch, struct mt_stats *st);
/* The underlying transport, for tests that speak raw frames on it. */
struct mt_guest *nc_channel_transport(struct nc_channel *ch);

/* One guest context: a session, a host context, its capset (one sync call).
 * arena_size 0: the host's default. */
int vg_channel_open(struct nc_channel *ch, uint64_t arena_size,
                    struct vg_dev **out);

#endif
