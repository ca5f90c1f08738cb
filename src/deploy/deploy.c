/* deploy: the rollout state machine's I/O half; decisions live in rollout.c. */
#include "deploy/deploy.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/cloudwatch.h"
#include "aws/ecs.h"
#include "deploy/rollout.h"
#include "http/http.h"
#include "util/buf.h"
#include "util/err.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1)
		;
}

struct run {
	struct aws_client *c;
	struct rt *rt;
	const struct deploy_opts *o;
	struct deploy_result *res;
	double t0;
	struct strlist seen_events;
	/* The service's PRIMARY deployment when ours failed: ECS's circuit breaker rollback? */
	char *failed_primary_id;
	char *failed_primary_td;
	int ecs_alarms; /* the service's deploymentConfiguration.alarms roll back by themselves */
};

static void step(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void step(struct run *r, const char *fmt, ...)
{
	struct buf b = BUF_INIT, line = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	rt_info(r->rt, "deploy: %s", buf_cstr(&b));
	if (!buf_printf(&line, "+%.0fs\t%s", now_s() - r->t0, buf_cstr(&b)))
		strlist_add(&r->res->timeline, buf_cstr(&line));
	buf_free(&b);
	buf_free(&line);
}

/* Remembers the events already there, so only new ones are printed. */
static void events_mark(struct run *r, const json_t *svc)
{
	const json_t *ev;
	size_t i;

	json_array_foreach(json_object_get(svc, "events"), i, ev) {
		const char *id = json_string_value(json_object_get(ev, "id"));

		if (id && !strlist_contains(&r->seen_events, id))
			strlist_add(&r->seen_events, id);
	}
}

static void events_print_new(struct run *r, const json_t *svc)
{
	const json_t *evs = json_object_get(svc, "events");

	/* ECS lists the newest first: print oldest first. */
	for (size_t i = json_array_size(evs); i-- > 0;) {
		const json_t *ev = json_array_get(evs, i);
		const char *id = json_string_value(json_object_get(ev, "id"));
		const char *msg = json_string_value(json_object_get(ev, "message"));

		if (!id || strlist_contains(&r->seen_events, id))
			continue;
		strlist_add(&r->seen_events, id);
		if (msg)
			rt_info(r->rt, "  ECS event: %s", msg);
	}
}

/*
 * One look at the named alarms: E_CONFLICT with why naming the first in ALARM (and its
 * StateReason); E_NOTFOUND when CloudWatch does not know one.
 */
static int alarms_check(struct run *r, struct buf *why)
{
	struct cw_alarms a;
	int rc;

	if (!r->o->alarms || !r->o->alarms->len)
		return 0;
	rc = aws_cloudwatch_describe_alarms(r->c, r->o->alarms, &a);
	if (rc)
		return err_wrap(rc, "watching the alarms of the deploy");
	for (size_t i = 0; i < r->o->alarms->len && !rc; i++) {
		const char *name = r->o->alarms->items[i];
		const struct cw_alarm *al = cw_alarms_find(&a, name);

		buf_reset(why);
		if (!al) {
			buf_printf(why, "CloudWatch has no alarm '%s' (region %s)", name,
				   aws_client_region(r->c));
			rc = E_NOTFOUND;
		} else if (!strcmp(al->state, "ALARM")) {
			buf_printf(why, "alarm %s is in ALARM: %s", name,
				   *al->reason ? al->reason : "CloudWatch gave no reason");
			rc = E_CONFLICT;
		}
	}
	if (!rc)
		buf_reset(why);
	cw_alarms_free(&a);
	return rc;
}

/* Polls until the deployment (id, td) is done, failed, or the deadline passes; with watch, the
 * named alarms too (one in ALARM fails it). */
static int wait_rollout(struct run *r, const char *td_arn, const char *dep_id, int watch,
			struct buf *why)
{
	double deadline = now_s() + (double)r->o->wait_timeout_s;
	struct buf last = BUF_INIT;
	int rc = 0;

	for (;;) {
		json_t *svc = NULL;
		struct rollout_view v;

		rc = ecs_describe_service(r->c, r->o->cluster, r->o->service, &svc);
		if (rc)
			break;
		events_print_new(r, svc);
		rc = rollout_evaluate(svc, td_arn, dep_id, &v, why);
		if (!rc && v.verdict == ROLLOUT_FAILED) {
			free(r->failed_primary_id);
			free(r->failed_primary_td);
			r->failed_primary_id = v.primary_id ? strdup(v.primary_id) : NULL;
			r->failed_primary_td = v.primary_task_definition
						       ? strdup(v.primary_task_definition)
						       : NULL;
		}
		json_decref(svc);
		if (rc)
			break;
		if (v.verdict != ROLLOUT_FAILED && watch) {
			struct buf alarm = BUF_INIT;

			rc = alarms_check(r, &alarm);
			if (rc == E_CONFLICT || rc == E_NOTFOUND) {
				buf_reset(why);
				buf_puts(why, buf_cstr(&alarm));
				rc = E_CONFLICT;
			}
			buf_free(&alarm);
			if (rc)
				break;
		}
		if (v.verdict == ROLLOUT_DONE)
			break;
		if (v.verdict == ROLLOUT_FAILED) {
			rc = E_CONFLICT;
			break;
		}
		if (strcmp(buf_cstr(&last), buf_cstr(why))) {
			rt_info(r->rt, "deploy: waiting: %s", buf_cstr(why));
			buf_reset(&last);
			buf_puts(&last, buf_cstr(why));
		}
		if (now_s() + (double)r->o->poll_ms / 1000.0 > deadline) {
			buf_reset(why);
			buf_printf(why, "not done after the %lu s wait timeout (last: %s)",
				   r->o->wait_timeout_s, buf_cstr(&last));
			rc = E_TIMEOUT;
			break;
		}
		sleep_ms(r->o->poll_ms);
	}
	buf_free(&last);
	return rc;
}

static int health_check(struct run *r, struct buf *why)
{
	struct http_client *hc = NULL;
	struct http_opts ho;
	unsigned long attempts = r->o->health_retries + 1;
	struct buf last = BUF_INIT;
	int rc;

	http_opts_defaults(&ho);
	ho.max_retries = 0; /* our own loop retries, with our own backoff */
	if (!ho.timeout_ms)
		ho.timeout_ms = 30000;
	rc = http_client_new(&hc, &ho);
	if (rc)
		return rc;
	for (unsigned long n = 0; n < attempts; n++) {
		struct http_request req;
		struct http_response resp;

		memset(&req, 0, sizeof(req));
		memset(&resp, 0, sizeof(resp));
		req.method = "GET";
		req.url = r->o->health_url;
		req.flags = HTTP_FOLLOW | HTTP_NO_RETRY;
		req.max_body = 1024 * 1024;
		buf_reset(why);
		if (http_do(hc, &req, &resp)) {
			buf_printf(why, "%s", err_msg());
			err_clear();
		} else if (rollout_health_ok(resp.status, buf_cstr(&resp.body),
					     r->o->health_status, r->o->health_body)) {
			long status = resp.status;

			http_response_free(&resp);
			step(r, "health check %s passed (HTTP %ld)", r->o->health_url, status);
			http_client_free(hc);
			return 0;
		} else if (resp.status != r->o->health_status) {
			buf_printf(why, "HTTP %ld, expected %ld", resp.status, r->o->health_status);
		} else {
			buf_printf(why, "HTTP %ld but the body does not contain '%s'", resp.status,
				   r->o->health_body);
		}
		http_response_free(&resp);
		rt_info(r->rt, "deploy: health check %s attempt %lu/%lu: %s", r->o->health_url,
			n + 1, attempts, buf_cstr(why));
		if (n + 1 < attempts)
			sleep_ms(rollout_backoff_ms((unsigned)n, r->o->health_backoff_ms, 30000));
	}
	http_client_free(hc);
	buf_puts(&last, buf_cstr(why));
	buf_reset(why);
	buf_printf(why, "failed %lu of %lu attempts, last: %s", attempts, attempts,
		   buf_cstr(&last));
	buf_free(&last);
	return E_CONFLICT;
}

/*
 * The bake: the named alarms polled for bake_time_s after the rollout (at the poll interval,
 * first right away); one in ALARM fails the deploy like a failed rollout.
 */
static int bake(struct run *r, struct buf *why)
{
	double deadline = now_s() + (double)r->o->bake_time_s;
	unsigned long polls = 0;
	int rc;

	if (!r->o->bake_time_s)
		return 0;
	step(r, "baking for %lu s: watching %zu alarm%s", r->o->bake_time_s,
	     r->o->alarms ? r->o->alarms->len : 0,
	     r->o->alarms && r->o->alarms->len == 1 ? "" : "s");
	for (;;) {
		if (r->o->alarms && r->o->alarms->len) {
			rc = alarms_check(r, why);
			polls++;
			if (rc == E_NOTFOUND)
				rc = E_CONFLICT;
			if (rc) {
				if (rc == E_CONFLICT) {
					struct buf what = BUF_INIT;

					buf_printf(&what, "during the bake: %s", buf_cstr(why));
					buf_reset(why);
					buf_puts(why, buf_cstr(&what));
					buf_free(&what);
				}
				return rc;
			}
		}
		if (now_s() + (double)r->o->poll_ms / 1000.0 > deadline)
			break;
		sleep_ms(r->o->poll_ms);
	}
	step(r, "bake done: %lu s, %lu alarm check%s, none in ALARM", r->o->bake_time_s, polls,
	     polls == 1 ? "" : "s");
	return 0;
}

/*
 * ECS's own alarm rollback (deploymentConfiguration.alarms with enable and rollback): ECS
 * watches those alarms and rolls back by itself, which the rollout wait sees as a FAILED
 * deployment and a previous revision made PRIMARY (as the circuit breaker's).
 */
static void ecs_alarms_note(struct run *r, const json_t *svc)
{
	const json_t *a = json_object_get(json_object_get(svc, "deploymentConfiguration"),
					  "alarms"),
		     *n;
	struct buf names = BUF_INIT;
	size_t i;

	if (!json_is_true(json_object_get(a, "enable")))
		return;
	json_array_foreach(json_object_get(a, "alarmNames"), i, n) {
		const char *name = json_string_value(n);

		buf_printf(&names, "%s%s", i ? ", " : "", name ? name : "?");
	}
	r->ecs_alarms = json_is_true(json_object_get(a, "rollback"));
	step(r, "ECS watches the service's deployment alarms (%s) and %s", buf_cstr(&names),
	     r->ecs_alarms ? "rolls back by itself when one goes into ALARM"
			   : "fails the deployment when one goes into ALARM (rollback: false)");
	buf_free(&names);
}

/* Whether ECS itself (the circuit breaker with rollback) made the previous revision primary. */
static int ecs_rolled_back(const struct run *r)
{
	return r->failed_primary_td && r->res->previous_task_definition_arn &&
	       !strcmp(r->failed_primary_td, r->res->previous_task_definition_arn);
}

/*
 * Puts the service back on the previous task definition and waits for it. When ECS's circuit
 * breaker already rolled back, a second UpdateService would only replace ECS's rollback
 * deployment with an identical one: wait for ECS's instead.
 */
static int roll_back(struct run *r, const char *what)
{
	json_t *svc = NULL;
	struct buf why = BUF_INIT;
	const char *prev = r->res->previous_task_definition_arn, *dep;
	int by_ecs = ecs_rolled_back(r);
	int rc;

	r->res->status = "rollback-failed";
	if (by_ecs) {
		dep = r->failed_primary_id;
		step(r, "ECS is rolling back to %s (deployment %s): waiting for it", prev,
		     dep ? dep : "(id unknown)");
	} else {
		step(r, "rolling back to %s", prev);
		rc = ecs_update_service(r->c, r->o->cluster, r->o->service, prev, NULL, &svc);
		if (rc) {
			rc = err_wrap(E_CONFLICT, "deploy of %s failed (%s) and the rollback to %s "
						  "failed too",
				      r->o->image, what, prev);
			goto out;
		}
		dep = rollout_deployment_id(svc, prev);
	}
	rc = wait_rollout(r, prev, dep, 0, &why);
	if (rc) {
		const char *m = buf_cstr(&why)[0] ? buf_cstr(&why) : err_msg();

		step(r, "rollback to %s did not complete: %s", prev, m);
		rc = err_set(E_CONFLICT, "deploy of %s failed (%s); the rollback to %s did not "
					 "complete: %s",
			     r->o->image, what, prev, m);
		goto out;
	}
	step(r, "rolled back to %s", prev);
	r->res->status = "rolled-back";
	rc = err_set(E_CONFLICT, "deploy of %s to %s/%s failed (%s); %s to %s", r->o->image,
		     r->o->cluster, r->o->service, what,
		     !by_ecs	       ? "rolled back"
		     : r->ecs_alarms ? "ECS rolled back (its circuit breaker or its deployment "
				       "alarms)"
				     : "ECS's circuit breaker rolled back",
		     prev);
out:
	json_decref(svc);
	buf_free(&why);
	return rc;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/*
 * CODE_DEPLOY and EXTERNAL services take a new task definition through their controller
 * (a CodeDeploy deployment, a new task set), never through UpdateService: say so before
 * anything is registered.
 */
static int check_controller(const struct deploy_opts *o, const json_t *svc)
{
	const char *type = json_string_value(
		json_object_get(json_object_get(svc, "deploymentController"), "type"));

	if (!type || !strcmp(type, "ECS"))
		return 0;
	if (!strcmp(type, "CODE_DEPLOY"))
		return err_set(E_CONFLICT, "ECS service %s/%s uses the CODE_DEPLOY deployment "
					   "controller (blue/green): convoy deploys only ECS rolling "
					   "updates; deploy it with a CodeDeploy deployment (e.g. "
					   "aws-actions/amazon-ecs-deploy-task-definition with "
					   "codedeploy-appspec); nothing was registered",
			       o->cluster, o->service);
	if (!strcmp(type, "EXTERNAL"))
		return err_set(E_CONFLICT, "ECS service %s/%s uses the EXTERNAL deployment "
					   "controller: its task sets are managed by the external "
					   "controller (CreateTaskSet/UpdateServicePrimaryTaskSet), "
					   "not by convoy; deploy it with that controller; nothing was "
					   "registered",
			       o->cluster, o->service);
	return err_set(E_CONFLICT, "ECS service %s/%s uses the deployment controller '%s', which "
				   "convoy does not know; nothing was registered",
		       o->cluster, o->service, type);
}

/* The base task definition and its tags: a file's, a named revision's, or the service's. */
static int load_base(struct run *r, const char *cur, json_t **td, json_t **tags)
{
	const struct deploy_opts *o = r->o;
	int rc;

	if (o->base_td) {
		*td = json_incref((json_t *)o->base_td);
		*tags = o->base_tags ? json_incref((json_t *)o->base_tags) : NULL;
		step(r, "base: the task definition file (family %s)",
		     json_string_value(json_object_get(o->base_td, "family")));
		return 0;
	}
	rc = ecs_describe_task_definition(r->c, o->base_ref ? o->base_ref : cur, td, tags);
	if (!rc && o->base_ref)
		step(r, "base: %s (%s)", o->base_ref,
		     json_string_value(json_object_get(*td, "taskDefinitionArn")));
	return rc;
}

static int render(struct run *r, const json_t *td, const json_t *tags, json_t **out)
{
	json_t *n = NULL;
	int rc = ecs_taskdef_registrable(td, tags, &n);

	for (size_t i = 0; !rc && i < r->o->noverrides; i++) {
		char *name = NULL;

		rc = ecs_taskdef_override(n, &r->o->overrides[i], &name);
		if (!rc && !i)
			r->res->container = name;
		else
			free(name);
	}
	if (rc)
		json_decref(n);
	else
		*out = n;
	return rc;
}

/*
 * The one-off task (migrations) of the registered revision, placed and networked as the
 * service, waited for until STOPPED. Its container's exit code decides; on failure the service
 * is not touched.
 */
static int run_oneoff(struct run *r, const json_t *svc)
{
	const struct deploy_opts *o = r->o;
	double deadline = now_s() + (double)o->wait_timeout_s;
	json_t *ov = NULL;
	struct buf why = BUF_INIT;
	int rc;

	if (o->run_task_command)
		ov = json_pack("{s:[{s:s,s:O}]}", "containerOverrides", "name", r->res->container,
			       "command", o->run_task_command);
	rc = ecs_run_task(r->c, o->cluster, svc, r->res->task_definition_arn, ov,
			  o->run_task_started_by ? o->run_task_started_by : "convoy",
			  &r->res->run_task_arn);
	json_decref(ov);
	if (rc)
		goto fail;
	step(r, "one-off task %s started (%s, container %s)", r->res->run_task_arn,
	     r->res->task_definition_arn, r->res->container);
	for (;;) {
		json_t *task = NULL;
		enum rollout_verdict v;

		if ((rc = ecs_describe_task(r->c, o->cluster, r->res->run_task_arn, &task)))
			goto fail;
		v = rollout_task_evaluate(task, r->res->container, &why);
		json_decref(task);
		if (v == ROLLOUT_DONE) {
			step(r, "one-off task done: %s", buf_cstr(&why));
			goto out;
		}
		if (v == ROLLOUT_FAILED) {
			step(r, "one-off task failed: %s", buf_cstr(&why));
			rc = err_set(E_CONFLICT, "deploy of %s to %s/%s failed before the rollout: the "
						 "one-off task %s: %s; the service was not changed "
						 "(it runs %s; %s is registered, not deployed)",
				     o->image, o->cluster, o->service, r->res->run_task_arn,
				     buf_cstr(&why), r->res->previous_task_definition_arn,
				     r->res->task_definition_arn);
			goto out;
		}
		if (now_s() + (double)o->poll_ms / 1000.0 > deadline) {
			rc = err_set(E_TIMEOUT, "deploy of %s to %s/%s failed before the rollout: the "
						"one-off task %s is not STOPPED after the %lu s wait "
						"timeout (last: %s); the service was not changed",
				     o->image, o->cluster, o->service, r->res->run_task_arn,
				     o->wait_timeout_s, buf_cstr(&why));
			goto out;
		}
		sleep_ms(o->poll_ms);
	}
fail:
	rc = err_wrap(rc, "deploy of %s to %s/%s, one-off task before the rollout (the service "
			  "was not changed)",
		      o->image, o->cluster, o->service);
out:
	buf_free(&why);
	return rc;
}

/*
 * The named alarms before anything is registered: each must exist, and none may be in ALARM
 * already (the deploy would only roll back at its first poll).
 */
static int alarms_before(struct run *r)
{
	const struct deploy_opts *o = r->o;
	struct buf why = BUF_INIT, names = BUF_INIT;
	int rc = alarms_check(r, &why);

	if (rc == E_NOTFOUND)
		rc = err_set(E_NOTFOUND, "deploy of %s to %s/%s: %s; check the names in 'alarms' "
					 "(exact, case-sensitive); nothing was registered",
			     o->image, o->cluster, o->service, buf_cstr(&why));
	else if (rc == E_CONFLICT)
		rc = err_set(E_CONFLICT, "deploy of %s to %s/%s: %s before the deploy started; "
					 "nothing was registered",
			     o->image, o->cluster, o->service, buf_cstr(&why));
	for (size_t i = 0; !rc && i < o->alarms->len; i++)
		buf_printf(&names, "%s%s", i ? ", " : "", o->alarms->items[i]);
	if (!rc)
		step(r, "watching CloudWatch alarms %s during the rollout%s (all OK or "
			"INSUFFICIENT_DATA now)",
		     buf_cstr(&names), o->bake_time_s ? " and the bake" : "");
	buf_free(&why);
	buf_free(&names);
	return rc;
}

/* After a failure: what the service really runs now (its PRIMARY deployment's revision). */
static void read_running(struct run *r)
{
	json_t *svc = NULL;
	const char *td;

	if (ecs_describe_service(r->c, r->o->cluster, r->o->service, &svc)) {
		step(r, "could not read the service back: %s", err_msg());
		err_clear();
		return;
	}
	events_print_new(r, svc);
	td = json_string_value(json_object_get(svc, "taskDefinition"));
	{
		const json_t *deps = json_object_get(svc, "deployments"), *d;
		size_t i;

		json_array_foreach(deps, i, d) {
			const char *st = json_string_value(json_object_get(d, "status"));

			if (st && !strcmp(st, "PRIMARY") &&
			    json_string_value(json_object_get(d, "taskDefinition")))
				td = json_string_value(json_object_get(d, "taskDefinition"));
		}
	}
	if (td) {
		free(r->res->running_task_definition_arn);
		r->res->running_task_definition_arn = strdup(td);
		step(r, "the service runs %s", td);
	}
	json_decref(svc);
}

int deploy_run(struct aws_client *c, struct rt *rt, const struct deploy_opts *o,
	       struct deploy_result *res)
{
	struct run r = { c, rt, o, res, now_s(), STRLIST_INIT, NULL, NULL, 0 };
	json_t *svc = NULL, *td = NULL, *tags = NULL, *newtd = NULL, *reg = NULL, *upd = NULL;
	struct buf why = BUF_INIT;
	const char *cur;
	int rc;

	memset(res, 0, sizeof(*res));
	res->status = "failed";
	rc = ecs_describe_service(c, o->cluster, o->service, &svc);
	if (rc)
		goto out;
	events_mark(&r, svc);
	cur = json_string_value(json_object_get(svc, "taskDefinition"));
	if (!cur) {
		rc = err_set(E_HTTP, "ECS service %s has no task definition", o->service);
		goto out;
	}
	res->previous_task_definition_arn = strdup(cur);
	res->running_task_definition_arn = strdup(cur);
	step(&r, "service %s/%s runs %s", o->cluster, o->service, cur);
	rc = check_controller(o, svc);
	if (!rc)
		ecs_alarms_note(&r, svc);
	if (!rc && o->alarms && o->alarms->len)
		rc = alarms_before(&r);
	if (!rc)
		rc = load_base(&r, cur, &td, &tags);
	if (!rc)
		rc = render(&r, td, tags, &newtd);
	if (rc)
		goto out;
	if (o->dry_run) {
		res->dry_run_json = json_dumps(newtd, JSON_INDENT(2) | JSON_SORT_KEYS);
		res->status = "dry-run";
		res->task_definition_arn = strdup("");
		res->deployment_id = strdup("");
		step(&r, "dry run: nothing registered");
		goto out;
	}
	rc = ecs_register_task_definition(c, newtd, &reg);
	if (rc)
		goto out;
	res->task_definition_arn =
		dup_or_null(json_string_value(json_object_get(reg, "taskDefinitionArn")));
	step(&r, "registered %s (container %s -> %s)", res->task_definition_arn, res->container,
	     o->image);
	if (o->run_task && (rc = run_oneoff(&r, svc)))
		goto out;
	rc = ecs_update_service(c, o->cluster, o->service, res->task_definition_arn, &o->update,
				&upd);
	if (rc)
		goto out;
	res->deployment_id = dup_or_null(rollout_deployment_id(upd, res->task_definition_arn));
	step(&r, "updated the service: deployment %s (waiting up to %lu s)",
	     res->deployment_id ? res->deployment_id : "(id unknown)", o->wait_timeout_s);
	rc = wait_rollout(&r, res->task_definition_arn, res->deployment_id, 1, &why);
	if (!rc) {
		step(&r, "rollout complete: %s", buf_cstr(&why));
		if (o->health_url && (rc = health_check(&r, &why))) {
			struct buf what = BUF_INIT;

			buf_printf(&what, "health check %s: %s", o->health_url, buf_cstr(&why));
			buf_reset(&why);
			buf_puts(&why, buf_cstr(&what));
			buf_free(&what);
		} else if ((rc = bake(&r, &why)) && rc != E_CONFLICT) {
			goto out; /* an API error during the bake: the message is set */
		}
		if (!rc) {
			res->status = "deployed";
			free(res->running_task_definition_arn);
			res->running_task_definition_arn = dup_or_null(res->task_definition_arn);
			goto out;
		}
	} else if (rc != E_CONFLICT && rc != E_TIMEOUT) {
		goto out; /* an API error: the message is set */
	}
	step(&r, "failed: %s", buf_cstr(&why));
	if (o->no_rollback) {
		rc = err_set(rc == E_TIMEOUT ? E_TIMEOUT : E_CONFLICT,
			     "deploy of %s to %s/%s failed: %s (--no-rollback: %s)", o->image,
			     o->cluster, o->service, buf_cstr(&why),
			     ecs_rolled_back(&r) ? "convoy did not roll back, but ECS's circuit "
						   "breaker made the previous revision primary again"
						 : "the service was left as it is");
	} else {
		rc = roll_back(&r, buf_cstr(&why));
	}
	{
		/* The error is the deploy's; what the service runs is read back, not assumed. */
		char *saved = strdup(err_msg());

		read_running(&r);
		if (saved && res->running_task_definition_arn && res->previous_task_definition_arn &&
		    !strcmp(res->status, "rolled-back") &&
		    strcmp(res->running_task_definition_arn, res->previous_task_definition_arn))
			err_set(rc, "%s; but the service now runs %s", saved,
				res->running_task_definition_arn);
		else if (saved)
			err_set(rc, "%s", saved);
		free(saved);
	}
out:
	json_decref(svc);
	json_decref(td);
	json_decref(tags);
	json_decref(newtd);
	json_decref(reg);
	json_decref(upd);
	buf_free(&why);
	strlist_clear(&r.seen_events);
	free(r.failed_primary_id);
	free(r.failed_primary_td);
	return rc;
}

void deploy_result_free(struct deploy_result *r)
{
	if (!r)
		return;
	free(r->task_definition_arn);
	free(r->previous_task_definition_arn);
	free(r->running_task_definition_arn);
	free(r->deployment_id);
	free(r->run_task_arn);
	free(r->container);
	free(r->dry_run_json);
	strlist_clear(&r->timeline);
	memset(r, 0, sizeof(*r));
}
