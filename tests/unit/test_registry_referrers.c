/* Unit tests for registry/referrers' pure parts: telling a manifest whose subject is an image
 * index (which ECR refuses) and writing one without its subject (the tag schema fallback). */
#include <string.h>

#include "test.h"
#include "registry/referrers.h"
#include "util/buf.h"
#include "util/err.h"

#define M(subject_mt)                                                                            \
	"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","    \
	"\"artifactType\":\"application/spdx+json\",\"subject\":{\"mediaType\":\"" subject_mt    \
	"\",\"digest\":\"sha256:aa\",\"size\":1},\"annotations\":{\"a\":\"b\"}}"

static int is_index(const char *s)
{
	return registry_manifest_subject_is_index(s, strlen(s));
}

static void test_registry_referrers__subject_is_index(void)
{
	CHECK(is_index(M("application/vnd.oci.image.index.v1+json")));
	CHECK(is_index(M("application/vnd.docker.distribution.manifest.list.v2+json")));
	CHECK(!is_index(M("application/vnd.oci.image.manifest.v1+json")));
	CHECK(!is_index("{\"schemaVersion\":2}"));
	CHECK(!is_index("{\"subject\":\"application/vnd.oci.image.index.v1+json\"}"));
	CHECK(!is_index("not json"));
	CHECK(!is_index(""));
}

static void test_registry_referrers__drop_subject_keeps_the_rest_in_order(void)
{
	const char *m = M("application/vnd.oci.image.index.v1+json");
	struct buf b = BUF_INIT;

	CHECK(registry_manifest_drop_subject(&b, m, strlen(m)) == 0);
	CHECK_STR(buf_cstr(&b), "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image."
				"manifest.v1+json\",\"artifactType\":\"application/spdx+json\","
				"\"annotations\":{\"a\":\"b\"}}");
	CHECK(!is_index(buf_cstr(&b)));
	CHECK(registry_manifest_drop_subject(&b, "[1]", 3) == E_INTERNAL);
	err_clear();
	buf_free(&b);
}

TEST_MAIN(TEST(test_registry_referrers__subject_is_index),
	  TEST(test_registry_referrers__drop_subject_keeps_the_rest_in_order))
