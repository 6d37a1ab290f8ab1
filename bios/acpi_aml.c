/*
 * acpi_aml.c - the byte-blob and AML builder declared in acpi_aml.h.
 *
 * Encodings follow ACPI 6.x ch. 20 (AML grammar) and 6.4 (resource
 * descriptors). Objects with a PkgLength record where their contents start
 * when opened; aml_close() measures the contents and inserts the length
 * (and, for a Buffer, the BufferSize before it) in front of them.
 */
#include <stdlib.h>
#include "bios/acpi_aml.h"

enum { EXT_OP = 0x5b, AML_NAME_OP = 0x08, AML_SCOPE_OP = 0x10, AML_BUFFER_OP = 0x11,
       AML_PACKAGE_OP = 0x12, AML_METHOD_OP = 0x14, AML_IF_OP = 0xa0,
       EXT_REGION_OP = 0x80, EXT_FIELD_OP = 0x81, EXT_DEVICE_OP = 0x82,
       EXT_PROCESSOR_OP = 0x83 };

/* ---- blobs ---- */

void blob_free(AcpiBlob *b)
{
    free(b->data);
    memset(b, 0, sizeof(*b));
}

size_t blob_reserve(AcpiBlob *b, size_t n)
{
    size_t at = b->len;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap *= 2;
        b->data = realloc(b->data, cap);
        assert(b->data);
        b->cap = cap;
    }
    memset(b->data + at, 0, n);
    b->len += n;
    return at;
}

/* blob_reserve may move data: take the offset before forming a pointer. */
void blob_bytes(AcpiBlob *b, const void *p, size_t n)
{
    size_t at = blob_reserve(b, n);
    memcpy(b->data + at, p, n);
}

void blob_u8(AcpiBlob *b, uint8_t v) { blob_bytes(b, &v, 1); }

void blob_u16(AcpiBlob *b, uint16_t v)
{
    uint8_t le[2];
    st16_le(le, v);
    blob_bytes(b, le, 2);
}

void blob_u32(AcpiBlob *b, uint32_t v)
{
    uint8_t le[4];
    st32_le(le, v);
    blob_bytes(b, le, 4);
}

void blob_u64(AcpiBlob *b, uint64_t v)
{
    uint8_t le[8];
    st64_le(le, v);
    blob_bytes(b, le, 8);
}

/* Inserts n bytes at `at`, moving what follows. */
static void blob_insert(AcpiBlob *b, size_t at, const uint8_t *p, size_t n)
{
    size_t tail = b->len - at;
    blob_reserve(b, n);
    memmove(b->data + at + n, b->data + at, tail);
    memcpy(b->data + at, p, n);
}

/* ---- names and data ---- */

void aml_op(AcpiBlob *b, uint8_t op)
{
    blob_u8(b, op);
}

static void aml_name_seg(AcpiBlob *b, const char *seg, size_t len)
{
    char s[4] = { '_', '_', '_', '_' };
    assert(len >= 1 && len <= 4);
    memcpy(s, seg, len);
    blob_bytes(b, s, 4);
}

void aml_name(AcpiBlob *b, const char *path)
{
    while (*path == '\\' || *path == '^')
        blob_u8(b, (uint8_t)*path++);
    int nsegs = 0;
    for (const char *p = path; *p; nsegs++) {
        const char *dot = strchr(p, '.');
        p = dot ? dot + 1 : p + strlen(p);
    }
    if (nsegs == 0) {
        blob_u8(b, 0x00);                       /* NullName */
        return;
    }
    if (nsegs == 2)
        blob_u8(b, 0x2e);                       /* DualNamePrefix */
    else if (nsegs > 2) {
        blob_u8(b, 0x2f);                       /* MultiNamePrefix */
        blob_u8(b, (uint8_t)nsegs);
    }
    while (*path) {
        const char *dot = strchr(path, '.');
        size_t len = dot ? (size_t)(dot - path) : strlen(path);
        aml_name_seg(b, path, len);
        path += len + (dot != NULL);
    }
}

