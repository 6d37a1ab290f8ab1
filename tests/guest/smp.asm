; smp.asm - SMP bring-up as an OS does it: INIT, then STARTUP IPIs with
; vector 0x08 to APIC ID 1; the AP starts in real mode at 0x8000, counts
; itself in with a locked increment and records its initial APIC ID from
; CPUID, then halts. A second SIPI to the running AP is ignored.
; args: -smp 2
%include "guest.inc"
%include "apic.inc"

TRAMPOLINE  equ 0x8000
AP_COUNT    equ 0x7000            ; below 64 KiB: the real-mode AP addresses it
AP_APIC_ID  equ 0x7004

test_main:
        mov dword [AP_COUNT], 0
        mov dword [AP_APIC_ID], 0xffffffff
        mov esi, ap_trampoline
        mov edi, TRAMPOLINE
        mov ecx, ap_trampoline_end - ap_trampoline
        rep movsb
        call lapic_on

        mov dword [LAPIC_ICR_HI], 1 << 24
        mov dword [LAPIC_ICR], 0x4500     ; INIT, assert
        call delay
        mov dword [LAPIC_ICR], 0x8500     ; INIT level de-assert
        call delay
        mov dword [LAPIC_ICR], 0x4600 | (TRAMPOLINE >> 12)
        mov ecx, 50000000
.wait:  cmp dword [AP_COUNT], 1
        jae .up
        pause
        loop .wait
.up:    CHECK [AP_COUNT], 1, "AP started by INIT-SIPI"
        CHECK [AP_APIC_ID], 1, "AP runs with APIC ID 1"
        mov dword [LAPIC_ICR], 0x4600 | (TRAMPOLINE >> 12)
        call delay
        CHECK [AP_COUNT], 1, "SIPI to a running AP ignored"
        ret

; delay: a few hundred thousand instructions.
delay:
        push ecx
        mov ecx, 200000
.spin:  pause
        loop .spin
        pop ecx
        ret

; The AP's code, copied to TRAMPOLINE: real mode, CS = 0x0800, IP = 0.
        bits 16
ap_trampoline:
        cli
        xor ax, ax
        mov ds, ax
        mov eax, 1
        cpuid
        shr ebx, 24
        mov [AP_APIC_ID], ebx
        lock inc dword [AP_COUNT]
.halt:  hlt
        jmp .halt
ap_trampoline_end:
        bits 32
