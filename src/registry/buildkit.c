/* registry/buildkit: BuildKit's attestations out of the index, one platform. See buildkit.h. */
#include "registry/buildkit.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "registry/client.h"
#include "registry/digest.h"
#include "util/err.h"

#define ANN_TYPE "vnd.docker.reference.type"
#define ANN_DIGEST "vnd.docker.reference.digest"
#define ANN_ATTESTATION "attestation-manifest"

int registry_attest_mode_parse(const char *s, const char *what, enum registry_attest_mode *out)
{
	if (!s || !strcmp(s, "referrers"))
		*out = REGISTRY_ATTEST_REFERRERS;
	else if (!strcmp(s, "keep"))
		*out = REGISTRY_ATTEST_KEEP;
	else if (!strcmp(s, "drop"))
		*out = REGISTRY_ATTEST_DROP;
	else
		return err_set(E_USAGE, "%s: '%s' is not a mode: expected referrers (BuildKit's "
				       "attestations become OCI referrers of their platform's "
				       "manifest), keep (the index as built) or drop", what, s);
	return 0;
}

const char *registry_attest_mode_name(enum registry_attest_mode m)
{
	switch (m) {
	case REGISTRY_ATTEST_REFERRERS: return "referrers";
	case REGISTRY_ATTEST_KEEP: return "keep";
	case REGISTRY_ATTEST_DROP: return "drop";
	}
	return "?";
}

static const char *ann(json_t *desc, const char *key)
{
	return json_string_value(json_object_get(json_object_get(desc, "annotations"), key));
}

static int is_attestation(json_t *desc)
{
	const char *t = ann(desc, ANN_TYPE);

	return t && !strcmp(t, ANN_ATTESTATION);
}

static struct registry_image *find_image(struct registry_source *s, const int *att,
					 const char *digest)
{
	for (size_t i = 0; i < s->nimages; i++)
		if (!att[i] && !strcmp(s->images[i].digest, digest))
			return &s->images[i];
	return NULL;
}

/*
 * "linux/arm64" names linux/arm64 exactly, or else the one linux/arm64/<variant> there is:
 * what docker's --platform does when the variant is left out.
 */
static int pick_platform(struct registry_source *s, const int *att, const char *want,
			 size_t *pick)
{
	size_t n = 0, wl = strlen(want);
	struct buf have = BUF_INIT;
	int rc;

	for (size_t i = 0; i < s->nimages; i++)
		if (!att[i] && s->images[i].platform && !strcmp(s->images[i].platform, want)) {
			*pick = i;
			return 0;
		}
	for (size_t i = 0; i < s->nimages; i++)
		if (!att[i] && s->images[i].platform && !strncmp(s->images[i].platform, want, wl) &&
		    s->images[i].platform[wl] == '/') {
			*pick = i;
			n++;
		}
	if (n == 1)
		return 0;
	for (size_t i = 0; i < s->nimages; i++)
		if (!att[i] && s->images[i].platform &&
		    (rc = buf_printf(&have, "%s%s", have.len ? ", " : "", s->images[i].platform)))
			goto out;
	rc = err_set(E_USAGE, "input 'platform': '%s' %s in %s (it has %s)", want,
		     n ? "matches several variants" : "is not a platform of the image",
		     s->path, have.len ? buf_cstr(&have) : "no known platform");
out:
	buf_free(&have);
	return rc;
}

