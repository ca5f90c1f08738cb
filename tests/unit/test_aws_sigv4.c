/*
 * Unit tests for aws/sigv4 against the aws-c-auth SigV4 test suite (Apache-2.0), read at run
 * time from $CONVOY_TESTDATA/sigv4/aws-c-auth-v4/<case>/ (tests/data/sigv4, source and licence in
 * its README.md): for every header-signing case the canonical request, the string to sign, the
 * signature and the signed request must match.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "aws/sigv4.h"
#include "test.h"
#include "util/buf.h"
#include "util/err.h"

static const char *const cases[] = {
	"get-header-value-trim",   "get-vanilla",         "get-vanilla-with-session-token",
	"post-header-key-case",    "post-header-key-sort", "post-header-value-case",
	"post-sts-header-after",   "post-sts-header-before", "post-vanilla",
	"post-vanilla-query",      "post-x-www-form-urlencoded",
};

static int read_case_file(struct buf *b, const char *name, const char *file)
{
	const char *dir = getenv("CONVOY_TESTDATA");
	struct buf path = BUF_INIT;
	int rc;

	buf_reset(b);
	buf_printf(&path, "%s/sigv4/aws-c-auth-v4/%s/%s", dir ? dir : "tests/data", name, file);
	rc = buf_read_file(b, buf_cstr(&path), 0);
	if (rc)
		fprintf(stderr, "cannot read %s: %s\n", buf_cstr(&path), err_msg());
	buf_free(&path);
	return rc;
}

/* Parses request.txt: request line, header lines, optional blank line and body. */
struct raw_req {
	char *method, *path, *query;
	struct strlist headers;
	struct buf body;
};

static void raw_req_free(struct raw_req *r)
{
	free(r->method);
	free(r->path);
	free(r->query);
	strlist_clear(&r->headers);
	buf_free(&r->body);
}

static int raw_req_parse(struct raw_req *r, const char *text)
{
	const char *eol = strchr(text, '\n'), *sp1, *sp2, *p, *q;

	memset(r, 0, sizeof(*r));
	if (!eol)
		eol = text + strlen(text);
	sp1 = strchr(text, ' ');
	sp2 = sp1 ? strstr(sp1 + 1, " HTTP/") : NULL;
	if (!sp1 || !sp2)
		return -1;
	r->method = strndup(text, (size_t)(sp1 - text));
	q = memchr(sp1 + 1, '?', (size_t)(sp2 - sp1 - 1));
	r->path = strndup(sp1 + 1, (size_t)((q ? q : sp2) - sp1 - 1));
	if (q)
		r->query = strndup(q + 1, (size_t)(sp2 - q - 1));
	for (p = *eol ? eol + 1 : eol; *p;) {
		const char *e = strchr(p, '\n');

		if (!e)
			e = p + strlen(p);
		if (e == p) { /* blank line: the body follows */
			buf_add(&r->body, e + 1, strlen(e + 1));
			break;
		}
		strlist_addn(&r->headers, p, (size_t)(e - p));
		p = *e ? e + 1 : e;
	}
	return 0;
}

