/*
 * buf: the one growable byte buffer, used for every string that comes from outside.
 *
 * Always NUL-terminated once anything was added, so buf_cstr() is safe to hand to C APIs.
 * A non-zero `max` bounds the size (like curl's dynbuf): untrusted input can never grow
 * memory without limit; going over it fails with E_LIMIT.
 */
#ifndef CONVOY_UTIL_BUF_H
#define CONVOY_UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max; /* 0: unbounded */
};

#define BUF_INIT { NULL, 0, 0, 0 }

void buf_init(struct buf *b, size_t max);
int buf_grow(struct buf *b, size_t extra);
int buf_add(struct buf *b, const void *data, size_t len);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
void buf_truncate(struct buf *b, size_t len);
void buf_reset(struct buf *b);
/* The contents as a C string ("" when empty); valid until the next change. */
const char *buf_cstr(const struct buf *b);
/* Hands the malloc'd string to the caller (never NULL on success) and resets the buffer. */
char *buf_detach(struct buf *b);
void buf_free(struct buf *b);
/* buf_free for secrets (tokens, credentials, a reply holding them): the whole allocation is
 * wiped first, in a way the compiler may not drop as a dead store. */
void buf_free_secret(struct buf *b);

/* Reads a whole file (bounded by max, 0 = unbounded). */
int buf_read_file(struct buf *b, const char *path, size_t max);
/* Reads a whole stream until EOF. */
int buf_read_fd(struct buf *b, int fd, size_t max);

#endif