/* The attestation manifest as a referrer: the same content plus subject and artifactType. */
static int make_referrer(struct registry_image *a, const struct registry_image *subj)
{
	char dg[REGISTRY_DIGEST_LEN + 1];
	json_t *m = json_loadb(a->manifest.data, a->manifest.len, 0, NULL);
	char *body = NULL;
	int rc = 0;

	if (!json_is_object(m) || strcmp(a->media_type, REGISTRY_MT_OCI_MANIFEST)) {
		rc = err_set(E_USAGE, "input 'attestations': attestation manifest %s is %s, not an "
				      "OCI image manifest: it cannot carry a subject (use keep or "
				      "drop)", a->digest, a->media_type);
		goto out;
	}
	if (json_object_set_new(m, "artifactType", json_string(REGISTRY_ATTEST_ARTIFACT_TYPE)) ||
	    json_object_set_new(m, "subject",
				json_pack("{s:s, s:s, s:I}", "mediaType", subj->media_type,
					  "digest", subj->digest, "size",
					  (json_int_t)subj->manifest.len)) ||
	    !(body = json_dumps(m, JSON_COMPACT))) {
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	buf_reset(&a->manifest);
	if ((rc = buf_add(&a->manifest, body, strlen(body))) ||
	    (rc = registry_digest_buf(body, strlen(body), dg)))
		goto out;
	free(a->digest);
	a->digest = strdup(dg);
	a->subject = strdup(subj->digest);
	a->artifact_type = strdup(REGISTRY_ATTEST_ARTIFACT_TYPE);
	if (!a->digest || !a->subject || !a->artifact_type)
		rc = err_set(E_NOMEM, "out of memory");
out:
	free(body);
	json_decref(m);
	return rc;
}

/* The index without the attestation entries (and, for one platform, nothing but it). */
static int rewrite_index(struct registry_source *s, json_t *top, const int *att)
{
	char dg[REGISTRY_DIGEST_LEN + 1];
	json_t *ms = json_object_get(top, "manifests");
	char *body;
	int rc;

	for (size_t i = json_array_size(ms); i-- > 0;)
		if (att[i] && json_array_remove(ms, i))
			return err_set(E_NOMEM, "out of memory");
	if (!(body = json_dumps(top, JSON_COMPACT)))
		return err_set(E_NOMEM, "out of memory");
	buf_reset(&s->top);
	if (!(rc = buf_add(&s->top, body, strlen(body))) &&
	    !(rc = registry_digest_buf(body, strlen(body), dg))) {
		free(s->digest);
		if (!(s->digest = strdup(dg)))
			rc = err_set(E_NOMEM, "out of memory");
	}
	free(body);
	return rc;
}

static int single_platform(struct registry_source *s, const char *platform)
{
	const char *have = s->images[0].platform;

	if (have && strcmp(have, platform) &&
	    !(!strncmp(have, platform, strlen(platform)) && have[strlen(platform)] == '/'))
		return err_set(E_USAGE, "input 'platform': '%s': %s is a single image of %s",
			       platform, s->path, have);
	return 0;
}

int registry_source_reshape(struct registry_source *s, enum registry_attest_mode mode,
			    const char *platform)
{
	json_t *top = NULL, *ms;
	int *att = NULL, *keep = NULL;
	struct registry_image *imgs = NULL, *refs = NULL;
	size_t natt = 0, pick = 0, ni = 0, nr = 0;
	int rc = 0;

	if (!s->is_index)
		return platform ? single_platform(s, platform) : 0;
	top = json_loadb(s->top.data, s->top.len, 0, NULL);
	ms = json_object_get(top, "manifests");
	if (json_array_size(ms) != s->nimages) {
		rc = err_set(E_INTERNAL, "index of %s: %zu entries, %zu images", s->path,
			     json_array_size(ms), s->nimages);
		goto out;
	}
	att = calloc(s->nimages + 1, sizeof(*att));
	keep = calloc(s->nimages + 1, sizeof(*keep));
	imgs = calloc(s->nimages + 1, sizeof(*imgs));
	refs = calloc(s->nimages + 1, sizeof(*refs));
	if (!att || !keep || !imgs || !refs) {
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < s->nimages; i++)
		natt += (size_t)(att[i] = is_attestation(json_array_get(ms, i)));
	s->nattestations = natt;
	if (!natt && !platform)
		goto out;
	if (mode == REGISTRY_ATTEST_KEEP) {
		if (platform)
			rc = err_set(E_USAGE, "input 'attestations': keep pushes the index as built, "
					      "but 'platform' pushes one manifest of it: use "
					      "referrers or drop with a platform");
		goto out;
	}
	if (platform && (rc = pick_platform(s, att, platform, &pick)))
		goto out;
	for (size_t i = 0; i < s->nimages; i++)
		keep[i] = !att[i] && (!platform || i == pick);
	/* Every attestation names a platform manifest of this index, checked in every mode. */
	for (size_t i = 0; i < s->nimages; i++) {
		const char *subj = att[i] ? ann(json_array_get(ms, i), ANN_DIGEST) : NULL;
		struct registry_image *si = subj ? find_image(s, att, subj) : NULL;

		if (!att[i])
			continue;
		if (!si) {
			rc = err_set(E_USAGE, "input 'source': %s: attestation manifest %s describes "
					      "%s, which is not a platform manifest of the index "
					      "(expected its %s annotation to name one)",
				     s->path, s->images[i].digest, subj ? subj : "nothing",
				     ANN_DIGEST);
			goto out;
		}
		if (mode == REGISTRY_ATTEST_REFERRERS && keep[si - s->images]) {
			if ((rc = make_referrer(&s->images[i], si)))
				goto out;
			keep[i] = 2; /* a referrer now */
		}
	}
	if (!(s->source_digest = strdup(s->digest))) {
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	if (platform) {
		struct registry_image *im = &s->images[pick];

		buf_reset(&s->top);
		free(s->digest);
		free(s->media_type);
		s->digest = strdup(im->digest);
		s->media_type = strdup(im->media_type);
		s->is_index = 0;
		if (!s->digest || !s->media_type) {
			rc = err_set(E_NOMEM, "out of memory");
			goto out;
		}
		if ((rc = buf_add(&s->top, im->manifest.data, im->manifest.len)))
			goto out;
	} else if ((rc = rewrite_index(s, top, att))) {
		goto out;
	}
	for (size_t i = 0; i < s->nimages; i++) {
		if (keep[i] == 1)
			imgs[ni++] = s->images[i];
		else if (keep[i] == 2)
			refs[nr++] = s->images[i];
		else
			registry_image_free(&s->images[i]);
	}
	free(s->images);
	s->images = imgs;
	s->nimages = ni;
	s->referrers = refs;
	s->nreferrers = nr;
	imgs = refs = NULL;
out:
	free(imgs);
	free(refs);
	free(att);
	free(keep);
	json_decref(top);
	return rc;
}

int registry_source_unwrap(struct registry_source *s)
{
	struct registry_image *im = &s->images[0];

	if (!s->is_index || s->nimages != 1)
		return 0;
	if (!s->source_digest && !(s->source_digest = strdup(s->digest)))
		return err_set(E_NOMEM, "out of memory");
	buf_reset(&s->top);
	free(s->digest);
	free(s->media_type);
	s->digest = strdup(im->digest);
	s->media_type = strdup(im->media_type);
	s->is_index = 0;
	if (!s->digest || !s->media_type)
		return err_set(E_NOMEM, "out of memory");
	return buf_add(&s->top, im->manifest.data, im->manifest.len);
}
