; multiboot.asm - the multiboot entry state: magic in EAX, info flags via EBX.
%include "guest.inc"
test_main:
        CHECK [mb_magic], 0x2BADB002, "multiboot magic in EAX"
        mov eax, [mb_info]
        mov eax, [eax]
        and eax, 0x41                     ; mem and mmap flags
        CHECK eax, 0x41, "multiboot info flags"
        ret
