/*
 * err: the one error type. Functions return 0 or a negative E_* code; the failure site sets the
 * message once, with context, and the top (main.c) prints it once. Thread-local, so parallel
 * uploads keep their own message; a worker copies it to its result before returning.
 */
#ifndef CONVOY_UTIL_ERR_H
#define CONVOY_UTIL_ERR_H

enum convoy_err {
	E_OK = 0,
	E_USAGE = -1,    /* bad input: flag, input, file contents */
	E_IO = -2,       /* local file system */
	E_NET = -3,      /* transport: connect, TLS, timeout, reset */
	E_HTTP = -4,     /* an HTTP status we do not accept */
	E_AUTH = -5,     /* credentials refused or missing */
	E_NOTFOUND = -6, /* a file, manifest, blob, repository, comment that is not there */
	E_INTEGRITY = -7,/* digest or size mismatch */
	E_CONFLICT = -8, /* a tag moved under us, an immutable tag, a gate refusal */
	E_LIMIT = -9,    /* input over a size limit */
	E_NOMEM = -10,
	E_INTERNAL = -11,
	E_TIMEOUT = -12,
	E_FAILED = -13,  /* the work itself reported failure (a failed Terraform plan) */
	E_SUBJECT = -14, /* a manifest refused for its subject, an image index (ECR) */
};

/* Sets the message (printf-style) and returns code, so callers write `return err_set(...)`. */
int err_set(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prepends context to the current message: "pushing x: <old message>". Returns the code. */
int err_wrap(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *err_msg(void);
int err_code(void);
void err_clear(void);
const char *err_name(int code);

#endif
