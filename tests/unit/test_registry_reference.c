/* Unit tests for registry/reference: Docker's reference grammar and its error messages. */
#include "test.h"
#include "registry/reference.h"
#include "util/err.h"

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* Parses s and checks every part (NULL tag/digest: absent). */
static void ok(const char *s, const char *domain, const char *path, const char *tag,
	       const char *digest)
{
	struct registry_ref r;
	int rc = registry_ref_parse(&r, s);

	if (rc) {
		fprintf(stderr, "parsing '%s' failed: %s\n", s, err_msg());
		test_failed = 1;
		return;
	}
	CHECK_STR(r.domain, domain);
	CHECK_STR(r.path, path);
	if (tag)
		CHECK_STR(r.tag, tag);
	else
		CHECK(r.tag == NULL);
	if (digest)
		CHECK_STR(r.digest, digest);
	else
		CHECK(r.digest == NULL);
	registry_ref_free(&r);
}

/* Parsing s fails with E_USAGE and a message containing the reference and want. */
static void bad(const char *s, const char *want)
{
	struct registry_ref r;
	int rc = registry_ref_parse(&r, s);

	if (rc != E_USAGE) {
		fprintf(stderr, "'%s': rc %d, want E_USAGE\n", s, rc);
		test_failed = 1;
		if (!rc)
			registry_ref_free(&r);
		return;
	}
	if (*s && !strstr(err_msg(), s)) {
		fprintf(stderr, "'%s': message does not name the reference: %s\n", s, err_msg());
		test_failed = 1;
	}
	if (!strstr(err_msg(), want)) {
		fprintf(stderr, "'%s': message lacks '%s': %s\n", s, want, err_msg());
		test_failed = 1;
	}
	CHECK(r.domain == NULL && r.path == NULL && r.tag == NULL && r.digest == NULL);
}

static void test_registry_reference__docker_hub_normalisation(void)
{
	ok("nginx", "docker.io", "library/nginx", NULL, NULL);
	ok("nginx:1.25", "docker.io", "library/nginx", "1.25", NULL);
	ok("docker.io/nginx", "docker.io", "library/nginx", NULL, NULL);
	ok("docker.io/library/nginx", "docker.io", "library/nginx", NULL, NULL);
	ok("index.docker.io/nginx", "docker.io", "library/nginx", NULL, NULL);
	ok("index.docker.io/org/app:v1", "docker.io", "org/app", "v1", NULL);
	ok("org/app", "docker.io", "org/app", NULL, NULL);
	ok("org/team/app", "docker.io", "org/team/app", NULL, NULL);
}

static void test_registry_reference__domains(void)
{
	ok("ghcr.io/org/app", "ghcr.io", "org/app", NULL, NULL);
	ok("localhost/app", "localhost", "app", NULL, NULL);
	ok("localhost:5000/app:v1", "localhost:5000", "app", "v1", NULL);
	ok("127.0.0.1:5000/a/b/c", "127.0.0.1:5000", "a/b/c", NULL, NULL);
	ok("[::1]:5000/app:v1", "[::1]:5000", "app", "v1", NULL);
	ok("[2001:db8::1]/app", "[2001:db8::1]", "app", NULL, NULL);
	ok("my-registry.example.com:443/org/app", "my-registry.example.com:443", "org/app", NULL,
	   NULL);
	ok("123456789012.dkr.ecr.eu-west-1.amazonaws.com/app", "123456789012.dkr.ecr.eu-west-1"
	   ".amazonaws.com", "app", NULL, NULL);
	/* A first component with an upper-case letter is a domain (Docker's splitDockerDomain). */
	ok("Registry/app", "Registry", "app", NULL, NULL);
	/* Without '.', ':' or "localhost" the first component is a path component. */
	ok("myhost/app", "docker.io", "myhost/app", NULL, NULL);
	/* A bare "localhost:5000" is the image library/localhost with tag 5000, as in Docker. */
	ok("localhost:5000", "docker.io", "library/localhost", "5000", NULL);
}

static void test_registry_reference__path_separators(void)
{
	ok("ghcr.io/a.b/c_d", "ghcr.io", "a.b/c_d", NULL, NULL);
	ok("ghcr.io/a__b", "ghcr.io", "a__b", NULL, NULL);
	ok("ghcr.io/a-b--c---d", "ghcr.io", "a-b--c---d", NULL, NULL);
	ok("ghcr.io/0/9a", "ghcr.io", "0/9a", NULL, NULL);
	ok("ghcr.io/org/deep/nested/path/app", "ghcr.io", "org/deep/nested/path/app", NULL, NULL);
}

