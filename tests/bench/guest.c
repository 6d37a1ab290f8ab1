/*
 * guest.c - the bare-metal CPU benchmark: a multiboot v1 ELF32 kernel that
 * loads a flat GDT, checks the loader's magic, identity-maps the low 64 MiB
 * with 4 KiB pages, turns paging on, calibrates the TSC against PIT channel
 * 2, runs the phases of workload.c printing on COM1, and exits through
 * isa-debug-exit (port 0xf4): code 0 (process status 1) when every
 * self-check passed, 1 otherwise.
 *
 * Built with the host gcc: -m32 -ffreestanding -nostdlib -mgeneral-regs-only
 * (no FPU/SSE state is ever touched, so CR0/CR4 need no set-up for it).
 * Invariants: ring 0, interrupts off, no IDT (a fault triple-faults, which
 * -no-reboot turns into an exit the runner reports); the image (up to _end)
 * lies inside the identity map, checked before paging is turned on.
 */
#include <stdint.h>

#include "workload.h"

#define MB_MAGIC 0x1BADB002u
#define MB_FLAGS 0u                     /* ELF image: no a.out kludge needed */
#define MB_LOADER_MAGIC 0x2BADB002u     /* EAX at entry from a multiboot loader */

#define COM1 0x3f8
#define DEBUG_EXIT 0xf4

#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define PORT61 0x61
#define PORT61_GATE2 0x01
#define PORT61_SPEAKER 0x02
#define PORT61_OUT2 0x20
#define PIT_CH2_MODE0 0xB0              /* channel 2, lo/hi byte, mode 0, binary */
#define CAL_PIT_COUNT 59659u            /* 50 ms at 1.193182 MHz */
#define CAL_US 50000u

#define PAGE_SIZE 4096u
#define PTE_PRESENT 0x001u
#define PTE_WRITE 0x002u
#define CR0_WP 0x00010000u
#define CR0_PG 0x80000000u
#define MAP_TABLES 16                   /* 16 page tables x 4 MiB = 64 MiB */
#define MAP_BYTES (MAP_TABLES * 1024u * PAGE_SIZE)
#define STACK_BYTES 65536              /* a literal: the entry code pastes it */
#define STRINGIFY(x) #x
#define XSTRINGIFY(x) STRINGIFY(x)

__attribute__((section(".multiboot"), used, aligned(4)))
static const uint32_t multiboot_header[3] = { MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS) };

static uint8_t guest_stack[STACK_BYTES] __attribute__((aligned(16), used));
static uint32_t page_dir[1024] __attribute__((aligned(PAGE_SIZE)));
static uint32_t page_tables[MAP_TABLES][1024] __attribute__((aligned(PAGE_SIZE)));
extern char _end[];

/* Flat 4 GiB code (0x08) and data (0x10) segments. */
__attribute__((used, aligned(8)))
static const uint64_t guest_gdt[3] = { 0, 0x00CF9A000000FFFFull, 0x00CF92000000FFFFull };
__attribute__((used)) static struct __attribute__((packed)) {
    uint16_t limit;
    uint32_t base;
} guest_gdt_desc = { sizeof(guest_gdt) - 1, (uint32_t)guest_gdt };

void guest_main(uint32_t loader_magic);

/* Multiboot entry: EAX = magic, EBX = info; flat CS/DS but GDTR undefined. */
__asm__(".section .text.entry\n"
        ".globl _start\n"
        "_start:\n"
        "    cli\n"
        "    cld\n"                          /* DF is undefined at entry; C wants it clear */
        "    lgdt guest_gdt_desc\n"
        "    ljmp $0x08, $1f\n"
        "1:  mov $0x10, %cx\n"              /* EAX holds the loader magic */
        "    mov %cx, %ds\n"
        "    mov %cx, %es\n"
        "    mov %cx, %fs\n"
        "    mov %cx, %gs\n"
        "    mov %cx, %ss\n"
        "    mov $guest_stack + " XSTRINGIFY(STACK_BYTES) ", %esp\n"
        "    push %eax\n"
        "    call guest_main\n"
        "2:  hlt\n"
        "    jmp 2b\n"
        ".text\n");

