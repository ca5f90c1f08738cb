/* aws/ecs: DescribeServices, DescribeTaskDefinition, RegisterTaskDefinition, UpdateService. */
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

int ecs_describe_task_definition(struct aws_client *c, const char *arn, json_t **out)
{
	json_t *req = json_pack("{s:s}", "taskDefinition", arn), *resp = NULL, *td;
	int rc;

	*out = NULL;
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
		       const char *td_arn, json_t **out)
{
	json_t *req = json_pack("{s:s,s:s,s:s}", "cluster", cluster, "service", service,
				"taskDefinition", td_arn);
	json_t *resp = NULL, *svc;
	int rc;

	*out = NULL;
	if (!req)
		return err_set(E_NOMEM, "out of memory");
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

/* Fields DescribeTaskDefinition returns that RegisterTaskDefinition refuses. */
static const char *const read_only[] = {
	"taskDefinitionArn", "revision", "status", "requiresAttributes", "compatibilities",
	"registeredAt", "registeredBy", "deregisteredAt", "deleteRequestedAt",
};

int ecs_task_definition_render(const json_t *td, const char *container, const char *image,
			       json_t **out, char **chosen)
{
	json_t *copy = NULL, *defs, *target = NULL;
	struct buf names = BUF_INIT;
	size_t i;
	json_t *cd;
	int rc = 0;

	*out = NULL;
	if (chosen)
		*chosen = NULL;
	if (!json_is_object(td))
		return err_set(E_HTTP, "the task definition is not a JSON object");
	copy = json_deep_copy(td);
	if (!copy)
		return err_set(E_NOMEM, "out of memory");
	for (i = 0; i < sizeof(read_only) / sizeof(read_only[0]); i++)
		json_object_del(copy, read_only[i]);
	defs = json_object_get(copy, "containerDefinitions");
	if (!json_is_array(defs) || !json_array_size(defs)) {
		rc = err_set(E_HTTP, "the task definition has no containerDefinitions");
		goto out;
	}
	json_array_foreach(defs, i, cd) {
		const char *name = json_string_value(json_object_get(cd, "name"));

		buf_printf(&names, "%s'%s'", i ? ", " : "", name ? name : "?");
		if (container && name && !strcmp(name, container))
			target = cd;
	}
	if (!container) {
		if (json_array_size(defs) != 1) {
			rc = err_set(E_USAGE, "input 'container': the task definition has %zu "
					      "containers (%s); name the one to update",
				     json_array_size(defs), buf_cstr(&names));
			goto out;
		}
		target = json_array_get(defs, 0);
	} else if (!target) {
		rc = err_set(E_USAGE, "input 'container': no container '%s' in the task definition "
				      "(containers: %s)",
			     container, buf_cstr(&names));
		goto out;
	}
	if (json_object_set_new(target, "image", json_string(image))) {
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	if (chosen) {
		const char *n = json_string_value(json_object_get(target, "name"));

		*chosen = strdup(n ? n : "");
	}
	*out = copy;
	copy = NULL;
out:
	json_decref(copy);
	buf_free(&names);
	return rc;
}
