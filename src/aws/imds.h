/*
 * aws/imds: EC2 instance metadata, IMDSv2 only: PUT /latest/api/token (header
 * X-aws-ec2-metadata-token-ttl-seconds), then GET /latest/meta-data/iam/security-credentials/
 * for the instance profile's role and .../<role> for its credentials, each with the
 * X-aws-ec2-metadata-token header. The endpoint is AWS_EC2_METADATA_SERVICE_ENDPOINT (default
 * http://169.254.169.254); AWS_EC2_METADATA_DISABLED=true skips it. Tried last in the chain
 * with a 1 s connect timeout and no retry, so a machine off EC2 loses about a second.
 */
#ifndef CONVOY_AWS_IMDS_H
#define CONVOY_AWS_IMDS_H

#include "actions/runtime.h"
#include "aws/creds.h"
#include "util/buf.h"

/* E_NOTFOUND (no message) when disabled or nothing answers; *why then says which, for the
 * "no credentials" sentence. */
int aws_imds_creds(struct aws_creds *out, struct rt *rt, struct buf *why);

#endif
