/* Blob uploads under attack, on the real cofferd (issue 10, finding 1):
 * quota reserved at the door against parallel trickled uploads, the cap
 * on uploads in flight per account, a reservation given back on abort;
 * and the blob store's upkeep: files without times, the health probe,
 * the maintenance sweep of orphans (never an upload in flight) and of
 * expired reservations. Uploads go on raw sockets so that the test holds
 * each body one byte short of its end for as long as it likes. */
#define _XOPEN_SOURCE 700

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>
#include <ftw.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>

#include "blob_client.h"
#include "route_fixture.h"

#define N_UP	20
#define UP_LEN	((uint64_t)200 << 10)
#define QUOTA	((uint64_t)1 << 20)

static struct srv *S;
static char *Dir;

/* An upload on its own connection. */
struct held {
	int		fd;
	uint8_t		id[32];
	uint64_t	len, sent;
};

/* Send the body of ${h} up to byte ${upto}; errors are ignored (a
 * refused upload's connection is closed by the server). */
static void
held_send(struct held *h, uint64_t upto)
{
	uint8_t buf[16384];
	size_t i, n;

	while (h->sent < upto) {
		n = upto - h->sent < sizeof(buf) ? (size_t)(upto - h->sent) :
		    sizeof(buf);
		for (i = 0; i < n; i++)
			buf[i] = bc_byte(h->id, h->sent + i);
		if (send(h->fd, buf, n, MSG_NOSIGNAL) != (ssize_t)n) {
			h->sent = upto;
			return;
		}
		h->sent += n;
	}
}

/* Open an upload of ${len} bytes of a new id and send ${now} of them. */
static void
held_open(struct srv *s, const struct test_account *a, struct held *h,
    uint64_t len, uint64_t now)
{
	struct sockaddr_in sa;
	struct timeval tv = { 30, 0 };	/* a failure bound only */
	char head[512], hex[65];
	int n;

	memset(h, 0, sizeof(*h));
	bc_random_id(h->id);
	h->len = len;
	bc_hex(hex, h->id);
	n = snprintf(head, sizeof(head), "PUT /v1/blobs/%s HTTP/1.1\r\n"
	    "Host: x\r\n%s\r\nContent-Type: application/octet-stream\r\n"
	    "Connection: close\r\nContent-Length: %llu\r\n\r\n", hex, a->auth,
	    (unsigned long long)len);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)srv_port(s));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((h->fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(setsockopt(h->fd, SOL_SOCKET, SO_RCVTIMEO, &tv,
	    sizeof(tv)), 0);
	assert_int_equal(connect(h->fd, (struct sockaddr *)&sa, sizeof(sa)),
	    0);
	assert_int_equal(send(h->fd, head, (size_t)n, MSG_NOSIGNAL), n);
	held_send(h, now);
}

/* Send the rest, read the answer to the end: its status; the body in
 * ${body} (NULL: dropped). */
static long
held_finish(struct held *h, char *body, size_t cap)
{
	char resp[4096];
	size_t got = 0;
	ssize_t k;
	const char *b;
	long st;

	held_send(h, h->len);
	while (got < sizeof(resp) - 1 && (k = recv(h->fd, resp + got,
	    sizeof(resp) - 1 - got, 0)) > 0)
		got += (size_t)k;
	resp[got] = '\0';
	close(h->fd);
	h->fd = -1;
	st = http_raw_status(resp);
	if (body != NULL) {
		b = strstr(resp, "\r\n\r\n");
		snprintf(body, cap, "%s", b != NULL ? b + 4 : "");
	}
	return st;
}

/* Cut the upload off (the client goes away). */
static void
held_abort(struct held *h)
{
	close(h->fd);
	h->fd = -1;
}

/* The bytes of every file below a folder, temporary files included. */
static uint64_t disk_sum;

static int
disk_visit(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)path;
	(void)f;
	if (flag == FTW_F && S_ISREG(st->st_mode))
		disk_sum += (uint64_t)st->st_size;
	return 0;
}

static uint64_t
disk_bytes(struct srv *s)
{
	char dir[4096];

	snprintf(dir, sizeof(dir), "%s/blobs", srv_data(s));
	disk_sum = 0;
	assert_int_equal(nftw(dir, disk_visit, 16, FTW_PHYS), 0);
	return disk_sum;
}

