/* SPDX-License-Identifier: MIT */
/*
 * Connection-string and endpoint parsers (see connection-string.h).  Both work on a bounded
 * (pointer, length) input without NUL assumptions, so the fuzz harness can feed raw bytes.
 */
#include "connection-string.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/array.h"
#include "common/num.h"

enum cs_field {
	CS_HOST_NAME,
	CS_DEVICE_ID,
	CS_MODULE_ID,
	CS_SHARED_ACCESS_KEY,
	CS_GATEWAY_HOST_NAME,
	_CS_FIELD_MAX,
};

static const char *const cs_field_names[_CS_FIELD_MAX] = {
	[CS_HOST_NAME] = "HostName",
	[CS_DEVICE_ID] = "DeviceId",
	[CS_MODULE_ID] = "ModuleId",
	[CS_SHARED_ACCESS_KEY] = "SharedAccessKey",
	[CS_GATEWAY_HOST_NAME] = "GatewayHostName",
};

static const char *const cs_unsupported[] = {
	"SharedAccessKeyName",
	"SharedAccessSignature",
	"x509",
	"UseProvisioning",
};

static int cs_error(struct connection_string_error *err, int r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int cs_error(struct connection_string_error *err, int r, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err->message, sizeof(err->message), fmt, ap);
		va_end(ap);
	}
	return r;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void trim(const char **p, size_t *n)
{
	while (*n && is_blank(**p)) {
		(*p)++;
		(*n)--;
	}
	while (*n && is_blank((*p)[*n - 1]))
		(*n)--;
}

static bool valid_host(const char *s, size_t n)
{
	if (n == 0 || n >= MQTT_HOST_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '.' || c == '_'))
			return false;
	}
	return true;
}

/* IoT Hub ids: ASCII letters, digits and - : . + % _ # * ? ! ( ) , = @ $ ' — minus the
 * characters that would break an MQTT topic (+ #) or a path (/). */
static bool valid_id(const char *s, size_t n)
{
	static const char extra[] = "-:.%_*?!(),=@$'";

	if (n == 0 || n >= IOTHUB_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      (c && strchr(extra, c))))
			return false;
	}
	return true;
}

static int cs_store(struct connection_string *cs, enum cs_field f, const char *v, size_t n,
		    struct connection_string_error *err)
{
	const char *name = cs_field_names[f];
	char *dst;

	switch (f) {
	case CS_SHARED_ACCESS_KEY:
		if (sas_key_from_base64(v, n, &cs->key) < 0)
			return cs_error(err, -EINVAL, "%s is not valid base64", name);
		return 0;
	case CS_HOST_NAME:
	case CS_GATEWAY_HOST_NAME:
		if (!valid_host(v, n))
			return cs_error(err, -EINVAL, "%s is not a valid host name", name);
		if (f == CS_HOST_NAME && !memchr(v, '.', n))
			return cs_error(err, -EINVAL, "%s must be a fully qualified name", name);
		dst = f == CS_HOST_NAME ? cs->host_name : cs->gateway_host_name;
		break;
	default:
		if (!valid_id(v, n))
			return cs_error(err, -EINVAL, "%s is not a valid identifier", name);
		dst = f == CS_DEVICE_ID ? cs->device_id : cs->module_id;
		break;
	}
	memcpy(dst, v, n);
	dst[n] = '\0';
	return 0;
}

static int cs_pair(struct connection_string *cs, const char *p, size_t n, unsigned *seen,
		   struct connection_string_error *err)
{
	const char *eq = memchr(p, '=', n);
	const char *k = p, *v;
	size_t kn, vn;

	if (!eq)
		return cs_error(err, -EINVAL, "expected key=value pairs separated by ';'");
	kn = (size_t)(eq - p);
	v = eq + 1;
	vn = n - kn - 1;
	trim(&k, &kn);
	trim(&v, &vn);
	for (size_t i = 0; i < ARRAY_SIZE(cs_unsupported); i++)
		if (kn == strlen(cs_unsupported[i]) && memcmp(k, cs_unsupported[i], kn) == 0)
			return cs_error(err, -EOPNOTSUPP, "%s is not supported", cs_unsupported[i]);
	for (int f = 0; f < _CS_FIELD_MAX; f++) {
		if (kn != strlen(cs_field_names[f]) || memcmp(k, cs_field_names[f], kn) != 0)
			continue;
		if (*seen & (1u << f))
			return cs_error(err, -EINVAL, "%s is given twice", cs_field_names[f]);
		if (vn == 0)
			return cs_error(err, -EINVAL, "%s is empty", cs_field_names[f]);
		*seen |= 1u << f;
		return cs_store(cs, (enum cs_field)f, v, vn, err);
	}
	return 0; /* unknown keys are ignored, like the SDK does */
}

