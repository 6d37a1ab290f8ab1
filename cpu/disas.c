/*
 * disas.c - one line of "-d in_asm" text for a guest instruction.
 *
 * With capstone (CONFIG_CAPSTONE) the text is capstone's Intel syntax;
 * without it, or when capstone rejects the bytes, Kestrel's own decoder
 * names the operation (x86_op_names, lower case) and the raw bytes follow.
 * The output is always NUL-terminated and never longer than outlen - 1.
 */
#include <ctype.h>
#include <stdio.h>

#include "config-host.h"
#include "cpu/insn.h"

#if CONFIG_CAPSTONE
#include <capstone.h>

/* Capstone's text, or false if it cannot decode the bytes. */
static bool disas_capstone(char *out, size_t outlen, DecodeMode mode, uint64_t pc,
                           const uint8_t *bytes, int len)
{
    cs_mode cmode = mode.code64 ? CS_MODE_64 : mode.code32 ? CS_MODE_32 : CS_MODE_16;
    csh handle;
    cs_insn *ci;
    bool ok;

    if (cs_open(CS_ARCH_X86, cmode, &handle) != CS_ERR_OK) {
        return false;
    }
    ok = cs_disasm(handle, bytes, (size_t)len, pc, 1, &ci) == 1;
    if (ok) {
        snprintf(out, outlen, "%s%s%s", ci->mnemonic, ci->op_str[0] ? " " : "", ci->op_str);
        cs_free(ci, 1);
    }
    cs_close(&handle);
    return ok;
}
#endif

/* Kestrel's own name for the operation followed by the instruction bytes. */
static void disas_fallback(char *out, size_t outlen, DecodeMode mode, uint64_t pc,
                           const uint8_t *bytes, int len)
{
    Insn insn;
    DecodeResult r = x86_decode_buf(&insn, mode, pc, bytes, len);
    const char *name = r == DECODE_OK ? x86_op_names[insn.op] : "(bad)";
    int n = insn.len ? insn.len : (len > 0);
    size_t pos = 0;

    for (; name[pos] && pos + 1 < outlen; pos++) {
        out[pos] = (char)tolower((unsigned char)name[pos]);
    }
    for (int i = 0; i < n && pos + 7 <= outlen; i++) {
        pos += (size_t)snprintf(out + pos, outlen - pos, "%s%02x", i ? " " : "  ; ", bytes[i]);
    }
    if (outlen) {
        out[pos < outlen ? pos : outlen - 1] = 0;
    }
}

void x86_disas(char *out, size_t outlen, DecodeMode mode, uint64_t pc,
               const uint8_t *bytes, int len)
{
#if CONFIG_CAPSTONE
    if (disas_capstone(out, outlen, mode, pc, bytes, len)) {
        return;
    }
#endif
    disas_fallback(out, outlen, mode, pc, bytes, len);
}
