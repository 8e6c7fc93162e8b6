/*
 * msm_rules.h - the argument rules of Linux 6.1's msm ioctls that need no
 * object lookup: pure functions of the arguments and a few device facts.
 *
 * The core's model of the driver checks requests with them, and a guest
 * library that must refuse a request itself (nativectx: an async request
 * the host rejects would lose the context) checks with the same code, so
 * the two can never disagree.  No state, no locks, no allocation: safe to
 * link into any guest.
 */
#ifndef MSMVIRT_MSM_RULES_H
#define MSMVIRT_MSM_RULES_H

#include <stdbool.h>
#include <stdint.h>

/* What the rules depend on: the chip and the host's limits (a guest reads
 * them from its capset). */
struct msm_rules_caps {
   bool has_cached_coherent;     /* MSM_BO_CACHED_COHERENT allowed (a660) */
   uint64_t max_bo_size;         /* -> ENOMEM */
   uint32_t max_submit_bos;      /* -> E2BIG */
   uint32_t max_submit_cmds;     /* -> E2BIG */
   uint32_t max_submit_syncobjs; /* -> E2BIG */
};

/* GEM_NEW before allocating (msm_ioctl_gem_new + msm_gem_new_impl):
 * flags and cache mode -> EINVAL, size 0 -> EINVAL, too big -> ENOMEM. */
int msm_rule_gem_new(const struct msm_rules_caps *caps, uint64_t size,
                     uint32_t flags);

/* GEM_SUBMIT's arguments before any lookup (msm_ioctl_gem_submit's checks
 * of flags, counts and array pointers); have_*: the array pointer is not
 * NULL.  Syncobj counts matter only under their flags. */
struct msm_rule_submit {
   uint32_t flags, pad;
   uint32_t nr_bos, nr_cmds, nr_in_syncobjs, nr_out_syncobjs;
   bool have_bos, have_cmds, have_in, have_out;
};
int msm_rule_submit_args(const struct msm_rules_caps *caps,
                         const struct msm_rule_submit *s);
/* One cmds[] entry (submit_lookup_cmds): its type, dword-multiple size, no
 * relocs on a6xx, and a submit_idx inside the bos list -> EINVAL. */
int msm_rule_submit_cmd(uint32_t type, uint32_t size, uint32_t nr_relocs,
                        uint32_t submit_idx, uint32_t nr_bos);

#endif
