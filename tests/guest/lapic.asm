; lapic.asm - the local APIC: ID and version, a fixed self-IPI delivered
; at its vector with its ISR bit set until EOI, TPR holding an IPI back
; until lowered, the timer in one-shot mode (exactly one interrupt), in
; periodic mode (repeated interrupts) and, where CPUID advertises it, in
; TSC-deadline mode (IA32_TSC_DEADLINE fires once, then reads 0).
%include "guest.inc"
%include "apic.inc"

IPI_VECTOR   equ 0x40
LOW_VECTOR   equ 0x31
TIMER_VECTOR equ 0x50

test_main:
        call pic_off
        call lapic_on
        mov eax, IPI_VECTOR
        mov ebx, ipi_handler
        call gate
        mov eax, LOW_VECTOR
        mov ebx, low_handler
        call gate
        mov eax, TIMER_VECTOR
        mov ebx, timer_handler
        call gate

        mov eax, [LAPIC + 0x30]
        and eax, 0xff
        xor ecx, ecx
        cmp eax, 0x10
        setae cl
        CHECK ecx, 1, "integrated APIC version"
        mov eax, [LAPIC + 0x30]
        shr eax, 16
        and eax, 0xff
        xor ecx, ecx
        cmp eax, 5
        setae cl
        CHECK ecx, 1, "at least 6 LVT entries"

        ; Self-IPI, fixed, edge: delivered once interrupts are enabled.
        mov dword [LAPIC_ICR], 0x40000 | IPI_VECTOR
        sti
        nop
        nop
        cli
        CHECK [ipi_count], 1, "self IPI delivered"
        CHECK [ipi_in_service], 1, "IPI vector in service in its handler"
        mov eax, [LAPIC_ISR + 0x20]       ; vectors 0x40-0x5f
        CHECK eax, 0, "ISR clear after EOI"

        ; TPR class 3 holds vector 0x31 back until TPR drops.
        mov dword [LAPIC_TPR], 0x30
        mov dword [LAPIC_ICR], 0x40000 | LOW_VECTOR
        sti
        nop
        nop
        cli
        CHECK [low_count], 0, "TPR masks a vector of its class"
        mov dword [LAPIC_TPR], 0
        sti
        nop
        nop
        cli
        CHECK [low_count], 1, "delivered after TPR lowered"

        ; One-shot timer: exactly one interrupt.
        mov dword [LAPIC_TIMER_DCR], 0x0b ; divide by 1
        mov dword [LAPIC_LVT_TIMER], TIMER_VECTOR
        mov dword [LAPIC_TIMER_INIT], 200000
        mov eax, [LAPIC_TIMER_CUR]
        xor ecx, ecx
        cmp eax, 200000
        setbe cl
        CHECK ecx, 1, "current count at most the initial count"
        mov esi, timer_count
        mov ecx, 1
        call wait_count
        CHECK [timer_count], 1, "one-shot timer fired"
        mov eax, [LAPIC_TIMER_CUR]
        CHECK eax, 0, "one-shot count stops at 0"
        mov ecx, 3000000
.spin:  loop .spin
        sti
        nop
        cli
        CHECK [timer_count], 1, "one-shot timer fired only once"

        ; Periodic timer: five interrupts (each ending a HLT), then masked.
        mov dword [timer_count], 0
        mov dword [LAPIC_LVT_TIMER], 0x20000 | TIMER_VECTOR
        mov dword [LAPIC_TIMER_INIT], 100000
        mov esi, timer_count
        mov ecx, 5
        call wait_hlt
        mov dword [LAPIC_LVT_TIMER], 0x30000 | TIMER_VECTOR
        xor ecx, ecx
        cmp dword [timer_count], 5
        setae cl
        CHECK ecx, 1, "periodic timer fired repeatedly"
        mov dword [LAPIC_TIMER_INIT], 0

        mov eax, 1
        cpuid
        test ecx, 1 << 24
        jz .no_deadline
        sti                               ; take a periodic tick still pending in IRR,
        nop                               ; so only the deadline can count below
        nop
        cli
        mov dword [timer_count], 0
        mov dword [LAPIC_LVT_TIMER], 0x40000 | TIMER_VECTOR
        rdtsc
        add eax, 200000
        adc edx, 0
        mov ecx, 0x6e0
        wrmsr
        mov esi, timer_count
        mov ecx, 1
        call wait_count
        CHECK [timer_count], 1, "TSC deadline fired"
        mov ecx, 0x6e0
        rdmsr
        or eax, edx
        CHECK eax, 0, "TSC deadline disarmed after firing"
        mov dword [LAPIC_LVT_TIMER], 0x10000 | TIMER_VECTOR
.no_deadline:
        CHECK [spurious_count], 0, "no spurious interrupt"
        ret

ipi_handler:
        push eax
        inc dword [ipi_count]
        mov eax, [LAPIC_ISR + 0x20]
        test eax, 1                       ; vector 0x40
        jz .eoi
        mov dword [ipi_in_service], 1
.eoi:   mov dword [LAPIC_EOI], 0
        pop eax
        iretd

low_handler:
        inc dword [low_count]
        mov dword [LAPIC_EOI], 0
        iretd

timer_handler:
        inc dword [timer_count]
        mov dword [LAPIC_EOI], 0
        iretd

ipi_count:      dd 0
ipi_in_service: dd 0
low_count:      dd 0
timer_count:    dd 0
