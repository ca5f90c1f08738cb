/* err: thread-local last-error message. See err.h. */
#include "util/err.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char err_text[4096];
static _Thread_local int err_last;

int err_set(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	/* Truncation of an over-long message is acceptable: it is only ever read by people. */
	(void)vsnprintf(err_text, sizeof(err_text), fmt, ap);
	va_end(ap);
	err_last = code;
	return code;
}

int err_wrap(int code, const char *fmt, ...)
{
	char prefix[1024], old[sizeof(err_text)];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	size_t n;

	memcpy(old, err_text, sizeof(old));
	n = strlen(prefix);
	/*
	 * The context is already there when the message starts with it ("input 'source': ..."
	 * wrapped in "input 'source'", "registry h is not reachable" in "registry h"): a caller
	 * and its callee both naming the input or host would print it twice.
	 */
	if (n && !strncmp(old, prefix, n) && !isalnum((unsigned char)old[n]) && old[n] != '_') {
		err_last = code;
		return code;
	}
	/* Build "<prefix>: <old>" by hand; truncation only ever shortens text read by people. */
	if (n > sizeof(err_text) - 3)
		n = sizeof(err_text) - 3;
	memcpy(err_text, prefix, n);
	err_text[n] = ':';
	err_text[n + 1] = ' ';
	old[sizeof(old) - n - 3] = '\0';
	memcpy(err_text + n + 2, old, strlen(old) + 1);
	err_last = code;
	return code;
}

const char *err_msg(void)
{
	return err_text[0] ? err_text : "unknown error";
}

int err_code(void)
{
	return err_last;
}

void err_clear(void)
{
	err_text[0] = '\0';
	err_last = 0;
}

const char *err_name(int code)
{
	switch (code) {
	case E_OK: return "ok";
	case E_USAGE: return "usage";
	case E_IO: return "io";
	case E_NET: return "network";
	case E_HTTP: return "http";
	case E_AUTH: return "auth";
	case E_NOTFOUND: return "not-found";
	case E_INTEGRITY: return "integrity";
	case E_CONFLICT: return "conflict";
	case E_LIMIT: return "limit";
	case E_NOMEM: return "memory";
	case E_TIMEOUT: return "timeout";
	case E_FAILED: return "failed";
	case E_SUBJECT: return "subject-refused";
	default: return "internal";
	}
}
