/* Unit tests for meta/: tag DSL parser, expressions, semver, pep440, regex, sanitising, dates. */
#include "test.h"

#include "meta/datefmt.h"
#include "meta/meta.h"
#include "meta/pep440.h"
#include "meta/regex.h"
#include "meta/sanitize.h"
#include "meta/semver.h"
#include "meta/tag.h"
#include "meta/template.h"
#include "util/err.h"
#include "util/strlist.h"
#include "actions/input.h"

#define list_parse_simple(text, out) list_parse((text), LIST_IGNORE_COMMA | LIST_COMMENTS, (out))

/* 2020-01-10T00:30:00Z, as in metadata-action's fixtures */
#define FIXTURE_MS 1578616200000LL

static struct meta_context ctx(const char *event, const char *ref)
{
	struct meta_context c;

	memset(&c, 0, sizeof(c));
	c.event_name = event;
	c.ref = ref;
	c.sha = "860c1904a1ce19322e91ac35af1ab07466440c37";
	c.now_ms = FIXTURE_MS;
	c.commit_ms = FIXTURE_MS;
	c.short_sha_len = 7;
	c.payload_default_branch = "master";
	c.repo_default_branch = "master";
	c.repo_name = "Hello-World";
	c.repo_html_url = "https://github.com/octocat/Hello-World";
	c.repo_license = "MIT";
	c.run_number = "15";
	return c;
}

/* Runs meta_compute over newline-separated tags/flavor/images; joins tags with ','. */
static int run(const struct meta_context *c, const char *tags, const char *flavor,
	       const char *images, struct meta_result *r)
{
	struct strlist tl = STRLIST_INIT, fl = STRLIST_INIT, il = STRLIST_INIT;
	struct meta_tag *t = NULL;
	size_t nt = 0, ni = 0;
	struct meta_flavor f;
	struct meta_image *im = NULL;
	struct meta_inputs in;
	int rc;

	memset(&f, 0, sizeof(f));
	if ((rc = list_parse_simple(tags, &tl)) || (rc = list_parse_simple(flavor, &fl)) ||
	    (rc = list_parse_simple(images, &il)))
		goto out;
	if ((rc = meta_tags_parse(&tl, &t, &nt)) || (rc = meta_flavor_parse(&fl, &f)) ||
	    (rc = meta_images_parse(&il, &im, &ni)))
		goto out;
	memset(&in, 0, sizeof(in));
	in.tags = t;
	in.ntags = nt;
	in.flavor = &f;
	in.images = im;
	in.nimages = ni;
	rc = meta_compute(c, &in, r);
out:
	meta_tags_free(t, nt);
	meta_flavor_free(&f);
	meta_images_free(im, ni);
	strlist_clear(&tl);
	strlist_clear(&fl);
	strlist_clear(&il);
	return rc;
}

static char *joined(const struct strlist *l)
{
	static char buf[4096];
	char *j = strlist_join_dup(l, ",");

	snprintf(buf, sizeof(buf), "%s", j ? j : "");
	free(j);
	return buf;
}

static void test_meta__default_tags_on_branch_push(void)
{
	struct meta_context c = ctx("push", "refs/heads/dev");
	struct meta_result r;

	CHECK_INT(run(&c, "", "", "user/app", &r), 0);
	CHECK_STR(r.version, "dev");
	CHECK_STR(joined(&r.tags), "user/app:dev");
	CHECK_STR(joined(&r.tag_names), "dev");
	meta_result_free(&r);
}

static void test_meta__semver_tag_push_gets_partials_and_latest(void)
{
	struct meta_context c = ctx("push", "refs/tags/v1.1.1");
	struct meta_result r;

	CHECK_INT(run(&c, "type=semver,pattern={{version}}\ntype=semver,pattern={{major}}.{{minor}}\n"
			  "type=semver,pattern={{major}}\ntype=sha",
		      "", "org/app\nghcr.io/user/app", &r), 0);
	CHECK_STR(r.version, "1.1.1");
	CHECK_STR(joined(&r.tags), "org/app:1.1.1,org/app:1.1,org/app:1,org/app:sha-860c190,"
				   "org/app:latest,ghcr.io/user/app:1.1.1,ghcr.io/user/app:1.1,"
				   "ghcr.io/user/app:1,ghcr.io/user/app:sha-860c190,"
				   "ghcr.io/user/app:latest");
	meta_result_free(&r);
}

