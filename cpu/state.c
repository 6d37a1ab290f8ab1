/*
 * state.c - the x86 CPU object: creation, reset (SDM Vol. 3 Table 9-1),
 * the CPU models with their CPUID data, hflags, EFLAGS assembly, the
 * interrupt line source, A20, and the state dump.
 *
 * Invariants:
 * - hflags is a pure function of CR0/CR4/EFER/EFLAGS/segment caches plus
 *   the HF_INHIBIT_IRQ bit (and the HF_TF step request of int_helper.c);
 *   everything that changes those inputs calls cpu_update_hflags().
 * - CPL is SS.DPL in protected mode (SDM 5.5: CS.RPL and SS.DPL both hold
 *   it; SS.DPL is also right for conforming code), 3 in VM86, 0 in real mode.
 * - A model advertises only features the emulator implements (see the table).
 */
#include <stdlib.h>
#include <stdio.h>
#include "cpu/cpusys.h"
#include "kestrel/log.h"
#include "kestrel/machine.h"

/* Features every model here implements: FPU (control ops only so far, see
 * fpu_helper.c), DE, PSE, TSC, MSR, CX8, APIC, SEP, MTRR, PGE, CMOV, PAT. */
#define P6_FEATURES (CPUID_FPU | CPUID_DE | CPUID_PSE | CPUID_TSC | CPUID_MSR | CPUID_CX8 | \
                     CPUID_APIC | CPUID_SEP | CPUID_MTRR | CPUID_PGE | CPUID_CMOV | CPUID_PAT)
/* MMX, FXSAVE/FXRSTOR and SSE/SSE2 (cpu/sse*.c). */
#define SSE2_FEATURES (CPUID_MMX | CPUID_FXSR | CPUID_SSE | CPUID_SSE2)
/* SSE3 to SSE4.2 and POPCNT (cpu/sse*.c, translate-alu.c). */
#define SSE42_FEATURES_ECX (CPUID_EXT_SSE3 | CPUID_EXT_SSSE3 | CPUID_EXT_SSE41 | \
                            CPUID_EXT_SSE42 | CPUID_EXT_POPCNT)

static const CPUIDModel cpu_models[] = {
    {   /* The default: a P6-class 32-bit CPU with what Kestrel emulates today. */
        .name = "qemu32", .vendor = "GenuineIntel", .level = 4, .xlevel = 0x80000008,
        .family = 6, .model = 6, .stepping = 3,
        .features_edx = P6_FEATURES | SSE2_FEATURES,
        .features_ecx = CPUID_EXT_SSE3 | CPUID_EXT_TSC_DEADLINE,
        .model_id = "Kestrel Virtual CPU (32-bit)",
    },
    {   /* The PC default: long mode, SYSCALL, NX, CMPXCHG16B, LAHF in 64-bit mode, FXSR and
         * the SSE levels of the feature words. Not advertised, so #UD / #GP as on hardware without
         * them: FSGSBASE (RDFSBASE...), PCID, RDTSCP, LA57. 1 GiB pages are not advertised
         * either, but the page walker accepts PS in a PDPTE (tests/guest/longmode.asm). */
        .name = "qemu64", .vendor = "GenuineIntel", .level = 7, .xlevel = 0x80000008,
        .family = 6, .model = 15, .stepping = 11,
        .features_edx = P6_FEATURES | CPUID_PAE | CPUID_CLFSH | SSE2_FEATURES,
        .features_ecx = SSE42_FEATURES_ECX | CPUID_EXT_CX16 | CPUID_EXT_TSC_DEADLINE,
        .ext_features_edx = CPUID_EXT2_SYSCALL | CPUID_EXT2_NX | CPUID_EXT2_LM,
        .ext_features_ecx = CPUID_EXT3_LAHF_LM,
        .model_id = "Kestrel Virtual CPU (64-bit)",
    },
    {
        .name = "pentium", .vendor = "GenuineIntel", .level = 1, .xlevel = 0,
        .family = 5, .model = 4, .stepping = 3,
        .features_edx = CPUID_FPU | CPUID_DE | CPUID_PSE | CPUID_TSC | CPUID_MSR | CPUID_CX8,
        .model_id = "",
    },
    {
        .name = "486", .vendor = "GenuineIntel", .level = 1, .xlevel = 0,
        .family = 4, .model = 8, .stepping = 0,
        .features_edx = CPUID_FPU,
        .model_id = "",
    },
};
#define CPU_DEFAULT_MODEL "qemu32"

