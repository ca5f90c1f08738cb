/* Tests for src/promote: the gate decision and the ledger record (JSON, artifact manifest). */
#include <string.h>

#include <jansson.h>

#include "promote/gate.h"
#include "promote/ledger.h"
#include "promote/promote.h"
#include "test.h"
#include "util/err.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define D3 "sha256:3333333333333333333333333333333333333333333333333333333333333333"

static void test_promote__gate_passes_digest_in_previous_stage(void)
{
	struct gate_facts f = { .from = 0, .to = 1, .in_previous_now = 1 };

	CHECK_INT(gate_decide(&f), GATE_IN_PREVIOUS);
	f.in_previous_now = 0;
	f.in_previous_ledger = 1;
	CHECK_INT(gate_decide(&f), GATE_LEDGER);
	CHECK(!gate_is_skip(GATE_LEDGER));
}

static void test_promote__gate_refuses_a_skip_unless_allowed(void)
{
	struct gate_facts f = { .from = 0, .to = 2 };

	CHECK_INT(gate_decide(&f), GATE_REFUSED);
	CHECK(strstr(gate_decision_str(GATE_REFUSED), "refused") != NULL);
	f.allow_skip = 1;
	CHECK_INT(gate_decide(&f), GATE_SKIP_ALLOWED);
	CHECK(gate_is_skip(GATE_SKIP_ALLOWED));
}

static void test_promote__gate_first_stage_and_rollback(void)
{
	struct gate_facts f = { .to = 0, .explicit_source = 1 };

	CHECK_INT(gate_decide(&f), GATE_FIRST_STAGE);
	f.to = 2;
	f.rollback = 1;
	CHECK_INT(gate_decide(&f), GATE_ROLLBACK);
}

static void test_promote__record_round_trips_through_json(void)
{
	struct ledger_record r = { 0 }, back;
	struct buf b = BUF_INIT;

	r.from = "qa";
	r.to = "prod";
	r.digest = D1;
	r.previous_digest = NULL;
	r.time = "2026-12-03T07:15:00.123Z";
	r.actor = "octocat";
	r.repository = "prod.example.com/app";
	r.run_url = "https://github.com/o/r/actions/runs/1";
	r.commit = "abc";
	r.kind = "promote";
	CHECK_INT(ledger_record_to_json(&r, &b), 0);
	CHECK(strstr(buf_cstr(&b), "\"previous-digest\":null") != NULL);
	CHECK(strstr(buf_cstr(&b), "\"actor\":\"octocat\"") != NULL);
	CHECK_INT(ledger_record_from_json(&back, b.data, b.len), 0);
	CHECK_STR(back.to, "prod");
	CHECK_STR(back.from, "qa");
	CHECK_STR(back.digest, D1);
	CHECK(back.previous_digest == NULL);
	CHECK_STR(back.run_url, "https://github.com/o/r/actions/runs/1");
	ledger_record_free(&back);
	buf_free(&b);
}

static void test_promote__record_from_registry_is_checked(void)
{
	struct ledger_record r;
	const char *no_digest = "{\"to\":\"prod\",\"time\":\"t\"}";
	const char *bad_digest = "{\"to\":\"prod\",\"time\":\"t\",\"digest\":\"md5:x\"}";
	const char *not_string = "{\"to\":\"prod\",\"time\":\"t\",\"digest\":\"" D1 "\",\"actor\":1}";

	CHECK_INT(ledger_record_from_json(&r, no_digest, strlen(no_digest)), E_INTEGRITY);
	CHECK_INT(ledger_record_from_json(&r, bad_digest, strlen(bad_digest)), E_INTEGRITY);
	CHECK_INT(ledger_record_from_json(&r, not_string, strlen(not_string)), E_INTEGRITY);
	CHECK_INT(ledger_record_from_json(&r, "[", 1), E_INTEGRITY);
}

