/*
 * Unit tests for registry/auth: the WWW-Authenticate parser, Docker config.json lookup and the
 * docker-credential-<name> protocol (fake helpers written into a temp dir first on PATH).
 */
#include "test.h"
#include "registry/auth.h"
#include "util/err.h"

#include <sys/stat.h>
#include <unistd.h>

static void test_registry_auth__bearer_challenge(void)
{
	struct registry_challenge c;

	CHECK_INT(registry_challenge_parse(&c, "Bearer realm=\"https://auth.example.com/token\","
					   "service=\"registry.example.com\",scope=\"repository:org/"
					   "app:pull,push\""), 0);
	CHECK_STR(c.scheme, "bearer");
	CHECK_STR(c.realm, "https://auth.example.com/token");
	CHECK_STR(c.service, "registry.example.com");
	/* The comma inside the quoted scope does not end the parameter. */
	CHECK_STR(c.scope, "repository:org/app:pull,push");
	CHECK(c.error == NULL);
	registry_challenge_free(&c);
}

static void test_registry_auth__bearer_with_error_and_spacing(void)
{
	struct registry_challenge c;

	CHECK_INT(registry_challenge_parse(&c, "  BEARER realm = \"https://ghcr.io/token\" , "
					   "error=\"insufficient_scope\", Scope=\"repository:a/b:"
					   "push\",extra=ignored,service=ghcr.io"), 0);
	CHECK_STR(c.scheme, "bearer");
	CHECK_STR(c.realm, "https://ghcr.io/token");
	CHECK_STR(c.error, "insufficient_scope");
	CHECK_STR(c.scope, "repository:a/b:push");
	CHECK_STR(c.service, "ghcr.io");
	registry_challenge_free(&c);
}

static void test_registry_auth__quoted_escapes(void)
{
	struct registry_challenge c;

	CHECK_INT(registry_challenge_parse(&c, "Bearer realm=\"a\\\"b\\\\c\""), 0);
	CHECK_STR(c.realm, "a\"b\\c");
	registry_challenge_free(&c);
}

static void test_registry_auth__basic_challenge(void)
{
	struct registry_challenge c;

	CHECK_INT(registry_challenge_parse(&c, "Basic realm=\"Registry Realm\""), 0);
	CHECK_STR(c.scheme, "basic");
	CHECK_STR(c.realm, "Registry Realm");
	CHECK(c.service == NULL && c.scope == NULL);
	registry_challenge_free(&c);
	/* A scheme without parameters. */
	CHECK_INT(registry_challenge_parse(&c, "Basic"), 0);
	CHECK_STR(c.scheme, "basic");
	CHECK(c.realm == NULL);
	registry_challenge_free(&c);
}

static void test_registry_auth__first_of_several_challenges(void)
{
	struct registry_challenge c;

	CHECK_INT(registry_challenge_parse(&c, "Basic realm=\"r1\", Bearer realm=\"r2\","
					   "service=\"s\""), 0);
	CHECK_STR(c.scheme, "basic");
	CHECK_STR(c.realm, "r1");
	CHECK(c.service == NULL);
	registry_challenge_free(&c);
}

static void test_registry_auth__bad_challenges(void)
{
	struct registry_challenge c;

	CHECK_INT(registry_challenge_parse(&c, ""), E_HTTP);
	CHECK(strstr(err_msg(), "no auth scheme") != NULL);
	CHECK(c.scheme == NULL);
	CHECK_INT(registry_challenge_parse(&c, "\"quoted\""), E_HTTP);
	CHECK_INT(registry_challenge_parse(&c, NULL), E_HTTP);
	CHECK_INT(registry_challenge_parse(&c, "Bearer realm=\"https://x/token"), E_HTTP);
	CHECK(strstr(err_msg(), "unterminated quoted string") != NULL);
	CHECK(c.scheme == NULL && c.realm == NULL);
	CHECK_INT(registry_challenge_parse(&c, "Bearer realm=\"x\", =y"), E_HTTP);
	CHECK(strstr(err_msg(), "unexpected '='") != NULL);
	CHECK(c.scheme == NULL && c.realm == NULL);
}

static int lookup(const char *json, const char *host, struct registry_creds *out)
{
	return registry_config_lookup_json(json, strlen(json), host, out);
}

static void test_registry_auth__config_auths(void)
{
	const char *cfg = "{\"auths\":{"
			  "\"ghcr.io\":{\"auth\":\"YWxpY2U6czNjcjpldA==\"},"
			  "\"https://index.docker.io/v1/\":{\"auth\":\"aHViOmh1YnB3\"},"
			  "\"http://localhost:5000\":{\"username\":\"u\",\"password\":\"p\"},"
			  "\"id.example.com\":{\"identitytoken\":\"refresh-tok\"},"
			  "\"both.example.com\":{\"auth\":\"YTpi\",\"identitytoken\":\"rt\"}"
			  "}}";
	struct registry_creds c;

	CHECK_INT(lookup(cfg, "ghcr.io", &c), 0);
	CHECK_STR(c.username, "alice");
	/* Only the first ':' separates user and password. */
	CHECK_STR(c.password, "s3cr:et");
	CHECK(c.identity_token == NULL);
	CHECK_STR(c.source, "docker config.json auths");
	registry_creds_free(&c);
	CHECK(c.username == NULL && c.password == NULL);

	/* Docker Hub credentials live under https://index.docker.io/v1/. */
	CHECK_INT(lookup(cfg, "docker.io", &c), 0);
	CHECK_STR(c.username, "hub");
	CHECK_STR(c.password, "hubpw");
	registry_creds_free(&c);
	CHECK_INT(lookup(cfg, "registry-1.docker.io", &c), 0);
	CHECK_STR(c.username, "hub");
	registry_creds_free(&c);

	/* Keys match with a scheme; explicit username/password fields. */
	CHECK_INT(lookup(cfg, "localhost:5000", &c), 0);
	CHECK_STR(c.username, "u");
	CHECK_STR(c.password, "p");
	registry_creds_free(&c);

	CHECK_INT(lookup(cfg, "id.example.com", &c), 0);
	CHECK_STR(c.identity_token, "refresh-tok");
	CHECK_STR(c.username, "<token>");
	CHECK(c.password == NULL);
	registry_creds_free(&c);

	CHECK_INT(lookup(cfg, "both.example.com", &c), 0);
	CHECK_STR(c.username, "a");
	CHECK_STR(c.password, "b");
	CHECK_STR(c.identity_token, "rt");
	registry_creds_free(&c);

	/* Hosts are compared whole: no prefix or port-less match. */
	CHECK_INT(lookup(cfg, "ghcr.io.evil.com", &c), E_NOTFOUND);
	CHECK_INT(lookup(cfg, "localhost", &c), E_NOTFOUND);
	CHECK_INT(lookup(cfg, "quay.io", &c), E_NOTFOUND);
	CHECK(c.username == NULL);
	CHECK_INT(lookup("{}", "ghcr.io", &c), E_NOTFOUND);
}

static void test_registry_auth__config_bad_input(void)
{
	struct registry_creds c;

	CHECK_INT(lookup("{\"auths\":", "ghcr.io", &c), E_USAGE);
	CHECK(strstr(err_msg(), "docker config: invalid JSON") != NULL);
	CHECK_INT(lookup("[]", "ghcr.io", &c), E_USAGE);
	CHECK(strstr(err_msg(), "expected a JSON object") != NULL);
	CHECK_INT(lookup("{\"auths\":{\"ghcr.io\":{\"auth\":\"bm9jb2xvbg==\"}}}", "ghcr.io", &c),
		  E_USAGE);
	CHECK(strstr(err_msg(), "not base64 of user:password") != NULL);
	CHECK(c.username == NULL && c.password == NULL);
	CHECK_INT(lookup("{\"auths\":{\"ghcr.io\":{\"auth\":\"!!!!\"}}}", "ghcr.io", &c), E_USAGE);
	CHECK(strstr(err_msg(), "not valid base64") != NULL);
}

/* A temp dir with fake credential helpers, put first on PATH. */
static char helper_dir[64];
static char old_path[4096];

static void write_script(const char *name, const char *body)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/docker-credential-%s", helper_dir, name);
	f = fopen(p, "w");
	CHECK(f != NULL);
	if (!f)
		return;
	fprintf(f, "#!/bin/sh\n%s", body);
	fclose(f);
	CHECK_INT(chmod(p, 0755), 0);
}

