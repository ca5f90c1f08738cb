/* Unit tests for plan/: parsing the corpus in tests/data/plans and rendering the comment. */
#include <stdlib.h>
#include <string.h>

#include "plan/plan.h"
#include "test.h"
#include "util/buf.h"

static int load(struct plan *p, const char *file)
{
	struct buf path = BUF_INIT, text = BUF_INIT;
	const char *dir = getenv("CONVOY_TESTDATA");
	int rc;

	plan_init(p);
	buf_printf(&path, "%s/plans/%s", dir ? dir : "tests/data", file);
	rc = buf_read_file(&text, buf_cstr(&path), 0);
	CHECK(rc == 0);
	if (!rc)
		rc = plan_parse(p, text.data, text.len);
	CHECK(rc == 0);
	buf_free(&path);
	buf_free(&text);
	return rc;
}

static char *result(const struct plan *p)
{
	struct buf b = BUF_INIT;

	plan_render_result(p, &b);
	return buf_detach(&b);
}

static const struct {
	const char *file;
	long add, change, destroy, replace, import, move, forget;
	int failed, no_changes, outputs;
	size_t nres;
} corpus[] = {
	{ "tfcmt_01_create_tf011.txt", 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 },
	{ "tfcmt_02_create_and_update_in_place_tf011.txt", 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2 },
	{ "tfcmt_03_destroy_tf011.txt", 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1 },
	{ "tfcmt_04_replace_and_update_in_place_tf1x.txt", 2, 1, 2, 2, 0, 0, 0, 0, 0, 0, 3 },
	{ "tfcmt_05_no_changes_tf011.txt", 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0 },
	{ "tfcmt_06_error_refresh_tf011.txt", 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0 },
	{ "tfcmt_07_import_moved_replace_create_tf1x.txt", 2, 2, 1, 1, 1, 3, 0, 0, 0, 0, 5 },
	{ "tfcmt_08_outputs_only_tf015.txt", 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0 },
	{ "tfcmt_09_apply_error_tf012.txt", 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0 },
	{ "dflook_10_create_with_outputs_tf015.txt", 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1 },
	{ "dflook_11_no_changes_tf1x.txt", 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0 },
	{ "dflook_12_replace_tf015.txt", 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1 },
	{ "dflook_13_error_tf012.txt", 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0 },
	{ "dflook_14_moved_only_tf1x.txt", 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1 },
	{ "dflook_15_create_with_state_lock_noise_tf012.txt", 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 },
	{ "convoy_16_ansi_colour_tf1x.txt", 2, 1, 2, 1, 0, 0, 1, 0, 0, 1, 6 },
	{ "convoy_17_box_error_tf1x.txt", 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0 },
	{ "convoy_18_box_error_plain_tofu.txt", 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0 },
	{ "convoy_19_import_forget_tofu.txt", 1, 0, 1, 0, 1, 0, 1, 0, 0, 0, 4 },
	{ "convoy_20_injection.txt", 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 },
};

static void test_plan__corpus_counts(void)
{
	for (size_t i = 0; i < sizeof(corpus) / sizeof(*corpus); i++) {
		struct plan p;

		if (load(&p, corpus[i].file)) {
			plan_free(&p);
			continue;
		}
		fprintf(stderr, "  %s\n", corpus[i].file);
		CHECK_INT(p.add, corpus[i].add);
		CHECK_INT(p.change, corpus[i].change);
		CHECK_INT(p.destroy, corpus[i].destroy);
		CHECK_INT(p.replace, corpus[i].replace);
		CHECK_INT(p.import, corpus[i].import);
		CHECK_INT(p.move, corpus[i].move);
		CHECK_INT(p.forget, corpus[i].forget);
		CHECK_INT(p.failed, corpus[i].failed);
		CHECK_INT(p.no_changes, corpus[i].no_changes);
		CHECK_INT(p.outputs_changed, corpus[i].outputs);
		CHECK_INT(p.nres, corpus[i].nres);
		plan_free(&p);
	}
}

