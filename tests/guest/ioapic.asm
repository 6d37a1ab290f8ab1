; ioapic.asm - the I/O APIC: its version register (24 redirection entries),
; a redirection entry reading back, and the PIT's IRQ0 arriving through pin
; 2 (the MADT's interrupt source override) at the programmed vector on the
; local APIC of CPU 0, with the 8259s masked; masking the entry stops it.
%include "guest.inc"
%include "apic.inc"

PIT_VECTOR  equ 0x60
PIT_DIVISOR equ 1193              ; about 1 kHz
TICKS       equ 10
RTE_PIN2    equ 0x10 + 2 * 2

test_main:
        call pic_off
        call lapic_on
        mov eax, PIT_VECTOR
        mov ebx, pit_handler
        call gate

        mov eax, 1
        call ioapic_read
        shr eax, 16
        and eax, 0xff
        CHECK eax, 23, "24 redirection entries"

        mov eax, [LAPIC_ID]
        shr eax, 24
        mov ebx, eax
        shl ebx, 24
        mov eax, RTE_PIN2 + 1
        call ioapic_write                 ; destination: this CPU's APIC ID
        mov eax, RTE_PIN2
        mov ebx, 0x10000 | PIT_VECTOR     ; masked, fixed, physical, edge
        call ioapic_write
        mov eax, RTE_PIN2
        call ioapic_read
        and eax, 0x1ffff
        CHECK eax, 0x10000 | PIT_VECTOR, "redirection entry reads back"

        mov al, 0x34                      ; PIT channel 0, lo/hi, mode 2
        out 0x43, al
        mov al, PIT_DIVISOR & 0xff
        out 0x40, al
        mov al, PIT_DIVISOR >> 8
        out 0x40, al

        mov eax, RTE_PIN2
        mov ebx, PIT_VECTOR               ; unmasked
        call ioapic_write
        mov esi, ticks
        mov ecx, TICKS
        call wait_count
        mov eax, RTE_PIN2
        mov ebx, 0x10000 | PIT_VECTOR
        call ioapic_write
        xor ecx, ecx
        cmp dword [ticks], TICKS
        setae cl
        CHECK ecx, 1, "PIT interrupts through I/O APIC pin 2"

        mov dword [ticks], 0
        sti
        mov ecx, 3000000
.spin:  loop .spin
        cli
        CHECK [ticks], 0, "masked entry delivers nothing"
        CHECK [spurious_count], 0, "no spurious interrupt"
        ret

pit_handler:
        inc dword [ticks]
        mov dword [LAPIC_EOI], 0
        iretd

ticks: dd 0