static void test_registry_reference__tags_and_digests(void)
{
	ok("ghcr.io/org/app:v1.2.3-rc.1_b", "ghcr.io", "org/app", "v1.2.3-rc.1_b", NULL);
	ok("ghcr.io/org/app:_x", "ghcr.io", "org/app", "_x", NULL);
	ok("ghcr.io/org/app:UPPER", "ghcr.io", "org/app", "UPPER", NULL);
	ok("ghcr.io/org/app@sha256:" HEX64, "ghcr.io", "org/app", NULL, "sha256:" HEX64);
	ok("ghcr.io/org/app:v1@sha256:" HEX64, "ghcr.io", "org/app", "v1", "sha256:" HEX64);
	ok("localhost:5000/app@sha512:" HEX64 HEX64, "localhost:5000", "app", NULL,
	   "sha512:" HEX64 HEX64);
	ok("nginx@sha256:" HEX64, "docker.io", "library/nginx", NULL, "sha256:" HEX64);
}

static void test_registry_reference__tag_length_limit(void)
{
	char ref[300], tag[200];

	memset(tag, 'a', 128);
	tag[128] = 0;
	snprintf(ref, sizeof(ref), "ghcr.io/app:%s", tag);
	ok(ref, "ghcr.io", "app", tag, NULL);
	memset(tag, 'a', 129);
	tag[129] = 0;
	snprintf(ref, sizeof(ref), "ghcr.io/app:%s", tag);
	bad(ref, "invalid tag");
	CHECK_INT(registry_tag_valid(tag), 0);
	tag[128] = 0;
	CHECK_INT(registry_tag_valid(tag), 1);
}

static void test_registry_reference__name_length_limit(void)
{
	char ref[400];

	/* Docker measures the normalised name: "docker.io/library/" is 18 characters. */
	memset(ref, 'a', 237);
	ref[237] = 0;
	{
		struct registry_ref r;

		CHECK_INT(registry_ref_parse(&r, ref), 0);
		CHECK_INT(strlen(r.domain) + 1 + strlen(r.path), 255);
		registry_ref_free(&r);
	}
	memset(ref, 'a', 238);
	ref[238] = 0;
	bad(ref, "longer than 255");
	strcpy(ref, "ghcr.io/");
	memset(ref + 8, 'b', 248);
	ref[256] = 0;
	bad(ref, "longer than 255");
}

static void test_registry_reference__bad_path(void)
{
	bad("ghcr.io/Org/app", "repository names are lower-case: write 'org' for 'Org'");
	bad("Nginx", "repository names are lower-case: write 'nginx' for 'Nginx'");
	bad("ghcr.io/org//app", "empty path component");
	bad("ghcr.io/org/app/", "empty path component");
	bad("/app", "empty path component");
	bad("ghcr.io/", "no repository path after the host");
	bad("ghcr.io/a...b", "invalid path component 'a...b'");
	bad("ghcr.io/a___b", "invalid path component");
	bad("ghcr.io/-a", "invalid path component");
	bad("ghcr.io/a-", "invalid path component");
	bad("ghcr.io/a._b", "invalid path component");
	bad("ghcr.io/a+b", "invalid path component");
	bad(HEX64, "64-character hexadecimal");
	bad(":v1", "no repository name");
}

static void test_registry_reference__bad_domain(void)
{
	bad("-bad.example.com/app", "invalid registry host '-bad.example.com'");
	bad("bad-.example.com/app", "invalid registry host");
	bad("example..com/app", "invalid registry host");
	bad("example.com:/app", "invalid registry host");
	bad("example.com:50x0/app", "invalid registry host");
	bad("[::1/app", "invalid registry host");
	bad("[]:5000/app", "invalid registry host");
	bad("ex_ample.com/app", "invalid registry host");
}

static void test_registry_reference__bad_tag(void)
{
	bad("ghcr.io/org/app:", "invalid tag ''");
	bad("ghcr.io/org/app:.v1", "invalid tag '.v1'");
	bad("ghcr.io/org/app:-v1", "invalid tag '-v1'");
	bad("ghcr.io/org/app:v1+build", "invalid tag 'v1+build'");
	bad("ghcr.io/org/app:v1:v2", "invalid");
	bad("localhost:5000/app:", "invalid tag");
}

