/* SPDX-License-Identifier: MIT */
/*
 * The waivers file (waivers.h, docs/waivers.md): JSON text → a list of waivers, or a precise
 * error; and the lookup a finding goes through.  Owns: copies of every string.  Limits:
 * WAIVERS_FILE_MAX bytes, WAIVERS_MAX entries, each string capped (WAIVER_*_MAX); control
 * characters are refused so a reason printed on a terminal stays one line.
 */
#include "waivers.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/alloc.h"
#include "common/fileio.h"
#include "common/num.h"
#include "str.h"

struct waivers {
	struct waiver *v;
	size_t n, cap;
};

static int text_take(const cJSON *item, const char *ptr, const char *what, size_t max, char **ret,
		     struct json_error *err)
{
	const char *s;
	size_t len;

	if (!cJSON_IsString(item))
		return json_error_set(err, ptr, "%s must be a string, not %s", what,
				      json_type_name(item));
	s = item->valuestring;
	len = strlen(s);
	if (len == 0 || len > max)
		return json_error_set(err, ptr, "%s must be 1-%zu characters long", what, max);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return json_error_set(err, ptr, "%s must not contain control characters",
					      what);
	*ret = es_strdup(s);
	return *ret ? 0 : -ENOMEM;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

int waiver_date_parse(const char *s, int64_t *ret_end)
{
	static const unsigned mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	uint32_t y, m, d;
	bool leap;

	if (strlen(s) != WAIVER_DATE_LEN || s[4] != '-' || s[7] != '-' ||
	    num_parse_u32(s, 4, 10, &y) < 0 || num_parse_u32(s + 5, 2, 10, &m) < 0 ||
	    num_parse_u32(s + 8, 2, 10, &d) < 0)
		return -EINVAL;
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return -EINVAL;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (m == 2 && d == 29 && !leap)
		return -EINVAL;
	*ret_end = (days_from_civil(y, m, d) + 1) * 86400;
	return 0;
}

static void join(char p[JSON_POINTER_MAX], const char *ptr, const char *key)
{
	str_copy(p, JSON_POINTER_MAX, ptr);
	json_pointer_append(p, key);
}

static const char *const waiver_keys[] = { "id", "module", "reason", "expires", NULL };

static int parse_one(const cJSON *obj, const char *ptr, unsigned flags, struct waiver *w,
		     struct json_error *err)
{
	char p[JSON_POINTER_MAX];
	const cJSON *v;
	char *id = NULL, *module = NULL, *reason = NULL;
	int r;

