/*
 * source: OCI layout directories and OCI archives (a tar of a layout, read in place: each
 * blob is a byte range of the tar). A docker save tarball holding an OCI layout (docker 25+,
 * skopeo docker-archive with index.json) is read the same way.
 */
#include "registry/source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "registry/client.h"
#include "registry/digest.h"
#include "registry/reference.h"
#include "registry/docker_save.h"
#include "util/err.h"

#define JSON_MAX (4u * 1024 * 1024)

struct tar_entry {
	char *name;
	uint64_t off, size;
};

struct source_priv {
	int is_dir;
	char *root; /* the layout directory, resolved (realpath): no file is read outside it */
	char *tmpdir; /* a legacy docker save converted to a layout (registry/docker_save) */
	struct tar_entry *entries;
	size_t nentries;
};

struct registry_blob_reader {
	int fd;
	uint64_t off, size, pos;
	char digest[REGISTRY_DIGEST_LEN + 1];
	struct registry_digest d;
	int failed;
};

const char *registry_source_kind_name(enum registry_source_kind k)
{
	switch (k) {
	case SOURCE_OCI_DIR: return "OCI layout";
	case SOURCE_OCI_ARCHIVE: return "OCI archive";
	case SOURCE_DOCKER_ARCHIVE: return "docker archive";
	}
	return "?";
}

static uint64_t octal(const char *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n && p[i]; i++) {
		if (p[i] == ' ')
			continue;
		if (p[i] < '0' || p[i] > '7')
			break;
		v = v * 8 + (uint64_t)(p[i] - '0');
	}
	return v;
}

static const char *strip_dot(const char *n)
{
	while (n[0] == '.' && n[1] == '/')
		n += 2;
	while (*n == '/')
		n++;
	return n;
}

static int tar_index(struct source_priv *p, int fd, const char *path)
{
	unsigned char h[512];
	uint64_t off = 0;
	char *longname = NULL;
	int rc = 0;

	for (;;) {
		ssize_t got = pread(fd, h, sizeof(h), (off_t)off);
		uint64_t size;
		char name[260];
		int type;

		if (got != (ssize_t)sizeof(h)) {
			if (got == 0 && off)
				break;
			rc = err_set(E_USAGE, "--source %s: truncated tar archive", path);
			break;
		}
		if (!h[0])
			break;
		size = octal((char *)h + 124, 12);
		type = h[156];
		if (memcmp(h + 257, "ustar", 5) == 0 && h[345])
			snprintf(name, sizeof(name), "%.155s/%.100s", (char *)h + 345, (char *)h);
		else
			snprintf(name, sizeof(name), "%.100s", (char *)h);
		off += 512;
		if (type == 'L' || type == 'x') {
			char *data = malloc(size + 1);

			if (!data || pread(fd, data, size, (off_t)off) != (ssize_t)size) {
				free(data);
				rc = err_set(E_USAGE, "--source %s: truncated tar archive", path);
				break;
			}
			data[size] = 0;
			free(longname);
			longname = NULL;
			if (type == 'L') {
				longname = data;
			} else {
				char *pp = strstr(data, " path=");

				if (pp) {
					char *e = strchr(pp + 6, '\n');

					longname = strndup(pp + 6, e ? (size_t)(e - pp - 6) : 0);
				}
				free(data);
			}
		} else if (type == '0' || type == 0) {
			struct tar_entry *e = realloc(p->entries, (p->nentries + 1) * sizeof(*e));

			if (!e) {
				rc = err_set(E_NOMEM, "out of memory");
				break;
			}
			p->entries = e;
			e[p->nentries].name = strdup(strip_dot(longname ? longname : name));
			e[p->nentries].off = off;
			e[p->nentries].size = size;
			p->nentries++;
			free(longname);
			longname = NULL;
		}
		off += (size + 511) / 512 * 512;
	}
	free(longname);
	return rc;
}

static const struct tar_entry *tar_find(const struct source_priv *p, const char *name)
{
	for (size_t i = p->nentries; i-- > 0;)
		if (p->entries[i].name && !strcmp(p->entries[i].name, name))
			return &p->entries[i];
	return NULL;
}

