/* Folder helpers of the backup tests (test_backup_engine.c,
 * test_backup_restore.c, test_backup_maint.c): remove a tree, and compare
 * two trees entry by entry. */
#ifndef COFFER_TEST_TREE_COMPARE_H
#define COFFER_TEST_TREE_COMPARE_H

/** tree_rm_rf(path): remove ${path} and everything below it, never
 * following a symbolic link; what cannot be removed is left. */
void tree_rm_rf(const char *path);

/** tree_compare(a, b): fail the running test unless the trees at ${a}
 * and ${b} match entry by entry: kinds, modes, bytes, mtimes (whole
 * seconds), link targets and the xattr user.coffer. */
void tree_compare(const char *a, const char *b);

#endif
