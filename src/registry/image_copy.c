/* registry/image_copy: a whole image into several repositories, in rounds. See image_copy.h. */
#include "registry/image_copy.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "registry/copy.h"
#include "registry/reference.h"
#include "util/err.h"
#include "util/par.h"

struct blob {
	const char *digest; /* points into a parsed manifest (kept alive in the context) */
	uint64_t size;
};

struct ctx {
	struct registry *src;
	const char *src_repo;
	const struct registry_copy_dest *d;
	size_t nd;
	const struct registry_manifest *top;
	json_t *top_json;
	struct registry_manifest *child; /* platform manifests of an index */
	json_t **child_json;
	size_t nchild;
	struct blob *blobs;
	size_t nblobs;
	enum registry_copy_how *how; /* nd * nblobs */
};

int registry_media_type_is_index(const char *mt)
{
	return mt && (!strcmp(mt, REGISTRY_MT_OCI_INDEX) || !strcmp(mt, REGISTRY_MT_DOCKER_LIST));
}

static int descriptor(const json_t *d, const char **digest, uint64_t *size)
{
	const json_t *sz = json_object_get(d, "size");

	*digest = json_string_value(json_object_get(d, "digest"));
	if (!*digest || !registry_digest_valid(*digest) || strncmp(*digest, "sha256:", 7) ||
	    !json_is_integer(sz) || json_integer_value(sz) < 0)
		return err_set(E_INTEGRITY, "manifest: a descriptor without a sha256 digest and "
					    "size");
	*size = (uint64_t)json_integer_value(sz);
	return 0;
}

static int add_blob(struct ctx *c, const json_t *d)
{
	const char *digest;
	uint64_t size;
	struct blob *nb;
	int rc;

	if (json_object_get(d, "urls")) /* a foreign layer: not ours to copy */
		return 0;
	if ((rc = descriptor(d, &digest, &size)))
		return rc;
	for (size_t i = 0; i < c->nblobs; i++)
		if (!strcmp(c->blobs[i].digest, digest))
			return 0;
	if (!(nb = realloc(c->blobs, (c->nblobs + 1) * sizeof(*nb))))
		return err_set(E_NOMEM, "out of memory");
	c->blobs = nb;
	c->blobs[c->nblobs].digest = digest;
	c->blobs[c->nblobs++].size = size;
	return 0;
}

static int add_blobs_of(struct ctx *c, const json_t *m)
{
	const json_t *cfg = json_object_get(m, "config"), *l;
	size_t i;
	int rc = 0;

	if (cfg && (rc = add_blob(c, cfg)))
		return rc;
	json_array_foreach(json_object_get(m, "layers"), i, l)
		if ((rc = add_blob(c, l)))
			return rc;
	return 0;
}

static int get_child(void *arg, size_t i)
{
	struct ctx *c = arg;
	const json_t *d = json_array_get(json_object_get(c->top_json, "manifests"), i);
	const char *digest;
	uint64_t size;
	int rc;

	if ((rc = descriptor(d, &digest, &size)) ||
	    (rc = registry_manifest_get(c->src, c->src_repo, digest, &c->child[i])))
		return rc;
	if (!(c->child_json[i] = json_loadb(c->child[i].body.data, c->child[i].body.len, 0, NULL)))
		return err_set(E_INTEGRITY, "manifest %s is not JSON", digest);
	return 0;
}

static int copy_one(void *arg, size_t i)
{
	struct ctx *c = arg;
	const struct registry_copy_dest *d = &c->d[i / c->nblobs];
	const struct blob *b = &c->blobs[i % c->nblobs];

	return registry_blob_copy(c->src, c->src_repo, d->reg, d->repo, b->digest, b->size,
				  &c->how[i]);
}

static int put_child(void *arg, size_t i)
{
	struct ctx *c = arg;
	const struct registry_copy_dest *d = &c->d[i / c->nchild];
	const struct registry_manifest *m = &c->child[i % c->nchild];

	return registry_manifest_put(d->reg, d->repo, m->digest, m->media_type, m->body.data,
				     m->body.len, NULL);
}

static int put_top(void *arg, size_t i)
{
	struct ctx *c = arg;

	if (!c->d[i].put_top)
		return 0;
	return registry_manifest_put(c->d[i].reg, c->d[i].repo, c->top->digest,
				     c->top->media_type, c->top->body.data, c->top->body.len, NULL);
}

int registry_image_copy(struct registry *src, const char *src_repo,
			const struct registry_manifest *top, const struct registry_copy_dest *d,
			size_t nd, unsigned threads, struct registry_copy_stats *st)
{
	struct ctx c;
	int rc = 0;

	memset(&c, 0, sizeof(c));
	c.src = src;
	c.src_repo = src_repo;
	c.d = d;
	c.nd = nd;
	c.top = top;
	if (!nd)
		return 0;
	if (!(c.top_json = json_loadb(top->body.data, top->body.len, 0, NULL)))
		return err_set(E_INTEGRITY, "manifest %s is not JSON", top->digest);
	if (registry_media_type_is_index(top->media_type)) {
		c.nchild = json_array_size(json_object_get(c.top_json, "manifests"));
		c.child = calloc(c.nchild ? c.nchild : 1, sizeof(*c.child));
		c.child_json = calloc(c.nchild ? c.nchild : 1, sizeof(*c.child_json));
		if (!c.child || !c.child_json) {
			rc = err_set(E_NOMEM, "out of memory");
			goto out;
		}
		if ((rc = par_run(c.nchild, threads, get_child, &c)))
			goto out;
		for (size_t i = 0; i < c.nchild && !rc; i++)
			rc = add_blobs_of(&c, c.child_json[i]);
	} else {
		rc = add_blobs_of(&c, c.top_json);
	}
	if (rc)
		goto out;
	if (c.nblobs && !(c.how = calloc(nd * c.nblobs, sizeof(*c.how)))) {
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = par_run(nd * c.nblobs, threads, copy_one, &c)) ||
	    (rc = par_run(nd * c.nchild, threads, put_child, &c)) ||
	    (rc = par_run(nd, threads, put_top, &c)))
		goto out;
	for (size_t i = 0; i < nd * c.nblobs; i++) {
		st->mounted += c.how[i] == REGISTRY_COPY_MOUNTED;
		st->copied += c.how[i] == REGISTRY_COPY_COPIED;
		st->present += c.how[i] == REGISTRY_COPY_PRESENT;
	}
	st->manifests_put += nd * c.nchild;
	for (size_t i = 0; i < nd; i++)
		st->manifests_put += d[i].put_top != 0;
out:
	for (size_t i = 0; c.child && c.child_json && i < c.nchild; i++) {
		registry_manifest_free(&c.child[i]);
		json_decref(c.child_json[i]);
	}
	free(c.child);
	free(c.child_json);
	free(c.blobs);
	free(c.how);
	json_decref(c.top_json);
	return rc;
}
