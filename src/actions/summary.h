/*
 * summary: job summary markdown (GITHUB_STEP_SUMMARY). Buffered; appended to the file once,
 * never truncating it, and kept far below the runner's 1 MiB limit.
 */
#ifndef CONVOY_ACTIONS_SUMMARY_H
#define CONVOY_ACTIONS_SUMMARY_H

#include "actions/runtime.h"

#define SUMMARY_MAX (512 * 1024)

int summary_add(struct rt *rt, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends text escaped for a markdown table cell (| and newlines). */
int summary_add_cell(struct rt *rt, const char *text);
int summary_write(struct rt *rt);

#endif
