; acpi_off.asm - ACPI poweroff as an OS does it: find the RSDP in the BIOS
; area, check its checksum, follow the RSDT to the FADT and the DSDT, check
; their checksums, switch to ACPI mode through SMI_CMD, read SLP_TYP of \_S5
; from the DSDT, and write SLP_TYP | SLP_EN to PM1a_CNT. The machine must
; power off: the run ends with process status 0 and no debug-exit.
; Booted without firmware (Kestrel's direct multiboot load), the test does
; the firmware's part first: it runs fw_cfg's etc/table-loader (ALLOCATE,
; ADD_POINTER, ADD_CHECKSUM) and enables the PIIX4 PM block at 0x600.
; exit-status: 0
%include "guest.inc"

SLP_EN      equ 1 << 13
FW_CFG_SEL  equ 0x510
FW_CFG_DATA equ 0x511
FW_CFG_DIR  equ 0x19
ALLOC_BASE  equ 0x400000          ; where the test's loader places the files
PM_BASE     equ 0x600
PM_DEVFN    equ (1 << 3) | 3      ; 00:01.3

test_main:
        call find_rsdp
        test eax, eax
        jnz .have_rsdp
        call firmware_acpi_setup
.have_rsdp:
        mov [rsdp], eax
        xor ecx, ecx
        test eax, eax
        setnz cl
        CHECK ecx, 1, "RSDP found below 1 MiB"
        test eax, eax
        jz .out
        mov esi, eax
        mov ecx, 20
        call checksum
        CHECK eax, 0, "RSDP checksum"

        mov esi, [rsdp]
        mov esi, [esi + 16]               ; RSDT
        mov [rsdt], esi
        mov eax, [esi]
        CHECK eax, 'RSDT', "RSDT signature"
        mov esi, [rsdt]
        mov ecx, [esi + 4]
        call checksum
        CHECK eax, 0, "RSDT checksum"

        mov eax, 'FACP'
        call find_table
        mov [fadt], eax
        xor ecx, ecx
        test eax, eax
        setnz cl
        CHECK ecx, 1, "FADT listed in the RSDT"
        test eax, eax
        jz .out
        mov esi, eax
        mov ecx, [esi + 4]
        call checksum
        CHECK eax, 0, "FADT checksum"

        mov esi, [fadt]
        mov esi, [esi + 40]               ; DSDT
        mov [dsdt], esi
        mov eax, [esi]
        CHECK eax, 'DSDT', "DSDT signature"
        mov esi, [dsdt]
        mov ecx, [esi + 4]
        call checksum
        CHECK eax, 0, "DSDT checksum"

        call s5_type
        mov [slp_typ], eax
        xor ecx, ecx
        cmp eax, 8
        setb cl
        CHECK ecx, 1, "\_S5 found in the DSDT"
        cmp dword [slp_typ], 8
        jae .out

        mov esi, [fadt]                   ; ACPI mode through SMI_CMD
        mov edx, [esi + 48]
        mov al, [esi + 52]
        test edx, edx
        jz .acpi_on
        out dx, al
.acpi_on:
        mov edx, [esi + 64]               ; PM1a_CNT_BLK
        mov [pm1a_cnt], edx
        xor ecx, ecx
        test edx, edx
        setnz cl
        CHECK ecx, 1, "PM1a_CNT_BLK present"
        ; A summary now: the poweroff ends the run without one.
        mov eax, [pass_count]
        call put_dec
        mov esi, str_passed
        call puts
        mov eax, [fail_count]
        call put_dec
        mov esi, str_failed
        call puts
        cmp dword [fail_count], 0
        jne .out
        mov edx, [pm1a_cnt]
        in ax, dx
        and ax, ~(7 << 10)
        mov ebx, [slp_typ]
        shl ebx, 10
        or ax, bx
        or ax, SLP_EN
        out dx, ax
        mov ecx, 10000000                 ; the machine is gone by now
.wait:  loop .wait
        mov esi, str_still_on
        call puts
        inc dword [fail_count]
.out:   ret

; find_rsdp -> eax: "RSD PTR " on a 16-byte boundary in 0xE0000-0xFFFFF, or 0.
find_rsdp:
        mov eax, 0xe0000
.next:  cmp dword [eax], 'RSD '
        jne .skip
        cmp dword [eax + 4], 'PTR '
        je .done
.skip:  add eax, 16
        cmp eax, 0x100000
        jb .next
        xor eax, eax
.done:  ret

; checksum(esi, ecx) -> eax: the byte sum of ecx bytes.
checksum:
        xor eax, eax
.add:   add al, [esi]
        inc esi
        loop .add
        ret

; find_table(signature=eax) -> eax: the RSDT entry with it, or 0.
find_table:
        push esi
        push ecx
        mov esi, [rsdt]
        mov ecx, [esi + 4]
        sub ecx, 36
        shr ecx, 2
        add esi, 36
.next:  test ecx, ecx
        jz .none
        mov edx, [esi]
        cmp [edx], eax
        je .found
        add esi, 4
        dec ecx
        jmp .next
.none:  xor edx, edx
.found: mov eax, edx
        pop ecx
        pop esi
        ret

; s5_type -> eax: the first element of Name (\_S5, Package () {...}), 8 if absent.
s5_type:
        mov esi, [dsdt]
        mov ecx, [esi + 4]
        add ecx, esi
        add esi, 36
.scan:  cmp esi, ecx
        jae .none
        cmp dword [esi], '_S5_'
        je .found
        inc esi
        jmp .scan
.found: add esi, 4
        cmp byte [esi], 0x12              ; PackageOp
        jne .none
        mov al, [esi + 1]                 ; PkgLength: 1 byte, or more if bits 7:6
        shr al, 6
        movzx eax, al
        lea esi, [esi + eax + 3]          ; past op, PkgLength, NumElements
        movzx eax, byte [esi]
        cmp al, 0x0a                      ; BytePrefix
        jne .const
        movzx eax, byte [esi + 1]
        ret
.const: cmp al, 1                         ; ZeroOp / OneOp
        jbe .ret
.none:  mov eax, 8
.ret:   ret

; ---- the firmware's part, for a boot without firmware ----

; firmware_acpi_setup -> eax: RSDP address (0 on failure). Enables the PM
; block as SeaBIOS does, then runs etc/table-loader.
firmware_acpi_setup:
        mov eax, 0x80000000 | (PM_DEVFN << 8) | 0x40
        mov dx, 0xcf8
        out dx, eax
        mov eax, PM_BASE | 1
        mov dx, 0xcfc
        out dx, eax                       ; PMBA
        mov eax, 0x80000000 | (PM_DEVFN << 8) | 0x80
        mov dx, 0xcf8
        out dx, eax
        mov al, 1
        mov dx, 0xcfc
        out dx, al                        ; PMIOSE
        mov esi, name_loader
        call fw_file
        test eax, eax
        jz .fail
        mov edi, loader_buf
        call fw_read                      ; ecx = size
        mov esi, loader_buf
.cmd:   cmp ecx, 128
        jb .done
        push ecx
        push esi
        mov eax, [esi]
        cmp eax, 1
        jne .not_alloc
        call cmd_allocate
        jmp .next
.not_alloc:
        cmp eax, 2
        jne .not_ptr
        call cmd_add_pointer
        jmp .next
.not_ptr:
        cmp eax, 3
        jne .next
        call cmd_add_checksum
.next:  pop esi
        pop ecx
        add esi, 128
        sub ecx, 128
        jmp .cmd
.done:  mov esi, name_rsdp
        call file_addr
        ret
.fail:  xor eax, eax
        ret

; fw_file(name=esi) -> eax: selector, ecx: size; eax = 0 if absent.
fw_file:
        push ebx
        push edi
        mov ax, FW_CFG_DIR
        mov dx, FW_CFG_SEL
        out dx, ax
        call fw_be32
        mov ebx, eax                      ; count
.entry: test ebx, ebx
        jz .absent
        dec ebx
        call fw_be32
        mov ecx, eax                      ; size
        call fw_be32
        shr eax, 16                       ; select (the reserved half is low)
        push eax
        mov edi, name_buf
        push ecx
        mov ecx, 56
        mov dx, FW_CFG_DATA
.name:  in al, dx
        stosb
        loop .name
        pop ecx
        push esi
        mov edi, name_buf
.cmp:   mov al, [esi]
        cmp al, [edi]
        jne .differ
        inc esi
        inc edi
        test al, al
        jnz .cmp
        pop esi
        pop eax
        jmp .out
.differ:
        pop esi
        pop eax
        jmp .entry
.absent:
        xor eax, eax
.out:   pop edi
        pop ebx
        ret

; fw_be32 -> eax: the next four data bytes, big-endian.
fw_be32:
        push ecx
        push edx
        mov dx, FW_CFG_DATA
        mov ecx, 4
.byte:  shl eax, 8
        in al, dx
        loop .byte
        pop edx
        pop ecx
        ret

; fw_read(selector=eax, size=ecx, dest=edi): reads the item; keeps ecx.
fw_read:
        push ecx
        push edi
        mov dx, FW_CFG_SEL
        out dx, ax
        mov dx, FW_CFG_DATA
        rep insb
        pop edi
        pop ecx
        ret

; file_addr(name=esi) -> eax: where cmd_allocate put the file, or 0.
file_addr:
        xor eax, eax
        mov edi, name_tables
        call streq
        jnz .rsdp
        mov eax, [addr_tables]
        ret
.rsdp:  mov edi, name_rsdp
        call streq
        jnz .none
        mov eax, [addr_rsdp]
.none:  ret

; streq(esi, edi): ZF set when the NUL-terminated strings are equal.
streq:
        push esi
        push edi
.c:     mov al, [esi]
        cmp al, [edi]
        jne .out
        inc esi
        inc edi
        test al, al
        jnz .c
.out:   pop edi
        pop esi
        ret

; cmd_allocate(esi = command): file at +4, alignment at +60.
cmd_allocate:
        push esi
        add esi, 4
        call fw_file
        pop esi
        test eax, eax
        jz .out
        mov ebx, [esi + 60]
        dec ebx
        mov edi, [alloc_next]
        add edi, ebx
        not ebx
        and edi, ebx
        push edi
        call fw_read
        pop edi
        lea ebx, [edi + ecx]
        mov [alloc_next], ebx
        push esi
        add esi, 4
        mov ebx, edi
        mov edi, name_tables
        call streq
        pop esi
        jnz .rsdp
        mov [addr_tables], ebx
        ret
.rsdp:  mov [addr_rsdp], ebx
.out:   ret

; cmd_add_pointer(esi): dest file +4, src file +60, offset +116, size +120.
cmd_add_pointer:
        push esi
        add esi, 60
        call file_addr
        mov ebx, eax                      ; source address
        pop esi
        push esi
        add esi, 4
        call file_addr
        pop esi
        add eax, [esi + 116]
        add [eax], ebx                    ; 4- or 8-byte pointers below 4 GiB
        ret

; cmd_add_checksum(esi): file +4, offset +60, start +64, length +68.
cmd_add_checksum:
        push esi
        add esi, 4
        call file_addr
        pop esi
        mov edi, eax
        mov ebx, [esi + 60]
        mov ecx, [esi + 68]
        push esi
        mov esi, [esi + 64]
        add esi, edi
        call checksum
        pop esi
        sub [edi + ebx], al
        ret

alloc_next:  dd ALLOC_BASE
addr_tables: dd 0
addr_rsdp:   dd 0
name_loader: db "etc/table-loader", 0
name_tables: db "etc/acpi/tables", 0
name_rsdp:   db "etc/acpi/rsdp", 0
name_buf:    times 57 db 0

rsdp:     dd 0
rsdt:     dd 0
fadt:     dd 0
dsdt:     dd 0
slp_typ:  dd 0
pm1a_cnt: dd 0
str_still_on: db "FAIL still running after SLP_EN", 13, 10, 0
        align 16
loader_buf:   times 4096 db 0