static void test_plan__counts_are_terraforms_with_replace_apart(void)
{
	struct plan p;
	char *r;

	/* "Plan: 2 to add, 1 to change, 2 to destroy." with two replacements. */
	load(&p, "tfcmt_04_replace_and_update_in_place_tf1x.txt");
	r = result(&p);
	CHECK_STR(r, "2 to add, 1 to change, **2 to destroy** (**2 to replace**, counted in add and "
		     "destroy)");
	CHECK_INT(p.res[0].action, PLAN_REPLACE);
	CHECK_STR(p.res[1].address, "terraform_data.example2");
	CHECK_INT(p.res[1].action, PLAN_REPLACE); /* replace_triggered_by */
	free(r);
	plan_free(&p);

	load(&p, "convoy_16_ansi_colour_tf1x.txt");
	r = result(&p);
	CHECK_STR(r, "2 to add, 1 to change, **2 to destroy** (**1 to replace**, counted in add and "
		     "destroy), 1 to forget, outputs change");
	free(r);
	plan_free(&p);
}

static void test_plan__ansi_stripped_and_noise_dropped(void)
{
	struct plan p;
	const char *t;

	load(&p, "convoy_16_ansi_colour_tf1x.txt");
	t = buf_cstr(&p.text);
	CHECK(!strchr(t, '\033'));
	CHECK(!strstr(t, "Refreshing state"));
	CHECK(!strstr(t, "Read complete"));
	CHECK(strstr(t, "  # aws_instance.web must be replaced\n-/+ resource \"aws_instance\""));
	CHECK_INT(p.res[4].action, PLAN_READ);
	CHECK_STR(p.res[4].address, "data.aws_ami.latest");
	plan_free(&p);

	load(&p, "dflook_15_create_with_state_lock_noise_tf012.txt");
	CHECK(!strstr(buf_cstr(&p.text), "state lock"));
	CHECK(strstr(buf_cstr(&p.text), "+ min_lower   = 0\n"));
	plan_free(&p);
}

static void test_plan__strip_ansi_sequences(void)
{
	struct buf b = BUF_INIT;
	const char in[] = "\033[1m\033[32m+\033[0m a\r\n\033]8;;http://x\033\\link\033]8;;\a\033(Bz";

	CHECK(plan_strip_ansi(&b, in, sizeof(in) - 1) == 0);
	CHECK_STR(buf_cstr(&b), "+ a\nlinkz");
	buf_free(&b);
}

static void test_plan__failed_plans_keep_the_error(void)
{
	struct plan p;
	char *r;

	load(&p, "convoy_17_box_error_tf1x.txt");
	r = result(&p);
	CHECK_STR(r, ":x: **Plan failed**: Unsupported argument");
	CHECK_INT(p.errors.len, 1);
	CHECK(p.errors.len && !strstr(p.errors.items[0], "\xe2\x94\x82")); /* no box bars */
	CHECK(p.errors.len && strstr(p.errors.items[0], "An argument named \"acl\""));
	CHECK(p.errors.len && !strstr(p.errors.items[0], "Deprecated"));
	CHECK_INT(p.warnings.len, 1);
	CHECK(!plan_has_changes(&p));
	free(r);
	plan_free(&p);

	load(&p, "convoy_18_box_error_plain_tofu.txt");
	CHECK_INT(p.errors.len, 2);
	CHECK_INT(p.warnings.len, 1);
	CHECK(p.errors.len == 2 && strstr(p.errors.items[1], "Error: Invalid reference"));
	plan_free(&p);

	load(&p, "dflook_13_error_tf012.txt");
	r = result(&p);
	CHECK_STR(r, ":x: **Plan failed**: Incorrect attribute value type");
	CHECK(p.errors.len && strstr(p.errors.items[0], "a number is required."));
	free(r);
	plan_free(&p);
}

static void test_plan__no_changes_and_outputs_only(void)
{
	struct plan p;
	char *r;

	load(&p, "dflook_11_no_changes_tf1x.txt");
	r = result(&p);
	CHECK_STR(r, "No changes");
	CHECK(!plan_has_changes(&p));
	free(r);
	plan_free(&p);

	load(&p, "tfcmt_08_outputs_only_tf015.txt");
	r = result(&p);
	CHECK_STR(r, "Only outputs change");
	CHECK(plan_has_changes(&p));
	free(r);
	plan_free(&p);

	plan_init(&p);
	CHECK(plan_parse(&p, "hello\n", 6) == 0);
	r = result(&p);
	CHECK(strstr(r, "not recognised") != NULL);
	free(r);
	plan_free(&p);
}

