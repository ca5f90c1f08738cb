/* Unit tests for actions/: inputs, list parsing, outputs, workflow commands, masking. */
#include <stdlib.h>
#include <unistd.h>

#include "actions/command.h"
#include "actions/input.h"
#include "actions/output.h"
#include "actions/runtime.h"
#include "actions/summary.h"
#include "test.h"
#include "util/err.h"

static char *read_all(FILE *f)
{
	struct buf b = BUF_INIT;

	fflush(f);
	rewind(f);
	(void)buf_read_fd(&b, fileno(f), 0);
	return buf_detach(&b);
}

static void test_actions__list_parse_like_metadata_action(void)
{
	struct strlist l = STRLIST_INIT;

	CHECK_INT(list_parse("type=ref,event=branch\n# c\n  type=sha , prefix=x  \n\n",
			     LIST_IGNORE_COMMA | LIST_COMMENTS, &l), 0);
	CHECK_INT(l.len, 2);
	if (l.len == 2) {
		CHECK_STR(l.items[0], "type=ref,event=branch");
		CHECK_STR(l.items[1], "type=sha , prefix=x");
	}
	strlist_clear(&l);
	CHECK_INT(list_parse("a, b\nc,,d\n\"e,f\"", 0, &l), 0);
	/* A lone quoted field is still split on commas: that is what getInputList does. */
	CHECK_INT(l.len, 6);
	if (l.len == 6)
		CHECK_STR(l.items[5], "f");
	strlist_clear(&l);
}

static const struct input_def defs[] = {
	{ "tags", IN_MULTI, NULL, "tags" },
	{ "github-token", IN_SECRET, NULL, "token" },
	{ "dry-run", IN_BOOL, "false", "dry run" },
	{ "sep tags", 0, "\n", "separator" },
	{ "must", IN_REQUIRED, NULL, "required" },
	{ NULL, 0, NULL, NULL },
};

static void test_actions__flag_wins_over_input_variable(void)
{
	struct rt rt;
	struct inputs in;
	char *argv[] = { "--tags", "a", "--tags=b", "--dry-run", "--must", "x" };
	int dry = 0;

	CHECK_INT(rt_init(&rt), 0);
	setenv("INPUT_TAGS", "from-env", 1);
	setenv("INPUT_GITHUB-TOKEN", "  tok3n-secret  ", 1);
	setenv("INPUT_SEP_TAGS", ",", 1);
	CHECK_INT(inputs_parse(&rt, defs, 6, argv, &in), 0);
	CHECK_STR(inputs_get(&in, "tags"), "a\nb");
	CHECK_STR(inputs_get(&in, "github-token"), "tok3n-secret");
	CHECK_STR(inputs_get(&in, "sep tags"), ",");
	CHECK_INT(inputs_get_bool(&in, "dry-run", &dry), 0);
	CHECK_INT(dry, 1);
	CHECK(strlist_contains(&rt.secrets, "tok3n-secret"));
	inputs_free(&in);
	unsetenv("INPUT_TAGS");
	unsetenv("INPUT_GITHUB-TOKEN");
	unsetenv("INPUT_SEP_TAGS");
	rt_free(&rt);
}

static void test_actions__required_and_bad_bool_name_the_input(void)
{
	struct rt rt;
	struct inputs in;
	char *argv[] = { "--dry-run=maybe", "--must", "x" };
	int dry;

	CHECK_INT(rt_init(&rt), 0);
	CHECK_INT(inputs_parse(&rt, defs, 0, argv, &in), E_USAGE);
	CHECK(strstr(err_msg(), "'must' is required") != NULL);
	inputs_free(&in);
	CHECK_INT(inputs_parse(&rt, defs, 3, argv, &in), 0);
	CHECK_INT(inputs_get_bool(&in, "dry-run", &dry), E_USAGE);
	CHECK(strstr(err_msg(), "dry-run") && strstr(err_msg(), "maybe"));
	inputs_free(&in);
	rt_free(&rt);
}

/* A command that declares an operand (merge IMAGE) takes one bare word as that input, once. */
static void test_actions__operand_sets_its_input_once(void)
{
	static const struct input_def odefs[] = {
		{ "image", IN_OPERAND, NULL, "the image" },
		{ "tag", IN_MULTI, NULL, "tags" },
		{ "dry-run", IN_BOOL, "false", "switch" },
		{ NULL, 0, NULL, NULL },
	};
	struct rt rt;
	struct inputs in;
	char *argv1[] = { "--tag", "a", "reg/app", "--tag", "b" };
	char *argv2[] = { "reg/app", "other" };
	char *argv3[] = { "--image", "reg/app", "other" };
	char *argv4[] = { "--dry-run", "false" };

	CHECK_INT(rt_init(&rt), 0);
	CHECK_INT(inputs_parse(&rt, odefs, 5, argv1, &in), 0);
	CHECK_STR(inputs_get(&in, "image"), "reg/app");
	CHECK_STR(inputs_get(&in, "tag"), "a\nb");
	inputs_free(&in);
	CHECK_INT(inputs_parse(&rt, odefs, 2, argv2, &in), E_USAGE);
	CHECK(strstr(err_msg(), "unexpected argument 'other'") != NULL);
	inputs_free(&in);
	CHECK_INT(inputs_parse(&rt, odefs, 3, argv3, &in), E_USAGE);
	inputs_free(&in);
	/* still not the value of a switch */
	CHECK_INT(inputs_parse(&rt, odefs, 2, argv4, &in), E_USAGE);
	CHECK(strstr(err_msg(), "--dry-run=false") != NULL);
	inputs_free(&in);
	rt_free(&rt);
}

