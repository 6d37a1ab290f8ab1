/*
 * misc_helper.c - system instructions that are not segmentation: CPUID,
 * RDTSC/RDTSCP/RDPMC, RDMSR/WRMSR, MOV to/from CR and DR, LMSW/CLTS/INVLPG,
 * port I/O with the IOPL / TSS permission-bitmap check, CLI/STI/PUSHF/POPF
 * privilege rules, HLT/PAUSE, SYSENTER/SYSEXIT/SYSCALL/SYSRET/SWAPGS, RSM.
 *
 * Invariants: every helper that changes CR0/CR4/EFER/EFLAGS recomputes
 * hflags; changes that alter address translation flush the TLB; writes that
 * are invalid per the SDM raise #GP(0) and change nothing. MSRs are one
 * table: an MSR absent from it (or not advertised by the CPU model) is #GP.
 */
#include "cpu/cpusys.h"
#include "kestrel/apic.h"
#include "kestrel/log.h"
#include "kestrel/machine.h"
#include "kestrel/memory.h"
#include "kestrel/timer.h"

static KESTREL_NORETURN void gp0(CPUX86State *env, uintptr_t ra)
{
    raise_exception_err(env, EXCP_GP, 0, ra);
}

static void set_reg32(CPUX86State *env, int reg, uint32_t v)
{
    env->regs[reg] = v;
}

/* --- CPUID --- */

static void cpuid_cache_leaf4(uint32_t sub, uint32_t *a, uint32_t *b, uint32_t *c)
{
    /* type, level, ways, sets (64-byte lines): L1D 32K, L1I 32K, L2 2M */
    static const uint32_t caches[][4] = { { 1, 1, 8, 64 }, { 2, 1, 8, 64 }, { 3, 2, 16, 2048 } };
    if (sub >= ARRAY_SIZE(caches)) {
        *a = *b = *c = 0;
        return;
    }
    *a = caches[sub][0] | caches[sub][1] << 5 | 1u << 8;
    *b = (caches[sub][2] - 1) << 22 | 63;
    *c = caches[sub][3] - 1;
}

void cpu_x86_cpuid(CPUX86State *env, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
    const CPUIDModel *m = env->cpuid;
    uint32_t *a = &out[0], *b = &out[1], *c = &out[2], *d = &out[3];
    bool ext = leaf >= 0x80000000u;
    if ((!ext && leaf > m->level) || (ext && leaf > (m->xlevel ? m->xlevel : 0x80000000u))) {
        leaf = m->level;        /* Intel: out of range returns the highest basic leaf */
        ext = false;
    }
    memset(out, 0, 4 * sizeof(uint32_t));
    switch (leaf) {
    case 0:
        *a = m->level;
        *b = ld32_le(m->vendor);
        *d = ld32_le(m->vendor + 4);
        *c = ld32_le(m->vendor + 8);
        break;
    case 1:
        *a = cpu_signature(m);
        *b = (uint32_t)env->cpu_index << 24 | 1u << 16 |
             ((m->features_edx & CPUID_CLFSH) ? 8u << 8 : 0);
        *c = m->features_ecx;
        *d = m->features_edx;
        break;
    case 2:
        *a = 0x0000ff01;        /* one iteration; FFh: use leaf 4 */
        break;
    case 4:
        cpuid_cache_leaf4(sub, a, b, c);
        break;
    case 7:
        if (sub == 0) {
            *b = m->features7_ebx;
        }
        break;
    case 0x80000000:
        *a = m->xlevel;
        break;
    case 0x80000001:
        *a = cpu_signature(m);
        *c = m->ext_features_ecx;
        *d = m->ext_features_edx;
        break;
    case 0x80000002:
    case 0x80000003:
    case 0x80000004:
        for (int i = 0; i < 4; i++) {
            out[i] = ld32_le(m->model_id + (leaf - 0x80000002) * 16 + i * 4);
        }
        break;
    case 0x80000006:
        *c = 2048u << 16 | 6u << 12 | 64;      /* 2 MiB, 8-way, 64-byte lines */
        break;
    case 0x80000007:
        *d = 1u << 8;           /* invariant TSC: it counts the virtual clock at a fixed rate */
        break;
    case 0x80000008:
        *a = (m->ext_features_edx & CPUID_EXT2_LM) ? 0x3028 : 0x2020;
        break;
    default:
        break;
    }
}

void helper_cpuid(CPUX86State *env)
{
    uint32_t r[4];
    cpu_x86_cpuid(env, (uint32_t)env->regs[R_EAX], (uint32_t)env->regs[R_ECX], r);
    set_reg32(env, R_EAX, r[0]);
    set_reg32(env, R_EBX, r[1]);
    set_reg32(env, R_ECX, r[2]);
    set_reg32(env, R_EDX, r[3]);
}
DEF_HELPER(cpuid, 0, false, 0);

