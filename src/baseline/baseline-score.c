/* SPDX-License-Identifier: MIT */
/*
 * The posture score of a baseline run (baseline.h): severity-weighted share of the evaluated
 * checks that passed.  Shared by `edgesec baseline`, the OSBaseline collector (ExtraDetails
 * "Score") and `edgesec report`, so the three always agree.
 */
#include "baseline.h"

static const unsigned severity_weights[_BASELINE_SEVERITY_MAX] = {
	[BASELINE_SEVERITY_CRITICAL] = 10,
	[BASELINE_SEVERITY_IMPORTANT] = 5,
	[BASELINE_SEVERITY_WARNING] = 2,
	[BASELINE_SEVERITY_INFORMATIONAL] = 1,
};

unsigned baseline_severity_weight(enum baseline_severity s)
{
	return s >= 0 && s < _BASELINE_SEVERITY_MAX ? severity_weights[s] : 0;
}

void baseline_score_add(struct baseline_score *s, enum baseline_severity severity,
			const struct baseline_outcome *o, bool waived)
{
	unsigned w = baseline_severity_weight(severity);

	if (o->result < 0 || o->result >= _BASELINE_RESULT_MAX)
		return;
	if (waived && (o->result == BASELINE_RESULT_FAIL || o->result == BASELINE_RESULT_ERR)) {
		s->waived++;
		return;
	}
	s->n[o->result]++;
	if (o->result == BASELINE_RESULT_SKIP) {
		s->expected += o->expected;
		return;
	}
	s->possible += w;
	if (o->result == BASELINE_RESULT_PASS)
		s->earned += w;
}

int baseline_score_percent(const struct baseline_score *s)
{
	if (s->possible == 0)
		return -1;
	return (int)((100ull * s->earned) / s->possible);
}
