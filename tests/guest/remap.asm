; remap.asm - code whose virtual page is remapped: after INVLPG or a CR3
; reload the same virtual address must run the code of the new physical
; page, including blocks that jump to each other inside the page (chained
; translations) and a PGE global page that INVLPG must still drop.
%include "guest.inc"

PD      equ 0x200000
PT_LOW  equ 0x201000            ; identity map of 0-4 MiB
PT_CODE equ 0x202000            ; the page table of VA_CODE
VA_CODE equ 0x10000000
PG_PRW  equ 3
PG_G    equ 0x100

test_main:
        cld
        mov edi, PD
        xor eax, eax
        mov ecx, 3 * 1024
        rep stosd
        mov edi, PT_LOW
        mov eax, PG_PRW
.fill:  stosd
        add eax, 0x1000
        cmp edi, PT_LOW + 4096
        jb .fill
        mov dword [PD], PT_LOW | PG_PRW
        mov dword [PD + (VA_CODE >> 22) * 4], PT_CODE | PG_PRW
        mov eax, code_a
        call map_code
        mov eax, PD
        mov cr3, eax
        mov eax, cr0
        or eax, 0x80000000
        mov cr0, eax

        call run_code
        CHECK eax, 0xa, "code of page A"
        call run_code                     ; again: now through chained blocks
        CHECK eax, 0xa, "code of page A again"
        mov eax, code_b
        call map_code
        invlpg [VA_CODE]
        call run_code
        CHECK eax, 0xb, "code of page B after INVLPG"
        mov eax, code_a
        call map_code
        mov eax, cr3
        mov cr3, eax
        call run_code
        CHECK eax, 0xa, "code of page A after a CR3 reload"

        mov eax, cr4
        or eax, 0x80                      ; PGE
        mov cr4, eax
        mov eax, code_b
        or eax, PG_G
        call map_code
        invlpg [VA_CODE]
        call run_code
        CHECK eax, 0xb, "global code page B"
        mov eax, code_a
        or eax, PG_G
        call map_code
        invlpg [VA_CODE]
        call run_code
        CHECK eax, 0xa, "global code page A after INVLPG"
        ret

; map_code(eax = physical page | extra flags) at VA_CODE
map_code:
        or eax, PG_PRW
        mov [PT_CODE], eax
        ret

; Runs the code at VA_CODE twice round its internal loop; result in eax.
run_code:
        mov ecx, 2
        call VA_CODE
        ret

; Two copies of a page of code that loops through three blocks inside the
; page and returns its tag; only the tag differs.
%macro CODE_PAGE 1
        align 4096
code_%1:
        jmp .first
.second:
        mov eax, 0x%1
        dec ecx
        jnz .first
        ret
.first:
        nop
        jmp .second
%endmacro
CODE_PAGE a
CODE_PAGE b
