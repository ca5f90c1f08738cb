/*
 * runtime: the one context object, created in main() and passed down to every command.
 * It knows whether we run under GitHub Actions, the output format, the secrets to mask, and it
 * buffers step outputs and the job summary so that they are written only when the command
 * succeeds (no partial outputs). The exception: outputs a command marks with
 * out_keep_on_failure() (deploy's `status`), which describe the failure itself.
 */
#ifndef CONVOY_ACTIONS_RUNTIME_H
#define CONVOY_ACTIONS_RUNTIME_H

#include <stdio.h>

#include "util/buf.h"
#include "util/strlist.h"

enum rt_format { RT_TEXT, RT_JSON, RT_MARKDOWN, RT_JSONL }; /* the last two: history only */

struct rt {
	int actions;             /* GITHUB_ACTIONS=true */
	enum rt_format format;   /* --format */
	int verbose;             /* --verbose or RUNNER_DEBUG=1 */
	const char *command;     /* the running subcommand, for messages */
	struct strlist secrets;  /* masked values, redacted from everything we print */
	struct strlist out_names;
	struct strlist out_values;
	struct strlist out_keep;  /* names also written when the command fails */
	struct strlist json_names;  /* outputs that also have a JSON value for --format json */
	struct strlist json_values; /* that value, as JSON text (an array, an object) */
	struct strlist env_names;
	struct strlist env_values;
	struct buf summary;
	int summary_truncated;
	char stop_token[33];     /* for ::stop-commands:: around untrusted text */
	/* inputs role-to-assume, role-session-name, role-duration-seconds (cmd/aws_inputs.h),
	 * set by the commands that reach AWS: the credential chain (aws/provider.h) reads them */
	char *aws_role_arn;
	char *aws_role_session_name;
	unsigned long aws_role_duration_s;
	/* the AWS credentials the chain found, reused by the command's later AWS clients until
	 * they near expiry (aws/provider.c owns it; rt_free calls aws_cache_free) */
	void *aws_cache;
	void (*aws_cache_free)(void *cache);
	FILE *out;               /* stdout; tests may redirect */
	FILE *log;               /* stderr */
};

int rt_init(struct rt *rt);
void rt_free(struct rt *rt);

/* Registers a secret: ::add-mask:: under Actions (before any other use) and redaction.
 * Values under 4 characters are left alone (masking them would mask single letters). */
int rt_mask(struct rt *rt, const char *secret);
/* A copy of s with every registered secret replaced by "***" (malloc'd; NULL on OOM). */
char *rt_redact_dup(const struct rt *rt, const char *s);

/* Log lines (stderr outside Actions, stdout under Actions), redacted. */
void rt_info(struct rt *rt, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rt_debug(struct rt *rt, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Writes outputs (GITHUB_OUTPUT or stdout) and the summary; called once by main(). When rc is
 * not 0 only the outputs marked with out_keep_on_failure() are written (the runner keeps a
 * failed step's outputs, so `if: failure()` steps can read them).
 */
int rt_finish(struct rt *rt, int rc);

#endif
