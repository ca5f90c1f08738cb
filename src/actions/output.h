/*
 * output: step outputs and exported environment variables. Values are buffered in the runtime
 * and written by rt_finish() only on success (names marked with out_keep_on_failure() on
 * failure too), in the runner's heredoc form:
 *   name<<ghadelimiter_<uuid>\nvalue\nghadelimiter_<uuid>\n
 */
#ifndef CONVOY_ACTIONS_OUTPUT_H
#define CONVOY_ACTIONS_OUTPUT_H

#include <stdio.h>

#include "actions/runtime.h"
#include "util/buf.h"

int out_set(struct rt *rt, const char *name, const char *value);
/*
 * out_set, and the value --format json prints for it: json is JSON text (an array for a list
 * output, the object of a JSON output), so a terminal user gets JSON values, not strings.
 */
int out_set_json(struct rt *rt, const char *name, const char *value, const char *json);
/* Marks output name to be written even when the command fails (it describes the failure). */
int out_keep_on_failure(struct rt *rt, const char *name);
int out_export_env(struct rt *rt, const char *name, const char *value);

/* Appends one heredoc record to b; refuses a name or value containing the delimiter. */
int out_format_heredoc(struct buf *b, const char *name, const char *value, const char *delim);
/* Appends all records to the file at path with a fresh random delimiter. */
int out_write_file(const char *path, const struct strlist *names, const struct strlist *values);

#endif
