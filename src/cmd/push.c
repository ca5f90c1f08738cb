/*
 * push: pushes a local image (OCI layout, OCI archive, docker save with an OCI layout) to every
 * tag computed as `convoy tags` does (or an explicit --tag-list). Per repository: skip
 * everything when the registry already has the top manifest; else blobs in parallel (HEAD,
 * mount from a repository of the same registry pushed earlier in this run, upload), then the
 * child manifests and the top manifest by digest. Tags are written last, after every
 * repository has all blobs and manifests, so a failed push moves no tag.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "actions/output.h"
#include "actions/summary.h"
#include "cmd/cmd.h"
#include "cmd/tags_compute.h"
#include "registry/client.h"
#include "registry/reference.h"
#include "registry/source.h"
#include "util/err.h"

const char cmd_push_summary[] =
	"Push an OCI layout, OCI archive or docker save tarball to registries under every tag";
const struct input_def cmd_push_inputs[] = {
	{ "source", IN_REQUIRED, NULL, "OCI layout directory, OCI archive or docker save tarball" },
	TAGS_COMPUTE_INPUTS,
	{ "tag-list", IN_MULTI, NULL, "explicit full references (host/repo:tag), one per line" },
	{ "username", 0, NULL, "registry user name" },
	{ "password", IN_SECRET, NULL, "registry password or token" },
	{ "registry-config", 0, NULL, "Docker config directory (default $DOCKER_CONFIG, ~/.docker)" },
	{ "insecure-registry", IN_MULTI, NULL, "host[:port] reachable over plain HTTP" },
	{ "concurrency", 0, "4", "blobs in flight at once (1-32)" },
	{ "chunk-size", 0, NULL, "force chunked uploads with this chunk size in bytes" },
	{ NULL, 0, NULL, NULL },
};

/* One destination repository and its tags. */
struct target {
	struct registry_ref ref; /* domain/path; tag unused */
	char *repo;              /* domain/path */
	struct strlist tags;
	struct registry *reg;
	unsigned uploaded, skipped, mounted;
	uint64_t bytes;
	int existed;
};

struct job {
	struct registry_source *src;
	struct target *t;
	const char *mount_from; /* path of an earlier repo on the same registry, or NULL */
	const struct registry_blob_desc **blobs;
	size_t nblobs;
	size_t next;
	pthread_mutex_t lock;
	int rc;
	char *msg;
	struct rt *rt;
};

