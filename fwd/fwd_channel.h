/*
 * fwd_channel.h - the guest end of forward over the transport (the twin of
 * nativectx/nc_channel.h).
 *
 * A channel is one transport connection (in-process loopback, or a unix
 * socket to a `msmvirt host` process); it carries any number of ws devices,
 * each one forward session = one host context = one guest drm_file, as the
 * CUSE daemon's one virtio-serial stream carries every open() in a VM.
 *
 *   fwd_channel_*()          open a channel
 *   ws_fwd_open_channel()    the ws driver API on a new session of it
 *
 * A channel must outlive its devices, except one opened with
 * ws_fwd_open_owning(), which closes its channel with it.
 */
#ifndef MSMVIRT_FWD_CHANNEL_H
#define MSMVIRT_FWD_CHANNEL_H

#include <stdint.h>

struct fwd_channel;
struct msm_core;
struct mt_guest;
struct ws_dev;

struct fwd_channel_config {
   uint32_t rtt_us;      /* modelled round trip (transport latency model) */
};

/* A host on its own thread in this process, serving core (loopback). */
int fwd_channel_loopback(struct msm_core *core,
                         const struct fwd_channel_config *cfg,
                         struct fwd_channel **out);
/* A host process listening on a unix socket (hostmem by SCM_RIGHTS). */
int fwd_channel_connect(const char *path, const struct fwd_channel_config *cfg,
                        struct fwd_channel **out);
void fwd_channel_close(struct fwd_channel *ch);
/* The connection (for its counters). */
struct mt_guest *fwd_channel_guest(struct fwd_channel *ch);

/* A ws device on a new session of ch: a CUSE open().  Its stats count
 * from its open (the open's own CALL included). */
int ws_fwd_open_channel(struct fwd_channel *ch, struct ws_dev **out);
/* The same, closing ch when the device closes. */
int ws_fwd_open_owning(struct fwd_channel *ch, struct ws_dev **out);

#endif
