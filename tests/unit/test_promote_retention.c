/* Unit tests for promote/retention.c: prune's plan (pure): what each rule keeps, what follows
 * what, and which tags are convoy's. */
#include "test.h"

#include "promote/retention.h"
#include "util/err.h"

#define DAY (86400000LL)
#define NOW (1000 * DAY)

/* A digest of 64 hex digits from one letter: "sha256:aaaa...". */
static const char *dg(char c)
{
	static char d[26][7 + 64 + 1];
	char *s = d[c - 'a'];

	memcpy(s, "sha256:", 7);
	memset(s + 7, c, 64);
	s[71] = 0;
	return s;
}

static struct retention_item *item(struct retention_set *s, char c, enum retention_kind k,
				   const char *tag, long long age_days)
{
	struct retention_item *it = NULL;

	CHECK_INT(retention_get(s, dg(c), k, &it, NULL), 0);
	if (tag)
		CHECK_INT(strlist_add(&it->tags, tag), 0);
	if (age_days >= 0) {
		it->time_ms = NOW - age_days * DAY;
		it->time_src = "created";
	}
	return it;
}

static const struct retention_item *find(const struct retention_set *s, char c)
{
	return retention_find(s, dg(c));
}

static struct retention_opts opts(size_t keep)
{
	struct retention_opts o = { keep, 30 * DAY, NOW, NULL, 0 };

	return o;
}

static void stage_free(struct retention_stage *st)
{
	strlist_clear(&st->current);
	strlist_clear(&st->history);
	strlist_clear(&st->templates);
}

static void test_promote_retention__stages_keep_current_and_rollback_targets(void)
{
	struct retention_set s = { 0 };
	struct retention_stage st = { "prod", STRLIST_INIT, STRLIST_INIT, STRLIST_INIT };
	struct retention_opts o = opts(1);

	strlist_add(&st.templates, "prod");
	strlist_add(&st.current, dg('c'));
	/* History as promote_history lists it: c (was b), b (was a), a. */
	strlist_add(&st.history, dg('c'));
	strlist_add(&st.history, dg('b'));
	strlist_add(&st.history, dg('b'));
	strlist_add(&st.history, dg('a'));
	item(&s, 'a', RETENTION_IMAGE, NULL, 100);
	item(&s, 'b', RETENTION_IMAGE, NULL, 100);
	item(&s, 'c', RETENTION_IMAGE, "prod", 100);
	CHECK_INT(retention_plan(&s, &st, 1, &o), 0);
	CHECK_INT(find(&s, 'a')->keep, 0);
	CHECK(strstr(find(&s, 'a')->reason, "older than 30d (100d, created)") != NULL);
	CHECK_INT(find(&s, 'b')->keep, 1);
	CHECK_STR(find(&s, 'b')->reason, "rollback target 1 of prod");
	CHECK_STR(find(&s, 'c')->reason, "current in prod");
	retention_set_free(&s);
	/* keep 2: a is the second rollback target. */
	o = opts(2);
	item(&s, 'a', RETENTION_IMAGE, NULL, 100);
	CHECK_INT(retention_plan(&s, &st, 1, &o), 0);
	CHECK_STR(find(&s, 'a')->reason, "rollback target 2 of prod");
	retention_set_free(&s);
	stage_free(&st);
}

static void test_promote_retention__age_and_foreign_tags_keep(void)
{
	struct retention_set s = { 0 };
	struct retention_stage st = { "dev", STRLIST_INIT, STRLIST_INIT, STRLIST_INIT };
	struct retention_opts o = opts(0);
	struct meta_regex *re = NULL;

	strlist_add(&st.templates, "dev");
	item(&s, 'a', RETENTION_IMAGE, "sha-1a2b3c4", 10);  /* young */
	item(&s, 'b', RETENTION_IMAGE, "latest", 100);      /* not convoy's */
	item(&s, 'c', RETENTION_IMAGE, "v1.2.3", 100);      /* convoy's, old */
	item(&s, 'd', RETENTION_IMAGE, "dev", -1);          /* age unknown (and not current) */
	CHECK_INT(retention_plan(&s, &st, 1, &o), 0);
	CHECK(strstr(find(&s, 'a')->reason, "younger than 30d (10d") != NULL);
	CHECK_STR(find(&s, 'b')->reason, "tag 'latest' is outside convoy's patterns");
	CHECK_INT(find(&s, 'c')->keep, 0);
	CHECK_STR(find(&s, 'd')->reason, "age unknown");
	/* --tag-pattern asks for latest. */
	CHECK_INT(meta_regex_compile(&re, "^lat", ""), 0);
	o.patterns = &re;
	o.npatterns = 1;
	CHECK_INT(retention_plan(&s, &st, 1, &o), 0);
	CHECK_INT(find(&s, 'b')->keep, 0);
	meta_regex_free(re);
	retention_set_free(&s);
	stage_free(&st);
}