void aml_int(AcpiBlob *b, uint64_t v)
{
    if (v == 0 || v == 1) {
        blob_u8(b, (uint8_t)v);                 /* ZeroOp, OneOp */
    } else if (v <= 0xff) {
        blob_u8(b, 0x0a);
        blob_u8(b, (uint8_t)v);
    } else if (v <= 0xffff) {
        blob_u8(b, 0x0b);
        blob_u16(b, (uint16_t)v);
    } else if (v <= 0xffffffffu) {
        blob_u8(b, 0x0c);
        blob_u32(b, (uint32_t)v);
    } else {
        blob_u8(b, 0x0e);
        blob_u64(b, v);
    }
}

void aml_eisaid(AcpiBlob *b, const char *id)
{
    assert(strlen(id) == 7);
    uint32_t v = (uint32_t)((id[0] - 0x40) << 26 | (id[1] - 0x40) << 21 | (id[2] - 0x40) << 16) |
                 (uint32_t)strtoul(id + 3, NULL, 16);
    aml_int(b, __builtin_bswap32(v));
}

void aml_name_decl(AcpiBlob *b, const char *path)
{
    blob_u8(b, AML_NAME_OP);
    aml_name(b, path);
}

/* ---- objects with a PkgLength ---- */

static void aml_open(AcpiBlob *b)
{
    assert(b->depth < AML_MAX_DEPTH);
    b->open_buffer[b->depth] = false;
    b->open[b->depth++] = b->len;
}

static void aml_open_ext(AcpiBlob *b, uint8_t ext_op)
{
    blob_u8(b, EXT_OP);
    blob_u8(b, ext_op);
    aml_open(b);
}

void aml_open_scope(AcpiBlob *b, const char *path)
{
    blob_u8(b, AML_SCOPE_OP);
    aml_open(b);
    aml_name(b, path);
}

void aml_open_device(AcpiBlob *b, const char *path)
{
    aml_open_ext(b, EXT_DEVICE_OP);
    aml_name(b, path);
}

void aml_open_method(AcpiBlob *b, const char *path, int nargs, bool serialized)
{
    blob_u8(b, AML_METHOD_OP);
    aml_open(b);
    aml_name(b, path);
    blob_u8(b, (uint8_t)(nargs | (serialized ? 0x08 : 0)));
}

void aml_open_if(AcpiBlob *b)
{
    blob_u8(b, AML_IF_OP);
    aml_open(b);
}

void aml_open_package(AcpiBlob *b, uint8_t nelems)
{
    blob_u8(b, AML_PACKAGE_OP);
    aml_open(b);
    blob_u8(b, nelems);
}

void aml_open_buffer(AcpiBlob *b)
{
    blob_u8(b, AML_BUFFER_OP);
    aml_open(b);
    b->open_buffer[b->depth - 1] = true;
}

void aml_open_field(AcpiBlob *b, const char *region, uint8_t flags)
{
    aml_open_ext(b, EXT_FIELD_OP);
    aml_name(b, region);
    blob_u8(b, flags);
}

void aml_open_processor(AcpiBlob *b, const char *path, uint8_t id)
{
    aml_open_ext(b, EXT_PROCESSOR_OP);
    aml_name(b, path);
    blob_u8(b, id);
    blob_u32(b, 0);                             /* no P_BLK */
    blob_u8(b, 0);
}

/* PkgLength of `content` bytes (the encoding counts its own bytes). */
static size_t aml_pkglen(uint8_t out[4], size_t content)
{
    for (size_t n = 1; n <= 4; n++) {
        size_t total = content + n;
        if (n == 1 && total <= 0x3f) {
            out[0] = (uint8_t)total;
            return 1;
        }
        if (n > 1 && total < (1u << (4 + 8 * (n - 1)))) {
            out[0] = (uint8_t)((n - 1) << 6 | (total & 0xf));
            for (size_t i = 1; i < n; i++)
                out[i] = (uint8_t)(total >> (4 + 8 * (i - 1)));
            return n;
        }
    }
    assert(!"AML object too large");
    return 0;
}

