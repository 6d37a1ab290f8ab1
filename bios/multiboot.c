/*
 * multiboot.c - Multiboot v1 kernels loaded straight into guest RAM.
 *
 * Layout (as QEMU's loader, which runs the same steps in an option ROM):
 *   the kernel at its own addresses (ELF32 PT_LOAD p_paddr, or the a.out
 *   kludge load_addr..bss_end_addr); modules after the kernel, each on a
 *   4 KiB boundary; in low memory the memory map at 0x9000 and the info
 *   structure at 0x9500, followed by the module list and the strings
 *   (command line "FILE APPEND", boot loader name, module command lines).
 *
 * Invariants: every write is bounds-checked against the RAM below 4 GiB
 * and the image length first, so a corrupt image is an error message,
 * never a host fault; nothing is written to RAM before the whole layout
 * has been checked.
 */
#include "bios/multiboot.h"

#include "bios/loader.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include "kestrel/log.h"

#define PAGE_SIZE 4096u
#define MB_MOD_SIZE 16
#define MMAP_ENTRY_SIZE 24          /* size field + base + length + type */
#define E820_RAM 1
#define E820_RESERVED 2
#define LOW_RAM_END 0x9FC00u        /* conventional memory below the EBDA */
#define BIOS_ROM_BASE 0xFFFC0000ull /* the 256 KiB firmware at the top of 4 GiB */

#define ELF_PT_LOAD 1
#define ELF_EM_386 3
#define ELF_EM_X86_64 62

