; hpet.asm - the HPET at 0xFED00000: capabilities (a 10 ns or finer period,
; at least 3 timers), the main counter running once enabled, and timer 0 in
; periodic 32-bit mode (as Linux programs it) delivering repeated interrupts
; through the highest I/O APIC pin its route capability offers, at the rate
; the period says.
%include "guest.inc"
%include "apic.inc"

HPET_VECTOR equ 0x70
TICKS       equ 5
PERIOD_NS   equ 1000000               ; 1 ms

test_main:
        call pic_off
        call lapic_on
        mov eax, HPET_VECTOR
        mov ebx, hpet_handler
        call gate

        mov eax, [HPET]
        shr eax, 8
        and eax, 0x1f
        xor ecx, ecx
        cmp eax, 2
        setae cl
        CHECK ecx, 1, "at least 3 timers"
        mov ebx, [HPET + 4]               ; period in fs
        xor ecx, ecx
        cmp ebx, 100000000                ; at most 100 ns
        setbe cl
        CHECK ecx, 1, "counter period at most 100 ns"
        mov eax, 1000000                  ; fs per ns
        mul dword [period_ns]
        div ebx
        mov [period_ticks], eax           ; ticks per PERIOD_NS

        ; Pick the highest I/O APIC pin timer 0 can route to.
        mov eax, [HPET + 0x104]
        bsr ecx, eax
        jnz .have_pin
        mov ecx, 0xff
.have_pin:
        mov [pin], ecx
        xor edx, edx
        cmp ecx, 24
        setb dl
        CHECK edx, 1, "timer 0 routes to an I/O APIC pin"

        mov eax, [pin]
        lea eax, [0x10 + eax * 2 + 1]
        mov ebx, [LAPIC_ID]
        and ebx, 0xff000000
        call ioapic_write
        mov eax, [pin]
        lea eax, [0x10 + eax * 2]
        mov ebx, HPET_VECTOR              ; fixed, physical, edge, unmasked
        call ioapic_write

        mov dword [HPET + 0x10], 0        ; halted, no legacy route
        mov dword [HPET + 0xf0], 0
        mov dword [HPET + 0xf4], 0
        mov eax, [pin]
        shl eax, 9
        or eax, 0x14c                     ; INT_ENB, periodic, VAL_SET, 32-bit, edge
        mov [HPET + 0x100], eax
        mov eax, [period_ticks]
        mov [HPET + 0x108], eax           ; first match and period
        mov dword [HPET + 0x10], 1        ; run

        mov esi, ticks
        mov ecx, TICKS
        call wait_count
        mov eax, [HPET + 0xf0]            ; counter after TICKS periods
        mov dword [HPET + 0x10], 0
        xor ecx, ecx
        cmp dword [ticks], TICKS
        setae cl
        CHECK ecx, 1, "periodic HPET interrupts arrive"
        mov ebx, [period_ticks]
        imul ebx, TICKS
        xor ecx, ecx
        cmp eax, ebx
        setae cl
        CHECK ecx, 1, "not before TICKS periods of the counter"
        CHECK [spurious_count], 0, "no spurious interrupt"
        ret

hpet_handler:
        inc dword [ticks]
        mov dword [LAPIC_EOI], 0
        iretd

period_ns:    dd PERIOD_NS
period_ticks: dd 0
pin:          dd 0
ticks:        dd 0