static const CPUIDModel *cpu_model_find(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(cpu_models); i++) {
        if (strcmp(cpu_models[i].name, name) == 0) {
            return &cpu_models[i];
        }
    }
    return NULL;
}

bool cpu_model_valid(const char *name)
{
    return cpu_model_find(name) != NULL;
}

void cpu_model_list(FILE *f)
{
    fprintf(f, "Available CPU models:\n");
    for (size_t i = 0; i < ARRAY_SIZE(cpu_models); i++) {
        const CPUIDModel *m = &cpu_models[i];
        fprintf(f, "  %-10s family %u model %u%s%s\n", m->name, m->family, m->model,
                m->model_id[0] ? "  " : "", m->model_id);
    }
    fprintf(f, "Default: %s\n", CPU_DEFAULT_MODEL);
}

/* Family/model/stepping as CPUID.1:EAX and the reset EDX encode them. */
uint32_t cpu_signature(const CPUIDModel *m)
{
    uint32_t fam = m->family > 15 ? 15 : m->family;
    uint32_t sig = (fam << 8) | ((m->model & 15) << 4) | (m->stepping & 15);
    if (m->family > 15) {
        sig |= (m->family - 15) << 20;
    }
    return sig | ((m->model >> 4) & 15) << 16;
}

/* --- hflags and EFLAGS --- */

/* Present, writable, expand-up data with a 4 GiB limit: no checks needed. */
static bool seg_is_flat(const SegmentCache *s)
{
    const uint32_t kind = DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK | DESC_W_MASK | DESC_E_MASK;
    return s->limit == 0xffffffffu &&
           (s->flags & kind) == (DESC_P_MASK | DESC_S_MASK | DESC_W_MASK);
}

static uint32_t hflags_cpl(const CPUX86State *env)
{
    if (!(env->cr[0] & CR0_PE)) {
        return 0;
    }
    if (env->eflags & VM_MASK) {
        return 3;
    }
    return (env->segs[R_SS].flags >> DESC_DPL_SHIFT) & 3;
}

static uint32_t hflags_segments(const CPUX86State *env, uint32_t hf)
{
    static const int data_segs[] = { R_ES, R_SS, R_DS, R_FS, R_GS };
    if ((hf & HF_LMA) && (env->segs[R_CS].flags & DESC_L_MASK)) {
        return hf | HF_CS64 | HF_CS32 | HF_SS32;      /* flat, no bases or limits */
    }
    if (!(hf & HF_VM)) {
        if (env->segs[R_CS].flags & DESC_B_MASK) {
            hf |= HF_CS32;
        }
        if (env->segs[R_SS].flags & DESC_B_MASK) {
            hf |= HF_SS32;
        }
    }
    if (!(hf & HF_PE) || (hf & HF_VM) ||
        (env->segs[R_DS].base | env->segs[R_ES].base | env->segs[R_SS].base) != 0) {
        hf |= HF_ADDSEG;
    }
    for (size_t i = 0; i < ARRAY_SIZE(data_segs); i++) {
        if (!seg_is_flat(&env->segs[data_segs[i]])) {
            hf |= HF_SEGCHK(data_segs[i]);
        }
    }
    return hf;
}

