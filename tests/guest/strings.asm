; strings.asm - REP string instructions: overlapping MOVS in both directions
; (element-by-element semantics), CMPS/SCAS across pages, CX = 0, 16-bit
; address wraparound of SI/DI with the upper halves kept, REP STOS over a
; page holding translated code, precise #PF in the middle of a REP MOVS
; (registers name the faulting element), and a PIT interrupt taken during
; a long REP MOVSD that still copies everything.
%include "guest.inc"
%include "pic.inc"

BUF     equ 0x700000            ; scratch buffers (identity mapped)
BUF2    equ 0x708000
CODEPG  equ 0x600000            ; a page that holds code, then is overwritten
BIG_SRC equ 0x1000000           ; long copy: 16 MiB -> 24 MiB
BIG_DST equ 0x1800000
BIG_DW  equ 0x200000            ; dwords (8 MiB)
PD      equ 0x200000
PT      equ 0x201000            ; page table of 0x10000000
PG_P    equ 1
PG_RW   equ 2
PG_PS   equ 0x80
VA_HOLE equ 0x10000000          ; not present
VA_PAGE equ 0x10001000          ; -> 0x301000
VA_HOLE2 equ 0x10002000         ; not present

test_main:
        cld
        call test_overlap
        call test_scan
        call test_count_zero
        call test_wrap16
        call test_smc
        call test_long_copy_irq
        call test_page_fault
        ret

; fill_bytes(edi, ecx): byte i = i & 0xff
fill_bytes:
        pushad
        xor eax, eax
.l:     mov [edi + eax], al
        inc eax
        cmp eax, ecx
        jb .l
        popad
        ret

test_overlap:
        mov edi, BUF
        mov ecx, 0x3000
        call fill_bytes
        mov byte [BUF], 'A'
        mov esi, BUF
        lea edi, [esi + 1]
        mov ecx, 0x2000                   ; crosses two page boundaries
        rep movsb
        CHECK [BUF + 0xffc], 0x41414141, "MOVSB dst=src+1 replicates (page 1)"
        CHECK [BUF + 0x1ffd], 0x41414141, "MOVSB dst=src+1 replicates (page 2)"
        movzx eax, byte [BUF + 0x2001]
        CHECK eax, 0x01, "MOVSB dst=src+1 stops after ECX bytes"
        CHECK esi, BUF + 0x2000, "MOVSB forward ESI"
        CHECK edi, BUF + 0x2001, "MOVSB forward EDI"
        CHECK ecx, 0, "MOVSB forward ECX"

        mov edi, BUF
        mov ecx, 0x3000
        call fill_bytes
        std
        mov esi, BUF + 0x2fff
        lea edi, [esi - 1]
        mov ecx, 0x2800
        rep movsb
        cld
        mov eax, [BUF + 0x800]
        CHECK eax, 0xffffffff, "backward MOVSB dst=src-1 replicates"
        movzx eax, byte [BUF + 0x7fe]
        CHECK eax, 0xfe, "backward MOVSB stops after ECX bytes"
        CHECK esi, BUF + 0x7ff, "MOVSB backward ESI"
        CHECK edi, BUF + 0x7fe, "MOVSB backward EDI"

        mov edi, BUF
        mov ecx, 16
        call fill_bytes
        mov esi, BUF
        lea edi, [esi + 1]
        mov ecx, 2
        rep movsd                         ; each dword read, then written
        CHECK [BUF], 0x02010000, "overlapping MOVSD element 0"
        CHECK [BUF + 4], 0x06050303, "overlapping MOVSD element 1"
        movzx eax, byte [BUF + 8]
        CHECK eax, 7, "overlapping MOVSD end"

        mov edi, BUF
        mov ecx, 0x100
        mov eax, 0x11223344
        rep stosd
        CHECK [BUF + 0x3fc], 0x11223344, "STOSD fills"
        CHECK edi, BUF + 0x400, "STOSD EDI"

        mov esi, BUF
        mov ecx, 0x40
        rep lodsw
        CHECK eax, 0x11221122, "LODSW keeps the upper half of EAX"
        CHECK esi, BUF + 0x80, "LODSW ESI"
        ret

