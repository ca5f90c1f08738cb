/* aws/client: signed JSON 1.1 calls with error sentences and throttling retries; see client.h. */
#include "util/env.h"
#include "aws/client.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "aws/provider.h"
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

/* The credentials' expiry for a log line: "" or ", expiring 2026-12-08T01:00:00Z". */
static void expiry_text(char out[40], long long when)
{
	time_t t = (time_t)when;
	struct tm tm;

	out[0] = '\0';
	if (when && gmtime_r(&t, &tm))
		strftime(out, 40, ", expiring %Y-%m-%dT%H:%M:%SZ", &tm);
}

int aws_client_new(struct aws_client **out, struct rt *rt, const char *region)
{
	struct aws_client *c = calloc(1, sizeof(*c));
	struct http_opts o;
	char exp[40];
	int rc;

	*out = NULL;
	if (!c)
		return err_set(E_NOMEM, "out of memory");
	c->rt = rt;
	c->throttle_retries = (unsigned)env_long("CONVOY_AWS_THROTTLE_RETRIES", 6);
	c->backoff_ms = env_long("CONVOY_AWS_BACKOFF_MS", 500);
	http_opts_defaults(&o);
	o.verbose = rt ? rt->verbose : 0;
	if (!o.timeout_ms)
		o.timeout_ms = 60000; /* API calls are small; never hang a deploy on one */
	rc = http_client_new(&c->http, &o);
	if (rc)
		goto fail;
	rc = aws_creds_resolve(&c->creds, rt, c->http, region);
	if (rc)
		goto fail;
	expiry_text(exp, c->creds.expiration);
	if (rt && !c->creds.reused)
		rt_info(rt, "AWS credentials: %s%s", c->creds.source, exp);
	*out = c;
	return 0;
fail:
	aws_client_free(c);
	return rc;
}

/*
 * Credentials that expire within AWS_CREDS_REFRESH_S are resolved again (a long rollout
 * outlives a one-hour session). When that fails and the old ones are still valid, the call
 * goes on with them.
 */
static int refresh_if_due(struct aws_client *c)
{
	struct aws_creds fresh;
	long long now = (long long)time(NULL);
	char exp[40];
	int rc;

	if (!c->creds.expiration || now + AWS_CREDS_REFRESH_S < c->creds.expiration)
		return 0;
	rc = aws_creds_resolve(&fresh, c->rt, c->http, c->creds.region);
	if (rc) {
		if (now < c->creds.expiration) {
			if (c->rt)
				rt_info(c->rt, "AWS credentials: refresh failed (%s); using the current "
					"ones until they expire", err_msg());
			err_clear();
			return 0;
		}
		return err_wrap(rc, "refreshing the expired AWS credentials (%s)", c->creds.source);
	}
	aws_creds_free(&c->creds);
	c->creds = fresh;
	expiry_text(exp, c->creds.expiration);
	if (c->rt)
		rt_info(c->rt, "AWS credentials: refreshed from %s%s", c->creds.source, exp);
	return 0;
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

/* ------------------------------------------------------------------ calls */

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1)
		;
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
	/* The query protocol (no target prefix) names the action in the form body instead. */
	if (!rc && svc->target_prefix)
		rc = strlist_add(&headers, "Content-Type:application/x-amz-json-1.1");
	else if (!rc)
		rc = strlist_add(&headers,
				 "Content-Type:application/x-www-form-urlencoded; charset=utf-8");
	if (!rc && svc->target_prefix)
		rc = buf_printf(&line, "X-Amz-Target:%s.%s", svc->target_prefix, action);
	if (!rc && svc->target_prefix)
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

/*
 * The request body to svc's endpoint, retried on throttling; a 2xx reply's body into *body
 * (caller frees it with http_response_free), else the error sentence.
 */
static int call_retrying(struct aws_client *c, const struct aws_service *svc, const char *action,
			 const char *body, struct http_response *r)
{
	struct buf url = BUF_INIT;
	char *host = NULL, *path = NULL;
	long delay = c->backoff_ms;
	int rc;

	memset(r, 0, sizeof(*r));
	rc = aws_endpoint_url(&url, svc, c->creds.region);
	if (!rc)
		rc = aws_endpoint_split(buf_cstr(&url), &host, &path);
	for (unsigned attempt = 0; !rc; attempt++) {
		struct aws_error e;

		http_response_free(r);
		memset(r, 0, sizeof(*r));
		rc = refresh_if_due(c);
		if (!rc)
			rc = call_once(c, svc, action, buf_cstr(&url), host, path, body, r);
		if (rc || (r->status >= 200 && r->status < 300))
			break;
		aws_error_parse(&e, r->body.data, r->body.len, http_header(r, "x-amzn-errortype"));
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
		rc = aws_error_report(svc, action, r->status, &e, &c->creds);
		aws_error_free(&e);
	}
	free(host);
	free(path);
	buf_free(&url);
	return rc;
}

int aws_call(struct aws_client *c, const struct aws_service *svc, const char *action,
	     json_t *req, json_t **resp)
{
	struct http_response r;
	char *body;
	int rc;

	*resp = NULL;
	memset(&r, 0, sizeof(r));
	body = req ? json_dumps(req, JSON_COMPACT) : strdup("{}");
	if (!body)
		return err_set(E_NOMEM, "out of memory");
	rc = call_retrying(c, svc, action, body, &r);
	if (!rc) {
		json_error_t je;

		*resp = json_loadb(r.body.data ? r.body.data : "{}", r.body.len ? r.body.len : 2, 0,
				   &je);
		if (!*resp)
			rc = err_set(E_HTTP, "%s %s: the reply is not JSON: %s", svc->name, action,
				     je.text);
	}
	http_response_free(&r);
	free(body);
	return rc;
}

int aws_call_query(struct aws_client *c, const struct aws_service *svc, const char *action,
		   const char *form, struct buf *xml)
{
	struct http_response r;
	int rc = call_retrying(c, svc, action, form, &r);

	if (!rc)
		rc = buf_add(xml, r.body.data ? r.body.data : "", r.body.len);
	http_response_free(&r);
	return rc;
}
