/*
 * par: runs independent jobs at the same time, a handful of threads over a job list. A round
 * of registry requests that do not depend on each other (HEAD every target tag while the
 * source manifest is fetched; mount every blob) costs one round trip instead of one per job.
 * Errors are thread-local (util/err), so each job's message is kept and the caller gets the
 * error of the lowest-numbered failing job, as if the jobs had run in order.
 */
#ifndef CONVOY_UTIL_PAR_H
#define CONVOY_UTIL_PAR_H

#include <stddef.h>

/* One job: returns 0 or an E_* code with the message set (err_set). */
typedef int (*par_fn)(void *ctx, size_t i);

#define PAR_MAX_THREADS 16

/*
 * Runs fn(ctx, i) for every i < n on up to `threads` threads (n == 1 or threads <= 1 runs
 * inline) and waits for all of them: a failing job does not cancel the others, since they
 * may be requests already on the wire. Returns 0, or the first failing job's error.
 */
int par_run(size_t n, unsigned threads, par_fn fn, void *ctx);

#endif