/* --- time stamp counter --- */

uint64_t cpu_get_tsc(CPUX86State *env)
{
    return ns_to_ticks(clock_ns(), CPU_TSC_FREQ_HZ) + env->tsc_offset;
}

/* The inverse of cpu_get_tsc: the first virtual-clock ns at which the TSC reads tsc. */
static int64_t tsc_to_ns(CPUX86State *env, uint64_t tsc)
{
    uint64_t ticks = tsc - env->tsc_offset;
    if ((int64_t)ticks < 0) {
        return 0;                         /* before the clock's origin: now */
    }
    int64_t ns = ticks_to_ns(ticks, CPU_TSC_FREQ_HZ);
    return ns_to_ticks(ns, CPU_TSC_FREQ_HZ) < ticks ? ns + 1 : ns;
}

static void check_tsc_access(CPUX86State *env, uintptr_t ra)
{
    if (!cpu_has_feature(env, CPUID_TSC)) {
        raise_exception(env, EXCP_UD, ra);
    }
    if ((env->cr[4] & CR4_TSD) && cpu_cpl(env) != 0 && (env->cr[0] & CR0_PE)) {
        gp0(env, ra);
    }
}

static void set_edx_eax(CPUX86State *env, uint64_t v)
{
    set_reg32(env, R_EAX, (uint32_t)v);
    set_reg32(env, R_EDX, (uint32_t)(v >> 32));
}

void helper_rdtsc(CPUX86State *env)
{
    check_tsc_access(env, ir_getpc());
    set_edx_eax(env, cpu_get_tsc(env));
}
DEF_HELPER(rdtsc, 0, false, 0);

void helper_rdtscp(CPUX86State *env)
{
    uintptr_t ra = ir_getpc();
    if (!cpu_has_ext2(env, CPUID_EXT2_RDTSCP)) {
        raise_exception(env, EXCP_UD, ra);
    }
    check_tsc_access(env, ra);
    set_edx_eax(env, cpu_get_tsc(env));
    set_reg32(env, R_ECX, (uint32_t)env->tsc_aux);
}
DEF_HELPER(rdtscp, 0, false, 0);

/* No performance counters are emulated: P6 counters 0-1 read as 0. */
void helper_rdpmc(CPUX86State *env)
{
    uintptr_t ra = ir_getpc();
    bool allowed = cpu_cpl(env) == 0 || !(env->cr[0] & CR0_PE) || (env->cr[4] & CR4_PCE);
    if (!allowed || (uint32_t)env->regs[R_ECX] > 1) {
        gp0(env, ra);
    }
    set_edx_eax(env, 0);
}
DEF_HELPER(rdpmc, 0, false, 0);

/* --- MSRs --- */

typedef struct MsrDesc {
    uint32_t index, count;
    bool (*avail)(const CPUX86State *env);                    /* NULL: always */
    uint64_t (*read)(CPUX86State *env, uint32_t index);        /* NULL: the field */
    bool (*write)(CPUX86State *env, uint32_t index, uint64_t v);   /* NULL: store; false: #GP */
    size_t field;                                             /* offsetof, 8 bytes each */
    bool address;       /* a linear address: #GP if not canonical (CPUs with long mode) */
} MsrDesc;

static bool has_apic(const CPUX86State *env) { return cpu_has_feature(env, CPUID_APIC); }
static bool has_mtrr(const CPUX86State *env) { return cpu_has_feature(env, CPUID_MTRR); }
static bool has_sep(const CPUX86State *env) { return cpu_has_feature(env, CPUID_SEP); }
static bool has_pat(const CPUX86State *env) { return cpu_has_feature(env, CPUID_PAT); }
static bool has_syscall(const CPUX86State *env) { return cpu_has_ext2(env, CPUID_EXT2_SYSCALL); }
static bool has_lm(const CPUX86State *env) { return cpu_has_ext2(env, CPUID_EXT2_LM); }
static bool has_rdtscp(const CPUX86State *env) { return cpu_has_ext2(env, CPUID_EXT2_RDTSCP); }
static bool has_efer(const CPUX86State *env)
{
    return cpu_has_ext2(env, CPUID_EXT2_SYSCALL | CPUID_EXT2_NX | CPUID_EXT2_LM);
}

static uint64_t rd_zero(CPUX86State *env, uint32_t index) { return 0; }
static bool wr_readonly(CPUX86State *env, uint32_t index, uint64_t v) { return false; }
static bool wr_ignore(CPUX86State *env, uint32_t index, uint64_t v) { return true; }

