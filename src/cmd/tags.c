/*
 * tags: computes image tags, OCI labels and annotations for this build, as
 * docker/metadata-action does (same inputs, same outputs, same DOCKER_METADATA_OUTPUT_*
 * environment), plus convoy's run tags. The work is in tags_compute.c, shared with push.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "actions/command.h"
#include "actions/output.h"
#include "actions/summary.h"
#include "cmd/cmd.h"
#include "cmd/tags_bake.h"
#include "cmd/tags_compute.h"
#include "util/err.h"

const char cmd_tags_summary[] = "Compute image tags, OCI labels and annotations for this build";
const struct input_def cmd_tags_inputs[] = {
	TAGS_COMPUTE_INPUTS,
	{ "sep-tags", 0, NULL, "separator of the tags output (default: newline)" },
	{ "sep-labels", 0, NULL, "separator of the labels output (default: newline)" },
	{ "sep-annotations", 0, NULL, "separator of the annotations output (default: newline)" },
	{ "bake-target", 0, "docker-metadata-action",
	  "target name in the bake-file* outputs (files written under Actions, in RUNNER_TEMP)" },
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

/* json: the value for --format json (JSON text), or NULL for a plain string */
static int set_output(struct rt *rt, int env, const char *name, const char *value, const char *json)
{
	int rc = json ? out_set_json(rt, name, value, json) : out_set(rt, name, value);

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

/* A list output: joined by sep; for --format json, the member `key` of the json output. */
static int join_output(struct rt *rt, int env, const char *name, const struct strlist *l,
		       const char *sep, json_t *all, const char *key)
{
	char *s = strlist_join_dup(l, sep), *j = json_dumps(json_object_get(all, key),
							 JSON_COMPACT | JSON_PRESERVE_ORDER |
								 JSON_ENCODE_ANY);
	int rc;

	if (!s || !j)
		rc = err_set(E_NOMEM, "out of memory");
	else
		rc = set_output(rt, env, name, s, j);
	free(s);
	free(j);
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
	json_t *all = NULL;
	struct tags_bake bake = { 0 };
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
	/* Under Actions the log is where a person reads the result; in a terminal the outputs on
	 * stdout are, so it is printed once. */
	if (rt->actions) {
		log_list(rt, "Docker tags", &r.meta.tags);
		log_list(rt, "Docker labels", &r.meta.labels);
	}
	if (!(all = json_loads(r.json, 0, NULL))) {
		rc = err_set(E_INTERNAL, "the json output is not JSON");
		goto out;
	}
	if ((rc = set_output(rt, env, "version", r.meta.version ? r.meta.version : "", NULL)) ||
	    (rc = join_output(rt, env, "tags", &r.meta.tags,
			      separator(&in, "sep-tags", "INPUT_SEP-TAGS"), all, "tags")) ||
	    (rc = join_output(rt, env, "tag-names", &r.meta.tag_names,
			      separator(&in, "sep-tags", "INPUT_SEP-TAGS"), all, "tag-names")) ||
	    (rc = join_output(rt, env, "labels", &r.meta.labels,
			      separator(&in, "sep-labels", "INPUT_SEP-LABELS"), all, "labels")) ||
	    (rc = join_output(rt, env, "annotations", &r.meta.annotations,
			      separator(&in, "sep-annotations", "INPUT_SEP-ANNOTATIONS"), all,
			      "annotations")) ||
	    (rc = set_output(rt, env, "json", r.json, r.json)))
		goto out;
	/* metadata-action's bake definitions, for docker/bake-action; only a runner has a
	 * RUNNER_TEMP that is emptied after the job */
	if (rt->actions) {
		if ((rc = tags_bake_write(&r, inputs_get(&in, "bake-target"), &bake)) ||
		    (rc = set_output(rt, env, "bake-file-tags", bake.tags, NULL)) ||
		    (rc = set_output(rt, env, "bake-file-labels", bake.labels, NULL)) ||
		    (rc = set_output(rt, env, "bake-file-annotations", bake.annotations, NULL)) ||
		    (rc = set_output(rt, env, "bake-file", bake.all, NULL)))
			goto out;
	}
	rc = write_summary(rt, &r);
out:
	json_decref(all);
	tags_bake_free(&bake);
	tags_result_free(&r);
	inputs_free(&in);
	return rc;
}
