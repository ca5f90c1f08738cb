/*
 * blob: blob existence, mounts, uploads (POST + one PUT; chunked PATCH fallback) and
 * verified downloads. An upload that fails part-way restarts from a fresh POST: a registry
 * may have kept a partial body in the old session, so retrying the PUT there is unsafe.
 */
#include <stdlib.h>
#include <string.h>

#include "registry/internal.h"
#include "registry/reference.h"
#include "util/err.h"

#define UPLOAD_ATTEMPTS 4

int registry_blob_exists(struct registry *r, const char *repo, const char *digest, int *exists,
			 uint64_t *size)
{
	struct http_request req = { 0 };
	struct http_response resp = { 0 };
	struct buf url = BUF_INIT, scope = BUF_INIT;
	int rc;

	*exists = 0;
	if (size)
		*size = 0;
	if ((rc = registry_url(r, &url, "/v2/%s/blobs/%s", repo, digest)) ||
	    (rc = registry_scope(&scope, repo, "pull", NULL)))
		goto out;
	req.method = "HEAD";
	req.url = buf_cstr(&url);
	req.flags = HTTP_FOLLOW;
	if ((rc = registry_do_scoped(r, buf_cstr(&scope), &req, &resp)))
		goto out;
	if (resp.status == 200) {
		const char *cl = http_header(&resp, "content-length");

		*exists = 1;
		if (size && cl)
			*size = strtoull(cl, NULL, 10);
	} else if (resp.status != 404) {
		rc = registry_error_from_response(&resp, "HEAD blob");
		err_wrap(rc, "%s/%s@%s", r->host, repo, digest);
	}
out:
	http_response_free(&resp);
	buf_free(&url);
	buf_free(&scope);
	return rc;
}

/* POST an upload (or a mount); *location = the session URL on 202; *mounted on 201. */
static int upload_start(struct registry *r, const char *repo, const char *digest,
			const char *from_repo, char **location, int *mounted)
{
	struct http_request req = { 0 };
	struct http_response resp = { 0 };
	struct buf url = BUF_INIT, scope = BUF_INIT;
	int rc;

	*location = NULL;
	*mounted = 0;
	if ((rc = registry_url(r, &url, "/v2/%s/blobs/uploads/", repo)))
		goto out;
	if (from_repo && ((rc = buf_puts(&url, "?mount=")) || (rc = buf_puts(&url, digest)) ||
			  (rc = buf_puts(&url, "&from=")) || (rc = http_url_escape(&url, from_repo))))
		goto out;
	if ((rc = registry_scope(&scope, repo, "pull,push", from_repo)))
		goto out;
	req.method = "POST";
	req.url = buf_cstr(&url);
	if ((rc = registry_do_scoped(r, buf_cstr(&scope), &req, &resp)))
		goto out;
	if (resp.status == 201 && from_repo) {
		*mounted = 1;
		goto out;
	}
	if (resp.status != 202 || !http_header(&resp, "location")) {
		rc = registry_error_from_response(&resp, "starting a blob upload");
		goto out;
	}
	*location = http_resolve_url_dup(buf_cstr(&url), http_header(&resp, "location"));
	if (!*location)
		rc = err_set(E_HTTP, "starting a blob upload: invalid Location header");
out:
	http_response_free(&resp);
	buf_free(&url);
	buf_free(&scope);
	return rc;
}

/*
 * Best effort DELETE of an upload session. The error being reported (why the upload is
 * cancelled) is kept: the DELETE's own outcome must not replace it, nor clear it.
 */
static void upload_cancel(struct registry *r, const char *repo, const char *location)
{
	struct http_request req = { 0 };
	struct http_response resp = { 0 };
	struct buf scope = BUF_INIT;
	int code = err_code();
	char *cause = code ? strdup(err_msg()) : NULL;

	if (!registry_scope(&scope, repo, "pull,push", NULL)) {
		req.method = "DELETE";
		req.url = location;
		req.flags = HTTP_NO_RETRY;
		(void)registry_do_scoped(r, buf_cstr(&scope), &req, &resp);
	}
	err_clear();
	if (code)
		err_set(code, "%s", cause ? cause : "(the cause was lost: out of memory)");
	free(cause);
	http_response_free(&resp);
	buf_free(&scope);
}