static void test_promote_retention__referrers_follow_their_subject(void)
{
	struct retention_set s = { 0 };
	struct retention_stage st = { "qa", STRLIST_INIT, STRLIST_INIT, STRLIST_INIT };
	struct retention_opts o = opts(0);
	struct retention_item *it;
	char tag[80];

	strlist_add(&st.current, dg('a'));
	item(&s, 'a', RETENTION_IMAGE, "qa", 100);
	item(&s, 'b', RETENTION_IMAGE, NULL, 100);
	/* a's signature (cosign tag) and record; b's referrers index and its one record. */
	snprintf(tag, sizeof(tag), "sha256-%s.sig", dg('a') + 7);
	it = item(&s, 'c', RETENTION_ATTACHMENT, tag, -1);
	it->subject = strdup(dg('a'));
	it = item(&s, 'd', RETENTION_REFERRER, NULL, -1);
	it->subject = strdup(dg('a'));
	snprintf(tag, sizeof(tag), "sha256-%s", dg('b') + 7);
	it = item(&s, 'e', RETENTION_REFERRERS_INDEX, tag, -1);
	it->subject = strdup(dg('b'));
	strlist_add(&it->children, dg('h'));
	it = item(&s, 'h', RETENTION_REFERRER, NULL, -1);
	it->subject = strdup(dg('b'));
	/* An orphan: the .sig of an image that is gone. */
	snprintf(tag, sizeof(tag), "sha256-%s.sig", dg('f') + 7);
	it = item(&s, 'g', RETENTION_ATTACHMENT, tag, -1);
	it->subject = strdup(dg('f'));
	item(&s, 'f', RETENTION_IMAGE, NULL, -1)->absent = 1;
	CHECK_INT(retention_plan(&s, &st, 1, &o), 0);
	CHECK_INT(find(&s, 'c')->keep, 1);
	CHECK(strstr(find(&s, 'c')->reason, "refers to kept sha256:aaaa") != NULL);
	CHECK_INT(find(&s, 'd')->keep, 1);
	CHECK_INT(find(&s, 'b')->keep, 0);
	CHECK_INT(find(&s, 'e')->keep, 0);
	CHECK(strstr(find(&s, 'e')->reason, "refers to deleted sha256:bbbb") != NULL);
	CHECK_INT(find(&s, 'h')->keep, 0);
	CHECK_INT(find(&s, 'g')->keep, 0);
	CHECK(strstr(find(&s, 'g')->reason, "orphaned") != NULL);
	retention_set_free(&s);
	stage_free(&st);
}

static void test_promote_retention__platforms_follow_their_index(void)
{
	struct retention_set s = { 0 };
	struct retention_stage st = { "prod", STRLIST_INIT, STRLIST_INIT, STRLIST_INIT };
	struct retention_opts o = opts(0);
	struct retention_item *it;

	strlist_add(&st.current, dg('a'));
	it = item(&s, 'a', RETENTION_IMAGE, "prod", 100);
	strlist_add(&it->children, dg('b'));
	strlist_add(&it->children, dg('c'));
	it = item(&s, 'd', RETENTION_IMAGE, "v1", 100);
	strlist_add(&it->children, dg('e'));
	strlist_add(&it->children, dg('c')); /* shared with the kept index */
	item(&s, 'b', RETENTION_PLATFORM, NULL, 100);
	item(&s, 'c', RETENTION_PLATFORM, NULL, 100);
	item(&s, 'e', RETENTION_PLATFORM, NULL, 100);
	/* b's signature: kept because b is. */
	it = item(&s, 'f', RETENTION_REFERRER, NULL, -1);
	it->subject = strdup(dg('b'));
	CHECK_INT(retention_plan(&s, &st, 1, &o), 0);
	CHECK_INT(find(&s, 'b')->keep, 1);
	CHECK(strstr(find(&s, 'b')->reason, "platform of kept sha256:aaaa") != NULL);
	CHECK_INT(find(&s, 'c')->keep, 1);
	CHECK_INT(find(&s, 'd')->keep, 0);
	CHECK_INT(find(&s, 'e')->keep, 0);
	CHECK_STR(find(&s, 'e')->reason, "platform of deleted index");
	CHECK_INT(find(&s, 'f')->keep, 1);
	retention_set_free(&s);
	stage_free(&st);
}