test_scan:
        mov edi, BUF
        mov ecx, 0x1800
        mov al, 0x55
        rep stosb
        mov byte [BUF + 0x1400], 0        ; first zero on the second page
        mov edi, BUF
        mov ecx, 0x1800
        xor eax, eax
        repne scasb
        CHECK_FLAGS 0x40, 0x40, "REPNE SCASB ends with ZF=1"
        CHECK edi, BUF + 0x1401, "REPNE SCASB EDI"
        CHECK ecx, 0x1800 - 0x1401, "REPNE SCASB ECX"

        mov esi, BUF
        mov edi, BUF2
        mov ecx, 0x1800
        rep movsb
        mov byte [BUF2 + 0x1234], 0x56    ; a bigger byte in the destination
        mov esi, BUF
        mov edi, BUF2
        mov ecx, 0x1800
        repe cmpsb
        CHECK_FLAGS 0x41, 0x01, "REPE CMPSB ends with ZF=0 CF=1"
        CHECK esi, BUF + 0x1235, "REPE CMPSB ESI"
        CHECK ecx, 0x1800 - 0x1235, "REPE CMPSB ECX"
        ret

test_count_zero:
        mov esi, BUF
        mov edi, BUF2
        xor ecx, ecx
        mov dword [BUF2], 0x12345678
        xor eax, eax                      ; ZF=1
        rep movsb
        repne scasb
        CHECK_FLAGS 0x40, 0x40, "CX=0: flags unchanged"
        CHECK [BUF2], 0x12345678, "CX=0: nothing copied"
        CHECK esi, BUF, "CX=0: ESI unchanged"
        CHECK edi, BUF2, "CX=0: EDI unchanged"
        ret

; 16-bit addressing in 32-bit code: SI/DI wrap at 64 KiB, the upper halves stay.
test_wrap16:
        mov dword [0xfffc], 0x44332211
        mov dword [0x0000], 0x88776655
        mov esi, 0x1234fffe
        mov edi, 0x5678a000
        mov ecx, 0xabcd0004
        a16 rep movsb
        CHECK [0xa000], 0x66554433, "a16 MOVSB wraps SI"
        CHECK esi, 0x12340002, "a16 MOVSB ESI upper half kept"
        CHECK edi, 0x5678a004, "a16 MOVSB EDI"
        CHECK ecx, 0xabcd0000, "a16 MOVSB ECX upper half kept"
        std
        mov edi, 0x00000001
        mov ecx, 4
        mov al, 0xee
        a16 rep stosb
        cld
        CHECK [0xfffc], 0xeeee2211, "a16 STOSB backward wraps DI (top)"
        CHECK [0x0000], 0x8877eeee, "a16 STOSB backward wraps DI (bottom)"
        CHECK edi, 0xfffd, "a16 STOSB backward DI"
        ret

; REP STOS over a page whose code already ran: the old code must be gone.
test_smc:
        mov edi, CODEPG
        mov dword [edi], 0x000001b8       ; mov eax, 1
        mov dword [edi + 4], 0x9090c300   ; ...; ret
        xor eax, eax
        call CODEPG
        CHECK eax, 1, "code page runs before REP STOS"
        mov edi, CODEPG
        mov ecx, 0x1000 / 4
        mov eax, 0xc3c3c3c3               ; ret everywhere
        rep stosd
        mov eax, 5
        call CODEPG
        CHECK eax, 5, "REP STOSD over a code page replaces its code"
        ret

; A PIT interrupt arrives during a long REP MOVSD; the copy completes after IRET.
test_long_copy_irq:
        mov edi, BIG_SRC
        xor eax, eax
.fill:  mov [edi + eax * 4], eax
        inc eax
        cmp eax, BIG_DW
        jb .fill
        call pic_pit_init
        mov dword [ticks], 0
        mov dword [mid_ticks], 0
        sti
        hlt                               ; in phase with the PIT
        mov esi, BIG_SRC
        mov edi, BIG_DST
        mov ecx, BIG_DW
        rep movsd
        cli
        OUTB PIC1_DATA, 0xff
        xor ebx, ebx
        cmp dword [mid_ticks], 0
        setne bl
        CHECK ebx, 1, "timer interrupt taken inside REP MOVSD"
        CHECK ecx, 0, "long REP MOVSD ECX"
        CHECK esi, BIG_SRC + BIG_DW * 4, "long REP MOVSD ESI"
        xor eax, eax                      ; compare everything
        xor edx, edx