static uint64_t rd_tsc(CPUX86State *env, uint32_t index) { return cpu_get_tsc(env); }
static bool wr_tsc(CPUX86State *env, uint32_t index, uint64_t v)
{
    env->tsc_offset = 0;
    env->tsc_offset = v - cpu_get_tsc(env);
    return true;
}

static bool wr_apic_base(CPUX86State *env, uint32_t index, uint64_t v)
{
    const uint64_t valid = (1u << 8) | (1u << 11) | (0xfffffULL << 12);  /* BSP, EN, base<36 */
    if (v & ~valid) {
        return false;
    }
    uint64_t old = env->apic_base;
    env->apic_base = (v & ~(1ULL << 8)) | (env->apic_base & (1ULL << 8));
    if (env->apic) {
        apic_base_changed(env->apic, old);
    }
    return true;
}

static bool has_tsc_deadline(const CPUX86State *env)
{
    return (env->cpuid->features_ecx & CPUID_EXT_TSC_DEADLINE) && env->apic;
}
static uint64_t rd_tsc_deadline(CPUX86State *env, uint32_t index)
{
    return apic_get_tsc_deadline(env->apic);
}
static bool wr_tsc_deadline(CPUX86State *env, uint32_t index, uint64_t v)
{
    apic_set_tsc_deadline(env->apic, v, tsc_to_ns(env, v));
    return true;
}

static uint64_t rd_mtrrcap(CPUX86State *env, uint32_t index)
{
    return 8 | (1u << 8) | (1u << 10);       /* 8 variable ranges, fixed ranges, WC */
}

static bool memtype_valid(uint64_t t)
{
    return t == 0 || t == 1 || t == 4 || t == 5 || t == 6;
}

static bool wr_mtrr_def(CPUX86State *env, uint32_t index, uint64_t v)
{
    if ((v & ~0xcffULL) || !memtype_valid(v & 0xff)) {
        return false;
    }
    env->mtrr_def_type = v;
    return true;
}

static bool wr_pat(CPUX86State *env, uint32_t index, uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        uint64_t t = (v >> (i * 8)) & 0xff;
        if (!memtype_valid(t) && t != 7) {
            return false;
        }
    }
    env->pat = v;
    tlb_flush_all(env);
    return true;
}

static bool wr_efer(CPUX86State *env, uint32_t index, uint64_t v)
{
    uint64_t valid = (has_syscall(env) ? EFER_SCE : 0) | (has_lm(env) ? EFER_LME | EFER_LMA : 0) |
                     (cpu_has_ext2(env, CPUID_EXT2_NX) ? EFER_NXE : 0);
    if (v & ~valid) {
        return false;
    }
    if (((v ^ env->efer) & EFER_LME) && (env->cr[0] & CR0_PG)) {
        return false;
    }
    v = (v & ~(uint64_t)EFER_LMA) | (env->efer & EFER_LMA);  /* LMA is read-only */
    if ((v ^ env->efer) & EFER_NXE) {
        tlb_flush_all(env);
    }
    env->efer = v;
    cpu_update_hflags(env);
    return true;
}

static SegmentCache *base_msr_seg(CPUX86State *env, uint32_t index)
{
    return &env->segs[index == 0xc0000100u ? R_FS : R_GS];
}
static uint64_t rd_seg_base(CPUX86State *env, uint32_t index)
{
    return base_msr_seg(env, index)->base;
}
static bool wr_seg_base(CPUX86State *env, uint32_t index, uint64_t v)
{
    base_msr_seg(env, index)->base = v;
    cpu_update_hflags(env);
    return true;
}

#define F(f) offsetof(CPUX86State, f)

