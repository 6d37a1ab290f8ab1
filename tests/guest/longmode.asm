; longmode.asm - 4-level paging: enters long mode, reads and writes through
; 2 MiB and 1 GiB pages and a 4 KiB page at a virtual address above 4 GiB
; (PML4 index 1), checks the accessed/dirty bits of all four levels, and
; returns to 32-bit compatibility mode to report (exceptions cannot be
; taken: the IDT of guest.inc has 32-bit gates, so only positive checks).
; qemu: skip (QEMU's default 32-bit CPU has no long mode; the test passes
; under qemu-system-x86_64 -cpu max)
%include "guest.inc"

PML4    equ 0x200000
PDPT0   equ 0x201000            ; 0-512 GiB
PD0     equ 0x202000            ; 0-1 GiB
PDPT1   equ 0x203000            ; 512 GiB-1 TiB
PD1     equ 0x204000
PT1     equ 0x205000
PG_PRW  equ 3
PG_A    equ 0x20
PG_D    equ 0x40
PG_PS   equ 0x80
VA_HIGH equ 0x8000000000        ; PML4 index 1 -> 0x300000
VA_1G   equ 0x40000000          ; 1 GiB page -> physical 0
SEL_CODE64 equ SEL_SPARE0
EFER    equ 0xc0000080

test_main:
        cld
        mov edi, PML4
        xor eax, eax
        mov ecx, 6 * 1024
        rep stosd
        mov dword [PML4 + 0 * 8], PDPT0 | PG_PRW
        mov dword [PML4 + 1 * 8], PDPT1 | PG_PRW
        mov dword [PDPT0 + 0 * 8], PD0 | PG_PRW
        mov dword [PDPT0 + 1 * 8], 0 | PG_PRW | PG_PS                ; 1 GiB page
        mov dword [PD0 + 0 * 8], 0x000000 | PG_PRW | PG_PS
        mov dword [PD0 + 1 * 8], 0x200000 | PG_PRW | PG_PS
        mov dword [PDPT1], PD1 | PG_PRW
        mov dword [PD1], PT1 | PG_PRW
        mov dword [PT1], 0x300000 | PG_PRW
        mov dword [0x300000], 0x5a5a5a5a
        mov dword [0x310000], 0x0f0f0f0f

        mov eax, SEL_CODE64
        mov ebx, 0x0000ffff
        mov edx, 0x00af9a00               ; present, DPL 0, code, L=1
        call set_gdt
        mov eax, cr4
        or eax, 0x20                      ; PAE
        mov cr4, eax
        mov eax, PML4
        mov cr3, eax
        mov ecx, EFER
        rdmsr
        or eax, 1 << 8                    ; LME
        wrmsr
        mov eax, cr0
        or eax, 0x80000000
        mov cr0, eax                      ; LMA: 32-bit compatibility mode
        jmp SEL_CODE64:long_entry

        bits 64
long_entry:
        mov rbx, VA_HIGH
        mov eax, [rbx]
        mov [r_high], eax
        mov dword [rbx + 4], 0xc3c3c3c3
        mov rbx, VA_1G + 0x310000
        mov eax, [rbx]
        mov [r_1g], eax
        mov rax, 0x123456789
        mov [rbx + 8], rax
        push SEL_CODE32
        mov eax, compat_return
        push rax
        retfq

        bits 32
compat_return:
        CHECK [r_high], 0x5a5a5a5a, "read above 4 GiB through a 4 KiB page"
        CHECK [0x300004], 0xc3c3c3c3, "write above 4 GiB"
        CHECK [PML4 + 8], PDPT1 | PG_PRW | PG_A, "PML4E accessed"
        CHECK [PDPT1], PD1 | PG_PRW | PG_A, "PDPTE accessed"
        CHECK [PD1], PT1 | PG_PRW | PG_A, "PDE accessed"
        CHECK [PT1], 0x300000 | PG_PRW | PG_A | PG_D, "PTE accessed and dirty"
        CHECK [r_1g], 0x0f0f0f0f, "read through a 1 GiB page"
        CHECK [0x310008], 0x23456789, "write through a 1 GiB page, low half"
        CHECK [0x31000c], 1, "write through a 1 GiB page, high half"
        CHECK [PDPT0 + 8], PG_PRW | PG_PS | PG_A | PG_D, "1 GiB PDPTE accessed and dirty"
        CHECK [PD0], PG_PRW | PG_PS | PG_A | PG_D, "2 MiB PDE of the code accessed and dirty"
        ret

        align 4
r_high:    dd 0
r_1g:      dd 0
