/* aws/client: signed JSON 1.1 calls with error sentences and throttling retries; see client.h. */
#include "util/env.h"
#include "aws/client.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "aws/sigv4.h"
#include "http/http.h"
#include "util/err.h"
#include "util/rand.h"

#define AWS_MAX_REPLY (8 * 1024 * 1024)

const struct aws_service aws_service_ecs = {
	"ECS", "ecs", "ecs", "AmazonEC2ContainerServiceV20141113", "AWS_ENDPOINT_URL_ECS",
};
const struct aws_service aws_service_ecr = {
	"ECR", "ecr", "api.ecr", "AmazonEC2ContainerRegistry_V20150921", "AWS_ENDPOINT_URL_ECR",
};

struct aws_client {
	struct http_client *http;
	struct aws_creds creds;
	struct rt *rt;
	unsigned throttle_retries;
	long backoff_ms;
};

int aws_client_new(struct aws_client **out, struct rt *rt, const char *region)
{
	struct aws_client *c = calloc(1, sizeof(*c));
	struct http_opts o;
	int rc;

	*out = NULL;
	if (!c)
		return err_set(E_NOMEM, "out of memory");
	c->rt = rt;
	c->throttle_retries = (unsigned)env_long("CONVOY_AWS_THROTTLE_RETRIES", 6);
	c->backoff_ms = env_long("CONVOY_AWS_BACKOFF_MS", 500);
	rc = aws_creds_load(&c->creds, region);
	if (rc)
		goto fail;
	if (rt) {
		rc = rt_mask(rt, c->creds.secret_access_key);
		if (!rc && c->creds.session_token)
			rc = rt_mask(rt, c->creds.session_token);
		if (rc)
			goto fail;
	}
	http_opts_defaults(&o);
	o.verbose = rt ? rt->verbose : 0;
	if (!o.timeout_ms)
		o.timeout_ms = 60000; /* API calls are small; never hang a deploy on one */
	rc = http_client_new(&c->http, &o);
	if (rc)
		goto fail;
	*out = c;
	return 0;
fail:
	aws_client_free(c);
	return rc;
}

void aws_client_free(struct aws_client *c)
{
	if (!c)
		return;
	http_client_free(c->http);
	aws_creds_free(&c->creds);
	free(c);
}

const char *aws_client_region(const struct aws_client *c)
{
	return c->creds.region;
}

struct rt *aws_client_rt(const struct aws_client *c)
{
	return c->rt;
}

int aws_endpoint_url(struct buf *out, const struct aws_service *svc, const char *region)
{
	const char *v = getenv(svc->endpoint_env);

	if (!v || !*v)
		v = getenv("AWS_ENDPOINT_URL");
	if (v && *v) {
		if (strncmp(v, "http://", 7) && strncmp(v, "https://", 8))
			return err_set(E_USAGE, "%s '%s': expected an http:// or https:// URL",
				       getenv(svc->endpoint_env) && *getenv(svc->endpoint_env)
					       ? svc->endpoint_env
					       : "AWS_ENDPOINT_URL",
				       v);
		return buf_puts(out, v);
	}
	/* China regions live under amazonaws.com.cn */
	return buf_printf(out, "https://%s.%s.amazonaws.com%s", svc->host_prefix, region,
			  !strncmp(region, "cn-", 3) ? ".cn" : "");
}

/* ------------------------------------------------------------------ errors */

static char *xml_text_dup(const char *body, const char *tag)
{
	char open[32], close[32];
	const char *s, *e;

	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	s = strstr(body, open);
	if (!s)
		return NULL;
	s += strlen(open);
	e = strstr(s, close);
	return e ? strndup(s, (size_t)(e - s)) : NULL;
}

static char *strip_namespace_dup(const char *code)
{
	const char *hash = strrchr(code, '#');
	size_t n;

	if (hash)
		code = hash + 1;
	n = strcspn(code, ":"); /* x-amzn-ErrorType: "Name:http://internal..." */
	return strndup(code, n);
}

int aws_error_parse(struct aws_error *out, const char *body, size_t len, const char *type_header)
{
	json_t *j = NULL;

	memset(out, 0, sizeof(*out));
	if (body && len) {
		j = json_loadb(body, len, 0, NULL);
		if (json_is_object(j)) {
			const char *t = json_string_value(json_object_get(j, "__type"));
			const char *m = json_string_value(json_object_get(j, "message"));

			if (!t)
				t = json_string_value(json_object_get(j, "code"));
			if (!m)
				m = json_string_value(json_object_get(j, "Message"));
			if (t)
				out->code = strip_namespace_dup(t);
			if (m)
				out->message = strdup(m);
		} else if (memchr(body, '<', len)) {
			char *copy = strndup(body, len);

			if (copy) {
				char *c = xml_text_dup(copy, "Code");

				if (c) {
					out->code = strip_namespace_dup(c);
					free(c);
				}
				out->message = xml_text_dup(copy, "Message");
				free(copy);
			}
		}
		json_decref(j);
	}
	if (!out->code && type_header && *type_header)
		out->code = strip_namespace_dup(type_header);
	return 0;
}

