/*
 * workload.c - the benchmark phases: sieve of Eratosthenes, CRC32, quicksort
 * and mergesort, a stack-VM bytecode interpreter, string copies and compares,
 * integer matrix multiply; and the driver that times them and prints results.
 *
 * Invariants: freestanding C (no libc, no 64-bit division, no floating
 * point), so the same file builds for the i386 guest and the native host and
 * yields the same checksums. Every phase derives its input from a fixed seed
 * and folds its whole result into a 32-bit checksum, so a wrong emulation
 * shows as a checksum that differs from the native run. The byte loops stay
 * byte loops because the build passes -fno-tree-loop-distribute-patterns.
 */
#include "workload.h"

#include <stdbool.h>
#include <stddef.h>

#define SIEVE_N 1000000u
#define SIEVE_REPS 3
#define CRC_BUF_LEN (256u * 1024)
#define CRC_PASSES 8
#define CRC_BITWISE_LEN (32u * 1024)
#define SORT_N 60000u
#define SORT_INSERTION_MAX 16
#define VM_ITERATIONS 150000
#define VM_STACK 16
#define STR_LEN (64u * 1024)
#define STR_PASSES 72
#define MAT_N 96
#define MAT_REPS 4

static bool bench_self_check_failed;

static void bench_expect(bool cond)
{
    if (!cond) {
        bench_self_check_failed = true;
    }
}

/* FNV-1a over 32-bit words: order-sensitive, cheap. */
static uint32_t mix(uint32_t h, uint32_t v)
{
    return (h ^ v) * 0x01000193u;
}

#define MIX_SEED 0x811c9dc5u

static uint32_t xorshift32(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

/* --- sieve of Eratosthenes: a byte per number --- */

static uint8_t sieve_buf[SIEVE_N];

static uint32_t phase_sieve(void)
{
    uint32_t h = MIX_SEED;
    for (int rep = 0; rep < SIEVE_REPS; rep++) {
        for (uint32_t i = 0; i < SIEVE_N; i++) {
            sieve_buf[i] = i >= 2;
        }
        for (uint32_t i = 2; i * i < SIEVE_N; i++) {
            if (sieve_buf[i]) {
                for (uint32_t j = i * i; j < SIEVE_N; j += i) {
                    sieve_buf[j] = 0;
                }
            }
        }
        uint32_t count = 0, sum = 0;
        for (uint32_t i = 0; i < SIEVE_N; i++) {
            if (sieve_buf[i]) {
                count++;
                sum += i;
            }
        }
        bench_expect(count == 78498);       /* primes below 10^6 */
        h = mix(mix(h, count), sum);
    }
    return h;
}

/* --- CRC32 (IEEE 802.3, reflected): table-driven and bit by bit --- */

#define CRC_POLY 0xEDB88320u

static uint32_t crc_table[256];
static uint8_t crc_buf[CRC_BUF_LEN];

static uint32_t crc32_bitwise(uint32_t crc, const uint8_t *p, uint32_t len)
{
    for (uint32_t i = 0; i < len; i++) {
        crc ^= p[i];
        for (int b = 0; b < 8; b++) {
            crc = (crc >> 1) ^ (CRC_POLY & -(crc & 1));
        }
    }
    return crc;
}

static uint32_t crc32_table(uint32_t crc, const uint8_t *p, uint32_t len)
{
    for (uint32_t i = 0; i < len; i++) {
        crc = (crc >> 8) ^ crc_table[(crc ^ p[i]) & 0xff];
    }
    return crc;
}

static uint32_t phase_crc32(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint8_t byte = (uint8_t)i;
        crc_table[i] = crc32_bitwise(0, &byte, 1);
    }
    uint32_t seed = 0x12345678u;
    for (uint32_t i = 0; i < CRC_BUF_LEN; i++) {
        crc_buf[i] = (uint8_t)xorshift32(&seed);
    }
    static const uint8_t check[] = "123456789";
    bench_expect(~crc32_table(~0u, check, 9) == 0xCBF43926u);  /* the standard check value */
    uint32_t h = MIX_SEED;
    for (int pass = 0; pass < CRC_PASSES; pass++) {
        h = mix(h, ~crc32_table(~(uint32_t)pass, crc_buf, CRC_BUF_LEN));
    }
    uint32_t slow = ~crc32_bitwise(~0u, crc_buf, CRC_BITWISE_LEN);
    bench_expect(slow == ~crc32_table(~0u, crc_buf, CRC_BITWISE_LEN));
    return mix(h, slow);
}

/* --- sorting: the same pseudo-random array by quicksort and by mergesort --- */

static uint32_t sort_q[SORT_N], sort_m[SORT_N], sort_tmp[SORT_N];