/* "2015-08-30T12:36:00Z" -> "20150830T123600Z" */
static void amz_date_from_iso(const char *iso, char out[17])
{
	size_t j = 0;

	for (size_t i = 0; iso[i] && j < 16; i++)
		if (iso[i] != '-' && iso[i] != ':')
			out[j++] = iso[i];
	out[j] = '\0';
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lines of the request (minus the request line and the body) as a sorted list. */
static void header_lines_sorted(const char *text, struct strlist *out, struct buf *body,
				struct buf *first)
{
	const char *p = text, *e;
	int n = 0;

	while (*p) {
		e = strchr(p, '\n');
		if (!e)
			e = p + strlen(p);
		if (n++ == 0) {
			buf_add(first, p, (size_t)(e - p));
		} else if (e == p) {
			buf_add(body, e + 1, strlen(e + 1));
			break;
		} else {
			strlist_addn(out, p, (size_t)(e - p));
		}
		p = *e ? e + 1 : e;
	}
	/* trailing blank lines of the expected file are not part of the body */
	while (body->len && body->data[body->len - 1] == '\n')
		buf_truncate(body, body->len - 1);
	if (out->len)
		qsort(out->items, out->len, sizeof(char *), cmp_line);
}

static void check_case(const char *name)
{
	struct buf ctx_text = BUF_INIT, req_text = BUF_INIT, want = BUF_INIT, got = BUF_INIT;
	struct raw_req raw;
	struct sigv4_request req;
	struct sigv4_result res;
	json_t *ctx = NULL, *creds;
	char date[17];
	int sign_body, omit;

	memset(&raw, 0, sizeof(raw));
	if (read_case_file(&ctx_text, name, "context.json") ||
	    read_case_file(&req_text, name, "request.txt")) {
		CHECK(!"vector files readable");
		goto out;
	}
	ctx = json_loads(buf_cstr(&ctx_text), 0, NULL);
	CHECK(ctx != NULL);
	if (!ctx || raw_req_parse(&raw, buf_cstr(&req_text))) {
		CHECK(!"vector parses");
		goto out;
	}
	creds = json_object_get(ctx, "credentials");
	amz_date_from_iso(json_string_value(json_object_get(ctx, "timestamp")), date);
	sign_body = json_is_true(json_object_get(ctx, "sign_body"));
	omit = json_is_true(json_object_get(ctx, "omit_session_token"));

	memset(&req, 0, sizeof(req));
	req.method = raw.method;
	req.path = raw.path;
	req.query = raw.query;
	req.headers = &raw.headers;
	req.body = raw.body.data;
	req.body_len = raw.body.len;
	req.access_key_id = json_string_value(json_object_get(creds, "access_key_id"));
	req.secret_access_key = json_string_value(json_object_get(creds, "secret_access_key"));
	req.session_token = json_string_value(json_object_get(creds, "token"));
	req.region = json_string_value(json_object_get(ctx, "region"));
	req.service = json_string_value(json_object_get(ctx, "service"));
	req.amz_date = date;
	req.sign_token = !omit;
	req.add_content_sha256 = sign_body;

	CHECK_INT(sigv4_sign(&req, &res), 0);
	if (read_case_file(&want, name, "header-canonical-request.txt") == 0)
		CHECK_STR(buf_cstr(&res.canonical_request), buf_cstr(&want));
	if (read_case_file(&want, name, "header-string-to-sign.txt") == 0)
		CHECK_STR(buf_cstr(&res.string_to_sign), buf_cstr(&want));
	if (read_case_file(&want, name, "header-signature.txt") == 0) {
		while (want.len && (want.data[want.len - 1] == '\n'))
			buf_truncate(&want, want.len - 1);
		CHECK_STR(res.signature, buf_cstr(&want));
	}
	/* The signed request: the original plus the added headers (order-insensitive). */
	if (read_case_file(&want, name, "header-signed-request.txt") == 0) {
		struct strlist wl = STRLIST_INIT, gl = STRLIST_INIT;
		struct buf wbody = BUF_INIT, gbody = BUF_INIT, wfirst = BUF_INIT, gfirst = BUF_INIT;
		char *wj, *gj;

		/* rebuild: request line + headers + added headers + blank + body */
		{
			const char *nl = strchr(buf_cstr(&req_text), '\n');

			buf_add(&got, buf_cstr(&req_text),
				nl ? (size_t)(nl - buf_cstr(&req_text)) : req_text.len);
			buf_putc(&got, '\n');
		}
		for (size_t i = 0; i < raw.headers.len; i++)
			buf_printf(&got, "%s\n", raw.headers.items[i]);
		for (size_t i = 0; i < res.add_headers.len; i++)
			buf_printf(&got, "%s\n", res.add_headers.items[i]);
		buf_printf(&got, "\n%s", buf_cstr(&raw.body));
		header_lines_sorted(buf_cstr(&want), &wl, &wbody, &wfirst);
		header_lines_sorted(buf_cstr(&got), &gl, &gbody, &gfirst);
		wj = strlist_join_dup(&wl, "\n");
		gj = strlist_join_dup(&gl, "\n");
		CHECK_STR(buf_cstr(&gfirst), buf_cstr(&wfirst));
		CHECK_STR(gj, wj);
		CHECK_STR(buf_cstr(&gbody), buf_cstr(&wbody));
		free(wj);
		free(gj);
		strlist_clear(&wl);
		strlist_clear(&gl);
		buf_free(&wbody);
		buf_free(&gbody);
		buf_free(&wfirst);
		buf_free(&gfirst);
	}
	if (test_failed)
		fprintf(stderr, "  (vector %s)\n", name);
	sigv4_result_free(&res);
out:
	json_decref(ctx);
	raw_req_free(&raw);
	buf_free(&ctx_text);
	buf_free(&req_text);
	buf_free(&want);
	buf_free(&got);
}

static void test_aws_sigv4__all_header_vectors(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(cases[i]);
}

static void test_aws_sigv4__licence_kept_next_to_vectors(void)
{
	struct buf b = BUF_INIT;

	CHECK_INT(read_case_file(&b, ".", "LICENSE"), 0);
	CHECK(strstr(buf_cstr(&b), "Apache License") != NULL);
	CHECK_INT(read_case_file(&b, ".", "NOTICE"), 0);
	buf_free(&b);
}

static void test_aws_sigv4__token_signed_for_ecs_and_unsigned_when_absent(void)
{
	struct strlist h = STRLIST_INIT;
	struct sigv4_request req;
	struct sigv4_result res;

	strlist_add(&h, "Host:ecs.eu-west-1.amazonaws.com");
	strlist_add(&h, "Content-Type:application/x-amz-json-1.1");
	strlist_add(&h, "X-Amz-Target:AmazonEC2ContainerServiceV20141113.DescribeServices");
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.path = "/";
	req.headers = &h;
	req.body = "{}";
	req.body_len = 2;
	req.access_key_id = "AKID";
	req.secret_access_key = "secret";
	req.session_token = "TOKEN";
	req.region = "eu-west-1";
	req.service = "ecs";
	req.amz_date = "20260101T000000Z";
	req.sign_token = 1;
	CHECK_INT(sigv4_sign(&req, &res), 0);
	CHECK(strstr(buf_cstr(&res.canonical_request),
		     "content-type;host;x-amz-date;x-amz-security-token;x-amz-target\n") != NULL);
	CHECK_STR(res.add_headers.items[1], "X-Amz-Security-Token:TOKEN");
	sigv4_result_free(&res);
	req.session_token = ""; /* an empty token is no token */
	CHECK_INT(sigv4_sign(&req, &res), 0);
	CHECK(strstr(buf_cstr(&res.canonical_request), "security-token") == NULL);
	CHECK_INT(res.add_headers.len, 2);
	sigv4_result_free(&res);
	strlist_clear(&h);
}

static void test_aws_sigv4__path_normalised_and_query_sorted(void)
{
	struct sigv4_request req;
	struct sigv4_result res;
	struct strlist h = STRLIST_INIT;

	strlist_add(&h, "Host:example.amazonaws.com");
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.path = "/a/./b/../c//d";
	req.query = "b=2&a=z&a=y&sp=x%20y";
	req.headers = &h;
	req.access_key_id = "AKID";
	req.secret_access_key = "s";
	req.region = "us-east-1";
	req.service = "service";
	req.amz_date = "20150830T123600Z";
	CHECK_INT(sigv4_sign(&req, &res), 0);
	CHECK(!strncmp(buf_cstr(&res.canonical_request), "GET\n/a/c/d\na=y&a=z&b=2&sp=x%20y\n", 31));
	sigv4_result_free(&res);
	strlist_clear(&h);
}

TEST_MAIN(TEST(test_aws_sigv4__all_header_vectors),
	  TEST(test_aws_sigv4__licence_kept_next_to_vectors),
	  TEST(test_aws_sigv4__token_signed_for_ecs_and_unsigned_when_absent),
	  TEST(test_aws_sigv4__path_normalised_and_query_sorted))
