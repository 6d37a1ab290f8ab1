; exceptions.asm - protected-mode exceptions through the IDT: vector,
; error code and saved EIP of #DE (DIV, IDIV overflow, AAM 0), #UD (UD2,
; LOCK on a non-lockable instruction, MOV CS), #GP with selector and IDT
; error codes, #NP for a segment and a gate, #SS for a not-present stack
; segment, and the traps INT3/INTO and the fault #BR. (#PF with CR2 and
; its error codes is in paging.asm; segment limit and rights checks, which
; QEMU does not emulate, are in seglimits.asm.)
%include "guest.inc"

SEL_NP_DATA equ SEL_SPARE0            ; data segment, not present

test_main:
        mov eax, SEL_NP_DATA
        mov ebx, 0x0000ffff
        mov edx, 0x00cf1200
        call set_gdt

        EXPECT_EXC .r1
        xor ecx, ecx
        mov eax, 1
        xor edx, edx
.f1:    div ecx
.r1:    EXC_RESULT "div by zero", 0, 0xffffffff, .f1

        EXPECT_EXC .r2
        mov edx, 0xffffffff
        mov eax, 0x80000000
        mov ecx, -1
.f2:    idiv ecx
.r2:    EXC_RESULT "idiv overflow", 0, 0xffffffff, .f2

        EXPECT_EXC .r3
        mov eax, 0x1234
.f3:    aam 0
.r3:    EXC_RESULT "aam 0", 0, 0xffffffff, .f3
        CHECK eax, 0x1234, "aam 0 leaves AX"

        EXPECT_EXC .r4
.f4:    ud2
.r4:    EXC_RESULT "ud2", 6, 0xffffffff, .f4

        EXPECT_EXC .r5
.f5:    db 0xf0, 0x90                     ; lock nop
.r5:    EXC_RESULT "lock nop", 6, 0xffffffff, .f5

        EXPECT_EXC .r6
        mov eax, SEL_CODE32
.f6:    db 0x8e, 0xc8                     ; mov cs, ax
.r6:    EXC_RESULT "mov cs", 6, 0xffffffff, .f6

        EXPECT_EXC .r7
        mov ax, 0x1000
.f7:    mov ds, ax
.r7:    EXC_RESULT "selector beyond gdt limit", 13, 0x1000, .f7

        EXPECT_EXC .r8
        xor eax, eax
.f8:    mov ss, ax
.r8:    EXC_RESULT "null ss", 13, 0, .f8

        EXPECT_EXC .r9
        mov ax, SEL_CODE32
.f9:    mov ss, ax
.r9:    EXC_RESULT "code segment in ss", 13, SEL_CODE32, .f9

        EXPECT_EXC .r10
.f10:   jmp SEL_DATA32:.r10
.r10:   EXC_RESULT "far jmp to data segment", 13, SEL_DATA32, .f10

        lidt [small_idt_desc]
        EXPECT_EXC .r12
.f12:   int 0x40
.r12:   lidt [idt_desc]
        EXC_RESULT "int beyond idt limit", 13, 0x202, .f12

        EXPECT_EXC .r13
.f13:   int 0x42
.r13:   EXC_RESULT "int through empty idt entry", 13, 0x212, .f13

        mov eax, 0x41
        mov ebx, .r14
        mov cx, SEL_CODE32
        mov dl, 0x0e                      ; 32-bit interrupt gate, not present
        call set_gate
        EXPECT_EXC .r14
.f14:   int 0x41
.r14:   EXC_RESULT "not-present gate", 11, 0x20a, .f14

        EXPECT_EXC .r15
        mov ax, SEL_NP_DATA
.f15:   mov ds, ax
.r15:   EXC_RESULT "not-present data segment", 11, SEL_NP_DATA, .f15

        EXPECT_EXC .r16
        mov ax, SEL_NP_DATA
.f16:   mov ss, ax
.r16:   EXC_RESULT "not-present stack segment", 12, SEL_NP_DATA, .f16

        call install_traps
        int3
.after_int3:
        CHECK [trap_seen], 3, "int3 handler ran"
        CHECK [trap_eip], .after_int3, "int3 saved eip is the next instruction"
        mov eax, 0x7fffffff
        add eax, 1                        ; OF = 1
        into
.after_into:
        CHECK [trap_seen], 4, "into handler ran"
        CHECK [trap_eip], .after_into, "into saved eip is the next instruction"

        EXPECT_EXC .r18
        mov eax, 10
.f18:   bound eax, [bounds]
.r18:   EXC_RESULT "bound", 5, 0xffffffff, .f18
        mov eax, 5
        bound eax, [bounds]
        CHECK eax, 5, "bound within range"
        ret

; INT3/INTO are traps: handlers record the vector and return normally.
trap3:
        mov dword [trap_seen], 3
        push eax
        mov eax, [esp + 4]
        mov [trap_eip], eax
        pop eax
        iretd
trap4:
        mov dword [trap_seen], 4
        push eax
        mov eax, [esp + 4]
        mov [trap_eip], eax
        pop eax
        iretd

install_traps:
        mov eax, 3
        mov ebx, trap3
        mov cx, SEL_CODE32
        mov dl, 0x8f                      ; trap gate
        call set_gate
        mov eax, 4
        mov ebx, trap4
        call set_gate
        ret

small_idt_desc:
        dw 32 * 8 - 1
        dd idt
bounds:     dd 0, 9
trap_seen:  dd 0
trap_eip:   dd 0
