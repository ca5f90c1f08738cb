/*
 * promote/retention_scan: what `convoy prune` judges in one repository, read from the
 * registry into a retention set (promote/retention.h): every tag's manifest, the subjects of
 * the "sha256-<hex>" referrers indexes and cosign tags (untagged images the registry cannot
 * list otherwise), the digests the ledger records name, the entries of referrers indexes
 * (and, on a registry with the referrers API, each image's referrers), every platform
 * manifest of an index, and each image's age: its newest promotion record, else its
 * config's `created`. Reads go 8 at a time.
 */
#ifndef CONVOY_PROMOTE_RETENTION_SCAN_H
#define CONVOY_PROMOTE_RETENTION_SCAN_H

#include "promote/retention.h"
#include "registry/client.h"

int retention_scan(struct registry *reg, const char *path, struct retention_set *s);

#endif