void aws_error_free(struct aws_error *e)
{
	if (!e)
		return;
	free(e->code);
	free(e->message);
	e->code = e->message = NULL;
}

int aws_error_is_throttling(const char *code)
{
	static const char *const names[] = {
		"ThrottlingException", "Throttling", "ThrottledException",
		"RequestLimitExceeded", "TooManyRequestsException", "RequestThrottled",
		"RequestThrottledException", "ProvisionedThroughputExceededException",
		"SlowDown", "EC2ThrottledException", "PriorRequestNotComplete",
	};

	for (size_t i = 0; code && i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(code, names[i]))
			return 1;
	return 0;
}

static int code_is(const char *code, const char *a, const char *b)
{
	return code && ((a && !strcmp(code, a)) || (b && !strcmp(code, b)));
}

int aws_error_report(const struct aws_service *svc, const char *action, long status,
		     const struct aws_error *e, const struct aws_creds *creds)
{
	const char *code = e->code;
	const char *msg = e->message && *e->message ? e->message : "no message";
	const char *key = creds && creds->access_key_id ? creds->access_key_id : "?";
	const char *src = creds && creds->source ? creds->source : "?";
	size_t n;

	if (code_is(code, "ExpiredTokenException", "ExpiredToken") ||
	    code_is(code, "RequestExpired", "TokenRefreshRequired"))
		return err_set(E_AUTH,
			       "%s %s: the AWS session token has expired (%s: %s); refresh the "
			       "credentials (re-run aws-actions/configure-aws-credentials or renew "
			       "the session) and run again",
			       svc->name, action, code, msg);
	if (code_is(code, "SignatureDoesNotMatch", "InvalidSignatureException"))
		return err_set(E_AUTH,
			       "%s %s: AWS rejected the request signature: the secret access key "
			       "does not belong to access key ID %s (credentials from %s; %s: %s)",
			       svc->name, action, key, src, code, msg);
	if (code_is(code, "UnrecognizedClientException", "InvalidClientTokenId") ||
	    code_is(code, "InvalidAccessKeyId", "MissingAuthenticationToken"))
		return err_set(E_AUTH,
			       "%s %s: AWS does not accept access key ID %s or its session token "
			       "(credentials from %s; %s: %s)",
			       svc->name, action, key, src, code, msg);
	if (code_is(code, "AccessDeniedException", "AccessDenied"))
		return err_set(E_AUTH, "%s %s: access denied for access key ID %s: %s", svc->name,
			       action, key, msg);
	n = code ? strlen(code) : 0;
	if (n > 17 && !strcmp(code + n - 17, "NotFoundException"))
		return err_set(E_NOTFOUND, "%s %s: %s (%s)", svc->name, action, msg, code);
	if (code_is(code, "RepositoryAlreadyExistsException", "ImageTagAlreadyExistsException"))
		return err_set(E_CONFLICT, "%s %s: %s (%s)", svc->name, action, msg, code);
	if (aws_error_is_throttling(code))
		return err_set(E_HTTP, "%s %s: still throttled by AWS after retries: %s (%s)",
			       svc->name, action, msg, code);
	if (code)
		return err_set(E_HTTP, "%s %s failed: %s (%s, HTTP %ld)", svc->name, action, msg,
			       code, status);
	return err_set(E_HTTP, "%s %s failed with HTTP %ld and no error detail", svc->name,
		       action, status);
}

/* ------------------------------------------------------------------ calls */

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1)
		;
}

/* Splits an endpoint URL into host[:port] and path ("/" when none). */
static int split_endpoint(const char *url, char **host, char **path)
{
	const char *p = strstr(url, "://"), *slash;

	*host = *path = NULL;
	if (!p)
		return err_set(E_USAGE, "endpoint '%s' is not a URL", url);
	p += 3;
	slash = strchr(p, '/');
	*host = http_url_host_dup(url);
	*path = strdup(slash ? slash : "/");
	if (!*host || !*path) {
		free(*host);
		free(*path);
		*host = *path = NULL;
		return err_set(E_USAGE, "endpoint '%s' has no host", url);
	}
	{
		char *q = strchr(*path, '?');

		if (q)
			*q = '\0';
	}
	return 0;
}

