/* SPDX-License-Identifier: MIT */
/*
 * The names redaction looks for (see redact.c for the scan, docs/security.md for the list).
 *
 * A name is classified in two steps: a 4096-bit filter over the last three bytes of every
 * listed name (and suffix) rejects almost every ordinary option or key ("--config",
 * "PATH=") with one lookup; only names that pass are compared with the lists.  The program
 * names of the context rules are in a small open-addressing hash table.  All tables are
 * built once; the filter is rebuilt when the extra names change.  The settings
 * (redact_configure) and the counters live here too.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "array.h"
#include "redact-int.h"

unsigned char redact_byte_class[256];
uint32_t redact_short_attached[256], redact_short_separate[256];

unsigned char redact_lower[256];
uint64_t redact_tail_filter[64];
static bool initialized;
#define lower redact_lower

struct name_rule {
	const char *name;
	unsigned char len;
	unsigned char cls;
};

#define N(s, c)                                                                                    \
	{                                                                                          \
		s, sizeof(s) - 1, CLS_##c                                                          \
	}

/* options, without their dashes */
static const struct name_rule option_exact[] = {
	N("password", VALUE),
	N("passwd", VALUE),
	N("pass", VALUE),
	N("pw", VALUE),
	N("pwd", VALUE),
	N("passphrase", VALUE),
	N("secret", VALUE),
	N("token", VALUE),
	N("sas", VALUE),
	N("sas-token", VALUE),
	N("apikey", VALUE),
	N("api-key", VALUE),
	N("api-token", VALUE),
	N("access-token", VALUE),
	N("auth-token", VALUE),
	N("client-secret", VALUE),
	N("secret-key", VALUE),
	N("access-key", VALUE),
	N("account-key", VALUE),
	N("shared-access-key", VALUE),
	N("primary-key", VALUE),
	N("secondary-key", VALUE),
	N("oauth2-bearer", VALUE),
	N("storepass", VALUE),
	N("keypass", VALUE),
	N("connection-string", CONN),
	N("connectionstring", CONN),
	N("conn-str", CONN),
	N("connstr", CONN),
	N("proxy-user", USERPASS),
	N("creds", USERPASS),
	N("src-creds", USERPASS),
	N("dest-creds", USERPASS),
};
static const struct name_rule option_suffix[] = {
	N("password", VALUE),	  N("passwd", VALUE),
	N("passphrase", VALUE),	  N("-secret", VALUE),
	N("_secret", VALUE),	  N("-token", VALUE),
	N("_token", VALUE),	  N("-api-key", VALUE),
	N("-access-key", VALUE),  N("-secret-key", VALUE),
	N("-account-key", VALUE), N("storepass", VALUE),
	N("keypass", VALUE),	  N("-connection-string", CONN),
};
/* KEY=value, KEY: value, "KEY": "value" (environment, URLs, connection strings, headers) */
static const struct name_rule key_exact[] = {
	N("password", VALUE), N("passwd", VALUE),	N("pass", VALUE),
	N("pwd", VALUE),      N("passphrase", VALUE),	N("secret", VALUE),
	N("token", VALUE),    N("sig", VALUE),		N("key", VALUE),
	N("auth", VALUE),     N("credential", VALUE),	N("credentials", VALUE),
	N("cookie", VALUE),   N("authorization", AUTH),
};
static const struct name_rule key_suffix[] = {
	N("password", VALUE),
	N("passwd", VALUE),
	N("_pwd", VALUE),
	N("_pass", VALUE),
	N("secret", VALUE),
	N("token", VALUE),
	N("_key", VALUE),
	N("-key", VALUE),
	N("apikey", VALUE),
	N("accesskey", VALUE),
	N("accountkey", VALUE),
	N("secretkey", VALUE),
	N("privatekey", VALUE),
	N("signature", VALUE),
	N("_auth", VALUE),
	N("authorization", AUTH),
	N("connection_string", CONN),
	N("connectionstring", CONN),
};
/* Authorization schemes: the credentials are the word after them. */
static const char *const auth_schemes[] = {
	"bearer",
	"basic",
	"token",
	"bot",
	"digest",
	"negotiate",
	"ntlm",
	"apikey",
	"aws4-hmac-sha256",
	"sharedaccesssignature",
	NULL,
};
/* A URL user name that is a token by itself (https://TOKEN@host). */
static const char *const token_prefixes[] = {
	"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "xoxb-", "xoxp-", NULL,
};
/*
 * Tokens recognized by their prefix alone, anywhere (a word by itself: `git push ghp_x…`,
 * `TOKEN=xoxb-…`).  The whole token is redacted.  `min` is the least number of body bytes
 * after the prefix ([A-Za-z0-9_-]; fewer is a word, not a token, unless the argument was cut
 * after 8 of them).  A prefix must hold '_', '-', 'J' or 'A' (the bytes the scan stops at).
 * To add one: a line here and a case in tests/unit/test-redact-bare.c.
 */
