/*
 * nc_table.h - a small u32 -> pointer hash table (open addressing).
 *
 * The host keys guest-chosen numbers (res_id, blob_id) with it: any 32-bit
 * value is a valid key, so a plain array indexed by them would let a guest
 * pick our memory use.  NULL values are not storable (NULL = absent).
 */
#ifndef MSMVIRT_NC_TABLE_H
#define MSMVIRT_NC_TABLE_H

#include <stdint.h>

struct nc_table {
   uint32_t *keys;
   void **vals;   /* NULL: empty slot */
   uint32_t cap;  /* power of two, or 0 */
   uint32_t count;
};

void nc_table_init(struct nc_table *t);
void nc_table_fini(struct nc_table *t);
void *nc_table_get(const struct nc_table *t, uint32_t key);
/* -EEXIST if key is present, -ENOMEM, -EINVAL for a NULL val. */
int nc_table_put(struct nc_table *t, uint32_t key, void *val);
/* The value removed, or NULL. */
void *nc_table_remove(struct nc_table *t, uint32_t key);

/* Iterate: for (i = 0; i < t->cap; i++) if (t->vals && t->vals[i]) ... */

#endif
