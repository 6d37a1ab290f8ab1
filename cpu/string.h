/*
 * string.h - what the REP string translator (translate-string.c) and its
 * bulk helper (string_helper.c) agree on: the helper's descriptor word and
 * its result codes. Private to cpu/.
 *
 * Descriptor layout (one constant per translated instruction):
 *   bits 0-2   StrOp                 bits 4-5   log2(element size)
 *   bits 8-9   log2(address size)    bits 12-14 source segment (R_ES..R_GS)
 *   bit  15    REPNE (CMPS/SCAS)     bit  16    64-bit code segment
 *   bits 20-21 MMU index of the accesses
 */
#ifndef KESTREL_CPU_STRING_H
#define KESTREL_CPU_STRING_H

#include "cpu/internal.h"

typedef enum StrOp { STR_MOVS, STR_STOS, STR_LODS, STR_CMPS, STR_SCAS } StrOp;

#define STR_DESC_SIZE_SHIFT 4
#define STR_DESC_AW_SHIFT   8
#define STR_DESC_SEG_SHIFT  12
#define STR_DESC_REPNE      (1u << 15)
#define STR_DESC_CODE64     (1u << 16)
#define STR_DESC_MMU_SHIFT  20

/* Results of helper_rep_bulk. */
enum {
    STR_BULK_NONE,   /* nothing done: run one element on the slow path */
    STR_BULK_MORE,   /* a chunk done, elements remain: re-enter the instruction */
    STR_BULK_DONE,   /* the instruction completed */
};

#endif
