/*
 * device.h - the device model.
 *
 * A device is a struct that embeds `Device` as its first member, plus a
 * const DeviceClass: name, size, realize (map ports/MMIO, take IRQ lines),
 * reset, and a state description for snapshots. The board creates devices
 * with device_create(); `-device NAME,opt=val,...` does the same from the
 * command line. Every device is an instance: two UARTs are two structs.
 *
 * Inside device code the self pointer is always named `s`.
 */
#ifndef KESTREL_DEVICE_H
#define KESTREL_DEVICE_H

#include "kestrel/common.h"

typedef struct Machine Machine;
typedef struct Device Device;

/* State description for snapshot save/load: one row per field. */
typedef enum StateFieldType {
    SF_U8, SF_U16, SF_U32, SF_U64, SF_I32, SF_I64, SF_BOOL, SF_BYTES,
} StateFieldType;

typedef struct StateField {
    const char *name;
    size_t offset;
    StateFieldType type;
    uint32_t count;        /* array length (bytes for SF_BYTES); 0 means 1 */
} StateField;

typedef struct StateDesc {
    const char *name;
    uint32_t version;
    const StateField *fields;   /* terminated by a row with name == NULL */
} StateDesc;

#define SF(type_, st, field) { #field, offsetof(st, field), type_, 0 }
#define SF_ARRAY(type_, st, field, n) { #field, offsetof(st, field), type_, n }
#define SF_END { NULL, 0, 0, 0 }

/* Options from -device NAME,key=value,...: a read-only list of pairs. */
typedef struct DeviceOpts {
    int count;
    struct { const char *key, *value; } item[16];
} DeviceOpts;

const char *devopt_get(const DeviceOpts *o, const char *key);
/* Number option; returns false (and leaves *out) if absent; error if malformed. */
bool devopt_get_u64(const DeviceOpts *o, const char *key, uint64_t *out, char *err, size_t errlen);

typedef struct DeviceClass {
    const char *name;
    const char *desc;         /* one line for -device help */
    size_t size;              /* of the device struct embedding Device */
    bool user_creatable;      /* may be named with -device */
    /* Map resources; on bad options write a message to err and return false. */
    bool (*realize)(Device *dev, Machine *m, const DeviceOpts *opts, char *err, size_t errlen);
    void (*reset)(Device *dev);
    void (*unrealize)(Device *dev);
    const StateDesc *state;
} DeviceClass;

struct Device {
    const DeviceClass *cls;
    Machine *machine;
    Device *next;             /* the machine's device list */
};

/* Registers a class so -device can find it; called from a constructor. */
void device_class_register(const DeviceClass *cls);
const DeviceClass *device_class_find(const char *name);
void device_class_list(void (*fn)(const DeviceClass *cls, void *opaque), void *opaque);

#define DEVICE_CLASS_REGISTER(cls) \
    static void __attribute__((constructor)) register_##cls(void) { device_class_register(&cls); }

/*
 * Allocate (zeroed), realize and add to the machine. On failure returns NULL
 * with a message in err.
 */
Device *device_create(Machine *m, const DeviceClass *cls, const DeviceOpts *opts,
                      char *err, size_t errlen);
void device_reset_all(Machine *m);

#endif
