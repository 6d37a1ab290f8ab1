/*
 * bytecode.h - the interpreter's bytecode, shared by its generator (gen.c)
 * and its executor (exec.c).
 *
 * A block's buffer (8-aligned):
 *   word 0   byte offset of the first op        word 1   frame slots used
 *   then     the constant pool, 8 bytes a constant, from byte 8
 *   then     the ops: 32-bit words, each op an opcode word and operands
 * The opcode word is INTERP_OPC(IROpcode, IRType). Most ops continue with
 * their temp operands (outputs, then inputs) and then their constant
 * arguments, one word each, in IROp.args order. Exceptions:
 *   br                target                    (byte offset in the buffer)
 *   brcond            a, b, cond, target
 *   goto_tb           [pad], jump pointer (8 bytes, 8-aligned); 0 = fall
 *                     through to the next op (the reset path)
 *   exit_tb           value (8 bytes)
 *   call              helper pointer (8 bytes), result operand or
 *                     INTERP_NO_RET, then one operand per helper argument
 * The call's opcode type is its result's type.
 *
 * An operand word names a value by where it lives: low 2 bits the base
 * (INTERP_FRAME: the frame, whose slot 0 holds env; INTERP_ENV: env, for
 * globals; INTERP_CONST: this buffer, for the pool) and the rest, signed,
 * the byte offset from that base. An I32 value occupies the first 4 bytes
 * of its 8-byte cell in host order and is always accessed as 32 bits.
 */
#ifndef KESTREL_TCG_INTERP_BYTECODE_H
#define KESTREL_TCG_INTERP_BYTECODE_H

#include "kestrel/tcg.h"

#define INTERP_OPC(opc, type) ((uint32_t)(opc) * 2 + (uint32_t)(type))

enum { INTERP_FRAME, INTERP_ENV, INTERP_CONST };
#define INTERP_OPND(base, off) ((uint32_t)((int32_t)(off) * 4) | (base))
#define INTERP_OPND_MAX_OFF ((1 << 29) - 1)
#define INTERP_NO_RET UINT32_MAX

/* Frame cells per exec (slot 0 is env); a block needing more is refused. */
#define INTERP_MAX_SLOTS 1024

#define INTERP_HEADER_BYTES 8

/* Where the 8-byte pointer field following the opcode word at p lies. */
static inline const uint8_t *interp_align8(const void *p)
{
    return (const uint8_t *)(((uintptr_t)p + 7) & ~(uintptr_t)7);
}

#endif
