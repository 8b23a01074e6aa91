/* A service's structured log: one line per event on stderr (or another
 * descriptor), as "key=value" text or as one JSON object per line.
 *
 * Callers pass only what is safe to keep: never a token, password, key,
 * Authorization header or request body. Values are escaped, so a peer
 * cannot forge a line (no raw control characters reach the log). */
#ifndef COFFER_HTTP_LOG_H
#define COFFER_HTTP_LOG_H

enum srv_log_format {
	SRV_LOG_TEXT = 0,	/* 2026-11-27T15:48:49.123Z info event k=v ... */
	SRV_LOG_JSON = 1	/* {"time":...,"level":...,"event":...,"k":"v"} */
};

enum srv_log_level {
	SRV_LOG_INFO = 0,
	SRV_LOG_WARN = 1,
	SRV_LOG_ERROR = 2
};

/** srv_log_format_parse(s, out): "text" or "json" into *${out}. Returns
 * 0, or -1 for anything else (*${out} untouched). */
int srv_log_format_parse(const char *s, enum srv_log_format *out);

/** srv_log_setup(format, fd): send later lines to ${fd} in ${format}.
 * Call before any thread logs; the default is text on descriptor 2. */
void srv_log_setup(enum srv_log_format format, int fd);

/** srv_log(level, event, ...): write one line: the time, ${level},
 * ${event}, then the (const char *key, const char *value) pairs that
 * follow, closed by a NULL key. A NULL value is written as "-". Each
 * line is one write(2), so lines from several threads never interleave.
 * Long values are cut (a line holds at most 4 KiB). */
void srv_log(enum srv_log_level level, const char *event, ...)
    __attribute__((sentinel));

/** srv_log_format_line(buf, size, format, level, event, keys, values, n):
 * the line srv_log would write (with its newline, NUL-terminated) for the
 * ${n} pairs ${keys}/${values}, into ${buf} of ${size} bytes; the time is
 * ${when_ms} milliseconds since the epoch. Returns its length. For tests
 * and for srv_log. */
unsigned long srv_log_format_line(char *buf, unsigned long size,
    enum srv_log_format format, enum srv_log_level level, long long when_ms,
    const char *event, const char *const *keys, const char *const *values,
    unsigned n);

#endif
