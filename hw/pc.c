/*
 * pc.c - the PC board: validates the configuration, lays out memory (RAM,
 * the BIOS below 4 GiB, the PAM-controlled legacy area), creates the CPUs
 * and the devices in a fixed order, and handles machine reset and exit
 * requests.
 *
 * Memory map (QEMU's i440FX layout):
 *   0 - 0x9FFFF            RAM
 *   0xA0000 - 0xBFFFF      VGA window: unmapped until a display maps it
 *   0xC0000 - 0xFFFFF      PAM segments (hw/i440fx.c) over RAM or ROM
 *   1 MiB - below_4g       RAM; below_4g = RAM size, or 3 GiB if RAM >= 3.5 GiB
 *   4 GiB - BIOS size      the BIOS image, read-only
 *   4 GiB - ...            RAM above 4 GiB
 * Devices, in creation order: i8259 (fills isa_irq), one local APIC per
 * CPU, the I/O APIC (which makes isa_irq[] reach it too) and the HPET (on
 * IRQ0/IRQ8 for legacy replacement), the rest of the ISA set, the serial
 * ports that have a back end, PCI (i440FX, PIIX3, PIIX3 IDE), fw_cfg, the
 * PIIX4 PM function (01.3), then -device arguments; fw_cfg contents are
 * published last.
 * Other engineers' device classes are found by name, so the board links
 * without them; a missing built-in class is warned about and skipped.
 *
 * Invariant: pc_create either returns a machine that is reset and ready
 * to run, or NULL with one message in err naming the bad input.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include "kestrel/cpu.h"
#include "kestrel/firmware.h"
#include "kestrel/log.h"
#include "kestrel/timer.h"
#include "hw/board.h"

#define PC_MIN_RAM (1 * MiB)
#define PC_MAX_RAM (1024 * GiB)
#define PC_LOWMEM_LIMIT 0xe0000000ull       /* RAM at or above: split at 3 GiB */
#define PC_LOWMEM_SPLIT 0xc0000000ull
#define PC_MAX_BIOS (16 * MiB)
#define PC_BIOS_ALIGN (64 * KiB)
#define PC_DEFAULT_BIOS "bios-256k.bin"
#define PC_DEFAULT_CPU "qemu64"
#define PC_MAX_CPUS ((int)ARRAY_SIZE(((Machine *)0)->cpus))
#define PC_IDE_DRIVES 4

/* ---- configuration ---- */

static bool pc_check_config(const MachineConfig *cfg, char *err, size_t errlen)
{
    if (cfg->ram_size < PC_MIN_RAM || cfg->ram_size > PC_MAX_RAM) {
        bool whole_mib = cfg->ram_size % MiB == 0;
        snprintf(err, errlen, "-m %llu%s: RAM size must be between 1 MiB and 1 TiB",
                 (unsigned long long)(cfg->ram_size / (whole_mib ? MiB : KiB)),
                 whole_mib ? "M" : "K");
        return false;
    }
    if (cfg->smp < 1 || cfg->smp > PC_MAX_CPUS) {
        snprintf(err, errlen, "-smp %d: the number of CPUs must be between 1 and %d",
                 cfg->smp, PC_MAX_CPUS);
        return false;
    }
    return true;
}

static bool pc_load_bios(PcBoard *pc, char *err, size_t errlen)
{
    const MachineConfig *cfg = pc->machine.cfg;
    const char *name = cfg->bios ? cfg->bios : PC_DEFAULT_BIOS;
    const char *opt = cfg->bios ? "-bios " : "";
    char msg[512];

    pc->bios = firmware_load(cfg, name, &pc->bios_size, msg, sizeof(msg));
    if (!pc->bios) {
        snprintf(err, errlen, "%s%s", opt, msg);
        return false;
    }
    if (pc->bios_size % PC_BIOS_ALIGN || pc->bios_size > PC_MAX_BIOS) {
        snprintf(err, errlen, "%s%s: a BIOS image is a multiple of 64 KiB up to 16 MiB "
                 "(this one has %zu bytes)", opt, name, pc->bios_size);
        return false;
    }
    pc->legacy_rom = calloc(1, PC_LEGACY_ROM_SIZE);
    assert(pc->legacy_rom);
    size_t isa_size = pc->bios_size < PC_ISA_BIOS_SIZE ? pc->bios_size : PC_ISA_BIOS_SIZE;
    uint8_t *isa_bios = pc->legacy_rom + PC_LEGACY_ROM_SIZE - PC_ISA_BIOS_SIZE;
    memset(isa_bios, 0xff, PC_ISA_BIOS_SIZE);
    memcpy(pc->legacy_rom + PC_LEGACY_ROM_SIZE - isa_size,
           pc->bios + pc->bios_size - isa_size, isa_size);
    return true;
}

