/*
 * csv: records separated by \n or \r\n, fields by ','. A field that starts with '"' is quoted
 * up to a closing '"' ("" is a literal quote) and may span lines; with relax_quotes (always on,
 * as in metadata-action) a quote inside an unquoted field is kept literally.
 */
#include "util/csv.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/err.h"

static int is_blank_line(const char *p, const char *end)
{
	return p == end || *p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n');
}

int csv_parse(const char *text, size_t len, unsigned flags, csv_record_fn fn, void *ctx)
{
	const char *p = text, *end = text + len;
	struct strlist fields = STRLIST_INIT;
	struct buf field = BUF_INIT;
	int rc = 0;

	while (p < end) {
		/* Start of a line. */
		if (is_blank_line(p, end)) {
			p += *p == '\r' ? 2 : 1;
			continue;
		}
		if ((flags & CSV_COMMENTS) && *p == '#') {
			while (p < end && *p != '\n')
				p++;
			if (p < end)
				p++;
			continue;
		}
		for (;;) {
			/* Start of a field. */
			buf_reset(&field);
			if ((rc = buf_add(&field, "", 0)))
				goto out;
			if (p < end && *p == '"') {
				const char *q = p + 1;
				int closed = 0;

				while (q < end) {
					if (*q == '"' && q + 1 < end && q[1] == '"') {
						if ((rc = buf_putc(&field, '"')))
							goto out;
						q += 2;
					} else if (*q == '"') {
						closed = 1;
						q++;
						break;
					} else {
						if ((rc = buf_putc(&field, *q)))
							goto out;
						q++;
					}
				}
				if (!closed)
					/* Unterminated quote: keep the text literally (relax). */
					buf_reset(&field), q = p;
				else if (q < end && *q != ',' && *q != '\n' && *q != '\r')
					/* Quote not followed by a delimiter: a relaxed, literal field. */
					buf_reset(&field), q = p;
				p = q;
			}
			while (p < end && *p != ',' && *p != '\n' &&
			       !(*p == '\r' && p + 1 < end && p[1] == '\n')) {
				if ((rc = buf_putc(&field, *p)))
					goto out;
				p++;
			}
			if ((rc = strlist_add(&fields, buf_cstr(&field))))
				goto out;
			if (p < end && *p == ',') {
				p++;
				continue;
			}
			break;
		}
		if (p < end)
			p += *p == '\r' ? 2 : 1;
		if ((rc = fn(&fields, ctx)))
			goto out;
		strlist_clear(&fields);
	}
out:
	strlist_clear(&fields);
	buf_free(&field);
	return rc;
}

static int first_record(struct strlist *fields, void *ctx)
{
	struct strlist *dst = ctx;

	if (dst->len)
		return 0;
	for (size_t i = 0; i < fields->len; i++) {
		int rc = strlist_add(dst, fields->items[i]);

		if (rc)
			return rc;
	}
	return 0;
}

int csv_parse_first(const char *text, struct strlist *fields)
{
	return csv_parse(text, strlen(text), 0, first_record, fields);
}
