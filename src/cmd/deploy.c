/*
 * deploy: roll an image digest out to an ECS service (deploy/deploy.h), then outputs + summary.
 * The target comes from flags or from a pipeline stage's deploy block (--stage; flags win).
 * `status` and the task definition outputs are written even when the deploy fails, so a
 * later step can tell "rolled back" from "rollback failed".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/env.h"
#include "actions/output.h"
#include "actions/summary.h"
#include "aws/client.h"
#include "aws/ecs_taskdef.h"
#include "actions/command.h"
#include "actions/context.h"
#include "cmd/cmd.h"
#include "cmd/gh_deployment.h"
#include "cmd/promote_common.h"
#include "deploy/deploy.h"
#include "pipeline/pipeline.h"
#include "util/err.h"

const char cmd_deploy_summary[] = "Roll an image digest out to an Amazon ECS service, verify, roll back";
const struct input_def cmd_deploy_inputs[] = {
	{ "stage", 0, NULL, "pipeline stage whose deploy block names cluster, service, container, "
			    "health URL" },
	{ "pipeline-file", 0, PIPELINE_DEFAULT_FILE, "the pipeline YAML (read with --stage)" },
	{ "cluster", 0, NULL, "ECS cluster name or ARN (default: the stage's, else 'default')" },
	{ "service", 0, NULL, "ECS service name or ARN (default: the stage's)" },
	{ "container", IN_MULTI, NULL, "container whose image changes (default: the stage's, else "
				       "the only container); repeat NAME=IMAGE for other containers" },
	{ "image", IN_REQUIRED, NULL, "image to run, REPO@sha256:DIGEST (promote's 'image' output)" },
	{ "task-definition", 0, NULL, "the base instead of the service's current revision: a JSON "
				      "file (aws ecs describe-task-definition output or the bare "
				      "object) or family[:revision]" },
	{ "environment-variables", IN_MULTI, NULL, "NAME=VALUE lines: environment of the container" },
	{ "env", IN_MULTI | IN_FLAG_ONLY, NULL, "NAME=VALUE, repeatable: as environment-variables" },
	{ "secrets", IN_MULTI, NULL, "NAME=ARN lines: secrets of the container (Secrets Manager or "
				     "SSM parameter ARNs; never printed)" },
	{ "secret", IN_MULTI | IN_FLAG_ONLY, NULL, "NAME=ARN, repeatable: as secrets" },
	{ "desired-count", 0, NULL, "tasks the service runs (UpdateService desiredCount; default: "
				    "unchanged)" },
	{ "force-new-deployment", IN_BOOL, "false", "start new tasks even if nothing changed" },
	{ "enable-ecs-managed-tags", IN_BOOL, NULL, "tag the service's tasks with ECS's cluster and "
						    "service tags (default: unchanged)" },
	{ "propagate-tags", 0, NULL, "TASK_DEFINITION, SERVICE or NONE: whose tags the tasks get "
				     "(default: unchanged)" },
	{ "run-task", IN_BOOL, "false", "before the rollout, run the new revision once as a task "
					"networked as the service (migrations); a non-zero exit of the "
					"container fails the deploy, the service unchanged" },
	{ "run-task-command", 0, NULL, "the container's command for that task, a JSON array "
				       "(default: the image's)" },
	{ "run-task-started-by", 0, "convoy", "RunTask startedBy of that task" },
	{ "wait-timeout", 0, "900", "seconds to wait for the rollout (and for a rollback)" },
	{ "wait-for-minutes", 0, NULL, "the wait timeout in minutes (wins over wait-timeout; as "
				       "amazon-ecs-deploy-task-definition names it)" },
	{ "health-url", 0, NULL, "URL checked after the rollout (default: the stage's)" },
	{ "health-status", 0, "200", "expected HTTP status of the health URL" },
	{ "health-body", 0, NULL, "substring the health reply must contain" },
	{ "health-retries", 0, "5", "health check retries (with backoff) before failing" },
	{ "alarms", IN_MULTI, NULL, "CloudWatch alarm names (one a line or comma-separated) watched "
				    "during the rollout and the bake; one in ALARM fails the deploy "
				    "and rolls back (default: the stage's)" },
	{ "bake-time", 0, NULL, "seconds the alarms are still watched after the rollout, 0 to "
				"86400 (default: the stage's, else 0)" },
	{ "dry-run", IN_BOOL, "false", "print the new task definition JSON without registering" },
	{ "no-rollback", IN_BOOL, "false", "on failure, leave the service as it is" },
	{ "region", 0, NULL, "AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile's)" },
	{ "ledger", IN_BOOL, "true", "with --stage: record the deploy in the promotion ledger, next "
				     "to the promotion of the digest" },
	PROMOTE_REGISTRY_INPUTS,
	GH_DEPLOYMENT_INPUTS,
	{ NULL, 0, NULL, NULL },
};

/* repo@sha256:<64 hex> */
static int check_image(const char *image, const char *input)
{
	const char *at = strchr(image, '@');
	size_t n;

	if (!at || at == image || strncmp(at + 1, "sha256:", 7))
		return err_set(E_USAGE, "input '%s': '%s' is not REPO@sha256:DIGEST (pass "
					"promote's 'image' output, pinned by digest)",
			       input, image);
	n = strlen(at + 8);
	if (n != 64 || strspn(at + 8, "0123456789abcdef") != 64)
		return err_set(E_USAGE, "input '%s': '%s' has a malformed digest (expected "
					"sha256: and 64 lower-case hex digits)",
			       input, image);
	return 0;
}

