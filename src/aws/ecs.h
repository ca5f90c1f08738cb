/*
 * aws/ecs: the four ECS calls a deploy needs, plus the pure task-definition rewrite (only one
 * container's image changes; read-only fields stripped so the result can be registered).
 */
#ifndef CONVOY_AWS_ECS_H
#define CONVOY_AWS_ECS_H

#include <jansson.h>

#include "aws/client.h"

/* The service object (caller decrefs); a missing service/cluster is E_NOTFOUND. */
int ecs_describe_service(struct aws_client *c, const char *cluster, const char *service,
			 json_t **out);
int ecs_describe_task_definition(struct aws_client *c, const char *arn, json_t **out);
/* Registers td (as from ecs_task_definition_render); *out gets the new taskDefinition. */
int ecs_register_task_definition(struct aws_client *c, json_t *td, json_t **out);
/* Points the service at td_arn; *out gets the updated service. */
int ecs_update_service(struct aws_client *c, const char *cluster, const char *service,
		       const char *td_arn, json_t **out);

/*
 * Pure: a copy of td (a DescribeTaskDefinition taskDefinition) ready for
 * RegisterTaskDefinition, with container's image set to image. container NULL: the only
 * container, else an error naming the choices.
 */
int ecs_task_definition_render(const json_t *td, const char *container, const char *image,
			       json_t **out, char **chosen);

#endif
