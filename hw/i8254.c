/*
 * i8254.c - the 8254 programmable interval timer (ports 0x40-0x43, input
 * clock 1.193182 MHz) and the PC's port 0x61 (channel 2 gate, speaker
 * enable, channel 2 output, DRAM refresh toggle).
 *
 * Model (Intel 8254 datasheet): a running counter is not stepped; its
 * value and OUT are functions of the ticks elapsed since the count
 * started, counted on a tick grid that begins at `load_ns`, the virtual
 * time the count was loaded (or the gate triggered it). Channel 0
 * drives its IRQ line from a Timer armed at the exact virtual time of the
 * next OUT transition, so nothing polls. Channel 1 is the refresh timer
 * (no output wired); channel 2's gate and output are on port 0x61.
 *
 * In modes 2 and 3 a count written while the counter runs takes effect at
 * the end of the current period: it waits in `reload_count` until tick
 * `reload_tick`, and pit_elapsed() applies it when that tick has come.
 * Ticks are always counted on the grid of `load_ns`, so a deferred reload
 * moves `tick_base` (where the new count started) instead of `load_ns`.
 *
 * Invariants: `count` is the binary reload value, 1..0x10000 (1..10000 in
 * BCD mode); a channel counts only in phase PIT_RUNNING; after every
 * change to channel 0, pit_irq_sync() has set the IRQ level to OUT and
 * armed the timer at the next transition (or stopped it).
 *
 * Not modelled: a gate held low in modes 0 and 4 does not pause counting
 * (the PC ties gates 0 and 1 high; software uses gate 2 in modes 0-3).
 */
#include "kestrel/machine.h"
#include "kestrel/isa.h"
#include "kestrel/timer.h"
#include "kestrel/log.h"
#include "isa_opts.h"

#define PIT_FREQ 1193182ULL
#define PIT_REFRESH_NS 15000     /* port 0x61 bit 4 toggles this often */

/* Access modes (control word bits 5-4) and byte sequencing states. */
enum { RW_LATCH = 0, RW_LSB = 1, RW_MSB = 2, RW_WORD0 = 3, RW_WORD1 = 4 };
enum { PIT_IDLE, PIT_ARMED, PIT_RUNNING };

typedef struct PitChannel {
    uint32_t count;
    int64_t load_ns;           /* tick 0 of the channel's tick grid */
    uint64_t tick_base;        /* tick at which `count` started counting */
    uint32_t reload_count;     /* modes 2, 3: count for the next period, 0: none */
    uint64_t reload_tick;      /* when that period starts */
    uint16_t latched_count;
    uint8_t count_latched;     /* byte state of a pending count latch, 0: none */
    uint8_t status_latched, status;
    uint8_t read_state, write_state, write_lsb;
    uint8_t rw_mode, mode, bcd, gate;
    uint8_t phase;             /* PIT_IDLE / ARMED (modes 1, 5) / RUNNING */
    uint8_t null_count;
} PitChannel;

typedef struct I8254 {
    Device dev;
    PitChannel ch[3];
    uint8_t port61;            /* bits 0-3 as written */
    uint8_t next_out;          /* channel 0 OUT at the edge the timer is armed for */
    const IrqLine *irq;
    Timer *timer;
} I8254;

/* First virtual time at which `tick` ticks have elapsed (rounded up). */
static int64_t pit_tick_time(const PitChannel *c, uint64_t tick)
{
    tick += c->tick_base;
    return c->load_ns + (int64_t)(((__uint128_t)tick * NS_PER_SEC + PIT_FREQ - 1) / PIT_FREQ);
}

static void pit_start(PitChannel *c, int64_t now)
{
    c->load_ns = now;
    c->tick_base = 0;
}

static void pit_apply_reload(PitChannel *c, uint64_t start_tick)
{
    c->count = c->reload_count;
    c->tick_base = start_tick;
    c->reload_count = 0;
    c->null_count = 0;
}

/* Ticks since the count started, after starting a period that is due. */
static uint64_t pit_elapsed(PitChannel *c, int64_t now)
{
    uint64_t t = now > c->load_ns ? ns_to_ticks(now - c->load_ns, PIT_FREQ) : 0;

    if (c->reload_count && t >= c->reload_tick)
        pit_apply_reload(c, c->reload_tick);
    return t >= c->tick_base ? t - c->tick_base : 0;
}

