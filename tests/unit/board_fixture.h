/*
 * board_fixture.h - shared by the board's unit tests (test_pci, test_fw_cfg,
 * test_pc): a PC built with pc_create() from a fake BIOS image in a
 * temporary directory, fakes of the CPU and main-loop functions the board
 * calls (the tests link no CPU), and port I/O helpers.
 *
 * Include it from exactly one .c file per test program: it defines the fakes.
 * Device classes of other parts (i8259, ...) are not linked into these tests,
 * so pc_create warns that they are missing and builds the rest.
 */
#ifndef BOARD_FIXTURE_H
#define BOARD_FIXTURE_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "kestrel/cpu.h"
#include "kestrel/timer.h"
#include "hw/board.h"

#define FIXTURE_BIOS_SIZE (256 * 1024)

/* ---- fakes of the CPU and the main loop ---- */

static int fake_a20_level = -1, fake_cpu_exits, fake_cpu_resets;

CPUX86State *cpu_x86_create(Machine *m, int index, const char *model, char *err, size_t errlen)
{
    if (strcmp(model, "qemu64")) {
        snprintf(err, errlen, "-cpu %s: unknown CPU model", model);
        return NULL;
    }
    CPUX86State *env = calloc(1, sizeof(*env));
    env->cpu_index = index;
    env->machine = m;
    return env;
}

void cpu_x86_reset(CPUX86State *env) { fake_cpu_resets++; }
void cpu_set_a20(CPUX86State *env, bool enabled) { fake_a20_level = enabled; }
void cpu_exit(CPUX86State *env) { fake_cpu_exits++; }
void main_loop_wakeup(void) { }

/* ---- port I/O ---- */

static Machine *fx_m;

static inline void outb(uint16_t port, uint8_t v) { bus_write(fx_m->io, port, v, 1); }
static inline void outw(uint16_t port, uint16_t v) { bus_write(fx_m->io, port, v, 2); }
static inline void outl(uint16_t port, uint32_t v) { bus_write(fx_m->io, port, v, 4); }
static inline uint8_t inb(uint16_t port) { return (uint8_t)bus_read(fx_m->io, port, 1); }
static inline uint16_t inw(uint16_t port) { return (uint16_t)bus_read(fx_m->io, port, 2); }
static inline uint32_t inl(uint16_t port) { return (uint32_t)bus_read(fx_m->io, port, 4); }

static inline uint32_t pci_cfg_readl(int devfn, int reg)
{
    outl(0xcf8, 0x80000000u | (uint32_t)devfn << 8 | (uint32_t)(reg & 0xfc));
    return inl(0xcfc);
}

static inline void pci_cfg_writel(int devfn, int reg, uint32_t v)
{
    outl(0xcf8, 0x80000000u | (uint32_t)devfn << 8 | (uint32_t)(reg & 0xfc));
    outl(0xcfc, v);
}

static inline uint8_t pci_cfg_readb(int devfn, int reg)
{
    outl(0xcf8, 0x80000000u | (uint32_t)devfn << 8 | (uint32_t)(reg & 0xfc));
    return inb((uint16_t)(0xcfc + (reg & 3)));
}

static inline void pci_cfg_writeb(int devfn, int reg, uint8_t v)
{
    outl(0xcf8, 0x80000000u | (uint32_t)devfn << 8 | (uint32_t)(reg & 0xfc));
    outb((uint16_t)(0xcfc + (reg & 3)), v);
}

/* ---- a machine ---- */

static char fx_dir[64];
static MachineConfig fx_cfg;

/* The fake BIOS: byte i of the image is (i * 7 + i / 251) & 0xff. */
static inline uint8_t fx_bios_byte(size_t i)
{
    return (uint8_t)(i * 7 + i / 251);
}

static inline void fx_write_file(const char *path, size_t size, uint8_t (*byte)(size_t))
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    for (size_t i = 0; i < size; i++)
        fputc(byte ? byte(i) : 0, f);
    fclose(f);
}

/* A config with a fake bios-256k.bin in a fresh -L directory. */
static MachineConfig *fx_config(uint64_t ram)
{
    char path[128];
    strcpy(fx_dir, "/tmp/kestrel-board-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(fx_dir));
    snprintf(path, sizeof(path), "%s/bios-256k.bin", fx_dir);
    fx_write_file(path, FIXTURE_BIOS_SIZE, fx_bios_byte);
    memset(&fx_cfg, 0, sizeof(fx_cfg));
    fx_cfg.ram_size = ram;
    fx_cfg.smp = 1;
    fx_cfg.firmware_dirs[0] = fx_dir;
    fx_cfg.n_firmware_dirs = 1;
    fx_cfg.icount_shift = -1;
    return &fx_cfg;
}

static Machine *fx_create(const MachineConfig *cfg)
{
    char err[512] = "";
    fx_m = pc_create(cfg, err, sizeof(err));
    ck_assert_msg(fx_m != NULL, "pc_create: %s", err);
    return fx_m;
}

static inline void fx_cleanup(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx_dir);
    ck_assert_int_eq(system(cmd), 0);
}

#endif