void cpu_update_hflags(CPUX86State *env)
{
    uint64_t cr0 = env->cr[0];
    uint32_t hf = env->hflags & HF_INHIBIT_IRQ;

    if (env->icount) {
        hf |= HF_ICOUNT;
    }

    hf |= hflags_cpl(env);
    if (cr0 & CR0_PE) {
        hf |= HF_PE;
        if (env->eflags & VM_MASK) {
            hf |= HF_VM;
        }
    }
    if (env->efer & EFER_LMA) {
        hf |= HF_LMA;
    }
    hf = hflags_segments(env, hf);
    if (cr0 & CR0_PG) {
        hf |= HF_PG;
    }
    if (cr0 & CR0_EM) {
        hf |= HF_EM;
    }
    if (cr0 & CR0_TS) {
        hf |= HF_TS;
    }
    if (cr0 & CR0_MP) {
        hf |= HF_MP;
    }
    if (env->eflags & TF_MASK) {
        hf |= HF_TF;
    }
    if (env->eflags & RF_MASK) {
        hf |= HF_RF;
    }
    if (env->cr[4] & CR4_OSFXSR) {
        hf |= HF_OSFXSR;
    }
    if (env->cr[4] & CR4_SMAP) {
        hf |= HF_SMAP;
    }
    hf |= (uint32_t)((env->eflags & IOPL_MASK) >> IOPL_SHIFT) << HF_IOPL_SHIFT;
    env->hflags = hf;
}

uint32_t cpu_get_eflags(CPUX86State *env)
{
    uint32_t arith = cc_compute_all((CCOp)env->cc_op, env->cc_dst, env->cc_src, env->cc_src2);
    return (uint32_t)(env->eflags & ~(uint64_t)CC_ALL) | (arith & CC_ALL) | 2;
}

void cpu_set_eflags(CPUX86State *env, uint32_t eflags, uint32_t update_mask)
{
    uint32_t cur = cpu_get_eflags(env);
    uint32_t val = (cur & ~update_mask) | (eflags & update_mask);
    env->cc_src = val & CC_ALL;
    env->cc_op = CC_OP_EFLAGS;
    env->eflags = (val & ~CC_ALL & 0x003f7fd5u) | 2;
    cpu_update_hflags(env);
}

/* --- reset and creation --- */

void cpu_fpu_init(CPUX86State *env)
{
    env->fpuc = 0x037f;
    env->fpus = 0;
    env->fpstt = 0;
    memset(env->fptags, 1, sizeof(env->fptags));
    env->fpop = 0;
    env->fpip = env->fpdp = 0;
    env->fpcs = env->fpds = 0;
}

static void reset_segments(CPUX86State *env)
{
    const uint32_t data = DESC_P_MASK | DESC_S_MASK | DESC_W_MASK | DESC_A_MASK;
    for (int i = 0; i < NB_SEGS; i++) {
        env->segs[i] = (SegmentCache){ 0, data, 0, 0xffff };
    }
    env->segs[R_CS] = (SegmentCache){ 0xf000, data | DESC_CS_MASK, 0xffff0000u, 0xffff };
    env->ldt = (SegmentCache){ 0, DESC_P_MASK | (SYS_LDT << DESC_TYPE_SHIFT), 0, 0xffff };
    env->tr = (SegmentCache){ 0, DESC_P_MASK | (SYS_TSS32_BUSY << DESC_TYPE_SHIFT), 0, 0xffff };
    /* Table 9-1: GDTR/IDTR base 0, limit FFFFH. */
    env->gdt.base = env->idt.base = 0;
    env->gdt.limit = env->idt.limit = 0xffff;
}

