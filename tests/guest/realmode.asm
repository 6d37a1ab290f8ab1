; realmode.asm - real mode: 16- and 32-bit arithmetic and flags, 64 KiB
; offset wrap-around, BCD, string instructions with REP/REPE/REPNE and both
; directions (DF), and #DE delivered through the IVT. The real-mode part is
; copied to 0x20000 and entered from protected mode through a 16-bit
; segment; it stores its results, returns to protected mode, and the
; checks run there.
%include "guest.inc"

RM_BASE    equ 0x20000
RM_SEG     equ RM_BASE >> 4
SCRATCH_SEG equ 0x3000
SEL_RMCODE equ SEL_SPARE0
SEL_RMDATA equ SEL_SPARE0 + 8

; RCHECK result, expected, "name": a 16-bit result stored by the real-mode part.
%macro RCHECK 3
        movzx eax, word [RM_BASE + %1]
        CHECK eax, %2, %3
%endmacro

test_main:
        mov eax, SEL_RMCODE
        mov ebx, 0x0000ffff | ((RM_BASE & 0xffff) << 16)
        mov edx, 0x00009a00 | ((RM_BASE >> 16) & 0xff)
        call set_gdt
        mov eax, SEL_RMDATA
        mov edx, 0x00009200 | ((RM_BASE >> 16) & 0xff)
        call set_gdt
        cld
        mov esi, section.rm.start
        mov edi, RM_BASE
        mov ecx, rm_end
        rep movsb
        mov [saved_esp], esp
        jmp SEL_RMCODE:rm_entry
back_in_pm:
        mov ax, SEL_DATA32
        mov ds, ax
        mov es, ax
        mov fs, ax
        mov gs, ax
        mov ss, ax
        mov esp, [saved_esp]
        lidt [idt_desc]

        RCHECK r_add, 0x1b00, "add 16"
        RCHECK r_add_flags, 0x0014, "add 16 flags"
        RCHECK r_sub, 0xfffe, "sub 16"
        RCHECK r_sub_flags, 0x0091, "sub 16 flags"
        RCHECK r_mul_lo, 0x3400, "mul 16 low"
        RCHECK r_mul_hi, 0x0012, "mul 16 high"
        RCHECK r_div_q, 0x1000, "div 16 quotient"
        RCHECK r_div_r, 0x0003, "div 16 remainder"
        CHECK [RM_BASE + r_add32], 0x2468acf0, "add 32 in real mode"
        RCHECK r_wrap, 0x005a, "offset wraps at 64 KiB"
        RCHECK r_daa, 0x0042, "daa"
        RCHECK r_movsb, 0x4443, "rep movsb forward"
        RCHECK r_movsb_si, src_text + 8, "rep movsb si"
        RCHECK r_movsb_cx, 0, "rep movsb cx"
        RCHECK r_movsw, 0x4847, "rep movsw backward"
        RCHECK r_movsw_di, dst_buf + 16 - 2 - 8, "rep movsw di"
        CHECK [RM_BASE + dst_buf], 0xa5a5a5a5, "rep stosd"
        RCHECK r_stosd_di, dst_buf + 16, "rep stosd di"
        RCHECK r_lodsb, 0x0048, "lodsb backward"
        RCHECK r_lodsb_si, src_text + 6, "lodsb backward si"
        RCHECK r_cmps_cx, 1, "repe cmpsb cx"
        RCHECK r_cmps_si, str_hello + 4, "repe cmpsb si"
        RCHECK r_cmps_flags, 0x0000, "repe cmpsb ZF"
        RCHECK r_scas_cx, 2, "repne scasb cx"
        RCHECK r_scas_di, str_abc + 4, "repne scasb di"
        RCHECK r_scas_flags, 0x0040, "repne scasb ZF"
        RCHECK r_rep0_si, src_text, "rep with cx 0"
        RCHECK r_de_count, 1, "#DE through the IVT"
        RCHECK r_de_ip, de_insn, "#DE pushes the faulting IP"
        ret

saved_esp: dd 0

        section rm follows=.text align=16 vstart=0
        bits 16
rm_entry:
        mov ax, SEL_RMDATA
        mov ds, ax
        mov es, ax
        mov fs, ax
        mov gs, ax
        mov ss, ax
        mov eax, cr0
        and eax, ~1
        mov cr0, eax
        jmp RM_SEG:rm_real
