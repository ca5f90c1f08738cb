/*
 * aws/endpoint: where a service's API is. AWS's convention: AWS_ENDPOINT_URL_<SERVICE>, then
 * AWS_ENDPOINT_URL, then https://<prefix>.<region>.amazonaws.com (.cn for the China regions).
 * Its own module because the JSON client (aws/client.h) and STS (aws/sts.h) both need it.
 */
#ifndef CONVOY_AWS_ENDPOINT_H
#define CONVOY_AWS_ENDPOINT_H

#include "util/buf.h"

struct aws_service {
	const char *name;          /* "ECS", for messages */
	const char *signing_name;  /* "ecs" */
	const char *host_prefix;   /* "ecs", "api.ecr" */
	const char *target_prefix; /* "AmazonEC2ContainerServiceV20141113"; NULL: query protocol */
	const char *endpoint_env;  /* "AWS_ENDPOINT_URL_ECS" */
};

/* The endpoint URL for svc in region (environment overrides); pure apart from getenv. */
int aws_endpoint_url(struct buf *out, const struct aws_service *svc, const char *region);
/* Splits an endpoint URL into host[:port] and path ("/" when none), both malloc'd. */
int aws_endpoint_split(const char *url, char **host, char **path);

#endif
