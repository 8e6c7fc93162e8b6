/*
 * trace_convert_cmd.c - `msmvirt trace-convert`: the command-line front end
 * of the ioctl trace converter (ioctl2trace.c).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ioctl2trace.h"
#include "trace.h"

static void
usage(FILE *f)
{
   fprintf(f,
      "usage: msmvirt trace-convert [options] IN OUT\n"
      "  IN                  msmvirt-cuse --trace output\n"
      "  OUT                 a trace for `msmvirt compare --workloads trace:OUT`\n"
      "                      (\"-\": stdout)\n"
      "  --regions FILE      the submit tables and strings logged by\n"
      "                      libmsmvirt-regions.so (tests/mesa/regions_preload.c)\n"
      "  --gpu-us N          modelled GPU time per submit (default 50)\n"
      "  --cpu-scale F       turn the time between ioctls into cpu_us lines,\n"
      "                      scaled by F (default 0: none; a TCG guest runs\n"
      "                      the application 10-100x slower than a real CPU)\n"
      "  --cpu-min-us N      leave out cpu_us below N after scaling (default 5)\n"
      "  --frames N          frames the capture rendered (\"# frames:\")\n"
      "  --source TEXT       what was captured (\"# source:\"; name mesa to\n"
      "                      get the report's mesa section)\n");
}

static int
parse_uint(const char *s, uint32_t max, uint32_t *v)
{
   char *end;
   unsigned long x = strtoul(s, &end, 10);

   if (end == s || *end || *s == '-' || x > max)
      return -EINVAL;
   *v = (uint32_t)x;
   return 0;
}

int
cmd_trace_convert(int argc, char **argv)
{
   enum { O_REGIONS = 256, O_GPU, O_CPU, O_CPUMIN, O_FRAMES, O_SOURCE };
   static const struct option opts[] = {
      { "regions", required_argument, NULL, O_REGIONS },
      { "gpu-us", required_argument, NULL, O_GPU },
      { "cpu-scale", required_argument, NULL, O_CPU },
      { "cpu-min-us", required_argument, NULL, O_CPUMIN },
      { "frames", required_argument, NULL, O_FRAMES },
      { "source", required_argument, NULL, O_SOURCE },
      { "help", no_argument, NULL, 'h' },
      { NULL, 0, NULL, 0 },
   };
   struct i2t_opts o;
   const char *regions = NULL, *in_path, *out_path;
   FILE *in = NULL, *rg = NULL, *out = NULL;
   char err[1024], tmp[4096] = "";
   struct trace *t = NULL;
   int ch, ret;

   i2t_opts_defaults(&o);
   optind = 1;
   while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
      char *end = NULL;

      switch (ch) {
      case O_REGIONS: regions = optarg; break;
      case O_GPU:
         if (parse_uint(optarg, 1000000, &o.gpu_us))
            goto usage_err;
         break;
      case O_CPU:
         o.cpu_scale = strtod(optarg, &end);
         if (*end || !(o.cpu_scale >= 0) || o.cpu_scale > 1000)
            goto usage_err;
         break;
      case O_CPUMIN:
         if (parse_uint(optarg, 10000000, &o.cpu_min_us))
            goto usage_err;
         break;
      case O_FRAMES:
         if (parse_uint(optarg, 100000000, &o.frames))
            goto usage_err;
         break;
      case O_SOURCE:
         if (strchr(optarg, '\n'))
            goto usage_err;
         o.source = optarg;
         break;
      case 'h': usage(stdout); return 0;
      default: goto usage_err;
      }
   }
   if (argc - optind != 2)
      goto usage_err;
   in_path = argv[optind];
   out_path = argv[optind + 1];

   in = fopen(in_path, "r");
   if (!in) {
      fprintf(stderr, "msmvirt trace-convert: %s: %s\n", in_path,
              strerror(errno));
      return 1;
   }
   if (regions && !(rg = fopen(regions, "r"))) {
      fprintf(stderr, "msmvirt trace-convert: %s: %s\n", regions,
              strerror(errno));
      fclose(in);
      return 1;
   }
   /* Into a temporary first: a failed conversion leaves OUT alone. */
   if (strcmp(out_path, "-"))
      snprintf(tmp, sizeof(tmp), "%s.tmp", out_path);
   out = strcmp(out_path, "-") ? fopen(tmp, "w") : stdout;
   if (!out) {
      fprintf(stderr, "msmvirt trace-convert: %s: %s\n", tmp, strerror(errno));
      ret = -errno;
      goto done;
   }
   ret = i2t_convert(in, in_path, rg, regions, out, &o, err, sizeof(err));
   if (ret)
      fprintf(stderr, "msmvirt trace-convert: %s\n", err);
   if (out != stdout) {
      if (fclose(out) && !ret)
         ret = -EIO;
      /* The result must be a trace compare accepts. */
      if (!ret && (ret = trace_parse_file(tmp, &t, err, sizeof(err))))
         fprintf(stderr, "msmvirt trace-convert: the output does not parse "
                 "(a translator bug): %s\n", err);
      if (!ret && rename(tmp, out_path)) {
         ret = -errno;
         fprintf(stderr, "msmvirt trace-convert: %s: %s\n", out_path,
                 strerror(errno));
      }
      if (ret)
         remove(tmp);
      else
         printf("msmvirt trace-convert: %s: %u ops (%u bo_new, %u submits, "
                "%u waits)\n", out_path, t->nr_ops, t->nr_bo_news,
                t->nr_submits, t->nr_waits);
      trace_free(t);
   }
done:
   fclose(in);
   if (rg)
      fclose(rg);
   return ret ? 1 : 0;

usage_err:
   usage(stderr);
   return 2;
}
