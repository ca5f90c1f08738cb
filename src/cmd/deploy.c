/* deploy: roll an image digest out to an ECS service (deploy/deploy.h), then outputs + summary. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/env.h"
#include "actions/output.h"
#include "actions/summary.h"
#include "aws/client.h"
#include "cmd/cmd.h"
#include "deploy/deploy.h"
#include "util/err.h"

const char cmd_deploy_summary[] = "Roll an image digest out to an Amazon ECS service, verify, roll back";
const struct input_def cmd_deploy_inputs[] = {
	{ "cluster", IN_REQUIRED, NULL, "ECS cluster name or ARN" },
	{ "service", IN_REQUIRED, NULL, "ECS service name or ARN" },
	{ "container", 0, NULL, "container whose image changes (default: the only container)" },
	{ "image", IN_REQUIRED, NULL, "image to run, REPO@sha256:DIGEST (promote's 'image' output)" },
	{ "wait-timeout", 0, "900", "seconds to wait for the rollout (and for a rollback)" },
	{ "health-url", 0, NULL, "URL checked after the rollout" },
	{ "health-status", 0, "200", "expected HTTP status of the health URL" },
	{ "health-body", 0, NULL, "substring the health reply must contain" },
	{ "health-retries", 0, "5", "health check retries (with backoff) before failing" },
	{ "dry-run", IN_BOOL, "false", "print the new task definition JSON without registering" },
	{ "no-rollback", IN_BOOL, "false", "on failure, leave the service as it is" },
	{ "region", 0, NULL, "AWS region (default: AWS_REGION, AWS_DEFAULT_REGION)" },
	{ NULL, 0, NULL, NULL },
};

/* repo@sha256:<64 hex> */
static int check_image(const char *image)
{
	const char *at = strchr(image, '@');
	size_t n;

	if (!at || at == image || strncmp(at + 1, "sha256:", 7))
		return err_set(E_USAGE, "input 'image': '%s' is not REPO@sha256:DIGEST (pass "
					"promote's 'image' output, pinned by digest)",
			       image);
	n = strlen(at + 8);
	if (n != 64 || strspn(at + 8, "0123456789abcdef") != 64)
		return err_set(E_USAGE, "input 'image': '%s' has a malformed digest (expected "
					"sha256: and 64 lower-case hex digits)",
			       image);
	return 0;
}

static void write_summary(struct rt *rt, const struct deploy_opts *o,
			  const struct deploy_result *res, int rc)
{
	summary_add(rt, "### convoy deploy: %s\n\n", rc ? "failed" : res->status);
	summary_add(rt, "| | |\n| --- | --- |\n| Service | ");
	summary_add_cell(rt, o->cluster);
	summary_add(rt, " / ");
	summary_add_cell(rt, o->service);
	summary_add(rt, " |\n| Image | ");
	summary_add_cell(rt, o->image);
	summary_add(rt, " |\n| Task definition | ");
	summary_add_cell(rt, res->task_definition_arn ? res->task_definition_arn : "");
	summary_add(rt, " |\n| Previous | ");
	summary_add_cell(rt, res->previous_task_definition_arn ? res->previous_task_definition_arn
							       : "");
	summary_add(rt, " |\n\n| Time | Step |\n| --- | --- |\n");
	for (size_t i = 0; i < res->timeline.len; i++) {
		const char *t = res->timeline.items[i], *tab = strchr(t, '\t');
		char when[32];

		snprintf(when, sizeof(when), "%.*s", tab ? (int)(tab - t) : 0, t);
		summary_add(rt, "| %s | ", when);
		summary_add_cell(rt, tab ? tab + 1 : t);
		summary_add(rt, " |\n");
	}
	summary_add(rt, "\n");
}

int cmd_deploy(struct rt *rt, int argc, char **argv)
{
	struct inputs in;
	struct deploy_opts o;
	struct deploy_result res;
	struct aws_client *c = NULL;
	unsigned long status = 200;
	int rc;

	memset(&o, 0, sizeof(o));
	memset(&res, 0, sizeof(res));
	rc = inputs_parse(rt, cmd_deploy_inputs, argc, argv, &in);
	if (rc || in.help)
		goto out;
	o.cluster = inputs_get(&in, "cluster");
	o.service = inputs_get(&in, "service");
	o.container = inputs_get(&in, "container");
	o.image = inputs_get(&in, "image");
	o.health_url = inputs_get(&in, "health-url");
	o.health_body = inputs_get(&in, "health-body");
	o.poll_ms = env_long("CONVOY_DEPLOY_POLL_MS", 15000);
	o.health_backoff_ms = env_long("CONVOY_DEPLOY_HEALTH_BACKOFF_MS", 2000);
	if (!o.cluster || !o.service || !o.image) {
		rc = err_set(E_USAGE, "input '%s' is required (convoy deploy --cluster C --service S "
				      "--image REPO@sha256:DIGEST)",
			     !o.cluster ? "cluster" : !o.service ? "service" : "image");
		goto out;
	}
	rc = check_image(o.image);
	if (!rc)
		rc = inputs_get_uint(&in, "wait-timeout", 1, (unsigned long)-1 / 2,
				     &o.wait_timeout_s);
	if (!rc)
		rc = inputs_get_uint(&in, "health-status", 100, 599, &status);
	if (!rc)
		rc = inputs_get_uint(&in, "health-retries", 0, 1000, &o.health_retries);
	if (!rc)
		rc = inputs_get_bool(&in, "dry-run", &o.dry_run);
	if (!rc)
		rc = inputs_get_bool(&in, "no-rollback", &o.no_rollback);
	if (rc)
		goto out;
	o.health_status = (long)status;
	if (o.health_url && strncmp(o.health_url, "http://", 7) &&
	    strncmp(o.health_url, "https://", 8)) {
		rc = err_set(E_USAGE, "input 'health-url': '%s' is not an http:// or https:// URL",
			     o.health_url);
		goto out;
	}
	rc = aws_client_new(&c, rt, inputs_get(&in, "region"));
	if (rc)
		goto out;
	rc = deploy_run(c, rt, &o, &res);
	if (res.dry_run_json && !rc)
		fprintf(rt->out, "%s\n", res.dry_run_json);
	if (!rc) {
		rc = out_set(rt, "task-definition-arn", res.task_definition_arn);
		if (!rc)
			rc = out_set(rt, "previous-task-definition-arn",
				     res.previous_task_definition_arn);
		if (!rc)
			rc = out_set(rt, "deployment-id", res.deployment_id ? res.deployment_id : "");
		if (!rc)
			rc = out_set(rt, "status", res.status);
	}
	if (res.timeline.len)
		write_summary(rt, &o, &res, rc);
out:
	deploy_result_free(&res);
	aws_client_free(c);
	inputs_free(&in);
	return rc;
}
