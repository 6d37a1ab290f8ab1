; task.asm - hardware task switches: JMP to a TSS (busy bits move, no
; link, registers saved and restored), CALL to a TSS (link field, NT set,
; the caller stays busy) and IRET with NT back to the caller, and a task
; gate in the IDT.
%include "guest.inc"

SEL_TSS_B   equ SEL_SPARE0
TASK_B_STACK equ 0x60000

; TSS field offsets
T_LINK equ 0
T_CR3 equ 28
T_EIP equ 32
T_EFLAGS equ 36
T_EBX equ 52
T_ESP equ 56
T_ES equ 72
T_CS equ 76
T_SS equ 80
T_DS equ 84
T_FS equ 88
T_GS equ 92

; descriptor type byte (access) of a GDT selector, in eax
%macro GDT_ACCESS 1
        movzx eax, byte [gdt + (%1 & ~7) + 5]
%endmacro

test_main:
        call setup_tss
        mov eax, task_b_jmp
        call init_tss_b

        mov ebx, 0x1234
        mov esi, 0x5678
        jmp SEL_TSS_B:0
        CHECK ebx, 0x1234, "JMP task: EBX restored on return"
        CHECK esi, 0x5678, "JMP task: ESI restored on return"
        CHECK [b_tr], SEL_TSS_B, "JMP task: TR in the new task"
        CHECK [b_access_self], 0x8b, "JMP task: new TSS busy"
        CHECK [b_access_old], 0x89, "JMP task: old TSS not busy"
        CHECK [b_nt], 0, "JMP task: NT clear"
        CHECK [b_ebx], 0, "JMP task: registers from the new TSS"
        CHECK [tss_b + T_LINK], 0, "JMP task: no back link"
        GDT_ACCESS SEL_TSS_B
        CHECK eax, 0x89, "JMP back: task B no longer busy"
        str eax
        CHECK eax, SEL_TSS, "JMP back: TR"

        mov eax, task_b_call
        call init_tss_b
        call SEL_TSS_B:0
        pushfd
        pop eax
        and eax, 0x4000
        CHECK eax, 0, "IRET to caller: NT clear in the caller"
        CHECK [b_nt], 0x4000, "CALL task: NT set"
        CHECK [b_link], SEL_TSS, "CALL task: back link"
        CHECK [b_access_old], 0x8b, "CALL task: caller stays busy"
        GDT_ACCESS SEL_TSS_B
        CHECK eax, 0x89, "IRET: task B no longer busy"
        str eax
        CHECK eax, SEL_TSS, "IRET: TR back to the caller"

        mov eax, task_b_call
        call init_tss_b
        mov eax, 0x50
        mov ebx, 0                         ; offset unused in a task gate
        mov cx, SEL_TSS_B
        mov dl, 0x85                       ; present, DPL 0, task gate
        call set_gate
        mov dword [b_link], 0
        mov dword [b_nt], 0xffffffff
        int 0x50
        CHECK [b_link], SEL_TSS, "task gate: back link"
        CHECK [b_nt], 0x4000, "task gate: NT set"
        ret

; init_tss_b(eip = eax): a fresh task B, available (not busy).
init_tss_b:
        mov edi, tss_b
        push eax
        xor eax, eax
        mov ecx, 104 / 4
        cld
        rep stosd
        pop eax
        mov [tss_b + T_EIP], eax
        mov dword [tss_b + T_EFLAGS], 2
        mov dword [tss_b + T_ESP], TASK_B_STACK
        mov dword [tss_b + T_CS], SEL_CODE32
        mov eax, SEL_DATA32
        mov [tss_b + T_ES], eax
        mov [tss_b + T_SS], eax
        mov [tss_b + T_DS], eax
        mov [tss_b + T_FS], eax
        mov [tss_b + T_GS], eax
        mov eax, cr3
        mov [tss_b + T_CR3], eax
        mov word [tss_b + 102], 104
        mov eax, SEL_TSS_B
        mov ebx, tss_b
        shl ebx, 16
        or ebx, 103
        mov edx, tss_b
        shr edx, 16
        and edx, 0xff
        or edx, 0x8900
        mov ecx, tss_b
        and ecx, 0xff000000
        or edx, ecx
        call set_gdt
        ret

; the state task B reports
record_b:
        mov [b_ebx], ebx
        str eax
        mov [b_tr], eax
        GDT_ACCESS SEL_TSS_B
        mov [b_access_self], eax
        GDT_ACCESS SEL_TSS
        mov [b_access_old], eax
        pushfd
        pop eax
        and eax, 0x4000
        mov [b_nt], eax
        mov eax, [tss_b + T_LINK]
        mov [b_link], eax
        ret

task_b_jmp:
        call record_b
        mov ebx, 0xdead
        mov esi, 0xbeef
        jmp SEL_TSS:0

task_b_call:
        call record_b
        iretd

b_ebx:         dd 0xffffffff
b_tr:          dd 0
b_access_self: dd 0
b_access_old:  dd 0
b_nt:          dd 0xffffffff
b_link:        dd 0
        align 4
tss_b:  times 104 db 0