#define T(p, min, kind)                                                                            \
	{                                                                                          \
		p, sizeof(p) - 1, min, kind                                                        \
	}
const struct token_rule redact_token_rules[] = {
	T("ghp_", 20, TOK_WORD),	/* GitHub personal access token */
	T("gho_", 20, TOK_WORD),	/* GitHub OAuth */
	T("ghu_", 20, TOK_WORD),	/* GitHub user-to-server */
	T("ghs_", 20, TOK_WORD),	/* GitHub server-to-server */
	T("ghr_", 20, TOK_WORD),	/* GitHub refresh */
	T("github_pat_", 20, TOK_WORD), /* GitHub fine-grained */
	T("glpat-", 16, TOK_WORD),	/* GitLab */
	T("xoxb-", 10, TOK_WORD),	/* Slack */
	T("xoxp-", 10, TOK_WORD),	T("xoxa-", 10, TOK_WORD),
	T("xoxr-", 10, TOK_WORD),	T("xoxs-", 10, TOK_WORD),
	T("sk_live_", 16, TOK_WORD), /* Stripe */
	T("rk_live_", 16, TOK_WORD),	T("sk_test_", 16, TOK_WORD),
	T("npm_", 30, TOK_WORD),  /* npm */
	T("pypi-", 40, TOK_WORD), /* PyPI */
	T("AIza", 30, TOK_WORD),  /* Google API key */
	T("eyJ", 16, TOK_JWT),	  /* JWT: base64url `{"` header, two dots */
};
const size_t redact_token_rules_n = ARRAY_SIZE(redact_token_rules);
uint32_t redact_token_first[256];
uint16_t redact_token_offset[256];
_Static_assert(ARRAY_SIZE(redact_token_rules) <= 32, "redact_token_first has 32 bits");

/*
 * `NAME value` where the value is redacted only if it looks random (redact_random_value()):
 * NAME is one of these or ends with one after '_', '-', '.', a digit or a camel-case hump
 * (`X_AUTH`, `apiKey`, `--Secret`), in any case.  Any blank, ':' or '=' may separate them.
 */
static const char *const random_names[] = {
	"token", "secret", "key", "passwd", "pwd", "auth", "password", "apikey", NULL,
};
/* ... but not these (key ids, fingerprints, public keys: detection wants them). */
static const char *const random_names_not[] = {
	"recv-key", "recv-keys",     "public-key", "publickey", "pubkey", "host-key", "hostkey",
	"sort-key", "partition-key", "ssh-key",	   "key-id",	"keyid",  NULL,
};
unsigned char redact_random_last[256];
uint64_t redact_random_filter[64];

