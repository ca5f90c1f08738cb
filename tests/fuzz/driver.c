/*
 * driver: runs a fuzz target's LLVMFuzzerTestOneInput over every file of its committed corpus,
 * without libFuzzer. CTest runs it in every build (and under the sanitizers in the asan preset),
 * so each crash the fuzzer ever found stays a regression test.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
	int n = 0;

	for (int a = 1; a < argc; a++) {
		DIR *d = opendir(argv[a]);
		struct dirent *e;

		if (!d) {
			fprintf(stderr, "%s: cannot open corpus\n", argv[a]);
			return 1;
		}
		while ((e = readdir(d))) {
			struct buf b = BUF_INIT;
			char path[4096];

			if (e->d_name[0] == '.')
				continue;
			if (snprintf(path, sizeof(path), "%s/%s", argv[a], e->d_name) >= (int)sizeof(path))
				continue;
			if (buf_read_file(&b, path, 0)) {
				fprintf(stderr, "%s: unreadable\n", path);
				closedir(d);
				return 1;
			}
			LLVMFuzzerTestOneInput((const uint8_t *)buf_cstr(&b), b.len);
			buf_free(&b);
			n++;
		}
		closedir(d);
	}
	printf("%d corpus inputs ran clean\n", n);
	return n ? 0 : 1;
}
