/*
 * aws/ecs: the ECS calls a deploy needs (the pure task-definition rewrites are
 * aws/ecs_taskdef.h).
 */
#ifndef CONVOY_AWS_ECS_H
#define CONVOY_AWS_ECS_H

#include <jansson.h>

#include "aws/client.h"

/* The service object (caller decrefs); a missing service/cluster is E_NOTFOUND. */
int ecs_describe_service(struct aws_client *c, const char *cluster, const char *service,
			 json_t **out);
/* *out the task definition, *tags (optional; NULL when none) its tags (include TAGS). */
int ecs_describe_task_definition(struct aws_client *c, const char *arn, json_t **out,
				 json_t **tags);
/* Registers td (as from aws/ecs_taskdef.h); *out gets the new taskDefinition. */
int ecs_register_task_definition(struct aws_client *c, json_t *td, json_t **out);
/* UpdateService members beside the task definition; NULL: none of them. */
struct ecs_update_opts {
	long desired_count;           /* -1: unchanged */
	int force_new_deployment;     /* 0: not sent */
	int enable_ecs_managed_tags;  /* -1: unchanged, else the boolean */
	const char *propagate_tags;   /* TASK_DEFINITION, SERVICE, NONE; NULL: unchanged */
};

/* Points the service at td_arn (with uo); *out gets the updated service. */
int ecs_update_service(struct aws_client *c, const char *cluster, const char *service,
		       const char *td_arn, const struct ecs_update_opts *uo, json_t **out);

/*
 * RunTask of one task of td_arn in the cluster, placed and networked as the service svc is
 * (networkConfiguration, launchType or capacityProviderStrategy, platformVersion), with
 * overrides (may be NULL) and startedBy; *task_arn gets the task's ARN (caller frees). A task
 * ECS cannot place (failures) is an error naming the reason.
 */
int ecs_run_task(struct aws_client *c, const char *cluster, const json_t *svc,
		 const char *td_arn, const json_t *overrides, const char *started_by,
		 char **task_arn);
/* DescribeTasks of one task: *out the task object (caller decrefs). */
int ecs_describe_task(struct aws_client *c, const char *cluster, const char *task_arn,
		      json_t **out);

#endif