static const MsrDesc msr_table[] = {
    { 0x00000010, 1, NULL, rd_tsc, wr_tsc, 0 },                        /* TSC */
    { 0x00000017, 1, NULL, rd_zero, wr_readonly, 0 },                  /* PLATFORM_ID */
    { 0x0000001b, 1, has_apic, NULL, wr_apic_base, F(apic_base) },
    { 0x00000079, 1, NULL, rd_zero, wr_ignore, 0 },                    /* BIOS_UPDT_TRIG */
    { 0x0000008b, 1, NULL, rd_zero, wr_ignore, 0 },                    /* BIOS_SIGN_ID */
    { 0x000000fe, 1, has_mtrr, rd_mtrrcap, wr_readonly, 0 },
    { 0x00000174, 1, has_sep, NULL, NULL, F(sysenter_cs) },
    { 0x00000175, 1, has_sep, NULL, NULL, F(sysenter_esp), true },
    { 0x00000176, 1, has_sep, NULL, NULL, F(sysenter_eip), true },
    { 0x00000179, 1, NULL, rd_zero, wr_readonly, 0 },                  /* MCG_CAP: no banks */
    { 0x0000017a, 1, NULL, NULL, NULL, F(mcg_status) },
    { 0x000001a0, 1, NULL, NULL, NULL, F(misc_enable) },
    { 0x00000200, 16, has_mtrr, NULL, NULL, F(mtrr_var) },
    { 0x00000250, 1, has_mtrr, NULL, NULL, F(mtrr_fixed[0]) },
    { 0x00000258, 2, has_mtrr, NULL, NULL, F(mtrr_fixed[1]) },
    { 0x00000268, 8, has_mtrr, NULL, NULL, F(mtrr_fixed[3]) },
    { 0x00000277, 1, has_pat, NULL, wr_pat, F(pat) },
    { 0x000002ff, 1, has_mtrr, NULL, wr_mtrr_def, F(mtrr_def_type) },
    { 0x000006e0, 1, has_tsc_deadline, rd_tsc_deadline, wr_tsc_deadline, 0 },
    { 0xc0000080, 1, has_efer, NULL, wr_efer, F(efer) },
    { 0xc0000081, 1, has_syscall, NULL, NULL, F(star) },
    { 0xc0000082, 1, has_lm, NULL, NULL, F(lstar), true },
    { 0xc0000083, 1, has_lm, NULL, NULL, F(cstar) },
    { 0xc0000084, 1, has_lm, NULL, NULL, F(fmask) },
    { 0xc0000100, 2, has_lm, rd_seg_base, wr_seg_base, 0, true },      /* FS/GS_BASE */
    { 0xc0000102, 1, has_lm, NULL, NULL, F(kernel_gs_base), true },
    { 0xc0000103, 1, has_rdtscp, NULL, NULL, F(tsc_aux) },
};
#undef F

static const MsrDesc *msr_find(const CPUX86State *env, uint32_t index)
{
    for (size_t i = 0; i < ARRAY_SIZE(msr_table); i++) {
        const MsrDesc *d = &msr_table[i];
        if (index - d->index < d->count) {
            return (!d->avail || d->avail(env)) ? d : NULL;
        }
    }
    return NULL;
}

static uint64_t *msr_field(CPUX86State *env, const MsrDesc *d, uint32_t index)
{
    return (uint64_t *)((char *)env + d->field) + (index - d->index);
}

/* Both return false for #GP (unknown MSR or invalid value). */
bool cpu_rdmsr(CPUX86State *env, uint32_t index, uint64_t *val)
{
    const MsrDesc *d = msr_find(env, index);
    if (!d) {
        log_mask_printf(LOG_UNIMP | LOG_GUEST_ERROR, "rdmsr: unknown MSR %#x\n", index);
        return false;
    }
    *val = d->read ? d->read(env, index) : *msr_field(env, d, index);
    return true;
}

bool cpu_wrmsr(CPUX86State *env, uint32_t index, uint64_t val)
{
    const MsrDesc *d = msr_find(env, index);
    if (!d) {
        log_mask_printf(LOG_UNIMP | LOG_GUEST_ERROR, "wrmsr: unknown MSR %#x\n", index);
        return false;
    }
    if (d->address && has_lm(env) && !x86_is_canonical(val)) {
        return false;
    }
    if (d->write) {
        return d->write(env, index, val);
    }
    *msr_field(env, d, index) = val;
    return true;
}

static void check_msr_access(CPUX86State *env, uintptr_t ra)
{
    if (!cpu_has_feature(env, CPUID_MSR)) {
        raise_exception(env, EXCP_UD, ra);
    }
    if (cpu_cpl(env) != 0) {
        gp0(env, ra);
    }
}

void helper_rdmsr(CPUX86State *env)
{
    uintptr_t ra = ir_getpc();
    uint64_t v;
    check_msr_access(env, ra);
    if (!cpu_rdmsr(env, (uint32_t)env->regs[R_ECX], &v)) {
        gp0(env, ra);
    }
    set_edx_eax(env, v);
}
DEF_HELPER(rdmsr, 0, false, 0);

void helper_wrmsr(CPUX86State *env)
{
    uintptr_t ra = ir_getpc();
    uint64_t v = (uint32_t)env->regs[R_EAX] | env->regs[R_EDX] << 32;
    check_msr_access(env, ra);
    if (!cpu_wrmsr(env, (uint32_t)env->regs[R_ECX], v)) {
        gp0(env, ra);
    }
}
DEF_HELPER(wrmsr, 0, false, 0);

/* --- control and debug registers --- */

#define CR0_VALID (CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_NE | CR0_WP | CR0_AM | \
                   CR0_NW | CR0_CD | CR0_PG)

