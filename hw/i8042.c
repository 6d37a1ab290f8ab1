/*
 * i8042.c - the 8042 keyboard controller (data port 0x60, status/command
 * port 0x64) with a PS/2 keyboard on its first port and a PS/2 mouse on
 * its auxiliary port.
 *
 * Model: the controller has one output buffer byte. Bytes wait in three
 * queues: the controller's own replies, the keyboard's and the mouse's.
 * When the buffer is empty, kbc_update() moves the next byte in (the
 * controller first, then the keyboard unless its clock is disabled by
 * command byte bit 4, then the mouse unless bit 5), translating keyboard
 * bytes from scan code set 2 to set 1 when command byte bit 6 asks.
 * Invariant: after every access kbc_update() has run, so IRQ1 (IRQ12) is
 * high exactly while the buffer holds a keyboard (mouse) byte and the
 * command byte enables that interrupt. Reading port 0x60 drops both lines
 * before the next byte is loaded, so an edge-triggered PIC sees each byte.
 *
 * The output port: bit 0 low resets the machine, bit 1 is the A20 gate
 * (m->a20_line). Pulse commands 0xF0-0xFF reset when they pulse bit 0.
 */
#include <stdio.h>
#include "kestrel/machine.h"
#include "kestrel/isa.h"
#include "kestrel/log.h"
#include "isa_opts.h"

/* Status register. */
#define STAT_OBF    0x01
#define STAT_SYS    0x04
#define STAT_CMD    0x08   /* last write went to port 0x64 */
#define STAT_UNLOCK 0x10   /* keyboard not inhibited by the key lock */
#define STAT_AUXB   0x20   /* output buffer holds a mouse byte */

/* Command byte (controller RAM byte 0). */
#define CCB_KBD_INT   0x01
#define CCB_AUX_INT   0x02
#define CCB_SYS       0x04
#define CCB_KBD_OFF   0x10
#define CCB_AUX_OFF   0x20
#define CCB_XLATE     0x40

/* Output port. */
#define OUT_RESET 0x01     /* low: CPU reset */
#define OUT_A20   0x02
#define OUT_KBD_OBF 0x10
#define OUT_AUX_OBF 0x20
#define OUT_POWER_ON 0xCF

/* PS/2 device replies. */
#define PS2_ACK 0xFA
#define PS2_RESEND 0xFE
#define PS2_SELFTEST_OK 0xAA

#define PS2_QUEUE_SIZE 64

typedef struct Ps2Queue {
    uint8_t data[PS2_QUEUE_SIZE];
    uint8_t aux[PS2_QUEUE_SIZE];     /* controller queue only: byte is for IRQ12 */
    uint8_t head, count;
} Ps2Queue;

typedef struct Ps2Keyboard {
    Ps2Queue q;
    uint8_t scanning, set, leds, typematic;
    uint8_t pending;                 /* command waiting for its argument */
    uint8_t set1_break;              /* set 1 conversion saw 0xF0 */
} Ps2Keyboard;

typedef struct Ps2Mouse {
    Ps2Queue q;
    uint8_t enabled, remote, scaling21, resolution, rate, id, buttons;
    uint8_t pending;
    uint8_t rate_hist[3];            /* last sample rates, newest last */
} Ps2Mouse;

typedef struct I8042 {
    Device dev;
    uint8_t status;
    uint8_t ram[32];                 /* ram[0]: command byte */
    uint8_t outport;
    uint8_t obuf;
    uint8_t pending;                 /* controller command waiting for data */
    uint8_t xlate_break;
    Ps2Queue ctrl;
    Ps2Keyboard kbd;
    Ps2Mouse mouse;
    Machine *m;
    const IrqLine *irq_kbd, *irq_mouse;
} I8042;

/*
 * The 8042's fixed set 2 -> set 1 translation (bytes 0x80-0xFF map to
 * themselves except 0x83 -> 0x41 and 0x84 -> 0x54).
 */