static void test_meta__prerelease_gets_version_and_no_latest(void)
{
	struct meta_context c = ctx("push", "refs/tags/v2.0.8-beta.67");
	struct meta_result r;

	CHECK_INT(run(&c, "type=semver,pattern={{version}}\ntype=semver,pattern={{major}}.{{minor}}",
		      "", "user/app", &r), 0);
	CHECK_STR(joined(&r.tags), "user/app:2.0.8-beta.67");
	CHECK_INT(r.latest, 0);
	meta_result_free(&r);
	CHECK_INT(run(&c, "type=semver,pattern={{raw}}", "", "user/app", &r), 0);
	CHECK_STR(joined(&r.tags), "user/app:v2.0.8-beta.67");
	meta_result_free(&r);
}

static void test_meta__non_semver_tag_warns_and_falls_back(void)
{
	struct meta_context c = ctx("push", "refs/tags/release1");
	struct meta_result r;

	CHECK_INT(run(&c, "type=semver,pattern={{version}}\ntype=ref,event=tag", "", "user/app", &r), 0);
	CHECK_STR(joined(&r.tags), "user/app:release1,user/app:latest");
	CHECK(r.warnings.len == 1 && strstr(r.warnings.items[0], "is not a valid semver"));
	meta_result_free(&r);
}

static void test_meta__pull_request_and_priorities(void)
{
	struct meta_context c = ctx("pull_request", "refs/pull/15/merge");
	struct meta_result r;

	CHECK_INT(run(&c, "type=sha\ntype=ref,event=pr\ntype=raw,value=foo,priority=2000", "",
		      "user/app", &r), 0);
	CHECK_STR(joined(&r.tags), "user/app:foo,user/app:pr-15,user/app:sha-860c190");
	meta_result_free(&r);
}

static void test_meta__edge_and_default_branch_expressions(void)
{
	struct meta_context c = ctx("push", "refs/heads/master");
	struct meta_result r;

	CHECK_INT(run(&c, "type=edge\ntype=raw,value=latest,enable={{is_default_branch}}\n"
			  "type=raw,value=x,enable={{is_not_default_branch}}",
		      "", "user/app", &r), 0);
	CHECK_STR(joined(&r.tags), "user/app:edge,user/app:latest");
	meta_result_free(&r);
}

static void test_meta__flavor_prefix_suffix_onlatest(void)
{
	struct meta_context c = ctx("push", "refs/tags/v1.2.3");
	struct meta_result r;

	CHECK_INT(run(&c, "type=semver,pattern={{version}}\ntype=sha,prefix=",
		      "prefix=foo-\nsuffix=-bar,onlatest=true", "user/app", &r), 0);
	CHECK_STR(joined(&r.tags), "user/app:foo-1.2.3-bar,user/app:860c190-bar,user/app:latest-bar");
	meta_result_free(&r);
	CHECK_INT(run(&c, "type=ref,event=tag", "latest=false", "user/app", &r), 0);
	CHECK_STR(joined(&r.tags), "user/app:v1.2.3");
	meta_result_free(&r);
}

static void test_meta__schedule_and_dates(void)
{
	struct meta_context c = ctx("schedule", "refs/heads/master");
	struct meta_result r;

	CHECK_INT(run(&c, "type=schedule\ntype=schedule,pattern={{date 'YYYYMMDD-HHmm'}}\n"
			  "type=raw,value={{date 'YYYY-MM-DD[T]HH' tz='UTC'}}",
		      "", "user/app", &r), 0);
	CHECK_STR(joined(&r.tags), "user/app:nightly,user/app:20200110-0030,user/app:2020-01-10T00");
	meta_result_free(&r);
}

static void test_meta__match_type_with_groups(void)
{
	struct meta_context c = ctx("push", "refs/tags/v1.2.3-alpine");
	struct meta_result r;

	CHECK_INT(run(&c, "type=match,pattern=v(\\d.\\d),group=1\ntype=match,pattern=/^V(\\d)/i,group=1",
		      "", "user/app", &r), 0);
	CHECK_STR(joined(&r.tags), "user/app:1.2,user/app:1,user/app:latest");
	meta_result_free(&r);
}

static void test_meta__labels_defaults_custom_and_sorted(void)
{
	struct meta_context c = ctx("push", "refs/heads/master");
	struct strlist labels = STRLIST_INIT;
	struct meta_result r;
	struct meta_inputs in;
	struct meta_flavor f;
	struct meta_tag *t;
	size_t nt;
	struct strlist empty = STRLIST_INIT;

	CHECK_INT(meta_tags_parse(&empty, &t, &nt), 0);
	CHECK_INT(meta_flavor_parse(&empty, &f), 0);
	strlist_add(&labels, "maintainer=CrazyMax");
	strlist_add(&labels, "org.opencontainers.image.title=MyCustomTitle");
	strlist_add(&labels, "nolabel");
	memset(&in, 0, sizeof(in));
	in.tags = t;
	in.ntags = nt;
	in.flavor = &f;
	in.labels = &labels;
	CHECK_INT(meta_compute(&c, &in, &r), 0);
	CHECK_STR(joined(&r.labels),
		  "maintainer=CrazyMax,org.opencontainers.image.created=2020-01-10T00:30:00.000Z,"
		  "org.opencontainers.image.description=,"
		  "org.opencontainers.image.licenses=MIT,"
		  "org.opencontainers.image.revision=860c1904a1ce19322e91ac35af1ab07466440c37,"
		  "org.opencontainers.image.source=https://github.com/octocat/Hello-World,"
		  "org.opencontainers.image.title=MyCustomTitle,"
		  "org.opencontainers.image.url=https://github.com/octocat/Hello-World,"
		  "org.opencontainers.image.version=master");
	CHECK_INT(r.annotations.len, 8);
	CHECK(!strncmp(r.annotations.items[0], "manifest:org.opencontainers.image.created=", 42));
	meta_result_free(&r);
	meta_tags_free(t, nt);
	meta_flavor_free(&f);
	strlist_clear(&labels);
}

static void test_meta__parser_rejects_bad_entries(void)
{
	struct meta_tag t;

	CHECK_INT(meta_tag_parse("type=foo", &t), E_USAGE);
	CHECK(strstr(err_msg(), "input 'tags'") && strstr(err_msg(), "'type=foo'"));
	CHECK_INT(meta_tag_parse("type=ref,event=push", &t), E_USAGE);
	CHECK_INT(meta_tag_parse("type=ref", &t), E_USAGE);
	CHECK_INT(meta_tag_parse("type=semver", &t), E_USAGE);
	CHECK_INT(meta_tag_parse("type=sha,format=medium", &t), E_USAGE);
	CHECK_INT(meta_tag_parse("type=raw,value=a,colour=red", &t), E_USAGE);
	CHECK(strstr(err_msg(), "unknown attribute 'colour'"));
	CHECK_INT(meta_tag_parse("type=match,pattern=x,group=a", &t), E_USAGE);
	CHECK_INT(meta_tag_parse("type=raw,value=a,priority=high", &t), E_USAGE);
	CHECK_INT(meta_tag_parse(" TYPE = raw , value = a ", &t), 0);
	CHECK_STR(meta_tag_attr(&t, "value"), "a");
	CHECK_STR(meta_tag_attr(&t, "priority"), "200");
	CHECK_STR(meta_tag_attr(&t, "enable"), "true");
	meta_tags_free(NULL, 0);
	free(t.entry);
	strlist_clear(&t.keys);
	strlist_clear(&t.vals);
	CHECK_INT(meta_tag_parse("bare-value", &t), 0);
	CHECK_INT(t.type, META_RAW);
	CHECK_STR(meta_tag_attr(&t, "value"), "bare-value");
	free(t.entry);
	strlist_clear(&t.keys);
	strlist_clear(&t.vals);
}

static void test_meta__invalid_enable_is_an_error(void)
{
	struct meta_context c = ctx("push", "refs/heads/master");
	struct meta_result r;

	CHECK_INT(run(&c, "type=raw,value=a,enable=yes", "", "user/app", &r), E_USAGE);
	CHECK(strstr(err_msg(), "enable") && strstr(err_msg(), "type=raw,value=a,enable=yes"));
}

static void test_meta__images_old_and_new_format(void)
{
	struct strlist l = STRLIST_INIT;
	struct meta_image *im;
	size_t n;

	strlist_add(&l, "user/app,ghcr.io/user/app");
	CHECK_INT(meta_images_parse(&l, &im, &n), 0);
	CHECK_INT(n, 2);
	CHECK_STR(im[1].name, "ghcr.io/user/app");
	meta_images_free(im, n);
	strlist_clear(&l);
	strlist_add(&l, "name=user/app,enable=false");
	strlist_add(&l, "ghcr.io/user/app");
	CHECK_INT(meta_images_parse(&l, &im, &n), 0);
	CHECK_INT(n, 2);
	CHECK_INT(im[0].enable, 0);
	meta_images_free(im, n);
	strlist_clear(&l);
	strlist_add(&l, "name=user/app,enable=maybe");
	CHECK_INT(meta_images_parse(&l, &im, &n), E_USAGE);
	strlist_clear(&l);
}