int registry_blob_mount(struct registry *r, const char *repo, const char *digest,
			const char *from_repo, int *mounted)
{
	char *location = NULL;
	int rc = upload_start(r, repo, digest, from_repo, &location, mounted);

	if (rc)
		err_wrap(rc, "mounting %s into %s/%s from %s", digest, r->host, repo, from_repo);
	if (location)
		upload_cancel(r, repo, location);
	free(location);
	return rc;
}

static int add_digest_param(struct buf *b, const char *location, const char *digest)
{
	buf_reset(b);
	return buf_printf(b, "%s%c%s%s", location, strchr(location, '?') ? '&' : '?', "digest=",
			  digest);
}

static int put_monolithic(struct registry *r, const char *scope, const char *location,
			  const char *digest, uint64_t size, const struct registry_blob_body *body,
			  struct registry_upload_stats *st, long *status)
{
	struct http_request req = { 0 };
	struct http_response resp = { 0 };
	struct strlist hdrs = STRLIST_INIT;
	struct buf url = BUF_INIT;
	int rc;

	*status = 0;
	if ((rc = add_digest_param(&url, location, digest)) ||
	    (rc = strlist_add(&hdrs, "Content-Type: application/octet-stream")))
		goto out;
	req.method = "PUT";
	req.url = buf_cstr(&url);
	req.headers = &hdrs;
	req.read_fn = body->read;
	req.rewind_fn = body->rewind;
	req.read_ctx = body->ctx;
	req.body_len = (size_t)size;
	req.flags = HTTP_NO_RETRY;
	if (body->rewind && (rc = body->rewind(body->ctx)))
		goto out;
	rc = registry_do_scoped(r, scope, &req, &resp);
	st->requests++;
	if (rc)
		goto out;
	*status = resp.status;
	if (resp.status != 201) {
		rc = registry_error_from_response(&resp, "PUT blob");
		goto out;
	}
	st->bytes_sent += size;
out:
	http_response_free(&resp);
	strlist_clear(&hdrs);
	buf_free(&url);
	return rc;
}

/* A window of `left` bytes of the body, for one PATCH. */
struct window {
	const struct registry_blob_body *body;
	uint64_t left;
};

static size_t window_read(char *dst, size_t n, void *ctx)
{
	struct window *w = ctx;
	size_t got;

	if (!w->left)
		return 0;
	if (n > w->left)
		n = (size_t)w->left;
	got = w->body->read(dst, n, w->body->ctx);
	if (got != (size_t)-1)
		w->left -= got;
	return got;
}

static int put_chunked(struct registry *r, const char *scope, const char *location,
		       const char *digest, uint64_t size, const struct registry_blob_body *body,
		       struct registry_upload_stats *st)
{
	struct http_request req = { 0 };
	struct http_response resp = { 0 };
	struct strlist hdrs = STRLIST_INIT;
	struct buf url = BUF_INIT, range = BUF_INIT;
	char *loc = strdup(location);
	uint64_t off = 0, chunk = registry_chunk_size(r);
	int rc = 0;