rm_real:
        mov ax, cs
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov sp, 0xfff0
        lidt [rm_ivt]

        ; arithmetic and flags
        mov ax, 1234
        mov bx, 5678
        add ax, bx
        pushf
        pop word [r_add_flags]
        and word [r_add_flags], 0x8d5
        mov [r_add], ax
        mov ax, 1
        sub ax, 3
        pushf
        pop word [r_sub_flags]
        and word [r_sub_flags], 0x8d5
        mov [r_sub], ax
        mov ax, 0x1234
        mov bx, 0x100
        mul bx
        mov [r_mul_lo], ax
        mov [r_mul_hi], dx
        mov dx, 1
        mov ax, 3
        mov bx, 0x10
        div bx
        mov [r_div_q], ax
        mov [r_div_r], dx
        mov eax, 0x12345678
        add eax, eax
        mov [r_add32], eax

        ; [bx+1] with bx = 0xffff is offset 0 of the segment
        push es
        mov ax, SCRATCH_SEG
        mov es, ax
        mov byte [es:0], 0x5a
        mov bx, 0xffff
        movzx ax, byte [es:bx + 1]
        mov [r_wrap], ax
        pop es

        mov al, 0x15
        add al, 0x27
        daa
        xor ah, ah
        mov [r_daa], ax

        ; strings
        cld
        mov si, src_text
        mov di, dst_buf
        mov cx, 8
        rep movsb
        mov ax, [dst_buf + 2]
        mov [r_movsb], ax
        mov [r_movsb_si], si
        mov [r_movsb_cx], cx

        std
        mov si, src_text + 6
        mov di, dst_buf + 16 - 2
        mov cx, 4
        rep movsw
        cld
        mov [r_movsw_di], di
        mov ax, [dst_buf + 16 - 2]
        mov [r_movsw], ax

        mov eax, 0xa5a5a5a5
        mov di, dst_buf
        mov cx, 4
        rep stosd
        mov [r_stosd_di], di

        std
        mov si, src_text + 7
        lodsb
        cld
        xor ah, ah
        mov [r_lodsb], ax
        mov [r_lodsb_si], si

        mov si, str_hello
        mov di, str_help
        mov cx, 5
        repe cmpsb
        mov [r_cmps_cx], cx
        mov [r_cmps_si], si
        pushf
        pop ax
        and ax, 0x40
        mov [r_cmps_flags], ax

        mov di, str_abc
        mov al, 'x'
        mov cx, 6
        repne scasb
        mov [r_scas_cx], cx
        mov [r_scas_di], di
        pushf
        pop ax
        and ax, 0x40
        mov [r_scas_flags], ax

        mov si, src_text
        mov di, dst_buf
        xor cx, cx
        rep movsb
        mov [r_rep0_si], si

        ; #DE through the IVT
        push es
        xor ax, ax
        mov es, ax
        mov word [es:0], de_handler
        mov word [es:2], RM_SEG
        pop es
        mov ax, 1
        xor bl, bl
de_insn:
        div bl
        nop

        cli
        mov eax, cr0
        or eax, 1
        mov cr0, eax
        jmp dword SEL_CODE32:back_in_pm

de_handler:
        push bp
        mov bp, sp
        mov ax, [bp + 2]
        mov [r_de_ip], ax
        add word [bp + 2], 2              ; skip "div bl"
        inc word [r_de_count]
        pop bp
        iret

rm_ivt:     dw 0x3ff
            dd 0
src_text:   db "ABCDEFGH"
str_hello:  db "HELLO"
str_help:   db "HELPO"
str_abc:    db "abcxef"
        align 4
dst_buf:    times 16 db 0
r_add32:    dd 0
r_add:      dw 0
r_add_flags: dw 0
r_sub:      dw 0
r_sub_flags: dw 0
r_mul_lo:   dw 0
r_mul_hi:   dw 0
r_div_q:    dw 0
r_div_r:    dw 0
r_wrap:     dw 0
r_daa:      dw 0
r_movsb:    dw 0
r_movsb_si: dw 0
r_movsb_cx: dw 0
r_movsw:    dw 0
r_movsw_di: dw 0
r_stosd_di: dw 0
r_lodsb:    dw 0
r_lodsb_si: dw 0
r_cmps_cx:  dw 0
r_cmps_si:  dw 0
r_cmps_flags: dw 0
r_scas_cx:  dw 0
r_scas_di:  dw 0
r_scas_flags: dw 0
r_rep0_si:  dw 0
r_de_count: dw 0
r_de_ip:    dw 0
rm_end:
