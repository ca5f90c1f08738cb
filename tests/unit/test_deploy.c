/* Unit tests for deploy/rollout and aws/ecs_taskdef (pure decisions and rewrites). */
#include <jansson.h>
#include <stdlib.h>

#include "aws/ecs_taskdef.h"
#include "deploy/rollout.h"
#include "test.h"
#include "util/err.h"

static json_t *svc(const char *deps)
{
	return json_loads(deps, 0, NULL);
}

static void test_deploy__done_only_when_single_completed_and_counts_match(void)
{
	struct rollout_view v;
	struct buf why = BUF_INIT;
	json_t *s;

	s = svc("{\"deployments\":[{\"id\":\"d2\",\"status\":\"PRIMARY\",\"taskDefinition\":\"td:2\","
		"\"runningCount\":2,\"desiredCount\":2,\"rolloutState\":\"COMPLETED\"}]}");
	CHECK_INT(rollout_evaluate(s, "td:2", "d2", &v, &why), 0);
	CHECK_INT(v.verdict, ROLLOUT_DONE);
	json_decref(s);
	s = svc("{\"deployments\":[{\"id\":\"d2\",\"status\":\"PRIMARY\",\"taskDefinition\":\"td:2\","
		"\"runningCount\":2,\"desiredCount\":2,\"rolloutState\":\"IN_PROGRESS\"},"
		"{\"id\":\"d1\",\"status\":\"ACTIVE\",\"taskDefinition\":\"td:1\"}]}");
	rollout_evaluate(s, "td:2", "d2", &v, &why);
	CHECK_INT(v.verdict, ROLLOUT_WAIT);
	json_decref(s);
	s = svc("{\"deployments\":[{\"id\":\"d2\",\"status\":\"PRIMARY\",\"taskDefinition\":\"td:2\","
		"\"runningCount\":1,\"desiredCount\":2,\"rolloutState\":\"COMPLETED\"}]}");
	rollout_evaluate(s, "td:2", "d2", &v, &why);
	CHECK_INT(v.verdict, ROLLOUT_WAIT);
	json_decref(s);
	buf_free(&why);
}

/* Services without rolloutState: stable when one deployment runs all its tasks. */
static void test_deploy__without_rollout_state_done_when_the_only_deployment_runs(void)
{
	struct rollout_view v;
	struct buf why = BUF_INIT;
	json_t *s;

	s = svc("{\"deployments\":[{\"id\":\"d2\",\"status\":\"PRIMARY\",\"taskDefinition\":\"td:2\","
		"\"runningCount\":2,\"desiredCount\":2},"
		"{\"id\":\"d1\",\"status\":\"ACTIVE\",\"taskDefinition\":\"td:1\","
		"\"runningCount\":2,\"desiredCount\":2}]}");
	rollout_evaluate(s, "td:2", "d2", &v, &why);
	CHECK_INT(v.verdict, ROLLOUT_WAIT);
	json_decref(s);
	s = svc("{\"deployments\":[{\"id\":\"d2\",\"status\":\"PRIMARY\",\"taskDefinition\":\"td:2\","
		"\"runningCount\":1,\"desiredCount\":2}]}");
	rollout_evaluate(s, "td:2", "d2", &v, &why);
	CHECK_INT(v.verdict, ROLLOUT_WAIT);
	json_decref(s);
	s = svc("{\"deployments\":[{\"id\":\"d2\",\"status\":\"PRIMARY\",\"taskDefinition\":\"td:2\","
		"\"runningCount\":2,\"desiredCount\":2}]}");
	rollout_evaluate(s, "td:2", "d2", &v, &why);
	CHECK_INT(v.verdict, ROLLOUT_DONE);
	CHECK(strstr(buf_cstr(&why), "no rolloutState") != NULL);
	json_decref(s);
	buf_free(&why);
}

static void test_deploy__circuit_breaker_rollback_is_a_failure(void)
{
	struct rollout_view v;
	struct buf why = BUF_INIT;
	json_t *s;

	s = svc("{\"deployments\":[{\"id\":\"d2\",\"status\":\"ACTIVE\",\"taskDefinition\":\"td:2\","
		"\"rolloutState\":\"FAILED\",\"rolloutStateReason\":\"tasks failed to start\"},"
		"{\"id\":\"d3\",\"status\":\"PRIMARY\",\"taskDefinition\":\"td:1\"}]}");
	rollout_evaluate(s, "td:2", "d2", &v, &why);
	CHECK_INT(v.verdict, ROLLOUT_FAILED);
	CHECK(strstr(buf_cstr(&why), "tasks failed to start") != NULL);
	/* deploy.c waits for ECS's own rollback instead of starting another one */
	CHECK_STR(v.primary_id, "d3");
	CHECK_STR(v.primary_task_definition, "td:1");
	json_decref(s);
	/* rolled back and completed: our deployment is gone, the old one runs: still a failure */
	s = svc("{\"deployments\":[{\"id\":\"d3\",\"status\":\"PRIMARY\",\"taskDefinition\":\"td:1\","
		"\"runningCount\":2,\"desiredCount\":2,\"rolloutState\":\"COMPLETED\"}]}");
	rollout_evaluate(s, "td:2", "d2", &v, &why);
	CHECK_INT(v.verdict, ROLLOUT_FAILED);
	json_decref(s);
	buf_free(&why);
}

static void test_deploy__health_and_backoff(void)
{
	CHECK(rollout_health_ok(200, "ok healthy", 200, "healthy"));
	CHECK(!rollout_health_ok(200, "sick", 200, "healthy"));
	CHECK(!rollout_health_ok(500, "healthy", 200, NULL));
	CHECK(rollout_health_ok(204, NULL, 204, NULL));
	CHECK_INT(rollout_backoff_ms(0, 100, 1000), 100);
	CHECK_INT(rollout_backoff_ms(3, 100, 1000), 800);
	CHECK_INT(rollout_backoff_ms(10, 100, 1000), 1000);
}

/* json_equal(a, parsed text), freeing the parsed value */
static int json_equal_text(const json_t *a, const char *text)
{
	json_t *b = json_loads(text, 0, NULL);
	int eq = b && json_equal(a, b);

	json_decref(b);
	return eq;
}

static const char *cname(const json_t *td, size_t i, const char *key)
{
	return json_string_value(
		json_object_get(json_array_get(json_object_get(td, "containerDefinitions"), i), key));
}

static void test_deploy__registrable_keeps_what_register_accepts_and_the_tags(void)
{
	json_t *td = json_loads("{\"taskDefinitionArn\":\"a\",\"revision\":3,\"status\":\"ACTIVE\","
				"\"requiresAttributes\":[],\"compatibilities\":[],\"registeredAt\":1,"
				"\"registeredBy\":\"x\",\"someFutureField\":1,\"family\":\"f\","
				"\"cpu\":\"256\",\"volumes\":[{\"name\":\"v\"}],"
				"\"runtimePlatform\":{\"cpuArchitecture\":\"ARM64\"},"
				"\"containerDefinitions\":[{\"name\":\"app\",\"image\":\"old\"},"
				"{\"name\":\"side\",\"image\":\"s\"}]}",
				0, NULL);
	json_t *tags = json_loads("[{\"key\":\"team\",\"value\":\"web\"},"
				  "{\"key\":\"aws:cloudformation:stack-name\",\"value\":\"s\"}]",
				  0, NULL);
	json_t *out = NULL;

	CHECK_INT(ecs_taskdef_registrable(td, tags, &out), 0);
	CHECK(json_object_get(out, "revision") == NULL);
	CHECK(json_object_get(out, "taskDefinitionArn") == NULL);
	CHECK(json_object_get(out, "registeredBy") == NULL);
	CHECK(json_object_get(out, "compatibilities") == NULL);
	CHECK(json_object_get(out, "someFutureField") == NULL);
	CHECK_STR(json_string_value(json_object_get(out, "cpu")), "256");
	CHECK(json_equal(json_object_get(out, "volumes"), json_object_get(td, "volumes")));
	CHECK(json_equal(json_object_get(out, "runtimePlatform"),
			 json_object_get(td, "runtimePlatform")));
	CHECK_INT((long)json_array_size(json_object_get(out, "tags")), 1);
	CHECK_STR(json_string_value(json_object_get(json_array_get(json_object_get(out, "tags"), 0),
						    "key")),
		  "team");
	json_decref(out);
	json_decref(tags);
	json_decref(td);
}

static void test_deploy__override_sets_image_env_and_secrets_of_one_container(void)
{
	json_t *td = json_loads("{\"family\":\"f\",\"containerDefinitions\":["
				"{\"name\":\"app\",\"image\":\"old\",\"environment\":"
				"[{\"name\":\"A\",\"value\":\"1\"},{\"name\":\"S\",\"value\":\"x\"}],"
				"\"secrets\":[{\"name\":\"B\",\"valueFrom\":\"arn:old\"}]},"
				"{\"name\":\"side\",\"image\":\"s\"}]}",
				0, NULL);
	struct strlist env = STRLIST_INIT, sec = STRLIST_INIT;
	struct ecs_container_override ov = { NULL, "r@sha256:x", &env, &sec };
	char *chosen = NULL;
	json_t *e;

	strlist_add(&env, "A=2=3");
	strlist_add(&env, "B=plain");
	strlist_add(&env, "C=");
	strlist_add(&sec, "S=arn:aws:ssm:eu-west-1:1:parameter/s");
	CHECK_INT(ecs_taskdef_override(td, &ov, &chosen), E_USAGE);
	CHECK(strstr(err_msg(), "'app', 'side'") != NULL);
	ov.container = "nope";
	CHECK_INT(ecs_taskdef_override(td, &ov, &chosen), E_USAGE);
	ov.container = "app";
	CHECK_INT(ecs_taskdef_override(td, &ov, &chosen), 0);
	CHECK_STR(chosen, "app");
	CHECK_STR(cname(td, 0, "image"), "r@sha256:x");
	CHECK_STR(cname(td, 1, "image"), "s");
	e = json_object_get(json_array_get(json_object_get(td, "containerDefinitions"), 0),
			    "environment");
	CHECK(json_equal_text(e, "[{\"name\":\"A\",\"value\":\"2=3\"},{\"name\":\"B\","
				 "\"value\":\"plain\"},{\"name\":\"C\",\"value\":\"\"}]"));
	e = json_object_get(json_array_get(json_object_get(td, "containerDefinitions"), 0),
			    "secrets");
	CHECK(json_equal_text(e, "[{\"name\":\"S\",\"valueFrom\":"
				 "\"arn:aws:ssm:eu-west-1:1:parameter/s\"}]"));
	strlist_clear(&env);
	strlist_add(&env, "noequals");
	CHECK_INT(ecs_taskdef_check_pairs(&env, "environment-variables"), E_USAGE);
	CHECK(strstr(err_msg(), "input 'environment-variables': line 1") != NULL);
	strlist_clear(&env);
	strlist_clear(&sec);
	free(chosen);
	json_decref(td);
}