static int blob_path(struct buf *b, const char *digest)
{
	const char *colon = strchr(digest, ':');

	buf_reset(b);
	return buf_printf(b, "blobs/%.*s/%s", (int)(colon - digest), digest, colon + 1);
}

/*
 * Whether the file full (rel in the layout) resolves inside the layout directory: a blob that
 * is a symbolic link out of it (to /etc/passwd, with a matching digest) would push a file of
 * this machine. Links within the layout (a blob shared by two layouts' trees) are fine.
 */
static int inside_layout(struct registry_source *s, const char *full, const char *rel)
{
	struct source_priv *p = s->priv;
	char *real;
	size_t n;
	int ok;

	if (!p->root)
		return err_set(E_INTERNAL, "--source %s: the layout directory is not resolved",
			       s->path);
	if (!(real = realpath(full, NULL)))
		return errno == ENOENT ? err_set(E_NOTFOUND, "--source %s: %s is missing",
						 s->path, rel)
				       : err_set(E_IO, "--source %s: %s: %s", s->path, rel,
						 strerror(errno));
	n = strlen(p->root);
	ok = !strncmp(real, p->root, n) && (real[n] == '/' || (n == 1 && p->root[0] == '/'));
	if (!ok)
		err_set(E_USAGE, "--source %s: %s is a symbolic link to %s, outside the layout "
			"directory; refusing to read it (expected the blob's own file)", s->path,
			rel, real);
	free(real);
	return ok ? 0 : E_USAGE;
}

/* Opens a file of the layout (relative path) as fd + range. */
static int open_member(struct registry_source *s, const char *rel, int *fd, uint64_t *off,
		       uint64_t *size)
{
	struct source_priv *p = s->priv;

	*fd = -1;
	if (p->is_dir) {
		struct buf full = BUF_INIT;
		struct stat st;

		int rc;

		if (buf_printf(&full, "%s/%s", s->path, rel))
			return err_code();
		if ((rc = inside_layout(s, buf_cstr(&full), rel))) {
			buf_free(&full);
			return rc;
		}
		*fd = open(buf_cstr(&full), O_RDONLY | O_CLOEXEC);
		buf_free(&full);
		if (*fd < 0 || fstat(*fd, &st)) {
			if (*fd >= 0)
				close(*fd);
			*fd = -1;
			return err_set(errno == ENOENT ? E_NOTFOUND : E_IO,
				       "--source %s: %s is missing", s->path, rel);
		}
		if (!S_ISREG(st.st_mode)) {
			close(*fd);
			*fd = -1;
			return err_set(E_USAGE, "--source %s: %s is not a regular file", s->path,
				       rel);
		}
		*off = 0;
		*size = (uint64_t)st.st_size;
		return 0;
	} else {
		const struct tar_entry *e = tar_find(p, rel);

		if (!e)
			return err_set(E_NOTFOUND, "--source %s: %s is missing from the archive",
				       s->path, rel);
		*fd = open(s->path, O_RDONLY | O_CLOEXEC);
		if (*fd < 0)
			return err_set(E_IO, "--source %s: %s", s->path, strerror(errno));
		*off = e->off;
		*size = e->size;
		return 0;
	}
}

static int tar_member_open(void *ctx, const char *name, int *fd, uint64_t *off, uint64_t *size)
{
	return open_member(ctx, strip_dot(name), fd, off, size);
}

int registry_source_blob_open(struct registry_source *s, const char *digest,
			      struct registry_blob_reader **out)
{
	struct registry_blob_reader *rd;
	struct buf rel = BUF_INIT;
	int rc;

	*out = NULL;
	if (!registry_digest_valid(digest) || strncmp(digest, "sha256:", 7))
		return err_set(E_USAGE, "--source %s: invalid or unsupported digest '%.80s'",
			       s->path, digest);
	rd = calloc(1, sizeof(*rd));
	if (!rd)
		return err_set(E_NOMEM, "out of memory");
	rd->fd = -1;
	memcpy(rd->digest, digest, REGISTRY_DIGEST_LEN + 1);
	if ((rc = blob_path(&rel, digest)) ||
	    (rc = open_member(s, buf_cstr(&rel), &rd->fd, &rd->off, &rd->size)) ||
	    (rc = registry_digest_init(&rd->d))) {
		buf_free(&rel);
		registry_blob_reader_close(rd);
		return rc;
	}
	buf_free(&rel);
	*out = rd;
	return 0;
}