/* The option a drive came from, for messages. */
static void pc_drive_option(const DriveConfig *dc, int index, char *buf, size_t len)
{
    if (dc->media == DRIVE_MEDIA_CDROM)
        snprintf(buf, len, "-cdrom %s", dc->file);
    else if (index >= 0 && index < PC_IDE_DRIVES)
        snprintf(buf, len, "-hd%c %s", 'a' + index, dc->file);
    else
        snprintf(buf, len, "-drive file=%s", dc->file);
}

static int pc_free_ide_index(PcBoard *pc)
{
    for (int i = 0; i < PC_IDE_DRIVES; i++)
        if (!pc->ide_drives[i])
            return i;
    return -1;
}

static bool pc_open_drives(PcBoard *pc, char *err, size_t errlen)
{
    const MachineConfig *cfg = pc->machine.cfg;
    char opt[256], msg[512];

    for (int i = 0; i < cfg->n_drives; i++) {
        const DriveConfig *dc = &cfg->drives[i];
        if (dc->interface != DRIVE_IF_IDE) {
            warn_report("-drive file=%s: only IDE drives are emulated yet; ignored", dc->file);
            continue;
        }
        int index = dc->index >= 0 ? dc->index : pc_free_ide_index(pc);
        pc_drive_option(dc, index, opt, sizeof(opt));
        if (index < 0 || index >= PC_IDE_DRIVES || pc->ide_drives[index]) {
            snprintf(err, errlen, "%s: no free IDE position (index 0-3)", opt);
            return false;
        }
        bool cdrom = dc->media == DRIVE_MEDIA_CDROM;
        if (dc->snapshot)
            warn_report("%s: snapshot=on is not supported yet; writes go to the image", opt);
        pc->ide_drives[index] = block_open(dc->file, dc->format, dc->read_only || cdrom,
                                           msg, sizeof(msg));
        if (!pc->ide_drives[index]) {
            /* block_open names the file first; the option already names it. */
            const char *why = strstr(msg, ": ");
            snprintf(err, errlen, "%s: %s", opt, why ? why + 2 : msg);
            return false;
        }
        pc->ide_cdrom[index] = cdrom;
    }
    return true;
}

/* ---- memory ---- */

