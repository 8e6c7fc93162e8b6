/*
 * nc_table.c - linear probing with backward-shift deletion (no tombstones,
 * so a guest that churns ids cannot degrade lookups).
 */
#include <errno.h>
#include <stdlib.h>

#include "nc_table.h"

static uint32_t
hash32(uint32_t k)
{
   /* A multiplicative mix: guest ids are often sequential. */
   k ^= k >> 16;
   k *= 0x7feb352dU;
   k ^= k >> 15;
   k *= 0x846ca68bU;
   k ^= k >> 16;
   return k;
}

void
nc_table_init(struct nc_table *t)
{
   t->keys = NULL;
   t->vals = NULL;
   t->cap = 0;
   t->count = 0;
}

void
nc_table_fini(struct nc_table *t)
{
   free(t->keys);
   free(t->vals);
   nc_table_init(t);
}

static int64_t
find(const struct nc_table *t, uint32_t key)
{
   if (!t->cap)
      return -1;
   uint32_t mask = t->cap - 1;
   for (uint32_t i = hash32(key) & mask;; i = (i + 1) & mask) {
      if (!t->vals[i])
         return -1;
      if (t->keys[i] == key)
         return i;
   }
}

void *
nc_table_get(const struct nc_table *t, uint32_t key)
{
   int64_t i = find(t, key);
   return i < 0 ? NULL : t->vals[i];
}

static void
insert_slot(uint32_t *keys, void **vals, uint32_t cap, uint32_t key, void *val)
{
   uint32_t mask = cap - 1;
   uint32_t i = hash32(key) & mask;
   while (vals[i])
      i = (i + 1) & mask;
   keys[i] = key;
   vals[i] = val;
}

static int
grow(struct nc_table *t)
{
   uint32_t cap = t->cap ? t->cap * 2 : 64;
   uint32_t *keys;
   void **vals;

   if (cap < t->cap)
      return -ENOMEM;
   keys = calloc(cap, sizeof(*keys));
   vals = calloc(cap, sizeof(*vals));
   if (!keys || !vals) {
      free(keys);
      free(vals);
      return -ENOMEM;
   }
   for (uint32_t i = 0; i < t->cap; i++)
      if (t->vals[i])
         insert_slot(keys, vals, cap, t->keys[i], t->vals[i]);
   free(t->keys);
   free(t->vals);
   t->keys = keys;
   t->vals = vals;
   t->cap = cap;
   return 0;
}

int
nc_table_put(struct nc_table *t, uint32_t key, void *val)
{
   if (!val)
      return -EINVAL;
   if (find(t, key) >= 0)
      return -EEXIST;
   /* Keep the load under 1/2: probes stay short. */
   if ((t->count + 1) * 2 > t->cap) {
      int ret = grow(t);
      if (ret)
         return ret;
   }
   insert_slot(t->keys, t->vals, t->cap, key, val);
   t->count++;
   return 0;
}

void *
nc_table_remove(struct nc_table *t, uint32_t key)
{
   int64_t at = find(t, key);
   if (at < 0)
      return NULL;

   uint32_t mask = t->cap - 1;
   uint32_t i = (uint32_t)at;
   void *val = t->vals[i];

   t->vals[i] = NULL;
   t->count--;
   /* Pull later members of the probe run back over the hole. */
   for (uint32_t j = (i + 1) & mask; t->vals[j]; j = (j + 1) & mask) {
      uint32_t home = hash32(t->keys[j]) & mask;
      /* Does j's home lie cyclically in (i, j]?  Then it stays. */
      if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
         continue;
      t->keys[i] = t->keys[j];
      t->vals[i] = t->vals[j];
      t->vals[j] = NULL;
      i = j;
   }
   return val;
}