static void helpers_setup(void)
{
	char path[8192];
	const char *p = getenv("PATH");

	snprintf(helper_dir, sizeof(helper_dir), "/tmp/convoy-auth-XXXXXX");
	CHECK(mkdtemp(helper_dir) != NULL);
	snprintf(old_path, sizeof(old_path), "%s", p ? p : "/usr/bin:/bin");
	snprintf(path, sizeof(path), "%s:%s", helper_dir, old_path);
	setenv("PATH", path, 1);
	/* Reads the server URL on stdin; answers only for `get`. */
	write_script("convoytest",
		     "[ \"$1\" = get ] || exit 2\n"
		     "read -r url || [ -n \"$url\" ] || exit 3\n"
		     "printf '{\"ServerURL\":\"%s\",\"Username\":\"user-%s\",\"Secret\":\"pw-%s\"}\\n'"
		     " \"$url\" \"$url\" \"$url\"\n");
	write_script("convoytoken",
		     "cat >/dev/null\n"
		     "printf '{\"ServerURL\":\"x\",\"Username\":\"<token>\",\"Secret\":\"rt-1\"}'\n");
	write_script("convoynone",
		     "cat >/dev/null\necho 'credentials not found in native keychain'\nexit 1\n");
	write_script("convoyfail", "cat >/dev/null\necho 'some secret-ish output' >&2\nexit 4\n");
	write_script("convoyjunk", "cat >/dev/null\necho 'not json'\n");
	write_script("convoynosecret",
		     "cat >/dev/null\necho '{\"Username\":\"u\",\"Secret\":\"\"}'\n");
}

static void helpers_teardown(void)
{
	const char *names[] = { "convoytest", "convoytoken", "convoynone", "convoyfail",
				"convoyjunk", "convoynosecret" };
	char p[256];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/docker-credential-%s", helper_dir, names[i]);
		unlink(p);
	}
	snprintf(p, sizeof(p), "%s/config.json", helper_dir);
	unlink(p);
	rmdir(helper_dir);
	setenv("PATH", old_path, 1);
}

static void test_registry_auth__cred_helper_protocol(void)
{
	struct registry_creds c;

	helpers_setup();
	CHECK_INT(registry_cred_helper_get("convoytest", "ghcr.io", &c), 0);
	CHECK_STR(c.username, "user-ghcr.io");
	CHECK_STR(c.password, "pw-ghcr.io");
	CHECK(c.identity_token == NULL);
	CHECK_STR(c.source, "docker-credential-convoytest");
	registry_creds_free(&c);

	/* Username "<token>": the secret is an identity token. */
	CHECK_INT(registry_cred_helper_get("convoytoken", "ghcr.io", &c), 0);
	CHECK_STR(c.identity_token, "rt-1");
	CHECK(c.password == NULL);
	registry_creds_free(&c);

	CHECK_INT(registry_cred_helper_get("convoynone", "ghcr.io", &c), E_NOTFOUND);
	CHECK(c.username == NULL);

	CHECK_INT(registry_cred_helper_get("convoyfail", "ghcr.io", &c), E_AUTH);
	CHECK(strstr(err_msg(), "docker-credential-convoyfail failed for ghcr.io "
			       "(exit status 4)") != NULL);
	CHECK(strstr(err_msg(), "secret-ish") == NULL);

	CHECK_INT(registry_cred_helper_get("convoyjunk", "ghcr.io", &c), E_AUTH);
	CHECK(strstr(err_msg(), "without Username and Secret") != NULL);
	CHECK_INT(registry_cred_helper_get("convoynosecret", "ghcr.io", &c), E_AUTH);

	CHECK_INT(registry_cred_helper_get("convoymissing", "ghcr.io", &c), E_NOTFOUND);
	CHECK(strstr(err_msg(), "docker-credential-convoymissing is not on PATH") != NULL);

	CHECK_INT(registry_cred_helper_get("../../bin/sh", "ghcr.io", &c), E_USAGE);
	CHECK(strstr(err_msg(), "not valid") != NULL);
	helpers_teardown();
}