static int push_blob(struct job *j, const struct registry_blob_desc *b)
{
	struct target *t = j->t;
	struct registry_blob_reader *rd = NULL;
	struct registry_upload_stats st = { 0 };
	int exists = 0, mounted = 0, rc;

	if ((rc = registry_blob_exists(t->reg, t->ref.path, b->digest, &exists, NULL)))
		return rc;
	if (exists) {
		pthread_mutex_lock(&j->lock);
		t->skipped++;
		pthread_mutex_unlock(&j->lock);
		return 0;
	}
	if (j->mount_from) {
		rc = registry_blob_mount(t->reg, t->ref.path, b->digest, j->mount_from, &mounted);
		if (rc)
			return rc;
		if (mounted) {
			pthread_mutex_lock(&j->lock);
			t->mounted++;
			pthread_mutex_unlock(&j->lock);
			return 0;
		}
	}
	if ((rc = registry_source_blob_open(j->src, b->digest, &rd)))
		return rc;
	{
		struct registry_blob_body body = { registry_blob_reader_read,
						   registry_blob_reader_rewind, rd };
		struct timespec t0, t1;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		rc = registry_blob_upload(t->reg, t->ref.path, b->digest, b->size, &body, &st);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (!rc && b->size >= 16u * 1024 * 1024 && (!j->rt->actions || j->rt->verbose)) {
			double s = (double)(t1.tv_sec - t0.tv_sec) +
				   (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

			fprintf(stderr, "push: %s %.12s: %.1f MiB in %.1f s (%.1f MiB/s)\n",
				t->repo, b->digest + 7, (double)b->size / 1048576.0, s,
				s > 0 ? (double)b->size / 1048576.0 / s : 0.0);
		}
	}
	registry_blob_reader_close(rd);
	if (!rc) {
		pthread_mutex_lock(&j->lock);
		t->uploaded++;
		t->bytes += st.bytes_sent;
		pthread_mutex_unlock(&j->lock);
	}
	return rc;
}

static void *worker(void *arg)
{
	struct job *j = arg;

	for (;;) {
		const struct registry_blob_desc *b = NULL;
		int rc;

		pthread_mutex_lock(&j->lock);
		if (!j->rc && j->next < j->nblobs)
			b = j->blobs[j->next++];
		pthread_mutex_unlock(&j->lock);
		if (!b)
			break;
		rc = push_blob(j, b);
		if (rc) {
			/* The message is thread-local: copy it to the shared result. */
			pthread_mutex_lock(&j->lock);
			if (!j->rc) {
				j->rc = rc;
				j->msg = strdup(err_msg());
			}
			pthread_mutex_unlock(&j->lock);
		}
	}
	return NULL;
}

static int push_blobs(struct rt *rt, struct registry_source *src, struct target *t,
		      const char *mount_from, unsigned conc)
{
	struct job j = { 0 };
	pthread_t th[32];
	unsigned n = 0;
	int rc = 0;

	j.src = src;
	j.t = t;
	j.rt = rt;
	j.mount_from = mount_from;
	pthread_mutex_init(&j.lock, NULL);
	{
		size_t cap = 0;

		for (size_t i = 0; i < src->nimages; i++)
			cap += src->images[i].nlayers + 1;
		j.blobs = calloc(cap + 1, sizeof(*j.blobs));
		if (!j.blobs) {
			rc = err_set(E_NOMEM, "out of memory");
			goto out;
		}
		/* Unique blobs, layers first (largest work), configs last. */
		for (size_t i = 0; i < src->nimages; i++)
			for (size_t k = 0; k <= src->images[i].nlayers; k++) {
				const struct registry_blob_desc *b =
					k < src->images[i].nlayers ? &src->images[i].layers[k]
								   : &src->images[i].config;
				int dup = 0;

				for (size_t m = 0; m < j.nblobs && !dup; m++)
					dup = !strcmp(j.blobs[m]->digest, b->digest);
				if (!dup)
					j.blobs[j.nblobs++] = b;
			}
	}
	if (conc > j.nblobs)
		conc = (unsigned)j.nblobs;
	for (n = 0; n < conc; n++)
		if (pthread_create(&th[n], NULL, worker, &j))
			break;
	if (!n)
		worker(&j);
	for (unsigned i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	if (j.rc)
		rc = err_set(j.rc, "%s", j.msg ? j.msg : "blob upload failed");
out:
	free(j.msg);
	free(j.blobs);
	pthread_mutex_destroy(&j.lock);
	return rc;
}

static void target_free(struct target *t)
{
	registry_ref_free(&t->ref);
	free(t->repo);
	strlist_clear(&t->tags);
	registry_close(t->reg);
}

/* Adds full reference s to the target list (grouped by repository). */
static int add_tag_ref(struct target **ts, size_t *nt, const char *s, const char *input)
{
	struct registry_ref ref;
	char *repo;
	int rc = registry_ref_parse(&ref, s);

	if (rc)
		return err_wrap(rc, "input '%s'", input);
	if (!ref.tag || ref.digest) {
		rc = err_set(E_USAGE, "input '%s': '%s' needs a tag and no digest (expected "
			     "host/repository:tag)", input, s);
		registry_ref_free(&ref);
		return rc;
	}
	repo = registry_ref_repo_dup(&ref);
	for (size_t i = 0; repo && i < *nt; i++)
		if (!strcmp((*ts)[i].repo, repo)) {
			free(repo);
			rc = strlist_contains(&(*ts)[i].tags, ref.tag) ? 0
				: strlist_add(&(*ts)[i].tags, ref.tag);
			registry_ref_free(&ref);
			return rc;
		}
	{
		struct target *n = realloc(*ts, (*nt + 1) * sizeof(**ts));

		if (!n || !repo) {
			free(repo);
			registry_ref_free(&ref);
			return err_set(E_NOMEM, "out of memory");
		}
		*ts = n;
		memset(&n[*nt], 0, sizeof(n[*nt]));
		n[*nt].repo = repo;
		rc = strlist_add(&n[*nt].tags, ref.tag);
		free(ref.tag);
		ref.tag = NULL;
		n[*nt].ref = ref;
		(*nt)++;
	}
	return rc;
}

static int put_manifests(struct registry_source *src, struct target *t)
{
	int rc;

	if (src->is_index)
		for (size_t i = 0; i < src->nimages; i++) {
			struct registry_image *im = &src->images[i];

			if ((rc = registry_manifest_put(t->reg, t->ref.path, im->digest,
							im->media_type, im->manifest.data,
							im->manifest.len, NULL)))
				return rc;
		}
	return registry_manifest_put(t->reg, t->ref.path, src->digest, src->media_type,
				     src->top.data, src->top.len, NULL);
}

int cmd_push(struct rt *rt, int argc, char **argv)
{
	struct inputs in;
	struct strlist list = STRLIST_INIT, insecure = STRLIST_INIT, refs = STRLIST_INIT,
		       alltags = STRLIST_INIT;
	struct tags_result tr = { 0 };
	struct registry_source *src = NULL;
	struct target *ts = NULL;
	size_t nt = 0;
	unsigned long conc = 4, chunk = 0;
	struct http_opts hopts;
	struct timespec t0, t1;
	int rc, computed = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = inputs_parse(rt, cmd_push_inputs, argc, argv, &in);
	if (rc)
		goto out;
	if (!inputs_get(&in, "source")) {
		rc = err_set(E_USAGE, "input 'source' is required (an OCI layout directory, an OCI "
			     "archive or a docker save tarball)");
		goto out;
	}
	if ((rc = inputs_get_uint(&in, "concurrency", 1, 32, &conc)))
		goto out;
	if (inputs_get(&in, "chunk-size") &&
	    (rc = inputs_get_uint(&in, "chunk-size", 1024, 1024ul * 1024 * 1024, &chunk)))
		goto out;
	if ((rc = inputs_get_list(&in, "insecure-registry", 0, &insecure)))
		goto out;
	if ((rc = inputs_get_list(&in, "tag-list", LIST_IGNORE_COMMA | LIST_COMMENTS, &list)))
		goto out;
	for (size_t i = 0; i < list.len; i++)
		if ((rc = add_tag_ref(&ts, &nt, list.items[i], "tag-list")))
			goto out;
	if (!list.len && inputs_get(&in, "images")) {
		if ((rc = tags_compute(rt, &in, &tr)))
			goto out;
		computed = 1;
		for (size_t i = 0; i < tr.meta.tags.len; i++)
			if ((rc = add_tag_ref(&ts, &nt, tr.meta.tags.items[i], "images")))
				goto out;
	}
	if (!nt) {
		rc = err_set(E_USAGE, "nothing to push to: give input 'images' (with 'tags') or "
			     "'tag-list' (full references host/repository:tag)");
		goto out;
	}
	(void)computed;
	if ((rc = registry_source_open(&src, inputs_get(&in, "source"), NULL)))
		goto out;
	rt_info(rt, "push: %s %s (%s, %zu platform%s) to %zu repositor%s",
		registry_source_kind_name(src->kind), src->digest,
		src->is_index ? "index" : "image", src->nimages, src->nimages == 1 ? "" : "s", nt,
		nt == 1 ? "y" : "ies");

	http_opts_defaults(&hopts);
	hopts.insecure_hosts = &insecure;
	hopts.verbose = rt->verbose;
	for (size_t i = 0; i < nt; i++) {
		struct registry_opts o = { 0 };

		o.username = inputs_get(&in, "username");
		o.password = inputs_get(&in, "password");
		o.config_dir = inputs_get(&in, "registry-config");
		o.insecure_hosts = &insecure;
		o.chunk_size = chunk;
		o.http_opts = &hopts;
		o.rt = rt;
		o.verbose = rt->verbose;
		if ((rc = registry_open(&ts[i].reg, registry_ref_api_host(&ts[i].ref), &o)))
			goto out;
	}
	/* Phase 1: blobs and manifests by digest, in every repository. */
	for (size_t i = 0; i < nt; i++) {
		struct target *t = &ts[i];
		const char *from = NULL;
		char *have = NULL;

		if ((rc = registry_ping(t->reg)))
			goto out;
		rc = registry_manifest_head(t->reg, t->ref.path, src->digest, &have, NULL);
		free(have);
		if (!rc) {
			t->existed = 1;
			rt_info(rt, "push: %s already has %s: nothing to upload", t->repo,
				src->digest);
			continue;
		}
		if (rc != E_NOTFOUND)
			goto out;
		err_clear();
		for (size_t k = 0; k < i; k++)
			if (!strcmp(ts[k].ref.domain, t->ref.domain))
				from = ts[k].ref.path;
		if ((rc = push_blobs(rt, src, t, from, (unsigned)conc)) ||
		    (rc = put_manifests(src, t))) {
			err_wrap(rc, "pushing to %s (no tag was changed)", t->repo);
			goto out;
		}
	}
	/* Phase 2: tags, only now that every repository has the whole image. */
	for (size_t i = 0; i < nt; i++) {
		struct target *t = &ts[i];

		for (size_t k = 0; k < t->tags.len; k++) {
			char *cur = NULL;
			struct buf full = BUF_INIT;

			if (registry_manifest_head(t->reg, t->ref.path, t->tags.items[k], &cur,
						   NULL) ||
			    !cur || strcmp(cur, src->digest)) {
				err_clear();
				rc = registry_manifest_put(t->reg, t->ref.path, t->tags.items[k],
							   src->media_type, src->top.data,
							   src->top.len, NULL);
			}
			free(cur);
			if (rc) {
				err_wrap(rc, "tagging %s:%s", t->repo, t->tags.items[k]);
				goto out;
			}
			if ((rc = buf_printf(&full, "%s:%s", t->repo, t->tags.items[k])) ||
			    (rc = strlist_add(&alltags, buf_cstr(&full)))) {
				buf_free(&full);
				goto out;
			}
			buf_free(&full);
		}
		{
			struct buf r = BUF_INIT;

			if ((rc = buf_printf(&r, "%s@%s", t->repo, src->digest)) ||
			    (rc = strlist_add(&refs, buf_cstr(&r)))) {
				buf_free(&r);
				goto out;
			}
			buf_free(&r);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	{
		double secs = (double)(t1.tv_sec - t0.tv_sec) +
			      (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		char *s_refs = strlist_join_dup(&refs, "\n"), *s_tags = strlist_join_dup(&alltags, "\n");
		json_t *meta = json_object(), *arr = json_array(), *plats = json_array();
		char *mj;
		struct buf pl = BUF_INIT;

		for (size_t i = 0; i < src->nimages; i++) {
			const char *p = src->images[i].platform ? src->images[i].platform : "unknown";

			json_array_append_new(plats, json_string(p));
			buf_printf(&pl, "%s%s", i ? ", " : "", p);
		}
		summary_add(rt, "### convoy push\n\n| image | tags | digest | platforms | uploaded "
			    "| skipped | mounted | bytes sent | time |\n|---|---|---|---|---|---|"
			    "---|---|---|\n");
		for (size_t i = 0; i < nt; i++) {
			struct target *t = &ts[i];
			json_t *o = json_object(), *tg = json_array();
			char *tj = strlist_join_dup(&t->tags, ", ");

			for (size_t k = 0; k < t->tags.len; k++)
				json_array_append_new(tg, json_string(t->tags.items[k]));
			json_object_set_new(o, "repository", json_string(t->repo));
			json_object_set_new(o, "tags", tg);
			json_object_set_new(o, "digest", json_string(src->digest));
			json_object_set_new(o, "layers_uploaded", json_integer(t->uploaded));
			json_object_set_new(o, "layers_skipped", json_integer(t->skipped));
			json_object_set_new(o, "layers_mounted", json_integer(t->mounted));
			json_object_set_new(o, "bytes_sent", json_integer((json_int_t)t->bytes));
			json_array_append_new(arr, o);
			summary_add(rt, "| ");
			summary_add_cell(rt, t->repo);
			summary_add(rt, " | ");
			summary_add_cell(rt, tj ? tj : "");
			summary_add(rt, " | `%s` | ", src->digest);
			summary_add_cell(rt, buf_cstr(&pl));
			summary_add(rt, " | %u | %u | %u | %llu | %.1f s |\n", t->uploaded,
				    t->skipped, t->mounted, (unsigned long long)t->bytes, secs);
			free(tj);
		}
		json_object_set_new(meta, "digest", json_string(src->digest));
		json_object_set_new(meta, "media_type", json_string(src->media_type));
		json_object_set_new(meta, "platforms", plats);
		json_object_set_new(meta, "images", arr);
		mj = json_dumps(meta, JSON_COMPACT);
		if (!s_refs || !s_tags || !mj)
			rc = err_set(E_NOMEM, "out of memory");
		if (!rc)
			rc = out_set(rt, "digest", src->digest);
		if (!rc)
			rc = out_set(rt, "image-refs", s_refs);
		if (!rc)
			rc = out_set(rt, "tags", s_tags);
		if (!rc)
			rc = out_set(rt, "metadata", mj);
		free(mj);
		free(s_refs);
		free(s_tags);
		buf_free(&pl);
		json_decref(meta);
	}
out:
	for (size_t i = 0; i < nt; i++)
		target_free(&ts[i]);
	free(ts);
	registry_source_free(src);
	if (computed)
		tags_result_free(&tr);
	strlist_clear(&list);
	strlist_clear(&insecure);
	strlist_clear(&refs);
	strlist_clear(&alltags);
	inputs_free(&in);
	return rc;
}
