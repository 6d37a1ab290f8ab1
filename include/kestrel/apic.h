/*
 * apic.h - the APIC interrupt architecture: one local APIC per CPU
 * (hw/apic.c), the 82093AA I/O APIC (hw/ioapic.c), and what the CPU and the
 * board call on them.
 *
 * Interrupt flow (SDM Vol. 3 ch. 10):
 *   device -> IrqLine -> I/O APIC pin -> apic_deliver() -> local APIC IRR
 *   -> CPU_INTERRUPT_APIC -> cpu_handle_interrupt -> env->intr_ack
 *   (apic_intr_ack: IRR -> ISR, or the 8259's INTA through LINT0/ExtINT)
 * IPIs take the same apic_deliver() path from the ICR. INIT and SIPI become
 * CPU_INTERRUPT_INIT / CPU_INTERRUPT_SIPI (env->sipi_vector) for cpu/state.c.
 *
 * Locking: functions called from the CPU side (apic_intr_ack, the MSR and
 * CR8 accessors) take the machine lock themselves when the caller does not
 * hold it; everything else runs with the machine lock held, like any device
 * callback.
 */
#ifndef KESTREL_APIC_H
#define KESTREL_APIC_H

#include "kestrel/common.h"
#include "kestrel/device.h"
#include "kestrel/irq.h"

typedef struct CPUX86State CPUX86State;
typedef struct LocalApic LocalApic;

#define APIC_DEFAULT_BASE 0xfee00000u
#define IOAPIC_DEFAULT_BASE 0xfec00000u
#define IOAPIC_NUM_PINS 24
#define APIC_BASE_BSP (1u << 8)           /* IA32_APIC_BASE bits */
#define APIC_BASE_ENABLE (1u << 11)

/* Delivery modes of ICR, LVT, I/O APIC redirection entries and MSI. */
enum {
    APIC_DM_FIXED = 0, APIC_DM_LOWEST = 1, APIC_DM_SMI = 2, APIC_DM_NMI = 4,
    APIC_DM_INIT = 5, APIC_DM_SIPI = 6, APIC_DM_EXTINT = 7,
};

/* One interrupt message on the APIC bus (or an MSI/FSB write). */
typedef struct ApicMessage {
    uint8_t dest;           /* APIC ID (physical) or MDA (logical); 0xFF broadcast */
    bool logical;
    uint8_t delivery;       /* APIC_DM_* */
    uint8_t vector;
    bool level_trigger;
    bool assert_level;      /* INIT level de-assert has this false */
    uint8_t shorthand;      /* ICR bits 18-19: 0 none, 1 self, 2 all, 3 all but self */
} ApicMessage;

/* Device classes: "apic" (one per CPU, option cpu=N) and "ioapic". */
extern const DeviceClass apic_class;
extern const DeviceClass ioapic_class;

/*
 * Sends msg from the APIC of `from` (NULL: from the I/O APIC or a device,
 * where shorthands are meaningless) to the local APICs of m.
 */
void apic_deliver(Machine *m, CPUX86State *from, const ApicMessage *msg);
/* An MSI write (address 0xFEExxxxx, data) as the Intel MSI format defines it. */
void apic_deliver_msi(Machine *m, uint64_t addr, uint32_t data);

/* Input pin 0..23 of an "ioapic" device, for the board's wiring. */
IrqLine ioapic_pin(Device *dev, int pin);

/* The I/O APIC hears EOIs of level-triggered vectors (EOI broadcast). */
typedef void ApicEoiHandler(void *opaque, uint8_t vector);
void apic_set_eoi_handler(LocalApic *s, ApicEoiHandler *fn, void *opaque);

/* CPU side (cpu/misc_helper.c): IA32_APIC_BASE, CR8 and the TSC deadline. */
uint64_t apic_get_tsc_deadline(LocalApic *s);
/* IA32_TSC_DEADLINE = tsc, which the TSC reaches at virtual time ns (0: disarm). */
void apic_set_tsc_deadline(LocalApic *s, uint64_t tsc, int64_t ns);
void apic_base_changed(LocalApic *s, uint64_t old_value);
uint8_t apic_get_tpr(LocalApic *s);          /* CR8 view: TPR[7:4] */
void apic_set_tpr(LocalApic *s, uint8_t cr8);

#endif