	if (!cJSON_IsObject(obj))
		return json_error_set(err, ptr, "a waiver must be an object, not %s",
				      json_type_name(obj));
	cJSON_ArrayForEach(v, obj) {
		int k;

		for (k = 0; waiver_keys[k]; k++)
			if (strcmp(v->string, waiver_keys[k]) == 0)
				break;
		join(p, ptr, v->string);
		if (!waiver_keys[k] || (k == 1 && !(flags & WAIVERS_ALLOW_MODULE)))
			return json_error_set(err, p, "'%.64s' is not a key of a waiver%s",
					      v->string,
					      k == 1 ? " here (baseline waivers have no module)"
						     : " (id, reason, expires, module)");
	}
	join(p, ptr, "id");
	if ((r = text_take(cJSON_GetObjectItemCaseSensitive(obj, "id"), p, "id", WAIVER_ID_MAX, &id,
			   err)) < 0)
		goto fail;
	join(p, ptr, "reason");
	if ((r = text_take(cJSON_GetObjectItemCaseSensitive(obj, "reason"), p,
			   "reason (why the risk is accepted)", WAIVER_REASON_MAX, &reason, err)) <
	    0)
		goto fail;
	v = cJSON_GetObjectItemCaseSensitive(obj, "module");
	join(p, ptr, "module");
	if (v && (r = text_take(v, p, "module", WAIVER_MODULE_MAX, &module, err)) < 0)
		goto fail;
	v = cJSON_GetObjectItemCaseSensitive(obj, "expires");
	if (v) {
		join(p, ptr, "expires");
		if (!cJSON_IsString(v) || waiver_date_parse(v->valuestring, &w->expires_at) < 0) {
			r = json_error_set(err, p, "expires must be a date \"YYYY-MM-DD\"");
			goto fail;
		}
		memcpy(w->expires, v->valuestring, WAIVER_DATE_LEN + 1);
	}
	w->id = id;
	w->module = module;
	w->reason = reason;
	return 0;
fail:
	es_free(id);
	es_free(module);
	es_free(reason);
	return r;
}

static int parse_top(const cJSON *root, const cJSON **ret_list, struct json_error *err)
{
	const cJSON *v;

	if (!cJSON_IsObject(root))
		return json_error_set(err, "", "a waivers file is a JSON object, not %s",
				      json_type_name(root));
	cJSON_ArrayForEach(v, root) {
		if (strcmp(v->string, "version") != 0 && strcmp(v->string, "waivers") != 0 &&
		    strcmp(v->string, "description") != 0) {
			char p[JSON_POINTER_MAX] = "";

			json_pointer_append(p, v->string);
			return json_error_set(err, p,
					      "'%.64s' is not a top-level key (version, "
					      "description, waivers)",
					      v->string);
		}
	}
	v = cJSON_GetObjectItemCaseSensitive(root, "version");
	if (v && (!cJSON_IsNumber(v) || v->valuedouble != 1))
		return json_error_set(err, "/version", "version must be 1");
	v = cJSON_GetObjectItemCaseSensitive(root, "description");
	if (v && !cJSON_IsString(v))
		return json_error_set(err, "/description", "description must be a string");
	v = cJSON_GetObjectItemCaseSensitive(root, "waivers");
	if (!cJSON_IsArray(v))
		return json_error_set(err, "/waivers", "waivers must be an array%s",
				      v ? "" : " (the key is missing)");
	if (cJSON_GetArraySize(v) > WAIVERS_MAX)
		return json_error_set(err, "/waivers", "more than %u waivers", WAIVERS_MAX);
	*ret_list = v;
	return 0;
}

int waivers_parse(const char *data, size_t len, unsigned flags, struct waivers **ret_waivers,
		  struct json_error *err)
{
	struct waivers *w = NULL;
	const cJSON *list = NULL, *item;
	cJSON *root;
	int r = -ENOMEM;