size_t registry_blob_reader_read(char *dst, size_t n, void *ctx)
{
	struct registry_blob_reader *rd = ctx;
	ssize_t got;

	if (rd->failed)
		return (size_t)-1;
	if (rd->pos >= rd->size)
		return 0;
	if (n > rd->size - rd->pos)
		n = (size_t)(rd->size - rd->pos);
	got = pread(rd->fd, dst, n, (off_t)(rd->off + rd->pos));
	if (got <= 0) {
		rd->failed = 1;
		err_set(E_IO, "reading blob %s: %s", rd->digest, got ? strerror(errno) : "short file");
		return (size_t)-1;
	}
	rd->pos += (uint64_t)got;
	if (registry_digest_update(&rd->d, dst, (size_t)got)) {
		rd->failed = 1;
		return (size_t)-1;
	}
	/* Check before the last bytes leave, so a corrupt blob is never completed remotely. */
	if (rd->pos == rd->size) {
		char sum[REGISTRY_DIGEST_LEN + 1];

		if (registry_digest_final(&rd->d, sum) || strcmp(sum, rd->digest)) {
			rd->failed = 1;
			err_set(E_INTEGRITY, "blob %s is corrupt: its content has digest %s",
				rd->digest, sum);
			return (size_t)-1;
		}
	}
	return (size_t)got;
}

int registry_blob_reader_rewind(void *ctx)
{
	struct registry_blob_reader *rd = ctx;

	if (rd->failed)
		return err_code() ? err_code() : E_INTEGRITY;
	rd->pos = 0;
	registry_digest_free(&rd->d);
	return registry_digest_init(&rd->d);
}

void registry_blob_reader_close(struct registry_blob_reader *rd)
{
	if (!rd)
		return;
	if (rd->fd >= 0)
		close(rd->fd);
	registry_digest_free(&rd->d);
	free(rd);
}

int registry_source_blob_read(struct registry_source *s, const char *digest, size_t max,
			      struct buf *out)
{
	struct registry_blob_reader *rd;
	char tmp[65536];
	int rc = registry_source_blob_open(s, digest, &rd);

	if (rc)
		return rc;
	if (rd->size > max) {
		registry_blob_reader_close(rd);
		return err_set(E_LIMIT, "--source %s: blob %s is over %zu bytes", s->path, digest,
			       max);
	}
	for (;;) {
		size_t n = registry_blob_reader_read(tmp, sizeof(tmp), rd);

		if (n == (size_t)-1) {
			rc = err_code() ? err_code() : E_IO;
			break;
		}
		if (!n)
			break;
		if ((rc = buf_add(out, tmp, n)))
			break;
	}
	if (!rc && rd->size == 0) {
		char sum[REGISTRY_DIGEST_LEN + 1];

		if (registry_digest_buf("", 0, sum) || strcmp(sum, digest))
			rc = err_set(E_INTEGRITY, "blob %s is corrupt (empty)", digest);
	}
	registry_blob_reader_close(rd);
	return rc;
}

static int desc_parse(json_t *j, struct registry_blob_desc *d, const char *what, const char *path)
{
	json_t *dg = json_object_get(j, "digest"), *sz = json_object_get(j, "size"),
	       *mt = json_object_get(j, "mediaType");

	if (!json_is_string(dg) || !registry_digest_valid(json_string_value(dg)) ||
	    !json_is_integer(sz) || json_integer_value(sz) < 0)
		return err_set(E_USAGE, "--source %s: %s has no valid digest and size", path, what);
	d->digest = strdup(json_string_value(dg));
	d->size = (uint64_t)json_integer_value(sz);
	d->media_type = json_is_string(mt) ? strdup(json_string_value(mt)) : NULL;
	return d->digest ? 0 : err_set(E_NOMEM, "out of memory");
}

static void desc_free(struct registry_blob_desc *d)
{
	free(d->digest);
	free(d->media_type);
}

