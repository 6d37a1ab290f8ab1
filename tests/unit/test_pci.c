/*
 * test_pci.c - PCI configuration mechanism #1, BAR sizing and mapping, PIRQ
 * routing through the PIIX3, i440FX PAM shadowing as SeaBIOS drives it,
 * and the 0xCF9 reset register, on a PC built by pc_create().
 */
#include "board_fixture.h"

#define I440FX PCI_DEVFN(0, 0)
#define PIIX3 PCI_DEVFN(1, 0)
#define PIIX3_IDE PCI_DEVFN(1, 1)
#define TEST_SLOT 3

static Machine *m;
static int irq_levels[16];

static void record_irq(void *opaque, int n, int level)
{
    irq_levels[n] = level;
}

static void setup(void)
{
    m = fx_create(fx_config(16 * MiB));
    memset(irq_levels, 0, sizeof(irq_levels));
    for (int i = 0; i < 16; i++)
        m->isa_irq[i] = irq_line(record_irq, NULL, i);
}

static void teardown(void)
{
    fx_cleanup();
}

/* ---- a test function with an I/O BAR and a memory BAR ---- */

typedef struct TestDev {
    PCIDevice pci;
    uint64_t last_off, last_val;
} TestDev;

static uint64_t testdev_read(void *opaque, uint64_t off, unsigned size)
{
    return 0xab00 + off;
}

static void testdev_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    TestDev *t = opaque;
    t->last_off = off;
    t->last_val = val;
}

static const MemOps testdev_ops = { testdev_read, testdev_write, 1, 4 };

static TestDev *testdev_plug(int slot, uint8_t pin)
{
    char err[128];
    TestDev *t = calloc(1, sizeof(*t));
    pci_device_init(&t->pci, "testdev", 0x1234, 0x5678, 1, 0xff0000);
    pci_config_set8(&t->pci, PCI_INTERRUPT_PIN, pin);
    pci_device_init_bar(&t->pci, 0, PCI_BAR_IO, 32, &testdev_ops, NULL, t);
    pci_device_init_bar(&t->pci, 1, PCI_BAR_MEM32, 4096, &testdev_ops, NULL, t);
    ck_assert(pci_device_plug(m->pci, m, &t->pci, PCI_DEVFN(slot, 0), err, sizeof(err)));
    return t;
}

START_TEST(host_bridge_and_piix_ids)
{
    ck_assert_uint_eq(pci_cfg_readl(I440FX, 0), 0x12378086);
    ck_assert_uint_eq(pci_cfg_readl(I440FX, 0x2c), 0x11001af4);   /* SeaBIOS's QEMU check */
    ck_assert_uint_eq(pci_cfg_readl(PIIX3, 0), 0x70008086);
    ck_assert_uint_eq(pci_cfg_readb(PIIX3, PCI_HEADER_TYPE), 0x80);
    ck_assert_uint_eq(pci_cfg_readl(PIIX3, 0x08) >> 8, 0x060100);
    ck_assert_uint_eq(pci_cfg_readl(PIIX3_IDE, 0), 0x70108086);
    ck_assert_uint_eq(pci_cfg_readl(PIIX3_IDE, 0x08) >> 8, 0x010180);  /* bus master */
    ck_assert_uint_eq(pci_cfg_readl(PIIX3_IDE, 0x20), 0x1);            /* BMIBA: I/O */
    ck_assert_uint_eq(pci_cfg_readl(PIIX3, 0x60), 0x80808080);
    ck_assert_uint_eq(pci_cfg_readb(I440FX, 0x72), 0x02);
    /* Absent function, disabled address, other bus: all ones. */
    ck_assert_uint_eq(pci_cfg_readl(PCI_DEVFN(5, 0), 0), 0xffffffff);
    outl(0xcf8, 0x00000000);
    ck_assert_uint_eq(inl(0xcfc), 0xffffffff);
    outl(0xcf8, 0x80010000);
    ck_assert_uint_eq(inl(0xcfc), 0xffffffff);
    /* The address register reads back; word reads of the data port at 0xCFE. */
    outl(0xcf8, 0x80000000);
    ck_assert_uint_eq(inl(0xcf8), 0x80000000);
    ck_assert_uint_eq(inw(0xcfe), 0x1237);
}
END_TEST