static const uint8_t xlate_table[128] = {
    0xff, 0x43, 0x41, 0x3f, 0x3d, 0x3b, 0x3c, 0x58, 0x64, 0x44, 0x42, 0x40, 0x3e, 0x0f, 0x29, 0x59,
    0x65, 0x38, 0x2a, 0x70, 0x1d, 0x10, 0x02, 0x5a, 0x66, 0x71, 0x2c, 0x1f, 0x1e, 0x11, 0x03, 0x5b,
    0x67, 0x2e, 0x2d, 0x20, 0x12, 0x05, 0x04, 0x5c, 0x68, 0x39, 0x2f, 0x21, 0x14, 0x13, 0x06, 0x5d,
    0x69, 0x31, 0x30, 0x23, 0x22, 0x15, 0x07, 0x5e, 0x6a, 0x72, 0x32, 0x24, 0x16, 0x08, 0x09, 0x5f,
    0x6b, 0x33, 0x25, 0x17, 0x18, 0x0b, 0x0a, 0x60, 0x6c, 0x34, 0x35, 0x26, 0x27, 0x19, 0x0c, 0x61,
    0x6d, 0x73, 0x28, 0x74, 0x1a, 0x0d, 0x62, 0x6e, 0x3a, 0x36, 0x1c, 0x1b, 0x75, 0x2b, 0x63, 0x76,
    0x55, 0x56, 0x77, 0x78, 0x79, 0x7a, 0x0e, 0x7b, 0x7c, 0x4f, 0x7d, 0x4b, 0x47, 0x7e, 0x7f, 0x6f,
    0x52, 0x53, 0x50, 0x4c, 0x4d, 0x48, 0x01, 0x45, 0x57, 0x4e, 0x51, 0x4a, 0x37, 0x49, 0x46, 0x54,
};

/* Set 2 -> set 1; false when the byte is swallowed (the 0xF0 break prefix). */
static bool ps2_translate(uint8_t *brk, uint8_t in, uint8_t *out)
{
    uint8_t v;

    if (in == 0xF0) {
        *brk = 1;
        return false;
    }
    if (in < 0x80)
        v = xlate_table[in];
    else
        v = in == 0x83 ? 0x41 : in == 0x84 ? 0x54 : in;
    *out = v | (*brk ? 0x80 : 0);
    *brk = 0;
    return true;
}

static void ps2_push_aux(Ps2Queue *q, uint8_t v, bool aux)
{
    unsigned tail = (q->head + q->count) % PS2_QUEUE_SIZE;

    if (q->count == PS2_QUEUE_SIZE) {
        log_mask_printf(LOG_GUEST_ERROR, "i8042: queue full, byte 0x%02x dropped\n", v);
        return;
    }
    q->data[tail] = v;
    q->aux[tail] = aux;
    q->count++;
}

static void ps2_push(Ps2Queue *q, uint8_t v)
{
    ps2_push_aux(q, v, false);
}

static uint8_t ps2_pop(Ps2Queue *q, bool *aux)
{
    uint8_t v = q->data[q->head];

    if (aux)
        *aux = q->aux[q->head];
    q->head = (q->head + 1) % PS2_QUEUE_SIZE;
    q->count--;
    return v;
}

static unsigned ps2_room(const Ps2Queue *q)
{
    return PS2_QUEUE_SIZE - q->count;
}

static void ps2_clear(Ps2Queue *q)
{
    q->head = q->count = 0;
}

static uint8_t *kbc_ccb(I8042 *s)
{
    return &s->ram[0];
}

static void kbc_set_irqs(I8042 *s)
{
    bool full = s->status & STAT_OBF, aux = s->status & STAT_AUXB;

    if (s->irq_kbd)
        irq_set(s->irq_kbd, full && !aux && (*kbc_ccb(s) & CCB_KBD_INT));
    if (s->irq_mouse)
        irq_set(s->irq_mouse, full && aux && (*kbc_ccb(s) & CCB_AUX_INT));
}

static void kbc_deliver(I8042 *s, uint8_t v, bool aux)
{
    s->obuf = v;
    s->status = (s->status & ~STAT_AUXB) | STAT_OBF | (aux ? STAT_AUXB : 0);
}

/* Keyboard bytes go through the translator; false if none came out. */
static bool kbc_take_kbd_byte(I8042 *s)
{
    while (s->kbd.q.count) {
        uint8_t v = ps2_pop(&s->kbd.q, NULL);

        if (!(*kbc_ccb(s) & CCB_XLATE) || ps2_translate(&s->xlate_break, v, &v)) {
            kbc_deliver(s, v, false);
            return true;
        }
    }
    return false;
}

/* Loads the output buffer if it is empty: controller, keyboard, then mouse. */
static void kbc_fill(I8042 *s)
{
    uint8_t ccb = *kbc_ccb(s);
    bool aux;

    if (s->status & STAT_OBF)
        return;
    if (s->ctrl.count) {
        uint8_t v = ps2_pop(&s->ctrl, &aux);

        kbc_deliver(s, v, aux);
        return;
    }
    if (!(ccb & CCB_KBD_OFF) && kbc_take_kbd_byte(s))
        return;
    if (!(ccb & CCB_AUX_OFF) && s->mouse.q.count)
        kbc_deliver(s, ps2_pop(&s->mouse.q, NULL), true);
}

static void kbc_update(I8042 *s)
{
    kbc_fill(s);
    kbc_set_irqs(s);
}

/* ---- PS/2 keyboard ---- */

static void kbd_defaults(Ps2Keyboard *k)
{
    k->set = 2;
    k->leds = 0;
    k->typematic = 0x2B;
    k->pending = 0;
    k->set1_break = 0;
}

static void kbd_argument(Ps2Keyboard *k, uint8_t cmd, uint8_t val)
{
    switch (cmd) {
    case 0xED:
        k->leds = val & 7;
        break;
    case 0xF3:
        k->typematic = val & 0x7F;
        break;
    default: /* 0xF0: scan code set */
        if (val > 3) {
            ps2_push(&k->q, PS2_RESEND);
            return;
        }
        ps2_push(&k->q, PS2_ACK);
        if (val == 0)
            ps2_push(&k->q, k->set);
        else
            k->set = val;
        if (val == 3)
            log_unimp("i8042: scan code set 3 (keys are sent in set 2)\n");
        return;
    }
    ps2_push(&k->q, PS2_ACK);
}

static void kbd_write(Ps2Keyboard *k, uint8_t val)
{
    uint8_t cmd = k->pending;

    k->pending = 0;
    if (cmd) {
        kbd_argument(k, cmd, val);
        return;
    }
    ps2_clear(&k->q);           /* a command flushes the keyboard's buffer */
    switch (val) {
    case 0xED: case 0xF0: case 0xF3:
        k->pending = val;
        ps2_push(&k->q, PS2_ACK);
        break;
    case 0xEE:
        ps2_push(&k->q, 0xEE);  /* echo */
        break;
    case 0xF2:
        ps2_push(&k->q, PS2_ACK);
        ps2_push(&k->q, 0xAB);
        ps2_push(&k->q, 0x83);  /* the translator turns it into 0x41 */
        break;
    case 0xF4:
        k->scanning = 1;
        ps2_push(&k->q, PS2_ACK);
        break;
    case 0xF5:
        kbd_defaults(k);
        k->scanning = 0;
        ps2_push(&k->q, PS2_ACK);
        break;
    case 0xF6:
        kbd_defaults(k);
        ps2_push(&k->q, PS2_ACK);
        break;
    case 0xF7: case 0xF8: case 0xF9: case 0xFA: case 0xFB: case 0xFC: case 0xFD:
        ps2_push(&k->q, PS2_ACK);       /* set 3 key attributes: accepted */
        break;
    case 0xFF:
        kbd_defaults(k);
        k->scanning = 1;
        ps2_push(&k->q, PS2_ACK);
        ps2_push(&k->q, PS2_SELFTEST_OK);
        break;
    default:
        ps2_push(&k->q, PS2_RESEND);
        break;
    }
}

void i8042_put_key(Device *dev, uint8_t scancode)
{
    I8042 *s = (I8042 *)dev;
    Ps2Keyboard *k = &s->kbd;

    if (!k->scanning)
        return;
    if (k->set != 1 || ps2_translate(&k->set1_break, scancode, &scancode))
        ps2_push(&k->q, scancode);
    kbc_update(s);
}

/* ---- PS/2 mouse ---- */

static void mouse_defaults(Ps2Mouse *ms)
{
    ms->enabled = 0;
    ms->remote = 0;
    ms->scaling21 = 0;
    ms->resolution = 2;
    ms->rate = 100;
    ms->pending = 0;
}

/* IntelliMouse knocks: rates 200,100,80 give ID 3; then 200,200,80 give ID 4. */
static void mouse_set_rate(Ps2Mouse *ms, uint8_t rate)
{
    ms->rate = rate;
    memmove(ms->rate_hist, ms->rate_hist + 1, 2);
    ms->rate_hist[2] = rate;
    if (ms->rate_hist[0] == 200 && ms->rate_hist[2] == 80) {
        if (ms->rate_hist[1] == 100 && ms->id == 0)
            ms->id = 3;
        else if (ms->rate_hist[1] == 200 && ms->id == 3)
            ms->id = 4;
    }
}

static void mouse_packet(Ps2Mouse *ms, int dx, int dy, int dz)
{
    unsigned size = ms->id ? 4 : 3;

    dx = dx < -256 ? -256 : dx > 255 ? 255 : dx;
    dy = dy < -256 ? -256 : dy > 255 ? 255 : dy;
    dz = dz < -8 ? -8 : dz > 7 ? 7 : dz;
    if (ps2_room(&ms->q) < size)
        return;
    ps2_push(&ms->q, (uint8_t)(0x08 | (ms->buttons & 7) | (dx < 0 ? 0x10 : 0) |
                               (dy < 0 ? 0x20 : 0)));
    ps2_push(&ms->q, (uint8_t)dx);
    ps2_push(&ms->q, (uint8_t)dy);
    if (size == 4)
        ps2_push(&ms->q, (uint8_t)(dz & 0x0F));
}

static void mouse_status(Ps2Mouse *ms)
{
    /* Status byte: remote(6) enabled(5) scaling(4) left(2) middle(1) right(0). */
    uint8_t b = ms->buttons;

    ps2_push(&ms->q, (uint8_t)(ms->remote << 6 | ms->enabled << 5 | ms->scaling21 << 4 |
                               (b & 1) << 2 | (b >> 2 & 1) << 1 | (b >> 1 & 1)));
    ps2_push(&ms->q, ms->resolution);
    ps2_push(&ms->q, ms->rate);
}

static void mouse_write(Ps2Mouse *ms, uint8_t val)
{
    uint8_t cmd = ms->pending;

    ms->pending = 0;
    if (cmd) {
        if (cmd == 0xE8)
            ms->resolution = val & 3;
        else
            mouse_set_rate(ms, val);
        ps2_push(&ms->q, PS2_ACK);
        return;
    }
    ps2_clear(&ms->q);
    ps2_push(&ms->q, PS2_ACK);
    switch (val) {
    case 0xE6: ms->scaling21 = 0; break;
    case 0xE7: ms->scaling21 = 1; break;
    case 0xE8: case 0xF3: ms->pending = val; break;
    case 0xE9: mouse_status(ms); break;
    case 0xEA: ms->remote = 0; break;
    case 0xF0: ms->remote = 1; break;
    case 0xEB: mouse_packet(ms, 0, 0, 0); break;
    case 0xEC: break;
    case 0xEE: log_unimp("i8042: mouse wrap mode\n"); break;
    case 0xF2: ps2_push(&ms->q, ms->id); break;
    case 0xF4: ms->enabled = 1; break;
    case 0xF5: ms->enabled = 0; break;
    case 0xF6: mouse_defaults(ms); break;
    case 0xFF:
        mouse_defaults(ms);
        ms->id = 0;
        ps2_push(&ms->q, PS2_SELFTEST_OK);
        ps2_push(&ms->q, 0x00);
        break;
    default:
        ps2_clear(&ms->q);
        ps2_push(&ms->q, PS2_RESEND);
        break;
    }
}

void i8042_put_mouse(Device *dev, int dx, int dy, int dz, unsigned buttons)
{
    I8042 *s = (I8042 *)dev;
    Ps2Mouse *ms = &s->mouse;

    ms->buttons = buttons & 7;
    if (!ms->enabled || ms->remote)
        return;
    mouse_packet(ms, dx, -dy, dz);
    kbc_update(s);
}

/* ---- the controller ---- */

static void kbc_reply(I8042 *s, uint8_t v)
{
    ps2_push(&s->ctrl, v);
}

static uint8_t kbc_outport(const I8042 *s)
{
    bool full = s->status & STAT_OBF, aux = s->status & STAT_AUXB;

    return (uint8_t)((s->outport & ~(OUT_KBD_OBF | OUT_AUX_OBF)) |
                     (full && !aux ? OUT_KBD_OBF : 0) | (full && aux ? OUT_AUX_OBF : 0));
}

static void kbc_write_outport(I8042 *s, uint8_t val)
{
    s->outport = val;
    irq_set(&s->m->a20_line, !!(val & OUT_A20));
    if (!(val & OUT_RESET))
        machine_request_reset(s->m);
}

static void kbc_set_a20(I8042 *s, bool on)
{
    kbc_write_outport(s, (uint8_t)((s->outport & ~OUT_A20) | (on ? OUT_A20 : 0)));
}

static void kbc_write_ccb(I8042 *s, uint8_t val)
{
    *kbc_ccb(s) = val;
    s->status = (s->status & ~STAT_SYS) | (val & CCB_SYS);
}

static void kbc_command(I8042 *s, uint8_t cmd)
{
    if (cmd >= 0x20 && cmd < 0x40) {
        kbc_reply(s, s->ram[cmd & 0x1F]);
        return;
    }
    if ((cmd >= 0x60 && cmd < 0x80) || (cmd >= 0xD1 && cmd <= 0xD4)) {
        s->pending = cmd;
        return;
    }
    if (cmd >= 0xF0) {               /* pulse output port bits 0-3 low */
        if (!(cmd & 1))
            machine_request_reset(s->m);
        return;
    }
    switch (cmd) {
    case 0xA7: *kbc_ccb(s) |= CCB_AUX_OFF; break;
    case 0xA8: *kbc_ccb(s) &= ~CCB_AUX_OFF; break;
    case 0xA9: kbc_reply(s, 0x00); break;          /* aux interface test: OK */
    case 0xAA:                                     /* controller self-test */
        s->status |= STAT_SYS;
        kbc_reply(s, 0x55);
        break;
    case 0xAB: kbc_reply(s, 0x00); break;          /* keyboard interface test: OK */
    case 0xAD: *kbc_ccb(s) |= CCB_KBD_OFF; break;
    case 0xAE: *kbc_ccb(s) &= ~CCB_KBD_OFF; break;
    case 0xC0: kbc_reply(s, 0x80); break;          /* input port: not inhibited */
    case 0xD0: kbc_reply(s, kbc_outport(s)); break;
    case 0xDD: kbc_set_a20(s, false); break;
    case 0xDF: kbc_set_a20(s, true); break;
    case 0xE0: kbc_reply(s, 0x00); break;          /* test inputs */
    default:
        log_mask_printf(LOG_GUEST_ERROR, "i8042: unknown command 0x%02x\n", cmd);
        break;
    }
}

static void kbc_write_data(I8042 *s, uint8_t val)
{
    uint8_t cmd = s->pending;

    s->pending = 0;
    if (cmd >= 0x60 && cmd < 0x80) {
        if (cmd == 0x60)
            kbc_write_ccb(s, val);
        else
            s->ram[cmd & 0x1F] = val;
        return;
    }
    switch (cmd) {
    case 0xD1: kbc_write_outport(s, val); break;
    case 0xD2: ps2_push_aux(&s->ctrl, val, false); break;
    case 0xD3: ps2_push_aux(&s->ctrl, val, true); break;
    case 0xD4: mouse_write(&s->mouse, val); break;
    default:
        /* Sending to the keyboard enables its interface again. */
        *kbc_ccb(s) &= ~CCB_KBD_OFF;
        kbd_write(&s->kbd, val);
        break;
    }
}

static uint64_t kbc_status_read(void *opaque, uint64_t offset, unsigned size)
{
    I8042 *s = opaque;

    return s->status | STAT_UNLOCK;
}

static uint64_t kbc_data_read(void *opaque, uint64_t offset, unsigned size)
{
    I8042 *s = opaque;
    uint8_t v = s->obuf;

    s->status &= ~(STAT_OBF | STAT_AUXB);
    kbc_set_irqs(s);                 /* falling edge before the next byte */
    kbc_update(s);
    return v;
}

static void kbc_cmd_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    I8042 *s = opaque;

    s->status |= STAT_CMD;
    kbc_command(s, (uint8_t)value);
    kbc_update(s);
}

static void kbc_data_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    I8042 *s = opaque;

    s->status &= ~STAT_CMD;
    kbc_write_data(s, (uint8_t)value);
    kbc_update(s);
}

static const MemOps kbc_data_ops = { kbc_data_read, kbc_data_write, 1, 1 };
static const MemOps kbc_cmd_ops = { kbc_status_read, kbc_cmd_write, 1, 1 };

static void i8042_reset(Device *dev)
{
    I8042 *s = (I8042 *)dev;

    memset(s->ram, 0, sizeof(s->ram));
    s->ram[0] = CCB_KBD_INT | CCB_AUX_INT;
    s->status = STAT_CMD;
    s->outport = OUT_POWER_ON;
    s->obuf = 0;
    s->pending = 0;
    s->xlate_break = 0;
    ps2_clear(&s->ctrl);
    ps2_clear(&s->kbd.q);
    ps2_clear(&s->mouse.q);
    kbd_defaults(&s->kbd);
    s->kbd.scanning = 1;
    mouse_defaults(&s->mouse);
    s->mouse.id = 0;
    kbc_update(s);
}

static bool i8042_realize(Device *dev, Machine *m, const DeviceOpts *opts,
                          char *err, size_t errlen)
{
    I8042 *s = (I8042 *)dev;
    uint64_t irq, irq_mouse, max = ARRAY_SIZE(m->isa_irq) - 1;

    if (!isa_opt_u64(opts, "i8042", "irq", 1, max, &irq, err, errlen) ||
        !isa_opt_u64(opts, "i8042", "irq_mouse", 12, max, &irq_mouse, err, errlen))
        return false;
    s->m = m;
    s->irq_kbd = &m->isa_irq[irq];
    s->irq_mouse = &m->isa_irq[irq_mouse];
    bus_map_io(m->io, "i8042-data", 0x60, 1, &kbc_data_ops, s, 0);
    bus_map_io(m->io, "i8042-cmd", 0x64, 1, &kbc_cmd_ops, s, 0);
    return true;
}

#define PS2_QUEUE_FIELDS(q) \
    SF_ARRAY(SF_BYTES, I8042, q.data, PS2_QUEUE_SIZE), \
    SF_ARRAY(SF_BYTES, I8042, q.aux, PS2_QUEUE_SIZE), \
    SF(SF_U8, I8042, q.head), SF(SF_U8, I8042, q.count)

static const StateField i8042_fields[] = {
    SF(SF_U8, I8042, status),
    SF_ARRAY(SF_BYTES, I8042, ram, 32),
    SF(SF_U8, I8042, outport),
    SF(SF_U8, I8042, obuf),
    SF(SF_U8, I8042, pending),
    SF(SF_U8, I8042, xlate_break),
    PS2_QUEUE_FIELDS(ctrl),
    PS2_QUEUE_FIELDS(kbd.q),
    SF(SF_U8, I8042, kbd.scanning), SF(SF_U8, I8042, kbd.set),
    SF(SF_U8, I8042, kbd.leds), SF(SF_U8, I8042, kbd.typematic),
    SF(SF_U8, I8042, kbd.pending), SF(SF_U8, I8042, kbd.set1_break),
    PS2_QUEUE_FIELDS(mouse.q),
    SF(SF_U8, I8042, mouse.enabled), SF(SF_U8, I8042, mouse.remote),
    SF(SF_U8, I8042, mouse.scaling21), SF(SF_U8, I8042, mouse.resolution),
    SF(SF_U8, I8042, mouse.rate), SF(SF_U8, I8042, mouse.id),
    SF(SF_U8, I8042, mouse.buttons), SF(SF_U8, I8042, mouse.pending),
    SF_ARRAY(SF_BYTES, I8042, mouse.rate_hist, 3),
    SF_END
};

static const StateDesc i8042_state = { "i8042", 1, i8042_fields };

const DeviceClass i8042_class = {
    .name = "i8042",
    .desc = "8042 keyboard controller with PS/2 keyboard and mouse",
    .size = sizeof(I8042),
    .realize = i8042_realize,
    .reset = i8042_reset,
    .state = &i8042_state,
};

DEVICE_CLASS_REGISTER(i8042_class)