static char *platform_dup(json_t *p)
{
	struct buf b = BUF_INIT;
	const char *os = json_string_value(json_object_get(p, "os"));
	const char *arch = json_string_value(json_object_get(p, "architecture"));
	const char *var = json_string_value(json_object_get(p, "variant"));

	if (!os || !arch)
		return NULL;
	if (buf_printf(&b, "%s/%s%s%s", os, arch, var ? "/" : "", var ? var : "")) {
		buf_free(&b);
		return NULL;
	}
	return buf_detach(&b);
}

static int is_index_type(const char *mt)
{
	return mt && (!strcmp(mt, REGISTRY_MT_OCI_INDEX) || !strcmp(mt, REGISTRY_MT_DOCKER_LIST));
}

/* Reads one image manifest by descriptor into img. */
static int image_load(struct registry_source *s, json_t *desc, struct registry_image *img)
{
	struct registry_blob_desc d = { 0 };
	json_t *root = NULL, *layers, *l;
	size_t i;
	int rc;

	if ((rc = desc_parse(desc, &d, "a manifest descriptor", s->path)))
		goto out;
	img->digest = d.digest;
	d.digest = NULL;
	img->platform = platform_dup(json_object_get(desc, "platform"));
	if ((rc = registry_source_blob_read(s, img->digest, REGISTRY_MAX_MANIFEST, &img->manifest)))
		goto out;
	root = json_loadb(img->manifest.data, img->manifest.len, 0, NULL);
	if (!json_is_object(root)) {
		rc = err_set(E_USAGE, "--source %s: manifest %s is not JSON", s->path, img->digest);
		goto out;
	}
	{
		const char *mt = json_string_value(json_object_get(root, "mediaType"));

		img->media_type = strdup(mt ? mt : d.media_type ? d.media_type
								: REGISTRY_MT_OCI_MANIFEST);
	}
	if ((rc = desc_parse(json_object_get(root, "config"), &img->config, "the image config",
			     s->path)))
		goto out;
	layers = json_object_get(root, "layers");
	if (!json_is_array(layers)) {
		rc = err_set(E_USAGE, "--source %s: manifest %s has no layers", s->path,
			     img->digest);
		goto out;
	}
	img->layers = calloc(json_array_size(layers) + 1, sizeof(*img->layers));
	if (!img->layers) {
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	json_array_foreach(layers, i, l) {
		if ((rc = desc_parse(l, &img->layers[i], "a layer", s->path)))
			goto out;
		img->nlayers++;
	}
out:
	desc_free(&d);
	json_decref(root);
	return rc;
}

/*
 * A blob's file is as long as its descriptor says, checked before anything is sent: a layout
 * that declares 10 GB for a 2 KB file would otherwise open a 10 GB upload and wait for the
 * timeouts. A blob absent from the layout is not checked here (reading it fails; the
 * registry may have it already).
 */
static int check_size(struct registry_source *s, const struct registry_blob_desc *d,
		      const char *what, const char *manifest)
{
	struct buf rel = BUF_INIT;
	uint64_t off, size;
	int fd = -1, rc;

	if ((rc = blob_path(&rel, d->digest)))
		return rc;
	rc = open_member(s, buf_cstr(&rel), &fd, &off, &size);
	if (fd >= 0)
		close(fd);
	if (rc == E_NOTFOUND) {
		err_clear();
		rc = 0;
	} else if (!rc && size != d->size) {
		rc = err_set(E_USAGE, "--source %s: %s %s is %llu bytes in the layout, but manifest "
			     "%s declares %llu; nothing was pushed (expected the sizes to match)",
			     s->path, what, d->digest, (unsigned long long)size, manifest,
			     (unsigned long long)d->size);
	}
	buf_free(&rel);
	return rc;
}

static int check_sizes(struct registry_source *s)
{
	int rc = 0;

	for (size_t i = 0; i < s->nimages && !rc; i++) {
		const struct registry_image *im = &s->images[i];

		rc = check_size(s, &im->config, "config", im->digest);
		for (size_t k = 0; k < im->nlayers && !rc; k++)
			rc = check_size(s, &im->layers[k], "layer", im->digest);
	}
	return rc;
}

static int load_index(struct registry_source *s, json_t *manifests)
{
	json_t *m;
	size_t i;
	int rc = 0;

	s->images = calloc(json_array_size(manifests) + 1, sizeof(*s->images));
	if (!s->images)
		return err_set(E_NOMEM, "out of memory");
	json_array_foreach(manifests, i, m) {
		const char *mt = json_string_value(json_object_get(m, "mediaType"));

		if (is_index_type(mt))
			return err_set(E_USAGE, "--source %s: nested image indexes are not supported",
				       s->path);
		if ((rc = image_load(s, m, &s->images[s->nimages])))
			return rc;
		s->nimages++;
	}
	return 0;
}

int registry_source_open(struct registry_source **out, const char *path, const char *pick)
{
	struct registry_source *s = calloc(1, sizeof(*s));
	struct source_priv *p = calloc(1, sizeof(*p));
	struct buf idx = BUF_INIT;
	json_t *root = NULL, *manifests, *top = NULL, *topj = NULL;
	struct stat st;
	int rc = 0, fd = -1;
	uint64_t off, size;

	*out = NULL;
	if (!s || !p) {
		free(s);
		free(p);
		return err_set(E_NOMEM, "out of memory");
	}
	s->priv = p;
	s->path = strdup(path);
	if (!s->path) {
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	if (stat(path, &st)) {
		rc = err_set(E_USAGE, "input 'source': %s does not exist (expected an OCI layout "
			     "directory, an OCI archive or a docker save tarball)", path);
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		p->is_dir = 1;
		s->kind = SOURCE_OCI_DIR;
	} else {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			rc = err_set(E_IO, "input 'source': %s: %s", path, strerror(errno));
			goto out;
		}
		rc = tar_index(p, fd, path);
		close(fd);
		fd = -1;
		if (rc)
			goto out;
		s->kind = tar_find(p, "manifest.json") ? SOURCE_DOCKER_ARCHIVE : SOURCE_OCI_ARCHIVE;
		if (s->kind == SOURCE_DOCKER_ARCHIVE && !tar_find(p, "index.json")) {
			/* Legacy layout (layer.tar files): recompress into a temp OCI layout. */
			if ((rc = docker_save_to_layout(path, tar_member_open, s, &p->tmpdir)))
				goto out;
			p->is_dir = 1;
			free(s->path);
			s->path = strdup(p->tmpdir);
			if (!s->path) {
				rc = err_set(E_NOMEM, "out of memory");
				goto out;
			}
		}
	}
	/* Resolved once here, before blob readers run on other threads (inside_layout). */
	if (p->is_dir && !(p->root = realpath(s->path, NULL))) {
		rc = err_set(E_IO, "input 'source': %s: %s", s->path, strerror(errno));
		goto out;
	}
	if ((rc = open_member(s, "index.json", &fd, &off, &size)))
		goto notlayout;
	if (size > JSON_MAX || buf_grow(&idx, (size_t)size + 1) ||
	    pread(fd, idx.data, (size_t)size, (off_t)off) != (ssize_t)size) {
		rc = err_set(E_USAGE, "input 'source': %s: index.json is unreadable", path);
		goto out;
	}
	idx.len = (size_t)size;
	idx.data[idx.len] = 0;
	root = json_loadb(idx.data, idx.len, 0, NULL);
	manifests = json_object_get(root, "manifests");
	if (!json_is_array(manifests) || !json_array_size(manifests)) {
		rc = err_set(E_USAGE, "input 'source': %s: index.json lists no manifests", path);
		goto out;
	}
	if (pick) {
		json_t *m;
		size_t i;

		json_array_foreach(manifests, i, m) {
			const char *n = json_string_value(json_object_get(
				json_object_get(m, "annotations"), "org.opencontainers.image.ref.name"));

			if (n && !strcmp(n, pick))
				top = m;
		}
		if (!top) {
			rc = err_set(E_USAGE, "input 'source': %s has no image named '%s'", path,
				     pick);
			goto out;
		}
	} else if (json_array_size(manifests) == 1) {
		top = json_array_get(manifests, 0);
	}
	if (top) {
		struct registry_blob_desc d = { 0 };

		if ((rc = desc_parse(top, &d, "the index.json entry", path)))
			goto out;
		s->digest = d.digest;
		s->media_type = d.media_type;
		if (is_index_type(s->media_type)) {
			s->is_index = 1;
			if ((rc = registry_source_blob_read(s, s->digest, REGISTRY_MAX_MANIFEST,
							    &s->top)))
				goto out;
			topj = json_loadb(s->top.data, s->top.len, 0, NULL);
			if ((rc = load_index(s, json_object_get(topj, "manifests"))))
				goto out;
		} else {
			s->images = calloc(2, sizeof(*s->images)); /* +1: see registry_source_free */
			if (!s->images) {
				rc = err_set(E_NOMEM, "out of memory");
				goto out;
			}
			if ((rc = image_load(s, top, &s->images[0])))
				goto out;
			s->nimages = 1;
			if ((rc = buf_add(&s->top, s->images[0].manifest.data,
					  s->images[0].manifest.len)))
				goto out;
			free(s->media_type);
			s->media_type = strdup(s->images[0].media_type);
		}
	} else {
		/* Several entries and none picked: push index.json itself as the index. */
		char dg[REGISTRY_DIGEST_LEN + 1];

		s->is_index = 1;
		if ((rc = load_index(s, manifests)))
			goto out;
		for (size_t i = 0; i < s->nimages; i++)
			if (!s->images[i].platform) {
				rc = err_set(E_USAGE, "input 'source': %s holds several images "
					     "without platforms; name one (not supported yet)", path);
				goto out;
			}
		if ((rc = buf_add(&s->top, idx.data, idx.len)) ||
		    (rc = registry_digest_buf(idx.data, idx.len, dg)))
			goto out;
		s->digest = strdup(dg);
		s->media_type = strdup(REGISTRY_MT_OCI_INDEX);
	}
	if (!s->digest || !s->media_type)
		rc = err_set(E_NOMEM, "out of memory");
	else
		rc = check_sizes(s);
	goto out;
notlayout:
	rc = err_set(E_USAGE, "input 'source': %s is not an OCI layout, an OCI archive or a "
		     "docker save tarball (no index.json)", path);
out:
	if (fd >= 0)
		close(fd);
	json_decref(root);
	json_decref(topj);
	buf_free(&idx);
	if (rc)
		registry_source_free(s);
	else
		*out = s;
	return rc;
}

int registry_source_platforms(struct registry_source *s)
{
	for (size_t i = 0; i < s->nimages; i++) {
		struct registry_image *im = &s->images[i];
		struct buf b = BUF_INIT;
		json_t *cfg;
		int rc;

		if (im->platform)
			continue;
		rc = registry_source_blob_read(s, im->config.digest, 8u * 1024 * 1024, &b);
		cfg = rc ? NULL : json_loadb(b.data ? b.data : "", b.len, 0, NULL);
		im->platform = json_is_object(cfg) ? platform_dup(cfg) : NULL;
		json_decref(cfg);
		buf_free(&b);
		err_clear();
	}
	return 0;
}

void registry_image_free(struct registry_image *im)
{
	free(im->subject);
	free(im->artifact_type);
	free(im->platform);
	free(im->media_type);
	free(im->digest);
	buf_free(&im->manifest);
	desc_free(&im->config);
	for (size_t j = 0; j < im->nlayers; j++)
		desc_free(&im->layers[j]);
	free(im->layers);
}

void registry_source_free(struct registry_source *s)
{
	struct source_priv *p;

	if (!s)
		return;
	p = s->priv;
	for (size_t i = 0; i < s->nimages; i++)
		registry_image_free(&s->images[i]);
	/* A partially loaded image (error path) may hold allocations past nimages. */
	if (s->images && s->images[s->nimages].digest)
		registry_image_free(&s->images[s->nimages]);
	free(s->images);
	for (size_t i = 0; i < s->nreferrers; i++)
		registry_image_free(&s->referrers[i]);
	free(s->referrers);
	free(s->source_digest);
	if (p) {
		docker_save_remove(p->tmpdir);
		free(p->tmpdir);
		free(p->root);
		for (size_t i = 0; i < p->nentries; i++)
			free(p->entries[i].name);
		free(p->entries);
		free(p);
	}
	free(s->path);
	free(s->media_type);
	free(s->digest);
	buf_free(&s->top);
	free(s);
}