static int call_once(struct aws_client *c, const struct aws_service *svc, const char *action,
		     const char *url, const char *host, const char *path, const char *body,
		     struct http_response *resp)
{
	struct strlist headers = STRLIST_INIT, all = STRLIST_INIT;
	struct sigv4_request sr;
	struct sigv4_result res;
	struct http_request hr;
	struct buf line = BUF_INIT;
	char date[17];
	int rc;

	rc = buf_printf(&line, "Host:%s", host);
	if (!rc)
		rc = strlist_add(&headers, buf_cstr(&line));
	buf_reset(&line);
	if (!rc)
		rc = strlist_add(&headers, "Content-Type:application/x-amz-json-1.1");
	if (!rc)
		rc = buf_printf(&line, "X-Amz-Target:%s.%s", svc->target_prefix, action);
	if (!rc)
		rc = strlist_add(&headers, buf_cstr(&line));
	if (rc)
		goto out;

	sigv4_amz_date_now(date);
	memset(&sr, 0, sizeof(sr));
	sr.method = "POST";
	sr.path = path;
	sr.headers = &headers;
	sr.body = body;
	sr.body_len = strlen(body);
	sr.access_key_id = c->creds.access_key_id;
	sr.secret_access_key = c->creds.secret_access_key;
	sr.session_token = c->creds.session_token;
	sr.region = c->creds.region;
	sr.service = svc->signing_name;
	sr.amz_date = date;
	sr.sign_token = 1;
	rc = sigv4_sign(&sr, &res);
	if (rc)
		goto out;

	/* http/ wants "Name: value"; the Authorization value goes in .auth (never traced). */
	const char *auth = NULL;

	for (size_t i = 0; i < headers.len && !rc; i++)
		rc = strlist_add(&all, headers.items[i]);
	for (size_t i = 0; i < res.add_headers.len && !rc; i++) {
		const char *h = res.add_headers.items[i];

		if (!strncmp(h, "Authorization:", 14))
			auth = h + 14;
		else
			rc = strlist_add(&all, h);
	}
	if (!rc) {
		memset(&hr, 0, sizeof(hr));
		hr.method = "POST";
		hr.url = url;
		hr.headers = &all;
		hr.auth = auth;
		hr.body = body;
		hr.body_len = strlen(body);
		hr.max_body = AWS_MAX_REPLY;
		rc = http_do(c->http, &hr, resp);
		if (rc)
			rc = err_wrap(rc, "%s %s", svc->name, action);
	}
	sigv4_result_free(&res);
out:
	buf_free(&line);
	strlist_clear(&headers);
	strlist_clear(&all);
	return rc;
}

int aws_call(struct aws_client *c, const struct aws_service *svc, const char *action,
	     json_t *req, json_t **resp)
{
	struct buf url = BUF_INIT;
	char *host = NULL, *path = NULL, *body = NULL;
	struct http_response r;
	long delay = c->backoff_ms;
	int rc;

	*resp = NULL;
	memset(&r, 0, sizeof(r));
	rc = aws_endpoint_url(&url, svc, c->creds.region);
	if (!rc)
		rc = split_endpoint(buf_cstr(&url), &host, &path);
	if (rc)
		goto out;
	body = req ? json_dumps(req, JSON_COMPACT) : strdup("{}");
	if (!body) {
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	for (unsigned attempt = 0;; attempt++) {
		struct aws_error e;

		http_response_free(&r);
		memset(&r, 0, sizeof(r));
		rc = call_once(c, svc, action, buf_cstr(&url), host, path, body, &r);
		if (rc)
			goto out;
		if (r.status >= 200 && r.status < 300) {
			json_error_t je;

			*resp = json_loadb(r.body.data ? r.body.data : "{}", r.body.len ? r.body.len : 2,
					   0, &je);
			if (!*resp)
				rc = err_set(E_HTTP, "%s %s: the reply is not JSON: %s", svc->name,
					     action, je.text);
			goto out;
		}
		aws_error_parse(&e, r.body.data, r.body.len, http_header(&r, "x-amzn-errortype"));
		if (aws_error_is_throttling(e.code) && attempt < c->throttle_retries) {
			long d = delay / 2 + (long)(rand_unit() * (double)(delay / 2 + 1));

			rt_info(c->rt, "%s %s: throttled by AWS (%s), retrying in %ld ms", svc->name,
				action, e.code, d);
			aws_error_free(&e);
			sleep_ms(d);
			if (delay < 20000)
				delay *= 2;
			continue;
		}
		rc = aws_error_report(svc, action, r.status, &e, &c->creds);
		aws_error_free(&e);
		goto out;
	}
out:
	http_response_free(&r);
	free(body);
	free(host);
	free(path);
	buf_free(&url);
	return rc;
}
