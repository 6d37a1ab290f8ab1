; pit.asm - the 8254 PIT and the 8259 PICs: IRQ0 delivered at the vector
; programmed by ICW2, EOI clearing the in-service bit, a masked IRQ never
; delivered, and a latched count read back from channel 0.
%include "guest.inc"
%include "pic.inc"

IRQ_BASE  equ 0x20
PIT_DIVISOR equ 1193              ; about 1 kHz
TICKS     equ 10

test_main:
        OUTB PIC1_CMD, 0x11               ; ICW1: edge, cascade, ICW4
        OUTB PIC2_CMD, 0x11
        OUTB PIC1_DATA, IRQ_BASE          ; ICW2: vector base
        OUTB PIC2_DATA, IRQ_BASE + 8
        OUTB PIC1_DATA, 0x04              ; ICW3: slave on IRQ2
        OUTB PIC2_DATA, 0x02
        OUTB PIC1_DATA, 0x01              ; ICW4: 8086 mode
        OUTB PIC2_DATA, 0x01
        OUTB PIC1_DATA, 0xff              ; everything masked
        OUTB PIC2_DATA, 0xff
        in al, PIC1_DATA
        movzx eax, al
        CHECK eax, 0xff, "PIC mask register reads back"

        mov eax, IRQ_BASE
        mov ebx, irq0_handler
        mov cx, SEL_CODE32
        mov dl, 0x8e
        call set_gate

        OUTB PIT_CMD, 0x34                ; channel 0, lo/hi, mode 2
        OUTB PIT_CH0, PIT_DIVISOR & 0xff
        OUTB PIT_CH0, PIT_DIVISOR >> 8

        OUTB PIT_CMD, 0x00                ; latch channel 0
        in al, PIT_CH0
        mov bl, al
        in al, PIT_CH0
        mov bh, al
        movzx eax, bx
        xor ecx, ecx
        cmp eax, PIT_DIVISOR
        setbe cl
        CHECK ecx, 1, "latched count within the divisor"

        OUTB PIC1_DATA, 0xfe              ; unmask IRQ0
        sti
.wait:  hlt
        cmp dword [ticks], TICKS
        jb .wait
        cli
        CHECK [ticks], TICKS, "IRQ0 delivered repeatedly"
        CHECK [bad_isr], 0, "IRQ0 in service inside its handler"
        OUTB PIC1_CMD, 0x0b               ; OCW3: read ISR
        in al, PIC1_CMD
        movzx eax, al
        CHECK eax, 0, "ISR clear after EOI"

        OUTB PIC1_DATA, 0xff              ; masked: no more ticks
        mov dword [ticks], 0
        sti
        mov ecx, 2000000
.spin:  loop .spin
        cli
        CHECK [ticks], 0, "masked IRQ0 not delivered"
        ret

irq0_handler:
        push eax
        OUTB PIC1_CMD, 0x0b               ; read ISR: IRQ0 must be in service
        in al, PIC1_CMD
        test al, 1
        jnz .ok
        inc dword [bad_isr]
.ok:    cmp dword [ticks], TICKS
        jae .eoi
        inc dword [ticks]
.eoi:   OUTB PIC1_CMD, 0x20               ; EOI
        pop eax
        iretd

ticks:   dd 0
bad_isr: dd 0
