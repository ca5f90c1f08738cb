/*
 * test.h: a minimal unit test harness. Each tests/unit/test_<module>.c defines test functions
 * named test_<module>__<behaviour> and lists them in TESTS; a failing CHECK prints the location
 * and marks the test failed. Exit status is the number of failed tests.
 */
#ifndef CONVOY_TEST_H
#define CONVOY_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test_failed;

#define CHECK(cond)                                                                      \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
			test_failed = 1;                                                 \
		}                                                                        \
	} while (0)

#define CHECK_STR(got, want)                                                              \
	do {                                                                              \
		const char *g_ = (got), *w_ = (want);                                     \
		if (!g_ || !w_ || strcmp(g_, w_)) {                                       \
			fprintf(stderr, "%s:%d: %s\n  got:  '%s'\n  want: '%s'\n", __FILE__,  \
				__LINE__, #got, g_ ? g_ : "(null)", w_ ? w_ : "(null)");  \
			test_failed = 1;                                                  \
		}                                                                         \
	} while (0)

#define CHECK_INT(got, want)                                                             \
	do {                                                                             \
		long long g_ = (long long)(got), w_ = (long long)(want);                 \
		if (g_ != w_) {                                                          \
			fprintf(stderr, "%s:%d: %s: got %lld, want %lld\n", __FILE__,     \
				__LINE__, #got, g_, w_);                                 \
			test_failed = 1;                                                 \
		}                                                                        \
	} while (0)

struct test_case {
	const char *name;
	void (*fn)(void);
};

#define TEST(fn) { #fn, fn }

static inline int test_run(const struct test_case *tests, size_t n, int argc, char **argv)
{
	int failures = 0;

	for (size_t i = 0; i < n; i++) {
		if (argc > 1 && !strstr(tests[i].name, argv[1]))
			continue;
		test_failed = 0;
		tests[i].fn();
		printf("%s %s\n", test_failed ? "FAIL" : "ok  ", tests[i].name);
		failures += test_failed;
	}
	return failures;
}

#define TEST_MAIN(...)                                                                 \
	int main(int argc, char **argv)                                                \
	{                                                                              \
		static const struct test_case tests_[] = { __VA_ARGS__ };              \
		return test_run(tests_, sizeof(tests_) / sizeof(tests_[0]), argc, argv); \
	}

#endif