START_TEST(read_only_and_w1c_bits)
{
    pci_cfg_writel(I440FX, 0, 0xffffffff);
    ck_assert_uint_eq(pci_cfg_readl(I440FX, 0), 0x12378086);
    TestDev *t = testdev_plug(TEST_SLOT, 1);
    t->pci.config[PCI_STATUS + 1] = 0xf9;           /* error bits set */
    pci_cfg_writel(PCI_DEVFN(TEST_SLOT, 0), PCI_COMMAND, 0x08000000);  /* clear bit 11 only */
    ck_assert_uint_eq(pci_cfg_readl(PCI_DEVFN(TEST_SLOT, 0), PCI_COMMAND) >> 16, 0xf100);
    pci_cfg_writeb(PCI_DEVFN(TEST_SLOT, 0), PCI_INTERRUPT_LINE, 11);
    ck_assert_uint_eq(pci_cfg_readb(PCI_DEVFN(TEST_SLOT, 0), PCI_INTERRUPT_LINE), 11);
    ck_assert_uint_eq(pci_cfg_readb(PCI_DEVFN(TEST_SLOT, 0), PCI_INTERRUPT_PIN), 1);
}
END_TEST

START_TEST(bar_sizing_and_mapping)
{
    int fn = PCI_DEVFN(TEST_SLOT, 0);
    TestDev *t = testdev_plug(TEST_SLOT, 1);

    pci_cfg_writel(fn, 0x10, 0xffffffff);
    pci_cfg_writel(fn, 0x14, 0xffffffff);
    ck_assert_uint_eq(pci_cfg_readl(fn, 0x10), 0xffffffe1);    /* 32 bytes, I/O */
    ck_assert_uint_eq(pci_cfg_readl(fn, 0x14), 0xfffff000);    /* 4 KiB, mem32 */
    ck_assert_uint_eq(pci_cfg_readl(fn, 0x18), 0);             /* unimplemented */

    pci_cfg_writel(fn, 0x10, 0xc000);
    pci_cfg_writel(fn, 0x14, 0xfebf0000);
    ck_assert_uint_eq(inb(0xc004), 0xff);                      /* decode disabled */
    ck_assert_uint_eq(pci_bar_address(&t->pci, 0), UINT64_MAX);

    pci_cfg_writel(fn, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY);
    ck_assert_uint_eq(inb(0xc004), 0x04);                      /* 0xab04 low byte */
    ck_assert_uint_eq(inw(0xc006), 0xab06);
    outw(0xc010, 0x5a5a);
    ck_assert_uint_eq(t->last_off, 0x10);
    ck_assert_uint_eq(t->last_val, 0x5a5a);
    ck_assert_uint_eq(bus_read(m->mem, 0xfebf0008, 4), 0xab08);

    /* Move the I/O BAR; sizing while enabled unmaps it. */
    pci_cfg_writel(fn, 0x10, 0xd000);
    ck_assert_uint_eq(inb(0xc004), 0xff);
    ck_assert_uint_eq(inb(0xd001), 0x01);
    pci_cfg_writel(fn, 0x14, 0xffffffff);
    ck_assert_uint_eq(pci_bar_address(&t->pci, 1), UINT64_MAX);
    pci_cfg_writel(fn, 0x14, 0xfebf0000);
    ck_assert_uint_eq(pci_bar_address(&t->pci, 1), 0xfebf0000);

    /* Memory decode off: only the memory BAR goes. */
    pci_cfg_writel(fn, PCI_COMMAND, PCI_COMMAND_IO);
    ck_assert_uint_eq(bus_read(m->mem, 0xfebf0008, 4), 0xffffffff);
    ck_assert_uint_eq(inb(0xd001), 0x01);

    /* Reset restores the defaults and unmaps. */
    pci_device_reset(&t->pci);
    ck_assert_uint_eq(inb(0xd001), 0xff);
    ck_assert_uint_eq(pci_cfg_readl(fn, 0x10), 0x1);
}
END_TEST

