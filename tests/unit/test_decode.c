/*
 * test_decode.c - unit tests of the x86 decoder (cpu/decode.c) and the
 * disassembler (cpu/disas.c).
 *
 * Two layers: hand-written byte strings with their expected Insn (every
 * operand form and prefix combination in 16-, 32- and 64-bit modes), and a
 * cross-check against capstone over many deterministic random byte
 * strings: where Kestrel accepts an integer instruction, capstone must
 * accept it too and agree on the length, and for plain integer forms on
 * every operand (registers, immediates, branch targets, base/index/scale/
 * displacement/segment of memory operands). The capstone quirks excluded
 * are documented at capstone_quirk() and operands_comparable().
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "config-host.h"
#include "cpu/insn.h"
#include "kestrel/cpu.h"

#if CONFIG_CAPSTONE
#include <capstone.h>
#endif

static const DecodeMode M16 = { .code32 = false, .code64 = false };
static const DecodeMode M32 = { .code32 = true, .code64 = false };
static const DecodeMode M64 = { .code32 = true, .code64 = true };

static Insn insn;

/* Decodes the listed bytes (exactly those, nothing after them). */
#define DEC(mode, ...)                                                      \
    x86_decode_buf(&insn, (mode), 0x1000, (const uint8_t[]){ __VA_ARGS__ }, \
                   (int)sizeof((const uint8_t[]){ __VA_ARGS__ }))

