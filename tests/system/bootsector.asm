; bootsector.asm - a boot sector that SeaBIOS loads from a raw disk image.
; It prints through the BIOS teletype (int 10h, which SeaBIOS mirrors to the
; serial port under -nographic), checks that it was loaded at 0:7C00 with the
; boot drive in DL, and exits through isa-debug-exit (status (v<<1)|1).
bits 16
org 0x7c00
start:
    cli
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7c00
    sti
    mov [drive], dl
    mov si, msg
.print:
    lodsb
    test al, al
    jz .printed
    mov ah, 0x0e
    mov bx, 7
    int 0x10
    jmp .print
.printed:
    mov al, 0x21              ; exit status (0x21 << 1) | 1 = 67 if DL is a hard disk
    cmp byte [drive], 0x80
    je .exit
    mov al, 0x22
.exit:
    mov dx, 0xf4
    out dx, al
    hlt
    jmp $
msg: db "Kestrel boot sector running", 13, 10, 0
drive: db 0
times 510 - ($ - $$) db 0
dw 0xaa55
