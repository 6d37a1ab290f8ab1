; sse.asm - MMX/SSE through the real decoder, translator and helper, in
; 32-bit protected mode: the CR0/CR4 rules (#UD without CR4.OSFXSR or with
; CR0.EM, #NM with CR0.TS), alignment #GP(0) of aligned forms, #XM for an
; unmasked SIMD exception (#UD without CR4.OSXMMEXCPT), register and memory
; moves (inline and helper paths), arithmetic, COMISS flags, conversions,
; PSHUFB, PCMPISTRI, CRC32, MMX with EMMS, LDMXCSR/STMXCSR and an
; FXSAVE/FXRSTOR round trip.
; qemu: skip (QEMU's TCG raises neither #XM nor #GP for LDMXCSR; the rest
; of this file was checked against qemu-system-i386 -cpu max)
%include "guest.inc"

CR0_EM equ 1 << 2
CR0_TS equ 1 << 3
CR4_OSFXSR equ 1 << 9
CR4_OSXMMEXCPT equ 1 << 10

; CHECK_DW label, index, expected, "name": one dword of a memory vector.
%macro CHECK_DW 4
        CHECK [%1 + 4 * %2], %3, %4
%endmacro

test_main:
        ; --- CR4.OSFXSR clear: SSE is #UD, MMX works ---
        mov eax, cr0
        and eax, ~(CR0_EM | CR0_TS)
        mov cr0, eax
        mov eax, cr4
        and eax, ~(CR4_OSFXSR | CR4_OSXMMEXCPT)
        mov cr4, eax
        EXPECT_EXC .r1
.f1:    addps xmm0, xmm1
.r1:    EXC_RESULT "addps without OSFXSR", 6, 0xffffffff, .f1
        mov eax, 0x01020304
        movd mm0, eax
        paddb mm0, mm0
        movd ebx, mm0
        emms
        CHECK ebx, 0x02040608, "mmx without OSFXSR"

        mov eax, cr4
        or eax, CR4_OSFXSR | CR4_OSXMMEXCPT
        mov cr4, eax

        ; --- CR0.TS: #NM; CR0.EM: #UD ---
        mov eax, cr0
        or eax, CR0_TS
        mov cr0, eax
        EXPECT_EXC .r2
.f2:    movaps xmm0, xmm1
.r2:    EXC_RESULT "movaps with TS", 7, 0xffffffff, .f2
        clts
        mov eax, cr0
        or eax, CR0_EM
        mov cr0, eax
        EXPECT_EXC .r3
.f3:    pxor xmm0, xmm0
.r3:    EXC_RESULT "pxor with EM", 6, 0xffffffff, .f3
        EXPECT_EXC .r3b
.f3b:   fxsave [fxarea]
.r3b:   EXC_RESULT "fxsave with EM", 7, 0xffffffff, .f3b
        mov eax, cr0
        and eax, ~CR0_EM
        mov cr0, eax

        ; --- moves and alignment ---
        movaps xmm0, [vec_a]
        movaps xmm1, xmm0               ; inline register move
        movups [out + 4], xmm1          ; unaligned store
        CHECK_DW out, 1, 0x3f800000, "movups store 0"
        CHECK_DW out, 4, 0x40800000, "movups store 3"
        EXPECT_EXC .r4
.f4:    movaps xmm2, [out + 4]
.r4:    EXC_RESULT "movaps misaligned", 13, 0, .f4
        movdqu xmm2, [out + 4]
        pxor xmm2, xmm0                 ; inline logic
        movdqa [out], xmm2
        CHECK_DW out, 0, 0, "pxor"
        CHECK_DW out, 3, 0, "pxor high"

        ; --- arithmetic ---
        movaps xmm0, [vec_a]
        addps xmm0, [vec_b]             ; {1,2,3,4} + {0.5,0.5,0.5,0.5}
        movaps [out], xmm0
        CHECK_DW out, 0, 0x3fc00000, "addps 0"
        CHECK_DW out, 3, 0x40900000, "addps 3"
        movaps xmm0, [vec_a]
        mulss xmm0, xmm0
        sqrtss xmm0, xmm0
        movd eax, xmm0
        CHECK eax, 0x3f800000, "mulss sqrtss"
        movss xmm1, [vec_a + 4]         ; 2.0
        comiss xmm0, xmm1
        CHECK_FLAGS 0x8d5, 0x001, "comiss less"
        ucomiss xmm1, xmm1
        CHECK_FLAGS 0x8d5, 0x040, "ucomiss equal"
        mov eax, -7
        cvtsi2ss xmm3, eax
        mulss xmm3, [vec_b]             ; -3.5
        cvtss2si ebx, xmm3              ; nearest even: -4
        cvttss2si ecx, xmm3             ; -3
        CHECK ebx, -4, "cvtss2si"
        CHECK ecx, -3, "cvttss2si"

        ; --- unmasked divide by zero: #XM, then #UD without OSXMMEXCPT ---
        mov dword [mxcsr_save], 0x1f80
        ldmxcsr [mxcsr_save]
        stmxcsr [mxcsr_tmp]
        CHECK [mxcsr_tmp], 0x1f80, "ldmxcsr/stmxcsr"
        mov dword [mxcsr_tmp], 0x1d80   ; ZM clear
        ldmxcsr [mxcsr_tmp]
        xorps xmm1, xmm1
        movaps xmm0, [vec_a]
        EXPECT_EXC .r5
.f5:    divss xmm0, xmm1
.r5:    EXC_RESULT "divss unmasked", 19, 0xffffffff, .f5
        movd eax, xmm0
        CHECK eax, 0x3f800000, "divss destination kept"
        stmxcsr [mxcsr_tmp]
        CHECK [mxcsr_tmp], 0x1d84, "mxcsr ZE"
        mov eax, cr4
        and eax, ~CR4_OSXMMEXCPT
        mov cr4, eax
        EXPECT_EXC .r6
.f6:    divps xmm0, xmm1
.r6:    EXC_RESULT "divps unmasked no OSXMMEXCPT", 6, 0xffffffff, .f6
        mov eax, cr4
        or eax, CR4_OSXMMEXCPT
        mov cr4, eax
        ldmxcsr [mxcsr_save]
        mov dword [mxcsr_tmp], 0x10000
        EXPECT_EXC .r7
.f7:    ldmxcsr [mxcsr_tmp]
.r7:    EXC_RESULT "ldmxcsr reserved", 13, 0, .f7

        ; --- SSSE3 / SSE4.2: run when CPUID advertises them, else #UD ---
        mov eax, 1
        cpuid
        test ecx, 1 << 9
        jnz .ssse3
        EXPECT_EXC .r9
.f9:    pshufb xmm0, xmm1
.r9:    EXC_RESULT "pshufb without SSSE3", 6, 0xffffffff, .f9
        jmp .sse42_probe
.ssse3: movdqa xmm0, [str_hello]
        pshufb xmm0, [shuf_rev]
        movdqa [out], xmm0
        CHECK_DW out, 0, 0x00000000, "pshufb low"
        CHECK_DW out, 3, 0x68656c6c, "pshufb high"
.sse42_probe:
        mov eax, 1
        cpuid
        test ecx, 1 << 20
        jnz .sse42
        EXPECT_EXC .r10
.f10:   crc32 eax, ebx
.r10:   EXC_RESULT "crc32 without SSE4.2", 6, 0xffffffff, .f10
        jmp .fx
.sse42: movdqa xmm0, [set_lo]
        pcmpistri xmm0, [str_hello], 0x00   ; first byte of str in set "lo"
        CHECK ecx, 2, "pcmpistri"
        mov eax, 0xffffffff
        mov ebx, 0x12345678
        crc32 eax, ebx
        CHECK eax, 0x4dece20c, "crc32"

.fx:
        ; --- FXSAVE / FXRSTOR round trip ---
        movaps xmm7, [vec_b]
        fxsave [fxarea]
        CHECK [fxarea + 24], 0x1f80, "fxsave mxcsr"
        CHECK [fxarea + 160 + 7 * 16], 0x3f000000, "fxsave xmm7"
        xorps xmm7, xmm7
        fxrstor [fxarea]
        movd eax, xmm7
        CHECK eax, 0x3f000000, "fxrstor xmm7"
        EXPECT_EXC .r8
.f8:    fxsave [fxarea + 8]
.r8:    EXC_RESULT "fxsave misaligned", 13, 0, .f8
        ret

        align 16
vec_a:  dd 1.0, 2.0, 3.0, 4.0
vec_b:  dd 0.5, 0.5, 0.5, 0.5
str_hello: db "hello", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
shuf_rev:  db 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0
set_lo:    db "lo", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
out:    times 32 db 0
mxcsr_save: dd 0
mxcsr_tmp:  dd 0
        align 16
fxarea: times 512 db 0
