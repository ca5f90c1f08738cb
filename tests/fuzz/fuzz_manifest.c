/*
 * Fuzz target: manifests and indexes as they arrive in an image source. The input becomes
 * index.json of a throw-away OCI layout (its manifest blob too, when the input is an image
 * manifest), and the source is opened, which parses and checks every descriptor.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "registry/digest.h"
#include "registry/source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void write_file(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (f) {
		(void)fwrite(data, 1, n, f);
		(void)fclose(f);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char dir[64];
	char path[256], dg[REGISTRY_DIGEST_LEN + 1], idx[512];
	struct registry_source *s = NULL;

	if (!dir[0]) {
		(void)snprintf(dir, sizeof(dir), "/tmp/convoy-fuzz-layout-%d", (int)getpid());
		(void)mkdir(dir, 0700);
		(void)snprintf(path, sizeof(path), "%s/blobs", dir);
		(void)mkdir(path, 0700);
		(void)snprintf(path, sizeof(path), "%s/blobs/sha256", dir);
		(void)mkdir(path, 0700);
		(void)snprintf(path, sizeof(path), "%s/oci-layout", dir);
		write_file(path, "{\"imageLayoutVersion\":\"1.0.0\"}", 30);
	}
	/* As index.json itself. */
	(void)snprintf(path, sizeof(path), "%s/index.json", dir);
	write_file(path, data, size);
	if (!registry_source_open(&s, dir, NULL))
		registry_source_free(s);
	s = NULL;
	/* As the one image manifest that index.json points at. */
	if (registry_digest_buf(data, size, dg))
		return 0;
	(void)snprintf(path, sizeof(path), "%s/blobs/sha256/%s", dir, dg + 7);
	write_file(path, data, size);
	(void)snprintf(idx, sizeof(idx),
		       "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
		       "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"%s\",\"size\":%zu}]}",
		       dg, size);
	(void)snprintf(path, sizeof(path), "%s/index.json", dir);
	write_file(path, idx, strlen(idx));
	if (!registry_source_open(&s, dir, NULL))
		registry_source_free(s);
	(void)snprintf(path, sizeof(path), "%s/blobs/sha256/%s", dir, dg + 7);
	(void)unlink(path);
	return 0;
}
