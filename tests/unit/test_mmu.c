/*
 * test_mmu.c - unit tests of the softmmu (cpu/mmu.c): page walks for each
 * paging mode, accessed/dirty updates, every #PF error-code case and CR2,
 * CR0.WP, global pages, TLB hit/miss/victim behaviour, page-crossing and
 * unaligned accesses, MMIO and ROM pages, A20, code pages (SMC) and the
 * side-effect-free debugger walk. Page tables are built by hand in the
 * fake bus's RAM (softmmu-fakes.h).
 */
#include "softmmu-fakes.h"

#define PD 0x10000u            /* 32-bit page directory */
#define PT_BASE 0x11000u       /* page tables, one per PDE index from here */
#define P 0x001u
#define RW 0x002u
#define US 0x004u
#define A 0x020u
#define D 0x040u
#define PS 0x080u
#define G 0x100u

static CPUX86State *env;

static uint32_t get32(uint64_t pa) { return ld32_le(fake_ram + pa); }
static void put32(uint64_t pa, uint32_t v) { st32_le(fake_ram + pa, v); }
static uint64_t get64(uint64_t pa) { return ld64_le(fake_ram + pa); }
static void put64(uint64_t pa, uint64_t v) { st64_le(fake_ram + pa, v); }

static uint64_t pte_addr(uint32_t va)
{
    return PT_BASE + (va >> 22) * 0x1000u + ((va >> 12) & 0x3ff) * 4;
}

/* Maps a 4 KiB page with 32-bit paging; the PDE allows everything. */
static void map4k(uint32_t va, uint32_t pa, uint32_t flags)
{
    put32(PD + (va >> 22) * 4, (PT_BASE + (va >> 22) * 0x1000u) | P | RW | US);
    put32(pte_addr(va), pa | flags);
}

static void setup_paging32(void)
{
    memset(fake_ram, 0, 4 * MiB);
    env = fake_env_new();
    env->cr[3] = PD;
    env->cr[0] |= CR0_PG;
    tlb_flush_all(env);
}

static uint64_t ldl(uint64_t va) { return cpu_ld(env, va, MO_32, MMU_KERNEL_IDX, 0); }
static void stl(uint64_t va, uint32_t v) { cpu_st(env, va, v, MO_32, MMU_KERNEL_IDX, 0); }
static uint64_t ldl_user(uint64_t va) { return cpu_ld(env, va, MO_32, MMU_USER_IDX, 0); }
static void stl_user(uint64_t va, uint32_t v) { cpu_st(env, va, v, MO_32, MMU_USER_IDX, 0); }

START_TEST(test_paging_off_and_a20)
{
    env = fake_env_new();
    st32_le(fake_ram + 0x1234, 0xdeadbeef);
    ck_assert_uint_eq(ldl(0x1234), 0xdeadbeef);
    stl(0x100010, 0x55aa55aa);
    ck_assert_uint_eq(get32(0x100010), 0x55aa55aa);
    env->a20_mask = ~(1ULL << 20);
    tlb_flush_all(env);
    stl(0x100020, 0x12345678);           /* wraps to 0x20 with A20 closed */
    ck_assert_uint_eq(get32(0x20), 0x12345678);
    ck_assert_uint_eq(ldl(0x101234), 0xdeadbeef);
}
END_TEST

START_TEST(test_walk_4k_accessed_dirty)
{
    setup_paging32();
    map4k(0x400000, 0x200000, P | RW);
    put32(0x200010, 0xcafef00d);
    ck_assert_uint_eq(ldl(0x400010), 0xcafef00d);
    ck_assert_uint_eq(get32(PD + 4) & (A | D), A);
    ck_assert_uint_eq(get32(pte_addr(0x400000)) & (A | D), A);
    /* A read does not make the page writable in the TLB: the write walks and sets D. */
    ck_assert_ptr_null(tlb_hit_write(&env->tlb, MMU_KERNEL_IDX, 0x400010, 4));
    stl(0x400014, 0x01020304);
    ck_assert_uint_eq(get32(0x200014), 0x01020304);
    ck_assert_uint_eq(get32(pte_addr(0x400000)) & (A | D), A | D);
    ck_assert_uint_eq(get32(PD + 4) & D, 0);     /* D only on the leaf */
    ck_assert_ptr_nonnull(tlb_hit_write(&env->tlb, MMU_KERNEL_IDX, 0x400010, 4));
}
END_TEST