void cpu_write_cr0(CPUX86State *env, uint64_t val, uintptr_t ra)
{
    uint64_t old = env->cr[0];
    if (val >> 32) {
        gp0(env, ra);
    }
    val = (val & CR0_VALID) | CR0_ET;          /* reserved low bits are ignored */
    if (((val & CR0_PG) && !(val & CR0_PE)) || ((val & CR0_NW) && !(val & CR0_CD))) {
        gp0(env, ra);
    }
    if (!(old & CR0_PG) && (val & CR0_PG) && (env->efer & EFER_LME)) {
        if (!(env->cr[4] & CR4_PAE) || (env->segs[R_CS].flags & DESC_L_MASK)) {
            gp0(env, ra);
        }
        env->efer |= EFER_LMA;
    }
    if ((old & CR0_PG) && !(val & CR0_PG) && (env->efer & EFER_LMA)) {
        if (env->hflags & HF_CS64) {
            gp0(env, ra);
        }
        env->efer &= ~(uint64_t)EFER_LMA;
    }
    if ((old ^ val) & (CR0_PG | CR0_WP | CR0_PE)) {
        tlb_flush_all(env);
    }
    env->cr[0] = val;
    cpu_update_hflags(env);
}

void cpu_write_cr3(CPUX86State *env, uint64_t val)
{
    env->cr[3] = (env->hflags & HF_LMA) ? val : (uint32_t)val;
    if (env->cr[4] & CR4_PGE) {
        tlb_flush_nonglobal(env);
    } else {
        tlb_flush_all(env);
    }
}

static uint64_t cr4_valid(const CPUX86State *env)
{
    const CPUIDModel *m = env->cpuid;
    static const struct { uint32_t feature, cr4; } by_edx[] = {
        { CPUID_VME, CR4_VME | CR4_PVI }, { CPUID_TSC, CR4_TSD }, { CPUID_DE, CR4_DE },
        { CPUID_PSE, CR4_PSE }, { CPUID_PAE, CR4_PAE }, { CPUID_MCE, CR4_MCE },
        { CPUID_PGE, CR4_PGE }, { CPUID_FXSR, CR4_OSFXSR }, { CPUID_SSE, CR4_OSXMMEXCPT },
    };
    uint64_t v = m->family >= 6 ? CR4_PCE : 0;
    for (size_t i = 0; i < ARRAY_SIZE(by_edx); i++) {
        if (m->features_edx & by_edx[i].feature) {
            v |= by_edx[i].cr4;
        }
    }
    v |= (m->features7_ebx & CPUID_7_FSGSBASE) ? CR4_FSGSBASE : 0;
    v |= (m->features7_ebx & CPUID_7_SMEP) ? CR4_SMEP : 0;
    v |= (m->features7_ebx & CPUID_7_SMAP) ? CR4_SMAP : 0;
    return v;
}

static void write_cr4(CPUX86State *env, uint64_t val, uintptr_t ra)
{
    const uint64_t paging_bits = CR4_PSE | CR4_PGE | CR4_PAE | CR4_SMEP | CR4_SMAP;
    if ((val & ~cr4_valid(env)) || ((env->hflags & HF_LMA) && !(val & CR4_PAE))) {
        gp0(env, ra);
    }
    if ((val ^ env->cr[4]) & paging_bits) {
        tlb_flush_all(env);
    }
    env->cr[4] = val;
    cpu_update_hflags(env);
}

uint64_t helper_read_cr(CPUX86State *env, uint64_t reg)
{
    uintptr_t ra = ir_getpc();
    switch (reg) {
    case 0: case 2: case 3: case 4:
        return env->cr[reg];
    case 8:
        if (env->hflags & HF_CS64) {
            return env->apic ? apic_get_tpr(env->apic) : 0;
        }
        break;
    default:
        break;
    }
    raise_exception(env, EXCP_UD, ra);
}
DEF_HELPER(read_cr, 1, true, 0);

void helper_write_cr(CPUX86State *env, uint64_t reg, uint64_t val)
{
    uintptr_t ra = ir_getpc();
    switch (reg) {
    case 0:
        cpu_write_cr0(env, val, ra);
        return;
    case 2:
        env->cr[2] = val;
        return;
    case 3:
        cpu_write_cr3(env, val);
        return;
    case 4:
        write_cr4(env, val, ra);
        return;
    case 8:
        if (env->hflags & HF_CS64) {
            if (val >> 4) {
                gp0(env, ra);             /* CR8 bits 63:4 are reserved */
            }
            if (env->apic) {
                apic_set_tpr(env->apic, (uint8_t)val);
            }
            return;
        }
        break;
    default:
        break;
    }
    raise_exception(env, EXCP_UD, ra);
}
DEF_HELPER(write_cr, 2, false, 0);

