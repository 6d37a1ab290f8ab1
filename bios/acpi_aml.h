/*
 * acpi_aml.h - a small builder of ACPI Machine Language (ACPI 6.x ch. 20)
 * and of the byte blobs the ACPI tables are made of.
 *
 * An AcpiBlob is a growable little-endian byte buffer. AML objects with a
 * PkgLength (Scope, Device, Method, If, Package, Buffer, Field) are opened
 * with aml_open_*() and closed with aml_close(), which inserts the encoded
 * length in front of the contents; opens nest. Names are 1-4 character
 * segments, padded with '_' as AML requires; a leading '\' is the root.
 *
 * Invariant: a blob is well-formed AML only when every open has been
 * closed (depth 0).
 */
#ifndef KESTREL_BIOS_ACPI_AML_H
#define KESTREL_BIOS_ACPI_AML_H

#include "kestrel/common.h"

#define AML_MAX_DEPTH 16

typedef struct AcpiBlob {
    uint8_t *data;
    size_t len, cap;
    size_t open[AML_MAX_DEPTH];     /* where each open object's contents start */
    bool open_buffer[AML_MAX_DEPTH];    /* it is a Buffer: BufferSize goes first */
    int depth;
} AcpiBlob;

/* Raw bytes. */
void blob_free(AcpiBlob *b);
size_t blob_reserve(AcpiBlob *b, size_t n);      /* n zero bytes; returns their offset */
void blob_bytes(AcpiBlob *b, const void *p, size_t n);
void blob_u8(AcpiBlob *b, uint8_t v);
void blob_u16(AcpiBlob *b, uint16_t v);
void blob_u32(AcpiBlob *b, uint32_t v);
void blob_u64(AcpiBlob *b, uint64_t v);

/* AML opcodes used by the DSDT. */
enum {
    AML_ZERO = 0x00, AML_ONE = 0x01, AML_ONES = 0xff,
    AML_LOCAL0 = 0x60, AML_ARG0 = 0x68,
    AML_STORE = 0x70, AML_AND = 0x7b, AML_OR = 0x7d,
    AML_LNOT = 0x92, AML_LEQUAL = 0x93, AML_LLESS = 0x95, AML_RETURN = 0xa4,
    AML_CREATE_DWORD_FIELD = 0x8a,
};
/* Region spaces and field flags. */
enum { AML_SYSTEM_MEMORY = 0, AML_SYSTEM_IO = 1, AML_PCI_CONFIG = 2 };
#define AML_FIELD_BYTE_ACC 0x01

void aml_op(AcpiBlob *b, uint8_t op);
void aml_name(AcpiBlob *b, const char *path);    /* a NameString: "\\_SB", "PCI0", "^ISA"... */
void aml_int(AcpiBlob *b, uint64_t v);           /* the shortest integer encoding */
void aml_eisaid(AcpiBlob *b, const char *id);    /* "PNP0A03" as a compressed EISA ID */

/* Name(path, ...): the value follows as the next item(s). */
void aml_name_decl(AcpiBlob *b, const char *path);

/* Objects with a PkgLength; each is closed by aml_close(). */
void aml_open_scope(AcpiBlob *b, const char *path);
void aml_open_device(AcpiBlob *b, const char *path);
void aml_open_method(AcpiBlob *b, const char *path, int nargs, bool serialized);
void aml_open_if(AcpiBlob *b);                   /* the predicate follows */
void aml_open_package(AcpiBlob *b, uint8_t nelems);
void aml_open_buffer(AcpiBlob *b);               /* the size is computed at close */
void aml_open_field(AcpiBlob *b, const char *region, uint8_t flags);
void aml_open_processor(AcpiBlob *b, const char *path, uint8_t id);
void aml_close(AcpiBlob *b);

void aml_field_entry(AcpiBlob *b, const char *name, unsigned bits);
void aml_operation_region(AcpiBlob *b, const char *name, uint8_t space, uint64_t offset,
                          uint64_t len);

/* Resource template descriptors (ACPI 6.x 6.4), inside aml_open_buffer(). */
void aml_res_io(AcpiBlob *b, uint16_t base, uint8_t len);
void aml_res_irq_noflags(AcpiBlob *b, uint16_t irq_mask);
void aml_res_word_bus(AcpiBlob *b, uint16_t min, uint16_t max);
void aml_res_word_io(AcpiBlob *b, uint16_t min, uint16_t max);
void aml_res_dword_memory(AcpiBlob *b, uint32_t min, uint32_t max);
void aml_res_memory32_fixed(AcpiBlob *b, uint32_t base, uint32_t len, bool writable);
/* Extended interrupt: consumer, level, active high, shared. */
void aml_res_interrupt(AcpiBlob *b, const uint32_t *irqs, int count);
void aml_res_end(AcpiBlob *b);

#endif