static inline void outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

static void serial_init(void)
{
    static const uint8_t init[][2] = {
        { 1, 0x00 },    /* IER: no interrupts */
        { 3, 0x80 },    /* LCR: DLAB */
        { 0, 0x01 },    /* divisor 1: 115200 baud */
        { 1, 0x00 },
        { 3, 0x03 },    /* 8N1 */
        { 2, 0xC7 },    /* FIFO on, cleared */
    };
    for (unsigned i = 0; i < sizeof(init) / sizeof(init[0]); i++) {
        outb(COM1 + init[i][0], init[i][1]);
    }
}

static void serial_write(const char *text)
{
    for (; *text; text++) {
        while (!(inb(COM1 + 5) & 0x20)) {
            /* wait for THR empty */
        }
        outb(COM1, (uint8_t)*text);
    }
}

static void guest_exit(uint8_t code)
{
    outb(DEBUG_EXIT, code);
    for (;;) {
        __asm__ volatile("cli; hlt");
    }
}

static void paging_enable(void)
{
    for (uint32_t t = 0; t < MAP_TABLES; t++) {
        for (uint32_t e = 0; e < 1024; e++) {
            page_tables[t][e] = (t * 1024 + e) * PAGE_SIZE | PTE_PRESENT | PTE_WRITE;
        }
        page_dir[t] = (uint32_t)page_tables[t] | PTE_PRESENT | PTE_WRITE;
    }
    uint32_t cr0;
    __asm__ volatile("mov %0, %%cr3" : : "r"(page_dir) : "memory");
    __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
    __asm__ volatile("mov %0, %%cr0" : : "r"(cr0 | CR0_PG | CR0_WP) : "memory");
}

/* 64 / 32 -> 64 bit unsigned division with two DIVs (no libgcc on -m32). */
static uint64_t div_u64_u32(uint64_t n, uint32_t d)
{
    uint32_t hi = (uint32_t)(n >> 32), lo = (uint32_t)n;
    uint32_t q_hi = hi / d, rem = hi % d, q_lo;
    __asm__("divl %3" : "=a"(q_lo), "=d"(rem) : "a"(lo), "rm"(d), "d"(rem));
    return (uint64_t)q_hi << 32 | q_lo;
}

static uint64_t tsc_base;
static uint32_t tsc_per_cal;            /* TSC ticks in CAL_US microseconds */

/* Counts TSC ticks while PIT channel 2 counts down 50 ms in mode 0. */
static void tsc_calibrate(void)
{
    outb(PORT61, (uint8_t)((inb(PORT61) & ~PORT61_SPEAKER) | PORT61_GATE2));
    outb(PIT_CMD, PIT_CH2_MODE0);
    outb(PIT_CH2, CAL_PIT_COUNT & 0xff);
    outb(PIT_CH2, CAL_PIT_COUNT >> 8);
    uint64_t t0 = rdtsc();
    while (!(inb(PORT61) & PORT61_OUT2)) {
        /* wait for the terminal count */
    }
    tsc_base = rdtsc();
    uint64_t ticks = tsc_base - t0;
    tsc_per_cal = ticks > 0xffffffffu ? 0xffffffffu : ticks ? (uint32_t)ticks : 1;
}

static uint64_t guest_now_us(void)
{
    return div_u64_u32((rdtsc() - tsc_base) * CAL_US, tsc_per_cal);
}

void guest_main(uint32_t loader_magic)
{
    serial_init();
    if (loader_magic != MB_LOADER_MAGIC) {
        serial_write("kestrel-bench: not started by a multiboot loader (EAX)\n");
        guest_exit(1);
    }
    if ((uint32_t)_end > MAP_BYTES) {
        serial_write("kestrel-bench: image does not fit the identity map\n");
        guest_exit(1);
    }
    paging_enable();
    tsc_calibrate();
    static const BenchHost host = { serial_write, guest_now_us };
    guest_exit((uint8_t)bench_run(&host));
}