START_TEST(test_walk_4m_page)
{
    setup_paging32();
    env->cr[4] |= CR4_PSE;
    put32(PD + 2 * 4, 0x400000 | P | RW | PS);   /* 0x800000 -> 0x400000, 4 MiB */
    put32(0x400000 + 0x123456, 0x600dcafe);
    ck_assert_uint_eq(ldl(0x800000 + 0x123456), 0x600dcafe);
    stl(0x800000 + 0x3ffffc, 7);
    ck_assert_uint_eq(get32(0x7ffffc), 7);
    ck_assert_uint_eq(get32(PD + 8) & (A | D), A | D);
    /* Without CR4.PSE the PS bit is ignored: the PDE points to a page table. */
    env->cr[4] &= ~CR4_PSE;
    tlb_flush_all(env);
    put32(0x400000, 0x300000 | P | RW);         /* PTE 0 of "table" 0x400000 */
    put32(0x300000, 0xabcdef01);
    ck_assert_uint_eq(ldl(0x800000), 0xabcdef01);
    /* PSE-36: PDE bits 20:13 give physical bits 39:32; bit 21 is reserved. */
    env->cr[4] |= CR4_PSE;
    tlb_flush_all(env);
    put32(PD + 3 * 4, 0x400000 | P | RW | PS | (1u << 21));
    EXPECT_FAULT(env, ldl(0xc00000), 0x9, 0xc00000);
    uint64_t pa;
    put32(PD + 3 * 4, 0x400000 | P | RW | PS | (1u << 13));
    ck_assert(mmu_debug_translate(env, 0xc00004, &pa));
    ck_assert_uint_eq(pa, 0x100400004ULL);
}
END_TEST

START_TEST(test_pf_error_codes)
{
    setup_paging32();
    map4k(0x400000, 0x200000, P | RW);           /* supervisor, writable */
    map4k(0x401000, 0x201000, P | US);           /* user, read-only */
    /* Not present: P=0. */
    EXPECT_FAULT(env, ldl(0x402008), 0x0, 0x402008);
    EXPECT_FAULT(env, stl_user(0x402008, 1), 0x6, 0x402008);
    EXPECT_FAULT(env, ldl(0x1000000), 0x0, 0x1000000);     /* PDE not present */
    /* Protection: user access to a supervisor page, user write to read-only. */
    EXPECT_FAULT(env, ldl_user(0x400000), 0x5, 0x400000);
    EXPECT_FAULT(env, stl_user(0x401004, 1), 0x7, 0x401004);
    ck_assert_uint_eq(ldl_user(0x401000), 0);
    /* Supervisor write to a read-only page: allowed unless CR0.WP. */
    stl(0x401008, 0x77);
    ck_assert_uint_eq(get32(0x201008), 0x77);
    env->cr[0] |= CR0_WP;
    tlb_flush_all(env);
    EXPECT_FAULT(env, stl(0x40100c, 1), 0x3, 0x40100c);
    /* A faulting access sets no accessed bit. */
    ck_assert_uint_eq(get32(pte_addr(0x400000)) & A, 0);
}
END_TEST

START_TEST(test_pf_user_pde_restricts)
{
    setup_paging32();
    map4k(0x400000, 0x200000, P | RW | US);
    put32(PD + 4, (PT_BASE + 0x1000) | P);     /* PDE: supervisor, read-only */
    EXPECT_FAULT(env, ldl_user(0x400000), 0x5, 0x400000);
    env->cr[0] |= CR0_WP;
    EXPECT_FAULT(env, stl(0x400000, 1), 0x3, 0x400000);
}
END_TEST

