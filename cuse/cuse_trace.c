/*
 * cuse_trace.c - the text trace writer (cuse_trace.h).
 *
 * One line per ioctl:
 *   T_START_NS T_END_NS HOST_NS session=N ROUNDS NAME cmd=0xCMD result=R
 *   req=BYTES rsp=BYTES in=HEX [out=HEX]
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuse_trace.h"

struct cuse_trace {
   FILE *f;
   pthread_mutex_t lock;
};

int
cuse_trace_open(const char *path, struct cuse_trace **out)
{
   struct cuse_trace *t = calloc(1, sizeof(*t));

   if (!t)
      return -ENOMEM;
   t->f = strcmp(path, "-") ? fopen(path, "we") : stderr;
   if (!t->f) {
      int ret = -errno;
      free(t);
      return ret;
   }
   /* Whole lines, so a killed daemon leaves a readable trace. */
   setvbuf(t->f, NULL, _IOLBF, 0);
   pthread_mutex_init(&t->lock, NULL);
   *out = t;
   return 0;
}

void
cuse_trace_close(struct cuse_trace *t)
{
   if (!t)
      return;
   if (t->f != stderr)
      fclose(t->f);
   pthread_mutex_destroy(&t->lock);
   free(t);
}

static void
put_hex(FILE *f, const char *key, const void *buf, uint32_t len)
{
   const uint8_t *b = buf;

   fprintf(f, " %s=", key);
   for (uint32_t i = 0; i < len; i++)
      fprintf(f, "%02x", b[i]);
}

void
cuse_trace_ioctl(struct cuse_trace *t, const struct cuse_trace_rec *r)
{
   if (!t)
      return;
   pthread_mutex_lock(&t->lock);
   fprintf(t->f, "%llu %llu %llu session=%u rounds=%u %s cmd=0x%08x "
           "result=%d req=%llu rsp=%llu",
           (unsigned long long)r->t_start_ns, (unsigned long long)r->t_end_ns,
           (unsigned long long)r->t_host_ns, r->session, r->rounds, r->name,
           r->cmd, r->result, (unsigned long long)r->req_bytes,
           (unsigned long long)r->rsp_bytes);
   if (r->args)
      put_hex(t->f, "in", r->args, r->size);
   if (r->args_out)
      put_hex(t->f, "out", r->args_out, r->size);
   fputc('\n', t->f);
   pthread_mutex_unlock(&t->lock);
}
