/*
 * rand: the kernel's CSPRNG (getrandom(2)) behind a tiny API. Not OpenSSL's: its generator
 * costs a library initialisation at start-up that a command without TLS never needs.
 */
#include "util/rand.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/random.h>

#include "util/err.h"

int rand_bytes(void *out, size_t n)
{
	unsigned char *p = out;

	while (n) {
		ssize_t k = getrandom(p, n, 0);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return err_set(E_INTERNAL, "no random bytes available");
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

int rand_hex(char *out, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char b[64];
	int rc;

	if (n > sizeof(b))
		return err_set(E_INTERNAL, "rand_hex: too many bytes");
	if ((rc = rand_bytes(b, n)))
		return rc;
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 15];
	}
	out[2 * n] = '\0';
	return 0;
}

int rand_uuid(char out[37])
{
	unsigned char b[16];
	int rc;

	if ((rc = rand_bytes(b, sizeof(b))))
		return rc;
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	(void)snprintf(out, 37,
		       "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		       b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
		       b[12], b[13], b[14], b[15]);
	return 0;
}

double rand_unit(void)
{
	uint64_t v = 0;

	if (rand_bytes(&v, sizeof(v)))
		return 0.5;
	return (double)(v >> 11) / (double)(UINT64_C(1) << 53);
}