/* PAE: PDPT at 0x20000, PD at 0x21000, PT at 0x22000; 4-level adds PML4 at 0x23000. */
static void setup_pae(bool long_mode)
{
    memset(fake_ram, 0, 4 * MiB);
    env = fake_env_new();
    env->cr[0] |= CR0_PG;
    env->cr[4] |= CR4_PAE;
    env->efer |= EFER_NXE;
    if (long_mode) {
        env->efer |= EFER_LME | EFER_LMA;
        env->cr[3] = 0x23000;
        put64(0x23000, 0x20000 | P | RW | US);
        put64(0x20000, 0x21000 | P | RW | US);
    } else {
        env->cr[3] = 0x20000;
        put64(0x20000, 0x21000 | P);
    }
    put64(0x21000, 0x22000 | P | RW | US);                        /* 0..2 MiB: table */
    put64(0x21008, 0x400000 | P | RW | PS);                       /* 2..4 MiB: 2 MiB page */
    put64(0x22000 + 5 * 8, 0x205000 | P | RW | (1ULL << 63));     /* 0x5000: NX */
    put64(0x22000 + 6 * 8, 0x206000 | P | RW);
    tlb_flush_all(env);
}

START_TEST(test_pae_walks)
{
    setup_pae(false);
    put32(0x206010, 0x11111111);
    ck_assert_uint_eq(ldl(0x6010), 0x11111111);
    stl(0x200000 + 0x1234, 0x22222222);
    ck_assert_uint_eq(get32(0x401234), 0x22222222);
    ck_assert_uint_eq(get64(0x21008) & (A | D), A | D);
    ck_assert_uint_eq(get64(0x20000) & A, 0);    /* PAE PDPTEs have no A bit */
    /* NX: fetch faults with I/D; data access is fine. */
    ck_assert_uint_eq(ldl(0x5000), 0);
    EXPECT_FAULT(env, mmu_translate_code(env, 0x5000, 0), 0x11, 0x5000);
    ck_assert_uint_eq(mmu_translate_code(env, 0x6004, 0), 0x206004);
    /* Reserved bits: above MAXPHYADDR, and NX when EFER.NXE is clear. */
    put64(0x22000 + 7 * 8, 0x207000 | P | RW | (1ULL << 45));
    EXPECT_FAULT(env, stl(0x7000, 1), 0xb, 0x7000);
    env->efer &= ~EFER_NXE;
    tlb_flush_all(env);
    EXPECT_FAULT(env, ldl(0x5000), 0x9, 0x5000);
    /* Not-present fetch without NXE/SMEP: no I/D bit. */
    EXPECT_FAULT(env, mmu_translate_code(env, 0x8000, 0), 0x0, 0x8000);
}
END_TEST

START_TEST(test_4level_walks)
{
    setup_pae(true);
    put32(0x206000, 0x33333333);
    ck_assert_uint_eq(ldl(0x6000), 0x33333333);
    ck_assert_uint_eq(get64(0x23000) & A, A);
    ck_assert_uint_eq(get64(0x20000) & A, A);
    /* 1 GiB page at 1 GiB -> phys 0 */
    put64(0x20008, 0x0 | P | RW | PS);
    ck_assert_uint_eq(ldl(0x40000000 + 0x206000), 0x33333333);
    /* PS in a PML4E is reserved. */
    put64(0x23008, 0x20000 | P | RW | PS);
    EXPECT_FAULT(env, ldl(0x8000000000ULL), 0x9, 0x8000000000ULL);
    /* SMEP: supervisor fetch from a user page faults with I/D. */
    put64(0x22000 + 9 * 8, 0x209000 | P | RW | US);
    env->cr[4] |= CR4_SMEP;
    EXPECT_FAULT(env, mmu_translate_code(env, 0x9000, 0), 0x11, 0x9000);
    /* SMAP: supervisor data access to a user page in the KSMAP mode. */
    EXPECT_FAULT(env, cpu_ld(env, 0x9000, MO_32, MMU_KSMAP_IDX, 0), 0x1, 0x9000);
    ck_assert_uint_eq(cpu_ld(env, 0x9000, MO_32, MMU_KERNEL_IDX, 0), 0);
}
END_TEST

