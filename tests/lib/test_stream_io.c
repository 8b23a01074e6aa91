/* Streaming envelopes with flat memory, and the fd helpers through temp
 * files and pipes (EINTR, short reads and writes). The format itself is
 * tested in test_stream.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>
#include <signal.h>
#include <sodium.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <coffer/buf.h>
#include <coffer/err.h>
#include <coffer/key.h>
#include <coffer/stream.h>

#include "testkeys.h"

#define CTX	"coffer/test/v1"
#define LOG2	12

/* The sealed size of n bytes (docs/PROTOCOL-stream.md, "Byte layout"). */
static size_t
sealed_size(size_t ctxlen, size_t cs, size_t n)
{
	return 52 + ctxlen + (n / cs) * (cs + 17) + n % cs + 21;
}

/* Peak memory growth allowed while 256 MiB stream through. AddressSanitizer
 * keeps freed memory in quarantine (256 MiB by default) instead of reusing
 * it, and every chunk's AEAD call allocates an OpenSSL context: about
 * 14 MiB more over 8192 chunks. Either bound is far below the stream. */
#if defined(__SANITIZE_ADDRESS__)
#define RSS_GROWTH_MAX_KIB	(48 * 1024)
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RSS_GROWTH_MAX_KIB	(48 * 1024)
#endif
#endif
#ifndef RSS_GROWTH_MAX_KIB
#define RSS_GROWTH_MAX_KIB	(16 * 1024)
#endif

static long
maxrss_kib(void)
{
	struct rusage ru;

	assert_int_equal(getrusage(RUSAGE_SELF, &ru), 0);
	return ru.ru_maxrss;		/* KiB on Linux */
}

/* 256 MiB through the incremental API in 1 MiB pieces: the process's peak
 * memory grows by less than 16 MiB (see RSS_GROWTH_MAX_KIB). Runs first,
 * while the peak is low. */
static void
test_flat_memory(void **state)
{
	const size_t piece_len = (size_t)1 << 20;
	struct coffer_key *k = test_key_symmetric(12, 1);
	struct coffer_stream_sealer *s = NULL;
	struct coffer_stream_opener *o = NULL;
	struct coffer_buf *ct = coffer_buf_new(4 * piece_len);
	struct coffer_buf *pt = coffer_buf_new_secret(4 * piece_len);
	uint8_t *in;
	size_t i, total = 0;
	long before, after;

	(void)state;
	before = maxrss_kib();
	in = malloc(piece_len);
	assert_non_null(in);
	randombytes_buf(in, piece_len);
	assert_int_equal(coffer_stream_sealer_new(&s, k, CTX, 0, ct), 0);
	assert_int_equal(coffer_stream_opener_new(&o, k, CTX), 0);
	for (i = 0; i < 256; i++) {
		/* A piece a bit short of 1 MiB keeps chunks straddling calls. */
		size_t n = piece_len - (i % 3) * 1000;

		assert_int_equal(coffer_stream_sealer_update(s, in, n, ct), 0);
		assert_int_equal(coffer_stream_opener_update(o,
		    coffer_buf_data(ct), coffer_buf_len(ct), pt), 0);
		total += coffer_buf_len(pt);
		coffer_buf_reset(ct);
		coffer_buf_reset(pt);
	}
	assert_int_equal(coffer_stream_sealer_final(s, ct), 0);
	assert_int_equal(coffer_stream_opener_update(o, coffer_buf_data(ct),
	    coffer_buf_len(ct), pt), 0);
	total += coffer_buf_len(pt);
	assert_int_equal(coffer_stream_opener_final(o), 0);
	after = maxrss_kib();
	print_message("flat memory: %zu MiB streamed, peak RSS %ld -> %ld KiB\n",
	    total >> 20, before, after);
	assert_true(total > (size_t)255 << 20);
	assert_true(after - before < RSS_GROWTH_MAX_KIB);
	coffer_stream_sealer_free(&s);
	coffer_stream_opener_free(&o);
	coffer_buf_free(&ct);
	coffer_buf_free(&pt);
	free(in);
	coffer_key_free(&k);
}

