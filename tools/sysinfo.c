/*
 * sysinfo.c - what the results header says about where and how they were
 * made: date, machine, source revision, the exact command.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "compare.h"

/* Set by main(): how msmvirt was invoked, for the recorded command. */
const char *msmvirt_prog = "msmvirt";

#ifndef MSMVIRT_SRCDIR
#define MSMVIRT_SRCDIR "."
#endif

static void
cpu_model(char *buf, size_t len)
{
   FILE *f = fopen("/proc/cpuinfo", "r");
   char line[512];

   snprintf(buf, len, "unknown");
   if (!f)
      return;
   while (fgets(line, sizeof(line), f)) {
      char *colon = strchr(line, ':');

      if (strncmp(line, "model name", 10) || !colon)
         continue;
      colon++;
      while (*colon == ' ' || *colon == '\t')
         colon++;
      colon[strcspn(colon, "\n")] = '\0';
      snprintf(buf, len, "%s", colon);
      break;
   }
   fclose(f);
}

static void
git_rev(char *buf, size_t len)
{
   FILE *p;

   snprintf(buf, len, "unknown");
   p = popen("git -C '" MSMVIRT_SRCDIR "' describe --always --dirty "
             "--abbrev=12 2>/dev/null", "r");
   if (!p)
      return;
   if (fgets(buf, (int)len, p))
      buf[strcspn(buf, "\n")] = '\0';
   if (!buf[0])
      snprintf(buf, len, "unknown");
   pclose(p);
}

/* Quote an argument for a POSIX shell only when it needs it. */
static size_t
append_arg(char *buf, size_t o, size_t len, const char *arg)
{
   bool plain = *arg != '\0';

   for (const char *c = arg; *c; c++)
      if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                  "0123456789-_./=:,+@%", *c))
         plain = false;
   if (o + 1 >= len)
      return o;
   if (o)
      buf[o++] = ' ';
   if (plain) {
      o += (size_t)snprintf(buf + o, len - o, "%s", arg);
   } else {
      if (o + 1 < len)
         buf[o++] = '\'';
      for (const char *c = arg; *c && o + 5 < len; c++) {
         if (*c == '\'') {
            memcpy(buf + o, "'\\''", 4);
            o += 4;
         } else {
            buf[o++] = *c;
         }
      }
      if (o + 1 < len)
         buf[o++] = '\'';
      buf[o] = '\0';
   }
   return o < len ? o : len - 1;
}

void
cmp_header_fill(struct cmp_header *h, int argc, char **argv)
{
   time_t now = time(NULL);
   struct tm tm;
   struct utsname u;
   size_t o = 0;

   memset(h, 0, sizeof(*h));
   gmtime_r(&now, &tm);
   strftime(h->date, sizeof(h->date), "%Y-%m-%dT%H:%M:%SZ", &tm);
   cpu_model(h->host_cpu, sizeof(h->host_cpu));
   h->nproc = sysconf(_SC_NPROCESSORS_ONLN);
   if (!uname(&u))
      snprintf(h->kernel, sizeof(h->kernel), "%s %s %s", u.sysname,
               u.release, u.machine);
   git_rev(h->git_rev, sizeof(h->git_rev));
   /* argv[0] is the subcommand ("compare"). */
   o = append_arg(h->command, o, sizeof(h->command), msmvirt_prog);
   for (int i = 0; i < argc; i++)
      o = append_arg(h->command, o, sizeof(h->command), argv[i]);
}
