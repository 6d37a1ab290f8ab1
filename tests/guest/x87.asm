; x87.asm - the x87 through the whole pipeline (decoder, translator,
; h_fpu): memory formats (m32/m64/m80 real, m16/m32 integer, packed BCD),
; arithmetic, FSQRT/FRNDINT, constants, FCOMPP + FNSTSW AX, FCOMIP and
; FCMOV, the environment pointers, and an unmasked exception: ES/B set,
; then #MF on the next waiting instruction (CR0.NE = 1).
; QEMU stores no FOP and checks pending x87 exceptions only in FWAIT:
; qemu: skip
%include "guest.inc"

F_CF equ 0x001
F_PF equ 0x004
F_ZF equ 0x040

test_main:
        mov eax, cr0
        and eax, ~0xc                     ; EM = TS = 0
        or eax, 0x22                      ; MP, NE
        mov cr0, eax
        fninit

        fld dword [f_1_5]
        fadd qword [d_2_25]               ; 3.75
        fistp dword [tmp]
        CHECK [tmp], 4, "fld m32, fadd m64, fistp m32"

        fild dword [i_10]
        fidiv word [w_4]                  ; 2.5
        frndint                           ; nearest even
        fistp dword [tmp]
        CHECK [tmp], 2, "fild m32, fidiv m16, frndint"

        fld1
        fadd st0, st0
        fsqrt
        fmul st0, st0                     ; 2 within an ulp of extended
        fstp qword [tmp]
        CHECK [tmp + 4], 0x40000000, "fsqrt, fmul, fstp m64 high"
        CHECK [tmp], 0, "fsqrt, fmul, fstp m64 low"

        fldpi
        fstp tword [t80]
        CHECK [t80 + 4], 0xc90fdaa2, "fldpi high"
        CHECK [t80], 0x2168c235, "fldpi low (rounded to nearest)"

        fild dword [i_big]
        fchs
        fbstp tword [t80]
        CHECK [t80], 0x23456789, "fbstp digits"
        CHECK [t80 + 4], 1, "fbstp high digits"
        CHECK [t80 + 8], 0x8000, "fbstp sign"
        fbld tword [t80]
        fistp dword [tmp]
        CHECK [tmp], -123456789, "fbld"

        fld dword [f_1_5]
        fld1
        fcompp                            ; 1 < 1.5
        fnstsw ax
        and eax, 0x4500
        CHECK eax, 0x0100, "fcompp less, fnstsw ax"
        fnstsw ax
        and eax, 0x3800
        CHECK eax, 0, "fcompp pops twice"

        fld1
        fldz
        fcomi st0, st1                    ; 0 < 1
        CHECK_FLAGS F_CF | F_ZF | F_PF, F_CF, "fcomi below"
        fcmovb st0, st1
        fistp dword [tmp]
        CHECK [tmp], 1, "fcmovb"
        fstp st0

        fld qword [d_2_25]                ; FIP/FOP/FDP of this load
fld_at: fnstenv [env]
        CHECK [env + 12], fld_at - 6, "fnstenv fip"
        mov eax, [env + 16]
        shr eax, 16
        CHECK eax, 0x505, "fnstenv fop"
        CHECK [env + 20], d_2_25, "fnstenv fdp"
        fldenv [env]
        fstp st0

        fninit
        fnstcw [cw]
        and word [cw], ~4                 ; unmask ZE
        fldcw [cw]
        fldz
        fld1
        fdiv st0, st1
        fnstsw ax
        and eax, 0x8084
        CHECK eax, 0x8084, "unmasked ZE sets ES and B"
        EXPECT_EXC .r1
.f1:    fwait
.r1:    EXC_RESULT "fwait raises #MF", 16, 0xffffffff, .f1
        EXPECT_EXC .r2
.f2:    fadd st0, st0
.r2:    EXC_RESULT "fadd raises #MF", 16, 0xffffffff, .f2
        fnclex
        fadd st0, st0
        fninit
        ret

        align 8
d_2_25: dq 2.25
f_1_5:  dd 1.5
i_10:   dd 10
i_big:  dd 123456789
w_4:    dw 4
cw:     dw 0
        align 8
tmp:    dq 0
t80:    dt 0.0
        dw 0
env:    times 28 db 0