/* A temporary file holding n bytes of p, at offset 0. */
static int
tmp_with(const uint8_t *p, size_t n)
{
	FILE *f = tmpfile();
	int fd;

	assert_non_null(f);
	fd = dup(fileno(f));
	fclose(f);
	assert_true(fd >= 0);
	assert_true(n == 0 || write(fd, p, n) == (ssize_t)n);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

/* The whole content of fd, from offset 0, into a fresh buffer. */
static struct coffer_buf *
slurp(int fd)
{
	struct coffer_buf *b = coffer_buf_new(COFFER_BUF_MAX);
	uint8_t tmp[65536];
	ssize_t k;

	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	while ((k = read(fd, tmp, sizeof(tmp))) > 0)
		assert_int_equal(coffer_buf_append(b, tmp, (size_t)k), 0);
	assert_int_equal(k, 0);
	return b;
}

static void
test_fd_files(void **state)
{
	struct coffer_key *k = test_key_symmetric(13, 1);
	const size_t n = 300000;
	uint8_t *pt = malloc(n);
	struct coffer_buf *st, *back;
	int in, sealed, out, cut, p[2];
	unsigned log2;

	(void)state;
	assert_non_null(pt);
	randombytes_buf(pt, n);
	for (log2 = 0; log2 <= 12; log2 += 12) {
		in = tmp_with(pt, n);
		sealed = tmp_with(NULL, 0);
		out = tmp_with(NULL, 0);
		assert_int_equal(coffer_stream_seal_fd(k, CTX, log2, in, sealed),
		    0);
		st = slurp(sealed);
		assert_int_equal(coffer_buf_len(st), sealed_size(strlen(CTX),
		    (size_t)1 << (log2 ? log2 : 16), n));
		assert_int_equal(lseek(sealed, 0, SEEK_SET), 0);
		assert_int_equal(coffer_stream_open_fd(k, CTX, sealed, out), 0);
		back = slurp(out);
		assert_int_equal(coffer_buf_len(back), n);
		assert_memory_equal(coffer_buf_data(back), pt, n);
		coffer_buf_free(&back);

		/* Truncated at a chunk boundary: TRUNCATED, and what was
		 * written is a verified prefix (hence: temp file, rename). */
		cut = tmp_with(coffer_buf_data(st), 52 + strlen(CTX) +
		    2 * (((size_t)1 << (log2 ? log2 : 16)) + 17));
		assert_int_equal(ftruncate(out, 0), 0);
		assert_int_equal(lseek(out, 0, SEEK_SET), 0);
		assert_int_equal(coffer_stream_open_fd(k, CTX, cut, out),
		    COFFER_ERR_TRUNCATED);
		back = slurp(out);
		assert_int_equal(coffer_buf_len(back), 2 << (log2 ? log2 : 16));
		assert_memory_equal(coffer_buf_data(back), pt,
		    coffer_buf_len(back));
		coffer_buf_free(&back);
		close(cut);

		/* Altered in the last chunk: AUTH. */
		coffer_buf_mutable(st)[coffer_buf_len(st) - 1] ^= 1;
		cut = tmp_with(coffer_buf_data(st), coffer_buf_len(st));
		assert_int_equal(coffer_stream_open_fd(k, CTX, cut, out),
		    COFFER_ERR_AUTH);
		close(cut);
		/* Trailing bytes: TRAILING. */
		coffer_buf_mutable(st)[coffer_buf_len(st) - 1] ^= 1;
		assert_int_equal(coffer_buf_append(st, "z", 1), 0);
		cut = tmp_with(coffer_buf_data(st), coffer_buf_len(st));
		assert_int_equal(coffer_stream_open_fd(k, CTX, cut, out),
		    COFFER_ERR_TRAILING);
		close(cut);
		/* Read and write errors: IO (a pipe's ends are one-way). */
		assert_int_equal(pipe(p), 0);
		assert_int_equal(lseek(in, 0, SEEK_SET), 0);
		assert_int_equal(coffer_stream_seal_fd(k, CTX, log2, in, p[0]),
		    COFFER_ERR_IO);
		assert_int_equal(coffer_stream_seal_fd(k, CTX, log2, p[1], out),
		    COFFER_ERR_IO);
		assert_int_equal(coffer_stream_open_fd(k, CTX, p[1], out),
		    COFFER_ERR_IO);
		assert_int_equal(lseek(sealed, 0, SEEK_SET), 0);
		assert_int_equal(coffer_stream_open_fd(k, CTX, sealed, p[0]),
		    COFFER_ERR_IO);
		close(p[0]);
		close(p[1]);

		coffer_buf_free(&st);
		close(in);
		close(sealed);
		close(out);
	}
	free(pt);
	coffer_key_free(&k);
}

static volatile sig_atomic_t ticks;

static void
on_alarm(int sig)
{
	(void)sig;
	ticks++;
}

/* Interrupt the process every 200 us, without SA_RESTART, so blocking
 * reads and writes on pipes return EINTR or short counts. */
static void
ticker(int on, struct sigaction *old)
{
	struct itimerval it;
	struct sigaction sa;

	memset(&it, 0, sizeof(it));
	if (on) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_alarm;
		sigemptyset(&sa.sa_mask);
		assert_int_equal(sigaction(SIGALRM, &sa, old), 0);
		it.it_interval.tv_usec = 200;
		it.it_value.tv_usec = 200;
		assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
	} else {
		assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
		assert_int_equal(sigaction(SIGALRM, old, NULL), 0);
	}
}

