/*
 * Unit tests for the pure parts of the AWS credential chain: profiles of ~/.aws/config and
 * ~/.aws/credentials (role chains, nested sections, the credentials file winning), the JSON of
 * credential_process and of the container/IMDS endpoints, STS's XML, ISO 8601 times; and the
 * profile chain's errors that come before any request (a loop, a missing source profile).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/creds.h"
#include "aws/endpoint.h"
#include "aws/profile.h"
#include "aws/sts.h"
#include "test.h"
#include "util/err.h"

static const char config[] =
	"# a comment\n"
	"[default]\n"
	"region = us-east-1\n"
	"[profile ci]\n"
	"region = eu-west-1\n"
	"role_arn = arn:aws:iam::123456789012:role/deployer\n"
	"source_profile = base\n"
	"external_id = ext-1\n"
	"duration_seconds = 1800\n"
	"role_session_name = ci-run\n"
	"s3 =\n"
	"  region = nested-not-mine\n"
	"  max_concurrent_requests = 20\n"
	"credential_process = /bin/false\n"
	"[profile base]\n"
	"aws_access_key_id = AKIDCONFIG\n"
	"aws_secret_access_key = config-secret\n"
	"[ci]\n"
	"; in the config file, [ci] is the same name as [profile ci] to convoy\n";

static void test_aws_creds__config_profile_with_role_chain_fields(void)
{
	struct aws_profile p;

	memset(&p, 0, sizeof(p));
	CHECK_INT(aws_profile_parse(&p, config, strlen(config), "ci"), 0);
	CHECK_STR(p.region, "eu-west-1"); /* not the nested s3 region */
	CHECK_STR(p.role_arn, "arn:aws:iam::123456789012:role/deployer");
	CHECK_STR(p.source_profile, "base");
	CHECK_STR(p.external_id, "ext-1");
	CHECK_STR(p.duration_seconds, "1800");
	CHECK_STR(p.role_session_name, "ci-run");
	CHECK_STR(p.credential_process, "/bin/false"); /* a key after the nested section */
	CHECK(p.access_key_id == NULL);
	aws_profile_free(&p);
	CHECK(p.role_arn == NULL);

	memset(&p, 0, sizeof(p));
	CHECK_INT(aws_profile_parse(&p, config, strlen(config), "base"), 0);
	CHECK_STR(p.access_key_id, "AKIDCONFIG");
	CHECK(p.role_arn == NULL && p.region == NULL);
	aws_profile_free(&p);

	memset(&p, 0, sizeof(p));
	CHECK_INT(aws_profile_parse(&p, config, strlen(config), "default"), 0);
	CHECK_STR(p.region, "us-east-1");
	aws_profile_free(&p);
	CHECK_INT(aws_profile_parse(&p, config, strlen(config), "nope"), E_NOTFOUND);
	CHECK_INT(aws_profile_parse(&p, config, strlen(config), "profile"), E_NOTFOUND);
}

static void test_aws_creds__credentials_file_keys_win_over_config(void)
{
	const char *creds = "[base]\naws_access_key_id=AKIDFILE\naws_secret_access_key = file-secret\n"
			    "aws_session_token =\n";
	struct aws_profile p;

	memset(&p, 0, sizeof(p));
	CHECK_INT(aws_profile_parse(&p, config, strlen(config), "base"), 0);
	CHECK_INT(aws_profile_parse(&p, creds, strlen(creds), "base"), 0);
	CHECK_STR(p.access_key_id, "AKIDFILE");
	CHECK_STR(p.secret_access_key, "file-secret");
	CHECK(p.session_token == NULL); /* an empty value is no value */
	aws_profile_free(&p);
}

static void test_aws_creds__credential_process_json(void)
{
	const char *ok = "{\"Version\": 1, \"AccessKeyId\": \"ASIAPROC\", \"SecretAccessKey\": "
			 "\"s3cr3t\", \"SessionToken\": \"tok\", \"Expiration\": "
			 "\"2026-12-08T01:02:03Z\"}";
	const char *v2 = "{\"Version\": 2, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"B\"}";
	const char *nokey = "{\"Version\": 1, \"SecretAccessKey\": \"hidden-secret\"}";
	struct aws_creds c;

	memset(&c, 0, sizeof(c));
	CHECK_INT(aws_creds_parse_process_json(&c, ok, strlen(ok), "credential_process of profile p"),
		  0);
	CHECK_STR(c.access_key_id, "ASIAPROC");
	CHECK_STR(c.secret_access_key, "s3cr3t");
	CHECK_STR(c.session_token, "tok");
	CHECK_INT(c.expiration, 1796691723LL);
	aws_creds_free(&c);
	CHECK_INT(c.expiration, 0);

	CHECK_INT(aws_creds_parse_process_json(&c, v2, strlen(v2), "cp"), E_AUTH);
	CHECK(strstr(err_msg(), "\"Version\" is not 1") != NULL);
	aws_creds_free(&c);
	CHECK_INT(aws_creds_parse_process_json(&c, nokey, strlen(nokey), "cp"), E_AUTH);
	CHECK(strstr(err_msg(), "no \"AccessKeyId\"") != NULL);
	CHECK(strstr(err_msg(), "hidden-secret") == NULL); /* never quotes the output */
	aws_creds_free(&c);
	CHECK_INT(aws_creds_parse_process_json(&c, "not json s3cr3t", 15, "cp"), E_AUTH);
	CHECK(strstr(err_msg(), "s3cr3t") == NULL);
	aws_creds_free(&c);
}