static bool pc_init_memory(PcBoard *pc, char *err, size_t errlen)
{
    Machine *m = &pc->machine;
    uint64_t ram = m->cfg->ram_size;

    m->mem = bus_new("memory", 1ull << 52);
    m->io = bus_new("io", 0x10000);
    void *host = mmap(NULL, ram, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (host == MAP_FAILED) {
        snprintf(err, errlen, "-m %llu MiB: cannot allocate guest RAM: %s",
                 (unsigned long long)(ram / MiB), strerror(errno));
        return false;
    }
    m->ram = host;
    m->ram_size = ram;
    uint64_t lowmem = ram >= PC_LOWMEM_LIMIT ? PC_LOWMEM_SPLIT : PC_LOWMEM_LIMIT;
    m->below_4g_ram = ram >= lowmem ? lowmem : ram;
    m->above_4g_ram = ram - m->below_4g_ram;

    bus_map_ram(m->mem, "ram-low", 0, PC_VGA_BASE, m->ram, 0, 0);
    if (m->below_4g_ram > PC_HIGH_RAM_BASE)
        bus_map_ram(m->mem, "ram", PC_HIGH_RAM_BASE, m->below_4g_ram - PC_HIGH_RAM_BASE,
                    m->ram + PC_HIGH_RAM_BASE, 0, 0);
    if (m->above_4g_ram)
        bus_map_ram(m->mem, "ram-above-4g", PC_BIOS_TOP, m->above_4g_ram,
                    m->ram + m->below_4g_ram, 0, 0);
    bus_map_ram(m->mem, "bios", PC_BIOS_TOP - pc->bios_size, pc->bios_size, pc->bios,
                REGION_READONLY, 0);

    e820_add(&pc->e820, 0, m->below_4g_ram, E820_RAM);
    if (m->above_4g_ram)
        e820_add(&pc->e820, PC_BIOS_TOP, m->above_4g_ram, E820_RAM);
    return true;
}

/* ---- CPUs ---- */

/* A20M# goes to the boot processor, as on QEMU. */
static void pc_set_a20(void *opaque, int n, int level)
{
    Machine *m = opaque;
    cpu_set_a20(m->cpus[0], level != 0);
}

static bool pc_create_cpus(Machine *m, char *err, size_t errlen)
{
    const char *model = m->cfg->cpu_model ? m->cfg->cpu_model : PC_DEFAULT_CPU;
    for (int i = 0; i < m->cfg->smp; i++) {
        m->cpus[i] = cpu_x86_create(m, i, model, err, errlen);
        if (!m->cpus[i])
            return false;
        m->ncpus = i + 1;
    }
    m->a20_line = irq_line(pc_set_a20, m, 0);
    return true;
}

/* ---- devices ---- */

#define PC_MAX_OPTS 4

typedef struct PcIsaDevice {
    const char *cls;
    const char *opts[PC_MAX_OPTS][2];
    bool (*then)(Machine *m, char *err, size_t errlen);   /* wiring after creation */
} PcIsaDevice;

static bool pc_create_irq_chips(Machine *m, char *err, size_t errlen);

static const PcIsaDevice pc_isa_devices[] = {
    { "i8259", { { NULL } }, pc_create_irq_chips },
    { "i8254", { { "irq", "0" } } },
    { "mc146818", { { "irq", "8" } } },
    { "i8042", { { "irq", "1" }, { "irq_mouse", "12" } } },
    { "port92", { { NULL } } },
};

static const struct { const char *iobase, *irq; } pc_serial_ports[MAX_SERIAL] = {
    { "0x3f8", "4" }, { "0x2f8", "3" }, { "0x3e8", "4" }, { "0x2e8", "3" },
};

static bool pc_add_device(Machine *m, const char *name, const DeviceOpts *opts,
                          char *err, size_t errlen)
{
    const DeviceClass *cls = device_class_find(name);
    if (!cls) {
        warn_report("device '%s' is not built in; the machine runs without it", name);
        return true;
    }
    return device_create(m, cls, opts, err, errlen) != NULL;
}

/*
 * The APIC of every CPU (after the 8259, whose INTA it chains to LINT0),
 * the I/O APIC, which joins the 8259 on isa_irq[] (hw/ioapic.c), and the
 * HPET, which puts itself on IRQ0/IRQ8 for legacy replacement: all before
 * the 8254 and the RTC take their lines.
 */
static bool pc_create_irq_chips(Machine *m, char *err, size_t errlen)
{
    static const char *const cpu_index[] = {
        "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15",
    };
    static_assert(ARRAY_SIZE(cpu_index) == ARRAY_SIZE(((Machine *)0)->cpus), "one per CPU");
    for (int i = 0; i < m->ncpus; i++) {
        DeviceOpts opts = { 1, { { "cpu", cpu_index[i] } } };
        if (!pc_add_device(m, "apic", &opts, err, errlen))
            return false;
    }
    return pc_add_device(m, "ioapic", NULL, err, errlen) &&
           pc_add_device(m, "hpet", NULL, err, errlen);
}

static bool pc_create_isa_devices(Machine *m, char *err, size_t errlen)
{
    for (size_t i = 0; i < ARRAY_SIZE(pc_isa_devices); i++) {
        const PcIsaDevice *isa = &pc_isa_devices[i];
        DeviceOpts opts = { 0 };
        for (int k = 0; k < PC_MAX_OPTS && isa->opts[k][0]; k++) {
            opts.item[k].key = isa->opts[k][0];
            opts.item[k].value = isa->opts[k][1];
            opts.count++;
        }
        if (!pc_add_device(m, isa->cls, &opts, err, errlen))
            return false;
        if (isa->then && !isa->then(m, err, errlen))
            return false;
    }
    static const char *const chardev_index[MAX_SERIAL] = { "0", "1", "2", "3" };
    for (int i = 0; i < MAX_SERIAL; i++) {
        m->serial[i] = m->cfg->serial_chr[i];
        if (!m->serial[i])
            continue;
        DeviceOpts opts = { 3, { { "iobase", pc_serial_ports[i].iobase },
                                 { "irq", pc_serial_ports[i].irq },
                                 { "chardev", chardev_index[i] } } };
        if (!pc_add_device(m, "isa-serial", &opts, err, errlen))
            return false;
    }
    return true;
}

static bool pc_create_chipset(Machine *m, char *err, size_t errlen)
{
    static const DeviceClass *const chipset[] = {
        &i440fx_device_class, &piix3_device_class, &piix3_ide_device_class,
        &fw_cfg_device_class,
    };
    m->pci = pci_bus_new(m);
    for (size_t i = 0; i < ARRAY_SIZE(chipset); i++)
        if (!device_create(m, chipset[i], NULL, err, errlen))
            return false;
    /* ACPI hardware: the PIIX4 PM function (01.3). */
    return pc_add_device(m, "PIIX4_PM", NULL, err, errlen);
}

/* Splits "name,key=val,..." in place (s is owned by the board) into opts. */
static const char *pc_parse_device_arg(char *s, DeviceOpts *opts, char *err, size_t errlen)
{
    char *name = strsep(&s, ",");
    char *item;
    while ((item = strsep(&s, ",")) != NULL) {
        if (!*item)
            continue;
        char *eq = strchr(item, '=');
        if (opts->count == (int)ARRAY_SIZE(opts->item)) {
            snprintf(err, errlen, "too many options");
            return NULL;
        }
        if (eq)
            *eq = '\0';
        opts->item[opts->count].key = item;
        opts->item[opts->count].value = eq ? eq + 1 : "on";
        opts->count++;
    }
    return name;
}

/* Parse and look up every -device before anything is built, so a typo costs nothing. */
static bool pc_check_user_devices(PcBoard *pc, char *err, size_t errlen)
{
    const MachineConfig *cfg = pc->machine.cfg;
    char msg[384];

    for (int i = 0; i < cfg->n_device_args; i++) {
        const char *arg = cfg->device_args[i];
        pc->device_arg_copies[i] = strdup(arg);
        assert(pc->device_arg_copies[i]);
        const char *name = pc_parse_device_arg(pc->device_arg_copies[i], &pc->device_opts[i],
                                               msg, sizeof(msg));
        if (!name) {
            snprintf(err, errlen, "-device %s: %s", arg, msg);
            return false;
        }
        const DeviceClass *cls = device_class_find(name);
        if (!cls) {
            snprintf(err, errlen, "-device %s: unknown device '%s' (-device help lists them)",
                     arg, name);
            return false;
        }
        if (!cls->user_creatable) {
            snprintf(err, errlen, "-device %s: '%s' cannot be added with -device", arg, name);
            return false;
        }
        pc->device_cls[i] = cls;
    }
    return true;
}

static bool pc_create_user_devices(PcBoard *pc, char *err, size_t errlen)
{
    Machine *m = &pc->machine;
    char msg[384];

    for (int i = 0; i < m->cfg->n_device_args; i++) {
        if (!device_create(m, pc->device_cls[i], &pc->device_opts[i], msg, sizeof(msg))) {
            snprintf(err, errlen, "-device %s: %s", m->cfg->device_args[i], msg);
            return false;
        }
    }
    return true;
}

/* ---- life cycle ---- */

/* Undo a pc_create that failed before any device was created. */
static void pc_free_early(PcBoard *pc)
{
    Machine *m = &pc->machine;
    for (int i = 0; i < PC_IDE_DRIVES; i++)
        block_close(pc->ide_drives[i]);
    if (m->ram)
        munmap(m->ram, m->ram_size);
    if (m->mem)
        bus_free(m->mem);
    if (m->io)
        bus_free(m->io);
    for (int i = 0; i < m->cfg->n_device_args; i++)
        free(pc->device_arg_copies[i]);
    free(pc->legacy_rom);
    free(pc->bios);
    free(pc);
}

Machine *pc_create(const MachineConfig *cfg, char *err, size_t errlen)
{
    PcBoard *pc = calloc(1, sizeof(*pc));
    Machine *m = &pc->machine;
    assert(pc);
    m->cfg = cfg;

    if (!pc_check_config(cfg, err, errlen) || !pc_check_user_devices(pc, err, errlen) ||
        !pc_load_bios(pc, err, errlen) ||
        !pc_open_drives(pc, err, errlen) || !pc_init_memory(pc, err, errlen) ||
        !pc_create_cpus(m, err, errlen)) {
        pc_free_early(pc);
        return NULL;
    }
    /* Devices cannot be taken apart again: a failure from here on leaves the machine unused. */
    if (!pc_create_isa_devices(m, err, errlen) || !pc_create_chipset(m, err, errlen) ||
        !pc_create_user_devices(pc, err, errlen))
        return NULL;
    pc_fw_cfg_setup(m);
    machine_reset(m);
    return m;
}

void machine_reset(Machine *m)
{
    device_reset_all(m);
    for (int i = 0; i < m->ncpus; i++)
        cpu_x86_reset(m->cpus[i]);
}

static void machine_kick(Machine *m)
{
    for (int i = 0; i < m->ncpus; i++)
        cpu_exit(m->cpus[i]);
    main_loop_wakeup();
}

void machine_request_reset(Machine *m)
{
    m->reset_request = true;
    machine_kick(m);
}

void machine_request_exit(Machine *m, MachineExit why, int status)
{
    m->exit_status = status;
    m->exit_request = why;
    machine_kick(m);
}
