/*
 * softmmu-fakes.h - test doubles for the parts around cpu/mmu.c and
 * cpu/tb.c that other engineers own or that tests must observe: a physical
 * bus (the real hw/bus.c with RAM, ROM and one MMIO device), #PF capture through
 * raise_exception_err (longjmp to the test), the code cache, and an IR
 * backend that records jump patching. Included by test_mmu.c and
 * test_exec.c only (each test binary gets its own copy).
 *
 * Invariant: every symbol mmu.o/tb.o need from outside, except the bus and
 * the machine lock, is defined here, so the archive pulls no other object.
 */
#ifndef KESTREL_TEST_SOFTMMU_FAKES_H
#define KESTREL_TEST_SOFTMMU_FAKES_H

#include <check.h>
#include <setjmp.h>
#include <stdlib.h>
#include "cpu/exec-internal.h"
#include "kestrel/memory.h"

#define FAKE_RAM_SIZE (16 * MiB)
#define FAKE_ROM_BASE 0xf0000ULL
#define FAKE_ROM_SIZE 0x10000ULL
#define FAKE_MMIO_BASE 0xfee00000ULL

static uint8_t fake_ram[FAKE_RAM_SIZE];
static uint8_t fake_rom[FAKE_ROM_SIZE];
static struct { unsigned reads, writes; uint64_t offset, value; unsigned size; } fake_dev;

static uint64_t fake_dev_read(void *opaque, uint64_t offset, unsigned size)
{
    fake_dev.reads++;
    fake_dev.offset = offset;
    fake_dev.size = size;
    return 0x1122334455667788ULL & (size == 8 ? ~0ULL : (1ULL << (8 * size)) - 1);
}

static void fake_dev_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    fake_dev.writes++;
    fake_dev.offset = offset;
    fake_dev.value = value;
    fake_dev.size = size;
}

static const MemOps fake_dev_ops = { fake_dev_read, fake_dev_write, 1, 8 };

/* The real bus (hw/bus.c): RAM at 0, a ROM over it at 0xf0000, one device page. */
static MemRegion *test_rom_region;

static Bus *test_mem_bus(void)
{
    static Bus *bus;
    if (!bus) {
        bus = bus_new("test-mem", 1ULL << 40);
        bus_map_ram(bus, "ram", 0, FAKE_RAM_SIZE, fake_ram, 0, 0);
        test_rom_region = bus_map_ram(bus, "rom", FAKE_ROM_BASE, FAKE_ROM_SIZE, fake_rom,
                                      REGION_READONLY, 1);
        bus_map_io(bus, "dev", FAKE_MMIO_BASE, 0x1000, &fake_dev_ops, NULL, 1);
    }
    return bus;
}

/*
 * #PF capture: the test sets fault_jmp and raise_exception_err lands there;
 * with fault_to_cpu_loop it behaves like the real one (exception pending,
 * state restored, back to cpu_exec).
 */
static jmp_buf fault_jmp;
static int fault_vector = -1, fault_error;
static uintptr_t fault_retaddr;
static bool fault_to_cpu_loop;

void raise_exception_err(CPUX86State *env, int vector, int error_code, uintptr_t retaddr)
{
    fault_vector = vector;
    fault_error = error_code;
    fault_retaddr = retaddr;
    if (fault_to_cpu_loop) {
        env->exception_index = vector;
        env->error_code = error_code;
        cpu_loop_exit_restore(env, retaddr);
    }
    longjmp(fault_jmp, 1);
}

#define EXPECT_FAULT(env_, stmt, err_, cr2_)                                  \
    do {                                                                      \
        fault_vector = -1;                                                    \
        if (!setjmp(fault_jmp)) {                                             \
            stmt;                                                             \
            ck_abort_msg("no fault from " #stmt);                             \
        }                                                                     \
        ck_assert_int_eq(fault_vector, EXCP_PF);                              \
        ck_assert_int_eq(fault_error, (err_));                                \
        ck_assert_uint_eq((env_)->cr[2], (cr2_));                             \
    } while (0)

/* Code cache: one static buffer filled linearly, identity rx view. */
static uint8_t fake_code[1 * MiB];
static size_t fake_code_used;
static unsigned fake_flushes;

bool code_cache_init(size_t size)
{
    return true;
}

uint8_t *code_cache_ptr(void)
{
    return fake_code + fake_code_used;
}

size_t code_cache_room(void)
{
    return sizeof(fake_code) - fake_code_used;
}

void code_cache_commit(size_t used)
{
    fake_code_used += (used + 15) & ~(size_t)15;
}

bool code_cache_contains(uintptr_t host_pc)
{
    return host_pc >= (uintptr_t)fake_code && host_pc < (uintptr_t)fake_code + sizeof(fake_code);
}

const void *code_cache_rx(const uint8_t *rw)
{
    return rw;
}

void code_cache_flush(void)
{
    fake_code_used = 0;
    fake_flushes++;
}

/* Backend: records set_jmp_target calls; tests may fill in the other hooks. */
static struct { const uint8_t *code; unsigned slot; const void *target; unsigned calls; } fake_jmp;

static void fake_set_jmp_target(uint8_t *code, const IRCodeInfo *info, unsigned slot,
                                const void *target)
{
    fake_jmp.code = code;
    fake_jmp.slot = slot;
    fake_jmp.target = target;
    fake_jmp.calls++;
}

static IRBackend fake_backend = { .name = "fake", .set_jmp_target = fake_set_jmp_target };
const IRBackend *ir_backend = &fake_backend;
IRGuestMem ir_guest_mem;

/* A fresh CPU (paging off, CPL 0, A20 open, on the fake bus) and no TBs. */
static CPUX86State *fake_env_new(void)
{
    tb_flush_now();
    CPUX86State *env = calloc(1, sizeof(*env));
    ck_assert_ptr_nonnull(env);
    env->mem = test_mem_bus();
    env->a20_mask = ~0ULL;
    env->cr[0] = CR0_PE | CR0_ET;
    env->exception_index = -1;
    tlb_flush_all(env);
    return env;
}

/* A synthetic cached TB: size guest bytes at phys_pc, code at fake_code + code_off. */
static TranslationBlock *fake_tb(uint64_t pc, uint64_t phys_pc, uint32_t size, unsigned code_off,
                                 uint32_t code_size)
{
    TranslationBlock *tb = tb_alloc();
    ck_assert_ptr_nonnull(tb);
    tb->pc = pc;
    tb->phys_pc = phys_pc;
    tb->size = size;
    tb->code = fake_code + code_off;
    tb->info.size = code_size;
    tb->info.jmp_insn_offset[0] = tb->info.jmp_insn_offset[1] = 0;
    if ((phys_pc & TLB_PAGE_MASK) != ((phys_pc + size - 1) & TLB_PAGE_MASK))
        tb->phys_page2 = (phys_pc + size - 1) & TLB_PAGE_MASK;
    return tb;
}

#endif
