/*
 * transport.h - guest<->host channels for msmvirt (DESIGN.md decisions 2, 3).
 *
 * One small API under both protocols: nativectx (async SENDs, host->guest
 * EVENTs, responses in hostmem) and forward (one sync CALL per ioctl).
 * The transport only moves framed bytes and shares one memory region; it
 * knows nothing of msm.  Its names start with mt_ ("msmvirt transport"):
 * mt_host_* for the host end, mt_guest_* for a guest end.
 *
 * Wire: a byte stream of frames, each a 32-byte struct mt_frame_hdr and
 * hdr.len payload bytes (<= MT_MAX_PAYLOAD).  One stream carries many
 * guest contexts, told apart by hdr.session, a number the guest front end
 * picks (in a VM every guest process shares one virtio-serial port).
 *   guest->host: HELLO (first frame: names the protocol), CALL (waits for a
 *                REPLY with the same tag), SEND (async, no reply)
 *   host->guest: REPLY (to a HELLO or CALL, by tag), EVENT (async)
 * Anything else, a bad length, or a frame in the wrong direction is a
 * connection error: the receiver drops the connection.  It never crashes
 * and never allocates more than MT_MAX_PAYLOAD for one frame.
 *
 * Channels (chosen at creation; the rest of the API does not care):
 *   loopback  - the host serves a socketpair on its own thread in this
 *               process (as a VMM's device thread would); hostmem is the
 *               host's memory itself.
 *   unix      - mt_host_listen() / mt_guest_connect(): the host passes its
 *               hostmem fd with SCM_RIGHTS in the HELLO reply; the guest
 *               mmaps it MAP_SHARED.
 *   virtio    - the guest opens a virtio-serial port (/dev/vportNpM) and
 *               mmaps the ivshmem BAR (sysfs resource2) or any file; the host
 *               connects as a client to QEMU's chardev socket
 *               (-chardev socket,server=on) with mt_host_connect().  The
 *               hostmem file is the core's own (msm_core_config.hostmem_path),
 *               so nothing is passed.
 *
 * Latency model: the guest picks rtt_us and sends rtt/2 in its HELLO.  The
 * host hands a guest frame to on_frame no earlier than its send time
 * (hdr.ts_ns) + rtt/2; the guest delivers a REPLY or EVENT no earlier than
 * the host's send time + rtt/2.  So SENDs pipeline (the sender never waits)
 * and a CALL costs one full rtt; real transit time hides inside the modelled
 * delay instead of adding to it.  Loopback and unix share CLOCK_MONOTONIC;
 * over virtio each side maps the other's clock with an offset measured at
 * HELLO.  A deadline is never later than receive time + delay, so a lying
 * ts_ns cannot stall a receiver.
 *
 * All calls return 0 (or a length) or a negative errno.
 */
#ifndef MSMVIRT_TRANSPORT_H
#define MSMVIRT_TRANSPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MT_MAX_PAYLOAD  (1u << 20)  /* bytes after the header, per frame */
#define MT_MAX_HELLO    4096        /* protocol bytes in a HELLO */
#define MT_MAX_RTT_US   200000      /* larger rtt_us is clamped */
#define MT_PROTO_NAME_MAX 24        /* including the NUL */

enum mt_frame_type {
   MT_HELLO = 1, /* g->h: struct mt_hello + protocol bytes; REPLY'd */
   MT_CALL  = 2, /* g->h: sync request, answered by a REPLY with its tag */
   MT_SEND  = 3, /* g->h: async message */
   MT_REPLY = 4, /* h->g: answer to HELLO / CALL */
   MT_EVENT = 5, /* h->g: async notification (fence signalled, ...) */
};

/* Little-endian (every target we have), fixed layout. */
struct mt_frame_hdr {
   uint32_t type;    /* enum mt_frame_type */
   uint32_t session; /* front-end chosen guest context id */
   uint32_t len;     /* payload bytes that follow */
   uint32_t flags;   /* must be 0 */
   uint64_t tag;     /* CALL/HELLO: guest-chosen; REPLY: the one answered */
   uint64_t ts_ns;   /* sender's CLOCK_MONOTONIC at send */
};

/* CLOCK_MONOTONIC in ns: the clock of hdr.ts_ns. */
uint64_t mt_now_ns(void);

/* Wait until mt_now_ns() >= deadline with microsecond precision (sleep,
 * then spin: timer slack makes plain sleeps useless below ~50 us). */
void mt_wait_until(uint64_t deadline_ns);

/* ---------------------------------------------------------------- guest */

struct mt_guest;

/* Called on the guest's reader thread; payload is valid during the call.
 * It may mt_send() but must not mt_call() (the reply would never be read). */
