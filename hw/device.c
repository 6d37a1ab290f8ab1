/*
 * device.c - device classes, creation from the board or -device, reset.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "kestrel/device.h"
#include "kestrel/machine.h"

#define MAX_CLASSES 128

static const DeviceClass *classes[MAX_CLASSES];
static int n_classes;

void device_class_register(const DeviceClass *cls)
{
    assert(n_classes < MAX_CLASSES);
    assert(!device_class_find(cls->name));
    classes[n_classes++] = cls;
}

const DeviceClass *device_class_find(const char *name)
{
    for (int i = 0; i < n_classes; i++)
        if (!strcmp(classes[i]->name, name))
            return classes[i];
    return NULL;
}

static int cmp_class(const void *a, const void *b)
{
    return strcmp((*(const DeviceClass *const *)a)->name, (*(const DeviceClass *const *)b)->name);
}

void device_class_list(void (*fn)(const DeviceClass *cls, void *opaque), void *opaque)
{
    const DeviceClass *sorted[MAX_CLASSES];
    memcpy(sorted, classes, n_classes * sizeof(*sorted));
    qsort(sorted, n_classes, sizeof(*sorted), cmp_class);
    for (int i = 0; i < n_classes; i++)
        fn(sorted[i], opaque);
}

const char *devopt_get(const DeviceOpts *o, const char *key)
{
    if (!o)
        return NULL;
    for (int i = 0; i < o->count; i++)
        if (!strcmp(o->item[i].key, key))
            return o->item[i].value;
    return NULL;
}

bool devopt_get_u64(const DeviceOpts *o, const char *key, uint64_t *out, char *err, size_t errlen)
{
    const char *v = devopt_get(o, key);
    char *end;

    if (!v)
        return false;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 0);
    if (errno || end == v || *end) {
        snprintf(err, errlen, "%s=%s: not a number", key, v);
        return false;
    }
    *out = n;
    err[0] = '\0';
    return true;
}

Device *device_create(Machine *m, const DeviceClass *cls, const DeviceOpts *opts,
                      char *err, size_t errlen)
{
    assert(cls->size >= sizeof(Device));
    Device *dev = calloc(1, cls->size);
    if (!dev) {
        snprintf(err, errlen, "%s: out of memory", cls->name);
        return NULL;
    }
    dev->cls = cls;
    dev->machine = m;
    err[0] = '\0';
    if (cls->realize && !cls->realize(dev, m, opts, err, errlen)) {
        if (!err[0])
            snprintf(err, errlen, "%s: cannot be created", cls->name);
        free(dev);
        return NULL;
    }
    if (cls->reset)
        cls->reset(dev);
    /* Append, so reset runs in creation order. */
    Device **tail = &m->devices;
    while (*tail)
        tail = &(*tail)->next;
    *tail = dev;
    return dev;
}

void device_reset_all(Machine *m)
{
    for (Device *d = m->devices; d; d = d->next)
        if (d->cls->reset)
            d->cls->reset(d);
}
