/* Fuzz target: what AWS and the machine hand convoy's credential chain and deploy (untrusted
 * text): STS AssumeRole* XML, CloudWatch DescribeAlarms XML, credential_process and
 * container/IMDS JSON, the config/credentials INI, and the times in them. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/cloudwatch.h"
#include "aws/creds.h"
#include "aws/sts.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	char *z = malloc(size + 1);
	struct aws_creds c;
	struct aws_profile p;
	struct cw_alarms a;
	long long t;

	if (!z)
		return 0;
	memcpy(z, data, size);
	z[size] = '\0';
	memset(&c, 0, sizeof(c));
	(void)aws_sts_parse_credentials(&c, text, size);
	aws_creds_free(&c);
	memset(&c, 0, sizeof(c));
	(void)aws_creds_parse_process_json(&c, text, size, "fuzz");
	aws_creds_free(&c);
	memset(&c, 0, sizeof(c));
	(void)aws_creds_parse_endpoint_json(&c, text, size, "fuzz");
	aws_creds_free(&c);
	memset(&p, 0, sizeof(p));
	(void)aws_profile_parse(&p, text, size, "default");
	aws_profile_free(&p);
	memset(&p, 0, sizeof(p));
	(void)aws_profile_parse(&p, text, size, "ci");
	aws_profile_free(&p);
	if (!cw_alarms_parse(text, size, &a))
		cw_alarms_free(&a);
	(void)aws_time_parse(z, &t);
	err_clear();
	free(z);
	return 0;
}
