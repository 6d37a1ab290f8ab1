/*
 * mc146818.c - the MC146818A real-time clock and its 128 bytes of CMOS RAM
 * (index port 0x70, data port 0x71), as wired in a PC: IRQ 8, the IBM
 * century byte at 0x32, and the CMOS layout SeaBIOS reads at boot.
 *
 * Time model: the guest's UTC time in ns is clock_ns() + offset_ns. It is
 * host real time when the device is realized and then follows the virtual
 * clock, so it stops while the machine is paused and is exact in icount
 * mode. While the clock runs, the time registers (0,2,4,6-9) are derived
 * from that time whenever they are read; while it is frozen (register B
 * SET, or the divider held in reset through register A) they keep what the
 * guest wrote, and unfreezing restarts the time from them.
 *
 * Interrupt flags (register C): the update-ended and alarm flags are set
 * by a timer at every guest second (the update cycle); the periodic flag
 * by a timer at the register A rate while PIE is set, and lazily on a read
 * of C otherwise. IRQF = PF.PIE | AF.AIE | UF.UIE drives the IRQ line;
 * reading C clears all flags and lowers it.
 *
 * Invariant: the IRQ level always equals register C bit 7. The NMI-mask
 * bit (port 0x70 bit 7) is ignored. CMOS RAM survives device reset.
 */
#include <sys/stat.h>
#include <time.h>
#include <stdio.h>
#include "kestrel/machine.h"
#include "kestrel/isa.h"
#include "kestrel/timer.h"
#include "kestrel/log.h"
#include "isa_opts.h"

enum {
    RTC_SEC = 0x00, RTC_SEC_ALARM = 0x01, RTC_MIN = 0x02, RTC_MIN_ALARM = 0x03,
    RTC_HOUR = 0x04, RTC_HOUR_ALARM = 0x05, RTC_DOW = 0x06, RTC_DAY = 0x07,
    RTC_MONTH = 0x08, RTC_YEAR = 0x09,
    RTC_REG_A = 0x0A, RTC_REG_B = 0x0B, RTC_REG_C = 0x0C, RTC_REG_D = 0x0D,
    CMOS_SHUTDOWN = 0x0F, CMOS_FLOPPY = 0x10, CMOS_EQUIPMENT = 0x14,
    CMOS_BASE_MEM = 0x15, CMOS_EXT_MEM = 0x17, CMOS_CHECKSUM = 0x2E,
    CMOS_EXT_MEM2 = 0x30, CMOS_CENTURY = 0x32, CMOS_MEM_16M = 0x34,
    CMOS_BOOT_3 = 0x38, CMOS_BOOT_12 = 0x3D, CMOS_MEM_4G = 0x5B, CMOS_SMP_COUNT = 0x5F,
};

#define REG_A_UIP 0x80
#define REG_A_DV_MASK 0x70
#define REG_A_DV_NORMAL 0x20     /* 32.768 kHz time base, divider running */
#define REG_A_RS_MASK 0x0F
#define REG_B_SET 0x80
#define REG_B_PIE 0x40
#define REG_B_AIE 0x20
#define REG_B_UIE 0x10
#define REG_B_SQWE 0x08
#define REG_B_DM_BINARY 0x04
#define REG_B_24H 0x02
#define REG_B_DSE 0x01
#define REG_C_IRQF 0x80
#define REG_C_PF 0x40
#define REG_C_AF 0x20
#define REG_C_UF 0x10
#define REG_D_VRT 0x80

#define RTC_FREQ 32768
#define RTC_UIP_NS 244141        /* UIP is high this long before each update */
#define RTC_DIVIDER_START_NS (NS_PER_SEC / 2)   /* first update after divider reset */
#define SECS_PER_DAY 86400

/* Guest time in ns since 1970: 128 bits, as the RTC reaches the year 9999. */
typedef __int128 RtcNs;

typedef struct Mc146818 {
    Device dev;
    uint8_t cmos[128];
    uint8_t index;
    RtcNs offset_ns;         /* guest UTC ns = clock_ns() + offset_ns */
    RtcNs pf_since_ns;       /* guest ns since which periodic edges are unaccounted */
    int64_t base_year;
    uint8_t dow_adjust;      /* guest's day of week minus the calendar's, mod 7 */
    const IrqLine *irq;
    Timer *periodic, *update;
} Mc146818;

