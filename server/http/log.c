/* The log writer behind log.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/file.h"
#include "log.h"

#define LINE_MAX_	4096
#define VALUE_MAX	512
#define PAIRS_MAX	24

/* Set once at start-up, before the HTTP threads exist. */
static enum srv_log_format log_format = SRV_LOG_TEXT;
static int log_fd = 2;

void
srv_log_setup(enum srv_log_format format, int fd)
{
	log_format = format;
	log_fd = fd;
}

int
srv_log_format_parse(const char *s, enum srv_log_format *out)
{
	if (strcmp(s, "text") == 0)
		*out = SRV_LOG_TEXT;
	else if (strcmp(s, "json") == 0)
		*out = SRV_LOG_JSON;
	else
		return -1;
	return 0;
}

static const char *const level_names[] = { "info", "warn", "error" };

struct line {
	char	*p;
	size_t	 len, size;	/* size keeps room for "\n\0" */
};

static void
put(struct line *l, const char *s, size_t n)
{
	if (n > l->size - l->len)
		n = l->size - l->len;
	memcpy(l->p + l->len, s, n);
	l->len += n;
}

static void
puts_(struct line *l, const char *s)
{
	put(l, s, strlen(s));
}

static int
text_needs_quotes(const char *s)
{
	if (*s == '\0')
		return 1;
	for (; *s != '\0'; s++)
		if (*s == ' ' || *s == '"' || *s == '=' || *s == '\\' ||
		    (unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return 1;
	return 0;
}

/* A value, escaped: text quotes it when needed and writes \xHH for any
 * byte outside printable ASCII; JSON escapes per RFC 8259 and writes
 * \u00HH for bytes >= 0x7f (so invalid UTF-8 cannot break the line). */
static void
put_value(struct line *l, const char *s, int json)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;
	int quote = json || text_needs_quotes(s);
	char esc[8];

	if (quote)
		put(l, "\"", 1);
	for (i = 0; s[i] != '\0' && i < VALUE_MAX; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			put(l, esc, 2);
		} else if (c < 0x20 || c >= 0x7f) {
			if (json) {
				memcpy(esc, "\\u00", 4);
				esc[4] = hex[c >> 4];
				esc[5] = hex[c & 15];
				put(l, esc, 6);
			} else {
				esc[0] = '\\';
				esc[1] = 'x';
				esc[2] = hex[c >> 4];
				esc[3] = hex[c & 15];
				put(l, esc, 4);
			}
		} else {
			put(l, s + i, 1);
		}
	}
	if (s[i] != '\0')
		puts_(l, "...");
	if (quote)
		put(l, "\"", 1);
}

static void
put_time(struct line *l, long long when_ms)
{
	char t[96];
	struct tm tm;
	time_t secs = (time_t)(when_ms / 1000);

	if (gmtime_r(&secs, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	snprintf(t, sizeof(t), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(when_ms % 1000));
	puts_(l, t);
}

unsigned long
srv_log_format_line(char *buf, unsigned long size, enum srv_log_format format,
    enum srv_log_level level, long long when_ms, const char *event,
    const char *const *keys, const char *const *values, unsigned n)
{
	struct line l = { buf, 0, 0 };
	const char *lv = level_names[(unsigned)level < 3 ? level : 2];
	int json = format == SRV_LOG_JSON;
	unsigned i;

	if (size < 3)
		return 0;
	l.size = size - 2;
	if (json) {
		puts_(&l, "{\"time\":\"");
		put_time(&l, when_ms);
		puts_(&l, "\",\"level\":\"");
		puts_(&l, lv);
		puts_(&l, "\",\"event\":");
		put_value(&l, event, 1);
	} else {
		put_time(&l, when_ms);
		put(&l, " ", 1);
		puts_(&l, lv);
		put(&l, " ", 1);
		put_value(&l, event, 0);
	}
	for (i = 0; i < n; i++) {
		const char *v = values[i] != NULL ? values[i] : "-";

		if (json) {
			put(&l, ",", 1);
			put_value(&l, keys[i], 1);
			put(&l, ":", 1);
		} else {
			put(&l, " ", 1);
			put_value(&l, keys[i], 0);
			put(&l, "=", 1);
		}
		put_value(&l, v, json);
	}
	if (json)
		put(&l, "}", 1);
	buf[l.len++] = '\n';
	buf[l.len] = '\0';
	return l.len;
}

void
srv_log(enum srv_log_level level, const char *event, ...)
{
	const char *keys[PAIRS_MAX], *values[PAIRS_MAX];
	char buf[LINE_MAX_];
	struct timespec ts;
	unsigned n = 0;
	size_t len;
	va_list ap;

	va_start(ap, event);
	while (n < PAIRS_MAX && (keys[n] = va_arg(ap, const char *)) != NULL)
		values[n++] = va_arg(ap, const char *);
	va_end(ap);
	clock_gettime(CLOCK_REALTIME, &ts);
	len = srv_log_format_line(buf, sizeof(buf), log_format, level,
	    (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, event, keys,
	    values, n);
	/* Nowhere to report a failed log write: the line is lost. */
	(void)file_write_all(log_fd, buf, len);
}
