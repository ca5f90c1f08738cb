/* registry/index: per-platform images joined into one index. See index.h. */
#include "registry/index.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

#define MAX_CONFIG (8u * 1024 * 1024)

/* What one digest turned out to be, with the platform object its index descriptor gets. */
struct member {
	struct registry_index_entry e;
	json_t *platform;
};

static int buf_sink(const char *data, size_t n, void *ctx)
{
	return buf_add(ctx, data, n) ? 1 : 0;
}

static const char *kind_name(const char *mt)
{
	if (!strcmp(mt, REGISTRY_MT_OCI_MANIFEST))
		return "an OCI image manifest";
	if (!strcmp(mt, REGISTRY_MT_DOCKER_MANIFEST))
		return "a Docker v2 schema 2 manifest";
	return mt;
}

/* The platform object from an image config: the fields an index descriptor's platform has. */
static int platform_from_config(json_t *cfg, json_t **out, char **name)
{
	static const char *const keys[] = { "architecture", "os", "os.version", "variant" };
	const char *os = json_string_value(json_object_get(cfg, "os"));
	const char *arch = json_string_value(json_object_get(cfg, "architecture"));
	const char *var = json_string_value(json_object_get(cfg, "variant"));
	json_t *p, *feat = json_object_get(cfg, "os.features");
	struct buf b = BUF_INIT;

	if (!os || !*os || !arch || !*arch)
		return 1;
	if (!(p = json_object()))
		return err_set(E_NOMEM, "out of memory");
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v = json_string_value(json_object_get(cfg, keys[i]));

		if (v && *v)
			json_object_set_new(p, keys[i], json_string(v));
	}
	if (json_is_array(feat) && json_array_size(feat))
		json_object_set(p, "os.features", feat);
	if (buf_printf(&b, "%s/%s%s%s", os, arch, var && *var ? "/" : "", var && *var ? var : "")) {
		json_decref(p);
		return err_code();
	}
	*out = p;
	*name = buf_detach(&b);
	return 0;
}

/* Reads digest's manifest and config from repo into m. */
static int member_load(struct registry *r, const char *repo, const char *digest,
		       struct member *m)
{
	struct registry_manifest man = { 0 };
	struct buf cb = BUF_INIT;
	json_t *root = NULL, *cfg = NULL, *cdesc;
	const char *host = registry_host(r), *cdig;
	json_int_t csize;
	int rc;

	rc = registry_manifest_get(r, repo, digest, &man);
	if (rc == E_NOTFOUND) {
		rc = err_set(E_NOTFOUND, "%s is not in repository %s/%s: push each platform there "
					 "first (convoy push --by-digest)", digest, host, repo);
		goto out;
	}
	if (rc) {
		rc = err_wrap(rc, "reading %s from %s/%s", digest, host, repo);
		goto out;
	}
	if (!strcmp(man.media_type, REGISTRY_MT_OCI_INDEX) ||
	    !strcmp(man.media_type, REGISTRY_MT_DOCKER_LIST)) {
		rc = err_set(E_CONFLICT, "%s in %s/%s is itself an index (%s), not one platform's "
					 "image: give the digests of its manifests, or tag it as it is",
			     digest, host, repo, man.media_type);
		goto out;
	}
	if (strcmp(man.media_type, REGISTRY_MT_OCI_MANIFEST) &&
	    strcmp(man.media_type, REGISTRY_MT_DOCKER_MANIFEST)) {
		rc = err_set(E_CONFLICT, "%s in %s/%s is a %s: an index lists image manifests (%s "
					 "or %s)", digest, host, repo, man.media_type,
			     REGISTRY_MT_OCI_MANIFEST, REGISTRY_MT_DOCKER_MANIFEST);
		goto out;
	}
	root = json_loadb(man.body.data, man.body.len, 0, NULL);
	cdesc = json_object_get(root, "config");
	cdig = json_string_value(json_object_get(cdesc, "digest"));
	csize = json_integer_value(json_object_get(cdesc, "size"));
	if (!cdig || csize <= 0 || (uint64_t)csize > MAX_CONFIG) {
		rc = err_set(E_INTEGRITY, "%s in %s/%s has no config descriptor an image has "
					  "(digest, size up to %u bytes)", digest, host, repo, MAX_CONFIG);
		goto out;
	}
	cb.max = (size_t)csize + 1;
	if ((rc = registry_blob_get(r, repo, cdig, (uint64_t)csize, buf_sink, &cb))) {
		rc = err_wrap(rc, "reading the config %s of %s from %s/%s", cdig, digest, host, repo);
		goto out;
	}
	cfg = json_loadb(cb.data ? cb.data : "", cb.len, 0, NULL);
	rc = json_is_object(cfg) ? platform_from_config(cfg, &m->platform, &m->e.platform) : 1;
	if (rc > 0) {
		rc = err_set(E_CONFLICT, "%s in %s/%s: its config %s names no platform (os and "
					 "architecture): not an image an index can list", digest, host,
			     repo, cdig);
		goto out;
	}
	if (rc)
		goto out;
	m->e.digest = strdup(digest);
	m->e.media_type = strdup(man.media_type);
	m->e.size = man.body.len;
	if (!m->e.digest || !m->e.media_type)
		rc = err_set(E_NOMEM, "out of memory");
out:
	json_decref(cfg);
	json_decref(root);
	buf_free(&cb);
	registry_manifest_free(&man);
	return rc;
}

static int member_cmp(const void *a, const void *b)
{
	const struct member *x = a, *y = b;

	return strcmp(x->e.platform, y->e.platform);
}

