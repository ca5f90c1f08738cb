/* github/client: requests, pagination, rate-limit retries and error explanations. */
#include "github/client.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util/err.h"

struct github_client {
	struct http_client *http;
	char *api_url; /* no trailing slash */
	char *auth;    /* "Bearer <token>" or NULL */
	unsigned max_retries;
	long backoff_base_ms;
	long backoff_max_ms;
	unsigned rate_retries;
};

int github_client_new(struct github_client **out, const char *api_url, const char *token,
		      const struct http_opts *opts)
{
	struct github_client *c = calloc(1, sizeof(*c));
	struct http_opts def;
	size_t n;
	int rc;

	*out = NULL;
	if (!c)
		return err_set(E_NOMEM, "out of memory");
	if (!opts) {
		http_opts_defaults(&def);
		opts = &def;
	}
	if (!api_url || !*api_url)
		api_url = GITHUB_DEFAULT_API;
	if (strncmp(api_url, "https://", 8) && strncmp(api_url, "http://", 7)) {
		rc = err_set(E_USAGE, "GITHUB_API_URL '%s' is not an http(s) URL", api_url);
		goto fail;
	}
	c->api_url = strdup(api_url);
	if (!c->api_url) {
		rc = err_set(E_NOMEM, "out of memory");
		goto fail;
	}
	n = strlen(c->api_url);
	while (n && c->api_url[n - 1] == '/')
		c->api_url[--n] = '\0';
	if (token && *token) {
		struct buf b = BUF_INIT;

		if ((rc = buf_printf(&b, "Bearer %s", token)))
			goto fail;
		c->auth = buf_detach(&b);
	}
	c->max_retries = opts->max_retries;
	c->backoff_base_ms = opts->backoff_base_ms > 0 ? opts->backoff_base_ms : 500;
	c->backoff_max_ms = opts->backoff_max_ms > 0 ? opts->backoff_max_ms : 30000;
	if ((rc = http_client_new(&c->http, opts)))
		goto fail;
	*out = c;
	return 0;
fail:
	github_client_free(c);
	return rc;
}

void github_client_free(struct github_client *c)
{
	if (!c)
		return;
	http_client_free(c->http);
	free(c->api_url);
	if (c->auth) {
		/* the token does not outlive the client in freed memory */
		memset(c->auth, 0, strlen(c->auth));
		free(c->auth);
	}
	free(c);
}

unsigned github_client_rate_limit_retries(const struct github_client *c)
{
	return c->rate_retries;
}

void github_response_free(struct github_response *r)
{
	if (!r)
		return;
	json_decref(r->json);
	free(r->next_url);
	memset(r, 0, sizeof(*r));
}

int github_repo_path(struct buf *b, const char *repo)
{
	const char *slash = repo ? strchr(repo, '/') : NULL;
	struct buf owner = BUF_INIT;
	int rc;

	if (!slash || slash == repo || !slash[1] || strchr(slash + 1, '/'))
		return err_set(E_USAGE, "repository '%s': expected 'owner/name' (GITHUB_REPOSITORY)",
			       repo ? repo : "");
	if ((rc = buf_add(&owner, repo, (size_t)(slash - repo))) || (rc = buf_puts(b, "/repos/")) ||
	    (rc = http_url_escape(b, buf_cstr(&owner))) || (rc = buf_putc(b, '/')) ||
	    (rc = http_url_escape(b, slash + 1)))
		goto out;
out:
	buf_free(&owner);
	return rc;
}

int github_explain_status(long status, const char *what, const char *message, int rate_limited)
{
	const char *m = message && *message ? message : "no message";

	if (rate_limited)
		return err_set(E_HTTP, "%s: GitHub rate limit (HTTP %ld: %s); retried and gave up, "
				       "try again later or use a token with a higher limit",
			       what, status, m);
	switch (status) {
	case 401:
		return err_set(E_AUTH, "%s: the token was refused (401 %s): check input "
				       "'github-token' (usually ${{ github.token }}); it may have "
				       "expired or been revoked", what, m);
	case 403:
		return err_set(E_AUTH, "%s: forbidden (403 %s): the token lacks permission. Give "
				       "the job `permissions: pull-requests: write`. On a pull request "
				       "from a fork GITHUB_TOKEN is read-only: comment from a "
				       "`pull_request_target` or `workflow_run` workflow instead",
			       what, m);
	case 404:
		return err_set(E_NOTFOUND, "%s: not found (404 %s): the repository, pull request "
					   "or comment does not exist, or the token cannot see it "
					   "(private repository: grant `permissions: pull-requests: "
					   "write`; fork pull requests get a read-only token)",
			       what, m);
	case 422:
		return err_set(E_HTTP, "%s: GitHub rejected the request (422 %s)", what, m);
	default:
		return err_set(E_HTTP, "%s: unexpected HTTP %ld from GitHub: %s", what, status, m);
	}
}

