/*
 * preload_priv.h - what the preload's parts share (preload.c owns the
 * node's identity).
 */
#ifndef MSMVIRT_PRELOAD_PRIV_H
#define MSMVIRT_PRELOAD_PRIV_H

#include <stdbool.h>

/* Is fd the msmvirt render node (or its test stand-in)? */
bool preload_is_node_fd(int fd);

#endif
