/*
 * aws/sigv4: AWS Signature Version 4 for header-signed requests (the JSON 1.1 APIs of ECR and
 * ECS). Pure: no clock, no I/O; the caller passes the timestamp, so the official aws-c-auth
 * test vectors can check each stage (canonical request, string to sign, signature).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
 */
#ifndef CONVOY_AWS_SIGV4_H
#define CONVOY_AWS_SIGV4_H

#include <stddef.h>

#include "util/buf.h"
#include "util/strlist.h"

struct sigv4_request {
	const char *method;
	const char *path;             /* "/" or "/a/b", without the query */
	const char *query;            /* raw query without '?', or NULL */
	const struct strlist *headers; /* "Name:value" lines, Host included */
	const void *body;
	size_t body_len;
	const char *access_key_id;
	const char *secret_access_key;
	const char *session_token;    /* NULL or "": none */
	const char *region;
	const char *service;
	const char *amz_date;         /* "20150830T123600Z" */
	int sign_token;               /* X-Amz-Security-Token is a signed header (ECR/ECS: yes) */
	int add_content_sha256;       /* add x-amz-content-sha256 (S3 style; not for ECR/ECS) */
};

struct sigv4_result {
	struct buf canonical_request;
	struct buf string_to_sign;
	char signature[65];
	/* Headers to add to the request, "Name:value", in the order AWS clients add them:
	 * X-Amz-Date, X-Amz-Security-Token, x-amz-content-sha256, Authorization. */
	struct strlist add_headers;
};

int sigv4_sign(const struct sigv4_request *req, struct sigv4_result *out);
void sigv4_result_free(struct sigv4_result *r);

/* Lower-case hex SHA-256 of data into hex[65]. */
void sigv4_sha256_hex(const void *data, size_t len, char hex[65]);
/* The current time as an X-Amz-Date value into out[17]. */
void sigv4_amz_date_now(char out[17]);

#endif
