; flags.asm - results and the defined EFLAGS bits of ADD/SUB/CMP/ADC/SBB/
; INC/DEC/NEG/logic/shifts/rotates/MUL/IMUL/DIV/IDIV and the BCD adjusts
; (DAA/DAS/AAA/AAS/AAM/AAD), in 32-bit protected mode. Each case masks the
; flags the SDM leaves undefined for that instruction.
%include "guest.inc"

F_CF equ 0x001
F_PF equ 0x004
F_AF equ 0x010
F_ZF equ 0x040
F_SF equ 0x080
F_OF equ 0x800
M_ALL   equ F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF
M_NOAF  equ M_ALL & ~F_AF
M_SHIFT equ F_CF | F_PF | F_ZF | F_SF
M_COOF  equ F_CF | F_OF
M_BCD   equ F_CF | F_PF | F_AF | F_ZF | F_SF
M_ASCII equ F_CF | F_AF
M_SZP   equ F_PF | F_ZF | F_SF

; OP {insn}, eax_in, ebx_in, carry_in, eax_out, flags, mask, "name"
%macro OP 8
        mov eax, %2
        mov ebx, %3
%if %4
        stc
%else
        clc
%endif
        %1
        pushfd
        pop esi
        CHECK eax, %5, {%8, " result"}
        and esi, %7
        CHECK esi, %6, {%8, " flags"}
%endmacro