/* LMSW loads PE/MP/EM/TS and cannot clear PE. */
void helper_lmsw(CPUX86State *env, uint64_t val)
{
    uint64_t cr0 = (env->cr[0] & ~0xeULL) | (val & 0xf);
    cpu_write_cr0(env, cr0, ir_getpc());
}
DEF_HELPER(lmsw, 1, false, 0);

void helper_clts(CPUX86State *env)
{
    env->cr[0] &= ~(uint64_t)CR0_TS;
    cpu_update_hflags(env);
}
DEF_HELPER(clts, 0, false, 0);

/* DR4/DR5 alias DR6/DR7 unless CR4.DE, where they are #UD. */
static unsigned dr_index(CPUX86State *env, uint64_t reg, uintptr_t ra)
{
    if (reg > 7 || ((reg == 4 || reg == 5) && (env->cr[4] & CR4_DE))) {
        raise_exception(env, EXCP_UD, ra);
    }
    return reg == 4 || reg == 5 ? (unsigned)reg + 2 : (unsigned)reg;
}

uint64_t helper_read_dr(CPUX86State *env, uint64_t reg)
{
    return env->dr[dr_index(env, reg, ir_getpc())];
}
DEF_HELPER(read_dr, 1, true, 0);

void helper_write_dr(CPUX86State *env, uint64_t reg, uint64_t val)
{
    uintptr_t ra = ir_getpc();
    unsigned i = dr_index(env, reg, ra);
    if (i >= 6 && (val >> 32)) {
        gp0(env, ra);
    }
    if (i == 6) {
        val = (val & 0x0000f00fULL) | 0xffff0ff0ULL;
    } else if (i == 7) {
        val = (val & 0xffff2bffULL) | 0x400;
        if (val & 0xff) {
            log_unimp("hardware breakpoints (DR7) are not emulated\n");
        }
    }
    env->dr[i] = val;
}
DEF_HELPER(write_dr, 2, false, 0);

void helper_invlpg(CPUX86State *env, uint64_t addr)
{
    tlb_flush_page(env, cpu_linear(env, addr));
}
DEF_HELPER(invlpg, 1, false, 0);

/* --- port I/O --- */

static unsigned iopl(const CPUX86State *env)
{
    return (env->eflags & IOPL_MASK) >> IOPL_SHIFT;
}

/* SDM Vol. 1 18.5: CPL > IOPL or VM86 consults the 32-bit TSS I/O bitmap. */
static void check_io(CPUX86State *env, uint32_t port, unsigned size, uintptr_t ra)
{
    if (!(env->cr[0] & CR0_PE) || (!(env->eflags & VM_MASK) && cpu_cpl(env) <= iopl(env))) {
        return;
    }
    unsigned type = desc_type(env->tr.flags);
    if (!(env->tr.flags & DESC_P_MASK) || (type != SYS_TSS32_AVAIL && type != SYS_TSS32_BUSY) ||
        env->tr.limit < 0x67) {
        gp0(env, ra);
    }
    uint32_t offset = sys_ld(env, env->tr.base + 0x66, MO_16, ra) + (port >> 3);
    if (offset + 1 > env->tr.limit) {
        gp0(env, ra);
    }
    uint32_t bits = sys_ld(env, env->tr.base + offset, MO_16, ra) >> (port & 7);
    if (bits & ((1u << size) - 1)) {
        gp0(env, ra);
    }
}

void helper_check_io(CPUX86State *env, uint64_t port, uint64_t size)
{
    check_io(env, (uint32_t)port & 0xffff, (unsigned)size, ir_getpc());
}
DEF_HELPER(check_io, 2, false, 0);

uint64_t helper_in(CPUX86State *env, uint64_t port, uint64_t size)
{
    return bus_read(env->io, port & 0xffff, (unsigned)size);
}
DEF_HELPER(in, 2, true, 0);

void helper_out(CPUX86State *env, uint64_t port, uint64_t value, uint64_t size)
{
    bus_write(env->io, port & 0xffff, value, (unsigned)size);
}
DEF_HELPER(out, 3, false, 0);

/* --- EFLAGS privilege rules --- */

/* CLI/STI: IOPL-sensitive in protected and VM86 mode (no VME/PVI). */
static void check_iopl(CPUX86State *env, uintptr_t ra)
{
    if ((env->cr[0] & CR0_PE) && cpu_cpl(env) > iopl(env)) {
        gp0(env, ra);
    }
}

void helper_cli(CPUX86State *env)
{
    check_iopl(env, ir_getpc());
    env->eflags &= ~(uint64_t)IF_MASK;
}
DEF_HELPER(cli, 0, false, 0);

