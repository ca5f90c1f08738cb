/*
 * aws/sigv4: canonical request -> string to sign -> signing key -> signature, as the SigV4
 * specification describes; checked against the aws-c-auth vectors in tests/unit/test_aws_sigv4.c.
 */
#include "aws/sigv4.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "util/err.h"

static void hex_encode(const unsigned char *d, size_t n, char *hex)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		hex[2 * i] = digits[d[i] >> 4];
		hex[2 * i + 1] = digits[d[i] & 15];
	}
	hex[2 * n] = '\0';
}

void sigv4_sha256_hex(const void *data, size_t len, char hex[65])
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256(data ? data : (const void *)"", len, md);
	hex_encode(md, sizeof(md), hex);
}

void sigv4_amz_date_now(char out[17])
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	if (!strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm))
		out[0] = '\0';
}

static int hmac(const void *key, size_t klen, const char *msg, unsigned char out[32])
{
	unsigned int olen = 32;

	if (!HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)msg, strlen(msg), out,
		  &olen))
		return err_set(E_INTERNAL, "sigv4: HMAC-SHA256 failed");
	return 0;
}

static int is_unreserved(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

static int uri_encode(struct buf *b, const char *s, size_t n, int keep_slash)
{
	int rc = 0;

	for (size_t i = 0; i < n && !rc; i++) {
		unsigned char c = (unsigned char)s[i];

		if (is_unreserved(c) || (keep_slash && c == '/'))
			rc = buf_putc(b, (char)c);
		else
			rc = buf_printf(b, "%%%02X", c);
	}
	return rc;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Percent-decodes s[0..n) into b ('+' stays '+': SigV4 treats it literally). */
static int uri_decode(struct buf *b, const char *s, size_t n)
{
	int rc = 0;

	for (size_t i = 0; i < n && !rc; i++) {
		if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
			rc = buf_putc(b, (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2])));
			i += 2;
		} else {
			rc = buf_putc(b, s[i]);
		}
	}
	return rc;
}

/* RFC 3986 dot-segment removal and empty-segment collapse, then encoding of each segment. */
static int canonical_path(struct buf *out, const char *path)
{
	struct strlist segs = STRLIST_INIT;
	const char *p = path && *path ? path : "/";
	size_t plen = strlen(p);
	int trailing = plen > 1 && p[plen - 1] == '/';
	int rc = 0;

	while (*p && !rc) {
		const char *e;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		e = strchr(p, '/');
		if (!e)
			e = p + strlen(p);
		if ((size_t)(e - p) == 1 && p[0] == '.') {
			/* skip */
		} else if ((size_t)(e - p) == 2 && p[0] == '.' && p[1] == '.') {
			if (segs.len)
				free(segs.items[--segs.len]);
		} else {
			rc = strlist_addn(&segs, p, (size_t)(e - p));
		}
		p = e;
	}
	for (size_t i = 0; i < segs.len && !rc; i++) {
		rc = buf_putc(out, '/');
		if (!rc)
			rc = uri_encode(out, segs.items[i], strlen(segs.items[i]), 0);
	}
	if (!rc && (!segs.len || trailing))
		rc = buf_putc(out, '/');
	strlist_clear(&segs);
	return rc;
}

/* Orders encoded "key=value" strings by key, then by value. */
static int cmp_param(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	size_t kx = strcspn(x, "="), ky = strcspn(y, "=");
	int c = strncmp(x, y, kx < ky ? kx : ky);

	if (c)
		return c;
	if (kx != ky)
		return kx < ky ? -1 : 1;
	return strcmp(x + kx, y + ky);
}

