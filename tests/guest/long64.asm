; long64.asm - long mode semantics: 64-bit integer operations (operand
; sizes, zero/sign extension, RIP-relative addressing, 128-bit MUL/DIV,
; shift count masking, LOOP on RCX, CMPXCHG16B), FS/GS bases through MSRs
; and SWAPGS, SYSCALL/SYSRET round trips with STAR/LSTAR/FMASK, 64-bit
; interrupt frames (16-byte alignment, IRETQ to ring 3), user/supervisor,
; read-only (CR0.WP) and NX pages, the NX bit as reserved without
; EFER.NXE, #GP on non-canonical addresses, MSR values and IRETQ targets,
; #UD for RDFSBASE and #GP for CR4.PCIDE (neither is advertised), and
; leaving long mode (CR0.PG=0 clears LMA; CR0.PG with LME but no PAE: #GP).
;
; The 64-bit code records (name, actual, expected) triples; back in 32-bit
; compatibility mode they are reported through guest.inc's check_eq. A
; 64-bit IDT with its own stubs records vector, error code, RIP and CR2
; and resumes at the address EXPECT64 armed, on the stack it saved.
; qemu: skip (qemu-system-i386 has no long mode. Under qemu-system-x86_64
; (7.2), whose default CPU has SYSCALL, NX and long mode, all checks pass
; but five the SDM decides otherwise: QEMU reports the RSVD #PF without
; the P bit, lets WRMSR load non-canonical IA32_FS_BASE / IA32_LSTAR, lets
; CR0.PG be set with EFER.LME but no CR4.PAE, and CR4.PCIDE without PCID)
%include "guest.inc"

PML4    equ 0x200000
PDPT    equ 0x201000
PD      equ 0x202000
PT      equ 0x203000            ; maps 0x600000-0x7fffff with 4 KiB pages
IDT64   equ 0x204000
USERPG  equ 0x600000            ; user, writable
SUPPG   equ 0x601000            ; supervisor only
UROPG   equ 0x602000            ; user, read-only
NXPG    equ 0x603000            ; user, writable, NX
ROPG    equ 0x604000            ; supervisor, read-only

SEL_K64    equ 0x38             ; STAR[47:32]: SYSCALL CS, SS = +8
SEL_KDATA  equ 0x40
SEL_UBASE  equ 0x48             ; STAR[63:48]: SYSRET CS = +16 (64-bit), SS = +8
SEL_UCS64  equ SEL_UBASE + 16 + 3
SEL_USS    equ SEL_UBASE + 8 + 3
SEL_TSS64  equ 0x60             ; 16-byte descriptor: slots 0x60 and 0x68

EFER    equ 0xc0000080
STAR    equ 0xc0000081
LSTAR   equ 0xc0000082
FMASK   equ 0xc0000084
FS_BASE equ 0xc0000100
GS_BASE equ 0xc0000101
KGS_BASE equ 0xc0000102
EFER_SCE equ 1
EFER_LME equ 1 << 8
EFER_NXE equ 1 << 11
FLAGS_T equ 0x8d7               ; OF SF ZF AF PF CF and bit 1
FLAGS_S equ 0x40002             ; AC and bit 1 (no arithmetic flags: QEMU 7.2's
                                ; SYSCALL clears them whatever FMASK says)

; ---- 32-bit: page tables, descriptors, MSRs, then long mode ----

test_main:
        cld
        mov edi, PML4
        xor eax, eax
        mov ecx, 4 * 1024
        rep stosd
        mov dword [PML4], PDPT | 7
        mov dword [PDPT], PD | 7
        mov edi, PD
        mov eax, 0x87                     ; 2 MiB, user, writable
        mov ecx, 512
.pd:    mov [edi], eax
        add eax, 0x200000
        add edi, 8
        loop .pd
        mov dword [PD + 3 * 8], PT | 7
        mov edi, PT
        mov eax, 0x600000 | 3             ; supervisor, writable
        mov ecx, 512
.pt:    mov [edi], eax
        add eax, 0x1000
        add edi, 8
        loop .pt
        mov dword [PT + 0 * 8], USERPG | 7
        mov dword [PT + 2 * 8], UROPG | 5
        mov dword [PT + 3 * 8], NXPG | 7
        mov dword [PT + 3 * 8 + 4], 0x80000000
        mov dword [PT + 4 * 8], ROPG | 1
        mov byte [UROPG], 0x5c
        mov byte [NXPG], 0xc3             ; ret

        mov eax, SEL_K64
        mov ebx, 0x0000ffff
        mov edx, 0x00af9a00               ; 64-bit code, DPL 0
        call set_gdt
        mov eax, SEL_KDATA
        mov edx, 0x00cf9200
        call set_gdt
        mov eax, SEL_UBASE
        mov edx, 0x00cffa00               ; 32-bit code, DPL 3
        call set_gdt
        mov eax, SEL_UBASE + 8
        mov edx, 0x00cff200               ; data, DPL 3
        call set_gdt
        mov eax, SEL_UBASE + 16
        mov edx, 0x00affa00               ; 64-bit code, DPL 3
        call set_gdt
        mov dword [tss64 + 4], RING0_STACK
        mov word [tss64 + 102], 104
        mov eax, SEL_TSS64
        mov ebx, tss64
        shl ebx, 16
        or ebx, 103
        mov edx, tss64
        shr edx, 16
        and edx, 0xff
        or edx, 0x8900                    ; present, 64-bit available TSS
        call set_gdt                      ; (tss64 lies below 16 MiB)
        mov eax, SEL_TSS64 + 8
        xor ebx, ebx
        xor edx, edx
        call set_gdt
        call idt64_init

        mov ecx, STAR
        xor eax, eax
        mov edx, (SEL_UBASE << 16) | SEL_K64
        wrmsr
        mov ecx, LSTAR
        mov eax, syscall64
        xor edx, edx
        wrmsr
        mov ecx, FMASK
        mov eax, 0x400                    ; DF
        wrmsr
        mov eax, cr4
        or eax, 0x20                      ; PAE
        mov cr4, eax
        mov eax, PML4
        mov cr3, eax
        mov ecx, EFER
        rdmsr
        or eax, EFER_LME | EFER_NXE | EFER_SCE
        wrmsr
        mov eax, cr0
        or eax, 0x80000000
        mov cr0, eax
        jmp SEL_K64:long_entry

; idt64_init: vectors 0-31 to the recording stubs, 0x40 (DPL 0) and 0x41
; (DPL 3) to the frame recorder.
idt64_init:
        mov edi, IDT64
        xor eax, eax
        mov ecx, 1024
        rep stosd
        xor ebx, ebx
.loop:  mov eax, [stub64_table + ebx * 4]
        mov dl, 0x8e
        call gate64
        inc ebx
        cmp ebx, 32
        jb .loop
        mov eax, int_frame
        mov ebx, 0x40
        call gate64
        mov eax, int_frame
        mov ebx, 0x41
        mov dl, 0xee
        jmp gate64

; gate64(handler=eax, vector=ebx, type/attributes=dl): a 16-byte gate to SEL_K64.
gate64:
        push edi
        mov edi, ebx
        shl edi, 4
        add edi, IDT64
        mov [edi], ax
        mov word [edi + 2], SEL_K64
        mov byte [edi + 4], 0
        mov [edi + 5], dl
        shr eax, 16
        mov [edi + 6], ax
        mov dword [edi + 8], 0
        mov dword [edi + 12], 0
        pop edi
        ret

; ---- 32-bit compatibility mode: the report ----
; (A record whose high halves differ is reported with the high halves.)

compat_report:
        mov eax, cr0
        and eax, 0x7fffffff
        mov cr0, eax                      ; leaves long mode: legacy protected mode
        lidt [idt_desc]                   ; guest.inc's 32-bit IDT again
        mov ecx, EFER
        rdmsr
        and eax, EFER_LME | (1 << 10)
        CHECK eax, EFER_LME, "CR0.PG=0 in compatibility mode clears EFER.LMA"
        mov eax, cr4
        and eax, ~0x20
        mov cr4, eax
        EXPECT_EXC .pg
        mov eax, cr0
        or eax, 0x80000000
.pgf:   mov cr0, eax
.pg:    EXC_RESULT "CR0.PG with EFER.LME and without CR4.PAE", 13, 0, .pgf
        mov eax, cr0
        and eax, 0x7fffffff
        mov cr0, eax                      ; (QEMU does not fault: paging off again)
        CHECK [unexp_vec], 0xffffffff, "no unexpected exception in 64-bit code"
        CHECK [unexp_rip], 0, "RIP of an unexpected exception"
        mov esi, results
.next:  cmp esi, [rec_ptr]
        jae .done
        mov eax, [esi + 12]               ; actual, high half
        cmp eax, [esi + 20]
        jne .high
        push dword [esi + 16]
        push dword [esi + 8]
        jmp .check
.high:  push dword [esi + 20]
        push eax
.check: push dword [esi]
        call check_eq
        add esp, 12
        add esi, 24
        jmp .next
.done:  ret

; ---- 64-bit ----

        bits 64

; RES "name", expected: records rax against expected (clobbers rbx, rcx).
%macro RES 2
        mov rbx, %2
        mov rcx, %%name
        call record
        jmp %%skip
%%name: db %1, 0
%%skip:
%endmacro

; EXPECT64 label: the next exception (or SYSCALL) resumes at label on this stack.
%macro EXPECT64 1
        mov qword [x_vec], -1
        mov qword [x_err], -1
        mov qword [x_recover], %1
        mov [x_rsp], rsp
%endmacro

; EXC_RES64 "name", vector, error code
%macro EXC_RES64 3
        mov rax, [x_vec]
        RES {%1, " vector"}, %2
        mov rax, [x_err]
        RES {%1, " error code"}, %3
        mov qword [x_recover], unexpected64
%endmacro

; TO_USER label, rflags: SYSRET to 64-bit ring 3 at label on the user stack.
%macro TO_USER 2
        mov rcx, %1
        mov r11, %2
        mov rsp, USER_STACK
        o64 sysret
%endmacro

; MSR_WRITE index, value (clobbers rax, rcx, rdx)
%macro MSR_WRITE 2
        mov ecx, %1
        mov rax, %2
        mov rdx, rax
        shr rdx, 32
        wrmsr
%endmacro

record:
        pushfq
        push rdi
        mov rdi, [rec_ptr]
        mov [rdi], rcx
        mov [rdi + 8], rax
        mov [rdi + 16], rbx
        add qword [rec_ptr], 24
        pop rdi
        popfq
        ret

%assign v 0
%rep 32
stub64_ %+ v:
%if v != 8 && (v < 10 || v > 14) && v != 17
        push 0
%endif
        push v
        jmp exc64_common
%assign v v+1
%endrep

exc64_common:
        pop qword [x_vec]
        pop qword [x_err]
        mov rax, [rsp]
        mov [x_rip], rax
        mov rax, [rsp + 8]
        mov [x_cs], rax
        mov rax, cr2
        mov [x_cr2], rax
        mov rsp, [x_rsp]
        jmp [x_recover]

unexpected64:
        mov rax, [x_vec]
        mov [unexp_vec], rax
        mov rax, [x_rip]
        mov [unexp_rip], rax
        jmp leave64

; LSTAR: records what SYSCALL did, then resumes like an exception.
syscall64:
        mov [sc_rcx], rcx
        mov [sc_r11], r11
        pushfq
        pop qword [sc_flags]
        mov [sc_rax], rax
        mov [sc_rbx], rbx
        mov [sc_r8], r8
        xor eax, eax
        mov ax, cs
        mov [sc_cs], rax
        mov ax, ss
        mov [sc_ss], rax
        cld
        mov rsp, [x_rsp]
        jmp [x_recover]

; INT 0x40/0x41: records RSP and the five-qword frame, returns with IRETQ.
int_frame:
        mov [if_rsp], rsp
%assign i 0
%rep 5
        mov rax, [rsp + i * 8]
        mov [if_frame + i * 8], rax
%assign i i+1
%endrep
        iretq

long_entry:
        mov [entry_rsp], rsp
        lidt [idt64_desc]
        mov ax, SEL_TSS64
        ltr ax
        call integer_tests
        call segment_tests
        call syscall_tests
        call frame_tests
        call paging_tests
        call canonical_tests
leave64:
        mov rsp, [entry_rsp]
        mov ax, SEL_DATA32
        mov ds, ax
        mov es, ax
        mov fs, ax
        mov gs, ax
        mov ss, ax
        push SEL_CODE32
        push compat_report
        retfq

integer_tests:
        mov rax, 0xffffffff
        add rax, 1
        RES "add carries into bit 32", 0x100000000
        mov rax, -1
        mov eax, 5
        RES "32-bit mov zero-extends", 5
        mov rax, -1
        add eax, 0
        RES "32-bit add zero-extends", 0xffffffff
        mov rax, -1
        mov ax, 5
        RES "16-bit mov keeps bits 63..16", 0xffffffffffff0005
        mov rax, 0x1122334455667788
        mov al, 0
        RES "8-bit mov keeps bits 63..8", 0x1122334455667700
        xor esi, esi
        mov sil, 0xab
        mov rax, rsi
        RES "REX byte register SIL", 0xab
        mov r9, 0x0123456789abcdef
        mov r9d, r9d
        mov rax, r9
        RES "mov r9d, r9d zero-extends", 0x89abcdef
        mov rax, 0x123456789
        imul rax, rax, 16
        RES "imul r64, r/m64, imm8", 0x1234567890
        mov rax, -1
        mov rcx, 2
        mul rcx
        mov r8, rdx
        RES "mul r64: rax", 0xfffffffffffffffe
        mov rax, r8
        RES "mul r64: rdx", 1
        mov rdx, 1
        xor eax, eax
        mov rcx, 2
        div rcx
        RES "div r64 of rdx:rax", 0x8000000000000000
        mov rax, -7
        cqo
        mov rcx, 2
        idiv rcx
        mov r8, rdx
        RES "idiv r64 quotient", -3
        mov rax, r8
        RES "idiv r64 remainder", -1
        mov rax, 1
        mov cl, 68
        shl rax, cl
        RES "shl r64 masks the count to 6 bits", 16
        mov rax, 0x8000000000000000
        sar rax, 63
        RES "sar r64, 63", -1
        mov eax, 0x80000000
        movsxd rax, eax
        RES "movsxd", 0xffffffff80000000
        mov eax, 0x80000000
        cdqe
        RES "cdqe", 0xffffffff80000000
        mov rax, 0x0102030405060708
        bswap rax
        RES "bswap r64", 0x0807060504030201
        mov rax, 0x0000100000000000
        bsr rax, rax
        RES "bsr r64", 44
        mov rax, 0x1234
        mov rdx, 0xabcd000000000000
        shld rax, rdx, 16
        RES "shld r64", 0x1234abcd
        mov rax, -1
        mov rcx, 2
        imul rcx
        mov r8, rdx
        RES "imul r64 (one operand): rax", -2
        mov rax, r8
        RES "imul r64 (one operand): rdx", -1
        mov rax, -1
        add rax, 1
        mov rax, 0x7fffffff00000000
        adc rax, 0xff
        RES "adc r64 with carry", 0x7fffffff00000100
        mov rax, 0x8000000000000000
        bt rax, 63
        setc al
        movzx eax, al
        RES "bt r64, 63", 1
        mov rax, 5
        mov rdx, 0x123456789abcdef0
        test eax, eax
        cmovnz rax, rdx
        RES "cmovnz r64", 0x123456789abcdef0
        mov rax, [abs qword rip_data + 8]
        RES "mov rax, moffs64", 0x99aabbccddeeff00
        mov ah, 0xd7
        sahf
        mov ah, 0
        lahf
        movzx eax, ah
        RES "SAHF/LAHF in 64-bit mode (LAHF_LM)", 0xd7
        mov rax, 0x7fffffffffffffff
        add rax, 1
        pushfq
        pop rax
        and eax, 0x8d5
        RES "add r64 overflow: OF SF AF PF", 0x894
        mov r8, rsp
        push -1
        mov rax, r8
        sub rax, rsp
        pop r14
        RES "push imm moves rsp by 8", 8
        mov rax, r14
        RES "push imm sign-extends to 64 bits", -1
        lea rax, [rel rip_data]
        RES "lea rip-relative", rip_data
        mov rax, [rel rip_data]
        RES "load rip-relative", 0x1122334455667788
        mov rcx, 0x100000001
        xor eax, eax
.lp:    inc eax
        cmp eax, 3
        je .lpout
        loop .lp
.lpout: RES "loop counts in all of rcx", 3
        mov rdi, movs_dst
        mov rsi, rip_data
        mov rcx, 2
        rep movsq
        mov rax, [movs_dst + 8]
        RES "rep movsq", 0x99aabbccddeeff00

        mov rax, 0x1111
        mov rdx, 0x2222
        mov rbx, 0x3333
        mov rcx, 0x4444
        lock cmpxchg16b [c16]
        setz al
        movzx eax, al
        RES "cmpxchg16b equal: ZF", 1
        mov rax, [c16]
        RES "cmpxchg16b equal: stores rbx", 0x3333
        mov rax, [c16 + 8]
        RES "cmpxchg16b equal: stores rcx", 0x4444
        xor eax, eax
        xor edx, edx
        mov rbx, 0x5555
        mov rcx, 0x6666
        lock cmpxchg16b [c16]
        setz r8b
        mov r9, rax
        mov r10, rdx
        movzx eax, r8b
        RES "cmpxchg16b differ: ZF", 0
        mov rax, r9
        RES "cmpxchg16b differ: loads rax", 0x3333
        mov rax, r10
        RES "cmpxchg16b differ: loads rdx", 0x4444
        EXPECT64 .x1
        cmpxchg16b [c16 + 8]
.x1:    EXC_RES64 "cmpxchg16b misaligned", 13, 0
        ret

segment_tests:
        MSR_WRITE FS_BASE, fs_data
        mov rax, [fs:8]
        RES "FS base from IA32_FS_BASE", 0xf5f5f5f5f5f5f5f5
        MSR_WRITE GS_BASE, gs_data
        MSR_WRITE KGS_BASE, gs_data + 8
        swapgs
        mov rax, [gs:0]
        RES "SWAPGS loads KERNEL_GS_BASE", 0x6262626262626262
        mov ecx, KGS_BASE
        rdmsr
        shl rdx, 32
        or rax, rdx
        RES "SWAPGS saves the GS base", gs_data
        swapgs
        mov rax, [gs:0]
        RES "second SWAPGS", 0x6161616161616161
        EXPECT64 .fsb
        rdfsbase rax                      ; CPUID.7:EBX.FSGSBASE is not advertised
.fsb:   EXC_RES64 "RDFSBASE without FSGSBASE", 6, 0
        EXPECT64 .pcid
        mov rax, cr4
        bts rax, 17                       ; CR4.PCIDE: PCID is not advertised
        mov cr4, rax
.pcid:  EXC_RES64 "CR4.PCIDE without PCID", 13, 0
        mov rax, cr4
        btr rax, 17                       ; (QEMU does not fault: clear it again)
        mov cr4, rax
        ret

syscall_tests:
        EXPECT64 .back
        TO_USER .user, FLAGS_T
.user:  pushfq
        pop rax
        xor ebx, ebx
        mov bx, cs
        xor r8d, r8d
        mov r8w, ss
        push FLAGS_S | 0x400              ; DF, masked by FMASK; AC, kept
        popfq
        syscall
.after: ud2
.back:  mov rax, [sc_rax]
        RES "SYSRET loads RFLAGS from R11", FLAGS_T
        mov rax, [sc_rbx]
        RES "SYSRET CS", SEL_UCS64
        mov rax, [sc_r8]
        RES "SYSRET SS", SEL_USS
        mov rax, [sc_rcx]
        RES "SYSCALL saves RIP in RCX", .after
        mov rax, [sc_r11]
        RES "SYSCALL saves RFLAGS in R11", FLAGS_S | 0x400
        mov rax, [sc_flags]
        RES "SYSCALL clears the FMASK bits", FLAGS_S
        mov rax, [sc_cs]
        RES "SYSCALL CS", SEL_K64
        mov rax, [sc_ss]
        RES "SYSCALL SS", SEL_KDATA
        mov rax, [x_vec]
        RES "SYSCALL round trip without exception", -1

        EXPECT64 .nc
        mov rcx, 0x0000800000000000
        mov r11, 2
        o64 sysret
.nc:    EXC_RES64 "SYSRET to a non-canonical RCX", 13, 0
        EXPECT64 .u1
        TO_USER .u1u, 2
.u1u:   o64 sysret
.u1:    EXC_RES64 "SYSRET in ring 3", 13, 0
        EXPECT64 .u2
        TO_USER .u2u, 2
.u2u:   swapgs
.u2:    EXC_RES64 "SWAPGS in ring 3", 13, 0
        mov ecx, EFER
        rdmsr
        and eax, ~EFER_SCE
        wrmsr
        EXPECT64 .ud
        syscall
.ud:    EXC_RES64 "SYSCALL with EFER.SCE clear", 6, 0
        mov ecx, EFER
        rdmsr
        or eax, EFER_SCE
        wrmsr
        ret

frame_tests:
        mov ax, SEL_DATA32
        mov ss, ax
        mov r12, rsp
        and rsp, ~15
        sub rsp, 8
        mov r13, rsp
        int 0x40
.ret40: mov rsp, r12
        mov rax, [if_rsp]
        sub rax, r13
        RES "interrupt frame: RSP aligned to 16 first", -48
        mov rax, [if_frame]
        RES "interrupt frame: RIP", .ret40
        mov rax, [if_frame + 8]
        RES "interrupt frame: CS", SEL_K64
        mov rax, [if_frame + 24]
        sub rax, r13
        RES "interrupt frame: RSP", 0
        mov rax, [if_frame + 32]
        RES "interrupt frame: SS", SEL_DATA32
        EXPECT64 .nci
        mov rax, rsp
        push SEL_DATA32
        push rax
        pushfq
        push SEL_K64
        mov rax, 0x0000800000000000
        push rax
        iretq
.nci:   EXC_RES64 "IRETQ to a non-canonical RIP", 13, 0

        EXPECT64 .back
        TO_USER .user, 2
.user:  int 0x41
.uret:  syscall
.back:  mov rax, [if_frame]
        RES "ring 3 interrupt frame: RIP", .uret
        mov rax, [if_frame + 8]
        RES "ring 3 interrupt frame: CS", SEL_UCS64
        mov rax, [if_frame + 24]
        RES "ring 3 interrupt frame: RSP", USER_STACK
        mov rax, [if_frame + 32]
        RES "ring 3 interrupt frame: SS", SEL_USS
        mov rax, [if_rsp]
        RES "ring 3 interrupt: stack from TSS.RSP0", RING0_STACK - 40
        mov rax, [x_vec]
        RES "IRETQ back to ring 3 without exception", -1
        ret

paging_tests:
        EXPECT64 .p1
        TO_USER .p1u, 2
.p1u:   mov al, [SUPPG]
.p1:    EXC_RES64 "user read of a supervisor page", 14, 5
        mov rax, [x_cr2]
        RES "user read of a supervisor page: CR2", SUPPG
        EXPECT64 .p2
        TO_USER .p2u, 2
.p2u:   mov byte [UROPG], 1
.p2:    EXC_RES64 "user write to a read-only page", 14, 7
        EXPECT64 .p3
        TO_USER .p3u, 2
.p3u:   movzx eax, byte [UROPG]
        mov byte [USERPG], 1
        syscall
.p3:    mov rax, [x_vec]
        RES "user read of a read-only page, write of a writable one", -1
        mov rax, [sc_rax]
        RES "user read of a read-only page: value", 0x5c
        EXPECT64 .p4
        TO_USER .p4u, 2
.p4u:   mov rax, NXPG
        call rax
.p4:    EXC_RES64 "user fetch from an NX page", 14, 0x15
        mov rax, [x_rip]
        RES "user fetch from an NX page: RIP", NXPG

        EXPECT64 .k1
        mov rax, NXPG
        call rax
.k1:    EXC_RES64 "kernel fetch from an NX page", 14, 0x11
        mov rax, [x_cr2]
        RES "kernel fetch from an NX page: CR2", NXPG
        movzx eax, byte [NXPG]
        RES "kernel read of an NX page", 0xc3
        mov rax, cr0
        btr rax, 16
        mov cr0, rax
        invlpg [ROPG]
        mov byte [ROPG], 0x77
        movzx eax, byte [ROPG]
        RES "CR0.WP=0: supervisor write to a read-only page", 0x77
        mov rax, cr0
        bts rax, 16
        mov cr0, rax
        invlpg [ROPG]
        EXPECT64 .k2
        mov byte [ROPG], 0x78
.k2:    EXC_RES64 "CR0.WP=1: supervisor write to a read-only page", 14, 3
        mov ecx, EFER
        rdmsr
        and eax, ~EFER_NXE
        wrmsr
        invlpg [NXPG]
        EXPECT64 .k3
        mov al, [NXPG]
.k3:    EXC_RES64 "NX bit with EFER.NXE clear", 14, 9
        mov ecx, EFER
        rdmsr
        or eax, EFER_NXE
        wrmsr
        invlpg [NXPG]
        ret

canonical_tests:
        EXPECT64 .c1
        mov rax, 0x0000800000000000
.c1f:   mov rbx, [rax]
.c1:    EXC_RES64 "load from a non-canonical address", 13, 0
        mov rax, [x_rip]
        RES "load from a non-canonical address: RIP", .c1f
        EXPECT64 .c2
        mov rax, 0xffff7fffffffffff
        mov byte [rax], 1
.c2:    EXC_RES64 "store to a non-canonical address", 13, 0
        EXPECT64 .c3
        mov rax, 0xffff800000000000
        mov rbx, [rax]
.c3:    EXC_RES64 "load from an unmapped canonical high address", 14, 0
        mov rax, [x_cr2]
        RES "load from an unmapped canonical high address: CR2", 0xffff800000000000
        EXPECT64 .c4
        mov ecx, FS_BASE
        xor eax, eax
        mov edx, 0x00008000
        wrmsr
.c4:    EXC_RES64 "WRMSR IA32_FS_BASE non-canonical", 13, 0
        EXPECT64 .c5
        mov ecx, LSTAR
        xor eax, eax
        mov edx, 0x80000000
        wrmsr
.c5:    EXC_RES64 "WRMSR IA32_LSTAR non-canonical", 13, 0
        ret

        align 8
rip_data:   dq 0x1122334455667788, 0x99aabbccddeeff00
movs_dst:   dq 0, 0
fs_data:    dq 0, 0xf5f5f5f5f5f5f5f5
gs_data:    dq 0x6161616161616161, 0x6262626262626262
        align 16
c16:        dq 0x1111, 0x2222, 0, 0
idt64_desc: dw 256 * 16 - 1
            dq IDT64
        align 8
entry_rsp:  dq 0
x_vec:      dq 0
x_err:      dq 0
x_rip:      dq 0
x_cs:       dq 0
x_cr2:      dq 0
x_rsp:      dq 0
x_recover:  dq unexpected64
unexp_vec:  dq -1
unexp_rip:  dq 0
sc_rcx:     dq 0
sc_r11:     dq 0
sc_flags:   dq 0
sc_rax:     dq 0
sc_rbx:     dq 0
sc_r8:      dq 0
sc_cs:      dq 0
sc_ss:      dq 0
if_rsp:     dq 0
if_frame:   times 5 dq 0
rec_ptr:    dq results
        align 16
tss64:      times 104 db 0
stub64_table:
%assign v 0
%rep 32
        dd stub64_ %+ v
%assign v v+1
%endrep
results:    times 24 * 128 db 0
