/*
 * Unit tests for registry/buildkit and registry/convert: a source built in memory (an index of
 * two platforms and BuildKit's attestation of amd64) reshaped for --attestations and
 * --platform, and converted between OCI and Docker media types.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "registry/buildkit.h"
#include "registry/client.h"
#include "registry/convert.h"
#include "registry/digest.h"
#include "util/err.h"

#define CFG "{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"size\":2,"      \
	    "\"digest\":\"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\"}"
#define GZ "application/vnd.oci.image.layer.v1.tar+gzip"
#define L1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"

static void set_image(struct registry_image *im, const char *platform, const char *json)
{
	char dg[REGISTRY_DIGEST_LEN + 1];

	memset(im, 0, sizeof(*im));
	buf_add(&im->manifest, json, strlen(json));
	registry_digest_buf(json, strlen(json), dg);
	im->digest = strdup(dg);
	im->media_type = strdup(REGISTRY_MT_OCI_MANIFEST);
	im->platform = platform ? strdup(platform) : NULL;
}

static const char *layer_manifest(const char *layer_mt, const char *extra)
{
	static char b[1024];

	snprintf(b, sizeof(b),
		 "{\"schemaVersion\":2,\"mediaType\":\"" REGISTRY_MT_OCI_MANIFEST "\",\"config\":"
		 CFG ",\"layers\":[{\"mediaType\":\"%s\",\"size\":3,\"digest\":\"" L1 "\"}]%s}",
		 layer_mt, extra);
	return b;
}

/* An index: linux/amd64, linux/arm64 and (with attest) the attestation of amd64, whose
 * descriptor names `about` (NULL: amd64's digest). */
static struct registry_source *make_source(int attest, const char *about)
{
	struct registry_source *s = calloc(1, sizeof(*s));
	json_t *ms = json_array(), *top;
	char *body, dg[REGISTRY_DIGEST_LEN + 1];

	s->path = strdup("test-layout");
	s->images = calloc(4, sizeof(*s->images));
	set_image(&s->images[0], "linux/amd64", layer_manifest(GZ, ""));
	set_image(&s->images[1], "linux/arm64", layer_manifest(GZ, ",\"x\":1"));
	s->nimages = 2;
	if (attest) {
		set_image(&s->images[2], "unknown/unknown",
			  layer_manifest("application/vnd.in-toto+json", ""));
		s->nimages = 3;
	}
	for (size_t i = 0; i < s->nimages; i++) {
		json_t *d = json_pack("{s:s, s:s, s:I}", "mediaType", REGISTRY_MT_OCI_MANIFEST,
				      "digest", s->images[i].digest, "size",
				      (json_int_t)s->images[i].manifest.len);

		json_object_set_new(d, "platform",
				    json_pack("{s:s, s:s}", "os", i == 2 ? "unknown" : "linux",
					      "architecture", i == 2 ? "unknown" :
						      i ? "arm64" : "amd64"));
		if (i == 2)
			json_object_set_new(d, "annotations",
					    json_pack("{s:s, s:s}", "vnd.docker.reference.type",
						      "attestation-manifest",
						      "vnd.docker.reference.digest",
						      about ? about : s->images[0].digest));
		json_array_append_new(ms, d);
	}
	top = json_pack("{s:i, s:s, s:o}", "schemaVersion", 2, "mediaType",
			REGISTRY_MT_OCI_INDEX, "manifests", ms);
	body = json_dumps(top, JSON_COMPACT);
	buf_add(&s->top, body, strlen(body));
	registry_digest_buf(body, strlen(body), dg);
	s->digest = strdup(dg);
	s->media_type = strdup(REGISTRY_MT_OCI_INDEX);
	s->is_index = 1;
	free(body);
	json_decref(top);
	return s;
}

static json_t *load(const struct buf *b)
{
	return json_loadb(b->data, b->len, 0, NULL);
}

