/*
 * tzdata: POSIX TZ rules of common IANA zones, for the static binary that runs where no
 * /usr/share/zoneinfo exists. Each string is the footer of the zone's TZif file (current rules
 * only; dates before the last rule change may differ by the historical offset). Regenerate with
 *   for z in ...; do tail -1 /usr/share/zoneinfo/$z; done
 */
#include <string.h>

#include "meta/datefmt.h"

static const struct {
	const char *zone;
	const char *posix;
} zones[] = {
	{ "Africa/Cairo", "EET-2EEST,M4.5.5/0,M10.5.4/24" },
	{ "Africa/Johannesburg", "SAST-2" },
	{ "Africa/Lagos", "WAT-1" },
	{ "Africa/Nairobi", "EAT-3" },
	{ "America/Anchorage", "AKST9AKDT,M3.2.0,M11.1.0" },
	{ "America/Argentina/Buenos_Aires", "<-03>3" },
	{ "America/Bogota", "<-05>5" },
	{ "America/Chicago", "CST6CDT,M3.2.0,M11.1.0" },
	{ "America/Denver", "MST7MDT,M3.2.0,M11.1.0" },
	{ "America/Halifax", "AST4ADT,M3.2.0,M11.1.0" },
	{ "America/Los_Angeles", "PST8PDT,M3.2.0,M11.1.0" },
	{ "America/Mexico_City", "CST6" },
	{ "America/New_York", "EST5EDT,M3.2.0,M11.1.0" },
	{ "America/Phoenix", "MST7" },
	{ "America/Santiago", "<-04>4<-03>,M9.1.6/24,M4.1.6/24" },
	{ "America/Sao_Paulo", "<-03>3" },
	{ "America/Toronto", "EST5EDT,M3.2.0,M11.1.0" },
	{ "America/Vancouver", "PST8PDT,M3.2.0,M11.1.0" },
	{ "Asia/Bangkok", "<+07>-7" },
	{ "Asia/Dhaka", "<+06>-6" },
	{ "Asia/Dubai", "<+04>-4" },
	{ "Asia/Hong_Kong", "HKT-8" },
	{ "Asia/Jakarta", "WIB-7" },
	{ "Asia/Jerusalem", "IST-2IDT,M3.4.4/26,M10.5.0" },
	{ "Asia/Karachi", "PKT-5" },
	{ "Asia/Kolkata", "IST-5:30" },
	{ "Asia/Calcutta", "IST-5:30" },
	{ "Asia/Manila", "PST-8" },
	{ "Asia/Seoul", "KST-9" },
	{ "Asia/Shanghai", "CST-8" },
	{ "Asia/Singapore", "<+08>-8" },
	{ "Asia/Taipei", "CST-8" },
	{ "Asia/Tehran", "<+0330>-3:30" },
	{ "Asia/Tokyo", "JST-9" },
	{ "Atlantic/Reykjavik", "GMT0" },
	{ "Australia/Adelaide", "ACST-9:30ACDT,M10.1.0,M4.1.0/3" },
	{ "Australia/Brisbane", "AEST-10" },
	{ "Australia/Melbourne", "AEST-10AEDT,M10.1.0,M4.1.0/3" },
	{ "Australia/Perth", "AWST-8" },
	{ "Australia/Sydney", "AEST-10AEDT,M10.1.0,M4.1.0/3" },
	{ "Europe/Amsterdam", "CET-1CEST,M3.5.0,M10.5.0/3" },
	{ "Europe/Athens", "EET-2EEST,M3.5.0/3,M10.5.0/4" },
	{ "Europe/Berlin", "CET-1CEST,M3.5.0,M10.5.0/3" },
	{ "Europe/Brussels", "CET-1CEST,M3.5.0,M10.5.0/3" },
	{ "Europe/Bucharest", "EET-2EEST,M3.5.0/3,M10.5.0/4" },
	{ "Europe/Dublin", "IST-1GMT0,M10.5.0,M3.5.0/1" },
	{ "Europe/Helsinki", "EET-2EEST,M3.5.0/3,M10.5.0/4" },
	{ "Europe/Istanbul", "<+03>-3" },
	{ "Europe/Kiev", "EET-2EEST,M3.5.0/3,M10.5.0/4" },
	{ "Europe/Kyiv", "EET-2EEST,M3.5.0/3,M10.5.0/4" },
	{ "Europe/Lisbon", "WET0WEST,M3.5.0/1,M10.5.0" },
	{ "Europe/London", "GMT0BST,M3.5.0/1,M10.5.0" },
	{ "Europe/Madrid", "CET-1CEST,M3.5.0,M10.5.0/3" },
	{ "Europe/Moscow", "MSK-3" },
	{ "Europe/Oslo", "CET-1CEST,M3.5.0,M10.5.0/3" },
	{ "Europe/Paris", "CET-1CEST,M3.5.0,M10.5.0/3" },
	{ "Europe/Prague", "CET-1CEST,M3.5.0,M10.5.0/3" },
	{ "Europe/Rome", "CET-1CEST,M3.5.0,M10.5.0/3" },
	{ "Europe/Stockholm", "CET-1CEST,M3.5.0,M10.5.0/3" },
	{ "Europe/Vienna", "CET-1CEST,M3.5.0,M10.5.0/3" },
	{ "Europe/Warsaw", "CET-1CEST,M3.5.0,M10.5.0/3" },
	{ "Europe/Zurich", "CET-1CEST,M3.5.0,M10.5.0/3" },
	{ "Pacific/Auckland", "NZST-12NZDT,M9.5.0,M4.1.0/3" },
	{ "Pacific/Honolulu", "HST10" },
	{ "US/Eastern", "EST5EDT,M3.2.0,M11.1.0" },
	{ "US/Central", "CST6CDT,M3.2.0,M11.1.0" },
	{ "US/Mountain", "MST7MDT,M3.2.0,M11.1.0" },
	{ "US/Pacific", "PST8PDT,M3.2.0,M11.1.0" },
	{ "CET", "CET-1CEST,M3.5.0,M10.5.0/3" },
	{ "EET", "EET-2EEST,M3.5.0/3,M10.5.0/4" },
	{ "EST", "EST5" },
	{ "MST", "MST7" },
};

const char *meta_tz_posix(const char *zone)
{
	for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++)
		if (!strcmp(zones[i].zone, zone))
			return zones[i].posix;
	return NULL;
}