int connection_string_parse(const char *s, size_t len, struct connection_string *ret,
			    struct connection_string_error *err)
{
	struct connection_string cs;
	unsigned seen = 0;
	size_t i = 0;
	int r = 0;

	if (len == 0)
		return cs_error(err, -EINVAL, "connection string is empty");
	if (len > CONNECTION_STRING_MAX)
		return cs_error(err, -E2BIG, "connection string is longer than %u bytes",
				CONNECTION_STRING_MAX);
	if (memchr(s, '\0', len))
		return cs_error(err, -EINVAL, "connection string contains a NUL byte");
	memset(&cs, 0, sizeof(cs));
	while (i < len && r == 0) {
		const char *p = s + i, *semi = memchr(p, ';', len - i);
		size_t n = semi ? (size_t)(semi - p) : len - i;
		const char *t = p;
		size_t tn = n;

		i += n + 1;
		trim(&t, &tn);
		if (tn == 0) {
			if (semi && i < len)
				r = cs_error(err, -EINVAL, "empty field in connection string");
			continue;
		}
		r = cs_pair(&cs, t, tn, &seen, err);
	}
	for (int f = 0; f < CS_GATEWAY_HOST_NAME && r == 0; f++)
		if (!(seen & (1u << f)))
			r = cs_error(err, -EINVAL, "%s is missing", cs_field_names[f]);
	if (r == 0)
		*ret = cs;
	explicit_bzero(&cs, sizeof(cs));
	return r;
}

void connection_string_wipe(struct connection_string *cs)
{
	if (cs)
		explicit_bzero(cs, sizeof(*cs));
}

/* ---- endpoints ---- */

static int parse_port(const char *s, size_t n, uint16_t *ret)
{
	uint64_t v;

	if (n > 5 || num_parse_u64(s, n, 10, 65535, &v) < 0 || v == 0)
		return -EINVAL;
	*ret = (uint16_t)v;
	return 0;
}

int mqtt_endpoint_parse(const char *url, size_t len, struct mqtt_endpoint *ret)
{
	struct mqtt_endpoint ep = { .port = 8883, .tls = true };
	const char *h, *end = url + len, *port = NULL;
	size_t hn;

	if (len > 7 && memcmp(url, "mqtts://", 8) == 0) {
		h = url + 8;
	} else if (len > 6 && memcmp(url, "mqtt://", 7) == 0) {
		h = url + 7;
		ep.tls = false;
		ep.port = 1883;
	} else {
		return -EINVAL;
	}
	if (end > h && end[-1] == '/')
		end--;
	if (h < end && *h == '[') {
		const char *close = memchr(h, ']', (size_t)(end - h));

		if (!close)
			return -EINVAL;
		hn = (size_t)(close - h - 1);
		if (hn == 0 || hn >= sizeof(ep.host))
			return -EINVAL;
		for (size_t i = 0; i < hn; i++)
			if (!strchr("0123456789abcdefABCDEF:.", h[1 + i]) || !h[1 + i])
				return -EINVAL;
		memcpy(ep.host, h + 1, hn);
		if (close + 1 < end) {
			if (close[1] != ':')
				return -EINVAL;
			port = close + 2;
		}
	} else {
		const char *colon = memchr(h, ':', (size_t)(end - h));

		hn = (size_t)((colon ? colon : end) - h);
		if (!valid_host(h, hn))
			return -EINVAL;
		memcpy(ep.host, h, hn);
		if (colon)
			port = colon + 1;
	}
	if (port && parse_port(port, (size_t)(end - port), &ep.port) < 0)
		return -EINVAL;
	*ret = ep;
	return 0;
}
