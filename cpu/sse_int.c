/*
 * sse_int.c - the integer MMX/SSE2/SSSE3/SSE4.1 operations and CRC32.
 *
 * Most instructions are lane-wise: sse_lane() applies the row's SseLaneFn
 * to each element pair (dst, src) of the row's element size over the
 * register width (8 bytes for MMX, 16 for XMM), so one lane function
 * serves the MMX and the XMM form. Lane functions get and return values
 * zero-extended to the element width; sse_lane masks the result.
 * Semantics: Intel SDM Vol. 2, the instruction pages named by each function.
 */
#include "cpu/sse.h"

static uint64_t lane_mask(unsigned bits)
{
    return bits >= 64 ? ~0ULL : (1ULL << bits) - 1;
}

static int64_t sx(uint64_t v, unsigned bits)
{
    return bits >= 64 ? (int64_t)v : (int64_t)(v << (64 - bits)) >> (64 - bits);
}

static uint64_t sat_s(int64_t v, unsigned bits)
{
    int64_t hi = (int64_t)(lane_mask(bits) >> 1), lo = -hi - 1;
    return (uint64_t)(v > hi ? hi : v < lo ? lo : v) & lane_mask(bits);
}

static uint64_t sat_u(int64_t v, unsigned bits)
{
    int64_t hi = (int64_t)lane_mask(bits);
    return (uint64_t)(v > hi ? hi : v < 0 ? 0 : v);
}

/* --- lane functions (a: destination element, b: source element) --- */

uint64_t sse_lane_add(uint64_t a, uint64_t b, unsigned bits) { return a + b; }
uint64_t sse_lane_sub(uint64_t a, uint64_t b, unsigned bits) { return a - b; }
uint64_t sse_lane_adds(uint64_t a, uint64_t b, unsigned bits)
{ return sat_s(sx(a, bits) + sx(b, bits), bits); }
uint64_t sse_lane_subs(uint64_t a, uint64_t b, unsigned bits)
{ return sat_s(sx(a, bits) - sx(b, bits), bits); }
uint64_t sse_lane_addus(uint64_t a, uint64_t b, unsigned bits)
{ return sat_u((int64_t)(a + b), bits); }
uint64_t sse_lane_subus(uint64_t a, uint64_t b, unsigned bits)
{ return sat_u((int64_t)a - (int64_t)b, bits); }
uint64_t sse_lane_cmpeq(uint64_t a, uint64_t b, unsigned bits)
{ return a == b ? ~0ULL : 0; }
uint64_t sse_lane_cmpgt(uint64_t a, uint64_t b, unsigned bits)
{ return sx(a, bits) > sx(b, bits) ? ~0ULL : 0; }
uint64_t sse_lane_min(uint64_t a, uint64_t b, unsigned bits)
{ return sx(a, bits) < sx(b, bits) ? a : b; }
uint64_t sse_lane_max(uint64_t a, uint64_t b, unsigned bits)
{ return sx(a, bits) > sx(b, bits) ? a : b; }
uint64_t sse_lane_minu(uint64_t a, uint64_t b, unsigned bits) { return a < b ? a : b; }
uint64_t sse_lane_maxu(uint64_t a, uint64_t b, unsigned bits) { return a > b ? a : b; }
uint64_t sse_lane_avg(uint64_t a, uint64_t b, unsigned bits) { return (a + b + 1) >> 1; }
uint64_t sse_lane_mullo(uint64_t a, uint64_t b, unsigned bits) { return a * b; }
uint64_t sse_lane_mulhi(uint64_t a, uint64_t b, unsigned bits)
{ return (uint64_t)(sx(a, bits) * sx(b, bits)) >> bits; }
uint64_t sse_lane_mulhu(uint64_t a, uint64_t b, unsigned bits) { return a * b >> bits; }
uint64_t sse_lane_mulhrs(uint64_t a, uint64_t b, unsigned bits)
{ return (uint64_t)(((sx(a, bits) * sx(b, bits) >> 14) + 1) >> 1); }
uint64_t sse_lane_sign(uint64_t a, uint64_t b, unsigned bits)
{ return sx(b, bits) < 0 ? -a : b ? a : 0; }
uint64_t sse_lane_abs(uint64_t a, uint64_t b, unsigned bits)
{ return sx(b, bits) < 0 ? -b : b; }
uint64_t sse_lane_and(uint64_t a, uint64_t b, unsigned bits) { return a & b; }
uint64_t sse_lane_andn(uint64_t a, uint64_t b, unsigned bits) { return ~a & b; }
uint64_t sse_lane_or(uint64_t a, uint64_t b, unsigned bits) { return a | b; }
uint64_t sse_lane_xor(uint64_t a, uint64_t b, unsigned bits) { return a ^ b; }