static void test_meta__invalid_image_name_is_an_error(void)
{
	struct meta_context c = ctx("push", "refs/heads/master");
	struct meta_result r;
	const char *why;

	CHECK_INT(run(&c, "", "", "user/app:1.0", &r), E_USAGE);
	CHECK(strstr(err_msg(), "input 'images'") && strstr(err_msg(), "user/app:1.0"));
	CHECK(meta_image_name_valid("localhost:5000/a/b", &why));
	CHECK(meta_image_name_valid("ghcr.io/user/my_app-x", &why));
	CHECK(!meta_image_name_valid("user//app", &why));
	CHECK(!meta_image_name_valid("-user/app", &why));
	CHECK_INT(run(&c, "", "", "User/App", &r), 0);
	CHECK_STR(joined(&r.tags), "user/app:master");
	meta_result_free(&r);
}

static void test_meta__template_expressions(void)
{
	struct meta_context c = ctx("pull_request", "refs/pull/2/merge");
	struct strlist w = STRLIST_INIT;
	struct buf b = BUF_INIT;

	c.payload_pr_base_ref = "main";
	CHECK_INT(meta_render_global(&c, "{{base_ref}}-{{sha}}-{{ run_number }}-{{unknown}}", &b, &w), 0);
	CHECK_STR(buf_cstr(&b), "main-860c190-15-");
	buf_reset(&b);
	CHECK_INT(meta_render_global(&c, "a{{!comment}}b \\{{sha}} {{~sha~}} c", &b, &w), 0);
	CHECK_STR(buf_cstr(&b), "ab {{sha}}860c190c");
	buf_reset(&b);
	c.ref = "refs/heads/a&b";
	CHECK_INT(meta_render_global(&c, "{{branch}}|{{{branch}}}", &b, &w), 0);
	CHECK_STR(buf_cstr(&b), "a&amp;b|a&b");
	buf_reset(&b);
	CHECK_INT(meta_render_global(&c, "{{#if branch}}x{{/if}}", &b, &w), E_USAGE);
	CHECK_INT(meta_render_global(&c, "{{branch", &b, &w), E_USAGE);
	CHECK_INT(meta_render_global(&c, "{{nothing 'x'}}", &b, &w), E_USAGE);
	CHECK_INT(meta_render_global(&c, "{{date 'YYYY' zone='x'}}", &b, &w), E_USAGE);
	CHECK(meta_tpl_is_single("{{raw}}", "raw"));
	CHECK(meta_tpl_is_single("{{ raw }}", "raw"));
	CHECK(!meta_tpl_is_single("v{{raw}}", "raw"));
	buf_free(&b);
	strlist_clear(&w);
}

static void test_meta__date_formats_and_zones(void)
{
	struct meta_instant t = { FIXTURE_MS, 0, "UTC" };
	struct buf b = BUF_INIT;
	long off = 0;
	char abbr[16];

	CHECK_INT(meta_date_format(&b, "YYYY-MM-DDTHH:mm:ss.SSSZ dddd MMM Do [YYYY] X", &t), 0);
	CHECK_STR(buf_cstr(&b), "2020-01-10T00:30:00.000+00:00 Friday Jan 10th YYYY 1578616200");
	buf_reset(&b); /* no format: moment's defaultFormatUtc in UTC mode, a literal Z */
	CHECK_INT(meta_date_format(&b, "", &t), 0);
	CHECK_STR(buf_cstr(&b), "2020-01-10T00:30:00Z");
	buf_reset(&b);
	CHECK_INT(meta_date_iso(&b, 0), 0);
	CHECK_STR(buf_cstr(&b), "1970-01-01T00:00:00.000Z");
	CHECK_INT(meta_tz_offset("Nowhere/Atlantis", FIXTURE_MS, &off, abbr, sizeof(abbr)), E_NOTFOUND);
	CHECK_INT(meta_tz_offset("../../etc/passwd", FIXTURE_MS, &off, abbr, sizeof(abbr)), E_NOTFOUND);
	CHECK_INT(meta_tz_offset("UTC", FIXTURE_MS, &off, abbr, sizeof(abbr)), 0);
	CHECK_INT(off, 0);
	if (!meta_tz_offset("Asia/Tokyo", FIXTURE_MS, &off, abbr, sizeof(abbr))) {
		CHECK_INT(off, 9 * 3600);
		t.offset_s = off;
		buf_reset(&b);
		CHECK_INT(meta_date_format(&b, "HH:mm ZZ", &t), 0);
		CHECK_STR(buf_cstr(&b), "09:30 +0900");
		buf_reset(&b); /* no format outside UTC: defaultFormat, with the offset */
		CHECK_INT(meta_date_format(&b, "", &t), 0);
		CHECK_STR(buf_cstr(&b), "2020-01-10T09:30:00+09:00");
	}
	CHECK(getenv("TZ") == NULL || 1);
	buf_free(&b);
}