static void insertion_sort(uint32_t *a, int n)
{
    for (int i = 1; i < n; i++) {
        uint32_t v = a[i];
        int j = i;
        for (; j > 0 && a[j - 1] > v; j--) {
            a[j] = a[j - 1];
        }
        a[j] = v;
    }
}

static void swap_u32(uint32_t *a, uint32_t *b)
{
    uint32_t t = *a;
    *a = *b;
    *b = t;
}

/* Hoare partition around the median of three; recurses into the smaller side. */
static void quick_sort(uint32_t *a, int n)
{
    while (n > SORT_INSERTION_MAX) {
        int mid = n / 2;
        if (a[mid] < a[0]) swap_u32(&a[mid], &a[0]);
        if (a[n - 1] < a[0]) swap_u32(&a[n - 1], &a[0]);
        if (a[n - 1] < a[mid]) swap_u32(&a[n - 1], &a[mid]);
        uint32_t pivot = a[mid];
        int i = -1, j = n;
        for (;;) {
            do i++; while (a[i] < pivot);
            do j--; while (a[j] > pivot);
            if (i >= j) break;
            swap_u32(&a[i], &a[j]);
        }
        int left = j + 1;
        if (left < n - left) {
            quick_sort(a, left);
            a += left;
            n -= left;
        } else {
            quick_sort(a + left, n - left);
            n = left;
        }
    }
    insertion_sort(a, n);
}

static void merge_sort(uint32_t *a, uint32_t *tmp, int n)
{
    if (n <= SORT_INSERTION_MAX) {
        insertion_sort(a, n);
        return;
    }
    int half = n / 2;
    merge_sort(a, tmp, half);
    merge_sort(a + half, tmp, n - half);
    int i = 0, j = half, k = 0;
    while (i < half && j < n) {
        tmp[k++] = a[j] < a[i] ? a[j++] : a[i++];
    }
    while (i < half) tmp[k++] = a[i++];
    while (j < n) tmp[k++] = a[j++];
    for (k = 0; k < n; k++) {
        a[k] = tmp[k];
    }
}

static uint32_t phase_sort(void)
{
    uint32_t seed = 0x2545F491u;
    for (uint32_t i = 0; i < SORT_N; i++) {
        sort_q[i] = sort_m[i] = xorshift32(&seed) % (SORT_N * 4);   /* with duplicates */
    }
    quick_sort(sort_q, SORT_N);
    merge_sort(sort_m, sort_tmp, SORT_N);
    uint32_t h = MIX_SEED;
    for (uint32_t i = 0; i < SORT_N; i++) {
        bench_expect(sort_q[i] == sort_m[i] && (i == 0 || sort_q[i - 1] <= sort_q[i]));
        h = mix(h, sort_q[i]);
    }
    return h;
}

/* --- a tiny stack VM: switch dispatch over a fixed bytecode program --- */

enum {
    OP_HALT, OP_PUSH, OP_LOAD, OP_STORE, OP_ADD, OP_SUB, OP_MUL, OP_XOR, OP_AND,
    OP_SHR, OP_LT, OP_JZ, OP_JMP,
};

enum { VAR_I, VAR_ACC, VAR_X, VAR_Y, VAR_N, VM_VARS };

/*
 * for (i = 0; i < n; i++) {
 *     acc = acc * 1103515245 + 12345;  x ^= acc >> 16;
 *     if (acc & 1) y += x; else y -= i;
 * }
 * return y ^ x;
 * Operands follow their opcode; jump targets are word indices (L_* below).
 */
enum { L_LOOP = 0, L_ELSE = 43, L_NEXT = 50, L_END = 59 };

static const int32_t vm_program[] = {
    /* 0  L_LOOP */ OP_LOAD, VAR_I, OP_LOAD, VAR_N, OP_LT, OP_JZ, L_END,
    /* 7  */ OP_LOAD, VAR_ACC, OP_PUSH, 1103515245, OP_MUL, OP_PUSH, 12345, OP_ADD,
    /* 15 */ OP_STORE, VAR_ACC,
    /* 17 */ OP_LOAD, VAR_X, OP_LOAD, VAR_ACC, OP_PUSH, 16, OP_SHR, OP_XOR, OP_STORE, VAR_X,
    /* 27 */ OP_LOAD, VAR_ACC, OP_PUSH, 1, OP_AND, OP_JZ, L_ELSE,
    /* 34 */ OP_LOAD, VAR_Y, OP_LOAD, VAR_X, OP_ADD, OP_STORE, VAR_Y, OP_JMP, L_NEXT,
    /* 43 L_ELSE */ OP_LOAD, VAR_Y, OP_LOAD, VAR_I, OP_SUB, OP_STORE, VAR_Y,
    /* 50 L_NEXT */ OP_LOAD, VAR_I, OP_PUSH, 1, OP_ADD, OP_STORE, VAR_I, OP_JMP, L_LOOP,
    /* 59 L_END */ OP_LOAD, VAR_Y, OP_LOAD, VAR_X, OP_XOR, OP_HALT,
};

