/* aws/ecs_taskdef: registrable task definitions and container overrides; see ecs_taskdef.h. */
#include "aws/ecs_taskdef.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/err.h"

/*
 * RegisterTaskDefinition's input members (botocore's ECS model; enableFaultInjection is newer
 * than Debian's botocore, and AWS returns it only where it takes it), less "tags", which
 * DescribeTaskDefinition returns beside the task definition, not in it. An allowlist rather
 * than a list of read-only fields: a reply field that AWS adds later is dropped, not sent back
 * to be refused.
 */
static const char *const registrable[] = {
	"family", "taskRoleArn", "executionRoleArn", "networkMode", "containerDefinitions",
	"volumes", "placementConstraints", "requiresCompatibilities", "cpu", "memory", "pidMode",
	"ipcMode", "proxyConfiguration", "inferenceAccelerators", "ephemeralStorage",
	"runtimePlatform", "enableFaultInjection",
};

int ecs_taskdef_registrable(const json_t *td, const json_t *tags, json_t **out)
{
	json_t *copy, *kept = NULL, *t;
	size_t i;

	*out = NULL;
	if (!json_is_object(td))
		return err_set(E_HTTP, "the task definition is not a JSON object");
	if (!(copy = json_object()))
		return err_set(E_NOMEM, "out of memory");
	for (i = 0; i < sizeof(registrable) / sizeof(registrable[0]); i++) {
		json_t *v = json_object_get(td, registrable[i]);

		if (v && !json_is_null(v) && json_object_set_new(copy, registrable[i],
								 json_deep_copy(v)))
			goto nomem;
	}
	json_array_foreach(tags, i, t) {
		const char *k = json_string_value(json_object_get(t, "key"));

		if (!k || !strncmp(k, "aws:", 4))
			continue;
		if (!kept && !(kept = json_array()))
			goto nomem;
		if (json_array_append_new(kept, json_deep_copy(t)))
			goto nomem;
	}
	if (kept && json_object_set_new(copy, "tags", kept)) {
		kept = NULL;
		goto nomem;
	}
	*out = copy;
	return 0;
nomem:
	json_decref(kept);
	json_decref(copy);
	return err_set(E_NOMEM, "out of memory");
}

int ecs_taskdef_parse(const char *text, const char *input, const char *file, json_t **td,
		      json_t **tags)
{
	json_error_t je;
	json_t *doc = json_loads(text, 0, &je), *inner;
	int rc = 0;

	*td = *tags = NULL;
	if (!doc)
		return err_set(E_USAGE, "input '%s': %s is not JSON (line %d: %s); expected a task "
					"definition as aws ecs describe-task-definition writes it",
			       input, file, je.line, je.text);
	inner = json_object_get(doc, "taskDefinition");
	if (json_is_object(inner)) {
		*td = json_incref(inner);
		if (json_is_array(json_object_get(doc, "tags")))
			*tags = json_incref(json_object_get(doc, "tags"));
	} else if (json_is_object(doc) && json_is_array(json_object_get(doc,
									 "containerDefinitions"))) {
		*td = json_incref(doc);
		if (json_is_array(json_object_get(doc, "tags")))
			*tags = json_incref(json_object_get(doc, "tags"));
	} else {
		rc = err_set(E_USAGE, "input '%s': %s is not a task definition (expected "
				      "{\"taskDefinition\": {...}} or an object with "
				      "containerDefinitions)",
			     input, file);
	}
	if (!rc && !json_is_string(json_object_get(*td, "family"))) {
		rc = err_set(E_USAGE, "input '%s': the task definition in %s has no 'family'", input,
			     file);
	}
	if (rc) {
		json_decref(*td);
		json_decref(*tags);
		*td = *tags = NULL;
	}
	json_decref(doc);
	return rc;
}

int ecs_taskdef_check_pairs(const struct strlist *l, const char *input)
{
	for (size_t i = 0; l && i < l->len; i++) {
		const char *eq = strchr(l->items[i], '=');

		if (!eq || eq == l->items[i])
			return err_set(E_USAGE, "input '%s': line %zu is not NAME=VALUE (got '%.*s')",
				       input, i + 1, eq ? 0 : (int)strcspn(l->items[i], "="),
				       l->items[i]);
	}
	return 0;
}

/*
 * Sets name in the list key ("environment" or "secrets", members name and vkey) of cd, and
 * removes it from the list other.
 */
static int named(const json_t *e, const char *name)
{
	const char *n = json_string_value(json_object_get(e, "name"));

	return n && !strcmp(n, name);
}

static int set_var(json_t *cd, const char *key, const char *vkey, const char *other,
		   const char *line)
{
	const char *eq = strchr(line, '=');
	json_t *list = json_object_get(cd, key), *ol = json_object_get(cd, other), *e;
	char *name = strndup(line, (size_t)(eq - line));
	size_t i;
	int rc = 0;

	if (!name)
		return err_set(E_NOMEM, "out of memory");
	for (i = json_array_size(ol); i-- > 0;)
		if (named(json_array_get(ol, i), name))
			json_array_remove(ol, i);
	if (!json_is_array(list)) {
		list = json_array();
		if (!list || json_object_set_new(cd, key, list)) {
			rc = err_set(E_NOMEM, "out of memory");
			goto out;
		}
	}
	json_array_foreach(list, i, e) {
		if (named(e, name)) {
			if (json_object_set_new(e, vkey, json_string(eq + 1)))
				rc = err_set(E_NOMEM, "out of memory");
			goto out;
		}
	}
	if (json_array_append_new(list, json_pack("{s:s,s:s}", "name", name, vkey, eq + 1)))
		rc = err_set(E_NOMEM, "out of memory");
out:
	free(name);
	return rc;
}

int ecs_taskdef_override(json_t *td, const struct ecs_container_override *ov, char **chosen)
{
	json_t *defs = json_object_get(td, "containerDefinitions"), *cd, *target = NULL;
	struct buf names = BUF_INIT;
	size_t i;
	int rc = 0;

	if (chosen)
		*chosen = NULL;
	if (!json_is_array(defs) || !json_array_size(defs))
		return err_set(E_HTTP, "the task definition has no containerDefinitions");
	json_array_foreach(defs, i, cd) {
		const char *name = json_string_value(json_object_get(cd, "name"));

		buf_printf(&names, "%s'%s'", i ? ", " : "", name ? name : "?");
		if (ov->container && name && !strcmp(name, ov->container))
			target = cd;
	}
	if (!ov->container) {
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
			     ov->container, buf_cstr(&names));
		goto out;
	}
	if (ov->image && json_object_set_new(target, "image", json_string(ov->image))) {
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; !rc && ov->env && i < ov->env->len; i++)
		rc = set_var(target, "environment", "value", "secrets", ov->env->items[i]);
	for (i = 0; !rc && ov->secrets && i < ov->secrets->len; i++)
		rc = set_var(target, "secrets", "valueFrom", "environment", ov->secrets->items[i]);
	if (!rc && chosen) {
		const char *n = json_string_value(json_object_get(target, "name"));

		*chosen = strdup(n ? n : "");
	}
out:
	buf_free(&names);
	return rc;
}
