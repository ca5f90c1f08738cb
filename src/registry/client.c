/*
 * client: sessions, the auth round trip (challenge -> token per scope -> retry once on 401)
 * and the escape hatch registry_request(). Manifests and tags are in manifest.c, blob
 * transfers in blob.c, error translation in errors.c; they share registry/internal.h.
 */
#include "registry/client.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "actions/runtime.h"
#include "registry/internal.h"
#include "util/err.h"

#define TOKEN_MAX_BODY (1u * 1024 * 1024)

const char *registry_host(const struct registry *r)
{
	return r->host;
}

struct http_client *registry_http(struct registry *r)
{
	return r->http;
}

size_t registry_chunk_size(const struct registry *r)
{
	if (r->opts.chunk_size)
		return r->opts.chunk_size;
	/* ECR rejects chunks under 5 MiB (but the last); GHCR refuses chunks over 4 MiB. */
	if (registry_host_is_ecr(r->host, NULL, NULL))
		return 8u * 1024 * 1024;
	if (!strcmp(r->host, "ghcr.io"))
		return 4u * 1024 * 1024;
	return 8u * 1024 * 1024;
}

static void mask(struct registry *r, const char *secret)
{
	if (r->opts.rt && secret && *secret)
		(void)rt_mask(r->opts.rt, secret);
}