.cmp:   mov ebx, [BIG_DST + eax * 4]
        cmp ebx, eax
        je .same
        inc edx
.same:  inc eax
        cmp eax, BIG_DW
        jb .cmp
        CHECK edx, 0, "long REP MOVSD copied every dword"
        ret

pic_pit_init:
        mov ebx, irq0_handler
        call pic_init_irq0
        OUTB PIT_CMD, 0x34
        OUTB PIT_CH0, 60                  ; about 20 kHz
        OUTB PIT_CH0, 0
        OUTB PIC1_DATA, 0xfe
        ret

irq0_handler:
        test ecx, ecx                     ; interrupted REP MOVSD: 0 < ECX < count
        jz .eoi
        cmp ecx, BIG_DW
        jae .eoi
        inc dword [mid_ticks]
.eoi:   inc dword [ticks]
        push eax
        OUTB PIC1_CMD, 0x20
        pop eax
        iretd

; Paging: a copy that runs into a not-present page stops at that element.
test_page_fault:
        mov edi, PD
        xor eax, eax
        mov ecx, 2 * 1024
        rep stosd
        mov dword [PD], 0 | PG_PS | PG_P | PG_RW            ; 0-4 MiB
        mov dword [PD + 4], 0x400000 | PG_PS | PG_P | PG_RW ; 4-8 MiB
        mov dword [PD + (VA_HOLE >> 22) * 4], PT | PG_P | PG_RW
        mov dword [PT + 4], 0x301000 | PG_P | PG_RW
        mov eax, PD
        mov cr3, eax
        mov eax, cr4
        or eax, 0x10
        mov cr4, eax
        mov eax, cr0
        or eax, 0x80000000
        mov cr0, eax

        mov edi, BUF
        mov ecx, 0x200
        call fill_bytes
        mov esi, BUF
        mov edi, VA_PAGE + 0xf00
        mov ecx, 0x200
        EXPECT_EXC .r1
.f1:    rep movsb
.r1:    EXC_RESULT "MOVSB into a hole", 14, 2, .f1
        CHECK [exc_cr2], VA_HOLE2, "MOVSB into a hole: CR2"
        CHECK ecx, 0x100, "MOVSB into a hole: ECX of the faulting byte"
        CHECK esi, BUF + 0x100, "MOVSB into a hole: ESI"
        CHECK edi, VA_HOLE2, "MOVSB into a hole: EDI"
        CHECK [0x301ffc], 0xfffefdfc, "MOVSB into a hole: bytes before the fault copied"

        std
        mov esi, VA_PAGE + 0x7f
        mov edi, BUF2 + 0xff
        mov ecx, 0x100
        EXPECT_EXC .r2
.f2:    rep movsb
.r2:    cld
        EXC_RESULT "backward MOVSB from a hole", 14, 0, .f2
        CHECK [exc_cr2], VA_PAGE - 1, "backward MOVSB from a hole: CR2"
        CHECK ecx, 0x80, "backward MOVSB from a hole: ECX"
        CHECK esi, VA_PAGE - 1, "backward MOVSB from a hole: ESI"
        CHECK edi, BUF2 + 0x7f, "backward MOVSB from a hole: EDI"

        mov esi, BUF
        mov edi, VA_PAGE + 0xffe
        mov ecx, 2
        mov dword [0x301ffc], 0
        EXPECT_EXC .r3
.f3:    rep movsd                         ; the first dword crosses into the hole
.r3:    EXC_RESULT "MOVSD across into a hole", 14, 2, .f3
        CHECK [exc_cr2], VA_HOLE2, "MOVSD across into a hole: CR2"
        CHECK ecx, 2, "MOVSD across into a hole: ECX"
        CHECK edi, VA_PAGE + 0xffe, "MOVSD across into a hole: EDI"
        CHECK [0x301ffc], 0, "MOVSD across into a hole: nothing written"

        mov eax, cr0
        and eax, 0x7fffffff
        mov cr0, eax
        ret

ticks:    dd 0
mid_ticks: dd 0