START_TEST(test_invlpg_in_large_page)
{
    setup_paging32();
    env->cr[4] |= CR4_PSE;
    put32(PD + 2 * 4, 0x400000 | P | RW | PS | D);
    put32(0x400000, 0x1111);
    put32(0x5ff000, 0x2222);
    ck_assert_uint_eq(ldl(0x800000), 0x1111);
    ck_assert_uint_eq(ldl(0x9ff000), 0x2222);
    put32(PD + 2 * 4, 0x000000 | P | RW | PS | D);    /* remap the 4 MiB page */
    tlb_flush_page(env, 0x800000);                    /* one INVLPG covers it all */
    ck_assert_uint_eq(ldl(0x9ff000), get32(0x1ff000));
    ck_assert_uint_eq(ldl(0x800000), get32(0));
}
END_TEST

START_TEST(test_global_pages)
{
    setup_paging32();
    env->cr[4] |= CR4_PGE;
    map4k(0x400000, 0x200000, P | RW | D | G);
    map4k(0x401000, 0x201000, P | RW | D);
    put32(0x200000, 1);
    put32(0x201000, 2);
    put32(0x202000, 3);
    ck_assert_uint_eq(ldl(0x400000), 1);
    ck_assert_uint_eq(ldl(0x401000), 2);
    /* Remap both to 0x202000; only the non-global one sees it after a CR3-style flush. */
    map4k(0x400000, 0x202000, P | RW | D | G);
    map4k(0x401000, 0x202000, P | RW | D);
    tlb_flush_nonglobal(env);
    ck_assert_uint_eq(ldl(0x400000), 1);
    ck_assert_uint_eq(ldl(0x401000), 3);
    tlb_flush_page(env, 0x400000);               /* INVLPG drops global pages too */
    ck_assert_uint_eq(ldl(0x400000), 3);
}
END_TEST

START_TEST(test_tlb_hit_miss_victim)
{
    setup_paging32();
    uint32_t va1 = 0x400000, va2 = va1 + TLB_SIZE * 0x1000u;   /* same TLB index */
    map4k(va1, 0x200000, P | RW | D);
    map4k(va2, 0x201000, P | RW | D);
    put32(0x200000, 0xaaaa);
    put32(0x201000, 0xbbbb);
    ck_assert_ptr_null(tlb_hit_read(&env->tlb, MMU_KERNEL_IDX, va1, 4));
    ck_assert_uint_eq(ldl(va1), 0xaaaa);
    ck_assert_ptr_eq(tlb_hit_read(&env->tlb, MMU_KERNEL_IDX, va1, 4), fake_ram + 0x200000);
    ck_assert_uint_eq(ldl(va2), 0xbbbb);            /* evicts va1 to the victim TLB */
    ck_assert_ptr_null(tlb_hit_read(&env->tlb, MMU_KERNEL_IDX, va1, 4));
    /* Change va1's PTE: a victim hit must not walk again. */
    map4k(va1, 0x201000, P | RW | D);
    ck_assert_uint_eq(mmu_load_slow(env, va1, IR_MEMOP_MMU(MO_32, MMU_KERNEL_IDX), 0), 0xaaaa);
    ck_assert_ptr_eq(tlb_hit_read(&env->tlb, MMU_KERNEL_IDX, va1, 4), fake_ram + 0x200000);
    /* Unaligned within a page stays on the fast path; crossing does not. */
    ck_assert_ptr_nonnull(tlb_hit_read(&env->tlb, MMU_KERNEL_IDX, va1 + 0x7fd, 4));
    ck_assert_ptr_null(tlb_hit_read(&env->tlb, MMU_KERNEL_IDX, va1 + 0xffe, 4));
    /* INVLPG: the next access walks and sees the new PTE. */
    tlb_flush_page(env, va1);
    ck_assert_uint_eq(ldl(va1), 0xbbbb);
    /* Sign extension in the slow path. */
    tlb_flush_all(env);
    put32(0x201000, 0x80f0);
    ck_assert_uint_eq(mmu_load_slow(env, va1, IR_MEMOP_MMU(MO_SB, MMU_KERNEL_IDX), 0),
                      0xfffffffffffffff0ULL);
    ck_assert_uint_eq(mmu_load_slow(env, va1, IR_MEMOP_MMU(MO_SW, MMU_KERNEL_IDX), 0),
                      0xffffffffffff80f0ULL);
}
END_TEST

