/* summary: buffered job summary markdown. See summary.h. */
#include "actions/summary.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

int summary_add(struct rt *rt, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = buf_vprintf(&rt->summary, fmt, ap);
	va_end(ap);
	if (rc == E_LIMIT) {
		/* An over-long summary is shortened, never a reason to fail the step. */
		rt->summary_truncated = 1;
		err_clear();
		return 0;
	}
	return rc;
}

int summary_add_cell(struct rt *rt, const char *text)
{
	int rc = 0;

	for (const char *p = text; *p && !rc && !rt->summary_truncated; p++) {
		if (*p == '|')
			rc = buf_puts(&rt->summary, "\\|");
		else if (*p == '\n')
			rc = buf_puts(&rt->summary, "<br>");
		else if (*p != '\r')
			rc = buf_putc(&rt->summary, *p);
	}
	if (rc == E_LIMIT) {
		rt->summary_truncated = 1;
		err_clear();
		rc = 0;
	}
	return rc;
}

int summary_write(struct rt *rt)
{
	const char *path = rt->actions ? getenv("GITHUB_STEP_SUMMARY") : NULL;
	char *clean;
	FILE *f;
	int rc = 0;

	if (!rt->summary.len || !path || !*path)
		return 0;
	clean = rt_redact_dup(rt, buf_cstr(&rt->summary));
	if (!clean)
		return err_set(E_NOMEM, "out of memory");
	f = fopen(path, "a"); /* append: other steps' summaries stay */
	if (!f) {
		rc = err_set(E_IO, "opening GITHUB_STEP_SUMMARY %s: %s", path, strerror(errno));
	} else {
		size_t n = strlen(clean);

		if (fwrite(clean, 1, n, f) != n ||
		    (rt->summary_truncated &&
		     fputs("\n\n_(summary shortened: it would exceed the runner's limit)_\n", f) < 0))
			rc = err_set(E_IO, "writing GITHUB_STEP_SUMMARY: %s", strerror(errno));
		if (fclose(f) && !rc)
			rc = err_set(E_IO, "writing GITHUB_STEP_SUMMARY: %s", strerror(errno));
	}
	free(clean);
	return rc;
}