test_main:
        OP {add eax, ebx}, 0x7fffffff, 1, 0, 0x80000000, 0x894, M_ALL, "add overflow"
        OP {add eax, ebx}, 0xffffffff, 1, 0, 0, 0x055, M_ALL, "add carry"
        OP {add al, bl}, 0x80, 0x80, 0, 0, 0x845, M_ALL, "add byte"
        OP {sub eax, ebx}, 0, 1, 0, 0xffffffff, 0x095, M_ALL, "sub borrow"
        OP {sub eax, ebx}, 0x80000000, 1, 0, 0x7fffffff, 0x814, M_ALL, "sub overflow"
        OP {cmp eax, ebx}, 5, 5, 1, 5, 0x044, M_ALL, "cmp equal"
        OP {adc eax, ebx}, 0xffffffff, 0, 1, 0, 0x055, M_ALL, "adc carry in"
        OP {adc eax, ebx}, 0x7fffffff, 0, 1, 0x80000000, 0x894, M_ALL, "adc overflow"
        OP {sbb eax, ebx}, 0, 0, 1, 0xffffffff, 0x095, M_ALL, "sbb borrow in"
        OP {sbb eax, ebx}, 0x80000000, 0, 1, 0x7fffffff, 0x814, M_ALL, "sbb overflow"
        OP {sbb eax, ebx}, 5, 5, 1, 0xffffffff, 0x095, M_ALL, "sbb equal"
        OP {inc eax}, 0x7fffffff, 0, 1, 0x80000000, 0x895, M_ALL, "inc keeps CF"
        OP {dec eax}, 0x80000000, 0, 0, 0x7fffffff, 0x814, M_ALL, "dec overflow"
        OP {inc eax}, 0xffffffff, 0, 0, 0, 0x054, M_ALL, "inc wrap"
        OP {neg eax}, 0, 0, 1, 0, 0x044, M_ALL, "neg zero"
        OP {neg eax}, 0x80000000, 0, 0, 0x80000000, 0x885, M_ALL, "neg min"
        OP {or eax, ebx}, 0x80000000, 0, 1, 0x80000000, 0x084, M_NOAF, "or"
        OP {and eax, ebx}, 0xf0f0, 0x0f0f, 1, 0, 0x044, M_NOAF, "and"
        OP {shl eax, 1}, 0x80000001, 0, 0, 2, 0x801, M_NOAF, "shl 1"
        OP {shr eax, 1}, 0x80000001, 0, 0, 0x40000000, 0x805, M_NOAF, "shr 1"
        OP {sar eax, 1}, 0x80000001, 0, 0, 0xc0000000, 0x085, M_NOAF, "sar 1"
        OP {shl eax, 4}, 0x10000001, 0, 0, 0x10, 0x001, M_SHIFT, "shl 4"
        OP {shr eax, 4}, 0x80000018, 0, 0, 0x08000001, 0x001, M_SHIFT, "shr 4"
        OP {sar eax, 31}, 0x80000000, 0, 0, 0xffffffff, 0x084, M_SHIFT, "sar 31"
        OP {shl ax, 1}, 0x4000, 0, 0, 0x8000, 0x884, M_NOAF, "shl word"
        OP {shr bl, 1}, 0x12345600, 0x81, 0, 0x12345600, 0x001, M_SHIFT, "shr byte"
        OP {xor ecx, ecx}, 0x7f, 0, 0, 0x7f, 0x044, M_NOAF, "xor"
        mov cl, 0
        OP {shl eax, cl}, 0x80000000, 0, 1, 0x80000000, 0x001, F_CF, "shl count 0"
        mov cl, 33
        OP {shl eax, cl}, 0x40000001, 0, 0, 0x80000002, 0x880, M_NOAF, "shl count masked"
        OP {rol eax, 1}, 0x80000000, 0, 0, 1, 0x801, M_COOF, "rol 1"
        OP {ror eax, 1}, 1, 0, 0, 0x80000000, 0x801, M_COOF, "ror 1"
        OP {rcl eax, 1}, 0, 0, 1, 1, 0x000, M_COOF, "rcl 1"
        OP {rcr eax, 1}, 1, 0, 0, 0, 0x001, M_COOF, "rcr 1"
        OP {rcr eax, 1}, 0, 0, 1, 0x80000000, 0x800, M_COOF, "rcr 1 carry in"
        OP {rol al, 4}, 0x12345678, 0, 0, 0x12345687, 0x001, F_CF, "rol byte 4"
        OP {rcl al, 9}, 0x81, 0, 0, 0x81, 0x000, F_CF, "rcl byte 9"
        OP {mul ebx}, 0x80000000, 2, 0, 0, 0x801, M_COOF, "mul high"
        CHECK edx, 1, "mul edx"
        OP {mul ebx}, 0x1000, 0x10, 1, 0x10000, 0, M_COOF, "mul low"
        CHECK edx, 0, "mul low edx"
        OP {mul bl}, 0x80, 2, 0, 0x100, 0x801, M_COOF, "mul byte"
        OP {imul ebx}, 0xffffffff, 2, 1, 0xfffffffe, 0, M_COOF, "imul one operand"
        CHECK edx, 0xffffffff, "imul edx"
        OP {imul eax, ebx}, 0x40000000, 2, 0, 0x80000000, 0x801, M_COOF, "imul overflow"
        OP {imul eax, ebx, 3}, 0, -5, 1, 0xfffffff1, 0, M_COOF, "imul three operand"
        xor edx, edx
        OP {imul bx}, 0x7fff, 0x7fff, 0, 0x0001, 0x801, M_COOF, "imul word"
        CHECK edx, 0x3fff, "imul word dx"

        mov edx, 1
        mov eax, 5
        mov ebx, 0x10
        div ebx
        CHECK eax, 0x10000000, "div quotient"
        CHECK edx, 5, "div remainder"
        mov edx, 0xffffffff
        mov eax, 0xfffffff9
        mov ebx, 2
        idiv ebx
        CHECK eax, 0xfffffffd, "idiv quotient"
        CHECK edx, 0xffffffff, "idiv remainder"
        mov eax, 0x0107
        mov bl, 0x10
        div bl
        CHECK eax, 0x0710, "div byte"
        mov eax, 0xfff9                   ; -7 in AX
        mov bl, 2
        idiv bl
        CHECK eax, 0xfffd, "idiv byte"    ; AL = -3, AH = -1

        OP {add al, bl}, 0x15, 0x27, 0, 0x3c, 0x004, M_ALL & ~F_OF, "bcd add"
        OP {daa}, 0x3c, 0, 0, 0x42, 0x014, M_BCD, "daa"
        mov eax, 0x99
        mov ebx, 1
        add al, bl
        daa
        pushfd
        pop edx
        and edx, M_BCD
        CHECK eax, 0, "daa carry result"
        CHECK edx, 0x055, "daa carry flags"
        mov eax, 0x42
        mov ebx, 0x15
        sub al, bl
        das
        pushfd
        pop edx
        and edx, M_BCD
        CHECK eax, 0x27, "das result"
        CHECK edx, 0x014, "das flags"
        mov eax, 0x10
        mov ebx, 0x20
        sub al, bl
        das
        pushfd
        pop edx
        and edx, M_BCD
        CHECK eax, 0x90, "das borrow result"
        CHECK edx, 0x085, "das borrow flags"
        mov eax, 9
        add al, 3
        aaa
        pushfd
        pop edx
        and edx, M_ASCII
        CHECK eax, 0x0102, "aaa result"
        CHECK edx, 0x011, "aaa flags"
        mov eax, 0x0205
        add al, 3
        aaa
        pushfd
        pop edx
        and edx, M_ASCII
        CHECK eax, 0x0208, "aaa no adjust"
        CHECK edx, 0, "aaa no adjust flags"
        mov eax, 0x0200
        sub al, 3
        aas
        pushfd
        pop edx
        and edx, M_ASCII
        CHECK eax, 0x0107, "aas result"
        CHECK edx, 0x011, "aas flags"
        OP {aam}, 0x4f, 0, 0, 0x0709, 0x004, M_SZP, "aam"
        OP {aam 16}, 0x4f, 0, 0, 0x040f, 0x004, M_SZP, "aam 16"
        OP {aad}, 0x0709, 0, 0, 0x004f, 0x000, M_SZP, "aad"
        OP {aad 16}, 0x0203, 0, 0, 0x0023, 0x000, M_SZP, "aad 16"
        OP {aad}, 0x0000, 0, 1, 0x0000, 0x044, M_SZP, "aad zero"
        ret
