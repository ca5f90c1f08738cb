/*
 * push: pushes a local image (OCI layout, OCI archive, docker save tarball) to every
 * repository and tag that `tags` computes (same inputs, same run) or that --tag-list names.
 * Phase 1 puts blobs and manifests into every repository; phase 2 writes the tags, so a
 * failure anywhere leaves every existing tag where it was. With --create-repository, missing
 * ECR repositories are created (aws/ecr.h) before anything is sent to a registry.
 * BuildKit's attestation manifests leave the index as OCI referrers of their platform's
 * manifest (registry/buildkit.h) unless --attestations says keep or drop; --platform pushes
 * one platform's manifest alone; --media-types converts OCI <-> Docker (registry/convert.h).
 */
#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actions/command.h"
#include "actions/output.h"
#include "actions/summary.h"
#include "aws/ecr.h"
#include "aws/ecr_login.h"
#include "cmd/aws_inputs.h"
#include "cmd/cmd.h"
#include "cmd/net_inputs.h"
#include "cmd/tags_compute.h"
#include "registry/buildkit.h"
#include "registry/client.h"
#include "registry/convert.h"
#include "registry/push.h"
#include "registry/reference.h"
#include "registry/source.h"
#include "meta/tag.h"
#include "registry/tags_write.h"
#include "util/buf.h"
#include "sign/image.h"
#include "util/err.h"

const char cmd_push_summary[] =
	"Push an OCI layout, OCI archive or docker save tarball to registries under every tag";
const struct input_def cmd_push_inputs[] = {
	{ "source", IN_REQUIRED, NULL, "OCI layout directory, OCI archive or docker save tarball" },
	TAGS_COMPUTE_INPUTS,
	{ "tag-list", IN_MULTI, NULL, "full references to push to (instead of images/tags)" },
	{ "attestations", 0, "referrers",
	  "BuildKit's attestation manifests (unknown/unknown in the index): referrers (OCI 1.1 "
	  "referrers of their platform's manifest, artifactType application/vnd.in-toto+json; "
	  "the index pushed lists real platforms only, so its digest is new), keep (the index "
	  "byte for byte) or drop" },
	{ "platform", 0, NULL,
	  "push this platform's manifest alone (os/arch[/variant]) from a multi-platform source" },
	{ "media-types", 0, NULL,
	  "convert the manifests to docker (Docker v2 schema 2) or oci media types (gzip layers "
	  "only; default: as built)" },
	{ "by-digest", IN_BOOL, "false",
	  "push by digest only, no tag: the repositories are images' names (or tag-list's, "
	  "without tags); outputs digest and platform, for `convoy merge` to join" },
	{ "username", 0, NULL, "registry user name" },
	{ "password", IN_SECRET, NULL, "registry password or token" },
	{ "registry-config", 0, NULL, "Docker config directory (default $DOCKER_CONFIG, ~/.docker)" },
	{ "insecure-registry", IN_MULTI, NULL, "hosts allowed over plain HTTP (loopback always is)" },
	{ "concurrency", 0, "4", "blobs uploaded at once" },
	{ "chunk-size", 0, NULL, "always upload in chunks of this many bytes" },
	{ "create-repository", IN_BOOL, "false",
	  "create missing ECR repositories before pushing" },
	{ "immutable-tags", IN_BOOL, "false",
	  "repositories created get immutable tags (existing ones unchanged)" },
	{ "scan-on-push", IN_BOOL, "true",
	  "repositories created scan images on push (existing ones unchanged)" },
	AWS_ROLE_INPUTS,
	NET_INPUTS,
	{ "sign-key", 0, NULL,
	  "private key (PEM file, env://VAR, cosign encrypted key): sign the image in every repository before tagging (cosign-compatible, no Rekor)" },
	{ "signature-storage", 0, "both", "where signatures go: tag (sha256-<hex>.sig), referrer or both" },
	{ NULL, 0, NULL, NULL },
};

struct dest {
	char *host;     /* API host */
	char *repo;     /* path */
	char *name;     /* domain/path, for outputs */
	struct registry *reg;
	struct push_stats stats;
	double secs;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct dest *find_dest(struct dest *d, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(d[i].name, name))
			return &d[i];
	return NULL;
}