void sse_lane(SseCtx *c)
{
    unsigned es = c->op->esize, bits = 8 * es;
    for (unsigned i = 0; i < c->width / es; i++) {
        uint64_t r = c->op->lane(sse_el(&c->dst, i, es), sse_el(&c->src, i, es), bits);
        sse_set_el(&c->dst, i, es, r & lane_mask(bits));
    }
}

/* PHADD/PHSUB (W, D, SW): pairs of dst, then pairs of src, through the lane. */
void sse_phaddsub(SseCtx *c)
{
    unsigned es = c->op->esize, bits = 8 * es, n = c->width / es;
    XMMReg r;
    for (unsigned i = 0; i < n; i++) {
        const XMMReg *x = i < n / 2 ? &c->dst : &c->src;
        unsigned j = 2 * (i % (n / 2));
        uint64_t v = c->op->lane(sse_el(x, j, es), sse_el(x, j + 1, es), bits);
        sse_set_el(&r, i, es, v & lane_mask(bits));
    }
    memcpy(&c->dst, &r, c->width);
}

/* --- shifts --- */

static void shift_lanes(XMMReg *v, unsigned width, unsigned es, int kind, uint64_t count)
{
    unsigned bits = 8 * es;
    for (unsigned i = 0; i < width / es; i++) {
        uint64_t x = sse_el(v, i, es), r;
        if (kind == SHIFT_RA) {
            r = (uint64_t)(sx(x, bits) >> (count >= bits ? bits - 1 : count));
        } else if (count >= bits) {
            r = 0;
        } else {
            r = kind == SHIFT_LL ? x << count : x >> count;
        }
        sse_set_el(v, i, es, r & lane_mask(bits));
    }
}

static void shift_bytes(XMMReg *v, unsigned count, bool left)
{
    XMMReg r = { .q = { 0, 0 } };
    for (unsigned i = 0; i < 16; i++) {
        unsigned from = left ? i - count : i + count;
        if (count < 16 && from < 16) {
            r.b[i] = v->b[from];
        }
    }
    *v = r;
}

/* PSRL/PSRA/PSLL by mm/xmm/m: aux is the kind. */
void sse_shift(SseCtx *c)
{
    shift_lanes(&c->dst, c->width, c->op->esize, c->op->aux, c->src.q[0]);
}

/* Groups 12-14 (0F 71-73): the rm register shifted by imm8. */
void sse_shift_imm(SseCtx *c)
{
    static const int8_t kind_of_reg[8] = { -1, -1, SHIFT_RL, SHIFT_RL, SHIFT_RA, -1,
                                           SHIFT_LL, SHIFT_LL };
    unsigned r = c->modrm >> 3 & 7;
    XMMReg v;

    sse_load_rm(c, &v, 16);
    if (r == 3 || r == 7) {
        shift_bytes(&v, c->imm, r == 7);
    } else {
        shift_lanes(&v, c->width, c->op->esize, kind_of_reg[r], c->imm);
    }
    sse_store_rm(c, &v, 16);
}

/* --- packing and shuffles --- */

/* PACKSSWB/PACKUSWB/PACKSSDW/PACKUSDW: aux bit 0 unsigned saturation. */
void sse_pack(SseCtx *c)
{
    unsigned es = c->op->esize, bits = 4 * es, n = c->width / es;
    XMMReg r;
    for (unsigned i = 0; i < 2 * n; i++) {
        int64_t v = sx(sse_el(i < n ? &c->dst : &c->src, i % n, es), 8 * es);
        sse_set_el(&r, i, es / 2, c->op->aux ? sat_u(v, bits) : sat_s(v, bits));
    }
    memcpy(&c->dst, &r, c->width);
}

/* PUNPCKL/H*, UNPCKL/HPS/PD: aux 1 takes the high halves. */
void sse_unpck(SseCtx *c)
{
    unsigned es = c->op->esize, n = c->width / es / 2, base = c->op->aux ? n : 0;
    XMMReg r;
    for (unsigned i = 0; i < n; i++) {
        sse_set_el(&r, 2 * i, es, sse_el(&c->dst, base + i, es));
        sse_set_el(&r, 2 * i + 1, es, sse_el(&c->src, base + i, es));
    }
    memcpy(&c->dst, &r, c->width);
}

/* PSHUFD (aux 0), PSHUFLW and PSHUFW (1), PSHUFHW (2). */
void sse_pshuf(SseCtx *c)
{
    const XMMReg s = c->src;
    unsigned es = c->op->aux ? 2 : 4, base = c->op->aux == 2 ? 4 : 0;
    c->dst = s;
    for (unsigned i = 0; i < 4; i++) {
        sse_set_el(&c->dst, base + i, es, sse_el(&s, base + (c->imm >> (2 * i) & 3), es));
    }
}

