/*
 * machine.h - the machine: configuration from the command line, the board
 * that hw/pc.c builds from it, and the machine lock.
 *
 * Threads: the main thread runs the event loop (timers, file descriptors,
 * UI); the vCPU thread runs guest code. Device state is touched only with
 * the machine lock held; RAM accesses and translated code take no lock.
 */
#ifndef KESTREL_MACHINE_H
#define KESTREL_MACHINE_H

#include "kestrel/common.h"
#include "kestrel/memory.h"
#include "kestrel/device.h"
#include "kestrel/irq.h"

typedef struct CPUX86State CPUX86State;
typedef struct CharDev CharDev;
typedef struct BlockDev BlockDev;
typedef struct FwCfg FwCfg;
typedef struct PCIBus PCIBus;

#define MAX_DRIVES 8
#define MAX_SERIAL 4
#define MAX_DEVICE_ARGS 32

typedef enum DriveIf { DRIVE_IF_IDE, DRIVE_IF_FLOPPY, DRIVE_IF_VIRTIO } DriveIf;
typedef enum DriveMedia { DRIVE_MEDIA_DISK, DRIVE_MEDIA_CDROM } DriveMedia;

typedef struct DriveConfig {
    const char *file;
    const char *format;     /* NULL: probe */
    DriveIf interface;
    DriveMedia media;
    int index;              /* bus*2+unit for IDE, unit for floppy; -1: next free */
    bool read_only;
    bool snapshot;
} DriveConfig;

/* Everything the command line says about the machine to build. */
typedef struct MachineConfig {
    uint64_t ram_size;
    int smp;
    const char *cpu_model;
    const char *bios;            /* -bios (file or name looked up in firmware dirs) */
    const char *firmware_dirs[4];/* -L first, then /usr/share/seabios, /usr/lib/ipxe/qemu */
    int n_firmware_dirs;
    const char *kernel, *initrd, *append;
    const char *boot_order;      /* -boot order=...: "c", "d", "a", "n" letters */
    bool boot_menu;
    DriveConfig drives[MAX_DRIVES];
    int n_drives;
    const char *serial[MAX_SERIAL];   /* chardev specs; NULL entries: none */
    int n_serial;
    /* The back ends of serial[], created by system/main.c before pc_create
     * (NULL for "none"); pc_create copies them into Machine.serial. */
    CharDev *serial_chr[MAX_SERIAL];
    const char *monitor;
    const char *display;         /* "sdl", "none", "curses"... */
    bool nographic;
    bool no_reboot, no_shutdown;
    const char *device_args[MAX_DEVICE_ARGS];  /* raw -device strings */
    int n_device_args;
    const char *accel_backend;   /* "jit" or "interp" */
    int icount_shift;            /* -1: real time */
    const char *gdb_spec;        /* -s / -gdb */
    bool start_paused;           /* -S */
} MachineConfig;

/* Why the machine stopped running. */
typedef enum MachineExit {
    MACHINE_RUNNING = 0,
    MACHINE_EXIT_SHUTDOWN,       /* ACPI poweroff, -no-reboot reset, Ctrl-A X */
    MACHINE_EXIT_DEBUG,          /* isa-debug-exit: status in exit_status */
    MACHINE_EXIT_ERROR,
} MachineExit;

struct Machine {
    const MachineConfig *cfg;
    Bus *mem;                    /* guest physical address space */
    Bus *io;                     /* port I/O space, 64 KiB */
    uint8_t *ram;                /* guest RAM, ram_size bytes */
    uint64_t ram_size;
    uint64_t below_4g_ram, above_4g_ram;
    CPUX86State *cpus[16];
    int ncpus;
    Device *devices;             /* every created device */
    PCIBus *pci;
    FwCfg *fw_cfg;
    IrqLine isa_irq[24];         /* ISA/GSI lines as the board wired them */
    IrqLine a20_line;            /* i8042 / port 0x92 -> CPU A20 mask */
    CharDev *serial[MAX_SERIAL];
    /* Exit request: set by devices (isa-debug-exit, ACPI, triple fault). */
    volatile MachineExit exit_request;
    int exit_status;
    volatile bool reset_request;
};

/* hw/pc.c: build the PC from the config; NULL with a message in err on bad input. */
Machine *pc_create(const MachineConfig *cfg, char *err, size_t errlen);
void machine_reset(Machine *m);
/* Devices ask for a reset (keyboard controller, port 0xCF9, triple fault). */
void machine_request_reset(Machine *m);
void machine_request_exit(Machine *m, MachineExit why, int status);

/* The machine lock; recursive is not allowed. */
void machine_lock(void);
void machine_unlock(void);
bool machine_lock_held(void);

#endif
