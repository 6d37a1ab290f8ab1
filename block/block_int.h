/*
 * block_int.h - private to block/: the format drivers built into the block
 * layer. block.c lists them explicitly (not through constructors) so a
 * program linking only block.o from the static library still has them.
 */
#ifndef KESTREL_BLOCK_INT_H
#define KESTREL_BLOCK_INT_H

#include "kestrel/block.h"

extern const BlockDriver block_raw_driver;

#endif