static struct registry *find_reg(struct dest *d, size_t n, const char *host)
{
	for (size_t i = 0; i < n; i++)
		if (d[i].reg && !strcmp(d[i].host, host))
			return d[i].reg;
	return NULL;
}

/* What became of BuildKit's attestations: "none" (the source had none), "kept",
 * "referrers" or "dropped". */
static const char *attest_outcome(const struct registry_source *src, enum registry_attest_mode m)
{
	if (!src->nattestations)
		return "none";
	if (m == REGISTRY_ATTEST_KEEP)
		return "kept";
	return m == REGISTRY_ATTEST_REFERRERS && src->nreferrers ? "referrers" : "dropped";
}

/* The summary's account of a reshaped source: what was done to it, in words. */
static int reshape_how(struct buf *b, const struct registry_source *src, const char *attest,
		       const char *platform, const char *media_types)
{
	int rc = 0;

	if (!strcmp(attest, "referrers"))
		rc = buf_printf(b, "BuildKit's attestations moved out of the index into OCI "
				   "referrers of their platform's manifest");
	else if (!strcmp(attest, "dropped"))
		rc = buf_printf(b, "BuildKit's attestations dropped");
	if (!rc && platform)
		rc = buf_printf(b, "%s%s's manifest alone", b->len ? "; " : "",
				src->images[0].platform ? src->images[0].platform : platform);
	if (!rc && media_types)
		rc = buf_printf(b, "%s%s media types", b->len ? "; " : "", media_types);
	return rc;
}

static int write_outputs(struct rt *rt, struct registry_source *src, struct dest *d, size_t nd,
			 struct tag_target *t, size_t nt, const char *attest, const char *how)
{
	struct strlist refs = STRLIST_INIT, tags = STRLIST_INIT, plats = STRLIST_INIT;
	json_t *meta = json_object(), *jimgs = json_array();
	char *s = NULL, *plat = NULL;
	int rc = 0;

