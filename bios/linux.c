/*
 * linux.c - Linux bzImage direct boot: check the setup header, plan where
 * the pieces go, patch the header as a boot loader does, and give it all to
 * the firmware through fw_cfg with the linuxboot option ROM (see linux.h
 * for the layout and pc-bios/linuxboot.asm for the ROM's side).
 *
 * Invariants: the image is only read (the header is patched in a copy);
 * every header field is read after checking the image is long enough to
 * hold it; a plan exists only if everything fits in RAM, so the ROM never
 * writes outside RAM; addresses passed through fw_cfg fit in 32 bits.
 */
#include "bios/linux.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include "bios/loader.h"
#include "kestrel/fw_cfg.h"
#include "kestrel/log.h"

#define PAGE_MASK 0xfffull
#define MIN_VERSION 0x202                 /* cmd_line_ptr, heap; bzImage needs LOADED_HIGH */
#define OLD_INITRD_ADDR_MAX 0x37ffffffu   /* before protocol 2.03 */
#define OLD_CMDLINE_SIZE 255u             /* before protocol 2.06 */
#define BOOTORDER "/rom@" LINUX_ROM_NAME "\n"

bool linux_is_kernel(const uint8_t *image, size_t len)
{
    return len >= LH_END && ld32_le(image + LH_HEADER) == LH_MAGIC;
}

/* The lowest address the initrd may start at: above the kernel and its decompression area. */
static uint64_t kernel_end(const uint8_t *image, uint16_t version, size_t kernel_size)
{
    uint64_t end = LINUX_PROT_ADDR + (uint64_t)kernel_size;
    if (version >= 0x20a) {
        uint64_t pref = ld64_le(image + LH_PREF_ADDRESS) + ld32_le(image + LH_INIT_SIZE);
        if (pref > end)
            end = pref;
    }
    return end;
}

/* Header checks that do not depend on RAM; fills version and the setup/kernel split. */
static bool check_image(const uint8_t *image, size_t len, LinuxBootPlan *plan,
                        char *err, size_t errlen)
{
    if (!linux_is_kernel(image, len))
        return error_setf(err, errlen, "not a Linux kernel (no HdrS setup header)");
    plan->version = ld16_le(image + LH_VERSION);
    if (plan->version < MIN_VERSION || !(image[LH_LOADFLAGS] & LH_LOADED_HIGH))
        return error_setf(err, errlen, "Linux boot protocol %u.%02u %s is not supported "
                          "(need a bzImage, protocol 2.02 or later)", plan->version >> 8,
                          plan->version & 0xff,
                          image[LH_LOADFLAGS] & LH_LOADED_HIGH ? "bzImage" : "zImage");
    unsigned sects = image[LH_SETUP_SECTS] ? image[LH_SETUP_SECTS] : 4;
    plan->setup_size = (sects + 1) * 512u;
    if (plan->setup_size > LINUX_MAX_SETUP || plan->setup_size >= len)
        return error_setf(err, errlen, "bad setup_sects %u (setup %zu bytes, image %zu)",
                          sects, plan->setup_size, len);
    plan->kernel = image + plan->setup_size;
    plan->kernel_size = len - plan->setup_size;
    return true;
}

/* Places the initrd; false if it or the kernel do not fit. */
static bool place_initrd(const uint8_t *image, size_t initrd_size, uint64_t ram_below_4g,
                         LinuxBootPlan *plan, char *err, size_t errlen)
{
    uint64_t top = plan->version >= 0x203 ? ld32_le(image + LH_INITRD_ADDR_MAX)
                                          : OLD_INITRD_ADDR_MAX;
    top += 1;                                 /* initrd_addr_max is the last usable byte */
    if (ram_below_4g > LINUX_TOP_RESERVE && ram_below_4g - LINUX_TOP_RESERVE < top)
        top = ram_below_4g - LINUX_TOP_RESERVE;
    uint64_t low = kernel_end(image, plan->version, plan->kernel_size);
    uint64_t start = top >= initrd_size ? (top - initrd_size) & ~PAGE_MASK : 0;
    if (top <= low || start < low)
        return error_setf(err, errlen, "%" PRIu64 " MiB of RAM is too little for this "
                          "kernel%s (needs about %" PRIu64 " MiB; -m)", (uint64_t)(ram_below_4g / MiB),
                          initrd_size ? " and initrd" : "",
                          (uint64_t)((low + initrd_size + LINUX_TOP_RESERVE) / MiB + 1));
    plan->initrd_addr = initrd_size ? (uint32_t)start : 0;
    return true;
}

