/* Unit tests for registry/carry_filter: which referrers --referrers lets a promotion carry. */
#include <string.h>

#include "test.h"
#include "registry/carry.h"
#include "util/err.h"

#define SIG "application/vnd.dev.cosign.artifact.sig.v1+json"
#define SPDX "application/spdx+json"
#define CDX "application/vnd.cyclonedx+json"
#define INTOTO "application/vnd.in-toto+json"
#define LEDGER "application/vnd.convoy.promotion.v1+json"

static void test_registry_carry__kinds(void)
{
	CHECK_STR(registry_carry_kind(SIG, NULL), "signature");
	CHECK_STR(registry_carry_kind("application/vnd.dev.cosign.simplesigning.v1+json", NULL),
		  "signature");
	CHECK_STR(registry_carry_kind(INTOTO, NULL), "in-toto");
	CHECK_STR(registry_carry_kind("application/vnd.dsse.envelope.v1+json; in-toto", NULL),
		  "in-toto");
	CHECK_STR(registry_carry_kind(SPDX, NULL), "spdx");
	CHECK_STR(registry_carry_kind("text/spdx", NULL), "spdx");
	CHECK_STR(registry_carry_kind(CDX, NULL), "cyclonedx");
	CHECK_STR(registry_carry_kind(NULL, ".sig"), "signature");
	CHECK_STR(registry_carry_kind(NULL, ".att"), "in-toto");
	CHECK_STR(registry_carry_kind(NULL, ".sbom"), "sbom");
	CHECK_STR(registry_carry_kind("application/x.other", NULL), "application/x.other");
	CHECK_STR(registry_carry_kind(NULL, NULL), "artifact");
	CHECK_STR(registry_carry_kind("", NULL), "artifact");
}

static void test_registry_carry__all_and_none(void)
{
	struct registry_carry_filter f;

	CHECK_INT(registry_carry_filter_parse(&f, NULL, "input 'referrers'"), 0);
	CHECK(!f.none && !f.kinds.len);
	CHECK(registry_carry_filter_allows(&f, "application/x.anything", NULL));
	CHECK(registry_carry_filter_allows(&f, NULL, ".att"));
	registry_carry_filter_free(&f);
	CHECK_INT(registry_carry_filter_parse(&f, "all", "input 'referrers'"), 0);
	CHECK(registry_carry_filter_allows(&f, SIG, NULL));
	registry_carry_filter_free(&f);
	CHECK_INT(registry_carry_filter_parse(&f, "all\n", "input 'referrers'"), 0);
	CHECK(!f.none && !f.kinds.len);
	registry_carry_filter_free(&f);
	CHECK_INT(registry_carry_filter_parse(&f, " none\n", "input 'referrers'"), 0);
	CHECK(f.none);
	CHECK(!registry_carry_filter_allows(&f, SIG, NULL));
	CHECK(!registry_carry_filter_allows(&f, NULL, ".sig"));
	registry_carry_filter_free(&f);
}

static void test_registry_carry__ledger_never_goes(void)
{
	struct registry_carry_filter f;

	CHECK_INT(registry_carry_filter_parse(&f, "all", "x"), 0);
	f.exclude_type = LEDGER;
	CHECK(!registry_carry_filter_allows(&f, LEDGER, NULL));
	CHECK(registry_carry_filter_allows(&f, SIG, NULL));
	registry_carry_filter_free(&f);
	CHECK_INT(registry_carry_filter_parse(&f, LEDGER, "x"), 0); /* even when named */
	f.exclude_type = LEDGER;
	CHECK(!registry_carry_filter_allows(&f, LEDGER, NULL));
	registry_carry_filter_free(&f);
}

static void test_registry_carry__list(void)
{
	struct registry_carry_filter f;

	CHECK_INT(registry_carry_filter_parse(&f, "spdx, sig,application/x.custom\n", "x"), 0);
	CHECK_INT((int)f.kinds.len, 3);
	CHECK(registry_carry_filter_allows(&f, SPDX, NULL));
	CHECK(!registry_carry_filter_allows(&f, CDX, NULL));
	CHECK(registry_carry_filter_allows(&f, NULL, ".sig"));
	/* sig names cosign's legacy tag, not a signature referrer */
	CHECK(!registry_carry_filter_allows(&f, SIG, NULL));
	CHECK(!registry_carry_filter_allows(&f, NULL, ".att"));
	CHECK(registry_carry_filter_allows(&f, "application/x.custom", NULL));
	CHECK(!registry_carry_filter_allows(&f, "application/x.custom2", NULL));
	registry_carry_filter_free(&f);
	CHECK_INT(registry_carry_filter_parse(&f, "sbom", "x"), 0);
	CHECK(registry_carry_filter_allows(&f, SPDX, NULL));
	CHECK(registry_carry_filter_allows(&f, CDX, NULL));
	CHECK(registry_carry_filter_allows(&f, NULL, ".sbom"));
	CHECK(!registry_carry_filter_allows(&f, INTOTO, NULL));
	registry_carry_filter_free(&f);
	CHECK_INT(registry_carry_filter_parse(&f, "signature,in-toto", "x"), 0);
	CHECK(registry_carry_filter_allows(&f, SIG, NULL));
	CHECK(registry_carry_filter_allows(&f, NULL, ".sig"));
	CHECK(registry_carry_filter_allows(&f, NULL, ".att"));
	CHECK(!registry_carry_filter_allows(&f, SPDX, NULL));
	registry_carry_filter_free(&f);
}

static void test_registry_carry__bad_lists(void)
{
	struct registry_carry_filter f;

	CHECK_INT(registry_carry_filter_parse(&f, "spdx,sboms", "input 'referrers'"), E_USAGE);
	CHECK(strstr(err_msg(), "input 'referrers': 'sboms' is not a kind of referrer") != NULL);
	CHECK_INT(registry_carry_filter_parse(&f, "spdx,,sig", "input 'referrers'"), E_USAGE);
	CHECK(strstr(err_msg(), "an empty entry") != NULL);
	CHECK_INT(registry_carry_filter_parse(&f, "spdx,all", "input 'referrers'"), E_USAGE);
	CHECK(strstr(err_msg(), "'all' goes alone, not in a list") != NULL);
	CHECK_INT(registry_carry_filter_parse(&f, "none,spdx", "input 'referrers'"), E_USAGE);
	CHECK(strstr(err_msg(), "'none' goes alone") != NULL);
	err_clear();
}

TEST_MAIN(TEST(test_registry_carry__kinds), TEST(test_registry_carry__all_and_none),
	  TEST(test_registry_carry__ledger_never_goes), TEST(test_registry_carry__list),
	  TEST(test_registry_carry__bad_lists))