START_TEST(test_page_crossing)
{
    setup_paging32();
    map4k(0x400000, 0x200000, P | RW | D);
    map4k(0x401000, 0x300000, P | RW | D);         /* not physically contiguous */
    put32(0x200ffc, 0x44332211);
    put32(0x300000, 0x88776655);
    ck_assert_uint_eq(cpu_ld(env, 0x400ffe, MO_64, MMU_KERNEL_IDX, 0), 0x0000887766554433ULL);
    ck_assert_uint_eq(cpu_ld(env, 0x400ffe, MO_32, MMU_KERNEL_IDX, 0), 0x66554433);
    cpu_st(env, 0x400ffd, 0xa1a2a3a4, MO_32, MMU_KERNEL_IDX, 0);
    ck_assert_uint_eq(fake_ram[0x200ffd], 0xa4);
    ck_assert_uint_eq(fake_ram[0x200fff], 0xa2);
    ck_assert_uint_eq(fake_ram[0x300000], 0xa1);
    /* Second page read-only for user: the store faults and writes nothing. */
    map4k(0x402000, 0x210000, P | RW | US | D);
    map4k(0x403000, 0x211000, P | US);
    tlb_flush_all(env);
    EXPECT_FAULT(env, cpu_st(env, 0x402ffe, 0xffffffff, MO_32, MMU_USER_IDX, 0), 0x7, 0x403000);
    ck_assert_uint_eq(get32(0x210ffc), 0);
    ck_assert_uint_eq(get32(0x211000), 0);
    /* Second page not present. */
    EXPECT_FAULT(env, cpu_st(env, 0x403ffc, ~0ULL, MO_64, MMU_KERNEL_IDX, 0), 0x2, 0x404000);
    ck_assert_uint_eq(get32(0x211ffc), 0);
}
END_TEST

START_TEST(test_mmio_and_rom)
{
    env = fake_env_new();
    memset(&fake_dev, 0, sizeof(fake_dev));
    ck_assert_uint_eq(cpu_ld(env, FAKE_MMIO_BASE + 0x30, MO_32, MMU_KERNEL_IDX, 0), 0x55667788);
    ck_assert_uint_eq(fake_dev.reads, 1);
    ck_assert_uint_eq(fake_dev.offset, 0x30);
    ck_assert_uint_eq(fake_dev.size, 4);
    ck_assert_ptr_null(tlb_hit_read(&env->tlb, MMU_KERNEL_IDX, FAKE_MMIO_BASE, 4));
    cpu_st(env, FAKE_MMIO_BASE + 0x40, 0xabcd, MO_16, MMU_KERNEL_IDX, 0);
    ck_assert_uint_eq(fake_dev.writes, 1);
    ck_assert_uint_eq(fake_dev.value, 0xabcd);
    ck_assert_uint_eq(fake_dev.size, 2);
    /* ROM: reads on the fast path, writes dropped through the slow path. */
    fake_rom[0x100] = 0x5a;
    ck_assert_uint_eq(cpu_ld(env, FAKE_ROM_BASE + 0x100, MO_8, MMU_KERNEL_IDX, 0), 0x5a);
    ck_assert_ptr_nonnull(tlb_hit_read(&env->tlb, MMU_KERNEL_IDX, FAKE_ROM_BASE + 0x100, 1));
    cpu_st(env, FAKE_ROM_BASE + 0x100, 0x99, MO_8, MMU_KERNEL_IDX, 0);
    ck_assert_uint_eq(fake_rom[0x100], 0x5a);
    ck_assert_ptr_null(tlb_hit_write(&env->tlb, MMU_KERNEL_IDX, FAKE_ROM_BASE + 0x100, 1));
}
END_TEST