/*
 * The deploy as a ledger record in the stage's repository, next to the promotion of the
 * digest. The deploy has happened (or failed) either way: a record that cannot be written is
 * a warning, never the step's failure.
 */
static void record_deploy(struct rt *rt, const struct inputs *in, const struct pipeline *p,
			  const struct deploy_opts *o, const struct deploy_result *res)
{
	struct gh_context gh = { 0 };
	struct registry_sessions *rs = NULL;
	struct ledger_record rec = { 0 };
	struct buf now = BUF_INIT, target = BUF_INIT;
	char *run_url = NULL;
	const char *stage = inputs_get(in, "stage");
	int rc;

	if ((rc = gh_context_load(&gh)) || (rc = promote_cli_sessions(rt, in, &rs)) ||
	    (rc = ledger_time_now(&now)) ||
	    (rc = buf_printf(&target, "ecs:%s/%s", o->cluster, o->service)))
		goto out;
	run_url = gh_context_run_url_dup(&gh);
	rec.kind = "deploy";
	rec.from = "";
	rec.digest = (char *)strchr(o->image, '@') + 1;
	rec.time = now.data;
	rec.actor = (char *)(gh.actor ? gh.actor : getenv("USER"));
	rec.source = (char *)o->image;
	rec.run_url = run_url;
	rec.commit = (char *)gh.sha;
	rec.deploy_target = target.data;
	/* what runs now: after a rollback, the revision read back from the service */
	rec.task_definition = res->running_task_definition_arn ? res->running_task_definition_arn
							       : res->task_definition_arn;
	rec.status = (char *)res->status;
	if (!(rc = promote_record_deploy(rs, p, stage, &rec))) {
		rt_info(rt, "ledger: deploy recorded in %s (stage %s)", rec.repository, stage);
		summary_add(rt, "The deploy is recorded in the ledger of stage %s.\n\n", stage);
	}
out:
	if (rc) {
		wf_warning(rt, NULL, "the deploy was not recorded in the ledger of stage '%s': %s",
			   stage, err_msg());
		summary_add(rt, "**The deploy is not recorded** in the ledger of stage %s: %s\n\n",
			    stage, err_msg());
	}
	err_clear();
	free(run_url);
	buf_free(&now);
	buf_free(&target);
	registry_sessions_free(rs);
	gh_context_free(&gh);
}

