/*
 * kernel.c - direct kernel boot (-kernel): load the multiboot image into
 * the machine's RAM and put CPU 0 in the multiboot entry state.
 *
 * Runs after pc_create and after every machine_reset (RAM keeps the
 * previous run's contents, the kernel and its data must be fresh), with
 * the machine lock held and no CPU executing. Only multiboot v1 kernels are
 * accepted until the Linux boot protocol loader lands.
 */
#include "system/sysemu.h"

#include "bios/multiboot.h"
#include "kestrel/cpu.h"

bool system_boot_kernel(Machine *m, char *err, size_t errlen)
{
    const MachineConfig *cfg = m->cfg;
    MultibootBoot boot;
    if (!cfg->kernel)
        return true;
    MultibootRam ram = { m->ram, m->below_4g_ram, m->above_4g_ram };
    if (!multiboot_load_files(&ram, cfg->kernel, cfg->initrd, cfg->append, &boot, err, errlen))
        return false;
    CPUX86State *env = m->cpus[0];
    cpu_x86_set_flat32(env, boot.entry);
    env->regs[R_EAX] = MB_BOOT_MAGIC;
    env->regs[R_EBX] = boot.info_addr;
    return true;
}
