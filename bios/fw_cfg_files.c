/*
 * fw_cfg_files.c - what the PC tells its firmware through fw_cfg: the items
 * SeaBIOS reads (src/fw/paravirt.c) with the values QEMU's i440FX machine
 * gives them, and the e820 memory map.
 *
 * Invariants: every multi-byte item is little-endian, as QEMU writes them;
 * etc/e820 is an array of packed 20-byte {u64 addr, u64 len, u32 type};
 * nothing here is specific to one firmware: SeaBIOS maps the legacy
 * BOOT_MENU key to its "etc/show-boot-menu" romfile itself.
 */
#include <stdlib.h>
#include "kestrel/fw_cfg.h"
#include "hw/board.h"
#include "bios/acpi.h"

#define E820_ENTRY_SIZE 20
#define SERCON_PORT 0x3f8
#define BOOT_FAIL_WAIT_NEVER 0xffffffffu    /* -boot reboot-timeout=-1: do not retry */

bool e820_add(E820Table *t, uint64_t addr, uint64_t len, uint32_t type)
{
    if (t->count == PC_MAX_E820)
        return false;
    t->entry[t->count++] = (E820Entry){ addr, len, type };
    return true;
}

static void pc_fw_cfg_e820(FwCfg *fw, const E820Table *t)
{
    uint8_t buf[PC_MAX_E820 * E820_ENTRY_SIZE];
    for (int i = 0; i < t->count; i++) {
        uint8_t *e = buf + i * E820_ENTRY_SIZE;
        st64_le(e, t->entry[i].addr);
        st64_le(e + 8, t->entry[i].len);
        st32_le(e + 16, t->entry[i].type);
    }
    fw_cfg_add_file(fw, "etc/e820", buf, (size_t)t->count * E820_ENTRY_SIZE);
}

/* NUMA: node count 0, then one node word per possible CPU (all node 0). */
static void pc_fw_cfg_numa(FwCfg *fw, int max_cpus)
{
    size_t len = (size_t)(1 + max_cpus) * 8;
    uint8_t *numa = calloc(1, len);
    assert(numa);
    fw_cfg_add_bytes(fw, FW_CFG_NUMA, numa, len);
    free(numa);
}

void pc_fw_cfg_setup(Machine *m)
{
    const MachineConfig *cfg = m->cfg;
    FwCfg *fw = m->fw_cfg;
    uint8_t word[4];

    fw_cfg_add_i64(fw, FW_CFG_RAM_SIZE, m->ram_size);
    fw_cfg_add_i16(fw, FW_CFG_NOGRAPHIC, cfg->nographic);
    fw_cfg_add_i16(fw, FW_CFG_NB_CPUS, (uint16_t)m->ncpus);
    fw_cfg_add_i16(fw, FW_CFG_MAX_CPUS, (uint16_t)m->ncpus);
    fw_cfg_add_i16(fw, FW_CFG_BOOT_MENU, cfg->boot_menu);
    pc_fw_cfg_numa(fw, m->ncpus);
    fw_cfg_add_bytes(fw, FW_CFG_ACPI_TABLES, NULL, 0);
    acpi_fw_cfg_setup(m);       /* etc/acpi/tables, etc/acpi/rsdp, etc/table-loader */
    fw_cfg_add_i32(fw, FW_CFG_IRQ0_OVERRIDE, 1);

    pc_fw_cfg_e820(fw, &pc_board(m)->e820);
    /* Boot order by device path (bootindex) is empty; -boot order= goes through CMOS. */
    fw_cfg_add_file(fw, "bootorder", NULL, 0);
    st32_le(word, BOOT_FAIL_WAIT_NEVER);
    fw_cfg_add_file(fw, "etc/boot-fail-wait", word, 4);
    if (cfg->nographic) {
        st16_le(word, SERCON_PORT);
        fw_cfg_add_file(fw, "etc/sercon-port", word, 2);
    }
}
