/*
 * isa_opts.h - private helper of the ISA device files: reading a numeric
 * -device option with a default and an upper bound.
 *
 * Invariant: on success *out holds a value <= max; on failure err names
 * the device option and the function returns false.
 */
#ifndef HW_ISA_OPTS_H
#define HW_ISA_OPTS_H

#include <stdio.h>
#include "kestrel/device.h"

static inline bool isa_opt_u64(const DeviceOpts *opts, const char *dev, const char *key,
                               uint64_t def, uint64_t max, uint64_t *out,
                               char *err, size_t errlen)
{
    uint64_t v = def;

    if (errlen)
        err[0] = '\0';
    if (opts && !devopt_get_u64(opts, key, &v, err, errlen) && errlen && err[0])
        return false;
    if (v > max) {
        snprintf(err, errlen, "%s: option %s=%llu is out of range (max %llu)",
                 dev, key, (unsigned long long)v, (unsigned long long)max);
        return false;
    }
    *out = v;
    return true;
}

#endif
