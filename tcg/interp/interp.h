/*
 * interp.h - the parts of the portable interpreter backend (tcg/interp/)
 * and how they meet: gen.c writes bytecode, exec.c runs it and defines
 * ir_backend_interp.
 */
#ifndef KESTREL_TCG_INTERP_INTERP_H
#define KESTREL_TCG_INTERP_INTERP_H

#include "kestrel/tcg.h"

/* IRBackend.gen_code: false if room is too small or the block is too big. */
bool interp_gen_code(IRContext *s, uint8_t *buf, size_t room, IRCodeInfo *info);

#endif