static void write_summary(struct rt *rt, const struct deploy_opts *o,
			  const struct deploy_result *res, int rc)
{
	summary_add(rt, "### convoy deploy: %s\n\n", rc && !strcmp(res->status, "deployed")
							? "failed"
							: res->status);
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
	summary_add(rt, " |\n| Runs now | ");
	summary_add_cell(rt, res->running_task_definition_arn ? res->running_task_definition_arn
							      : "");
	if (o->alarms && o->alarms->len) {
		summary_add(rt, " |\n| Alarms | ");
		for (size_t i = 0; i < o->alarms->len; i++) {
			summary_add(rt, "%s", i ? ", " : "");
			summary_add_cell(rt, o->alarms->items[i]);
		}
		summary_add(rt, " (bake %lu s)", o->bake_time_s);
	}
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

static void join_stage_names(const struct pipeline *p, struct buf *b)
{
	for (size_t i = 0; i < p->nstages; i++)
		buf_printf(b, "%s%s", i ? ", " : "", p->stages[i].name);
}

/* What a deploy changes beside the image, from the inputs; owns what o points to. */
struct shape {
	json_t *base_td, *base_tags;
	struct strlist main;          /* the container of 'image', when named */
	struct strlist names, images; /* container NAME=IMAGE lines, split */
	struct strlist env, secrets;
	struct strlist alarms;
	struct ecs_container_override *ov;
	json_t *command;
};

static void shape_free(struct shape *sh)
{
	json_decref(sh->base_td);
	json_decref(sh->base_tags);
	strlist_clear(&sh->main);
	strlist_clear(&sh->names);
	strlist_clear(&sh->images);
	strlist_clear(&sh->env);
	strlist_clear(&sh->secrets);
	strlist_clear(&sh->alarms);
	free(sh->ov);
	json_decref(sh->command);
}

/* run-task, its command (a JSON array of strings) and startedBy. */
static int shape_run_task(const struct inputs *in, struct shape *sh, struct deploy_opts *o)
{
	const char *cmd = inputs_get(in, "run-task-command");
	int rc = inputs_get_bool(in, "run-task", &o->run_task);
	size_t i;
	json_t *a;

	o->run_task_started_by = inputs_get(in, "run-task-started-by");
	if (rc || !cmd)
		return rc;
	sh->command = json_loads(cmd, JSON_DECODE_ANY, NULL);
	if (!json_is_array(sh->command) || !json_array_size(sh->command))
		return err_set(E_USAGE, "input 'run-task-command': '%s' is not a JSON array of "
					"strings (e.g. [\"./manage.py\", \"migrate\"])",
			       cmd);
	json_array_foreach(sh->command, i, a)
		if (!json_is_string(a))
			return err_set(E_USAGE, "input 'run-task-command': element %zu of '%s' is "
						"not a string",
				       i + 1, cmd);
	if (!o->run_task)
		return err_set(E_USAGE, "input 'run-task-command' is given but 'run-task' is not "
					"true");
	o->run_task_command = sh->command;
	return 0;
}

/* family[:revision] or a task definition ARN: what DescribeTaskDefinition takes. */
static int is_td_ref(const char *v)
{
	const char *p = strstr(v, ":task-definition/");
	size_t n;

	if (!strncmp(v, "arn:", 4)) {
		if (!p)
			return 0;
		v = p + strlen(":task-definition/");
	}
	n = strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");
	if (!n || n > 255)
		return 0;
	if (!v[n])
		return 1;
	return v[n] == ':' && v[n + 1] && strspn(v + n + 1, "0123456789") == strlen(v + n + 1);
}

static int shape_base(const struct inputs *in, struct shape *sh, struct deploy_opts *o)
{
	const char *v = inputs_get(in, "task-definition");
	struct buf text = BUF_INIT;
	struct stat st;
	int rc;

	if (!v)
		return 0;
	if (stat(v, &st) == 0 && S_ISREG(st.st_mode)) {
		rc = buf_read_file(&text, v, 4u << 20);
		if (!rc)
			rc = ecs_taskdef_parse(buf_cstr(&text), "task-definition", v, &sh->base_td,
					       &sh->base_tags);
		buf_free(&text);
		o->base_td = sh->base_td;
		o->base_tags = sh->base_tags;
		return rc;
	}
	if (!is_td_ref(v))
		return err_set(E_USAGE, "input 'task-definition': '%s' is neither a file nor "
					"family[:revision] (a JSON file as aws ecs "
					"describe-task-definition writes it, or e.g. app:12)",
			       v);
	o->base_ref = v;
	return 0;
}

/* Lines of container: one bare NAME (the --image container), any number of NAME=IMAGE. */
static int shape_containers(const struct inputs *in, struct shape *sh, struct deploy_opts *o)
{
	struct strlist lines = STRLIST_INIT;
	int rc = inputs_get_list(in, "container", LIST_IGNORE_COMMA, &lines);

	o->container = NULL;
	for (size_t i = 0; !rc && i < lines.len; i++) {
		const char *l = lines.items[i], *eq = strchr(l, '=');

		if (!eq && o->container)
			rc = err_set(E_USAGE, "input 'container': '%s' and '%s' both name the "
					      "container of 'image'; name the others as NAME=IMAGE",
				     o->container, l);
		else if (!eq)
			o->container = l;
		else if (eq == l || !eq[1])
			rc = err_set(E_USAGE, "input 'container': '%s' is not NAME or NAME=IMAGE", l);
		else if ((rc = strlist_addn(&sh->names, l, (size_t)(eq - l))) == 0)
			rc = strlist_add(&sh->images, eq + 1);
	}
	for (size_t i = 0; !rc && i < sh->names.len; i++)
		for (size_t j = 0; !rc && j <= i; j++)
			if (j < i ? !strcmp(sh->names.items[i], sh->names.items[j])
				  : o->container && !strcmp(sh->names.items[i], o->container))
				rc = err_set(E_USAGE, "input 'container': '%s' is named twice; one "
						      "image per container",
					     sh->names.items[i]);
	if (!rc && o->container && !(rc = strlist_add(&sh->main, o->container)))
		o->container = sh->main.items[0]; /* lines is freed below */
	strlist_clear(&lines);
	return rc;
}

static int shape_vars(struct rt *rt, const struct inputs *in, struct shape *sh)
{
	int rc = inputs_get_list(in, "environment-variables", LIST_IGNORE_COMMA, &sh->env);

	if (!rc)
		rc = inputs_get_list(in, "env", LIST_IGNORE_COMMA, &sh->env);
	if (!rc)
		rc = inputs_get_list(in, "secrets", LIST_IGNORE_COMMA, &sh->secrets);
	if (!rc)
		rc = inputs_get_list(in, "secret", LIST_IGNORE_COMMA, &sh->secrets);
	if (!rc)
		rc = ecs_taskdef_check_pairs(&sh->env, "environment-variables");
	if (!rc)
		rc = ecs_taskdef_check_pairs(&sh->secrets, "secrets");
	for (size_t i = 0; !rc && i < sh->secrets.len; i++)
		rc = rt_mask(rt, strchr(sh->secrets.items[i], '=') + 1);
	return rc;
}

/* The UpdateService members: desired-count, force-new-deployment, managed tags, propagate. */
static int shape_update(const struct inputs *in, struct deploy_opts *o)
{
	const char *pt = inputs_get(in, "propagate-tags");
	unsigned long n = 0;
	int rc = 0, b = 0;

	o->update.desired_count = -1;
	o->update.enable_ecs_managed_tags = -1;
	if (inputs_get(in, "desired-count") &&
	    !(rc = inputs_get_uint(in, "desired-count", 0, 100000, &n)))
		o->update.desired_count = (long)n;
	if (!rc)
		rc = inputs_get_bool(in, "force-new-deployment", &o->update.force_new_deployment);
	if (!rc && inputs_get(in, "enable-ecs-managed-tags") &&
	    !(rc = inputs_get_bool(in, "enable-ecs-managed-tags", &b)))
		o->update.enable_ecs_managed_tags = b;
	if (!rc && pt && strcmp(pt, "TASK_DEFINITION") && strcmp(pt, "SERVICE") &&
	    strcmp(pt, "NONE"))
		rc = err_set(E_USAGE, "input 'propagate-tags': '%s' is not TASK_DEFINITION, SERVICE "
				      "or NONE",
			     pt);
	o->update.propagate_tags = pt;
	if (!rc && inputs_get(in, "wait-for-minutes") &&
	    !(rc = inputs_get_uint(in, "wait-for-minutes", 1, 100000, &n)))
		o->wait_timeout_s = n * 60;
	return rc;
}

/* Everything beside the image: base, containers, variables, UpdateService members. */
static int shape_parse(struct rt *rt, const struct inputs *in, struct shape *sh,
		       struct deploy_opts *o)
{
	int rc = shape_base(in, sh, o);

	if (!rc)
		rc = shape_vars(rt, in, sh);
	if (!rc)
		rc = shape_update(in, o);
	if (!rc)
		rc = shape_run_task(in, sh, o);
	if (rc)
		return rc;
	sh->ov = calloc(sh->images.len + 1, sizeof(*sh->ov));
	if (!sh->ov)
		return err_set(E_NOMEM, "out of memory");
	sh->ov[0] = (struct ecs_container_override){ o->container, o->image, &sh->env,
						     &sh->secrets };
	for (size_t i = 0; i < sh->images.len; i++) {
		if ((rc = check_image(sh->images.items[i], "container")))
			return rc;
		sh->ov[i + 1] = (struct ecs_container_override){ sh->names.items[i],
								 sh->images.items[i], NULL, NULL };
	}
	o->overrides = sh->ov;
	o->noverrides = sh->images.len + 1;
	return 0;
}

/* alarms: CloudWatch alarm names (1-255 characters, at most 100, none twice); bake-time. */
static int shape_alarms(const struct inputs *in, struct shape *sh, struct deploy_opts *o)
{
	int rc = inputs_get_list(in, "alarms", 0, &sh->alarms);

	for (size_t i = 0; !rc && i < sh->alarms.len; i++) {
		const char *a = sh->alarms.items[i];

		if (strlen(a) > 255)
			rc = err_set(E_USAGE, "input 'alarms': '%.40s...' is longer than the 255 "
					      "characters of a CloudWatch alarm name",
				     a);
		for (size_t j = 0; !rc && j < i; j++)
			if (!strcmp(a, sh->alarms.items[j]))
				rc = err_set(E_USAGE, "input 'alarms': '%s' is named twice", a);
	}
	if (!rc && sh->alarms.len > 100)
		rc = err_set(E_USAGE, "input 'alarms': %zu names; CloudWatch DescribeAlarms takes "
				      "at most 100",
			     sh->alarms.len);
	if (!rc && sh->alarms.len)
		o->alarms = &sh->alarms;
	if (!rc && inputs_get(in, "bake-time"))
		rc = inputs_get_uint(in, "bake-time", 0, 86400, &o->bake_time_s);
	return rc;
}

/* Fills what the flags left unset from the stage's deploy block. */
static int apply_stage(const struct inputs *in, const struct pipeline *p, struct deploy_opts *o)
{
	const char *name = inputs_get(in, "stage"), *file = inputs_get(in, "pipeline-file");
	const struct pipeline_stage *s = pipeline_stage_find(p, name, NULL);
	struct buf names = BUF_INIT;
	int rc;

	if (!s) {
		join_stage_names(p, &names);
		rc = err_set(E_USAGE, "input 'stage': no stage '%s' in %s (stages: %s)", name, file,
			     buf_cstr(&names));
		buf_free(&names);
		return rc;
	}
	if (!s->deploy.set)
		return err_set(E_USAGE, "input 'stage': stage '%s' in %s (line %u) has no 'deploy:' "
					"block; add one (deploy: {cluster: C, service: S}) or give "
					"--cluster and --service",
			       name, file, s->line);
	if (!o->cluster)
		o->cluster = s->deploy.cluster;
	if (!o->service)
		o->service = s->deploy.service;
	if (!o->container)
		o->container = s->deploy.container;
	if (!o->health_url)
		o->health_url = s->deploy.health_url;
	if (!o->alarms && s->deploy.alarms.len)
		o->alarms = &s->deploy.alarms;
	if (!inputs_get(in, "bake-time") && s->deploy.bake_time_set)
		o->bake_time_s = s->deploy.bake_time_s;
	if (!o->cluster || !o->service)
		return err_set(E_USAGE, "stage '%s' in %s: the deploy block has no '%s' and no "
					"--%s was given",
			       name, file, !o->cluster ? "cluster" : "service",
			       !o->cluster ? "cluster" : "service");
	return 0;
}

/* Also on failure: what ran before, what was tried, what runs now, and how it ended. */
static int write_outputs(struct rt *rt, const struct deploy_result *res)
{
	static const char *const kept[] = { "task-definition-arn", "previous-task-definition-arn",
					    "running-task-definition-arn", "deployment-id",
					    "run-task-arn", "status" };
	const char *vals[] = { res->task_definition_arn, res->previous_task_definition_arn,
			       res->running_task_definition_arn, res->deployment_id,
			       res->run_task_arn, res->status };
	int orc = 0;

	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]) && !orc; i++)
		if (!(orc = out_set(rt, kept[i], vals[i] ? vals[i] : "")))
			orc = out_keep_on_failure(rt, kept[i]);
	return orc;
}