/* "message" and errors[].message/code of a GitHub error body. */
static void error_message(json_t *j, struct buf *out)
{
	json_t *errs = json_object_get(j, "errors"), *e;
	const char *m = json_string_value(json_object_get(j, "message"));
	size_t i;

	(void)buf_puts(out, m ? m : "");
	json_array_foreach(errs, i, e) {
		const char *em = json_string_value(json_object_get(e, "message"));
		const char *code = json_string_value(json_object_get(e, "code"));
		const char *field = json_string_value(json_object_get(e, "field"));

		if (json_is_string(e))
			em = json_string_value(e);
		(void)buf_printf(out, "%s%s%s%s%s", out->len ? "; " : "", field ? field : "",
				 field ? ": " : "", em ? em : code ? code : "", "");
	}
}

static int contains_nocase(const char *s, const char *needle)
{
	size_t n = strlen(needle);

	for (; s && *s; s++)
		if (!strncasecmp(s, needle, n))
			return 1;
	return 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/*
 * GitHub's rate limits: a secondary limit answers 403 or 429 with Retry-After, or says so in the
 * message; a primary one has x-ratelimit-remaining: 0 and the reset time in x-ratelimit-reset.
 * Returns the delay in ms, or -1 when the response is not a rate limit.
 */
static long rate_limit_delay(const struct github_client *c, const struct http_response *r,
			     const char *message, unsigned attempt)
{
	const char *ra = http_header(r, "retry-after");
	const char *rem = http_header(r, "x-ratelimit-remaining");
	const char *reset = http_header(r, "x-ratelimit-reset");
	long ms;

	if (r->status != 403 && r->status != 429)
		return -1;
	if (ra && (ms = http_parse_retry_after(ra)) >= 0)
		return ms;
	if (rem && !strcmp(rem, "0") && reset) {
		long long when = strtoll(reset, NULL, 10);
		long long now = (long long)time(NULL);

		return when > now ? (long)(when - now) * 1000 + 1000 : 1000;
	}
	if (r->status == 429 || (message && contains_nocase(message, "rate limit"))) {
		long base = c->backoff_base_ms;

		for (unsigned i = 1; i < attempt && base < c->backoff_max_ms; i++)
			base *= 2;
		return base;
	}
	return -1;
}

static int is_under_api(const struct github_client *c, const char *url)
{
	size_t n = strlen(c->api_url);

	return !strncmp(url, c->api_url, n) && (url[n] == '/' || url[n] == '?' || !url[n]);
}

int github_request(struct github_client *c, const char *method, const char *path, json_t *body,
		   unsigned flags, struct github_response *resp)
{
	struct strlist headers = STRLIST_INIT;
	struct http_response hr = { 0 };
	struct buf url = BUF_INIT, what = BUF_INIT, msg = BUF_INIT;
	char *payload = NULL;
	int rc;

	memset(resp, 0, sizeof(*resp));
	if (!strncmp(path, "http://", 7) || !strncmp(path, "https://", 8)) {
		if (!is_under_api(c, path)) {
			rc = err_set(E_HTTP, "GitHub returned a link outside %s: %s", c->api_url,
				     path);
			goto out;
		}
		rc = buf_puts(&url, path);
	} else {
		rc = buf_printf(&url, "%s%s", c->api_url, path);
	}
	if (rc || (rc = buf_printf(&what, "%s %s", method, strncmp(path, "http", 4)
								   ? path
								   : path + strlen(c->api_url))))
		goto out;
	if ((rc = strlist_add(&headers, "Accept: application/vnd.github+json")) ||
	    (rc = strlist_add(&headers, "X-GitHub-Api-Version: " GITHUB_API_VERSION)))
		goto out;
	if (body) {
		payload = json_dumps(body, JSON_COMPACT);
		if (!payload) {
			rc = err_set(E_NOMEM, "out of memory");
			goto out;
		}
		if ((rc = strlist_add(&headers, "Content-Type: application/json")))
			goto out;
	}
	for (unsigned attempt = 1;; attempt++) {
		struct http_request req = {
			.method = method,
			.url = buf_cstr(&url),
			.headers = &headers,
			.auth = c->auth,
			.body = payload,
			.body_len = payload ? strlen(payload) : 0,
			/* A renamed or transferred repository answers GETs with a 301. */
			.flags = !strcmp(method, "GET") ? HTTP_FOLLOW : 0,
		};
		long delay;

		http_response_free(&hr);
		memset(&hr, 0, sizeof(hr));
		if ((rc = http_do(c->http, &req, &hr))) {
			err_wrap(rc, "%s", buf_cstr(&what));
			goto out;
		}
		json_decref(resp->json);
		resp->json = hr.body.len ? json_loadb(hr.body.data, hr.body.len, 0, NULL) : NULL;
		resp->status = hr.status;
		if (hr.status >= 200 && hr.status < 300)
			break;
		buf_reset(&msg);
		error_message(resp->json, &msg);
		delay = rate_limit_delay(c, &hr, buf_cstr(&msg), attempt);
		if (delay < 0 || attempt > c->max_retries || delay > c->backoff_max_ms) {
			if (hr.status == 404 && (flags & GITHUB_ALLOW_404)) {
				rc = 0;
				goto out;
			}
			rc = github_explain_status(hr.status, buf_cstr(&what), buf_cstr(&msg),
						   delay >= 0);
			goto out;
		}
		c->rate_retries++;
		sleep_ms(delay);
	}
	if (hr.status != 204 && hr.body.len && !resp->json) {
		rc = err_set(E_HTTP, "%s: GitHub answered HTTP %ld with a body that is not JSON",
			     buf_cstr(&what), hr.status);
		goto out;
	}
	resp->next_url = http_link_find_dup(http_header(&hr, "link"), "next");
out:
	if (rc) /* on failure the caller gets nothing to free */
		github_response_free(resp);
	http_response_free(&hr);
	strlist_clear(&headers);
	buf_free(&url);
	buf_free(&what);
	buf_free(&msg);
	free(payload);
	return rc;
}

int github_list(struct github_client *c, const char *path, unsigned max_pages, github_item_fn fn,
		void *ctx)
{
	struct strlist seen = STRLIST_INIT;
	char *next = strdup(path);
	int rc = 0;

	if (!next)
		return err_set(E_NOMEM, "out of memory");
	if (!max_pages)
		max_pages = 100;
	for (unsigned page = 0; next; page++) {
		struct github_response r;
		size_t i;
		json_t *item;

		if (page >= max_pages) {
			rc = err_set(E_LIMIT, "GET %s: more than %u pages", path, max_pages);
			break;
		}
		/* A page pointing back to one already read is a loop: stop with an error rather
		 * than after max_pages, or with a list that only looks complete. */
		if (strlist_contains(&seen, next)) {
			rc = err_set(E_HTTP, "GET %s: GitHub's next page %s was read already (a loop "
				     "of Link: rel=\"next\")", path, next);
			break;
		}
		if ((rc = strlist_add(&seen, next)))
			break;
		rc = github_request(c, "GET", next, NULL, 0, &r);
		free(next);
		next = NULL;
		if (rc)
			break;
		if (!json_is_array(r.json)) {
			github_response_free(&r);
			rc = err_set(E_HTTP, "GET %s: expected a JSON array from GitHub", path);
			break;
		}
		json_array_foreach(r.json, i, item) {
			if ((rc = fn(item, ctx)))
				break;
		}
		if (!rc) {
			next = r.next_url;
			r.next_url = NULL;
		}
		github_response_free(&r);
		if (rc)
			break;
	}
	free(next);
	strlist_clear(&seen);
	return rc < 0 ? rc : 0;
}
