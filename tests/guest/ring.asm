; ring.asm - privilege transitions: ring 0 -> 3 through IRET; back to
; ring 0 through a call gate (stack switch from the TSS, one parameter
; copied, RETF to ring 3) and through an interrupt gate (stack switch,
; IRET to ring 3); #GP from ring 3 for HLT, a DPL 0 data segment and an
; INT through a DPL 0 gate.
%include "guest.inc"

SEL_CALLGATE equ SEL_SPARE0 | 3

test_main:
        call setup_tss
        mov eax, SEL_CALLGATE
        mov ebx, gate_target
        and ebx, 0xffff
        or ebx, SEL_CODE32 << 16
        mov edx, gate_target
        and edx, 0xffff0000
        or edx, 0xec01                    ; present, DPL 3, 32-bit call gate, 1 parameter
        call set_gdt
        mov cx, SEL_CODE32
        mov eax, 0x80
        mov ebx, int80
        mov dl, 0xee                      ; present, DPL 3, 32-bit interrupt gate
        call set_gate
        mov eax, 0x81
        mov ebx, int81
        call set_gate
        mov eax, 0x82
        mov ebx, int81
        mov dl, 0x8e                      ; DPL 0: not for ring 3
        call set_gate

        mov [saved_esp], esp
        mov eax, user_main
        jmp enter_ring3
ring_done:
        CHECK [u_cpl], 3, "CPL 3 after IRET"
        CHECK [g_cpl], 0, "call gate: CPL 0"
        CHECK [g_esp], RING0_STACK - 20, "call gate: ESP from the TSS"
        CHECK [g_cs], SEL_UCODE, "call gate: caller CS"
        CHECK [g_param], 0xcafebabe, "call gate: parameter copied"
        CHECK [g_old_esp], USER_STACK - 4, "call gate: caller ESP"
        CHECK [g_old_ss], SEL_UDATA, "call gate: caller SS"
        CHECK [u_esp_after_call], USER_STACK, "RETF 4 back to ring 3: ESP"
        CHECK [u_ss_after_call], SEL_UDATA, "RETF back to ring 3: SS"
        CHECK [i_cpl], 0, "interrupt gate: CPL 0"
        CHECK [i_esp], RING0_STACK - 20, "interrupt gate: ESP from the TSS"
        CHECK [i_cs], SEL_UCODE, "interrupt gate: caller CS"
        CHECK [i_old_esp], USER_STACK, "interrupt gate: caller ESP"
        CHECK [i_old_ss], SEL_UDATA, "interrupt gate: caller SS"
        CHECK [u_esp_after_int], USER_STACK, "IRET back to ring 3: ESP"
        CHECK [u_cpl_after_int], 3, "IRET back to ring 3: CPL"

        EXPECT_EXC .r1
        mov eax, user_hlt
        jmp enter_ring3
.r1:    mov esp, [saved_esp]
        call kernel_segments
        EXC_RESULT "hlt in ring 3", 13, 0, user_hlt

        EXPECT_EXC .r2
        mov eax, user_load_ds
        jmp enter_ring3
.r2:    mov esp, [saved_esp]
        call kernel_segments
        EXC_RESULT "DPL 0 data segment in ring 3", 13, SEL_DATA32, user_load_ds.f

        EXPECT_EXC .r3
        mov eax, user_int82
        jmp enter_ring3
.r3:    mov esp, [saved_esp]
        call kernel_segments
        EXC_RESULT "int through a DPL 0 gate", 13, 0x82 * 8 + 2, user_int82
        ret

user_main:
        mov eax, cs
        and eax, 3
        mov [u_cpl], eax
        push dword 0xcafebabe
        call SEL_CALLGATE:0
        mov [u_esp_after_call], esp
        mov eax, ss
        mov [u_ss_after_call], eax
        int 0x80
        mov [u_esp_after_int], esp
        mov eax, cs
        and eax, 3
        mov [u_cpl_after_int], eax
        int 0x81                          ; home to ring 0

gate_target:
        mov eax, cs
        and eax, 3
        mov [g_cpl], eax
        mov [g_esp], esp
        mov eax, [esp + 4]
        mov [g_cs], eax
        mov eax, [esp + 8]
        mov [g_param], eax
        mov eax, [esp + 12]
        mov [g_old_esp], eax
        mov eax, [esp + 16]
        mov [g_old_ss], eax
        retf 4

int80:
        mov eax, cs
        and eax, 3
        mov [i_cpl], eax
        mov [i_esp], esp
        mov eax, [esp + 4]
        mov [i_cs], eax
        mov eax, [esp + 12]
        mov [i_old_esp], eax
        mov eax, [esp + 16]
        mov [i_old_ss], eax
        iretd

int81:
        mov esp, [saved_esp]
        call kernel_segments
        jmp ring_done

user_hlt:
        hlt
user_load_ds:
        mov ax, SEL_DATA32
.f:     mov ds, ax
user_int82:
        int 0x82

saved_esp:        dd 0
u_cpl:            dd 0
u_esp_after_call: dd 0
u_ss_after_call:  dd 0
u_esp_after_int:  dd 0
u_cpl_after_int:  dd 0
g_cpl:            dd 0xff
g_esp:            dd 0
g_cs:             dd 0
g_param:          dd 0
g_old_esp:        dd 0
g_old_ss:         dd 0
i_cpl:            dd 0xff
i_esp:            dd 0
i_cs:             dd 0
i_old_esp:        dd 0
i_old_ss:         dd 0