typedef void (*mt_event_fn)(void *data, uint32_t session, const void *payload,
                            uint32_t len);

struct mt_guest_config {
   const char *proto;     /* "nativectx", "forward", ... */
   const void *hello;     /* protocol bytes for on_hello (may be NULL) */
   uint32_t hello_len;    /* <= MT_MAX_HELLO */
   uint32_t rtt_us;       /* modelled round trip; 0: none */
   uint32_t timeout_ms;   /* wait for the HELLO reply; 0: 5000 */
   mt_event_fn on_event;  /* may be NULL: events are counted and dropped */
   void *event_data;
};

/* Guest-side accounting.  Every frame counts, the HELLO included. */
struct mt_stats {
   uint64_t messages;         /* guest->host frames */
   uint64_t bytes;            /* bytes_sent + bytes_received */
   uint64_t bytes_sent;       /* headers included */
   uint64_t bytes_received;   /* headers included */
   uint64_t sync_round_trips; /* CALLs (and HELLOs) that got their REPLY */
   uint64_t events;           /* EVENTs received */
   uint64_t dropped;          /* REPLYs for no waiting CALL, ignored */
};

struct mt_host;

/* loopback: a guest served by an existing host in this process. */
int mt_guest_loopback(struct mt_host *host, const struct mt_guest_config *cfg,
                      struct mt_guest **out);
/* unix: connect to mt_host_listen()'s path; hostmem comes over the socket. */
int mt_guest_connect(const char *path, const struct mt_guest_config *cfg,
                     struct mt_guest **out);
/* virtio: the port's char device and the hostmem file (size 0: the file's). */
int mt_guest_open_virtio(const char *port_path, const char *hostmem_path,
                         uint64_t hostmem_size,
                         const struct mt_guest_config *cfg,
                         struct mt_guest **out);

/* Any already-open stream; takes the fd (closed on failure too).  hostmem_path
 * may be NULL (no hostmem, or one passed by the host with SCM_RIGHTS). */
#define MT_GUEST_REMOTE_CLOCK (1u << 0) /* the host's clock is not ours */
int mt_guest_open_fd(int fd, const char *hostmem_path, uint64_t hostmem_size,
                     unsigned flags, const struct mt_guest_config *cfg,
                     struct mt_guest **out);

/* Closes the stream, fails pending calls, unmaps hostmem; for a guest from
 * mt_loopback_create() also destroys its host.  No call may be in flight. */
void mt_guest_close(struct mt_guest *g);

/* Sync: send a CALL and block until its REPLY (thread-safe; concurrent
 * callers each get their own).  Up to rsp_cap bytes land in rsp; *rsp_len
 * is the reply's full length.  -EMSGSIZE: request too big, or reply longer
 * than rsp_cap (truncated).  -ECONNRESET: the connection is gone.
 * -EDEADLK from an event callback.  The *v forms take up to 32 iovecs. */
int mt_call(struct mt_guest *g, uint32_t session, const void *req,
            uint32_t req_len, void *rsp, uint32_t rsp_cap, uint32_t *rsp_len);
int mt_callv(struct mt_guest *g, uint32_t session, const struct iovec *iov,
             int iovcnt, void *rsp, uint32_t rsp_cap, uint32_t *rsp_len);

/* Async: returns once the frame is written. */
int mt_send(struct mt_guest *g, uint32_t session, const void *msg,
            uint32_t len);
int mt_sendv(struct mt_guest *g, uint32_t session, const struct iovec *iov,
             int iovcnt);

/* The shared region as mapped here (NULL/0 if the channel has none). */
void mt_guest_hostmem(struct mt_guest *g, void **base, uint64_t *size);

void mt_guest_stats(struct mt_guest *g, struct mt_stats *st);
void mt_guest_stats_reset(struct mt_guest *g);

/* ----------------------------------------------------------------- host */

struct mt_conn;

/* One protocol the host speaks.  Handlers of one connection run in order on
 * that connection's thread. */
struct mt_host_proto {
   const char *name;
   void *data;
   /* The guest's HELLO: hello/len are its protocol bytes.  Return 0 and a
    * per-connection *state, or a negative errno the guest's open returns. */
   int (*on_hello)(void *data, struct mt_conn *conn, const void *hello,
                   uint32_t len, void **state);
   /* A CALL (answer it with mt_reply(), now or later, from any thread) or a
    * SEND.  payload is valid during the call only.  A negative return is a
    * guest fault: the connection is dropped. */
   int (*on_frame)(void *state, struct mt_conn *conn, uint32_t type,
                   uint32_t session, uint64_t tag, const void *payload,
                   uint32_t len);
   /* The connection ended (guest gone, fault, or host shutdown): free all it
    * owned.  When it returns no thread may use conn again. */
   void (*on_close)(void *state);
   /* Optional, on the connection thread: does the connection hold anything
    * (contexts) that an idle timeout would destroy?  NULL: never. */
   bool (*holds)(void *state);
};