typedef struct RtcDate {
    int64_t year;
    int month, day, hour, min, sec, dow;   /* dow: 1 = Sunday */
} RtcDate;

/* Days since 1970-01-01 of a proleptic Gregorian date and back. */
static int64_t rtc_days_from_civil(int64_t y, int m, int d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static RtcDate rtc_date_from_secs(int64_t secs)
{
    RtcDate t;
    int64_t days = secs / SECS_PER_DAY, rem = secs % SECS_PER_DAY;
    int64_t era, doe, yoe, doy, mp;

    if (rem < 0) {
        rem += SECS_PER_DAY;
        days--;
    }
    t.hour = (int)(rem / 3600);
    t.min = (int)(rem / 60 % 60);
    t.sec = (int)(rem % 60);
    t.dow = (int)(((days % 7) + 7 + 4) % 7) + 1;   /* 1970-01-01 was a Thursday */
    days += 719468;
    era = (days >= 0 ? days : days - 146096) / 146097;
    doe = days - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    t.day = (int)(doy - (153 * mp + 2) / 5 + 1);
    t.month = (int)(mp < 10 ? mp + 3 : mp - 9);
    t.year = yoe + era * 400 + (t.month <= 2);
    return t;
}

static bool rtc_binary(const Mc146818 *s)
{
    return s->cmos[RTC_REG_B] & REG_B_DM_BINARY;
}

static uint8_t rtc_enc(const Mc146818 *s, int v)
{
    return rtc_binary(s) ? (uint8_t)v : (uint8_t)((v / 10) << 4 | v % 10);
}

static int rtc_dec(const Mc146818 *s, uint8_t v)
{
    return rtc_binary(s) ? v : (v >> 4) * 10 + (v & 15);
}

static uint8_t rtc_enc_hour(const Mc146818 *s, int h)
{
    int h12 = h % 12;

    if (s->cmos[RTC_REG_B] & REG_B_24H)
        return rtc_enc(s, h);
    return rtc_enc(s, h12 ? h12 : 12) | (h >= 12 ? 0x80 : 0);
}

static int rtc_dec_hour(const Mc146818 *s, uint8_t v)
{
    if (s->cmos[RTC_REG_B] & REG_B_24H)
        return rtc_dec(s, v);
    return rtc_dec(s, v & 0x7F) % 12 + (v & 0x80 ? 12 : 0);
}

static RtcNs rtc_guest_ns(const Mc146818 *s)
{
    return clock_ns() + s->offset_ns;
}

static RtcNs rtc_floor_div(RtcNs a, RtcNs b)
{
    return a / b - (a % b < 0);
}

static void rtc_store_time(Mc146818 *s, int64_t secs)
{
    RtcDate t = rtc_date_from_secs(secs);
    int64_t year = t.year - s->base_year;

    if (year < 0)
        year = 0;
    s->cmos[RTC_SEC] = rtc_enc(s, t.sec);
    s->cmos[RTC_MIN] = rtc_enc(s, t.min);
    s->cmos[RTC_HOUR] = rtc_enc_hour(s, t.hour);
    s->cmos[RTC_DOW] = rtc_enc(s, (t.dow - 1 + s->dow_adjust) % 7 + 1);
    s->cmos[RTC_DAY] = rtc_enc(s, t.day);
    s->cmos[RTC_MONTH] = rtc_enc(s, t.month);
    s->cmos[RTC_YEAR] = rtc_enc(s, (int)(year % 100));
    s->cmos[CMOS_CENTURY] = rtc_enc(s, (int)(year / 100 % 100));
}

static int64_t rtc_load_time(const Mc146818 *s)
{
    int64_t year = rtc_dec(s, s->cmos[CMOS_CENTURY]) * 100 + rtc_dec(s, s->cmos[RTC_YEAR]) +
                   s->base_year;
    int64_t days = rtc_days_from_civil(year, rtc_dec(s, s->cmos[RTC_MONTH]),
                                       rtc_dec(s, s->cmos[RTC_DAY]));

    return days * SECS_PER_DAY + rtc_dec_hour(s, s->cmos[RTC_HOUR]) * 3600 +
           rtc_dec(s, s->cmos[RTC_MIN]) * 60 + rtc_dec(s, s->cmos[RTC_SEC]);
}

static bool rtc_divider_running(const Mc146818 *s)
{
    return (s->cmos[RTC_REG_A] & REG_A_DV_MASK) == REG_A_DV_NORMAL;
}

static bool rtc_frozen(const Mc146818 *s)
{
    return (s->cmos[RTC_REG_B] & REG_B_SET) || !rtc_divider_running(s);
}

/* Registers from the running clock (no-op while frozen). */
static void rtc_refresh(Mc146818 *s)
{
    if (!rtc_frozen(s))
        rtc_store_time(s, (int64_t)rtc_floor_div(rtc_guest_ns(s), NS_PER_SEC));
}

static void rtc_update_irq(Mc146818 *s)
{
    uint8_t c = s->cmos[RTC_REG_C];
    bool irqf = c & s->cmos[RTC_REG_B] & (REG_C_PF | REG_C_AF | REG_C_UF);

    s->cmos[RTC_REG_C] = irqf ? (c | REG_C_IRQF) : (c & ~REG_C_IRQF);
    if (s->irq)
        irq_set(s->irq, irqf);
}

/* Periodic interrupt period in 32.768 kHz ticks; 0 when off. */
static int64_t rtc_period_ticks(const Mc146818 *s)
{
    int rs = s->cmos[RTC_REG_A] & REG_A_RS_MASK;

    if (rs == 0 || !rtc_divider_running(s))
        return 0;
    return 1LL << (rs <= 2 ? rs + 6 : rs - 1);   /* rates 1, 2 alias 8 and 9 */
}

static RtcNs rtc_edge_index(RtcNs guest_ns, int64_t period)
{
    return rtc_floor_div(rtc_floor_div(guest_ns * RTC_FREQ, NS_PER_SEC), period);
}

/* Accounts periodic edges that passed since pf_since_ns into PF. */
static void rtc_catch_up_pf(Mc146818 *s)
{
    int64_t period = rtc_period_ticks(s);
    RtcNs now = rtc_guest_ns(s);

    if (period && rtc_edge_index(now, period) > rtc_edge_index(s->pf_since_ns, period))
        s->cmos[RTC_REG_C] |= REG_C_PF;
    s->pf_since_ns = now;
}

static void rtc_arm_periodic(Mc146818 *s)
{
    int64_t period = rtc_period_ticks(s);
    RtcNs next_tick;

    if (!period || !(s->cmos[RTC_REG_B] & REG_B_PIE)) {
        timer_del(s->periodic);
        return;
    }
    next_tick = (rtc_edge_index(rtc_guest_ns(s), period) + 1) * period;
    /* Round up (ceil = -floor(-x)) so the timer never fires before the edge. */
    timer_mod(s->periodic, (int64_t)(-rtc_floor_div(-next_tick * NS_PER_SEC, RTC_FREQ) -
                                     s->offset_ns));
}

static void rtc_periodic_cb(void *opaque)
{
    Mc146818 *s = opaque;

    rtc_catch_up_pf(s);
    rtc_update_irq(s);
    rtc_arm_periodic(s);
}

static void rtc_arm_update(Mc146818 *s)
{
    RtcNs next_sec = rtc_floor_div(rtc_guest_ns(s), NS_PER_SEC) + 1;

    timer_mod(s->update, (int64_t)(next_sec * NS_PER_SEC - s->offset_ns));
}

static bool rtc_alarm_matches(const Mc146818 *s)
{
    static const uint8_t pairs[3][2] = {
        { RTC_SEC_ALARM, RTC_SEC }, { RTC_MIN_ALARM, RTC_MIN }, { RTC_HOUR_ALARM, RTC_HOUR },
    };

    for (size_t i = 0; i < ARRAY_SIZE(pairs); i++) {
        uint8_t alarm = s->cmos[pairs[i][0]];

        if ((alarm & 0xC0) != 0xC0 && alarm != s->cmos[pairs[i][1]])
            return false;        /* 11xxxxxx is "don't care" */
    }
    return true;
}

/* The update cycle at each guest second: new time, UF, and AF on a match. */
static void rtc_update_cb(void *opaque)
{
    Mc146818 *s = opaque;

    if (!rtc_frozen(s)) {
        rtc_refresh(s);
        s->cmos[RTC_REG_C] |= REG_C_UF;
        if (rtc_alarm_matches(s))
            s->cmos[RTC_REG_C] |= REG_C_AF;
        rtc_update_irq(s);
    }
    rtc_arm_update(s);
}

/*
 * Restart the clock from the registers, at sub-second `frac_ns`. The chip
 * only counts the day-of-week register, so whatever the guest wrote there
 * is kept as an offset from the calendar's weekday.
 */
static void rtc_set_from_regs(Mc146818 *s, int64_t frac_ns)
{
    int64_t secs = rtc_load_time(s);
    int dow = rtc_dec(s, s->cmos[RTC_DOW]) - rtc_date_from_secs(secs).dow;

    s->dow_adjust = (uint8_t)((dow % 7 + 7) % 7);
    s->offset_ns = (RtcNs)secs * NS_PER_SEC + frac_ns - clock_ns();
    s->pf_since_ns = rtc_guest_ns(s);
    rtc_arm_update(s);
    rtc_arm_periodic(s);
}

static int64_t rtc_frac_ns(const Mc146818 *s)
{
    RtcNs g = rtc_guest_ns(s);

    return (int64_t)(g - rtc_floor_div(g, NS_PER_SEC) * NS_PER_SEC);
}

static void rtc_write_control(Mc146818 *s, int reg, uint8_t val)
{
    bool was_frozen = rtc_frozen(s), divider_was_running = rtc_divider_running(s);

    rtc_refresh(s);
    if (reg == RTC_REG_A) {
        s->cmos[RTC_REG_A] = (s->cmos[RTC_REG_A] & REG_A_UIP) | (val & ~REG_A_UIP);
        if ((val & REG_A_DV_MASK) != REG_A_DV_NORMAL && (val & 0x60) != 0x60)
            log_unimp("mc146818: time base other than 32.768 kHz (DV=%d)\n", (val >> 4) & 7);
    } else {
        if (val & REG_B_SET)
            val &= ~REG_B_UIE;
        if (val & REG_B_DSE)
            log_unimp("mc146818: daylight saving mode\n");
        s->cmos[RTC_REG_B] = val;
    }
    if (was_frozen && !rtc_frozen(s))
        rtc_set_from_regs(s, divider_was_running ? rtc_frac_ns(s) : RTC_DIVIDER_START_NS);
    rtc_catch_up_pf(s);
    rtc_update_irq(s);
    rtc_arm_periodic(s);
}

static void rtc_write_data(Mc146818 *s, uint8_t val)
{
    int reg = s->index;

    switch (reg) {
    case RTC_SEC: case RTC_MIN: case RTC_HOUR: case RTC_DOW:
    case RTC_DAY: case RTC_MONTH: case RTC_YEAR:
        rtc_refresh(s);
        s->cmos[reg] = val;
        if (!rtc_frozen(s))
            rtc_set_from_regs(s, rtc_frac_ns(s));
        break;
    case RTC_REG_A:
    case RTC_REG_B:
        rtc_write_control(s, reg, val);
        break;
    case RTC_REG_C:
    case RTC_REG_D:
        break;                       /* read-only */
    default:
        s->cmos[reg] = val;
        break;
    }
}

static bool rtc_uip(const Mc146818 *s)
{
    return !rtc_frozen(s) && rtc_frac_ns(s) >= NS_PER_SEC - RTC_UIP_NS;
}

static uint8_t rtc_read_data(Mc146818 *s)
{
    uint8_t val;

    switch (s->index) {
    case RTC_SEC: case RTC_MIN: case RTC_HOUR: case RTC_DOW:
    case RTC_DAY: case RTC_MONTH: case RTC_YEAR: case CMOS_CENTURY:
        rtc_refresh(s);
        return s->cmos[s->index];
    case RTC_REG_A:
        return (s->cmos[RTC_REG_A] & ~REG_A_UIP) | (rtc_uip(s) ? REG_A_UIP : 0);
    case RTC_REG_C:
        rtc_catch_up_pf(s);
        rtc_update_irq(s);
        val = s->cmos[RTC_REG_C];
        s->cmos[RTC_REG_C] = 0;
        rtc_update_irq(s);
        return val;
    case RTC_REG_D:
        return REG_D_VRT;
    default:
        return s->cmos[s->index];
    }
}

static uint64_t rtc_io_read(void *opaque, uint64_t offset, unsigned size)
{
    Mc146818 *s = opaque;

    return offset == 0 ? 0xFF : rtc_read_data(s);
}

static void rtc_io_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    Mc146818 *s = opaque;

    if (offset == 0)
        s->index = value & 0x7F;     /* bit 7 is the NMI mask, not ours */
    else
        rtc_write_data(s, (uint8_t)value);
}

