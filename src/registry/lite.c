/* registry/lite: the distribution operations promote needs. See lite.h. */
#include "registry/lite.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "util/err.h"

struct reglite {
	struct http_client *http;
	char *username;
	char *password;
	json_t *auths;            /* "auths" of a Docker config, or NULL */
	struct strlist insecure;
	struct strlist tok_keys;  /* "host scope" */
	struct strlist tok_vals;  /* full Authorization value */
};

int reglite_digest(struct buf *out, const void *data, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (!EVP_Digest(data, len, md, &n, EVP_sha256(), NULL))
		return err_set(E_INTERNAL, "sha256 failed");
	buf_reset(out);
	if (buf_puts(out, "sha256:"))
		return err_code();
	for (unsigned i = 0; i < n; i++)
		if (buf_printf(out, "%02x", md[i]))
			return err_code();
	return 0;
}

static int digest_valid(const char *d)
{
	if (strncmp(d, "sha256:", 7) || strlen(d) != 71)
		return 0;
	for (const char *p = d + 7; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return 0;
	return 1;
}

int reglite_new(struct reglite **out, const struct reglite_opts *o)
{
	struct http_opts ho;
	struct reglite *r = calloc(1, sizeof(*r));
	int rc = 0;

	*out = NULL;
	if (!r)
		return err_set(E_NOMEM, "out of memory");
	if (o->insecure_hosts)
		for (size_t i = 0; i < o->insecure_hosts->len && !rc; i++)
			rc = strlist_add(&r->insecure, o->insecure_hosts->items[i]);
	if (!rc && o->username && !(r->username = strdup(o->username)))
		rc = err_set(E_NOMEM, "out of memory");
	if (!rc && o->password && !(r->password = strdup(o->password)))
		rc = err_set(E_NOMEM, "out of memory");
	if (!rc && o->config_path) {
		json_error_t e;
		json_t *cfg = json_load_file(o->config_path, JSON_REJECT_DUPLICATES, &e);

		if (!cfg)
			rc = err_set(E_USAGE, "input 'registry-config': cannot read '%s': %s",
				     o->config_path, e.text);
		else if ((r->auths = json_object_get(cfg, "auths")))
			json_incref(r->auths);
		json_decref(cfg);
	}
	if (!rc) {
		http_opts_defaults(&ho);
		ho.insecure_hosts = &r->insecure;
		ho.verbose = o->verbose;
		rc = http_client_new(&r->http, &ho);
	}
	if (rc) {
		reglite_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

void reglite_free(struct reglite *r)
{
	if (!r)
		return;
	http_client_free(r->http);
	free(r->username);
	if (r->password)
		memset(r->password, 0, strlen(r->password));
	free(r->password);
	json_decref(r->auths);
	strlist_clear(&r->insecure);
	strlist_clear(&r->tok_keys);
	strlist_clear(&r->tok_vals);
	free(r);
}

void reglite_stats(struct reglite *r, struct http_stats *out)
{
	http_client_stats(r->http, out);
}

int reglite_repo_split(const char *repo, char **host, char **path)
{
	const char *slash = strchr(repo, '/');

	*host = *path = NULL;
	if (!slash || slash == repo || !slash[1])
		return err_set(E_USAGE, "'%s' is not host/repository", repo);
	*host = strndup(repo, (size_t)(slash - repo));
	*path = strdup(slash + 1);
	if (!*host || !*path) {
		free(*host);
		free(*path);
		*host = *path = NULL;
		return err_set(E_NOMEM, "out of memory");
	}
	return 0;
}

int reglite_ref_parse(struct reglite_ref *ref, const char *s)
{
	const char *at = strchr(s, '@'), *end = at ? at : s + strlen(s), *last, *colon;
	char *repo = NULL;
	int rc;

	memset(ref, 0, sizeof(*ref));
	if (at && !digest_valid(at + 1))
		return err_set(E_USAGE, "image '%s': '%s' is not a sha256 digest", s, at + 1);
	if (!(repo = strndup(s, (size_t)(end - s))))
		return err_set(E_NOMEM, "out of memory");
	last = strrchr(repo, '/');
	colon = last ? strchr(last, ':') : NULL;
	if (colon) {
		if (!(ref->tag = strdup(colon + 1)))
			goto oom;
		repo[colon - repo] = '\0';
	}
	if ((rc = reglite_repo_split(repo, &ref->host, &ref->path))) {
		free(repo);
		reglite_ref_free(ref);
		return err_set(E_USAGE, "image '%s' is not host/repository[:tag][@digest]", s);
	}
	free(repo);
	if (at && !(ref->digest = strdup(at + 1)))
		goto oom2;
	return 0;
oom:
	free(repo);
oom2:
	reglite_ref_free(ref);
	return err_set(E_NOMEM, "out of memory");
}

void reglite_ref_free(struct reglite_ref *ref)
{
	if (!ref)
		return;
	free(ref->host);
	free(ref->path);
	free(ref->tag);
	free(ref->digest);
	memset(ref, 0, sizeof(*ref));
}

void reglite_manifest_free(struct reglite_manifest *m)
{
	if (!m)
		return;
	buf_free(&m->body);
	free(m->media_type);
	free(m->digest);
	memset(m, 0, sizeof(*m));
}

/* ---- auth ---- */

static int base64(struct buf *out, const char *s)
{
	size_t n = strlen(s);
	char *enc = malloc(4 * ((n + 2) / 3) + 1);
	int rc;

	if (!enc)
		return err_set(E_NOMEM, "out of memory");
	EVP_EncodeBlock((unsigned char *)enc, (const unsigned char *)s, (int)n);
	rc = buf_puts(out, enc);
	free(enc);
	return rc;
}

/* user:password for a host, from the flags or the Docker config; NULL when anonymous. */
static char *creds_dup(const struct reglite *r, const char *host)
{
	struct buf b = BUF_INIT;
	const json_t *a;

	if (r->username && r->password) {
		if (buf_printf(&b, "%s:%s", r->username, r->password))
			return buf_free(&b), NULL;
		return buf_detach(&b);
	}
	if (!r->auths)
		return NULL;
	a = json_object_get(r->auths, host);
	if (!a) {
		if (buf_printf(&b, "https://%s", host))
			return buf_free(&b), NULL;
		a = json_object_get(r->auths, buf_cstr(&b));
		buf_reset(&b);
	}
	if (json_is_string(json_object_get(a, "auth"))) {
		const char *enc = json_string_value(json_object_get(a, "auth"));
		size_t n = strlen(enc);
		unsigned char *dec = malloc(n + 1);
		int len;

		if (!dec)
			return NULL;
		len = EVP_DecodeBlock(dec, (const unsigned char *)enc, (int)n);
		if (len < 0) {
			free(dec);
			return NULL;
		}
		while (len > 0 && !dec[len - 1]) /* padding decodes to NULs */
			len--;
		dec[len] = '\0';
		return (char *)dec;
	}
	if (json_is_string(json_object_get(a, "username")) &&
	    json_is_string(json_object_get(a, "password"))) {
		if (buf_printf(&b, "%s:%s", json_string_value(json_object_get(a, "username")),
			       json_string_value(json_object_get(a, "password"))))
			return buf_free(&b), NULL;
		return buf_detach(&b);
	}
	return NULL;
}

/* The value of key="..." in a WWW-Authenticate challenge (malloc'd) or NULL. */
static char *challenge_param_dup(const char *ch, const char *key)
{
	size_t kl = strlen(key);

	for (const char *p = ch; *p; p++) {
		const char *v, *e;

		if (strncasecmp(p, key, kl) || (p != ch && p[-1] != ' ' && p[-1] != ',') ||
		    p[kl] != '=')
			continue;
		v = p + kl + 1;
		if (*v == '"') {
			e = strchr(++v, '"');
			if (!e)
				return NULL;
		} else {
			e = v + strcspn(v, ", ");
		}
		return strndup(v, (size_t)(e - v));
	}
	return NULL;
}

static const char *scheme(const struct reglite *r, const char *host)
{
	return http_host_is_loopback(host) || strlist_contains(&r->insecure, host) ? "http"
										   : "https";
}

static const char *token_get(const struct reglite *r, const char *key)
{
	for (size_t i = 0; i < r->tok_keys.len; i++)
		if (!strcmp(r->tok_keys.items[i], key))
			return r->tok_vals.items[i];
	return NULL;
}

static int token_put(struct reglite *r, const char *key, char *val)
{
	for (size_t i = 0; i < r->tok_keys.len; i++) {
		if (!strcmp(r->tok_keys.items[i], key)) {
			free(r->tok_vals.items[i]);
			r->tok_vals.items[i] = val;
			return 0;
		}
	}
	if (strlist_add(&r->tok_keys, key)) {
		free(val);
		return err_code();
	}
	return strlist_take(&r->tok_vals, val);
}

/* Answers a 401 challenge: Basic with the credentials, or a Bearer token from the realm. */
static int authenticate(struct reglite *r, const char *host, const char *scope, const char *ch,
			const char *key)
{
	struct buf b = BUF_INIT, url = BUF_INIT;
	char *creds = creds_dup(r, host), *realm = NULL, *service = NULL;
	struct http_response resp = { 0 };
	struct http_request req = { 0 };
	int rc = 0;

	if (!strncasecmp(ch, "basic", 5)) {
		if (!creds) {
			rc = err_set(E_AUTH, "%s asks for credentials (give --username/--password "
					     "or --registry-config)", host);
			goto out;
		}
		if (!(rc = buf_puts(&b, "Basic ")) && !(rc = base64(&b, creds)))
			rc = token_put(r, key, buf_detach(&b));
		goto out;
	}
	if (strncasecmp(ch, "bearer", 6) || !(realm = challenge_param_dup(ch, "realm"))) {
		rc = err_set(E_AUTH, "%s: unsupported authentication challenge", host);
		goto out;
	}
	service = challenge_param_dup(ch, "service");
	if ((rc = buf_puts(&url, realm)) || (rc = buf_putc(&url, strchr(realm, '?') ? '&' : '?')))
		goto out;
	if (service && ((rc = buf_puts(&url, "service=")) || (rc = http_url_escape(&url, service)) ||
			(rc = buf_putc(&url, '&'))))
		goto out;
	for (const char *s = scope; *s;) {
		size_t n = strcspn(s, " ");
		char *one = strndup(s, n);

		if (!one) {
			rc = err_set(E_NOMEM, "out of memory");
			goto out;
		}
		rc = buf_puts(&url, "scope=");
		if (!rc)
			rc = http_url_escape(&url, one);
		if (!rc)
			rc = buf_putc(&url, '&');
		free(one);
		if (rc)
			goto out;
		s += n;
		while (*s == ' ')
			s++;
	}
	buf_truncate(&url, url.len - 1);
	if (creds && ((rc = buf_puts(&b, "Basic ")) || (rc = base64(&b, creds))))
		goto out;
	req.method = "GET";
	req.url = buf_cstr(&url);
	req.auth = creds ? buf_cstr(&b) : NULL;
	req.max_body = 1024 * 1024;
	if ((rc = http_do(r->http, &req, &resp)))
		goto out;
	if (resp.status != 200) {
		rc = err_set(E_AUTH, "%s: token request refused (HTTP %ld)%s", host, resp.status,
			     creds ? "" : " (no credentials given)");
		goto out;
	}
	{
		json_t *j = json_loadb(resp.body.data ? resp.body.data : "", resp.body.len, 0, NULL);
		const char *t = json_string_value(json_object_get(j, "token"));

		if (!t)
			t = json_string_value(json_object_get(j, "access_token"));
		buf_reset(&b);
		if (!t)
			rc = err_set(E_AUTH, "%s: token response without a token", host);
		else if (!(rc = buf_printf(&b, "Bearer %s", t)))
			rc = token_put(r, key, buf_detach(&b));
		json_decref(j);
	}
out:
	http_response_free(&resp);
	if (creds)
		memset(creds, 0, strlen(creds));
	free(creds);
	free(realm);
	free(service);
	buf_free(&b);
	buf_free(&url);
	return rc;
}

/*
 * One request with auth: the cached Authorization for (host, scope) if any; on a 401, answers
 * the challenge once and retries. scope: space-separated token scopes the request needs.
 */
static int request(struct reglite *r, const char *host, const char *scope,
		   struct http_request *req, struct http_response *resp)
{
	struct buf key = BUF_INIT;
	int rc;

	if ((rc = buf_printf(&key, "%s %s", host, scope)))
		return rc;
	for (int attempt = 0;; attempt++) {
		const char *auth = token_get(r, buf_cstr(&key)), *ch;

		req->auth = auth;
		http_response_reset(resp);
		if ((rc = http_do(r->http, req, resp)))
			break;
		if (resp->status != 401)
			break;
		ch = http_header(resp, "www-authenticate");
		if (attempt || !ch) {
			rc = err_set(E_AUTH, "%s %s: authentication refused (HTTP 401)", req->method,
				     req->url);
			break;
		}
		if (req->rewind_fn && (rc = req->rewind_fn(req->read_ctx)))
			break;
		if ((rc = authenticate(r, host, scope, ch, buf_cstr(&key))))
			break;
	}
	buf_free(&key);
	return rc;
}

static int url_for(struct buf *u, const struct reglite *r, const char *host, const char *path,
		   const char *kind, const char *ref)
{
	buf_reset(u);
	return buf_printf(u, "%s://%s/v2/%s/%s%s", scheme(r, host), host, path, kind, ref);
}

static int scope_for(struct buf *s, const char *path, int push, const char *from)
{
	buf_reset(s);
	if (buf_printf(s, "repository:%s:%s", path, push ? "pull,push" : "pull"))
		return err_code();
	if (from && buf_printf(s, " repository:%s:pull", from))
		return err_code();
	return 0;
}

/* An error for an unexpected status, with the registry's error message when it sent one. */
static int status_error(const struct http_response *resp, const char *what)
{
	json_t *j = json_loadb(resp->body.data ? resp->body.data : "", resp->body.len, 0, NULL);
	const char *msg = json_string_value(
		json_object_get(json_array_get(json_object_get(j, "errors"), 0), "message"));
	int code = resp->status == 404 ? E_NOTFOUND
		   : resp->status == 401 || resp->status == 403 ? E_AUTH
								  : E_HTTP;
	int rc = err_set(code, "%s: HTTP %ld%s%s", what, resp->status, msg ? ": " : "",
			 msg ? msg : "");

	json_decref(j);
	return rc;
}

static struct strlist accept_headers(void)
{
	struct strlist h = STRLIST_INIT;

	(void)strlist_add(&h, "Accept: " REGLITE_ACCEPT);
	return h;
}

int reglite_manifest_head(struct reglite *r, const char *host, const char *path, const char *ref,
			  char **digest)
{
	struct buf u = BUF_INIT, s = BUF_INIT, what = BUF_INIT;
	struct strlist h = accept_headers();
	struct http_request req = { 0 };
	struct http_response resp = { 0 };
	const char *d;
	int rc;

	*digest = NULL;
	if ((rc = url_for(&u, r, host, path, "manifests/", ref)) || (rc = scope_for(&s, path, 0, NULL)) ||
	    (rc = buf_printf(&what, "%s/%s%s%s", host, path, ref[0] == 's' && strchr(ref, ':') ? "@" : ":", ref)))
		goto out;
	req.method = "HEAD";
	req.url = buf_cstr(&u);
	req.headers = &h;
	if ((rc = request(r, host, buf_cstr(&s), &req, &resp)))
		goto out;
	if (resp.status == 404) {
		rc = err_set(E_NOTFOUND, "%s: no such manifest", buf_cstr(&what));
		goto out;
	}
	if (resp.status != 200) {
		rc = status_error(&resp, buf_cstr(&what));
		goto out;
	}
	d = http_header(&resp, "docker-content-digest");
	if (d && digest_valid(d)) {
		if (!(*digest = strdup(d)))
			rc = err_set(E_NOMEM, "out of memory");
	} else {
		struct reglite_manifest m = { 0 };

		/* No digest header: fetch the manifest and hash it ourselves. */
		if (!(rc = reglite_manifest_get(r, host, path, ref, &m)))
			*digest = m.digest, m.digest = NULL;
		reglite_manifest_free(&m);
	}
out:
	http_response_free(&resp);
	strlist_clear(&h);
	buf_free(&u);
	buf_free(&s);
	buf_free(&what);
	return rc;
}

int reglite_manifest_get(struct reglite *r, const char *host, const char *path, const char *ref,
			 struct reglite_manifest *m)
{
	struct buf u = BUF_INIT, s = BUF_INIT, d = BUF_INIT;
	struct strlist h = accept_headers();
	struct http_request req = { 0 };
	struct http_response resp = { 0 };
	const char *ct;
	int rc;

	memset(m, 0, sizeof(*m));
	if ((rc = url_for(&u, r, host, path, "manifests/", ref)) || (rc = scope_for(&s, path, 0, NULL)))
		goto out;
	req.method = "GET";
	req.url = buf_cstr(&u);
	req.headers = &h;
	req.max_body = REGLITE_MAX_MANIFEST;
	if ((rc = request(r, host, buf_cstr(&s), &req, &resp)))
		goto out;
	if (resp.status == 404) {
		rc = err_set(E_NOTFOUND, "%s/%s%s%s: no such manifest", host, path,
			     strchr(ref, ':') ? "@" : ":", ref);
		goto out;
	}
	if (resp.status != 200) {
		rc = status_error(&resp, buf_cstr(&u));
		goto out;
	}
	if ((rc = reglite_digest(&d, resp.body.data ? resp.body.data : "", resp.body.len)))
		goto out;
	if (strchr(ref, ':') && strcmp(ref, buf_cstr(&d))) {
		rc = err_set(E_INTEGRITY, "%s/%s@%s: the registry sent a manifest with digest %s",
			     host, path, ref, buf_cstr(&d));
		goto out;
	}
	ct = http_header(&resp, "content-type");
	if (!ct) {
		json_t *j = json_loadb(resp.body.data ? resp.body.data : "", resp.body.len, 0, NULL);

		ct = json_string_value(json_object_get(j, "mediaType"));
		m->media_type = strdup(ct ? ct : OCI_MANIFEST_TYPE);
		json_decref(j);
	} else {
		m->media_type = strndup(ct, strcspn(ct, ";"));
	}
	m->digest = buf_detach(&d);
	if (!m->media_type || !m->digest) {
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	m->body = resp.body;
	memset(&resp.body, 0, sizeof(resp.body));
out:
	if (rc)
		reglite_manifest_free(m);
	http_response_free(&resp);
	strlist_clear(&h);
	buf_free(&u);
	buf_free(&s);
	buf_free(&d);
	return rc;
}

int reglite_manifest_put(struct reglite *r, const char *host, const char *path, const char *ref,
			 const char *media_type, const struct buf *body, int *subject_ack)
{
	struct buf u = BUF_INIT, s = BUF_INIT, ct = BUF_INIT;
	struct strlist h = STRLIST_INIT;
	struct http_request req = { 0 };
	struct http_response resp = { 0 };
	int rc;

	if (subject_ack)
		*subject_ack = 0;
	if ((rc = url_for(&u, r, host, path, "manifests/", ref)) || (rc = scope_for(&s, path, 1, NULL)) ||
	    (rc = buf_printf(&ct, "Content-Type: %s", media_type)) || (rc = strlist_add(&h, buf_cstr(&ct))))
		goto out;
	req.method = "PUT";
	req.url = buf_cstr(&u);
	req.headers = &h;
	req.body = body->data ? body->data : "";
	req.body_len = body->len;
	if ((rc = request(r, host, buf_cstr(&s), &req, &resp)))
		goto out;
	if (resp.status != 201 && resp.status != 200) {
		rc = status_error(&resp, "putting a manifest");
		rc = err_wrap(rc, "%s/%s%s%s", host, path, strchr(ref, ':') ? "@" : ":", ref);
		goto out;
	}
	if (subject_ack)
		*subject_ack = http_header(&resp, "oci-subject") != NULL;
out:
	http_response_free(&resp);
	strlist_clear(&h);
	buf_free(&u);
	buf_free(&s);
	buf_free(&ct);
	return rc;
}

int reglite_blob_exists(struct reglite *r, const char *host, const char *path,
			const char *digest, int *exists)
{
	struct buf u = BUF_INIT, s = BUF_INIT;
	struct http_request req = { 0 };
	struct http_response resp = { 0 };
	int rc;

	*exists = 0;
	if ((rc = url_for(&u, r, host, path, "blobs/", digest)) || (rc = scope_for(&s, path, 0, NULL)))
		goto out;
	req.method = "HEAD";
	req.url = buf_cstr(&u);
	req.flags = HTTP_FOLLOW;
	if ((rc = request(r, host, buf_cstr(&s), &req, &resp)))
		goto out;
	if (resp.status == 200)
		*exists = 1;
	else if (resp.status != 404)
		rc = status_error(&resp, buf_cstr(&u));
out:
	http_response_free(&resp);
	buf_free(&u);
	buf_free(&s);
	return rc;
}

/* Starts an upload session (optionally a mount). Location of the session in *loc. */
static int upload_start(struct reglite *r, const char *host, const char *path, const char *mount,
			const char *from, struct http_response *resp, char **loc)
{
	struct buf u = BUF_INIT, s = BUF_INIT;
	struct http_request req = { 0 };
	const char *l;
	int rc;

	*loc = NULL;
	if ((rc = url_for(&u, r, host, path, "blobs/uploads/", "")) ||
	    (rc = scope_for(&s, path, 1, from)))
		goto out;
	if (mount && ((rc = buf_puts(&u, "?mount=")) || (rc = http_url_escape(&u, mount)) ||
		      (rc = buf_puts(&u, "&from=")) || (rc = http_url_escape(&u, from))))
		goto out;
	req.method = "POST";
	req.url = buf_cstr(&u);
	req.flags = HTTP_NO_RETRY;
	if ((rc = request(r, host, buf_cstr(&s), &req, resp)))
		goto out;
	if (resp->status == 201 && mount)
		goto out;
	if (resp->status != 202) {
		rc = status_error(resp, "starting a blob upload");
		rc = err_wrap(rc, "%s/%s", host, path);
		goto out;
	}
	if (!(l = http_header(resp, "location")) || !(*loc = http_resolve_url_dup(buf_cstr(&u), l)))
		rc = err_set(E_HTTP, "%s/%s: upload session without Location", host, path);
out:
	buf_free(&u);
	buf_free(&s);
	return rc;
}

int reglite_blob_mount(struct reglite *r, const char *host, const char *path,
		       const char *from_path, const char *digest, int *mounted)
{
	struct http_response resp = { 0 };
	char *loc = NULL;
	int rc;

	*mounted = 0;
	rc = upload_start(r, host, path, digest, from_path, &resp, &loc);
	if (!rc && resp.status == 201)
		*mounted = 1;
	if (!rc && loc) {
		/* Refused (202): close the session the registry opened instead. */
		struct http_request req = { 0 };
		struct buf s = BUF_INIT;

		if (!(rc = scope_for(&s, path, 1, NULL))) {
			req.method = "DELETE";
			req.url = loc;
			req.flags = HTTP_NO_RETRY;
			rc = request(r, host, buf_cstr(&s), &req, &resp);
		}
		buf_free(&s);
	}
	free(loc);
	http_response_free(&resp);
	return rc;
}

static int location_next(struct http_response *resp, const char *base, char **loc)
{
	const char *l = http_header(resp, "location");
	char *n;

	if (!l)
		return 0;
	if (!(n = http_resolve_url_dup(base, l)))
		return err_set(E_NOMEM, "out of memory");
	free(*loc);
	*loc = n;
	return 0;
}

/* Closes an upload: PUT <loc>?digest=... with an optional final body. */
static int upload_finish(struct reglite *r, const char *host, const char *path, const char *loc,
			 const char *digest, const void *data, size_t len)
{
	struct buf u = BUF_INIT, s = BUF_INIT;
	struct strlist h = STRLIST_INIT;
	struct http_request req = { 0 };
	struct http_response resp = { 0 };
	int rc;

	if ((rc = buf_printf(&u, "%s%cdigest=", loc, strchr(loc, '?') ? '&' : '?')) ||
	    (rc = http_url_escape(&u, digest)) || (rc = scope_for(&s, path, 1, NULL)) ||
	    (rc = strlist_add(&h, "Content-Type: application/octet-stream")))
		goto out;
	req.method = "PUT";
	req.url = buf_cstr(&u);
	req.headers = &h;
	req.body = data ? data : "";
	req.body_len = len;
	req.flags = HTTP_NO_RETRY;
	if ((rc = request(r, host, buf_cstr(&s), &req, &resp)))
		goto out;
	if (resp.status != 201) {
		rc = status_error(&resp, "finishing a blob upload");
		rc = err_wrap(rc, "%s/%s@%s", host, path, digest);
	}
out:
	http_response_free(&resp);
	strlist_clear(&h);
	buf_free(&u);
	buf_free(&s);
	return rc;
}

int reglite_blob_put(struct reglite *r, const char *host, const char *path, const char *digest,
		     const void *data, size_t len)
{
	struct http_response resp = { 0 };
	char *loc = NULL;
	int rc = upload_start(r, host, path, NULL, NULL, &resp, &loc);

	if (!rc)
		rc = upload_finish(r, host, path, loc, digest, data, len);
	free(loc);
	http_response_free(&resp);
	return rc;
}

/* GET of a blob byte range [from, to] (inclusive) into out; whole blob when to < from. */
static int blob_read(struct reglite *r, const char *host, const char *path, const char *digest,
		     size_t from, size_t to, size_t max, struct buf *out)
{
	struct buf u = BUF_INIT, s = BUF_INIT, range = BUF_INIT;
	struct strlist h = STRLIST_INIT;
	struct http_request req = { 0 };
	struct http_response resp = { 0 };
	int rc;

	if ((rc = url_for(&u, r, host, path, "blobs/", digest)) || (rc = scope_for(&s, path, 0, NULL)))
		goto out;
	if (to >= from && ((rc = buf_printf(&range, "Range: bytes=%zu-%zu", from, to)) ||
			   (rc = strlist_add(&h, buf_cstr(&range)))))
		goto out;
	req.method = "GET";
	req.url = buf_cstr(&u);
	req.headers = &h;
	req.max_body = max;
	req.flags = HTTP_FOLLOW;
	if ((rc = request(r, host, buf_cstr(&s), &req, &resp)))
		goto out;
	if (resp.status != 200 && resp.status != 206) {
		rc = status_error(&resp, buf_cstr(&u));
		goto out;
	}
	if (to >= from && resp.status == 200) {
		/* Range ignored: keep only the slice (bounded by max anyway). */
		if (resp.body.len <= to) {
			rc = err_set(E_INTEGRITY, "%s: blob shorter than expected", buf_cstr(&u));
			goto out;
		}
		buf_reset(out);
		rc = buf_add(out, resp.body.data + from, to - from + 1);
		goto out;
	}
	buf_free(out);
	*out = resp.body;
	memset(&resp.body, 0, sizeof(resp.body));
out:
	http_response_free(&resp);
	strlist_clear(&h);
	buf_free(&u);
	buf_free(&s);
	buf_free(&range);
	return rc;
}

int reglite_blob_get(struct reglite *r, const char *host, const char *path, const char *digest,
		     size_t max, struct buf *out)
{
	struct buf d = BUF_INIT;
	int rc = blob_read(r, host, path, digest, 1, 0, max, out);

	if (!rc && !(rc = reglite_digest(&d, out->data ? out->data : "", out->len)) &&
	    strcmp(buf_cstr(&d), digest))
		rc = err_set(E_INTEGRITY, "%s/%s@%s: blob content has digest %s", host, path, digest,
			     buf_cstr(&d));
	buf_free(&d);
	return rc;
}

static int patch_chunk(struct reglite *r, const char *host, const char *path, char **loc,
		       const struct buf *chunk, size_t off)
{
	struct buf s = BUF_INIT, cr = BUF_INIT;
	struct strlist h = STRLIST_INIT;
	struct http_request req = { 0 };
	struct http_response resp = { 0 };
	int rc;

	if ((rc = scope_for(&s, path, 1, NULL)) ||
	    (rc = buf_printf(&cr, "Content-Range: %zu-%zu", off, off + chunk->len - 1)) ||
	    (rc = strlist_add(&h, buf_cstr(&cr))) ||
	    (rc = strlist_add(&h, "Content-Type: application/octet-stream")))
		goto out;
	req.method = "PATCH";
	req.url = *loc;
	req.headers = &h;
	req.body = chunk->data;
	req.body_len = chunk->len;
	req.flags = HTTP_NO_RETRY;
	if ((rc = request(r, host, buf_cstr(&s), &req, &resp)))
		goto out;
	if (resp.status != 202) {
		rc = status_error(&resp, "uploading a blob chunk");
		goto out;
	}
	rc = location_next(&resp, *loc, loc);
out:
	http_response_free(&resp);
	strlist_clear(&h);
	buf_free(&s);
	buf_free(&cr);
	return rc;
}

int reglite_blob_copy(struct reglite *r, const char *src_host, const char *src_path,
		      const char *dst_host, const char *dst_path, const char *digest, size_t size)
{
	struct http_response resp = { 0 };
	struct buf chunk = BUF_INIT, d = BUF_INIT;
	EVP_MD_CTX *md = NULL;
	char *loc = NULL;
	int rc;

	if ((rc = upload_start(r, dst_host, dst_path, NULL, NULL, &resp, &loc)))
		goto out;
	if (size <= REGLITE_CHUNK) {
		/* One GET, one PUT: the common case for config and most layers. */
		if (!(rc = reglite_blob_get(r, src_host, src_path, digest, size + 1, &chunk)))
			rc = chunk.len == size ? 0
					       : err_set(E_INTEGRITY, "%s/%s@%s: %zu bytes, descriptor says %zu",
							 src_host, src_path, digest, chunk.len, size);
		if (!rc)
			rc = upload_finish(r, dst_host, dst_path, loc, digest, chunk.data, chunk.len);
		goto out;
	}
	if (!(md = EVP_MD_CTX_new()) || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	for (size_t off = 0; off < size; off += REGLITE_CHUNK) {
		size_t end = off + REGLITE_CHUNK < size ? off + REGLITE_CHUNK : size;

		if ((rc = blob_read(r, src_host, src_path, digest, off, end - 1, REGLITE_CHUNK + 1,
				    &chunk)))
			goto out;
		if (chunk.len != end - off) {
			rc = err_set(E_INTEGRITY, "%s/%s@%s: short range read", src_host, src_path,
				     digest);
			goto out;
		}
		EVP_DigestUpdate(md, chunk.data, chunk.len);
		if ((rc = patch_chunk(r, dst_host, dst_path, &loc, &chunk, off)))
			goto out;
	}
	{
		unsigned char h[EVP_MAX_MD_SIZE];
		unsigned int n = 0;

		EVP_DigestFinal_ex(md, h, &n);
		if ((rc = buf_puts(&d, "sha256:")))
			goto out;
		for (unsigned i = 0; i < n; i++)
			if ((rc = buf_printf(&d, "%02x", h[i])))
				goto out;
		if (strcmp(buf_cstr(&d), digest)) {
			rc = err_set(E_INTEGRITY, "%s/%s@%s: blob content has digest %s", src_host,
				     src_path, digest, buf_cstr(&d));
			goto out;
		}
	}
	rc = upload_finish(r, dst_host, dst_path, loc, digest, NULL, 0);
out:
	EVP_MD_CTX_free(md);
	http_response_free(&resp);
	buf_free(&chunk);
	buf_free(&d);
	free(loc);
	return rc;
}

static json_t *empty_index(void)
{
	return json_pack("{s:i, s:s, s:[]}", "schemaVersion", 2, "mediaType", OCI_INDEX_TYPE,
			 "manifests");
}

int reglite_referrers(struct reglite *r, const char *host, const char *path, const char *digest,
		      json_t **index, int *api)
{
	struct buf u = BUF_INIT, s = BUF_INIT, tag = BUF_INIT;
	struct strlist h = STRLIST_INIT;
	struct http_request req = { 0 };
	struct http_response resp = { 0 };
	struct reglite_manifest m = { 0 };
	json_t *j = NULL;
	int rc;

	*index = NULL;
	*api = 0;
	if ((rc = url_for(&u, r, host, path, "referrers/", digest)) ||
	    (rc = scope_for(&s, path, 0, NULL)) ||
	    (rc = strlist_add(&h, "Accept: " OCI_INDEX_TYPE)))
		goto out;
	req.method = "GET";
	req.url = buf_cstr(&u);
	req.headers = &h;
	req.max_body = REGLITE_MAX_MANIFEST;
	if ((rc = request(r, host, buf_cstr(&s), &req, &resp)))
		goto out;
	if (resp.status == 200) {
		j = json_loadb(resp.body.data ? resp.body.data : "", resp.body.len, 0, NULL);
		if (json_is_array(json_object_get(j, "manifests"))) {
			*api = 1;
			*index = j;
			goto out;
		}
		json_decref(j);
	} else if (resp.status != 404 && resp.status != 400 && resp.status != 405) {
		rc = status_error(&resp, buf_cstr(&u));
		goto out;
	}
	/* No referrers API: the tag schema, sha256-<hex> pointing at an index. */
	if ((rc = buf_printf(&tag, "sha256-%s", digest + 7)))
		goto out;
	rc = reglite_manifest_get(r, host, path, buf_cstr(&tag), &m);
	if (rc == E_NOTFOUND) {
		err_clear();
		rc = 0;
		if (!(*index = empty_index()))
			rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	if (rc)
		goto out;
	j = json_loadb(m.body.data, m.body.len, 0, NULL);
	if (!json_is_array(json_object_get(j, "manifests"))) {
		json_decref(j);
		rc = err_set(E_INTEGRITY, "%s/%s:%s is not a referrers index", host, path,
			     buf_cstr(&tag));
		goto out;
	}
	*index = j;
out:
	reglite_manifest_free(&m);
	http_response_free(&resp);
	strlist_clear(&h);
	buf_free(&u);
	buf_free(&s);
	buf_free(&tag);
	return rc;
}