	for (size_t i = 0; i < nd && !rc; i++) {
		struct buf b = BUF_INIT;
		json_t *o = json_object();

		rc = buf_printf(&b, "%s@%s", d[i].name, src->digest);
		if (!rc)
			rc = strlist_add(&refs, buf_cstr(&b));
		json_object_set_new(o, "repository", json_string(d[i].name));
		json_object_set_new(o, "ref", json_string(buf_cstr(&b)));
		json_object_set_new(o, "uploaded", json_integer(d[i].stats.uploaded));
		json_object_set_new(o, "skipped", json_integer(d[i].stats.skipped));
		json_object_set_new(o, "mounted", json_integer(d[i].stats.mounted));
		json_object_set_new(o, "bytes-sent", json_integer((json_int_t)d[i].stats.bytes_sent));
		json_array_append_new(jimgs, o);
		buf_free(&b);
	}
	for (size_t i = 0; i < nt && !rc; i++) {
		struct dest *de = NULL;
		struct buf b = BUF_INIT;

		for (size_t k = 0; k < nd; k++)
			if (d[k].reg == t[i].reg && !strcmp(d[k].repo, t[i].repo))
				de = &d[k];
		rc = buf_printf(&b, "%s:%s", de ? de->name : t[i].repo, t[i].tag);
		if (!rc)
			rc = strlist_take(&tags, buf_detach(&b));
	}
	json_object_set_new(meta, "digest", json_string(src->digest));
	json_object_set_new(meta, "source-digest",
			    json_string(src->source_digest ? src->source_digest : src->digest));
	json_object_set_new(meta, "attestations", json_string(attest));
	{
		json_t *jr = json_array();

		for (size_t i = 0; i < src->nreferrers; i++)
			json_array_append_new(jr, json_pack("{s:s, s:s, s:s}", "digest",
							    src->referrers[i].digest, "subject",
							    src->referrers[i].subject,
							    "artifactType",
							    src->referrers[i].artifact_type));
		json_object_set_new(meta, "referrers", jr);
	}
	json_object_set_new(meta, "media-type", json_string(src->media_type));
	json_object_set_new(meta, "source", json_string(registry_source_kind_name(src->kind)));
	json_object_set_new(meta, "images", jimgs);
	{
		json_t *jt = json_array();

		for (size_t i = 0; i < tags.len; i++)
			json_array_append_new(jt, json_string(tags.items[i]));
		json_object_set_new(meta, "tags", jt);
	}
	for (size_t i = 0; i < src->nimages && !rc; i++)
		if (src->images[i].platform && !strlist_contains(&plats, src->images[i].platform))
			rc = strlist_add(&plats, src->images[i].platform);
	plat = strlist_join_dup(&plats, ",");
	json_object_set_new(meta, "platform", json_string(plat ? plat : ""));
	s = json_dumps(meta, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!rc) {
		char *r = strlist_join_dup(&refs, "\n"), *tg = strlist_join_dup(&tags, "\n");

		rc = out_set(rt, "digest", src->digest);
		if (!rc)
			rc = out_set(rt, "source-digest",
				     src->source_digest ? src->source_digest : src->digest);
		if (!rc)
			rc = out_set(rt, "attestations", attest);
		if (!rc)
			rc = out_set(rt, "platform", plat ? plat : "");
		if (!rc)
			rc = out_set(rt, "image-refs", r ? r : "");
		if (!rc)
			rc = out_set(rt, "tags", tg ? tg : "");
		if (!rc)
			rc = out_set_json(rt, "metadata", s ? s : "{}", s ? s : "{}");
		free(r);
		free(tg);
	}
	summary_add(rt, "### convoy push\n\n`%s` (%s, %zu platform%s)\n\n"
			"| Repository | Tags | Uploaded | Skipped | Mounted | Bytes sent | Time |\n"
			"|---|---|---|---|---|---|---|\n",
		    src->digest, registry_source_kind_name(src->kind), src->nimages,
		    src->nimages == 1 ? "" : "s");
	for (size_t i = 0; i < nd; i++) {
		summary_add(rt, "| ");
		summary_add_cell(rt, d[i].name);
		summary_add(rt, " | ");
		for (size_t k = 0; k < nt; k++)
			if (t[k].reg == d[i].reg && !strcmp(t[k].repo, d[i].repo))
				summary_add(rt, "`%s` ", t[k].tag);
		summary_add(rt, " | %u | %u | %u | %llu | %.1fs |\n", d[i].stats.uploaded,
			    d[i].stats.skipped, d[i].stats.mounted,
			    (unsigned long long)d[i].stats.bytes_sent, d[i].secs);
	}
	for (size_t i = 0; i < src->nimages; i++)
		if (src->images[i].platform)
			summary_add(rt, "%s- `%s` %s\n", i ? "" : "\nPlatforms:\n",
				    src->images[i].platform, src->images[i].digest);
	if (src->source_digest)
		summary_add(rt, "\nThe source `%s` was reshaped before the push (%s): `%s` is a "
				"new digest.\n", src->source_digest, how, src->digest);
	for (size_t i = 0; i < src->nreferrers; i++)
		summary_add(rt, "%s- `%s` attestation of %s (%s)\n", i ? "" : "\nReferrers:\n",
			    src->referrers[i].digest, src->referrers[i].subject,
			    src->referrers[i].artifact_type);
	free(s);
	free(plat);
	json_decref(meta);
	strlist_clear(&refs);
	strlist_clear(&tags);
	strlist_clear(&plats);
	return rc;
}

/*
 * --create-repository: every ECR destination's repository exists before the first blob moves
 * (ECR, unlike most registries, does not create repositories on push). Other hosts are left
 * to their registry, with a warning.
 */
static int ensure_repositories(struct rt *rt, struct dest *d, size_t nd,
			       const struct ecr_repo_opts *ro)
{
	int rc = 0;

	for (size_t i = 0; i < nd && !rc; i++) {
		struct aws_client *c = NULL;
		char *account = NULL, *region = NULL;
		int created = 0;

		if (!registry_host_is_ecr(d[i].host, &account, &region)) {
			wf_warning(rt, "create-repository", "%s is not an ECR registry: its repository "
				   "%s is not created by convoy (most registries create it on push)",
				   d[i].host, d[i].repo);
			continue;
		}
		rc = aws_client_new(&c, rt, region);
		if (!rc)
			rc = aws_ecr_ensure_repository(c, account, d[i].repo, ro, &created);
		if (rc)
			rc = err_wrap(rc, "input 'create-repository': ECR repository %s", d[i].name);
		else if (created)
			rt_info(rt, "created ECR repository %s (tags %s, scan on push %s)", d[i].name,
				ro->immutable_tags ? "immutable" : "mutable",
				ro->scan_on_push ? "on" : "off");
		else
			rt_info(rt, "ECR repository %s exists", d[i].name);
		aws_client_free(c);
		free(account);
		free(region);
	}
	return rc;
}

