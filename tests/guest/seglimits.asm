; seglimits.asm - segment limit and access rights checks on data accesses:
; a write through a read-only data segment is #GP(0), an access beyond the
; stack segment's limit is #SS(0), beyond a data segment's limit #GP(0).
; qemu: skip (QEMU's TCG does not check data segment limits or rights; the
; expected results are those of the Intel SDM, Vol. 3A 5.3 and 6.15.)
%include "guest.inc"

SEL_RO_DATA equ SEL_SPARE0            ; read-only data segment
SEL_SMALL_SS equ SEL_SPARE0 + 8       ; stack: base 0x70000, limit 0xfff
SEL_SMALL_DS equ SEL_SPARE0 + 16      ; data: base 0x70000, limit 0xfff

test_main:
        mov eax, SEL_RO_DATA
        mov ebx, 0x0000ffff
        mov edx, 0x00cf9000
        call set_gdt
        mov eax, SEL_SMALL_SS
        mov ebx, 0x00000fff
        mov edx, 0x00409207
        call set_gdt
        mov eax, SEL_SMALL_DS
        call set_gdt

        mov ax, SEL_RO_DATA
        mov es, ax
        EXPECT_EXC .r11
.f11:   mov [es:scratch], eax
.r11:   EXC_RESULT "write to read-only segment", 13, 0, .f11
        mov ax, SEL_DATA32
        mov es, ax

        mov [saved_esp], esp
        mov ax, SEL_SMALL_SS
        mov ss, ax
        mov esp, 0xff0
        mov ebp, 0x2000
        EXPECT_EXC .r17
.f17:   mov eax, [ebp]
.r17:   mov ax, SEL_DATA32
        mov ss, ax
        mov esp, [saved_esp]
        EXC_RESULT "stack limit", 12, 0, .f17

        mov ax, SEL_SMALL_DS
        mov es, ax
        EXPECT_EXC .r19
.f19:   mov eax, [es:0xffe]               ; a dword across the limit
.r19:   mov ax, SEL_DATA32
        mov es, ax
        EXC_RESULT "data limit", 13, 0, .f19
        mov dword [exc_vector], 0xffffffff
        mov ax, SEL_SMALL_DS
        mov es, ax
        mov eax, [es:0xffc]
        mov ax, SEL_DATA32
        mov es, ax
        CHECK [exc_vector], 0xffffffff, "last dword within the limit"
        ret

saved_esp:  dd 0
scratch:    dd 0
