/*
 * linux.h - direct boot of Linux bzImage kernels (-kernel -initrd -append)
 * per the Linux x86 boot protocol, Documentation/arch/x86/boot.rst.
 *
 * The loader does not write guest RAM: it plans the layout, patches a copy
 * of the setup header and hands everything to the firmware through fw_cfg
 * (FW_CFG_SETUP_*, KERNEL_*, INITRD_*, CMDLINE_*), with Kestrel's option
 * ROM (pc-bios/linuxboot.asm) as genroms/linuxboot.bin and a bootorder
 * that boots it first. SeaBIOS runs as for any boot; the ROM copies the
 * pieces into RAM and enters the 16-bit setup code, so 32- and 64-bit
 * kernels start the same way and a guest reset boots the kernel again.
 *
 * Layout (protocol >= 2.02 bzImage, as boot.rst's "modern bzImage"):
 *   LINUX_REAL_ADDR     setup code (at most 32 KiB), heap to +0xFE00, stack
 *   LINUX_CMDLINE_ADDR  the command line (NUL-terminated)
 *   LINUX_PROT_ADDR     the protected-mode kernel (code32_start's default)
 *   initrd              page-aligned, ending below initrd_addr_max and below
 *                       the top of RAM under 4 GiB minus LINUX_TOP_RESERVE
 *                       (SeaBIOS keeps its ACPI/SMBIOS tables up there).
 */
#ifndef KESTREL_BIOS_LINUX_H
#define KESTREL_BIOS_LINUX_H

#include "kestrel/common.h"

typedef struct FwCfg FwCfg;

#define LINUX_REAL_ADDR    0x10000u
#define LINUX_CMDLINE_ADDR 0x20000u
#define LINUX_PROT_ADDR    0x100000u
#define LINUX_HEAP_END     (LINUX_CMDLINE_ADDR - LINUX_REAL_ADDR - 0x200u)
#define LINUX_MAX_SETUP    0x8000u
#define LINUX_TOP_RESERVE  0x100000u
#define LINUX_LOADER_TYPE  0xffu          /* "undefined" boot loader id */
#define LINUX_ROM_NAME     "genroms/linuxboot.bin"

/* Setup header fields (boot.rst, "The real-mode kernel header"). */
enum {
    LH_SETUP_SECTS = 0x1f1, LH_BOOT_FLAG = 0x1fe, LH_HEADER = 0x202, LH_VERSION = 0x206,
    LH_TYPE_OF_LOADER = 0x210, LH_LOADFLAGS = 0x211, LH_RAMDISK_IMAGE = 0x218,
    LH_RAMDISK_SIZE = 0x21c, LH_HEAP_END_PTR = 0x224, LH_CMD_LINE_PTR = 0x228,
    LH_INITRD_ADDR_MAX = 0x22c, LH_XLOADFLAGS = 0x236, LH_CMDLINE_SIZE = 0x238,
    LH_PREF_ADDRESS = 0x258, LH_INIT_SIZE = 0x260, LH_END = 0x268,
};
#define LH_MAGIC 0x53726448u               /* "HdrS" */
#define LH_LOADED_HIGH 0x01
#define LH_CAN_USE_HEAP 0x80

/* What the firmware is given; setup is a patched, malloc'd copy. */
typedef struct LinuxBootPlan {
    uint16_t version;
    uint8_t *setup;
    size_t setup_size;
    const uint8_t *kernel;      /* points into the image */
    size_t kernel_size;
    uint32_t initrd_addr;       /* 0 without an initrd */
} LinuxBootPlan;

/* The option ROM, assembled from pc-bios/linuxboot.asm by the Makefile. */
extern const uint8_t linux_boot_rom[];
extern const size_t linux_boot_rom_size;

/* The image carries the "HdrS" setup header (any protocol version). */
bool linux_is_kernel(const uint8_t *image, size_t len);

/*
 * Checks the image and plans the boot for ram_below_4g bytes of RAM;
 * false with a message (no "-kernel FILE: " prefix) if the image is not a
 * loadable bzImage, the command line is too long, or RAM is too small.
 */
bool linux_plan(const uint8_t *image, size_t len, size_t initrd_size, const char *cmdline,
                uint64_t ram_below_4g, LinuxBootPlan *plan, char *err, size_t errlen);
void linux_plan_free(LinuxBootPlan *plan);

/* Fills the fw_cfg items, genroms/linuxboot.bin and bootorder. */
void linux_fw_cfg_fill(FwCfg *fw, const LinuxBootPlan *plan, const uint8_t *initrd,
                       size_t initrd_size, const char *cmdline);

/* Reads -kernel / -initrd and does both steps; messages name the file. */
bool linux_load_files(FwCfg *fw, uint64_t ram_below_4g, const char *kernel,
                      const char *initrd, const char *append, char *err, size_t errlen);

#endif
