/* buf: growable, optionally bounded byte buffer. See buf.h. */
#include "util/buf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/err.h"

void buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = b->cap = 0;
	b->max = max;
}

int buf_grow(struct buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (extra > SIZE_MAX - b->len - 1)
		return err_set(E_NOMEM, "buffer size overflow");
	need = b->len + extra + 1;
	if (b->max && need > b->max + 1)
		return err_set(E_LIMIT, "data exceeds the limit of %zu bytes", b->max);
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if (b->max && cap > b->max + 1)
		cap = b->max + 1;
	p = realloc(b->data, cap);
	if (!p)
		return err_set(E_NOMEM, "out of memory");
	b->data = p;
	b->cap = cap;
	return 0;
}

int buf_add(struct buf *b, const void *data, size_t len)
{
	int rc = buf_grow(b, len);

	if (rc)
		return rc;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int buf_puts(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int buf_putc(struct buf *b, char c)
{
	return buf_add(b, &c, 1);
}

int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n, rc;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return err_set(E_INTERNAL, "format error");
	if ((rc = buf_grow(b, (size_t)n)))
		return rc;
	n = vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	if (n < 0)
		return err_set(E_INTERNAL, "format error");
	b->len += (size_t)n;
	return 0;
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

void buf_truncate(struct buf *b, size_t len)
{
	if (len < b->len) {
		b->len = len;
		b->data[len] = '\0';
	}
}

void buf_reset(struct buf *b)
{
	buf_truncate(b, 0);
}

const char *buf_cstr(const struct buf *b)
{
	return b->data ? b->data : "";
}

char *buf_detach(struct buf *b)
{
	char *s = b->data;

	if (!s)
		s = calloc(1, 1);
	b->data = NULL;
	b->len = b->cap = 0;
	return s;
}

void buf_free(struct buf *b)
{
	if (!b)
		return;
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void buf_free_secret(struct buf *b)
{
	if (b && b->data)
		explicit_bzero(b->data, b->cap);
	buf_free(b);
}

int buf_read_fd(struct buf *b, int fd, size_t max)
{
	size_t old = b->max;
	int rc = 0;

	b->max = max;
	for (;;) {
		ssize_t n;

		if ((rc = buf_grow(b, 65536)) && !(max && b->len + 1 < b->cap))
			break;
		rc = 0;
		b->data[b->len] = '\0'; /* terminated even when the stream is empty */
		n = read(fd, b->data + b->len, b->cap - b->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = err_set(E_IO, "read: %s", strerror(errno));
			break;
		}
		if (n == 0)
			break;
		b->len += (size_t)n;
		b->data[b->len] = '\0';
		if (max && b->len > max) {
			rc = err_set(E_LIMIT, "data exceeds the limit of %zu bytes", max);
			break;
		}
	}
	if (!rc && !b->data)
		rc = buf_add(b, "", 0);
	b->max = old;
	return rc;
}

int buf_read_file(struct buf *b, const char *path, size_t max)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return err_set(errno == ENOENT ? E_NOTFOUND : E_IO, "%s: %s", path, strerror(errno));
	rc = buf_read_fd(b, fd, max);
	close(fd);
	if (rc)
		return err_set(rc, "%s: %s", path, err_msg());
	return 0;
}