void aml_close(AcpiBlob *b)
{
    assert(b->depth > 0);
    size_t at = b->open[--b->depth];
    if (b->open_buffer[b->depth]) {             /* BufferSize, then the bytes */
        AcpiBlob size = { 0 };
        aml_int(&size, b->len - at);
        blob_insert(b, at, size.data, size.len);
        blob_free(&size);
    }
    uint8_t len[4];
    size_t n = aml_pkglen(len, b->len - at);
    blob_insert(b, at, len, n);
}

void aml_field_entry(AcpiBlob *b, const char *name, unsigned bits)
{
    assert(bits < 0x40);
    aml_name_seg(b, name, strlen(name));
    blob_u8(b, (uint8_t)bits);
}

void aml_operation_region(AcpiBlob *b, const char *name, uint8_t space, uint64_t offset,
                          uint64_t len)
{
    blob_u8(b, EXT_OP);
    blob_u8(b, EXT_REGION_OP);
    aml_name(b, name);
    blob_u8(b, space);
    aml_int(b, offset);
    aml_int(b, len);
}

/* ---- resource descriptors ---- */

void aml_res_io(AcpiBlob *b, uint16_t base, uint8_t len)
{
    blob_u8(b, 0x47);                           /* I/O port, 16-bit decode */
    blob_u8(b, 0x01);
    blob_u16(b, base);
    blob_u16(b, base);
    blob_u8(b, 0x01);
    blob_u8(b, len);
}

void aml_res_irq_noflags(AcpiBlob *b, uint16_t irq_mask)
{
    blob_u8(b, 0x22);                           /* IRQ, 2 bytes: edge, active high */
    blob_u16(b, irq_mask);
}

/* Word address space: type 1 I/O, 2 bus number; producer, fixed min and max. */
static void aml_res_word(AcpiBlob *b, uint8_t type, uint8_t type_flags, uint16_t min,
                         uint16_t max)
{
    blob_u8(b, 0x88);
    blob_u16(b, 13);
    blob_u8(b, type);
    blob_u8(b, 0x0c);
    blob_u8(b, type_flags);
    blob_u16(b, 0);                             /* granularity */
    blob_u16(b, min);
    blob_u16(b, max);
    blob_u16(b, 0);                             /* translation */
    blob_u16(b, (uint16_t)(max - min + 1));
}

void aml_res_word_bus(AcpiBlob *b, uint16_t min, uint16_t max)
{
    aml_res_word(b, 2, 0, min, max);
}

void aml_res_word_io(AcpiBlob *b, uint16_t min, uint16_t max)
{
    aml_res_word(b, 1, 0x03, min, max);         /* entire range */
}

void aml_res_dword_memory(AcpiBlob *b, uint32_t min, uint32_t max)
{
    blob_u8(b, 0x87);
    blob_u16(b, 23);
    blob_u8(b, 0);                              /* memory */
    blob_u8(b, 0x0c);
    blob_u8(b, 0x03);                           /* cacheable, read-write */
    blob_u32(b, 0);
    blob_u32(b, min);
    blob_u32(b, max);
    blob_u32(b, 0);
    blob_u32(b, max - min + 1);
}

void aml_res_memory32_fixed(AcpiBlob *b, uint32_t base, uint32_t len, bool writable)
{
    blob_u8(b, 0x86);
    blob_u16(b, 9);
    blob_u8(b, writable ? 1 : 0);
    blob_u32(b, base);
    blob_u32(b, len);
}

void aml_res_interrupt(AcpiBlob *b, const uint32_t *irqs, int count)
{
    blob_u8(b, 0x89);
    blob_u16(b, (uint16_t)(2 + 4 * count));
    blob_u8(b, 0x09);                           /* consumer, level, active high, shared */
    blob_u8(b, (uint8_t)count);
    for (int i = 0; i < count; i++)
        blob_u32(b, irqs[i]);
}

void aml_res_end(AcpiBlob *b)
{
    blob_u8(b, 0x79);
    blob_u8(b, 0x00);
}
