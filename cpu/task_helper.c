/*
 * task_helper.c - hardware task switching (SDM Vol. 3 7.3) for JMP/CALL to
 * a TSS or task gate, interrupts through task gates and IRET with NT, with
 * 16- and 32-bit TSS formats.
 *
 * Invariants: everything is read from the new TSS before anything is
 * written, so a fault before the commit point leaves the old task intact;
 * after the commit point (TR loaded) faults are reported in the context of
 * the new task, as the SDM specifies: its selectors are loaded first,
 * unchecked, and then validated one by one with #TS/#NP/#SS.
 */
#include "cpu/cpusys.h"
#include "kestrel/log.h"

/* Field offsets of one TSS format. Segment selectors are ES, CS, SS, DS, FS, GS. */
typedef struct TssLayout {
    uint32_t min_limit;
    uint32_t eip, eflags, regs, segs, ldt, cr3;   /* cr3 == 0: none */
    unsigned width;                              /* 2 or 4: register slot size */
    unsigned nsegs;                              /* 4 (no FS/GS) or 6 */
} TssLayout;

static const TssLayout tss32 = { 0x67, 0x20, 0x24, 0x28, 0x48, 0x60, 0x1c, 4, 6 };
static const TssLayout tss16 = { 0x2b, 0x0e, 0x10, 0x12, 0x22, 0x2a, 0, 2, 4 };

static const TssLayout *tss_layout(uint32_t hi)
{
    return (desc_type(hi) & 8) ? &tss32 : &tss16;
}

static MemOp width_mo(unsigned width)
{
    return width == 4 ? MO_32 : MO_16;
}

typedef struct TaskState {
    uint32_t cr3, eip, eflags, regs[8], segs[NB_SEGS], ldt;
    bool trap;
} TaskState;

static void tss_read(CPUX86State *env, uint64_t base, const TssLayout *l, TaskState *t,
                     uintptr_t ra)
{
    MemOp mo = width_mo(l->width);
    t->cr3 = l->cr3 ? sys_ld(env, base + l->cr3, MO_32, ra) : 0;
    t->eip = sys_ld(env, base + l->eip, mo, ra);
    t->eflags = sys_ld(env, base + l->eflags, mo, ra);
    for (int i = 0; i < 8; i++) {
        t->regs[i] = sys_ld(env, base + l->regs + i * l->width, mo, ra);
    }
    for (unsigned i = 0; i < NB_SEGS; i++) {
        t->segs[i] = i < l->nsegs ? sys_ld(env, base + l->segs + i * (l->nsegs == 6 ? 4 : 2),
                                           MO_16, ra) : 0;
    }
    t->ldt = sys_ld(env, base + l->ldt, MO_16, ra);
    t->trap = l->width == 4 && (sys_ld(env, base + 0x64, MO_16, ra) & 1);
}

static void tss_save(CPUX86State *env, uint64_t base, const TssLayout *l, uint32_t eip,
                     uint32_t eflags, uintptr_t ra)
{
    MemOp mo = width_mo(l->width);
    sys_st(env, base + l->eip, eip, mo, ra);
    sys_st(env, base + l->eflags, eflags, mo, ra);
    for (int i = 0; i < 8; i++) {
        sys_st(env, base + l->regs + i * l->width, (uint32_t)env->regs[i], mo, ra);
    }
    for (unsigned i = 0; i < l->nsegs; i++) {
        sys_st(env, base + l->segs + i * (l->nsegs == 6 ? 4 : 2), env->segs[i].selector,
               MO_16, ra);
    }
}

static void set_busy(CPUX86State *env, uint32_t sel, uint32_t hi, bool busy, uintptr_t ra)
{
    uint32_t bit = SYS_TSS_BUSY_BIT << DESC_TYPE_SHIFT;
    desc_write_hi(env, sel, busy ? hi | bit : hi & ~bit, ra);
}

static void load_task_ldt(CPUX86State *env, uint32_t sel, uintptr_t ra)
{
    uint32_t lo, hi;
    if ((sel & 0xfffc) == 0) {
        env->ldt = (SegmentCache){ sel, 0, 0, 0 };
        return;
    }
    if ((sel & 4) || !load_descriptor(env, sel, &lo, &hi, ra) || (hi & DESC_S_MASK) ||
        desc_type(hi) != SYS_LDT || !(hi & DESC_P_MASK)) {
        raise_fault_sel(env, EXCP_TS, sel, ra);
    }
    env->ldt = (SegmentCache){ sel, hi & DESC_CACHE_FLAGS, desc_base(lo, hi),
                               desc_limit(lo, hi) };
}

