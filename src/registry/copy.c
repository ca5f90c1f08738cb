/* registry/copy: blob mounts and streamed blob copies between registries. See copy.h. */
#include "registry/copy.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/err.h"

#define COPY_ATTEMPTS 3

/* ---- small blobs: through memory, so the upload can be retried ---- */

static int buf_sink(const char *data, size_t n, void *ctx)
{
	return buf_add(ctx, data, n) ? 1 : 0;
}

static int copy_buffered(struct registry *src, const char *src_repo, struct registry *dst,
			 const char *dst_repo, const char *digest, uint64_t size)
{
	struct buf b = BUF_INIT;
	int rc;

	b.max = (size_t)size + 1;
	if (!(rc = registry_blob_get(src, src_repo, digest, size, buf_sink, &b)))
		rc = registry_blob_upload_buf(dst, dst_repo, digest, b.data ? b.data : "", b.len);
	buf_free(&b);
	return rc;
}

/* ---- large blobs: a GET thread feeds the upload through a bounded ring ---- */

struct pipe {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	char *ring;
	size_t cap, head, len;
	uint64_t consumed;
	int eof, get_rc, put_failed;
	char *get_msg;
	struct registry *src;
	const char *src_repo, *digest;
	uint64_t size;
};

static int pipe_write(const char *data, size_t n, void *ctx)
{
	struct pipe *p = ctx;

	pthread_mutex_lock(&p->lock);
	while (n) {
		size_t tail, k;

		while (p->len == p->cap && !p->put_failed)
			pthread_cond_wait(&p->cond, &p->lock);
		if (p->put_failed)
			break;
		tail = (p->head + p->len) % p->cap;
		k = p->cap - p->len;
		if (k > p->cap - tail)
			k = p->cap - tail;
		if (k > n)
			k = n;
		memcpy(p->ring + tail, data, k);
		p->len += k;
		data += k;
		n -= k;
		pthread_cond_broadcast(&p->cond);
	}
	pthread_mutex_unlock(&p->lock);
	return n ? 1 : 0; /* the upload gave up: abort the GET */
}

static void *pipe_get(void *arg)
{
	struct pipe *p = arg;
	int rc = registry_blob_get(p->src, p->src_repo, p->digest, p->size, pipe_write, p);

	pthread_mutex_lock(&p->lock);
	p->get_rc = rc;
	if (rc)
		p->get_msg = strdup(err_msg());
	p->eof = 1;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static size_t pipe_read(char *dst, size_t n, void *ctx)
{
	struct pipe *p = ctx;
	size_t k;

	pthread_mutex_lock(&p->lock);
	while (!p->len && !p->eof)
		pthread_cond_wait(&p->cond, &p->lock);
	if (!p->len) {
		pthread_mutex_unlock(&p->lock);
		if (p->get_rc) {
			err_set(p->get_rc, "%s", p->get_msg ? p->get_msg : "reading the source");
			return (size_t)-1;
		}
		return 0;
	}
	k = p->len < n ? p->len : n;
	if (k > p->cap - p->head)
		k = p->cap - p->head;
	memcpy(dst, p->ring + p->head, k);
	p->head = (p->head + k) % p->cap;
	p->len -= k;
	p->consumed += k;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	return k;
}

static int pipe_rewind(void *ctx)
{
	struct pipe *p = ctx;
	uint64_t c;

	pthread_mutex_lock(&p->lock);
	c = p->consumed;
	pthread_mutex_unlock(&p->lock);
	/* Before the first byte left, a rewind is free; after, the stream cannot be replayed
	 * (the caller retries the whole copy). */
	return c ? err_set(E_NET, "the streamed copy was interrupted") : 0;
}

static int copy_streamed(struct registry *src, const char *src_repo, struct registry *dst,
			 const char *dst_repo, const char *digest, uint64_t size)
{
	struct pipe p;
	struct registry_blob_body body = { pipe_read, pipe_rewind, &p };
	pthread_t th;
	int rc;

	memset(&p, 0, sizeof(p));
	p.cap = REGISTRY_COPY_PIPE;
	if (!(p.ring = malloc(p.cap)))
		return err_set(E_NOMEM, "out of memory");
	p.src = src;
	p.src_repo = src_repo;
	p.digest = digest;
	p.size = size;
	pthread_mutex_init(&p.lock, NULL);
	pthread_cond_init(&p.cond, NULL);
	if (pthread_create(&th, NULL, pipe_get, &p)) {
		rc = err_set(E_INTERNAL, "cannot start a copy thread");
		goto out;
	}
	rc = registry_blob_upload(dst, dst_repo, digest, size, &body, NULL);
	pthread_mutex_lock(&p.lock);
	p.put_failed = rc != 0;
	pthread_cond_broadcast(&p.cond);
	pthread_mutex_unlock(&p.lock);
	pthread_join(th, NULL);
	if (!rc && p.get_rc) /* the upload finished, the source check did not pass */
		rc = err_set(p.get_rc, "%s", p.get_msg ? p.get_msg : "reading the source");
out:
	pthread_cond_destroy(&p.cond);
	pthread_mutex_destroy(&p.lock);
	free(p.get_msg);
	free(p.ring);
	return rc;
}

int registry_blob_copy(struct registry *src, const char *src_repo, struct registry *dst,
		       const char *dst_repo, const char *digest, uint64_t size,
		       enum registry_copy_how *how)
{
	int ok = 0, rc;

	*how = 0;
	if (src == dst && strcmp(src_repo, dst_repo)) {
		if ((rc = registry_blob_mount(dst, dst_repo, digest, src_repo, &ok)))
			return rc;
		if (ok) {
			*how = REGISTRY_COPY_MOUNTED;
			return 0;
		}
	}
	if ((rc = registry_blob_exists(dst, dst_repo, digest, &ok, NULL)))
		return err_wrap(rc, "%s/%s", registry_host(dst), dst_repo);
	if (ok) {
		*how = REGISTRY_COPY_PRESENT;
		return 0;
	}
	/* One operation: the copy's attempts and their uploads' share the deadline and the
	 * retries (http.h), so a silent registry ends the copy once, not attempts x retries. */
	http_op_begin(registry_http(dst));
	for (unsigned attempt = 1;; attempt++) {
		rc = size <= REGISTRY_COPY_BUFFERED
			     ? copy_buffered(src, src_repo, dst, dst_repo, digest, size)
			     : copy_streamed(src, src_repo, dst, dst_repo, digest, size);
		if (!rc || !registry_error_retryable(rc) || attempt >= COPY_ATTEMPTS ||
		    !http_op_retry(registry_http(dst), attempt, NULL))
			break;
		err_clear();
	}
	http_op_end();
	if (rc)
		return err_wrap(rc, "copying %s from %s/%s to %s/%s", digest, registry_host(src),
				src_repo, registry_host(dst), dst_repo);
	*how = REGISTRY_COPY_COPIED;
	return 0;
}
