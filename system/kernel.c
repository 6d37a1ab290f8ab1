/*
 * kernel.c - direct kernel boot (-kernel): tell a Linux bzImage from a
 * multiboot kernel and hand it to its loader in bios/.
 *
 * A bzImage (the "HdrS" setup header) goes to the firmware through fw_cfg
 * and Kestrel's linuxboot option ROM: SeaBIOS runs as usual and boots it.
 * A multiboot kernel is copied into RAM and CPU 0 is put at its entry,
 * skipping the firmware. Anything else is one error naming the file.
 *
 * Runs after pc_create and after every machine_reset (RAM keeps the
 * previous run's contents, the kernel and its data must be fresh), with
 * the machine lock held and no CPU executing. Both paths are idempotent:
 * the fw_cfg items and files a Linux boot adds exist from the first call,
 * so a reset replaces contents without moving any file key.
 */
#include "system/sysemu.h"

#include <stdio.h>
#include "bios/linux.h"
#include "bios/multiboot.h"
#include "kestrel/cpu.h"
#include "kestrel/log.h"

typedef enum KernelKind { KERNEL_UNREADABLE, KERNEL_LINUX, KERNEL_MULTIBOOT, KERNEL_OTHER } KernelKind;

/* Looks at the first MB_SEARCH_LEN bytes (both headers lie there). */
static KernelKind kernel_kind(const char *path)
{
    uint8_t head[MB_SEARCH_LEN];
    MultibootHeader mb;
    FILE *f = fopen(path, "rb");
    if (!f)
        return KERNEL_UNREADABLE;
    size_t n = fread(head, 1, sizeof(head), f);
    fclose(f);
    if (linux_is_kernel(head, n))
        return KERNEL_LINUX;
    return multiboot_find_header(head, n, &mb) ? KERNEL_MULTIBOOT : KERNEL_OTHER;
}

static bool boot_multiboot(Machine *m, char *err, size_t errlen)
{
    const MachineConfig *cfg = m->cfg;
    MultibootBoot boot;
    MultibootRam ram = { m->ram, m->below_4g_ram, m->above_4g_ram };
    if (!multiboot_load_files(&ram, cfg->kernel, cfg->initrd, cfg->append, &boot, err, errlen))
        return false;
    CPUX86State *env = m->cpus[0];
    cpu_x86_set_flat32(env, boot.entry);
    env->regs[R_EAX] = MB_BOOT_MAGIC;
    env->regs[R_EBX] = boot.info_addr;
    return true;
}

bool system_boot_kernel(Machine *m, char *err, size_t errlen)
{
    const MachineConfig *cfg = m->cfg;
    if (!cfg->kernel)
        return true;
    switch (kernel_kind(cfg->kernel)) {
    case KERNEL_LINUX:
        return linux_load_files(m->fw_cfg, m->below_4g_ram, cfg->kernel, cfg->initrd,
                                cfg->append, err, errlen);
    case KERNEL_OTHER:
        return error_setf(err, errlen, "-kernel %s: not a Linux bzImage or multiboot kernel",
                          cfg->kernel);
    default:    /* the multiboot loader also reports an unreadable file */
        return boot_multiboot(m, err, errlen);
    }
}