START_TEST(bar_64bit)
{
    int fn = PCI_DEVFN(TEST_SLOT, 0);
    char err[128];
    TestDev *t = calloc(1, sizeof(*t));
    pci_device_init(&t->pci, "bar64", 0x1234, 0x2222, 0, 0x020000);
    pci_device_init_bar(&t->pci, 2, PCI_BAR_MEM64 | PCI_BAR_PREFETCH, 1 << 20, &testdev_ops,
                        NULL, t);
    ck_assert(pci_device_plug(m->pci, m, &t->pci, fn, err, sizeof(err)));

    pci_cfg_writel(fn, 0x18, 0xffffffff);
    pci_cfg_writel(fn, 0x1c, 0xffffffff);
    ck_assert_uint_eq(pci_cfg_readl(fn, 0x18), 0xfff0000c);
    ck_assert_uint_eq(pci_cfg_readl(fn, 0x1c), 0xffffffff);
    pci_cfg_writel(fn, 0x18, 0x00000000);
    pci_cfg_writel(fn, 0x1c, 0x00000008);             /* 32 GiB */
    pci_cfg_writel(fn, PCI_COMMAND, PCI_COMMAND_MEMORY);
    ck_assert_uint_eq(pci_bar_address(&t->pci, 2), 0x800000000ull);
    ck_assert_uint_eq(bus_read(m->mem, 0x800000010ull, 4), 0xab10);
}
END_TEST

START_TEST(expansion_rom)
{
    int fn = PCI_DEVFN(TEST_SLOT, 0);
    char err[128];
    uint8_t image[3000];
    TestDev *t = calloc(1, sizeof(*t));
    memset(image, 0x11, sizeof(image));
    image[0] = 0x55;
    image[1] = 0xaa;
    pci_device_init(&t->pci, "romdev", 0x1234, 0x1111, 0, 0x030000);
    pci_device_init_rom(&t->pci, image, sizeof(image));
    ck_assert(pci_device_plug(m->pci, m, &t->pci, fn, err, sizeof(err)));

    pci_cfg_writel(fn, PCI_ROM_ADDRESS, 0xfffff800);
    ck_assert_uint_eq(pci_cfg_readl(fn, PCI_ROM_ADDRESS), 0xfffff000);   /* 4 KiB */
    pci_cfg_writel(fn, PCI_ROM_ADDRESS, 0xfeb00000 | PCI_ROM_ADDRESS_ENABLE);
    ck_assert_uint_eq(bus_read(m->mem, 0xfeb00000, 2), 0xffff);        /* memory decode off */
    pci_cfg_writel(fn, PCI_COMMAND, PCI_COMMAND_MEMORY);
    ck_assert_uint_eq(bus_read(m->mem, 0xfeb00000, 2), 0xaa55);
    ck_assert_uint_eq(bus_read(m->mem, 0xfeb00000 + 2999, 1), 0x11);
    ck_assert_uint_eq(bus_read(m->mem, 0xfeb00000 + 3000, 1), 0xff);   /* padding */
    bus_write(m->mem, 0xfeb00000, 0, 1);
    ck_assert_uint_eq(bus_read(m->mem, 0xfeb00000, 1), 0x55);          /* read-only */
    pci_cfg_writel(fn, PCI_ROM_ADDRESS, 0xfeb00000);
    ck_assert_uint_eq(bus_read(m->mem, 0xfeb00000, 1), 0xff);          /* enable bit off */
}
END_TEST