static void test_actions__stray_word_is_refused_not_ignored(void)
{
	struct rt rt;
	struct inputs in;
	char *argv1[] = { "--must", "x", "--dry-run", "false" };
	char *argv2[] = { "--must", "x", "extra" };

	CHECK_INT(rt_init(&rt), 0);
	/* "--dry-run false" would mean true: refused, with the spelling that works. */
	CHECK_INT(inputs_parse(&rt, defs, 4, argv1, &in), E_USAGE);
	CHECK(strstr(err_msg(), "--dry-run=false") != NULL);
	inputs_free(&in);
	CHECK_INT(inputs_parse(&rt, defs, 3, argv2, &in), E_USAGE);
	CHECK(strstr(err_msg(), "unexpected argument 'extra'") != NULL);
	inputs_free(&in);
	rt_free(&rt);
}

static void test_actions__heredoc_refuses_delimiter_in_value(void)
{
	struct buf b = BUF_INIT;

	CHECK_INT(out_format_heredoc(&b, "tags", "a\nb", "ghadelimiter_X"), 0);
	CHECK_STR(buf_cstr(&b), "tags<<ghadelimiter_X\na\nb\nghadelimiter_X\n");
	buf_reset(&b);
	CHECK_INT(out_format_heredoc(&b, "tags", "a\nghadelimiter_X\nb", "ghadelimiter_X"), E_INTERNAL);
	CHECK_INT(b.len, 0);
	buf_free(&b);
}

static void test_actions__output_file_gets_random_delimiter_and_appends(void)
{
	char path[] = "/tmp/convoy-out-XXXXXX";
	int fd = mkstemp(path);
	struct strlist n = STRLIST_INIT, v = STRLIST_INIT;
	struct buf b = BUF_INIT;

	CHECK(fd >= 0);
	CHECK(write(fd, "old=1\n", 6) == 6);
	close(fd);
	strlist_add(&n, "version");
	strlist_add(&v, "1.2.3");
	CHECK_INT(out_write_file(path, &n, &v), 0);
	CHECK_INT(buf_read_file(&b, path, 0), 0);
	CHECK(!strncmp(buf_cstr(&b), "old=1\nversion<<ghadelimiter_", 28));
	CHECK(strstr(buf_cstr(&b), "\n1.2.3\nghadelimiter_") != NULL);
	CHECK_INT(strlen(buf_cstr(&b)), 6 + strlen("version<<ghadelimiter_") + 36 + 7 + 13 + 36 + 1);
	unlink(path);
	buf_free(&b);
	strlist_clear(&n);
	strlist_clear(&v);
}

static void test_actions__escaping_matches_the_runner(void)
{
	struct buf b = BUF_INIT;

	CHECK_INT(wf_escape_data(&b, "50%\r\nx:y,z"), 0);
	CHECK_STR(buf_cstr(&b), "50%25%0D%0Ax:y,z");
	buf_reset(&b);
	CHECK_INT(wf_escape_property(&b, "a:b,c%\n"), 0);
	CHECK_STR(buf_cstr(&b), "a%3Ab%2Cc%25%0A");
	buf_free(&b);
}

static void test_actions__annotations_and_untrusted_text(void)
{
	struct rt rt;
	FILE *f = tmpfile();
	char *s;

	CHECK_INT(rt_init(&rt), 0);
	rt.actions = 1;
	rt.out = rt.log = f;
	rt_mask(&rt, "hunter2");
	wf_error(&rt, "a,b.yml", "bad: input", "line1\nline2 hunter2");
	wf_echo_untrusted(&rt, "::error::injected\n");
	s = read_all(f);
	CHECK(strstr(s, "::add-mask::hunter2\n") == s);
	CHECK(strstr(s, "::error file=a%2Cb.yml,title=bad%3A input::line1%0Aline2 ***\n") != NULL);
	CHECK(strstr(s, "::stop-commands::") != NULL);
	{
		/* The injected line sits between stop-commands and the matching resume token. */
		char token[64], *p = strstr(s, "::stop-commands::");
		char resume[80];

		CHECK(sscanf(p, "::stop-commands::%32s", token) == 1);
		snprintf(resume, sizeof(resume), "::%s::", token);
		CHECK(strlen(token) == 32);
		CHECK(strstr(s, "::error::injected") > p);
		CHECK(strstr(s, resume) > strstr(s, "::error::injected"));
	}
	free(s);
	fclose(f);
	rt_free(&rt);
}

