/* Unit tests for pipeline/gates.c: durations, spans, and whether a freeze holds, in its zone. */
#include "test.h"

#include "meta/datefmt.h"
#include "pipeline/gates.h"
#include "pipeline/pipeline.h"
#include "util/err.h"

static long long at(const char *iso)
{
	long long ms = 0;

	CHECK_INT(meta_date_parse_iso(iso, &ms), 0);
	return ms;
}

static void test_pipeline_gates__durations(void)
{
	long long ms;
	struct buf b = BUF_INIT;

	CHECK_INT(gates_parse_duration("24h", "soak", &ms), 0);
	CHECK_INT(ms, 24LL * 3600 * 1000);
	CHECK_INT(gates_parse_duration("1h30m", "soak", &ms), 0);
	CHECK_INT(ms, 90LL * 60 * 1000);
	CHECK_INT(gates_parse_duration("7d", "soak", &ms), 0);
	CHECK_INT(ms, 7LL * 86400 * 1000);
	CHECK_INT(gates_parse_duration("90s", "soak", &ms), 0);
	CHECK_INT(ms, 90000);
	CHECK_INT(gates_parse_duration("24", "soak", &ms), E_USAGE);
	CHECK_INT(gates_parse_duration("", "soak", &ms), E_USAGE);
	CHECK_INT(gates_parse_duration("0h", "soak", &ms), E_USAGE);
	CHECK_INT(gates_parse_duration("1w", "soak", &ms), E_USAGE);
	CHECK_INT(gates_parse_duration("h", "soak", &ms), E_USAGE);
	CHECK_INT(gates_parse_duration("1h 30m", "soak", &ms), E_USAGE);
	CHECK(strstr(err_msg(), "soak '1h 30m' is not a duration") != NULL);
	CHECK_INT(gates_duration_str(&b, 26LL * 3600 * 1000 + 5 * 60000), 0);
	CHECK_STR(buf_cstr(&b), "1d2h");
	buf_reset(&b);
	CHECK_INT(gates_duration_str(&b, 10LL * 3600 * 1000 + 59000), 0);
	CHECK_STR(buf_cstr(&b), "10h");
	buf_reset(&b);
	CHECK_INT(gates_duration_str(&b, 61000), 0);
	CHECK_STR(buf_cstr(&b), "1m1s");
	buf_free(&b);
}

static void test_pipeline_gates__weekly_spans(void)
{
	int from, to;

	CHECK_INT(gates_parse_weekly("Fri 16:00 - Mon 08:00", "w", &from, &to), 0);
	CHECK_INT(from, 4 * 1440 + 16 * 60);
	CHECK_INT(to, 8 * 60);
	CHECK_INT(gates_parse_weekly("monday 09:30-Tuesday 17:05", "w", &from, &to), 0);
	CHECK_INT(from, 9 * 60 + 30);
	CHECK_INT(to, 1440 + 17 * 60 + 5);
	CHECK_INT(gates_parse_weekly("Fri 16:00", "w", &from, &to), E_USAGE);
	CHECK_INT(gates_parse_weekly("Fri 25:00 - Mon 08:00", "w", &from, &to), E_USAGE);
	CHECK_INT(gates_parse_weekly("Fr 16:00 - Mon 08:00", "w", &from, &to), E_USAGE);
	CHECK_INT(gates_parse_weekly("Mon 08:00 - Mon 08:00", "w", &from, &to), E_USAGE);
	CHECK_INT(gates_parse_weekly("Fri 16:00 - Mon 08:00 x", "w", &from, &to), E_USAGE);
}

static void test_pipeline_gates__weekly_freeze_follows_its_zone(void)
{
	struct pipeline_freeze f = { .weekly = 1, .tz = "Europe/Berlin" };
	struct buf b = BUF_INIT;
	long long end;
	int active;

	CHECK_INT(gates_parse_weekly("Fri 16:00 - Mon 08:00", "w", &f.from_min, &f.to_min), 0);
	/* winter, UTC+1: Friday 15:30 UTC is 16:30 in Berlin */
	CHECK_INT(gates_freeze_active(&f, at("2030-03-15T15:30:00Z"), &active, &end), 0);
	CHECK_INT(active, 1);
	CHECK_INT(gates_local_str(&b, end, f.tz), 0);
	CHECK_STR(buf_cstr(&b), "2030-03-18 08:00 Europe/Berlin");
	CHECK_INT(gates_freeze_active(&f, at("2030-03-15T14:59:00Z"), &active, &end), 0);
	CHECK_INT(active, 0);
	/* summer, UTC+2: Friday 14:30 UTC is 16:30 there */
	CHECK_INT(gates_freeze_active(&f, at("2030-07-12T14:30:00Z"), &active, &end), 0);
	CHECK_INT(active, 1);
	/* the wrap over the week's end: Sunday noon and Monday 07:59 Berlin are in, 08:00 not */
	CHECK_INT(gates_freeze_active(&f, at("2030-03-17T11:00:00Z"), &active, &end), 0);
	CHECK_INT(active, 1);
	CHECK_INT(gates_freeze_active(&f, at("2030-03-18T06:59:00Z"), &active, &end), 0);
	CHECK_INT(active, 1);
	CHECK_INT(gates_freeze_active(&f, at("2030-03-18T07:00:00Z"), &active, &end), 0);
	CHECK_INT(active, 0);
	f.tz = "Mars/Olympus";
	CHECK_INT(gates_freeze_active(&f, 0, &active, &end), E_USAGE);
	buf_free(&b);
}