/* Connection-string keys whose values are kept (every other value is redacted). */
static const char *const conn_safe_keys[] = {
	"hostname",
	"deviceid",
	"moduleid",
	"gatewayhostname",
	"sharedaccesskeyname",
	"x509",
	"accountname",
	"defaultendpointsprotocol",
	"endpointsuffix",
	"endpoint",
	"entitypath",
	"blobendpoint",
	"queueendpoint",
	"tableendpoint",
	"fileendpoint",
	"server",
	"database",
	"port",
	"username",
	"user id",
	NULL,
};

/*
 * Secret only after one of `programs` (a basename earlier in the text, back to a shell
 * separator) and, with a subcommand, with that word between the program and the option.
 */
const struct context_rule redact_context_rules[] = {
	{ "p", 1, F_ATTACHED | F_SEPARATE, CLS_VALUE, "sshpass useradd usermod", NULL, 0 },
	{ "p", 1, F_ATTACHED, CLS_VALUE,
	  "mysql mysqldump mysqladmin mysqlimport mysqlshow mysqlcheck mysqlpump mysqlslap "
	  "mariadb mariadb-dump mariadb-admin mariadb-import 7z 7za 7zr",
	  NULL, 0 },
	{ "p", 1, F_ATTACHED | F_SEPARATE, CLS_VALUE,
	  "docker podman nerdctl buildah skopeo helm oras crane regctl az", "login", 5 },
	{ "p", 1, F_ATTACHED | F_SEPARATE, CLS_VALUE,
	  "mongo mongosh mongodump mongorestore mongoexport mongoimport mongostat mongotop "
	  "mongofiles",
	  NULL, 0 },
	{ "P", 1, F_ATTACHED | F_SEPARATE, CLS_VALUE,
	  "sqlcmd bcp mosquitto_pub mosquitto_sub mosquitto_rr zip unzip", NULL, 0 },
	{ "a", 1, F_ATTACHED | F_SEPARATE, CLS_VALUE, "redis-cli", NULL, 0 },
	{ "u", 1, F_ATTACHED | F_SEPARATE, CLS_USERPASS, "curl", NULL, 0 },
	{ "user", 4, F_SEPARATE | F_EQUALS, CLS_USERPASS, "curl", NULL, 0 },
	{ "w", 1, F_ATTACHED | F_SEPARATE, CLS_VALUE,
	  "ldapsearch ldapadd ldapmodify ldapdelete ldapwhoami ldappasswd ldapcompare "
	  "ldapmodrdn ldapexop",
	  NULL, 0 },
	{ "k", 1, F_SEPARATE, CLS_VALUE, "openssl", NULL, 0 },
	{ "K", 1, F_SEPARATE, CLS_VALUE, "openssl", NULL, 0 },
};
const size_t redact_context_rules_n = ARRAY_SIZE(redact_context_rules);

/* ---- the tail filter ---- */

/* Names shorter than three bytes: after `pad` (options: '-'; keys: the start of a word). */
static void tail_add(const char *name, size_t n, char pad)
{
	char t[3] = { pad, pad, pad };
	unsigned h;

	memcpy(t + 3 - (n < 3 ? n : 3), name + (n < 3 ? 0 : n - 3), n < 3 ? n : 3);
	h = redact_tail_hash(t, 3);
	redact_tail_filter[h >> 6] |= 1ull << (h & 63);
}

/* ---- programs of the context rules ---- */

#define PROG_SLOTS 128u

static struct {
	const char *name;
	size_t len;
	uint32_t rules;
} programs[PROG_SLOTS];
/* Bit n of prog_first[c]: a program name of n bytes starts with c (rejects most words). */
static uint32_t prog_first[256];
uint32_t redact_subcommand_rules_any;
uint32_t redact_prog_end[256];
unsigned char redact_short[256];

static unsigned prog_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h & (PROG_SLOTS - 1);
}

