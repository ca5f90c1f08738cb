/* Tests for src/pipeline: the pipeline file, the one-off spec and tag templates. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/pipeline.h"
#include "test.h"
#include "util/err.h"

static int parse(struct pipeline *p, const char *y)
{
	return pipeline_parse(p, y, strlen(y), "convoy.yml");
}

static void test_pipeline__stages_in_order_with_repositories_and_deploy(void)
{
	struct pipeline p;
	const struct pipeline_stage *s;
	size_t idx = 99;

	CHECK_INT(parse(&p, "stages:\n"
			    "  - name: dev\n"
			    "    repository: 127.0.0.1:5000/app\n"
			    "    tags: dev\n"
			    "  - name: qa\n"
			    "    repository: 127.0.0.1:5000/app\n"
			    "    tags: [qa, qa-latest]\n"
			    "  - name: prod\n"
			    "    repositories:\n"
			    "      - repository: prod.example.com/team/app\n"
			    "        tags: [prod, '{{version}}']\n"
			    "      - repository: mirror.example.com/app\n"
			    "        tags: [prod]\n"
			    "    deploy:\n"
			    "      cluster: main\n"
			    "      service: web\n"
			    "      container: app\n"
			    "      health-url: https://example.com/health\n"),
		  0);
	CHECK_INT(p.nstages, 3);
	CHECK_STR(p.stages[0].name, "dev");
	CHECK_STR(p.stages[0].repos[0].repository, "127.0.0.1:5000/app");
	CHECK_INT(p.stages[0].repos[0].tags.len, 1);
	CHECK_STR(p.stages[0].repos[0].tags.items[0], "dev");
	CHECK_INT(p.stages[0].deploy.set, 0);
	CHECK_STR(p.stages[1].repos[0].tags.items[1], "qa-latest");
	s = pipeline_stage_find(&p, "prod", &idx);
	CHECK(s != NULL);
	CHECK_INT(idx, 2);
	CHECK_INT(s->nrepos, 2);
	CHECK_STR(s->repos[0].tags.items[1], "{{version}}");
	CHECK_STR(s->repos[1].repository, "mirror.example.com/app");
	CHECK_INT(s->repos[1].line, 12);
	CHECK_INT(s->deploy.set, 1);
	CHECK_STR(s->deploy.cluster, "main");
	CHECK_STR(s->deploy.container, "app");
	CHECK_STR(s->deploy.health_url, "https://example.com/health");
	CHECK(pipeline_stage_find(&p, "staging", NULL) == NULL);
	pipeline_free(&p);
}

static void expect_error(const char *yaml, const char *want)
{
	struct pipeline p;

	CHECK_INT(parse(&p, yaml), E_USAGE);
	if (!strstr(err_msg(), want)) {
		fprintf(stderr, "  message: %s\n  want:    %s\n", err_msg(), want);
		test_failed = 1;
	}
	CHECK_INT(p.nstages, 0);
}

static void test_pipeline__unknown_key_names_the_line(void)
{
	expect_error("stages:\n"
		     "  - name: dev\n"
		     "    repository: r.example.com/app\n"
		     "    tags: [dev]\n"
		     "    tag: [oops]\n",
		     "convoy.yml:5: unknown key 'tag' in stage");
	expect_error("stage:\n  - name: dev\n", "convoy.yml:1: unknown key 'stage' in the pipeline");
	expect_error("stages:\n"
		     "  - name: prod\n"
		     "    repository: r.example.com/app\n"
		     "    tags: [prod]\n"
		     "    deploy:\n"
		     "      cluster: c\n"
		     "      healthurl: x\n",
		     "convoy.yml:7: unknown key 'healthurl' in deploy");
}

static void test_pipeline__duplicate_stage_names_the_line(void)
{
	expect_error("stages:\n"
		     "  - name: dev\n"
		     "    repository: r.example.com/app\n"
		     "    tags: [dev]\n"
		     "  - name: dev\n"
		     "    repository: r.example.com/app\n"
		     "    tags: [dev2]\n",
		     "convoy.yml:5: duplicate stage 'dev'");
}

static void test_pipeline__stage_without_repository_names_the_line(void)
{
	expect_error("stages:\n"
		     "  - name: dev\n"
		     "    repository: r.example.com/app\n"
		     "    tags: [dev]\n"
		     "  - name: qa\n"
		     "    deploy: {cluster: c}\n",
		     "convoy.yml:5: stage 'qa' has no repository");
	expect_error("stages:\n  - name: qa\n    repositories: []\n",
		     "convoy.yml:2: stage 'qa' has no repository");
}

static void test_pipeline__deploy_alarms_and_bake_time(void)
{
	struct pipeline p;
	const char *y = "stages:\n"
			"  - name: prod\n"
			"    repository: r.example.com/app\n"
			"    tags: [prod]\n"
			"    deploy: {cluster: c, service: s, alarms: [cpu-high, errors],\n"
			"             bake-time: 300}\n"
			"  - name: edge\n"
			"    repository: r.example.com/app\n"
			"    tags: [edge]\n"
			"    deploy: {cluster: c, service: s, alarms: one}\n";

	CHECK_INT(parse(&p, y), 0);
	CHECK_INT((long)p.stages[0].deploy.alarms.len, 2);
	CHECK_STR(p.stages[0].deploy.alarms.items[1], "errors");
	CHECK_INT(p.stages[0].deploy.bake_time_set, 1);
	CHECK_INT((long)p.stages[0].deploy.bake_time_s, 300);
	CHECK_INT((long)p.stages[1].deploy.alarms.len, 1);
	CHECK_STR(p.stages[1].deploy.alarms.items[0], "one");
	CHECK_INT(p.stages[1].deploy.bake_time_set, 0);
	pipeline_free(&p);
	expect_error("stages:\n  - name: p\n    repository: r.example.com/app\n    tags: [p]\n"
		     "    deploy: {cluster: c, bake-time: 5m}\n",
		     "convoy.yml:5: 'bake-time' '5m' is not a number of seconds from 0 to 86400");
	expect_error("stages:\n  - name: p\n    repository: r.example.com/app\n    tags: [p]\n"
		     "    deploy: {cluster: c, bake-time: 86401}\n",
		     "convoy.yml:5: 'bake-time' '86401'");
	expect_error("stages:\n  - name: p\n    repository: r.example.com/app\n    tags: [p]\n"
		     "    deploy:\n      alarms:\n        - a\n        - a\n",
		     "convoy.yml:8: alarm 'a' is listed twice");
	expect_error("stages:\n  - name: p\n    repository: r.example.com/app\n    tags: [p]\n"
		     "    deploy: {alarms: {a: b}}\n",
		     "convoy.yml:5: 'alarms' must be an alarm name or a non-empty list");
}

static void test_pipeline__bad_values_are_refused(void)
{
	expect_error("stages:\n  - name: dev\n    repository: app\n    tags: [dev]\n",
		     "convoy.yml:3: repository 'app' is not host/path");
	expect_error("stages:\n  - name: dev\n    repository: r.example.com/app:dev\n    tags: [d]\n",
		     "convoy.yml:3: repository 'r.example.com/app:dev'");
	expect_error("stages:\n  - name: dev\n    repository: r.example.com/app\n",
		     "convoy.yml:2: repository without 'tags'");
	expect_error("stages:\n  - name: dev\n    repository: r.example.com/app\n    tags: [a, a]\n",
		     "convoy.yml:4: duplicate tag 'a'");
	expect_error("stages:\n  - name: dev\n    name: x\n", "convoy.yml:3: duplicate key 'name'");
	expect_error("stages: [\n", "convoy.yml:");
	expect_error("", "the pipeline file is empty");
	expect_error("version: 2\nstages: []\n", "convoy.yml:1: unsupported pipeline version");
}

static void test_pipeline__spec_for_a_one_off(void)
{
	struct pipeline p;

	CHECK_INT(pipeline_parse_spec(&p, "dev=127.0.0.1:5000/app:dev; qa=127.0.0.1:5000/app:qa\n"
					  "prod=127.0.0.1:6000/prod/app:prod,{{version}} "
					  "127.0.0.1:6000/mirror:prod",
				      "stages"),
		  0);
	CHECK_INT(p.nstages, 3);
	CHECK_STR(p.stages[0].repos[0].repository, "127.0.0.1:5000/app");
	CHECK_STR(p.stages[0].repos[0].tags.items[0], "dev");
	CHECK_STR(p.stages[2].repos[0].repository, "127.0.0.1:6000/prod/app");
	CHECK_STR(p.stages[2].repos[0].tags.items[1], "{{version}}");
	CHECK_STR(p.stages[2].repos[1].repository, "127.0.0.1:6000/mirror");
	pipeline_free(&p);

	CHECK_INT(pipeline_parse_spec(&p, "dev=127.0.0.1:5000/app", "stages"), E_USAGE);
	CHECK(strstr(err_msg(), "input 'stages'") != NULL);
	CHECK_INT(pipeline_parse_spec(&p, "dev=r.io/a:x; dev=r.io/a:y", "stages"), E_USAGE);
	CHECK(strstr(err_msg(), "duplicate stage 'dev'") != NULL);
	CHECK_INT(pipeline_parse_spec(&p, " ; ", "stages"), E_USAGE);
	CHECK_INT(pipeline_parse_spec(&p, "qa=", "stages"), E_USAGE);
	CHECK(strstr(err_msg(), "stage 'qa' has no repository") != NULL);
}

static void test_pipeline__tag_templates(void)
{
	struct buf b = BUF_INIT;
	struct pipeline_vars v = { "sha-1a2b3c4",
				   "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
				   "prod", NULL };

	CHECK_INT(pipeline_render_tag(&b, "prod", &v), 0);
	CHECK_STR(buf_cstr(&b), "prod");
	CHECK_INT(pipeline_render_tag(&b, "{{version}}", &v), 0);
	CHECK_STR(buf_cstr(&b), "sha-1a2b3c4");
	CHECK_INT(pipeline_render_tag(&b, "{{ stage }}-{{short-digest}}", &v), 0);
	CHECK_STR(buf_cstr(&b), "prod-0123456789ab");
	CHECK_INT(pipeline_render_tag(&b, "{{sha}}", &v), E_USAGE);
	CHECK(strstr(err_msg(), "has no value") != NULL);
	CHECK_INT(pipeline_render_tag(&b, "{{nope}}", &v), E_USAGE);
	CHECK(strstr(err_msg(), "unknown template") != NULL);
	CHECK_INT(pipeline_render_tag(&b, "a/b", &v), E_USAGE);
	CHECK(strstr(err_msg(), "not a valid tag") != NULL);
	CHECK_INT(pipeline_render_tag(&b, "{{version", &v), E_USAGE);
	buf_free(&b);
}

static void test_pipeline__verify_block_keys_mode_record(void)
{
	struct pipeline p;

	memset(&p, 0, sizeof(p));
	CHECK_INT(parse(&p, "stages:\n"
			    "  - name: dev\n"
			    "    repository: r.example/app\n"
			    "    tags: dev\n"
			    "  - name: qa\n"
			    "    repository: r.example/app\n"
			    "    tags: qa\n"
			    "    verify: {keys: [a.pub, env://KEY], record: true}\n"
			    "  - name: prod\n"
			    "    repository: r.example/app\n"
			    "    tags: prod\n"
			    "    verify: {keys: a.pub, mode: warn}\n"),
		  0);
	CHECK_INT(p.stages[0].verify.set, 0);
	CHECK_INT(p.stages[1].verify.mode, PIPELINE_VERIFY_REQUIRE);
	CHECK_INT(p.stages[1].verify.keys.len, 2);
	CHECK_STR(p.stages[1].verify.keys.items[1], "env://KEY");
	CHECK_INT(p.stages[1].verify.record, 1);
	CHECK_INT(p.stages[2].verify.mode, PIPELINE_VERIFY_WARN);
	CHECK_INT(p.stages[2].verify.record, 0);
	pipeline_free(&p);
	CHECK_INT(parse(&p, "stages:\n  - name: qa\n    repository: r.example/app\n    tags: qa\n"
			    "    verify: {mode: require}\n"),
		  E_USAGE);
	CHECK(strstr(err_msg(), "convoy.yml:5") && strstr(err_msg(), "keys"));
	pipeline_free(&p);
	CHECK_INT(parse(&p, "stages:\n  - name: qa\n    repository: r.example/app\n    tags: qa\n"
			    "    verify: {keys: a.pub, mode: maybe}\n"),
		  E_USAGE);
	CHECK(strstr(err_msg(), "maybe") != NULL);
	pipeline_free(&p);
	CHECK_INT(parse(&p, "stages:\n  - name: qa\n    repository: r.example/app\n    tags: qa\n"
			    "    verify: {keys: a.pub, signers: 2}\n"),
		  E_USAGE);
	CHECK(strstr(err_msg(), "unknown key 'signers'") != NULL);
	pipeline_free(&p);
}

/* The example pipeline file (examples/.github/convoy.yml) is one convoy reads: dev, qa, prod,
 * each with the deploy block the example workflow's `deploy --stage` needs. */