START_TEST(test_bus_map_change)
{
    env = fake_env_new();
    fake_rom[0x200] = 0x11;
    cpu_st(env, FAKE_ROM_BASE + 0x200, 0x22, MO_8, MMU_KERNEL_IDX, 0);
    ck_assert_uint_eq(fake_rom[0x200], 0x11);
    ck_assert(!tb_flush_pending());
    /* Shadow RAM made writable (PAM): the TLB goes, code is flushed at the next block. */
    bus_set_flags(env->mem, test_rom_region, 0);
    ck_assert(tb_flush_pending());
    ck_assert_ptr_null(tlb_hit_read(&env->tlb, MMU_KERNEL_IDX, FAKE_ROM_BASE + 0x200, 1));
    cpu_st(env, FAKE_ROM_BASE + 0x200, 0x22, MO_8, MMU_KERNEL_IDX, 0);
    ck_assert_uint_eq(fake_rom[0x200], 0x22);
    ck_assert_ptr_nonnull(tlb_hit_write(&env->tlb, MMU_KERNEL_IDX, FAKE_ROM_BASE + 0x200, 1));
}
END_TEST

START_TEST(test_code_pages)
{
    env = fake_env_new();
    ck_assert_uint_eq(ldl(0x5000), 0);
    stl(0x5000, 1);                              /* the TLB now has a writable entry */
    ck_assert_ptr_nonnull(tlb_hit_write(&env->tlb, MMU_KERNEL_IDX, 0x5000, 4));
    TranslationBlock *tb = fake_tb(0x5100, 0x5100, 16, 0, 64);
    tb_link(tb, true);
    ck_assert(tb_page_has_code(0x5fff));
    /* Getting code made the page's write entries slow. */
    ck_assert_ptr_null(tlb_hit_write(&env->tlb, MMU_KERNEL_IDX, 0x5000, 4));
    ck_assert_ptr_nonnull(tlb_hit_read(&env->tlb, MMU_KERNEL_IDX, 0x5000, 4));
    stl(0x5000, 2);                              /* outside the TB: it survives */
    ck_assert(!tb->invalid);
    ck_assert_uint_eq(get32(0x5000), 2);
    stl(0x510c, 3);                              /* inside: invalidated, then written */
    ck_assert(tb->invalid);
    ck_assert_uint_eq(get32(0x510c), 3);
    ck_assert(!tb_page_has_code(0x5000));
    ck_assert_ptr_nonnull(tlb_hit_write(&env->tlb, MMU_KERNEL_IDX, 0x5000, 4));
    /* A store crossing into a code page invalidates the TB there before writing. */
    TranslationBlock *tb7 = fake_tb(0x7000, 0x7000, 4, 128, 64);
    tb_link(tb7, true);
    cpu_st(env, 0x6ffe, 0x44332211, MO_32, MMU_KERNEL_IDX, 0);
    ck_assert(tb7->invalid);
    ck_assert_uint_eq(get32(0x7000) & 0xffff, 0x4433);
    /* New entries for a code page start slow too. */
    tb = fake_tb(0x6000, 0x6000, 8, 256, 64);
    tb_link(tb, true);
    ck_assert_uint_eq(ldl(0x6000), 0);
    ck_assert_ptr_null(tlb_hit_write(&env->tlb, MMU_KERNEL_IDX, 0x6000, 4));
}
END_TEST