	st->chunked = 1;
	if (!loc)
		return err_set(E_NOMEM, "out of memory");
	if (body->rewind && (rc = body->rewind(body->ctx)))
		goto out;
	while (off < size) {
		uint64_t n = size - off < chunk ? size - off : chunk;
		struct window w = { body, n };
		char *next;

		strlist_clear(&hdrs);
		buf_reset(&range);
		if ((rc = buf_printf(&range, "Content-Range: %llu-%llu", (unsigned long long)off,
				     (unsigned long long)(off + n - 1))) ||
		    (rc = strlist_add(&hdrs, buf_cstr(&range))) ||
		    (rc = strlist_add(&hdrs, "Content-Type: application/octet-stream")))
			goto out;
		memset(&req, 0, sizeof(req));
		req.method = "PATCH";
		req.url = loc;
		req.headers = &hdrs;
		req.read_fn = window_read;
		req.read_ctx = &w;
		req.body_len = (size_t)n;
		req.flags = HTTP_NO_RETRY;
		http_response_reset(&resp);
		rc = registry_do_scoped(r, scope, &req, &resp);
		st->requests++;
		if (rc)
			goto out;
		if (resp.status != 202 || !http_header(&resp, "location")) {
			rc = registry_error_from_response(&resp, "PATCH blob chunk");
			goto out;
		}
		next = http_resolve_url_dup(loc, http_header(&resp, "location"));
		if (!next) {
			rc = err_set(E_HTTP, "PATCH blob chunk: invalid Location header");
			goto out;
		}
		free(loc);
		loc = next;
		off += n;
		st->bytes_sent += n;
	}
	/* Reading to the end lets a verifying reader check the digest before we commit. */
	{
		char tail[1];

		if (body->read(tail, sizeof(tail), body->ctx) != 0) {
			rc = err_code() ? err_code()
					: err_set(E_INTEGRITY, "blob %s is longer than declared",
						  digest);
			goto out;
		}
	}
	memset(&req, 0, sizeof(req));
	if ((rc = add_digest_param(&url, loc, digest)))
		goto out;
	req.method = "PUT";
	req.url = buf_cstr(&url);
	req.flags = HTTP_NO_RETRY;
	http_response_reset(&resp);
	rc = registry_do_scoped(r, scope, &req, &resp);
	st->requests++;
	if (!rc && resp.status != 201)
		rc = registry_error_from_response(&resp, "PUT blob (closing chunked upload)");
out:
	free(loc);
	http_response_free(&resp);
	strlist_clear(&hdrs);
	buf_free(&url);
	buf_free(&range);
	return rc;
}

int registry_blob_upload(struct registry *r, const char *repo, const char *digest, uint64_t size,
			 const struct registry_blob_body *body, struct registry_upload_stats *stats)
{
	return registry_blob_upload_from(r, repo, digest, size, body, NULL, stats, NULL);
}

int registry_blob_upload_from(struct registry *r, const char *repo, const char *digest,
			      uint64_t size, const struct registry_blob_body *body,
			      const char *from_repo, struct registry_upload_stats *stats,
			      int *was_mounted)
{
	struct registry_upload_stats local = { 0 };
	struct registry_upload_stats *st = stats ? stats : &local;
	struct buf scope = BUF_INIT;
	int rc = 0, chunked = r->opts.chunk_size != 0;
	unsigned attempt = 0;

	if (was_mounted)
		*was_mounted = 0;

	if ((rc = registry_scope(&scope, repo, "pull,push", NULL)))
		return rc;
	/* One operation: the POSTs, PUTs and fresh starts share the deadline and the retries. */
	http_op_begin(r->http);
	for (;;) {
		char *location = NULL;
		int mounted;
		long status = 0;

		attempt++;
		rc = upload_start(r, repo, digest, from_repo, &location, &mounted);
		st->requests++;
		if (!rc && mounted) {
			if (was_mounted)
				*was_mounted = 1;
			break;
		}
		if (!rc) {
			if (chunked)
				rc = put_chunked(r, buf_cstr(&scope), location, digest, size, body, st);
			else
				rc = put_monolithic(r, buf_cstr(&scope), location, digest, size, body,
						    st, &status);
			/* Registries that refuse a monolithic PUT: 413, 416, 501 -> chunks. */
			if (rc && !chunked && (status == 413 || status == 416 || status == 501)) {
				err_clear();
				upload_cancel(r, repo, location);
				free(location);
				chunked = 1;
				attempt--;
				continue;
			}
			if (rc)
				upload_cancel(r, repo, location);
		}
		free(location);
		if (!rc || !registry_error_retryable(rc) || attempt >= UPLOAD_ATTEMPTS ||
		    !http_op_retry(r->http, attempt, NULL))
			break;
		err_clear();
	}
	if (rc && http_op_expired() && !strstr(err_msg(), "deadline"))
		err_wrap(rc, "uploading %s to %s/%s (gave up at the %ld s deadline, --timeout, "
			 "after %u attempts)", digest, r->host, repo, http_op_deadline_s(), attempt);
	else if (rc)
		err_wrap(rc, "uploading %s to %s/%s%s", digest, r->host, repo,
			 attempt > 1 ? " (after several attempts)" : "");
	http_op_end();
	buf_free(&scope);
	return rc;
}