/* SHUFPS/SHUFPD: low half from dst, high half from src, picked by imm8. */
void sse_shufp(SseCtx *c)
{
    unsigned es = c->op->esize, n = 16 / es, sel_bits = n == 4 ? 2 : 1;
    XMMReg r;
    for (unsigned i = 0; i < n; i++) {
        unsigned sel = c->imm >> (i * sel_bits) & (n - 1);
        sse_set_el(&r, i, es, sse_el(i < n / 2 ? &c->dst : &c->src, sel, es));
    }
    c->dst = r;
}

/* PSHUFB: byte i = dst[src[i] mod width], or 0 when src[i] has bit 7. */
void sse_pshufb(SseCtx *c)
{
    XMMReg r;
    for (unsigned i = 0; i < c->width; i++) {
        uint8_t ix = c->src.b[i];
        r.b[i] = ix & 0x80 ? 0 : c->dst.b[ix & (c->width - 1)];
    }
    memcpy(&c->dst, &r, c->width);
}

/* PALIGNR: (dst:src) >> 8*imm, low width bytes. */
void sse_palignr(SseCtx *c)
{
    uint8_t t[32];
    unsigned w = c->width;
    memcpy(t, &c->src, w);
    memcpy(t + w, &c->dst, w);
    for (unsigned i = 0; i < w; i++) {
        c->dst.b[i] = i + c->imm < 2 * w ? t[i + c->imm] : 0;
    }
}

/* PBLENDVB/BLENDVPS/BLENDVPD (aux 0: mask = sign bits of XMM0) and
 * BLENDPS/BLENDPD/PBLENDW (aux 1: mask = imm8). */
void sse_pblend(SseCtx *c)
{
    unsigned es = c->op->esize;
    for (unsigned i = 0; i < 16 / es; i++) {
        bool sel = c->op->aux ? c->imm >> i & 1
                              : sse_el(&c->env->xmm[0], i, es) >> (8 * es - 1);
        if (sel) {
            sse_set_el(&c->dst, i, es, sse_el(&c->src, i, es));
        }
    }
}

/* PMOVSX/PMOVZX: esize is the source element, aux the destination
 * element with bit 7 for sign extension. */
void sse_pmovx(SseCtx *c)
{
    unsigned ses = c->op->esize, des = c->op->aux & 0x7f;
    bool sign = c->op->aux & 0x80;
    for (unsigned i = 0; i < 16 / des; i++) {
        uint64_t v = sse_el(&c->src, i, ses);
        sse_set_el(&c->dst, i, des, sign ? (uint64_t)sx(v, 8 * ses) : v);
    }
}

/* --- multiplies and sums --- */

/* PMADDWD. */
void sse_pmadd(SseCtx *c)
{
    for (unsigned i = 0; i < c->width / 4; i++) {
        int64_t s = (int64_t)(int16_t)c->dst.w[2 * i] * (int16_t)c->src.w[2 * i] +
                    (int64_t)(int16_t)c->dst.w[2 * i + 1] * (int16_t)c->src.w[2 * i + 1];
        c->dst.l[i] = (uint32_t)s;
    }
}

/* PMADDUBSW: unsigned dst bytes times signed src bytes, pairs summed with saturation. */
void sse_pmaddubsw(SseCtx *c)
{
    for (unsigned i = 0; i < c->width / 2; i++) {
        int64_t s = (int64_t)c->dst.b[2 * i] * (int8_t)c->src.b[2 * i] +
                    (int64_t)c->dst.b[2 * i + 1] * (int8_t)c->src.b[2 * i + 1];
        c->dst.w[i] = (uint16_t)sat_s(s, 16);
    }
}

/* PSADBW: per 8-byte group, the sum of absolute byte differences. */
void sse_psadbw(SseCtx *c)
{
    for (unsigned g = 0; g < c->width / 8; g++) {
        unsigned sum = 0;
        for (unsigned i = 0; i < 8; i++) {
            int d = c->dst.b[8 * g + i] - c->src.b[8 * g + i];
            sum += (unsigned)(d < 0 ? -d : d);
        }
        c->dst.q[g] = sum;
    }
}

/* PMULUDQ (unsigned) and PMULDQ (signed, aux 1): even dwords to quadwords. */
void sse_pmuludq(SseCtx *c)
{
    for (unsigned i = 0; i < c->width / 8; i++) {
        uint32_t a = c->dst.l[2 * i], b = c->src.l[2 * i];
        c->dst.q[i] = c->op->aux ? (uint64_t)((int64_t)(int32_t)a * (int32_t)b)
                                 : (uint64_t)a * b;
    }
}