/* One format for the whole set, or an error that says which digest is which. */
static int check_members(const char *host, const char *repo, const struct member *m, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		if (!strcmp(m[i].e.platform, m[i - 1].e.platform))
			return err_set(E_CONFLICT, "%s and %s in %s/%s are both %s: an index has one "
						   "image per platform", m[i - 1].e.digest,
				       m[i].e.digest, host, repo, m[i].e.platform);
	}
	for (size_t i = 1; i < n; i++) {
		if (strcmp(m[i].e.media_type, m[0].e.media_type))
			return err_set(E_CONFLICT, "%s (%s) is %s but %s (%s) is %s: one index takes "
						   "one format, OCI image manifests in an OCI index "
						   "(or Docker schema 2 manifests in a Docker manifest "
						   "list): build every platform with the same exporter",
				       m[0].e.digest, m[0].e.platform, kind_name(m[0].e.media_type),
				       m[i].e.digest, m[i].e.platform, kind_name(m[i].e.media_type));
	}
	return 0;
}

static int annotations_json(const struct strlist *a, json_t **out)
{
	json_t *o;

	*out = NULL;
	if (!a || !a->len)
		return 0;
	if (!(o = json_object()))
		return err_set(E_NOMEM, "out of memory");
	for (size_t i = 0; i < a->len; i++) {
		const char *eq = strchr(a->items[i], '=');
		char *key;

		if (!eq || eq == a->items[i]) {
			json_decref(o);
			return err_set(E_USAGE, "annotation '%s': expected key=value", a->items[i]);
		}
		if (!(key = strndup(a->items[i], (size_t)(eq - a->items[i])))) {
			json_decref(o);
			return err_set(E_NOMEM, "out of memory");
		}
		json_object_set_new(o, key, json_string(eq + 1));
		free(key);
	}
	*out = o;
	return 0;
}

static int build_body(struct registry_index *ix, struct member *m, json_t *annotations)
{
	json_t *root = json_object(), *arr = json_array();
	char *s = NULL;
	int rc = 0;

	json_object_set_new(root, "schemaVersion", json_integer(2));
	json_object_set_new(root, "mediaType", json_string(ix->media_type));
	for (size_t i = 0; i < ix->n; i++) {
		json_t *d = json_object();

		json_object_set_new(d, "mediaType", json_string(m[i].e.media_type));
		json_object_set_new(d, "digest", json_string(m[i].e.digest));
		json_object_set_new(d, "size", json_integer((json_int_t)m[i].e.size));
		json_object_set(d, "platform", m[i].platform);
		json_array_append_new(arr, d);
	}
	json_object_set_new(root, "manifests", arr);
	if (annotations)
		json_object_set(root, "annotations", annotations);
	s = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!s || buf_puts(&ix->body, s))
		rc = err_set(E_NOMEM, "out of memory");
	else
		rc = registry_digest_buf(ix->body.data, ix->body.len, ix->digest);
	free(s);
	json_decref(root);
	return rc;
}

int registry_index_build(struct registry *r, const char *repo, const struct strlist *digests,
			 const struct strlist *annotations, struct registry_index *out)
{
	struct strlist uniq = STRLIST_INIT;
	struct member *m = NULL;
	json_t *ann = NULL;
	size_t n = 0;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < digests->len && !rc; i++)
		if (!strlist_contains(&uniq, digests->items[i]))
			rc = strlist_add(&uniq, digests->items[i]);
	if (rc || (rc = annotations_json(annotations, &ann)))
		goto out;
	if (!uniq.len) {
		rc = err_set(E_USAGE, "no digests to merge");
		goto out;
	}
	if (!(m = calloc(uniq.len, sizeof(*m)))) {
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	for (; n < uniq.len; n++)
		if ((rc = member_load(r, repo, uniq.items[n], &m[n])))
			goto out;
	qsort(m, n, sizeof(*m), member_cmp);
	if ((rc = check_members(registry_host(r), repo, m, n)))
		goto out;
	out->media_type = strdup(strcmp(m[0].e.media_type, REGISTRY_MT_DOCKER_MANIFEST)
					 ? REGISTRY_MT_OCI_INDEX
					 : REGISTRY_MT_DOCKER_LIST);
	out->entries = calloc(n, sizeof(*out->entries));
	if (!out->media_type || !out->entries) {
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	out->n = n;
	/* A Docker manifest list has no annotations. */
	rc = build_body(out, m, strcmp(out->media_type, REGISTRY_MT_OCI_INDEX) ? NULL : ann);
	for (size_t i = 0; i < n && !rc; i++) {
		out->entries[i] = m[i].e;
		memset(&m[i].e, 0, sizeof(m[i].e));
	}
out:
	for (size_t i = 0; m && i <= n && i < uniq.len; i++) {
		free(m[i].e.digest);
		free(m[i].e.media_type);
		free(m[i].e.platform);
		json_decref(m[i].platform);
	}
	free(m);
	json_decref(ann);
	strlist_clear(&uniq);
	if (rc)
		registry_index_free(out);
	return rc;
}

void registry_index_free(struct registry_index *ix)
{
	if (!ix)
		return;
	for (size_t i = 0; i < ix->n; i++) {
		free(ix->entries[i].digest);
		free(ix->entries[i].media_type);
		free(ix->entries[i].platform);
	}
	free(ix->entries);
	free(ix->media_type);
	buf_free(&ix->body);
	memset(ix, 0, sizeof(*ix));
}
