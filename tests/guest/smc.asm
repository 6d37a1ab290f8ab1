; smc.asm - self-modifying code: a store that patches an instruction later
; in the same straight-line run, code patched between two calls, a loop that
; rewrites its own immediate each time round, a REP MOVSB that copies new
; code over old, and code patched through a second virtual mapping of its
; page (paging on). Every patched instruction must run as last written.
%include "guest.inc"

PD      equ 0x200000
PT_LOW  equ 0x201000            ; identity map of 0-4 MiB
ALIAS   equ 0x10000000          ; maps the page of `aliased` a second time
PG_PRW  equ 3

test_main:
        ; Patch the immediate of an instruction a few bytes ahead.
        mov dword [.ahead + 1], 0x22222222
.ahead: mov eax, 0x11111111
        CHECK eax, 0x22222222, "store patches an instruction ahead in the same run"

        ; Patch code that already ran (and was translated) between two calls.
        call patched_fn
        CHECK eax, 1, "function before the patch"
        mov dword [patched_fn + 1], 2
        call patched_fn
        CHECK eax, 2, "function after the patch"

        ; A loop that rewrites the immediate of its own ADD each time round.
        xor eax, eax
        mov ecx, 3
.loop:
.addi:  add eax, byte 1
        inc byte [.addi + 2]
        loop .loop
        CHECK eax, 6, "loop rewriting its own immediate"

        ; REP MOVSB copies new code over a stub that already ran.
        call stub
        CHECK eax, 0xaaaaaaaa, "stub before the copy"
        cld
        mov esi, new_stub
        mov edi, stub
        mov ecx, new_stub_end - new_stub
        rep movsb
        call stub
        CHECK eax, 0xbbbbbbbb, "stub after REP MOVSB"

        ; Paging on: write through an alias of the code page, run the original.
        call setup_paging
        call aliased
        CHECK eax, 3, "aliased function before the patch"
        mov dword [ALIAS + (aliased - aliased_page) + 1], 4
        call aliased
        CHECK eax, 4, "patch through a second mapping"
        ret

patched_fn:
        mov eax, 1
        ret

stub:
        mov eax, 0xaaaaaaaa
        ret
new_stub:
        mov eax, 0xbbbbbbbb
        ret
new_stub_end:

setup_paging:
        cld
        mov edi, PD
        xor eax, eax
        mov ecx, 2 * 1024
        rep stosd
        mov edi, PT_LOW
        mov eax, PG_PRW
.fill:  stosd
        add eax, 0x1000
        cmp edi, PT_LOW + 4096
        jb .fill
        mov dword [PD], PT_LOW | PG_PRW
        ; ALIAS uses the same page table, so its page 0 would be physical 0:
        ; point PDE(ALIAS) at a table whose entry 0 maps aliased_page.
        mov eax, alias_pt
        or eax, PG_PRW
        mov [PD + (ALIAS >> 22) * 4], eax
        mov eax, aliased_page
        or eax, PG_PRW
        mov [alias_pt], eax
        mov eax, PD
        mov cr3, eax
        mov eax, cr0
        or eax, 0x80000000
        mov cr0, eax
        ret

        align 4096
aliased_page:
        nop
aliased:
        mov eax, 3
        ret

        align 4096
alias_pt:
        times 1024 dd 0