int cmd_deploy(struct rt *rt, int argc, char **argv)
{
	struct pipeline p;
	struct inputs in;
	struct deploy_opts o;
	struct deploy_result res;
	struct aws_client *c = NULL;
	struct gh_deployment *ghd = NULL;
	struct shape sh;
	unsigned long status = 200;
	int ledger = 0, rc, orc;

	memset(&p, 0, sizeof(p));
	memset(&o, 0, sizeof(o));
	memset(&res, 0, sizeof(res));
	memset(&sh, 0, sizeof(sh));
	rc = inputs_parse(rt, cmd_deploy_inputs, argc, argv, &in);
	if (rc || in.help)
		goto out;
	o.cluster = inputs_get(&in, "cluster");
	o.service = inputs_get(&in, "service");
	rc = shape_containers(&in, &sh, &o);
	if (!rc)
		rc = shape_alarms(&in, &sh, &o);
	if (rc)
		goto out;
	o.image = inputs_get(&in, "image");
	o.health_url = inputs_get(&in, "health-url");
	o.health_body = inputs_get(&in, "health-body");
	o.poll_ms = env_long("CONVOY_DEPLOY_POLL_MS", 15000);
	o.health_backoff_ms = env_long("CONVOY_DEPLOY_HEALTH_BACKOFF_MS", 2000);
	if (inputs_get(&in, "stage")) {
		rc = pipeline_load_file(&p, inputs_get(&in, "pipeline-file"));
		if (!rc)
			rc = apply_stage(&in, &p, &o);
		if (rc)
			goto out;
	}
	if (!o.cluster)
		o.cluster = "default"; /* as ECS and amazon-ecs-deploy-task-definition default */
	if (!o.service || !o.image) {
		rc = err_set(E_USAGE, "input '%s' is required (convoy deploy --cluster C --service S "
				      "--image REPO@sha256:DIGEST, or --stage STAGE with a deploy "
				      "block in the pipeline file)",
			     !o.service ? "service" : "image");
		goto out;
	}
	rc = check_image(o.image, "image");
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
	if (!rc)
		rc = inputs_get_bool(&in, "ledger", &ledger);
	if (!rc)
		rc = shape_parse(rt, &in, &sh, &o);
	if (!rc)
		rc = aws_inputs_apply(rt, &in);
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
	if (!o.dry_run) {
		const char *stage = inputs_get(&in, "stage");
		const struct pipeline_stage *s = stage ? pipeline_stage_find(&p, stage, NULL) : NULL;
		json_t *payload = json_pack("{s:s, s:s, s:s}", "image", o.image, "cluster", o.cluster,
					    "service", o.service);

		gh_deployment_begin(rt, &in, stage ? stage : o.service, NULL, payload,
				    s && s == &p.stages[p.nstages - 1], "ECS deploy", 1, &ghd);
	}
	rc = deploy_run(c, rt, &o, &res);
	gh_deployment_end(rt, ghd, !rc && res.status && !strcmp(res.status, "deployed"),
			  o.health_url, res.status ? res.status : "failed");
	ghd = NULL;
	if (res.dry_run_json && !rc)
		fprintf(rt->out, "%s\n", res.dry_run_json);
	orc = write_outputs(rt, &res);
	if (!rc)
		rc = orc;
	if (res.timeline.len)
		write_summary(rt, &o, &res, rc);
	if (ledger && inputs_get(&in, "stage") && !o.dry_run && res.status &&
	    strcmp(res.status, "dry-run")) {
		char *saved = rc ? strdup(err_msg()) : NULL; /* the deploy's own error wins */

		record_deploy(rt, &in, &p, &o, &res);
		if (rc)
			err_set(rc, "%s", saved ? saved : "deploy failed");
		free(saved);
	}
out:
	deploy_result_free(&res);
	shape_free(&sh);
	aws_client_free(c);
	pipeline_free(&p);
	inputs_free(&in);
	return rc;
}