static void test_pipeline__example_file_loads(void)
{
	const char *data = getenv("CONVOY_TESTDATA");
	char path[4096];
	struct pipeline p = { 0 };
	static const char *const names[] = { "dev", "qa", "prod" };

	CHECK(snprintf(path, sizeof(path), "%s/../../examples/.github/convoy.yml",
		       data ? data : "tests/data") < (int)sizeof(path));
	CHECK_INT(pipeline_load_file(&p, path), 0);
	CHECK_INT(p.nstages, 3);
	for (size_t i = 0; i < p.nstages && i < 3; i++) {
		CHECK_STR(p.stages[i].name, names[i]);
		CHECK(p.stages[i].deploy.set);
	}
	pipeline_free(&p);
}

TEST_MAIN(TEST(test_pipeline__verify_block_keys_mode_record),
	  TEST(test_pipeline__stages_in_order_with_repositories_and_deploy),
	  TEST(test_pipeline__example_file_loads),
	  TEST(test_pipeline__unknown_key_names_the_line),
	  TEST(test_pipeline__duplicate_stage_names_the_line),
	  TEST(test_pipeline__stage_without_repository_names_the_line),
	  TEST(test_pipeline__deploy_alarms_and_bake_time),
	  TEST(test_pipeline__bad_values_are_refused), TEST(test_pipeline__spec_for_a_one_off),
	  TEST(test_pipeline__tag_templates))
