/*
 * test_bench_workload.c - the benchmark workload (tests/bench/workload.c) run
 * natively: its self-checks pass, it prints one line per phase in the format
 * tests/bench/run.sh parses, and its checksums equal the pinned values that
 * QEMU and Kestrel must reproduce in the guest. Changing the workload changes
 * these values on purpose: update them together, or timings stop comparing
 * like with like across history. No timing is asserted.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/bench/workload.c"

static char captured[1024];

static void capture_write(const char *text)
{
    size_t used = strlen(captured);
    snprintf(captured + used, sizeof(captured) - used, "%s", text);
}

static uint64_t fake_clock;

static uint64_t fake_now_us(void)
{
    return fake_clock += 10;            /* every phase takes 10 us */
}

static const struct {
    const char *name;
    uint32_t checksum;
} golden[] = {
    { "sieve", 0x7563634a }, { "crc32", 0xbebe018b }, { "sort", 0xc6345427 },
    { "vm", 0xa228f0dd }, { "string", 0x437b7b65 }, { "matmul", 0x9e936d69 },
};

START_TEST(self_checks_pass)
{
    static const BenchHost host = { capture_write, fake_now_us };
    captured[0] = 0;
    ck_assert_int_eq(bench_run(&host), 0);
    ck_assert_ptr_nonnull(strstr(captured, "kestrel-bench: start\n"));
    ck_assert_ptr_nonnull(strstr(captured, "\nkestrel-bench: ok\n"));
}
END_TEST

START_TEST(pinned_checksums)
{
    static const BenchHost host = { capture_write, fake_now_us };
    char line[80];
    captured[0] = 0;
    bench_run(&host);
    for (size_t i = 0; i < sizeof(golden) / sizeof(golden[0]); i++) {
        snprintf(line, sizeof(line), "phase %s checksum %08x us 10\n", golden[i].name,
                 (unsigned)golden[i].checksum);
        ck_assert_msg(strstr(captured, line), "missing \"%s\" in:\n%s", line, captured);
    }
    ck_assert_ptr_nonnull(strstr(captured, "total checksum 5e51f030 us 60\n"));
}
END_TEST

START_TEST(vm_matches_reference)
{
    for (uint32_t n = 0; n < 50; n++) {
        uint32_t vars[VM_VARS] = { [VAR_ACC] = 1, [VAR_N] = n };
        ck_assert_uint_eq(vm_run(vm_program, vars), vm_reference(n));
        ck_assert_uint_eq(vars[VAR_I], n);
    }
}
END_TEST

START_TEST(sorts_agree_on_small_inputs)
{
    uint32_t q[40], m[40], tmp[40];
    uint32_t seed = 7;
    for (int n = 0; n <= 40; n++) {
        for (int i = 0; i < n; i++) {
            q[i] = m[i] = xorshift32(&seed) % 8;       /* many duplicates */
        }
        quick_sort(q, n);
        merge_sort(m, tmp, n);
        for (int i = 0; i < n; i++) {
            ck_assert_uint_eq(q[i], m[i]);
            ck_assert(i == 0 || q[i - 1] <= q[i]);
        }
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("bench_workload");
    TCase *tc = tcase_create("workload");
    tcase_add_test(tc, self_checks_pass);
    tcase_add_test(tc, pinned_checksums);
    tcase_add_test(tc, vm_matches_reference);
    tcase_add_test(tc, sorts_agree_on_small_inputs);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
