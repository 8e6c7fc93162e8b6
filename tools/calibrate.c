/*
 * calibrate.c - the virtual clock replaying this machine: the same sweep at
 * the real run's RTTs, with the cost model set so that an empty CALL costs
 * what the real run measured for it (its harness floor).
 *
 * On the real clock an empty CALL in-process is three thread hand-offs
 * (the caller's write wakes the host's connection thread, its reply wakes
 * the guest's reader thread, which wakes the caller) plus four frames
 * built and parsed; there is no VM exit or interrupt.  So exits and IRQs go
 * to 0 and one hand-off costs (floor - 4 x msg) / 3.  Whatever still
 * differs from the real run then is not the hand-offs of the transport.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "compare.h"

static double
real_floor(const char *path, const char *transport)
{
   struct json_object *root = json_object_from_file(path), *h, *fl, *v;
   double us = 0;

   if (root && json_object_object_get_ex(root, "header", &h) &&
       json_object_object_get_ex(h, "harness_floor_us", &fl) &&
       json_object_object_get_ex(fl, transport, &v))
      us = json_object_get_double(v);
   json_object_put(root);
   return us;
}

static unsigned
real_rtts(const char *path, uint32_t *rtts, unsigned max)
{
   struct json_object *root = json_object_from_file(path), *h, *a;
   unsigned n = 0;

   if (root && json_object_object_get_ex(root, "header", &h) &&
       json_object_object_get_ex(h, "rtt_us", &a))
      for (size_t i = 0; i < json_object_array_length(a) && n < max; i++)
         rtts[n++] = (uint32_t)json_object_get_int(
            json_object_array_get_idx(a, i));
   json_object_put(root);
   return n;
}

int
cmp_calibrate(struct cmp_results *r, bool progress)
{
   struct cmp_calib *cal;
   struct cmp_results *c;
   double msg_us;

   if (!r->virt || r->nr_transports != 1)
      return -EINVAL;
   cal = calloc(1, sizeof(*cal));
   c = malloc(sizeof(*c));
   if (!cal || !c) {
      free(cal);
      free(c);
      return -ENOMEM;
   }
   cal->floor_us = real_floor(r->real_json, r->transports[0]);
   cal->costs = r->costs;
   msg_us = (double)r->costs.msg_ns / 1e3;
   if (cal->floor_us <= 4 * msg_us) {
      free(cal);
      free(c);
      return -ENODATA;
   }
   cal->costs.vm_exit_ns = 0;
   cal->costs.irq_ns = 0;
   cal->costs.wake_ns = (uint64_t)((cal->floor_us - 4 * msg_us) * 1e3 / 3);

   *c = *r;
   c->calib = NULL;
   c->attribute = false;
   c->repeat = 1;
   c->costs = cal->costs;
   c->nr_rtts = real_rtts(r->real_json, c->rtts, CMP_MAX_RTTS);
   c->cells = calloc((size_t)c->nr_workloads * c->nr_modes *
                     (c->nr_rtts ? c->nr_rtts : 1), sizeof(*c->cells));
   c->attrs = calloc((size_t)c->nr_workloads * c->nr_modes,
                     sizeof(*c->attrs));
   if (!c->nr_rtts || !c->cells || !c->attrs) {
      free(c->cells);
      free(c->attrs);
      free(c);
      free(cal);
      return -ENODATA;
   }
   vclock_costs = cal->costs;
   /* The model's own empty CALL, to show it matches the measured one. */
   if (cmp_harness_floor(r->transports[0], &cal->model_floor_us))
      cal->model_floor_us = 0;
   cmp_sweep(c, progress);
   cmp_summarize(c);
   vclock_costs = r->costs;
   r->failed |= c->failed;
   cal->run = c;
   r->calib = cal;
   return 0;
}

void
cmp_calibrate_free(struct cmp_results *r)
{
   if (!r->calib)
      return;
   free(r->calib->run->cells);
   free(r->calib->run->attrs);
   free(r->calib->run);
   free(r->calib);
   r->calib = NULL;
}