START_TEST(pirq_routing)
{
    /* Slot 3 INTA and slot 2 INTB both swizzle to PIRQD (0x63). */
    TestDev *a = testdev_plug(TEST_SLOT, 1);
    TestDev *b = testdev_plug(2, 2);

    pci_set_irq(&a->pci, true);
    ck_assert_int_eq(irq_levels[11], 0);                       /* routing disabled */
    pci_cfg_writeb(PIIX3, 0x63, 11);
    ck_assert_int_eq(irq_levels[11], 1);
    ck_assert_uint_eq(pci_cfg_readl(PCI_DEVFN(TEST_SLOT, 0), PCI_COMMAND) >> 16 & PCI_STATUS_INTERRUPT,
                      PCI_STATUS_INTERRUPT);

    pci_set_irq(&b->pci, true);
    pci_set_irq(&a->pci, false);
    ck_assert_int_eq(irq_levels[11], 1);                       /* shared: still b */
    pci_set_irq(&b->pci, false);
    ck_assert_int_eq(irq_levels[11], 0);

    /* Rerouting moves the level; IRQEN# and reserved IRQs disconnect. */
    pci_set_irq(&a->pci, true);
    pci_cfg_writeb(PIIX3, 0x63, 10);
    ck_assert_int_eq(irq_levels[11], 0);
    ck_assert_int_eq(irq_levels[10], 1);
    pci_cfg_writeb(PIIX3, 0x63, 0x8a);
    ck_assert_int_eq(irq_levels[10], 0);
    pci_cfg_writeb(PIIX3, 0x63, 2);
    ck_assert_int_eq(irq_levels[2], 0);
    pci_cfg_writeb(PIIX3, 0x63, 10);
    ck_assert_int_eq(irq_levels[10], 1);

    /* INTx disable in the command register masks the pin. */
    pci_cfg_writel(PCI_DEVFN(TEST_SLOT, 0), PCI_COMMAND, PCI_COMMAND_INTX_DISABLE);
    ck_assert_int_eq(irq_levels[10], 0);
    pci_cfg_writel(PCI_DEVFN(TEST_SLOT, 0), PCI_COMMAND, 0);
    ck_assert_int_eq(irq_levels[10], 1);
}
END_TEST

/* ---- PAM, as src/fw/shadow.c drives it ---- */

static uint8_t rom_byte_at(uint32_t addr)
{
    return fx_bios_byte(FIXTURE_BIOS_SIZE - (0x100000 - addr));
}

static void pam_write(int reg, uint8_t v)
{
    uint32_t d = pci_cfg_readl(I440FX, reg & ~3);
    d = (d & ~(0xffu << 8 * (reg & 3))) | (uint32_t)v << 8 * (reg & 3);
    pci_cfg_writel(I440FX, reg & ~3, d);
}

