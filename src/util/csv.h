/*
 * csv: the subset of the npm csv-parse behaviour that docker/metadata-action relies on
 * (relax_quotes, skip_empty_lines, optional full-line '#' comments). Pure, no I/O.
 */
#ifndef CONVOY_UTIL_CSV_H
#define CONVOY_UTIL_CSV_H

#include <stddef.h>

#include "util/strlist.h"

#define CSV_COMMENTS 1 /* lines whose first character is '#' are comments */

/*
 * Parses text into records; calls fn for each record with its fields.
 * Fields are unquoted ("a,b" -> a,b; "" -> "). Returns 0 or the first non-zero from fn.
 */
typedef int (*csv_record_fn)(struct strlist *fields, void *ctx);
int csv_parse(const char *text, size_t len, unsigned flags, csv_record_fn fn, void *ctx);

/* The fields of the first record of text (as metadata-action parses one tag entry). */
int csv_parse_first(const char *text, struct strlist *fields);

#endif