static void test_plan__moves_and_imports_marked(void)
{
	struct plan p;

	load(&p, "tfcmt_07_import_moved_replace_create_tf1x.txt");
	CHECK_STR(p.res[0].address, "github_issue.test-2");
	CHECK(p.res[0].moved);
	CHECK_STR(p.res[2].address, "github_repository.tfcmt");
	CHECK(p.res[2].imported);
	CHECK_STR(p.res[3].address, "null_resource.bar"); /* the new address */
	CHECK_INT(p.res[3].action, PLAN_MOVE);
	plan_free(&p);

	load(&p, "convoy_19_import_forget_tofu.txt");
	CHECK_STR(p.res[1].address, "module.app.aws_ecs_service.web[\"blue green\"]");
	plan_free(&p);
}

static struct buf render(const struct plan *p, const char *name, size_t max, int *truncated)
{
	struct buf b = BUF_INIT;
	struct plan_render_opts o = {
		.name = name,
		.sha = "0123456789abcdef0123456789abcdef01234567",
		.run_url = "https://github.com/o/r/actions/runs/7",
		.max_len = max,
		.hash = plan_hash(p, name),
	};
	CHECK(plan_render_markdown(p, &o, &b, truncated) == 0);
	return b;
}

static void test_plan__markdown_layout(void)
{
	struct plan p;
	struct buf b;
	int t = -1;
	const char *m;

	load(&p, "convoy_16_ansi_colour_tf1x.txt");
	b = render(&p, "prod", 0, &t);
	m = buf_cstr(&b);
	CHECK_INT(t, 0);
	CHECK(!strncmp(m, "<!-- convoy:plan:prod -->\n", 26));
	CHECK(strstr(m, "### Terraform plan: `prod`\n"));
	CHECK(strstr(m, "| **replace** | `aws_instance.web` |\n| **destroy** | `aws_s3_bucket.logs` |"));
	CHECK(strstr(m, "<details><summary>Show plan</summary>\n\n```diff\n"));
	/* markers moved to column 0, alignment kept */
	CHECK(strstr(m, "\n+   resource \"aws_iam_role\" \"task\" {\n+       arn "));
	CHECK(strstr(m, "\n~   resource \"aws_security_group\""));
	CHECK(strstr(m, "\n-/+ resource \"aws_instance\""));
	CHECK(strstr(m, "\n<=  data \"aws_ami\""));
	CHECK(strstr(m, "Commit `0123456789abcdef0123456789abcdef01234567` · "
			"[workflow run](https://github.com/o/r/actions/runs/7)"));
	CHECK(plan_hash_in_body(m) == plan_hash(&p, "prod"));
	CHECK(plan_hash(&p, "prod") != plan_hash(&p, "dev"));
	buf_free(&b);
	plan_free(&p);
}

static void test_plan__fence_outlives_backticks_in_plan(void)
{
	struct plan p;
	struct buf b;
	int t;

	load(&p, "convoy_20_injection.txt");
	b = render(&p, "app", 0, &t);
	CHECK(strstr(buf_cstr(&b), "````diff\n"));
	CHECK(strstr(buf_cstr(&b), "\n````\n\n</details>"));
	buf_free(&b);
	plan_free(&p);
}

static void test_plan__marker_name_cannot_close_the_comment(void)
{
	struct buf b = BUF_INIT;

	CHECK(plan_marker(&b, "a-->b <x>") == 0);
	CHECK_STR(buf_cstr(&b), "<!-- convoy:plan:a___b__x_ -->");
	CHECK(strstr(buf_cstr(&b), "-->") == buf_cstr(&b) + b.len - 3);
	buf_free(&b);
}