static void load_task_cs(CPUX86State *env, uint32_t sel, uintptr_t ra)
{
    uint32_t lo, hi, rpl = sel & 3;
    if ((sel & 0xfffc) == 0 || !load_descriptor(env, sel, &lo, &hi, ra) ||
        (hi & (DESC_S_MASK | DESC_CS_MASK)) != (DESC_S_MASK | DESC_CS_MASK) ||
        ((hi & DESC_C_MASK) ? desc_dpl(hi) > rpl : desc_dpl(hi) != rpl)) {
        raise_fault_sel(env, EXCP_TS, sel, ra);
    }
    if (!(hi & DESC_P_MASK)) {
        raise_fault_sel(env, EXCP_NP, sel, ra);
    }
    load_seg_cache_desc(env, R_CS, sel, lo, hi);
}

/* Validates and loads the new task's segments (after the commit point). */
static void load_task_segs(CPUX86State *env, const TaskState *t, uintptr_t ra)
{
    static const int data_segs[] = { R_SS, R_ES, R_DS, R_FS, R_GS };
    if (t->eflags & VM_MASK) {
        for (int i = 0; i < NB_SEGS; i++) {
            load_seg_real(env, i, t->segs[i]);
        }
        return;
    }
    for (int i = 0; i < NB_SEGS; i++) {
        cpu_load_seg_cache(env, i, t->segs[i], 0, 0, 0);
    }
    load_task_ldt(env, t->ldt, ra);
    load_task_cs(env, t->segs[R_CS], ra);
    for (size_t i = 0; i < ARRAY_SIZE(data_segs); i++) {
        load_data_seg(env, data_segs[i], t->segs[data_segs[i]], t->segs[R_CS] & 3, EXCP_TS, ra);
    }
}

void task_switch(CPUX86State *env, uint32_t sel, uint32_t lo, uint32_t hi, TaskSource src,
                 uint32_t next_eip, uintptr_t ra)
{
    const TssLayout *nl = tss_layout(hi), *ol = tss_layout(env->tr.flags);
    uint64_t nbase = desc_base(lo, hi);
    TaskState t;

    cpu_sync_state(env, ra);
    ra = 0;
    log_mask_printf(LOG_INT, "task switch %04x -> %04x (%s)\n", env->tr.selector, sel,
                    (const char *[]){ "jmp", "call", "int", "iret" }[src]);
    if (!(hi & DESC_P_MASK)) {
        raise_fault_sel(env, EXCP_NP, sel, ra);
    }
    if (desc_limit(lo, hi) < nl->min_limit) {
        raise_fault_sel(env, EXCP_TS, sel, ra);
    }
    if (env->tr.limit < ol->min_limit) {
        raise_fault_sel(env, EXCP_TS, env->tr.selector, ra);
    }
    tss_read(env, nbase, nl, &t, ra);
    if (nl->width == 2) {
        for (int i = 0; i < 8; i++) {       /* 16-bit TSS: upper halves unchanged */
            t.regs[i] = ((uint32_t)env->regs[i] & 0xffff0000u) | t.regs[i];
        }
    }

    /* Old task: busy bit, NT, state. */
    uint32_t old_eflags = cpu_get_eflags(env);
    if (src == TASK_JMP || src == TASK_IRET) {
        uint32_t olo, ohi;
        if (load_descriptor(env, env->tr.selector, &olo, &ohi, ra)) {
            set_busy(env, env->tr.selector, ohi, false, ra);
        }
    }
    if (src == TASK_IRET) {
        old_eflags &= ~NT_MASK;
    }
    tss_save(env, env->tr.base, ol, next_eip, old_eflags, ra);

    /* New task: back link, NT, busy. */
    if (src == TASK_CALL || src == TASK_INT) {
        sys_st(env, nbase, env->tr.selector, MO_16, ra);
        t.eflags |= NT_MASK;
    }
    if (src != TASK_IRET) {
        set_busy(env, sel, hi, true, ra);
        hi |= SYS_TSS_BUSY_BIT << DESC_TYPE_SHIFT;
    }

    /* Commit point: TR, CR0.TS, CR3, registers. */
    env->tr = (SegmentCache){ sel, hi & DESC_CACHE_FLAGS, nbase, desc_limit(lo, hi) };
    env->cr[0] |= CR0_TS;
    if (nl->cr3 && (env->cr[0] & CR0_PG)) {
        cpu_write_cr3(env, t.cr3);
    }
    for (int i = 0; i < 8; i++) {
        env->regs[i] = t.regs[i];
    }
    env->rip = t.eip;
    cpu_set_eflags(env, t.eflags | 2, nl->width == 4 ? 0x3f7fd5u : 0x7fd5u);
    load_task_segs(env, &t, ra);
    if (t.eip > env->segs[R_CS].limit) {
        raise_exception_err(env, EXCP_GP, 0, ra);
    }
    if (t.trap) {
        log_unimp("TSS debug trap (T) bit\n");
    }
}