static uint32_t vm_run(const int32_t *code, uint32_t *vars)
{
    uint32_t stack[VM_STACK];
    int sp = 0, pc = 0;
    for (;;) {
        int32_t op = code[pc++];
        switch (op) {
        case OP_HALT: return stack[sp - 1];
        case OP_PUSH: stack[sp++] = (uint32_t)code[pc++]; break;
        case OP_LOAD: stack[sp++] = vars[code[pc++]]; break;
        case OP_STORE: vars[code[pc++]] = stack[--sp]; break;
        case OP_ADD: sp--; stack[sp - 1] += stack[sp]; break;
        case OP_SUB: sp--; stack[sp - 1] -= stack[sp]; break;
        case OP_MUL: sp--; stack[sp - 1] *= stack[sp]; break;
        case OP_XOR: sp--; stack[sp - 1] ^= stack[sp]; break;
        case OP_AND: sp--; stack[sp - 1] &= stack[sp]; break;
        case OP_SHR: sp--; stack[sp - 1] >>= stack[sp] & 31; break;
        case OP_LT: sp--; stack[sp - 1] = stack[sp - 1] < stack[sp]; break;
        case OP_JZ: sp--; pc = stack[sp] ? pc + 1 : code[pc]; break;
        case OP_JMP: pc = code[pc]; break;
        default: bench_expect(false); return 0;
        }
    }
}

/* The same loop in C: the VM's result must match it. */
static uint32_t vm_reference(uint32_t n)
{
    uint32_t acc = 1, x = 0, y = 0;
    for (uint32_t i = 0; i < n; i++) {
        acc = acc * 1103515245u + 12345u;
        x ^= acc >> 16;
        y = (acc & 1) ? y + x : y - i;
    }
    return y ^ x;
}

static uint32_t phase_vm(void)
{
    uint32_t vars[VM_VARS] = { [VAR_ACC] = 1, [VAR_N] = VM_ITERATIONS };
    uint32_t r = vm_run(vm_program, vars);
    bench_expect(r == vm_reference(VM_ITERATIONS));
    return mix(mix(MIX_SEED, r), vars[VAR_I]);
}

/* --- strings: rep movsb / rep movsd / byte loop copies; byte loop and repe cmpsb compares --- */

static uint8_t str_src[STR_LEN], str_dst[STR_LEN + 64];

static void copy_rep_movsb(uint8_t *d, const uint8_t *s, uint32_t n)
{
#if defined(__i386__) || defined(__x86_64__)
    size_t bytes = n;                   /* RCX in 64-bit mode: a full-width count */
    __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(bytes) : : "memory");
#else
    while (n--) *d++ = *s++;
#endif
}

static void copy_rep_movsd(uint8_t *d, const uint8_t *s, uint32_t n)
{
#if defined(__i386__) || defined(__x86_64__)
    size_t dwords = n / 4;
    __asm__ volatile("rep movsl" : "+D"(d), "+S"(s), "+c"(dwords) : : "memory");
#else
    for (uint32_t i = 0; i < n / 4 * 4; i++) d[i] = s[i];
#endif
}

static void copy_bytes(uint8_t *d, const uint8_t *s, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        d[i] = s[i];
    }
}

/* Index of the first differing byte, or n. */
static uint32_t compare_bytes(const uint8_t *a, const uint8_t *b, uint32_t n)
{
    uint32_t i = 0;
    while (i < n && a[i] == b[i]) {
        i++;
    }
    return i;
}

static uint32_t compare_repe_cmpsb(const uint8_t *a, const uint8_t *b, uint32_t n)
{
#if defined(__i386__) || defined(__x86_64__)
    size_t left = n;
    bool differ = false;
    if (n) {
        __asm__ volatile("repe cmpsb"
                         : "+S"(a), "+D"(b), "+c"(left), "=@ccnz"(differ) : : "memory");
    }
    return differ ? n - (uint32_t)left - 1 : n;
#else
    return compare_bytes(a, b, n);
#endif
}

