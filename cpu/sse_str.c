/*
 * sse_str.c - SSE4.2 PCMPESTRI/PCMPESTRM/PCMPISTRI/PCMPISTRM (0F 3A 60-63)
 * with every imm8 mode (Intel SDM Vol. 2, 4.1 "Imm8 Control Byte
 * Operation for PCMPESTRI / PCMPESTRM / PCMPISTRI / PCMPISTRM").
 *
 * imm8[1:0] element format (unsigned/signed bytes/words), [3:2] aggregation
 * (equal any, ranges, equal each, equal ordered), [5:4] polarity, [6]
 * least/most significant index (I forms) or bit/element mask (M forms).
 * The first operand is the XMM register (ModRM.reg), the second the rm
 * operand. Validity overrides follow SDM Table 4-7. Results go to ECX or
 * XMM0 and EFLAGS (CF, ZF, SF, OF; AF and PF cleared).
 */
#include "cpu/sse.h"

enum { AGG_EQUAL_ANY, AGG_RANGES, AGG_EQUAL_EACH, AGG_EQUAL_ORDERED };

typedef struct StrCmp {
    unsigned n;          /* elements: 16 bytes or 8 words */
    bool words, sign;
    int64_t a[16], b[16];
    unsigned la, lb;     /* valid lengths */
} StrCmp;

static int64_t str_el(const StrCmp *s, const XMMReg *x, unsigned i)
{
    if (s->words) {
        return s->sign ? (int16_t)x->w[i] : x->w[i];
    }
    return s->sign ? (int8_t)x->b[i] : x->b[i];
}

static unsigned str_implicit_len(const StrCmp *s, const int64_t *v)
{
    unsigned i = 0;
    while (i < s->n && v[i] != 0) {
        i++;
    }
    return i;
}

static unsigned str_explicit_len(const SseCtx *c, const StrCmp *s, int r)
{
    uint64_t raw = c->env->regs[r];
    int64_t v = c->rexw ? (int64_t)raw : (int32_t)raw;
    uint64_t mag = v < 0 ? -(uint64_t)v : (uint64_t)v;
    return mag > s->n ? s->n : (unsigned)mag;
}

/* IntRes1 bit j for the chosen aggregation. */
static bool str_agg(const StrCmp *s, unsigned agg, unsigned j)
{
    bool bv = j < s->lb, r = false;

    switch (agg) {
    case AGG_EQUAL_ANY:
        for (unsigned i = 0; i < s->la && bv; i++) {
            r |= s->a[i] == s->b[j];
        }
        return r;
    case AGG_RANGES:
        for (unsigned i = 0; i + 1 < s->la && bv; i += 2) {
            r |= s->a[i] <= s->b[j] && s->b[j] <= s->a[i + 1];
        }
        return r;
    case AGG_EQUAL_EACH: {
        bool av = j < s->la;
        return av != bv ? false : !av || s->a[j] == s->b[j];
    }
    default:
        r = true;
        for (unsigned k = 0; k + j < s->n && r; k++) {
            if (k >= s->la) {
                break;                      /* invalid a: true */
            }
            r = k + j < s->lb && s->a[k] == s->b[k + j];
        }
        return r;
    }
}

void sse_pcmpstr(SseCtx *c)
{
    StrCmp s = { .words = c->imm & 1, .sign = c->imm >> 1 & 1 };
    unsigned agg = c->imm >> 2 & 3, pol = c->imm >> 4 & 3;
    bool explicit_len = c->opc < 0x62, index = c->opc & 1;
    uint32_t res = 0, valid_b;

    s.n = s.words ? 8 : 16;
    for (unsigned i = 0; i < s.n; i++) {
        s.a[i] = str_el(&s, &c->dst, i);
        s.b[i] = str_el(&s, &c->src, i);
    }
    if (explicit_len) {
        s.la = str_explicit_len(c, &s, R_EAX);
        s.lb = str_explicit_len(c, &s, R_EDX);
    } else {
        s.la = str_implicit_len(&s, s.a);
        s.lb = str_implicit_len(&s, s.b);
    }
    for (unsigned j = 0; j < s.n; j++) {
        res |= (uint32_t)str_agg(&s, agg, j) << j;
    }
    valid_b = (1u << s.lb) - 1;
    if (pol == 1) {
        res = ~res & ((1u << s.n) - 1);
    } else if (pol == 3) {
        res ^= valid_b;
    }
    if (index) {
        unsigned ix = s.n;
        if (res) {
            ix = c->imm & 0x40 ? 31u - (unsigned)__builtin_clz(res) : (unsigned)__builtin_ctz(res);
        }
        sse_set_gpr(c, R_ECX, ix, 4);
    } else {
        XMMReg m = { .q = { 0, 0 } };
        if (c->imm & 0x40) {
            for (unsigned i = 0; i < s.n; i++) {
                sse_set_el(&m, i, s.words ? 2 : 1, res >> i & 1 ? ~0ULL : 0);
            }
        } else {
            m.l[0] = res;
        }
        c->env->xmm[0] = m;
    }
    sse_set_eflags(c, (res ? CC_C : 0) | (s.lb < s.n ? CC_Z : 0) |
                      (s.la < s.n ? CC_S : 0) | (res & 1 ? CC_O : 0));
}