/* MPSADBW: eight sums of absolute differences of 4-byte windows. */
void sse_mpsadbw(SseCtx *c)
{
    unsigned aoff = (c->imm >> 2 & 1) * 4, boff = (c->imm & 3) * 4;
    XMMReg r;
    for (unsigned i = 0; i < 8; i++) {
        unsigned sum = 0;
        for (unsigned j = 0; j < 4; j++) {
            int d = c->dst.b[aoff + i + j] - c->src.b[boff + j];
            sum += (unsigned)(d < 0 ? -d : d);
        }
        r.w[i] = (uint16_t)sum;
    }
    c->dst = r;
}

/* PHMINPOSUW: the smallest word and its (lowest) index. */
void sse_phminpos(SseCtx *c)
{
    unsigned best = 0;
    for (unsigned i = 1; i < 8; i++) {
        if (c->src.w[i] < c->src.w[best]) {
            best = i;
        }
    }
    c->dst = (XMMReg){ .q = { c->src.w[best] | (uint64_t)best << 16, 0 } };
}

/* --- element insert/extract, masks, tests --- */

static unsigned sse_dq_esize(const SseCtx *c)
{
    return c->op->esize ? c->op->esize : c->rexw ? 8 : 4;
}

/* PINSRW/PINSRB/PINSRD/PINSRQ: src (GPR or memory) into element imm. */
void sse_pinsr(SseCtx *c)
{
    unsigned es = sse_dq_esize(c);
    sse_set_el(&c->dst, c->imm & (c->width / es - 1), es, c->src.q[0]);
}

/* PEXTRW r32, mm/xmm, imm8 (0F C5). */
void sse_pextr(SseCtx *c)
{
    unsigned n = c->width / 2;
    sse_set_gpr(c, c->reg, c->src.w[c->imm & (n - 1)], 4);
}

/* PEXTRB/PEXTRW/PEXTRD/PEXTRQ/EXTRACTPS r/m, xmm, imm8 (0F 3A 14-17). */
void sse_pextr_mem(SseCtx *c)
{
    unsigned es = sse_dq_esize(c);
    uint64_t v = sse_el(&c->dst, c->imm & (16 / es - 1), es);
    if (c->mem) {
        static const MemOp mo[9] = { [1] = MO_8, [2] = MO_16, [4] = MO_32, [8] = MO_64 };
        sse_st(c, 0, v, mo[es]);
    } else {
        sse_set_gpr(c, c->rm, v, es);
    }
}

/* PMOVMSKB r32, mm/xmm. */
void sse_pmovmskb(SseCtx *c)
{
    uint32_t m = 0;
    for (unsigned i = 0; i < c->width; i++) {
        m |= (uint32_t)(c->src.b[i] >> 7) << i;
    }
    sse_set_gpr(c, c->reg, m, 4);
}

/* PTEST: ZF = (dst & src) == 0, CF = (~dst & src) == 0. */
void sse_ptest(SseCtx *c)
{
    uint64_t and = (c->dst.q[0] & c->src.q[0]) | (c->dst.q[1] & c->src.q[1]);
    uint64_t andn = (~c->dst.q[0] & c->src.q[0]) | (~c->dst.q[1] & c->src.q[1]);
    sse_set_eflags(c, (and ? 0 : CC_Z) | (andn ? 0 : CC_C));
}

/* --- CRC32 (SSE4.2): CRC-32C, bit-reflected polynomial 0x82F63B78 --- */

static uint32_t crc32c_byte(uint32_t crc, uint8_t b)
{
    crc ^= b;
    for (int k = 0; k < 8; k++) {
        crc = crc >> 1 ^ (0x82f63b78u & -(crc & 1));
    }
    return crc;
}

/* F2 0F 38 F0 (8-bit source) and F1 (operand-size source). */
void sse_crc32(SseCtx *c)
{
    unsigned size = c->opc == 0xf0 ? 1 : c->opsize;
    uint64_t v;
    if (c->mem) {
        v = sse_gpr_rm(c, size);
    } else if (size == 1 && !c->rexp && c->rm >= 4 && c->rm < 8) {
        v = c->env->regs[c->rm - 4] >> 8 & 0xff;      /* AH, CH, DH, BH */
    } else {
        v = sse_gpr_rm(c, size);
    }
    uint32_t crc = (uint32_t)c->env->regs[c->reg];
    for (unsigned i = 0; i < size; i++) {
        crc = crc32c_byte(crc, (uint8_t)(v >> (8 * i)));
    }
    sse_set_gpr(c, c->reg, crc, 4);
}
