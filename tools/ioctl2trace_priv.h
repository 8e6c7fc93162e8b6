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

#include "fwd_spec.h"
#include "msm_drm.h"
#include "trace.h"

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


/* ---- the converter's state, shared by ioctl2trace.c (records, state,
 * output) and ioctl2trace_ops.c (one converter per ioctl) ---- */

#define MAX_STRUCT    256


struct count {
   char key[64];
   uint64_t n;
};

struct counts {
   struct count *c;
   unsigned n, cap;
};


struct bo_ent {
   uint32_t session, handle, id;
   uint64_t size;       /* page-rounded, as the trace parser checks it */
   bool mapped;
};

struct q_ent {
   uint32_t session, kid, sym;
};

struct fence_ent {
   uint32_t session, sym, fence;
};

struct conv {
   const struct i2t_opts *o;
   const char *name;
   unsigned line;
   char *err;
   size_t errlen;
   FILE *body;

   struct bo_ent *bos;
   unsigned nr_bos, cap_bos;
   uint8_t id_used[TRACE_MAX_BO_ID + 1];
   struct q_ent *qs;
   unsigned nr_qs, cap_qs;
   bool q_used[TRACE_MAX_QUEUES];
   struct fence_ent *fences;
   unsigned nr_fences, cap_fences;

   /* SET_PARAM COMM waiting for a CMDLINE right after it */
   char *pending_comm;
   uint32_t pending_session;

   uint64_t prev_end_ns;
   uint32_t sessions[64];
   unsigned nr_sessions;
   unsigned records, ops, submits, waits, bo_news, no_regions, small_cmds;
   struct counts all, dropped, failed, folded;
   struct regions *reg;
};

struct rec {
   uint64_t t_start, t_end;
   uint32_t session;
   const char *name;
   const struct fwd_ioctl_spec *spec; /* by name; NULL: not in the table */
   int result;
   uint8_t in[MAX_STRUCT], out[MAX_STRUCT];
   int in_len, out_len;
};

/* The record's in= / out= struct, zero-extended to T. */
#define IN(T, v)  T v; memset(&v, 0, sizeof(v)); \
   memcpy(&v, r->in, (size_t)r->in_len < sizeof(v) ? (size_t)r->in_len : sizeof(v))
#define OUT(T, v) T v; memset(&v, 0, sizeof(v)); \
   memcpy(&v, r->out, (size_t)r->out_len < sizeof(v) ? (size_t)r->out_len : sizeof(v))

void i2t_count_add(struct counts *cs, const char *key);
int i2t_cerr(struct conv *c, const char *fmt, ...)
   __attribute__((format(printf, 2, 3)));
void i2t_emit(struct conv *c, const char *fmt, ...)
   __attribute__((format(printf, 2, 3)));
void i2t_sanitize(char *s, bool keep_spaces);
struct bo_ent *i2t_bo_find(struct conv *c, uint32_t session, uint32_t handle);
int i2t_bo_get(struct conv *c, uint32_t session, uint32_t handle,
               const char *what, struct bo_ent **out);
void i2t_bo_remove(struct conv *c, struct bo_ent *b);
int i2t_q_sym(struct conv *c, uint32_t session, uint32_t kid,
              const char *what, uint32_t *out);
void i2t_fence_label(char *buf, size_t len, uint32_t session, uint32_t sym,
                     uint32_t fence);
/* A pending COMM without its CMDLINE goes out alone. */
void i2t_flush_comm(struct conv *c);

/* The converters (ioctl2trace_ops.c), by fwd_id; NULL convert: dropped. */
struct i2t_converter {
   int (*convert)(struct conv *c, const struct rec *r);
   const char *replayed_as;
};
extern const struct i2t_converter i2t_converters[];

#endif