/* Child: copy from one fd to another in small irregular pieces, with
 * pauses, then exit. */
static pid_t
trickle(int from, int to, int close_a, int close_b)
{
	const struct timespec pause = { 0, 100000 };
	pid_t pid = fork();
	uint8_t buf[9000];
	size_t n, seed = 1;
	ssize_t k, w;

	assert_true(pid >= 0);
	if (pid > 0)
		return pid;
	close(close_a);
	close(close_b);
	for (;;) {
		seed = seed * 1103515245 + 12345;
		n = 1 + (seed >> 8) % sizeof(buf);
		if ((k = read(from, buf, n)) <= 0)
			break;
		for (w = 0; w < k; ) {
			ssize_t x = write(to, buf + w, (size_t)(k - w));

			if (x <= 0)
				_exit(2);
			w += x;
		}
		if (seed % 4 == 0)
			nanosleep(&pause, NULL);
	}
	_exit(k == 0 ? 0 : 1);
}

static void
test_fd_pipes(void **state)
{
	struct coffer_key *k = test_key_symmetric(14, 1);
	const size_t n = (size_t)1 << 20;
	uint8_t *pt = malloc(n);
	struct coffer_buf *back;
	struct sigaction old;
	int in, sealed, out, p[2], status;
	pid_t pid;

	(void)state;
	assert_non_null(pt);
	randombytes_buf(pt, n);
	in = tmp_with(pt, n);
	sealed = tmp_with(NULL, 0);
	out = tmp_with(NULL, 0);

	/* Seal into a pipe that a slow child drains into a file. */
	assert_int_equal(pipe(p), 0);
	pid = trickle(p[0], sealed, p[1], in);
	close(p[0]);
	ticker(1, &old);
	assert_int_equal(coffer_stream_seal_fd(k, CTX, LOG2, in, p[1]), 0);
	close(p[1]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	ticker(0, &old);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	/* Open from a pipe that a slow child fills from that file. */
	assert_int_equal(lseek(sealed, 0, SEEK_SET), 0);
	assert_int_equal(pipe(p), 0);
	pid = trickle(sealed, p[1], p[0], out);
	close(p[1]);
	ticker(1, &old);
	assert_int_equal(coffer_stream_open_fd(k, CTX, p[0], out), 0);
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	ticker(0, &old);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	print_message("fd pipes: %d interruptions\n", (int)ticks);

	back = slurp(out);
	assert_int_equal(coffer_buf_len(back), n);
	assert_memory_equal(coffer_buf_data(back), pt, n);
	coffer_buf_free(&back);
	close(in);
	close(sealed);
	close(out);
	free(pt);
	coffer_key_free(&k);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flat_memory),
		cmocka_unit_test(test_fd_files),
		cmocka_unit_test(test_fd_pipes),
	};

	return cmocka_run_group_tests_name("stream_io", tests, NULL, NULL);
}