static void programs_init(void)
{
	for (size_t r = 0; r < ARRAY_SIZE(redact_context_rules); r++) {
		const struct context_rule *cr = &redact_context_rules[r];

		if (cr->option_len == 1 && (cr->forms & F_ATTACHED))
			redact_short_attached[(unsigned char)cr->option[0]] |= 1u << r;
		if (cr->option_len == 1 && (cr->forms & F_SEPARATE))
			redact_short_separate[(unsigned char)cr->option[0]] |= 1u << r;
		if (cr->option_len == 1)
			redact_short[(unsigned char)cr->option[0]] |= SHORT_RULE;
		/* "login" is the only subcommand in the table (redact_subcommand_rules) */
		if (cr->subcommand)
			redact_subcommand_rules_any |= 1u << r;
		for (const char *p = cr->programs; *p;) {
			size_t l = strcspn(p, " ");
			unsigned h = prog_hash(p, l);

			while (programs[h].name &&
			       (programs[h].len != l || memcmp(programs[h].name, p, l) != 0))
				h = (h + 1) & (PROG_SLOTS - 1);
			programs[h].name = p;
			programs[h].len = l;
			programs[h].rules |= 1u << r;
			prog_first[(unsigned char)*p] |= 1u << l;
			redact_prog_end[(unsigned char)p[l - 1]] |=
				1u << ((unsigned char)p[l - 2] & 31);
			p += l + (p[l] == ' ');
		}
	}
}

uint32_t redact_program_rules(const char *base, size_t n)
{
	unsigned h;

	if (n > 16 || !(prog_first[(unsigned char)*base] & (1u << n)))
		return 0;
	for (h = prog_hash(base, n); programs[h].name; h = (h + 1) & (PROG_SLOTS - 1))
		if (programs[h].len == n && memcmp(programs[h].name, base, n) == 0)
			return programs[h].rules;
	return 0;
}

uint32_t redact_subcommand_rules(const char *s, size_t n)
{
	return n == 5 && memcmp(s, "login", 5) == 0 ? redact_subcommand_rules_any : 0;
}

/* ---- set-up ---- */

static void classes_init(void)
{
	for (int c = 0; c < 256; c++) {
		bool up = c >= 'A' && c <= 'Z', low = c >= 'a' && c <= 'z',
		     dig = c >= '0' && c <= '9';

		lower[c] = (unsigned char)(up ? c + 32 : c);
		if (up || low || dig)
			redact_byte_class[c] |= B_ALNUM | B_KEY;
		if (up || dig)
			redact_byte_class[c] |= B_UPNUM;
	}
	for (const char *p = "_.-"; *p; p++)
		redact_byte_class[(unsigned char)*p] |= B_KEY;
	for (int c = 0; c <= 0x20; c++)
		redact_byte_class[c] |= B_WS; /* whitespace and control bytes */
	for (const char *p = "\"'`"; *p; p++)
		redact_byte_class[(unsigned char)*p] |= B_QUOTE;
	for (const char *p = ";&,"; *p; p++)
		redact_byte_class[(unsigned char)*p] |= B_SEP;
}

void redact_rules_rebuild(void)
{
	static const struct {
		const struct name_rule *rules;
		size_t n;
	} lists[] = {
		{ option_exact, ARRAY_SIZE(option_exact) },
		{ option_suffix, ARRAY_SIZE(option_suffix) },
		{ key_exact, ARRAY_SIZE(key_exact) },
		{ key_suffix, ARRAY_SIZE(key_suffix) },
	};

	memset(redact_tail_filter, 0, sizeof(redact_tail_filter));
	for (size_t l = 0; l < ARRAY_SIZE(lists); l++)
		for (size_t i = 0; i < lists[l].n; i++)
			tail_add(lists[l].rules[i].name, lists[l].rules[i].len, l < 2 ? '-' : ' ');
	for (size_t r = 0; r < ARRAY_SIZE(redact_context_rules); r++)
		if (redact_context_rules[r].option_len > 1)
			tail_add(redact_context_rules[r].option, redact_context_rules[r].option_len,
				 '-');
	for (int c = 0; c < 256; c++)
		redact_short[c] &= (unsigned char)~SHORT_EXTRA;
	for (unsigned i = 0; i < redact_n_extra; i++) {
		tail_add(redact_extra[i].name, redact_extra[i].len, '-');
		tail_add(redact_extra[i].name, redact_extra[i].len, ' ');
		if (redact_extra[i].len == 1) {
			redact_short[(unsigned char)redact_extra[i].name[0]] |= SHORT_EXTRA;
			redact_short[(unsigned char)redact_extra[i].name[0] - 32] |= SHORT_EXTRA;
		}
	}
}