static void test_aws_creds__container_and_imds_json(void)
{
	const char *ecs = "{\"AccessKeyId\": \"ASIAECS\", \"SecretAccessKey\": \"x\", \"Token\": "
			  "\"t\", \"Expiration\": \"2026-12-08T01:02:03.000+01:00\", \"RoleArn\": "
			  "\"arn:aws:iam::1:role/r\"}";
	const char *failed = "{\"Code\": \"AssumeRoleUnauthorizedAccess\", \"AccessKeyId\": \"A\", "
			     "\"SecretAccessKey\": \"B\"}";
	struct aws_creds c;

	memset(&c, 0, sizeof(c));
	CHECK_INT(aws_creds_parse_endpoint_json(&c, ecs, strlen(ecs), "container"), 0);
	CHECK_STR(c.access_key_id, "ASIAECS");
	CHECK_STR(c.session_token, "t");
	CHECK_INT(c.expiration, 1796691723LL - 3600);
	aws_creds_free(&c);
	CHECK_INT(aws_creds_parse_endpoint_json(&c, failed, strlen(failed), "imds"), E_AUTH);
	CHECK(strstr(err_msg(), "AssumeRoleUnauthorizedAccess") != NULL);
	aws_creds_free(&c);
}

static void test_aws_creds__iso8601_times(void)
{
	long long t = 0;

	CHECK_INT(aws_time_parse("1970-01-01T00:00:00Z", &t), 0);
	CHECK_INT(t, 0);
	CHECK_INT(aws_time_parse("2026-12-08T01:02:03.123456Z", &t), 0);
	CHECK_INT(t, 1796691723LL);
	CHECK_INT(aws_time_parse("2026-12-08T01:02:03-02:30", &t), 0);
	CHECK_INT(t, 1796691723LL + 9000);
	CHECK(aws_time_parse("2026-12-08 01:02:03Z", &t) != 0);
	CHECK(aws_time_parse("2026-12-08T01:02:03", &t) != 0);
	CHECK(aws_time_parse("2026-13-08T01:02:03Z", &t) != 0);
	CHECK(aws_time_parse(NULL, &t) != 0);
}

static void test_aws_creds__sts_xml(void)
{
	const char *xml =
		"<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
		"<AssumeRoleWithWebIdentityResult><SubjectFromWebIdentityToken>repo:o/a"
		"</SubjectFromWebIdentityToken><Credentials><AccessKeyId>ASIAXML</AccessKeyId>"
		"<SecretAccessKey>a+b/c&amp;d</SecretAccessKey><SessionToken>IQoJ&lt;x&gt;"
		"</SessionToken><Expiration>2026-12-08T01:02:03Z</Expiration></Credentials>"
		"</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>";
	const char *partial = "<AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId>"
			      "<SecretAccessKey>B</SecretAccessKey></Credentials></AssumeRoleResult>";
	struct aws_creds c;

	memset(&c, 0, sizeof(c));
	CHECK_INT(aws_sts_parse_credentials(&c, xml, strlen(xml)), 0);
	CHECK_STR(c.access_key_id, "ASIAXML");
	CHECK_STR(c.secret_access_key, "a+b/c&d");
	CHECK_STR(c.session_token, "IQoJ<x>");
	CHECK_INT(c.expiration, 1796691723LL);
	aws_creds_free(&c);
	CHECK_INT(aws_sts_parse_credentials(&c, partial, strlen(partial)), E_AUTH);
	CHECK(strstr(err_msg(), "<SessionToken>") != NULL);
	aws_creds_free(&c);
	CHECK_INT(aws_sts_parse_credentials(&c, "<x/>", 4), E_AUTH);
	aws_creds_free(&c);
}

/* A config file for the chain tests; returns its path (static storage). */
static const char *write_config(const char *text)
{
	static char path[] = "/tmp/convoy-unit-awscfg.XXXXXX";
	int fd;

	strcpy(path + strlen(path) - 6, "XXXXXX");
	fd = mkstemp(path);
	CHECK(fd >= 0);
	CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
	setenv("AWS_CONFIG_FILE", path, 1);
	unsetenv("AWS_SHARED_CREDENTIALS_FILE");
	setenv("HOME", "/nonexistent/convoy-unit", 1); /* no ~/.aws/credentials */
	return path;
}