static int canonical_query(struct buf *out, const char *query)
{
	struct strlist params = STRLIST_INIT;
	struct buf dec = BUF_INIT, one = BUF_INIT;
	const char *p = query;
	int rc = 0;

	while (p && *p && !rc) {
		const char *e = strchr(p, '&'), *eq;

		if (!e)
			e = p + strlen(p);
		if (e > p) {
			eq = memchr(p, '=', (size_t)(e - p));
			buf_reset(&one);
			buf_reset(&dec);
			rc = uri_decode(&dec, p, (size_t)((eq ? eq : e) - p));
			if (!rc)
				rc = uri_encode(&one, dec.data ? dec.data : "", dec.len, 0);
			if (!rc)
				rc = buf_putc(&one, '=');
			buf_reset(&dec);
			if (!rc && eq)
				rc = uri_decode(&dec, eq + 1, (size_t)(e - eq - 1));
			if (!rc)
				rc = uri_encode(&one, dec.data ? dec.data : "", dec.len, 0);
			if (!rc)
				rc = strlist_add(&params, buf_cstr(&one));
		}
		p = *e ? e + 1 : e;
	}
	if (!rc && params.len)
		qsort(params.items, params.len, sizeof(char *), cmp_param);
	for (size_t i = 0; i < params.len && !rc; i++)
		rc = buf_printf(out, "%s%s", i ? "&" : "", params.items[i]);
	strlist_clear(&params);
	buf_free(&dec);
	buf_free(&one);
	return rc;
}

struct hdr {
	char *name;  /* lower-case */
	struct buf value;
};

static int hdr_cmp(const void *a, const void *b)
{
	return strcmp(((const struct hdr *)a)->name, ((const struct hdr *)b)->name);
}

/* Trims and collapses runs of spaces, as the specification asks. */
static int add_trimmed(struct buf *b, const char *v)
{
	int rc = 0, space = 0;

	while (*v == ' ' || *v == '\t')
		v++;
	for (; *v && !rc; v++) {
		if (*v == ' ' || *v == '\t') {
			space = 1;
			continue;
		}
		if (space)
			rc = buf_putc(b, ' ');
		space = 0;
		if (!rc)
			rc = buf_putc(b, *v);
	}
	return rc;
}