static void test_deploy__parse_reads_the_cli_wrapper_and_the_bare_object(void)
{
	json_t *td = NULL, *tags = NULL;

	CHECK_INT(ecs_taskdef_parse("{\"taskDefinition\":{\"family\":\"f\",\"revision\":2,"
				    "\"containerDefinitions\":[]},\"tags\":[{\"key\":\"k\","
				    "\"value\":\"v\"}]}",
				    "task-definition", "td.json", &td, &tags),
		  0);
	CHECK_STR(json_string_value(json_object_get(td, "family")), "f");
	CHECK_INT((long)json_array_size(tags), 1);
	json_decref(td);
	json_decref(tags);
	CHECK_INT(ecs_taskdef_parse("{\"family\":\"g\",\"containerDefinitions\":[]}",
				    "task-definition", "td.json", &td, &tags),
		  0);
	CHECK_STR(json_string_value(json_object_get(td, "family")), "g");
	CHECK(tags == NULL);
	json_decref(td);
	CHECK_INT(ecs_taskdef_parse("{\"x\":1}", "task-definition", "td.json", &td, &tags),
		  E_USAGE);
	CHECK(strstr(err_msg(), "td.json is not a task definition") != NULL);
	CHECK_INT(ecs_taskdef_parse("{nope", "task-definition", "td.json", &td, &tags), E_USAGE);
	CHECK(strstr(err_msg(), "td.json is not JSON") != NULL);
	CHECK_INT(ecs_taskdef_parse("{\"containerDefinitions\":[]}", "task-definition", "td.json",
				    &td, &tags),
		  E_USAGE);
	CHECK(strstr(err_msg(), "no 'family'") != NULL);
}

static enum rollout_verdict task_verdict(const char *task, const char *container,
					 struct buf *why)
{
	json_t *t = json_loads(task, 0, NULL);
	enum rollout_verdict v = rollout_task_evaluate(t, container, why);

	json_decref(t);
	return v;
}

static void test_deploy__one_off_task_judged_by_its_container_exit_code(void)
{
	struct buf why = BUF_INIT;

	CHECK_INT(task_verdict("{\"lastStatus\":\"RUNNING\",\"containers\":[]}", "app", &why),
		  ROLLOUT_WAIT);
	CHECK_STR(buf_cstr(&why), "the task is RUNNING");
	/* the sidecar stopped by ECS (137) does not decide; the migration container does */
	CHECK_INT(task_verdict("{\"lastStatus\":\"STOPPED\",\"containers\":[{\"name\":"
			       "\"envoy\",\"exitCode\":137},{\"name\":\"app\",\"exitCode\":0}]}",
			       "app", &why),
		  ROLLOUT_DONE);
	CHECK_INT(task_verdict("{\"lastStatus\":\"STOPPED\",\"stoppedReason\":\"Essential\","
			       "\"containers\":[{\"name\":\"app\",\"exitCode\":2}]}",
			       "app", &why),
		  ROLLOUT_FAILED);
	CHECK_STR(buf_cstr(&why), "container app exited with code 2 (Essential)");
	CHECK_INT(task_verdict("{\"lastStatus\":\"STOPPED\",\"containers\":[{\"name\":\"app\","
			       "\"reason\":\"CannotPullContainerError\"}]}",
			       "app", &why),
		  ROLLOUT_FAILED);
	CHECK_STR(buf_cstr(&why), "container app did not run to an exit code: "
				  "CannotPullContainerError");
	CHECK_INT(task_verdict("{\"lastStatus\":\"STOPPED\",\"containers\":[]}", "app", &why),
		  ROLLOUT_FAILED);
	buf_free(&why);
}

TEST_MAIN(TEST(test_deploy__done_only_when_single_completed_and_counts_match),
	  TEST(test_deploy__without_rollout_state_done_when_the_only_deployment_runs),
	  TEST(test_deploy__circuit_breaker_rollback_is_a_failure),
	  TEST(test_deploy__health_and_backoff),
	  TEST(test_deploy__registrable_keeps_what_register_accepts_and_the_tags),
	  TEST(test_deploy__override_sets_image_env_and_secrets_of_one_container),
	  TEST(test_deploy__parse_reads_the_cli_wrapper_and_the_bare_object),
	  TEST(test_deploy__one_off_task_judged_by_its_container_exit_code))
