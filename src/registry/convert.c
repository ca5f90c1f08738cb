/* registry/convert: OCI <-> Docker v2 schema 2 media types. See convert.h. */
#include "registry/convert.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "registry/client.h"
#include "registry/digest.h"
#include "util/err.h"

/* One media type and its counterpart; `docker` is the schema 2 name. */
struct mt_pair {
	const char *oci, *docker;
};

static const struct mt_pair configs[] = {
	{ "application/vnd.oci.image.config.v1+json",
	  "application/vnd.docker.container.image.v1+json" },
};
static const struct mt_pair layers[] = {
	{ "application/vnd.oci.image.layer.v1.tar+gzip",
	  "application/vnd.docker.image.rootfs.diff.tar.gzip" },
	{ "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
	  "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip" },
};

int registry_media_types_parse(const char *s, const char *what, enum registry_media_types *out)
{
	if (!s || !*s)
		*out = REGISTRY_MT_AS_IS;
	else if (!strcmp(s, "docker"))
		*out = REGISTRY_MT_DOCKER;
	else if (!strcmp(s, "oci"))
		*out = REGISTRY_MT_OCI;
	else
		return err_set(E_USAGE, "%s: '%s' is not a family of media types: expected docker "
				       "(Docker image manifest v2 schema 2) or oci", what, s);
	return 0;
}

/* The counterpart of mt in the family `to`: itself when it is in that family already;
 * NULL when it has none. */
static const char *map_mt(const struct mt_pair *p, size_t n, const char *mt,
			  enum registry_media_types to)
{
	for (size_t i = 0; mt && i < n; i++) {
		if (!strcmp(mt, p[i].oci) || !strcmp(mt, p[i].docker))
			return to == REGISTRY_MT_DOCKER ? p[i].docker : p[i].oci;
	}
	return NULL;
}

static const char *family_name(enum registry_media_types to)
{
	return to == REGISTRY_MT_DOCKER ? "Docker v2 schema 2" : "OCI";
}

/* What a Docker schema 2 document cannot say (OCI's additions to it). */
static int check_no_oci_only(json_t *j, const char *what, const char *digest,
			     enum registry_media_types to)
{
	static const char *const keys[] = { "annotations", "subject", "artifactType" };

	for (size_t i = 0; to == REGISTRY_MT_DOCKER && i < sizeof(keys) / sizeof(keys[0]); i++)
		if (json_object_get(j, keys[i]))
			return err_set(E_USAGE, "input 'media-types': %s of %s has %s, which Docker "
					       "v2 schema 2 cannot carry: nothing was pushed (push "
					       "it as it is, without media-types)", what, digest,
				       keys[i]);
	return 0;
}

static int set_mt(json_t *o, const char *mt)
{
	return json_object_set_new(o, "mediaType", json_string(mt)) ? err_set(E_NOMEM, "out of memory")
								      : 0;
}

/* Replaces a manifest's bytes and digest with j's serialisation. */
static int reserialise(json_t *j, struct buf *bytes, char **digest)
{
	char dg[REGISTRY_DIGEST_LEN + 1], *body = json_dumps(j, JSON_COMPACT);
	int rc;

	if (!body)
		return err_set(E_NOMEM, "out of memory");
	buf_reset(bytes);
	if (!(rc = buf_add(bytes, body, strlen(body))) &&
	    !(rc = registry_digest_buf(body, strlen(body), dg))) {
		free(*digest);
		if (!(*digest = strdup(dg)))
			rc = err_set(E_NOMEM, "out of memory");
	}
	free(body);
	return rc;
}

static int convert_image(struct registry_image *im, enum registry_media_types to, int *changed)
{
	const char *want = to == REGISTRY_MT_DOCKER ? REGISTRY_MT_DOCKER_MANIFEST
						    : REGISTRY_MT_OCI_MANIFEST;
	json_t *m = NULL, *cfg, *ls, *l;
	const char *mt;
	size_t i;
	int rc = 0;

	*changed = 0;
	if (!strcmp(im->media_type, want))
		return 0;
	if (strcmp(im->media_type, REGISTRY_MT_DOCKER_MANIFEST) &&
	    strcmp(im->media_type, REGISTRY_MT_OCI_MANIFEST))
		return err_set(E_USAGE, "input 'media-types': manifest %s is %s, not an image "
				       "manifest", im->digest, im->media_type);
	m = json_loadb(im->manifest.data, im->manifest.len, 0, NULL);
	cfg = json_object_get(m, "config");
	ls = json_object_get(m, "layers");
	if ((rc = check_no_oci_only(m, "manifest", im->digest, to)) ||
	    (rc = check_no_oci_only(cfg, "the config descriptor", im->digest, to)))
		goto out;
	mt = map_mt(configs, sizeof(configs) / sizeof(configs[0]),
		    json_string_value(json_object_get(cfg, "mediaType")), to);
	if (!mt) {
		rc = err_set(E_USAGE, "input 'media-types': manifest %s has the config %s, not an "
				      "image config: it is an artifact, which has no %s form",
			     im->digest, json_string_value(json_object_get(cfg, "mediaType")),
			     family_name(to));
		goto out;
	}
	if ((rc = set_mt(cfg, mt)))
		goto out;
	json_array_foreach(ls, i, l) {
		const char *lmt = json_string_value(json_object_get(l, "mediaType"));

		if (!(mt = map_mt(layers, sizeof(layers) / sizeof(layers[0]), lmt, to))) {
			rc = err_set(E_USAGE, "input 'media-types': manifest %s has a layer of %s: "
					      "only gzip'd tar layers have a %s media type (zstd "
					      "and uncompressed layers would need recompressing); "
					      "nothing was pushed", im->digest,
				     lmt ? lmt : "no media type", family_name(to));
			goto out;
		}
		if ((rc = check_no_oci_only(l, "a layer descriptor", im->digest, to)) ||
		    (rc = set_mt(l, mt)))
			goto out;
	}
	if ((rc = set_mt(m, want)) || (rc = reserialise(m, &im->manifest, &im->digest)))
		goto out;
	free(im->media_type);
	if (!(im->media_type = strdup(want)))
		rc = err_set(E_NOMEM, "out of memory");
	*changed = 1;
out:
	json_decref(m);
	return rc;
}