static void test_registry_buildkit__mode_parse(void)
{
	enum registry_attest_mode m = REGISTRY_ATTEST_KEEP;

	CHECK_INT(registry_attest_mode_parse(NULL, "input 'attestations'", &m), 0);
	CHECK_INT(m, REGISTRY_ATTEST_REFERRERS);
	CHECK_INT(registry_attest_mode_parse("drop", "input 'attestations'", &m), 0);
	CHECK_INT(m, REGISTRY_ATTEST_DROP);
	CHECK_INT(registry_attest_mode_parse("Keep", "input 'attestations'", &m), E_USAGE);
	CHECK(strstr(err_msg(), "input 'attestations': 'Keep' is not a mode") != NULL);
	err_clear();
}

static void test_registry_buildkit__referrers_leave_the_index(void)
{
	struct registry_source *s = make_source(1, NULL);
	char *old = strdup(s->digest), *amd = strdup(s->images[0].digest);
	json_t *top, *ref;

	CHECK_INT(registry_source_reshape(s, REGISTRY_ATTEST_REFERRERS, NULL), 0);
	CHECK_INT(s->nattestations, 1);
	CHECK_INT(s->nimages, 2);
	CHECK_INT(s->nreferrers, 1);
	CHECK_STR(s->source_digest, old);
	CHECK(strcmp(s->digest, old) != 0);
	top = load(&s->top);
	CHECK_INT(json_array_size(json_object_get(top, "manifests")), 2);
	ref = load(&s->referrers[0].manifest);
	CHECK_STR(s->referrers[0].subject, amd);
	CHECK_STR(json_string_value(json_object_get(json_object_get(ref, "subject"), "digest")), amd);
	CHECK_STR(json_string_value(json_object_get(ref, "artifactType")),
		  "application/vnd.in-toto+json");
	json_decref(top);
	json_decref(ref);
	free(old);
	free(amd);
	registry_source_free(s);
}

static void test_registry_buildkit__keep_and_none_change_nothing(void)
{
	struct registry_source *s = make_source(1, NULL), *n = make_source(0, NULL);
	char *old = strdup(s->digest), *nold = strdup(n->digest);

	CHECK_INT(registry_source_reshape(s, REGISTRY_ATTEST_KEEP, NULL), 0);
	CHECK(!s->source_digest);
	CHECK_STR(s->digest, old);
	CHECK_INT(s->nimages, 3);
	CHECK_INT(registry_source_reshape(n, REGISTRY_ATTEST_REFERRERS, NULL), 0);
	CHECK(!n->source_digest);
	CHECK_STR(n->digest, nold);
	CHECK_INT(registry_source_reshape(s, REGISTRY_ATTEST_KEEP, "linux/amd64"), E_USAGE);
	err_clear();
	free(old);
	free(nold);
	registry_source_free(s);
	registry_source_free(n);
}

static void test_registry_buildkit__drop_and_platform(void)
{
	struct registry_source *d = make_source(1, NULL), *p = make_source(1, NULL);
	char *arm = strdup(p->images[1].digest);

	CHECK_INT(registry_source_reshape(d, REGISTRY_ATTEST_DROP, NULL), 0);
	CHECK_INT(d->nimages, 2);
	CHECK_INT(d->nreferrers, 0);
	/* arm64 alone: the attestation of amd64 goes with amd64. */
	CHECK_INT(registry_source_reshape(p, REGISTRY_ATTEST_REFERRERS, "linux/arm64"), 0);
	CHECK(!p->is_index);
	CHECK_STR(p->digest, arm);
	CHECK_INT(p->nimages, 1);
	CHECK_INT(p->nreferrers, 0);
	CHECK_INT(p->top.len, p->images[0].manifest.len);
	free(arm);
	registry_source_free(d);
	registry_source_free(p);
	p = make_source(0, NULL);
	CHECK_INT(registry_source_reshape(p, REGISTRY_ATTEST_REFERRERS, "linux/s390x"), E_USAGE);
	CHECK(strstr(err_msg(), "it has linux/amd64, linux/arm64") != NULL);
	err_clear();
	registry_source_free(p);
}

static void test_registry_buildkit__attestation_of_nothing_refused(void)
{
	struct registry_source *s = make_source(1, L1);

	CHECK_INT(registry_source_reshape(s, REGISTRY_ATTEST_DROP, NULL), E_USAGE);
	CHECK(strstr(err_msg(), "which is not a platform manifest of the index") != NULL);
	err_clear();
	registry_source_free(s);
}