/*
 * `tags` lower-cases image names as metadata-action does; a push to an upper-case name is
 * refused instead, as for tag-list, since the repository written would not be the one named.
 * The host part (docker's rule: it has a '.' or a ':', or is localhost) may have any case.
 */
static int check_images_lower(const struct inputs *in)
{
	struct strlist images = STRLIST_INIT;
	struct meta_image *im = NULL;
	size_t n = 0;
	int rc;

	if ((rc = inputs_get_list(in, "images", LIST_IGNORE_COMMA | LIST_COMMENTS, &images)) ||
	    (rc = meta_images_parse(&images, &im, &n)))
		goto out;
	for (size_t i = 0; i < n && !rc; i++) {
		const char *name = im[i].name, *slash = strchr(name, '/'), *path = name;
		char *low;

		if (slash && (memchr(name, '.', (size_t)(slash - name)) ||
			      memchr(name, ':', (size_t)(slash - name)) ||
			      !strncmp(name, "localhost/", 10)))
			path = slash + 1;
		for (const char *c = path; *c && !rc; c++) {
			if (!isupper((unsigned char)*c))
				continue;
			if (!(low = strdup(name))) {
				rc = err_set(E_NOMEM, "out of memory");
				break;
			}
			for (char *l = low + (path - name); *l; l++)
				*l = (char)tolower((unsigned char)*l);
			rc = err_set(E_USAGE, "input 'images': '%s': repository names are lower-case: "
					      "write '%s'", name, low);
			free(low);
		}
	}
out:
	meta_images_free(im, n);
	strlist_clear(&images);
	return rc;
}

/* --by-digest: the repositories alone, from the image names (no tag computed) or from
 * tag-list entries that name no tag. */
static int by_digest_repos(const struct inputs *in, struct strlist *out)
{
	struct strlist images = STRLIST_INIT;
	struct meta_image *im = NULL;
	size_t n = 0;
	int rc;

	if (inputs_get(in, "tag-list")) {
		if ((rc = inputs_get_list(in, "tag-list", 0, out)))
			return rc;
		for (size_t i = 0; i < out->len; i++) {
			struct registry_ref ref;
			int tagged;

			if ((rc = registry_ref_parse(&ref, out->items[i])))
				return err_wrap(rc, "input 'tag-list'");
			tagged = ref.tag || ref.digest;
			registry_ref_free(&ref);
			if (tagged)
				return err_set(E_USAGE, "input 'tag-list': '%s' names a tag or digest: "
							"with 'by-digest' no tag is written; give "
							"the repository (host/repo)", out->items[i]);
		}
		return 0;
	}
	if (!inputs_get(in, "images"))
		return err_set(E_USAGE, "input 'images' (or 'tag-list') is required: the "
				       "repositories to push to");
	if ((rc = check_images_lower(in)) ||
	    (rc = inputs_get_list(in, "images", LIST_IGNORE_COMMA | LIST_COMMENTS, &images)) ||
	    (rc = meta_images_parse(&images, &im, &n)))
		goto out;
	for (size_t i = 0; i < n && !rc; i++)
		if (im[i].enable && !strlist_contains(out, im[i].name))
			rc = strlist_add(out, im[i].name);
out:
	meta_images_free(im, n);
	strlist_clear(&images);
	return rc;
}

