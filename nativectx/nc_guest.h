/*
 * nc_guest.h - the nativectx guest library: ws.h over a virtgpu-style
 * context (vg.h).
 *
 * What it does so the hot paths never wait for the host:
 *   - requests are batched into one EXECBUFFER, sent on submit, on any
 *     request that needs an answer, on flush, or when the batch is full;
 *   - GPU addresses come from a guest iova heap over the capset's VA range,
 *     BO storage offsets from the context's hostmem arenas: bo_new is one
 *     async request and bo_map a pointer computation; a freed range is only
 *     reused once the fences of the BO that had it retired (and is zeroed
 *     when handed out again);
 *   - submit fences are seqnos the guest assigns per queue
 *     (MSM_SUBMIT_FENCE_SN_IN): submit returns its fence at once;
 *   - the host publishes each queue's retired seqno in shared memory, so a
 *     fence wait, or a CPU access to a BO whose fences are known, reads
 *     memory and sleeps on an event only if the GPU is still busy;
 *   - get_param is answered from the capset except TIMESTAMP, FAULTS and
 *     SUSPENDS (and unknown params: the host gives the exact errno).  FAULTS
 *     asks because the shmem's global_faults is only refreshed per batch:
 *     the core's retire callback cannot read fault counters;
 *   - bo_upload writes the guest's own mapping of the BO (the guest picked
 *     its storage, so it is mapped already): no message at all.  The
 *     anchors' GEM_UPLOAD is there with nc_options.upload_ccmd.
 * The guest checks everything it can know (flags, sizes, its queues, the
 * fences it assigned, BO states) and fails with the kernel's errno itself;
 * what still fails on the host loses the context and every later call
 * returns -EIO.
 *
 * It speaks the anchor protocol (mesa 22.3.6's msm_proto.h) with every
 * msmvirt extension on (nc_proto.h): creating a submit queue names its id
 * and shmem slot itself and costs no answer (the anchors_only option uses
 * the anchor's synchronous IOCTL_SIMPLE instead).
 *
 * Calls needing the host: submitqueue_faults, madvise
 * (except DONTNEED without retained), get_param of the params above, and
 * bo_new when its context's arenas are full (one call for a new arena;
 * -ENOMEM once the host refuses).
 *
 * ws_close() also frees the BOs the caller did not (their host objects go
 * with the context).  Known gap: if the host dies, a fence wait already
 * asleep notices only at its timeout (the transport reports no disconnect).
 */
#ifndef MSMVIRT_NC_GUEST_H
#define MSMVIRT_NC_GUEST_H

#include <stdbool.h>
#include <stdint.h>

#include "ws.h"

struct vg_dev;
struct nc_channel;

struct nc_options {
   /* What the anchors (virglrenderer + mesa's virtio backend) pay, for the
    * evaluation: fence waits poll WAIT_FENCE and CPU access polls
    * GEM_CPU_PREP (round trips), uploads go as GEM_UPLOAD ccmds, and the
    * first bo_map costs a round trip (VIRTGPU_MAP).  Off: the design. */
   bool anchors_only;
   /* Only uploads as GEM_UPLOAD ccmds (implied by anchors_only). */
   bool upload_ccmd;
   /* Before sleeping on a fence, watch the shared page this long: a
    * completion shows there at once, while the event that would wake a
    * sleeper costs an interrupt injection.  0: sleep at once. */
   uint64_t spin_ns;
   /* First hostmem arena, for ws_nativectx_open_channel(); 0: default. */
   uint64_t arena_size;
};

/* Takes vg (destroyed by ws_close(), or here on failure). */
int ws_nativectx_open(struct vg_dev *vg, const struct nc_options *opts,
                      struct ws_dev **out);
/* A new context on ch, then ws_nativectx_open(). */
int ws_nativectx_open_channel(struct nc_channel *ch,
                              const struct nc_options *opts,
                              struct ws_dev **out);
/* The same, and the device owns ch: ws_close() closes it too (one guest
 * process, one connection). */
int ws_nativectx_open_owning(struct nc_channel *ch,
                             const struct nc_options *opts,
                             struct ws_dev **out);

#endif
