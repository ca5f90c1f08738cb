/* Unit tests for util/: buf, strlist, csv, err. */
#include "test.h"
#include "util/suggest.h"
#include "util/buf.h"
#include "util/csv.h"
#include "util/err.h"
#include "util/strlist.h"

static void test_util__buf_grows_and_formats(void)
{
	struct buf b = BUF_INIT;

	CHECK_STR(buf_cstr(&b), "");
	for (int i = 0; i < 1000; i++)
		CHECK_INT(buf_printf(&b, "%d,", i), 0);
	CHECK(b.len > 3000);
	CHECK(!strncmp(b.data, "0,1,2,", 6));
	buf_truncate(&b, 2);
	CHECK_STR(buf_cstr(&b), "0,");
	buf_free(&b);
}

static void test_util__buf_max_refuses_growth(void)
{
	struct buf b;

	buf_init(&b, 8);
	CHECK_INT(buf_puts(&b, "12345678"), 0);
	CHECK_INT(buf_putc(&b, '9'), E_LIMIT);
	CHECK_STR(buf_cstr(&b), "12345678");
	buf_free(&b);
}

static void test_util__err_wrap_adds_context(void)
{
	err_set(E_NET, "connection reset");
	err_wrap(E_NET, "pushing %s", "app:1");
	CHECK_STR(err_msg(), "pushing app:1: connection reset");
	CHECK_INT(err_code(), E_NET);
}

static void test_util__err_wrap_never_doubles_a_prefix(void)
{
	err_set(E_USAGE, "input 'source': x does not exist");
	err_wrap(E_USAGE, "input '%s'", "source");
	CHECK_STR(err_msg(), "input 'source': x does not exist");
	err_set(E_NET, "registry 127.0.0.1:5 is not reachable: refused");
	err_wrap(E_NET, "registry %s", "127.0.0.1:5");
	CHECK_STR(err_msg(), "registry 127.0.0.1:5 is not reachable: refused");
	CHECK_INT(err_code(), E_NET);
	/* a longer word that merely starts alike is other context */
	err_set(E_NET, "registry 127.0.0.1:55 is not reachable");
	err_wrap(E_NET, "registry %s", "127.0.0.1:5");
	CHECK_STR(err_msg(), "registry 127.0.0.1:5: registry 127.0.0.1:55 is not reachable");
}

static int collect(struct strlist *fields, void *ctx)
{
	struct strlist *out = ctx;
	char *j = strlist_join_dup(fields, "|");

	return strlist_take(out, j);
}

static void test_util__csv_quotes_and_comments(void)
{
	struct strlist out = STRLIST_INIT;
	const char *in = "a,b\n# comment\n\n\"c,d\",e\r\nf\"g,h\n\"x\"\"y\"\n";

	CHECK_INT(csv_parse(in, strlen(in), CSV_COMMENTS, collect, &out), 0);
	CHECK_INT(out.len, 4);
	if (out.len == 4) {
		CHECK_STR(out.items[0], "a|b");
		CHECK_STR(out.items[1], "c,d|e");
		CHECK_STR(out.items[2], "f\"g|h");
		CHECK_STR(out.items[3], "x\"y");
	}
	strlist_clear(&out);
}

static void test_util__csv_hash_is_data_without_comments(void)
{
	struct strlist out = STRLIST_INIT;

	CHECK_INT(csv_parse_first("type=raw,value=#1", &out), 0);
	CHECK_INT(out.len, 2);
	if (out.len == 2)
		CHECK_STR(out.items[1], "value=#1");
	strlist_clear(&out);
}

static void test_util__suggest_nearest_name(void)
{
	const char *const cmds[] = { "tags", "push", "promote", "history", "rollback",
				     "plan-comment", "deploy", NULL };
	const char *const names[] = { "branch", "tag", "sha", "base_ref", NULL };

	CHECK_INT((int)suggest_distance("promot", 6, "promote", 7), 1);
	CHECK_INT((int)suggest_distance("prmoote", 7, "promote", 7), 1); /* a swap counts once */
	CHECK_INT((int)suggest_distance("tags", 4, "push", 4), 4);
	CHECK_STR(suggest_nearest("promot", 6, cmds, 0), "promote");
	CHECK_STR(suggest_nearest("histroy", 7, cmds, 0), "history");
	CHECK_STR(suggest_nearest("plan", 4, cmds, 0), "plan-comment"); /* a prefix */
	CHECK_STR(suggest_nearest("brnch", 5, names, 0), "branch");
	CHECK_STR(suggest_nearest("images", 6, (const char *const[]){ "imagez", "tags" }, 2),
		  "imagez");
	CHECK(suggest_nearest("xyzzy", 5, cmds, 0) == NULL);
	CHECK(suggest_nearest("ab", 2, names, 0) == NULL); /* too short to guess */
}

TEST_MAIN(TEST(test_util__buf_grows_and_formats), TEST(test_util__buf_max_refuses_growth),
	  TEST(test_util__err_wrap_adds_context),
	  TEST(test_util__err_wrap_never_doubles_a_prefix), TEST(test_util__csv_quotes_and_comments),
	  TEST(test_util__csv_hash_is_data_without_comments), TEST(test_util__suggest_nearest_name))
