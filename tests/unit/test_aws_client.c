/* Unit tests for aws/client error parsing, creds INI parsing and ECR token decoding. */
#include <stdlib.h>
#include <string.h>

#include "aws/client.h"
#include "aws/cloudwatch.h"
#include "aws/creds.h"
#include "aws/ecr.h"
#include "test.h"
#include "util/err.h"

static void test_aws_client__errors_from_json_and_xml(void)
{
	struct aws_error e;
	const char *j = "{\"__type\":\"com.amazon#ExpiredTokenException\",\"message\":\"expired\"}";
	const char *x = "<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code>"
			"<Message>bad sig</Message></Error></ErrorResponse>";

	aws_error_parse(&e, j, strlen(j), NULL);
	CHECK_STR(e.code, "ExpiredTokenException");
	CHECK_INT(aws_error_report(&aws_service_ecs, "DescribeServices", 400, &e, NULL), E_AUTH);
	CHECK(strstr(err_msg(), "session token has expired") != NULL);
	aws_error_free(&e);
	aws_error_parse(&e, x, strlen(x), NULL);
	CHECK_STR(e.code, "SignatureDoesNotMatch");
	CHECK_STR(e.message, "bad sig");
	aws_error_free(&e);
	CHECK(aws_error_is_throttling("ThrottlingException"));
	CHECK(!aws_error_is_throttling("ClientException"));
}

static void test_aws_client__shared_credentials_profile(void)
{
	const char *ini = "[default]\naws_access_key_id = A\naws_secret_access_key=B\n"
			  "[profile ci]\naws_access_key_id=C\naws_secret_access_key = D\n"
			  "aws_session_token=E\nregion=eu-west-1\n";
	struct aws_creds c;

	memset(&c, 0, sizeof(c));
	CHECK_INT(aws_creds_parse_ini(&c, ini, strlen(ini), "ci"), 0);
	CHECK_STR(c.access_key_id, "C");
	CHECK_STR(c.secret_access_key, "D");
	CHECK_STR(c.session_token, "E");
	CHECK_STR(c.region, "eu-west-1");
	aws_creds_free(&c);
	CHECK_INT(aws_creds_parse_ini(&c, ini, strlen(ini), "nope"), E_NOTFOUND);
	aws_creds_free(&c);
}

static void test_aws_client__ecr_token_decodes_user_and_password(void)
{
	char *u = NULL, *p = NULL;

	CHECK_INT(ecr_token_decode("QVdTOnNlY3JldA==", &u, &p), 0); /* AWS:secret */
	CHECK_STR(u, "AWS");
	CHECK_STR(p, "secret");
	free(u);
	free(p);
	CHECK(ecr_token_decode("bm9jb2xvbg==", &u, &p) != 0); /* "nocolon" */
}

/* Top-level members only: nested <member>s (Dimensions, AlarmActions) are not alarms. */
static void test_aws_client__cloudwatch_alarms_from_the_reply(void)
{
	const char *x =
		"<DescribeAlarmsResponse><DescribeAlarmsResult><MetricAlarms>"
		"<member><AlarmName>cpu-high</AlarmName><Dimensions><member><Name>S</Name>"
		"<Value>web</Value></member></Dimensions><StateValue>ALARM</StateValue>"
		"<StateReason>Threshold Crossed: 1 datapoint [91.0 (x)] &gt; 90</StateReason>"
		"</member><member><AlarmName>errors</AlarmName><StateValue>OK</StateValue></member>"
		"</MetricAlarms><CompositeAlarms><member><AlarmActions><member>arn:a</member>"
		"</AlarmActions><AlarmName>all &amp; more</AlarmName><StateReason>r</StateReason>"
		"<StateValue>INSUFFICIENT_DATA</StateValue></member></CompositeAlarms>"
		"</DescribeAlarmsResult></DescribeAlarmsResponse>";
	const char *bad = "<DescribeAlarmsResponse><DescribeAlarmsResult><MetricAlarms>"
			  "<member><AlarmName>x</AlarmName></member></MetricAlarms>"
			  "</DescribeAlarmsResult></DescribeAlarmsResponse>";
	struct cw_alarms a;

	CHECK_INT(cw_alarms_parse(x, strlen(x), &a), 0);
	CHECK_INT((long)a.len, 3);
	CHECK_STR(a.items[0].name, "cpu-high");
	CHECK_STR(a.items[0].state, "ALARM");
	CHECK_STR(a.items[0].reason, "Threshold Crossed: 1 datapoint [91.0 (x)] > 90");
	CHECK_STR(a.items[1].reason, "");
	CHECK(cw_alarms_find(&a, "all & more") != NULL);
	CHECK_STR(cw_alarms_find(&a, "all & more")->state, "INSUFFICIENT_DATA");
	CHECK(cw_alarms_find(&a, "nope") == NULL);
	cw_alarms_free(&a);
	CHECK_INT(cw_alarms_parse(bad, strlen(bad), &a), E_HTTP);
	CHECK(strstr(err_msg(), "<StateValue>") != NULL);
	CHECK_INT(cw_alarms_parse("<x/>", 4, &a), E_HTTP);
}

TEST_MAIN(TEST(test_aws_client__cloudwatch_alarms_from_the_reply),
	  TEST(test_aws_client__errors_from_json_and_xml),
	  TEST(test_aws_client__shared_credentials_profile),
	  TEST(test_aws_client__ecr_token_decodes_user_and_password))
