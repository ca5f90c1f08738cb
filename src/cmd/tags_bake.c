/* tags_bake: metadata-action's bake definition files. See tags_bake.h. */
#include "cmd/tags_bake.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "util/buf.h"
#include "util/err.h"

/* args: DOCKER_META_IMAGES always, DOCKER_META_VERSION only when there is a version
 * (JSON.stringify drops a key whose value is undefined). */
static json_t *bake_args(const struct meta_result *m)
{
	json_t *args = json_object();
	char *images = strlist_join_dup(&m->images, ",");

	if (!args || !images) {
		json_decref(args);
		free(images);
		return NULL;
	}
	json_object_set_new(args, "DOCKER_META_IMAGES", json_string(images));
	if (m->version && *m->version)
		json_object_set_new(args, "DOCKER_META_VERSION", json_string(m->version));
	free(images);
	return args;
}

/* Writes {"target": {target: def}} to dir/name, indented by 2 as JSON.stringify does, with
 * no newline at the end (fs.writeFileSync of the string). Takes def. */
static int write_def(const char *dir, const char *name, const char *target, json_t *def,
		     char **path_out)
{
	json_t *root = json_object(), *t = json_object();
	struct buf path = BUF_INIT;
	char *text = NULL;
	FILE *f = NULL;
	int rc = 0;

	/* json_object_set_new takes the value's reference even when it fails */
	if (!root || !t || !def) {
		json_decref(t);
		json_decref(def);
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	if (json_object_set_new(t, target, def)) {
		json_decref(t);
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	if (json_object_set_new(root, "target", t)) {
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!text || (rc = buf_printf(&path, "%s/%s", dir, name))) {
		rc = rc ? rc : err_set(E_NOMEM, "out of memory");
		goto out;
	}
	if (!(f = fopen(buf_cstr(&path), "w"))) {
		rc = err_set(E_IO, "bake file %s: %s", buf_cstr(&path), strerror(errno));
		goto out;
	}
	if (fwrite(text, 1, strlen(text), f) != strlen(text)) {
		rc = err_set(E_IO, "writing bake file %s: %s", buf_cstr(&path), strerror(errno));
		(void)fclose(f);
		goto out;
	}
	if (fclose(f)) {
		rc = err_set(E_IO, "writing bake file %s: %s", buf_cstr(&path), strerror(errno));
		goto out;
	}
	*path_out = buf_detach(&path);
out:
	json_decref(root);
	free(text);
	buf_free(&path);
	return rc;
}

static json_t *member(json_t *all, const char *key)
{
	return json_deep_copy(json_object_get(all, key));
}

int tags_bake_write(const struct tags_result *r, const char *target, struct tags_bake *out)
{
	const char *base = getenv("RUNNER_TEMP");
	struct buf tmpl = BUF_INIT;
	json_t *all = NULL, *def;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!base || !*base)
		base = getenv("TMPDIR");
	if (!base || !*base)
		base = "/tmp";
	if ((rc = buf_printf(&tmpl, "%s/docker-actions-toolkit-XXXXXX", base)))
		goto out;
	if (!mkdtemp(tmpl.data)) {
		rc = err_set(E_IO, "bake files: cannot create a directory in %s (RUNNER_TEMP): %s",
			     base, strerror(errno));
		goto out;
	}
	out->dir = buf_detach(&tmpl);
	if (!(all = json_loads(r->json, 0, NULL))) {
		rc = err_set(E_INTERNAL, "the json output is not JSON");
		goto out;
	}
	def = json_object();
	if (def) {
		json_object_set_new(def, "tags", member(all, "tags"));
		json_object_set_new(def, "args", bake_args(&r->meta));
	}
	if ((rc = write_def(out->dir, "docker-metadata-action-bake-tags.json", target, def,
			    &out->tags)))
		goto out;
	def = json_object();
	if (def)
		json_object_set_new(def, "labels", member(all, "labels"));
	if ((rc = write_def(out->dir, "docker-metadata-action-bake-labels.json", target, def,
			    &out->labels)))
		goto out;
	def = json_object();
	if (def)
		json_object_set_new(def, "annotations", member(all, "annotations"));
	if ((rc = write_def(out->dir, "docker-metadata-action-bake-annotations.json", target, def,
			    &out->annotations)))
		goto out;
	def = json_object();
	if (def) {
		json_object_set_new(def, "tags", member(all, "tags"));
		json_object_set_new(def, "labels", member(all, "labels"));
		json_object_set_new(def, "args", bake_args(&r->meta));
	}
	rc = write_def(out->dir, "docker-metadata-action-bake.json", target, def, &out->all);
out:
	json_decref(all);
	buf_free(&tmpl);
	if (rc)
		tags_bake_free(out);
	return rc;
}

void tags_bake_free(struct tags_bake *b)
{
	if (!b)
		return;
	free(b->dir);
	free(b->tags);
	free(b->labels);
	free(b->annotations);
	free(b->all);
	memset(b, 0, sizeof(*b));
}
