/*
 * tags: computes image tags, OCI labels and annotations for this build, as
 * docker/metadata-action does (same inputs, same outputs, same DOCKER_METADATA_OUTPUT_*
 * environment), plus convoy's run tags. The work is in tags_compute.c, shared with push.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "actions/command.h"
#include "actions/output.h"
#include "actions/summary.h"
#include "cmd/cmd.h"
#include "cmd/tags_compute.h"
#include "util/err.h"

const char cmd_tags_summary[] = "Compute image tags, OCI labels and annotations for this build";
const struct input_def cmd_tags_inputs[] = {
	TAGS_COMPUTE_INPUTS,
	{ "sep-tags", 0, NULL, "separator of the tags output (default: newline)" },
	{ "sep-labels", 0, NULL, "separator of the labels output (default: newline)" },
	{ "sep-annotations", 0, NULL, "separator of the annotations output (default: newline)" },
	{ NULL, 0, NULL, NULL },
};

/* The separators are not trimmed (metadata-action reads them with trimWhitespace: false). */
static const char *separator(const struct inputs *in, const char *name, const char *env)
{
	const char *v = inputs_get(in, name), *raw = getenv(env);

	if (raw && *raw && v) {
		/* the flag wins; when the value came from the variable, use it untrimmed */
		size_t n = strlen(v);
		const char *p = raw;

		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (!strncmp(p, v, n))
			return raw;
	}
	if (!v && raw && *raw)
		return raw; /* only whitespace: trimmed away by the input layer */
	return v ? v : "\n";
}

static int set_output(struct rt *rt, int env, const char *name, const char *value)
{
	int rc = out_set(rt, name, value);

	if (!rc && env) {
		char envname[64];
		size_t j = 0;

		j = (size_t)snprintf(envname, sizeof(envname), "DOCKER_METADATA_OUTPUT_");
		for (const char *p = name; *p && j + 1 < sizeof(envname); p++)
			envname[j++] = (char)((*p >= 'a' && *p <= 'z') ? *p - 32
					      : ((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9'))
						      ? *p : '_');
		envname[j] = '\0';
		rc = out_export_env(rt, envname, value);
	}
	return rc;
}

static int join_output(struct rt *rt, int env, const char *name, const struct strlist *l,
		       const char *sep)
{
	char *s = strlist_join_dup(l, sep);
	int rc;

	if (!s)
		return err_set(E_NOMEM, "out of memory");
	rc = set_output(rt, env, name, s);
	free(s);
	return rc;
}

static void log_list(struct rt *rt, const char *title, const struct strlist *l)
{
	char *text = strlist_join_dup(l, "\n");

	wf_group(rt, title);
	if (text && *text)
		wf_echo_untrusted(rt, text);
	wf_endgroup(rt);
	free(text);
}

static int write_summary(struct rt *rt, const struct tags_result *r)
{
	int rc = summary_add(rt, "### convoy tags\n\nVersion: `");

	if (!rc)
		rc = summary_add_cell(rt, r->meta.version ? r->meta.version : "(none)");
	if (!rc)
		rc = summary_add(rt, "`\n\n| Tag |\n|---|\n");
	for (size_t i = 0; !rc && i < r->meta.tags.len; i++) {
		if (!(rc = summary_add(rt, "| `")))
			rc = summary_add_cell(rt, r->meta.tags.items[i]);
		if (!rc)
			rc = summary_add(rt, "` |\n");
	}
	if (!rc)
		rc = summary_add(rt, "\n");
	return rc;
}

int cmd_tags(struct rt *rt, int argc, char **argv)
{
	struct inputs in;
	struct tags_result r;
	const char *envflag = getenv("DOCKER_METADATA_SET_OUTPUT_ENV");
	int env = !envflag || !*envflag || !strcasecmp(envflag, "true") || !strcmp(envflag, "1");
	int rc = inputs_parse(rt, cmd_tags_inputs, argc, argv, &in);

	memset(&r, 0, sizeof(r));
	if (rc)
		goto out;
	if ((rc = tags_compute(rt, &in, &r)))
		goto out;
	if (!r.meta.version)
		wf_warning(rt, NULL, "No Docker image version has been generated. Check tags input.");
	if (!r.meta.tags.len)
		wf_warning(rt, NULL, "No Docker tag has been generated. Check tags input.");
	log_list(rt, "Docker tags", &r.meta.tags);
	log_list(rt, "Docker labels", &r.meta.labels);
	if ((rc = set_output(rt, env, "version", r.meta.version ? r.meta.version : "")) ||
	    (rc = join_output(rt, env, "tags", &r.meta.tags,
			      separator(&in, "sep-tags", "INPUT_SEP-TAGS"))) ||
	    (rc = join_output(rt, env, "tag-names", &r.meta.tag_names,
			      separator(&in, "sep-tags", "INPUT_SEP-TAGS"))) ||
	    (rc = join_output(rt, env, "labels", &r.meta.labels,
			      separator(&in, "sep-labels", "INPUT_SEP-LABELS"))) ||
	    (rc = join_output(rt, env, "annotations", &r.meta.annotations,
			      separator(&in, "sep-annotations", "INPUT_SEP-ANNOTATIONS"))) ||
	    (rc = set_output(rt, env, "json", r.json)))
		goto out;
	rc = write_summary(rt, &r);
out:
	tags_result_free(&r);
	inputs_free(&in);
	return rc;
}