/* Modes 2 and 3 need a period of at least 2 (1 is illegal there). */
static uint64_t pit_period(const PitChannel *c)
{
    return c->count < 2 ? 2 : c->count;
}

static bool pit_out_at(const PitChannel *c, uint64_t d)
{
    uint64_t p = pit_period(c);

    if (c->phase != PIT_RUNNING)
        return c->mode != 0;
    switch (c->mode) {
    case 0:
    case 1:
        return d >= c->count;
    case 2:
        return !c->gate || d % p != p - 1;
    case 3:
        return !c->gate || d % p < (p + 1) / 2;
    default: /* 4, 5: one tick low at terminal count */
        return d != c->count;
    }
}

/* Tick of the next OUT transition after tick d, or -1 if none. */
static int64_t pit_next_edge(const PitChannel *c, uint64_t d)
{
    uint64_t p = pit_period(c), pos = d % p, base = d - pos;

    if (c->phase != PIT_RUNNING)
        return -1;
    switch (c->mode) {
    case 0:
    case 1:
        return d < c->count ? (int64_t)c->count : -1;
    case 2:
        if (!c->gate)
            return -1;
        return (int64_t)(pos < p - 1 ? base + p - 1 : base + p);
    case 3:
        if (!c->gate)
            return -1;
        return (int64_t)(pos < (p + 1) / 2 ? base + (p + 1) / 2 : base + p);
    default:
        if (d < c->count)
            return c->count;
        return d == c->count ? (int64_t)c->count + 1 : -1;
    }
}

/* Counting element value (binary) at tick d. */
static uint32_t pit_counter_at(const PitChannel *c, uint64_t d)
{
    uint32_t wrap = c->bcd ? 10000 : 0x10000;

    if (c->phase != PIT_RUNNING)
        return c->count % wrap;
    switch (c->mode) {
    case 2:
        return (uint32_t)(c->count - d % c->count);
    case 3:
        return (uint32_t)(c->count - (2 * d) % c->count);
    default:
        return (uint32_t)((c->count + wrap - d % wrap) % wrap);
    }
}

static uint16_t pit_to_bcd(uint32_t v)
{
    return (uint16_t)((v / 1000 % 10) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 | v % 10);
}

static uint32_t pit_from_bcd(uint16_t v)
{
    return (v >> 12 & 15) * 1000 + (v >> 8 & 15) * 100 + (v >> 4 & 15) * 10 + (v & 15);
}

static uint16_t pit_read_value(PitChannel *c)
{
    uint32_t v = pit_counter_at(c, pit_elapsed(c, clock_ns()));

    return c->bcd ? pit_to_bcd(v) : (uint16_t)v;
}

static void pit_set_irq_level(I8254 *s, bool level)
{
    if (s->irq)
        irq_set(s->irq, level);
}

/* Channel 0 changed: drive the IRQ to OUT and arm the timer for the next edge. */
static void pit_irq_sync(I8254 *s)
{
    PitChannel *c = &s->ch[0];
    uint64_t d = pit_elapsed(c, clock_ns());
    int64_t edge = pit_next_edge(c, d);

    pit_set_irq_level(s, pit_out_at(c, d));
    if (edge < 0) {
        timer_del(s->timer);
        return;
    }
    s->next_out = pit_out_at(c, (uint64_t)edge);
    timer_mod(s->timer, pit_tick_time(c, (uint64_t)edge));
}

/*
 * The armed edge is due. OUT is first set as it is at that edge, then as
 * it is now, so a short pulse the timer fired too late for still makes a
 * rising edge on the line.
 */
static void pit_timer_cb(void *opaque)
{
    I8254 *s = opaque;

    pit_set_irq_level(s, s->next_out);
    pit_irq_sync(s);
}

static void pit_channel_changed(I8254 *s, int n)
{
    if (n == 0)
        pit_irq_sync(s);
}

static void pit_load_count(I8254 *s, int n, uint16_t raw)
{
    PitChannel *c = &s->ch[n];
    uint32_t v = c->bcd ? pit_from_bcd(raw) : raw;
    int64_t now = clock_ns();
    uint64_t d, p;

    v = v ? v : (c->bcd ? 10000 : 0x10000);
    if ((c->mode == 2 || c->mode == 3) && c->phase == PIT_RUNNING && c->gate) {
        /* Running periodic modes finish the current period first. */
        d = pit_elapsed(c, now);
        p = pit_period(c);
        c->reload_count = v;
        c->reload_tick = c->tick_base + d - d % p + p;
        c->null_count = 1;
        return;
    }
    c->count = v;
    c->reload_count = 0;
    c->null_count = 0;
    pit_start(c, now);
    /* Modes 1 and 5 wait for a rising gate edge. */
    c->phase = (c->mode == 1 || c->mode == 5) ? PIT_ARMED : PIT_RUNNING;
    pit_channel_changed(s, n);
}

