; linuxboot.asm - Kestrel's Linux loader option ROM (given to SeaBIOS as the
; fw_cfg file genroms/linuxboot.bin by bios/linux.c).
;
; SeaBIOS copies the ROM into the option ROM area, calls its init vector
; (which does nothing) and registers the PnP header's bootstrap entry vector
; (BEV) as a boot entry; bootorder names it first. When SeaBIOS boots it,
; the BEV reads from fw_cfg, with the DMA interface, what bios/linux.c
; prepared: the patched real-mode setup (FW_CFG_SETUP_*), the protected-
; mode kernel (FW_CFG_KERNEL_*), the initrd (FW_CFG_INITRD_*) and the
; command line (FW_CFG_CMDLINE_*), each to the address its *_ADDR item
; names, then enters the kernel as the Linux boot protocol asks
; (Documentation/arch/x86/boot.rst): interrupts off, DS = ES = FS = GS =
; SS = the setup segment, SP at the top of the heap (heap_end_ptr + 0x200,
; minus 16), far jump to setup segment + 0x20, offset 0.
;
; Invariants: runs in real mode and never writes its own segment (SeaBIOS
; write-protects the option ROM area); its stack and the DMA descriptor
; live below 0x7c00; a fw_cfg without DMA or a DMA error gives the boot
; back to SeaBIOS with INT 18h. The image is padded to 512 bytes; its last
; byte is the checksum, which bios/linux.c fills in.

        bits 16
        org 0

FW_CFG_SEL      equ 0x510
FW_CFG_DATA     equ 0x511
FW_CFG_DMA_HI   equ 0x514
FW_CFG_DMA_LO   equ 0x518

FW_CFG_ID           equ 0x01
FW_CFG_KERNEL_ADDR  equ 0x07
FW_CFG_KERNEL_SIZE  equ 0x08
FW_CFG_INITRD_ADDR  equ 0x0a
FW_CFG_INITRD_SIZE  equ 0x0b
FW_CFG_KERNEL_DATA  equ 0x11
FW_CFG_INITRD_DATA  equ 0x12
FW_CFG_CMDLINE_ADDR equ 0x13
FW_CFG_CMDLINE_SIZE equ 0x14
FW_CFG_CMDLINE_DATA equ 0x15
FW_CFG_SETUP_ADDR   equ 0x16
FW_CFG_SETUP_SIZE   equ 0x17
FW_CFG_SETUP_DATA   equ 0x18

FW_CFG_ID_DMA       equ 0x02
DMA_CTL_ERROR       equ 0x01
DMA_CTL_READ        equ 0x02
DMA_CTL_SELECT      equ 0x08

STACK_TOP       equ 0x7c00          ; our stack, segment 0
DMA_DESC        equ 0x7c00 - 0x200  ; 16-byte FWCfgDmaAccess, below the stack's reach
HDR_HEAP_END    equ 0x224           ; heap_end_ptr in the setup header

%define BYTES(label) (((label) - rom_start) & 0xff) + (((label) - rom_start) >> 8)

rom_start:
        dw 0xaa55
        db (rom_end - rom_start) / 512
        retf                        ; init vector: nothing to set up
        times 0x1a - ($ - rom_start) db 0
        dw pnp_header

; PnP BIOS "Expansion Header" (PnP BIOS spec 1.0a, 3.3): only a BEV.
        align 16
pnp_header:
        db '$PnP'
        db 1                        ; structure revision
        db 2                        ; length in 16-byte units
        dw 0                        ; no next header
        db 0
        db (-('$'+'P'+'n'+'P' + 1 + 2 + BYTES(manufacturer) + BYTES(product) + 2 \
              + BYTES(boot_entry))) & 0xff
        dd 0                        ; device id
        dw manufacturer
        dw product
        db 2, 0, 0                  ; device type: mass storage, other
        db 0                        ; device indicators
        dw 0                        ; boot connection vector
        dw 0                        ; disconnect vector
        dw boot_entry               ; bootstrap entry vector
        dw 0
        dw 0                        ; static resource information vector

manufacturer:   db 'Kestrel', 0
product:        db 'Linux loader', 0

; fw_read32: EAX = the 32-bit little-endian item AX (traditional interface).
fw_read32:
        mov dx, FW_CFG_SEL
        out dx, ax
        mov dx, FW_CFG_DATA
        mov cx, 4
.byte:  in al, dx
        ror eax, 8
        loop .byte
        ret

; fw_dma_read: item AX (selected) read by DMA to physical EDI, ECX bytes.
; Returns with CF set on a DMA error. Clobbers EAX, EDX.
fw_dma_read:
        movzx eax, ax
        shl eax, 16
        or eax, DMA_CTL_SELECT | DMA_CTL_READ
        bswap eax
        mov [DMA_DESC], eax
        bswap ecx
        mov [DMA_DESC + 4], ecx
        bswap ecx
        mov dword [DMA_DESC + 8], 0
        mov eax, edi
        bswap eax
        mov [DMA_DESC + 12], eax
        xor eax, eax                ; descriptor address bits 63..32
        mov dx, FW_CFG_DMA_HI
        out dx, eax
        mov eax, DMA_DESC
        bswap eax
        mov dx, FW_CFG_DMA_LO
        out dx, eax                 ; starts the transfer
.wait:  mov eax, [DMA_DESC]
        bswap eax
        test eax, ~DMA_CTL_ERROR
        jnz .wait
        test eax, DMA_CTL_ERROR
        jz .ok
        stc
        ret
.ok:    clc
        ret

; load_item: the blob DATA to the address in item ADDR, SIZE bytes long.
%macro load_item 3                  ; ADDR key, SIZE key, DATA key
        mov ax, %1
        call fw_read32
        mov edi, eax
        mov ax, %2
        call fw_read32
        mov ecx, eax
        mov ax, %3
        call fw_dma_read
        jc fail
%endmacro

boot_entry:
        cli
        cld
        xor ax, ax
        mov ss, ax
        mov sp, STACK_TOP
        mov ds, ax
        mov es, ax
        mov ax, FW_CFG_ID
        call fw_read32
        test al, FW_CFG_ID_DMA
        jz fail
        load_item FW_CFG_SETUP_ADDR, FW_CFG_SETUP_SIZE, FW_CFG_SETUP_DATA
        load_item FW_CFG_KERNEL_ADDR, FW_CFG_KERNEL_SIZE, FW_CFG_KERNEL_DATA
        load_item FW_CFG_INITRD_ADDR, FW_CFG_INITRD_SIZE, FW_CFG_INITRD_DATA
        load_item FW_CFG_CMDLINE_ADDR, FW_CFG_CMDLINE_SIZE, FW_CFG_CMDLINE_DATA

        mov ax, FW_CFG_SETUP_ADDR
        call fw_read32
        shr eax, 4                  ; the setup segment
        mov ds, ax
        mov es, ax
        mov fs, ax
        mov gs, ax
        mov bx, [HDR_HEAP_END]
        add bx, 0x200 - 16
        mov ss, ax
        mov sp, bx
        add ax, 0x20
        push ax
        push word 0
        retf                        ; to setup segment + 0x20 : 0

fail:
        int 0x18                    ; boot failure: SeaBIOS tries the next device
        hlt
        jmp fail

        times 511 - ($ - rom_start) db 0
        db 0                        ; checksum, set by bios/linux.c
rom_end:
