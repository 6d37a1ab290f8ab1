/*
 * serial.c - the 16550A UART ("isa-serial": COM1 at 0x3F8 / IRQ 4 by
 * default), connected to a character back end (m->serial[chardev]).
 *
 * Model (TI/National PC16550D datasheet):
 *  - Transmission is instantaneous: a THR write goes straight to the back
 *    end (or, in loopback, into the receiver), so THR and the transmitter
 *    are always empty again when the write returns. The THRE interrupt
 *    follows the chip's rules all the same: it is cleared by a THR write or
 *    by reading IIR while it is the reported source, and set when the THR
 *    becomes empty and when IER.ETBEI goes from 0 to 1 with THR empty.
 *  - The receiver FIFO holds 16 bytes (1 with FIFOs disabled). Input is
 *    taken only while it has room (can_receive), so overruns only happen
 *    in loopback. The character timeout interrupt fires after 4 character
 *    times at the programmed baud rate without a read or a new byte.
 *  - On a PC the interrupt pin reaches the bus only while MCR.OUT2 is set,
 *    and never in loopback (OUT2 is forced inactive there).
 * Invariant: after every register access uart_update() has driven the IRQ
 * line from the current interrupt identification.
 */
#include "kestrel/machine.h"
#include "kestrel/isa.h"
#include "kestrel/chardev.h"
#include "kestrel/timer.h"
#include "kestrel/log.h"
#include "isa_opts.h"

enum { UART_RBR = 0, UART_IER = 1, UART_IIR = 2, UART_LCR = 3,
       UART_MCR = 4, UART_LSR = 5, UART_MSR = 6, UART_SCR = 7 };

#define IER_RDI  0x01
#define IER_THRI 0x02
#define IER_RLSI 0x04
#define IER_MSI  0x08

#define IIR_NO_INT 0x01
#define IIR_MSI    0x00
#define IIR_THRI   0x02
#define IIR_RDI    0x04
#define IIR_RLSI   0x06
#define IIR_CTI    0x0C
#define IIR_FIFO   0xC0

#define FCR_ENABLE   0x01
#define FCR_CLEAR_RX 0x02
#define FCR_KEEP     0xC9   /* enable, DMA mode, trigger level */

#define LCR_DLAB 0x80

#define MCR_DTR  0x01
#define MCR_RTS  0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10

#define LSR_DR   0x01
#define LSR_OE   0x02
#define LSR_ERRORS 0x9E     /* OE, PE, FE, BI, error in FIFO */
#define LSR_THRE 0x20
#define LSR_TEMT 0x40

#define MSR_DELTAS 0x0F
#define MSR_TERI 0x04
#define MSR_CTS  0x10
#define MSR_DSR  0x20
#define MSR_RI   0x40
#define MSR_DCD  0x80
#define MSR_LINES_IDLE (MSR_DCD | MSR_DSR | MSR_CTS)   /* back end "connected" */

#define UART_FIFO_SIZE 16
#define UART_CLOCK 1843200ULL

static const uint8_t uart_trigger_levels[4] = { 1, 4, 8, 14 };

typedef struct Uart16550 {
    Device dev;
    uint8_t rx[UART_FIFO_SIZE];
    uint8_t rx_head, rx_count;
    uint16_t divisor;
    uint8_t ier, lcr, mcr, lsr, msr, scr, fcr;
    uint8_t thr_ipending, timeout_ipending;
    const IrqLine *irq;
    CharDev *chr;
    CharFrontend fe;
    Timer *timeout;
} Uart16550;

static bool uart_fifo_on(const Uart16550 *s)
{
    return s->fcr & FCR_ENABLE;
}

static unsigned uart_rx_capacity(const Uart16550 *s)
{
    return uart_fifo_on(s) ? UART_FIFO_SIZE : 1;
}

static uint8_t uart_iir(const Uart16550 *s)
{
    uint8_t id = IIR_NO_INT;
    bool rx_ready = uart_fifo_on(s) ? s->rx_count >= uart_trigger_levels[s->fcr >> 6]
                                    : s->rx_count > 0;

    if ((s->ier & IER_RLSI) && (s->lsr & LSR_ERRORS))
        id = IIR_RLSI;
    else if ((s->ier & IER_RDI) && rx_ready)
        id = IIR_RDI;
    else if ((s->ier & IER_RDI) && s->timeout_ipending)
        id = IIR_CTI;
    else if ((s->ier & IER_THRI) && s->thr_ipending)
        id = IIR_THRI;
    else if ((s->ier & IER_MSI) && (s->msr & MSR_DELTAS))
        id = IIR_MSI;
    return id | (uart_fifo_on(s) ? IIR_FIFO : 0);
}

static void uart_update(Uart16550 *s)
{
    bool pending = !(uart_iir(s) & IIR_NO_INT);
    bool gated = (s->mcr & MCR_OUT2) && !(s->mcr & MCR_LOOP);

    s->lsr = (uint8_t)((s->lsr & ~LSR_DR) | (s->rx_count ? LSR_DR : 0));
    if (s->irq)
        irq_set(s->irq, pending && gated);
}

/* Ten bits per character by default: start, data, parity, stop. */
static int64_t uart_char_ns(const Uart16550 *s)
{
    unsigned bits = 1 + 5 + (s->lcr & 3) + (s->lcr & 0x08 ? 1 : 0) + (s->lcr & 0x04 ? 2 : 1);
    uint64_t divisor = s->divisor ? s->divisor : 1;

    return ticks_to_ns(bits * divisor * 16, UART_CLOCK);
}

/* Restart the 4-character timeout after a receive or a read. */
static void uart_rearm_timeout(Uart16550 *s)
{
    s->timeout_ipending = 0;
    if (uart_fifo_on(s) && s->rx_count)
        timer_mod(s->timeout, clock_ns() + 4 * uart_char_ns(s));
    else
        timer_del(s->timeout);
}

static void uart_timeout_cb(void *opaque)
{
    Uart16550 *s = opaque;

    if (uart_fifo_on(s) && s->rx_count)
        s->timeout_ipending = 1;
    uart_update(s);
}

static void uart_rx_push(Uart16550 *s, uint8_t v)
{
    if (s->rx_count >= uart_rx_capacity(s)) {
        s->lsr |= LSR_OE;            /* the new byte is lost */
        return;
    }
    s->rx[(s->rx_head + s->rx_count) % UART_FIFO_SIZE] = v;
    s->rx_count++;
}

static void uart_rx_clear(Uart16550 *s)
{
    s->rx_head = s->rx_count = 0;
    uart_rearm_timeout(s);
}

static int uart_can_receive(void *opaque)
{
    Uart16550 *s = opaque;

    if (s->mcr & MCR_LOOP)
        return 0;
    return (int)(uart_rx_capacity(s) - s->rx_count);
}

static void uart_receive(void *opaque, const uint8_t *buf, int len)
{
    Uart16550 *s = opaque;

    for (int i = 0; i < len; i++)
        uart_rx_push(s, buf[i]);
    uart_rearm_timeout(s);
    uart_update(s);
}

static uint8_t uart_read_rbr(Uart16550 *s)
{
    uint8_t v = 0;

    if (s->rx_count) {
        v = s->rx[s->rx_head];
        s->rx_head = (s->rx_head + 1) % UART_FIFO_SIZE;
        s->rx_count--;
        if (s->chr && !(s->mcr & MCR_LOOP))
            chardev_accept_input(s->chr);
    }
    uart_rearm_timeout(s);
    return v;
}

static void uart_write_thr(Uart16550 *s, uint8_t v)
{
    s->thr_ipending = 0;
    if (s->mcr & MCR_LOOP) {
        uart_rx_push(s, v);
        uart_rearm_timeout(s);
    } else if (s->chr) {
        chardev_write(s->chr, &v, 1);
    }
    /* Sent at once: THR (and the FIFO) are empty again. */
    s->lsr |= LSR_THRE | LSR_TEMT;
    s->thr_ipending = 1;
}

/* Modem status lines: MCR looped back, or the back end's idle state. */
static void uart_update_msr(Uart16550 *s)
{
    uint8_t lines = MSR_LINES_IDLE, old = s->msr, changed;

    if (s->mcr & MCR_LOOP) {
        lines = (uint8_t)((s->mcr & MCR_DTR ? MSR_DSR : 0) | (s->mcr & MCR_RTS ? MSR_CTS : 0) |
                          (s->mcr & MCR_OUT1 ? MSR_RI : 0) | (s->mcr & MCR_OUT2 ? MSR_DCD : 0));
    }
    changed = (old ^ lines) & 0xF0;
    s->msr = (uint8_t)((old & MSR_DELTAS) | lines);
    /* Delta bits: CTS(0) DSR(1) DCD(3) on any change; TERI(2) on RI falling. */
    s->msr |= (changed >> 4) & (MSR_DELTAS & ~MSR_TERI);
    if ((old & MSR_RI) && !(lines & MSR_RI))
        s->msr |= MSR_TERI;
}

static void uart_write_fcr(Uart16550 *s, uint8_t val)
{
    if ((val ^ s->fcr) & FCR_ENABLE) {
        s->fcr = val & FCR_ENABLE;
        uart_rx_clear(s);
    }
    if (!(val & FCR_ENABLE)) {
        s->fcr = 0;
        return;
    }
    if (val & FCR_CLEAR_RX) {
        uart_rx_clear(s);
        s->lsr &= ~LSR_ERRORS;
    }
    s->fcr = val & FCR_KEEP;
}

static void uart_write_ier(Uart16550 *s, uint8_t val)
{
    bool thri_enabled = (val & IER_THRI) && !(s->ier & IER_THRI);

    s->ier = val & 0x0F;
    if (thri_enabled && (s->lsr & LSR_THRE))
        s->thr_ipending = 1;
}

static void uart_write_mcr(Uart16550 *s, uint8_t val)
{
    bool left_loop = (s->mcr & MCR_LOOP) && !(val & MCR_LOOP);

    s->mcr = val & 0x1F;
    uart_update_msr(s);
    if (left_loop && s->chr)
        chardev_accept_input(s->chr);
}

static uint64_t uart_io_read(void *opaque, uint64_t offset, unsigned size)
{
    Uart16550 *s = opaque;
    bool dlab = s->lcr & LCR_DLAB;
    uint8_t v;

    switch (offset) {
    case UART_RBR: v = dlab ? (uint8_t)s->divisor : uart_read_rbr(s); break;
    case UART_IER: v = dlab ? (uint8_t)(s->divisor >> 8) : s->ier; break;
    case UART_IIR:
        v = uart_iir(s);
        if ((v & 0x0F) == IIR_THRI)
            s->thr_ipending = 0;
        break;
    case UART_LCR: v = s->lcr; break;
    case UART_MCR: v = s->mcr; break;
    case UART_LSR:
        v = s->lsr;
        s->lsr &= ~LSR_ERRORS;
        break;
    case UART_MSR:
        v = s->msr;
        s->msr &= ~MSR_DELTAS;
        break;
    default: v = s->scr; break;
    }
    uart_update(s);
    return v;
}

static void uart_io_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    Uart16550 *s = opaque;
    bool dlab = s->lcr & LCR_DLAB;
    uint8_t v = (uint8_t)value;

    switch (offset) {
    case UART_RBR:
        if (dlab)
            s->divisor = (uint16_t)((s->divisor & 0xFF00) | v);
        else
            uart_write_thr(s, v);
        break;
    case UART_IER:
        if (dlab)
            s->divisor = (uint16_t)((s->divisor & 0x00FF) | v << 8);
        else
            uart_write_ier(s, v);
        break;
    case UART_IIR: uart_write_fcr(s, v); break;
    case UART_LCR: s->lcr = v; break;
    case UART_MCR: uart_write_mcr(s, v); break;
    case UART_LSR: break;            /* factory test only */
    case UART_MSR: break;
    default: s->scr = v; break;
    }
    uart_update(s);
}

static const MemOps uart_ops = { uart_io_read, uart_io_write, 1, 1 };

static void serial_reset(Device *dev)
{
    Uart16550 *s = (Uart16550 *)dev;

    s->divisor = 12;                 /* 9600 baud */
    s->ier = s->lcr = s->mcr = s->scr = s->fcr = 0;
    s->lsr = LSR_THRE | LSR_TEMT;
    s->msr = MSR_LINES_IDLE;
    s->thr_ipending = 0;
    uart_rx_clear(s);
    uart_update(s);
}

static bool serial_realize(Device *dev, Machine *m, const DeviceOpts *opts,
                           char *err, size_t errlen)
{
    Uart16550 *s = (Uart16550 *)dev;
    uint64_t iobase, irq, chr = MAX_SERIAL;

    if (!isa_opt_u64(opts, "isa-serial", "iobase", 0x3F8, 0xFFF8, &iobase, err, errlen) ||
        !isa_opt_u64(opts, "isa-serial", "irq", 4, ARRAY_SIZE(m->isa_irq) - 1, &irq, err, errlen) ||
        !isa_opt_u64(opts, "isa-serial", "chardev", MAX_SERIAL, MAX_SERIAL, &chr, err, errlen))
        return false;
    s->irq = &m->isa_irq[irq];
    s->chr = chr < MAX_SERIAL ? m->serial[chr] : NULL;
    s->timeout = timer_new(uart_timeout_cb, s);
    s->fe = (CharFrontend){ uart_can_receive, uart_receive, s };
    if (s->chr)
        chardev_set_frontend(s->chr, &s->fe);
    bus_map_io(m->io, "serial", iobase, 8, &uart_ops, s, 0);
    return true;
}

static void serial_unrealize(Device *dev)
{
    Uart16550 *s = (Uart16550 *)dev;

    if (s->chr)
        chardev_set_frontend(s->chr, NULL);
    timer_free(s->timeout);
}

static const StateField serial_fields[] = {
    SF_ARRAY(SF_BYTES, Uart16550, rx, UART_FIFO_SIZE),
    SF(SF_U8, Uart16550, rx_head), SF(SF_U8, Uart16550, rx_count),
    SF(SF_U16, Uart16550, divisor),
    SF(SF_U8, Uart16550, ier), SF(SF_U8, Uart16550, lcr), SF(SF_U8, Uart16550, mcr),
    SF(SF_U8, Uart16550, lsr), SF(SF_U8, Uart16550, msr), SF(SF_U8, Uart16550, scr),
    SF(SF_U8, Uart16550, fcr),
    SF(SF_U8, Uart16550, thr_ipending), SF(SF_U8, Uart16550, timeout_ipending),
    SF_END
};

static const StateDesc serial_state = { "isa-serial", 1, serial_fields };

const DeviceClass isa_serial_class = {
    .name = "isa-serial",
    .desc = "16550A UART (iobase=0x3f8, irq=4, chardev=N: -serial index)",
    .size = sizeof(Uart16550),
    .user_creatable = true,
    .realize = serial_realize,
    .reset = serial_reset,
    .unrealize = serial_unrealize,
    .state = &serial_state,
};

DEVICE_CLASS_REGISTER(isa_serial_class)
