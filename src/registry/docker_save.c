/* registry/docker_save: legacy docker save tarball -> OCI layout. See docker_save.h. */
#define _XOPEN_SOURCE 700 /* nftw */
#include "registry/docker_save.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "registry/client.h"
#include "registry/digest.h"
#include "util/buf.h"
#include "util/err.h"

#define JSON_MAX (4u * 1024 * 1024)

static int read_member(const char *path, docker_save_open_fn open_member, void *ctx,
		       const char *name, struct buf *out)
{
	uint64_t off, size;
	int fd, rc;

	if ((rc = open_member(ctx, name, &fd, &off, &size)))
		return err_wrap(rc, "input 'source': %s", path);
	if (size > JSON_MAX || buf_grow(out, (size_t)size) ||
	    pread(fd, out->data, (size_t)size, (off_t)off) != (ssize_t)size) {
		close(fd);
		return err_set(E_USAGE, "input 'source': %s: %s is unreadable or too large", path,
			       name);
	}
	close(fd);
	out->len = (size_t)size;
	out->data[out->len] = '\0';
	return 0;
}

/* Writes data as blobs/sha256/<hex> under dir; fills digest. */
static int write_blob(const char *dir, const void *data, size_t n, char digest[REGISTRY_DIGEST_LEN + 1])
{
	struct buf p = BUF_INIT;
	FILE *f;
	int rc;

	if ((rc = registry_digest_buf(data, n, digest)) ||
	    (rc = buf_printf(&p, "%s/blobs/sha256/%s", dir, digest + 7)))
		goto out;
	f = fopen(buf_cstr(&p), "wb");
	if (!f || fwrite(data, 1, n, f) != n || fclose(f)) {
		rc = err_set(E_IO, "writing %s: %s", buf_cstr(&p), strerror(errno));
		if (f)
			(void)fclose(f);
	}
out:
	buf_free(&p);
	return rc;
}

/* Gzips one layer tar into blobs/sha256/<hex> (via a temp name); fills digest and size. */
static int gzip_layer(const char *path, docker_save_open_fn open_member, void *ctx,
		      const char *name, const char *dir, char digest[REGISTRY_DIGEST_LEN + 1],
		      uint64_t *gz_size)
{
	struct registry_digest d = { 0 };
	struct buf tmp = BUF_INIT, final = BUF_INIT;
	unsigned char in[65536], out[65536];
	uint64_t off, size, done = 0;
	z_stream z;
	FILE *f = NULL;
	int fd = -1, rc, zinit = 0, flush;

	*gz_size = 0;
	if ((rc = open_member(ctx, name, &fd, &off, &size)))
		return err_wrap(rc, "input 'source': %s", path);
	if ((rc = registry_digest_init(&d)) || (rc = buf_printf(&tmp, "%s/layer.tmp", dir)))
		goto out;
	memset(&z, 0, sizeof(z));
	/* windowBits 15 + 16: a gzip wrapper with no name and mtime 0, so output is reproducible. */
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		rc = err_set(E_INTERNAL, "zlib: cannot start compression");
		goto out;
	}
	zinit = 1;
	f = fopen(buf_cstr(&tmp), "wb");
	if (!f) {
		rc = err_set(E_IO, "writing %s: %s", buf_cstr(&tmp), strerror(errno));
		goto out;
	}
	do {
		size_t want = size - done > sizeof(in) ? sizeof(in) : (size_t)(size - done);
		ssize_t got = want ? pread(fd, in, want, (off_t)(off + done)) : 0;

		if (got < 0 || (size_t)got != want) {
			rc = err_set(E_IO, "input 'source': %s: reading %s failed", path, name);
			goto out;
		}
		done += want;
		flush = done == size ? Z_FINISH : Z_NO_FLUSH;
		z.next_in = in;
		z.avail_in = (uInt)want;
		do {
			size_t have;

			z.next_out = out;
			z.avail_out = sizeof(out);
			(void)deflate(&z, flush);
			have = sizeof(out) - z.avail_out;
			if ((have && fwrite(out, 1, have, f) != have) ||
			    (rc = registry_digest_update(&d, out, have))) {
				rc = rc ? rc : err_set(E_IO, "writing %s", buf_cstr(&tmp));
				goto out;
			}
			*gz_size += have;
		} while (z.avail_out == 0);
	} while (flush != Z_FINISH);
	if (fclose(f)) {
		f = NULL;
		rc = err_set(E_IO, "writing %s: %s", buf_cstr(&tmp), strerror(errno));
		goto out;
	}
	f = NULL;
	if ((rc = registry_digest_final(&d, digest)) ||
	    (rc = buf_printf(&final, "%s/blobs/sha256/%s", dir, digest + 7)))
		goto out;
	if (rename(buf_cstr(&tmp), buf_cstr(&final)))
		rc = err_set(E_IO, "renaming %s: %s", buf_cstr(&tmp), strerror(errno));
out:
	if (f)
		(void)fclose(f);
	if (zinit)
		deflateEnd(&z);
	if (fd >= 0)
		close(fd);
	registry_digest_free(&d);
	buf_free(&tmp);
	buf_free(&final);
	return rc;
}