static void pit_write_count(I8254 *s, int n, uint8_t val)
{
    PitChannel *c = &s->ch[n];

    switch (c->write_state) {
    case RW_LSB:
        pit_load_count(s, n, val);
        break;
    case RW_MSB:
        pit_load_count(s, n, (uint16_t)(val << 8));
        break;
    case RW_WORD0:
        c->write_lsb = val;
        c->write_state = RW_WORD1;
        if (c->mode == 0) {          /* the first byte stops counting */
            c->phase = PIT_IDLE;
            pit_channel_changed(s, n);
        }
        break;
    default:
        c->write_state = RW_WORD0;
        pit_load_count(s, n, (uint16_t)(c->write_lsb | val << 8));
        break;
    }
}

static uint8_t pit_byte_of(uint16_t v, uint8_t state)
{
    return (state == RW_MSB || state == RW_WORD1) ? (uint8_t)(v >> 8) : (uint8_t)v;
}

static uint8_t pit_read_count(PitChannel *c)
{
    uint8_t val;

    if (c->status_latched) {
        c->status_latched = 0;
        return c->status;
    }
    if (c->count_latched) {
        val = pit_byte_of(c->latched_count, c->count_latched);
        c->count_latched = c->count_latched == RW_WORD0 ? RW_WORD1 : 0;
        return val;
    }
    val = pit_byte_of(pit_read_value(c), c->read_state);
    if (c->read_state == RW_WORD0)
        c->read_state = RW_WORD1;
    else if (c->read_state == RW_WORD1)
        c->read_state = RW_WORD0;
    return val;
}

static void pit_latch_count(PitChannel *c)
{
    if (c->count_latched)
        return;
    c->latched_count = pit_read_value(c);
    c->count_latched = c->rw_mode;
}

static void pit_latch_status(PitChannel *c)
{
    bool out;

    if (c->status_latched)
        return;
    out = pit_out_at(c, pit_elapsed(c, clock_ns()));
    c->status = (uint8_t)(out << 7 | c->null_count << 6 |
                          c->rw_mode << 4 | c->mode << 1 | c->bcd);
    c->status_latched = 1;
}

/* Read-back command (control word 11xxxxxx): bits 3-1 select channels. */
static void pit_read_back(I8254 *s, uint8_t val)
{
    for (int n = 0; n < 3; n++) {
        if (!(val & (2u << n)))
            continue;
        if (!(val & 0x20))
            pit_latch_count(&s->ch[n]);
        if (!(val & 0x10))
            pit_latch_status(&s->ch[n]);
    }
}

static void pit_write_control(I8254 *s, uint8_t val)
{
    int n = val >> 6;
    PitChannel *c;
    uint8_t access = (val >> 4) & 3;

    if (n == 3) {
        pit_read_back(s, val);
        return;
    }
    c = &s->ch[n];
    if (access == RW_LATCH) {
        pit_latch_count(c);
        return;
    }
    c->rw_mode = access;
    c->read_state = c->write_state = access;
    c->mode = (val >> 1) & 7;
    if (c->mode > 5)
        c->mode &= 3;                /* 6 and 7 alias modes 2 and 3 */
    c->bcd = val & 1;
    c->count_latched = c->status_latched = 0;
    c->reload_count = 0;
    c->null_count = 1;
    c->phase = PIT_IDLE;             /* OUT to its initial state until a count arrives */
    pit_channel_changed(s, n);
}

static uint64_t pit_io_read(void *opaque, uint64_t offset, unsigned size)
{
    I8254 *s = opaque;

    if (offset == 3)
        return 0xFF;                 /* the control word is write-only */
    return pit_read_count(&s->ch[offset]);
}

static void pit_io_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    I8254 *s = opaque;

    if (offset == 3)
        pit_write_control(s, (uint8_t)value);
    else
        pit_write_count(s, (int)offset, (uint8_t)value);
}