static void reset_msrs(CPUX86State *env)
{
    env->star = env->lstar = env->cstar = env->fmask = env->kernel_gs_base = 0;
    env->sysenter_cs = env->sysenter_esp = env->sysenter_eip = 0;
    env->pat = 0x0007040600070406ULL;
    env->apic_base = 0xfee00000ULL | (1u << 11) | (env->cpu_index == 0 ? 1u << 8 : 0);
    env->misc_enable = 1 | (1u << 11) | (1u << 12);   /* fast strings; no BTS/PEBS */
    env->tsc_aux = 0;
    env->mtrr_def_type = 0;
    memset(env->mtrr_fixed, 0, sizeof(env->mtrr_fixed));
    memset(env->mtrr_var, 0, sizeof(env->mtrr_var));
    env->mcg_status = 0;
    env->tsc_offset = 0;
    env->tsc_offset = -cpu_get_tsc(env);              /* TSC = 0 at reset */
}

void cpu_x86_reset(CPUX86State *env)
{
    memset(env->regs, 0, sizeof(env->regs));
    env->regs[R_EDX] = cpu_signature(env->cpuid);
    env->rip = 0xfff0;
    env->cc_op = CC_OP_EFLAGS;
    env->cc_src = env->cc_dst = env->cc_src2 = 0;
    env->eflags = 2;
    env->hflags = 0;
    reset_segments(env);
    env->cr[0] = CR0_CD | CR0_NW | CR0_ET;
    env->cr[1] = env->cr[2] = env->cr[3] = env->cr[4] = 0;
    env->efer = 0;
    memset(env->dr, 0, sizeof(env->dr));
    env->dr[6] = 0xffff0ff0;
    env->dr[7] = 0x400;
    reset_msrs(env);
    memset(env->fpregs, 0, sizeof(env->fpregs));
    cpu_fpu_init(env);
    memset(env->xmm, 0, sizeof(env->xmm));
    env->mxcsr = 0x1f80;
    env->exception_index = -1;
    env->error_code = 0;
    env->exception_is_int = false;
    env->exception_next_eip = 0;
    env->old_exception = -1;
    env->nmi_blocked = false;
    /* Application processors wait for a SIPI from the APIC. */
    env->wait_sipi = !(env->apic_base & (1u << 8));
    env->halted = env->wait_sipi;
    cpu_update_hflags(env);
    tlb_flush_all(env);
    if (log_enabled(LOG_CPU_RESET)) {
        log_printf("CPU %d reset (%s)\n", env->cpu_index, env->cpuid->name);
        cpu_dump_state(env, log_file ? log_file : stderr);
    }
}

/*
 * INIT (SDM Vol. 3 Table 9-1, "after INIT"): a reset that keeps the x87/SSE
 * state, CR0.CD/NW, the TSC and the MSRs (APIC base, PAT, MTRRs, SYSENTER,
 * misc enable). The BSP restarts at the reset vector; APs wait for a SIPI.
 */