struct mt_host_config {
   const struct mt_host_proto *protos; /* copied */
   unsigned nr_protos;
   void *hostmem_base;     /* loopback guests map this */
   uint64_t hostmem_size;
   int hostmem_fd;         /* unix guests get it by SCM_RIGHTS; -1: none */
   uint32_t max_conns;     /* more are refused; 0: MT_DEFAULT_MAX_CONNS */
   /* Deadlines for connections from mt_host_listen() (a VM's stream from
    * mt_host_connect() waits for its guest as long as it takes); 0 takes
    * the default, UINT32_MAX means none. */
   uint32_t hello_timeout_ms; /* connect -> complete HELLO */
   uint32_t frame_timeout_ms; /* first byte of a frame -> its last */
   uint32_t idle_timeout_ms;  /* no frame, and holds() says nothing held */
   /* Outgoing bytes a guest may leave unread (allocation overhead counted)
    * before it is dropped; 0: MT_DEFAULT_TX_MAX_BYTES.  Never below one
    * full frame. */
   uint64_t tx_max_bytes;
};

#define MT_DEFAULT_MAX_CONNS 256
#define MT_DEFAULT_HELLO_TIMEOUT_MS 5000
#define MT_DEFAULT_FRAME_TIMEOUT_MS 10000
#define MT_DEFAULT_IDLE_TIMEOUT_MS 60000
#define MT_DEFAULT_TX_MAX_BYTES (4u << 20)

struct mt_host_stats {
   uint64_t conns;         /* connections ever served */
   uint64_t live;          /* connections now open */
   uint64_t faults;        /* connections dropped: protocol violation,
                            * deadline passed, or not reading replies */
   uint64_t frames;        /* guest frames received */
   uint64_t bytes_received;
   uint64_t bytes_sent;
};

int mt_host_create(const struct mt_host_config *cfg, struct mt_host **out);
/* Stop listening, drop every connection (each runs on_close) and join their
 * threads.  The host stays usable for mt_host_get_stats(). */
void mt_host_stop(struct mt_host *h);
void mt_host_destroy(struct mt_host *h); /* stops first */

/* unix: serve any number of guests on path, each on its own thread.  A stale
 * socket file is replaced; a live server there gives -EADDRINUSE. */
int mt_host_listen(struct mt_host *h, const char *path);
/* virtio: connect to QEMU's chardev socket and serve that one stream.  A
 * stream takes one HELLO: if the guest daemon restarts, its new HELLO ends
 * the connection, and the host daemon connects again (mt_host_get_stats()
 * shows live fall). */
int mt_host_connect(struct mt_host *h, const char *path);
/* Serve an already-connected stream socket (takes the fd). */
#define MT_SERVE_PASS_HOSTMEM (1u << 0) /* send hostmem_fd with the welcome */
#define MT_SERVE_REMOTE_CLOCK (1u << 1) /* the guest's clock is not ours */
/* A HELLO on a stream that already has a guest means the guest side was
 * restarted (a VM's one virtio-serial port outlives the daemon using it):
 * the old guest's state is closed (on_close) and the new HELLO served.
 * Without this flag a second HELLO is a protocol violation. */
#define MT_SERVE_REHELLO      (1u << 2)
/* Apply the host's hello/frame/idle deadlines (mt_host_listen's guests). */
#define MT_SERVE_DEADLINES    (1u << 3)
int mt_host_serve_fd(struct mt_host *h, int fd, unsigned flags);

void mt_host_get_stats(struct mt_host *h, struct mt_host_stats *st);

/* Answer a CALL / push an event.  Thread-safe (e.g. from the GPU thread),
 * and never blocks on the guest: a guest that stops reading has its frames
 * queued up to a bound, then is dropped.  -EPIPE once the connection broke. */
/* Host clock minus the guest's clock, measured at HELLO (0 when both share
 * CLOCK_MONOTONIC): what turns a guest's absolute deadline into ours. */
int64_t mt_conn_clock_offset(struct mt_conn *conn);

int mt_reply(struct mt_conn *conn, uint32_t session, uint64_t tag,
             const void *data, uint32_t len);
int mt_event(struct mt_conn *conn, uint32_t session, const void *data,
             uint32_t len);

/* loopback in one call: a private host (destroyed by mt_guest_close) serving
 * a guest in this process. */
int mt_loopback_create(const struct mt_host_config *hcfg,
                       const struct mt_guest_config *gcfg,
                       struct mt_guest **out);

#ifdef __cplusplus
}
#endif

#endif