static void random_init(void)
{
	for (size_t r = 0; r < ARRAY_SIZE(redact_token_rules); r++) {
		const struct token_rule *t = &redact_token_rules[r];

		redact_token_first[(unsigned char)t->prefix[0]] |= 1u << r;
		for (size_t k = 0; k < t->len && k < 16; k++)
			redact_token_offset[(unsigned char)t->prefix[k]] |= (uint16_t)(1u << k);
	}
	for (size_t i = 0; random_names[i]; i++) {
		unsigned char c = (unsigned char)random_names[i][strlen(random_names[i]) - 1];

		size_t n = strlen(random_names[i]);
		unsigned h = redact_tail_hash(random_names[i], n);

		if (!strchr(REDACT_RANDOM_LAST, c))
			abort(); /* a name ending in another letter: add it to REDACT_RANDOM_LAST */
		redact_random_last[c] = 1;
		redact_random_last[c - 32] = 1;
		redact_random_filter[h >> 6] |= 1ull << (h & 63);
	}
}

void redact_rules_init(void)
{
	if (initialized)
		return;
	classes_init();
	random_init();
	programs_init();
	redact_rules_rebuild();
	initialized = true;
}

/* ---- classification (after the filter) ---- */

static size_t lower_copy(const char *s, size_t n, char out[REDACT_NAME_MAX + 1])
{
	if (n > REDACT_NAME_MAX)
		n = REDACT_NAME_MAX;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)lower[(unsigned char)s[i]];
	out[n] = '\0';
	return n;
}

static enum secret_class match_rules(const char *name, size_t n, const struct name_rule *exact,
				     size_t n_exact, const struct name_rule *suffix,
				     size_t n_suffix)
{
	for (size_t i = 0; i < n_exact; i++)
		if (exact[i].len == n && memcmp(exact[i].name, name, n) == 0)
			return (enum secret_class)exact[i].cls;
	for (size_t i = 0; i < n_suffix; i++)
		if (suffix[i].len <= n &&
		    memcmp(suffix[i].name, name + n - suffix[i].len, suffix[i].len) == 0)
			return (enum secret_class)suffix[i].cls;
	for (unsigned i = 0; i < redact_n_extra; i++)
		if (redact_extra[i].len == n && memcmp(redact_extra[i].name, name, n) == 0)
			return CLS_VALUE;
	return CLS_NONE;
}

enum secret_class redact_classify_option(const char *s, size_t n)
{
	char name[REDACT_NAME_MAX + 1];

	if (n > REDACT_NAME_MAX)
		return CLS_NONE;
	n = lower_copy(s, n, name);
	if (n > 3 && memcmp(name, "no-", 3) == 0)
		return CLS_NONE;
	return match_rules(name, n, option_exact, ARRAY_SIZE(option_exact), option_suffix,
			   ARRAY_SIZE(option_suffix));
}

enum secret_class redact_classify_key(const char *s, size_t n)
{
	char name[REDACT_NAME_MAX + 1];

	if (n > REDACT_NAME_MAX)
		return CLS_NONE;
	n = lower_copy(s, n, name);
	return match_rules(name, n, key_exact, ARRAY_SIZE(key_exact), key_suffix,
			   ARRAY_SIZE(key_suffix));
}

static bool word_in(const char *s, size_t n, const char *const *list)
{
	for (size_t i = 0; list[i]; i++)
		if (strlen(list[i]) == n && strncasecmp(list[i], s, n) == 0)
			return true;
	return false;
}