/* --platform: os/arch or os/arch/variant, lower-case words (as OCI's platform fields are). */
static int check_platform(const char *p)
{
	int parts = 1, ok = *p != 0 && *p != '/';

	for (const char *c = p; *c && ok; c++) {
		if (*c == '/') {
			parts++;
			ok = c[1] && c[1] != '/';
		} else {
			ok = islower((unsigned char)*c) || isdigit((unsigned char)*c) || *c == '_' ||
			     *c == '-' || *c == '.';
		}
	}
	if (!ok || parts < 2 || parts > 3)
		return err_set(E_USAGE, "input 'platform': '%s' is not a platform: expected "
				       "os/arch or os/arch/variant (linux/amd64, linux/arm64/v8)",
			       p);
	return 0;
}

/* The source opened, its platforms known, and reshaped for attestations, platform and
 * media-types: what is pushed, before any registry is contacted. */
static int source_prepare(struct rt *rt, const struct inputs *in, enum registry_attest_mode amode,
			  enum registry_media_types mts, int by_digest, struct registry_source **out)
{
	struct registry_source *src = NULL;
	int rc;

	*out = NULL;
	if ((rc = registry_source_open(&src, inputs_get(in, "source"), NULL)))
		return err_wrap(rc, "input 'source'");
	if ((rc = registry_source_platforms(src)) ||
	    (rc = registry_source_reshape(src, amode, inputs_get(in, "platform"))) ||
	    /* one platform of a matrix build: merge joins manifests, not indexes */
	    (by_digest && src->nattestations && amode != REGISTRY_ATTEST_KEEP &&
	     (rc = registry_source_unwrap(src))) ||
	    (rc = registry_source_convert(src, mts))) {
		registry_source_free(src);
		return rc;
	}
	if (src->nattestations && amode == REGISTRY_ATTEST_DROP)
		wf_notice(rt, "attestations", "BuildKit's %zu attestation manifest%s (provenance, "
			  "SBOM) dropped: %s is pushed without them", src->nattestations,
			  src->nattestations == 1 ? "" : "s", src->digest);
	if (src->source_digest)
		rt_info(rt, "reshaped %s into %s (%zu platform%s, %zu referrer%s)",
			src->source_digest, src->digest, src->nimages, src->nimages == 1 ? "" : "s",
			src->nreferrers, src->nreferrers == 1 ? "" : "s");
	*out = src;
	return 0;
}