static int collect_header(struct hdr **hs, size_t *n, const char *name, size_t nlen,
			  const char *value)
{
	struct hdr *h = NULL, *grown;

	for (size_t i = 0; i < *n; i++)
		if (strlen((*hs)[i].name) == nlen && !strncasecmp((*hs)[i].name, name, nlen))
			h = &(*hs)[i];
	if (h) {
		if (buf_putc(&h->value, ','))
			return E_NOMEM;
		return add_trimmed(&h->value, value);
	}
	grown = realloc(*hs, (*n + 1) * sizeof(**hs));
	if (!grown)
		return err_set(E_NOMEM, "out of memory");
	*hs = grown;
	h = &grown[(*n)++];
	h->name = strndup(name, nlen);
	buf_init(&h->value, 0);
	if (!h->name)
		return err_set(E_NOMEM, "out of memory");
	for (char *c = h->name; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	if (buf_puts(&h->value, ""))
		return E_NOMEM;
	return add_trimmed(&h->value, value);
}

int sigv4_sign(const struct sigv4_request *req, struct sigv4_result *out)
{
	struct hdr *hs = NULL;
	size_t nh = 0;
	struct buf signed_names = BUF_INIT, scope = BUF_INIT, key = BUF_INIT;
	char payload[65], crhash[65], date[9];
	unsigned char k[32];
	int has_token = req->session_token && *req->session_token;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!req->amz_date || strlen(req->amz_date) != 16)
		return err_set(E_INTERNAL, "sigv4: bad X-Amz-Date");
	memcpy(date, req->amz_date, 8);
	date[8] = '\0';
	sigv4_sha256_hex(req->body, req->body_len, payload);

	for (size_t i = 0; req->headers && i < req->headers->len && !rc; i++) {
		const char *line = req->headers->items[i], *colon = strchr(line, ':');

		if (!colon)
			continue;
		rc = collect_header(&hs, &nh, line, (size_t)(colon - line), colon + 1);
	}
	if (!rc)
		rc = collect_header(&hs, &nh, "x-amz-date", 10, req->amz_date);
	if (!rc && has_token && req->sign_token)
		rc = collect_header(&hs, &nh, "x-amz-security-token", 20, req->session_token);
	if (!rc && req->add_content_sha256)
		rc = collect_header(&hs, &nh, "x-amz-content-sha256", 20, payload);
	if (rc)
		goto out;
	qsort(hs, nh, sizeof(*hs), hdr_cmp);

	/* Canonical request. */
	rc = buf_printf(&out->canonical_request, "%s\n", req->method);
	if (!rc)
		rc = canonical_path(&out->canonical_request, req->path);
	if (!rc)
		rc = buf_putc(&out->canonical_request, '\n');
	if (!rc)
		rc = canonical_query(&out->canonical_request, req->query);
	if (!rc)
		rc = buf_putc(&out->canonical_request, '\n');
	for (size_t i = 0; i < nh && !rc; i++) {
		rc = buf_printf(&out->canonical_request, "%s:%s\n", hs[i].name,
				buf_cstr(&hs[i].value));
		if (!rc)
			rc = buf_printf(&signed_names, "%s%s", i ? ";" : "", hs[i].name);
	}
	if (!rc)
		rc = buf_printf(&out->canonical_request, "\n%s\n%s", buf_cstr(&signed_names),
				payload);
	if (rc)
		goto out;

	/* String to sign. */
	sigv4_sha256_hex(out->canonical_request.data, out->canonical_request.len, crhash);
	rc = buf_printf(&scope, "%s/%s/%s/aws4_request", date, req->region, req->service);
	if (!rc)
		rc = buf_printf(&out->string_to_sign, "AWS4-HMAC-SHA256\n%s\n%s\n%s", req->amz_date,
				buf_cstr(&scope), crhash);
	if (rc)
		goto out;

	/* Signing key: HMAC chain over date, region, service, "aws4_request". */
	rc = buf_printf(&key, "AWS4%s", req->secret_access_key);
	if (!rc)
		rc = hmac(key.data, key.len, date, k);
	if (!rc)
		rc = hmac(k, 32, req->region, k);
	if (!rc)
		rc = hmac(k, 32, req->service, k);
	if (!rc)
		rc = hmac(k, 32, "aws4_request", k);
	if (!rc)
		rc = hmac(k, 32, buf_cstr(&out->string_to_sign), k);
	if (rc)
		goto out;
	hex_encode(k, 32, out->signature);

	{
		struct buf line = BUF_INIT;

		rc = buf_printf(&line, "X-Amz-Date:%s", req->amz_date);
		if (!rc)
			rc = strlist_add(&out->add_headers, buf_cstr(&line));
		if (!rc && has_token) {
			buf_reset(&line);
			rc = buf_printf(&line, "X-Amz-Security-Token:%s", req->session_token);
			if (!rc)
				rc = strlist_add(&out->add_headers, buf_cstr(&line));
		}
		if (!rc && req->add_content_sha256) {
			buf_reset(&line);
			rc = buf_printf(&line, "x-amz-content-sha256:%s", payload);
			if (!rc)
				rc = strlist_add(&out->add_headers, buf_cstr(&line));
		}
		if (!rc) {
			buf_reset(&line);
			rc = buf_printf(&line,
					"Authorization:AWS4-HMAC-SHA256 Credential=%s/%s, "
					"SignedHeaders=%s, Signature=%s",
					req->access_key_id, buf_cstr(&scope),
					buf_cstr(&signed_names), out->signature);
			if (!rc)
				rc = strlist_add(&out->add_headers, buf_cstr(&line));
		}
		buf_free(&line);
	}
out:
	OPENSSL_cleanse(k, sizeof(k));
	if (key.data)
		OPENSSL_cleanse(key.data, key.len);
	buf_free(&key);
	for (size_t i = 0; i < nh; i++) {
		free(hs[i].name);
		buf_free(&hs[i].value);
	}
	free(hs);
	buf_free(&signed_names);
	buf_free(&scope);
	if (rc)
		sigv4_result_free(out);
	return rc;
}

void sigv4_result_free(struct sigv4_result *r)
{
	if (!r)
		return;
	buf_free(&r->canonical_request);
	buf_free(&r->string_to_sign);
	strlist_clear(&r->add_headers);
	r->signature[0] = '\0';
}