void cpu_x86_init_ipi(CPUX86State *env)
{
    struct {
        uint64_t cr0, pat, apic_base, misc_enable, tsc_offset, mtrr_def_type;
        uint64_t mtrr_fixed[11], mtrr_var[16], sysenter[3];
        FloatX80 fpregs[8];
        uint32_t fpstt, mxcsr;
        uint16_t fpus, fpuc;
        uint8_t fptags[8];
        XMMReg xmm[16];
    } keep = {
        .cr0 = env->cr[0] & (CR0_CD | CR0_NW), .pat = env->pat, .apic_base = env->apic_base,
        .misc_enable = env->misc_enable, .tsc_offset = env->tsc_offset,
        .mtrr_def_type = env->mtrr_def_type,
        .sysenter = { env->sysenter_cs, env->sysenter_esp, env->sysenter_eip },
        .fpstt = env->fpstt, .mxcsr = env->mxcsr, .fpus = env->fpus, .fpuc = env->fpuc,
    };
    memcpy(keep.mtrr_fixed, env->mtrr_fixed, sizeof(keep.mtrr_fixed));
    memcpy(keep.mtrr_var, env->mtrr_var, sizeof(keep.mtrr_var));
    memcpy(keep.fpregs, env->fpregs, sizeof(keep.fpregs));
    memcpy(keep.fptags, env->fptags, sizeof(keep.fptags));
    memcpy(keep.xmm, env->xmm, sizeof(keep.xmm));

    cpu_x86_reset(env);
    env->apic_base = keep.apic_base;
    env->wait_sipi = !(env->apic_base & (1u << 8));
    env->halted = env->wait_sipi;
    env->cr[0] = (env->cr[0] & ~(uint64_t)(CR0_CD | CR0_NW)) | keep.cr0;
    env->pat = keep.pat;
    env->misc_enable = keep.misc_enable;
    env->tsc_offset = keep.tsc_offset;
    env->mtrr_def_type = keep.mtrr_def_type;
    env->sysenter_cs = keep.sysenter[0];
    env->sysenter_esp = keep.sysenter[1];
    env->sysenter_eip = keep.sysenter[2];
    memcpy(env->mtrr_fixed, keep.mtrr_fixed, sizeof(keep.mtrr_fixed));
    memcpy(env->mtrr_var, keep.mtrr_var, sizeof(keep.mtrr_var));
    memcpy(env->fpregs, keep.fpregs, sizeof(keep.fpregs));
    memcpy(env->fptags, keep.fptags, sizeof(keep.fptags));
    memcpy(env->xmm, keep.xmm, sizeof(keep.xmm));
    env->fpstt = keep.fpstt;
    env->mxcsr = keep.mxcsr;
    env->fpus = keep.fpus;
    env->fpuc = keep.fpuc;
    cpu_update_hflags(env);
}

/* SIPI: a waiting AP starts in real mode at vector << 12 (CS = vector << 8, IP = 0). */
void cpu_x86_sipi(CPUX86State *env, uint8_t vector)
{
    if (!env->wait_sipi) {
        return;                         /* ignored unless waiting for one */
    }
    env->wait_sipi = false;
    env->halted = false;
    cpu_load_seg_cache(env, R_CS, (uint32_t)vector << 8, (uint64_t)vector << 12, 0xffff,
                       env->segs[R_CS].flags);
    env->rip = 0;
}

CPUX86State *cpu_x86_create(Machine *m, int index, const char *model, char *err, size_t errlen)
{
    const CPUIDModel *cm = cpu_model_find(model ? model : CPU_DEFAULT_MODEL);
    if (!cm) {
        snprintf(err, errlen, "unknown CPU model '%s' (-cpu help lists them)", model);
        return NULL;
    }
    CPUX86State *env = calloc(1, sizeof(*env));
    if (!env) {
        snprintf(err, errlen, "out of memory creating CPU %d", index);
        return NULL;
    }
    env->cpu_index = index;
    env->machine = m;
    if (m) {
        env->mem = m->mem;
        env->io = m->io;
    }
    env->cpuid = cm;
    env->a20_mask = ~0ULL;
    cpu_x86_reset(env);
    return env;
}

/* --- the machine's view --- */

bool cpu_has_work(CPUX86State *env)
{
    uint32_t req = env->interrupt_request;
    if (req & CPU_INTERRUPT_INIT) {
        return true;
    }
    if (env->wait_sipi) {
        return (req & CPU_INTERRUPT_SIPI) != 0;
    }
    return ((req & CPU_INTERRUPT_NMI) && !env->nmi_blocked) ||
           ((req & (CPU_INTERRUPT_HARD | CPU_INTERRUPT_APIC)) && (env->eflags & IF_MASK));
}

void cpu_set_a20(CPUX86State *env, bool enabled)
{
    uint64_t mask = enabled ? ~0ULL : ~(1ULL << 20);
    if (mask != env->a20_mask) {
        env->a20_mask = mask;
        tlb_flush_all(env);
    }
}

