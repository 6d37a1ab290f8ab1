; icount.asm - a workload interrupted by the PIT: each IRQ0 records the
; RDTSC delta since the previous one and where the workload was (its loop
; counter), folded into checksums printed on the serial port. The checks
; only need the ticks to arrive; under -icount the printed lines must be
; identical from run to run (tests/guest/icount.sh compares them).
%include "guest.inc"
%include "pic.inc"

PIT_DIVISOR equ 1193              ; about 1 kHz
TICKS     equ 20
WORK_SRC  equ 0x400000
WORK_DST  equ 0x480000

test_main:
        mov ebx, irq0_handler
        call pic_init_irq0
        OUTB PIT_CMD, 0x34
        OUTB PIT_CH0, PIT_DIVISOR & 0xff
        OUTB PIT_CH0, PIT_DIVISOR >> 8
        rdtsc
        mov [last_tsc], eax
        OUTB PIC1_DATA, 0xfe
        cld
        xor ebp, ebp                      ; the workload's counter
        sti
.work:  inc ebp
        mov esi, WORK_SRC
        mov edi, WORK_DST
        mov ecx, ebp
        and ecx, 0x3fff
        rep movsb                         ; bulk and per-element paths
        mov eax, ebp
        imul eax, eax, 0x9e3779b1
        xor [WORK_SRC + 0x100], eax
        cmp dword [ticks], TICKS
        jb .work
        cli
        OUTB PIC1_DATA, 0xff
        xor eax, eax
        cmp dword [ticks], TICKS          ; one more may come before the CLI
        setae al
        CHECK eax, 1, "IRQ0 ticks during the workload"
        mov esi, str_tsc
        call puts
        mov eax, [tsc_sum]
        call put_hex
        mov esi, str_where
        call puts
        mov eax, [where_sum]
        call put_hex
        mov esi, str_eol
        call puts
        ret

irq0_handler:
        pushad
        rdtsc
        mov ebx, eax
        sub eax, [last_tsc]
        mov [last_tsc], ebx
        mov ecx, [tsc_sum]
        rol ecx, 5
        xor ecx, eax
        mov [tsc_sum], ecx
        mov ecx, [where_sum]
        rol ecx, 7
        xor ecx, ebp
        mov [where_sum], ecx
        inc dword [ticks]
        OUTB PIC1_CMD, 0x20
        popad
        iretd

ticks:     dd 0
last_tsc:  dd 0
tsc_sum:   dd 0
where_sum: dd 0
str_tsc:   db "TSC delta checksum ", 0
str_where: db " workload position checksum ", 0