bool linux_plan(const uint8_t *image, size_t len, size_t initrd_size, const char *cmdline,
                uint64_t ram_below_4g, LinuxBootPlan *plan, char *err, size_t errlen)
{
    memset(plan, 0, sizeof(*plan));
    if (!check_image(image, len, plan, err, errlen))
        return false;
    uint32_t cmdline_max = plan->version >= 0x206 ? ld32_le(image + LH_CMDLINE_SIZE)
                                                  : OLD_CMDLINE_SIZE;
    if (strlen(cmdline) > cmdline_max)
        return error_setf(err, errlen, "command line of %zu bytes is longer than the "
                          "kernel's limit of %" PRIu32, strlen(cmdline), cmdline_max);
    if (!place_initrd(image, initrd_size, ram_below_4g, plan, err, errlen))
        return false;

    uint8_t *s = malloc(plan->setup_size);
    if (!s)
        abort();
    memcpy(s, image, plan->setup_size);
    s[LH_TYPE_OF_LOADER] = LINUX_LOADER_TYPE;
    s[LH_LOADFLAGS] |= LH_CAN_USE_HEAP;
    st16_le(s + LH_HEAP_END_PTR, LINUX_HEAP_END);
    st32_le(s + LH_CMD_LINE_PTR, LINUX_CMDLINE_ADDR);
    st32_le(s + LH_RAMDISK_IMAGE, plan->initrd_addr);
    st32_le(s + LH_RAMDISK_SIZE, (uint32_t)initrd_size);
    plan->setup = s;
    return true;
}

void linux_plan_free(LinuxBootPlan *plan)
{
    free(plan->setup);
    plan->setup = NULL;
}

/* ADDR, SIZE and DATA items of one piece. */
static void add_piece(FwCfg *fw, uint16_t addr_key, uint32_t addr, uint16_t size_key,
                      uint16_t data_key, const void *data, size_t size)
{
    fw_cfg_add_i32(fw, addr_key, addr);
    fw_cfg_add_i32(fw, size_key, (uint32_t)size);
    fw_cfg_add_bytes(fw, data_key, data, size);
}

void linux_fw_cfg_fill(FwCfg *fw, const LinuxBootPlan *plan, const uint8_t *initrd,
                       size_t initrd_size, const char *cmdline)
{
    add_piece(fw, FW_CFG_SETUP_ADDR, LINUX_REAL_ADDR, FW_CFG_SETUP_SIZE, FW_CFG_SETUP_DATA,
              plan->setup, plan->setup_size);
    add_piece(fw, FW_CFG_KERNEL_ADDR, LINUX_PROT_ADDR, FW_CFG_KERNEL_SIZE, FW_CFG_KERNEL_DATA,
              plan->kernel, plan->kernel_size);
    add_piece(fw, FW_CFG_INITRD_ADDR, plan->initrd_addr, FW_CFG_INITRD_SIZE,
              FW_CFG_INITRD_DATA, initrd, initrd_size);
    add_piece(fw, FW_CFG_CMDLINE_ADDR, LINUX_CMDLINE_ADDR, FW_CFG_CMDLINE_SIZE,
              FW_CFG_CMDLINE_DATA, cmdline, strlen(cmdline) + 1);

    /* The ROM with its checksum byte (the last one) making the bytes sum to zero. */
    uint8_t *rom = malloc(linux_boot_rom_size);
    if (!rom)
        abort();
    memcpy(rom, linux_boot_rom, linux_boot_rom_size);
    uint8_t sum = 0;
    for (size_t i = 0; i + 1 < linux_boot_rom_size; i++)
        sum += rom[i];
    rom[linux_boot_rom_size - 1] = (uint8_t)-sum;
    fw_cfg_add_file(fw, LINUX_ROM_NAME, rom, linux_boot_rom_size);
    free(rom);
    fw_cfg_add_file(fw, "bootorder", BOOTORDER, strlen(BOOTORDER));
}

bool linux_load_files(FwCfg *fw, uint64_t ram_below_4g, const char *kernel,
                      const char *initrd, const char *append, char *err, size_t errlen)
{
    uint8_t *image = NULL, *rd = NULL;
    size_t len = 0, rd_size = 0;
    const char *cmdline = append ? append : "";
    LinuxBootPlan plan;
    char msg[200];

    if (!loader_read_file("-kernel", kernel, &image, &len, err, errlen))
        return false;
    bool ok = !initrd || loader_read_file("-initrd", initrd, &rd, &rd_size, err, errlen);
    if (ok) {
        ok = linux_plan(image, len, rd_size, cmdline, ram_below_4g, &plan, msg, sizeof(msg));
        if (ok)
            linux_fw_cfg_fill(fw, &plan, rd, rd_size, cmdline);
        else
            error_setf(err, errlen, "-kernel %s: %s", kernel, msg);
        linux_plan_free(&plan);
    }
    free(image);
    free(rd);
    return ok;
}