void cpu_set_intr_source(CPUX86State *env, int (*ack)(void *opaque), void *opaque)
{
    env->intr_ack = ack;
    env->intr_opaque = opaque;
}

/* --- state dump --- */

static void dump_seg(FILE *f, const char *name, const SegmentCache *s)
{
    fprintf(f, "%-3s=%04x %08llx %08x %06x", name, s->selector, (unsigned long long)s->base,
            s->limit, s->flags >> 8);
    if (s->flags & DESC_P_MASK) {
        unsigned type = desc_type(s->flags);
        fprintf(f, " DPL=%u %s", desc_dpl(s->flags),
                !(s->flags & DESC_S_MASK) ? "SYS" :
                (s->flags & DESC_CS_MASK) ? ((s->flags & DESC_B_MASK) ? "CS32" : "CS16")
                                          : ((s->flags & DESC_B_MASK) ? "DS32" : "DS16"));
        fprintf(f, " [%c%c%c]", (type & 1) ? 'A' : '-', (type & 2) ? ((s->flags & DESC_CS_MASK)
                ? 'R' : 'W') : '-', (type & 4) ? ((s->flags & DESC_CS_MASK) ? 'C' : 'E') : '-');
    }
    fputc('\n', f);
}

void cpu_dump_state(CPUX86State *env, FILE *f)
{
    static const char *const seg_names[NB_SEGS] = { "ES", "CS", "SS", "DS", "FS", "GS" };
    static const char flag_chars[] = "ODITSZ-A-P-C";      /* bits 11..0 */
    uint32_t efl = cpu_get_eflags(env);
    char fl[13];

    for (int i = 0; i < 12; i++) {
        fl[i] = (efl >> (11 - i)) & 1 ? flag_chars[i] : '-';
    }
    fl[12] = 0;
    fprintf(f, "EAX=%08x EBX=%08x ECX=%08x EDX=%08x\n", (uint32_t)env->regs[R_EAX],
            (uint32_t)env->regs[R_EBX], (uint32_t)env->regs[R_ECX], (uint32_t)env->regs[R_EDX]);
    fprintf(f, "ESI=%08x EDI=%08x EBP=%08x ESP=%08x\n", (uint32_t)env->regs[R_ESI],
            (uint32_t)env->regs[R_EDI], (uint32_t)env->regs[R_EBP], (uint32_t)env->regs[R_ESP]);
    fprintf(f, "EIP=%08llx EFL=%08x [%s] CPL=%u IOPL=%u%s%s HFL=%08x\n",
            (unsigned long long)env->rip, efl, fl, cpu_cpl(env), (efl >> IOPL_SHIFT) & 3,
            (efl & VM_MASK) ? " VM86" : "", env->halted ? " HLT" : "", env->hflags);
    for (int i = 0; i < NB_SEGS; i++) {
        dump_seg(f, seg_names[i], &env->segs[i]);
    }
    dump_seg(f, "LDT", &env->ldt);
    dump_seg(f, "TR", &env->tr);
    fprintf(f, "GDT=     %08llx %08x\nIDT=     %08llx %08x\n",
            (unsigned long long)env->gdt.base, env->gdt.limit,
            (unsigned long long)env->idt.base, env->idt.limit);
    fprintf(f, "CR0=%08llx CR2=%08llx CR3=%08llx CR4=%08llx EFER=%08llx\n",
            (unsigned long long)env->cr[0], (unsigned long long)env->cr[2],
            (unsigned long long)env->cr[3], (unsigned long long)env->cr[4],
            (unsigned long long)env->efer);
    fprintf(f, "DR0=%08llx DR1=%08llx DR2=%08llx DR3=%08llx DR6=%08llx DR7=%08llx\n",
            (unsigned long long)env->dr[0], (unsigned long long)env->dr[1],
            (unsigned long long)env->dr[2], (unsigned long long)env->dr[3],
            (unsigned long long)env->dr[6], (unsigned long long)env->dr[7]);
}