static void test_promote__artifact_manifest_has_subject_and_annotations(void)
{
	struct ledger_record r = { 0 }, back;
	struct buf b = BUF_INIT;
	json_t *m, *ann;

	r.to = "qa";
	r.from = "dev";
	r.digest = D1;
	r.previous_digest = D2;
	r.time = "2026-12-03T07:15:00.123Z";
	r.kind = "skip";
	CHECK_INT(ledger_manifest_build(&b, &r, OCI_MANIFEST_MEDIA_TYPE, D1, 1234), 0);
	m = json_loadb(b.data, b.len, 0, NULL);
	CHECK(m != NULL);
	CHECK_STR(json_string_value(json_object_get(m, "artifactType")), LEDGER_ARTIFACT_TYPE);
	CHECK_STR(json_string_value(json_object_get(json_object_get(m, "subject"), "digest")), D1);
	CHECK_INT(json_integer_value(json_object_get(json_object_get(m, "subject"), "size")), 1234);
	CHECK_STR(json_string_value(json_object_get(json_object_get(m, "config"), "digest")),
		  OCI_EMPTY_DIGEST);
	CHECK_STR(json_string_value(
			  json_object_get(json_array_get(json_object_get(m, "layers"), 0), "digest")),
		  OCI_EMPTY_DIGEST); /* no content: the record is in the annotations */
	CHECK_INT(json_array_size(json_object_get(m, "layers")), 1);
	ann = json_object_get(m, "annotations");
	CHECK_STR(json_string_value(json_object_get(ann, "dev.convoy.promotion.kind")), "skip");
	CHECK_INT(ledger_record_from_annotations(&back, ann), 0);
	CHECK_STR(back.previous_digest, D2);
	CHECK_STR(back.from, "dev");
	ledger_record_free(&back);
	CHECK_INT(ledger_record_from_annotations(&back, json_object_get(m, "config")), E_NOTFOUND);
	json_decref(m);
	buf_free(&b);
}

static void add(struct ledger_records *l, const char *to, const char *digest, const char *time)
{
	struct ledger_record r = { 0 };

	r.to = strdup(to);
	r.digest = strdup(digest);
	r.time = strdup(time);
	CHECK_INT(ledger_records_add(l, &r), 0);
}

static void test_promote__records_sort_newest_first_and_latest_before(void)
{
	struct ledger_records l = { 0 };
	const struct ledger_record *r;

	add(&l, "prod", D1, "2026-12-03T07:00:00.000Z");
	add(&l, "prod", D1, "2026-12-03T09:00:00.000Z");
	add(&l, "qa", D1, "2026-12-03T10:00:00.000Z");
	add(&l, "prod", D2, "2026-12-03T08:00:00.000Z");
	ledger_records_sort(&l);
	CHECK_STR(l.items[0].time, "2026-12-03T10:00:00.000Z");
	CHECK_STR(l.items[3].time, "2026-12-03T07:00:00.000Z");
	r = ledger_records_latest(&l, "prod", NULL);
	CHECK(r && !strcmp(r->time, "2026-12-03T09:00:00.000Z"));
	r = ledger_records_latest(&l, "prod", "2026-12-03T09:00:00.000Z");
	CHECK(r && !strcmp(r->digest, D2));
	CHECK(ledger_records_latest(&l, "prod", "2026-12-03T07:00:00.000Z") == NULL);
	CHECK(ledger_records_latest(&l, "dev", NULL) == NULL);
	ledger_records_free(&l);
}

static void test_promote__time_is_rfc3339_utc_with_milliseconds(void)
{
	struct buf b = BUF_INIT;

	CHECK_INT(ledger_time_now(&b), 0);
	CHECK_INT(b.len, 24);
	CHECK(b.data[10] == 'T' && b.data[19] == '.' && b.data[23] == 'Z');
	buf_free(&b);
}

static void test_promote__stage_pointer_is_the_first_plain_tag(void)
{
	struct pipeline_repo r = { 0 };

	CHECK(promote_stage_pointer_tag(&r) == NULL);
	strlist_add(&r.tags, "{{version}}");
	CHECK(promote_stage_pointer_tag(&r) == NULL);
	strlist_add(&r.tags, "prod");
	CHECK_STR(promote_stage_pointer_tag(&r), "prod");
	strlist_clear(&r.tags);
}

TEST_MAIN(TEST(test_promote__gate_passes_digest_in_previous_stage),
	  TEST(test_promote__gate_refuses_a_skip_unless_allowed),
	  TEST(test_promote__gate_first_stage_and_rollback),
	  TEST(test_promote__record_round_trips_through_json),
	  TEST(test_promote__record_from_registry_is_checked),
	  TEST(test_promote__artifact_manifest_has_subject_and_annotations),
	  TEST(test_promote__records_sort_newest_first_and_latest_before),
	  TEST(test_promote__time_is_rfc3339_utc_with_milliseconds),
	  TEST(test_promote__stage_pointer_is_the_first_plain_tag))