/* How many times ${needle} is in the server's log. */
static size_t
log_count(struct srv *s, const char *needle)
{
	char *t = srv_log_text(s), *p;
	size_t n = 0;

	assert_non_null(t);
	for (p = t; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	free(t);
	return n;
}

/* Wait until ${needle} is in the log ${n} times (30 s failure bound). */
static void
nap(void)
{
	struct timespec ts = { 0, 10 * 1000 * 1000L };

	nanosleep(&ts, NULL);
}

static void
wait_count(struct srv *s, const char *needle, size_t n)
{
	unsigned i;

	for (i = 0; i < 3000 && log_count(s, needle) < n; i++)
		nap();
	if (log_count(s, needle) < n)
		print_error("the log has \"%s\" %zu times, want %zu\n", needle,
		    log_count(s, needle), n);
	assert_true(log_count(s, needle) >= n);
}

/* Wait until ${n} temporary files are in the data folder. */
static void
wait_tmp(struct srv *s, size_t n)
{
	unsigned i;

	for (i = 0; i < 3000 && bc_count_files(srv_data(s), ".tmp-") != n; i++)
		nap();
	assert_int_equal(bc_count_files(srv_data(s), ".tmp-"), n);
}

/* Start a server of its own with the cofferd.conf ${conf}. */
static struct srv *
start(const char *conf)
{
	char path[4096];
	const char *args[] = { "--config", path, NULL };

	assert_non_null(Dir = srv_tmpdir());
	snprintf(path, sizeof(path), "%s/cofferd.conf", Dir);
	assert_int_equal(srv_write_file(path, conf), 0);
	assert_int_equal(srv_start_test(&S, args), 0);
	return S;
}

static int
teardown(void **state)
{
	(void)state;
	srv_free(&S);
	if (Dir != NULL)
		srv_rmtree(Dir);
	free(Dir);
	Dir = NULL;
	return 0;
}

/* Twenty uploads of 200 KiB held one byte short of the end, 1 MiB of
 * quota: five fit, the other fifteen are refused at the door (507 before
 * any body byte is read), and the disk never holds more than the quota.
 * Then an aborted upload gives its reservation back. */
static void
test_reserved_at_door(void **state)
{
	struct srv *s;
	struct test_account a;
	struct held h[N_UP], x, y;
	size_t i, ok = 0, full = 0, ended;
	long st;

	(void)state;
	s = start("quota = 1M\nupload_concurrency = 32\n");
	assert_int_equal(test_account_new(s, &a), 0);
	for (i = 0; i < N_UP; i++)
		held_open(s, &a, &h[i], UP_LEN, UP_LEN - 1);
	/* Every accepted upload has its bytes but one on disk. */
	wait_tmp(s, QUOTA / UP_LEN);
	assert_true(disk_bytes(s) <= QUOTA);
	for (i = 0; i < N_UP; i++) {
		st = held_finish(&h[i], NULL, 0);
		ok += st == 201;
		full += st == 507;
	}
	assert_int_equal(ok, QUOTA / UP_LEN);
	assert_int_equal(full, N_UP - ok);
	assert_int_equal(log_count(s, "status=507 in=0 "), N_UP - ok);
	assert_int_equal(bc_usage(s, &a, NULL), ok * UP_LEN);
	assert_int_equal(bc_count_files(srv_data(s), ".tmp-"), 0);

	/* Room for one more: X holds it, Y is refused at the door, X goes
	 * away, and its room comes back. */
	for (i = 0; i < N_UP; i++)
		if (bc_exists_one(s, &a, h[i].id) >= 0) {
			bc_delete(s, &a, h[i].id, 204);
			break;
		}
	ended = log_count(s, "end=client_abort");
	held_open(s, &a, &x, UP_LEN, 10);
	wait_tmp(s, 1);
	held_open(s, &a, &y, UP_LEN, 0);
	assert_int_equal(held_finish(&y, NULL, 0), 507);
	held_abort(&x);
	wait_count(s, "end=client_abort", ended + 1);
	held_open(s, &a, &y, UP_LEN, 0);
	assert_int_equal(held_finish(&y, NULL, 0), 201);
	assert_int_equal(srv_stop(s), 0);
}

/* At most upload_concurrency (4 by default) uploads of one account at
 * once: one more gets 429 with Retry-After, another account is not
 * affected, and an upload that ends frees its place. */
static void
test_uploads_capped(void **state)
{
	struct srv *s;
	struct test_account a, b;
	struct held h[4], x;
	char body[1024];
	size_t i, ended;

	(void)state;
	s = start("quota = 1G\n");
	assert_int_equal(test_account_new(s, &a), 0);
	assert_int_equal(test_account_new(s, &b), 0);
	for (i = 0; i < 4; i++)
		held_open(s, &a, &h[i], 1000, 10);
	wait_tmp(s, 4);
	held_open(s, &a, &x, 1000, 0);
	assert_int_equal(held_finish(&x, body, sizeof(body)), 429);
	assert_true(http_is_error(body, "rate_limited"));
	held_open(s, &b, &x, 1000, 0);
	assert_int_equal(held_finish(&x, NULL, 0), 201);
	ended = log_count(s, "end=client_abort");
	held_abort(&h[0]);
	wait_count(s, "end=client_abort", ended + 1);
	held_open(s, &a, &x, 1000, 0);
	assert_int_equal(held_finish(&x, NULL, 0), 201);
	for (i = 1; i < 4; i++)
		assert_int_equal(held_finish(&h[i], NULL, 0), 201);
	assert_int_equal(srv_stop(s), 0);
}

/* The path of blob ${id} of ${a}. */
static void
blob_path(struct srv *s, const struct test_account *a, const uint8_t *id,
    char *out, size_t cap)
{
	char hex[65];

	bc_hex(hex, id);
	snprintf(out, cap, "%s/blobs/%s/%.2s/%s", srv_data(s), a->id, hex,
	    hex);
}

/* A blob file and its folders keep no upload or read time. */
static void
test_no_times(void **state)
{
	struct srv *s;
	struct test_account a;
	struct stat st;
	uint8_t id[32];
	char path[4096];
	long code;

	(void)state;
	s = start("quota = 1G\n");
	assert_int_equal(test_account_new(s, &a), 0);
	bc_random_id(id);
	assert_int_equal(bc_put(s, &a, id, 5000, NULL, &code, NULL), 0);
	assert_int_equal(code, 201);
	bc_check(s, &a, id, 5000);
	blob_path(s, &a, id, path, sizeof(path));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mtime, 0);
	assert_int_equal(st.st_atime, 0);
	*strrchr(path, '/') = '\0';		/* the fan-out folder */
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mtime, 0);
	*strrchr(path, '/') = '\0';		/* the account's */
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mtime, 0);
	assert_int_equal(srv_stop(s), 0);
}