static void test_registry_convert__docker_and_back(void)
{
	struct registry_source *s = make_source(1, NULL);
	json_t *top, *m, *ref;

	CHECK_INT(registry_source_reshape(s, REGISTRY_ATTEST_REFERRERS, NULL), 0);
	CHECK_INT(registry_source_convert(s, REGISTRY_MT_DOCKER), 0);
	CHECK_STR(s->media_type, REGISTRY_MT_DOCKER_LIST);
	top = load(&s->top);
	CHECK_STR(json_string_value(json_object_get(json_array_get(json_object_get(top, "manifests"),
								    0), "digest")),
		  s->images[0].digest);
	m = load(&s->images[0].manifest);
	CHECK_STR(json_string_value(json_object_get(m, "mediaType")), REGISTRY_MT_DOCKER_MANIFEST);
	CHECK_STR(json_string_value(json_object_get(json_object_get(m, "config"), "mediaType")),
		  "application/vnd.docker.container.image.v1+json");
	CHECK_STR(json_string_value(json_object_get(json_array_get(json_object_get(m, "layers"), 0),
						    "mediaType")),
		  "application/vnd.docker.image.rootfs.diff.tar.gzip");
	ref = load(&s->referrers[0].manifest);
	CHECK_STR(s->referrers[0].subject, s->images[0].digest);
	CHECK_STR(json_string_value(json_object_get(json_object_get(ref, "subject"), "mediaType")),
		  REGISTRY_MT_DOCKER_MANIFEST);
	json_decref(top);
	json_decref(m);
	json_decref(ref);
	CHECK_INT(registry_source_convert(s, REGISTRY_MT_OCI), 0);
	CHECK_STR(s->media_type, REGISTRY_MT_OCI_INDEX);
	CHECK_STR(s->images[1].media_type, REGISTRY_MT_OCI_MANIFEST);
	registry_source_free(s);
}

static void test_registry_convert__refuses_what_docker_cannot_say(void)
{
	struct registry_source *s = make_source(0, NULL);
	enum registry_media_types t;

	free(s->images[1].media_type);
	buf_reset(&s->images[1].manifest);
	{
		const char *z = layer_manifest("application/vnd.oci.image.layer.v1.tar+zstd", "");

		buf_add(&s->images[1].manifest, z, strlen(z));
		s->images[1].media_type = strdup(REGISTRY_MT_OCI_MANIFEST);
	}
	CHECK_INT(registry_source_convert(s, REGISTRY_MT_DOCKER), E_USAGE);
	CHECK(strstr(err_msg(), "tar+zstd: only gzip'd tar layers") != NULL);
	err_clear();
	registry_source_free(s);
	s = make_source(0, NULL);
	buf_reset(&s->images[0].manifest);
	{
		const char *a = layer_manifest(GZ, ",\"annotations\":{\"k\":\"v\"}");

		buf_add(&s->images[0].manifest, a, strlen(a));
	}
	CHECK_INT(registry_source_convert(s, REGISTRY_MT_DOCKER), E_USAGE);
	CHECK(strstr(err_msg(), "has annotations, which Docker v2 schema 2 cannot carry") != NULL);
	err_clear();
	registry_source_free(s);
	CHECK_INT(registry_media_types_parse("OCI", "input 'media-types'", &t), E_USAGE);
	err_clear();
	CHECK_INT(registry_media_types_parse(NULL, "input 'media-types'", &t), 0);
	CHECK_INT(t, REGISTRY_MT_AS_IS);
}

TEST_MAIN(TEST(test_registry_buildkit__mode_parse),
	  TEST(test_registry_buildkit__referrers_leave_the_index),
	  TEST(test_registry_buildkit__keep_and_none_change_nothing),
	  TEST(test_registry_buildkit__drop_and_platform),
	  TEST(test_registry_buildkit__attestation_of_nothing_refused),
	  TEST(test_registry_convert__docker_and_back),
	  TEST(test_registry_convert__refuses_what_docker_cannot_say))