static const struct registry_image *find_by_old(const struct registry_source *s, char **old,
						const char *digest)
{
	for (size_t i = 0; i < s->nimages; i++)
		if (!strcmp(old[i], digest))
			return &s->images[i];
	return NULL;
}

/* The index's entries point at the converted manifests; the index in the family `to`. */
static int convert_index(struct registry_source *s, char **old, enum registry_media_types to)
{
	const char *want = to == REGISTRY_MT_DOCKER ? REGISTRY_MT_DOCKER_LIST : REGISTRY_MT_OCI_INDEX;
	json_t *j = json_loadb(s->top.data, s->top.len, 0, NULL), *ms, *d;
	size_t i;
	int rc;

	ms = json_object_get(j, "manifests");
	if ((rc = check_no_oci_only(j, "the index", s->digest, to)))
		goto out;
	json_array_foreach(ms, i, d) {
		const char *dg = json_string_value(json_object_get(d, "digest"));
		const struct registry_image *im = dg ? find_by_old(s, old, dg) : NULL;

		if ((rc = check_no_oci_only(d, "an entry of the index", s->digest, to)))
			goto out;
		if (!im) {
			rc = err_set(E_INTERNAL, "index %s: entry %s is not loaded", s->digest,
				     dg ? dg : "?");
			goto out;
		}
		if (to == REGISTRY_MT_DOCKER && !json_object_get(d, "platform")) {
			rc = err_set(E_USAGE, "input 'media-types': entry %s of index %s has no "
					      "platform, which a Docker manifest list requires",
				     dg, s->digest);
			goto out;
		}
		if ((rc = set_mt(d, im->media_type)) ||
		    json_object_set_new(d, "digest", json_string(im->digest)) ||
		    json_object_set_new(d, "size", json_integer((json_int_t)im->manifest.len))) {
			rc = rc ? rc : err_set(E_NOMEM, "out of memory");
			goto out;
		}
	}
	if ((rc = set_mt(j, want)) || (rc = reserialise(j, &s->top, &s->digest)))
		goto out;
	free(s->media_type);
	if (!(s->media_type = strdup(want)))
		rc = err_set(E_NOMEM, "out of memory");
out:
	json_decref(j);
	return rc;
}

/* A referrer of a converted manifest refers to the converted one (its subject anew). */
static int resubject(struct registry_source *s, char **old)
{
	int rc = 0;

	for (size_t i = 0; i < s->nreferrers && !rc; i++) {
		struct registry_image *r = &s->referrers[i];
		const struct registry_image *im = find_by_old(s, old, r->subject);
		json_t *m;

		if (!im || !strcmp(im->digest, r->subject))
			continue;
		m = json_loadb(r->manifest.data, r->manifest.len, 0, NULL);
		if (json_object_set_new(m, "subject",
					json_pack("{s:s, s:s, s:I}", "mediaType", im->media_type,
						  "digest", im->digest, "size",
						  (json_int_t)im->manifest.len)))
			rc = err_set(E_NOMEM, "out of memory");
		if (!rc)
			rc = reserialise(m, &r->manifest, &r->digest);
		free(r->subject);
		if (!rc && !(r->subject = strdup(im->digest)))
			rc = err_set(E_NOMEM, "out of memory");
		json_decref(m);
	}
	return rc;
}

int registry_source_convert(struct registry_source *s, enum registry_media_types to)
{
	char **old = NULL, *src_digest = NULL;
	int rc = 0, any = 0, changed;

	if (to == REGISTRY_MT_AS_IS)
		return 0;
	if (!(src_digest = strdup(s->digest)) || !(old = calloc(s->nimages + 1, sizeof(*old)))) {
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < s->nimages; i++) {
		if (!(old[i] = strdup(s->images[i].digest))) {
			rc = err_set(E_NOMEM, "out of memory");
			goto out;
		}
		if ((rc = convert_image(&s->images[i], to, &changed)))
			goto out;
		any |= changed;
	}
	if (s->is_index) {
		const char *want = to == REGISTRY_MT_DOCKER ? REGISTRY_MT_DOCKER_LIST
							    : REGISTRY_MT_OCI_INDEX;

		if ((any || strcmp(s->media_type, want)) && (rc = convert_index(s, old, to)))
			goto out;
		any |= strcmp(src_digest, s->digest) != 0;
	} else if (any) {
		struct registry_image *im = &s->images[0];

		buf_reset(&s->top);
		free(s->digest);
		free(s->media_type);
		s->digest = strdup(im->digest);
		s->media_type = strdup(im->media_type);
		if (!s->digest || !s->media_type) {
			rc = err_set(E_NOMEM, "out of memory");
			goto out;
		}
		if ((rc = buf_add(&s->top, im->manifest.data, im->manifest.len)))
			goto out;
	}
	if ((rc = resubject(s, old)))
		goto out;
	if (any && !s->source_digest) {
		s->source_digest = src_digest;
		src_digest = NULL;
	}
out:
	for (size_t i = 0; old && i < s->nimages; i++)
		free(old[i]);
	free(old);
	free(src_digest);
	return rc;
}
