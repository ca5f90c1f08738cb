/*
 * command: workflow commands, escaped as the runner unescapes them
 * (actions/runner src/Runner.Common/ActionCommand.cs).
 */
#include "actions/command.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static int escape(struct buf *out, const char *s, int property)
{
	int rc = 0;

	for (; *s && !rc; s++) {
		switch (*s) {
		case '%': rc = buf_puts(out, "%25"); break;
		case '\r': rc = buf_puts(out, "%0D"); break;
		case '\n': rc = buf_puts(out, "%0A"); break;
		case ':': rc = property ? buf_puts(out, "%3A") : buf_putc(out, ':'); break;
		case ',': rc = property ? buf_puts(out, "%2C") : buf_putc(out, ','); break;
		default: rc = buf_putc(out, *s);
		}
	}
	return rc;
}

int wf_escape_data(struct buf *out, const char *s)
{
	return escape(out, s, 0);
}

int wf_escape_property(struct buf *out, const char *s)
{
	return escape(out, s, 1);
}

__attribute__((format(printf, 5, 0)))
static void annotate(struct rt *rt, const char *kind, const char *file, const char *title,
		     const char *fmt, va_list ap)
{
	struct buf msg = BUF_INIT, line = BUF_INIT;
	char *clean = NULL, *ctitle = NULL;

	if (buf_vprintf(&msg, fmt, ap))
		goto out;
	clean = rt_redact_dup(rt, buf_cstr(&msg));
	ctitle = title ? rt_redact_dup(rt, title) : NULL;
	if (!clean)
		goto out;
	if (!rt->actions) {
		fprintf(stderr, "%s: %s%s%s\n", kind, ctitle ? ctitle : "", ctitle ? ": " : "",
			clean);
		goto out;
	}
	(void)buf_printf(&line, "::%s", kind);
	if (file || ctitle) {
		(void)buf_putc(&line, ' ');
		if (file) {
			(void)buf_puts(&line, "file=");
			(void)wf_escape_property(&line, file);
		}
		if (ctitle) {
			(void)buf_puts(&line, file ? ",title=" : "title=");
			(void)wf_escape_property(&line, ctitle);
		}
	}
	(void)buf_puts(&line, "::");
	(void)wf_escape_data(&line, clean);
	fprintf(rt->out, "%s\n", buf_cstr(&line));
	fflush(rt->out);
out:
	free(clean);
	free(ctitle);
	buf_free(&msg);
	buf_free(&line);
}

void wf_error(struct rt *rt, const char *file, const char *title, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	annotate(rt, "error", file, title, fmt, ap);
	va_end(ap);
}

void wf_warning(struct rt *rt, const char *title, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	annotate(rt, "warning", NULL, title, fmt, ap);
	va_end(ap);
}

void wf_notice(struct rt *rt, const char *title, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	annotate(rt, "notice", NULL, title, fmt, ap);
	va_end(ap);
}

void wf_group(struct rt *rt, const char *title)
{
	struct buf b = BUF_INIT;

	if (!rt->actions) {
		fprintf(rt->log, "== %s\n", title);
		return;
	}
	if (!wf_escape_data(&b, title))
		fprintf(rt->out, "::group::%s\n", buf_cstr(&b));
	buf_free(&b);
}

void wf_endgroup(struct rt *rt)
{
	if (rt->actions)
		fprintf(rt->out, "::endgroup::\n");
}

void wf_add_mask(struct rt *rt, const char *secret)
{
	struct buf b = BUF_INIT;

	if (!rt->actions)
		return;
	if (!wf_escape_data(&b, secret))
		fprintf(rt->out, "::add-mask::%s\n", buf_cstr(&b));
	fflush(rt->out);
	buf_free(&b);
}

void wf_echo_untrusted(struct rt *rt, const char *text)
{
	char *clean = rt_redact_dup(rt, text);

	if (!clean)
		return;
	if (rt->actions) {
		fprintf(rt->out, "::stop-commands::%s\n", rt->stop_token);
		fprintf(rt->out, "%s%s", clean, *clean && clean[strlen(clean) - 1] == '\n' ? "" : "\n");
		fprintf(rt->out, "::%s::\n", rt->stop_token);
	} else {
		fprintf(rt->log, "%s%s", clean,
			*clean && clean[strlen(clean) - 1] == '\n' ? "" : "\n");
	}
	fflush(rt->out);
	free(clean);
}