/* Decodes and asserts success with the given length and op. */
#define OK(mode, len_, op_, ...) do {                                       \
    ck_assert_int_eq(DEC(mode, __VA_ARGS__), DECODE_OK);                    \
    ck_assert_int_eq(insn.len, (len_));                                     \
    ck_assert_str_eq(x86_op_names[insn.op], x86_op_names[X86_##op_]);       \
} while (0)

#define UD(mode, ...) ck_assert_int_eq(DEC(mode, __VA_ARGS__), DECODE_UD)

static void check_reg(int i, int reg, int size, bool high8)
{
    ck_assert_int_eq(insn.ops[i].kind, OPK_REG);
    ck_assert_int_eq(insn.ops[i].reg, reg);
    ck_assert_int_eq(insn.ops[i].size, size);
    ck_assert_int_eq(insn.ops[i].high8, high8);
}

static void check_imm(int i, int64_t imm, int size)
{
    ck_assert_int_eq(insn.ops[i].kind, OPK_IMM);
    ck_assert_int_eq(insn.ops[i].imm, imm);
    ck_assert_int_eq(insn.ops[i].size, size);
}

static void check_kind(int i, OperandKind kind, int reg, int size)
{
    ck_assert_int_eq(insn.ops[i].kind, kind);
    ck_assert_int_eq(insn.ops[i].reg, reg);
    ck_assert_int_eq(insn.ops[i].size, size);
}

static void check_mem(int i, int size, int base, int index, int scale, int seg, int64_t disp)
{
    ck_assert_int_eq(insn.ops[i].kind, OPK_MEM);
    ck_assert_int_eq(insn.ops[i].size, size);
    ck_assert_int_eq(insn.mem.base, base);
    ck_assert_int_eq(insn.mem.index, index);
    ck_assert_int_eq(insn.mem.scale, scale);
    ck_assert_int_eq(insn.mem.seg, seg);
    ck_assert_int_eq(insn.mem.disp, disp);
}

#define NO MEM_NO_REG

/* --- Register and ModRM forms --- */

START_TEST(test_reg_forms)
{
    OK(M32, 2, ADD, 0x01, 0xd8);                   /* add eax, ebx */
    ck_assert_int_eq(insn.nb_ops, 2);
    check_reg(0, R_EAX, 4, false);
    check_reg(1, R_EBX, 4, false);
    ck_assert(insn.has_modrm);
    ck_assert_int_eq(insn.opcode, 0x01);
    OK(M16, 2, ADD, 0x01, 0xd8);                   /* add ax, bx */
    check_reg(0, R_EAX, 2, false);
    OK(M32, 3, ADD, 0x66, 0x01, 0xd8);
    check_reg(0, R_EAX, 2, false);
    OK(M16, 3, SUB, 0x66, 0x2b, 0xc1);             /* sub eax, ecx */
    check_reg(0, R_EAX, 4, false);
    check_reg(1, R_ECX, 4, false);
    OK(M32, 2, MOV, 0x88, 0xe0);                   /* mov al, ah */
    check_reg(0, R_EAX, 1, false);
    check_reg(1, R_EAX, 1, true);
    OK(M32, 2, MOV, 0x8a, 0xfb);                   /* mov bh, bl */
    check_reg(0, R_EBX, 1, true);
    check_reg(1, R_EBX, 1, false);
    OK(M64, 3, MOV, 0x40, 0x88, 0xe0);             /* mov al, spl */
    check_reg(1, R_ESP, 1, false);
    OK(M64, 3, MOV, 0x45, 0x88, 0xc8);             /* mov r8b, r9b */
    check_reg(0, R_R8, 1, false);
    check_reg(1, R_R9, 1, false);
    OK(M64, 3, ADD, 0x48, 0x01, 0xd8);             /* add rax, rbx */
    check_reg(0, R_EAX, 8, false);
    ck_assert_int_eq(insn.opsize, 8);
    ck_assert_int_eq(insn.rex, 0x48);
    ck_assert(insn.prefixes & PFX_REX);
    OK(M64, 3, ADD, 0x4d, 0x01, 0xd8);             /* add r8, r11 */
    check_reg(0, R_R8, 8, false);
    check_reg(1, R_R11, 8, false);
    OK(M64, 2, ADD, 0x01, 0xd8);
    check_reg(0, R_EAX, 4, false);
    OK(M64, 3, ADD, 0x66, 0x01, 0xd8);
    check_reg(0, R_EAX, 2, false);
    OK(M64, 4, ADD, 0x66, 0x48, 0x01, 0xd8);       /* REX.W beats 66 */
    ck_assert_int_eq(insn.opsize, 8);
    OK(M64, 4, ADD, 0x48, 0x66, 0x01, 0xd8);       /* REX not last: ignored */
    ck_assert_int_eq(insn.opsize, 2);
    ck_assert_int_eq(insn.rex, 0);
    OK(M32, 1, INC, 0x41);                         /* inc ecx */
    check_reg(0, R_ECX, 4, false);
    OK(M64, 3, INC, 0x41, 0xff, 0xc0);             /* rex.b inc r8d */
    ck_assert_int_eq(insn.len, 3);
    check_reg(0, R_R8, 4, false);
    OK(M32, 1, PUSH, 0x53);
    check_reg(0, R_EBX, 4, false);
    OK(M64, 1, PUSH, 0x53);
    check_reg(0, R_EBX, 8, false);
    OK(M64, 2, PUSH, 0x66, 0x53);
    check_reg(0, R_EBX, 2, false);
    OK(M64, 2, POP, 0x41, 0x5f);
    check_reg(0, R_R15, 8, false);
    OK(M64, 2, BSWAP, 0x0f, 0xc9);
    check_reg(0, R_ECX, 4, false);
    OK(M64, 3, BSWAP, 0x49, 0x0f, 0xc9);
    check_reg(0, R_R9, 8, false);
    OK(M16, 3, MOVZX, 0x0f, 0xb6, 0xc4);           /* movzx ax, ah */
    check_reg(0, R_EAX, 2, false);
    check_reg(1, R_EAX, 1, true);
    OK(M32, 3, MOVSX, 0x0f, 0xbf, 0xc1);
    check_reg(0, R_EAX, 4, false);
    check_reg(1, R_ECX, 2, false);
    OK(M64, 3, MOVSXD, 0x48, 0x63, 0xc1);          /* movsxd rax, ecx */
    check_reg(0, R_EAX, 8, false);
    check_reg(1, R_ECX, 4, false);
    OK(M32, 2, ARPL, 0x63, 0xc1);
    check_reg(0, R_ECX, 2, false);
    ck_assert(insn.attrs & IA_NO_REAL);
}
END_TEST

START_TEST(test_fixed_operands)
{
    OK(M32, 2, ADD, 0x04, 0x7f);
    check_reg(0, R_EAX, 1, false);
    check_imm(1, 0x7f, 1);
    OK(M32, 5, ADD, 0x05, 0x78, 0x56, 0x34, 0x12);
    check_reg(0, R_EAX, 4, false);
    check_imm(1, 0x12345678, 4);
    OK(M16, 3, CMP, 0x3d, 0x34, 0x12);
    check_reg(0, R_EAX, 2, false);
    check_imm(1, 0x1234, 2);
    OK(M64, 6, AND, 0x48, 0x25, 0x00, 0x00, 0x00, 0x80);  /* and rax, imm32 sx */
    check_imm(1, (int64_t)0xffffffff80000000ULL, 8);
    OK(M32, 2, IN, 0xe4, 0x60);
    check_reg(0, R_EAX, 1, false);
    check_imm(1, 0x60, 1);
    OK(M32, 1, IN, 0xed);
    check_reg(0, R_EAX, 4, false);
    check_reg(1, R_EDX, 2, false);
    OK(M64, 2, IN, 0x48, 0xed);                    /* eAX is at most 32 bits */
    check_reg(0, R_EAX, 4, false);
    OK(M32, 2, OUT, 0x66, 0xef);
    check_reg(0, R_EDX, 2, false);
    check_reg(1, R_EAX, 2, false);
    OK(M32, 2, OUT, 0xe6, 0x80);
    check_imm(0, 0x80, 1);
    check_reg(1, R_EAX, 1, false);
    OK(M32, 2, SHL, 0xd1, 0xe0);                   /* shl eax, 1 */
    check_imm(1, 1, 1);
    OK(M32, 2, SAR, 0xd2, 0xf9);                   /* sar cl, cl */
    check_reg(0, R_ECX, 1, false);
    check_reg(1, R_ECX, 1, false);
    OK(M32, 3, ROL, 0xc1, 0xc0, 0x04);
    check_imm(1, 4, 1);
    OK(M32, 2, SHL, 0xd0, 0xf0);                   /* /6: SAL alias */
    OK(M64, 2, XCHG, 0x48, 0x93);
    check_reg(0, R_EAX, 8, false);
    check_reg(1, R_EBX, 8, false);
    OK(M64, 2, XCHG, 0x41, 0x90);                  /* xchg eax, r8d */
    check_reg(1, R_R8, 4, false);
    OK(M32, 1, NOP, 0x90);
    ck_assert_int_eq(insn.nb_ops, 0);
    OK(M64, 2, NOP, 0x48, 0x90);
    OK(M32, 2, PAUSE, 0xf3, 0x90);
    OK(M32, 2, NOP, 0x66, 0x90);
    OK(M32, 1, PUSH_SEG, 0x06);
    check_kind(0, OPK_SREG, R_ES, 2);
    OK(M32, 1, POP_SEG, 0x1f);
    check_kind(0, OPK_SREG, R_DS, 2);
    OK(M64, 2, POP_SEG, 0x0f, 0xa9);
    check_kind(0, OPK_SREG, R_GS, 2);
    ck_assert_int_eq(insn.opsize, 8);
    OK(M32, 1, CWD, 0x99);
    OK(M64, 2, CBW, 0x48, 0x98);
    ck_assert_int_eq(insn.opsize, 8);
}
END_TEST

/* --- Memory forms --- */

START_TEST(test_modrm16)
{
    static const struct { uint8_t base, index, seg; } forms[8] = {
        { R_EBX, R_ESI, R_DS }, { R_EBX, R_EDI, R_DS }, { R_EBP, R_ESI, R_SS },
        { R_EBP, R_EDI, R_SS }, { R_ESI, NO, R_DS }, { R_EDI, NO, R_DS },
        { R_EBP, NO, R_SS }, { R_EBX, NO, R_DS },
    };
    for (int rm = 0; rm < 8; rm++) {
        uint8_t b0[] = { 0x8b, (uint8_t)rm, 0x34, 0x12 };
        uint8_t b1[] = { 0x8b, (uint8_t)(0x40 | rm), 0xfe };
        uint8_t b2[] = { 0x8b, (uint8_t)(0x80 | rm), 0x34, 0x12 };
        ck_assert_int_eq(x86_decode_buf(&insn, M16, 0, b0, sizeof(b0)), DECODE_OK);
        if (rm == 6) {
            ck_assert_int_eq(insn.len, 4);
            check_mem(1, 2, NO, NO, 0, R_DS, 0x1234);
        } else {
            ck_assert_int_eq(insn.len, 2);
            check_mem(1, 2, forms[rm].base, forms[rm].index, 0, forms[rm].seg, 0);
        }
        ck_assert_int_eq(x86_decode_buf(&insn, M16, 0, b1, sizeof(b1)), DECODE_OK);
        ck_assert_int_eq(insn.len, 3);
        check_mem(1, 2, forms[rm].base, forms[rm].index, 0, forms[rm].seg, -2);
        ck_assert_int_eq(x86_decode_buf(&insn, M16, 0, b2, sizeof(b2)), DECODE_OK);
        ck_assert_int_eq(insn.len, 4);
        check_mem(1, 2, forms[rm].base, forms[rm].index, 0, forms[rm].seg, 0x1234);
    }
    OK(M16, 3, MOV, 0x26, 0x8b, 0x03);             /* es: [bp+di] */
    check_mem(1, 2, R_EBP, R_EDI, 0, R_ES, 0);
    ck_assert(insn.prefixes & PFX_SEG);
    OK(M32, 3, MOV, 0x67, 0x8b, 0x07);             /* 67: 16-bit forms */
    ck_assert_int_eq(insn.addrsize, 2);
    check_mem(1, 4, R_EBX, NO, 0, R_DS, 0);
    OK(M16, 5, MOV, 0x67, 0x8b, 0x44, 0x24, 0x08); /* 67: 32-bit forms */
    check_mem(1, 2, R_ESP, NO, 0, R_SS, 8);
}
END_TEST

START_TEST(test_modrm32)
{
    OK(M32, 2, MOV, 0x8b, 0x00);
    check_mem(1, 4, R_EAX, NO, 0, R_DS, 0);
    OK(M32, 6, MOV, 0x8b, 0x05, 0x78, 0x56, 0x34, 0x12);
    check_mem(1, 4, NO, NO, 0, R_DS, 0x12345678);
    OK(M32, 3, MOV, 0x8b, 0x45, 0xfc);
    check_mem(1, 4, R_EBP, NO, 0, R_SS, -4);
    OK(M32, 3, MOV, 0x8b, 0x04, 0x24);
    check_mem(1, 4, R_ESP, NO, 0, R_SS, 0);
    OK(M32, 4, MOV, 0x8b, 0x44, 0x8d, 0x10);       /* [ebp+ecx*4+16] */
    check_mem(1, 4, R_EBP, R_ECX, 2, R_SS, 16);
    OK(M32, 7, MOV, 0x8b, 0x04, 0xcd, 0x00, 0x10, 0x00, 0x00);  /* [ecx*8+0x1000] */
    check_mem(1, 4, NO, R_ECX, 3, R_DS, 0x1000);
    OK(M32, 7, MOV, 0x8b, 0x04, 0x25, 0x00, 0x00, 0x00, 0x80);  /* [disp32], no index */
    check_mem(1, 4, NO, NO, 0, R_DS, (int64_t)(int32_t)0x80000000);
    OK(M32, 7, MOV, 0x8b, 0x84, 0x1c, 0x00, 0x01, 0x00, 0x00);  /* [esp+ebx+0x100] */
    check_mem(1, 4, R_ESP, R_EBX, 0, R_SS, 0x100);
    OK(M32, 4, MOV, 0x64, 0x8b, 0x45, 0x00);       /* fs: [ebp] */
    check_mem(1, 4, R_EBP, NO, 0, R_FS, 0);
    OK(M32, 4, MOV, 0x2e, 0x3e, 0x8b, 0x00);       /* last override wins */
    check_mem(1, 4, R_EAX, NO, 0, R_DS, 0);
    OK(M32, 2, ADD, 0x00, 0x18);
    check_mem(0, 1, R_EAX, NO, 0, R_DS, 0);
    check_reg(1, R_EBX, 1, false);
    OK(M32, 2, LEA, 0x8d, 0x00);
    check_mem(1, 0, R_EAX, NO, 0, R_DS, 0);
    UD(M32, 0x8d, 0xc0);
}
END_TEST

START_TEST(test_modrm64)
{
    OK(M64, 4, MOV, 0x48, 0x8b, 0x04, 0x24);       /* [rsp] */
    check_mem(1, 8, R_ESP, NO, 0, R_SS, 0);
    OK(M64, 4, MOV, 0x41, 0x8b, 0x04, 0x24);       /* [r12] */
    check_mem(1, 4, R_R12, NO, 0, R_DS, 0);
    OK(M64, 4, MOV, 0x41, 0x8b, 0x45, 0x08);       /* [r13+8] */
    check_mem(1, 4, R_R13, NO, 0, R_DS, 8);
    OK(M64, 4, MOV, 0x42, 0x8b, 0x04, 0x20);       /* [rax+r12] */
    check_mem(1, 4, R_EAX, R_R12, 0, R_DS, 0);
    OK(M64, 8, MOV, 0x41, 0x8b, 0x04, 0x25, 0x10, 0, 0, 0); /* base 101, mod 0: disp32 */
    check_mem(1, 4, NO, NO, 0, R_DS, 0x10);
    OK(M64, 7, MOV, 0x4c, 0x8b, 0x05, 0xf0, 0xff, 0xff, 0xff); /* mov r8, [rip-16] */
    check_reg(0, R_R8, 8, false);
    check_mem(1, 8, MEM_RIP, NO, 0, R_DS, -16);
    OK(M64, 7, MOV, 0x41, 0x8b, 0x05, 0, 0, 0, 0); /* REX.B does not undo RIP */
    ck_assert_int_eq(insn.mem.base, MEM_RIP);
    OK(M64, 7, MOV, 0x67, 0x8b, 0x05, 4, 0, 0, 0); /* EIP-relative */
    ck_assert_int_eq(insn.mem.base, MEM_RIP);
    ck_assert_int_eq(insn.addrsize, 4);
    OK(M64, 3, MOV, 0x67, 0x8b, 0x00);
    ck_assert_int_eq(insn.addrsize, 4);
    ck_assert_int_eq(insn.mem.base, R_EAX);
    OK(M64, 3, MOV, 0x26, 0x8b, 0x00);             /* es: ignored */
    ck_assert_int_eq(insn.mem.seg, R_DS);
    ck_assert(!(insn.prefixes & PFX_SEG));
    OK(M64, 3, MOV, 0x36, 0x8b, 0x00);
    ck_assert_int_eq(insn.mem.seg, R_DS);
    OK(M64, 3, MOV, 0x65, 0x8b, 0x00);
    ck_assert_int_eq(insn.mem.seg, R_GS);
    ck_assert(insn.prefixes & PFX_SEG);
    OK(M64, 4, MOV, 0x64, 0x26, 0x8b, 0x00);       /* es: is a null prefix */
    ck_assert_int_eq(insn.mem.seg, R_FS);
    OK(M64, 4, MOV, 0x3e, 0x8b, 0x45, 0x00);
    ck_assert_int_eq(insn.mem.seg, R_SS);
}
END_TEST

/* --- Immediates, branches, far pointers, moffs --- */

START_TEST(test_immediates)
{
    OK(M32, 3, ADD, 0x83, 0xc0, 0xff);             /* add eax, -1 */
    check_imm(1, 0xffffffff, 4);
    OK(M16, 3, ADD, 0x83, 0xc0, 0xff);
    check_imm(1, 0xffff, 2);
    OK(M64, 4, ADD, 0x48, 0x83, 0xc0, 0xff);
    check_imm(1, -1, 8);
    OK(M32, 3, ADD, 0x83, 0xc0, 0x7f);
    check_imm(1, 0x7f, 4);
    OK(M32, 3, CMP, 0x80, 0xf9, 0xff);
    check_imm(1, 0xff, 1);
    OK(M32, 3, ADD, 0x82, 0xc0, 0x01);
    UD(M64, 0x82, 0xc0, 0x01);
    OK(M64, 7, MOV, 0x48, 0xc7, 0xc0, 0xff, 0xff, 0xff, 0xff);
    check_imm(1, -1, 8);
    OK(M64, 10, MOV, 0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 0x88);  /* movabs */
    check_imm(1, (int64_t)0x8807060504030201ULL, 8);
    OK(M64, 5, MOV, 0xb8, 1, 2, 3, 4);
    check_imm(1, 0x04030201, 4);
    OK(M64, 6, MOV, 0x41, 0xb8, 1, 2, 3, 4);
    check_reg(0, R_R8, 4, false);
    OK(M32, 4, MOV, 0x66, 0xb8, 0x34, 0x12);
    check_imm(1, 0x1234, 2);
    OK(M32, 2, MOV, 0xb4, 0x12);                   /* mov ah, 0x12 */
    check_reg(0, R_EAX, 1, true);
    OK(M64, 3, MOV, 0x40, 0xb4, 0x12);             /* mov spl, 0x12 */
    check_reg(0, R_ESP, 1, false);
    OK(M32, 2, PUSH, 0x6a, 0xff);
    check_imm(0, 0xffffffff, 4);
    OK(M64, 2, PUSH, 0x6a, 0xff);
    check_imm(0, -1, 8);
    OK(M64, 5, PUSH, 0x68, 0, 0, 0, 0x80);
    check_imm(0, (int64_t)0xffffffff80000000ULL, 8);
    OK(M16, 3, PUSH, 0x68, 0x34, 0x12);
    check_imm(0, 0x1234, 2);
    OK(M32, 3, IMUL2, 0x6b, 0xc1, 0xfe);           /* imul eax, ecx, -2 */
    check_reg(0, R_EAX, 4, false);
    check_reg(1, R_ECX, 4, false);
    check_imm(2, 0xfffffffe, 4);
    OK(M32, 6, IMUL2, 0x69, 0xc1, 1, 0, 0, 0);
    check_imm(2, 1, 4);
    OK(M32, 4, ENTER, 0xc8, 0x10, 0x00, 0x01);
    check_imm(0, 0x10, 2);
    check_imm(1, 1, 1);
    OK(M32, 3, RET, 0xc2, 0x08, 0x00);
    check_imm(0, 8, 2);
    OK(M32, 2, INT, 0xcd, 0x80);
    check_imm(0, 0x80, 1);
    OK(M32, 2, AAM, 0xd4, 0x0a);
    UD(M64, 0xd4, 0x0a);
    OK(M32, 6, TEST, 0xf7, 0x00, 1, 2, 3, 4);      /* test [eax], imm32 */
    ck_assert_int_eq(insn.len, 6);
    check_imm(1, 0x04030201, 4);
    OK(M32, 4, BT, 0x0f, 0xba, 0xe0, 0x05);
    check_imm(1, 5, 1);
    OK(M32, 4, SHLD, 0x0f, 0xa4, 0xd8, 0x04);      /* shld eax, ebx, 4 */
    check_reg(0, R_EAX, 4, false);
    check_reg(1, R_EBX, 4, false);
    check_imm(2, 4, 1);
    OK(M32, 3, SHRD, 0x0f, 0xad, 0xd8);
    check_reg(2, R_ECX, 1, false);
}
END_TEST

START_TEST(test_branches)
{
    OK(M32, 2, JMP, 0xeb, 0xfe);
    ck_assert_int_eq(insn.ops[0].kind, OPK_REL);
    ck_assert_int_eq(insn.ops[0].imm, -2);
    ck_assert(insn.attrs & IA_END_TB);
    OK(M16, 3, CALL, 0xe8, 0x00, 0x80);
    ck_assert_int_eq(insn.ops[0].imm, -0x8000);
    ck_assert_int_eq(insn.ops[0].size, 2);
    OK(M32, 5, JMP, 0xe9, 0x10, 0, 0, 0);
    ck_assert_int_eq(insn.ops[0].imm, 16);
    OK(M32, 4, JMP, 0x66, 0xe9, 0x10, 0);
    ck_assert_int_eq(insn.opsize, 2);
    OK(M64, 5, CALL, 0xe8, 0xfb, 0xff, 0xff, 0xff);
    ck_assert_int_eq(insn.opsize, 8);
    ck_assert_int_eq(insn.ops[0].imm, -5);
    OK(M64, 6, JMP, 0x66, 0xe9, 0, 0, 0, 0);       /* Intel: 66 ignored */
    ck_assert_int_eq(insn.opsize, 8);
    for (int cc = 0; cc < 16; cc++) {
        uint8_t jb[] = { (uint8_t)(0x70 + cc), 0x05 };
        uint8_t jz[] = { 0x0f, (uint8_t)(0x80 + cc), 0, 1, 0, 0 };
        uint8_t set[] = { 0x0f, (uint8_t)(0x90 + cc), 0xc0 };
        uint8_t cmov[] = { 0x0f, (uint8_t)(0x40 + cc), 0xc1 };
        ck_assert_int_eq(x86_decode_buf(&insn, M32, 0, jb, 2), DECODE_OK);
        ck_assert(insn.op == X86_JCC && insn.cond == cc && insn.ops[0].imm == 5);
        ck_assert_int_eq(x86_decode_buf(&insn, M32, 0, jz, 6), DECODE_OK);
        ck_assert(insn.op == X86_JCC && insn.cond == cc && insn.ops[0].imm == 0x100);
        ck_assert_int_eq(x86_decode_buf(&insn, M32, 0, set, 3), DECODE_OK);
        ck_assert(insn.op == X86_SETCC && insn.cond == cc);
        check_reg(0, R_EAX, 1, false);
        ck_assert_int_eq(x86_decode_buf(&insn, M32, 0, cmov, 3), DECODE_OK);
        ck_assert(insn.op == X86_CMOVCC && insn.cond == cc);
    }
    OK(M32, 3, LOOP, 0x67, 0xe2, 0xfe);
    ck_assert_int_eq(insn.addrsize, 2);
    OK(M32, 2, JCXZ, 0xe3, 0x00);
    OK(M32, 2, CALL_IND, 0xff, 0xd0);
    check_reg(0, R_EAX, 4, false);
    OK(M64, 3, CALL_IND, 0x66, 0xff, 0xd0);        /* forced 64 */
    check_reg(0, R_EAX, 8, false);
    OK(M64, 3, JMP_IND, 0x41, 0xff, 0xe3);
    check_reg(0, R_R11, 8, false);
    OK(M32, 1, RET, 0xc3);
    OK(M64, 2, RETF, 0x48, 0xcb);
    ck_assert_int_eq(insn.opsize, 8);
    OK(M32, 1, IRET, 0xcf);
    ck_assert(insn.attrs & IA_END_TB);
}
END_TEST

START_TEST(test_far_and_moffs)
{
    OK(M16, 5, JMPF, 0xea, 0x5b, 0xe0, 0x00, 0xf0);  /* jmp f000:e05b */
    ck_assert_int_eq(insn.ops[0].kind, OPK_FARPTR);
    ck_assert_int_eq(insn.ops[0].imm, 0xe05b);
    ck_assert_int_eq(insn.ops[0].imm2, 0xf000);
    ck_assert_int_eq(insn.ops[0].size, 4);
    OK(M16, 8, JMPF, 0x66, 0xea, 0x00, 0x00, 0x10, 0x00, 0x08, 0x00);
    ck_assert_int_eq(insn.ops[0].imm, 0x100000);
    ck_assert_int_eq(insn.ops[0].imm2, 8);
    ck_assert_int_eq(insn.ops[0].size, 6);
    OK(M32, 7, CALLF, 0x9a, 1, 2, 3, 4, 0x10, 0);
    UD(M64, 0xea, 0, 0, 0, 0, 0, 0);
    OK(M32, 2, CALLF_IND, 0xff, 0x18);
    check_mem(0, 6, R_EAX, NO, 0, R_DS, 0);
    OK(M64, 3, JMPF_IND, 0x48, 0xff, 0x28);
    check_mem(0, 10, R_EAX, NO, 0, R_DS, 0);
    UD(M32, 0xff, 0xd8);
    OK(M16, 2, LDS, 0xc5, 0x07);
    check_mem(1, 4, R_EBX, NO, 0, R_DS, 0);
    UD(M32, 0xc4, 0xc0);                           /* register form: #UD */
    OK(M32, 3, LSS, 0x0f, 0xb2, 0x20);
    check_mem(1, 6, R_EAX, NO, 0, R_DS, 0);
    OK(M16, 3, MOV, 0xa1, 0x34, 0x12);
    check_reg(0, R_EAX, 2, false);
    check_mem(1, 2, NO, NO, 0, R_DS, 0x1234);
    OK(M32, 5, MOV, 0xa0, 0x78, 0x56, 0x34, 0x12);
    check_mem(1, 1, NO, NO, 0, R_DS, 0x12345678);
    OK(M32, 4, MOV, 0x67, 0xa3, 0x34, 0x12);
    check_mem(0, 4, NO, NO, 0, R_DS, 0x1234);
    OK(M64, 9, MOV, 0xa1, 1, 2, 3, 4, 5, 6, 7, 8);
    check_mem(1, 4, NO, NO, 0, R_DS, 0x0807060504030201);
    OK(M64, 11, MOV, 0x64, 0x48, 0xa3, 1, 2, 3, 4, 5, 6, 7, 0x88);
    check_mem(0, 8, NO, NO, 0, R_FS, (int64_t)0x8807060504030201ULL);
    OK(M64, 6, MOV, 0x67, 0xa2, 0, 0, 0, 0x80);
    check_mem(0, 1, NO, NO, 0, R_DS, 0x80000000);
}
END_TEST

/* --- System instructions, groups, attributes --- */

START_TEST(test_system)
{
    OK(M32, 3, MOV_FROM_CR, 0x0f, 0x20, 0xc0);     /* mov eax, cr0 */
    check_reg(0, R_EAX, 4, false);
    check_kind(1, OPK_CREG, 0, 4);
    ck_assert(insn.attrs & IA_PRIV);
    OK(M32, 3, MOV_TO_CR, 0x0f, 0x22, 0xdb);       /* mov cr3, ebx */
    check_kind(0, OPK_CREG, 3, 4);
    check_reg(1, R_EBX, 4, false);
    ck_assert(insn.attrs & IA_END_TB);
    OK(M16, 3, MOV_TO_CR, 0x0f, 0x22, 0x00);       /* mod ignored: cr0, eax */
    check_kind(0, OPK_CREG, 0, 4);
    check_reg(1, R_EAX, 4, false);
    UD(M32, 0x0f, 0x20, 0xc8);                     /* cr1 */
    UD(M32, 0x0f, 0x22, 0xe8);                     /* cr5 */
    OK(M64, 4, MOV_FROM_CR, 0x44, 0x0f, 0x20, 0xc0);  /* cr8 */
    check_kind(1, OPK_CREG, 8, 8);
    check_reg(0, R_EAX, 8, false);
    UD(M64, 0x44, 0x0f, 0x20, 0xc8);               /* cr9 */
    OK(M32, 3, MOV_FROM_DR, 0x0f, 0x21, 0xf8);     /* mov eax, dr7 */
    check_kind(1, OPK_DREG, 7, 4);
    OK(M64, 3, MOV_TO_DR, 0x0f, 0x23, 0xc1);
    check_kind(0, OPK_DREG, 0, 8);
    check_reg(1, R_ECX, 8, false);
    UD(M64, 0x44, 0x0f, 0x23, 0xc0);
    OK(M32, 1, HLT, 0xf4);
    ck_assert_int_eq(insn.attrs & (IA_PRIV | IA_END_TB), IA_PRIV | IA_END_TB);
    OK(M32, 3, LGDT, 0x0f, 0x01, 0x10);
    check_mem(0, 6, R_EAX, NO, 0, R_DS, 0);
    ck_assert(insn.attrs & IA_PRIV);
    OK(M64, 3, LIDT, 0x0f, 0x01, 0x18);
    check_mem(0, 10, R_EAX, NO, 0, R_DS, 0);
    OK(M32, 3, SGDT, 0x0f, 0x01, 0x00);
    UD(M32, 0x0f, 0x01, 0xd0);                     /* xgetbv: not decoded */
    OK(M64, 3, SWAPGS, 0x0f, 0x01, 0xf8);
    UD(M32, 0x0f, 0x01, 0xf8);
    OK(M32, 3, RDTSCP, 0x0f, 0x01, 0xf9);
    OK(M32, 3, SMSW, 0x0f, 0x01, 0xe0);
    check_reg(0, R_EAX, 4, false);
    OK(M32, 3, SMSW, 0x0f, 0x01, 0x20);
    check_mem(0, 2, R_EAX, NO, 0, R_DS, 0);
    OK(M32, 3, LMSW, 0x0f, 0x01, 0xf0);
    check_reg(0, R_EAX, 2, false);
    OK(M32, 3, INVLPG, 0x0f, 0x01, 0x38);
    UD(M32, 0x0f, 0x01, 0xe8);
    OK(M32, 3, SLDT, 0x0f, 0x00, 0xc0);
    check_reg(0, R_EAX, 4, false);
    ck_assert(insn.attrs & IA_NO_REAL);
    OK(M32, 3, STR, 0x0f, 0x00, 0x08);
    check_mem(0, 2, R_EAX, NO, 0, R_DS, 0);
    OK(M32, 3, LLDT, 0x0f, 0x00, 0xd0);
    ck_assert(insn.attrs & IA_PRIV);
    ck_assert(insn.attrs & IA_NO_REAL);
    OK(M32, 3, LTR, 0x0f, 0x00, 0xd8);
    OK(M32, 3, VERR, 0x0f, 0x00, 0xe0);
    OK(M32, 3, VERW, 0x0f, 0x00, 0xe8);
    UD(M32, 0x0f, 0x00, 0xf0);
    OK(M32, 3, LAR, 0x0f, 0x02, 0xc1);
    check_reg(1, R_ECX, 2, false);
    ck_assert(insn.attrs & IA_NO_REAL);
    OK(M32, 3, LSL, 0x0f, 0x03, 0xc1);
    OK(M32, 2, CLTS, 0x0f, 0x06);
    OK(M32, 2, INVD, 0x0f, 0x08);
    OK(M32, 2, WBINVD, 0x0f, 0x09);
    OK(M32, 2, WRMSR, 0x0f, 0x30);
    ck_assert(insn.attrs & IA_PRIV);
    OK(M32, 2, RDMSR, 0x0f, 0x32);
    OK(M32, 2, RDTSC, 0x0f, 0x31);
    ck_assert(!(insn.attrs & IA_PRIV));
    OK(M32, 2, CPUID, 0x0f, 0xa2);
    OK(M32, 2, SYSENTER, 0x0f, 0x34);
    OK(M64, 2, SYSCALL, 0x0f, 0x05);
    OK(M64, 3, SYSRET, 0x48, 0x0f, 0x07);
    ck_assert_int_eq(insn.opsize, 8);
    OK(M32, 2, UD, 0x0f, 0x0b);
    OK(M32, 2, RSM, 0x0f, 0xaa);
    OK(M32, 1, POPF, 0x9d);
    ck_assert(insn.attrs & IA_END_TB);
    OK(M32, 1, STI, 0xfb);
    ck_assert(insn.attrs & IA_END_TB);
    OK(M32, 1, CLI, 0xfa);
    OK(M32, 1, POP_SEG, 0x17);
    ck_assert(insn.attrs & IA_END_TB);
    OK(M32, 2, MOV_TO_SEG, 0x8e, 0xd0);            /* mov ss, ax */
    check_kind(0, OPK_SREG, R_SS, 2);
    check_reg(1, R_EAX, 2, false);
    ck_assert(insn.attrs & IA_END_TB);
    UD(M32, 0x8e, 0xc8);                           /* mov cs, ax */
    UD(M32, 0x8e, 0xf0);                           /* sreg 6 */
    OK(M32, 2, MOV_FROM_SEG, 0x8c, 0xd8);
    check_reg(0, R_EAX, 4, false);
    check_kind(1, OPK_SREG, R_DS, 2);
    OK(M32, 2, MOV_FROM_SEG, 0x8c, 0x18);
    check_mem(0, 2, R_EAX, NO, 0, R_DS, 0);
    OK(M32, 1, INT3, 0xcc);
    OK(M32, 1, INT1, 0xf1);
    OK(M32, 1, INTO, 0xce);
    UD(M64, 0xce);
    OK(M32, 1, SALC, 0xd6);
    OK(M32, 1, XLAT, 0xd7);
    ck_assert_int_eq(insn.mem.seg, R_DS);
    OK(M32, 2, XLAT, 0x26, 0xd7);                  /* es: [ebx+al] */
    ck_assert_int_eq(insn.mem.seg, R_ES);
    OK(M32, 2, BOUND, 0x62, 0x01);
    check_mem(1, 8, R_ECX, NO, 0, R_DS, 0);
    UD(M32, 0x62, 0xc1);
}
END_TEST

START_TEST(test_groups)
{
    static const X86Op grp1[8] = { X86_ADD, X86_OR, X86_ADC, X86_SBB,
                                   X86_AND, X86_SUB, X86_XOR, X86_CMP };
    static const X86Op grp2[8] = { X86_ROL, X86_ROR, X86_RCL, X86_RCR,
                                   X86_SHL, X86_SHR, X86_SHL, X86_SAR };
    static const X86Op grp3[8] = { X86_TEST, X86_TEST, X86_NOT, X86_NEG,
                                   X86_MUL, X86_IMUL, X86_DIV, X86_IDIV };
    for (int r = 0; r < 8; r++) {
        uint8_t g1[] = { 0x81, (uint8_t)(0xc0 | r << 3), 1, 0, 0, 0 };
        uint8_t g2[] = { 0xd3, (uint8_t)(0xc0 | r << 3) };
        uint8_t g3[] = { 0xf6, (uint8_t)(0x00 | r << 3), 0x55 };
        ck_assert_int_eq(x86_decode_buf(&insn, M32, 0, g1, sizeof(g1)), DECODE_OK);
        ck_assert(insn.op == grp1[r] && insn.len == 6);
        ck_assert_int_eq(x86_decode_buf(&insn, M32, 0, g2, sizeof(g2)), DECODE_OK);
        ck_assert(insn.op == grp2[r] && insn.len == 2);
        ck_assert_int_eq(x86_decode_buf(&insn, M32, 0, g3, sizeof(g3)), DECODE_OK);
        ck_assert(insn.op == grp3[r] && insn.len == (r < 2 ? 3 : 2));
    }
    OK(M32, 2, INC, 0xfe, 0xc0);
    check_reg(0, R_EAX, 1, false);
    OK(M32, 2, DEC, 0xfe, 0xcc);
    check_reg(0, R_EAX, 1, true);                  /* dec ah */
    UD(M32, 0xfe, 0xd0);
    OK(M32, 2, PUSH, 0xff, 0x30);
    UD(M32, 0xff, 0x38);
    OK(M64, 2, POP, 0x8f, 0x00);
    ck_assert_int_eq(insn.opsize, 8);
    UD(M32, 0x8f, 0x08);
    OK(M32, 3, MOV, 0xc6, 0x00, 0x12);
    UD(M32, 0xc6, 0x08, 0x12);
    OK(M32, 3, CMPXCHG8B, 0x0f, 0xc7, 0x08);
    check_mem(0, 8, R_EAX, NO, 0, R_DS, 0);
    OK(M64, 4, CMPXCHG16B, 0x48, 0x0f, 0xc7, 0x08);
    check_mem(0, 16, R_EAX, NO, 0, R_DS, 0);
    UD(M32, 0x0f, 0xc7, 0xc8);
    UD(M32, 0x0f, 0xba, 0xe0 - 0x20, 0x01);        /* 0F BA /0 */
    OK(M32, 3, FENCE, 0x0f, 0xae, 0xf0);
    OK(M32, 3, CLFLUSH, 0x0f, 0xae, 0x38);
    OK(M32, 3, PREFETCH, 0x0f, 0x18, 0x08);
    OK(M32, 3, NOP, 0x0f, 0x1f, 0x00);             /* nopl [eax] */
    OK(M32, 8, NOP, 0x0f, 0x1f, 0x84, 0x00, 0, 0, 0, 0);
    OK(M32, 4, POPCNT, 0xf3, 0x0f, 0xb8, 0xc1);
    UD(M32, 0x0f, 0xb8, 0xc1);
    OK(M32, 3, BSF, 0x0f, 0xbc, 0xc1);
    OK(M32, 5, TZCNT, 0x66, 0xf3, 0x0f, 0xbc, 0xc1);
    ck_assert_int_eq(insn.opsize, 2);
    OK(M32, 4, LZCNT, 0xf3, 0x0f, 0xbd, 0xc1);
    OK(M32, 4, MOVBE, 0x0f, 0x38, 0xf0, 0x00);
    UD(M32, 0x0f, 0x38, 0xf0, 0xc0);
    OK(M32, 5, MOVBE, 0x66, 0x0f, 0x38, 0xf1, 0x00);
    ck_assert_int_eq(insn.opsize, 2);
}
END_TEST

START_TEST(test_x87_sse)
{
    OK(M32, 2, FPU, 0xd9, 0xc1);                   /* fld st(1) */
    check_kind(0, OPK_ST, 1, 10);
    ck_assert_int_eq(insn.modrm, 0xc1);
    OK(M16, 4, FPU, 0xdd, 0x06, 0x00, 0x10);       /* fld qword [0x1000] */
    check_mem(0, 0, NO, NO, 0, R_DS, 0x1000);
    ck_assert_int_eq(insn.opcode, 0xdd);
    OK(M64, 3, FPU, 0xdf, 0x2c, 0x24);             /* fild qword [rsp] */
    check_mem(0, 0, R_ESP, NO, 0, R_SS, 0);
    OK(M32, 1, WAIT, 0x9b);
    OK(M32, 3, SSE, 0x0f, 0x28, 0xc1);             /* movaps xmm0, xmm1 */
    check_kind(0, OPK_XMM, 1, 16);
    OK(M32, 4, SSE, 0x66, 0x0f, 0x6f, 0x00);       /* movdqa xmm0, [eax] */
    check_mem(0, 16, R_EAX, NO, 0, R_DS, 0);
    ck_assert_int_eq(insn.opsize, 4);              /* 66 was the mandatory prefix */
    OK(M64, 5, SSE, 0x66, 0x48, 0x0f, 0x7e, 0xc0); /* movq rax, xmm0 */
    ck_assert_int_eq(insn.opsize, 8);
    OK(M32, 4, SSE, 0xf3, 0x0f, 0x10, 0xc1);       /* movss */
    ck_assert(insn.prefixes & PFX_REPZ);
    OK(M64, 6, SSE, 0x66, 0x41, 0x0f, 0x70, 0xc1, 0x08);  /* pshufd, imm8 */
    check_kind(0, OPK_XMM, 9, 16);
    OK(M32, 2, SSE, 0x0f, 0x77);                   /* emms */
    OK(M32, 6, SSE, 0x66, 0x0f, 0x3a, 0x0f, 0xc1, 0x08);  /* palignr */
    ck_assert_int_eq(insn.opcode, 0x30f);
    OK(M32, 5, SSE, 0x66, 0x0f, 0x38, 0x00, 0xc1);  /* pshufb */
    ck_assert_int_eq(insn.opcode, 0x200);
}
END_TEST

START_TEST(test_strings)
{
    OK(M32, 1, MOVS, 0xa4);
    check_kind(0, OPK_MEM, R_EDI, 1);
    check_kind(1, OPK_MEM, R_ESI, 1);
    ck_assert_int_eq(insn.mem.base, R_ESI);
    ck_assert_int_eq(insn.mem.seg, R_DS);
    ck_assert(insn.attrs & IA_STRING);
    OK(M32, 2, MOVS, 0x26, 0xa5);
    ck_assert_int_eq(insn.mem.seg, R_ES);
    ck_assert_int_eq(insn.ops[0].size, 4);
    OK(M32, 3, MOVS, 0x66, 0xf3, 0xa5);
    ck_assert_int_eq(insn.ops[0].size, 2);
    ck_assert(insn.prefixes & PFX_REPZ);
    OK(M32, 3, MOVS, 0xf3, 0x66, 0xa5);
    ck_assert_int_eq(insn.ops[0].size, 2);
    ck_assert(insn.prefixes & PFX_REPZ);
    OK(M32, 3, CMPS, 0xf3, 0xf2, 0xa6);            /* last of F2/F3 wins */
    ck_assert(insn.prefixes & PFX_REPNZ);
    ck_assert(!(insn.prefixes & PFX_REPZ));
    check_kind(0, OPK_MEM, R_ESI, 1);
    check_kind(1, OPK_MEM, R_EDI, 1);
    ck_assert_int_eq(insn.mem.base, R_ESI);
    OK(M32, 2, STOS, 0xf3, 0xab);
    check_kind(0, OPK_MEM, R_EDI, 4);
    check_reg(1, R_EAX, 4, false);
    ck_assert_int_eq(insn.mem.base, R_EDI);
    ck_assert_int_eq(insn.mem.seg, R_ES);
    OK(M32, 2, STOS, 0x2e, 0xaa);                  /* ES:rDI not overridable */
    ck_assert_int_eq(insn.mem.seg, R_ES);
    OK(M64, 2, LODS, 0x48, 0xad);
    check_reg(0, R_EAX, 8, false);
    check_kind(1, OPK_MEM, R_ESI, 8);
    OK(M32, 1, SCAS, 0xae);
    check_kind(1, OPK_MEM, R_EDI, 1);
    OK(M32, 2, INS, 0x66, 0x6d);
    check_kind(0, OPK_MEM, R_EDI, 2);
    check_reg(1, R_EDX, 2, false);
    OK(M32, 2, OUTS, 0x64, 0x6e);
    ck_assert_int_eq(insn.mem.seg, R_FS);
    OK(M16, 2, MOVS, 0x67, 0xa4);
    ck_assert_int_eq(insn.addrsize, 4);
}
END_TEST

/* --- Prefix rules, LOCK, mode validity, length limits --- */

START_TEST(test_lock)
{
    OK(M32, 3, ADD, 0xf0, 0x01, 0x00);
    ck_assert(insn.prefixes & PFX_LOCK);
    UD(M32, 0xf0, 0x01, 0xc0);                     /* register destination */
    UD(M32, 0xf0, 0x03, 0x00);                     /* memory source only */
    UD(M32, 0xf0, 0x39, 0x00);                     /* cmp */
    UD(M32, 0xf0, 0x8b, 0x00);                     /* mov */
    UD(M32, 0xf0, 0x90);
    UD(M32, 0xf0, 0x0f, 0x20, 0xc0);
    OK(M32, 3, XCHG, 0xf0, 0x87, 0x00);
    OK(M32, 4, BTS, 0xf0, 0x0f, 0xab, 0x00);
    OK(M32, 5, BTC, 0xf0, 0x0f, 0xba, 0x38, 0x01);
    UD(M32, 0xf0, 0x0f, 0xba, 0x20, 0x01);         /* bt */
    OK(M32, 4, CMPXCHG8B, 0xf0, 0x0f, 0xc7, 0x08);
    OK(M32, 4, XADD, 0xf0, 0x0f, 0xc1, 0x00);
    OK(M32, 3, NEG, 0xf0, 0xf7, 0x18);
    UD(M32, 0xf0, 0xf7, 0x20);                     /* mul */
    OK(M64, 4, INC, 0xf0, 0x48, 0xff, 0x00);
    OK(M32, 4, ADD, 0x66, 0xf0, 0x01, 0x00);       /* any prefix order */
}
END_TEST

START_TEST(test_mode_validity)
{
    static const uint8_t no64[] = { 0x06, 0x07, 0x0e, 0x16, 0x17, 0x1e, 0x1f, 0x27,
                                    0x2f, 0x37, 0x3f, 0x60, 0x61, 0xce, 0xd6 };
    for (size_t i = 0; i < sizeof(no64); i++) {
        ck_assert_int_eq(x86_decode_buf(&insn, M32, 0, &no64[i], 1), DECODE_OK);
        ck_assert_int_eq(x86_decode_buf(&insn, M64, 0, &no64[i], 1), DECODE_UD);
        ck_assert_int_eq(insn.len, 1);
    }
    UD(M64, 0x62, 0x00);
    UD(M64, 0xc5, 0x00);
    OK(M32, 1, INC, 0x40);
    ck_assert_int_eq(DEC(M64, 0x40), DECODE_FETCH_FAULT);   /* REX waits for an opcode */
    OK(M32, 1, PUSHA, 0x60);
    OK(M16, 1, POPA, 0x61);
    OK(M32, 1, DAA, 0x27);
    OK(M32, 1, LAHF, 0x9f);
    OK(M64, 1, LAHF, 0x9f);
    UD(M32, 0x0f, 0x04);
    UD(M32, 0x0f, 0xff);
    UD(M32, 0x0f, 0x38, 0xff, 0xc0);
    UD(M32, 0x0f, 0x3a, 0xff, 0xc0, 0x00);
}
END_TEST

static const uint8_t long_nop[16] = {
    0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
    0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x90,
};

START_TEST(test_length_limit)
{
    ck_assert_int_eq(x86_decode_buf(&insn, M32, 0, long_nop + 1, 15), DECODE_OK);
    ck_assert_int_eq(insn.len, 15);
    ck_assert_int_eq(x86_decode_buf(&insn, M32, 0, long_nop, 16), DECODE_TOO_LONG);
    ck_assert_int_eq(insn.len, 15);
    /* 11 prefixes + mov [eax+disp32], imm32 (2+4+... bytes) */
    ck_assert_int_eq(DEC(M32, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x67, 0x67,
                         0xc7, 0x80, 1, 2, 3, 4, 5, 6, 7, 8), DECODE_TOO_LONG);
    OK(M64, 15, MOV, 0x66, 0x66, 0x66, 0x48, 0xc7, 0x84, 0x24, 1, 2, 3, 4, 5, 6, 7, 8);
}
END_TEST

/* A fetch callback with a readable window ending at `limit` that answers
 * at most `chunk` bytes per call, and records the furthest byte requested. */
typedef struct TestFetch {
    const uint8_t *bytes;
    uint64_t limit;
    int chunk;
    int calls;
    uint64_t max_requested;
} TestFetch;

static int fetch_window(void *opaque, uint64_t pc, uint8_t *buf, int len)
{
    TestFetch *f = opaque;
    int n = 0;

    f->calls++;
    if (pc + (uint64_t)len > f->max_requested) {
        f->max_requested = pc + (uint64_t)len;
    }
    while (n < len && n < f->chunk && pc + (uint64_t)n < f->limit) {
        buf[n] = f->bytes[pc + (uint64_t)n];
        n++;
    }
    return n;
}

START_TEST(test_fetch)
{
    /* mov eax, [ebx+0x12345678] then garbage: never asks for the garbage. */
    static const uint8_t code[] = { 0x8b, 0x83, 0x78, 0x56, 0x34, 0x12, 0xcc, 0xcc };
    DecodeMode m = M32;
    TestFetch f = { .bytes = code, .limit = 6, .chunk = 16 };

    ck_assert_int_eq(x86_decode(&insn, m, 0, fetch_window, &f), DECODE_OK);
    ck_assert_int_eq(insn.len, 6);
    ck_assert_int_eq(f.max_requested, 6);
    /* One byte per call (a page boundary after every byte). */
    f = (TestFetch){ .bytes = code, .limit = 8, .chunk = 1 };
    ck_assert_int_eq(x86_decode(&insn, m, 0, fetch_window, &f), DECODE_OK);
    ck_assert_int_eq(insn.len, 6);
    ck_assert_int_eq(insn.mem.disp, 0x12345678);
    /* The displacement crosses into an unreadable page. */
    f = (TestFetch){ .bytes = code, .limit = 4, .chunk = 16 };
    ck_assert_int_eq(x86_decode(&insn, m, 0, fetch_window, &f), DECODE_FETCH_FAULT);
    ck_assert_int_eq(x86_decode_buf(&insn, m, 0, code, 0), DECODE_FETCH_FAULT);
    ck_assert_int_eq(insn.len, 0);
    ck_assert_int_eq(x86_decode_buf(&insn, m, 0, code, 1), DECODE_FETCH_FAULT);
    /* #UD found before the missing bytes are needed. */
    ck_assert_int_eq(DEC(M32, 0x0f, 0xff), DECODE_UD);
    ck_assert_int_eq(insn.len, 2);
}
END_TEST

START_TEST(test_disas)
{
    static const uint8_t add[] = { 0x01, 0xd8 };
    static const uint8_t bad[] = { 0x0f, 0x04 };
    char buf[64];

    x86_disas(buf, sizeof(buf), M32, 0, add, 2);
#if CONFIG_CAPSTONE
    ck_assert_str_eq(buf, "add eax, ebx");
#else
    ck_assert_str_eq(buf, "add  ; 01 d8");
#endif
    x86_disas(buf, sizeof(buf), M32, 0, bad, 2);   /* neither decodes it */
    ck_assert_str_eq(buf, "(bad)  ; 0f 04");
    x86_disas(buf, 4, M32, 0, add, 2);
    ck_assert_int_eq(strlen(buf), 3);
    ck_assert_str_eq(x86_op_names[X86_CMPXCHG8B], "CMPXCHG8B");
    for (int op = 0; op < X86_NB_OPS; op++) {
        ck_assert_ptr_nonnull(x86_op_names[op]);
    }
}
END_TEST

/* --- Cross-check against capstone --- */

#if CONFIG_CAPSTONE
#define RANDOM_CASES 200000

static uint64_t rng_state;

static uint32_t rng_next(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

static const uint8_t test_prefixes[] = {
    0x66, 0x67, 0xf2, 0xf3, 0xf0, 0x2e, 0x26, 0x64, 0x48, 0x41, 0x4c,
};

static void random_bytes(uint8_t *b, int n)
{
    for (int k = 0; k < n; k++) {
        b[k] = (uint8_t)rng_next();
    }
}

/* Random bytes, biased towards the 0F map and prefixes so that both are
 * well covered. */
static void random_insn(uint8_t *b, int n)
{
    int i = 0;

    random_bytes(b, n);
    if (rng_next() % 4 == 0) {
        b[i++] = test_prefixes[rng_next() % sizeof(test_prefixes)];
    }
    if (rng_next() % 3 == 0) {
        b[i] = 0x0f;
    }
}

/* Sweep case t: every (map, opcode, ModRM) triple once, behind a random
 * prefix (or none), with random SIB/displacement/immediate bytes. */
#define SWEEP_CASES (4 * 256 * 256)

static void sweep_insn(uint8_t *b, int n, int t)
{
    static const uint8_t escapes[4][2] = { { 0 }, { 0x0f }, { 0x0f, 0x38 }, { 0x0f, 0x3a } };
    static const uint8_t escape_len[4] = { 0, 1, 2, 2 };
    int map = t >> 16, i = 0;

    random_bytes(b, n);
    if (rng_next() % 2) {
        b[i++] = test_prefixes[rng_next() % sizeof(test_prefixes)];
    }
    memcpy(b + i, escapes[map], escape_len[map]);
    i += escape_len[map];
    b[i++] = (uint8_t)(t >> 8);
    b[i] = (uint8_t)t;
}

static bool is_near_branch(const Insn *in)
{
    return in->op == X86_JCC || in->op == X86_JMP || in->op == X86_CALL ||
           in->op == X86_RET || in->op == X86_CALL_IND || in->op == X86_JMP_IND ||
           in->op == X86_LOOP || in->op == X86_LOOPE || in->op == X86_LOOPNE ||
           in->op == X86_JCXZ;
}

/*
 * Documented capstone 4 quirks, excluded from the comparison:
 *  - 64-bit near branches with 66: capstone decodes AMD's 16-bit form
 *    (rel16); Kestrel follows Intel, which ignores 66 (rel32, 64-bit).
 *  - 0F B9 (UD1): capstone 4 decodes the old two-byte "ud2b"; the SDM gives
 *    UD1 a ModRM. Only #UD follows either way.
 *  - Hint NOPs 0F 18-1F with a register operand, and 0F 0D (AMD prefetch
 *    space) other than PREFETCH/PREFETCHW: capstone 4 rejects them; Intel
 *    executes them as NOPs.
 *  - LFENCE/MFENCE/SFENCE with ModRM.rm != 0: capstone wants rm = 0, the
 *    processor ignores rm.
 *  - POPCNT/TZCNT/LZCNT in 16-bit mode: capstone 4 rejects them; they are
 *    valid in every mode.
 *  - 66 together with F2/F3 on a non-string instruction (seen: MOV moffs,
 *    PUSH Iz): capstone 4 takes the pair for an SSE mandatory prefix and
 *    rejects the bytes or drops the 66; the processor ignores F2/F3 there.
 *  - MOV to/from Sreg with REX.R: capstone rejects it; the segment register
 *    field is three bits and the processor ignores REX.R.
 *  - RET Iw (C2) with both 67 and REX.W: capstone 4 reports 2 extra bytes.
 */
static bool capstone_quirk(const Insn *in, DecodeMode mode)
{
    bool modrm_reg_form = in->has_modrm && in->modrm >= 0xc0;

    return (mode.code64 && (in->prefixes & PFX_OPSIZE) && is_near_branch(in)) ||
           in->opcode == 0x1b9 ||
           (in->op == X86_NOP && in->opcode >= 0x118 && modrm_reg_form) ||
           in->opcode == 0x10d ||
           (in->op == X86_FENCE && (in->modrm & 7) != 0) ||
           (!mode.code32 && (in->op == X86_POPCNT || in->op == X86_TZCNT ||
                             in->op == X86_LZCNT)) ||
           ((in->prefixes & PFX_OPSIZE) && (in->prefixes & (PFX_REPZ | PFX_REPNZ)) &&
            !(in->attrs & IA_STRING)) ||
           ((in->op == X86_MOV_TO_SEG || in->op == X86_MOV_FROM_SEG) && (in->rex & 4)) ||
           (in->opcode == 0xc2 && (in->rex & 8) && (in->prefixes & PFX_ADSIZE));
}

/* Capstone's register name -> Kestrel register number, size, high8. */
static bool parse_gpr(const char *n, int *num, int *size, bool *high8)
{
    static const char *const word[8] = { "ax", "cx", "dx", "bx", "sp", "bp", "si", "di" };
    static const char *const byte[8] = { "al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil" };
    static const char *const high[4] = { "ah", "ch", "dh", "bh" };
    static const struct { char suffix[2]; uint8_t size; } ext[] = {
        { "", 8 }, { "d", 4 }, { "w", 2 }, { "b", 1 },
    };

    *high8 = false;
    for (int i = 0; i < 8; i++) {
        int sz = !strcmp(n, word[i]) ? 2 : !strcmp(n, byte[i]) ? 1
               : (n[0] == 'e' && !strcmp(n + 1, word[i])) ? 4
               : (n[0] == 'r' && !strcmp(n + 1, word[i])) ? 8 : 0;
        if (sz) {
            *num = i;
            *size = sz;
            return true;
        }
        if (i < 4 && !strcmp(n, high[i])) {
            *num = i;
            *size = 1;
            *high8 = true;
            return true;
        }
    }
    if (n[0] == 'r' && n[1] >= '0' && n[1] <= '9') {
        char *end;
        long r = strtol(n + 1, &end, 10);
        for (size_t i = 0; i < ARRAY_SIZE(ext); i++) {
            if (!strcmp(end, ext[i].suffix)) {
                *num = (int)r;
                *size = ext[i].size;
                return true;
            }
        }
    }
    return false;
}

static const x86_reg cs_segs[NB_SEGS] = {
    X86_REG_ES, X86_REG_CS, X86_REG_SS, X86_REG_DS, X86_REG_FS, X86_REG_GS,
};

static uint64_t addr_mask(int size)
{
    return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

/* Register number of a capstone base/index register, MEM_RIP or MEM_NO_REG. */
static int cs_mem_reg(csh h, x86_reg reg)
{
    int num, size;
    bool high8;

    if (reg == X86_REG_INVALID) {
        return MEM_NO_REG;
    }
    if (reg == X86_REG_RIP || reg == X86_REG_EIP) {
        return MEM_RIP;
    }
    return parse_gpr(cs_reg_name(h, reg), &num, &size, &high8) ? num : -1;
}

static bool is_null_segment_64(DecodeMode mode, x86_reg seg)
{
    return mode.code64 && (seg == X86_REG_ES || seg == X86_REG_CS ||
                           seg == X86_REG_SS || seg == X86_REG_DS);
}

static bool op_in(X86Op op, const X86Op *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (list[i] == op) {
            return true;
        }
    }
    return false;
}

/* Capstone 4 gives far pointer memory operands (m16:16/32) no size. */
static bool cs_mem_size_differs(X86Op op)
{
    static const X86Op list[] = {
        X86_LDS, X86_LES, X86_LFS, X86_LGS, X86_LSS, X86_CALLF_IND, X86_JMPF_IND,
    };
    return op_in(op, list, ARRAY_SIZE(list));
}

/* Capstone names a segment only when an override is present, and shows
 * the last segment prefix even when it is one of the 64-bit-mode null
 * prefixes ES/CS/SS/DS (then the segment is not compared). */
static bool same_mem(csh h, const Insn *in, const Operand *op, const cs_x86_op *c,
                     DecodeMode mode)
{
    const x86_op_mem *m = &c->mem;
    uint64_t mask = addr_mask(in->addrsize);

    if (cs_mem_reg(h, m->base) != in->mem.base || cs_mem_reg(h, m->index) != in->mem.index ||
        (in->mem.index != MEM_NO_REG && m->scale != 1 << in->mem.scale) ||
        ((uint64_t)m->disp & mask) != ((uint64_t)in->mem.disp & mask) ||
        (!cs_mem_size_differs(in->op) && c->size != op->size)) {
        return false;
    }
    if (is_null_segment_64(mode, m->segment)) {
        return true;
    }
    return m->segment == X86_REG_INVALID ? !(in->prefixes & PFX_SEG)
                                         : m->segment == cs_segs[in->mem.seg];
}

/* One Kestrel operand against capstone's. Branch targets are compared
 * within the mode's IP width (capstone truncates them there, and to 16
 * bits under a 67 prefix, which does not affect branches: not compared). */
static bool same_operand(csh h, const Insn *in, const Operand *op, const cs_x86_op *c,
                         DecodeMode mode)
{
    int num, size, ip_size = mode.code64 ? 8 : mode.code32 ? 4 : 2;
    bool high8;

    switch (op->kind) {
    case OPK_REG:
        return c->type == X86_OP_REG && parse_gpr(cs_reg_name(h, c->reg), &num, &size, &high8) &&
               num == op->reg && size == op->size && high8 == op->high8;
    case OPK_IMM:
        return c->type == X86_OP_IMM &&
               ((uint64_t)c->imm & addr_mask(op->size)) == (uint64_t)op->imm;
    case OPK_REL:
        ip_size = op->size < ip_size ? op->size : ip_size;
        return c->type == X86_OP_IMM && ((in->prefixes & PFX_ADSIZE) ||
               ((uint64_t)c->imm & addr_mask(ip_size)) ==
               ((in->pc + in->len + (uint64_t)op->imm) & addr_mask(ip_size)));
    case OPK_MEM:
        return c->type == X86_OP_MEM && same_mem(h, in, op, c, mode);
    default:
        return true;
    }
}

/*
 * Whether to compare operands one to one with capstone's detail: plain
 * integer instructions with register, immediate, branch and memory
 * operands. Left out: string, x87, SSE, far, system-register forms, rows
 * whose operands are implicit in capstone (AAM/AAD with base 10, LOOP/JCXZ
 * with the counter) or shown differently (MOVSXD without REX.W as a 64-bit
 * destination, IN/OUT with REX.W as 16-bit, REX-prefixed PAUSE as XCHG,
 * LAR/LSL's r32/m16 source as r32/m32, 66 XCHG rAX,r in 64-bit mode with
 * a 32-bit rAX).
 */
static bool operands_comparable(const Insn *in, DecodeMode mode)
{
    static const X86Op skip[] = {
        X86_FPU, X86_SSE, X86_XLAT, X86_NOP, X86_PAUSE, X86_PREFETCH, X86_CLFLUSH,
        X86_BOUND, X86_LEA, X86_INVLPG, X86_LGDT, X86_LIDT, X86_SGDT, X86_SIDT,
        X86_CMPXCHG8B, X86_CMPXCHG16B, X86_UD, X86_JCXZ, X86_LOOP, X86_LOOPE, X86_LOOPNE,
        X86_AAM, X86_AAD, X86_LAR, X86_LSL,
    };

    if ((in->attrs & IA_STRING) || op_in(in->op, skip, ARRAY_SIZE(skip)) ||
        (in->op == X86_MOVSXD && !(in->rex & 8)) ||
        ((in->op == X86_IN || in->op == X86_OUT) && (in->rex & 8)) ||
        (in->op == X86_XCHG && (in->opcode & 0xff8) == 0x90 && mode.code64 && in->opsize == 2)) {
        return false;
    }
    for (int i = 0; i < in->nb_ops; i++) {
        if (in->ops[i].kind > OPK_REL) {
            return false;
        }
    }
    return true;
}

static bool same_operands(csh h, const Insn *in, const cs_insn *ci, DecodeMode mode)
{
    const cs_x86 *x = &ci->detail->x86;

    if (x->op_count != in->nb_ops) {
        return false;
    }
    for (int i = 0; i < in->nb_ops; i++) {
        if (!same_operand(h, in, &in->ops[i], &x->operands[i], mode)) {
            return false;
        }
    }
    return true;
}

typedef struct CrossStats {
    const char *mode_name;
    int compared, with_operands, mismatches;
} CrossStats;

/* Counts a mismatch; prints the first few with the instruction bytes. */
static void report_mismatch(CrossStats *st, const uint8_t *b, const char *what,
                            const cs_insn *ci)
{
    if (st->mismatches++ < 20) {
        printf("%s: %s:", st->mode_name, what);
        for (int i = 0; i < insn.len; i++) {
            printf(" %02x", b[i]);
        }
        printf(" (kestrel %s len %d; capstone %s %s len %d)\n", x86_op_names[insn.op],
               insn.len, ci ? ci->mnemonic : "-", ci ? ci->op_str : "", ci ? (int)ci->size : 0);
    }
}

/* One random byte string: Kestrel's integer decodings against capstone. */
static void cross_check_one(csh handle, DecodeMode mode, const uint8_t *b, int len,
                            CrossStats *st)
{
    cs_insn *ci;
    size_t n;

    if (x86_decode_buf(&insn, mode, 0, b, len) != DECODE_OK ||
        insn.op == X86_SSE || capstone_quirk(&insn, mode)) {
        return;
    }
    n = cs_disasm(handle, b, (size_t)len, 0, 1, &ci);
    if (n == 0) {
        if (insn.op != X86_FPU) {      /* x87 reserved encodings: not compared */
            report_mismatch(st, b, "capstone rejects", NULL);
        }
        return;
    }
    st->compared++;
    if (ci->size != insn.len) {
        report_mismatch(st, b, "length", ci);
    } else if (operands_comparable(&insn, mode)) {
        st->with_operands++;
        if (!same_operands(handle, &insn, ci, mode)) {
            report_mismatch(st, b, "operands", ci);
        }
    }
    cs_free(ci, n);
}

static int cross_check_mode(DecodeMode mode, cs_mode cmode, const char *name)
{
    CrossStats st = { .mode_name = name };
    csh handle;

    ck_assert_int_eq(cs_open(CS_ARCH_X86, cmode, &handle), CS_ERR_OK);
    cs_option(handle, CS_OPT_DETAIL, CS_OPT_ON);
    rng_state = 0x9e3779b97f4a7c15ULL ^ (uint64_t)cmode;
    for (int t = 0; t < RANDOM_CASES; t++) {
        uint8_t b[16];
        random_insn(b, sizeof(b));
        cross_check_one(handle, mode, b, sizeof(b), &st);
    }
    for (int t = 0; t < SWEEP_CASES; t++) {
        uint8_t b[16];
        sweep_insn(b, sizeof(b), t);
        cross_check_one(handle, mode, b, sizeof(b), &st);
    }
    cs_close(&handle);
    printf("capstone cross-check %s: %d instructions compared (%d with operands), "
           "%d mismatches\n", name, st.compared, st.with_operands, st.mismatches);
    return st.mismatches;
}

START_TEST(test_capstone_cross_check)
{
    int bad = cross_check_mode(M16, CS_MODE_16, "16-bit") +
              cross_check_mode(M32, CS_MODE_32, "32-bit") +
              cross_check_mode(M64, CS_MODE_64, "64-bit");
    ck_assert_int_eq(bad, 0);
}
END_TEST
#endif

static Suite *decode_suite(void)
{
    Suite *s = suite_create("decode");
    TCase *tc = tcase_create("hand");
    TCase *tx = tcase_create("capstone");

    tcase_add_test(tc, test_reg_forms);
    tcase_add_test(tc, test_fixed_operands);
    tcase_add_test(tc, test_modrm16);
    tcase_add_test(tc, test_modrm32);
    tcase_add_test(tc, test_modrm64);
    tcase_add_test(tc, test_immediates);
    tcase_add_test(tc, test_branches);
    tcase_add_test(tc, test_far_and_moffs);
    tcase_add_test(tc, test_system);
    tcase_add_test(tc, test_groups);
    tcase_add_test(tc, test_x87_sse);
    tcase_add_test(tc, test_strings);
    tcase_add_test(tc, test_lock);
    tcase_add_test(tc, test_mode_validity);
    tcase_add_test(tc, test_length_limit);
    tcase_add_test(tc, test_fetch);
    tcase_add_test(tc, test_disas);
    suite_add_tcase(s, tc);
#if CONFIG_CAPSTONE
    tcase_set_timeout(tx, 120);
    tcase_add_test(tx, test_capstone_cross_check);
#else
    printf("capstone not configured (CONFIG_CAPSTONE 0): cross-check skipped\n");
#endif
    suite_add_tcase(s, tx);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(decode_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