static void test_meta__unknown_zone_warns_and_uses_utc(void)
{
	struct meta_context c = ctx("push", "refs/heads/master");
	struct strlist w = STRLIST_INIT;
	struct buf b = BUF_INIT;

	CHECK_INT(meta_render_global(&c, "{{date 'HH' tz='Nowhere/Atlantis'}}", &b, &w), 0);
	CHECK_STR(buf_cstr(&b), "00");
	CHECK(w.len == 1 && strstr(w.items[0], "Nowhere/Atlantis"));
	buf_free(&b);
	strlist_clear(&w);
}

static void test_meta__semver_grammar(void)
{
	struct meta_semver v, w;

	CHECK_INT(meta_semver_parse("v1.2.3-rc.1+build.5", &v), 1);
	CHECK_STR(v.version, "1.2.3-rc.1");
	CHECK_STR(v.raw, "v1.2.3-rc.1+build.5");
	CHECK_INT(v.prerelease.len, 2);
	CHECK_INT(v.build.len, 2);
	CHECK_INT(meta_semver_parse("1.2.3", &w), 1);
	CHECK(meta_semver_compare(&v, &w) < 0);
	meta_semver_free(&v);
	meta_semver_free(&w);
	CHECK_INT(meta_semver_parse("1.2", &v), 0);
	CHECK_INT(meta_semver_parse("01.2.3", &v), 0);
	CHECK_INT(meta_semver_parse("1.2.3-01", &v), 0);
	CHECK_INT(meta_semver_parse("release1", &v), 0);
	CHECK_INT(meta_semver_parse("1.2.3-", &v), 0);
	CHECK_INT(meta_semver_parse("=1.0.0", &v), 1);
	meta_semver_free(&v);
}

static void test_meta__pep440_normalises(void)
{
	struct meta_pep440 v;

	CHECK_INT(meta_pep440_parse("v1.2.3", &v), 1);
	CHECK_STR(v.normalized, "1.2.3");
	CHECK_INT(v.is_prerelease, 0);
	meta_pep440_free(&v);
	CHECK_INT(meta_pep440_parse("1.0.0-Alpha.1", &v), 1);
	CHECK_STR(v.normalized, "1.0.0a1");
	CHECK_INT(v.is_prerelease, 1);
	meta_pep440_free(&v);
	CHECK_INT(meta_pep440_parse("1.2-post1.dev2+Ubuntu-1", &v), 1);
	CHECK_STR(v.normalized, "1.2.post1.dev2+ubuntu.1");
	CHECK_INT(v.is_postrelease && v.is_devrelease, 1);
	meta_pep440_free(&v);
	CHECK_INT(meta_pep440_parse("1!2.0rc", &v), 1);
	CHECK_STR(v.normalized, "1!2.0rc0");
	meta_pep440_free(&v);
	CHECK_INT(meta_pep440_parse("sometag", &v), 0);
}