static void test_promote_retention__convoy_tags(void)
{
	struct retention_stage st = { "prod", STRLIST_INIT, STRLIST_INIT, STRLIST_INIT };
	char tag[90];

	strlist_add(&st.templates, "prod");
	strlist_add(&st.templates, "{{version}}");
	strlist_add(&st.templates, "prod-{{short-digest}}");
	CHECK_INT(retention_tag_is_convoy("prod", &st, 1, NULL), 1);
	CHECK_INT(retention_tag_is_convoy("prod-1a2b3c", &st, 1, NULL), 1);
	CHECK_INT(retention_tag_is_convoy("prod-", &st, 1, NULL), 0);
	CHECK_INT(retention_tag_is_convoy("sha-1a2b3c4", &st, 1, NULL), 1);
	CHECK_INT(retention_tag_is_convoy("sha-xyz1234", &st, 1, NULL), 0);
	CHECK_INT(retention_tag_is_convoy("v1", &st, 1, NULL), 1);
	CHECK_INT(retention_tag_is_convoy("1.2", &st, 1, NULL), 1);
	CHECK_INT(retention_tag_is_convoy("v1.2.3-rc.1+b7", &st, 1, NULL), 1);
	CHECK_INT(retention_tag_is_convoy("v1.2.3.4", &st, 1, NULL), 0);
	CHECK_INT(retention_tag_is_convoy("latest", &st, 1, NULL), 0);
	CHECK_INT(retention_tag_is_convoy("main", &st, 1, NULL), 0); /* {{version}} alone: no */
	snprintf(tag, sizeof(tag), "sha256-%s.att", dg('a') + 7);
	CHECK_INT(retention_tag_is_convoy(tag, &st, 1, NULL), 1);
	snprintf(tag, sizeof(tag), "sha256-%s.foo", dg('a') + 7);
	CHECK_INT(retention_tag_is_convoy(tag, &st, 1, NULL), 0);
	stage_free(&st);
}

static void test_promote_retention__rollback_targets_skip_current_and_repeats(void)
{
	struct retention_stage st = { "qa", STRLIST_INIT, STRLIST_INIT, STRLIST_INIT };
	struct strlist out = STRLIST_INIT;

	/* A rollback to b (was c), then c (was b), b (was a). */
	strlist_add(&st.current, dg('b'));
	strlist_add(&st.history, dg('b'));
	strlist_add(&st.history, dg('c'));
	strlist_add(&st.history, dg('c'));
	strlist_add(&st.history, dg('b'));
	strlist_add(&st.history, dg('b'));
	strlist_add(&st.history, dg('a'));
	CHECK_INT(retention_rollback_targets(&st, 5, &out), 0);
	CHECK_INT(out.len, 2);
	if (out.len == 2) {
		CHECK_STR(out.items[0], dg('c'));
		CHECK_STR(out.items[1], dg('a'));
	}
	strlist_clear(&out);
	CHECK_INT(retention_rollback_targets(&st, 0, &out), 0);
	CHECK_INT(out.len, 0);
	strlist_clear(&out);
	stage_free(&st);
}

static void test_promote_retention__ages_read_as_people_do(void)
{
	struct buf b = BUF_INIT;

	CHECK_INT(retention_age_str(&b, 3 * DAY + 5), 0);
	CHECK_STR(buf_cstr(&b), "3d");
	buf_reset(&b);
	CHECK_INT(retention_age_str(&b, 5 * 3600000LL), 0);
	CHECK_STR(buf_cstr(&b), "5h");
	buf_reset(&b);
	CHECK_INT(retention_age_str(&b, -1), 0);
	CHECK_STR(buf_cstr(&b), "?");
	buf_free(&b);
}

TEST_MAIN(TEST(test_promote_retention__stages_keep_current_and_rollback_targets),
	  TEST(test_promote_retention__age_and_foreign_tags_keep),
	  TEST(test_promote_retention__referrers_follow_their_subject),
	  TEST(test_promote_retention__platforms_follow_their_index),
	  TEST(test_promote_retention__convoy_tags),
	  TEST(test_promote_retention__rollback_targets_skip_current_and_repeats),
	  TEST(test_promote_retention__ages_read_as_people_do))