static void test_aws_creds__profile_chain_errors_before_any_request(void)
{
	struct aws_creds c;
	const char *path;

	memset(&c, 0, sizeof(c));
	/* a -> b -> c -> a: found while following source_profile, before STS is asked */
	path = write_config("[profile a]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = b\n"
			    "[profile b]\nrole_arn = arn:aws:iam::1:role/y\nsource_profile = c\n"
			    "[profile c]\nrole_arn = arn:aws:iam::1:role/z\nsource_profile = a\n");
	CHECK_INT(aws_profile_creds(&c, NULL, NULL, "eu-west-1", "a", 1), E_USAGE);
	CHECK(strstr(err_msg(), "AWS profiles a -> b -> c -> a: a source_profile loop") != NULL);
	aws_creds_free(&c);
	unlink(path);

	path = write_config("[profile a]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = gone\n");
	CHECK_INT(aws_profile_creds(&c, NULL, NULL, "eu-west-1", "a", 1), E_USAGE);
	CHECK(strstr(err_msg(), "profile gone (source_profile of profile a) is not in") != NULL);
	aws_creds_free(&c);
	unlink(path);

	path = write_config("[profile a]\nrole_arn = arn:aws:iam::1:role/x\n");
	CHECK_INT(aws_profile_creds(&c, NULL, NULL, "eu-west-1", "a", 1), E_USAGE);
	CHECK(strstr(err_msg(), "has role_arn but no source_profile") != NULL);
	aws_creds_free(&c);
	unlink(path);

	path = write_config("[profile a]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = a\n"
			    "duration_seconds = 60\naws_access_key_id = A\naws_secret_access_key = B\n");
	CHECK_INT(aws_profile_creds(&c, NULL, NULL, "eu-west-1", "a", 1), E_USAGE);
	CHECK(strstr(err_msg(), "duration_seconds '60'") != NULL);
	aws_creds_free(&c);
	unlink(path);

	/* static keys need no request at all */
	path = write_config("[profile k]\naws_access_key_id = AKIDK\naws_secret_access_key = sk\n");
	CHECK_INT(aws_profile_creds(&c, NULL, NULL, "eu-west-1", "k", 1), 0);
	CHECK_STR(c.access_key_id, "AKIDK");
	CHECK(c.source && !strncmp(c.source, "profile k in ", 13) && !strcmp(c.source + 13, path));
	aws_creds_free(&c);
	/* the default profile, absent, lets the chain go on; asked for by name, it is an error */
	CHECK_INT(aws_profile_creds(&c, NULL, NULL, "eu-west-1", "default", 0), E_NOTFOUND);
	CHECK_INT(aws_profile_creds(&c, NULL, NULL, "eu-west-1", "nope", 1), E_USAGE);
	CHECK(strstr(err_msg(), "AWS_PROFILE 'nope' is not a profile") != NULL);
	aws_creds_free(&c);
	unlink(path);
	unsetenv("AWS_CONFIG_FILE");
	unsetenv("AWS_SHARED_CREDENTIALS_FILE");
}

static void test_aws_creds__sts_endpoint_env_then_regional(void)
{
	struct buf u = BUF_INIT;

	unsetenv("AWS_ENDPOINT_URL_STS");
	unsetenv("AWS_ENDPOINT_URL");
	CHECK_INT(aws_endpoint_url(&u, &aws_service_sts, "eu-west-1"), 0);
	CHECK_STR(buf_cstr(&u), "https://sts.eu-west-1.amazonaws.com");
	buf_reset(&u);
	CHECK_INT(aws_endpoint_url(&u, &aws_service_sts, "cn-north-1"), 0);
	CHECK_STR(buf_cstr(&u), "https://sts.cn-north-1.amazonaws.com.cn");
	buf_reset(&u);
	setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9/all", 1);
	CHECK_INT(aws_endpoint_url(&u, &aws_service_sts, "eu-west-1"), 0);
	CHECK_STR(buf_cstr(&u), "http://127.0.0.1:9/all");
	buf_reset(&u);
	setenv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9/sts", 1);
	CHECK_INT(aws_endpoint_url(&u, &aws_service_sts, "eu-west-1"), 0);
	CHECK_STR(buf_cstr(&u), "http://127.0.0.1:9/sts");
	unsetenv("AWS_ENDPOINT_URL_STS");
	unsetenv("AWS_ENDPOINT_URL");
	buf_free(&u);
}

TEST_MAIN(TEST(test_aws_creds__config_profile_with_role_chain_fields),
	  TEST(test_aws_creds__credentials_file_keys_win_over_config),
	  TEST(test_aws_creds__credential_process_json),
	  TEST(test_aws_creds__container_and_imds_json),
	  TEST(test_aws_creds__iso8601_times),
	  TEST(test_aws_creds__sts_xml),
	  TEST(test_aws_creds__sts_endpoint_env_then_regional),
	  TEST(test_aws_creds__profile_chain_errors_before_any_request))