static const MemOps rtc_ops = { rtc_io_read, rtc_io_write, 1, 1 };

static void rtc_set_word(Mc146818 *s, int reg, uint64_t v, uint64_t max)
{
    if (v > max)
        v = max;
    s->cmos[reg] = (uint8_t)v;
    s->cmos[reg + 1] = (uint8_t)(v >> 8);
}

static void rtc_cmos_memory(Mc146818 *s, const Machine *m)
{
    uint64_t below = m->below_4g_ram ? m->below_4g_ram : m->ram_size;
    uint64_t ext = below > MiB ? (below - MiB) / KiB : 0;
    uint64_t above16 = below > 16 * MiB ? (below - 16 * MiB) / (64 * KiB) : 0;
    uint64_t above4g = m->above_4g_ram / (64 * KiB);

    rtc_set_word(s, CMOS_BASE_MEM, below / KiB, 640);
    rtc_set_word(s, CMOS_EXT_MEM, ext, 0xFFFF);
    rtc_set_word(s, CMOS_EXT_MEM2, ext, 0xFFFF);
    rtc_set_word(s, CMOS_MEM_16M, above16, 0xFFFF);
    s->cmos[CMOS_MEM_4G] = (uint8_t)above4g;
    s->cmos[CMOS_MEM_4G + 1] = (uint8_t)(above4g >> 8);
    s->cmos[CMOS_MEM_4G + 2] = (uint8_t)(above4g >> 16);
}

