/*
 * msm_rules.c - the msm ioctl argument rules shared by host and guest
 * (msm_rules.h).
 */
#include <errno.h>

#include "msm_drm.h"
#include "msm_rules.h"

int
msm_rule_gem_new(const struct msm_rules_caps *caps, uint64_t size,
                 uint32_t flags)
{
   if (flags & ~MSM_BO_FLAGS)
      return -EINVAL;
   switch (flags & MSM_BO_CACHE_MASK) {
   case MSM_BO_CACHED:
   case MSM_BO_WC:
   case MSM_BO_UNCACHED:
      break;
   case MSM_BO_CACHED_COHERENT:
      if (caps->has_cached_coherent)
         break;
      return -EINVAL;
   default:
      return -EINVAL;
   }
   if (!size)
      return -EINVAL;
   if (size > caps->max_bo_size)
      return -ENOMEM;
   return 0;
}

int
msm_rule_submit_args(const struct msm_rules_caps *caps,
                     const struct msm_rule_submit *s)
{
   if (s->pad)
      return -EINVAL;
   if (MSM_PIPE_ID(s->flags) != MSM_PIPE_3D0)
      return -EINVAL;
   if (MSM_PIPE_FLAGS(s->flags) & ~MSM_SUBMIT_FLAGS)
      return -EINVAL;
   /* Running from the ringbuffer needs CAP_SYS_RAWIO: never for a guest. */
   if (s->flags & MSM_SUBMIT_SUDO)
      return -EINVAL;
   /* No sync_file fds here: an input fence fd can only be invalid (what the
    * kernel says for one), and none can be handed out. */
   if (s->flags & MSM_SUBMIT_FENCE_FD_IN)
      return -EINVAL;
   if (s->flags & MSM_SUBMIT_FENCE_FD_OUT)
      return -EOPNOTSUPP;
   if (s->nr_bos > caps->max_submit_bos || s->nr_cmds > caps->max_submit_cmds)
      return -E2BIG;
   if ((s->nr_bos && !s->have_bos) || (s->nr_cmds && !s->have_cmds))
      return -EFAULT;
   /* The syncobj arrays exist only under their flags. */
   if (s->flags & MSM_SUBMIT_SYNCOBJ_IN) {
      if (s->nr_in_syncobjs > caps->max_submit_syncobjs)
         return -E2BIG;
      if (s->nr_in_syncobjs && !s->have_in)
         return -EFAULT;
   }
   if (s->flags & MSM_SUBMIT_SYNCOBJ_OUT) {
      if (s->nr_out_syncobjs > caps->max_submit_syncobjs)
         return -E2BIG;
      if (s->nr_out_syncobjs && !s->have_out)
         return -EFAULT;
   }
   return 0;
}

int
msm_rule_submit_cmd(uint32_t type, uint32_t size, uint32_t nr_relocs,
                    uint32_t submit_idx, uint32_t nr_bos)
{
   switch (type) {
   case MSM_SUBMIT_CMD_BUF:
   case MSM_SUBMIT_CMD_IB_TARGET_BUF:
   case MSM_SUBMIT_CMD_CTX_RESTORE_BUF:
      break;
   default:
      return -EINVAL;
   }
   if (size % 4)
      return -EINVAL;
   /* a6xx does not allow relocs. */
   if (nr_relocs)
      return -EINVAL;
   if (submit_idx >= nr_bos)
      return -EINVAL;
   return 0;
}