int registry_open(struct registry **out, const char *host, const struct registry_opts *o)
{
	struct registry *r = calloc(1, sizeof(*r));
	int rc = 0, plain;

	*out = NULL;
	if (!r)
		return err_set(E_NOMEM, "out of memory");
	pthread_mutex_init(&r->lock, NULL);
	if (o)
		r->opts = *o;
	if (!strcmp(host, "docker.io") || !strcmp(host, "index.docker.io"))
		host = "registry-1.docker.io";
	r->host = strdup(host);
	if (!r->host) {
		rc = err_set(E_NOMEM, "out of memory");
		goto fail;
	}
	for (char *p = r->host; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (r->opts.http_opts)
		r->hopts = *r->opts.http_opts;
	else
		http_opts_defaults(&r->hopts);
	if (!r->hopts.insecure_hosts)
		r->hopts.insecure_hosts = r->opts.insecure_hosts;
	r->hopts.verbose |= r->opts.verbose;
	plain = http_host_is_loopback(r->host);
	if (r->opts.insecure_hosts && strlist_contains(r->opts.insecure_hosts, r->host))
		plain = 1;
	if (buf_printf(&r->base, "%s://%s", plain ? "http" : "https", r->host)) {
		rc = err_code();
		goto fail;
	}
	if (r->opts.http) {
		r->http = r->opts.http;
	} else {
		rc = http_client_new(&r->http, &r->hopts);
		if (rc)
			goto fail;
		r->own_http = 1;
	}
	if (r->opts.password)
		mask(r, r->opts.password);
	*out = r;
	return 0;
fail:
	registry_close(r);
	return rc;
}

void registry_close(struct registry *r)
{
	if (!r)
		return;
	if (r->own_http)
		http_client_free(r->http);
	free(r->host);
	buf_free(&r->base);
	registry_challenge_free(&r->chal);
	registry_creds_free(&r->creds);
	for (size_t i = 0; i < r->ntokens; i++) {
		free(r->tokens[i].scope);
		if (r->tokens[i].header)
			memset(r->tokens[i].header, 0, strlen(r->tokens[i].header));
		free(r->tokens[i].header);
	}
	free(r->tokens);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

/* Finds credentials once: explicit, Docker config, provider (ECR). Called under the lock. */
static int load_creds(struct registry *r)
{
	int rc;

	if (r->creds_loaded)
		return 0;
	r->creds_loaded = 1;
	if (r->opts.username && *r->opts.username) {
		if (!r->opts.password || !*r->opts.password)
			return err_set(E_USAGE, "input 'username' is set for %s but 'password' is "
				       "empty; expected both or neither", r->host);
		r->creds.username = strdup(r->opts.username);
		r->creds.password = strdup(r->opts.password);
		r->creds.source = strdup("the username/password inputs");
		if (!r->creds.username || !r->creds.password || !r->creds.source)
			return err_set(E_NOMEM, "out of memory");
		return 0;
	}
	if (!r->opts.no_config) {
		rc = registry_config_lookup(r->opts.config_dir, r->host, &r->creds);
		if (!rc) {
			mask(r, r->creds.password);
			mask(r, r->creds.identity_token);
			return 0;
		}
		if (rc != E_NOTFOUND)
			return rc;
		err_clear();
	}
	if (r->opts.cred_provider && registry_host_is_ecr(r->host, NULL, NULL)) {
		rc = r->opts.cred_provider(r->host, &r->creds, r->opts.cred_ctx);
		if (!rc) {
			mask(r, r->creds.password);
			if (!r->creds.source)
				r->creds.source = strdup("the credential provider");
			return 0;
		}
		registry_creds_free(&r->creds);
		if (rc != E_NOTFOUND)
			return rc;
		err_clear();
	}
	return 0;
}

static const char *creds_desc(const struct registry *r)
{
	return r->creds.source ? r->creds.source : "anonymous access";
}

static int has_creds(const struct registry *r)
{
	return r->creds.username && (r->creds.password || r->creds.identity_token);
}

static char *basic_header_dup(const struct registry_creds *c)
{
	struct buf raw = BUF_INIT, out = BUF_INIT;
	char *res = NULL;

	if (buf_printf(&raw, "%s:%s", c->username, c->password ? c->password : ""))
		goto out;
	if (buf_grow(&out, 4 * (raw.len / 3 + 1) + 8) || buf_puts(&out, "Basic "))
		goto out;
	{
		int n = EVP_EncodeBlock((unsigned char *)out.data + out.len,
					(const unsigned char *)raw.data, (int)raw.len);

		out.len += (size_t)n;
		out.data[out.len] = 0;
	}
	res = buf_detach(&out);
out:
	buf_free_secret(&raw);
	buf_free(&out);
	return res;
}

static int add_query(struct buf *b, int *first, const char *k, const char *v)
{
	if (buf_printf(b, "%c%s=", *first ? (strchr(buf_cstr(b), '?') ? '&' : '?') : '&', k))
		return err_code();
	*first = 0;
	return http_url_escape(b, v);
}

/* Fetches a Bearer token for scope (space-separated scopes) from the challenge's realm. */
static int fetch_token(struct registry *r, const char *scope, char **header_out)
{
	struct http_request req = { 0 };
	struct http_response resp = { 0 };
	struct buf url = BUF_INIT, form = BUF_INIT, hb = BUF_INIT;
	struct strlist hdrs = STRLIST_INIT;
	char *basic = NULL, *realm_host = NULL;
	json_t *root = NULL;
	int rc, first = 1;

	*header_out = NULL;
	if (!r->chal.realm || !*r->chal.realm)
		return err_set(E_AUTH, "registry %s asks for a Bearer token but names no realm",
			       r->host);
	realm_host = http_url_host_dup(r->chal.realm);
	if (!realm_host || (strncasecmp(r->chal.realm, "https://", 8) &&
			    strncasecmp(r->chal.realm, "http://", 7))) {
		rc = err_set(E_AUTH, "registry %s names an invalid token realm", r->host);
		goto out;
	}
	if ((rc = buf_puts(&url, r->chal.realm)))
		goto out;
	if (r->creds.identity_token) {
		/* OAuth2 refresh-token grant (docker login with an identity token). */
		int f2 = 1;

		(void)f2;
		if ((rc = buf_puts(&form, "grant_type=refresh_token&client_id=convoy&service=")) ||
		    (rc = http_url_escape(&form, r->chal.service ? r->chal.service : "")) ||
		    (rc = buf_puts(&form, "&refresh_token=")) ||
		    (rc = http_url_escape(&form, r->creds.identity_token)))
			goto out;
		for (const char *p = scope; *p;) {
			size_t n = strcspn(p, " ");
			char *one = strndup(p, n);

			if (!one || buf_puts(&form, "&scope=") || http_url_escape(&form, one)) {
				free(one);
				rc = err_set(E_NOMEM, "out of memory");
				goto out;
			}
			free(one);
			p += n;
			while (*p == ' ')
				p++;
		}
		if ((rc = strlist_add(&hdrs, "Content-Type: application/x-www-form-urlencoded")))
			goto out;
		req.method = "POST";
		req.body = form.data;
		req.body_len = form.len;
	} else {
		if (r->chal.service && (rc = add_query(&url, &first, "service", r->chal.service)))
			goto out;
		for (const char *p = scope; *p;) {
			size_t n = strcspn(p, " ");
			char *one = strndup(p, n);

			rc = one ? add_query(&url, &first, "scope", one) : E_NOMEM;
			free(one);
			if (rc)
				goto out;
			p += n;
			while (*p == ' ')
				p++;
		}
		req.method = "GET";
		if (has_creds(r)) {
			basic = basic_header_dup(&r->creds);
			if (!basic) {
				rc = err_set(E_NOMEM, "out of memory");
				goto out;
			}
			req.auth = basic + 0;
		}
	}
	req.url = buf_cstr(&url);
	req.headers = &hdrs;
	req.max_body = TOKEN_MAX_BODY;
	/* Credentials go to the realm only, never on a redirect elsewhere. */
	req.flags = HTTP_FOLLOW;
	rc = http_do(r->http, &req, &resp);
	if (rc) {
		err_wrap(rc, "token service of %s", r->host);
		goto out;
	}
	if (resp.status == 401 || resp.status == 403) {
		rc = err_set(E_AUTH, "%s refused the credentials from %s%s%s (token service "
			     "answered %ld): check the user name and password or token",
			     r->host, creds_desc(r), r->creds.username ? " for user " : "",
			     r->creds.username && strcmp(r->creds.username, "<token>") ?
				     r->creds.username : "", resp.status);
		goto out;
	}
	if (resp.status < 200 || resp.status >= 300) {
		rc = registry_error_from_response(&resp, "token service");
		err_wrap(rc, "%s", r->host);
		goto out;
	}
	{
		json_error_t jerr;
		json_t *t;

		root = json_loadb(resp.body.data ? resp.body.data : "", resp.body.len, 0, &jerr);
		t = json_object_get(root, "token");
		if (!json_is_string(t) || !json_string_length(t))
			t = json_object_get(root, "access_token");
		if (!json_is_string(t) || !json_string_length(t)) {
			rc = err_set(E_AUTH, "token service of %s answered without a token", r->host);
			goto out;
		}
		mask(r, json_string_value(t));
		if ((rc = buf_printf(&hb, "Bearer %s", json_string_value(t))))
			goto out;
		*header_out = buf_detach(&hb);
	}
out:
	http_response_free_secret(&resp);
	buf_free_secret(&form);
	buf_free(&url);
	buf_free(&hb);
	strlist_clear(&hdrs);
	if (basic) {
		memset(basic, 0, strlen(basic));
		free(basic);
	}
	json_decref(root);
	free(realm_host);
	return rc;
}

/* The Authorization value for scope (malloc'd, or NULL for none). Under the lock. */
static int auth_for_scope(struct registry *r, const char *scope, int refresh, char **out)
{
	int rc;

	*out = NULL;
	if ((rc = load_creds(r)))
		return rc;
	if (!r->chal.scheme)
		return 0;
	if (!strcmp(r->chal.scheme, "basic")) {
		if (!has_creds(r))
			return 0;
		*out = basic_header_dup(&r->creds);
		return *out ? 0 : err_set(E_NOMEM, "out of memory");
	}
	if (strcmp(r->chal.scheme, "bearer"))
		return err_set(E_AUTH, "registry %s asks for unsupported auth scheme '%s'", r->host,
			       r->chal.scheme);
	for (size_t i = 0; i < r->ntokens; i++) {
		if (strcmp(r->tokens[i].scope, scope))
			continue;
		if (!refresh) {
			*out = strdup(r->tokens[i].header);
			return *out ? 0 : err_set(E_NOMEM, "out of memory");
		}
		free(r->tokens[i].header);
		r->tokens[i].header = NULL;
		if ((rc = fetch_token(r, scope, &r->tokens[i].header)))
			return rc;
		*out = strdup(r->tokens[i].header);
		return *out ? 0 : err_set(E_NOMEM, "out of memory");
	}
	{
		struct registry_token *t = realloc(r->tokens, (r->ntokens + 1) * sizeof(*t));
		char *h = NULL;

		if (!t)
			return err_set(E_NOMEM, "out of memory");
		r->tokens = t;
		if ((rc = fetch_token(r, scope, &h)))
			return rc;
		t[r->ntokens].scope = strdup(scope);
		t[r->ntokens].header = h;
		if (!t[r->ntokens].scope) {
			free(h);
			return err_set(E_NOMEM, "out of memory");
		}
		r->ntokens++;
		*out = strdup(h);
		return *out ? 0 : err_set(E_NOMEM, "out of memory");
	}
}

static int set_challenge(struct registry *r, const struct http_response *resp)
{
	const char *h = http_header(resp, "www-authenticate");
	struct registry_challenge c;
	int rc;

	if (!h)
		return err_set(E_AUTH, "%s answered 401 without a WWW-Authenticate challenge",
			       r->host);
	if ((rc = registry_challenge_parse(&c, h)))
		return err_wrap(rc, "%s", r->host);
	registry_challenge_free(&r->chal);
	r->chal = c;
	return 0;
}

static int ping_locked(struct registry *r)
{
	struct http_request req = { 0 };
	struct http_response resp = { 0 };
	struct buf url = BUF_INIT;
	int rc;

	if (r->pinged)
		return 0;
	if ((rc = buf_printf(&url, "%s/v2/", buf_cstr(&r->base))))
		return rc;
	req.method = "GET";
	req.url = buf_cstr(&url);
	req.max_body = 64 * 1024;
	rc = http_do(r->http, &req, &resp);
	if (rc) {
		err_wrap(rc, "registry %s is not reachable", r->host);
		goto out;
	}
	if (resp.status == 401) {
		if ((rc = set_challenge(r, &resp)))
			goto out;
	} else if (resp.status == 404) {
		rc = err_set(E_HTTP, "%s does not speak the registry API (GET /v2/ answered 404)",
			     r->host);
		goto out;
	} else if (resp.status < 200 || resp.status >= 300) {
		rc = registry_error_from_response(&resp, "GET /v2/");
		err_wrap(rc, "%s", r->host);
		goto out;
	}
	r->pinged = 1;
out:
	http_response_free(&resp);
	buf_free(&url);
	return rc;
}

int registry_ping(struct registry *r)
{
	int rc;

	pthread_mutex_lock(&r->lock);
	rc = ping_locked(r);
	if (!rc)
		rc = load_creds(r);
	pthread_mutex_unlock(&r->lock);
	return rc;
}

int registry_scope(struct buf *b, const char *repo, const char *actions, const char *from_repo)
{
	buf_reset(b);
	if (buf_printf(b, "repository:%s:%s", repo, actions))
		return err_code();
	if (from_repo && buf_printf(b, " repository:%s:pull", from_repo))
		return err_code();
	return 0;
}

int registry_do_scoped(struct registry *r, const char *scope, struct http_request *req,
		       struct http_response *resp)
{
	char *auth = NULL;
	int rc, tries = 0, refresh = 0, foreign;

	/*
	 * Credentials belong to the registry's origin (and its token realm, fetch_token): a URL
	 * the registry handed out on another host or scheme (an upload session, a next page)
	 * gets none, as containerd's pusher strips its authorizer there. Blob storage signs its
	 * own URLs.
	 */
	if ((rc = registry_url_is_foreign(r, req->url, &foreign)))
		return rc;
	for (;;) {
		pthread_mutex_lock(&r->lock);
		rc = r->opts.lazy_auth ? 0 : ping_locked(r);
		if (!rc && !foreign)
			rc = auth_for_scope(r, scope, refresh, &auth);
		pthread_mutex_unlock(&r->lock);
		if (rc)
			break;
		req->auth = auth;
		rc = http_do(r->http, req, resp);
		req->auth = NULL;
		/* A credential that was sent and refused is fetched anew; a request that went
		 * without one (lazy auth, or before the challenge was known) may use the token
		 * another request fetched meanwhile. */
		refresh = auth != NULL;
		if (auth) {
			memset(auth, 0, strlen(auth));
			free(auth);
			auth = NULL;
		}
		if (rc || resp->status != 401 || tries++ || foreign)
			break;
		/* A 401: learn the challenge (the scope may differ) and try once more. */
		pthread_mutex_lock(&r->lock);
		rc = set_challenge(r, resp);
		if (!rc)
			rc = load_creds(r);
		if (!rc && !strcmp(r->chal.scheme, "basic") && !has_creds(r))
			rc = err_set(E_AUTH, "%s requires credentials and none were found (give "
				     "username/password, or log in so that the Docker config has "
				     "them)", r->host);
		pthread_mutex_unlock(&r->lock);
		if (rc)
			break;
		if (req->read_fn && req->rewind_fn && req->rewind_fn(req->read_ctx)) {
			rc = err_code();
			break;
		}
		http_response_reset(resp);
	}
	if (!rc && resp->status == 401 && foreign) {
		char *shown = http_url_redact_dup(req->url);

		rc = err_set(E_AUTH, "%s handed out %s, on another host or scheme, which asks for "
			     "credentials: convoy sends the credentials of %s only to %s", r->host,
			     shown ? shown : "a URL", r->host, buf_cstr(&r->base));
		free(shown);
	} else if (!rc && resp->status == 401) {
		const char *h = http_header(resp, "www-authenticate");

		pthread_mutex_lock(&r->lock);
		if (h && strstr(h, "insufficient_scope"))
			rc = err_set(E_AUTH, "%s: no permission for %s with %s (the registry "
				     "granted a token without it)", r->host, scope, creds_desc(r));
		else if (has_creds(r))
			rc = err_set(E_AUTH, "%s refused the credentials from %s: check the user "
				     "name and password or token", r->host, creds_desc(r));
		else
			rc = err_set(E_AUTH, "%s requires authentication for %s and no "
				     "credentials were found", r->host, scope);
		pthread_mutex_unlock(&r->lock);
	}
	return rc;
}

int registry_url_is_foreign(const struct registry *r, const char *url, int *foreign)
{
	char *a = http_url_origin_dup(url), *b = http_url_origin_dup(buf_cstr(&r->base));
	int rc = 0;

	*foreign = 1;
	if (!a || !b)
		rc = err_set(E_HTTP, "%s: invalid URL '%s'", r->host, url);
	else
		*foreign = strcmp(a, b) != 0;
	free(a);
	free(b);
	return rc;
}

int registry_url(struct registry *r, struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	buf_reset(b);
	if ((rc = buf_puts(b, buf_cstr(&r->base))))
		return rc;
	va_start(ap, fmt);
	rc = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

int registry_request(struct registry *r, const char *repo, const char *actions,
		     struct http_request *req, const char *path, struct http_response *resp)
{
	struct buf url = BUF_INIT, scope = BUF_INIT;
	const char *saved = req->url;
	int rc;

	if ((rc = registry_url(r, &url, "%s", path)) ||
	    (rc = registry_scope(&scope, repo, actions ? actions : "pull", NULL)))
		goto out;
	req->url = buf_cstr(&url);
	rc = registry_do_scoped(r, buf_cstr(&scope), req, resp);
	req->url = saved;
out:
	buf_free(&url);
	buf_free(&scope);
	return rc;
}