static void test_registry_auth__config_helpers(void)
{
	const char *cfg = "{\"auths\":{\"ghcr.io\":{\"auth\":\"YTpi\"},"
			  "\"quay.io\":{\"auth\":\"YTpi\"}},"
			  "\"credHelpers\":{\"ghcr.io\":\"convoytest\",\"none.example.com\":"
			  "\"convoynone\"},"
			  "\"credsStore\":\"convoytest\"}";
	struct registry_creds c;
	char p[256];
	FILE *f;

	helpers_setup();
	/* credHelpers[host] wins over auths[host]. */
	CHECK_INT(lookup(cfg, "ghcr.io", &c), 0);
	CHECK_STR(c.username, "user-ghcr.io");
	CHECK_STR(c.source, "docker-credential-convoytest");
	registry_creds_free(&c);
	/* auths[host] wins over credsStore. */
	CHECK_INT(lookup(cfg, "quay.io", &c), 0);
	CHECK_STR(c.username, "a");
	CHECK_STR(c.source, "docker config.json auths");
	registry_creds_free(&c);
	/* Otherwise credsStore. */
	CHECK_INT(lookup(cfg, "registry.example.com:5000", &c), 0);
	CHECK_STR(c.username, "user-registry.example.com:5000");
	CHECK_STR(c.password, "pw-registry.example.com:5000");
	registry_creds_free(&c);
	/* A helper with no credentials for the host: not found. */
	CHECK_INT(lookup(cfg, "none.example.com", &c), E_NOTFOUND);

	/* The same through a config directory. */
	snprintf(p, sizeof(p), "%s/config.json", helper_dir);
	f = fopen(p, "w");
	CHECK(f != NULL);
	if (f) {
		fputs(cfg, f);
		fclose(f);
	}
	CHECK_INT(registry_config_lookup(helper_dir, "ghcr.io", &c), 0);
	CHECK_STR(c.username, "user-ghcr.io");
	registry_creds_free(&c);
	setenv("DOCKER_CONFIG", helper_dir, 1);
	CHECK_INT(registry_config_lookup(NULL, "quay.io", &c), 0);
	CHECK_STR(c.username, "a");
	registry_creds_free(&c);
	f = fopen(p, "w");
	if (f) {
		fputs("{not json", f);
		fclose(f);
	}
	CHECK_INT(registry_config_lookup(NULL, "quay.io", &c), E_USAGE);
	CHECK(strstr(err_msg(), "config.json") != NULL);
	CHECK(strstr(err_msg(), "invalid JSON") != NULL);
	unsetenv("DOCKER_CONFIG");
	helpers_teardown();
	/* No config file at all: not found. */
	CHECK_INT(registry_config_lookup("/nonexistent-convoy-dir", "ghcr.io", &c), E_NOTFOUND);
}

static void test_registry_auth__ecr_host(void)
{
	char *acct, *region;

	CHECK_INT(registry_host_is_ecr("123456789012.dkr.ecr.eu-west-1.amazonaws.com", &acct,
				       &region), 1);
	CHECK_STR(acct, "123456789012");
	CHECK_STR(region, "eu-west-1");
	free(acct);
	free(region);
	CHECK_INT(registry_host_is_ecr("123456789012.dkr.ecr-fips.us-east-1.amazonaws.com", NULL,
				       NULL), 1);
	CHECK_INT(registry_host_is_ecr("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn", NULL,
				       NULL), 1);
	CHECK_INT(registry_host_is_ecr("12345678901.dkr.ecr.eu-west-1.amazonaws.com", NULL, NULL),
		  0);
	CHECK_INT(registry_host_is_ecr("123456789012.dkr.ecr.eu-west-1.amazonaws.com.evil.com",
				       NULL, NULL), 0);
	CHECK_INT(registry_host_is_ecr("ghcr.io", NULL, NULL), 0);
}

TEST_MAIN(TEST(test_registry_auth__bearer_challenge),
	  TEST(test_registry_auth__bearer_with_error_and_spacing),
	  TEST(test_registry_auth__quoted_escapes), TEST(test_registry_auth__basic_challenge),
	  TEST(test_registry_auth__first_of_several_challenges),
	  TEST(test_registry_auth__bad_challenges), TEST(test_registry_auth__config_auths),
	  TEST(test_registry_auth__config_bad_input),
	  TEST(test_registry_auth__cred_helper_protocol),
	  TEST(test_registry_auth__config_helpers), TEST(test_registry_auth__ecr_host))
