/* deploy/rollout: pure rollout and health decisions; see rollout.h. */
#include "deploy/rollout.h"

#include <string.h>

#include "util/err.h"

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

const char *rollout_deployment_id(const json_t *service, const char *td_arn)
{
	const json_t *deps = json_object_get(service, "deployments"), *d;
	const char *any = NULL;
	size_t i;

	json_array_foreach(deps, i, d) {
		const char *td = str(d, "taskDefinition");

		if (!td || strcmp(td, td_arn))
			continue;
		if (str(d, "status") && !strcmp(str(d, "status"), "PRIMARY"))
			return str(d, "id");
		if (!any)
			any = str(d, "id");
	}
	return any;
}

int rollout_evaluate(const json_t *service, const char *td_arn, const char *deployment_id,
		     struct rollout_view *out, struct buf *why)
{
	const json_t *deps = json_object_get(service, "deployments"), *d, *ours = NULL,
		     *primary = NULL;
	size_t i;

	memset(out, 0, sizeof(*out));
	buf_reset(why);
	out->deployments = json_array_size(deps);
	json_array_foreach(deps, i, d) {
		const char *id = str(d, "id"), *td = str(d, "taskDefinition");

		if (deployment_id ? (id && !strcmp(id, deployment_id))
				  : (td && !strcmp(td, td_arn)))
			ours = d;
		if (str(d, "status") && !strcmp(str(d, "status"), "PRIMARY"))
			primary = d;
	}
	if (primary) {
		out->primary_id = str(primary, "id");
		out->primary_task_definition = str(primary, "taskDefinition");
	}
	if (!ours) {
		out->verdict = ROLLOUT_FAILED;
		return buf_printf(why, "deployment %s is gone; the service now runs %s (ECS rolled "
				       "it back or another deploy replaced it)",
				  deployment_id ? deployment_id : td_arn,
				  primary && str(primary, "taskDefinition")
					  ? str(primary, "taskDefinition")
					  : "an unknown task definition");
	}
	out->running = (long)json_integer_value(json_object_get(ours, "runningCount"));
	out->desired = (long)json_integer_value(json_object_get(ours, "desiredCount"));
	out->pending = (long)json_integer_value(json_object_get(ours, "pendingCount"));
	out->rollout_state = str(ours, "rolloutState");
	if (out->rollout_state && !strcmp(out->rollout_state, "FAILED")) {
		const char *r = str(ours, "rolloutStateReason");

		out->verdict = ROLLOUT_FAILED;
		return buf_printf(why, "the rollout FAILED: %s",
				  r ? r : "ECS gave no reason (deployment circuit breaker)");
	}
	if (primary && primary != ours) {
		out->verdict = ROLLOUT_FAILED;
		return buf_printf(why, "the service's primary deployment is %s (%s), not ours: ECS "
				       "rolled back (deployment circuit breaker)",
				  str(primary, "id") ? str(primary, "id") : "?",
				  str(primary, "taskDefinition") ? str(primary, "taskDefinition")
								 : "?");
	}
	/* Without rolloutState (a service behind a Classic Load Balancer, or one older than the
	 * field), "stable" is what aws ecs wait services-stable checks: one deployment, all of
	 * its tasks running. */
	if (out->deployments == 1 && out->running == out->desired &&
	    (!out->rollout_state || !strcmp(out->rollout_state, "COMPLETED"))) {
		out->verdict = ROLLOUT_DONE;
		return buf_printf(why, "%ld/%ld tasks running, %s", out->running, out->desired,
				  out->rollout_state ? "rollout COMPLETED"
						     : "the only deployment (no rolloutState)");
	}
	out->verdict = ROLLOUT_WAIT;
	return buf_printf(why, "%ld/%ld tasks running, %ld pending, %zu deployment%s, rollout %s",
			  out->running, out->desired, out->pending, out->deployments,
			  out->deployments == 1 ? "" : "s",
			  out->rollout_state ? out->rollout_state : "(no state)");
}

enum rollout_verdict rollout_task_evaluate(const json_t *task, const char *container,
					   struct buf *why)
{
	const char *last = str(task, "lastStatus"), *stopped = str(task, "stoppedReason");
	const json_t *cs = json_object_get(task, "containers"), *ct, *target = NULL;
	const json_t *code;
	size_t i;

	buf_reset(why);
	if (!last || strcmp(last, "STOPPED")) {
		buf_printf(why, "the task is %s", last ? last : "(no status)");
		return ROLLOUT_WAIT;
	}
	json_array_foreach(cs, i, ct) {
		if (!container ? !target : (str(ct, "name") && !strcmp(str(ct, "name"), container)))
			target = ct;
	}
	if (!target) {
		buf_printf(why, "the task stopped without container %s (%s)",
			   container ? container : "(none)", stopped ? stopped : "no reason given");
		return ROLLOUT_FAILED;
	}
	code = json_object_get(target, "exitCode");
	if (!json_is_integer(code)) {
		const char *r = str(target, "reason");

		buf_printf(why, "container %s did not run to an exit code: %s",
			   str(target, "name") ? str(target, "name") : "?",
			   r ? r : stopped ? stopped : "no reason given");
		return ROLLOUT_FAILED;
	}
	if (json_integer_value(code) != 0) {
		buf_printf(why, "container %s exited with code %lld%s%s",
			   str(target, "name") ? str(target, "name") : "?",
			   (long long)json_integer_value(code), stopped ? " (" : "",
			   stopped ? stopped : "");
		if (stopped)
			buf_puts(why, ")");
		return ROLLOUT_FAILED;
	}
	buf_printf(why, "container %s exited with code 0",
		   str(target, "name") ? str(target, "name") : "?");
	return ROLLOUT_DONE;
}

int rollout_health_ok(long status, const char *body, long want_status, const char *want_body)
{
	if (status != want_status)
		return 0;
	if (want_body && *want_body)
		return body && strstr(body, want_body) != NULL;
	return 1;
}

long rollout_backoff_ms(unsigned n, long base, long max)
{
	long d = base;

	for (unsigned i = 0; i < n && d < max; i++)
		d *= 2;
	return d > max ? max : d;
}
