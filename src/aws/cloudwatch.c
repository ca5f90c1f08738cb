/*
 * aws/cloudwatch: DescribeAlarms; see cloudwatch.h. The reply is read by tag, as aws/sts.c
 * reads STS's: the static binary carries no XML library, and only three flat text members of
 * each top-level <member> of <MetricAlarms> and <CompositeAlarms> matter. Members nest
 * (<Dimensions><member>, <AlarmActions><member>), so alarms are split by <member> depth.
 */
#include "aws/cloudwatch.h"

#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "util/buf.h"
#include "util/err.h"

const struct aws_service aws_service_cloudwatch = { "CloudWatch", "monitoring", "monitoring",
						    NULL, "AWS_ENDPOINT_URL_CLOUDWATCH" };

void cw_alarms_free(struct cw_alarms *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->len; i++) {
		free(a->items[i].name);
		free(a->items[i].state);
		free(a->items[i].reason);
	}
	free(a->items);
	a->items = NULL;
	a->len = 0;
}

const struct cw_alarm *cw_alarms_find(const struct cw_alarms *a, const char *name)
{
	for (size_t i = 0; i < a->len; i++)
		if (!strcmp(a->items[i].name, name))
			return &a->items[i];
	return NULL;
}

/* The first needle in [s, e), or NULL (memmem is a GNU extension). */
static const char *find(const char *s, const char *e, const char *needle)
{
	size_t m = strlen(needle);

	for (; s && m && s + m <= e; s++)
		if (*s == *needle && !memcmp(s, needle, m))
			return s;
	return NULL;
}

/* The text of the first <tag>...</tag> in [s, e), entities decoded, malloc'd; NULL if absent. */
static char *text_dup(const char *s, const char *e, const char *tag)
{
	static const char *const ent[][2] = { { "&amp;", "&" }, { "&lt;", "<" }, { "&gt;", ">" },
					      { "&quot;", "\"" }, { "&apos;", "'" } };
	struct buf open = BUF_INIT, close = BUF_INIT, v = BUF_INIT;
	const char *a = NULL, *b = NULL;

	if (!buf_printf(&open, "<%s>", tag) && !buf_printf(&close, "</%s>", tag) &&
	    (a = find(s, e, buf_cstr(&open))))
		b = find(a, e, buf_cstr(&close));
	for (a = b ? a + open.len : NULL; a && a < b; a++) {
		size_t i, n = sizeof(ent) / sizeof(ent[0]);

		for (i = 0; *a == '&' && i < n; i++)
			if ((size_t)(b - a) >= strlen(ent[i][0]) &&
			    !strncmp(a, ent[i][0], strlen(ent[i][0])))
				break;
		if (*a == '&' && i < n) {
			buf_putc(&v, ent[i][1][0]);
			a += strlen(ent[i][0]) - 1;
		} else {
			buf_putc(&v, *a);
		}
	}
	buf_free(&open);
	buf_free(&close);
	if (!b) {
		buf_free(&v);
		return NULL;
	}
	{
		char *r = strdup(buf_cstr(&v));

		buf_free(&v);
		return r;
	}
}

static int add_alarm(struct cw_alarms *out, const char *s, const char *e)
{
	struct cw_alarm *n, a = { text_dup(s, e, "AlarmName"), text_dup(s, e, "StateValue"),
				  text_dup(s, e, "StateReason") };

	if (!a.name || !a.state) {
		free(a.name);
		free(a.state);
		free(a.reason);
		return err_set(E_HTTP, "CloudWatch DescribeAlarms: an alarm in the reply has no "
				       "<AlarmName> or <StateValue>");
	}
	if (!a.reason && !(a.reason = strdup(""))) {
		free(a.name);
		free(a.state);
		return err_set(E_NOMEM, "out of memory");
	}
	n = realloc(out->items, (out->len + 1) * sizeof(*n));
	if (!n) {
		free(a.name);
		free(a.state);
		free(a.reason);
		return err_set(E_NOMEM, "out of memory");
	}
	out->items = n;
	out->items[out->len++] = a;
	return 0;
}

/* The top-level <member>s of the list <tag>...</tag> in [s, e). */
static int parse_list(const char *s, const char *e, const char *tag, struct cw_alarms *out)
{
	struct buf open = BUF_INIT, close = BUF_INIT;
	const char *a, *b, *p, *start = NULL;
	int depth = 0, rc = 0;

	if (buf_printf(&open, "<%s>", tag) || buf_printf(&close, "</%s>", tag)) {
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	a = find(s, e, buf_cstr(&open));
	b = a ? find(a, e, buf_cstr(&close)) : NULL;
	for (p = b ? a : NULL; p && p < b && !rc; p++) {
		if (!strncmp(p, "<member>", 8)) {
			if (!depth++)
				start = p + 8;
		} else if (!strncmp(p, "</member>", 9) && depth > 0 && !--depth) {
			rc = add_alarm(out, start, p);
		}
	}
out:
	buf_free(&open);
	buf_free(&close);
	return rc;
}

int cw_alarms_parse(const char *xml, size_t len, struct cw_alarms *out)
{
	const char *e = xml + len;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!find(xml, e, "<DescribeAlarmsResult"))
		return err_set(E_HTTP, "CloudWatch DescribeAlarms: the reply has no "
				       "<DescribeAlarmsResult>");
	rc = parse_list(xml, e, "MetricAlarms", out);
	if (!rc)
		rc = parse_list(xml, e, "CompositeAlarms", out);
	if (rc)
		cw_alarms_free(out);
	return rc;
}

static int form_add(struct buf *b, const char *name, const char *value)
{
	int rc = buf_printf(b, "%s%s=", b->len ? "&" : "", name);

	return rc ? rc : http_url_escape(b, value);
}

int aws_cloudwatch_describe_alarms(struct aws_client *c, const struct strlist *names,
				   struct cw_alarms *out)
{
	struct buf form = BUF_INIT, xml = BUF_INIT, key = BUF_INIT;
	int rc;

	memset(out, 0, sizeof(*out));
	if (names->len > 100)
		return err_set(E_USAGE, "CloudWatch DescribeAlarms takes at most 100 alarm names, "
					"not %zu",
			       names->len);
	rc = form_add(&form, "Action", "DescribeAlarms");
	if (!rc)
		rc = form_add(&form, "Version", "2010-08-01");
	/* Without AlarmTypes CloudWatch answers metric alarms only. */
	if (!rc)
		rc = form_add(&form, "AlarmTypes.member.1", "MetricAlarm");
	if (!rc)
		rc = form_add(&form, "AlarmTypes.member.2", "CompositeAlarm");
	if (!rc)
		rc = form_add(&form, "MaxRecords", "100"); /* 100 names: one page */
	for (size_t i = 0; !rc && i < names->len; i++) {
		buf_reset(&key);
		rc = buf_printf(&key, "AlarmNames.member.%zu", i + 1);
		if (!rc)
			rc = form_add(&form, buf_cstr(&key), names->items[i]);
	}
	if (!rc)
		rc = aws_call_query(c, &aws_service_cloudwatch, "DescribeAlarms", buf_cstr(&form),
				    &xml);
	if (!rc)
		rc = cw_alarms_parse(buf_cstr(&xml), xml.len, out);
	buf_free(&form);
	buf_free(&xml);
	buf_free(&key);
	return rc;
}