START_TEST(test_code_fetch)
{
    setup_paging32();
    map4k(0x400000, 0x200000, P | RW);
    map4k(0x401000, 0x300000, P | RW);
    fake_ram[0x200ffe] = 0x90;
    fake_ram[0x200fff] = 0x91;
    fake_ram[0x300000] = 0x92;
    TranslationBlock tb = { .phys_pc = 0x200ffe, .phys_page2 = ~0ULL };
    uint8_t buf[4];
    ck_assert_uint_eq(mmu_translate_code(env, 0x400ffe, 0), 0x200ffe);
    ck_assert_int_eq(translator_ld_code(env, &tb, 0x400ffe, buf, 3, true), 3);
    ck_assert_uint_eq(buf[0], 0x90);
    ck_assert_uint_eq(buf[2], 0x92);
    ck_assert_uint_eq(tb.phys_page2, 0x300000);
    /* An unmapped next page: partial read without may_fault, #PF with it. */
    TranslationBlock tb2 = { .phys_pc = 0x300ffe, .phys_page2 = ~0ULL };
    ck_assert_int_eq(translator_ld_code(env, &tb2, 0x401ffe, buf, 4, false), 2);
    ck_assert_uint_eq(tb2.phys_page2, ~0ULL);
    EXPECT_FAULT(env, translator_ld_code(env, &tb2, 0x401ffe, buf, 4, true), 0x0, 0x402000);
    /* User code may not run on a supervisor page. */
    TranslationBlock tb3 = { .phys_pc = 0x200000, .phys_page2 = ~0ULL, .flags = 3 };
    EXPECT_FAULT(env, translator_ld_code(env, &tb3, 0x400000, buf, 1, true), 0x5, 0x400000);
}
END_TEST

START_TEST(test_debug_access)
{
    setup_paging32();
    map4k(0x400000, 0x200000, P);                  /* supervisor, read-only */
    map4k(0x401000, 0x300000, P);
    uint64_t pa;
    ck_assert(mmu_debug_translate(env, 0x400123, &pa));
    ck_assert_uint_eq(pa, 0x200123);
    ck_assert(!mmu_debug_translate(env, 0x402000, &pa));
    ck_assert_uint_eq(get32(pte_addr(0x400000)) & A, 0);   /* no side effects */
    uint8_t buf[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, out[8];
    ck_assert(cpu_memory_rw_debug(env, 0x400ffc, buf, 8, true));  /* ignores R/W */
    ck_assert_uint_eq(fake_ram[0x200ffc], 1);
    ck_assert_uint_eq(fake_ram[0x300003], 8);
    ck_assert(cpu_memory_rw_debug(env, 0x400ffc, out, 8, false));
    ck_assert_mem_eq(out, buf, 8);
    ck_assert(!cpu_memory_rw_debug(env, 0x401ffc, out, 8, false));
}
END_TEST

START_TEST(test_mmu_index)
{
    env = fake_env_new();
    ck_assert_uint_eq(cpu_mmu_index(env), MMU_KERNEL_IDX);
    env->hflags = HF_SMAP;
    ck_assert_uint_eq(cpu_mmu_index(env), MMU_KSMAP_IDX);
    env->eflags |= AC_MASK;
    ck_assert_uint_eq(cpu_mmu_index(env), MMU_KERNEL_IDX);
    ck_assert_uint_eq(cpu_mmu_index_kernel(env), MMU_KERNEL_IDX);
    env->hflags |= 3;
    ck_assert_uint_eq(cpu_mmu_index(env), MMU_USER_IDX);
    ck_assert_uint_eq(cpu_mmu_index_kernel(env), MMU_KSMAP_IDX);
    mmu_init();
    ck_assert_int_eq(ir_guest_mem.tlb_offset, offsetof(CPUX86State, tlb));
    ck_assert_ptr_eq(ir_guest_mem.load, mmu_load_slow);
}
END_TEST

static Suite *mmu_suite(void)
{
    Suite *s = suite_create("mmu");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_paging_off_and_a20);
    tcase_add_test(tc, test_walk_4k_accessed_dirty);
    tcase_add_test(tc, test_walk_4m_page);
    tcase_add_test(tc, test_pf_error_codes);
    tcase_add_test(tc, test_pf_user_pde_restricts);
    tcase_add_test(tc, test_pae_walks);
    tcase_add_test(tc, test_4level_walks);
    tcase_add_test(tc, test_invlpg_in_large_page);
    tcase_add_test(tc, test_global_pages);
    tcase_add_test(tc, test_tlb_hit_miss_victim);
    tcase_add_test(tc, test_page_crossing);
    tcase_add_test(tc, test_mmio_and_rom);
    tcase_add_test(tc, test_bus_map_change);
    tcase_add_test(tc, test_code_pages);
    tcase_add_test(tc, test_code_fetch);
    tcase_add_test(tc, test_debug_access);
    tcase_add_test(tc, test_mmu_index);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(mmu_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
