/*
 * fw_cfg.h - QEMU's firmware configuration device (docs/specs/fw_cfg.rst):
 * selector port 0x510 (16-bit), data port 0x511 (8-bit), DMA address
 * register at 0x514 (64-bit big-endian, FWCfgDmaAccess in guest RAM).
 *
 * Items are numbered by key; keys from FW_CFG_FILE_FIRST on are named files
 * listed in the directory at FW_CFG_FILE_DIR, sorted by name, and their keys
 * follow that order. Every item holds its own copy of the data; adding an
 * item or file that exists replaces its contents. Items are read-only to
 * the guest. Add everything before the guest runs: file keys move when a
 * new name sorts before existing ones.
 */
#ifndef KESTREL_FW_CFG_H
#define KESTREL_FW_CFG_H

#include "kestrel/common.h"

typedef struct FwCfg FwCfg;

enum {
    FW_CFG_SIGNATURE = 0x00,
    FW_CFG_ID = 0x01,
    FW_CFG_UUID = 0x02,
    FW_CFG_RAM_SIZE = 0x03,
    FW_CFG_NOGRAPHIC = 0x04,
    FW_CFG_NB_CPUS = 0x05,
    FW_CFG_MACHINE_ID = 0x06,
    FW_CFG_KERNEL_ADDR = 0x07,
    FW_CFG_KERNEL_SIZE = 0x08,
    FW_CFG_KERNEL_CMDLINE = 0x09,
    FW_CFG_INITRD_ADDR = 0x0a,
    FW_CFG_INITRD_SIZE = 0x0b,
    FW_CFG_BOOT_DEVICE = 0x0c,
    FW_CFG_NUMA = 0x0d,
    FW_CFG_BOOT_MENU = 0x0e,
    FW_CFG_MAX_CPUS = 0x0f,
    FW_CFG_KERNEL_ENTRY = 0x10,
    FW_CFG_KERNEL_DATA = 0x11,
    FW_CFG_INITRD_DATA = 0x12,
    FW_CFG_CMDLINE_ADDR = 0x13,
    FW_CFG_CMDLINE_SIZE = 0x14,
    FW_CFG_CMDLINE_DATA = 0x15,
    FW_CFG_SETUP_ADDR = 0x16,
    FW_CFG_SETUP_SIZE = 0x17,
    FW_CFG_SETUP_DATA = 0x18,
    FW_CFG_FILE_DIR = 0x19,
    FW_CFG_FILE_FIRST = 0x20,
    FW_CFG_WRITE_CHANNEL = 0x4000,
    FW_CFG_ARCH_LOCAL = 0x8000,
    /* x86 */
    FW_CFG_ACPI_TABLES = FW_CFG_ARCH_LOCAL + 0,
    FW_CFG_SMBIOS_ENTRIES = FW_CFG_ARCH_LOCAL + 1,
    FW_CFG_IRQ0_OVERRIDE = FW_CFG_ARCH_LOCAL + 2,
    FW_CFG_HPET = FW_CFG_ARCH_LOCAL + 4,
};

#define FW_CFG_IO_BASE 0x510
#define FW_CFG_DMA_IO_BASE 0x514
#define FW_CFG_MAX_FILES 256
#define FW_CFG_MAX_NAME 56

/* FWCfgDmaAccess.control bits. */
#define FW_CFG_DMA_CTL_ERROR  0x01
#define FW_CFG_DMA_CTL_READ   0x02
#define FW_CFG_DMA_CTL_SKIP   0x04
#define FW_CFG_DMA_CTL_SELECT 0x08
#define FW_CFG_DMA_CTL_WRITE  0x10
#define FW_CFG_DMA_SIGNATURE 0x51454d5520434647ull   /* "QEMU CFG" */

void fw_cfg_add_bytes(FwCfg *s, uint16_t key, const void *data, size_t len);
void fw_cfg_add_i16(FwCfg *s, uint16_t key, uint16_t value);   /* little-endian */
void fw_cfg_add_i32(FwCfg *s, uint16_t key, uint32_t value);
void fw_cfg_add_i64(FwCfg *s, uint16_t key, uint64_t value);
/* A named file; false if the name is too long or the directory is full. */
bool fw_cfg_add_file(FwCfg *s, const char *name, const void *data, size_t len);
/* The key a file has now, or -1. */
int fw_cfg_file_key(FwCfg *s, const char *name);

#endif
