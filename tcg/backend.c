/*
 * backend.c - backend selection and the state all backends share.
 *
 * "interp" (the portable bytecode interpreter) always exists. "jit" is the
 * host backend ir_backend_x86_64, referenced weakly: it is found only when
 * an object defining it is linked in (the emulator links its library whole;
 * a unit test must reference the symbol itself to pull it from the archive).
 */
#include "kestrel/tcg.h"

extern const IRBackend ir_backend_x86_64 __attribute__((weak));

const IRBackend *ir_backend = &ir_backend_interp;
IRGuestMem ir_guest_mem;

const IRBackend *ir_backend_find(const char *name)
{
    if (!strcmp(name, "interp"))
        return &ir_backend_interp;
    if (!strcmp(name, "jit"))
        return &ir_backend_x86_64 ? &ir_backend_x86_64 : NULL;
    return NULL;
}