int cmd_push(struct rt *rt, int argc, char **argv)
{
	struct inputs in;
	struct tags_result tr;
	struct strlist refs = STRLIST_INIT, insecure = STRLIST_INIT;
	struct registry_source *src = NULL;
	struct dest *d = NULL;
	struct tag_target *t = NULL;
	size_t nd = 0, nt = 0;
	unsigned long conc = 4, chunk = 0;
	struct http_opts hopts;
	struct ecr_repo_opts ro;
	struct sign_key *key = NULL;
	enum sign_storage storage = SIGN_STORAGE_BOTH;
	enum registry_attest_mode amode = REGISTRY_ATTEST_REFERRERS;
	enum registry_media_types mts = REGISTRY_MT_AS_IS;
	int rc, have_tr = 0, create_repo = 0, by_digest = 0;

	memset(&tr, 0, sizeof(tr));
	memset(&ro, 0, sizeof(ro));
	if ((rc = inputs_parse(rt, cmd_push_inputs, argc, argv, &in)))
		goto out;
	if ((rc = inputs_get_uint(&in, "concurrency", 1, 32, &conc)) ||
	    (rc = inputs_get_uint(&in, "chunk-size", 1, 1UL << 30, &chunk)) ||
	    (rc = inputs_get_list(&in, "insecure-registry", 0, &insecure)) ||
	    (rc = inputs_get_bool(&in, "create-repository", &create_repo)) ||
	    (rc = inputs_get_bool(&in, "by-digest", &by_digest)) ||
	    (rc = inputs_get_bool(&in, "immutable-tags", &ro.immutable_tags)) ||
	    (rc = inputs_get_bool(&in, "scan-on-push", &ro.scan_on_push)) ||
	    (rc = aws_inputs_apply(rt, &in)) ||
	    (rc = sign_storage_parse(inputs_get(&in, "signature-storage"),
				     "input 'signature-storage'", &storage)) ||
	    (rc = registry_attest_mode_parse(inputs_get(&in, "attestations"),
					     "input 'attestations'", &amode)) ||
	    (rc = registry_media_types_parse(inputs_get(&in, "media-types"),
					     "input 'media-types'", &mts)))
		goto out;
	if (inputs_get(&in, "platform") && (rc = check_platform(inputs_get(&in, "platform"))))
		goto out;
	if (inputs_get(&in, "sign-key") &&
	    (rc = sign_key_load(&key, inputs_get(&in, "sign-key"), 1, "input 'sign-key'")))
		goto out;
	if (by_digest) {
		if ((rc = by_digest_repos(&in, &refs)))
			goto out;
	} else if (inputs_get(&in, "tag-list")) {
		if ((rc = inputs_get_list(&in, "tag-list", 0, &refs)))
			goto out;
	} else {
		if (!inputs_get(&in, "images")) {
			rc = err_set(E_USAGE, "input 'images' (or 'tag-list') is required: the "
					      "repositories to push to");
			goto out;
		}
		if ((rc = check_images_lower(&in)) || (rc = tags_compute(rt, &in, &tr)))
			goto out;
		have_tr = 1;
		for (size_t i = 0; i < tr.meta.tags.len; i++)
			if ((rc = strlist_add(&refs, tr.meta.tags.items[i])))
				goto out;
	}
	if (!refs.len && by_digest) {
		rc = err_set(E_USAGE, "input 'images': no repository to push to (every image is "
				      "enable=false)");
		goto out;
	}
	if (!refs.len) {
		rc = err_set(E_USAGE, "no tags to push: the 'tags' entries produced none for this "
				      "event (or 'tag-list' is empty)");
		goto out;
	}
	d = calloc(refs.len, sizeof(*d));
	t = calloc(refs.len, sizeof(*t));
	if (!d || !t) {
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	/* Every reference is checked before anything is sent anywhere. */
	for (size_t i = 0; i < refs.len; i++) {
		struct registry_ref ref;
		struct dest *de;
		char *name;

		if ((rc = registry_ref_parse(&ref, refs.items[i]))) {
			rc = err_wrap(rc, "input '%s'", have_tr ? "tags" : "tag-list");
			goto out;
		}
		if (ref.digest) {
			rc = err_set(E_USAGE, "input '%s': '%s' names a digest: push writes tags, so "
					      "give repo:tag", have_tr ? "tags" : "tag-list",
				     refs.items[i]);
			registry_ref_free(&ref);
			goto out;
		}
		if (!ref.tag && !by_digest) {
			/* "reg/app" means "reg/app:latest", as docker push reads it */
			struct buf b = BUF_INIT;

			registry_ref_free(&ref);
			if ((rc = buf_printf(&b, "%s:latest", refs.items[i])))
				goto out;
			free(refs.items[i]);
			refs.items[i] = buf_detach(&b);
			if ((rc = registry_ref_parse(&ref, refs.items[i])))
				goto out;
		}
		name = registry_ref_repo_dup(&ref);
		de = name ? find_dest(d, nd, name) : NULL;
		if (!de && name) {
			de = &d[nd++];
			de->name = name;
			de->host = strdup(registry_ref_api_host(&ref));
			de->repo = strdup(ref.path);
			name = NULL;
		}
		free(name);
		if (by_digest) {
			registry_ref_free(&ref);
			continue;
		}
		t[nt].repo = de ? strdup(de->repo) : NULL;
		t[nt].tag = strdup(ref.tag);
		t[nt].reg = (struct registry *)de; /* resolved below */
		nt++;
		registry_ref_free(&ref);
	}
	http_opts_defaults(&hopts);
	if ((rc = net_inputs_apply(&in, &hopts)))
		goto out;
	if ((rc = source_prepare(rt, &in, amode, mts, by_digest, &src)))
		goto out;
	if (create_repo && (rc = ensure_repositories(rt, d, nd, &ro)))
		goto out;
	hopts.insecure_hosts = &insecure;
	hopts.verbose = rt->verbose;
	for (size_t i = 0; i < nd; i++) {
		struct registry_opts o;
		struct registry *shared = find_reg(d, i, d[i].host);

		if (shared) {
			d[i].reg = shared;
			continue;
		}
		memset(&o, 0, sizeof(o));
		o.username = inputs_get(&in, "username");
		o.password = inputs_get(&in, "password");
		o.config_dir = inputs_get(&in, "registry-config");
		o.cred_provider = aws_ecr_cred_provider;
		o.cred_ctx = rt;
		o.insecure_hosts = &insecure;
		o.chunk_size = chunk;
		o.http_opts = &hopts;
		o.rt = rt;
		o.verbose = rt->verbose;
		if ((rc = registry_open(&d[i].reg, d[i].host, &o)) ||
		    (rc = registry_ping(d[i].reg))) {
			rc = err_wrap(rc, "registry %s", d[i].host);
			goto out;
		}
	}
	for (size_t i = 0; i < nt; i++)
		t[i].reg = ((struct dest *)t[i].reg)->reg;

	/* Phase 1: blobs and manifests, by digest, into every repository. */
	for (size_t i = 0; i < nd; i++) {
		const char *mount_from = NULL;
		double t0 = now_s();

		for (size_t k = 0; k < i; k++)
			if (d[k].reg == d[i].reg)
				mount_from = d[k].repo;
		rt_info(rt, "pushing %s to %s", src->digest, d[i].name);
		rc = registry_push_image(rt, d[i].reg, d[i].repo, src, mount_from, (unsigned)conc,
					 &d[i].stats);
		d[i].secs = now_s() - t0;
		if (rc) {
			rc = err_wrap(rc, "pushing to %s (no tag was changed)", d[i].name);
			goto out;
		}
		rt_info(rt, "  %s: %u uploaded, %u skipped, %u mounted, %llu bytes%s", d[i].name,
			d[i].stats.uploaded, d[i].stats.skipped, d[i].stats.mounted,
			(unsigned long long)d[i].stats.bytes_sent,
			d[i].stats.already_present ? " (already there)" : "");
		if (d[i].stats.referrers)
			rt_info(rt, "  %s: %u referrer%s (%s)", d[i].name, d[i].stats.referrers,
				d[i].stats.referrers == 1 ? "" : "s",
				d[i].stats.referrers_api ? "referrers API"
							 : "referrers tag schema sha256-<hex>");
	}
	/* With a key, every repository's copy is signed before any tag points at it. */
	for (size_t i = 0; key && i < nd; i++) {
		if ((rc = sign_image(d[i].reg, d[i].repo, d[i].name, src->digest, key, storage,
				     NULL))) {
			rc = err_wrap(rc, "no tag was changed");
			goto out;
		}
		rt_info(rt, "signed %s@%s with key %s (no Rekor entry: offline)", d[i].name,
			src->digest, sign_key_id(key));
	}
	/* Phase 2: the tags, only now that every manifest is in place. */
	if (nt && (rc = registry_tags_write(t, nt, src->digest, src->media_type, &src->top)))
		goto out;
	for (size_t i = 0; i < nt; i++)
		rt_info(rt, "%s %s:%s -> %s", t[i].unchanged ? "unchanged" : "tagged", t[i].repo,
			t[i].tag, src->digest);
	if (by_digest)
		rt_info(rt, "by digest: no tag written (join the platforms with convoy merge)");
	{
		const char *attest = attest_outcome(src, amode);
		struct buf how = BUF_INIT;

		rc = reshape_how(&how, src, attest, inputs_get(&in, "platform"),
				 inputs_get(&in, "media-types"));
		if (!rc)
			rc = write_outputs(rt, src, d, nd, t, nt, attest, buf_cstr(&how));
		buf_free(&how);
	}
out:
	/* Sessions are shared per host: close each once, before the names go. */
	for (size_t i = nd; i-- > 0;)
		if (d[i].reg && !find_reg(d, i, d[i].host))
			registry_close(d[i].reg);
	for (size_t i = 0; i < nd; i++) {
		free(d[i].host);
		free(d[i].repo);
		free(d[i].name);
	}
	for (size_t i = 0; t && i < nt; i++) {
		free(t[i].repo);
		free(t[i].tag);
		free(t[i].previous);
	}
	free(d);
	free(t);
	registry_source_free(src);
	sign_key_free(key);
	if (have_tr)
		tags_result_free(&tr);
	strlist_clear(&refs);
	strlist_clear(&insecure);
	inputs_free(&in);
	return rc;
}
