/*
 * cuse_config.c - the guest config file (cuse_config.h), parsed with inih.
 */
#include <errno.h>
#include <ini.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuse_config.h"

static const char *const mode_names[] = {
   [CUSE_MODE_FORWARD] = "forward",
   [CUSE_MODE_NATIVECTX] = "nativectx",
};

const char *
cuse_mode_name(enum cuse_mode m)
{
   return (unsigned)m < sizeof(mode_names) / sizeof(mode_names[0])
             ? mode_names[m] : NULL;
}

int
cuse_mode_parse(const char *s, enum cuse_mode *m)
{
   for (unsigned i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++) {
      if (!strcmp(s, mode_names[i])) {
         *m = (enum cuse_mode)i;
         return 0;
      }
   }
   return -EINVAL;
}

struct parse {
   struct cuse_config *cfg;
   char *err;
   unsigned err_len;
};

static int
set_str(char *dst, const char *v)
{
   size_t n = strlen(v);
   if (n >= CUSE_CONFIG_STR)
      return -ENAMETOOLONG;
   memcpy(dst, v, n + 1);
   return 0;
}

static int
set_mode(struct cuse_config *c, const char *v)
{
   return cuse_mode_parse(v, &c->mode);
}

static int
parse_u32(const char *v, unsigned long max, uint32_t *out)
{
   char *end;
   unsigned long x = strtoul(v, &end, 10);
   if (!*v || *end || x > max)
      return -EINVAL;
   *out = (uint32_t)x;
   return 0;
}

static int
set_rtt(struct cuse_config *c, const char *v)
{
   return parse_u32(v, 10000000ul, &c->rtt_us);
}

/* The host refuses arenas over 256 MiB; say so here, not at first open. */
static int
set_arena(struct cuse_config *c, const char *v)
{
   return parse_u32(v, 256, &c->arena_mb);
}

#define STR_KEY(k) { #k, offsetof(struct cuse_config, k), NULL }
static const struct {
   const char *key;
   size_t str_off;                        /* a string field ... */
   int (*set)(struct cuse_config *, const char *); /* ... or a parser */
} keys[] = {
   { "mode", 0, set_mode },
   STR_KEY(node),
   STR_KEY(port),
   STR_KEY(hostmem),
   STR_KEY(connect),
   { "rtt_us", 0, set_rtt },
   { "arena_mb", 0, set_arena },
};

static int
on_kv(void *user, const char *section, const char *name, const char *value)
{
   struct parse *p = user;

   if (*section && strcmp(section, "guest")) {
      snprintf(p->err, p->err_len, "unknown section [%s]", section);
      return 0;
   }
   for (unsigned i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
      if (strcmp(name, keys[i].key))
         continue;
      int r = keys[i].set ? keys[i].set(p->cfg, value)
                          : set_str((char *)p->cfg + keys[i].str_off, value);
      if (r)
         snprintf(p->err, p->err_len, "bad value for %s: '%s'", name, value);
      return !r;
   }
   snprintf(p->err, p->err_len, "unknown key '%s'", name);
   return 0;
}

int
cuse_config_load(const char *path, struct cuse_config *cfg, char *err,
                 unsigned err_len)
{
   struct parse p = { cfg, err, err_len };
   FILE *f;
   int line;

   memset(cfg, 0, sizeof(*cfg));
   strcpy(cfg->hostmem, "auto");
   if (err_len)
      err[0] = 0;
   f = fopen(path, "re");
   if (!f) {
      snprintf(err, err_len, "%s: %s", path, strerror(errno));
      return -ENOENT;
   }
   line = ini_parse_file(f, on_kv, &p);
   fclose(f);
   if (line) {
      char why[160];
      snprintf(why, sizeof(why), "%s", err[0] ? err : "syntax error");
      snprintf(err, err_len, "%s:%d: %s", path, line, why);
      return -EINVAL;
   }
   return 0;
}