static void test_meta__regex_subset(void)
{
	struct meta_regex *re;
	long caps[2 * META_REGEX_MAX_GROUPS];

	CHECK_INT(meta_regex_compile(&re, "^v(\\d+)\\.(\\d+)(?:\\.(\\d+))?$", ""), 0);
	CHECK_INT(meta_regex_exec(re, "v12.3", caps), 1);
	CHECK_INT(caps[2], 1);
	CHECK_INT(caps[3], 3);
	CHECK_INT(caps[6], -1);
	CHECK_INT(meta_regex_exec(re, "v12.3.x", caps), 0);
	meta_regex_free(re);
	CHECK_INT(meta_regex_compile(&re, "a+?b|[^x-z]{2,3}", ""), 0);
	CHECK_INT(meta_regex_exec(re, "zzaaab", caps), 1);
	CHECK_INT(caps[0], 2);
	meta_regex_free(re);
	CHECK_INT(meta_regex_compile(&re, "(a*)*b", ""), 0);
	CHECK(meta_regex_exec(re, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaac", caps) <= 0);
	meta_regex_free(re);
	CHECK_INT(meta_regex_compile(&re, "(", ""), E_USAGE);
	CHECK_INT(meta_regex_compile(&re, "(?=x)", ""), E_USAGE);
}

static void test_meta__sanitising(void)
{
	struct strlist w = STRLIST_INIT;
	char *t = meta_sanitize_compat_dup("feature/Foo Bar!!x");
	char long1[300], long2[300];
	char *a, *b;

	CHECK_STR(t, "feature-Foo-Bar-x");
	free(t);
	t = strdup("--.hotfix");
	CHECK_INT(meta_sanitize_registry(&t, &w), 0);
	CHECK_STR(t, "hotfix");
	CHECK_INT(w.len, 1);
	free(t);
	memset(long1, 'a', 200);
	long1[200] = 0;
	memcpy(long2, long1, 201);
	long2[199] = 'b';
	a = strdup(long1);
	b = strdup(long2);
	CHECK_INT(meta_sanitize_registry(&a, &w), 0);
	CHECK_INT(meta_sanitize_registry(&b, &w), 0);
	CHECK_INT(strlen(a), 128);
	CHECK(meta_tag_is_valid(a) && meta_tag_is_valid(b));
	CHECK(strcmp(a, b) != 0);
	t = strdup(long1);
	CHECK_INT(meta_sanitize_registry(&t, &w), 0);
	CHECK_STR(t, a); /* deterministic */
	free(t);
	free(a);
	free(b);
	t = strdup("---");
	CHECK_INT(meta_sanitize_registry(&t, &w), 0);
	CHECK(t == NULL);
	strlist_clear(&w);
}

static void test_meta__short_sha_length_and_run_type(void)
{
	struct meta_context c = ctx("push", "refs/heads/master");
	struct meta_result r;

	c.short_sha_len = 12;
	CHECK_INT(run(&c, "type=sha\ntype=run\ntype=raw,value={{branch}}-{{short_sha}}-{{run_number}}",
		      "", "user/app", &r), 0);
	CHECK_STR(joined(&r.tags), "user/app:master-860c1904a1ce-15,user/app:run-15,"
				   "user/app:sha-860c1904a1ce");
	meta_result_free(&r);
}

static void test_meta__locale_compare_orders_like_icu(void)
{
	CHECK(meta_locale_compare("a", "B") < 0);
	CHECK(meta_locale_compare("a.b", "a-b") > 0);
	CHECK(meta_locale_compare("a", "A") < 0);
	CHECK(meta_locale_compare("org.x", "org1") < 0);
	CHECK(meta_locale_compare("same", "same") == 0);
}

TEST_MAIN(TEST(test_meta__default_tags_on_branch_push),
	  TEST(test_meta__semver_tag_push_gets_partials_and_latest),
	  TEST(test_meta__prerelease_gets_version_and_no_latest),
	  TEST(test_meta__non_semver_tag_warns_and_falls_back),
	  TEST(test_meta__pull_request_and_priorities),
	  TEST(test_meta__edge_and_default_branch_expressions),
	  TEST(test_meta__flavor_prefix_suffix_onlatest), TEST(test_meta__schedule_and_dates),
	  TEST(test_meta__match_type_with_groups), TEST(test_meta__labels_defaults_custom_and_sorted),
	  TEST(test_meta__parser_rejects_bad_entries), TEST(test_meta__invalid_enable_is_an_error),
	  TEST(test_meta__images_old_and_new_format),
	  TEST(test_meta__invalid_image_name_is_an_error), TEST(test_meta__template_expressions),
	  TEST(test_meta__date_formats_and_zones), TEST(test_meta__unknown_zone_warns_and_uses_utc),
	  TEST(test_meta__semver_grammar), TEST(test_meta__pep440_normalises),
	  TEST(test_meta__regex_subset), TEST(test_meta__sanitising),
	  TEST(test_meta__short_sha_length_and_run_type),
	  TEST(test_meta__locale_compare_orders_like_icu))