/* CMOS floppy type from the image size (4 = 1.44 MB when unknown). */
static uint8_t rtc_floppy_type(const char *file)
{
    static const struct { off_t size; uint8_t type; } types[] = {
        { 368640, 1 }, { 1228800, 2 }, { 737280, 3 }, { 1474560, 4 }, { 2949120, 5 },
    };
    struct stat st;

    if (file && stat(file, &st) == 0) {
        for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
            if (types[i].size == st.st_size)
                return types[i].type;
        }
    }
    return 4;
}

static void rtc_cmos_floppies(Mc146818 *s, const MachineConfig *cfg)
{
    uint8_t type[2] = { 0, 0 };
    int count = 0;

    for (int i = 0; cfg && i < cfg->n_drives; i++) {
        const DriveConfig *d = &cfg->drives[i];
        int unit = d->index >= 0 ? d->index : (type[0] ? 1 : 0);

        if (d->interface != DRIVE_IF_FLOPPY || unit > 1 || type[unit])
            continue;
        type[unit] = rtc_floppy_type(d->file);
        count++;
    }
    s->cmos[CMOS_FLOPPY] = (uint8_t)(type[0] << 4 | type[1]);
    /* Equipment: FPU present, PS/2 mouse, EGA/VGA display, floppies. */
    s->cmos[CMOS_EQUIPMENT] = 0x02 | 0x04 | (count ? 0x01 | (count - 1) << 6 : 0);
}