static void test_pipeline_gates__date_spans_include_the_last_day(void)
{
	struct pipeline_freeze f = { 0 };
	long long end;
	int active;

	CHECK_INT(gates_parse_when("2030-03-01", "from", 0, &f.from_local), 0);
	CHECK_INT(gates_parse_when("2030-03-10", "to", 1, &f.to_local), 0);
	CHECK_INT(gates_freeze_active(&f, at("2030-03-10T23:59:00Z"), &active, &end), 0);
	CHECK_INT(active, 1);
	CHECK_INT(gates_freeze_active(&f, at("2030-03-11T00:00:00Z"), &active, &end), 0);
	CHECK_INT(active, 0);
	CHECK_INT(gates_freeze_active(&f, at("2030-02-28T23:59:00Z"), &active, &end), 0);
	CHECK_INT(active, 0);
	/* a date-time end is the end; in a zone, wall-clock time there */
	CHECK_INT(gates_parse_when("2030-03-01T18:00", "from", 0, &f.from_local), 0);
	CHECK_INT(gates_parse_when("2030-03-01 20:30", "to", 1, &f.to_local), 0);
	f.tz = "America/New_York"; /* UTC-5 in early March */
	CHECK_INT(gates_freeze_active(&f, at("2030-03-01T23:30:00Z"), &active, &end), 0);
	CHECK_INT(active, 1);
	CHECK_INT(gates_freeze_active(&f, at("2030-03-02T01:30:00Z"), &active, &end), 0);
	CHECK_INT(active, 0);
	CHECK_INT(gates_parse_when("2030-3-1", "from", 0, &f.from_local), E_USAGE);
	CHECK_INT(gates_parse_when("2030-03-01T18:00Z", "from", 0, &f.from_local), E_USAGE);
}

static void test_pipeline_gates__stage_keys(void)
{
	static const char yml[] =
		"stages:\n"
		"  - name: qa\n    repository: r.example/app\n    tags: [qa]\n"
		"  - name: prod\n    repository: r.example/app\n    tags: [prod]\n"
		"    soak: 1h30m\n    require-healthy: true\n"
		"    freeze:\n      - {weekly: \"Sat 00:00 - Sun 00:00\", tz: UTC, reason: weekend}\n"
		"      - {from: 2030-12-24, to: 2030-12-26}\n"
		"    allowed-actors: [alice, bob]\n";
	static const char first[] =
		"stages:\n  - name: qa\n    repository: r.example/app\n    tags: [qa]\n"
		"    soak: 1h\n";
	struct pipeline p = { 0 };
	const struct pipeline_gates *g;

	CHECK_INT(pipeline_parse(&p, yml, sizeof(yml) - 1, "c.yml"), 0);
	if (p.nstages == 2) {
		g = &p.stages[1].gates;
		CHECK_INT(g->soak_ms, 90LL * 60000);
		CHECK_INT(g->require_healthy, 1);
		CHECK_INT(g->nfreeze, 2);
		CHECK_STR(g->freeze[0].text, "Sat 00:00 - Sun 00:00 UTC");
		CHECK_STR(g->freeze[0].reason, "weekend");
		CHECK_STR(g->freeze[1].text, "2030-12-24 to 2030-12-26");
		CHECK_INT(g->nallowed, 2);
		CHECK_STR(g->allowed_actors[1], "bob");
		CHECK_INT(p.stages[0].gates.nfreeze, 0);
	}
	pipeline_free(&p);
	CHECK_INT(pipeline_parse(&p, first, sizeof(first) - 1, "c.yml"), E_USAGE);
	CHECK(strstr(err_msg(), "c.yml:2: stage 'qa' is the first stage") != NULL);
	pipeline_free(&p);
}

TEST_MAIN(TEST(test_pipeline_gates__durations), TEST(test_pipeline_gates__weekly_spans),
	  TEST(test_pipeline_gates__weekly_freeze_follows_its_zone),
	  TEST(test_pipeline_gates__date_spans_include_the_last_day),
	  TEST(test_pipeline_gates__stage_keys))