int docker_save_to_layout(const char *path, docker_save_open_fn open_member, void *ctx,
			  char **dir_out)
{
	char tmpl[] = "/tmp/convoy-docker-save.XXXXXX", cdig[REGISTRY_DIGEST_LEN + 1],
	     mdig[REGISTRY_DIGEST_LEN + 1];
	struct buf mf = BUF_INIT, cfg = BUF_INIT, sub = BUF_INIT;
	json_t *root = NULL, *man = NULL, *layers_out = json_array();
	const char *config;
	json_t *layers;
	char *mtext = NULL, *itext = NULL;
	size_t nl;
	int rc;

	*dir_out = NULL;
	if (!mkdtemp(tmpl))
		return err_set(E_IO, "creating a temp directory: %s", strerror(errno));
	if ((rc = buf_printf(&sub, "%s/blobs", tmpl)) || mkdir(buf_cstr(&sub), 0700) ||
	    (rc = buf_puts(&sub, "/sha256")) || mkdir(buf_cstr(&sub), 0700)) {
		rc = rc ? rc : err_set(E_IO, "creating %s: %s", buf_cstr(&sub), strerror(errno));
		goto out;
	}
	if ((rc = read_member(path, open_member, ctx, "manifest.json", &mf)))
		goto out;
	root = json_loadb(mf.data, mf.len, 0, NULL);
	if (!json_is_array(root) || json_array_size(root) != 1) {
		rc = err_set(E_USAGE, "input 'source': %s: manifest.json must list exactly one "
			     "image (save one image per tarball)", path);
		goto out;
	}
	config = json_string_value(json_object_get(json_array_get(root, 0), "Config"));
	layers = json_object_get(json_array_get(root, 0), "Layers");
	if (!config || !json_is_array(layers)) {
		rc = err_set(E_USAGE, "input 'source': %s: manifest.json has no Config or Layers",
			     path);
		goto out;
	}
	if ((rc = read_member(path, open_member, ctx, config, &cfg)) ||
	    (rc = write_blob(tmpl, cfg.data, cfg.len, cdig)))
		goto out;
	nl = json_array_size(layers);
	for (size_t i = 0; i < nl; i++) {
		const char *ln = json_string_value(json_array_get(layers, i));
		char ldig[REGISTRY_DIGEST_LEN + 1];
		uint64_t gsz;

		if (!ln) {
			rc = err_set(E_USAGE, "input 'source': %s: layer %zu is not a path", path, i);
			goto out;
		}
		if ((rc = gzip_layer(path, open_member, ctx, ln, tmpl, ldig, &gsz)))
			goto out;
		json_array_append_new(layers_out,
				      json_pack("{s:s,s:I,s:s}", "mediaType",
						"application/vnd.docker.image.rootfs.diff.tar.gzip",
						"size", (json_int_t)gsz, "digest", ldig));
	}
	man = json_pack("{s:i,s:s,s:{s:s,s:I,s:s},s:O}", "schemaVersion", 2, "mediaType",
			REGISTRY_MT_DOCKER_MANIFEST, "config", "mediaType",
			"application/vnd.docker.container.image.v1+json", "size",
			(json_int_t)cfg.len, "digest", cdig, "layers", layers_out);
	mtext = man ? json_dumps(man, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	if (!mtext || (rc = write_blob(tmpl, mtext, strlen(mtext), mdig))) {
		rc = rc ? rc : err_set(E_NOMEM, "out of memory");
		goto out;
	}
	{
		json_t *idx = json_pack("{s:i,s:[{s:s,s:s,s:I}]}", "schemaVersion", 2, "manifests",
					"mediaType", REGISTRY_MT_DOCKER_MANIFEST, "digest", mdig,
					"size", (json_int_t)strlen(mtext));
		FILE *f;

		itext = idx ? json_dumps(idx, JSON_COMPACT) : NULL;
		json_decref(idx);
		buf_reset(&sub);
		if (!itext || (rc = buf_printf(&sub, "%s/index.json", tmpl)))
			goto fail_io;
		f = fopen(buf_cstr(&sub), "w");
		if (!f || fputs(itext, f) < 0 || fclose(f))
			goto fail_io;
		buf_reset(&sub);
		if ((rc = buf_printf(&sub, "%s/oci-layout", tmpl)))
			goto fail_io;
		f = fopen(buf_cstr(&sub), "w");
		if (!f || fputs("{\"imageLayoutVersion\":\"1.0.0\"}", f) < 0 || fclose(f))
			goto fail_io;
	}
	*dir_out = strdup(tmpl);
	goto out;
fail_io:
	rc = rc ? rc : err_set(E_IO, "writing the converted layout in %s", tmpl);
out:
	if (rc)
		docker_save_remove(tmpl);
	json_decref(root);
	json_decref(man);
	json_decref(layers_out);
	free(mtext);
	free(itext);
	buf_free(&mf);
	buf_free(&cfg);
	buf_free(&sub);
	return rc;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

void docker_save_remove(const char *dir)
{
	if (dir)
		(void)nftw(dir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
}