static uint64_t align_page(uint64_t v)
{
    return (v + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
}

bool multiboot_find_header(const uint8_t *image, size_t len, MultibootHeader *h)
{
    size_t end = len < MB_SEARCH_LEN ? len : MB_SEARCH_LEN;
    for (size_t off = 0; off + 12 <= end; off += 4) {
        const uint8_t *p = image + off;
        uint32_t flags = ld32_le(p + 4);
        if (ld32_le(p) != MB_HEADER_MAGIC || MB_HEADER_MAGIC + flags + ld32_le(p + 8) != 0)
            continue;
        memset(h, 0, sizeof(*h));
        h->offset = (uint32_t)off;
        h->flags = flags;
        if ((flags & MBH_F_AOUT_KLUDGE) && off + 32 <= len) {
            h->header_addr = ld32_le(p + 12);
            h->load_addr = ld32_le(p + 16);
            h->load_end_addr = ld32_le(p + 20);
            h->bss_end_addr = ld32_le(p + 24);
            h->entry_addr = ld32_le(p + 28);
        }
        return true;
    }
    return false;
}

/* One piece of the kernel: file bytes [src, src+filesz) to RAM, zeros up to memsz. */
typedef struct LoadSeg {
    uint64_t paddr, filesz, memsz;
    const uint8_t *src;
} LoadSeg;

#define MAX_SEGS 16

typedef struct KernelPlan {
    LoadSeg seg[MAX_SEGS];
    int n_seg;
    uint64_t lo, hi;            /* physical range the kernel occupies */
    uint32_t entry;
} KernelPlan;

static bool plan_add(KernelPlan *k, uint64_t paddr, const uint8_t *src, uint64_t filesz,
                     uint64_t memsz, char *err, size_t errlen)
{
    if (k->n_seg == MAX_SEGS)
        return error_setf(err, errlen, "too many loadable segments");
    k->seg[k->n_seg++] = (LoadSeg){ paddr, filesz, memsz, src };
    if (paddr < k->lo)
        k->lo = paddr;
    if (paddr + memsz > k->hi)
        k->hi = paddr + memsz;
    return true;
}

static bool plan_aout(const MultibootHeader *h, const uint8_t *image, size_t len, KernelPlan *k,
                      char *err, size_t errlen)
{
    if (h->offset + 32 > len)
        return error_setf(err, errlen, "truncated multiboot header");
    if (h->header_addr < h->load_addr || h->header_addr - h->load_addr > h->offset)
        return error_setf(err, errlen, "invalid multiboot header_addr/load_addr");
    uint64_t text_off = h->offset - (h->header_addr - h->load_addr);
    uint64_t load_size = len - text_off;
    if (h->load_end_addr) {
        if (h->load_end_addr < h->load_addr || h->load_end_addr - h->load_addr > load_size)
            return error_setf(err, errlen, "invalid multiboot load_end_addr");
        load_size = h->load_end_addr - h->load_addr;
    }
    uint64_t mem_size = load_size;
    if (h->bss_end_addr) {
        if (h->bss_end_addr < h->load_addr + load_size)
            return error_setf(err, errlen, "invalid multiboot bss_end_addr");
        mem_size = h->bss_end_addr - h->load_addr;
    }
    k->entry = h->entry_addr;
    return plan_add(k, h->load_addr, image + text_off, load_size, mem_size, err, errlen);
}

/* Entry as a physical address: translate if it lies in a segment linked elsewhere. */
static uint32_t elf_entry_phys(const uint8_t *image, uint32_t phoff, int phnum, uint32_t entry)
{
    for (int i = 0; i < phnum; i++) {
        const uint8_t *ph = image + phoff + i * 32;
        uint32_t vaddr = ld32_le(ph + 8), paddr = ld32_le(ph + 12), memsz = ld32_le(ph + 20);
        if (ld32_le(ph) == ELF_PT_LOAD && entry - vaddr < memsz)
            return entry - vaddr + paddr;
    }
    return entry;
}

static bool plan_elf(const uint8_t *image, size_t len, KernelPlan *k, char *err, size_t errlen)
{
    if (len < 52 || memcmp(image, "\x7f" "ELF", 4))
        return error_setf(err, errlen, "multiboot kernel without a.out kludge is not an ELF file");
    if (ld16_le(image + 18) == ELF_EM_X86_64 || image[4] != 1)
        return error_setf(err, errlen, "64-bit ELF kernels cannot be booted by multiboot; give a 32-bit one");
    if (image[5] != 1 || ld16_le(image + 18) != ELF_EM_386)
        return error_setf(err, errlen, "not a little-endian i386 ELF file");
    uint32_t phoff = ld32_le(image + 28);
    int phnum = ld16_le(image + 44);
    if (ld16_le(image + 42) != 32 || phoff > len || (uint64_t)phnum * 32 > len - phoff)
        return error_setf(err, errlen, "corrupt ELF program headers");
    for (int i = 0; i < phnum; i++) {
        const uint8_t *ph = image + phoff + i * 32;
        uint32_t off = ld32_le(ph + 4), paddr = ld32_le(ph + 12);
        uint32_t filesz = ld32_le(ph + 16), memsz = ld32_le(ph + 20);
        if (ld32_le(ph) != ELF_PT_LOAD || memsz == 0)
            continue;
        if (filesz > memsz || off > len || filesz > len - off)
            return error_setf(err, errlen, "corrupt ELF segment %d", i);
        if (!plan_add(k, paddr, image + off, filesz, memsz, err, errlen))
            return false;
    }
    if (!k->n_seg)
        return error_setf(err, errlen, "ELF file has no loadable segment");
    k->entry = elf_entry_phys(image, phoff, phnum, ld32_le(image + 24));
    return true;
}

/* The information area in low memory, built in a host buffer first. */
typedef struct InfoArea {
    uint8_t buf[MB_INFO_AREA_END - MB_MMAP_ADDR];
    uint32_t used;              /* bytes from MB_MMAP_ADDR */
} InfoArea;

static uint8_t *area_at(InfoArea *a, uint32_t addr)
{
    return a->buf + (addr - MB_MMAP_ADDR);
}

/* Appends a NUL-terminated string; returns its guest address or 0 if full. */
static uint32_t area_add_string(InfoArea *a, const char *s)
{
    size_t n = strlen(s) + 1;
    if (n > sizeof(a->buf) - a->used)
        return 0;
    memcpy(a->buf + a->used, s, n);
    uint32_t addr = MB_MMAP_ADDR + a->used;
    a->used += (uint32_t)n;
    return addr;
}

static void mmap_entry(uint8_t *p, uint64_t base, uint64_t length, uint32_t type)
{
    st32_le(p, MMAP_ENTRY_SIZE - 4);
    st64_le(p + 4, base);
    st64_le(p + 12, length);
    st32_le(p + 20, type);
}

/* The E820 layout the board reports: returns the map's length in bytes. */
static uint32_t build_mmap(uint8_t *p, const MultibootRam *mem)
{
    const struct { uint64_t base, len; uint32_t type; } map[] = {
        { 0, LOW_RAM_END, E820_RAM },
        { LOW_RAM_END, 0xA0000 - LOW_RAM_END, E820_RESERVED },
        { 0xF0000, 0x10000, E820_RESERVED },
        { 1 * MiB, mem->below_4g - 1 * MiB, E820_RAM },
        { BIOS_ROM_BASE, 4 * GiB - BIOS_ROM_BASE, E820_RESERVED },
        { 4 * GiB, mem->above_4g, E820_RAM },
    };
    uint32_t n = 0;
    for (size_t i = 0; i < ARRAY_SIZE(map); i++) {
        if (!map[i].len)
            continue;
        mmap_entry(p + n * MMAP_ENTRY_SIZE, map[i].base, map[i].len, map[i].type);
        n++;
    }
    return n * MMAP_ENTRY_SIZE;
}

/* Where each module goes: consecutive pages after the kernel. */
static bool place_modules(const MultibootRam *mem, const KernelPlan *k,
                          const MultibootModule *mods, int n_mods, uint64_t *addr,
                          char *err, size_t errlen)
{
    uint64_t next = align_page(k->hi);
    for (int i = 0; i < n_mods; i++) {
        addr[i] = next;
        next = align_page(next + mods[i].size);
        if (next > mem->below_4g)
            return error_setf(err, errlen, "module %d (%s) does not fit in RAM", i, mods[i].cmdline);
    }
    return true;
}

static bool build_info(InfoArea *a, const MultibootRam *mem, const char *cmdline,
                       const MultibootModule *mods, int n_mods, const uint64_t *mod_addr,
                       char *err, size_t errlen)
{
    uint8_t *info = area_at(a, MB_INFO_ADDR);
    uint32_t mmap_len = build_mmap(area_at(a, MB_MMAP_ADDR), mem);
    uint32_t mods_addr = MB_INFO_ADDR + MBI_SIZE;
    a->used = mods_addr - MB_MMAP_ADDR + (uint32_t)n_mods * MB_MOD_SIZE;
    if (a->used > sizeof(a->buf))
        return error_setf(err, errlen, "too many modules");
    for (int i = 0; i < n_mods; i++) {
        uint8_t *m = area_at(a, mods_addr + i * MB_MOD_SIZE);
        uint32_t s = area_add_string(a, mods[i].cmdline);
        if (!s)
            return error_setf(err, errlen, "module command lines too long");
        st32_le(m, (uint32_t)mod_addr[i]);
        st32_le(m + 4, (uint32_t)(mod_addr[i] + mods[i].size));
        st32_le(m + 8, s);
        st32_le(m + 12, 0);
    }
    uint32_t cmd = area_add_string(a, cmdline), name = area_add_string(a, MB_BOOTLOADER_NAME);
    if (!cmd || !name)
        return error_setf(err, errlen, "command line too long");
    st32_le(info + MBI_FLAGS, MBI_F_MEM | MBI_F_BOOT_DEVICE | MBI_F_CMDLINE | MBI_F_MODS |
                              MBI_F_MMAP | MBI_F_LOADER_NAME);
    st32_le(info + MBI_MEM_LOWER, LOW_RAM_END / 1024);
    st32_le(info + MBI_MEM_UPPER, (uint32_t)((mem->below_4g - 1 * MiB) / 1024));
    st32_le(info + MBI_BOOT_DEVICE, 0x8000ffff);    /* first BIOS disk, no partition */
    st32_le(info + MBI_CMDLINE, cmd);
    st32_le(info + MBI_MODS_COUNT, (uint32_t)n_mods);
    st32_le(info + MBI_MODS_ADDR, mods_addr);
    st32_le(info + MBI_MMAP_LENGTH, mmap_len);
    st32_le(info + MBI_MMAP_ADDR, MB_MMAP_ADDR);
    st32_le(info + MBI_BOOT_LOADER_NAME, name);
    return true;
}

static bool check_kernel_range(const MultibootRam *mem, const KernelPlan *k, char *err,
                               size_t errlen)
{
    for (int i = 0; i < k->n_seg; i++) {
        const LoadSeg *s = &k->seg[i];
        if (s->paddr + s->memsz > mem->below_4g)
            return error_setf(err, errlen, "kernel segment at 0x%" PRIx64 " is beyond the end of RAM",
                        s->paddr);
        if (s->paddr < MB_INFO_AREA_END && s->paddr + s->memsz > MB_MMAP_ADDR)
            return error_setf(err, errlen, "kernel segment at 0x%" PRIx64 " overlaps the multiboot "
                        "information at 0x%x", s->paddr, MB_MMAP_ADDR);
    }
    return true;
}

bool multiboot_load(const MultibootRam *mem, const uint8_t *image, size_t len,
                    const char *cmdline, const MultibootModule *mods, int n_mods,
                    MultibootBoot *out, char *err, size_t errlen)
{
    MultibootHeader h;
    KernelPlan k = { .lo = UINT64_MAX };
    if (!multiboot_find_header(image, len, &h))
        return error_setf(err, errlen, "not a multiboot kernel");
    if (mem->below_4g <= 1 * MiB)
        return error_setf(err, errlen, "a multiboot kernel needs RAM above 1 MiB");
    bool ok = (h.flags & MBH_F_AOUT_KLUDGE) ? plan_aout(&h, image, len, &k, err, errlen)
                                             : plan_elf(image, len, &k, err, errlen);
    if (!ok || !check_kernel_range(mem, &k, err, errlen))
        return false;

    uint64_t *mod_addr = calloc((size_t)n_mods + 1, sizeof(*mod_addr));
    InfoArea *area = calloc(1, sizeof(*area));
    if (!mod_addr || !area)
        abort();
    ok = place_modules(mem, &k, mods, n_mods, mod_addr, err, errlen) &&
         build_info(area, mem, cmdline, mods, n_mods, mod_addr, err, errlen);
    if (ok) {
        for (int i = 0; i < k.n_seg; i++) {
            const LoadSeg *s = &k.seg[i];
            memcpy(mem->ram + s->paddr, s->src, s->filesz);
            memset(mem->ram + s->paddr + s->filesz, 0, s->memsz - s->filesz);
        }
        for (int i = 0; i < n_mods; i++)
            memcpy(mem->ram + mod_addr[i], mods[i].data, mods[i].size);
        memcpy(mem->ram + MB_MMAP_ADDR, area->buf, area->used);
        out->entry = k.entry;
        out->info_addr = MB_INFO_ADDR;
    }
    free(area);
    free(mod_addr);
    return ok;
}

/* Splits "a b,,c,d" at single commas (",," is a literal comma) into strdup'd items. */
static int split_modules(const char *spec, char **items, int max)
{
    int n = 0;
    while (*spec && n < max) {
        size_t len = 0;
        char *buf = malloc(strlen(spec) + 1);
        if (!buf)
            abort();
        while (*spec && !(*spec == ',' && spec[1] != ',')) {
            if (*spec == ',')
                spec++;
            buf[len++] = *spec++;
        }
        buf[len] = '\0';
        items[n++] = buf;
        if (*spec == ',')
            spec++;
    }
    return n;
}

#define MAX_MODULES 64

bool multiboot_load_files(const MultibootRam *mem, const char *kernel, const char *initrd,
                          const char *append, MultibootBoot *out, char *err, size_t errlen)
{
    uint8_t *image = NULL;
    size_t len;
    char *items[MAX_MODULES + 1];
    MultibootModule mods[MAX_MODULES];
    uint8_t *mod_data[MAX_MODULES + 1] = { 0 };
    int n_mods = initrd ? split_modules(initrd, items, MAX_MODULES + 1) : 0;
    bool ok = loader_read_file("-kernel", kernel, &image, &len, err, errlen);
    if (ok && n_mods > MAX_MODULES)
        ok = error_setf(err, errlen, "-initrd: too many modules (at most %d)", MAX_MODULES);

    for (int i = 0; ok && i < n_mods; i++) {
        char *path = strndup(items[i], strcspn(items[i], " "));
        if (!path)
            abort();
        ok = loader_read_file("-initrd", path, &mod_data[i], &mods[i].size, err, errlen);
        mods[i].data = mod_data[i];
        mods[i].cmdline = items[i];
        free(path);
    }
    if (ok) {
        char *cmdline;
        char msg[200];
        if (asprintf(&cmdline, "%s %s", kernel, append ? append : "") < 0)
            abort();
        ok = multiboot_load(mem, image, len, cmdline, mods, n_mods, out, msg, sizeof(msg));
        if (!ok)
            error_setf(err, errlen, "-kernel %s: %s", kernel, msg);
        free(cmdline);
    }
    free(image);
    for (int i = 0; i < n_mods; i++) {
        free(mod_data[i]);
        free(items[i]);
    }
    return ok;
}