static bool rtc_cmos_boot_order(Mc146818 *s, const char *order, char *err, size_t errlen)
{
    uint8_t dev[3] = { 0, 0, 0 };

    for (int i = 0; order[i] && i < 3; i++) {
        const char *p = strchr("abcdn", order[i]);

        if (!p) {
            snprintf(err, errlen, "mc146818: invalid boot device '%c' in boot order '%s'",
                     order[i], order);
            return false;
        }
        dev[i] = (uint8_t)(p - "abcdn" < 2 ? 1 : p - "abcdn");   /* a,b:1 c:2 d:3 n:4 */
    }
    s->cmos[CMOS_BOOT_12] = (uint8_t)(dev[1] << 4 | dev[0]);
    s->cmos[CMOS_BOOT_3] = (uint8_t)(dev[2] << 4);   /* bit 0 clear: check floppy signature */
    return true;
}

static void rtc_cmos_checksum(Mc146818 *s)
{
    unsigned sum = 0;

    for (int i = CMOS_FLOPPY; i < CMOS_CHECKSUM; i++)
        sum += s->cmos[i];
    s->cmos[CMOS_CHECKSUM] = (uint8_t)(sum >> 8);
    s->cmos[CMOS_CHECKSUM + 1] = (uint8_t)sum;
}