static void pit_set_gate(I8254 *s, int n, bool gate)
{
    PitChannel *c = &s->ch[n];
    bool rising = gate && !c->gate;

    c->gate = gate;
    if (rising && c->phase != PIT_IDLE && c->mode != 0 && c->mode != 4) {
        /* Modes 1, 5 trigger; modes 2, 3 reload and restart. */
        c->phase = PIT_RUNNING;
        pit_start(c, clock_ns());
        if (c->reload_count)
            pit_apply_reload(c, 0);
    }
    pit_channel_changed(s, n);
}

static uint64_t port61_read(void *opaque, uint64_t offset, unsigned size)
{
    I8254 *s = opaque;
    int64_t now = clock_ns();
    PitChannel *c2 = &s->ch[2];
    bool refresh = (now / PIT_REFRESH_NS) & 1;

    return (s->port61 & 0x0F) | refresh << 4 | pit_out_at(c2, pit_elapsed(c2, now)) << 5;
}

static void port61_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    I8254 *s = opaque;

    s->port61 = value & 0x0F;
    pit_set_gate(s, 2, value & 1);
}

static const MemOps pit_ops = { pit_io_read, pit_io_write, 1, 1 };
static const MemOps port61_ops = { port61_read, port61_write, 1, 1 };

static void i8254_reset(Device *dev)
{
    I8254 *s = (I8254 *)dev;

    memset(s->ch, 0, sizeof(s->ch));
    s->port61 = 0;
    for (int n = 0; n < 3; n++) {
        PitChannel *c = &s->ch[n];

        c->mode = 3;
        c->rw_mode = c->read_state = c->write_state = RW_WORD0;
        c->gate = n != 2;
        c->count = 0x10000;
        c->phase = PIT_RUNNING;
        pit_start(c, clock_ns());
    }
    pit_irq_sync(s);
}

static bool i8254_realize(Device *dev, Machine *m, const DeviceOpts *opts,
                          char *err, size_t errlen)
{
    I8254 *s = (I8254 *)dev;
    uint64_t irq;

    if (!isa_opt_u64(opts, "i8254", "irq", 0, ARRAY_SIZE(m->isa_irq) - 1, &irq, err, errlen))
        return false;
    s->irq = &m->isa_irq[irq];
    s->timer = timer_new(pit_timer_cb, s);
    bus_map_io(m->io, "pit", 0x40, 4, &pit_ops, s, 0);
    bus_map_io(m->io, "port61", 0x61, 1, &port61_ops, s, 0);
    return true;
}

static void i8254_unrealize(Device *dev)
{
    I8254 *s = (I8254 *)dev;

    timer_free(s->timer);
}

#define PIT_FIELDS(i) \
    SF(SF_U32, I8254, ch[i].count), SF(SF_I64, I8254, ch[i].load_ns), \
    SF(SF_U64, I8254, ch[i].tick_base), \
    SF(SF_U32, I8254, ch[i].reload_count), SF(SF_U64, I8254, ch[i].reload_tick), \
    SF(SF_U16, I8254, ch[i].latched_count), SF(SF_U8, I8254, ch[i].count_latched), \
    SF(SF_U8, I8254, ch[i].status_latched), SF(SF_U8, I8254, ch[i].status), \
    SF(SF_U8, I8254, ch[i].read_state), SF(SF_U8, I8254, ch[i].write_state), \
    SF(SF_U8, I8254, ch[i].write_lsb), SF(SF_U8, I8254, ch[i].rw_mode), \
    SF(SF_U8, I8254, ch[i].mode), SF(SF_U8, I8254, ch[i].bcd), \
    SF(SF_U8, I8254, ch[i].gate), SF(SF_U8, I8254, ch[i].phase), \
    SF(SF_U8, I8254, ch[i].null_count)

static const StateField i8254_fields[] = {
    PIT_FIELDS(0), PIT_FIELDS(1), PIT_FIELDS(2),
    SF(SF_U8, I8254, port61),
    SF(SF_U8, I8254, next_out),
    SF_END
};

static const StateDesc i8254_state = { "i8254", 1, i8254_fields };

const DeviceClass i8254_class = {
    .name = "i8254",
    .desc = "8254 interval timer and port 0x61",
    .size = sizeof(I8254),
    .realize = i8254_realize,
    .reset = i8254_reset,
    .unrealize = i8254_unrealize,
    .state = &i8254_state,
};

DEVICE_CLASS_REGISTER(i8254_class)
