/*
 * aws/ecs_taskdef: the pure task-definition rewrites of a deploy, no I/O. A task definition as
 * DescribeTaskDefinition returns it (or as a file: `aws ecs describe-task-definition` output or
 * the bare object the render action writes) becomes the input of RegisterTaskDefinition: only
 * the members that call accepts are kept (so a field AWS adds to the reply cannot make the
 * registration fail, and every field it accepts survives), with the task definition's tags.
 * Then per-container overrides: image, environment, secrets.
 */
#ifndef CONVOY_AWS_ECS_TASKDEF_H
#define CONVOY_AWS_ECS_TASKDEF_H

#include <jansson.h>

#include "util/strlist.h"

/*
 * A registrable copy of td (caller decrefs *out) with tags (DescribeTaskDefinition's "tags",
 * may be NULL) as its "tags"; tags under the reserved "aws:" prefix are left out (ECS sets them
 * and refuses them in RegisterTaskDefinition).
 */
int ecs_taskdef_registrable(const json_t *td, const json_t *tags, json_t **out);

/*
 * Reads a task-definition file's text: {"taskDefinition": {...}, "tags": [...]} (the CLI's
 * describe-task-definition) or the bare object. *td and *tags (NULL when none) are new
 * references. Errors are E_USAGE naming input and file.
 */
int ecs_taskdef_parse(const char *text, const char *input, const char *file, json_t **td,
		      json_t **tags);

struct ecs_container_override {
	const char *container;         /* NULL: the only container */
	const char *image;             /* NULL: unchanged */
	const struct strlist *env;     /* NAME=VALUE lines (NULL: none) */
	const struct strlist *secrets; /* NAME=ARN lines (NULL: none) */
};

/*
 * Applies ov to td's container (td as from ecs_taskdef_registrable). A variable set in
 * environment leaves secrets and vice versa (ECS refuses a name in both). An unknown container,
 * or none named when there are several, is E_USAGE naming the choices. *chosen (optional) gets
 * the container's name (caller frees).
 */
int ecs_taskdef_override(json_t *td, const struct ecs_container_override *ov, char **chosen);

/* Checks NAME=VALUE lines of an input (name non-empty, '=' present); E_USAGE names the input. */
int ecs_taskdef_check_pairs(const struct strlist *l, const char *input);

#endif
