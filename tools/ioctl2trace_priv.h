/*
 * ioctl2trace_priv.h - what the trace converter's files share: the regions
 * log (the memory mesa's ioctls pointed at, from tests/mesa/regions_preload.c)
 * and small parsing helpers.
 */
#ifndef MSMVIRT_IOCTL2TRACE_PRIV_H
#define MSMVIRT_IOCTL2TRACE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "msm_drm.h"

#define REG_LOOKAHEAD 64


struct reg_cmd {
   uint32_t type, idx, offset, size;
};

struct reg_submit {
   uint32_t queue, flags, nr_bos, nr_cmds, fence;
   int result;
   uint32_t *handles, *bo_flags;
   struct reg_cmd *cmds;
   unsigned line;
   bool used;
};

struct reg_str {
   uint32_t key;        /* param or handle */
   int result;
   char *str;
   bool used;
};

struct regions {
   const char *name;
   struct reg_submit *sub;
   unsigned nr_sub, cap_sub, cur_sub;
   struct reg_str *par, *nam;
   unsigned nr_par, cap_par, cur_par;
   unsigned nr_nam, cap_nam, cur_nam;
};

/* Grow an array to hold need elements (doubling); NULL if out of memory. */
void *i2t_grow(void *p, unsigned *cap, unsigned need, size_t elem);
/* HEX -> bytes; -1 if malformed or longer than max. */
int i2t_unhex(const char *s, uint8_t *buf, size_t max);

int i2t_parse_regions(FILE *f, struct regions *rg, char *err, size_t errlen);
void i2t_regions_free(struct regions *rg);
/* The next unused log entry matching a traced ioctl, looking a little
 * ahead past entries the daemon never forwarded; NULL if none. */
struct reg_submit *i2t_match_submit(struct regions *rg,
                                    const struct drm_msm_gem_submit *in,
                                    const struct drm_msm_gem_submit *out,
                                    int result);
struct reg_str *i2t_match_str(struct reg_str *v, unsigned n, unsigned *cur,
                              uint32_t key, int result);

#endif
