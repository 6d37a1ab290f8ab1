/*
 * boot.c - CPU entry states for direct kernel boot (multiboot).
 *
 * Invariant: every mode change goes through cpu_load_seg_cache() and
 * cpu_update_hflags(), so hflags (part of the TB key) matches the new state;
 * the TLB is flushed because CR0 changed behind the MMU's back.
 */
#include "cpu/internal.h"

/* Selectors as a boot loader's GDT would have them (the guest must load its own GDT). */
#define BOOT_CS 0x08
#define BOOT_DS 0x10
#define FLAT_CODE (DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK | DESC_R_MASK | DESC_A_MASK | \
                   DESC_B_MASK | DESC_G_MASK)
#define FLAT_DATA (DESC_P_MASK | DESC_S_MASK | DESC_W_MASK | DESC_A_MASK | DESC_B_MASK | \
                   DESC_G_MASK)

void cpu_x86_set_flat32(CPUX86State *env, uint32_t eip)
{
    env->cr[0] = (env->cr[0] | CR0_PE) & ~(uint64_t)CR0_PG;
    env->cr[4] &= ~(uint64_t)CR4_PAE;
    env->efer &= ~(uint64_t)(EFER_LME | EFER_LMA);
    cpu_set_eflags(env, 0x2, ~0u);
    for (int seg = 0; seg < NB_SEGS; seg++) {
        bool code = seg == R_CS;
        cpu_load_seg_cache(env, seg, code ? BOOT_CS : BOOT_DS, 0, 0xffffffff,
                           code ? FLAT_CODE : FLAT_DATA);
    }
    env->rip = eip;
    env->halted = false;
    cpu_set_a20(env, true);
    cpu_update_hflags(env);
    tlb_flush_all(env);
}