struct membody {
	const char *data;
	size_t len, off;
};

static size_t mem_read(char *dst, size_t n, void *ctx)
{
	struct membody *m = ctx;

	if (n > m->len - m->off)
		n = m->len - m->off;
	memcpy(dst, m->data + m->off, n);
	m->off += n;
	return n;
}

static int mem_rewind(void *ctx)
{
	((struct membody *)ctx)->off = 0;
	return 0;
}

int registry_blob_upload_buf(struct registry *r, const char *repo, const char *digest,
			     const void *data, size_t len)
{
	struct membody m = { data, len, 0 };
	struct registry_blob_body b = { mem_read, mem_rewind, &m };

	return registry_blob_upload(r, repo, digest, len, &b, NULL);
}

int registry_blob_upload_buf_from(struct registry *r, const char *repo, const char *digest,
				  const void *data, size_t len, const char *from_repo,
				  int *was_mounted)
{
	struct membody m = { data, len, 0 };
	struct registry_blob_body b = { mem_read, mem_rewind, &m };

	return registry_blob_upload_from(r, repo, digest, len, &b, from_repo, NULL, was_mounted);
}

struct getsink {
	http_write_fn write;
	void *ctx;
	struct registry_digest d;
	uint64_t n;
};

static int get_write(const char *data, size_t n, void *ctx)
{
	struct getsink *s = ctx;

	s->n += n;
	if (registry_digest_update(&s->d, data, n))
		return 1;
	return s->write(data, n, s->ctx);
}

int registry_blob_get(struct registry *r, const char *repo, const char *digest,
		      uint64_t expected_size, http_write_fn write, void *ctx)
{
	struct http_request req = { 0 };
	struct http_response resp = { 0 };
	struct buf url = BUF_INIT, scope = BUF_INIT;
	struct getsink s = { write, ctx, { NULL }, 0 };
	char got[REGISTRY_DIGEST_LEN + 1];
	unsigned attempt = 0;
	int rc;

	if ((rc = registry_digest_init(&s.d)) ||
	    (rc = registry_url(r, &url, "/v2/%s/blobs/%s", repo, digest)) ||
	    (rc = registry_scope(&scope, repo, "pull", NULL)))
		goto out;
	http_op_begin(r->http);
	for (;;) {
		attempt++;
		req.method = "GET";
		req.url = buf_cstr(&url);
		req.write_fn = get_write;
		req.write_ctx = &s;
		/* The sink cannot be rewound: retry here only while nothing reached it. */
		req.flags = HTTP_FOLLOW | HTTP_NO_RETRY;
		http_response_reset(&resp);
		rc = registry_do_scoped(r, buf_cstr(&scope), &req, &resp);
		if (!rc && resp.status != 200)
			rc = resp.status == 404 ? err_set(E_NOTFOUND, "blob not found")
						: registry_error_from_response(&resp, "GET blob");
		if (!rc || s.n || !registry_error_retryable(rc) || attempt >= UPLOAD_ATTEMPTS ||
		    (rc == E_HTTP && resp.status && resp.status < 500 && resp.status != 429 &&
		     resp.status != 408) || !http_op_retry(r->http, attempt, NULL))
			break;
		err_clear();
	}
	http_op_end();
	if (rc)
		goto wrap;
	if ((rc = registry_digest_final(&s.d, got)))
		goto out;
	if (expected_size && s.n != expected_size) {
		rc = err_set(E_INTEGRITY, "blob %s: got %llu bytes, expected %llu", digest,
			     (unsigned long long)s.n, (unsigned long long)expected_size);
		goto wrap;
	}
	if (!strncmp(digest, "sha256:", 7) && strcmp(got, digest)) {
		rc = err_set(E_INTEGRITY, "blob %s: the content has digest %s", digest, got);
		goto wrap;
	}
	goto out;
wrap:
	err_wrap(rc, "%s/%s", r->host, repo);
out:
	registry_digest_free(&s.d);
	http_response_free(&resp);
	buf_free(&url);
	buf_free(&scope);
	return rc;
}