static void test_actions__short_values_not_masked(void)
{
	struct rt rt;
	FILE *f = tmpfile();
	char *s;

	CHECK_INT(rt_init(&rt), 0);
	rt.actions = 1;
	rt.out = rt.log = f;
	CHECK_INT(rt_mask(&rt, "x"), 0);
	CHECK_INT(rt_mask(&rt, "abc"), 0);
	CHECK_INT(rt_mask(&rt, "abcd"), 0);
	rt_info(&rt, "x marks abc, abcd is masked");
	s = read_all(f);
	CHECK_STR(s, "::add-mask::abcd\nx marks abc, *** is masked\n");
	CHECK_INT(rt.secrets.len, 1);
	free(s);
	fclose(f);
	rt_free(&rt);
}

static void test_actions__redaction_prefers_longest_secret(void)
{
	struct rt rt;
	char *s;

	CHECK_INT(rt_init(&rt), 0);
	strlist_add(&rt.secrets, "abc");
	strlist_add(&rt.secrets, "abcdef");
	s = rt_redact_dup(&rt, "x abcdef abc y");
	CHECK_STR(s, "x *** *** y");
	free(s);
	rt_free(&rt);
}

static void test_actions__summary_appends_never_truncates(void)
{
	char path[] = "/tmp/convoy-sum-XXXXXX";
	int fd = mkstemp(path);
	struct rt rt;
	struct buf b = BUF_INIT;

	CHECK(write(fd, "# earlier step\n", 15) == 15);
	close(fd);
	CHECK_INT(rt_init(&rt), 0);
	rt.actions = 1;
	setenv("GITHUB_STEP_SUMMARY", path, 1);
	summary_add(&rt, "| tag |\n|---|\n| ");
	summary_add_cell(&rt, "a|b");
	summary_add(&rt, " |\n");
	CHECK_INT(summary_write(&rt), 0);
	CHECK_INT(buf_read_file(&b, path, 0), 0);
	CHECK_STR(buf_cstr(&b), "# earlier step\n| tag |\n|---|\n| a\\|b |\n");
	unsetenv("GITHUB_STEP_SUMMARY");
	unlink(path);
	buf_free(&b);
	rt_free(&rt);
}

static void test_actions__summary_over_limit_is_shortened_not_failed(void)
{
	char path[] = "/tmp/convoy-sum-XXXXXX";
	int fd = mkstemp(path);
	struct rt rt;
	struct buf b = BUF_INIT;

	close(fd);
	CHECK_INT(rt_init(&rt), 0);
	rt.actions = 1;
	setenv("GITHUB_STEP_SUMMARY", path, 1);
	for (int i = 0; i < 100000; i++)
		CHECK_INT(summary_add(&rt, "| row %d | some text |\n", i), 0);
	CHECK_INT(summary_write(&rt), 0);
	CHECK_INT(buf_read_file(&b, path, 0), 0);
	CHECK(b.len <= SUMMARY_MAX + 100);
	CHECK(strstr(buf_cstr(&b), "summary shortened") != NULL);
	unsetenv("GITHUB_STEP_SUMMARY");
	unlink(path);
	buf_free(&b);
	rt_free(&rt);
}

static void test_actions__failure_writes_only_kept_outputs(void)
{
	char path[] = "/tmp/convoy-out-XXXXXX";
	int fd = mkstemp(path);
	struct rt rt;
	struct buf b = BUF_INIT;

	close(fd);
	CHECK_INT(rt_init(&rt), 0);
	rt.actions = 1;
	setenv("GITHUB_OUTPUT", path, 1);
	CHECK_INT(out_set(&rt, "digest", "sha256:partial"), 0);
	CHECK_INT(out_set(&rt, "status", "rolled-back"), 0);
	CHECK_INT(out_keep_on_failure(&rt, "status"), 0);
	(void)rt_finish(&rt, E_CONFLICT);
	CHECK_INT(buf_read_file(&b, path, 0), 0);
	CHECK(strstr(buf_cstr(&b), "status<<ghadelimiter_") != NULL);
	CHECK(strstr(buf_cstr(&b), "\nrolled-back\n") != NULL);
	CHECK(strstr(buf_cstr(&b), "digest") == NULL);
	unsetenv("GITHUB_OUTPUT");
	unlink(path);
	buf_free(&b);
	rt_free(&rt);
}

TEST_MAIN(TEST(test_actions__summary_over_limit_is_shortened_not_failed),
	  TEST(test_actions__failure_writes_only_kept_outputs),
	  TEST(test_actions__list_parse_like_metadata_action),
	  TEST(test_actions__flag_wins_over_input_variable),
	  TEST(test_actions__stray_word_is_refused_not_ignored),
	  TEST(test_actions__operand_sets_its_input_once),
	  TEST(test_actions__required_and_bad_bool_name_the_input),
	  TEST(test_actions__heredoc_refuses_delimiter_in_value),
	  TEST(test_actions__output_file_gets_random_delimiter_and_appends),
	  TEST(test_actions__escaping_matches_the_runner),
	  TEST(test_actions__annotations_and_untrusted_text),
	  TEST(test_actions__short_values_not_masked),
	  TEST(test_actions__redaction_prefers_longest_secret),
	  TEST(test_actions__summary_appends_never_truncates))
