/*
 * multiboot.h - direct loading of Multiboot (v1, spec 0.6.96) kernels.
 *
 * The loader works on a plain RAM buffer (guest physical address p below
 * 4 GiB is ram[p]), so it can be tested without a machine. It copies the
 * kernel (ELF32 or a.out-kludge) and the modules into RAM and writes the
 * Multiboot information structure, the memory map and the strings into low
 * memory at MB_INFO_AREA, where QEMU's loader puts them. Setting the CPU to
 * the entry state (EAX = MB_BOOT_MAGIC, EBX = info_addr, flat 32-bit
 * segments) is the caller's job.
 */
#ifndef KESTREL_BIOS_MULTIBOOT_H
#define KESTREL_BIOS_MULTIBOOT_H

#include "kestrel/common.h"

#define MB_HEADER_MAGIC   0x1BADB002u
#define MB_BOOT_MAGIC     0x2BADB002u
#define MB_SEARCH_LEN     8192          /* the header lies in the first 8 KiB */
#define MB_MMAP_ADDR      0x9000u       /* memory map, then the info structure */
#define MB_INFO_ADDR      0x9500u
#define MB_INFO_AREA_END  0x9FC00u      /* the EBDA starts here */
#define MB_BOOTLOADER_NAME "kestrel"

/* Offsets in the information structure (spec 3.3). */
enum {
    MBI_FLAGS = 0, MBI_MEM_LOWER = 4, MBI_MEM_UPPER = 8, MBI_BOOT_DEVICE = 12,
    MBI_CMDLINE = 16, MBI_MODS_COUNT = 20, MBI_MODS_ADDR = 24, MBI_MMAP_LENGTH = 44,
    MBI_MMAP_ADDR = 48, MBI_BOOT_LOADER_NAME = 64, MBI_SIZE = 88,
};
/* Bits of MBI_FLAGS. */
enum {
    MBI_F_MEM = 1 << 0, MBI_F_BOOT_DEVICE = 1 << 1, MBI_F_CMDLINE = 1 << 2,
    MBI_F_MODS = 1 << 3, MBI_F_MMAP = 1 << 6, MBI_F_LOADER_NAME = 1 << 9,
};
/* Bits of the header's flags. */
enum { MBH_F_PAGE_ALIGN = 1 << 0, MBH_F_MEMINFO = 1 << 1, MBH_F_VIDEO = 1 << 2,
       MBH_F_AOUT_KLUDGE = 1 << 16 };

typedef struct MultibootHeader {
    uint32_t offset;        /* of the magic in the file */
    uint32_t flags;
    /* a.out kludge fields (valid with MBH_F_AOUT_KLUDGE) */
    uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
} MultibootHeader;

/* Guest RAM as the loader sees it. */
typedef struct MultibootRam {
    uint8_t *ram;
    uint64_t below_4g;      /* RAM bytes from address 0 (ram holds at least this many) */
    uint64_t above_4g;      /* RAM above 4 GiB, for the memory map only */
} MultibootRam;

typedef struct MultibootModule {
    const uint8_t *data;
    size_t size;
    const char *cmdline;    /* "file args" as given to -initrd */
} MultibootModule;

typedef struct MultibootBoot {
    uint32_t entry;
    uint32_t info_addr;
} MultibootBoot;

/* Finds a header with a valid checksum in the first 8 KiB; false if none. */
bool multiboot_find_header(const uint8_t *image, size_t len, MultibootHeader *h);

/* Loads an image already in memory; false with a message (no "-kernel FILE: " prefix). */
bool multiboot_load(const MultibootRam *mem, const uint8_t *image, size_t len,
                    const char *cmdline, const MultibootModule *mods, int n_mods,
                    MultibootBoot *out, char *err, size_t errlen);

/*
 * Reads -kernel FILE, the -initrd "file args,file args" modules and builds
 * the command line "FILE APPEND" as QEMU does; false with a message that
 * names the file ("-kernel FILE: not a multiboot kernel").
 */
bool multiboot_load_files(const MultibootRam *mem, const char *kernel, const char *initrd,
                          const char *append, MultibootBoot *out, char *err, size_t errlen);

#endif
