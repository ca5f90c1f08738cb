/*
 * deploy/rollout: the pure decisions of a deploy, separated from the I/O in deploy.c so they
 * are unit-testable: is a rollout done, still going, or failed (a circuit-breaker rollback or a
 * FAILED rolloutState is a failure, never a success), and does a health-check reply pass.
 */
#ifndef CONVOY_DEPLOY_ROLLOUT_H
#define CONVOY_DEPLOY_ROLLOUT_H

#include <jansson.h>

#include "util/buf.h"

enum rollout_verdict { ROLLOUT_WAIT, ROLLOUT_DONE, ROLLOUT_FAILED };

struct rollout_view {
	enum rollout_verdict verdict;
	long running, desired, pending;
	size_t deployments;
	const char *rollout_state; /* of our deployment; points into the service JSON */
	const char *primary_id;    /* the PRIMARY deployment (ours or not), into the JSON too */
	const char *primary_task_definition;
};

/* The id of the deployment running td_arn (PRIMARY preferred), or NULL. */
const char *rollout_deployment_id(const json_t *service, const char *td_arn);

/*
 * Evaluates a DescribeServices service object for our deployment (id, running td_arn).
 * Done: ours is the only deployment, runningCount == desiredCount, rolloutState COMPLETED
 * (or absent: the service has none, then the first two are the criterion).
 * Failed: ours has rolloutState FAILED, or it is gone / no longer PRIMARY (the circuit
 * breaker rolled back). why gets a sentence for failures and progress.
 */
int rollout_evaluate(const json_t *service, const char *td_arn, const char *deployment_id,
		     struct rollout_view *out, struct buf *why);

/*
 * Evaluates a DescribeTasks task object of the one-off task: WAIT until lastStatus is STOPPED;
 * then DONE if container (NULL: the first) exited 0, else FAILED (its exit code, or why it has
 * none: the container's reason, the task's stoppedReason). why gets a sentence.
 */
enum rollout_verdict rollout_task_evaluate(const json_t *task, const char *container,
					   struct buf *why);

/* Whether a health reply passes: status == want_status and body contains want_body (if set). */
int rollout_health_ok(long status, const char *body, long want_status, const char *want_body);

/* Delay before health attempt n (0-based): base * 2^n, capped at max. */
long rollout_backoff_ms(unsigned n, long base, long max);

#endif
