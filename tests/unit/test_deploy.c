/* Unit tests for deploy/rollout and aws/ecs task-definition rewrite (pure decisions). */
#include <jansson.h>
#include <stdlib.h>

#include "aws/ecs.h"
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

static void test_deploy__render_changes_only_the_image_and_strips_read_only(void)
{
	json_t *td = json_loads("{\"taskDefinitionArn\":\"a\",\"revision\":3,\"status\":\"ACTIVE\","
				"\"requiresAttributes\":[],\"compatibilities\":[],\"registeredAt\":1,"
				"\"registeredBy\":\"x\",\"family\":\"f\",\"cpu\":\"256\","
				"\"containerDefinitions\":[{\"name\":\"app\",\"image\":\"old\"},"
				"{\"name\":\"side\",\"image\":\"s\"}]}",
				0, NULL);
	json_t *out = NULL;
	char *chosen = NULL;

	CHECK_INT(ecs_task_definition_render(td, NULL, "r@sha256:x", &out, &chosen), E_USAGE);
	CHECK(strstr(err_msg(), "'app', 'side'") != NULL);
	CHECK_INT(ecs_task_definition_render(td, "nope", "r@sha256:x", &out, &chosen), E_USAGE);
	CHECK_INT(ecs_task_definition_render(td, "app", "r@sha256:x", &out, &chosen), 0);
	CHECK_STR(chosen, "app");
	CHECK(json_object_get(out, "revision") == NULL);
	CHECK(json_object_get(out, "taskDefinitionArn") == NULL);
	CHECK(json_object_get(out, "registeredBy") == NULL);
	CHECK_STR(json_string_value(json_object_get(out, "cpu")), "256");
	CHECK_STR(json_string_value(json_object_get(
			  json_array_get(json_object_get(out, "containerDefinitions"), 0), "image")),
		  "r@sha256:x");
	CHECK_STR(json_string_value(json_object_get(
			  json_array_get(json_object_get(out, "containerDefinitions"), 1), "image")),
		  "s");
	free(chosen);
	json_decref(out);
	json_decref(td);
}

TEST_MAIN(TEST(test_deploy__done_only_when_single_completed_and_counts_match),
	  TEST(test_deploy__without_rollout_state_done_when_the_only_deployment_runs),
	  TEST(test_deploy__circuit_breaker_rollback_is_a_failure),
	  TEST(test_deploy__health_and_backoff),
	  TEST(test_deploy__render_changes_only_the_image_and_strips_read_only))