START_TEST(pam_shadowing)
{
    uint32_t a = 0xffff0;

    /* Reset: the BIOS's last 128 KiB at 0xE0000, the full image below 4 GiB. */
    ck_assert_uint_eq(bus_read(m->mem, a, 1), rom_byte_at(a));
    ck_assert_uint_eq(bus_read(m->mem, 0xe0000, 1), rom_byte_at(0xe0000));
    ck_assert_uint_eq(bus_read(m->mem, 0xfffc0000, 1), fx_bios_byte(0));
    ck_assert_uint_eq(bus_read(m->mem, 0xfffffff0, 1), rom_byte_at(a));
    ck_assert_uint_eq(bus_read(m->mem, 0xc0000, 1), 0);       /* option ROM area */
    bus_write(m->mem, a, 0x55, 1);
    ck_assert_uint_eq(bus_read(m->mem, a, 1), rom_byte_at(a)); /* ROM: write dropped */
    ck_assert_uint_eq(bus_read(m->mem, 0xb8000, 1), 0xff);    /* VGA window unmapped */

    /* make_bios_writable: PAM0 = 0x30, PAM1-6 = 0x33, copy from high flash. */
    ck_assert_uint_eq(pci_cfg_readb(I440FX, 0x59) & 0x10, 0);
    pam_write(0x59, 0x30);
    for (int r = 0x5a; r <= 0x5f; r++)
        pam_write(r, 0x33);
    ck_assert_uint_eq(pci_cfg_readb(I440FX, 0x59), 0x30);
    uint8_t buf[0x10000];
    bus_read_buf(m->mem, 0xfff00000 + 0xf0000, buf, sizeof(buf));
    bus_write_buf(m->mem, 0xf0000, buf, sizeof(buf));
    ck_assert_uint_eq(bus_read(m->mem, a, 1), rom_byte_at(a));
    bus_write(m->mem, a, 0x55, 1);
    ck_assert_uint_eq(bus_read(m->mem, a, 1), 0x55);           /* RAM now */
    ck_assert_uint_eq(m->ram[a], 0x55);
    bus_write(m->mem, 0xc8000, 0x66, 1);
    ck_assert_uint_eq(m->ram[0xc8000], 0x66);

    /* make_bios_readonly: 0x10 = read RAM, writes dropped. */
    pam_write(0x59, 0x10);
    bus_write(m->mem, a, 0x77, 1);
    ck_assert_uint_eq(bus_read(m->mem, a, 1), 0x55);

    /* Write-only (2): reads ROM, writes RAM. */
    pam_write(0x59, 0x20);
    ck_assert_uint_eq(bus_read(m->mem, a, 1), rom_byte_at(a));
    bus_write(m->mem, a, 0x99, 1);
    ck_assert_uint_eq(m->ram[a], 0x99);

    /* Disabled again: ROM. Per-nibble: only 0xC4000 of PAM1 switched. */
    pam_write(0x59, 0x00);
    ck_assert_uint_eq(bus_read(m->mem, a, 1), rom_byte_at(a));
    pam_write(0x5a, 0x30);
    ck_assert_uint_eq(bus_read(m->mem, 0xc0000, 1), 0);
    ck_assert_uint_eq(bus_read(m->mem, 0xc8000, 1), 0x66);    /* PAM2 still 0x33 */
    m->ram[0xc4000] = 0x42;
    ck_assert_uint_eq(bus_read(m->mem, 0xc4000, 1), 0x42);

    /* Machine reset brings the ROM back; RAM keeps its contents. */
    machine_reset(m);
    ck_assert_uint_eq(pci_cfg_readb(I440FX, 0x5a), 0);
    ck_assert_uint_eq(bus_read(m->mem, 0xc4000, 1), 0);
    ck_assert_uint_eq(bus_read(m->mem, 0xc8000, 1), 0);
    ck_assert_uint_eq(m->ram[a], 0x99);
}
END_TEST

START_TEST(reset_control_register)
{
    outb(0xcf9, 0x02);
    ck_assert_uint_eq(inb(0xcf9), 0x02);
    ck_assert(!m->reset_request);
    int exits = fake_cpu_exits;
    outb(0xcf9, 0x06);
    ck_assert(m->reset_request);
    ck_assert_int_gt(fake_cpu_exits, exits);
    /* A dword at 0xCF8 is still the address register. */
    outl(0xcf8, 0x80000800);
    ck_assert_uint_eq(inl(0xcf8), 0x80000800);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pci");
    TCase *tc = tcase_create("pci");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, host_bridge_and_piix_ids);
    tcase_add_test(tc, read_only_and_w1c_bits);
    tcase_add_test(tc, bar_sizing_and_mapping);
    tcase_add_test(tc, bar_64bit);
    tcase_add_test(tc, expansion_rom);
    tcase_add_test(tc, pirq_routing);
    tcase_add_test(tc, pam_shadowing);
    tcase_add_test(tc, reset_control_register);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