static void test_plan__large_plan_truncated_under_limit(void)
{
	struct buf text = BUF_INIT, b;
	struct plan p;
	int t = 0;
	const char *m, *note;

	buf_puts(&text, "Terraform will perform the following actions:\n\n");
	for (int i = 0; i < 3000; i++)
		buf_printf(&text, "  # aws_route53_record.r%04d will be created\n"
				  "  + resource \"aws_route53_record\" \"r%04d\" {\n"
				  "      + name = \"host-%04d.example.com\"\n    }\n\n", i, i, i);
	buf_puts(&text, "  # aws_instance.db must be replaced\n-/+ resource \"aws_instance\" \"db\" {\n"
			"    }\n\nPlan: 3001 to add, 0 to change, 1 to destroy.\n");
	CHECK(text.len > 3 * PLAN_COMMENT_MAX);
	plan_init(&p);
	CHECK(plan_parse(&p, text.data, text.len) == 0);
	CHECK_INT(p.add, 3001);
	CHECK_INT(p.replace, 1);
	CHECK_INT(p.destroy, 1);
	b = render(&p, "big", 0, &t);
	m = buf_cstr(&b);
	CHECK_INT(t, 1);
	CHECK(b.len < PLAN_COMMENT_MAX);
	CHECK(b.len > PLAN_COMMENT_MAX / 2); /* the plan was shortened, not dropped */
	/* the summary is whole: result line and the table through its last row */
	CHECK(strstr(m, "3001 to add, 0 to change, **1 to destroy** (**1 to replace**, counted in add "
			"and destroy)\n"));
	CHECK(strstr(m, "| **replace** | `aws_instance.db` |"));
	CHECK(strstr(m, "| | ... and "));
	note = strstr(m, "The plan was shortened to fit GitHub's comment limit: ");
	CHECK(note != NULL);
	CHECK(strstr(m, "[Full plan in the run log](https://github.com/o/r/actions/runs/7)"));
	/* the fence is closed and the cut is at a line boundary */
	CHECK(strstr(m, "\n```\n\n</details>"));
	CHECK(!strstr(m, "Plan: 3001 to add"));
	buf_free(&b);

	/* a small limit still keeps the summary and cuts only the body */
	b = render(&p, "big", 40000, &t);
	CHECK(b.len <= 40000);
	CHECK(strstr(buf_cstr(&b), "**1 to replace**"));
	buf_free(&b);
	plan_free(&p);
	buf_free(&text);
}

static void test_plan__json_gives_exact_counts(void)
{
	static const char json[] =
		"{\"format_version\":\"1.2\",\"resource_changes\":["
		"{\"address\":\"a.x\",\"change\":{\"actions\":[\"create\"]}},"
		"{\"address\":\"a.y\",\"change\":{\"actions\":[\"delete\",\"create\"]}},"
		"{\"address\":\"a.z\",\"change\":{\"actions\":[\"create\",\"delete\"]}},"
		"{\"address\":\"a.w\",\"change\":{\"actions\":[\"delete\"]}},"
		"{\"address\":\"a.u\",\"change\":{\"actions\":[\"update\"]}},"
		"{\"address\":\"a.n\",\"change\":{\"actions\":[\"no-op\"]}},"
		"{\"address\":\"a.m\",\"previous_address\":\"a.old\",\"change\":{\"actions\":[\"no-op\"]}},"
		"{\"address\":\"a.i\",\"change\":{\"actions\":[\"no-op\"],\"importing\":{\"id\":\"i\"}}}"
		"],\"output_changes\":{\"o\":{\"change\":{\"actions\":[\"no-op\"]}}}}";
	struct plan p;

	load(&p, "dflook_11_no_changes_tf1x.txt");
	CHECK(plan_apply_json(&p, json, sizeof(json) - 1) == 0);
	/* Terraform's counting: the two replacements are in add and destroy too. */
	CHECK_INT(p.add, 3);
	CHECK_INT(p.replace, 2);
	CHECK_INT(p.destroy, 3);
	CHECK_INT(p.change, 1);
	CHECK_INT(p.move, 1);
	CHECK_INT(p.import, 1);
	CHECK_INT(p.nres, 7);
	CHECK(!p.outputs_changed);
	CHECK(!p.no_changes);
	CHECK(plan_apply_json(&p, "[1]", 3) != 0);
	CHECK(plan_apply_json(&p, "{\"a\":1}", 7) != 0);
	plan_free(&p);
}

TEST_MAIN(TEST(test_plan__corpus_counts),
	  TEST(test_plan__counts_are_terraforms_with_replace_apart),
	  TEST(test_plan__ansi_stripped_and_noise_dropped),
	  TEST(test_plan__strip_ansi_sequences),
	  TEST(test_plan__failed_plans_keep_the_error),
	  TEST(test_plan__no_changes_and_outputs_only),
	  TEST(test_plan__moves_and_imports_marked),
	  TEST(test_plan__markdown_layout),
	  TEST(test_plan__fence_outlives_backticks_in_plan),
	  TEST(test_plan__marker_name_cannot_close_the_comment),
	  TEST(test_plan__large_plan_truncated_under_limit),
	  TEST(test_plan__json_gives_exact_counts))