static void test_registry_reference__bad_digest(void)
{
	bad("ghcr.io/org/app@md5:0123456789abcdef0123456789abcdef", "invalid digest");
	bad("ghcr.io/org/app@sha256:0123", "invalid digest 'sha256:0123'");
	bad("ghcr.io/org/app@sha256:" HEX64 "0", "invalid digest");
	bad("ghcr.io/org/app@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
	    "invalid digest");
	bad("ghcr.io/org/app@sha256:g123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	    "invalid digest");
	bad("ghcr.io/org/app@", "invalid digest");
	bad("ghcr.io/org/app@" HEX64, "invalid digest");
	CHECK_INT(registry_digest_valid("sha256:" HEX64), 1);
	CHECK_INT(registry_digest_valid("sha512:" HEX64), 0);
	CHECK_INT(registry_digest_valid("SHA256:" HEX64), 0);
}

static void test_registry_reference__whitespace_and_empty(void)
{
	struct registry_ref r;

	bad("ghcr.io/org/app :v1", "whitespace");
	bad("ghcr.io/org/app\n", "control character");
	CHECK_INT(registry_ref_parse(&r, ""), E_USAGE);
	CHECK(strstr(err_msg(), "empty") != NULL);
	CHECK_INT(registry_ref_parse(&r, NULL), E_USAGE);
}

static void test_registry_reference__repo_only(void)
{
	struct registry_ref r;
	char *s;

	CHECK_INT(registry_ref_parse_repo(&r, "localhost:5000/org/app"), 0);
	CHECK_STR(r.domain, "localhost:5000");
	CHECK_STR(r.path, "org/app");
	registry_ref_free(&r);
	CHECK_INT(registry_ref_parse_repo(&r, "ghcr.io/org/app:v1"), E_USAGE);
	CHECK(strstr(err_msg(), "repository 'ghcr.io/org/app:v1' must not have a tag") != NULL);
	CHECK_INT(registry_ref_parse_repo(&r, "ghcr.io/org/app@sha256:" HEX64), E_USAGE);
	CHECK(strstr(err_msg(), "must not have a digest") != NULL);
	CHECK_INT(registry_ref_parse_repo(&r, "ghcr.io/Org/app"), E_USAGE);
	CHECK(strstr(err_msg(), "repository 'ghcr.io/Org/app'") != NULL);
	/* A port is not a tag. */
	CHECK_INT(registry_ref_parse_repo(&r, "[::1]:5000/app"), 0);
	s = registry_ref_repo_dup(&r);
	CHECK_STR(s, "[::1]:5000/app");
	free(s);
	registry_ref_free(&r);
}

static void test_registry_reference__format_and_api_host(void)
{
	struct registry_ref r;
	char *s;

	CHECK_INT(registry_ref_parse(&r, "nginx:1@sha256:" HEX64), 0);
	s = registry_ref_format_dup(&r);
	CHECK_STR(s, "docker.io/library/nginx:1@sha256:" HEX64);
	free(s);
	s = registry_ref_repo_dup(&r);
	CHECK_STR(s, "docker.io/library/nginx");
	free(s);
	CHECK_STR(registry_ref_api_host(&r), "registry-1.docker.io");
	registry_ref_free(&r);
	CHECK_INT(registry_ref_parse(&r, "localhost:5000/app:v1"), 0);
	s = registry_ref_format_dup(&r);
	CHECK_STR(s, "localhost:5000/app:v1");
	free(s);
	CHECK_STR(registry_ref_api_host(&r), "localhost:5000");
	registry_ref_free(&r);
}

TEST_MAIN(TEST(test_registry_reference__docker_hub_normalisation),
	  TEST(test_registry_reference__domains), TEST(test_registry_reference__path_separators),
	  TEST(test_registry_reference__tags_and_digests),
	  TEST(test_registry_reference__tag_length_limit),
	  TEST(test_registry_reference__name_length_limit), TEST(test_registry_reference__bad_path),
	  TEST(test_registry_reference__bad_domain), TEST(test_registry_reference__bad_tag),
	  TEST(test_registry_reference__bad_digest),
	  TEST(test_registry_reference__whitespace_and_empty),
	  TEST(test_registry_reference__repo_only),
	  TEST(test_registry_reference__format_and_api_host))
