/* Unit tests for http/: URL helpers, Retry-After, loopback rule, CA discovery. */
#include <stdlib.h>

#include "http/ca.h"
#include "http/http.h"
#include "test.h"
#include "util/err.h"

static void test_http__retry_after_seconds_and_dates(void)
{
	CHECK_INT(http_parse_retry_after("3"), 3000);
	CHECK_INT(http_parse_retry_after(" 0 "), 0);
	CHECK_INT(http_parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), 0); /* in the past */
	CHECK_INT(http_parse_retry_after("soon"), -1);
	CHECK_INT(http_parse_retry_after("-1"), -1);
}

static void test_http__hosts_and_redirect_resolution(void)
{
	char *s;

	s = http_url_host_dup("https://Registry.Example.com:5000/v2/");
	CHECK_STR(s, "registry.example.com:5000");
	free(s);
	s = http_resolve_url_dup("http://127.0.0.1:5000/v2/a/blobs/uploads/", "/v2/a/blobs/uploads/x?y=1");
	CHECK_STR(s, "http://127.0.0.1:5000/v2/a/blobs/uploads/x?y=1");
	free(s);
	s = http_resolve_url_dup("http://127.0.0.1:5000/v2/", "https://s3.example/obj");
	CHECK_STR(s, "https://s3.example/obj");
	free(s);
	CHECK(http_host_is_loopback("127.0.0.1:8080"));
	CHECK(http_host_is_loopback("localhost"));
	CHECK(http_host_is_loopback("[::1]:5000"));
	CHECK(!http_host_is_loopback("localhost.evil.com"));
	CHECK(!http_host_is_loopback("10.0.0.1"));
}

static void test_http__escape_query_values(void)
{
	struct buf b = BUF_INIT;

	CHECK_INT(http_url_escape(&b, "repository:a/b:pull,push"), 0);
	CHECK_STR(buf_cstr(&b), "repository%3Aa%2Fb%3Apull%2Cpush");
	buf_free(&b);
}

static void test_http__refuses_credentials_over_plain_http_to_remote_host(void)
{
	struct http_client *c;
	struct http_response r = { 0 };
	struct http_request q = { .method = "GET", .url = "http://registry.example.com/v2/",
				  .auth = "Basic c2VjcmV0" };

	CHECK_INT(http_client_new(&c, NULL), 0);
	CHECK_INT(http_do(c, &q, &r), E_USAGE);
	CHECK(strstr(err_msg(), "plain HTTP") != NULL);
	CHECK(strstr(err_msg(), "c2VjcmV0") == NULL);
	http_response_free(&r);
	http_client_free(c);
}

static void test_http__ca_bundle_honours_ssl_cert_file(void)
{
	char *p;

	setenv("SSL_CERT_FILE", "/custom/ca.pem", 1);
	p = http_ca_find_dup();
	CHECK_STR(p, "/custom/ca.pem");
	free(p);
	unsetenv("SSL_CERT_FILE");
}

/* Registries and GitHub page with Link headers; the next page is the rel="next" link, wherever
 * it sits among others (Harbor-like prev before next). */
static void test_http__link_header_next(void)
{
	char *p;

	p = http_link_find_dup("</v2/app/tags/list?last=b&n=2>; rel=\"next\"", "next");
	CHECK_STR(p, "/v2/app/tags/list?last=b&n=2");
	free(p);
	p = http_link_find_dup("</page/1>; rel=\"prev\", </page/3>; rel=\"next\"", "next");
	CHECK_STR(p, "/page/3");
	free(p);
	p = http_link_find_dup("<https://api.github.com/x?page=2>; rel=\"next\", "
			       "<https://api.github.com/x?page=9>; rel=\"last\"", "last");
	CHECK_STR(p, "https://api.github.com/x?page=9");
	free(p);
	p = http_link_find_dup("</a>; title=\"rel=next, not a rel\"; rel=\"prev\"", "next");
	CHECK(p == NULL);
	free(p);
	CHECK(http_link_find_dup("</only>; rel=\"prev\"", "next") == NULL);
	CHECK(http_link_find_dup(NULL, "next") == NULL);
}

/* Traces and messages show URLs without the values that grant access: a redirect to blob
 * storage signs its query, an upload URL carries the upload's state. */
static void test_http__url_redacted_for_logs(void)
{
	char *p;

	p = http_url_redact_dup("https://s3.example.com/b/x?X-Amz-Credential=AKIA/1&X-Amz-Signature=abc"
				"&X-Amz-Security-Token=tok");
	CHECK_STR(p, "https://s3.example.com/b/x?X-Amz-Credential=***&X-Amz-Signature=***"
		     "&X-Amz-Security-Token=***");
	free(p);
	p = http_url_redact_dup("http://r/v2/app/blobs/uploads/u?_state=s3cret&digest=sha256:ab");
	CHECK_STR(p, "http://r/v2/app/blobs/uploads/u?_state=***&digest=sha256:ab");
	free(p);
	p = http_url_redact_dup("http://r/v2/a/blobs/uploads/?mount=sha256:ab&from=b");
	CHECK_STR(p, "http://r/v2/a/blobs/uploads/?mount=sha256:ab&from=b");
	free(p);
	p = http_url_redact_dup("http://r/v2/a/tags/list?n=100&last=x&flag");
	CHECK_STR(p, "http://r/v2/a/tags/list?n=100&last=x&flag");
	free(p);
	p = http_url_redact_dup("http://r/v2/");
	CHECK_STR(p, "http://r/v2/");
	free(p);
}

/* Credentials go to one origin: scheme, host and port (the default port filled in). */
static void test_http__origin_is_scheme_host_port(void)
{
	char *a = http_url_origin_dup("https://Registry.Example/v2/x?a=1");
	char *b = http_url_origin_dup("https://registry.example:443/v2/y");
	char *c = http_url_origin_dup("http://registry.example/v2/");
	char *d = http_url_origin_dup("https://registry.example:5000/v2/");
	char *e = http_url_origin_dup("not a url");

	CHECK_STR(a, "https://registry.example:443");
	CHECK_STR(b, "https://registry.example:443");
	CHECK_STR(c, "http://registry.example:80");
	CHECK_STR(d, "https://registry.example:5000");
	CHECK(e == NULL);
	free(a);
	free(b);
	free(c);
	free(d);
	free(e);
}

TEST_MAIN(TEST(test_http__retry_after_seconds_and_dates), TEST(test_http__link_header_next),
	  TEST(test_http__origin_is_scheme_host_port),
	  TEST(test_http__url_redacted_for_logs),
	  TEST(test_http__hosts_and_redirect_resolution), TEST(test_http__escape_query_values),
	  TEST(test_http__refuses_credentials_over_plain_http_to_remote_host),
	  TEST(test_http__ca_bundle_honours_ssl_cert_file))