static uint32_t phase_string(void)
{
    static void (*const copies[])(uint8_t *, const uint8_t *, uint32_t) = {
        copy_rep_movsb, copy_rep_movsd, copy_bytes,
    };
    static uint32_t (*const compares[])(const uint8_t *, const uint8_t *, uint32_t) = {
        compare_bytes, compare_repe_cmpsb,
    };
    uint32_t seed = 0x9E3779B9u;
    for (uint32_t i = 0; i < STR_LEN; i++) {
        str_src[i] = (uint8_t)xorshift32(&seed);
    }
    uint32_t h = MIX_SEED;
    for (uint32_t pass = 0; pass < STR_PASSES; pass++) {
        uint32_t src_off = pass & 15, dst_off = (pass * 7) & 31;
        uint32_t len = STR_LEN - 64 - pass * 8;
        copies[pass % 3](str_dst + dst_off, str_src + src_off, len);
        str_dst[dst_off + len / 2] ^= (uint8_t)pass;        /* plant a difference */
        uint32_t diff = compares[pass % 2](str_dst + dst_off, str_src + src_off, len);
        bench_expect(diff == (pass ? len / 2 : len));     /* pass 0 plants nothing */
        h = mix(mix(h, diff), str_dst[dst_off + pass * 1021 % len]);
    }
    return h;
}

/* --- integer matrix multiply --- */

static uint32_t mat_a[MAT_N][MAT_N], mat_b[MAT_N][MAT_N], mat_c[MAT_N][MAT_N];

static uint32_t phase_matmul(void)
{
    uint32_t seed = 0xDEADBEEFu;
    for (int i = 0; i < MAT_N; i++) {
        for (int j = 0; j < MAT_N; j++) {
            mat_a[i][j] = xorshift32(&seed) & 0xffff;
            mat_b[i][j] = xorshift32(&seed) & 0xffff;
        }
    }
    uint32_t h = MIX_SEED;
    for (int rep = 0; rep < MAT_REPS; rep++) {
        for (int i = 0; i < MAT_N; i++) {
            for (int j = 0; j < MAT_N; j++) {
                uint32_t sum = 0;
                for (int k = 0; k < MAT_N; k++) {
                    sum += mat_a[i][k] * mat_b[k][j];
                }
                mat_c[i][j] = sum;
            }
        }
        for (int i = 0; i < MAT_N; i++) {
            for (int j = 0; j < MAT_N; j++) {
                h = mix(h, mat_c[i][j]);
                mat_a[i][j] = mat_c[i][j] & 0xffff;    /* feed the next round */
            }
        }
    }
    return h;
}

/* --- driver --- */

typedef struct BenchPhase {
    const char *name;
    uint32_t (*run)(void);
} BenchPhase;

static const BenchPhase bench_phases[] = {
    { "sieve", phase_sieve },
    { "crc32", phase_crc32 },
    { "sort", phase_sort },
    { "vm", phase_vm },
    { "string", phase_string },
    { "matmul", phase_matmul },
};

/* A line being formatted: no printf in a freestanding build. */
typedef struct LineBuf {
    char text[96];
    int len;
} LineBuf;

static void line_str(LineBuf *l, const char *s)
{
    while (*s && l->len < (int)sizeof(l->text) - 1) {
        l->text[l->len++] = *s++;
    }
    l->text[l->len] = 0;
}

static void line_hex(LineBuf *l, uint32_t v)
{
    char digits[9];
    for (int i = 7; i >= 0; i--, v >>= 4) {
        digits[i] = "0123456789abcdef"[v & 15];
    }
    digits[8] = 0;
    line_str(l, digits);
}

static void line_dec(LineBuf *l, uint32_t v)
{
    char digits[11];
    int i = 10;
    digits[i] = 0;
    do {
        digits[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    line_str(l, digits + i);
}

static void bench_report(const BenchHost *host, const char *kind, const char *name,
                         uint32_t checksum, uint64_t us)
{
    LineBuf l = { .len = 0 };
    line_str(&l, kind);
    if (name) {
        line_str(&l, " ");
        line_str(&l, name);
    }
    line_str(&l, " checksum ");
    line_hex(&l, checksum);
    line_str(&l, " us ");
    line_dec(&l, (uint32_t)us);
    line_str(&l, "\n");
    host->write(l.text);
}

int bench_run(const BenchHost *host)
{
    uint32_t total = MIX_SEED;
    uint64_t all_us = 0;
    bench_self_check_failed = false;
    host->write("kestrel-bench: start\n");
    for (size_t i = 0; i < sizeof(bench_phases) / sizeof(bench_phases[0]); i++) {
        uint64_t t0 = host->now_us();
        uint32_t checksum = bench_phases[i].run();
        uint64_t us = host->now_us() - t0;
        bench_report(host, "phase", bench_phases[i].name, checksum, us);
        total = mix(total, checksum);
        all_us += us;
    }
    bench_report(host, "total", NULL, total, all_us);
    host->write(bench_self_check_failed ? "kestrel-bench: FAILED\n" : "kestrel-bench: ok\n");
    return bench_self_check_failed;
}
