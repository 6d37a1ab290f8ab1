; sse64.asm - SSE2 in 64-bit mode through decoder, translator and helper:
; XMM8-15 (REX.R/REX.B), REX.W forms (MOVQ r64<->xmm, CVTSI2SD r64,
; CVTTSD2SI r64), RIP-relative operands, and FXSAVE64 (REX.W: 64-bit FPU
; IP/DP, XMM8-15 saved) against plain FXSAVE in compatibility mode
; (XMM0-7 only). The inline forms the translator emits for libc's string
; functions: PCMPEQB with a memory source, PCMPEQW registers, PANDN with a
; memory source, PMOVMSKB r32 (zero-extended), MOVSD/MOVD loads that clear
; the rest of the register, MOVSD/MOVSS stores of the low element. Results are stored in 64-bit mode and checked after the
; return to compatibility mode (the IDT has 32-bit gates: no exceptions).
; qemu: skip (QEMU's default 32-bit CPU has no long mode)
%include "guest.inc"

PML4    equ 0x200000
PDPT0   equ 0x201000
PD0     equ 0x202000
PG_PRW  equ 3
PG_PS   equ 0x80
SEL_CODE64 equ SEL_SPARE0
EFER    equ 0xc0000080

test_main:
        cld
        mov edi, PML4
        xor eax, eax
        mov ecx, 3 * 1024
        rep stosd
        mov dword [PML4], PDPT0 | PG_PRW
        mov dword [PDPT0], PD0 | PG_PRW
        mov dword [PD0 + 0 * 8], 0x000000 | PG_PRW | PG_PS
        mov dword [PD0 + 1 * 8], 0x200000 | PG_PRW | PG_PS
        mov eax, SEL_CODE64
        mov ebx, 0x0000ffff
        mov edx, 0x00af9a00               ; present, DPL 0, code, L=1
        call set_gdt
        mov eax, cr4
        or eax, 0x20 | (1 << 9)           ; PAE, OSFXSR
        mov cr4, eax
        mov eax, PML4
        mov cr3, eax
        mov ecx, EFER
        rdmsr
        or eax, 1 << 8                    ; LME
        wrmsr
        mov eax, cr0
        or eax, 0x80000000
        mov cr0, eax
        ; compatibility mode: FXSAVE saves XMM0-7 only
        mov dword [fx32 + 160 + 8 * 16], 0xdeadbeef
        movdqa xmm0, [rel_pattern]
        fxsave [fx32]
        jmp SEL_CODE64:long_entry

        bits 64
long_entry:
        movdqa xmm8, [rel rel_pattern]
        movdqa xmm15, xmm8                ; inline REX.R+B move
        paddq xmm15, [rel rel_pattern]
        movdqa [rel r_xmm15], xmm15
        mov rax, 0x123456789abcdef0
        movq xmm9, rax
        pshufd xmm10, xmm9, 0x4e          ; swap quadwords
        movq rcx, xmm10                   ; high half of xmm9 is 0
        mov [rel r_pshufd], rcx
        movq rcx, xmm9
        mov [rel r_movq], rcx
        mov rax, -5000000000
        cvtsi2sd xmm11, rax
        addsd xmm11, xmm11
        cvttsd2si rdx, xmm11
        mov [rel r_cvt], rdx
        movdqa xmm12, [rel cmp_a]
        pcmpeqb xmm12, [rel cmp_b]
        mov r9, -1
        pmovmskb r9d, xmm12
        mov [rel r_mask], r9
        movdqa [rel r_cmpeqb], xmm12
        movdqa xmm13, [rel cmp_a]
        movdqa xmm14, [rel cmp_b]
        pcmpeqw xmm13, xmm14
        movdqa [rel r_cmpeqw], xmm13
        movdqa xmm11, [rel cmp_b]
        pandn xmm11, [rel cmp_a]
        movdqa [rel r_pandn], xmm11
        pcmpeqd xmm3, xmm3
        movd xmm3, [rel cmp_a + 4]
        movdqa [rel r_movd], xmm3
        pcmpeqd xmm4, xmm4
        movsd xmm4, [rel cmp_a + 8]
        movdqa [rel r_movsd], xmm4
        movsd [rel r_store], xmm4
        movss [rel r_store + 8], xmm4
        fxsave64 [rel fx64]
        push SEL_CODE32
        mov eax, compat_return
        push rax
        retfq

        bits 32
compat_return:
        CHECK [r_xmm15], 0x2468acf0, "paddq xmm15 low"
        CHECK [r_xmm15 + 12], 0x02020202, "paddq xmm15 high"
        CHECK [r_movq], 0x9abcdef0, "movq xmm9, rax low"
        CHECK [r_movq + 4], 0x12345678, "movq xmm9, rax high"
        CHECK [r_pshufd], 0, "pshufd upper zero"
        CHECK [r_cvt], 0xdabf41c00 & 0xffffffff, "cvttsd2si r64 low"
        CHECK [r_cvt + 4], 0xfffffffd, "cvttsd2si r64 high"
        CHECK [r_cmpeqb], 0x00ff00ff, "pcmpeqb xmm12, m128 bytes 0-3"
        CHECK [r_cmpeqb + 4], 0xff00ffff, "pcmpeqb xmm12, m128 bytes 4-7"
        CHECK [r_cmpeqb + 12], 0xff00ff00, "pcmpeqb xmm12, m128 bytes 12-15"
        CHECK [r_mask], 0xadb5, "pmovmskb r9d, xmm12"
        CHECK [r_mask + 4], 0, "pmovmskb r9d zero-extends"
        CHECK [r_cmpeqw], 0, "pcmpeqw words 0-1"
        CHECK [r_cmpeqw + 4], 0x0000ffff, "pcmpeqw words 2-3"
        CHECK [r_cmpeqw + 8], 0xffff0000, "pcmpeqw words 4-5"
        CHECK [r_pandn], 0x03000100, "pandn xmm11, m128 low"
        CHECK [r_pandn + 12], 0x000e000c, "pandn xmm11, m128 high"
        CHECK [r_movd], 0x77665544, "movd xmm3, m32"
        CHECK [r_movd + 4], 0, "movd xmm3, m32 clears bits 32-63"
        CHECK [r_movd + 12], 0, "movd xmm3, m32 clears bits 96-127"
        CHECK [r_movsd + 4], 0xffeeddcc, "movsd xmm4, m64 high dword"
        CHECK [r_movsd + 8], 0, "movsd xmm4, m64 clears bits 64-127"
        CHECK [r_store], 0xbbaa9988, "movsd m64, xmm4 low"
        CHECK [r_store + 4], 0xffeeddcc, "movsd m64, xmm4 high"
        CHECK [r_store + 8], 0xbbaa9988, "movss m32, xmm4"
        CHECK [r_store + 12], 0x5a5a5a5a, "movss m32 stores 4 bytes"
        CHECK [fx32 + 160], 0x12345678, "fxsave compat xmm0"
        CHECK [fx32 + 160 + 8 * 16], 0xdeadbeef, "fxsave compat leaves xmm8 slot"
        CHECK [fx64 + 160 + 15 * 16], 0x2468acf0, "fxsave64 xmm15"
        CHECK [fx64 + 160 + 8 * 16], 0x12345678, "fxsave64 xmm8"
        CHECK [fx64 + 24], 0x1f80, "fxsave64 mxcsr"
        ret

        align 16
rel_pattern: dd 0x12345678, 0x11111111, 0x22222222, 0x01010101
r_xmm15: times 16 db 0
r_movq:  dq 0
r_pshufd: dq 0
r_cvt:   dq 0
r_mask:  dq 0
        align 16
cmp_a:   db 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77
         db 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff
cmp_b:   db 0x00, 0x10, 0x22, 0x30, 0x44, 0x55, 0x60, 0x77
         db 0x88, 0x90, 0xaa, 0xbb, 0xc0, 0xdd, 0xe0, 0xff
r_cmpeqb: times 16 db 0
r_cmpeqw: times 16 db 0
r_pandn: times 16 db 0
r_movd:  times 16 db 0
r_movsd: times 16 db 0
r_store: times 16 db 0x5a
        align 16
fx32:    times 512 db 0
fx64:    times 512 db 0
