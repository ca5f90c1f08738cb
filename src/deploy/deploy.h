/*
 * deploy: rolls an image out to an ECS service. Describe the service and its task definition,
 * register a revision with only the overrides changed (image, environment, secrets of named
 * containers; the base may also be a file or another revision), update the service, wait (bounded)
 * until the rollout is done (deploy/rollout.h decides), optionally check a health URL, and on
 * failure update the service back to the previous task definition and wait for that too.
 * Named CloudWatch alarms are polled during the rollout and a bake time after it; one in ALARM
 * is a failure like the others. ECS's own deploymentConfiguration.alarms are reported.
 * Progress and ECS service events go to the log; each step is kept for the summary timeline.
 */
#ifndef CONVOY_DEPLOY_DEPLOY_H
#define CONVOY_DEPLOY_DEPLOY_H

#include "actions/runtime.h"
#include "aws/client.h"
#include "aws/ecs.h"
#include "aws/ecs_taskdef.h"
#include "util/strlist.h"

struct deploy_opts {
	const char *cluster;
	const char *service;
	const char *container;   /* NULL: the only one */
	const char *image;       /* repo@sha256:... */
	/* The base instead of the service's current revision: a parsed file (base_td, with its
	 * base_tags), or a family[:revision] / ARN to describe (base_ref); both NULL: the service's. */
	const json_t *base_td;
	const json_t *base_tags;
	const char *base_ref;
	/* overrides[0] is container's (image, env, secrets); the rest are other containers'. */
	const struct ecs_container_override *overrides;
	size_t noverrides;
	struct ecs_update_opts update; /* UpdateService members of the deploy (not the rollback) */
	/* A one-off task of the new revision before the rollout (migrations), networked as the
	 * service; its container's non-zero exit fails the deploy before the service changes. */
	int run_task;
	const json_t *run_task_command; /* JSON array for the container's command; NULL: as is */
	const char *run_task_started_by;
	unsigned long wait_timeout_s;
	const char *health_url;  /* NULL: no health check */
	long health_status;
	const char *health_body;
	unsigned long health_retries;
	/* CloudWatch alarms watched during the rollout and bake_time_s after it: one in ALARM
	 * fails the deploy (and rolls back). NULL or empty: none. */
	const struct strlist *alarms;
	unsigned long bake_time_s;
	int dry_run;
	int no_rollback;
	long poll_ms;            /* CONVOY_DEPLOY_POLL_MS, default 15000 */
	long health_backoff_ms;  /* CONVOY_DEPLOY_HEALTH_BACKOFF_MS, default 2000 */
};

struct deploy_result {
	char *task_definition_arn;
	char *previous_task_definition_arn;
	/* What the service runs when convoy is done, read back from ECS after a failure (a
	 * rollback may end elsewhere than planned); the registered revision after a success. */
	char *running_task_definition_arn;
	char *deployment_id;
	char *run_task_arn;      /* the one-off task, when run */
	char *container;
	/*
	 * "deployed", "dry-run"; on failure "rolled-back" (the previous task definition runs
	 * again), "rollback-failed" (the rollback did not complete) or "failed" (no rollback:
	 * --no-rollback, or nothing was changed yet)
	 */
	const char *status;
	char *dry_run_json;      /* the task definition that would be registered */
	struct strlist timeline; /* "+12s\ttext" */
};
void deploy_result_free(struct deploy_result *r);

/* Returns 0 when deployed (or dry run); else the error says what happened, rollback included. */
int deploy_run(struct aws_client *c, struct rt *rt, const struct deploy_opts *o,
	       struct deploy_result *res);

#endif