	memset(err, 0, sizeof(*err));
	if (len > WAIVERS_FILE_MAX)
		return json_error_set(err, "", "larger than %u bytes", WAIVERS_FILE_MAX);
	root = json_parse(data, len, err);
	if (!root)
		return -EINVAL;
	if ((r = parse_top(root, &list, err)) < 0)
		goto out;
	r = -ENOMEM;
	if (!(w = es_calloc(1, sizeof(*w))))
		goto out;
	w->cap = (size_t)cJSON_GetArraySize(list);
	if (w->cap > 0 && !(w->v = es_calloc(w->cap, sizeof(*w->v))))
		goto out;
	cJSON_ArrayForEach(item, list) {
		char p[JSON_POINTER_MAX];

		snprintf(p, sizeof(p), "/waivers/%zu", w->n);
		if ((r = parse_one(item, p, flags, &w->v[w->n], err)) < 0)
			goto out;
		w->n++;
	}
	*ret_waivers = w;
	w = NULL;
	r = 0;
out:
	waivers_free(w);
	cJSON_Delete(root);
	return r;
}

int waivers_load(const char *path, unsigned flags, struct waivers **ret_waivers, char *err,
		 size_t err_size)
{
	struct json_error jerr;
	char *data = NULL;
	size_t len;
	int r = read_file_capped(path, WAIVERS_FILE_MAX, &data, &len);

	if (r < 0) {
		snprintf(err, err_size, "cannot read waivers file '%s': %s", path,
			 r == -EFBIG ? "larger than 256 KiB" : strerror(-r));
		return r;
	}
	r = waivers_parse(data, len, flags, ret_waivers, &jerr);
	es_free(data);
	for (size_t i = 0; r == 0 && i < (*ret_waivers)->n; i++)
		if (!((*ret_waivers)->v[i].source = es_strdup(path))) {
			*ret_waivers = waivers_free(*ret_waivers);
			r = -ENOMEM;
		}
	if (r == -EINVAL) {
		if (jerr.pointer[0])
			snprintf(err, err_size, "invalid waivers file '%s': %s: %s", path,
				 jerr.pointer, jerr.message);
		else
			snprintf(err, err_size, "invalid waivers file '%s': %s", path,
				 jerr.message);
	} else if (r < 0) {
		snprintf(err, err_size, "cannot load waivers file '%s': %s", path, strerror(-r));
	}
	return r;
}

struct waivers *waivers_free(struct waivers *w)
{
	if (!w)
		return NULL;
	for (size_t i = 0; i < w->n; i++) {
		es_free((char *)w->v[i].id);
		es_free((char *)w->v[i].module);
		es_free((char *)w->v[i].reason);
		es_free((char *)w->v[i].source);
	}
	es_free(w->v);
	es_free(w);
	return NULL;
}

struct waivers *waivers_new(void)
{
	return es_calloc(1, sizeof(struct waivers));
}

static int reserve(struct waivers *w, size_t more)
{
	struct waiver *v;
	size_t cap;

	if (w->n + more > WAIVERS_MAX)
		return -E2BIG;
	if (w->n + more <= w->cap)
		return 0;
	cap = w->cap ? w->cap * 2 : 16;
	while (cap < w->n + more)
		cap *= 2;
	if (!(v = es_realloc(w->v, cap * sizeof(*v))))
		return -ENOMEM;
	w->v = v;
	w->cap = cap;
	return 0;
}

int waivers_add(struct waivers *w, const char *id, const char *module, const char *reason,
		const char *expires, const char *source)
{
	struct waiver v = { 0 };
	int r;

	if (!id || !id[0] || !reason || !reason[0] ||
	    (expires && waiver_date_parse(expires, &v.expires_at) < 0))
		return -EINVAL;
	if ((r = reserve(w, 1)) < 0)
		return r;
	if (expires)
		memcpy(v.expires, expires, WAIVER_DATE_LEN + 1);
	v.id = es_strndup(id, strnlen(id, WAIVER_ID_MAX));
	v.module = module ? es_strndup(module, strnlen(module, WAIVER_MODULE_MAX)) : NULL;
	v.reason = es_strndup(reason, strnlen(reason, WAIVER_REASON_MAX));
	v.source = source ? es_strdup(source) : NULL;
	if (!v.id || !v.reason || (module && !v.module) || (source && !v.source)) {
		es_free((char *)v.id);
		es_free((char *)v.module);
		es_free((char *)v.reason);
		es_free((char *)v.source);
		return -ENOMEM;
	}
	w->v[w->n++] = v;
	return 0;
}

int waivers_merge(struct waivers *dst, struct waivers *src)
{
	int r;

	if (!src)
		return 0;
	if ((r = reserve(dst, src->n)) < 0)
		return r;
	memcpy(dst->v + dst->n, src->v, src->n * sizeof(*src->v));
	dst->n += src->n;
	src->n = 0;
	waivers_free(src);
	return 0;
}

size_t waivers_count(const struct waivers *w)
{
	return w ? w->n : 0;
}

const struct waiver *waivers_get(const struct waivers *w, size_t i)
{
	return w && i < w->n ? &w->v[i] : NULL;
}

/* Higher is better: active over expired, a named module over every module. */
static int waiver_rank(const struct waiver *v, int64_t now)
{
	return (v->expires_at == 0 || now < v->expires_at ? 2 : 0) + (v->module ? 1 : 0);
}

enum waiver_state waivers_match(struct waivers *w, const char *id, const char *module, int64_t now,
				const struct waiver **ret_waiver)
{
	struct waiver *best = NULL;

	for (size_t i = 0; w && i < w->n; i++) {
		struct waiver *v = &w->v[i];

		if (strcasecmp(v->id, id) != 0)
			continue;
		if (v->module && (!module || strcmp(v->module, module) != 0))
			continue;
		if (!best || waiver_rank(v, now) > waiver_rank(best, now))
			best = v;
	}
	if (!best)
		return WAIVER_STATE_NONE;
	best->uses++;
	if (ret_waiver)
		*ret_waiver = best;
	return waiver_rank(best, now) >= 2 ? WAIVER_STATE_ACTIVE : WAIVER_STATE_EXPIRED;
}
