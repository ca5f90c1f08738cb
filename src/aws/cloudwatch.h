/*
 * aws/cloudwatch: CloudWatch DescribeAlarms by name, for the deploy's alarm watch. CloudWatch
 * speaks the query protocol (form-encoded POST, XML reply; botocore's model says so), signed
 * as service "monitoring"; endpoint AWS_ENDPOINT_URL_CLOUDWATCH, AWS_ENDPOINT_URL, else
 * https://monitoring.<region>.amazonaws.com.
 */
#ifndef CONVOY_AWS_CLOUDWATCH_H
#define CONVOY_AWS_CLOUDWATCH_H

#include "aws/client.h"
#include "util/strlist.h"

extern const struct aws_service aws_service_cloudwatch;

struct cw_alarm {
	char *name;
	char *state;  /* OK, ALARM, INSUFFICIENT_DATA */
	char *reason; /* StateReason, "" when none */
};

struct cw_alarms {
	struct cw_alarm *items;
	size_t len;
};
void cw_alarms_free(struct cw_alarms *a);

/* The alarm of that name in a, or NULL. */
const struct cw_alarm *cw_alarms_find(const struct cw_alarms *a, const char *name);

/*
 * The metric and composite alarms named in names (at most 100), as CloudWatch has them; an
 * alarm that does not exist is simply not in out (CloudWatch does not say so).
 */
int aws_cloudwatch_describe_alarms(struct aws_client *c, const struct strlist *names,
				   struct cw_alarms *out);

/* Parses a DescribeAlarms reply (exposed for the unit test). */
int cw_alarms_parse(const char *xml, size_t len, struct cw_alarms *out);

#endif
