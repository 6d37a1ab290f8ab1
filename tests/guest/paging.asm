; paging.asm - 32-bit paging: 4 KiB pages and 4 MiB pages (CR4.PSE), the
; accessed and dirty bits in PTEs and PDEs, #PF with CR2 and the error code
; (not present, write, user), U/S checks from ring 3, and R/W with and
; without CR0.WP for supervisor writes.
%include "guest.inc"

PD      equ 0x200000
PT_LOW  equ 0x201000            ; identity map of 0-4 MiB, user and writable
PT_TEST equ 0x202000            ; the page table of 0x10000000
PG_P    equ 1
PG_RW   equ 2
PG_US   equ 4
PG_A    equ 0x20
PG_D    equ 0x40
PG_PS   equ 0x80
VA_RW   equ 0x10000000          ; -> 0x300000, user, writable
VA_SUP  equ 0x10001000          ; -> 0x301000, supervisor only
VA_RO   equ 0x10002000          ; -> 0x302000, user, read-only
VA_BIG  equ 0x10800000          ; 4 MiB page -> physical 0
VA_NONE equ 0x20000000          ; PDE not present

test_main:
        call setup_tss
        cld
        mov edi, PD
        xor eax, eax
        mov ecx, 3 * 1024
        rep stosd
        mov edi, PT_LOW
        mov eax, PG_P | PG_RW | PG_US
.fill:  stosd
        add eax, 0x1000
        cmp edi, PT_LOW + 4096
        jb .fill
        mov dword [PD + 0 * 4], PT_LOW | PG_P | PG_RW | PG_US
        mov dword [PD + (VA_RW >> 22) * 4], PT_TEST | PG_P | PG_RW | PG_US
        mov dword [PD + (VA_BIG >> 22) * 4], 0 | PG_PS | PG_P | PG_RW | PG_US
        mov dword [PT_TEST + 0 * 4], 0x300000 | PG_P | PG_RW | PG_US
        mov dword [PT_TEST + 1 * 4], 0x301000 | PG_P | PG_RW
        mov dword [PT_TEST + 2 * 4], 0x302000 | PG_P | PG_US
        mov dword [0x300000], 0x11111111
        mov dword [0x302000], 0x33333333

        mov eax, PD
        mov cr3, eax
        mov eax, cr4
        or eax, 0x10                      ; PSE
        mov cr4, eax
        mov eax, cr0
        or eax, 0x80000000
        mov cr0, eax
        CHECK [mb_magic], 0x2badb002, "identity mapping after CR0.PG"

        mov eax, [VA_RW]
        CHECK eax, 0x11111111, "read through a 4 KiB page"
        CHECK [PT_TEST], 0x300000 | PG_P | PG_RW | PG_US | PG_A, "PTE accessed after read"
        CHECK [PD + (VA_RW >> 22) * 4], PT_TEST | PG_P | PG_RW | PG_US | PG_A, "PDE accessed"
        mov dword [VA_RW + 4], 0x22222222
        CHECK [0x300004], 0x22222222, "write through a 4 KiB page"
        CHECK [PT_TEST], 0x300000 | PG_P | PG_RW | PG_US | PG_A | PG_D, "PTE dirty after write"

        mov dword [VA_BIG + 0x300008], 0x44444444
        CHECK [0x300008], 0x44444444, "write through a 4 MiB page"
        mov eax, [VA_BIG + 0x300000]
        CHECK eax, 0x11111111, "read through a 4 MiB page"
        CHECK [PD + (VA_BIG >> 22) * 4], PG_PS | PG_P | PG_RW | PG_US | PG_A | PG_D, "4 MiB PDE accessed and dirty"

        EXPECT_EXC .r1
.f1:    mov eax, [VA_NONE + 0x123]
.r1:    EXC_RESULT "read not present", 14, 0, .f1
        mov eax, cr2
        CHECK eax, VA_NONE + 0x123, "read not present cr2"

        EXPECT_EXC .r2
.f2:    mov dword [VA_NONE + 0x456], 0
.r2:    EXC_RESULT "write not present", 14, 2, .f2
        CHECK [exc_cr2], VA_NONE + 0x456, "write not present cr2"

        mov dword [VA_RO + 8], 0x55555555   ; CR0.WP = 0: supervisor writes go through
        CHECK [0x302008], 0x55555555, "supervisor write to read-only page, WP=0"
        mov eax, cr0
        or eax, 0x10000                   ; WP
        mov cr0, eax
        EXPECT_EXC .r3
.f3:    mov dword [VA_RO + 12], 0x66666666
.r3:    EXC_RESULT "supervisor write to read-only page, WP=1", 14, 3, .f3
        CHECK [exc_cr2], VA_RO + 12, "WP fault cr2"
        CHECK [0x30200c], 0, "WP fault did not write"

        mov [saved_esp], esp
        EXPECT_EXC .r4
        mov eax, user_read_supervisor
        jmp enter_ring3
.r4:    mov esp, [saved_esp]
        call kernel_segments
        EXC_RESULT "user read of a supervisor page", 14, 5, user_read_supervisor.f
        CHECK [exc_cr2], VA_SUP, "user read cr2"

        EXPECT_EXC .r5
        mov eax, user_write_readonly
        jmp enter_ring3
.r5:    mov esp, [saved_esp]
        call kernel_segments
        EXC_RESULT "user write to a read-only page", 14, 7, user_write_readonly.f
        CHECK [exc_cr2], VA_RO, "user write cr2"

        EXPECT_EXC .r6
        mov eax, user_read_ok
        jmp enter_ring3
.r6:    mov esp, [saved_esp]
        call kernel_segments
        CHECK [user_value], 0x33333333, "user read of a user page"
        CHECK [exc_vector], 6, "back from ring 3 via ud2"

        mov eax, cr0
        and eax, 0x7fffffff
        mov cr0, eax
        ret

user_read_supervisor:
.f:     mov eax, [VA_SUP]
        ud2
user_write_readonly:
.f:     mov dword [VA_RO], 0
        ud2
user_read_ok:
        mov eax, [VA_RO]
        mov [user_value], eax
        ud2                               ; #UD brings the test back to ring 0

saved_esp:  dd 0
user_value: dd 0