/* /v1/health asks both stores: with the blob folder gone, 503 naming
 * it. */
static void
test_health(void **state)
{
	struct srv *s;
	char dir[4096], *body = NULL;
	long st;

	(void)state;
	s = start("quota = 1G\n");
	assert_int_equal(http_request("GET", srv_url(s, "/v1/health"), NULL,
	    NULL, 0, &st, &body), 0);
	assert_int_equal(st, 200);
	free(body);
	snprintf(dir, sizeof(dir), "%s/blobs", srv_data(s));
	srv_rmtree(dir);
	assert_int_equal(http_request("GET", srv_url(s, "/v1/health"), NULL,
	    NULL, 0, &st, &body), 0);
	assert_int_equal(st, 503);
	assert_true(http_is_error(body, "unavailable"));
	assert_non_null(strstr(body, "blob store"));
	free(body);
	assert_int_equal(srv_stop(s), 0);
}

/* The sweep drops a file no reference holds and a dead upload's
 * temporary file once past the grace, keeps referenced blobs, and never
 * touches an upload in flight however long it lasts. */
static void
test_sweep_orphans(void **state)
{
	struct srv *s;
	struct test_account a;
	struct held h;
	uint8_t id[32], orphan[32];
	char path[4096], tmp[4096];
	size_t runs;
	long code;

	(void)state;
	s = start("maint_interval = 1\norphan_grace = 1\n");
	assert_int_equal(test_account_new(s, &a), 0);
	bc_random_id(id);
	assert_int_equal(bc_put(s, &a, id, 3000, NULL, &code, NULL), 0);
	assert_int_equal(code, 201);
	held_open(s, &a, &h, 3000, 100);
	wait_tmp(s, 1);
	/* A blob whose reference a crash lost, a dead upload's file. */
	bc_random_id(orphan);
	orphan[0] = id[0];
	blob_path(s, &a, orphan, path, sizeof(path));
	assert_int_equal(srv_write_file(path, "orphan"), 0);
	snprintf(tmp, sizeof(tmp), "%.*s/.tmp-dead", (int)(strrchr(path, '/') -
	    path), path);
	assert_int_equal(srv_write_file(tmp, "dead"), 0);
	wait_count(s, "orphans=2", 1);
	assert_int_not_equal(access(path, F_OK), 0);
	assert_int_not_equal(access(tmp, F_OK), 0);
	bc_check(s, &a, id, 3000);
	/* Two more runs with the upload in flight past the grace. */
	runs = log_count(s, "maint_run");
	wait_count(s, "maint_run", runs + 2);
	assert_int_equal(bc_count_files(srv_data(s), ".tmp-"), 1);
	/* Every run also prunes the sign-in's rows (srv_auth_prune). */
	assert_true(log_count(s, "sign_ins=") >= runs + 2);
	assert_int_equal(held_finish(&h, NULL, 0), 201);
	bc_check(s, &a, h.id, 3000);
	assert_int_equal(srv_stop(s), 0);
}

/* A reservation not renewed past its life is dropped by the sweep; the
 * upload that held it cannot go on. */
static void
test_sweep_reservations(void **state)
{
	struct srv *s;
	struct test_account a;
	struct held h;

	(void)state;
	s = start("maint_interval = 1\nupload_reservation_ttl = 2\n");
	assert_int_equal(test_account_new(s, &a), 0);
	held_open(s, &a, &h, 3000, 100);
	wait_tmp(s, 1);
	wait_count(s, "reservations=1", 1);
	assert_int_equal(held_finish(&h, NULL, 0), 507);
	assert_int_equal(srv_stop(s), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_reserved_at_door, teardown),
		cmocka_unit_test_teardown(test_uploads_capped, teardown),
		cmocka_unit_test_teardown(test_no_times, teardown),
		cmocka_unit_test_teardown(test_health, teardown),
		cmocka_unit_test_teardown(test_sweep_orphans, teardown),
		cmocka_unit_test_teardown(test_sweep_reservations, teardown),
	};

	return cmocka_run_group_tests_name("blobs_quota", tests, NULL, NULL);
}
