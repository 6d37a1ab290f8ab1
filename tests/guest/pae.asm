; pae.asm - PAE paging from 32-bit code: 4 KiB pages and 2 MiB pages
; (PDE.PS), accessed/dirty bits in 64-bit entries, no accessed bit in the
; PDPTEs, execute-disable (EFER.NXE) with the I/D bit of the #PF error
; code, and a reserved physical-address bit (RSVD).
; qemu: skip (QEMU sets the accessed bit in PAE PDPTEs, where the SDM reserves
; it, reports RSVD faults without the P bit the SDM requires with it, and its
; default 32-bit CPU has no NX; under -cpu max only those two checks differ)
%include "guest.inc"

PDPT    equ 0x200000            ; 4 entries, 32-byte aligned
PD0     equ 0x201000            ; 0-1 GiB
PD1     equ 0x202000            ; 1-2 GiB
PT_LOW  equ 0x203000            ; identity map of 0-2 MiB
PT_TEST equ 0x204000            ; the page table of 0x40000000
PG_P    equ 1
PG_RW   equ 2
PG_A    equ 0x20
PG_D    equ 0x40
PG_PS   equ 0x80
NX_HI   equ 0x80000000          ; bit 63, in the high dword
VA      equ 0x40000000          ; -> 0x300000
VA_NX   equ 0x40001000          ; -> 0x301000, execute-disable
VA_RSVD equ 0x40002000          ; -> 0x302000 with physical bit 40 set
VA_BIG  equ 0x40200000          ; 2 MiB page -> 0x400000
EFER    equ 0xc0000080

test_main:
        cld
        mov edi, PDPT
        xor eax, eax
        mov ecx, 5 * 1024
        rep stosd
        mov edi, PT_LOW
        mov eax, PG_P | PG_RW
.fill:  mov [edi], eax
        add edi, 8
        add eax, 0x1000
        cmp edi, PT_LOW + 4096
        jb .fill
        mov dword [PDPT + 0 * 8], PD0 | PG_P
        mov dword [PDPT + 1 * 8], PD1 | PG_P
        mov dword [PD0 + 0 * 8], PT_LOW | PG_P | PG_RW
        mov dword [PD0 + 1 * 8], 0x200000 | PG_P | PG_RW | PG_PS    ; the tables' own 2 MiB
        mov dword [PD0 + 2 * 8], 0x400000 | PG_P | PG_RW | PG_PS    ; 4-6 MiB, to check
        mov dword [PD1 + 0 * 8], PT_TEST | PG_P | PG_RW
        mov dword [PD1 + 1 * 8], 0x400000 | PG_P | PG_RW | PG_PS
        mov dword [PT_TEST + 0 * 8], 0x300000 | PG_P | PG_RW
        mov dword [PT_TEST + 1 * 8], 0x301000 | PG_P | PG_RW
        mov dword [PT_TEST + 1 * 8 + 4], NX_HI
        mov dword [PT_TEST + 2 * 8], 0x302000 | PG_P | PG_RW
        mov dword [PT_TEST + 2 * 8 + 4], 0x100                      ; physical bit 40
        mov dword [0x300000], 0x11111111
        mov byte [0x301000], 0xc3                                   ; ret
        mov dword [0x400010], 0x22222222

        mov ecx, EFER
        rdmsr
        or eax, 1 << 11                   ; NXE
        wrmsr
        mov eax, cr4
        or eax, 0x20                      ; PAE
        mov cr4, eax
        mov eax, PDPT
        mov cr3, eax
        mov eax, cr0
        or eax, 0x80000000
        mov cr0, eax
        CHECK [mb_magic], 0x2badb002, "identity mapping after CR0.PG"

        mov eax, [VA]
        CHECK eax, 0x11111111, "read through a 4 KiB PAE page"
        CHECK [PT_TEST], 0x300000 | PG_P | PG_RW | PG_A, "PTE accessed after read"
        CHECK [PD1], PT_TEST | PG_P | PG_RW | PG_A, "PDE accessed"
        CHECK [PDPT + 8], PD1 | PG_P, "PDPTE has no accessed bit"
        mov dword [VA + 4], 0x33333333
        CHECK [0x300004], 0x33333333, "write through a 4 KiB PAE page"
        CHECK [PT_TEST], 0x300000 | PG_P | PG_RW | PG_A | PG_D, "PTE dirty after write"

        mov eax, [VA_BIG + 0x10]
        CHECK eax, 0x22222222, "read through a 2 MiB page"
        mov dword [VA_BIG + 0x1ffffc], 0x44444444
        CHECK [0x5ffffc], 0x44444444, "write at the end of a 2 MiB page"
        CHECK [PD1 + 8], 0x400000 | PG_P | PG_RW | PG_PS | PG_A | PG_D, "2 MiB PDE accessed and dirty"

        mov eax, [VA_NX]
        CHECK eax, 0xc3, "data read of an execute-disable page"
        EXPECT_EXC .r1
        mov eax, VA_NX
.f1:    jmp eax
.r1:    EXC_RESULT "fetch from an execute-disable page", 14, 0x11, VA_NX
        CHECK [exc_cr2], VA_NX, "execute-disable cr2"

        EXPECT_EXC .r2
.f2:    mov eax, [VA_RSVD]
.r2:    EXC_RESULT "reserved bit in a PTE", 14, 0x9, .f2
        CHECK [exc_cr2], VA_RSVD, "reserved bit cr2"
        ret
