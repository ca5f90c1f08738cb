/* aws/ecs: DescribeServices, DescribeTaskDefinition, RegisterTaskDefinition, UpdateService
 * RunTask, DescribeTasks (the task-definition rewrites are aws/ecs_taskdef.c). */
#include "aws/ecs.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/err.h"

int ecs_describe_service(struct aws_client *c, const char *cluster, const char *service,
			 json_t **out)
{
	json_t *req = json_pack("{s:s,s:[s]}", "cluster", cluster, "services", service);
	json_t *resp = NULL, *svc;
	int rc;

	*out = NULL;
	if (!req)
		return err_set(E_NOMEM, "out of memory");
	rc = aws_call(c, &aws_service_ecs, "DescribeServices", req, &resp);
	json_decref(req);
	if (rc)
		return rc;
	svc = json_array_get(json_object_get(resp, "services"), 0);
	if (!json_is_object(svc) ||
	    !strcmp(json_string_value(json_object_get(svc, "status")) ? json_string_value(json_object_get(svc, "status")) : "", "INACTIVE")) {
		json_t *f = json_array_get(json_object_get(resp, "failures"), 0);
		const char *reason = json_string_value(json_object_get(f, "reason"));

		json_decref(resp);
		return err_set(E_NOTFOUND, "ECS service '%s' in cluster '%s' not found (%s)",
			       service, cluster, reason ? reason : svc ? "INACTIVE" : "MISSING");
	}
	*out = json_incref(svc);
	json_decref(resp);
	return 0;
}

int ecs_describe_task_definition(struct aws_client *c, const char *arn, json_t **out,
				 json_t **tags)
{
	json_t *req = json_pack("{s:s,s:[s]}", "taskDefinition", arn, "include", "TAGS");
	json_t *resp = NULL, *td;
	int rc;

	*out = NULL;
	if (tags)
		*tags = NULL;
	if (!req)
		return err_set(E_NOMEM, "out of memory");
	rc = aws_call(c, &aws_service_ecs, "DescribeTaskDefinition", req, &resp);
	json_decref(req);
	if (rc)
		return rc;
	td = json_object_get(resp, "taskDefinition");
	if (!json_is_object(td)) {
		json_decref(resp);
		return err_set(E_HTTP, "ECS DescribeTaskDefinition: no taskDefinition in the reply");
	}
	*out = json_incref(td);
	if (tags && json_is_array(json_object_get(resp, "tags")))
		*tags = json_incref(json_object_get(resp, "tags"));
	json_decref(resp);
	return 0;
}

int ecs_register_task_definition(struct aws_client *c, json_t *td, json_t **out)
{
	json_t *resp = NULL, *n;
	int rc;

	*out = NULL;
	rc = aws_call(c, &aws_service_ecs, "RegisterTaskDefinition", td, &resp);
	if (rc)
		return rc;
	n = json_object_get(resp, "taskDefinition");
	if (!json_string_value(json_object_get(n, "taskDefinitionArn"))) {
		json_decref(resp);
		return err_set(E_HTTP, "ECS RegisterTaskDefinition: no taskDefinitionArn in the reply");
	}
	*out = json_incref(n);
	json_decref(resp);
	return 0;
}

int ecs_update_service(struct aws_client *c, const char *cluster, const char *service,
		       const char *td_arn, const struct ecs_update_opts *uo, json_t **out)
{
	json_t *req = json_pack("{s:s,s:s,s:s}", "cluster", cluster, "service", service,
				"taskDefinition", td_arn);
	json_t *resp = NULL, *svc;
	int rc;

	*out = NULL;
	if (!req)
		return err_set(E_NOMEM, "out of memory");
	if (uo && uo->desired_count >= 0)
		json_object_set_new(req, "desiredCount", json_integer(uo->desired_count));
	if (uo && uo->force_new_deployment)
		json_object_set_new(req, "forceNewDeployment", json_true());
	if (uo && uo->enable_ecs_managed_tags >= 0)
		json_object_set_new(req, "enableECSManagedTags",
				    json_boolean(uo->enable_ecs_managed_tags));
	if (uo && uo->propagate_tags)
		json_object_set_new(req, "propagateTags", json_string(uo->propagate_tags));
	rc = aws_call(c, &aws_service_ecs, "UpdateService", req, &resp);
	json_decref(req);
	if (rc)
		return rc;
	svc = json_object_get(resp, "service");
	if (!json_is_object(svc)) {
		json_decref(resp);
		return err_set(E_HTTP, "ECS UpdateService: no service in the reply");
	}
	*out = json_incref(svc);
	json_decref(resp);
	return 0;
}

int ecs_run_task(struct aws_client *c, const char *cluster, const json_t *svc,
		 const char *td_arn, const json_t *overrides, const char *started_by,
		 char **task_arn)
{
	static const char *const copied[] = { "networkConfiguration", "launchType",
					      "capacityProviderStrategy", "platformVersion" };
	json_t *req = json_pack("{s:s,s:s,s:i,s:s}", "cluster", cluster, "taskDefinition", td_arn,
				"count", 1, "startedBy", started_by);
	json_t *resp = NULL, *f;
	const char *arn;
	int rc;

	*task_arn = NULL;
	if (!req)
		return err_set(E_NOMEM, "out of memory");
	for (size_t i = 0; i < sizeof(copied) / sizeof(copied[0]); i++) {
		json_t *v = json_object_get(svc, copied[i]);

		if (v && !json_is_null(v) &&
		    !(json_is_array(v) && !json_array_size(v)))
			json_object_set(req, copied[i], v);
	}
	if (overrides)
		json_object_set(req, "overrides", (json_t *)overrides);
	rc = aws_call(c, &aws_service_ecs, "RunTask", req, &resp);
	json_decref(req);
	if (rc)
		return rc;
	f = json_array_get(json_object_get(resp, "failures"), 0);
	arn = json_string_value(json_object_get(json_array_get(json_object_get(resp, "tasks"), 0),
						"taskArn"));
	if (!arn) {
		const char *reason = json_string_value(json_object_get(f, "reason"));
		const char *detail = json_string_value(json_object_get(f, "detail"));

		rc = err_set(E_CONFLICT, "ECS RunTask of %s started no task: %s%s%s", td_arn,
			     reason ? reason : "no reason given", detail ? ": " : "",
			     detail ? detail : "");
	} else if (!(*task_arn = strdup(arn))) {
		rc = err_set(E_NOMEM, "out of memory");
	}
	json_decref(resp);
	return rc;
}

int ecs_describe_task(struct aws_client *c, const char *cluster, const char *task_arn,
		      json_t **out)
{
	json_t *req = json_pack("{s:s,s:[s]}", "cluster", cluster, "tasks", task_arn);
	json_t *resp = NULL, *t;
	int rc;

	*out = NULL;
	if (!req)
		return err_set(E_NOMEM, "out of memory");
	rc = aws_call(c, &aws_service_ecs, "DescribeTasks", req, &resp);
	json_decref(req);
	if (rc)
		return rc;
	t = json_array_get(json_object_get(resp, "tasks"), 0);
	if (!json_is_object(t)) {
		json_decref(resp);
		return err_set(E_NOTFOUND, "ECS task %s in cluster '%s' not found", task_arn,
			       cluster);
	}
	*out = json_incref(t);
	json_decref(resp);
	return 0;
}