void helper_sti(CPUX86State *env)
{
    check_iopl(env, ir_getpc());
    if (!(env->eflags & IF_MASK)) {
        env->eflags |= IF_MASK;
        env->hflags |= HF_INHIBIT_IRQ;
    }
}
DEF_HELPER(sti, 0, false, 0);

void helper_pushf_check(CPUX86State *env)
{
    if ((env->eflags & VM_MASK) && iopl(env) < 3) {
        gp0(env, ir_getpc());
    }
}
DEF_HELPER(pushf_check, 0, false, 0);

/* The PUSHF image: VM and RF read as 0. */
uint64_t helper_read_eflags(CPUX86State *env)
{
    return cpu_get_eflags(env) & ~(uint32_t)(VM_MASK | RF_MASK);
}
DEF_HELPER(read_eflags, 0, true, 0);

void helper_write_eflags(CPUX86State *env, uint64_t value, uint64_t mask)
{
    cpu_set_eflags(env, (uint32_t)value, (uint32_t)mask);
}
DEF_HELPER(write_eflags, 2, false, 0);

/* POPF (SDM Vol. 2): IF only if CPL <= IOPL, IOPL only at CPL 0, VM/VIP/VIF
 * never, RF cleared; VM86 needs IOPL 3; a 16-bit POPF keeps the high half. */
void helper_popf(CPUX86State *env, uint64_t value, uint64_t opsize)
{
    uintptr_t ra = ir_getpc();
    uint32_t mask = CC_ALL | TF_MASK | DF_MASK | NT_MASK | AC_MASK | ID_MASK;
    unsigned cpl = cpu_cpl(env);
    if (env->eflags & VM_MASK) {
        if (iopl(env) < 3) {
            gp0(env, ra);
        }
        mask |= IF_MASK;
    } else {
        mask |= cpl <= iopl(env) ? IF_MASK : 0;
        mask |= cpl == 0 ? IOPL_MASK : 0;
    }
    if (opsize == 2) {
        mask &= 0xffff;
    }
    env->eflags &= ~(uint64_t)RF_MASK;
    cpu_set_eflags(env, (uint32_t)value, mask);
}
DEF_HELPER(popf, 2, false, 0);

/* --- HLT, PAUSE --- */

void helper_hlt(CPUX86State *env, uint64_t next_eip)
{
    cpu_sync_state(env, ir_getpc());
    env->rip = next_eip;
    env->halted = true;
    env->hflags &= ~HF_INHIBIT_IRQ;
    cpu_update_hflags(env);
    env->exception_index = EXCP_HLT;
    cpu_loop_exit(env);
}
DEF_HELPER(hlt, 1, false, 0);

/* With several vCPUs on one thread, a spin-wait hint gives the others a turn. */
void helper_pause(CPUX86State *env, uint64_t next_eip)
{
    if (env->machine && env->machine->ncpus > 1) {
        cpu_sync_state(env, ir_getpc());
        env->rip = next_eip;
        env->exception_index = EXCP_INTERRUPT;
        cpu_loop_exit(env);
    }
}
DEF_HELPER(pause, 1, false, 0);

/* --- fast system calls --- */

static void load_flat(CPUX86State *env, int seg, uint32_t sel, unsigned dpl, bool code,
                      bool code64)
{
    uint32_t flags = DESC_P_MASK | DESC_S_MASK | DESC_A_MASK | DESC_W_MASK | DESC_G_MASK |
                     (dpl << DESC_DPL_SHIFT) | (code ? DESC_CS_MASK : 0) |
                     (code64 ? DESC_L_MASK : DESC_B_MASK);
    cpu_load_seg_cache(env, seg, sel, 0, 0xffffffffu, flags);
}

void helper_sysenter(CPUX86State *env)
{
    uintptr_t ra = ir_getpc();
    uint32_t cs = (uint32_t)env->sysenter_cs & 0xfffc;
    if (!cpu_has_feature(env, CPUID_SEP)) {
        raise_exception(env, EXCP_UD, ra);
    }
    if (!(env->cr[0] & CR0_PE) || cs == 0) {
        gp0(env, ra);
    }
    bool lm = env->hflags & HF_LMA;
    env->eflags &= ~(uint64_t)(VM_MASK | IF_MASK | RF_MASK);
    load_flat(env, R_CS, cs, 0, true, lm);
    load_flat(env, R_SS, cs + 8, 0, false, false);
    env->regs[R_ESP] = lm ? env->sysenter_esp : (uint32_t)env->sysenter_esp;
    env->rip = lm ? env->sysenter_eip : (uint32_t)env->sysenter_eip;
}
DEF_HELPER(sysenter, 0, false, 0);