static bool rtc_cmos_init(Mc146818 *s, const Machine *m, char *err, size_t errlen)
{
    const MachineConfig *cfg = m->cfg;
    int ncpus = m->ncpus ? m->ncpus : (cfg && cfg->smp ? cfg->smp : 1);

    s->cmos[RTC_REG_A] = REG_A_DV_NORMAL | 0x06;
    s->cmos[RTC_REG_B] = REG_B_24H;
    s->cmos[RTC_REG_D] = REG_D_VRT;
    s->cmos[CMOS_SHUTDOWN] = 0;
    rtc_cmos_memory(s, m);
    rtc_cmos_floppies(s, cfg);
    if (!rtc_cmos_boot_order(s, cfg && cfg->boot_order ? cfg->boot_order : "cad", err, errlen))
        return false;
    s->cmos[CMOS_SMP_COUNT] = (uint8_t)(ncpus - 1);
    rtc_cmos_checksum(s);
    return true;
}

static void mc146818_reset(Device *dev)
{
    Mc146818 *s = (Mc146818 *)dev;

    /* The RESET pin clears the interrupt enables and flags, nothing else. */
    s->cmos[RTC_REG_B] &= ~(REG_B_PIE | REG_B_AIE | REG_B_UIE | REG_B_SQWE);
    s->cmos[RTC_REG_C] = 0;
    s->pf_since_ns = rtc_guest_ns(s);
    rtc_update_irq(s);
    rtc_arm_periodic(s);
    rtc_arm_update(s);
}

static bool mc146818_realize(Device *dev, Machine *m, const DeviceOpts *opts,
                             char *err, size_t errlen)
{
    Mc146818 *s = (Mc146818 *)dev;
    struct timespec ts;
    uint64_t irq, base_year;

    if (!isa_opt_u64(opts, "mc146818", "irq", 8, ARRAY_SIZE(m->isa_irq) - 1, &irq, err, errlen) ||
        !isa_opt_u64(opts, "mc146818", "base_year", 0, 9999, &base_year, err, errlen))
        return false;
    s->irq = &m->isa_irq[irq];
    s->base_year = (int64_t)base_year;
    if (!rtc_cmos_init(s, m, err, errlen))
        return false;
    clock_gettime(CLOCK_REALTIME, &ts);
    s->offset_ns = (RtcNs)ts.tv_sec * NS_PER_SEC + ts.tv_nsec - clock_ns();
    rtc_refresh(s);
    s->periodic = timer_new(rtc_periodic_cb, s);
    s->update = timer_new(rtc_update_cb, s);
    bus_map_io(m->io, "rtc", 0x70, 2, &rtc_ops, s, 0);
    return true;
}

static void mc146818_unrealize(Device *dev)
{
    Mc146818 *s = (Mc146818 *)dev;

    timer_free(s->periodic);
    timer_free(s->update);
}

static const StateField mc146818_fields[] = {
    SF_ARRAY(SF_BYTES, Mc146818, cmos, 128),
    SF(SF_U8, Mc146818, index),
    SF_ARRAY(SF_BYTES, Mc146818, offset_ns, sizeof(RtcNs)),
    SF_ARRAY(SF_BYTES, Mc146818, pf_since_ns, sizeof(RtcNs)),
    SF(SF_I64, Mc146818, base_year),
    SF(SF_U8, Mc146818, dow_adjust),
    SF_END
};

static const StateDesc mc146818_state = { "mc146818", 1, mc146818_fields };

const DeviceClass mc146818_class = {
    .name = "mc146818",
    .desc = "MC146818 real-time clock and CMOS RAM",
    .size = sizeof(Mc146818),
    .realize = mc146818_realize,
    .reset = mc146818_reset,
    .unrealize = mc146818_unrealize,
    .state = &mc146818_state,
};

DEVICE_CLASS_REGISTER(mc146818_class)