bool redact_is_auth_scheme(const char *s, size_t n)
{
	return word_in(s, n, auth_schemes);
}

bool redact_is_conn_safe_key(const char *s, size_t n)
{
	return word_in(s, n, conn_safe_keys);
}

bool redact_is_token_prefix(const char *s, size_t n)
{
	for (size_t i = 0; token_prefixes[i]; i++) {
		size_t l = strlen(token_prefixes[i]);

		if (n > l && memcmp(s, token_prefixes[i], l) == 0)
			return true;
	}
	return false;
}

bool redact_random_name(const char *s, size_t n)
{
	if (n > REDACT_NAME_MAX || word_in(s, n, random_names_not))
		return false;
	for (size_t i = 0; random_names[i]; i++) {
		size_t l = strlen(random_names[i]);
		unsigned char b, first;

		if (l > n || strncasecmp(s + n - l, random_names[i], l) != 0)
			continue;
		if (l == n)
			return true;
		b = (unsigned char)s[n - l - 1];
		first = (unsigned char)s[n - l];
		/* a part of its own: after a separator or digit, or a hump (apiKey, not monkey) */
		if (!redact_has(b, B_ALNUM) || (b >= '0' && b <= '9') ||
		    (first >= 'A' && first <= 'Z' && b >= 'a' && b <= 'z'))
			return true;
	}
	return false;
}

/* ---- settings (redactSecrets, redactExtraNames) and counters ---- */

struct redact_extra_name redact_extra[REDACT_EXTRA_MAX];
unsigned redact_n_extra;
static bool enabled = true;
static struct redact_stats stats;

static int names_parse(const char *list, bool store, char *err, size_t err_size)
{
	unsigned n = 0;

	for (const char *p = list ? list : ""; *p;) {
		size_t l = strcspn(p, ","), b = 0, e = l;

		while (b < e && (p[b] == ' ' || p[b] == '-'))
			b++;
		while (e > b && p[e - 1] == ' ')
			e--;
		if (e == b || e - b > REDACT_NAME_MAX)
			return snprintf(err, err_size, "entry %u is %s", n + 1,
					e == b ? "empty" : "longer than 64 characters"),
			       -EINVAL;
		for (size_t k = b; k < e; k++)
			if (!redact_has((unsigned char)p[k], B_KEY))
				return snprintf(err, err_size,
						"entry %u has a character other than a letter, "
						"a digit, '_', '.' or '-'",
						n + 1),
				       -EINVAL;
		if (n == REDACT_EXTRA_MAX)
			return snprintf(err, err_size, "more than %u names", REDACT_EXTRA_MAX),
			       -EINVAL;
		if (store) {
			redact_extra[n].len = e - b;
			for (size_t k = 0; k < e - b; k++)
				redact_extra[n].name[k] =
					(char)(p[b + k] >= 'A' && p[b + k] <= 'Z' ? p[b + k] + 32
										  : p[b + k]);
			redact_extra[n].name[e - b] = '\0';
			redact_n_extra = n + 1;
		}
		n++;
		p += l + (p[l] == ',');
	}
	return 0;
}

int redact_names_check(const char *list, char *err, size_t err_size)
{
	char none[1];

	redact_rules_init();
	return names_parse(list, false, err ? err : none, err ? err_size : sizeof(none));
}

int redact_configure(const struct redact_settings *s)
{
	char none[1];

	if (redact_names_check(s->extra_names, NULL, 0) < 0)
		return -EINVAL;
	enabled = s->enabled;
	redact_n_extra = 0;
	(void)names_parse(s->extra_names, true, none, sizeof(none));
	redact_rules_rebuild();
	return 0;
}

bool redact_enabled(void)
{
	return enabled;
}

void redact_stats_add(unsigned secrets)
{
	stats.values++;
	stats.secrets += secrets;
}

void redact_get_stats(struct redact_stats *ret)
{
	*ret = stats;
}