void helper_sysexit(CPUX86State *env, uint64_t opsize)
{
    uintptr_t ra = ir_getpc();
    uint32_t cs = (uint32_t)env->sysenter_cs & 0xfffc;
    bool to64 = opsize == 8;
    if (!cpu_has_feature(env, CPUID_SEP)) {
        raise_exception(env, EXCP_UD, ra);
    }
    if (!(env->cr[0] & CR0_PE) || cpu_cpl(env) != 0 || cs == 0) {
        gp0(env, ra);
    }
    load_flat(env, R_CS, (cs + (to64 ? 32 : 16)) | 3, 3, true, to64);
    load_flat(env, R_SS, (cs + (to64 ? 40 : 24)) | 3, 3, false, false);
    env->regs[R_ESP] = to64 ? env->regs[R_ECX] : (uint32_t)env->regs[R_ECX];
    env->rip = to64 ? env->regs[R_EDX] : (uint32_t)env->regs[R_EDX];
}
DEF_HELPER(sysexit, 1, false, 0);

static void check_syscall(CPUX86State *env, uintptr_t ra)
{
    if (!cpu_has_ext2(env, CPUID_EXT2_SYSCALL) || !(env->efer & EFER_SCE)) {
        raise_exception(env, EXCP_UD, ra);
    }
}

void helper_syscall(CPUX86State *env, uint64_t next_eip)
{
    uintptr_t ra = ir_getpc();
    uint32_t cs = (uint32_t)(env->star >> 32) & 0xfffc;
    check_syscall(env, ra);
    if (!(env->cr[0] & CR0_PE)) {
        raise_exception(env, EXCP_UD, ra);
    }
    cpu_sync_state(env, ra);
    if (env->hflags & HF_LMA) {
        bool from64 = env->hflags & HF_CS64;
        env->regs[R_ECX] = next_eip;
        env->regs[R_R11] = cpu_get_eflags(env) & ~(uint32_t)RF_MASK;
        cpu_set_eflags(env, 0, (uint32_t)env->fmask | RF_MASK);
        load_flat(env, R_CS, cs, 0, true, true);
        load_flat(env, R_SS, cs + 8, 0, false, false);
        env->rip = from64 ? env->lstar : env->cstar;
    } else {
        env->regs[R_ECX] = (uint32_t)next_eip;
        env->eflags &= ~(uint64_t)(VM_MASK | IF_MASK | RF_MASK);
        load_flat(env, R_CS, cs, 0, true, false);
        load_flat(env, R_SS, cs + 8, 0, false, false);
        env->rip = (uint32_t)env->star;
    }
}
DEF_HELPER(syscall, 1, false, 0);

void helper_sysret(CPUX86State *env, uint64_t opsize)
{
    uintptr_t ra = ir_getpc();
    uint32_t cs = (uint32_t)(env->star >> 48) & 0xfffc;
    check_syscall(env, ra);
    if (!(env->cr[0] & CR0_PE) || cpu_cpl(env) != 0) {
        gp0(env, ra);
    }
    if (env->hflags & HF_LMA) {
        bool to64 = opsize == 8;
        if (to64 && !x86_is_canonical(env->regs[R_ECX])) {
            gp0(env, ra);           /* Intel: the fault is taken in ring 0 */
        }
        cpu_set_eflags(env, (uint32_t)env->regs[R_R11], 0x3f7fd5u & ~(uint32_t)VM_MASK);
        load_flat(env, R_CS, (cs + (to64 ? 16 : 0)) | 3, 3, true, to64);
        env->rip = to64 ? env->regs[R_ECX] : (uint32_t)env->regs[R_ECX];
    } else {
        env->eflags |= IF_MASK;
        load_flat(env, R_CS, cs | 3, 3, true, false);
        env->rip = (uint32_t)env->regs[R_ECX];
    }
    load_flat(env, R_SS, (cs + 8) | 3, 3, false, false);
}
DEF_HELPER(sysret, 1, false, 0);

void helper_swapgs(CPUX86State *env)
{
    uintptr_t ra = ir_getpc();
    if (!(env->hflags & HF_CS64)) {
        raise_exception(env, EXCP_UD, ra);
    }
    if (cpu_cpl(env) != 0) {
        gp0(env, ra);
    }
    uint64_t t = env->segs[R_GS].base;
    env->segs[R_GS].base = env->kernel_gs_base;
    env->kernel_gs_base = t;
}
DEF_HELPER(swapgs, 0, false, 0);

/* No SMM: RSM is invalid outside it. */
void helper_rsm(CPUX86State *env)
{
    raise_exception(env, EXCP_UD, ir_getpc());
}
DEF_HELPER(rsm, 0, false, 0);
